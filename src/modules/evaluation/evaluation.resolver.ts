import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  Float,
  ID,
  Info,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { GraphQLResolveInfo } from 'graphql';
import { RequestContext } from '../../graphql/context';
import { asksFor } from '../../graphql/selection';
import { Order, OrderInput } from '../../graphql/order';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { File } from '../file/file.entity';
import { DetachFileIdsField, FileIdsField } from '../file/file.inputs';
import { fileChangesOf } from '../file/file.resolver';
import { fileService } from '../file/file.service';
import { Criterion } from '../framework/framework.entity';
import { EvaluationKind, evaluationKindLabels } from '../framework/pass-rule';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import {
  CampaignResult,
  Evaluation,
  EvaluationOrderField,
  EvaluationState,
  ResultComponent,
  ReviewAction,
  evaluationStateLabels,
  reviewActionLabels,
} from './evaluation.entity';
import { Discrepancy, EvaluationResultView, evaluationService } from './evaluation.service';

@InputType({ description: '发起考评（已有同类型的考评则返回它）' })
class StartEvaluationInput {
  @Field(() => ID, { description: '创建活动' }) campaignId: string;
  @Field(() => ID, { description: '被考评的组织（须是活动范围内参加创建的组织）' }) orgId: string;
  @Field(() => EvaluationKind, { description: '考评类型：自查由本组织书记发起，上级评议由上级组织负责人发起；督导检查随督查记录' })
  kind: EvaluationKind;
}

@InputType({ description: '一个评分项的得分' })
class ScoreInput {
  @Field(() => ID, { description: '末级指标（评分项）' }) criterionId: string;
  @Field(() => Float, {
    description: '分值：分值型 0 到满分；是否型 0 或 1；百分比型 0 到 100；计数型和扣分型为次数（0 或正整数）',
  })
  value: number;
  @Field(() => String, { nullable: true, description: '评分说明；不传则保留原说明，传 null 则清除' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
  @Field(() => String, {
    nullable: true,
    description: '佐证材料（文件编号、台帐条目或地址）；不传则保留原佐证，传 null 则清除',
  })
  @IsOptional()
  @MaxLength(2000)
  evidence?: string | null;
  @FileIdsField('此项的佐证文件（最多 50 个）') fileIds?: string[] | null;
  @DetachFileIdsField('要从此项取下的佐证文件（考评填报中或已退回时）') detachFileIds?: string[] | null;
}

@InputType({ description: '保存评分（填报中或已退回的考评）' })
class SaveScoresInput {
  @Field(() => ID, { description: '考评' }) evaluationId: string;
  @Field(() => Int, { description: '您读到的版本号；已被他人修改则返回 CONFLICT（VERSION_MISMATCH）' })
  @Min(1)
  @Max(2_000_000_000)
  expectedVersion: number;
  @Field(() => [ScoreInput], { description: '要保存的得分（最多 2000 项）' })
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  scores: ScoreInput[];
  @Field(() => [ID], { defaultValue: [], description: '要清除得分的评分项' }) @ArrayMaxSize(2000) clear: string[];
}

@InputType({ description: '提交考评：评分项须全部打分，要求佐证的须附佐证' })
class SubmitEvaluationInput {
  @Field(() => ID, { description: '考评' }) evaluationId: string;
  @Field(() => Int, { description: '您读到的版本号' }) @Min(1) @Max(2_000_000_000) expectedVersion: number;
}

@InputType({ description: '退回考评' })
class ReturnEvaluationInput {
  @Field(() => ID, { description: '已提交的考评' }) evaluationId: string;
  @Field({ description: '退回理由（必填，记入历史）' }) @MaxLength(2000) reason: string;
}

@InputType({ description: '审核通过考评' })
class AcceptEvaluationInput {
  @Field(() => ID, { description: '已提交的考评' }) evaluationId: string;
}

@ObjectType({ description: '一个指标节点的得分（按当前评分实时计算）' })
export class CriterionScore {
  /** The evaluation shown, and the stored score (null: not scored): for the fields other modules add. */
  evaluationId: string;
  scoreId: string | null;
  @Field(() => Criterion, { description: '指标' }) criterion: Criterion;
  @Field(() => Float, { description: '得分率：达到该节点满分的比例，0 到 1' }) ratio: number;
  @Field(() => Float, { description: '计入总分的得分' }) points: number;
  @Field(() => Float, { description: '该节点在总分中的满分' }) maxPoints: number;
  @Field(() => Float, { nullable: true, description: '录入的原始分值（末级指标）；未评分为空' }) value: number | null;
  @Field(() => String, { nullable: true, description: '评分说明' }) note: string | null;
  @Field(() => String, { nullable: true, description: '佐证材料' }) evidence: string | null;
  @Field({ description: '是否已评分（上级指标：下级有评分即为是）' }) scored: boolean;
  @Field({ description: '是否触发一票否决（得 0 分的否决项）' }) vetoFired: boolean;
}

@ObjectType({ description: '考评的实时计算结果：各节点得分、总分、等次、否决和是否达标' })
class EvaluationResult {
  @Field(() => Float, { description: '总分（含加分）' }) total: number;
  @Field(() => Float, { description: '计入总分的加分（已按上限封顶）' }) bonus: number;
  @Field({ description: '等次代码' }) grade: string;
  @Field({ description: '等次名称（如 优秀）' }) gradeLabel: string;
  @Field({ description: '是否触发一票否决' }) veto: boolean;
  @Field({ description: '仅凭这份考评是否达标' }) attained: boolean;
  @Field({ description: '是否填完：非加分项的评分项都已评分' }) complete: boolean;
  @Field(() => [CriterionScore], { description: '指标树每个节点的得分，按树的顺序' }) nodes: CriterionScore[];
}

@ObjectType({ description: '评分差异：自查与上级评议（或督导检查）同一指标的得分率相差超过本单位的提示线' })
class EvaluationDiscrepancy {
  @Field(() => Criterion, { description: '指标' }) criterion: Criterion;
  @Field(() => Float, { description: '自查得分率' }) selfRatio: number;
  @Field(() => EvaluationKind, { description: '对照的考评类型' }) otherKind: EvaluationKind;
  @Field({ description: '对照考评类型的中文名' }) otherKindLabel: string;
  @Field(() => Float, { description: '对照考评的得分率' }) otherRatio: number;
  @Field(() => Float, { description: '得分率之差（绝对值）' }) difference: number;
}

@ObjectType({ description: '考评的一步操作记录' })
class EvaluationHistoryEntry {
  @Field(() => ReviewAction, { description: '操作' }) action: ReviewAction;
  @Field({ description: '操作的中文名（提交/退回/通过）' }) actionLabel: string;
  @Field(() => String, { nullable: true, description: '退回理由（退回时）' }) reason: string | null;
  @Field(() => String, { nullable: true, description: '操作人姓名' }) byName: string | null;
  @Field(() => DateTimeScalar, { description: '操作时间' }) at: Date;
}

export const EvaluationConnection = Connection(Evaluation);

@ArgsType()
class OrgEvaluationsArgs extends PageArgs {
  @Field(() => ID, { description: '创建活动' }) campaignId: string;
  @Field(() => EvaluationKind, { nullable: true, description: '只列此考评类型' }) kind?: EvaluationKind;
}

const EvaluationOrder = OrderInput<EvaluationOrderField>('EvaluationOrder', EvaluationOrderField, '考评列表的排序：字段和方向');

@ArgsType()
class EvaluationsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此创建活动的考评' }) campaignId?: string;
  @Field(() => [EvaluationState], { nullable: true, description: '只列这些状态的考评；不填或空列表为全部状态' })
  @ArrayMaxSize(10)
  state?: EvaluationState[];
  @Field(() => [EvaluationKind], { nullable: true, description: '只列这些类型的考评；不填或空列表为全部类型' })
  @ArrayMaxSize(10)
  kind?: EvaluationKind[];
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的考评；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此组织的考评' }) orgId?: string;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'true 只列等待您审核的考评：已提交、您可审核通过或退回（您在被考评组织的上级组织任负责人），您本人提交的除外；不填或 false 不按此筛选',
  })
  awaitingMyReview?: boolean;
  @Field(() => EvaluationOrder, { nullable: true, description: '排序；不填为按发起时间从早到晚' })
  orderBy?: Order<EvaluationOrderField>;
}

const evaluationId = (id: string) => idOf('Evaluation', id);

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @Query(() => Evaluation, { description: '一份考评（被考评组织须在您的权限范围内）' })
  async evaluation(@Arg('id', () => ID, { description: '考评编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return evaluationService.getOrThrow(ctx, evaluationId(id));
  }

  @Query(() => EvaluationConnection, {
    description:
      '考评列表：子树内组织的考评（与 evaluation(id) 的可见范围相同），可按活动、状态、类型、组织筛选；awaitingMyReview 为等待您审核的考评（审核待办）',
  })
  async evaluations(@Args() args: EvaluationsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Evaluation>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    const campaign = args.campaignId ? await campaignService.getOrThrow(ctx, idOf('Campaign', args.campaignId)) : null;
    const filter = {
      under,
      orgId: org?.id,
      campaignId: campaign?.id,
      states: args.state,
      kinds: args.kind,
      awaitingMyReview: args.awaitingMyReview,
    };
    return toConnection(await evaluationService.list(ctx, filter, args.orderBy, pageSize(args), args.after));
  }

  @Mutation(() => Evaluation, { description: '发起组织的某类考评（已有则返回已有的那份）' })
  async startEvaluation(
    @Arg('input', { description: '活动、组织和考评类型' }) input: StartEvaluationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Evaluation> {
    return evaluationService.start(ctx, {
      campaignId: idOf('Campaign', input.campaignId),
      orgId: idOf('Org', input.orgId),
      kind: input.kind,
    });
  }

  @Mutation(() => Evaluation, { description: '保存评分（填报中或已退回的考评；按版本号防止覆盖他人的修改）' })
  async saveScores(
    @Arg('input', { description: '考评、版本号和各项得分' }) input: SaveScoresInput,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Evaluation> {
    // only the time of the save itself is unknown until it is written: without it, the write goes with COMMIT
    const answerWithoutTheWrite = !asksFor(info, 'updatedAt');
    return evaluationService.saveScores(
      ctx,
      {
        evaluationId: evaluationId(input.evaluationId),
        expectedVersion: input.expectedVersion,
        scores: input.scores.map((s, i) => ({
          criterionId: idOf('Criterion', s.criterionId),
          value: s.value,
          note: s.note,
          evidence: s.evidence,
          files: fileChangesOf(s, `input.scores[${i}]`),
        })),
        clear: input.clear.map((id) => idOf('Criterion', id)),
      },
      answerWithoutTheWrite,
    );
  }

  @Mutation(() => Evaluation, { description: '提交考评（或退回后再次提交）：总分、等次和否决随之记下' })
  async submitEvaluation(
    @Arg('input', { description: '考评和版本号' }) input: SubmitEvaluationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Evaluation> {
    return evaluationService.submit(ctx, { evaluationId: evaluationId(input.evaluationId), expectedVersion: input.expectedVersion });
  }

  @Mutation(() => Evaluation, { description: '退回已提交的考评，须说明理由（上级组织的负责人，提交人以外）' })
  async returnEvaluation(
    @Arg('input', { description: '要退回的考评和理由' }) input: ReturnEvaluationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Evaluation> {
    return evaluationService.review(ctx, { evaluationId: evaluationId(input.evaluationId), accept: false, reason: input.reason });
  }

  @Mutation(() => Evaluation, {
    description: '审核通过已提交的考评（上级组织的负责人，提交人以外）；组织的活动结果随之重新计算',
  })
  async acceptEvaluation(
    @Arg('input', { description: '要审核通过的考评' }) input: AcceptEvaluationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Evaluation> {
    return evaluationService.review(ctx, { evaluationId: evaluationId(input.evaluationId), accept: true });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() evaluation: Evaluation): string {
    return toGlobalId('Evaluation', evaluation.id);
  }

  @FieldResolver(() => String, { description: '考评类型的中文名（自查/上级评议/群众评议/督导检查）' })
  kindLabel(@Root() evaluation: Evaluation): string {
    return evaluationKindLabels[evaluation.kind];
  }

  @FieldResolver(() => String, { description: '状态的中文名（填报中/已提交/已通过/已退回）' })
  stateLabel(@Root() evaluation: Evaluation): string {
    return evaluationStateLabels[evaluation.state];
  }

  @FieldResolver(() => String, { nullable: true, description: '最近一次提交人的姓名；未提交为空' })
  async submittedByName(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, evaluation.submittedBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '最近一次审核人的姓名；未审核为空' })
  async reviewedByName(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, evaluation.reviewedBy);
  }

  @FieldResolver(() => [EvaluationHistoryEntry], {
    description: '每次提交、退回（及理由）和审核通过，按时间先后；再次提交不抹去此前的退回',
  })
  async history(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<EvaluationHistoryEntry[]> {
    return (await evaluationService.history(ctx, evaluation)).map((r) => ({ ...r, actionLabel: reviewActionLabels[r.action] }));
  }

  @FieldResolver(() => Org, { description: '被考评的组织' })
  async org(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<Org> {
    return evaluationService.orgOf(ctx, evaluation);
  }

  @FieldResolver(() => Campaign, {
    nullable: true,
    description: '所属创建活动；组织已调出活动范围、您看不到该活动时为空',
  })
  async campaign(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return campaignService.findById(ctx, evaluation.campaignId);
  }

  @FieldResolver(() => EvaluationResult, { description: '按当前评分实时计算的各节点得分、总分、等次、否决和是否达标' })
  async result(@Root() evaluation: Evaluation, @Ctx() ctx: RequestContext): Promise<EvaluationResultView> {
    return evaluationService.resultView(ctx, evaluation);
  }
}

// a page of orgs asking for every node's campaignResult reads them with the page (one statement less)
orgService.joinToPages({
  field: 'campaignResult',
  arg: 'campaignId',
  join: (ctx, campaignId, params) => campaignService.resultsJoinedToPage(ctx, campaignId, params),
});

@Resolver(() => Org)
export class OrgCampaignResolver {
  @FieldResolver(() => CampaignResult, {
    nullable: true,
    description: '组织在创建活动中的活动结果；未考评，或您只能看到组织名称（它是您的上级）时为空',
  })
  campaignResult(
    @Root() org: Org,
    @Arg('campaignId', () => ID, { description: '创建活动' }) campaign: string,
    @Ctx() ctx: RequestContext,
  ): CampaignResult | null | Promise<CampaignResult | null> {
    return campaignService.resultInCampaign(ctx, idOf('Campaign', campaign), org);
  }

  @FieldResolver(() => EvaluationConnection, {
    description: '组织在创建活动中的各份考评，按发起先后；您只能看到组织名称（它是您的上级）时为空',
  })
  async evaluations(@Root() org: Org, @Args() args: OrgEvaluationsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Evaluation>> {
    const campaign = await campaignService.getOrThrow(ctx, idOf('Campaign', args.campaignId));
    return toConnection(await evaluationService.listForOrg(ctx, campaign, org, { kind: args.kind }, pageSize(args), args.after));
  }

  @FieldResolver(() => [EvaluationDiscrepancy], {
    description: '自查与上级评议（或督导检查）得分率相差超过提示线的指标；您只能看到组织名称时为空',
  })
  async discrepancies(
    @Root() org: Org,
    @Arg('campaignId', () => ID, { description: '创建活动' }) campaign: string,
    @Ctx() ctx: RequestContext,
  ): Promise<(Discrepancy & { otherKindLabel: string })[]> {
    const found = await evaluationService.discrepancies(ctx, await campaignService.getOrThrow(ctx, idOf('Campaign', campaign)), org);
    return found.map((d) => ({ ...d, otherKindLabel: evaluationKindLabels[d.otherKind] }));
  }
}

@Resolver(() => ResultComponent)
export class ResultComponentResolver {
  @FieldResolver(() => String, { description: '考评类型的中文名' })
  kindLabel(@Root() component: ResultComponent): string {
    return evaluationKindLabels[component.kind];
  }
}

@Resolver(() => CriterionScore)
export class CriterionScoreResolver {
  @FieldResolver(() => [File], { description: '此项的佐证文件（先附的在前；最多 50 个）；未评分的项为空' })
  async files(@Root() node: CriterionScore, @Ctx() ctx: RequestContext): Promise<File[]> {
    return node.scoreId ? fileService.attachedTo(ctx, 'EvaluationScore', node.scoreId) : [];
  }
}
