import { DomainModule } from '../domain-module';
import { HandedDownFramework, TenantLink, TenantLinkGrant } from './federation.entity';
import { HandedDownFrameworkResolver } from './federation-framework.resolver';
import { FederatedBureauResolver, TenantLinkGrantsResolver } from './federation-overview.resolver';
import { PlatformTenantLinkResolver, TenantLinkResolver } from './federation.resolver';
import { seedFederation } from './federation.seed';

export default {
  name: 'federation',
  resolvers: [
    TenantLinkResolver,
    PlatformTenantLinkResolver,
    FederatedBureauResolver,
    TenantLinkGrantsResolver,
    HandedDownFrameworkResolver,
  ],
  entities: [TenantLink, TenantLinkGrant, HandedDownFramework],
  nodes: {},
  seedDemo: seedFederation,
} satisfies DomainModule;
