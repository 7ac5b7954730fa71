import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum PairingPersonKind {
  MEMBER = 'MEMBER',
  RESIDENT = 'RESIDENT',
}
export const pairingPersonKindLabels: Record<PairingPersonKind, string> = { MEMBER: '生活困难党员', RESIDENT: '生活困难群众' };
registerEnumType(PairingPersonKind, {
  name: 'PairingPersonKind',
  description: '结对联系对象的类别：生活困难党员或生活困难群众',
  valuesConfig: labelled(pairingPersonKindLabels),
});

@Entity('pairing_persons')
@ObjectType({
  implements: Node,
  description: '结对联系对象：在某党组织登记的生活困难党员或群众，由干部结对联系帮扶',
})
export class PairingPerson {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field({ description: '姓名' }) @Column() name: string;
  @Field(() => PairingPersonKind, { description: '类别' }) @Column('text') kind: PairingPersonKind;
  @Field({ description: '困难情况' }) @Column() difficulty: string;
  @Field(() => String, { nullable: true, description: '联系方式的打码形式（完整号码从不保存）' })
  @Column('text', { name: 'contact_masked', nullable: true })
  contactMasked: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '登记时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

export enum PairingOrderField {
  STARTED_ON = 'STARTED_ON',
  CREATED_AT = 'CREATED_AT',
  ENDED_ON = 'ENDED_ON',
  LAST_VISIT_ON = 'LAST_VISIT_ON',
  PERSON_NAME = 'PERSON_NAME',
}
export const pairingOrderFieldLabels: Record<PairingOrderField, string> = {
  STARTED_ON: '结对开始日期',
  CREATED_AT: '结对时间（登记结对的时间）',
  ENDED_ON: '结对结束日期（进行中的视为最晚）',
  LAST_VISIT_ON: '最近一次走访日期（从未走访的按开始日期）',
  PERSON_NAME: '结对联系对象的姓名',
};
registerEnumType(PairingOrderField, {
  name: 'PairingOrderField',
  description: '结对列表的排序字段；同值的按结对时间，再按编号',
  valuesConfig: labelled(pairingOrderFieldLabels),
});

@Entity('pairings')
@ObjectType({
  implements: Node,
  description: '结对联系：领导班子成员（领导小组成员、书记、上级党委负责人）与一名困难对象结对，定期走访帮扶',
})
export class Pairing {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'cadre_id' }) cadreId: string;
  @Column('uuid', { name: 'person_id' }) personId: string;
  @Field({ description: '结对说明（如走访频次）' }) @Column() note: string;
  @Field(() => DateScalar, { description: '结对开始日期' }) @Column('date', { name: 'started_on' }) startedOn: string;
  @Field(() => DateScalar, { nullable: true, description: '结对结束日期；仍在结对为空' })
  @Column('date', { name: 'ended_on', nullable: true })
  endedOn: string | null;
  /** The latest visit's day (null: never visited), kept by logVisit; exposed as lastVisitOn. */
  @Column('date', { name: 'last_visit_on', nullable: true }) lastVisitOn: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '结对时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('pairing_visits')
@ObjectType({ implements: Node, description: '走访：结对干部的一次走访，记录日期、了解的情况和帮扶内容' })
export class PairingVisit {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'pairing_id' }) pairingId: string;
  @Field(() => DateScalar, { description: '走访日期' }) @Column('date', { name: 'visited_on' }) visitedOn: string;
  @Field({ description: '走访情况' }) @Column() note: string;
  @Field({ description: '帮扶内容' }) @Column({ name: 'help_given' }) helpGiven: string;
  @Column('uuid', { name: 'recorded_by' }) recordedBy: string;
  @Field(() => DateTimeScalar, { description: '记录时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
