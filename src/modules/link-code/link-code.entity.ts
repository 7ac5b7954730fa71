import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

@Entity('link_codes')
@ObjectType({
  implements: Node,
  description:
    'What the QR code on a service window carries: a random code (128 bits, base64url) through which the public rates an org (群众评议), a commitment (评诺) or leaves an opinion (民意收集) without an account.',
})
export class LinkCode {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field({ description: 'The code itself (print it, or print `url`).' }) @Column() code: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Column('uuid', { name: 'commitment_id', nullable: true }) commitmentId: string | null;
  @Field() @Column() label: string;
  @Field() @Column() disabled: boolean;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt: Date | null;
  @Column('uuid', { name: 'disabled_by', nullable: true }) disabledBy: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
