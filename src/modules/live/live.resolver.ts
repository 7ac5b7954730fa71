import { Field, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { LiveTopic, liveRoute } from '../../graphql/live';
import { Notification } from '../notification/notification.entity';
import { TaskChangeShape } from './live.service';

@ObjectType({
  description:
    '待办变动：可能使您的待办（viewer.tasks）增加或减少的一次变动。收到后请重新查询 viewer.tasks（kind 为 RESYNC 时连同通知一并重新查询）',
})
export class TaskChange implements TaskChangeShape {
  @Field({
    description: '变动种类：发生变动的待办种类；RESYNC 表示实时连接曾中断、期间的变动可能未送达，请重新查询待办和通知',
  })
  kind: string;

  @Field(() => ID, { nullable: true, description: '变动涉及的对象（全局 ID，可用 node(id:) 读取）；RESYNC 时为空' })
  subjectId: string | null;
}

/**
 * Subscriptions (graphql-ws over WebSocket at /graphql, src/graphql/live-server.ts). Each field
 * listens to one topic of the subscriber's tenant (the PubSub's topicId is its route); the events
 * reach the resolver already re-read for the subscriber (live.module.ts liveTopics), as its root.
 */
@Resolver()
export class LiveResolver {
  @Subscription(() => Notification, {
    topics: LiveTopic.NOTIFICATION_ADDED,
    topicId: liveRoute,
    description: '新通知（实时推送）：每当有发给您的站内通知时推送一条；未连接期间的通知仍可通过 notifications 查询',
  })
  notificationAdded(@Root() notification: Notification): Notification {
    return notification;
  }

  @Subscription(() => TaskChange, {
    topics: LiveTopic.TASK_CHANGED,
    topicId: liveRoute,
    description: '待办变动（实时推送）：您可见的对象发生了可能影响您待办的变动；只含种类和对象 ID，请据此重新查询 viewer.tasks',
  })
  taskChanged(@Root() change: TaskChange): TaskChange {
    return change;
  }
}
