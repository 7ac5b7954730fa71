import { ArrayMaxSize, MaxLength, ValidateNested } from 'class-validator';
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
  description: '考评类型：自查（本组织）、上级评议、群众评议、督导检查（随督查记录评分）',
  valuesConfig: labelled(evaluationKindLabels),
});

export enum Aggregation {
  WEIGHTED_SUM = 'WEIGHTED_SUM',
  AVERAGE = 'AVERAGE',
}
export const aggregationLabels: Record<Aggregation, string> = { WEIGHTED_SUM: '加权求和', AVERAGE: '平均' };
registerEnumType(Aggregation, {
  name: 'Aggregation',
  description: '计分方式：上级指标如何由下级汇总（加权求和时同级非加分项权重之和为 1；平均时不看权重）',
  valuesConfig: labelled(aggregationLabels),
});

export enum ScoringType {
  SCALE = 'SCALE',
  BOOLEAN = 'BOOLEAN',
  PERCENT = 'PERCENT',
  COUNT = 'COUNT',
  DEDUCTION = 'DEDUCTION',
}
export const scoringTypeLabels: Record<ScoringType, string> = {
  SCALE: '分值',
  BOOLEAN: '是否',
  PERCENT: '百分比',
  COUNT: '计数',
  DEDUCTION: '扣分',
};
registerEnumType(ScoringType, {
  name: 'ScoringType',
  description:
    '计分类型：分值（0 到满分）；是否（1 得满分，0 不得分）；百分比（0 到 100，按比例得分）；计数（达到目标数得满分）；扣分（满分减去每次扣分 × 次数，不低于 0）',
  valuesConfig: labelled(scoringTypeLabels),
});

@ObjectType({ description: '等次：总分不低于起点分的得此等次（优秀/良好/合格/不合格，或星级）' })
@InputType('GradeBandInput', { description: '等次：总分不低于起点分的得此等次' })
export class GradeBand {
  @Field({ description: '等次代码（大写字母、数字或 _，如 EXCELLENT）' }) @MaxLength(40) code: string;
  @Field({ description: '等次名称（如 优秀、五星）' }) @MaxLength(40) label: string;
  @Field(() => Float, { description: '起点分：总分不低于它即得此等次；须有一个等次从 0 起' }) min: number;
}

@ObjectType({ description: '考评类型的权重：该类型的结果在最终结果中所占比重' })
export class KindWeight {
  @Field(() => EvaluationKind, { description: '考评类型' }) kind: EvaluationKind;
  @Field(() => Float, { description: '权重（各类型之和为 1）' }) weight: number;
}

@InputType({ description: '考评类型的权重' })
export class KindWeightInput {
  @Field(() => EvaluationKind, { description: '考评类型' }) kind: EvaluationKind;
  @Field(() => Float, { description: '权重（各类型之和为 1）' }) weight: number;
}

/** The version's pass rule, stored as data (jsonb) beside its criteria. */
@ObjectType({ description: '达标规则：如何由评分得出总分、等次和是否达标（建成服务型党组织）' })
export class PassRule {
  @Field(() => Aggregation, { description: '计分方式' }) aggregation: Aggregation;
  @Field(() => Float, { description: '总分：全部满分时的得分，不含加分（通常 100）' }) totalMax: number;
  @Field(() => Float, { description: '达标线：总分达到它才算建成服务型党组织' }) threshold: number;
  @Field(() => Float, { description: '加分上限：加分项合计最多加的分数' }) bonusCap: number;
  @Field(() => [GradeBand], { description: '等次，从高到低；最后一个从 0 分起' }) grades: GradeBand[];
  @Field({ description: '否决等次：一票否决项触发时定为的等次代码' }) vetoGrade: string;
  @Field(() => [KindWeight], { description: '自查、上级评议、群众评议在最终结果中的权重，之和为 1' })
  kindWeights: KindWeight[];
  @Field(() => [EvaluationKind], { description: '必需的考评类型：这些类型都已通过审核，组织才算“已考评”' })
  requiredKinds: EvaluationKind[];
  @Field(() => Float, { description: '差异提示线：自查与上级评议（或督导检查）同一指标得分率相差超过它时提示' })
  discrepancyMargin: number;
}

/** The same rule as input (the object type adds labels, which an input cannot have). */
@InputType({ description: '达标规则（只能修改草稿版本的规则）' })
export class PassRuleInput {
  @Field(() => Aggregation, { description: '计分方式' }) aggregation: Aggregation;
  @Field(() => Float, { description: '总分：全部满分时的得分，不含加分（通常 100）' }) totalMax: number;
  @Field(() => Float, { description: '达标线：总分达到它才算建成服务型党组织' }) threshold: number;
  @Field(() => Float, { description: '加分上限：加分项合计最多加的分数' }) bonusCap: number;
  @Field(() => [GradeBand], { description: '等次，从高到低；最后一个从 0 分起' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  grades: GradeBand[];
  @Field({ description: '否决等次：一票否决项触发时定为的等次代码' }) @MaxLength(40) vetoGrade: string;
  @Field(() => [KindWeightInput], { description: '自查、上级评议、群众评议在最终结果中的权重，之和为 1' })
  @ArrayMaxSize(10)
  kindWeights: KindWeightInput[];
  @Field(() => [EvaluationKind], { description: '必需的考评类型：这些类型都已通过审核，组织才算“已考评”' })
  @ArrayMaxSize(10)
  requiredKinds: EvaluationKind[];
  @Field(() => Float, { description: '差异提示线：自查与上级评议（或督导检查）同一指标得分率相差超过它时提示' })
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
