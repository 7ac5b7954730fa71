import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum LedgerCategory {
  MEETING = 'MEETING',
  STUDY = 'STUDY',
  SERVICE = 'SERVICE',
  VISIT = 'VISIT',
  OTHER = 'OTHER',
}
export const ledgerCategoryLabels: Record<LedgerCategory, string> = {
  MEETING: '会议',
  STUDY: '学习',
  SERVICE: '服务活动',
  VISIT: '走访',
  OTHER: '其他',
};
registerEnumType(LedgerCategory, {
  name: 'LedgerCategory',
  description: '台帐类别：会议、学习、服务活动、走访或其他',
  valuesConfig: labelled(ledgerCategoryLabels),
});

export enum BriefingState {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
}
export const briefingStateLabels: Record<BriefingState, string> = { DRAFT: '草稿', PUBLISHED: '已报送' };
registerEnumType(BriefingState, {
  name: 'BriefingState',
  description: '简报状态：草稿只在本组织内可见，报送后本组织及各级上级可读',
  valuesConfig: labelled(briefingStateLabels),
});

@Entity('ledger_entries')
@ObjectType({ implements: Node, description: '管理台帐：党组织开展创建活动的一条记录（会议、学习、服务、走访等）' })
export class LedgerEntry {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => DateScalar, { description: '活动日期（不晚于今天）' }) @Column('date', { name: 'occurred_on' }) occurredOn: string;
  @Field(() => LedgerCategory, { description: '类别' }) @Column('text') category: LedgerCategory;
  @Field({ description: '标题' }) @Column() title: string;
  @Field({ description: '内容' }) @Column() content: string;
  @Field(() => Int, { description: '参加人数' }) @Column('int') participants: number;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => [String], { description: '附件：存放在别处的附件的编号或地址' })
  @Column('text', { name: 'attachment_refs', array: true })
  attachmentRefs: string[];
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '录入时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('briefings')
@ObjectType({ implements: Node, description: '简报信息：党组织关于创建工作的简报，报送后本组织及各级上级可读' })
export class Briefing {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field({ description: '标题' }) @Column() title: string;
  @Field({ description: '正文' }) @Column() body: string;
  @Field(() => DateScalar, { description: '简报日期（不晚于今天）' }) @Column('date', { name: 'briefing_on' }) briefingOn: string;
  @Field(() => BriefingState, { description: '状态' }) @Column('text') state: BriefingState;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'published_by', nullable: true }) publishedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '报送时间；草稿为空' })
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;
  @Field(() => DateTimeScalar, { description: '录入时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
