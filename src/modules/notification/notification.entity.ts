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
  EVALUATION_AWAITING_REVIEW = 'EVALUATION_AWAITING_REVIEW',
  EVALUATION_RETURNED = 'EVALUATION_RETURNED',
  RECTIFICATION_ORDERED = 'RECTIFICATION_ORDERED',
  OPINION_TRANSFERRED = 'OPINION_TRANSFERRED',
  OBJECTION_RAISED = 'OBJECTION_RAISED',
  SUBMISSION_RETURNED = 'SUBMISSION_RETURNED',
  SERVICE_REQUEST_RAISED = 'SERVICE_REQUEST_RAISED',
}
export const notificationKindLabels: Record<NotificationKind, string> = {
  DEADLINE_REMINDER: '报送截止提醒',
  RECTIFICATION_OVERDUE: '整改逾期',
  SERVICE_REQUEST_OVERDUE: '服务请求超时未办结',
  NOTICE_UNREAD: '通报未阅提醒',
  EVALUATION_AWAITING_REVIEW: '考评待审核',
  EVALUATION_RETURNED: '考评被退回',
  RECTIFICATION_ORDERED: '须整改',
  OPINION_TRANSFERRED: '民意移交',
  OBJECTION_RAISED: '公示收到异议',
  SUBMISSION_RETURNED: '报送材料被退回',
  SERVICE_REQUEST_RAISED: '收到服务请求',
};
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: '通知类别：定时提醒（报送截止、整改逾期、服务请求超时、通报未阅）和事件通知（待审核、被退回、须整改、移交、异议、服务请求）',
  valuesConfig: labelled(notificationKindLabels),
});

@Entity('notifications')
@ObjectType({
  implements: Node,
  description: '站内通知：发给一名用户的提醒、逾期告警（后台定时检查生成）或待办事件通知（事件发生时生成）',
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
