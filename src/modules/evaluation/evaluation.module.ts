import { decodeGlobalId } from '../../graphql/relay';
import { DomainModule } from '../domain-module';
import { inScopeStatement } from '../org/scoped';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { CampaignResult, Evaluation, EvaluationReview, EvaluationScoreRow } from './evaluation.entity';
import { CriterionScoreResolver, EvaluationResolver, OrgCampaignResolver, ResultComponentResolver } from './evaluation.resolver';
import { evaluationService } from './evaluation.service';
import { ResultComparisonResolver } from './result-comparison.resolver';
import {
  CampaignVersionUpgradeResolver,
  CampaignVersionUpgradesResolver,
  CriterionMappingViewResolver,
  VersionUpgradeResolver,
  VersionUpgradeRowResolver,
} from './version-upgrade.resolver';

// A criterion score's evidence files are visible as its evaluation.
registerAttachable(
  'EvaluationScore',
  visibleThrough((ctx, id) => evaluationService.findByScore(ctx, id)),
);

export default {
  name: 'evaluation',
  resolvers: [
    EvaluationResolver,
    OrgCampaignResolver,
    ResultComponentResolver,
    CriterionScoreResolver,
    VersionUpgradeResolver,
    VersionUpgradeRowResolver,
    CampaignVersionUpgradeResolver,
    CampaignVersionUpgradesResolver,
    CriterionMappingViewResolver,
    ResultComparisonResolver,
  ],
  entities: [Evaluation, EvaluationScoreRow, EvaluationReview, CampaignResult],
  nodes: { Evaluation: (ctx, id) => evaluationService.findById(ctx, id) },
  // evaluation(id:) reads through findInScope first: that statement goes with the opening round trip
  readAhead: {
    evaluation: (tx, tenantId, args) => {
      const decoded = typeof args.id === 'string' ? decodeGlobalId(args.id) : undefined;
      return decoded?.type === 'Evaluation' ? inScopeStatement(tx, Evaluation, tenantId, decoded.id) : null;
    },
  },
} satisfies DomainModule;
