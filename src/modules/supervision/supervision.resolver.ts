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
import { Order, OrderInput } from '../../graphql/order';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { Evaluation } from '../evaluation/evaluation.entity';
import { File } from '../file/file.entity';
import { DetachFileIdsField, FileIdsField } from '../file/file.inputs';
import { fileChangesOf, fileIdsOf } from '../file/file.resolver';
import { fileService } from '../file/file.service';
import { evaluationService } from '../evaluation/evaluation.service';
import { Criterion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import { rectificationService } from './rectification.service';
import {
  ChainBreak,
  Finding,
  FindingSeverity,
  FollowUpCheck,
  Inspection,
  InspectionMethod,
  InspectionOrderField,
  InspectionState,
  Rectification,
  RectificationState,
  SupervisionTeam,
  chainBreakLabels,
  chainBreakReasons,
  findingSeverityLabels,
  inspectionMethodLabels,
  inspectionStateLabels,
  rectificationStateLabels,
} from './supervision.entity';
import { InspectionContent, InspectionPatch, supervisionService } from './supervision.service';
import { todayOf } from '../../graphql/today';

export const RectificationConnection = Connection(Rectification);
export const InspectionConnection = Connection(Inspection);
export const SupervisionTeamConnection = Connection(SupervisionTeam);

@InputType({ description: '组建督导组' })
class CreateSupervisionTeamInput {
  @Field({ description: '督导组名称' }) @MinLength(1) @MaxLength(200) name: string;
  @Field(() => ID, { description: '组长：须具有督查人员（INSPECTOR）角色的用户' }) leaderId: string;
  @Field(() => [ID], { defaultValue: [], description: '成员：须具有督查人员角色（最多 100 人）' }) @ArrayMaxSize(100) memberIds: string[];
  @Field(() => [ID], { description: '督导范围：督导组可督查这些党组织及其全部下级（最多 200 个）' })
  @ArrayMaxSize(200)
  scopeOrgIds: string[];
  @Field(() => ID, { nullable: true, description: '所服务的创建活动：督查记录默认关联它，评分表按它的指标体系评分' })
  campaignId?: string | null;
}

@InputType({ description: '督查发现的一个问题' })
class FindingInput {
  @Field(() => FindingSeverity, { description: '严重程度' }) severity: FindingSeverity;
  @Field({ description: '问题描述' }) @MinLength(1) @MaxLength(5000) description: string;
  @Field(() => ID, { nullable: true, description: '所涉考核指标（须属于创建活动的指标体系）' }) criterionId?: string | null;
  @Field(() => ID, { nullable: true, description: '下达整改：整改单位（须在督导范围内，与 rectifyDueOn 同时填写）' })
  rectifyOrgId?: string | null;
  @Field(() => DateScalar, { nullable: true, description: '下达整改：整改期限（不早于督查日期）' }) rectifyDueOn?: Date | null;
  @FileIdsField('此问题的佐证文件（照片、记录等；每个问题最多 50 个）') fileIds?: string[] | null;
}

@InputType({ description: '评分表中一项指标的得分' })
class InspectionScoreInput {
  @Field(() => ID, { description: '考核指标（创建活动指标体系的末级指标）' }) criterionId: string;
  @Field({ description: '得分（按该指标的计分方式）' }) value: number;
  @Field(() => String, { nullable: true, description: '评分说明；修改草稿时不填保持原说明，传 null 清除' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}

@InputType({ description: '回头看：对此前一个问题的核查' })
class FollowUpInput {
  @Field(() => ID, { description: '本组织此前已定稿督查记录中的问题' }) findingId: string;
  @Field(() => Boolean, {
    nullable: true,
    description: '是否整改到位；尚未核查时不填（定稿前须填写）；修改时不填保持原值，传 null 改回尚未核查',
  })
  fixed?: boolean | null;
  @Field(() => String, { nullable: true, description: '核查说明；修改时不填保持原值，传 null 清除' }) @IsOptional() @MaxLength(2000) note?:
    string | null;
}

@InputType({ description: '督查记录的内容' })
class InspectionContentInput {
  @Field(() => DateScalar, { description: '督查日期（不晚于今天）' }) inspectedOn: Date;
  @Field(() => [InspectionMethod], { description: '督查方式（最多 10 种）' }) @ArrayMaxSize(10) methods: InspectionMethod[];
  @Field({ defaultValue: '', description: '督查情况摘要' }) @MaxLength(20000) summary: string;
  @Field(() => [FindingInput], { defaultValue: [], description: '发现的问题（最多 200 个）' })
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  findings: FindingInput[];
  @Field(() => [InspectionScoreInput], { nullable: true, description: '评分表（可选）：按创建活动的指标评分，定稿时须评完全部指标' })
  @IsOptional()
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  scores?: InspectionScoreInput[] | null;
  @Field(() => [FollowUpInput], { defaultValue: [], description: '回头看：本次核查的此前问题' })
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  followUps: FollowUpInput[];
  @FileIdsField('督查记录的佐证文件（现场照片、座谈记录等；最多 50 个）；定稿后成为记录的一部分，不能取下') fileIds?: string[] | null;
}

@InputType({ description: '录入督查记录（草稿）' })
class RecordInspectionInput extends InspectionContentInput {
  @Field({ description: '请求编号（客户端生成，8 至 100 个字符）：以同一编号重发得到同一份记录，不会重复录入' })
  @MinLength(8)
  @MaxLength(100)
  idempotencyKey: string;
  @Field(() => ID, { description: '督导组（录入人须为其组长或成员）' }) teamId: string;
  @Field(() => ID, { description: '被督查的党组织（须在督导范围内）' }) orgId: string;
  @Field(() => ID, { nullable: true, description: '创建活动；不填为督导组所服务的创建活动' }) campaignId?: string | null;
}

@InputType({ description: '修改（带 id）或新增（不带 id）一个问题；未填的字段保持原值' })
class FindingEditInput {
  @Field(() => ID, {
    nullable: true,
    description: '要修改的问题（修改后编号不变）；不填为新增。更正时也可填被更正记录中该问题的编号',
  })
  id?: string | null;
  @Field(() => FindingSeverity, { nullable: true, description: '严重程度：新增时必填；修改时不填则不变' })
  severity?: FindingSeverity | null;
  @Field(() => String, { nullable: true, description: '问题描述：新增时必填；修改时不填则不变' })
  @IsOptional()
  @MinLength(1)
  @MaxLength(5000)
  description?: string | null;
  @Field(() => ID, { nullable: true, description: '所涉考核指标；填 null 取消关联' }) criterionId?: string | null;
  @Field(() => ID, {
    nullable: true,
    description: '整改单位（与 rectifyDueOn 同时填写）；两者都填 null 取消草稿中的整改要求（已下达的整改不能取消）',
  })
  rectifyOrgId?: string | null;
  @Field(() => DateScalar, { nullable: true, description: '整改期限' }) rectifyDueOn?: Date | null;
  @FileIdsField('要附到此问题的佐证文件') fileIds?: string[] | null;
  @DetachFileIdsField('要从此问题取下的佐证文件（草稿中）') detachFileIds?: string[] | null;
}

@InputType({ description: '撤回更正记录沿用的一个问题，并说明理由' })
class FindingWithdrawalInput {
  @Field(() => ID, { description: '沿用的问题（或被更正记录中它所复制的问题）' }) id: string;
  @Field({ description: '撤回理由（显示在问题的 withdrawnReason 上）' }) @MinLength(1) @MaxLength(2000) reason: string;
}

/**
 * The fields a draft can change, shared by updateInspection and amendInspection. Every field left out
 * keeps what is stored: findings are edited in place by id, added without id, deleted only when
 * listed; scores and follow-up checks change only for the criteria and findings named.
 */
@InputType({ description: '草稿的部分修改：未填的字段保持原值' })
class InspectionPatchInput {
  @Field(() => DateScalar, { nullable: true, description: '督查日期；不填不变' }) inspectedOn?: Date | null;
  @Field(() => [InspectionMethod], { nullable: true, description: '督查方式；不填不变，填写则为完整的新列表' })
  @IsOptional()
  @ArrayMaxSize(10)
  methods?: InspectionMethod[] | null;
  @Field(() => String, { nullable: true, description: '督查情况摘要；不填不变' }) @IsOptional() @MaxLength(20000) summary?: string | null;
  @Field(() => [FindingEditInput], {
    nullable: true,
    description:
      '要修改（带 id，编号不变，未填字段保持原值）或新增（不带 id，排在最后）的问题；未列出的问题保持不变；修改后记录中的问题（含撤回的）至多 200 个',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  findings?: FindingEditInput[] | null;
  @Field(() => [FindingWithdrawalInput], {
    nullable: true,
    description:
      '仅限更正记录：撤回沿用自被更正记录的问题，各附理由。撤回的问题仍留在记录中并标明，但不再计入年度考核；更正记录定稿时其整改随之撤回',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  withdrawFindings?: FindingWithdrawalInput[] | null;
  @Field(() => [InspectionScoreInput], { nullable: true, description: '评分表中要设置的得分（按指标）；未列出的指标保持原分' })
  @IsOptional()
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  scores?: InspectionScoreInput[] | null;
  @Field(() => [FollowUpInput], {
    nullable: true,
    description: '要新增或修改的回头看核查（按问题）；未列出的保持不变，核查中未填的 fixed 或 note 保持原值；修改后至多 200 个',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  followUps?: FollowUpInput[] | null;
  @Field(() => [ID], { nullable: true, description: '从本次回头看中去掉的此前问题' })
  @IsOptional()
  @ArrayMaxSize(200)
  removeFollowUps?: string[] | null;
  @FileIdsField('要附到督查记录的佐证文件') fileIds?: string[] | null;
  @DetachFileIdsField('要从督查记录草稿取下的佐证文件（定稿后不能取下）') detachFileIds?: string[] | null;
}

@InputType({ description: '修改督查记录草稿' })
class UpdateInspectionInput extends InspectionPatchInput {
  @Field(() => ID, { description: '督查记录（草稿）' }) id: string;
  @Field(() => [ID], {
    nullable: true,
    description: '从草稿中删除的问题。更正记录沿用的问题不能删除，只能撤回（withdrawFindings）',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  removeFindingIds?: string[] | null;
}

@InputType({
  description: '更正已定稿的督查记录：新建一份草稿，复制原记录（全部问题沿用，整改保持关联），再按所填内容修改（同 updateInspection）',
})
class AmendInspectionInput extends InspectionPatchInput {
  @Field(() => ID, { description: '被更正的已定稿督查记录（须为最新版本：一份记录只能更正一次）' })
  inspectionId: string;
  @Field({ description: '请求编号（客户端生成，8 至 100 个字符）：以同一编号重发得到同一份更正记录' })
  @MinLength(8)
  @MaxLength(100)
  idempotencyKey: string;
  @Field({ description: '更正理由' }) @MinLength(1) @MaxLength(2000) reason: string;
}

@InputType({ description: '指定一份督查记录' })
class InspectionRefInput {
  @Field(() => ID, { description: '督查记录' }) id: string;
}

@InputType({ description: '报送整改情况' })
class SubmitRectificationInput {
  @Field(() => ID, { description: '整改事项' }) id: string;
  @Field({ description: '整改情况：采取的措施和结果' }) @MaxLength(20000) report: string;
  @Field(() => [String], {
    nullable: true,
    description: '佐证材料（文件名或编号，最多 50 项）；退回后重新报送时不填保持原值，填空列表清除',
  })
  @IsOptional()
  @ArrayMaxSize(50)
  @MaxLength(500, { each: true })
  evidenceRefs?: string[] | null;
  @FileIdsField('整改佐证文件（整改前后的照片、制度文本等；最多 50 个）') fileIds?: string[] | null;
  @DetachFileIdsField('重新报送时要取下的此前佐证文件') detachFileIds?: string[] | null;
}

@InputType({ description: '验收整改：销号或退回重新整改' })
class VerifyRectificationInput {
  @Field(() => ID, { description: '整改事项（须为已报整改）' }) id: string;
  @Field({ description: 'true 验收销号；false 退回重新整改（须说明理由）' }) accept: boolean;
  @Field(() => String, { nullable: true, description: '退回理由' }) @IsOptional() @MaxLength(2000) reason?: string | null;
}

@ArgsType()
class RectificationsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内整改单位的整改；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此督导组下达的整改（本组成员可看到本组督导范围内的全部）' }) teamId?: string;
  @Field(() => ID, { nullable: true, description: '只列此整改单位的整改' }) orgId?: string;
  @Field(() => RectificationState, { nullable: true, description: '只列此状态' }) state?: RectificationState;
  @Field(() => Boolean, { nullable: true, description: 'true 只列逾期未销号的；false 只列未逾期的' }) overdue?: boolean;
}

const InspectionOrder = OrderInput<InspectionOrderField>('InspectionOrder', InspectionOrderField, '督查记录列表的排序：字段和方向');

@ArgsType()
class InspectionsArgs extends PageArgs {
  @Field(() => ID, {
    nullable: true,
    description: '只列此子树内组织的督查记录（您权限范围内的，以及您所在督导组在其中的记录）；不填为全部可见的',
  })
  under?: string;
  @Field(() => ID, { nullable: true, description: '只列此党组织的督查记录' }) orgId?: string;
  @Field(() => ID, { nullable: true, description: '只列此督导组的督查记录' }) teamId?: string;
  @Field(() => InspectionState, { nullable: true, description: '只列此状态（草稿或已定稿）' }) state?: InspectionState;
  @Field(() => DateScalar, { nullable: true, description: '只列督查日期在此日或之后的' }) from?: Date;
  @Field(() => DateScalar, { nullable: true, description: '只列督查日期在此日或之前的' }) to?: Date;
  @Field(() => InspectionOrder, { nullable: true, description: '排序；不填为按督查日期新的在前' })
  orderBy?: Order<InspectionOrderField>;
}

@ArgsType()
class TeamInspectionsArgs extends PageArgs {
  @Field(() => InspectionState, { nullable: true, description: '只列此状态（草稿或已定稿）' }) state?: InspectionState;
}

@ObjectType({ description: '督导组的一名成员' })
class SupervisionTeamMember {
  userId: string;
  @Field({ description: '是否为组长' }) leader: boolean;
}

@ObjectType({ description: '记录链断裂处' })
class BrokenLink {
  @Field(() => Int, { description: '断裂处记录的序号' }) seq: number;
  @Field(() => Int, { nullable: true, description: '序号不连续时，此处应有的序号' }) expectedSeq: number | null;
  @Field(() => ChainBreak, { description: '断裂类型' }) kind: ChainBreak;
  @Field({ description: '断裂类型的中文名' }) kindLabel: string;
  @Field({ description: '断裂的说明' }) reason: string;
  @Field(() => Inspection, { nullable: true, description: '断裂处的督查记录（您可见时）' }) inspection: Inspection | null;
}

@ObjectType({ description: '记录链核验结果：重新计算本单位全部定稿督查记录的哈希链' })
class RecordVerification {
  @Field({ description: '记录链是否完好' }) ok: boolean;
  @Field(() => Int, { description: '在第一处断裂之前核验通过的记录数（完好时为全部记录数）' }) checked: number;
  @Field(() => BrokenLink, { nullable: true, description: '第一处断裂；完好时为空' }) brokenAt: BrokenLink | null;
}

const teamId = (id: string) => idOf('SupervisionTeam', id, 'Supervision team');
const inspectionId = (id: string) => idOf('Inspection', id);
const orgId = (id: string) => idOf('Org', id);

function content(input: InspectionContentInput): InspectionContent {
  return {
    inspectedOn: toDateString(input.inspectedOn),
    methods: [...new Set(input.methods)],
    summary: input.summary,
    findings: input.findings.map((f, i) => ({
      severity: f.severity,
      description: f.description,
      criterionId: f.criterionId ? idOf('Criterion', f.criterionId) : null,
      rectifyOrgId: f.rectifyOrgId ? orgId(f.rectifyOrgId) : null,
      rectifyDueOn: f.rectifyDueOn ? toDateString(f.rectifyDueOn) : null,
      fileIds: fileIdsOf(f.fileIds, `input.findings[${i}].fileIds`),
    })),
    scores: input.scores?.map((s) => ({ criterionId: idOf('Criterion', s.criterionId), value: s.value, note: s.note })), // an absent note keeps the stored one
    followUps: input.followUps.map((f) => ({ findingId: idOf('Finding', f.findingId), fixed: f.fixed ?? null, note: f.note ?? null })),
    fileIds: fileIdsOf(input.fileIds, 'input.fileIds'),
  };
}

const ref = <T>(value: T | null | undefined, map: (v: T) => string): string | null | undefined =>
  value === undefined ? undefined : value === null ? null : map(value);

function patchOf(input: InspectionPatchInput & { removeFindingIds?: string[] | null }): InspectionPatch {
  return {
    inspectedOn: input.inspectedOn ? toDateString(input.inspectedOn) : undefined,
    methods: input.methods ? [...new Set(input.methods)] : undefined,
    summary: input.summary ?? undefined,
    findings: input.findings?.map((f, i) => ({
      id: f.id ? idOf('Finding', f.id) : undefined,
      severity: f.severity ?? undefined,
      description: f.description ?? undefined,
      criterionId: ref(f.criterionId, (id) => idOf('Criterion', id)),
      rectifyOrgId: ref(f.rectifyOrgId, orgId),
      rectifyDueOn: ref(f.rectifyDueOn, toDateString),
      files: fileChangesOf(f, `input.findings[${i}]`),
    })),
    removeFindingIds: input.removeFindingIds?.map((id) => idOf('Finding', id)),
    withdrawFindings: input.withdrawFindings?.map((w) => ({ id: idOf('Finding', w.id), reason: w.reason })),
    scores: input.scores?.map((s) => ({ criterionId: idOf('Criterion', s.criterionId), value: s.value, note: s.note })), // an absent note keeps the stored one
    followUps: input.followUps?.map((f) => ({ findingId: idOf('Finding', f.findingId), fixed: f.fixed, note: f.note })),
    removeFollowUps: input.removeFollowUps?.map((id) => idOf('Finding', id)),
    files: fileChangesOf(input),
  };
}

@Resolver(() => SupervisionTeam)
export class SupervisionTeamResolver {
  @Query(() => SupervisionTeamConnection, {
    description: '督导组列表：您所在的督导组、督导范围在您权限范围内的督导组（根组织的管理员和领导小组可见全部），先组建的在前',
  })
  async supervisionTeams(@Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<SupervisionTeam>> {
    return toConnection(await supervisionService.teams(ctx, pageSize(args), args.after));
  }

  @Mutation(() => SupervisionTeam, { description: '组建督导组（根组织的管理员或领导小组）' })
  async createSupervisionTeam(
    @Arg('input', { description: '督导组的名称、组长、成员和督导范围' }) input: CreateSupervisionTeamInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SupervisionTeam> {
    return supervisionService.createTeam(ctx, {
      name: input.name,
      leaderId: idOf('User', input.leaderId),
      memberIds: input.memberIds.map((id) => idOf('User', id)),
      scopeOrgIds: input.scopeOrgIds.map(orgId),
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
    });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() team: SupervisionTeam): string {
    return toGlobalId('SupervisionTeam', team.id);
  }

  @FieldResolver(() => String, { nullable: true, description: '组长姓名' })
  async leaderName(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, team.leaderId);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: '组长的账号：仅本人和管理其所在组织的管理员可见，其他人为空（姓名见 leaderName）',
  })
  async leader(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, team.leaderId);
  }

  @FieldResolver(() => [SupervisionTeamMember], { description: '组长和成员（组长在前；人数有上限）' })
  async members(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<SupervisionTeamMember[]> {
    const ids = await supervisionService.members(ctx, team);
    return ids.map((userId, i) => ({ userId, leader: i === 0 }));
  }

  @FieldResolver(() => [Org], { description: '督导范围：督导组可督查这些党组织及其全部下级（您可见的部分）' })
  async scope(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<Org[]> {
    return supervisionService.scopeOrgs(ctx, team);
  }

  @FieldResolver(() => Campaign, { nullable: true, description: '所服务的创建活动' })
  async campaign(@Root() team: SupervisionTeam, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return team.campaignId ? campaignService.findById(ctx, team.campaignId) : null;
  }

  @FieldResolver(() => InspectionConnection, { description: '本组的督查记录（您可见的），新的在前' })
  async inspections(
    @Root() team: SupervisionTeam,
    @Args() args: TeamInspectionsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<Inspection>> {
    return toConnection(await supervisionService.listInspections(ctx, { teamId: team.id, state: args.state }, pageSize(args), args.after));
  }
}

@Resolver(() => SupervisionTeamMember)
export class SupervisionTeamMemberResolver {
  @FieldResolver(() => String, { nullable: true, description: '姓名' })
  async displayName(@Root() member: SupervisionTeamMember, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, member.userId);
  }

  @FieldResolver(() => User, { nullable: true, description: '账号：仅本人和管理其所在组织的管理员可见，其他人为空' })
  async user(@Root() member: SupervisionTeamMember, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, member.userId);
  }
}

@Resolver(() => Inspection)
export class InspectionResolver {
  @Query(() => Inspection, { description: '一份督查记录（被督查组织在您的权限范围内，或您是该督导组成员）' })
  async inspection(@Arg('id', () => ID, { description: '督查记录编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Inspection> {
    return supervisionService.getInspectionOrThrow(ctx, inspectionId(id));
  }

  @Query(() => InspectionConnection, {
    description:
      '督查记录列表：您权限范围内组织的督查记录和您所在督导组的记录，可按子树、组织、督导组、状态和督查日期筛选；默认督查日期新的在前',
  })
  async inspections(@Args() args: InspectionsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Inspection>> {
    const filter = {
      under: args.under ? await orgService.getInScopeOrThrow(ctx, orgId(args.under)) : null,
      orgId: args.orgId ? orgId(args.orgId) : undefined,
      teamId: args.teamId ? teamId(args.teamId) : undefined,
      state: args.state,
      from: args.from ? toDateString(args.from) : null,
      to: args.to ? toDateString(args.to) : null,
    };
    return toConnection(await supervisionService.listInspections(ctx, filter, pageSize(args), args.after, args.orderBy));
  }

  @Query(() => RecordVerification, {
    description: '核验记录链：重新计算全部定稿督查记录的哈希链，报告第一处断裂（根组织的管理员、领导小组或督查人员）',
  })
  async verifyRecords(@Ctx() ctx: RequestContext): Promise<RecordVerification> {
    const result = await supervisionService.verifyRecords(ctx);
    const broken = result.brokenAt;
    return {
      ok: result.ok,
      checked: result.checked,
      brokenAt: broken
        ? {
            seq: broken.seq,
            expectedSeq: broken.expectedSeq,
            kind: broken.kind,
            kindLabel: chainBreakLabels[broken.kind],
            reason: chainBreakReasons[broken.kind],
            inspection: await supervisionService.findInspection(ctx, broken.inspectionId),
          }
        : null,
    };
  }

  @Mutation(() => Inspection, { description: '录入督查记录草稿（同一请求编号重发得到同一份记录）' })
  async recordInspection(
    @Arg('input', { description: '督查记录的督导组、被督查组织和内容' }) input: RecordInspectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Inspection> {
    return supervisionService.record(ctx, {
      ...content(input),
      idempotencyKey: input.idempotencyKey,
      teamId: teamId(input.teamId),
      orgId: orgId(input.orgId),
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
    });
  }

  @Mutation(() => Inspection, { description: '修改督查记录草稿：只改所填内容（问题编号不变）；已定稿的不能修改' })
  async updateInspection(
    @Arg('input', { description: '要修改的草稿和修改内容' }) input: UpdateInspectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Inspection> {
    return supervisionService.update(ctx, inspectionId(input.id), patchOf(input));
  }

  @Mutation(() => Boolean, { description: '删除督查记录草稿；已定稿的不能删除' })
  async discardInspection(
    @Arg('input', { description: '要删除的草稿' }) input: InspectionRefInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return supervisionService.discard(ctx, inspectionId(input.id));
  }

  @Mutation(() => Inspection, { description: '定稿：记录加入记录链、不可再改，并下达其中的整改' })
  async finalizeInspection(
    @Arg('input', { description: '要定稿的草稿' }) input: InspectionRefInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Inspection> {
    return supervisionService.finalize(ctx, inspectionId(input.id));
  }

  @Mutation(() => Inspection, {
    description: '更正已定稿的督查记录：新建一份更正草稿，沿用原记录的问题（可说明理由撤回），定稿后取代原记录',
  })
  async amendInspection(
    @Arg('input', { description: '被更正的记录、更正理由和修改内容' }) input: AmendInspectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Inspection> {
    return supervisionService.amend(ctx, inspectionId(input.inspectionId), {
      ...patchOf(input),
      idempotencyKey: input.idempotencyKey,
      reason: input.reason,
    });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() inspection: Inspection): string {
    return toGlobalId('Inspection', inspection.id);
  }

  @FieldResolver(() => String, { description: '状态的中文名（草稿/已定稿）' })
  stateLabel(@Root() inspection: Inspection): string {
    return inspectionStateLabels[inspection.state];
  }

  @FieldResolver(() => [String], { description: '督查方式的中文名' })
  methodLabels(@Root() inspection: Inspection): string[] {
    return inspection.methods.map((m) => inspectionMethodLabels[m]);
  }

  @FieldResolver(() => String, { nullable: true, description: '录入人姓名' })
  async recordedByName(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, inspection.createdBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '定稿人姓名；草稿为空' })
  async finalizedByName(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, inspection.finalizedBy);
  }

  @FieldResolver(() => SupervisionTeam, { description: '开展督查的督导组' })
  async team(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<SupervisionTeam> {
    return supervisionService.teamOf(ctx, inspection);
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: '被督查的党组织；督导组成员的权限范围已不再覆盖它（组织已调整隶属关系）时为空',
  })
  async org(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, inspection.orgId);
  }

  @FieldResolver(() => Campaign, { nullable: true, description: '所关联的创建活动' })
  async campaign(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return inspection.campaignId ? campaignService.findById(ctx, inspection.campaignId) : null;
  }

  @FieldResolver(() => [Finding], { description: '发现的问题（按顺序；每份记录至多 200 个）' })
  async findings(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Finding[]> {
    return supervisionService.findings(ctx, inspection);
  }

  @FieldResolver(() => Evaluation, {
    nullable: true,
    description: '评分表：类型为督查评议（INSPECTION）的一份评议，计分方式与其他评议相同',
  })
  async scoreSheet(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Evaluation | null> {
    return inspection.evaluationId ? evaluationService.findById(ctx, inspection.evaluationId) : null;
  }

  @FieldResolver(() => Inspection, { nullable: true, description: '本记录所更正的记录；非更正记录为空' })
  async amends(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Inspection | null> {
    return inspection.amendsId ? supervisionService.findInspection(ctx, inspection.amendsId) : null;
  }

  @FieldResolver(() => [Inspection], { description: '更正本记录的记录（一份记录只能更正一次，故至多一份）' })
  async amendments(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<Inspection[]> {
    return supervisionService.amendments(ctx, inspection);
  }

  @FieldResolver(() => [File], {
    description: '督查记录的佐证文件（先附的在前；最多 50 个）；定稿后是记录的一部分，其内容摘要计入记录链',
  })
  async files(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'Inspection', inspection.id);
  }

  @FieldResolver(() => [FollowUpCheck], { description: '回头看：本次核查的此前问题，以及各自是否整改到位（至多 200 个）' })
  async followUps(@Root() inspection: Inspection, @Ctx() ctx: RequestContext): Promise<FollowUpCheck[]> {
    return supervisionService.followUps(ctx, inspection);
  }
}

@Resolver(() => FollowUpCheck)
export class FollowUpCheckResolver {
  @FieldResolver(() => Finding, { nullable: true, description: '所核查的此前问题（您可见时）' })
  async finding(@Root() check: FollowUpCheck, @Ctx() ctx: RequestContext): Promise<Finding | null> {
    return supervisionService.findFinding(ctx, check.findingId);
  }
}

@Resolver(() => Finding)
export class FindingResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() finding: Finding): string {
    return toGlobalId('Finding', finding.id);
  }

  @FieldResolver(() => String, { description: '严重程度的中文名（一般/较重/严重/特别严重）' })
  severityLabel(@Root() finding: Finding): string {
    return findingSeverityLabels[finding.severity];
  }

  @FieldResolver(() => Criterion, { nullable: true, description: '所涉考核指标' })
  async criterion(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Criterion | null> {
    return finding.criterionId ? frameworkService.findCriterion(ctx, finding.criterionId) : null;
  }

  @FieldResolver(() => Org, { nullable: true, description: '整改单位；未下达整改为空' })
  async rectifyOrg(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return finding.rectifyOrgId ? orgService.findById(ctx, finding.rectifyOrgId) : null;
  }

  @FieldResolver(() => Rectification, {
    nullable: true,
    description:
      '下达的整改：督查记录定稿时生成；更正记录沿用的问题仍是同一整改；整改单位不在您的权限范围内（且您不是下达整改的督导组成员）时为空',
  })
  async rectification(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Rectification | null> {
    return rectificationService.byFinding(ctx, finding);
  }

  @FieldResolver(() => [File], { description: '此问题的佐证文件（先附的在前；最多 50 个）；记录定稿后不能取下' })
  async files(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'Finding', finding.id);
  }

  @FieldResolver(() => Boolean, { description: '是否已被更正记录撤回（理由见 withdrawnReason）' })
  withdrawn(@Root() finding: Finding): boolean {
    return finding.withdrawnReason !== null;
  }

  @FieldResolver(() => Finding, {
    nullable: true,
    description: '被更正记录中的同一问题（本记录首次提出的问题为空）',
  })
  async carriedFrom(@Root() finding: Finding, @Ctx() ctx: RequestContext): Promise<Finding | null> {
    return finding.carriedFromId ? supervisionService.findFinding(ctx, finding.carriedFromId) : null;
  }
}

@Resolver(() => Rectification)
export class RectificationResolver {
  @Query(() => RectificationConnection, {
    description: '整改列表：子树内、某督导组或某整改单位的整改，期限近的在前；overdue: true 只列逾期的',
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

  @Mutation(() => Rectification, { description: '报送整改情况及佐证（整改单位的书记或其上级负责人）' })
  async submitRectification(
    @Arg('input', { description: '整改事项、整改情况和佐证' }) input: SubmitRectificationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Rectification> {
    return rectificationService.submit(ctx, idOf('Rectification', input.id), input.report, input.evidenceRefs, fileChangesOf(input));
  }

  @Mutation(() => Rectification, { description: '验收整改：下达整改的督导组销号，或说明理由退回重新整改' })
  async verifyRectification(
    @Arg('input', { description: '整改事项和验收结论' }) input: VerifyRectificationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Rectification> {
    return rectificationService.verify(ctx, idOf('Rectification', input.id), input.accept, input.reason);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() r: Rectification): string {
    return toGlobalId('Rectification', r.id);
  }

  @FieldResolver(() => String, { description: '整改状态的中文名' })
  stateLabel(@Root() r: Rectification): string {
    return rectificationStateLabels[r.state];
  }

  @FieldResolver(() => [File], { description: '整改佐证文件：随报送整改情况附上（先附的在前；最多 50 个）' })
  async files(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'RectificationSubmission', r.id);
  }

  @FieldResolver(() => Boolean, { description: '是否逾期：已过整改期限仍未销号' })
  overdue(@Root() r: Rectification, @Ctx() ctx: RequestContext): boolean {
    return rectificationService.isOverdue(r, todayOf(ctx));
  }

  @FieldResolver(() => String, { nullable: true, description: '报送人姓名；未报送为空' })
  async submittedByName(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, r.submittedBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '销号人姓名；未销号为空' })
  async verifiedByName(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, r.verifiedBy);
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: '整改单位；督导组成员的权限范围已不再覆盖它（组织已调整隶属关系）时为空',
  })
  async ownerOrg(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.ownerOrgId);
  }

  @FieldResolver(() => Finding, {
    nullable: true,
    description: '所整改的问题，以现行记录（最新定稿的更正记录）中的表述为准，可能已撤回',
  })
  async finding(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<Finding | null> {
    return supervisionService.currentFinding(ctx, r.findingId);
  }

  @FieldResolver(() => SupervisionTeam, { nullable: true, description: '下达整改的督导组（您可见时）' })
  async team(@Root() r: Rectification, @Ctx() ctx: RequestContext): Promise<SupervisionTeam | null> {
    return supervisionService.findTeam(ctx, r.teamId);
  }
}
