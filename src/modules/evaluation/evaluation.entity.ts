import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { EvaluationKind } from '../framework/pass-rule';

export enum EvaluationState {
  DRAFT = 'DRAFT',
  SUBMITTED = 'SUBMITTED',
  ACCEPTED = 'ACCEPTED',
  RETURNED = 'RETURNED',
}
export const evaluationStateLabels: Record<EvaluationState, string> = {
  DRAFT: '填报中',
  SUBMITTED: '已提交',
  ACCEPTED: '已通过',
  RETURNED: '已退回',
};
registerEnumType(EvaluationState, {
  name: 'EvaluationState',
  description: '考评状态：填报中 → 已提交 → 已通过；审核人可退回，退回后修改再提交',
  valuesConfig: labelled(evaluationStateLabels),
});

export enum EvaluationOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  SUBMITTED_AT = 'SUBMITTED_AT',
  TOTAL = 'TOTAL',
  STATE = 'STATE',
  ORG = 'ORG',
}
export const evaluationOrderFieldLabels: Record<EvaluationOrderField, string> = {
  CREATED_AT: '发起时间',
  UPDATED_AT: '最后修改时间',
  SUBMITTED_AT: '最近一次提交时间（未提交的视为最晚）',
  TOTAL: '总分（未提交、没有总分的视为最低）',
  STATE: '状态（按填报中、已提交、已通过、已退回的顺序）',
  ORG: '被考评组织（按组织树的顺序）',
};
registerEnumType(EvaluationOrderField, {
  name: 'EvaluationOrderField',
  description: '考评列表的排序字段；同值的按发起时间，再按编号',
  valuesConfig: labelled(evaluationOrderFieldLabels),
});

@Entity('evaluations')
@ObjectType({
  implements: Node,
  description: '考评：按创建活动的考评标准为一个组织打分（自查、上级评议、群众评议、督导检查），经审核通过后计入活动结果',
})
export class Evaluation {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'campaign_id' }) campaignId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  /** The version it is scored under when a version upgrade left it behind (a finalized record); null: the campaign's. */
  @Column('uuid', { name: 'version_id', nullable: true }) versionId: string | null;
  @Field(() => EvaluationKind, { description: '考评类型' }) @Column('text') kind: EvaluationKind;
  @Field(() => EvaluationState, { description: '状态' }) @Column('text') state: EvaluationState;
  @Field(() => Int, { description: '版本号：每次保存都会变化；保存和提交时作为 expectedVersion 传回，防止覆盖他人的修改' })
  @Column('int')
  version: number;
  @Field(() => Float, { nullable: true, description: '总分：提交时记下；未提交为空（实时得分见 result）' })
  @Column('numeric', { nullable: true, transformer: numeric })
  total: number | null;
  @Field(() => String, { nullable: true, description: '等次代码：提交时记下；未提交为空' }) @Column('text', { nullable: true }) grade:
    string | null;
  @Field(() => Boolean, { nullable: true, description: '是否触发一票否决：提交时记下；未提交为空' })
  @Column('boolean', { nullable: true })
  veto: boolean | null;
  @Field(() => String, { nullable: true, description: '本次退回的理由（已退回时）；历次退回见 history' })
  @Column('text', { name: 'return_reason', nullable: true })
  returnReason: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'submitted_by', nullable: true }) submittedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '最近一次提交时间' })
  @Column('timestamptz', { name: 'submitted_at', nullable: true })
  submittedAt: Date | null;
  @Column('uuid', { name: 'reviewed_by', nullable: true }) reviewedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '最近一次审核（通过或退回）时间' })
  @Column('timestamptz', { name: 'reviewed_at', nullable: true })
  reviewedAt: Date | null;
  @Field(() => DateTimeScalar, { description: '发起时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export enum ReviewAction {
  SUBMITTED = 'SUBMITTED',
  RETURNED = 'RETURNED',
  ACCEPTED = 'ACCEPTED',
}
export const reviewActionLabels: Record<ReviewAction, string> = { SUBMITTED: '提交', RETURNED: '退回', ACCEPTED: '通过' };
registerEnumType(ReviewAction, {
  name: 'EvaluationReviewAction',
  description: '考评的一步操作：提交、退回或审核通过',
  valuesConfig: labelled(reviewActionLabels),
});

/** One step of an evaluation's review history (exposed as EvaluationHistoryEntry). */
@Entity('evaluation_reviews')
export class EvaluationReview {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'evaluation_id' }) evaluationId: string;
  @Column('text') action: ReviewAction;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('uuid', { name: 'actor_id' }) actorId: string;
  @Column('timestamptz') at: Date;
}

@Entity('evaluation_scores')
export class EvaluationScoreRow {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'evaluation_id' }) evaluationId: string;
  @PrimaryColumn('uuid', { name: 'criterion_id' }) criterionId: string;
  /** The score's own id (files are attached to it: record type `EvaluationScore`). */
  @Column({ type: 'uuid', insert: false, update: false }) id: string;
  @Column('numeric', { transformer: numeric }) value: number;
  @Column('text', { nullable: true }) note: string | null;
  @Column('text', { nullable: true }) evidence: string | null;
}

@ObjectType({ description: '活动结果的一个组成部分：一种考评类型的总分及其权重' })
export class ResultComponent {
  @Field(() => EvaluationKind, { description: '考评类型' }) kind: EvaluationKind;
  @Field(() => Float, { description: '该类型最近一次通过审核的考评总分' }) total: number;
  @Field(() => Float, { description: '权重：按已有的考评类型重新归一后的比重' }) weight: number;
}

@ObjectType({ description: '上级标准的一个维度：按上级单位下发的标准计算的得分' })
export class SuperiorDimensionScore {
  @Field({ description: '维度代码（上级标准中的）' }) code: string;
  @Field({ description: '维度名称' }) title: string;
  @Field(() => Float, { description: '本维度计入总分的分数（各考评类型按权重合成）' }) points: number;
  @Field(() => Float, { description: '本维度的满分' }) maxPoints: number;
}

@ObjectType({
  description:
    '对照上级标准的结果：活动采用的是上级单位下发的标准时，同一批已通过审核的考评按上级标准的指标、权重和达标规则算出的结果（本单位增加的指标不计），即上级单位看到的结果',
})
export class SuperiorResult {
  /** The link the standard came down, and the superior tenant (read by app_federation_progress; not shown). */
  linkId: string;
  superiorTenantId: string;
  handedDownId: string;
  @Field({ description: '上级标准的名称' }) frameworkName: string;
  @Field(() => Float, { description: '按上级标准的总分' }) total: number;
  @Field({ description: '按上级标准的等次代码' }) grade: string;
  @Field({ description: '按上级标准的等次名称' }) gradeLabel: string;
  @Field({ description: '按上级标准是否达标' }) attained: boolean;
  @Field({ description: '是否触发上级标准的一票否决' }) veto: boolean;
  @Field({ description: '上级标准要求的考评类型是否都已通过审核' }) complete: boolean;
  @Field(() => [SuperiorDimensionScore], { description: '上级标准各维度的得分' }) dimensions: SuperiorDimensionScore[];
}

@Entity('campaign_results')
@ObjectType({ description: '活动结果：一个组织在创建活动中的最终得分，由已通过审核的各类考评按规则权重合成，审核通过时算出并保存' })
export class CampaignResult {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @PrimaryColumn('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => Float, { description: '总分' }) @Column('numeric', { transformer: numeric }) total: number;
  @Field({ description: '等次代码（名称见 gradeLabel）' }) @Column() grade: string;
  @Field({ description: '是否达标：建成服务型党组织' }) @Column() attained: boolean;
  @Field({ description: '是否有通过审核的考评触发了一票否决' }) @Column() veto: boolean;
  @Field({ description: '是否已考评：必需的考评类型都已通过审核' }) @Column() complete: boolean;
  @Field(() => [ResultComponent], { description: '各考评类型的组成' }) @Column('jsonb') components: ResultComponent[];
  @Field(() => SuperiorResult, { nullable: true, description: '对照上级标准的结果（活动采用的不是上级单位下发的标准时为空）' })
  @Column('jsonb', { nullable: true })
  superior: SuperiorResult | null;
  @Field(() => DateTimeScalar, { description: '计算时间' }) @Column('timestamptz', { name: 'computed_at' }) computedAt: Date;
}
