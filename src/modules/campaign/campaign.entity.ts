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

@Entity('deadline_submissions')
@ObjectType({ implements: Node })
export class DeadlineSubmission {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'deadline_id' }) deadlineId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field() @Column() text: string;
  @Field(() => String, { nullable: true, description: 'Reference to an attachment held elsewhere (file id or URL).' })
  @Column('text', { name: 'attachment_ref', nullable: true })
  attachmentRef: string | null;
  @Field(() => DateTimeScalar) @Column('timestamptz', { name: 'submitted_at' }) submittedAt: Date;
  @Column('uuid', { name: 'submitted_by' }) submittedBy: string;
}

export enum SubmissionStatus {
  ON_TIME = 'ON_TIME',
  LATE = 'LATE',
  MISSING = 'MISSING',
}
registerEnumType(SubmissionStatus, {
  name: 'SubmissionStatus',
  valuesConfig: { ON_TIME: { description: '按时报送' }, LATE: { description: '逾期报送' }, MISSING: { description: '未报送' } },
});
