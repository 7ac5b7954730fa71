import { DomainModule } from '../domain-module';
import { ServiceBrand, ServiceStandard } from './service-brand.entity';
import { ServiceBrandResolver, ServiceStandardResolver } from './service-brand.resolver';
import { seedServiceBrandDemo } from './service-brand.seed';
import { serviceBrandService } from './service-brand.service';

export default {
  name: 'service-brand',
  resolvers: [ServiceBrandResolver, ServiceStandardResolver],
  entities: [ServiceBrand, ServiceStandard],
  nodes: { ServiceBrand: (ctx, id) => serviceBrandService.find(ctx, id) },
  seedDemo: seedServiceBrandDemo,
} satisfies DomainModule;
