import { ArrayMaxSize } from 'class-validator';
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
import { ConnectionShape, PageArgs, PageInfo, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Notification, notificationKindLabels } from './notification.entity';
import { notificationError } from './notification.errors';
import { MARK_ALL_AT_ONCE, notificationService } from './notification.service';

@ObjectType({ description: '通知列表中的一项及其分页游标' })
class NotificationEdge {
  @Field({ description: '分页游标' }) cursor: string;
  @Field(() => Notification, { description: '通知' }) node: Notification;
}

/** A connection like the others, plus the viewer's unread count (a badge needs both in one round trip). */
@ObjectType({ description: '我的通知（分页），附未读总数' })
class NotificationConnection {
  @Field(() => [NotificationEdge], { description: '本页各项及其游标' }) edges: NotificationEdge[];
  @Field(() => [Notification], { description: '本页的通知' }) nodes: Notification[];
  @Field(() => PageInfo, { description: '分页信息' }) pageInfo: PageInfo;
  // not simple: their values are promises (counted only when selected), which only a resolver may return
  @Field(() => Int, { description: '符合条件的通知总数', simple: false }) totalCount: number;
  @Field(() => Int, { description: '您的全部未读通知数（与分页和筛选无关）', simple: false }) unreadCount: number;
}

@ArgsType()
class NotificationsArgs extends PageArgs {
  @Field({ defaultValue: false, description: '只列未读通知' }) unreadOnly: boolean;
}

@InputType({ description: '将通知标为已读' })
class MarkNotificationsReadInput {
  @Field(() => [ID], { nullable: true, description: '要标为已读的通知（须是发给您的，最多 500 条）' })
  @ArrayMaxSize(500)
  ids?: string[] | null;
  @Field({
    defaultValue: false,
    description: `将全部未读通知标为已读（不必给 ids）；一次最多 ${MARK_ALL_AT_ONCE} 条（最新的在先），返回的 unreadCount 大于 0 时可再次调用`,
  })
  all: boolean;
}

@ObjectType({ description: '标为已读的结果' })
class MarkNotificationsReadPayload {
  @Field(() => Int, { description: '本次由未读变为已读的条数' }) marked: number;
  @Field(() => Int, { description: '剩余未读通知数' }) unreadCount: number;
}

@Resolver(() => Notification)
export class NotificationResolver {
  @Query(() => NotificationConnection, { description: '我的站内通知，新的在前' })
  async notifications(
    @Args() args: NotificationsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<Notification> & { unreadCount: Promise<number> }> {
    const page = await notificationService.list(ctx, args.unreadOnly, pageSize(args), args.after);
    let unread: Promise<number> | undefined;
    return Object.defineProperty(toConnection(page), 'unreadCount', {
      get: () => (unread ??= notificationService.unreadCount(ctx)),
      enumerable: true,
    }) as ConnectionShape<Notification> & { unreadCount: Promise<number> };
  }

  @Mutation(() => MarkNotificationsReadPayload, { description: '将指定的（ids）或全部（all: true）通知标为已读' })
  async markNotificationsRead(
    @Arg('input', { description: '将通知标为已读' }) input: MarkNotificationsReadInput,
    @Ctx() ctx: RequestContext,
  ): Promise<MarkNotificationsReadPayload> {
    // both at once is a client's mistake (which did it mean?): refused, nothing marked
    if (input.all && input.ids?.length) throw notificationError('IDS_AND_ALL', 'input.ids');
    const ids = input.all ? 'all' : (input.ids ?? []).map((id) => idOf('Notification', id));
    const marked = await notificationService.markRead(ctx, ids);
    return { marked, unreadCount: await notificationService.unreadCount(ctx) };
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() n: Notification): string {
    return toGlobalId('Notification', n.id);
  }

  @FieldResolver(() => String, { description: '类别的中文名' })
  kindLabel(@Root() n: Notification): string {
    return notificationKindLabels[n.kind];
  }

  @FieldResolver(() => Boolean, { description: '是否已读' })
  read(@Root() n: Notification): boolean {
    return n.readAt !== null;
  }

  @FieldResolver(() => ID, {
    description: '所涉事项（创建活动节点、整改、服务请求或通报）的全局编号：用 node(id:) 读取',
  })
  subjectId(@Root() n: Notification): string {
    return toGlobalId(n.subjectType, n.subjectId);
  }

  @FieldResolver(() => String, { description: '所涉事项的类型名（CampaignDeadline、Rectification、ServiceRequest、Notice）' })
  subjectType(@Root() n: Notification): string {
    return n.subjectType;
  }

  @FieldResolver(() => Org, { nullable: true, description: '所涉党组织；不在您的权限范围内时为空' })
  async org(@Root() n: Notification, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, n.orgId);
  }
}
