import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';

@Entity('audit_log')
@ObjectType({ description: 'Who did what, when, to which record. Append-only.' })
export class AuditEntry {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Field(() => ID, { description: 'Sequence number within the tenant.' }) @PrimaryColumn('bigint') id: string;
  @Field(() => DateTimeScalar) @Column('timestamptz') at: Date;
  @Column('uuid', { name: 'actor_id', nullable: true }) actorId: string | null;
  @Field({ description: 'The mutation that made the change.' }) @Column() action: string;
  @Field(() => String, { nullable: true }) @Column('text', { name: 'entity_type', nullable: true }) entityType: string | null;
  @Column('uuid', { name: 'entity_id', nullable: true }) entityId: string | null;
  /** The org the record belongs to (null: a tenant-wide record, shown to admins at the root only). */
  @Column('uuid', { name: 'org_id', nullable: true }) orgId: string | null;
  @Field(() => JSONScalar, { description: 'The mutation’s input, secrets removed.' }) @Column('jsonb') data: Record<string, unknown>;
}
