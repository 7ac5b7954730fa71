import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { OrgKind } from '../org/org.entity';

/** `date` columns arrive as 'YYYY-MM-DD' strings; the Date scalar serializes those as they are. */
@Entity('campaigns')
@ObjectType({ implements: Node, description: '创建活动: a campaign bound to one published framework version.' })
export class Campaign {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field() @Column() name: string;
  @Column('uuid', { name: 'version_id' }) versionId: string;
  @Column('uuid', { name: 'scope_org_id' }) scopeOrgId: string;
  @Field(() => [OrgKind], { description: 'Org kinds that count as grassroots (the denominator of the targets).' })
  @Column('text', { name: 'eligible_kinds', array: true })
  eligibleKinds: OrgKind[];
  @Field(() => DateScalar) @Column('date', { name: 'starts_on' }) startsOn: string;
  @Field(() => DateScalar) @Column('date', { name: 'ends_on' }) endsOn: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('campaign_phases')
@ObjectType({ description: 'A phase with its date window (动员部署, 立项创新, …).' })
export class CampaignPhase {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'campaign_id' }) campaignId: string;
  @Field(() => Int) @Column('int') position: number;
  @Field() @Column() name: string;
  @Field(() => DateScalar) @Column('date', { name: 'starts_on' }) startsOn: string;
  @Field(() => DateScalar) @Column('date', { name: 'ends_on' }) endsOn: string;
}

@Entity('campaign_deadlines')
@ObjectType({ implements: Node, description: 'A submission deadline (plan, self-check summary, …) owed by some orgs.' })
export class CampaignDeadline {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'campaign_id' }) campaignId: string;
  @Field() @Column() code: string;
  @Field() @Column() name: string;
  @Field(() => DateScalar) @Column('date', { name: 'due_on' }) dueOn: string;
  @Field(() => [OrgKind], { description: 'Kinds of org that owe a submission.' })
  @Column('text', { name: 'org_kinds', array: true })
  orgKinds: OrgKind[];
  @Field(() => Int, { nullable: true, description: 'Only orgs this many levels below the scope org owe it (1 = 直属党组织).' })
  @Column('int', { name: 'relative_depth', nullable: true })
  relativeDepth: number | null;
}

@Entity('campaign_targets')
@ObjectType({ description: 'An attainment target: by `dueOn`, `ratio` of the eligible orgs have attained.' })
export class CampaignTarget {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @Field(() => DateScalar) @PrimaryColumn('date', { name: 'due_on' }) dueOn: string;
  @Field(() => Float) @Column('numeric', { transformer: numeric }) ratio: number;
}

export enum SubmissionState {
  SUBMITTED = 'SUBMITTED',
  RETURNED = 'RETURNED',
}
registerEnumType(SubmissionState, {
  name: 'SubmissionState',
  valuesConfig: { SUBMITTED: { description: '已报送' }, RETURNED: { description: '退回修改' } },
});

@Entity('deadline_submissions')
@ObjectType({
  implements: Node,
  description: 'An org’s submission for a deadline; a superior may return it for revision, and the org submits again.',
})
export class DeadlineSubmission {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'deadline_id' }) deadlineId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field() @Column() text: string;
  @Field(() => String, { nullable: true, description: 'Reference to an attachment held elsewhere (file id or URL).' })
  @Column('text', { name: 'attachment_ref', nullable: true })
  attachmentRef: string | null;
  @Field(() => SubmissionState) @Column('text') state: SubmissionState;
  @Field(() => String, { nullable: true, description: 'Why it is back with the org (while RETURNED); every return stays in `history`.' })
  @Column('text', { name: 'return_reason', nullable: true })
  returnReason: string | null;
  @Field(() => DateTimeScalar, { description: 'The latest submission (a resubmission after a return moves it).' })
  @Column('timestamptz', { name: 'submitted_at' })
  submittedAt: Date;
  @Field(() => DateTimeScalar, { description: 'The first submission: on time or late is judged by it.' })
  @Column('timestamptz', { name: 'first_submitted_at' })
  firstSubmittedAt: Date;
  @Column('uuid', { name: 'submitted_by' }) submittedBy: string;
}

export enum SubmissionAction {
  SUBMITTED = 'SUBMITTED',
  RETURNED = 'RETURNED',
  RESUBMITTED = 'RESUBMITTED',
}
registerEnumType(SubmissionAction, {
  name: 'SubmissionAction',
  valuesConfig: { SUBMITTED: { description: '报送' }, RETURNED: { description: '退回修改' }, RESUBMITTED: { description: '重新报送' } },
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
registerEnumType(SubmissionStatus, {
  name: 'SubmissionStatus',
  valuesConfig: {
    ON_TIME: { description: '按时报送 (judged by the first submission)' },
    LATE: { description: '逾期报送 (judged by the first submission)' },
    RETURNED: { description: '退回修改: returned to the org, not yet submitted again' },
    MISSING: { description: '未报送' },
  },
});
