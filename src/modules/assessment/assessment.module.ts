import { DomainModule } from '../domain-module';
import { AssessmentRule } from './assessment.entity';
import { AssessmentResolver } from './assessment.resolver';

export default {
  name: 'assessment',
  resolvers: [AssessmentResolver],
  entities: [AssessmentRule],
  nodes: {},
} satisfies DomainModule;
