import { rawIdOf } from '../../graphql/relay';
import { DomainModule, ReadAhead } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { evaluationError } from './evaluation.errors';
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
  visibleThrough((ctx, id) => evaluationService.findByScore(ctx, id), {
    entity: EvaluationScoreRow,
    gone: () => evaluationError('EVALUATION_NOT_FOUND'),
  }),
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
  // evaluation(id:) reads through findInScope first, and the mutations that change an evaluation through
  // getToChange: those statements go with the opening round trip (src/graphql/read-ahead.ts)
  readAhead: {
    evaluation: (tx, tenantId, args) => {
      const id = rawIdOf('Evaluation', args.id);
      return id ? evaluationService.readStatement(tx, tenantId, id) : null;
    },
    ...Object.fromEntries(
      ['saveScores', 'submitEvaluation', 'returnEvaluation', 'acceptEvaluation'].map((field): [string, ReadAhead] => [
        field,
        (tx, tenantId, args) => {
          const id = rawIdOf('Evaluation', (args.input as { evaluationId?: unknown } | undefined)?.evaluationId);
          return id ? evaluationService.toChangeStatement(tx, tenantId, id) : null;
        },
      ]),
    ),
  },
} satisfies DomainModule;
