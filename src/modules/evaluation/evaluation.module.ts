import { DomainModule } from '../domain-module';
import { CampaignResult, Evaluation, EvaluationReview, EvaluationScoreRow } from './evaluation.entity';
import { EvaluationResolver, OrgCampaignResolver, ResultComponentResolver } from './evaluation.resolver';
import { evaluationService } from './evaluation.service';

export default {
  name: 'evaluation',
  resolvers: [EvaluationResolver, OrgCampaignResolver, ResultComponentResolver],
  entities: [Evaluation, EvaluationScoreRow, EvaluationReview, CampaignResult],
  nodes: { Evaluation: (ctx, id) => evaluationService.findById(ctx, id) },
} satisfies DomainModule;
