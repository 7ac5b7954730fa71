import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { OrgKind } from '../org/org.entity';

/** `date` columns arrive as 'YYYY-MM-DD' strings; the Date scalar serializes those as they are. */
@Entity('campaigns')
@ObjectType({
  implements: Node,
  description: '创建活动：在一个党组织的范围内，按一个已发布的考评标准版本开展的创建工作，含阶段、报送节点和达标目标',
})
export class Campaign {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field({ description: '活动名称' }) @Column() name: string;
  @Column('uuid', { name: 'version_id' }) versionId: string;
  @Column('uuid', { name: 'scope_org_id' }) scopeOrgId: string;
  @Field(() => [OrgKind], { description: '参加创建的组织类型（基层党组织）：达标目标的分母是范围内这些类型的组织' })
  @Column('text', { name: 'eligible_kinds', array: true })
  eligibleKinds: OrgKind[];
  @Field(() => DateScalar, { description: '开始日期' }) @Column('date', { name: 'starts_on' }) startsOn: string;
  @Field(() => DateScalar, { description: '结束日期' }) @Column('date', { name: 'ends_on' }) endsOn: string;
  @Field(() => DateTimeScalar, { description: '创建时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

export enum CampaignOrderField {
  STARTS_ON = 'STARTS_ON',
  ENDS_ON = 'ENDS_ON',
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
export const campaignOrderFieldLabels: Record<CampaignOrderField, string> = {
  STARTS_ON: '开始日期',
  ENDS_ON: '结束日期',
  NAME: '活动名称',
  CREATED_AT: '创建时间',
};
registerEnumType(CampaignOrderField, {
  name: 'CampaignOrderField',
  description: '创建活动列表的排序字段；同值的按创建时间，再按编号',
  valuesConfig: labelled(campaignOrderFieldLabels),
});

@Entity('campaign_phases')
@ObjectType({ description: '活动阶段（如 制定方案、动员部署）及其起止日期；阶段可以重叠' })
export class CampaignPhase {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'campaign_id' }) campaignId: string;
  @Field(() => Int, { description: '顺序（0 为第一）' }) @Column('int') position: number;
  @Field({ description: '阶段名称' }) @Column() name: string;
  @Field(() => DateScalar, { description: '开始日期' }) @Column('date', { name: 'starts_on' }) startsOn: string;
  @Field(() => DateScalar, { description: '结束日期' }) @Column('date', { name: 'ends_on' }) endsOn: string;
}

@Entity('campaign_deadlines')
@ObjectType({
  implements: Node,
  description: '报送节点：某些组织须在期限前报送的材料（如 创建工作方案、自查总结）',
})
export class CampaignDeadline {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'campaign_id' }) campaignId: string;
  @Field({ description: '节点代码（活动内唯一，如 PLAN）' }) @Column() code: string;
  @Field({ description: '节点名称' }) @Column() name: string;
  @Field(() => DateScalar, { description: '报送期限（当天报送算按时）' }) @Column('date', { name: 'due_on' }) dueOn: string;
  @Field(() => [OrgKind], { description: '须报送的组织类型' })
  @Column('text', { name: 'org_kinds', array: true })
  orgKinds: OrgKind[];
  @Field(() => Int, { nullable: true, description: '只要求活动范围组织以下第几级的组织报送（1 为直属党组织）；为空则各级都要报送' })
  @Column('int', { name: 'relative_depth', nullable: true })
  relativeDepth: number | null;
}

@Entity('campaign_targets')
@ObjectType({ description: '达标目标：到某日，参加创建的组织中达标（建成）的比例应达到多少（如 年底 80%）' })
export class CampaignTarget {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @Field(() => DateScalar, { description: '目标日期' }) @PrimaryColumn('date', { name: 'due_on' }) dueOn: string;
  @Field(() => Float, { description: '目标比例（0 到 1，如 0.8）' }) @Column('numeric', { transformer: numeric }) ratio: number;
}

export enum SubmissionState {
  SUBMITTED = 'SUBMITTED',
  RETURNED = 'RETURNED',
}
export const submissionStateLabels: Record<SubmissionState, string> = { SUBMITTED: '已报送', RETURNED: '退回修改' };
registerEnumType(SubmissionState, {
  name: 'SubmissionState',
  description: '报送材料的状态：已报送；退回修改（上级退回，待本组织重新报送）',
  valuesConfig: labelled(submissionStateLabels),
});

@Entity('deadline_submissions')
@ObjectType({
  implements: Node,
  description: '报送材料：一个组织为一个报送节点报送的材料；上级可退回修改，本组织再重新报送',
})
export class DeadlineSubmission {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'deadline_id' }) deadlineId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field({ description: '材料内容（正文或摘要）' }) @Column() text: string;
  @Field(() => String, { nullable: true, description: '附件引用（文件编号或地址）' })
  @Column('text', { name: 'attachment_ref', nullable: true })
  attachmentRef: string | null;
  @Field(() => SubmissionState, { description: '状态' }) @Column('text') state: SubmissionState;
  @Field(() => String, { nullable: true, description: '退回理由（退回修改期间）；每次退回都记在 history 中' })
  @Column('text', { name: 'return_reason', nullable: true })
  returnReason: string | null;
  @Field(() => DateTimeScalar, { description: '最近一次报送时间（退回后重新报送会更新）' })
  @Column('timestamptz', { name: 'submitted_at' })
  submittedAt: Date;
  @Field(() => DateTimeScalar, { description: '首次报送时间：按时还是逾期以它为准' })
  @Column('timestamptz', { name: 'first_submitted_at' })
  firstSubmittedAt: Date;
  @Column('uuid', { name: 'submitted_by' }) submittedBy: string;
}

export enum SubmissionAction {
  SUBMITTED = 'SUBMITTED',
  RETURNED = 'RETURNED',
  RESUBMITTED = 'RESUBMITTED',
}
export const submissionActionLabels: Record<SubmissionAction, string> = {
  SUBMITTED: '报送',
  RETURNED: '退回修改',
  RESUBMITTED: '重新报送',
};
registerEnumType(SubmissionAction, {
  name: 'SubmissionAction',
  description: '报送材料的一步操作',
  valuesConfig: labelled(submissionActionLabels),
});

/** One step of a submission's history (exposed as SubmissionHistoryEntry). */
@Entity('deadline_submission_events')
export class DeadlineSubmissionEvent {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'submission_id' }) submissionId: string;
  @Column('text') action: SubmissionAction;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('uuid', { name: 'actor_id' }) actorId: string;
  @Column('timestamptz') at: Date;
}

export enum SubmissionStatus {
  ON_TIME = 'ON_TIME',
  LATE = 'LATE',
  RETURNED = 'RETURNED',
  MISSING = 'MISSING',
}
export const submissionStatusLabels: Record<SubmissionStatus, string> = {
  ON_TIME: '按时报送',
  LATE: '逾期报送',
  RETURNED: '退回修改',
  MISSING: '未报送',
};
registerEnumType(SubmissionStatus, {
  name: 'SubmissionStatus',
  description: '一个组织对报送节点的完成情况：按时或逾期以首次报送为准；退回修改指已退回、尚未重新报送',
  valuesConfig: labelled(submissionStatusLabels),
});
