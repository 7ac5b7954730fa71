import { DomainModule } from '../domain-module';
import { TenantLink, TenantLinkGrant } from './federation.entity';
import { FederatedBureauResolver, TenantLinkGrantsResolver } from './federation-overview.resolver';
import { PlatformTenantLinkResolver, TenantLinkResolver } from './federation.resolver';
import { seedFederation } from './federation.seed';

export default {
  name: 'federation',
  resolvers: [TenantLinkResolver, PlatformTenantLinkResolver, FederatedBureauResolver, TenantLinkGrantsResolver],
  entities: [TenantLink, TenantLinkGrant],
  nodes: {},
  seedDemo: seedFederation,
} satisfies DomainModule;
