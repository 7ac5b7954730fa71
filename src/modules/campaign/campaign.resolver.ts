import { ArrayMaxSize, IsOptional, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { FrameworkVersion } from '../framework/framework.entity';
import { Org, OrgCategory, OrgKind, orgCategoryLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { CampaignResult } from '../evaluation/evaluation.entity';
import {
  Campaign,
  CampaignDeadline,
  CampaignPhase,
  CampaignTarget,
  DeadlineSubmission,
  SubmissionAction,
  SubmissionStatus,
} from './campaign.entity';
import { ProgressCounts, ProgressFigures, campaignService, toDateString } from './campaign.service';

@InputType()
class PhaseInput {
  @Field() @MinLength(1) @MaxLength(200) name: string;
  @Field(() => DateScalar) startsOn: Date;
  @Field(() => DateScalar) endsOn: Date;
}

@InputType()
class DeadlineInput {
  @Field() @Matches(/^[A-Z0-9_-]{1,40}$/, { message: 'code has upper-case letters, digits, _ or -' }) code: string;
  @Field() @MinLength(1) @MaxLength(200) name: string;
  @Field(() => DateScalar) dueOn: Date;
  @Field(() => [OrgKind]) orgKinds: OrgKind[];
  @Field(() => Int, { nullable: true, description: '1 = only the scope org’s direct subordinates (直属党组织).' })
  @IsOptional()
  @Min(1)
  @Max(10)
  relativeDepth?: number | null;
}

@InputType()
class TargetInput {
  @Field(() => DateScalar) dueOn: Date;
  @Field(() => Float, { description: 'Share of eligible orgs attained by then, e.g. 0.8.' }) ratio: number;
}

@InputType()
class CreateCampaignInput {
  @Field() @MinLength(1) @MaxLength(200) name: string;
  @Field(() => ID, { description: 'A published framework version.' }) versionId: string;
  @Field(() => ID, { description: 'The org whose subtree takes part (usually the tenant root).' }) scopeOrgId: string;
  @Field(() => [OrgKind], { description: 'Kinds that count as grassroots orgs (the target denominator).' }) eligibleKinds: OrgKind[];
  @Field(() => DateScalar) startsOn: Date;
  @Field(() => DateScalar) endsOn: Date;
  @Field(() => [PhaseInput], { defaultValue: [] }) @ArrayMaxSize(50) @ValidateNested({ each: true }) phases: PhaseInput[];
  @Field(() => [DeadlineInput], { defaultValue: [] }) @ArrayMaxSize(50) @ValidateNested({ each: true }) deadlines: DeadlineInput[];
  @Field(() => [TargetInput], { defaultValue: [] }) @ArrayMaxSize(50) @ValidateNested({ each: true }) targets: TargetInput[];
}

@InputType()
class SubmitForDeadlineInput {
  @Field(() => ID) deadlineId: string;
  @Field(() => ID) orgId: string;
  @Field() @MinLength(1) @MaxLength(20000) text: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(500) attachmentRef?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Tenant admins only: when a paper submission was received (补录).' })
  submittedAt?: Date | null;
}

@InputType()
class ReturnDeadlineSubmissionInput {
  @Field(() => ID) submissionId: string;
  @Field({ description: 'Why it goes back to the org (kept in the history).' }) @MaxLength(2000) reason: string;
}

@ObjectType({ description: 'One step of a submission’s history.' })
class SubmissionHistoryEntry {
  @Field(() => SubmissionAction) action: SubmissionAction;
  @Field() actionLabel: string;
  @Field(() => String, { nullable: true, description: 'The reason of a return.' }) reason: string | null;
  @Field({ description: 'Display name of who did it.' }) byName: string;
  @Field(() => DateTimeScalar) at: Date;
}

const submissionActionLabels: Record<SubmissionAction, string> = { SUBMITTED: '报送', RETURNED: '退回修改', RESUBMITTED: '重新报送' };

@ObjectType()
class CategoryProgress {
  @Field(() => OrgCategory) category: OrgCategory;
  @Field() categoryLabel: string;
  @Field(() => Int) eligible: number;
  @Field(() => Int) evaluated: number;
  @Field(() => Int) attained: number;
  @Field(() => Float) ratio: number;
}

@ObjectType()
class ChildProgress {
  @Field(() => Org) org: Org;
  @Field(() => Int) eligible: number;
  @Field(() => Int) evaluated: number;
  @Field(() => Int) attained: number;
  @Field(() => Float) ratio: number;
}

@ObjectType({ description: 'An org in a ranking or lagging list, with its stored result (null when not yet evaluated).' })
class OrgStanding {
  @Field(() => Int, { nullable: true }) rank: number | null;
  @Field(() => Org) org: Org;
  @Field(() => CampaignResult, { nullable: true }) result: CampaignResult | null;
}

@ObjectType({ description: 'Where a subtree stands against the campaign’s targets.' })
class CampaignProgress {
  @Field(() => Org) scope: Org;
  @Field(() => DateScalar) asOf: string;
  @Field(() => Int, { description: 'Orgs of the eligible kinds in the subtree (the denominator).' }) eligible: number;
  @Field(() => Int, { description: 'Orgs with every required evaluation accepted.' }) evaluated: number;
  @Field(() => Int, { description: 'Orgs that attained the standard (建成).' }) attained: number;
  @Field(() => Float, { description: 'attained / eligible' }) ratio: number;
  @Field(() => CampaignTarget, { nullable: true, description: 'The target in force on asOf.' }) target: CampaignTarget | null;
  @Field({ description: 'ratio ≥ the target in force.' }) onTrack: boolean;
  @Field(() => [CategoryProgress]) byCategory: CategoryProgress[];
  @Field(() => [ChildProgress], { description: 'One row per direct child’s subtree.' }) byChild: ChildProgress[];
  campaign: Campaign;
}

@ObjectType()
class DeadlineStatusRow {
  @Field(() => Org) org: Org;
  @Field(() => SubmissionStatus) status: SubmissionStatus;
  @Field(() => DeadlineSubmission, { nullable: true }) submission: DeadlineSubmission | null;
}

@ObjectType()
class DeadlineSummary {
  @Field(() => Int) owed: number;
  @Field(() => Int) onTime: number;
  @Field(() => Int) late: number;
  @Field(() => Int, { description: 'Returned for revision and not yet submitted again.' }) returned: number;
  @Field(() => Int) missing: number;
}

const ratio = (c: ProgressCounts) => (c.eligible ? Math.round((c.attained / c.eligible) * 10000) / 10000 : 0);
const campaignId = (id: string) => idOf('Campaign', id);
const orgId = (id: string) => idOf('Org', id);
const today = () => toDateString(new Date());

@Resolver(() => Campaign)
export class CampaignResolver {
  @Query(() => [Campaign], { description: 'Campaigns the viewer takes part in or oversees.' })
  async campaigns(@Ctx() ctx: RequestContext): Promise<Campaign[]> {
    return campaignService.list(ctx);
  }

  @Query(() => Campaign)
  async campaign(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return campaignService.getOrThrow(ctx, campaignId(id));
  }

  @Mutation(() => Campaign, { description: 'Start a campaign on a published version, with phases, deadlines and targets.' })
  async createCampaign(@Arg('input') input: CreateCampaignInput, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return campaignService.create(ctx, {
      ...input,
      versionId: idOf('FrameworkVersion', input.versionId, 'Framework version'),
      scopeOrgId: orgId(input.scopeOrgId),
      startsOn: toDateString(input.startsOn),
      endsOn: toDateString(input.endsOn),
      phases: input.phases.map((p) => ({ name: p.name, startsOn: toDateString(p.startsOn), endsOn: toDateString(p.endsOn) })),
      deadlines: input.deadlines.map((d) => ({ ...d, dueOn: toDateString(d.dueOn) })),
      targets: input.targets.map((t) => ({ dueOn: toDateString(t.dueOn), ratio: t.ratio })),
    });
  }

  @Mutation(() => DeadlineSubmission, {
    description:
      'An org’s submission for a deadline (plan, self-check summary, …), by the org’s own secretary or supervisor or a tenant admin; again after a return.',
  })
  async submitForDeadline(@Arg('input') input: SubmitForDeadlineInput, @Ctx() ctx: RequestContext): Promise<DeadlineSubmission> {
    return campaignService.submit(ctx, {
      ...input,
      deadlineId: idOf('CampaignDeadline', input.deadlineId, 'Deadline'),
      orgId: orgId(input.orgId),
    });
  }

  @Mutation(() => DeadlineSubmission, {
    description: 'Return a submission to its org for revision (退回修改) with a reason: an officer above the org.',
  })
  async returnDeadlineSubmission(
    @Arg('input') input: ReturnDeadlineSubmissionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeadlineSubmission> {
    return campaignService.returnSubmission(ctx, {
      submissionId: idOf('DeadlineSubmission', input.submissionId, 'Submission'),
      reason: input.reason,
    });
  }

  @FieldResolver(() => ID)
  id(@Root() campaign: Campaign): string {
    return toGlobalId('Campaign', campaign.id);
  }

  @FieldResolver(() => FrameworkVersion)
  async version(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return campaignService.version(ctx, campaign);
  }

  @FieldResolver(() => Org)
  async scopeOrg(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, campaign.scopeOrgId))!;
  }

  @FieldResolver(() => [CampaignPhase])
  async phases(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CampaignPhase[]> {
    return campaignService.phases(ctx, campaign);
  }

  @FieldResolver(() => [CampaignPhase], {
    description: 'Every phase whose window holds asOf (default today), in order: phases may overlap (立项创新 and 选树典型 run together).',
  })
  async currentPhases(
    @Root() campaign: Campaign,
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => DateScalar, { nullable: true }) asOf?: Date,
  ): Promise<CampaignPhase[]> {
    const day = asOf ? toDateString(asOf) : today();
    return (await campaignService.phases(ctx, campaign)).filter((p) => p.startsOn <= day && day <= p.endsOn);
  }

  @FieldResolver(() => CampaignPhase, {
    nullable: true,
    deprecationReason: 'Phases overlap: use currentPhases.',
    description: 'The first phase whose window holds asOf.',
  })
  async currentPhase(
    @Root() campaign: Campaign,
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => DateScalar, { nullable: true }) asOf?: Date,
  ): Promise<CampaignPhase | null> {
    return (await this.currentPhases(campaign, ctx, asOf))[0] ?? null;
  }

  @FieldResolver(() => [CampaignDeadline])
  async deadlines(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CampaignDeadline[]> {
    return campaignService.deadlines(ctx, campaign);
  }

  @FieldResolver(() => [CampaignTarget])
  async targets(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CampaignTarget[]> {
    return campaignService.targets(ctx, campaign);
  }

  @FieldResolver(() => CampaignProgress, {
    description: 'The question every leader asks: where does this subtree stand against the target?',
  })
  async progress(
    @Root() campaign: Campaign,
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true, description: 'Default: the campaign’s scope org.' }) under?: string,
    @Arg('asOf', () => DateScalar, { nullable: true, description: 'Which target is in force (default today).' }) asOf?: Date,
  ): Promise<CampaignProgress> {
    const scope = await campaignService.rollupScope(ctx, campaign, under ? orgId(under) : null);
    const figures: ProgressFigures = await campaignService.progress(ctx, campaign, scope, asOf ? toDateString(asOf) : today());
    const children = await Promise.all(figures.byChild.map((c) => orgService.findById(ctx, c.orgId)));
    const overall = ratio(figures);
    return {
      ...figures,
      campaign,
      ratio: overall,
      onTrack: figures.target ? overall >= figures.target.ratio : true,
      byCategory: figures.byCategory.map((c) => ({
        ...c,
        category: c.category as OrgCategory,
        categoryLabel: orgCategoryLabels[c.category as OrgCategory],
        ratio: ratio(c),
      })),
      byChild: figures.byChild
        .map((c, i) => ({ ...c, org: children[i]!, ratio: ratio(c) }))
        .filter((c) => c.org)
        .sort((a, b) => a.org.path.localeCompare(b.org.path)),
    };
  }

  @FieldResolver(() => [OrgStanding], { description: 'Orgs in the subtree by total, best first.' })
  async ranking(
    @Root() campaign: Campaign,
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('first', () => Int, { defaultValue: 20 }) first = 20,
  ): Promise<OrgStanding[]> {
    const scope = await campaignService.rollupScope(ctx, campaign, under ? orgId(under) : null);
    return campaignService.ranking(ctx, campaign, scope, Math.min(Math.max(first, 1), 100));
  }
}

@Resolver(() => CampaignProgress)
export class CampaignProgressResolver {
  @FieldResolver(() => [OrgStanding], {
    description: 'Eligible orgs not attained: unevaluated first, then lowest total (工作不力 candidates).',
  })
  async lagging(
    @Root() progress: CampaignProgress,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { defaultValue: 20 }) first = 20,
  ): Promise<OrgStanding[]> {
    const rows = await campaignService.lagging(ctx, progress.campaign, progress.scope, Math.min(Math.max(first, 1), 100));
    return rows.map((r) => ({ ...r, rank: null }));
  }
}

@Resolver(() => CampaignDeadline)
export class CampaignDeadlineResolver {
  @FieldResolver(() => ID)
  id(@Root() deadline: CampaignDeadline): string {
    return toGlobalId('CampaignDeadline', deadline.id);
  }

  @FieldResolver(() => [DeadlineStatusRow], { description: 'Who owes it inside `under`, and who submitted on time, late, or not at all.' })
  async submissions(
    @Root() deadline: CampaignDeadline,
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('status', () => SubmissionStatus, { nullable: true }) status?: SubmissionStatus,
  ): Promise<DeadlineStatusRow[]> {
    const campaign = await campaignService.getOrThrow(ctx, deadline.campaignId);
    const scope = await campaignService.rollupScope(ctx, campaign, under ? orgId(under) : null);
    return campaignService.deadlineRows(ctx, deadline, scope, status);
  }

  @FieldResolver(() => DeadlineSummary)
  async summary(
    @Root() deadline: CampaignDeadline,
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
  ): Promise<DeadlineSummary> {
    const rows = await this.submissions(deadline, ctx, under);
    const count = (s: SubmissionStatus) => rows.filter((r) => r.status === s).length;
    return {
      owed: rows.length,
      onTime: count(SubmissionStatus.ON_TIME),
      late: count(SubmissionStatus.LATE),
      returned: count(SubmissionStatus.RETURNED),
      missing: count(SubmissionStatus.MISSING),
    };
  }
}

@Resolver(() => DeadlineSubmission)
export class DeadlineSubmissionResolver {
  @FieldResolver(() => ID)
  id(@Root() submission: DeadlineSubmission): string {
    return toGlobalId('DeadlineSubmission', submission.id);
  }

  @FieldResolver(() => Org)
  async org(@Root() submission: DeadlineSubmission, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, submission.orgId))!;
  }

  @FieldResolver(() => [SubmissionHistoryEntry], {
    description: 'Every submission, return (with its reason) and resubmission, oldest first.',
  })
  async history(@Root() submission: DeadlineSubmission, @Ctx() ctx: RequestContext): Promise<SubmissionHistoryEntry[]> {
    return (await campaignService.submissionHistory(ctx, submission)).map((e) => ({
      action: e.action,
      actionLabel: submissionActionLabels[e.action],
      reason: e.reason,
      byName: e.byName,
      at: e.at,
    }));
  }
}

@Resolver(() => CampaignResult)
export class CampaignResultResolver {
  @FieldResolver(() => String, { description: 'Label of the grade in the version’s bands (优秀, 五星, …).' })
  async gradeLabel(@Root() result: CampaignResult, @Ctx() ctx: RequestContext): Promise<string> {
    const campaign = await campaignService.getOrThrow(ctx, result.campaignId);
    const version = await campaignService.version(ctx, campaign);
    return version.rule.grades.find((g) => g.code === result.grade)?.label ?? result.grade;
  }
}
