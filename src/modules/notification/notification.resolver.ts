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
import { Notification, NotificationKind, notificationKindLabels } from './notification.entity';
import { NotificationErrorReason, notificationError } from './notification.errors';
import { notificationService } from './notification.service';

@ObjectType()
class NotificationEdge {
  @Field() cursor: string;
  @Field(() => Notification) node: Notification;
}

/** A connection like the others, plus the viewer's unread count (a badge needs both in one round trip). */
@ObjectType()
class NotificationConnection {
  @Field(() => [NotificationEdge]) edges: NotificationEdge[];
  @Field(() => [Notification]) nodes: Notification[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  @Field(() => Int) totalCount: number;
  @Field(() => Int, { description: 'All of the viewer’s unread notifications, whatever the page.' }) unreadCount: number;
}

@ArgsType()
class NotificationsArgs extends PageArgs {
  @Field({ defaultValue: false }) unreadOnly: boolean;
}

@InputType()
class MarkNotificationsReadInput {
  @Field(() => [ID], { nullable: true, description: 'The notifications to mark read (your own).' }) @ArrayMaxSize(500) ids?:
    string[] | null;
  @Field({ defaultValue: false, description: 'Mark every unread notification read instead.' }) all: boolean;
}

@ObjectType()
class MarkNotificationsReadPayload {
  @Field(() => Int, { description: 'How many changed from unread to read.' }) marked: number;
  @Field(() => Int) unreadCount: number;
}

@Resolver(() => Notification)
export class NotificationResolver {
  @Query(() => NotificationConnection, { description: 'Your in-app notifications, newest first.' })
  async notifications(
    @Args() args: NotificationsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<Notification> & { unreadCount: Promise<number> }> {
    const page = await notificationService.list(ctx, args.unreadOnly, pageSize(args), args.after);
    let unread: Promise<number> | undefined;
    return Object.defineProperty(toConnection(page), 'unreadCount', {
      get: () => (unread ??= notificationService.unreadCount(ctx)),
      enumerable: true,
    }) as never;
  }

  @Mutation(() => MarkNotificationsReadPayload, { description: 'Mark some (ids) or all of your notifications read.' })
  async markNotificationsRead(
    @Arg('input') input: MarkNotificationsReadInput,
    @Ctx() ctx: RequestContext,
  ): Promise<MarkNotificationsReadPayload> {
    if (!input.all && !input.ids?.length)
      throw notificationError(NotificationErrorReason.NOTHING_TO_MARK, 'Give ids or all: true', 'input.ids');
    const ids = input.all ? 'all' : input.ids!.map((id) => idOf('Notification', id));
    const marked = await notificationService.markRead(ctx, ids);
    return { marked, unreadCount: await notificationService.unreadCount(ctx) };
  }

  @FieldResolver(() => ID)
  id(@Root() n: Notification): string {
    return toGlobalId('Notification', n.id);
  }

  @FieldResolver(() => String)
  kindLabel(@Root() n: Notification): string {
    return notificationKindLabels[n.kind as NotificationKind];
  }

  @FieldResolver(() => Boolean)
  read(@Root() n: Notification): boolean {
    return n.readAt !== null;
  }

  @FieldResolver(() => ID, {
    description: 'What it is about (a CampaignDeadline, Rectification, ServiceRequest or Notice): fetch it with node(id:).',
  })
  subjectId(@Root() n: Notification): string {
    return toGlobalId(n.subjectType, n.subjectId);
  }

  @FieldResolver(() => String, { description: 'The Node type of the subject.' })
  subjectType(@Root() n: Notification): string {
    return n.subjectType;
  }

  @FieldResolver(() => Org, { nullable: true, description: 'The org concerned, when you may see it.' })
  async org(@Root() n: Notification, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, n.orgId);
  }
}
