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
  description: '通知类别：报送截止提醒、整改逾期、服务请求超时未办结、通报未阅提醒',
  valuesConfig: labelled(notificationKindLabels),
});

@Entity('notifications')
@ObjectType({
  implements: Node,
  description: '站内通知：发给一名用户的提醒或逾期告警（由后台定时检查生成）',
})
export class Notification {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Field(() => NotificationKind, { description: '类别' }) @Column('text') kind: NotificationKind;
  /** The Node type of the subject (CampaignDeadline, Rectification, ServiceRequest, Notice). */
  @Column('text', { name: 'subject_type' }) subjectType: string;
  @Column('uuid', { name: 'subject_id' }) subjectId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => DateScalar, { description: '所涉日期（提醒日、到期日）：同一事项同一日期只通知一次' })
  @Column('date')
  occurrence: string;
  @Field({ description: '标题' }) @Column() title: string;
  @Field({ description: '正文' }) @Column() body: string;
  @Field(() => DateTimeScalar, { nullable: true, description: '阅读时间；未读为空' })
  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt: Date | null;
  @Field(() => DateTimeScalar, { description: '生成时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
