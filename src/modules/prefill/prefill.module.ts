import { DomainModule } from '../domain-module';
import { EvaluationPrefill, SourceRecord } from './prefill.entity';
import { CriterionScoreSourceResolver, PrefillResolver, SourceRecordResolver } from './prefill.resolver';

/** 一次录入: prefillEvaluation counts the records criteria are bound to, and shows where each figure came from. */
export default {
  name: 'prefill',
  resolvers: [PrefillResolver, CriterionScoreSourceResolver, SourceRecordResolver],
  entities: [EvaluationPrefill, SourceRecord],
  nodes: {},
} satisfies DomainModule;
