import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum OpinionState {
  RECEIVED = 'RECEIVED',
  ACCEPTED = 'ACCEPTED',
  REPLIED = 'REPLIED',
  CLOSED = 'CLOSED',
}
export const opinionStateLabels: Record<OpinionState, string> = {
  RECEIVED: '待受理',
  ACCEPTED: '已受理(首问负责)',
  REPLIED: '已答复',
  CLOSED: '已办结',
};
registerEnumType(OpinionState, {
  name: 'OpinionState',
  description: '民意办理状态：待受理 → 已受理（首问负责）→ 已答复 → 反映人评价后办结',
  valuesConfig: labelled(opinionStateLabels),
});

export enum OpinionChannel {
  PUBLIC_LINK = 'PUBLIC_LINK',
  STAFF = 'STAFF',
}
export const opinionChannelLabels: Record<OpinionChannel, string> = { PUBLIC_LINK: '扫码反映', STAFF: '工作人员登记' };
registerEnumType(OpinionChannel, {
  name: 'OpinionChannel',
  description: '民意来源：群众扫码反映，或工作人员当面、电话登记',
  valuesConfig: labelled(opinionChannelLabels),
});

@Entity('opinions')
@ObjectType({
  implements: Node,
  description: '民意（民意收集）：群众反映的意见或诉求，由首先受理的工作人员负责到底（首问负责），在本单位规定时限内答复（限时办结）',
})
export class Opinion {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'link_code_id', nullable: true }) linkCodeId: string | null;
  @Field(() => OpinionChannel, { description: '来源' }) @Column('text') channel: OpinionChannel;
  @Field({ description: '反映的事项' }) @Column() content: string;
  @Column('text', { name: 'contact_hash', nullable: true, select: false }) contactHash: string | null;
  @Column('text', { name: 'contact_masked', nullable: true }) contactMasked: string | null;
  @Field(() => OpinionState, { description: '办理状态' }) @Column('text') state: OpinionState;
  @Column('uuid', { name: 'responsible_id', nullable: true }) responsibleId: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '受理时间；待受理为空' })
  @Column('timestamptz', { name: 'accepted_at', nullable: true })
  acceptedAt: Date | null;
  @Field(() => DateTimeScalar, { description: '答复期限（限时办结）：自收到起按本单位规定时限计算' })
  @Column('timestamptz', { name: 'due_at' })
  dueAt: Date;
  @Field(() => String, { nullable: true, description: '答复内容；未答复为空' }) @Column('text', { nullable: true }) reply: string | null;
  @Column('uuid', { name: 'replied_by', nullable: true }) repliedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '答复时间；未答复为空' })
  @Column('timestamptz', { name: 'replied_at', nullable: true })
  repliedAt: Date | null;
  @Field(() => Int, { nullable: true, description: '反映人对答复的满意度（1–5）；未评价为空' })
  @Column('smallint', { nullable: true })
  satisfaction: number | null;
  @Field(() => String, { nullable: true, description: '反映人对答复的评价意见' })
  @Column('text', { name: 'satisfaction_comment', nullable: true })
  satisfactionComment: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '办结时间；未办结为空' })
  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt: Date | null;
  @Column('uuid', { name: 'recorded_by', nullable: true }) recordedBy: string | null;
  @Field(() => DateTimeScalar, { description: '收到时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('opinion_transfers')
@ObjectType({ description: '民意移交：首问负责人（或组织的管理员、领导）把民意明确移交给另一名负责人的记录' })
export class OpinionTransfer {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'opinion_id' }) opinionId: string;
  @Column('uuid', { name: 'from_user_id' }) fromUserId: string;
  @Column('uuid', { name: 'to_user_id' }) toUserId: string;
  @Field({ description: '移交理由' }) @Column() reason: string;
  @Column('uuid', { name: 'transferred_by' }) transferredBy: string;
  @Field(() => DateTimeScalar, { description: '移交时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
