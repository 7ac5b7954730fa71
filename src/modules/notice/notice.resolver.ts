import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
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
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Inspection } from '../supervision/supervision.entity';
import { userService } from '../user/user.service';
import { Notice, NoticeKind, NoticeOrderField, NoticeState, noticeKindLabels, noticeStateLabels } from './notice.entity';
import { NamedBureau, NoticeRecipientRow, namedBureausOf, noticeService } from './notice.service';

export const NoticeConnection = Connection(Notice);

@InputType({ description: '起草通报' })
class CreateNoticeInput {
  @Field(() => NoticeKind, { description: '类别：通报表扬或通报批评' }) kind: NoticeKind;
  @Field({ description: '标题' }) @MinLength(1) @MaxLength(200) title: string;
  @Field({ description: '正文' }) @MaxLength(50000) body: string;
  @Field(() => ID, { nullable: true, description: '所涉创建活动' }) campaignId?: string | null;
  @Field(() => [ID], { description: '被表扬或批评的党组织（至少一个，最多 500 个）' }) @ArrayMaxSize(500) subjectOrgIds: string[];
  @Field(() => [ID], { defaultValue: [], description: '另行抄送的党组织（被通报的组织总会收到）' })
  @ArrayMaxSize(500)
  recipientOrgIds: string[];
  @Field(() => [ID], { defaultValue: [], description: '作为依据的督查记录（须已定稿）' }) @ArrayMaxSize(100) inspectionIds: string[];
}

@InputType({ description: '由创建工作推进不力的单位起草通报批评' })
class DraftNoticeFromLaggingInput {
  @Field(() => ID, { description: '创建活动' }) campaignId: string;
  @Field(() => ID, { nullable: true, description: '只看此子树；不填为创建活动的范围' }) under?: string | null;
  @Field(() => Int, { defaultValue: 10, description: '点名的单位数（1 至 100，排名最后的若干个）' }) @Min(1) @Max(100) first: number;
  @Field(() => String, { nullable: true, description: '标题；不填则按创建活动名称生成' })
  @IsOptional()
  @MaxLength(200)
  title?: string | null;
}

@InputType({ description: '印发通报' })
class IssueNoticeInput {
  @Field(() => ID, { description: '通报（草稿）' }) id: string;
  @Field(() => DateScalar, { nullable: true, description: '印发日期；不填为今天' }) issuedOn?: Date | null;
}

@InputType({ description: '签收通报' })
class MarkNoticeReadInput {
  @Field(() => ID, { description: '通报' }) noticeId: string;
  @Field(() => ID, { description: '签收的党组织（须在发送范围内，由其书记或上级负责人签收）' }) orgId: string;
}

const NoticeOrder = OrderInput<NoticeOrderField>('NoticeOrder', NoticeOrderField, '通报列表的排序：字段和方向');

@ArgsType()
class NoticesArgs extends PageArgs {
  @Field(() => NoticeKind, { nullable: true, description: '只列此类别' }) kind?: NoticeKind;
  @Field(() => NoticeState, { nullable: true, description: '只列此状态（草稿只有起草人可见）' }) state?: NoticeState;
  @Field(() => ID, { nullable: true, description: '只列发给此党组织的通报（被通报的组织总会收到）' }) orgId?: string;
  @Field(() => DateScalar, { nullable: true, description: '只列印发日期在此日或之后的（草稿没有印发日期，不列）' }) from?: Date;
  @Field(() => DateScalar, { nullable: true, description: '只列印发日期在此日或之前的（草稿没有印发日期，不列）' }) to?: Date;
  @Field(() => NoticeOrder, { nullable: true, description: '排序；不填为按起草时间新的在前' }) orderBy?: Order<NoticeOrderField>;
}

@ObjectType({ description: '通报的一个发送对象及其签收情况' })
class NoticeRecipient {
  @Field(() => Org, { description: '收文的党组织' }) org: Org;
  @Field(() => DateTimeScalar, { nullable: true, description: '签收时间；未签收为空' }) readAt: Date | null;
}

const asRecipient = (row: NoticeRecipientRow): NoticeRecipient => ({ org: row.org, readAt: row.readAt });

@ObjectType({ description: '通报点名的下级单位（上级单位的通报）' })
class NamedBureauType {
  @Field({ description: '单位简称' }) slug: string;
  @Field({ description: '单位名称' }) name: string;
}

@Resolver(() => Notice)
export class NoticeResolver {
  @FieldResolver(() => [NamedBureauType], { description: '通报点名的下级单位（上级单位对所属单位的通报）；没有为空' })
  namedBureaus(@Root() notice: Notice): NamedBureau[] {
    return namedBureausOf(notice);
  }

  @Query(() => NoticeConnection, {
    description: '通报列表：已印发的通报（起草人另见草稿），可按类别、状态、收文组织和印发日期筛选；默认新起草的在前',
  })
  async notices(@Args() args: NoticesArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Notice>> {
    const filter = {
      kind: args.kind,
      state: args.state,
      orgId: args.orgId ? (await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId))).id : undefined,
      from: args.from ? toDateString(args.from) : null,
      to: args.to ? toDateString(args.to) : null,
    };
    return toConnection(await noticeService.list(ctx, filter, pageSize(args), args.after, args.orderBy));
  }

  @Query(() => Notice, { description: '一份通报（草稿只有起草人可见）' })
  async notice(@Arg('id', () => ID, { description: '通报编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Notice> {
    return noticeService.getOrThrow(ctx, idOf('Notice', id));
  }

  @Mutation(() => Notice, { description: '起草通报（根组织的管理员或领导小组）' })
  async createNotice(
    @Arg('input', { description: '通报的类别、标题、正文、被通报和抄送的组织' }) input: CreateNoticeInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Notice> {
    return noticeService.create(ctx, {
      ...input,
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
      subjectOrgIds: input.subjectOrgIds.map((id) => idOf('Org', id)),
      recipientOrgIds: input.recipientOrgIds.map((id) => idOf('Org', id)),
      inspectionIds: input.inspectionIds.map((id) => idOf('Inspection', id)),
    });
  }

  @Mutation(() => Notice, {
    description: '由创建活动中推进不力（工作不力）的单位起草通报批评草稿，附上所依据的数据',
  })
  async draftNoticeFromLagging(
    @Arg('input', { description: '创建活动、范围和点名的单位数' }) input: DraftNoticeFromLaggingInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Notice> {
    return noticeService.draftFromLagging(ctx, {
      campaignId: idOf('Campaign', input.campaignId),
      underId: input.under ? idOf('Org', input.under) : null,
      first: input.first,
      title: input.title,
    });
  }

  @Mutation(() => Notice, { description: '印发通报（根组织的管理员或领导小组）：印发后全单位可见，不能再改' })
  async issueNotice(@Arg('input', { description: '通报和印发日期' }) input: IssueNoticeInput, @Ctx() ctx: RequestContext): Promise<Notice> {
    return noticeService.issue(ctx, idOf('Notice', input.id), input.issuedOn ? toDateString(input.issuedOn) : null);
  }

  @Mutation(() => NoticeRecipient, { description: '签收通报：收文单位确认已阅（以首次签收为准）' })
  async markNoticeRead(
    @Arg('input', { description: '通报和签收的党组织' }) input: MarkNoticeReadInput,
    @Ctx() ctx: RequestContext,
  ): Promise<NoticeRecipient> {
    return asRecipient(await noticeService.markRead(ctx, idOf('Notice', input.noticeId), idOf('Org', input.orgId)));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() notice: Notice): string {
    return toGlobalId('Notice', notice.id);
  }

  @FieldResolver(() => String, { description: '类别的中文名（通报表扬/通报批评）' })
  kindLabel(@Root() notice: Notice): string {
    return noticeKindLabels[notice.kind];
  }

  @FieldResolver(() => String, { description: '状态的中文名（草稿/已印发）' })
  stateLabel(@Root() notice: Notice): string {
    return noticeStateLabels[notice.state];
  }

  @FieldResolver(() => String, { nullable: true, description: '印发人姓名；草稿为空' })
  async issuedByName(@Root() notice: Notice, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, notice.issuedBy);
  }

  @FieldResolver(() => [Org], { description: '被表扬或批评的党组织（起草时确定，您可见的部分）' })
  async subjects(@Root() notice: Notice, @Ctx() ctx: RequestContext): Promise<Org[]> {
    return noticeService.subjects(ctx, notice);
  }

  @FieldResolver(() => [NoticeRecipient], { description: '发送范围中您权限范围内的组织及其签收情况' })
  async recipients(@Root() notice: Notice, @Ctx() ctx: RequestContext): Promise<NoticeRecipient[]> {
    return (await noticeService.recipients(ctx, notice)).map(asRecipient);
  }

  @FieldResolver(() => [Inspection], { description: '作为依据的督查记录（起草时确定，您可见的部分）' })
  async inspections(@Root() notice: Notice, @Ctx() ctx: RequestContext): Promise<Inspection[]> {
    return noticeService.inspections(ctx, notice);
  }
}
