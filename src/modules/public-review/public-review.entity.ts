import { Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';

@Entity('public_reviews')
@ObjectType({
  implements: Node,
  description:
    '群众评议 / 评诺: one member of the public’s rating (满意度 1..5) of an org or of a commitment, through a link code, without an account.',
})
export class PublicReview {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'link_code_id' }) linkCodeId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Column('uuid', { name: 'commitment_id', nullable: true }) commitmentId: string | null;
  @Field(() => Int, { description: '满意度: 1 (very dissatisfied) .. 5 (very satisfied).' }) @Column('smallint') rating: number;
  @Field() @Column() comment: string;
  /** Keyed hashes: matched for de-duplication, never shown. */
  @Column({ name: 'device_hash', select: false }) deviceHash: string;
  @Column('text', { name: 'contact_hash', nullable: true, select: false }) contactHash: string | null;
  @Column('text', { name: 'client_hash', nullable: true, select: false }) clientHash: string | null;
  @Column('text', { name: 'contact_masked', nullable: true }) contactMasked: string | null;
  @Field(() => DateTimeScalar, {
    nullable: true,
    description: '排除: when an admin took this review out of the satisfaction figures (it stays stored); null while it counts.',
  })
  @Column('timestamptz', { name: 'excluded_at', nullable: true })
  excludedAt: Date | null;
  @Field(() => String, { nullable: true, description: 'Why the review was excluded (e.g. 疑似刷评: one address, many device ids).' })
  @Column('text', { name: 'excluded_reason', nullable: true })
  excludedReason: string | null;
  @Field(() => DateScalar, { description: 'The day of the review in the tenant’s time zone.' })
  @Column('date', { name: 'review_day' })
  reviewDay: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
