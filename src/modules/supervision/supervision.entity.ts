import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum InspectionMethod {
  BRIEFING = 'BRIEFING',
  LEDGER_REVIEW = 'LEDGER_REVIEW',
  PUBLIC_VISIT = 'PUBLIC_VISIT',
  SYMPOSIUM = 'SYMPOSIUM',
  FIELD_CHECK = 'FIELD_CHECK',
  INTERVIEW = 'INTERVIEW',
  QUESTIONNAIRE = 'QUESTIONNAIRE',
}
export const inspectionMethodLabels: Record<InspectionMethod, string> = {
  BRIEFING: '听取汇报',
  LEDGER_REVIEW: '查阅台帐',
  PUBLIC_VISIT: '走访群众',
  SYMPOSIUM: '座谈',
  FIELD_CHECK: '实地查看',
  INTERVIEW: '个别谈话',
  QUESTIONNAIRE: '问卷调查',
};
registerEnumType(InspectionMethod, {
  name: 'InspectionMethod',
  description: '督查方式：听取汇报、查阅台帐、走访群众等',
  valuesConfig: labelled(inspectionMethodLabels),
});

export enum InspectionState {
  DRAFT = 'DRAFT',
  FINALIZED = 'FINALIZED',
}
export const inspectionStateLabels: Record<InspectionState, string> = { DRAFT: '草稿', FINALIZED: '已定稿' };
registerEnumType(InspectionState, {
  name: 'InspectionState',
  description: '督查记录状态：草稿可修改；定稿后加入记录链，不可更改，只能以更正记录更正',
  valuesConfig: labelled(inspectionStateLabels),
});

export enum InspectionOrderField {
  INSPECTED_ON = 'INSPECTED_ON',
  CREATED_AT = 'CREATED_AT',
  FINALIZED_AT = 'FINALIZED_AT',
  STATE = 'STATE',
  ORG = 'ORG',
}
export const inspectionOrderFieldLabels: Record<InspectionOrderField, string> = {
  INSPECTED_ON: '督查日期',
  CREATED_AT: '录入时间',
  FINALIZED_AT: '定稿时间（草稿视为最晚）',
  STATE: '状态（按草稿、已定稿的顺序）',
  ORG: '被督查组织（按组织树的顺序）',
};
registerEnumType(InspectionOrderField, {
  name: 'InspectionOrderField',
  description: '督查记录列表的排序字段；同值的按录入时间，再按编号',
  valuesConfig: labelled(inspectionOrderFieldLabels),
});

export enum FindingSeverity {
  MINOR = 'MINOR',
  MODERATE = 'MODERATE',
  SERIOUS = 'SERIOUS',
  CRITICAL = 'CRITICAL',
}
export const findingSeverityLabels: Record<FindingSeverity, string> = {
  MINOR: '一般',
  MODERATE: '较重',
  SERIOUS: '严重',
  CRITICAL: '特别严重',
};
registerEnumType(FindingSeverity, {
  name: 'FindingSeverity',
  description: '问题的严重程度（年度考核按此扣分）',
  valuesConfig: labelled(findingSeverityLabels),
});

export enum RectificationState {
  OPEN = 'OPEN',
  SUBMITTED = 'SUBMITTED',
  VERIFIED = 'VERIFIED',
  REOPENED = 'REOPENED',
  /** Its finding was withdrawn by a finalized amendment: nothing left to rectify. */
  WITHDRAWN = 'WITHDRAWN',
}
export const rectificationStateLabels: Record<RectificationState, string> = {
  OPEN: '待整改',
  SUBMITTED: '已报整改',
  VERIFIED: '已销号',
  REOPENED: '重新整改',
  WITHDRAWN: '已撤回',
};
registerEnumType(RectificationState, {
  name: 'RectificationState',
  description: '整改状态：待整改 → 已报整改 → 已销号（或退回重新整改）；问题被更正记录撤回时整改随之撤回',
  valuesConfig: labelled(rectificationStateLabels),
});
/** States in which a rectification is closed: neither open work nor overdue. */
export const CLOSED_RECTIFICATION_STATES = [RectificationState.VERIFIED, RectificationState.WITHDRAWN];

/** How the record chain broke, as verifyRecords reports it. */
export enum ChainBreak {
  SEQUENCE_GAP = 'SEQUENCE_GAP',
  PREVIOUS_HASH = 'PREVIOUS_HASH',
  CONTENT_CHANGED = 'CONTENT_CHANGED',
  HEAD_MISMATCH = 'HEAD_MISMATCH',
}
export const chainBreakLabels: Record<ChainBreak, string> = {
  SEQUENCE_GAP: '序号不连续',
  PREVIOUS_HASH: '前序哈希不符',
  CONTENT_CHANGED: '内容与哈希不符',
  HEAD_MISMATCH: '链头与末条记录不符',
};
/** What each break means, for the person reading the verification. */
export const chainBreakReasons: Record<ChainBreak, string> = {
  SEQUENCE_GAP: '记录链序号不连续：有定稿记录缺失或被插入',
  PREVIOUS_HASH: '该记录保存的前序哈希与前一条记录不符：链在此处被改接',
  CONTENT_CHANGED: '该记录的内容与其哈希不符：定稿后被改动',
  HEAD_MISMATCH: '记录链链头与最后一条定稿记录不符：末尾记录缺失或链头被改动',
};
registerEnumType(ChainBreak, {
  name: 'ChainBreak',
  description: '记录链断裂的类型',
  valuesConfig: labelled(chainBreakLabels),
});

@Entity('supervision_teams')
@ObjectType({ implements: Node, description: '督导组：由督查人员组成，对指定党组织及其下级开展督查、下达并验收整改' })
export class SupervisionTeam {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field({ description: '督导组名称' }) @Column() name: string;
  @Column('uuid', { name: 'leader_id' }) leaderId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => DateTimeScalar, { description: '组建时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('inspections')
@ObjectType({
  implements: Node,
  description: '督查记录：督导组对一个党组织的一次督查，含发现的问题、评分表和回头看；定稿后加入记录链，不可更改，只能更正',
})
export class Inspection {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'team_id' }) teamId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => DateScalar, { description: '督查日期' }) @Column('date', { name: 'inspected_on' }) inspectedOn: string;
  @Field(() => [InspectionMethod], { description: '督查方式（中文名见 methodLabels）' })
  @Column('text', { array: true })
  methods: InspectionMethod[];
  @Field({ description: '督查情况摘要' }) @Column() summary: string;
  @Field(() => InspectionState, { description: '状态：草稿或已定稿' }) @Column('text') state: InspectionState;
  @Column('uuid', { name: 'evaluation_id', nullable: true }) evaluationId: string | null;
  @Column('uuid', { name: 'amends_id', nullable: true }) amendsId: string | null;
  @Field(() => String, { nullable: true, description: '更正理由：本记录为何更正它所更正的记录（非更正记录为空）' })
  @Column('text', { name: 'amendment_reason', nullable: true })
  amendmentReason: string | null;
  @Field({ description: '请求编号（客户端生成）：以同一编号重发的请求得到同一份记录' })
  @Column({ name: 'idempotency_key' })
  idempotencyKey: string;
  @Column({ name: 'request_hash' }) requestHash: string;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'finalized_by', nullable: true }) finalizedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '定稿时间；草稿为空' })
  @Column('timestamptz', { name: 'finalized_at', nullable: true })
  finalizedAt: Date | null;
  @Field(() => Int, { nullable: true, description: '在本单位定稿记录链中的序号；草稿为空' })
  @Column('bigint', {
    name: 'chain_seq',
    nullable: true,
    transformer: { to: (v: unknown) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  chainSeq: number | null;
  @Field(() => String, { nullable: true, description: '前一条定稿记录的哈希（记录链的链接）；草稿为空' })
  @Column('text', { name: 'prev_hash', nullable: true })
  prevHash: string | null;
  @Field(() => String, { nullable: true, description: '本记录的哈希：sha256（记录内容 + 前一条的哈希）；草稿为空' })
  @Column('text', { name: 'record_hash', nullable: true })
  recordHash: string | null;
  @Field(() => DateTimeScalar, { description: '录入时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('findings')
@ObjectType({ implements: Node, description: '问题：督查发现的问题，可下达整改（整改单位与期限）' })
export class Finding {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'inspection_id' }) inspectionId: string;
  @Field(() => Int, { description: '在本记录中的顺序（从 0 开始）' }) @Column('int') position: number;
  @Field(() => FindingSeverity, { description: '严重程度' }) @Column('text') severity: FindingSeverity;
  @Field({ description: '问题描述' }) @Column() description: string;
  @Column('uuid', { name: 'criterion_id', nullable: true }) criterionId: string | null;
  @Column('uuid', { name: 'rectify_org_id', nullable: true }) rectifyOrgId: string | null;
  @Field(() => DateScalar, { nullable: true, description: '整改期限；未下达整改为空' })
  @Column('date', { name: 'rectify_due_on', nullable: true })
  rectifyDueOn: string | null;
  /** The same finding in the record this one's inspection amends (null for a finding first raised here). */
  @Column('uuid', { name: 'carried_from_id', nullable: true }) carriedFromId: string | null;
  /** The finding's first version, which its rectification belongs to (null when this is the first). */
  @Column('uuid', { name: 'origin_id', nullable: true }) originId: string | null;
  @Field(() => String, {
    nullable: true,
    description: '撤回理由：更正记录撤回此问题的理由（未撤回为空）。撤回的问题不再计入年度考核，其整改随之撤回',
  })
  @Column('text', { name: 'withdrawn_reason', nullable: true })
  withdrawnReason: string | null;
}

@Entity('follow_up_checks')
@ObjectType({ description: '回头看：本次督查对此前一个问题是否真正整改到位的核查' })
export class FollowUpCheck {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'inspection_id' }) inspectionId: string;
  @PrimaryColumn('uuid', { name: 'finding_id' }) findingId: string;
  @Field(() => Boolean, { nullable: true, description: '是否整改到位；尚未核查为空' })
  @Column('boolean', { nullable: true })
  fixed: boolean | null;
  @Field(() => String, { nullable: true, description: '核查说明' }) @Column('text', { nullable: true }) note: string | null;
}

@Entity('rectifications')
@ObjectType({
  implements: Node,
  description: '整改：督查问题下达的整改事项，由整改单位在期限内报送整改情况，下达的督导组验收销号或退回重新整改',
})
export class Rectification {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'finding_id' }) findingId: string;
  @Column('uuid', { name: 'team_id' }) teamId: string;
  @Column('uuid', { name: 'owner_org_id' }) ownerOrgId: string;
  @Field(() => DateScalar, { description: '整改期限' }) @Column('date', { name: 'due_on' }) dueOn: string;
  @Field(() => RectificationState, { description: '整改状态' }) @Column('text') state: RectificationState;
  @Field(() => String, { nullable: true, description: '整改情况：整改单位报送的整改措施和结果' })
  @Column('text', { nullable: true })
  report: string | null;
  @Field(() => [String], { description: '整改佐证材料（文件名或编号）' })
  @Column('text', { name: 'evidence_refs', array: true })
  evidenceRefs: string[];
  @Column('uuid', { name: 'submitted_by', nullable: true }) submittedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '报送整改时间' })
  @Column('timestamptz', { name: 'submitted_at', nullable: true })
  submittedAt: Date | null;
  @Column('uuid', { name: 'verified_by', nullable: true }) verifiedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '销号时间；未销号为空' })
  @Column('timestamptz', { name: 'verified_at', nullable: true })
  verifiedAt: Date | null;
  @Field(() => String, { nullable: true, description: '退回重新整改的理由（回头看发现未整改到位时由系统填写）' })
  @Column('text', { name: 'reopen_reason', nullable: true })
  reopenReason: string | null;
  @Field(() => DateTimeScalar, { description: '下达时间（督查记录定稿时）' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
