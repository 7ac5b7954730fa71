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
registerEnumType(InspectionMethod, { name: 'InspectionMethod', valuesConfig: labelled(inspectionMethodLabels) });

export enum InspectionState {
  DRAFT = 'DRAFT',
  FINALIZED = 'FINALIZED',
}
registerEnumType(InspectionState, {
  name: 'InspectionState',
  valuesConfig: labelled({ DRAFT: '草稿: editable', FINALIZED: '已定稿: immutable evidence, hash-chained' }),
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
registerEnumType(FindingSeverity, { name: 'FindingSeverity', valuesConfig: labelled(findingSeverityLabels) });

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
  valuesConfig: labelled(rectificationStateLabels),
});
/** States in which a rectification is closed: neither open work nor overdue. */
export const CLOSED_RECTIFICATION_STATES = [RectificationState.VERIFIED, RectificationState.WITHDRAWN];

@Entity('supervision_teams')
@ObjectType({ implements: Node, description: '督导组: a supervision team, its members and the subtrees it may inspect.' })
export class SupervisionTeam {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field() @Column() name: string;
  @Column('uuid', { name: 'leader_id' }) leaderId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('inspections')
@ObjectType({ implements: Node, description: '督查: a team’s inspection visit of one org.' })
export class Inspection {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'team_id' }) teamId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => DateScalar) @Column('date', { name: 'inspected_on' }) inspectedOn: string;
  @Field(() => [InspectionMethod]) @Column('text', { array: true }) methods: InspectionMethod[];
  @Field() @Column() summary: string;
  @Field(() => InspectionState) @Column('text') state: InspectionState;
  @Column('uuid', { name: 'evaluation_id', nullable: true }) evaluationId: string | null;
  @Column('uuid', { name: 'amends_id', nullable: true }) amendsId: string | null;
  @Field(() => String, { nullable: true, description: 'Why this record corrects the one it amends.' })
  @Column('text', { name: 'amendment_reason', nullable: true })
  amendmentReason: string | null;
  @Field({ description: 'The client’s idempotency key: a retried request returns this record.' })
  @Column({ name: 'idempotency_key' })
  idempotencyKey: string;
  @Column({ name: 'request_hash' }) requestHash: string;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'finalized_by', nullable: true }) finalizedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { name: 'finalized_at', nullable: true })
  finalizedAt: Date | null;
  @Field(() => Int, { nullable: true, description: 'Position in the tenant’s chain of finalized records.' })
  @Column('bigint', {
    name: 'chain_seq',
    nullable: true,
    transformer: { to: (v: unknown) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  chainSeq: number | null;
  @Field(() => String, { nullable: true }) @Column('text', { name: 'prev_hash', nullable: true }) prevHash: string | null;
  @Field(() => String, { nullable: true, description: 'sha256 over the record’s content and the previous hash.' })
  @Column('text', { name: 'record_hash', nullable: true })
  recordHash: string | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('findings')
@ObjectType({ implements: Node, description: '问题: what an inspection found, and the rectification it orders.' })
export class Finding {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'inspection_id' }) inspectionId: string;
  @Field(() => Int) @Column('int') position: number;
  @Field(() => FindingSeverity) @Column('text') severity: FindingSeverity;
  @Field() @Column() description: string;
  @Column('uuid', { name: 'criterion_id', nullable: true }) criterionId: string | null;
  @Column('uuid', { name: 'rectify_org_id', nullable: true }) rectifyOrgId: string | null;
  @Field(() => DateScalar, { nullable: true }) @Column('date', { name: 'rectify_due_on', nullable: true }) rectifyDueOn: string | null;
  /** The same finding in the record this one's inspection amends (null for a finding first raised here). */
  @Column('uuid', { name: 'carried_from_id', nullable: true }) carriedFromId: string | null;
  /** The finding's first version, which its rectification belongs to (null when this is the first). */
  @Column('uuid', { name: 'origin_id', nullable: true }) originId: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Why an amendment withdrew this finding (null while it stands). A withdrawn finding no longer counts, e.g. in the annual assessment, and its rectification is withdrawn.',
  })
  @Column('text', { name: 'withdrawn_reason', nullable: true })
  withdrawnReason: string | null;
}

@Entity('follow_up_checks')
@ObjectType({ description: '回头看: whether an earlier finding was truly fixed.' })
export class FollowUpCheck {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'inspection_id' }) inspectionId: string;
  @PrimaryColumn('uuid', { name: 'finding_id' }) findingId: string;
  @Field(() => Boolean, { nullable: true, description: 'null until checked.' }) @Column('boolean', { nullable: true }) fixed:
    boolean | null;
  @Field(() => String, { nullable: true }) @Column('text', { nullable: true }) note: string | null;
}

@Entity('rectifications')
@ObjectType({ implements: Node, description: '整改: the fix a finding orders, with its due date.' })
export class Rectification {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'finding_id' }) findingId: string;
  @Column('uuid', { name: 'team_id' }) teamId: string;
  @Column('uuid', { name: 'owner_org_id' }) ownerOrgId: string;
  @Field(() => DateScalar) @Column('date', { name: 'due_on' }) dueOn: string;
  @Field(() => RectificationState) @Column('text') state: RectificationState;
  @Field(() => String, { nullable: true, description: 'What the org reports it did.' }) @Column('text', { nullable: true }) report:
    string | null;
  @Field(() => [String]) @Column('text', { name: 'evidence_refs', array: true }) evidenceRefs: string[];
  @Column('uuid', { name: 'submitted_by', nullable: true }) submittedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { name: 'submitted_at', nullable: true })
  submittedAt: Date | null;
  @Column('uuid', { name: 'verified_by', nullable: true }) verifiedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '销号 time.' })
  @Column('timestamptz', { name: 'verified_at', nullable: true })
  verifiedAt: Date | null;
  @Field(() => String, { nullable: true }) @Column('text', { name: 'reopen_reason', nullable: true }) reopenReason: string | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
