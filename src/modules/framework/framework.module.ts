import { DomainModule } from '../domain-module';
import { Criterion, Framework, FrameworkVersion } from './framework.entity';
import {
  CriterionResolver,
  CriterionSourceResolver,
  FrameworkResolver,
  FrameworkVersionResolver,
  KindWeightResolver,
  PassRuleResolver,
} from './framework.resolver';
import { frameworkService } from './framework.service';

export default {
  name: 'framework',
  resolvers: [
    FrameworkResolver,
    FrameworkVersionResolver,
    CriterionResolver,
    CriterionSourceResolver,
    PassRuleResolver,
    KindWeightResolver,
  ],
  entities: [Framework, FrameworkVersion, Criterion],
  nodes: {
    Framework: (ctx, id) => frameworkService.findFramework(ctx, id),
    FrameworkVersion: (ctx, id) => frameworkService.findVersion(ctx, id),
    Criterion: (ctx, id) => frameworkService.findCriterion(ctx, id),
  },
} satisfies DomainModule;
