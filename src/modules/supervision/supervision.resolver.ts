import { ArrayMaxSize, IsOptional, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
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
import { Finding, FindingSeverity, FollowUpCheck, Inspection, InspectionMethod, InspectionState, Rectification, RectificationState, SupervisionTeam, findingSeverityLabels, inspectionMethodLabels } from './supervision.entity';
import { ChainVerification, InspectionContent, supervisionService } from './supervision.service';

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
  @IsOptional() @ArrayMaxSize(2000) @ValidateNested({ each: true })
  scores?: InspectionScoreInput[] | null;
  @Field(() => [FollowUpInput], { defaultValue: [], description: '回头看: earlier findings this visit checks.' }) @ArrayMaxSize(200) @ValidateNested({ each: true }) followUps: FollowUpInput[];
}

@InputType()
class RecordInspectionInput extends InspectionContentInput {
  @Field({ description: 'Chosen by the client; a retried request with the same key returns the same record.' }) @MinLength(8) @MaxLength(100) idempotencyKey: string;
  @Field(() => ID) teamId: string;
  @Field(() => ID) orgId: string;
  @Field(() => ID, { nullable: true, description: 'Defaults to the team’s campaign.' }) campaignId?: string | null;
}

@InputType()
class UpdateInspectionInput {
  @Field(() => ID) id: string;
  @Field(() => DateScalar, { nullable: true }) inspectedOn?: Date | null;
  @Field(() => [InspectionMethod], { nullable: true }) @IsOptional() @ArrayMaxSize(10) methods?: InspectionMethod[] | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(20000) summary?: string | null;
  @Field(() => [FindingInput], { nullable: true, description: 'Replaces all findings.' }) @IsOptional() @ArrayMaxSize(200) @ValidateNested({ each: true }) findings?: FindingInput[] | null;
  @Field(() => [InspectionScoreInput], { nullable: true }) @IsOptional() @ArrayMaxSize(2000) @ValidateNested({ each: true }) scores?: InspectionScoreInput[] | null;
  @Field(() => [FollowUpInput], { nullable: true }) @IsOptional() @ArrayMaxSize(200) @ValidateNested({ each: true }) followUps?: FollowUpInput[] | null;
}

@InputType()
class AmendInspectionInput extends InspectionContentInput {
  @Field(() => ID, { description: 'The finalized inspection this corrects.' }) inspectionId: string;
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
    const users = await ctx.tx.repository(User).createQueryBuilder('u').where('u.tenant_id = :t AND u.id = ANY(:ids)', { t: team.tenantId, ids }).getMany();
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
      brokenAt: result.brokenAt ? { seq: result.brokenAt.seq, reason: result.brokenAt.reason, inspection: await supervisionService.findInspection(ctx, result.brokenAt.inspectionId) } : null,
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

  @Mutation(() => Inspection, { description: 'Change a draft inspection; finalized ones are refused.' })
  async updateInspection(@Arg('input') input: UpdateInspectionInput, @Ctx() ctx: RequestContext): Promise<Inspection> {
    const patch: Partial<InspectionContent> = {};
    if (input.inspectedOn) patch.inspectedOn = toDateString(input.inspectedOn);
    if (input.methods) patch.methods = [...new Set(input.methods)];
    if (input.summary !== undefined && input.summary !== null) patch.summary = input.summary;
    const full = content({ inspectedOn: input.inspectedOn ?? new Date(), methods: [], summary: '', findings: input.findings ?? [], scores: input.scores, followUps: input.followUps ?? [] });
    if (input.findings) patch.findings = full.findings;
    if (input.scores) patch.scores = full.scores;
    if (input.followUps) patch.followUps = full.followUps;
    return supervisionService.update(ctx, inspectionId(input.id), patch);
  }

  @Mutation(() => Boolean, { description: 'Discard a draft inspection; finalized ones are refused.' })
  async discardInspection(@Arg('input') input: InspectionRefInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return supervisionService.discard(ctx, inspectionId(input.id));
  }

  @Mutation(() => Inspection, { description: 'Finalize: the record joins the hash chain, becomes immutable and opens its rectifications.' })
  async finalizeInspection(@Arg('input') input: InspectionRefInput, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.finalize(ctx, inspectionId(input.id));
  }

  @Mutation(() => Inspection, { description: 'Correct a finalized inspection with a new draft record that points to it.' })
  async amendInspection(@Arg('input') input: AmendInspectionInput, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.amend(ctx, inspectionId(input.inspectionId), { ...content(input), idempotencyKey: input.idempotencyKey, reason: input.reason });
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

  @FieldResolver(() => Org, { nullable: true, description: 'The inspected org; null for a team member whose scope no longer covers it (it moved away).' })
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

  @FieldResolver(() => Evaluation, { nullable: true, description: 'The score sheet: an evaluation of kind INSPECTION, computed like any other.' })
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

  @FieldResolver(() => [FollowUpCheck], { description: '回头看: the earlier findings this visit checked, and whether each was truly fixed.' })
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

  @FieldResolver(() => Rectification, { nullable: true, description: 'Opened when the inspection is finalized.' })
  async rectification(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Rectification | null> {
    return rectificationService.byFinding(ctx, finding.id);
  }
}

@Resolver(() => Rectification)
export class RectificationResolver {
  @Query(() => RectificationConnection, { description: 'Rectifications in a subtree, by team or by org; overdue: true lists the late ones.' })
  async rectifications(@Args() args: RectificationsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Rectification>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, orgId(args.under)) : null;
    return toConnection(await rectificationService.list(ctx, {
      under,
      teamId: args.teamId ? teamId(args.teamId) : undefined,
      ownerOrgId: args.orgId ? orgId(args.orgId) : undefined,
      state: args.state,
      overdue: args.overdue,
    }, pageSize(args), args.after));
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

  @FieldResolver(() => Org, { nullable: true, description: 'The org rectifying; null for a team member whose scope no longer covers it (it moved away).' })
  async ownerOrg(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.ownerOrgId);
  }

  @FieldResolver(() => Finding, { nullable: true })
  async finding(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<Finding | null> {
    return supervisionService.findFinding(ctx, r.findingId);
  }

  @FieldResolver(() => SupervisionTeam, { nullable: true })
  async team(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<SupervisionTeam | null> {
    return supervisionService.findTeam(ctx, r.teamId);
  }
}
