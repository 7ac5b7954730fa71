import { DomainModule } from '../domain-module';
import { InnovationGoal, InnovationProject, InnovationStageChange } from './innovation.entity';
import { InnovationGoalResolver, InnovationProjectResolver, InnovationStageChangeResolver } from './innovation.resolver';
import { innovationService } from './innovation.service';
import { seedInnovationDemo } from './innovation.seed';

export default {
  name: 'innovation',
  resolvers: [InnovationProjectResolver, InnovationGoalResolver, InnovationStageChangeResolver],
  entities: [InnovationProject, InnovationGoal, InnovationStageChange],
  nodes: { InnovationProject: (ctx, id) => innovationService.find(ctx, id) },
  seedDemo: seedInnovationDemo,
} satisfies DomainModule;
