import { DomainModule } from '../domain-module';
import { Org } from './org.entity';
import { OrgResolver } from './org.resolver';
import { orgService } from './org.service';

export default {
  name: 'org',
  resolvers: [OrgResolver],
  entities: [Org],
  nodes: { Org: (ctx, id) => orgService.findById(ctx, id) },
} satisfies DomainModule;
