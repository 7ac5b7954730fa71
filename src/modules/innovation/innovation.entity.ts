import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';
import { Org } from '../org/org.entity';

/** The source's flow management: 调研 → 实施 → 督查指导 → 成效评估 → 评比表彰 → 总结推广. */
export enum InnovationStage {
  RESEARCH = 'RESEARCH',
  IMPLEMENTING = 'IMPLEMENTING',
  SUPERVISED = 'SUPERVISED',
  EVALUATED = 'EVALUATED',
  AWARDED = 'AWARDED',
  PROMOTED = 'PROMOTED',
}
export const innovationStageLabels: Record<InnovationStage, string> = {
  RESEARCH: '调研',
  IMPLEMENTING: '实施',
  SUPERVISED: '督查指导',
  EVALUATED: '成效评估',
  AWARDED: '评比表彰',
  PROMOTED: '总结推广',
};
registerEnumType(InnovationStage, {
  name: 'InnovationStage',
  description: '“多彩服务”党建创新活动的工作流程：调研 → 实施 → 督查指导 → 成效评估 → 评比表彰 → 总结推广',
  valuesConfig: labelled(innovationStageLabels),
});

/** What the source says the activity is about (四(二)). */
export enum InnovationGoalKind {
  REDUCE_APPROVALS = 'REDUCE_APPROVALS',
  SHORTEN_APPROVAL_TIME = 'SHORTEN_APPROVAL_TIME',
  EXPAND_SERVICES = 'EXPAND_SERVICES',
  EXTEND_SERVICE_REACH = 'EXTEND_SERVICE_REACH',
  RAISE_SERVICE_LEVEL = 'RAISE_SERVICE_LEVEL',
  IMPROVE_SERVICE_ATTITUDE = 'IMPROVE_SERVICE_ATTITUDE',
  OTHER = 'OTHER',
}
export const innovationGoalKindLabels: Record<InnovationGoalKind, string> = {
  REDUCE_APPROVALS: '减少审批事项',
  SHORTEN_APPROVAL_TIME: '缩短审批时限',
  EXPAND_SERVICES: '拓展服务项目',
  EXTEND_SERVICE_REACH: '扩展服务外延',
  RAISE_SERVICE_LEVEL: '提升服务水平',
  IMPROVE_SERVICE_ATTITUDE: '改善服务态度',
  OTHER: '其他',
};
registerEnumType(InnovationGoalKind, {
  name: 'InnovationGoalKind',
  description: '创新目标的类别（方案四(二)：减少审批事项、缩短审批时限、拓展服务项目等）',
  valuesConfig: labelled(innovationGoalKindLabels),
});

export enum InnovationAwardLevel {
  FIRST = 'FIRST',
  SECOND = 'SECOND',
  THIRD = 'THIRD',
  EXCELLENCE = 'EXCELLENCE',
}
export const innovationAwardLevelLabels: Record<InnovationAwardLevel, string> = {
  FIRST: '一等奖',
  SECOND: '二等奖',
  THIRD: '三等奖',
  EXCELLENCE: '优秀奖',
};
registerEnumType(InnovationAwardLevel, {
  name: 'InnovationAwardLevel',
  description: '评比表彰的奖项等级',
  valuesConfig: labelled(innovationAwardLevelLabels),
});

@Entity('innovation_projects')
@ObjectType({
  implements: Node,
  description: '“多彩服务”党建创新项目：一个单位的创新活动，经调研、实施、督查指导、成效评估、评比表彰到总结推广',
})
export class InnovationProject {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => Int, { description: '年度' }) @Column('int') year: number;
  @Field({ description: '活动主题' }) @Column() theme: string;
  @Field({ description: '实施方案' }) @Column() plan: string;
  @Field(() => InnovationStage, { description: '所处阶段' }) @Column('text') stage: InnovationStage;
  @Field(() => Float, { nullable: true, description: '成效评估得分（0–100）；未评估为空' })
  @Column('numeric', { nullable: true, transformer: numeric })
  score: number | null;
  @Field(() => String, { nullable: true, description: '成效评估意见；未评估为空' })
  @Column('text', { name: 'evaluation_summary', nullable: true })
  evaluationSummary: string | null;
  @Column('uuid', { name: 'evaluated_by', nullable: true }) evaluatedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '成效评估时间；未评估为空' })
  @Column('timestamptz', { name: 'evaluated_at', nullable: true })
  evaluatedAt: Date | null;
  @Field(() => InnovationAwardLevel, { nullable: true, description: '奖项等级；未表彰为空' })
  @Column('text', { name: 'award_level', nullable: true })
  awardLevel: InnovationAwardLevel | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '立项时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
  /** The project's org, when a list joined it for its tree order (not a column). */
  listedOrg?: Org;
}

@Entity('innovation_goals')
@ObjectType({ description: '创新目标：项目的一项目标，可量化（如审批时限由20个工作日缩短至5个工作日）' })
export class InnovationGoal {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'project_id' }) projectId: string;
  @Field(() => Int, { description: '序号（从 0 起）' }) @PrimaryColumn('int') position: number;
  @Field(() => InnovationGoalKind, { description: '目标类别' }) @Column('text') kind: InnovationGoalKind;
  @Field({ description: '目标说明' }) @Column() description: string;
  @Field(() => Float, { nullable: true, description: '现状值（如 20）；不可量化时为空' })
  @Column('numeric', { nullable: true, transformer: numeric })
  baseline: number | null;
  @Field(() => Float, { nullable: true, description: '目标值（如 5）；不可量化时为空' })
  @Column('numeric', { nullable: true, transformer: numeric })
  target: number | null;
  @Field(() => String, { nullable: true, description: '现状值和目标值的计量单位（如“工作日”）' })
  @Column('text', { nullable: true })
  unit: string | null;
}

@Entity('innovation_stage_changes')
@ObjectType({ description: '项目的一步流转：谁、何时、从哪个阶段到哪个阶段、说明' })
export class InnovationStageChange {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'project_id' }) projectId: string;
  @Field(() => InnovationStage, { nullable: true, description: '原阶段；立项时为空' })
  @Column('text', { name: 'from_stage', nullable: true })
  fromStage: InnovationStage | null;
  @Field(() => InnovationStage, { description: '新阶段' }) @Column('text', { name: 'to_stage' }) toStage: InnovationStage;
  @Field({ description: '说明（退回时为退回理由）' }) @Column() note: string;
  @Column('uuid', { name: 'moved_by' }) movedBy: string;
  @Field(() => DateTimeScalar, { description: '流转时间' }) @Column('timestamptz', { name: 'moved_at' }) movedAt: Date;
}
