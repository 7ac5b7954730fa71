import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar, JSONScalar } from '../../graphql/scalars';

export enum NoticeKind {
  COMMENDATION = 'COMMENDATION',
  CRITICISM = 'CRITICISM',
}
registerEnumType(NoticeKind, {
  name: 'NoticeKind',
  valuesConfig: { COMMENDATION: { description: '通报表扬' }, CRITICISM: { description: '通报批评' } },
});

export enum NoticeState {
  DRAFT = 'DRAFT',
  ISSUED = 'ISSUED',
}
registerEnumType(NoticeState, { name: 'NoticeState', valuesConfig: { DRAFT: { description: '草稿' }, ISSUED: { description: '已印发' } } });

@Entity('notices')
@ObjectType({ implements: Node, description: '通报: a commendation or criticism bulletin for one or more orgs, with tracked reading.' })
export class Notice {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field(() => NoticeKind) @Column('text') kind: NoticeKind;
  @Field() @Column() title: string;
  @Field() @Column() body: string;
  @Field(() => DateScalar, { nullable: true }) @Column('date', { name: 'issued_on', nullable: true }) issuedOn: string | null;
  @Field(() => NoticeState) @Column('text') state: NoticeState;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => JSONScalar, { description: 'The figures that justify it (progress, lagging orgs), as recorded when drafted.' })
  @Column('jsonb')
  basis: Record<string, unknown>;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'issued_by', nullable: true }) issuedBy: string | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
