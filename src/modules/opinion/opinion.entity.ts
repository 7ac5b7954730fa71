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
  description: '民意收集: received → accepted (首问负责) → replied → closed with the submitter’s rating.',
  valuesConfig: labelled(opinionStateLabels),
});

export enum OpinionChannel {
  PUBLIC_LINK = 'PUBLIC_LINK',
  STAFF = 'STAFF',
}
export const opinionChannelLabels: Record<OpinionChannel, string> = { PUBLIC_LINK: '扫码反映', STAFF: '工作人员登记' };
registerEnumType(OpinionChannel, { name: 'OpinionChannel', valuesConfig: labelled(opinionChannelLabels) });

@Entity('opinions')
@ObjectType({
  implements: Node,
  description:
    '民意: an opinion or request from the public, handled by the first staff member who takes it (首问负责) within the tenant’s time limit (限时办结).',
})
export class Opinion {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'link_code_id', nullable: true }) linkCodeId: string | null;
  @Field(() => OpinionChannel) @Column('text') channel: OpinionChannel;
  @Field() @Column() content: string;
  @Column('text', { name: 'contact_hash', nullable: true, select: false }) contactHash: string | null;
  @Column('text', { name: 'contact_masked', nullable: true }) contactMasked: string | null;
  @Field(() => OpinionState) @Column('text') state: OpinionState;
  @Column('uuid', { name: 'responsible_id', nullable: true }) responsibleId: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'accepted_at', nullable: true }) acceptedAt: Date | null;
  @Field(() => DateTimeScalar, { description: 'Reply due by (限时办结), from intake.' })
  @Column('timestamptz', { name: 'due_at' })
  dueAt: Date;
  @Field(() => String, { nullable: true }) @Column('text', { nullable: true }) reply: string | null;
  @Column('uuid', { name: 'replied_by', nullable: true }) repliedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'replied_at', nullable: true }) repliedAt: Date | null;
  @Field(() => Int, { nullable: true, description: 'The submitter’s satisfaction with the reply, 1..5.' })
  @Column('smallint', { nullable: true })
  satisfaction: number | null;
  @Field(() => String, { nullable: true }) @Column('text', { name: 'satisfaction_comment', nullable: true }) satisfactionComment:
    string | null;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'closed_at', nullable: true }) closedAt: Date | null;
  @Column('uuid', { name: 'recorded_by', nullable: true }) recordedBy: string | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('opinion_transfers')
@ObjectType({ description: 'An explicit, recorded hand-over of an opinion from one responsible staff member to another.' })
export class OpinionTransfer {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'opinion_id' }) opinionId: string;
  @Column('uuid', { name: 'from_user_id' }) fromUserId: string;
  @Column('uuid', { name: 'to_user_id' }) toUserId: string;
  @Field() @Column() reason: string;
  @Column('uuid', { name: 'transferred_by' }) transferredBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
