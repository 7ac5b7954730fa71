import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { CriterionSource, CriterionSourceType } from './criterion-source';
import { PassRule, ScoringType } from './pass-rule';

export enum VersionStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
  RETIRED = 'RETIRED',
}
export const versionStatusLabels: Record<VersionStatus, string> = { DRAFT: '草稿', PUBLISHED: '已发布', RETIRED: '已停用' };
registerEnumType(VersionStatus, {
  name: 'VersionStatus',
  description: '考评标准版本状态：草稿可编辑；已发布不可修改，创建活动绑定它；发布新版本后旧版本停用',
  valuesConfig: labelled(versionStatusLabels),
});

@Entity('frameworks')
@ObjectType({
  implements: Node,
  description: '考评标准（如“四强四有”“五强五化”或本单位自定的标准）：按版本管理的指标体系和达标规则',
})
export class Framework {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field({ description: '标准代码（如 SQSY），导入同一代码的文档即为它的新版本' }) @Column() code: string;
  @Field({ description: '标准名称（如 四强四有）' }) @Column() name: string;
  @Field({ description: '标准说明' }) @Column() description: string;
  @Field(() => DateTimeScalar, { description: '首次导入时间' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity('framework_versions')
@ObjectType({ implements: Node, description: '考评标准版本：一棵指标树（维度 → 指标 → 评分项）及其达标规则' })
export class FrameworkVersion {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'framework_id' }) frameworkId: string;
  @Field(() => Int, { description: '版本号：同一标准内从 1 起递增' }) @Column('int') number: number;
  @Field(() => VersionStatus, { description: '版本状态' }) @Column('text') status: VersionStatus;
  @Field(() => PassRule, { description: '达标规则：计分方式、总分、达标线、等次、各考评类型的权重' }) @Column('jsonb') rule: PassRule;
  @Column('uuid', { name: 'created_from_id', nullable: true }) createdFromId: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '发布时间；未发布为空' })
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;
  @Field(() => DateTimeScalar, { description: '创建时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('criteria')
@ObjectType({
  implements: Node,
  description: '考评指标：指标树的一个节点（维度 → 指标 → 评分项）；末级指标按计分类型打分，上级指标由下级汇总',
})
export class Criterion {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'version_id' }) versionId: string;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId: string | null;
  @Field({ description: '指标代码（版本内唯一，如 Q1.2）' }) @Column() code: string;
  @Field({ description: '指标名称' }) @Column() title: string;
  @Field({ description: '评分说明：考什么、怎么评、要哪些佐证' }) @Column() guidance: string;
  @Field(() => Int, { description: '在同级中的顺序（0 为第一）' }) @Column('int') position: number;
  @Field(() => Float, { description: '权重：加权求和时同级非加分项的权重之和为 1；加分项为 0' })
  @Column('numeric', { transformer: numeric })
  weight: number;
  @Field(() => Float, { nullable: true, description: '满分（末级指标的录入上限）；加分项最多加这么多分；上级指标为空' })
  @Column('numeric', { name: 'max_score', nullable: true, transformer: numeric })
  maxScore: number | null;
  @Field(() => ScoringType, { nullable: true, description: '计分类型（末级指标）；上级指标为空' })
  @Column('text', { name: 'scoring_type', nullable: true })
  scoringType: ScoringType | null;
  @Field(() => Float, { nullable: true, description: '目标数：计数型指标达到它即得满分' })
  @Column('numeric', { nullable: true, transformer: numeric })
  target: number | null;
  @Field(() => Float, { nullable: true, description: '每次扣分：扣分型指标每发生一次扣的分数' })
  @Column('numeric', { name: 'deduction_per', nullable: true, transformer: numeric })
  deductionPer: number | null;
  @Field({ description: '是否加分项：在权重之外加分，总加分不超过达标规则的上限' }) @Column({ name: 'is_bonus' }) isBonus: boolean;
  @Field({ description: '是否一票否决项：得 0 分即定为否决等次，不能达标' }) @Column({ name: 'is_veto' }) isVeto: boolean;
  @Field({ description: '是否须附佐证材料：提交考评时此项须有佐证' }) @Column({ name: 'evidence_required' }) evidenceRequired: boolean;
  @Field(() => CriterionSourceType, {
    nullable: true,
    description: '数据来源（一次录入）：预填考评时按它统计平台中已有的记录（结对、践诺、台帐、简报、服务请求、群众评议）；未绑定为空',
  })
  @Column('jsonb', { nullable: true })
  source: CriterionSource | null;
}
