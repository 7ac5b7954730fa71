import { IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
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
import { DateTimeScalar } from '../../graphql/scalars';
import { File } from '../file/file.entity';
import { FileIdsField } from '../file/file.inputs';
import { fileIdsOf } from '../file/file.resolver';
import { fileService } from '../file/file.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import { Opinion, OpinionState, OpinionTransfer, opinionChannelLabels, opinionStateLabels } from './opinion.entity';
import { opinionService } from './opinion.service';

export const OpinionConnection = Connection(Opinion);

const USER_RULE = '仅本人和管理其所在组织的管理员可见，其他人为空';

@InputType({ description: '群众经二维码反映意见' })
class SubmitOpinionInput {
  @Field({ description: '二维码中的码值' }) @MaxLength(100) code: string;
  @Field({ description: '反映的事项（1–5000 字）' }) @MinLength(1) @MaxLength(5000) content: string;
  @Field(() => String, { nullable: true, description: '手机号或电子邮箱（可不填）：只保存其密钥散列和打码形式' })
  @IsOptional()
  @MaxLength(100)
  contact?: string | null;
}

@InputType({ description: '工作人员登记群众当面或电话反映的意见' })
class RecordOpinionInput {
  @Field(() => ID, { description: '事项涉及的党组织' }) orgId: string;
  @Field({ description: '反映的事项（1–5000 字）' }) @MinLength(1) @MaxLength(5000) content: string;
  @Field(() => String, { nullable: true, description: '反映人的手机号或电子邮箱（可不填），只保存打码形式' })
  @IsOptional()
  @MaxLength(100)
  contact?: string | null;
}

@InputType({ description: '指定一条民意' })
class OpinionRefInput {
  @Field(() => ID, { description: '民意' }) id: string;
}

@InputType({ description: '移交民意' })
class TransferOpinionInput {
  @Field(() => ID, { description: '民意' }) id: string;
  @Field(() => ID, { description: '接收人：该组织的书记或其上级负责人' }) toUserId: string;
  @Field({ description: '移交理由（1–2000 字）' }) @MinLength(1) @MaxLength(2000) reason: string;
}

@InputType({ description: '答复民意' })
class ReplyOpinionInput {
  @Field(() => ID, { description: '民意' }) id: string;
  @Field({ description: '答复内容（1–20000 字）' }) @MinLength(1) @MaxLength(20000) reply: string;
  @FileIdsField('答复的附件（办理结果、现场照片等；最多 50 个）；答复后不能取下') fileIds?: string[] | null;
}

@InputType({ description: '反映人评价答复' })
class RateOpinionReplyInput {
  @Field({ description: '提交时领取的查询码' }) @MaxLength(100) followUpToken: string;
  @Field(() => Int, { description: '满意度 1–5' }) @Min(1) @Max(5) satisfaction: number;
  @Field(() => String, { nullable: true, description: '评价意见（可不填）' }) @IsOptional() @MaxLength(2000) comment?: string | null;
}

@ObjectType({ description: '民意回执：反映人凭查询码（只显示这一次）查看答复并评价' })
class OpinionReceipt {
  @Field({ description: '查询码：请妥善保存，凭它查看答复并评价' }) followUpToken: string;
  @Field({ description: '受理的党组织名称' }) orgName: string;
  @Field(() => DateTimeScalar, { description: '答复期限（限时办结）' }) dueAt: Date;
  @Field(() => OpinionState, { description: '办理状态' }) state: OpinionState;
  @Field({ description: '办理状态的中文名' }) stateLabel: string;
}

@ObjectType({ description: '工作人员登记的民意及其查询码' })
class RecordedOpinion {
  @Field(() => Opinion, { description: '登记的民意（登记人即首问负责人）' }) opinion: Opinion;
  @Field({ description: '查询码：交给反映人（只显示这一次），凭它查看答复并评价' }) followUpToken: string;
}

@ObjectType({ description: '反映人凭查询码看到的民意办理情况' })
class OpinionFollowUp {
  @Field({ description: '受理的党组织名称' }) orgName: string;
  @Field({ description: '反映的事项' }) content: string;
  @Field(() => OpinionState, { description: '办理状态' }) state: OpinionState;
  @Field({ description: '办理状态的中文名' }) stateLabel: string;
  @Field(() => DateTimeScalar, { description: '答复期限（限时办结）' }) dueAt: Date;
  @Field(() => String, { nullable: true, description: '答复内容；未答复为空' }) reply: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '答复时间；未答复为空' }) repliedAt: Date | null;
  @Field(() => Int, { nullable: true, description: '反映人给出的满意度；未评价为空' }) satisfaction: number | null;
}

@ArgsType()
class OpinionsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的民意；不填为您的全部权限范围（及由您负责的）' }) under?: string;
  @Field(() => OpinionState, { nullable: true, description: '只列此办理状态' }) state?: OpinionState;
  @Field(() => Boolean, { nullable: true, description: 'true：只列超过时限仍未答复的；false：只列未超时的' }) overdue?: boolean;
  @Field(() => Boolean, { nullable: true, description: '只列由您首问负责的' }) mine?: boolean;
}

async function followUpView(ctx: RequestContext, o: Opinion): Promise<OpinionFollowUp> {
  return {
    orgName: await opinionService.orgName(ctx, o),
    content: o.content,
    state: o.state,
    stateLabel: opinionStateLabels[o.state],
    dueAt: o.dueAt,
    reply: o.reply,
    repliedAt: o.repliedAt,
    satisfaction: o.satisfaction,
  };
}

@Resolver(() => Opinion)
export class OpinionResolver {
  @Mutation(() => OpinionReceipt, { description: '无需登录：经二维码反映意见（民意收集）' })
  async submitOpinion(
    @Arg('input', { description: '群众经二维码反映意见' }) input: SubmitOpinionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<OpinionReceipt> {
    const receipt = await opinionService.submitPublic(ctx, input);
    return { ...receipt, stateLabel: opinionStateLabels[receipt.state] };
  }

  @Query(() => OpinionFollowUp, { description: '无需登录：反映人凭查询码查看办理状态和答复' })
  async opinionFollowUp(@Arg('token', { description: '查询码' }) token: string, @Ctx() ctx: RequestContext): Promise<OpinionFollowUp> {
    return followUpView(ctx, await opinionService.byFollowUp(ctx, token));
  }

  @Mutation(() => OpinionFollowUp, { description: '无需登录：反映人评价答复，民意随之办结' })
  async rateOpinionReply(
    @Arg('input', { description: '反映人评价答复' }) input: RateOpinionReplyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<OpinionFollowUp> {
    return followUpView(ctx, await opinionService.rateReply(ctx, input.followUpToken, input.satisfaction, input.comment ?? null));
  }

  @Mutation(() => RecordedOpinion, { description: '登记民意：工作人员登记当面或电话反映的意见，登记人即首问负责人' })
  async recordOpinion(
    @Arg('input', { description: '工作人员登记群众当面或电话反映的意见' }) input: RecordOpinionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RecordedOpinion> {
    return opinionService.record(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Opinion, { description: '受理民意（首问负责）：受理人负责到底，除非明确移交' })
  async acceptOpinion(@Arg('input', { description: '指定一条民意' }) input: OpinionRefInput, @Ctx() ctx: RequestContext): Promise<Opinion> {
    return opinionService.accept(ctx, idOf('Opinion', input.id));
  }

  @Mutation(() => Opinion, { description: '移交民意：明确移交给另一名负责人，并留有记录' })
  async transferOpinion(
    @Arg('input', { description: '移交民意' }) input: TransferOpinionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Opinion> {
    return opinionService.transfer(ctx, idOf('Opinion', input.id), idOf('User', input.toUserId), input.reason);
  }

  @Mutation(() => Opinion, { description: '答复民意：由首问负责人答复' })
  async replyOpinion(@Arg('input', { description: '答复民意' }) input: ReplyOpinionInput, @Ctx() ctx: RequestContext): Promise<Opinion> {
    return opinionService.reply(ctx, idOf('Opinion', input.id), input.reply, fileIdsOf(input.fileIds, 'input.fileIds'));
  }

  @Query(() => Opinion, { description: '一条民意（须在您的权限范围内，或由您负责）' })
  async opinion(@Arg('id', () => ID, { description: '民意编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Opinion> {
    return opinionService.getOrThrow(ctx, idOf('Opinion', id));
  }

  @Query(() => OpinionConnection, { description: '民意列表：子树内组织的民意及由您负责的民意，答复期限最近的在前' })
  async opinions(@Args() args: OpinionsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Opinion>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const filter = { under, state: args.state, overdue: args.overdue, responsibleToMe: args.mine ?? false };
    return toConnection(await opinionService.list(ctx, filter, pageSize(args), args.after));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() o: Opinion): string {
    return toGlobalId('Opinion', o.id);
  }

  @FieldResolver(() => [File], { description: '答复的附件（随答复附上；最多 50 个；仅工作人员可见）' })
  async files(@Root() opinion: Opinion, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'OpinionReply', opinion.id);
  }

  @FieldResolver(() => String, { description: '办理状态的中文名' })
  stateLabel(@Root() o: Opinion): string {
    return opinionStateLabels[o.state];
  }

  @FieldResolver(() => String, { description: '来源的中文名' })
  channelLabel(@Root() o: Opinion): string {
    return opinionChannelLabels[o.channel];
  }

  @FieldResolver(() => Boolean, { description: '是否超时：已过答复期限仍未答复' })
  overdue(@Root() o: Opinion): boolean {
    return opinionService.isOverdue(o);
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: '事项涉及的党组织；组织已移出首问负责人的权限范围时，对其为空',
  })
  async org(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, o.orgId);
  }

  @FieldResolver(() => String, { nullable: true, description: '首问负责人的姓名；待受理为空' })
  async responsibleName(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, o.responsibleId);
  }

  @FieldResolver(() => User, { nullable: true, description: `首问负责人的账号：${USER_RULE}（姓名见 responsibleName）` })
  async responsible(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<User | null> {
    return o.responsibleId ? userService.findById(ctx, o.responsibleId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: '联系方式的打码形式（138****5678），仅首问负责人和组织的负责人可见' })
  async contactMasked(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<string | null> {
    return opinionService.contactMasked(ctx, o);
  }

  @FieldResolver(() => [OpinionTransfer], { description: '历次移交，先移交的在前（每次须明确办理，至多 20 次）' })
  async transfers(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<OpinionTransfer[]> {
    return opinionService.transfers(ctx, o);
  }
}

@Resolver(() => OpinionTransfer)
export class OpinionTransferResolver {
  @FieldResolver(() => String, { nullable: true, description: '移出人（原首问负责人）的姓名' })
  async fromName(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, t.fromUserId);
  }

  @FieldResolver(() => User, { nullable: true, description: `移出人的账号：${USER_RULE}（姓名见 fromName）` })
  async from(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, t.fromUserId);
  }

  @FieldResolver(() => String, { nullable: true, description: '接收人（新首问负责人）的姓名' })
  async toName(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, t.toUserId);
  }

  @FieldResolver(() => User, { nullable: true, description: `接收人的账号：${USER_RULE}（姓名见 toName）` })
  async to(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, t.toUserId);
  }

  @FieldResolver(() => String, { nullable: true, description: '办理移交的人的姓名' })
  async byName(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, t.transferredBy);
  }

  @FieldResolver(() => User, { nullable: true, description: `办理移交的人的账号：${USER_RULE}（姓名见 byName）` })
  async by(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, t.transferredBy);
  }
}
