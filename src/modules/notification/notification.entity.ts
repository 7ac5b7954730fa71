import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum NotificationKind {
  DEADLINE_REMINDER = 'DEADLINE_REMINDER',
  RECTIFICATION_OVERDUE = 'RECTIFICATION_OVERDUE',
  SERVICE_REQUEST_OVERDUE = 'SERVICE_REQUEST_OVERDUE',
  NOTICE_UNREAD = 'NOTICE_UNREAD',
}
export const notificationKindLabels: Record<NotificationKind, string> = {
  DEADLINE_REMINDER: '报送截止提醒',
  RECTIFICATION_OVERDUE: '整改逾期',
  SERVICE_REQUEST_OVERDUE: '服务请求超时未办结',
  NOTICE_UNREAD: '通报未阅提醒',
};
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  valuesConfig: labelled(notificationKindLabels),
});

@Entity('notifications')
@ObjectType({
  implements: Node,
  description: 'An in-app notification for one user (reminders and overdue alerts from the background sweeps).',
})
export class Notification {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Field(() => NotificationKind) @Column('text') kind: NotificationKind;
  /** The Node type of the subject (CampaignDeadline, Rectification, ServiceRequest, Notice). */
  @Column('text', { name: 'subject_type' }) subjectType: string;
  @Column('uuid', { name: 'subject_id' }) subjectId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => DateScalar, { description: 'The occurrence it is about (reminder day, due date): one notification per occurrence.' })
  @Column('date')
  occurrence: string;
  @Field() @Column() title: string;
  @Field() @Column() body: string;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'read_at', nullable: true }) readAt: Date | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
