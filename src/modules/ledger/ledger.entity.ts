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
registerEnumType(LedgerCategory, { name: 'LedgerCategory', description: '台帐类别', valuesConfig: labelled(ledgerCategoryLabels) });

export enum BriefingState {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
}
export const briefingStateLabels: Record<BriefingState, string> = { DRAFT: '草稿', PUBLISHED: '已报送' };
registerEnumType(BriefingState, { name: 'BriefingState', valuesConfig: labelled(briefingStateLabels) });

@Entity('ledger_entries')
@ObjectType({ implements: Node, description: '管理台帐: one recorded campaign activity of an org.' })
export class LedgerEntry {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => DateScalar, { description: 'When the activity took place.' }) @Column('date', { name: 'occurred_on' }) occurredOn: string;
  @Field(() => LedgerCategory) @Column('text') category: LedgerCategory;
  @Field() @Column() title: string;
  @Field() @Column() content: string;
  @Field(() => Int, { description: 'Number of participants.' }) @Column('int') participants: number;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => [String], { description: 'References to attachments held elsewhere (file ids or URLs).' })
  @Column('text', { name: 'attachment_refs', array: true })
  attachmentRefs: string[];
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('briefings')
@ObjectType({ implements: Node, description: '简报信息: an org’s briefing on its campaign work, published up the hierarchy.' })
export class Briefing {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field() @Column() title: string;
  @Field() @Column() body: string;
  @Field(() => DateScalar, { description: 'The briefing’s date.' }) @Column('date', { name: 'briefing_on' }) briefingOn: string;
  @Field(() => BriefingState) @Column('text') state: BriefingState;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'published_by', nullable: true }) publishedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
