import { DomainModule } from '../domain-module';
import { Tenant } from './tenant.entity';
import { TenantResolver, ViewerTenantResolver } from './tenant.resolver';
import { tenantService } from './tenant.service';

export default {
  name: 'tenant',
  resolvers: [TenantResolver, ViewerTenantResolver],
  entities: [Tenant],
  nodes: { Tenant: (ctx, id) => tenantService.findById(ctx, id) },
} satisfies DomainModule;
