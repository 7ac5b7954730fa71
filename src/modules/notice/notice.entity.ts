import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum NoticeKind {
  COMMENDATION = 'COMMENDATION',
  CRITICISM = 'CRITICISM',
}
export const noticeKindLabels: Record<NoticeKind, string> = { COMMENDATION: '通报表扬', CRITICISM: '通报批评' };
registerEnumType(NoticeKind, { name: 'NoticeKind', description: '通报类别：表扬或批评', valuesConfig: labelled(noticeKindLabels) });

export enum NoticeState {
  DRAFT = 'DRAFT',
  ISSUED = 'ISSUED',
}
export const noticeStateLabels: Record<NoticeState, string> = { DRAFT: '草稿', ISSUED: '已印发' };
registerEnumType(NoticeState, {
  name: 'NoticeState',
  description: '通报状态：草稿只有起草人（根组织的管理员和领导小组）可见，印发后全单位可见',
  valuesConfig: labelled(noticeStateLabels),
});

export enum NoticeOrderField {
  CREATED_AT = 'CREATED_AT',
  ISSUED_ON = 'ISSUED_ON',
  TITLE = 'TITLE',
}
export const noticeOrderFieldLabels: Record<NoticeOrderField, string> = {
  CREATED_AT: '起草时间',
  ISSUED_ON: '印发日期（草稿视为最晚）',
  TITLE: '标题',
};
registerEnumType(NoticeOrderField, {
  name: 'NoticeOrderField',
  description: '通报列表的排序字段；同值的按起草时间，再按编号',
  valuesConfig: labelled(noticeOrderFieldLabels),
});

@Entity('notices')
@ObjectType({
  implements: Node,
  description: '通报：对一个或多个党组织的通报表扬或通报批评，印发后发送各单位并跟踪签收',
})
export class Notice {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field(() => NoticeKind, { description: '类别：通报表扬或通报批评' }) @Column('text') kind: NoticeKind;
  @Field({ description: '标题' }) @Column() title: string;
  @Field({ description: '正文' }) @Column() body: string;
  @Field(() => DateScalar, { nullable: true, description: '印发日期；草稿为空' })
  @Column('date', { name: 'issued_on', nullable: true })
  issuedOn: string | null;
  @Field(() => NoticeState, { description: '状态：草稿或已印发' }) @Column('text') state: NoticeState;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => JSONScalar, { description: '依据：起草时记录的数据（创建进度、推进不力的单位及其得分）' })
  @Column('jsonb')
  basis: Record<string, unknown>;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'issued_by', nullable: true }) issuedBy: string | null;
  @Field(() => DateTimeScalar, { description: '起草时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
