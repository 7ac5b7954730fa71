import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { inScope } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Criterion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind, evaluationKindLabels } from '../framework/pass-rule';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { CampaignResult, Evaluation, ReviewAction } from './evaluation.entity';
import { Discrepancy, evaluationService } from './evaluation.service';

@InputType()
class StartEvaluationInput {
  @Field(() => ID) campaignId: string;
  @Field(() => ID) orgId: string;
  @Field(() => EvaluationKind) kind: EvaluationKind;
}

@InputType()
class ScoreInput {
  @Field(() => ID) criterionId: string;
  @Field(() => Float, { description: 'SCALE 0..max, BOOLEAN 0/1, PERCENT 0..100, COUNT and DEDUCTION a whole number.' }) value: number;
  @Field(() => String, { nullable: true, description: 'Left out: the stored note stays; null: cleared.' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Evidence reference (file id, ledger entry, URL). Left out: the stored evidence stays; null: cleared.',
  })
  @IsOptional()
  @MaxLength(2000)
  evidence?: string | null;
}

@InputType()
class SaveScoresInput {
  @Field(() => ID) evaluationId: string;
  @Field(() => Int, { description: 'The version you loaded; a stale one gets CONFLICT.' })
  @Min(1)
  @Max(2_000_000_000)
  expectedVersion: number;
  @Field(() => [ScoreInput]) @ArrayMaxSize(2000) @ValidateNested({ each: true }) scores: ScoreInput[];
  @Field(() => [ID], { defaultValue: [], description: 'Criteria whose score to remove.' }) @ArrayMaxSize(2000) clear: string[];
}

@InputType()
class SubmitEvaluationInput {
  @Field(() => ID) evaluationId: string;
  @Field(() => Int) @Min(1) @Max(2_000_000_000) expectedVersion: number;
}

@InputType()
class ReturnEvaluationInput {
  @Field(() => ID) evaluationId: string;
  @Field() @MaxLength(2000) reason: string;
}

@InputType()
class AcceptEvaluationInput {
  @Field(() => ID) evaluationId: string;
}

@ObjectType({ description: 'The computed score of one criterion node.' })
class CriterionScore {
  @Field(() => Criterion) criterion: Criterion;
  @Field(() => Float, { description: 'Share of the node’s maximum reached, 0..1.' }) ratio: number;
  @Field(() => Float, { description: 'Points contributed to the total.' }) points: number;
  @Field(() => Float) maxPoints: number;
  @Field(() => Float, { nullable: true, description: 'The raw value entered (leaves).' }) value: number | null;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field(() => String, { nullable: true }) evidence: string | null;
  @Field() scored: boolean;
  @Field() vetoFired: boolean;
}

@ObjectType({ description: 'What the evaluation resolvers compute from the raw scores.' })
class EvaluationResult {
  @Field(() => Float) total: number;
  @Field(() => Float, { description: 'Bonus points included in the total (capped).' }) bonus: number;
  @Field() grade: string;
  @Field() gradeLabel: string;
  @Field({ description: 'A veto item (一票否决) fired.' }) veto: boolean;
  @Field({ description: 'This evaluation alone meets the pass rule.' }) attained: boolean;
  @Field({ description: 'Every non-bonus criterion is scored.' }) complete: boolean;
  @Field(() => [CriterionScore], { description: 'Every node of the criteria tree, in tree order.' }) nodes: CriterionScore[];
}

@ObjectType({ description: 'A criterion where the self-check and a superior or inspection score disagree beyond the tenant’s margin.' })
class EvaluationDiscrepancy {
  @Field(() => Criterion) criterion: Criterion;
  @Field(() => Float) selfRatio: number;
  @Field(() => EvaluationKind) otherKind: EvaluationKind;
  @Field(() => Float) otherRatio: number;
  @Field(() => Float) difference: number;
}

@ObjectType({ description: 'One step of an evaluation’s review history.' })
class EvaluationHistoryEntry {
  @Field(() => ReviewAction) action: ReviewAction;
  @Field() actionLabel: string;
  @Field(() => String, { nullable: true, description: 'The reason of a return.' }) reason: string | null;
  @Field({ description: 'Display name of who did it.' }) byName: string;
  @Field(() => DateTimeScalar) at: Date;
}

const reviewActionLabels: Record<ReviewAction, string> = { SUBMITTED: '提交', RETURNED: '退回', ACCEPTED: '通过' };

const evaluationId = (id: string) => idOf('Evaluation', id);

/** An ancestor shown as a breadcrumb is visible by name only; its evaluation data stays private. */
const readsOrg = (ctx: RequestContext, org: Org) => inScope(requireUser(ctx), org.path);

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @Query(() => Evaluation)
  async evaluation(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return evaluationService.getOrThrow(ctx, evaluationId(id));
  }

  @Mutation(() => Evaluation, { description: 'Open the org’s evaluation of a kind (returns the existing one if any).' })
  async startEvaluation(@Arg('input') input: StartEvaluationInput, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return evaluationService.start(ctx, {
      campaignId: idOf('Campaign', input.campaignId),
      orgId: idOf('Org', input.orgId),
      kind: input.kind,
    });
  }

  @Mutation(() => Evaluation, { description: 'Save scores of a draft or returned evaluation (optimistic version check).' })
  async saveScores(@Arg('input') input: SaveScoresInput, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return evaluationService.saveScores(ctx, {
      evaluationId: evaluationId(input.evaluationId),
      expectedVersion: input.expectedVersion,
      scores: input.scores.map((s) => ({ ...s, criterionId: idOf('Criterion', s.criterionId) })),
      clear: input.clear.map((id) => idOf('Criterion', id)),
    });
  }

  @Mutation(() => Evaluation)
  async submitEvaluation(@Arg('input') input: SubmitEvaluationInput, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return evaluationService.submit(ctx, { evaluationId: evaluationId(input.evaluationId), expectedVersion: input.expectedVersion });
  }

  @Mutation(() => Evaluation, { description: 'Return a submitted evaluation to its evaluator with a reason.' })
  async returnEvaluation(@Arg('input') input: ReturnEvaluationInput, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return evaluationService.review(ctx, { evaluationId: evaluationId(input.evaluationId), accept: false, reason: input.reason });
  }

  @Mutation(() => Evaluation, { description: 'Accept a submitted evaluation; the org’s campaign result is recomputed and stored.' })
  async acceptEvaluation(@Arg('input') input: AcceptEvaluationInput, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return evaluationService.review(ctx, { evaluationId: evaluationId(input.evaluationId), accept: true });
  }

  @FieldResolver(() => ID)
  id(@Root() evaluation: Evaluation): string {
    return toGlobalId('Evaluation', evaluation.id);
  }

  @FieldResolver(() => String)
  kindLabel(@Root() evaluation: Evaluation): string {
    return evaluationKindLabels[evaluation.kind];
  }

  @FieldResolver(() => [EvaluationHistoryEntry], {
    description: 'Every submission, return (with its reason) and acceptance, oldest first: a resubmission keeps the earlier returns.',
  })
  async history(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<EvaluationHistoryEntry[]> {
    return (await evaluationService.history(ctx, evaluation)).map((r) => ({
      action: r.action,
      actionLabel: reviewActionLabels[r.action],
      reason: r.reason,
      byName: r.byName,
      at: r.at,
    }));
  }

  @FieldResolver(() => Org)
  async org(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, evaluation.orgId))!;
  }

  @FieldResolver(() => Campaign, {
    nullable: true,
    description: 'Null when the org moved out of the campaign’s scope and the campaign out of your sight.',
  })
  async campaign(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return campaignService.findById(ctx, evaluation.campaignId);
  }

  @FieldResolver(() => EvaluationResult, { description: 'Scores of every node, the total, grade, veto and attainment, computed now.' })
  async result(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<EvaluationResult> {
    const campaign = await campaignService.ofRecord(ctx, evaluation.campaignId);
    const [score, criteria, rows, version] = await Promise.all([
      evaluationService.score(ctx, evaluation),
      frameworkService.criteriaOf(ctx, campaign.versionId),
      evaluationService.scoreRows(ctx, evaluation.id),
      campaignService.version(ctx, campaign),
    ]);
    return {
      total: score.total,
      bonus: score.bonus,
      grade: score.grade,
      gradeLabel: version.rule.grades.find((g) => g.code === score.grade)?.label ?? score.grade,
      veto: score.veto,
      attained: score.attained,
      complete: score.complete,
      nodes: criteria.map((criterion) => {
        const node = score.nodes.get(criterion.id)!;
        const row = rows.get(criterion.id);
        return { ...node, criterion, note: row?.note ?? null, evidence: row?.evidence ?? null };
      }),
    };
  }
}

@Resolver(() => Org)
export class OrgCampaignResolver {
  @FieldResolver(() => CampaignResult, { nullable: true, description: 'The org’s stored result in a campaign (batched).' })
  async campaignResult(
    @Root() org: Org,
    @Arg('campaignId', () => ID) campaign: string,
    @Ctx() ctx: RequestContext,
  ): Promise<CampaignResult | null> {
    const c = await campaignService.getOrThrow(ctx, idOf('Campaign', campaign));
    return readsOrg(ctx, org) ? campaignService.result(ctx, c.id, org.id) : null;
  }

  @FieldResolver(() => [Evaluation], { description: 'The org’s evaluations in a campaign.' })
  async evaluations(@Root() org: Org, @Arg('campaignId', () => ID) campaign: string, @Ctx() ctx: RequestContext): Promise<Evaluation[]> {
    const c = await campaignService.getOrThrow(ctx, idOf('Campaign', campaign));
    return readsOrg(ctx, org) ? evaluationService.forOrg(ctx, c.id, org.id) : [];
  }

  @FieldResolver(() => [EvaluationDiscrepancy], {
    description: 'Criteria where 自查 and 上级评议 (or an inspection) differ by more than the tenant’s margin.',
  })
  async discrepancies(@Root() org: Org, @Arg('campaignId', () => ID) campaign: string, @Ctx() ctx: RequestContext): Promise<Discrepancy[]> {
    const c = await campaignService.getOrThrow(ctx, idOf('Campaign', campaign));
    return readsOrg(ctx, org) ? evaluationService.discrepancies(ctx, c, org) : [];
  }
}
