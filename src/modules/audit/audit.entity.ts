import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';

@Entity('audit_log')
@ObjectType({ description: '操作日志：谁在何时以何操作改动了哪条记录；只能追加，不能修改或删除' })
export class AuditEntry {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Field(() => ID, { description: '本单位内的流水号' }) @PrimaryColumn('bigint') id: string;
  @Field(() => DateTimeScalar, { description: '操作时间' }) @Column('timestamptz') at: Date;
  @Column('uuid', { name: 'actor_id', nullable: true }) actorId: string | null;
  @Field({ description: '操作：所执行的变更（mutation）名称，如 createOrg' }) @Column() action: string;
  @Field(() => String, { nullable: true, description: '所改动记录的类型（如 Inspection）' })
  @Column('text', { name: 'entity_type', nullable: true })
  entityType: string | null;
  @Column('uuid', { name: 'entity_id', nullable: true }) entityId: string | null;
  /** The org the record belongs to (null: a tenant-wide record, shown to admins at the root only). */
  @Column('uuid', { name: 'org_id', nullable: true }) orgId: string | null;
  @Field(() => JSONScalar, { description: '操作的输入（已去除密码、令牌和群众联系方式）' }) @Column('jsonb') data: Record<string, unknown>;
}
