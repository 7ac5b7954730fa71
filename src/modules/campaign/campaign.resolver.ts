import { ArrayMaxSize, IsOptional, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  Float,
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
import { Order, OrderInput } from '../../graphql/order';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { File } from '../file/file.entity';
import { DetachFileIdsField, FileIdsField } from '../file/file.inputs';
import { fileChangesOf } from '../file/file.resolver';
import { fileService } from '../file/file.service';
import { FrameworkVersion } from '../framework/framework.entity';
import { frameworkError } from '../framework/framework.errors';
import { frameworkService } from '../framework/framework.service';
import { Org, OrgCategory, OrgKind } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import { CampaignResult } from '../evaluation/evaluation.entity';
import {
  Campaign,
  CampaignDeadline,
  CampaignOrderField,
  CampaignPhase,
  CampaignTarget,
  DeadlineSubmission,
  SubmissionAction,
  SubmissionStatus,
  submissionActionLabels,
  submissionStateLabels,
  submissionStatusLabels,
} from './campaign.entity';
import { ProgressView, campaignService, toDateString } from './campaign.service';

@InputType({ description: '活动阶段' })
class PhaseInput {
  @Field({ description: '阶段名称' }) @MinLength(1) @MaxLength(200) name: string;
  @Field(() => DateScalar, { description: '开始日期（在活动起止日期之内）' }) startsOn: Date;
  @Field(() => DateScalar, { description: '结束日期（在活动起止日期之内）' }) endsOn: Date;
}

@InputType({ description: '报送节点' })
class DeadlineInput {
  @Field({ description: '节点代码：大写字母、数字、_ 或 -，最多 40 个，活动内唯一' }) @Matches(/^[A-Z0-9_-]{1,40}$/) code: string;
  @Field({ description: '节点名称' }) @MinLength(1) @MaxLength(200) name: string;
  @Field(() => DateScalar, { description: '报送期限（在活动起止日期之内）' }) dueOn: Date;
  @Field(() => [OrgKind], { description: '须报送的组织类型（至少一种）' }) orgKinds: OrgKind[];
  @Field(() => Int, { nullable: true, description: '只要求活动范围组织以下第几级报送（1 为直属党组织，最多 10）；不填则各级都要报送' })
  @IsOptional()
  @Min(1)
  @Max(10)
  relativeDepth?: number | null;
}

@InputType({ description: '达标目标' })
class TargetInput {
  @Field(() => DateScalar, { description: '目标日期（每个日期一个目标）' }) dueOn: Date;
  @Field(() => Float, { description: '届时达标组织所占比例，大于 0 且不超过 1（如 0.8）' }) ratio: number;
}

@InputType({ description: '发起创建活动' })
class CreateCampaignInput {
  @Field({ description: '活动名称' }) @MinLength(1) @MaxLength(200) name: string;
  @Field(() => ID, { description: '已发布的考评标准版本' }) versionId: string;
  @Field(() => ID, { description: '活动范围组织：其整个下级体系参加（通常为本单位根组织）' }) scopeOrgId: string;
  @Field(() => [OrgKind], { description: '参加创建的组织类型（达标目标的分母）' }) eligibleKinds: OrgKind[];
  @Field(() => DateScalar, { description: '开始日期' }) startsOn: Date;
  @Field(() => DateScalar, { description: '结束日期' }) endsOn: Date;
  @Field(() => [PhaseInput], { defaultValue: [], description: '活动阶段（最多 50 个，可以重叠）' })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  phases: PhaseInput[];
  @Field(() => [DeadlineInput], { defaultValue: [], description: '报送节点（最多 50 个）' })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  deadlines: DeadlineInput[];
  @Field(() => [TargetInput], { defaultValue: [], description: '达标目标（最多 50 个）' })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  targets: TargetInput[];
}

@InputType({ description: '为报送节点报送材料（或退回后重新报送）' })
class SubmitForDeadlineInput {
  @Field(() => ID, { description: '报送节点' }) deadlineId: string;
  @Field(() => ID, { description: '报送的组织' }) orgId: string;
  @Field({ description: '材料内容（正文或摘要，最多 20000 字）' }) @MinLength(1) @MaxLength(20000) text: string;
  @Field(() => String, { nullable: true, description: '附件引用（文件编号或地址）；退回后重新报送时不填保持原值，填 null 清除' })
  @IsOptional()
  @MaxLength(500)
  attachmentRef?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '补录：纸质材料的实际收到时间（仅管理员；不能晚于现在）' })
  submittedAt?: Date | null;
  @FileIdsField('报送的文件（方案、总结等；最多 50 个）') fileIds?: string[] | null;
  @DetachFileIdsField('退回后重新报送时要取下的此前文件') detachFileIds?: string[] | null;
}

@InputType({ description: '退回报送材料修改' })
class ReturnDeadlineSubmissionInput {
  @Field(() => ID, { description: '报送材料' }) submissionId: string;
  @Field({ description: '退回理由（必填，记入历史）' }) @MaxLength(2000) reason: string;
}

@ObjectType({ description: '报送材料的一步操作记录' })
class SubmissionHistoryEntry {
  @Field(() => SubmissionAction, { description: '操作' }) action: SubmissionAction;
  @Field({ description: '操作的中文名（报送/退回修改/重新报送）' }) actionLabel: string;
  @Field(() => String, { nullable: true, description: '退回理由（退回时）' }) reason: string | null;
  @Field(() => String, { nullable: true, description: '操作人姓名' }) byName: string | null;
  @Field(() => DateTimeScalar, { description: '操作时间' }) at: Date;
}

@ObjectType({ description: '按单位类别统计的创建进度' })
class CategoryProgress {
  @Field(() => OrgCategory, { description: '单位类别' }) category: OrgCategory;
  @Field({ description: '单位类别的中文名（机关/事业/企业）' }) categoryLabel: string;
  @Field(() => Int, { description: '应创建数：参加创建的组织数' }) eligible: number;
  @Field(() => Int, { description: '已考评数：必需的考评都已通过审核' }) evaluated: number;
  @Field(() => Int, { description: '已建成数：达标' }) attained: number;
  @Field(() => Float, { description: '建成率：已建成数 ÷ 应创建数（保留 4 位小数）' }) ratio: number;
}

@ObjectType({ description: '一个直属下级组织（连同其下级）的创建进度' })
class ChildProgress {
  @Field(() => Org, { description: '直属下级组织' }) org: Org;
  @Field(() => Int, { description: '应创建数' }) eligible: number;
  @Field(() => Int, { description: '已考评数' }) evaluated: number;
  @Field(() => Int, { description: '已建成数' }) attained: number;
  @Field(() => Float, { description: '建成率' }) ratio: number;
}

@ObjectType({ description: '排名或工作不力名单中的一个组织及其活动结果（未考评为空）' })
class OrgStanding {
  @Field(() => Int, { nullable: true, description: '名次（并列同名次）；工作不力名单中为空' }) rank: number | null;
  @Field(() => Org, { description: '组织' }) org: Org;
  @Field(() => CampaignResult, { nullable: true, description: '活动结果；未考评为空' }) result: CampaignResult | null;
}

export const CampaignConnection = Connection(Campaign);
export const OrgStandingConnection = Connection(OrgStanding);

@ObjectType({ description: '创建进度：一个组织（连同其下级）对照达标目标的情况' })
class CampaignProgress {
  @Field(() => Org, { description: '统计范围组织' }) scope: Org;
  @Field(() => DateScalar, { description: '统计日期：以它判断在用的目标' }) asOf: string;
  @Field(() => Int, { description: '应创建数：范围内参加创建的组织数（目标的分母）' }) eligible: number;
  @Field(() => Int, { description: '已考评数：必需的考评都已通过审核的组织数' }) evaluated: number;
  @Field(() => Int, { description: '已建成数：达标（建成服务型党组织）的组织数' }) attained: number;
  @Field(() => Float, { description: '建成率：已建成数 ÷ 应创建数' }) ratio: number;
  @Field(() => CampaignTarget, { nullable: true, description: '统计日期在用的目标（第一个未到期的，否则最后一个）；无目标为空' })
  target: CampaignTarget | null;
  @Field({ description: '是否达到在用目标（无目标时为 true）' }) onTrack: boolean;
  @Field(() => [CategoryProgress], { description: '按单位类别统计' }) byCategory: CategoryProgress[];
  @Field(() => [ChildProgress], { description: '按直属下级组织（连同其下级）统计，按树的顺序' }) byChild: ChildProgress[];
  campaign: Campaign;
}

@ObjectType({ description: '一个应报送组织对报送节点的完成情况' })
class DeadlineStatusRow {
  @Field(() => Org, { description: '应报送的组织' }) org: Org;
  @Field(() => SubmissionStatus, { description: '完成情况' }) status: SubmissionStatus;
  @Field({ description: '完成情况的中文名（按时报送/逾期报送/退回修改/未报送）' }) statusLabel: string;
  @Field(() => DeadlineSubmission, { nullable: true, description: '报送材料；未报送为空' }) submission: DeadlineSubmission | null;
}

export const DeadlineStatusRowConnection = Connection(DeadlineStatusRow);

@ObjectType({ description: '报送节点的完成情况汇总' })
class DeadlineSummary {
  @Field(() => Int, { description: '应报送数' }) owed: number;
  @Field(() => Int, { description: '按时报送数（以首次报送为准）' }) onTime: number;
  @Field(() => Int, { description: '逾期报送数（以首次报送为准）' }) late: number;
  @Field(() => Int, { description: '退回修改、尚未重新报送的数目' }) returned: number;
  @Field(() => Int, { description: '未报送数' }) missing: number;
}

const CampaignOrder = OrderInput<CampaignOrderField>('CampaignOrder', CampaignOrderField, '创建活动列表的排序：字段和方向');

@ArgsType()
class CampaignsArgs extends PageArgs {
  @Field(() => DateScalar, { nullable: true, description: '只列在此日进行中的活动（已开始、未结束）' }) activeOn?: Date;
  @Field(() => ID, { nullable: true, description: '只列采用此考评标准（任一版本）的活动' }) frameworkId?: string;
  @Field(() => CampaignOrder, { nullable: true, description: '排序；不填为按开始日期新的在前' }) orderBy?: Order<CampaignOrderField>;
}

@ArgsType()
class RankingArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '统计范围组织；不填为您在本活动中的负责范围' }) under?: string;
}

@ArgsType()
class LaggingArgs extends PageArgs {}

@ArgsType()
class SubmissionsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '统计范围组织；不填为您在本活动中的负责范围' }) under?: string;
  @Field(() => SubmissionStatus, { nullable: true, description: '只列此完成情况' }) status?: SubmissionStatus;
}

const campaignId = (id: string) => idOf('Campaign', id);
const orgId = (id: string) => idOf('Org', id);

@Resolver(() => Campaign)
export class CampaignResolver {
  @Query(() => CampaignConnection, {
    description: '您参加或负责的创建活动（范围组织在您的权限范围内或为您的上级），可按进行日期、考评标准筛选；默认开始日期新的在前',
  })
  async campaigns(@Args() args: CampaignsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Campaign>> {
    let frameworkId: string | undefined;
    if (args.frameworkId) {
      const framework = await frameworkService.findFramework(ctx, idOf('Framework', args.frameworkId));
      if (!framework) throw frameworkError('FRAMEWORK_NOT_FOUND');
      frameworkId = framework.id;
    }
    const filter = { activeOn: args.activeOn ? toDateString(args.activeOn) : null, frameworkId };
    return toConnection(await campaignService.list(ctx, filter, pageSize(args), args.after, args.orderBy));
  }

  @Query(() => Campaign, { description: '一个创建活动（其范围组织须在您的权限范围内或为您的上级）' })
  async campaign(@Arg('id', () => ID, { description: '创建活动编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return campaignService.getOrThrow(ctx, campaignId(id));
  }

  @Mutation(() => Campaign, { description: '发起创建活动：绑定已发布的考评标准版本，设阶段、报送节点和达标目标（范围组织的管理员）' })
  async createCampaign(
    @Arg('input', { description: '活动的版本、范围、日程和目标' }) input: CreateCampaignInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Campaign> {
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
    description: '为报送节点报送材料（本组织的书记或管理员）；退回修改后同样用它重新报送',
  })
  async submitForDeadline(
    @Arg('input', { description: '报送节点、组织和材料' }) input: SubmitForDeadlineInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeadlineSubmission> {
    return campaignService.submit(
      ctx,
      {
        text: input.text,
        attachmentRef: input.attachmentRef,
        submittedAt: input.submittedAt,
        deadlineId: idOf('CampaignDeadline', input.deadlineId, 'Deadline'),
        orgId: orgId(input.orgId),
      },
      fileChangesOf(input),
    );
  }

  @Mutation(() => DeadlineSubmission, { description: '退回报送材料修改，须说明理由（上级组织的负责人）' })
  async returnDeadlineSubmission(
    @Arg('input', { description: '要退回的材料和理由' }) input: ReturnDeadlineSubmissionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeadlineSubmission> {
    return campaignService.returnSubmission(ctx, {
      submissionId: idOf('DeadlineSubmission', input.submissionId, 'Submission'),
      reason: input.reason,
    });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() campaign: Campaign): string {
    return toGlobalId('Campaign', campaign.id);
  }

  @FieldResolver(() => FrameworkVersion, { description: '所用的考评标准版本' })
  async version(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return campaignService.version(ctx, campaign);
  }

  @FieldResolver(() => Org, { description: '活动范围组织' })
  async scopeOrg(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<Org> {
    return campaignService.scopeOrg(ctx, campaign);
  }

  @FieldResolver(() => [CampaignPhase], { description: '全部阶段，按顺序' })
  async phases(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CampaignPhase[]> {
    return campaignService.phases(ctx, campaign);
  }

  @FieldResolver(() => [CampaignPhase], { description: '某日正在进行的全部阶段（阶段可以重叠，如 立项创新 与 选树典型 同时进行）' })
  async currentPhases(
    @Root() campaign: Campaign,
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => DateScalar, { nullable: true, description: '日期；默认今天' }) asOf?: Date,
  ): Promise<CampaignPhase[]> {
    return campaignService.currentPhases(ctx, campaign, asOf ? toDateString(asOf) : undefined);
  }

  @FieldResolver(() => CampaignPhase, {
    nullable: true,
    deprecationReason: '阶段可以重叠，请用 currentPhases',
    description: '某日正在进行的第一个阶段（已弃用）',
  })
  async currentPhase(
    @Root() campaign: Campaign,
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => DateScalar, { nullable: true, description: '日期；默认今天' }) asOf?: Date,
  ): Promise<CampaignPhase | null> {
    return (await campaignService.currentPhases(ctx, campaign, asOf ? toDateString(asOf) : undefined))[0] ?? null;
  }

  @FieldResolver(() => [CampaignDeadline], { description: '报送节点，按期限排列（一个活动最多 50 个）' })
  async deadlines(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CampaignDeadline[]> {
    return campaignService.deadlines(ctx, campaign);
  }

  @FieldResolver(() => [CampaignTarget], { description: '达标目标，按日期排列' })
  async targets(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CampaignTarget[]> {
    return campaignService.targets(ctx, campaign);
  }

  @FieldResolver(() => CampaignProgress, { description: '创建进度：一个组织（连同其下级）对照达标目标的情况' })
  async progress(
    @Root() campaign: Campaign,
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true, description: '统计范围组织；不填为您在本活动中的负责范围' }) under?: string,
    @Arg('asOf', () => DateScalar, { nullable: true, description: '统计日期，决定在用的目标；默认今天' }) asOf?: Date,
  ): Promise<ProgressView> {
    return campaignService.progressView(ctx, campaign, under ? orgId(under) : null, asOf ? toDateString(asOf) : null);
  }

  @FieldResolver(() => OrgStandingConnection, { description: '排名：范围内已有结果的组织按总分从高到低' })
  async ranking(@Root() campaign: Campaign, @Args() args: RankingArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<OrgStanding>> {
    const scope = await campaignService.rollupScope(ctx, campaign, args.under ? orgId(args.under) : null);
    return toConnection(await campaignService.ranking(ctx, campaign, scope, pageSize(args), args.after));
  }
}

@Resolver(() => CampaignProgress)
export class CampaignProgressResolver {
  @FieldResolver(() => OrgStandingConnection, {
    description: '工作不力名单：范围内未达标的组织，未考评的在前，其次按总分从低到高',
  })
  async lagging(
    @Root() progress: CampaignProgress,
    @Args() args: LaggingArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<OrgStanding>> {
    return toConnection(await campaignService.laggingPage(ctx, progress.campaign, progress.scope, pageSize(args), args.after));
  }
}

@Resolver(() => CampaignDeadline)
export class CampaignDeadlineResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() deadline: CampaignDeadline): string {
    return toGlobalId('CampaignDeadline', deadline.id);
  }

  @FieldResolver(() => DeadlineStatusRowConnection, { description: '应报送的组织及其完成情况，按树的顺序' })
  async submissions(
    @Root() deadline: CampaignDeadline,
    @Args() args: SubmissionsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<DeadlineStatusRow>> {
    const scope = await campaignService.rollupScope(
      ctx,
      await campaignService.campaignOf(ctx, deadline),
      args.under ? orgId(args.under) : null,
    );
    const page = await campaignService.deadlinePage(ctx, deadline, scope, args.status, pageSize(args), args.after);
    return toConnection({ ...page, nodes: page.nodes.map((r) => ({ ...r, statusLabel: submissionStatusLabels[r.status] })) });
  }

  @FieldResolver(() => DeadlineSummary, { description: '完成情况汇总' })
  async summary(
    @Root() deadline: CampaignDeadline,
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true, description: '统计范围组织；不填为您在本活动中的负责范围' }) under?: string,
  ): Promise<DeadlineSummary> {
    const scope = await campaignService.rollupScope(ctx, await campaignService.campaignOf(ctx, deadline), under ? orgId(under) : null);
    return campaignService.deadlineSummary(ctx, deadline, scope);
  }
}

@Resolver(() => DeadlineSubmission)
export class DeadlineSubmissionResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() submission: DeadlineSubmission): string {
    return toGlobalId('DeadlineSubmission', submission.id);
  }

  @FieldResolver(() => [File], { description: '报送的文件（先附的在前；最多 50 个）；退回后重新报送时可更换' })
  async files(@Root() submission: DeadlineSubmission, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'DeadlineSubmission', submission.id);
  }

  @FieldResolver(() => String, { description: '状态的中文名（已报送/退回修改）' })
  stateLabel(@Root() submission: DeadlineSubmission): string {
    return submissionStateLabels[submission.state];
  }

  @FieldResolver(() => Org, { description: '报送的组织' })
  async org(@Root() submission: DeadlineSubmission, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, submission.orgId);
  }

  @FieldResolver(() => String, { nullable: true, description: '最近一次报送人的姓名' })
  async submittedByName(@Root() submission: DeadlineSubmission, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, submission.submittedBy);
  }

  @FieldResolver(() => [SubmissionHistoryEntry], { description: '每次报送、退回（及理由）和重新报送，按时间先后' })
  async history(@Root() submission: DeadlineSubmission, @Ctx() ctx: RequestContext): Promise<SubmissionHistoryEntry[]> {
    return (await campaignService.submissionHistory(ctx, submission)).map((e) => ({ ...e, actionLabel: submissionActionLabels[e.action] }));
  }
}

@Resolver(() => CampaignResult)
export class CampaignResultResolver {
  @FieldResolver(() => String, { description: '等次的中文名（按所用版本的等次，如 优秀、五星）' })
  async gradeLabel(@Root() result: CampaignResult, @Ctx() ctx: RequestContext): Promise<string> {
    const version = await campaignService.version(ctx, await campaignService.ofRecord(ctx, result.campaignId));
    return version.rule.grades.find((g) => g.code === result.grade)?.label ?? result.grade;
  }
}
