import { Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';

@Entity('public_reviews')
@ObjectType({
  implements: Node,
  description: '群众评议（评诺）：一位群众经评议二维码、无需账号，对组织或其一项承诺的满意度评价（1–5 星）',
})
export class PublicReview {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'link_code_id' }) linkCodeId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Column('uuid', { name: 'commitment_id', nullable: true }) commitmentId: string | null;
  @Field(() => Int, { description: '满意度：1（很不满意）到 5（很满意）星' }) @Column('smallint') rating: number;
  @Field({ description: '评议意见（可为空）' }) @Column() comment: string;
  /** Keyed hashes: matched for de-duplication, never shown. */
  @Column({ name: 'device_hash', select: false }) deviceHash: string;
  @Column('text', { name: 'contact_hash', nullable: true, select: false }) contactHash: string | null;
  @Column('text', { name: 'client_hash', nullable: true, select: false }) clientHash: string | null;
  @Column('text', { name: 'contact_masked', nullable: true }) contactMasked: string | null;
  @Field(() => DateTimeScalar, {
    nullable: true,
    description: '排除时间：管理员将此评议排除出满意度统计的时间（评议仍保留）；计入统计时为空',
  })
  @Column('timestamptz', { name: 'excluded_at', nullable: true })
  excludedAt: Date | null;
  @Field(() => String, { nullable: true, description: '排除理由（如“疑似刷评：同一网络多个设备”）；计入统计时为空' })
  @Column('text', { name: 'excluded_reason', nullable: true })
  excludedReason: string | null;
  @Field(() => DateScalar, { description: '评议日期（按本单位时区）' })
  @Column('date', { name: 'review_day' })
  reviewDay: string;
  @Field(() => DateTimeScalar, { description: '提交时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
