import { ArrayMaxSize, IsOptional, MaxLength, MinLength, ValidateNested } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { Evaluation } from '../evaluation/evaluation.entity';
import { evaluationService } from '../evaluation/evaluation.service';
import { Criterion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { rectificationService } from './rectification.service';
import {
  Finding,
  FindingSeverity,
  FollowUpCheck,
  Inspection,
  InspectionMethod,
  InspectionState,
  Rectification,
  RectificationState,
  SupervisionTeam,
  findingSeverityLabels,
  inspectionMethodLabels,
} from './supervision.entity';
import { ChainVerification, InspectionContent, InspectionPatch, supervisionService } from './supervision.service';

export const RectificationConnection = Connection(Rectification);

@InputType()
class CreateSupervisionTeamInput {
  @Field() @MinLength(1) @MaxLength(200) name: string;
  @Field(() => ID, { description: 'A user with the INSPECTOR role.' }) leaderId: string;
  @Field(() => [ID], { defaultValue: [] }) @ArrayMaxSize(100) memberIds: string[];
  @Field(() => [ID], { description: 'Orgs whose subtrees the team may inspect.' }) @ArrayMaxSize(200) scopeOrgIds: string[];
  @Field(() => ID, { nullable: true }) campaignId?: string | null;
}

@InputType()
class FindingInput {
  @Field(() => FindingSeverity) severity: FindingSeverity;
  @Field() @MinLength(1) @MaxLength(5000) description: string;
  @Field(() => ID, { nullable: true, description: 'The criterion it concerns.' }) criterionId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Orders a rectification by this org …' }) rectifyOrgId?: string | null;
  @Field(() => DateScalar, { nullable: true, description: '… due by this date.' }) rectifyDueOn?: Date | null;
}

@InputType()
class InspectionScoreInput {
  @Field(() => ID) criterionId: string;
  @Field() value: number;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(2000) note?: string | null;
}

@InputType()
class FollowUpInput {
  @Field(() => ID, { description: 'An earlier finding of this org.' }) findingId: string;
  @Field(() => Boolean, { nullable: true, description: 'Truly fixed? Leave null while scheduled.' }) fixed?: boolean | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(2000) note?: string | null;
}

@InputType()
class InspectionContentInput {
  @Field(() => DateScalar) inspectedOn: Date;
  @Field(() => [InspectionMethod]) @ArrayMaxSize(10) methods: InspectionMethod[];
  @Field({ defaultValue: '' }) @MaxLength(20000) summary: string;
  @Field(() => [FindingInput], { defaultValue: [] }) @ArrayMaxSize(200) @ValidateNested({ each: true }) findings: FindingInput[];
  @Field(() => [InspectionScoreInput], { nullable: true, description: 'An optional score sheet against the campaign’s criteria.' })
  @IsOptional()
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  scores?: InspectionScoreInput[] | null;
  @Field(() => [FollowUpInput], { defaultValue: [], description: '回头看: earlier findings this visit checks.' })
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  followUps: FollowUpInput[];
}

@InputType()
class RecordInspectionInput extends InspectionContentInput {
  @Field({ description: 'Chosen by the client; a retried request with the same key returns the same record.' })
  @MinLength(8)
  @MaxLength(100)
  idempotencyKey: string;
  @Field(() => ID) teamId: string;
  @Field(() => ID) orgId: string;
  @Field(() => ID, { nullable: true, description: 'Defaults to the team’s campaign.' }) campaignId?: string | null;
}

@InputType({ description: 'A finding to edit in place (with id) or to add (without id). Fields left out keep their stored value.' })
class FindingEditInput {
  @Field(() => ID, {
    nullable: true,
    description:
      'The finding to edit; it keeps its id. Leave out to add a new finding. In amendInspection, the id of a finding of the amended record.',
  })
  id?: string | null;
  @Field(() => FindingSeverity, {
    nullable: true,
    description: 'Required for a new finding; left out, an edited finding keeps its severity.',
  })
  severity?: FindingSeverity | null;
  @Field(() => String, { nullable: true, description: 'Required for a new finding; left out, an edited finding keeps its description.' })
  @IsOptional()
  @MinLength(1)
  @MaxLength(5000)
  description?: string | null;
  @Field(() => ID, { nullable: true, description: 'The criterion it concerns; null unlinks it.' }) criterionId?: string | null;
  @Field(() => ID, {
    nullable: true,
    description: 'Orders a rectification by this org (with rectifyDueOn); null, with rectifyDueOn null, cancels a draft order.',
  })
  rectifyOrgId?: string | null;
  @Field(() => DateScalar, { nullable: true, description: '… due by this date.' }) rectifyDueOn?: Date | null;
}

@InputType({ description: 'A finding an amendment carried over from the record it corrects, withdrawn with the reason.' })
class FindingWithdrawalInput {
  @Field(() => ID, { description: 'The carried-over finding (or the amended record’s finding it copies).' }) id: string;
  @Field({ description: 'Why it is withdrawn; shown on the finding (withdrawnReason).' }) @MinLength(1) @MaxLength(2000) reason: string;
}

/**
 * The fields a draft can change, shared by updateInspection and amendInspection. Every field left out
 * keeps what is stored: findings are edited in place by id, added without id, deleted only when
 * listed; scores and follow-up checks change only for the criteria and findings named.
 */
@InputType()
class InspectionPatchInput {
  @Field(() => DateScalar, { nullable: true, description: 'Left out: unchanged.' }) inspectedOn?: Date | null;
  @Field(() => [InspectionMethod], { nullable: true, description: 'Left out: unchanged; given: the complete list.' })
  @IsOptional()
  @ArrayMaxSize(10)
  methods?: InspectionMethod[] | null;
  @Field(() => String, { nullable: true, description: 'Left out: unchanged.' }) @IsOptional() @MaxLength(20000) summary?: string | null;
  @Field(() => [FindingEditInput], {
    nullable: true,
    description:
      'Findings to edit (entries with id: changed in place, the id stays, fields left out keep their value) or to add (entries without id, appended). Findings not listed stay exactly as they are.',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  findings?: FindingEditInput[] | null;
  @Field(() => [FindingWithdrawalInput], {
    nullable: true,
    description:
      'Amendments only: findings carried over from the amended record that this correction withdraws, each with its reason. A withdrawn finding stays in the record, marked, but no longer counts (annual assessment); its rectification is withdrawn when the amendment is finalized.',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  withdrawFindings?: FindingWithdrawalInput[] | null;
  @Field(() => [InspectionScoreInput], {
    nullable: true,
    description: 'Scores to set on the score sheet, by criterion; criteria not listed keep their scores.',
  })
  @IsOptional()
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  scores?: InspectionScoreInput[] | null;
  @Field(() => [FollowUpInput], {
    nullable: true,
    description:
      '回头看 checks to add or change, by finding; checks not listed stay, and a check’s fixed or note left out keeps its value.',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  followUps?: FollowUpInput[] | null;
  @Field(() => [ID], { nullable: true, description: 'Earlier findings to drop from this follow-up (回头看).' })
  @IsOptional()
  @ArrayMaxSize(200)
  removeFollowUps?: string[] | null;
}

@InputType()
class UpdateInspectionInput extends InspectionPatchInput {
  @Field(() => ID) id: string;
  @Field(() => [ID], {
    nullable: true,
    description: 'Findings to delete from this draft. A finding an amendment carried over is not deleted but withdrawn (withdrawFindings).',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  removeFindingIds?: string[] | null;
}

@InputType({
  description:
    'A correction of a finalized record: a new draft that starts as a copy of it (every finding carried over, rectifications kept linked) and takes the changes given, as updateInspection does.',
})
class AmendInspectionInput extends InspectionPatchInput {
  @Field(() => ID, { description: 'The finalized inspection this corrects (the latest version: a record is amended once).' })
  inspectionId: string;
  @Field() @MinLength(8) @MaxLength(100) idempotencyKey: string;
  @Field() @MinLength(1) @MaxLength(2000) reason: string;
}

@InputType()
class InspectionRefInput {
  @Field(() => ID) id: string;
}

@InputType()
class SubmitRectificationInput {
  @Field(() => ID) id: string;
  @Field() @MaxLength(20000) report: string;
  @Field(() => [String], { defaultValue: [] }) @ArrayMaxSize(50) evidenceRefs: string[];
}

@InputType()
class VerifyRectificationInput {
  @Field(() => ID) id: string;
  @Field({ description: 'true signs it off (销号); false reopens it.' }) accept: boolean;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(2000) reason?: string | null;
}

@ArgsType()
class RectificationsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Owner orgs in this subtree.' }) under?: string;
  @Field(() => ID, { nullable: true }) teamId?: string;
  @Field(() => ID, { nullable: true, description: 'One owner org.' }) orgId?: string;
  @Field(() => RectificationState, { nullable: true }) state?: RectificationState;
  @Field(() => Boolean, { nullable: true, description: 'true: past due and not signed off.' }) overdue?: boolean;
}

@ObjectType()
class BrokenLink {
  @Field(() => Int) seq: number;
  @Field(() => Inspection, { nullable: true }) inspection: Inspection | null;
  @Field() reason: string;
}

@ObjectType({ description: 'The result of recomputing the tenant’s chain of finalized records.' })
class RecordVerification {
  @Field() ok: boolean;
  @Field(() => Int, { description: 'Records checked before the first break (all of them when ok).' }) checked: number;
  @Field(() => BrokenLink, { nullable: true }) brokenAt: BrokenLink | null;
}

const teamId = (id: string) => idOf('SupervisionTeam', id, 'Supervision team');
const inspectionId = (id: string) => idOf('Inspection', id);
const orgId = (id: string) => idOf('Org', id);

function content(input: InspectionContentInput): InspectionContent {
  return {
    inspectedOn: toDateString(input.inspectedOn),
    methods: [...new Set(input.methods)],
    summary: input.summary,
    findings: input.findings.map((f) => ({
      severity: f.severity,
      description: f.description,
      criterionId: f.criterionId ? idOf('Criterion', f.criterionId) : null,
      rectifyOrgId: f.rectifyOrgId ? orgId(f.rectifyOrgId) : null,
      rectifyDueOn: f.rectifyDueOn ? toDateString(f.rectifyDueOn) : null,
    })),
    scores: input.scores?.map((s) => ({ criterionId: idOf('Criterion', s.criterionId), value: s.value, note: s.note ?? null })),
    followUps: input.followUps.map((f) => ({ findingId: idOf('Finding', f.findingId), fixed: f.fixed ?? null, note: f.note ?? null })),
  };
}

const ref = <T>(value: T | null | undefined, map: (v: T) => string): string | null | undefined =>
  value === undefined ? undefined : value === null ? null : map(value);

function patchOf(input: InspectionPatchInput & { removeFindingIds?: string[] | null }): InspectionPatch {
  return {
    inspectedOn: input.inspectedOn ? toDateString(input.inspectedOn) : undefined,
    methods: input.methods ? [...new Set(input.methods)] : undefined,
    summary: input.summary ?? undefined,
    findings: input.findings?.map((f) => ({
      id: f.id ? idOf('Finding', f.id) : undefined,
      severity: f.severity ?? undefined,
      description: f.description ?? undefined,
      criterionId: ref(f.criterionId, (id) => idOf('Criterion', id)),
      rectifyOrgId: ref(f.rectifyOrgId, orgId),
      rectifyDueOn: ref(f.rectifyDueOn, toDateString),
    })),
    removeFindingIds: input.removeFindingIds?.map((id) => idOf('Finding', id)),
    withdrawFindings: input.withdrawFindings?.map((w) => ({ id: idOf('Finding', w.id), reason: w.reason })),
    scores: input.scores?.map((s) => ({ criterionId: idOf('Criterion', s.criterionId), value: s.value, note: s.note ?? null })),
    followUps: input.followUps?.map((f) => ({ findingId: idOf('Finding', f.findingId), fixed: f.fixed, note: f.note })),
    removeFollowUps: input.removeFollowUps?.map((id) => idOf('Finding', id)),
  };
}

@Resolver(() => SupervisionTeam)
export class SupervisionTeamResolver {
  @Query(() => [SupervisionTeam], { description: 'Supervision teams the viewer belongs to or oversees.' })
  async supervisionTeams(@Ctx() ctx: RequestContext): Promise<SupervisionTeam[]> {
    return supervisionService.teams(ctx);
  }

  @Mutation(() => SupervisionTeam, { description: 'Form a 督导组 (tenant admins and the leading group).' })
  async createSupervisionTeam(@Arg('input') input: CreateSupervisionTeamInput, @Ctx() ctx: RequestContext): Promise<SupervisionTeam> {
    return supervisionService.createTeam(ctx, {
      name: input.name,
      leaderId: idOf('User', input.leaderId),
      memberIds: input.memberIds.map((id) => idOf('User', id)),
      scopeOrgIds: input.scopeOrgIds.map(orgId),
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
    });
  }

  @FieldResolver(() => ID)
  id(@Root() team: SupervisionTeam): string {
    return toGlobalId('SupervisionTeam', team.id);
  }

  @FieldResolver(() => User, { nullable: true })
  async leader(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<User | null> {
    return ctx.tx.repository(User).findOneBy({ tenantId: team.tenantId, id: team.leaderId });
  }

  @FieldResolver(() => [User], { description: 'Leader first, then members.' })
  async members(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<User[]> {
    const ids = await supervisionService.members(ctx, team);
    const users = await ctx.tx
      .repository(User)
      .createQueryBuilder('u')
      .where('u.tenant_id = :t AND u.id = ANY(:ids)', { t: team.tenantId, ids })
      .getMany();
    return ids.map((id) => users.find((u) => u.id === id)).filter((u): u is User => !!u);
  }

  @FieldResolver(() => [Org], { description: 'Subtrees the team may inspect.' })
  async scope(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<Org[]> {
    return supervisionService.scopeOrgs(ctx, team);
  }

  @FieldResolver(() => Campaign, { nullable: true })
  async campaign(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return team.campaignId ? campaignService.findById(ctx, team.campaignId) : null;
  }

  @FieldResolver(() => [Inspection])
  async inspections(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<Inspection[]> {
    return supervisionService.inspectionsOf(ctx, { teamId: team.id });
  }
}

@Resolver(() => Inspection)
export class InspectionResolver {
  @Query(() => Inspection)
  async inspection(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.getInspectionOrThrow(ctx, inspectionId(id));
  }

  @Query(() => [Inspection], { description: 'Inspections of an org (newest first), as far as the viewer may see.' })
  async inspections(
    @Ctx() ctx: RequestContext,
    @Arg('orgId', () => ID, { nullable: true }) org?: string,
    @Arg('teamId', () => ID, { nullable: true }) team?: string,
    @Arg('state', () => InspectionState, { nullable: true }) state?: InspectionState,
  ): Promise<Inspection[]> {
    return supervisionService.inspectionsOf(ctx, { orgId: org ? orgId(org) : undefined, teamId: team ? teamId(team) : undefined, state });
  }

  @Query(() => RecordVerification, { description: 'Recompute the hash chain of finalized records and report the first broken link.' })
  async verifyRecords(@Ctx() ctx: RequestContext): Promise<RecordVerification> {
    const result: ChainVerification = await supervisionService.verifyRecords(ctx);
    return {
      ok: result.ok,
      checked: result.checked,
      brokenAt: result.brokenAt
        ? {
            seq: result.brokenAt.seq,
            reason: result.brokenAt.reason,
            inspection: await supervisionService.findInspection(ctx, result.brokenAt.inspectionId),
          }
        : null,
    };
  }

  @Mutation(() => Inspection, { description: 'Record a draft inspection (idempotent by idempotencyKey).' })
  async recordInspection(@Arg('input') input: RecordInspectionInput, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.record(ctx, {
      ...content(input),
      idempotencyKey: input.idempotencyKey,
      teamId: teamId(input.teamId),
      orgId: orgId(input.orgId),
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
    });
  }

  @Mutation(() => Inspection, {
    description: 'Change a draft inspection: only the fields given change (finding ids stay); finalized ones are refused.',
  })
  async updateInspection(@Arg('input') input: UpdateInspectionInput, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.update(ctx, inspectionId(input.id), patchOf(input));
  }

  @Mutation(() => Boolean, { description: 'Discard a draft inspection; finalized ones are refused.' })
  async discardInspection(@Arg('input') input: InspectionRefInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return supervisionService.discard(ctx, inspectionId(input.id));
  }

  @Mutation(() => Inspection, { description: 'Finalize: the record joins the hash chain, becomes immutable and opens its rectifications.' })
  async finalizeInspection(@Arg('input') input: InspectionRefInput, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.finalize(ctx, inspectionId(input.id));
  }

  @Mutation(() => Inspection, {
    description:
      'Correct a finalized inspection: a new draft that supersedes it once finalized, carrying over its findings (withdraw one with a reason) and taking the changes given.',
  })
  async amendInspection(@Arg('input') input: AmendInspectionInput, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.amend(ctx, inspectionId(input.inspectionId), {
      ...patchOf(input),
      idempotencyKey: input.idempotencyKey,
      reason: input.reason,
    });
  }

  @FieldResolver(() => ID)
  id(@Root() inspection: Inspection): string {
    return toGlobalId('Inspection', inspection.id);
  }

  @FieldResolver(() => [String], { description: 'Chinese labels of the methods.' })
  methodLabels(@Root() inspection: Inspection): string[] {
    return inspection.methods.map((m) => inspectionMethodLabels[m]);
  }

  @FieldResolver(() => SupervisionTeam)
  async team(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<SupervisionTeam> {
    return ctx.tx.repository(SupervisionTeam).findOneByOrFail({ tenantId: inspection.tenantId, id: inspection.teamId });
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: 'The inspected org; null for a team member whose scope no longer covers it (it moved away).',
  })
  async org(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, inspection.orgId);
  }

  @FieldResolver(() => Campaign, { nullable: true })
  async campaign(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return inspection.campaignId ? campaignService.findById(ctx, inspection.campaignId) : null;
  }

  @FieldResolver(() => [Finding])
  async findings(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Finding[]> {
    return supervisionService.findings(ctx, inspection);
  }

  @FieldResolver(() => Evaluation, {
    nullable: true,
    description: 'The score sheet: an evaluation of kind INSPECTION, computed like any other.',
  })
  async scoreSheet(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Evaluation | null> {
    return inspection.evaluationId ? evaluationService.findById(ctx, inspection.evaluationId) : null;
  }

  @FieldResolver(() => Inspection, { nullable: true, description: 'The record this one corrects.' })
  async amends(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Inspection | null> {
    return inspection.amendsId ? supervisionService.findInspection(ctx, inspection.amendsId) : null;
  }

  @FieldResolver(() => [Inspection], { description: 'Later records that correct this one.' })
  async amendments(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Inspection[]> {
    return supervisionService.amendments(ctx, inspection);
  }

  @FieldResolver(() => [FollowUpCheck], {
    description: '回头看: the earlier findings this visit checked, and whether each was truly fixed.',
  })
  async followUps(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<FollowUpCheck[]> {
    return supervisionService.followUps(ctx, inspection);
  }
}

@Resolver(() => FollowUpCheck)
export class FollowUpCheckResolver {
  @FieldResolver(() => Finding, { nullable: true })
  async finding(@Root() check: FollowUpCheck, @Ctx() ctx: RequestContext): Promise<Finding | null> {
    return supervisionService.findFinding(ctx, check.findingId);
  }
}

@Resolver(() => Finding)
export class FindingResolver {
  @FieldResolver(() => ID)
  id(@Root() finding: Finding): string {
    return toGlobalId('Finding', finding.id);
  }

  @FieldResolver(() => String)
  severityLabel(@Root() finding: Finding): string {
    return findingSeverityLabels[finding.severity];
  }

  @FieldResolver(() => Criterion, { nullable: true })
  async criterion(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Criterion | null> {
    return finding.criterionId ? frameworkService.findCriterion(ctx, finding.criterionId) : null;
  }

  @FieldResolver(() => Org, { nullable: true, description: 'The org ordered to rectify.' })
  async rectifyOrg(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return finding.rectifyOrgId ? orgService.findById(ctx, finding.rectifyOrgId) : null;
  }

  @FieldResolver(() => Rectification, {
    nullable: true,
    description: 'Opened when the inspection is finalized; a finding carried over by an amendment keeps the same rectification.',
  })
  async rectification(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Rectification | null> {
    return rectificationService.byFinding(ctx, finding);
  }

  @FieldResolver(() => Boolean, { description: 'Withdrawn by an amendment (see withdrawnReason).' })
  withdrawn(@Root() finding: Finding): boolean {
    return finding.withdrawnReason !== null;
  }

  @FieldResolver(() => Finding, {
    nullable: true,
    description: 'The same finding in the record this inspection amends (null for a finding first raised here).',
  })
  async carriedFrom(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Finding | null> {
    return finding.carriedFromId ? supervisionService.findFinding(ctx, finding.carriedFromId) : null;
  }
}

@Resolver(() => Rectification)
export class RectificationResolver {
  @Query(() => RectificationConnection, {
    description: 'Rectifications in a subtree, by team or by org; overdue: true lists the late ones.',
  })
  async rectifications(@Args() args: RectificationsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Rectification>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, orgId(args.under)) : null;
    return toConnection(
      await rectificationService.list(
        ctx,
        {
          under,
          teamId: args.teamId ? teamId(args.teamId) : undefined,
          ownerOrgId: args.orgId ? orgId(args.orgId) : undefined,
          state: args.state,
          overdue: args.overdue,
        },
        pageSize(args),
        args.after,
      ),
    );
  }

  @Mutation(() => Rectification, { description: 'The owner org reports what it did, with evidence references.' })
  async submitRectification(@Arg('input') input: SubmitRectificationInput, @Ctx() ctx: RequestContext): Promise<Rectification> {
    return rectificationService.submit(ctx, idOf('Rectification', input.id), input.report, input.evidenceRefs);
  }

  @Mutation(() => Rectification, { description: 'The issuing team signs it off (销号) or reopens it.' })
  async verifyRectification(@Arg('input') input: VerifyRectificationInput, @Ctx() ctx: RequestContext): Promise<Rectification> {
    return rectificationService.verify(ctx, idOf('Rectification', input.id), input.accept, input.reason);
  }

  @FieldResolver(() => ID)
  id(@Root() r: Rectification): string {
    return toGlobalId('Rectification', r.id);
  }

  @FieldResolver(() => Boolean, { description: 'Past its due date and not signed off.' })
  overdue(@Root() r: Rectification): boolean {
    return rectificationService.isOverdue(r, toDateString(new Date()));
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: 'The org rectifying; null for a team member whose scope no longer covers it (it moved away).',
  })
  async ownerOrg(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.ownerOrgId);
  }

  @FieldResolver(() => Finding, {
    nullable: true,
    description: 'The finding as its current record states it (the latest finalized amendment’s copy, possibly withdrawn).',
  })
  async finding(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<Finding | null> {
    return supervisionService.currentFinding(ctx, r.findingId);
  }

  @FieldResolver(() => SupervisionTeam, { nullable: true })
  async team(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<SupervisionTeam | null> {
    return supervisionService.findTeam(ctx, r.teamId);
  }
}
