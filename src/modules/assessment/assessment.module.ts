import { DomainModule } from '../domain-module';
import { AssessmentRule } from './assessment.entity';
import { AssessmentResolver, SeverityPointsResolver } from './assessment.resolver';

export default {
  name: 'assessment',
  resolvers: [AssessmentResolver, SeverityPointsResolver],
  entities: [AssessmentRule],
  nodes: {},
} satisfies DomainModule;
