import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';

export enum PeerPairingState {
  PLANNED = 'PLANNED',
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  ENDED = 'ENDED',
}
export const peerPairingStateLabels: Record<PeerPairingState, string> = {
  PLANNED: '未开始',
  ACTIVE: '共建中',
  EXPIRED: '已期满',
  ENDED: '已提前结束',
};
registerEnumType(PeerPairingState, {
  name: 'PeerPairingState',
  description: '结对共建的状态（按本单位日历计算）：未开始、共建中、已期满、已提前结束',
  valuesConfig: labelled(peerPairingStateLabels),
});

export enum PeerHelpState {
  OPEN = 'OPEN',
  ANSWERED = 'ANSWERED',
}
export const peerHelpStateLabels: Record<PeerHelpState, string> = { OPEN: '待答复', ANSWERED: '已答复' };
registerEnumType(PeerHelpState, {
  name: 'PeerHelpState',
  description: '互助请求的状态：待答复或已答复',
  valuesConfig: labelled(peerHelpStateLabels),
});

export enum PeerRelation {
  PAIRED = 'PAIRED',
  SIBLING = 'SIBLING',
}
export const peerRelationLabels: Record<PeerRelation, string> = { PAIRED: '结对组织', SIBLING: '同一上级的兄弟组织' };
registerEnumType(PeerRelation, {
  name: 'PeerRelation',
  description: '两个同级组织的关系：结对共建的组织，或同一上级党组织下的兄弟组织',
  valuesConfig: labelled(peerRelationLabels),
});

@Entity('peer_pairings')
@ObjectType({
  implements: Node,
  description:
    '结对共建（同级党组织互帮互助）：两个同级党组织在一段时期内结成对子，确定共建目标，互相请求帮助；两个组织及其上级可见，其他兄弟组织不可见',
})
export class PeerPairing {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  /** One of the two orgs (the one named first); the pairing is the same from either side. */
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'partner_org_id' }) partnerOrgId: string;
  @Field(() => DateScalar, { description: '共建开始日期' }) @Column('date', { name: 'starts_on' }) startsOn: string;
  @Field(() => DateScalar, { description: '共建结束日期（含当天）' }) @Column('date', { name: 'ends_on' }) endsOn: string;
  @Field(() => [String], { description: '共建目标（1 至 20 条）' }) @Column('text', { array: true }) goals: string[];
  @Field(() => DateScalar, { nullable: true, description: '提前结束的日期；未提前结束为空' })
  @Column('date', { name: 'ended_on', nullable: true })
  endedOn: string | null;
  @Field(() => String, { nullable: true, description: '提前结束的理由；未提前结束为空' })
  @Column('text', { name: 'end_reason', nullable: true })
  endReason: string | null;
  @Column('uuid', { name: 'ended_by', nullable: true }) endedBy: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '建立时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('peer_help_requests')
@ObjectType({
  implements: Node,
  description:
    '互助请求（同级党组织互帮互助）：一个党组织向结对组织或同一上级下的兄弟组织请求帮助，对方在本单位规定的时限内答复（限时办结）；计入双方的互助情况',
})
export class PeerHelpRequest {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'from_org_id' }) fromOrgId: string;
  @Column('uuid', { name: 'to_org_id' }) toOrgId: string;
  @Column('uuid', { name: 'pairing_id', nullable: true }) pairingId: string | null;
  @Field({ description: '事由' }) @Column() title: string;
  @Field({ description: '具体情况' }) @Column() description: string;
  @Field(() => PeerHelpState, { description: '状态：待答复或已答复' }) @Column('text') state: PeerHelpState;
  @Field(() => DateTimeScalar, { description: '答复期限（限时办结：提出时间加本单位的服务请求时限）' })
  @Column('timestamptz', { name: 'due_at' })
  dueAt: Date;
  @Field(() => String, { nullable: true, description: '答复内容；未答复为空' }) @Column('text', { nullable: true }) answer: string | null;
  @Column('uuid', { name: 'answered_by', nullable: true }) answeredBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '答复时间；未答复为空' })
  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '提出时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
