import { ArrayMaxSize, IsOptional, Max, MaxLength, Min } from 'class-validator';
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
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { File } from '../file/file.entity';
import { fileService } from '../file/file.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import {
  ServiceKind,
  ServiceRecord,
  ServiceTeam,
  ServiceTeamMember,
  ServiceTeamRole,
  serviceKindLabels,
  serviceTeamRoleLabels,
} from './service-team.entity';
import { MAX_FILES, MAX_PARTICIPANTS, RECORD_TYPE, REPORT_ROWS, ServiceFigures, serviceTeamService } from './service-team.service';

export const ServiceTeamConnection = Connection(ServiceTeam);
export const ServiceTeamMemberConnection = Connection(ServiceTeamMember);
export const ServiceRecordConnection = Connection(ServiceRecord);

@ObjectType('ServiceFigures', { description: '服务统计：统计期内的服务次数、时长和人次时长（一个语句算出队伍、队员、组织的合计）' })
export class ServiceFiguresType {
  @Field(() => Int, { description: '服务次数（记录数）' }) records: number;
  @Field(() => Float, { description: '服务时长（小时）：各次服务时长之和' }) hours: number;
  @Field(() => Float, { description: '志愿服务人次时长（小时）：各次时长乘参加人数之和；队员本人为其参加的服务时长' }) personHours: number;
  @Field(() => Int, { description: '有服务的天数' }) days: number;
}

@ObjectType({ description: '服务统计中一支队伍的合计' })
class ServiceTeamTotals extends ServiceFiguresType {
  @Field(() => ID, { description: '队伍的全局编号' }) teamId: string;
  @Field({ description: '队伍名称' }) teamName: string;
  /** The raw id, for the team field. */
  rawTeamId: string;
}

@ObjectType({ description: '服务统计中一名队员的合计（本人参加的服务）' })
class ServiceMemberTotals extends ServiceFiguresType {
  @Field(() => ID, { description: '队员的全局编号' }) memberId: string;
  @Field({ description: '队员姓名' }) memberName: string;
  @Field(() => ID, { description: '所在队伍的全局编号' }) teamId: string;
  @Field({ description: '所在队伍名称' }) teamName: string;
  rawMemberId: string;
}

@ObjectType({
  description: `服务统计：统计期内子树的合计、各队伍和各队员的合计（一个语句算出；有服务的队伍和队员，人次时长多的在前，各至多 ${REPORT_ROWS} 条）`,
})
class ServiceTotalsReport {
  @Field(() => DateScalar, { description: '统计期开始日期' }) from: string;
  @Field(() => DateScalar, { description: '统计期结束日期' }) to: string;
  @Field(() => ServiceFiguresType, { description: '子树的合计' }) total: ServiceFigures;
  @Field(() => [ServiceTeamTotals], { description: '各队伍的合计' }) teams: ServiceTeamTotals[];
  @Field(() => [ServiceMemberTotals], { description: '各队员的合计' }) members: ServiceMemberTotals[];
  @Field({ description: '队伍超过上限、未列全' }) teamsTruncated: boolean;
  @Field({ description: '队员超过上限、未列全' }) membersTruncated: boolean;
}

@ArgsType()
class PeriodArgs {
  @Field(() => DateScalar, { description: '统计期开始日期（含）' }) from: Date;
  @Field(() => DateScalar, { description: '统计期结束日期（含；至多 10 年）' }) to: Date;
}

@InputType({ description: '组建服务队伍' })
class CreateServiceTeamInput {
  @Field(() => ID, { description: '组建队伍的党组织' }) orgId: string;
  @Field({ description: '队伍名称，如党员学雷锋车队' }) @MaxLength(100) name: string;
  @Field({ defaultValue: '', description: '队伍简介' }) @MaxLength(5000) description: string;
  @Field(() => [ServiceKind], { defaultValue: [], description: '主要服务类别' }) @ArrayMaxSize(7) serviceKinds: ServiceKind[];
  @Field(() => DateScalar, { nullable: true, description: '组建日期（不晚于今天）' }) foundedOn?: Date | null;
}

@InputType({ description: '修改服务队伍：只改填写的项' })
class UpdateServiceTeamInput {
  @Field(() => ID, { description: '服务队伍' }) id: string;
  @Field(() => String, { nullable: true, description: '队伍名称' }) @IsOptional() @MaxLength(100) name?: string | null;
  @Field(() => String, { nullable: true, description: '队伍简介' }) @IsOptional() @MaxLength(5000) description?: string | null;
  @Field(() => [ServiceKind], { nullable: true, description: '主要服务类别（整体替换）' }) @IsOptional() @ArrayMaxSize(7) serviceKinds?:
    ServiceKind[] | null;
}

@InputType({ description: '解散服务队伍' })
class DisbandServiceTeamInput {
  @Field(() => ID, { description: '服务队伍' }) id: string;
}

@InputType({ description: '增加队员' })
class AddServiceTeamMemberInput {
  @Field(() => ID, { description: '服务队伍' }) teamId: string;
  @Field(() => ID, { nullable: true, description: '队员的账号（队伍所在组织或其下级的用户）；没有账号的不填' }) userId?: string | null;
  @Field(() => String, { nullable: true, description: '姓名（没有账号时必填；有账号时不填则用账号的姓名）' })
  @IsOptional()
  @MaxLength(50)
  name?: string | null;
  @Field(() => ServiceTeamRole, { defaultValue: ServiceTeamRole.MEMBER, description: '队内职务' }) role: ServiceTeamRole;
  @Field(() => DateScalar, { nullable: true, description: '入队日期；不填为今天' }) joinedOn?: Date | null;
}

@InputType({ description: '队员离队' })
class RemoveServiceTeamMemberInput {
  @Field(() => ID, { description: '服务队员' }) id: string;
  @Field(() => DateScalar, { nullable: true, description: '离队日期；不填为今天' }) leftOn?: Date | null;
}

@InputType({ description: '登记服务记录' })
class RecordServiceInput {
  @Field(() => ID, { description: '服务队伍' }) teamId: string;
  @Field(() => DateScalar, { description: '服务日期（不晚于今天）' }) servedOn: Date;
  @Field({ description: '服务地点' }) @MaxLength(200) place: string;
  @Field({ description: '服务对象（如残疾乘客、留守儿童；勿填联系方式）' }) @MaxLength(200) beneficiary: string;
  @Field(() => ServiceKind, { description: '服务类别' }) kind: ServiceKind;
  @Field(() => String, { nullable: true, description: '类别为“其他”时的说明（其他类别不填）' }) @IsOptional() @MaxLength(50) kindText?:
    string | null;
  @Field(() => Float, { description: '服务时长（小时，大于 0、至多 24，一位小数）' }) @Min(0.1) @Max(24) hours: number;
  @Field({ defaultValue: '', description: '服务内容' }) @MaxLength(5000) description: string;
  @Field(() => [ID], { description: `参加服务的队员（服务当天在队，1 至 ${MAX_PARTICIPANTS} 名）` })
  @ArrayMaxSize(MAX_PARTICIPANTS)
  participantIds: string[];
  @Field(() => [ID], { defaultValue: [], description: `佐证材料：已上传的文件（POST /files），至多 ${MAX_FILES} 个` })
  @ArrayMaxSize(MAX_FILES)
  fileIds: string[];
}

@InputType({ description: '更正服务记录：只改填写的项' })
class UpdateServiceRecordInput {
  @Field(() => ID, { description: '服务记录' }) id: string;
  @Field(() => DateScalar, { nullable: true, description: '服务日期' }) servedOn?: Date | null;
  @Field(() => String, { nullable: true, description: '服务地点' }) @IsOptional() @MaxLength(200) place?: string | null;
  @Field(() => String, { nullable: true, description: '服务对象' }) @IsOptional() @MaxLength(200) beneficiary?: string | null;
  @Field(() => ServiceKind, { nullable: true, description: '服务类别' }) kind?: ServiceKind | null;
  @Field(() => String, { nullable: true, description: '类别为“其他”时的说明' }) @IsOptional() @MaxLength(50) kindText?: string | null;
  @Field(() => Float, { nullable: true, description: '服务时长（小时）' }) @IsOptional() @Min(0.1) @Max(24) hours?: number | null;
  @Field(() => String, { nullable: true, description: '服务内容' }) @IsOptional() @MaxLength(5000) description?: string | null;
  @Field(() => [ID], { nullable: true, description: '参加服务的队员（整体替换）' })
  @IsOptional()
  @ArrayMaxSize(MAX_PARTICIPANTS)
  participantIds?: string[] | null;
  @Field(() => [ID], { nullable: true, description: '增加的佐证材料（文件）' }) @IsOptional() @ArrayMaxSize(MAX_FILES) addFileIds?:
    string[] | null;
  @Field(() => [ID], { nullable: true, description: '移除的佐证材料（文件）' }) @IsOptional() @ArrayMaxSize(MAX_FILES) removeFileIds?:
    string[] | null;
}

@InputType({ description: '删除误录的服务记录' })
class DeleteServiceRecordInput {
  @Field(() => ID, { description: '服务记录' }) id: string;
}

@ArgsType()
class ServiceTeamsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的队伍；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此组织的队伍' }) orgId?: string;
  @Field({ defaultValue: false, description: '是否包括已解散的队伍' }) includeDisbanded: boolean;
}

@ArgsType()
class ServiceRecordsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的队伍的记录；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此队伍的记录' }) teamId?: string;
  @Field(() => ID, { nullable: true, description: '只列此队员参加的记录' }) memberId?: string;
  @Field(() => ServiceKind, { nullable: true, description: '只列此类别' }) kind?: ServiceKind;
  @Field(() => DateScalar, { nullable: true, description: '服务日期不早于（与 to 同用）' }) from?: Date;
  @Field(() => DateScalar, { nullable: true, description: '服务日期不晚于（与 from 同用）' }) to?: Date;
}

@ArgsType()
class ServiceTotalsArgs extends PeriodArgs {
  @Field(() => ID, { nullable: true, description: '统计此子树（在您的权限范围内的部分）；不填为您的全部权限范围' }) under?: string;
}

@ArgsType()
class TeamMembersArgs extends PageArgs {
  @Field({ defaultValue: false, description: '是否包括已离队的' }) includeLeft: boolean;
}

@ArgsType()
class TeamRecordsArgs extends PageArgs {
  @Field(() => DateScalar, { nullable: true, description: '服务日期不早于（与 to 同用）' }) from?: Date;
  @Field(() => DateScalar, { nullable: true, description: '服务日期不晚于（与 from 同用）' }) to?: Date;
}

const period = (args: { from?: Date | null; to?: Date | null }) =>
  args.from || args.to ? { from: toDateString(args.from ?? new Date('2000-01-01')), to: toDateString(args.to ?? new Date()) } : null;
const teamId = (id: string) => idOf('ServiceTeam', id, 'Service team');
const recordId = (id: string) => idOf('ServiceRecord', id, 'Service record');

@Resolver(() => ServiceTeam)
export class ServiceTeamResolver {
  @Query(() => ServiceTeam, { description: '一支服务队伍（其组织须在您的权限范围内）' })
  async serviceTeam(@Arg('id', () => ID, { description: '服务队伍编号' }) id: string, @Ctx() ctx: RequestContext): Promise<ServiceTeam> {
    return serviceTeamService.getTeamOrThrow(ctx, teamId(id));
  }

  @Query(() => ServiceTeamConnection, { description: '服务队伍列表：子树内组织的队伍，按组织顺序和名称' })
  async serviceTeams(@Args() args: ServiceTeamsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ServiceTeam>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    return toConnection(
      await serviceTeamService.listTeams(
        ctx,
        { under, orgId: org?.id, includeDisbanded: args.includeDisbanded },
        pageSize(args),
        args.after,
      ),
    );
  }

  @Query(() => ServiceTotalsReport, {
    description: '服务统计：统计期内子树的服务合计，及各队伍、各队员的合计（一个语句算出）',
  })
  async serviceTotals(@Args() args: ServiceTotalsArgs, @Ctx() ctx: RequestContext): Promise<ServiceTotalsReport> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const period = { from: toDateString(args.from), to: toDateString(args.to) };
    const report = await serviceTeamService.report(ctx, under, period);
    return {
      ...period,
      total: report.total,
      teams: report.teams.map((r) => ({ ...r, teamId: toGlobalId('ServiceTeam', r.teamId), rawTeamId: r.teamId })),
      members: report.members.map((r) => ({
        ...r,
        memberId: toGlobalId('ServiceTeamMember', r.memberId),
        rawMemberId: r.memberId,
        teamId: toGlobalId('ServiceTeam', r.teamId),
      })),
      teamsTruncated: report.teamsTruncated,
      membersTruncated: report.membersTruncated,
    };
  }

  @Mutation(() => ServiceTeam, { description: '组建服务队伍（组织书记或其上级负责人），如党员学雷锋车队、党员爱心车队' })
  async createServiceTeam(
    @Arg('input', { description: '队伍' }) input: CreateServiceTeamInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceTeam> {
    return serviceTeamService.createTeam(ctx, {
      ...input,
      orgId: idOf('Org', input.orgId),
      foundedOn: input.foundedOn ? toDateString(input.foundedOn) : null,
    });
  }

  @Mutation(() => ServiceTeam, { description: '修改服务队伍（部分修改）' })
  async updateServiceTeam(
    @Arg('input', { description: '要修改的项' }) input: UpdateServiceTeamInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceTeam> {
    return serviceTeamService.updateTeam(ctx, teamId(input.id), input);
  }

  @Mutation(() => ServiceTeam, { description: '解散服务队伍（今天起；服务记录保留）' })
  async disbandServiceTeam(
    @Arg('input', { description: '服务队伍' }) input: DisbandServiceTeamInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceTeam> {
    return serviceTeamService.disbandTeam(ctx, teamId(input.id));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() t: ServiceTeam): string {
    return toGlobalId('ServiceTeam', t.id);
  }

  @FieldResolver(() => [String], { description: '主要服务类别的中文名' })
  serviceKindLabels(@Root() t: ServiceTeam): string[] {
    return t.serviceKinds.map((k) => serviceKindLabels[k]);
  }

  @FieldResolver(() => Org, { description: '组建队伍的党组织' })
  async org(@Root() t: ServiceTeam, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, t.orgId);
  }

  @FieldResolver(() => ServiceTeamMemberConnection, { description: '队员：队长在前，再按入队日期' })
  async members(
    @Root() t: ServiceTeam,
    @Args() args: TeamMembersArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<ServiceTeamMember>> {
    return toConnection(await serviceTeamService.members(ctx, t, args.includeLeft, pageSize(args), args.after));
  }

  @FieldResolver(() => ServiceRecordConnection, { description: '服务记录，服务日期新的在前' })
  async records(
    @Root() t: ServiceTeam,
    @Args() args: TeamRecordsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<ServiceRecord>> {
    return toConnection(await serviceTeamService.teamRecords(ctx, t, period(args), pageSize(args), args.after));
  }

  @FieldResolver(() => ServiceFiguresType, { description: '统计期内的服务合计' })
  async totals(@Root() t: ServiceTeam, @Args() args: PeriodArgs, @Ctx() ctx: RequestContext): Promise<ServiceFigures> {
    return serviceTeamService.totals(ctx, { level: 'TEAM', id: t.id }, { from: toDateString(args.from), to: toDateString(args.to) });
  }
}

@Resolver(() => ServiceTeamMember)
export class ServiceTeamMemberResolver {
  @Mutation(() => ServiceTeamMember, { description: '增加队员（组织书记或其上级负责人；每队至多 200 名在队队员）' })
  async addServiceTeamMember(
    @Arg('input', { description: '队员' }) input: AddServiceTeamMemberInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceTeamMember> {
    return serviceTeamService.addMember(ctx, {
      ...input,
      teamId: teamId(input.teamId),
      userId: input.userId ? idOf('User', input.userId) : null,
      joinedOn: input.joinedOn ? toDateString(input.joinedOn) : null,
    });
  }

  @Mutation(() => ServiceTeamMember, { description: '队员离队（保留其参加过的服务记录）' })
  async removeServiceTeamMember(
    @Arg('input', { description: '队员及离队日期' }) input: RemoveServiceTeamMemberInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceTeamMember> {
    return serviceTeamService.removeMember(
      ctx,
      idOf('ServiceTeamMember', input.id, 'Team member'),
      input.leftOn ? toDateString(input.leftOn) : null,
    );
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() m: ServiceTeamMember): string {
    return toGlobalId('ServiceTeamMember', m.id);
  }

  @FieldResolver(() => String, { description: '队内职务的中文名（队长/队员）' })
  roleLabel(@Root() m: ServiceTeamMember): string {
    return serviceTeamRoleLabels[m.role];
  }

  @FieldResolver(() => Boolean, { description: '是否在队' })
  active(@Root() m: ServiceTeamMember): boolean {
    return m.leftOn === null;
  }

  @FieldResolver(() => ServiceTeam, { description: '所在队伍' })
  async team(@Root() m: ServiceTeamMember, @Ctx() ctx: RequestContext): Promise<ServiceTeam> {
    return serviceTeamService.getTeamOrThrow(ctx, m.teamId);
  }

  @FieldResolver(() => User, { nullable: true, description: '队员的账号：仅本人和管理其所在组织的管理员可见，没有账号或不可见时为空' })
  async user(@Root() m: ServiceTeamMember, @Ctx() ctx: RequestContext): Promise<User | null> {
    return m.userId ? userService.findById(ctx, m.userId) : null;
  }

  @FieldResolver(() => ServiceFiguresType, { description: '统计期内本人参加的服务合计' })
  async totals(@Root() m: ServiceTeamMember, @Args() args: PeriodArgs, @Ctx() ctx: RequestContext): Promise<ServiceFigures> {
    return serviceTeamService.totals(ctx, { level: 'MEMBER', id: m.id }, { from: toDateString(args.from), to: toDateString(args.to) });
  }
}

@Resolver(() => ServiceRecord)
export class ServiceRecordResolver {
  @Query(() => ServiceRecord, { description: '一条服务记录（其组织须在您的权限范围内）' })
  async serviceRecord(
    @Arg('id', () => ID, { description: '服务记录编号' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceRecord> {
    return serviceTeamService.getRecordOrThrow(ctx, recordId(id));
  }

  @Query(() => ServiceRecordConnection, { description: '服务记录列表：子树内组织的队伍的记录，服务日期新的在前' })
  async serviceRecords(@Args() args: ServiceRecordsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ServiceRecord>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const team = args.teamId ? await serviceTeamService.getTeamOrThrow(ctx, teamId(args.teamId)) : null;
    const member = args.memberId
      ? await serviceTeamService.getMemberOrThrow(ctx, idOf('ServiceTeamMember', args.memberId, 'Team member'))
      : null;
    return toConnection(
      await serviceTeamService.listRecords(
        ctx,
        { under, teamId: team?.id, memberId: member?.id, kind: args.kind, period: period(args) },
        pageSize(args),
        args.after,
      ),
    );
  }

  @Mutation(() => ServiceRecord, { description: '登记服务记录（组织书记、上级负责人或本队有账号的队员）' })
  async recordService(
    @Arg('input', { description: '服务记录' }) input: RecordServiceInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceRecord> {
    return serviceTeamService.record(ctx, {
      ...input,
      teamId: teamId(input.teamId),
      servedOn: toDateString(input.servedOn),
      participantIds: input.participantIds.map((id) => idOf('ServiceTeamMember', id, 'Team member')),
      fileIds: input.fileIds.map((id) => idOf('File', id)),
    });
  }

  @Mutation(() => ServiceRecord, { description: '更正服务记录（部分修改；佐证材料按编号增删）' })
  async updateServiceRecord(
    @Arg('input', { description: '要更正的项' }) input: UpdateServiceRecordInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceRecord> {
    return serviceTeamService.updateRecord(ctx, recordId(input.id), {
      servedOn: input.servedOn ? toDateString(input.servedOn) : undefined,
      place: input.place,
      beneficiary: input.beneficiary,
      kind: input.kind ?? undefined,
      kindText: input.kindText,
      hours: input.hours ?? undefined,
      description: input.description,
      participantIds: input.participantIds?.map((id) => idOf('ServiceTeamMember', id, 'Team member')),
      addFileIds: input.addFileIds?.map((id) => idOf('File', id)),
      removeFileIds: input.removeFileIds?.map((id) => idOf('File', id)),
    });
  }

  @Mutation(() => Boolean, { description: '删除误录的服务记录（组织书记或其上级负责人）；其佐证材料退回上传人' })
  async deleteServiceRecord(
    @Arg('input', { description: '服务记录' }) input: DeleteServiceRecordInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return serviceTeamService.deleteRecord(ctx, recordId(input.id));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() r: ServiceRecord): string {
    return toGlobalId('ServiceRecord', r.id);
  }

  @FieldResolver(() => String, { description: '服务类别的中文名（“其他”时为其说明）' })
  kindLabel(@Root() r: ServiceRecord): string {
    return r.kindText ?? serviceKindLabels[r.kind];
  }

  @FieldResolver(() => ServiceTeam, { description: '服务队伍' })
  async team(@Root() r: ServiceRecord, @Ctx() ctx: RequestContext): Promise<ServiceTeam> {
    return serviceTeamService.getTeamOrThrow(ctx, r.teamId);
  }

  @FieldResolver(() => Org, { description: '队伍所在的党组织' })
  async org(@Root() r: ServiceRecord, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, r.orgId);
  }

  @FieldResolver(() => [ServiceTeamMember], { description: '参加服务的队员（至多 50 名），队长在前' })
  async participants(@Root() r: ServiceRecord, @Ctx() ctx: RequestContext): Promise<ServiceTeamMember[]> {
    return serviceTeamService.participants(ctx, r);
  }

  @FieldResolver(() => [File], { description: '佐证材料（至多 50 个），按附加先后' })
  async evidence(@Root() r: ServiceRecord, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, RECORD_TYPE, r.id);
  }

  @FieldResolver(() => String, { nullable: true, description: '登记人姓名' })
  async recordedByName(@Root() r: ServiceRecord, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, r.createdBy);
  }
}

@Resolver(() => Org)
export class OrgServiceTotalsResolver {
  @FieldResolver(() => ServiceFiguresType, {
    nullable: true,
    description: '统计期内本组织及其下级各服务队伍的服务合计；您只能看到组织名称（它是您的上级）时为空',
  })
  async serviceTotals(@Root() org: Org, @Args() args: PeriodArgs, @Ctx() ctx: RequestContext): Promise<ServiceFigures | null> {
    return serviceTeamService.orgTotals(ctx, org, { from: toDateString(args.from), to: toDateString(args.to) });
  }
}

@Resolver(() => ServiceTeamTotals)
export class ServiceTeamTotalsResolver {
  @FieldResolver(() => ServiceTeam, { nullable: true, description: '队伍' })
  async team(@Root() r: ServiceTeamTotals, @Ctx() ctx: RequestContext): Promise<ServiceTeam | null> {
    return serviceTeamService.teamById(ctx, r.rawTeamId);
  }
}

@Resolver(() => ServiceMemberTotals)
export class ServiceMemberTotalsResolver {
  @FieldResolver(() => ServiceTeamMember, { nullable: true, description: '队员' })
  async member(@Root() r: ServiceMemberTotals, @Ctx() ctx: RequestContext): Promise<ServiceTeamMember | null> {
    return serviceTeamService.memberById(ctx, r.rawMemberId);
  }
}
