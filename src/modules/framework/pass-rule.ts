import { Field, Float, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { labelled } from '../../graphql/enum-labels';

export enum EvaluationKind {
  SELF = 'SELF',
  SUPERIOR = 'SUPERIOR',
  PUBLIC = 'PUBLIC',
  INSPECTION = 'INSPECTION',
}
export const evaluationKindLabels: Record<EvaluationKind, string> = {
  SELF: '自查',
  SUPERIOR: '上级评议',
  PUBLIC: '群众评议',
  INSPECTION: '督导检查',
};
registerEnumType(EvaluationKind, {
  name: 'EvaluationKind',
  valuesConfig: labelled(evaluationKindLabels),
});

export enum Aggregation {
  WEIGHTED_SUM = 'WEIGHTED_SUM',
  AVERAGE = 'AVERAGE',
}
registerEnumType(Aggregation, {
  name: 'Aggregation',
  valuesConfig: {
    WEIGHTED_SUM: { description: 'A node scores the weighted sum of its children; non-bonus sibling weights sum to 1.' },
    AVERAGE: { description: 'A node scores the plain average of its children; weights are ignored.' },
  },
});

export enum ScoringType {
  SCALE = 'SCALE',
  BOOLEAN = 'BOOLEAN',
  PERCENT = 'PERCENT',
  COUNT = 'COUNT',
  DEDUCTION = 'DEDUCTION',
}
registerEnumType(ScoringType, {
  name: 'ScoringType',
  valuesConfig: {
    SCALE: { description: '0..maxScore' },
    BOOLEAN: { description: '1 (yes) scores maxScore, 0 (no) scores 0' },
    PERCENT: { description: '0..100, scores that share of maxScore' },
    COUNT: { description: 'a count against `target`; reaching it scores maxScore' },
    DEDUCTION: { description: '扣分: maxScore minus deductionPer for each occurrence, not below 0' },
  },
});

@ObjectType({ description: 'A grade band: totals at or above `min` get this grade (优秀/良好/合格/不合格, or star ratings).' })
@InputType('GradeBandInput')
export class GradeBand {
  @Field() code: string;
  @Field() label: string;
  @Field(() => Float) min: number;
}

@ObjectType()
@InputType('KindWeightInput')
export class KindWeight {
  @Field(() => EvaluationKind) kind: EvaluationKind;
  @Field(() => Float) weight: number;
}

/** The version's pass rule, stored as data (jsonb) beside its criteria. */
@ObjectType({ description: 'How a version turns scores into a total, a grade and attainment (建成).' })
@InputType('PassRuleInput')
export class PassRule {
  @Field(() => Aggregation) aggregation: Aggregation;
  @Field(() => Float, { description: 'Points of a perfect evaluation, bonus excluded (usually 100).' }) totalMax: number;
  @Field(() => Float, { description: 'Total needed to count as attained (建成服务型党组织).' }) threshold: number;
  @Field(() => Float, { description: 'Most points bonus items (加分项) may add.' }) bonusCap: number;
  @Field(() => [GradeBand], { description: 'Highest first; the last band starts at 0.' }) grades: GradeBand[];
  @Field({ description: 'Grade forced when a veto item (一票否决) fires.' }) vetoGrade: string;
  @Field(() => [KindWeight], { description: 'Weights of SELF / SUPERIOR / PUBLIC results in the final result; sum to 1.' })
  kindWeights: KindWeight[];
  @Field(() => [EvaluationKind], { description: 'Kinds that must be accepted before an org counts as evaluated.' })
  requiredKinds: EvaluationKind[];
  @Field(() => Float, { description: 'A criterion whose SELF and SUPERIOR (or inspection) ratios differ by more is reported.' })
  discrepancyMargin: number;
}

export const DEFAULT_GRADES: GradeBand[] = [
  { code: 'EXCELLENT', label: '优秀', min: 90 },
  { code: 'GOOD', label: '良好', min: 80 },
  { code: 'PASS', label: '合格', min: 60 },
  { code: 'FAIL', label: '不合格', min: 0 },
];

export const DEFAULT_RULE: PassRule = {
  aggregation: Aggregation.WEIGHTED_SUM,
  totalMax: 100,
  threshold: 80,
  bonusCap: 5,
  grades: DEFAULT_GRADES,
  vetoGrade: 'FAIL',
  kindWeights: [
    { kind: EvaluationKind.SELF, weight: 0.2 },
    { kind: EvaluationKind.SUPERIOR, weight: 0.5 },
    { kind: EvaluationKind.PUBLIC, weight: 0.3 },
  ],
  requiredKinds: [EvaluationKind.SUPERIOR],
  discrepancyMargin: 0.2,
};
