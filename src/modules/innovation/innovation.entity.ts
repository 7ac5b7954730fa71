import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

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
  description: '"多彩服务"党建创新活动的工作流程',
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
registerEnumType(InnovationGoalKind, { name: 'InnovationGoalKind', valuesConfig: labelled(innovationGoalKindLabels) });

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
registerEnumType(InnovationAwardLevel, { name: 'InnovationAwardLevel', valuesConfig: labelled(innovationAwardLevelLabels) });

@Entity('innovation_projects')
@ObjectType({ implements: Node, description: '"多彩服务"党建创新活动: a unit’s innovation project, from research to promotion.' })
export class InnovationProject {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => Int) @Column('int') year: number;
  @Field({ description: '活动主题' }) @Column() theme: string;
  @Field({ description: '实施方案' }) @Column() plan: string;
  @Field(() => InnovationStage) @Column('text') stage: InnovationStage;
  @Field(() => Float, { nullable: true, description: '成效评估 score, 0 to 100.' })
  @Column('numeric', { nullable: true, transformer: numeric })
  score: number | null;
  @Field(() => String, { nullable: true }) @Column('text', { name: 'evaluation_summary', nullable: true }) evaluationSummary: string | null;
  @Column('uuid', { name: 'evaluated_by', nullable: true }) evaluatedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { name: 'evaluated_at', nullable: true })
  evaluatedAt: Date | null;
  @Field(() => InnovationAwardLevel, { nullable: true })
  @Column('text', { name: 'award_level', nullable: true })
  awardLevel: InnovationAwardLevel | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('innovation_goals')
@ObjectType({ description: 'A goal of the project, optionally measurable (e.g. 审批时限 from 20 to 5 工作日).' })
export class InnovationGoal {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'project_id' }) projectId: string;
  @Field(() => Int) @PrimaryColumn('int') position: number;
  @Field(() => InnovationGoalKind) @Column('text') kind: InnovationGoalKind;
  @Field() @Column() description: string;
  @Field(() => Float, { nullable: true, description: 'Where it stands now (20).' })
  @Column('numeric', { nullable: true, transformer: numeric })
  baseline: number | null;
  @Field(() => Float, { nullable: true, description: 'Where it should get to (5).' })
  @Column('numeric', { nullable: true, transformer: numeric })
  target: number | null;
  @Field(() => String, { nullable: true, description: 'Unit of baseline and target (工作日).' }) @Column('text', { nullable: true }) unit:
    string | null;
}

@Entity('innovation_stage_changes')
@ObjectType({ description: 'One step of a project: who moved it, when, from which stage to which, and why.' })
export class InnovationStageChange {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'project_id' }) projectId: string;
  @Field(() => InnovationStage, { nullable: true, description: 'null for the registration.' })
  @Column('text', { name: 'from_stage', nullable: true })
  fromStage: InnovationStage | null;
  @Field(() => InnovationStage) @Column('text', { name: 'to_stage' }) toStage: InnovationStage;
  @Field() @Column() note: string;
  @Column('uuid', { name: 'moved_by' }) movedBy: string;
  @Field(() => DateTimeScalar) @Column('timestamptz', { name: 'moved_at' }) movedAt: Date;
}
