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
  valuesConfig: labelled(pairingPersonKindLabels),
});

@Entity('pairing_persons')
@ObjectType({
  implements: Node,
  description: 'A member or resident in difficulty whom cadres pair with (结对联系对象), registered with an org.',
})
export class PairingPerson {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field() @Column() name: string;
  @Field(() => PairingPersonKind) @Column('text') kind: PairingPersonKind;
  @Field({ description: 'The difficulty (困难情况).' }) @Column() difficulty: string;
  @Field(() => String, { nullable: true, description: 'Contact, masked (the full value is never stored).' })
  @Column('text', { name: 'contact_masked', nullable: true })
  contactMasked: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('pairings')
@ObjectType({
  implements: Node,
  description: '结对联系: a cadre of a leading body (LEADER, SECRETARY or SUPERVISOR) paired with a person in difficulty.',
})
export class Pairing {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'cadre_id' }) cadreId: string;
  @Column('uuid', { name: 'person_id' }) personId: string;
  @Field() @Column() note: string;
  @Field(() => DateScalar) @Column('date', { name: 'started_on' }) startedOn: string;
  @Field(() => DateScalar, { nullable: true }) @Column('date', { name: 'ended_on', nullable: true }) endedOn: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('pairing_visits')
@ObjectType({ implements: Node, description: 'A visit of a pairing (走访): when, what was seen, what help was given.' })
export class PairingVisit {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'pairing_id' }) pairingId: string;
  @Field(() => DateScalar) @Column('date', { name: 'visited_on' }) visitedOn: string;
  @Field() @Column() note: string;
  @Field({ description: 'Help given (帮扶内容).' }) @Column({ name: 'help_given' }) helpGiven: string;
  @Column('uuid', { name: 'recorded_by' }) recordedBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
