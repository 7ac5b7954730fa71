import { DomainModule } from '../domain-module';
import { TenantLink } from './federation.entity';
import { PlatformTenantLinkResolver, TenantLinkResolver } from './federation.resolver';

export default {
  name: 'federation',
  resolvers: [TenantLinkResolver, PlatformTenantLinkResolver],
  entities: [TenantLink],
  nodes: {},
} satisfies DomainModule;
