import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

export enum ServiceRequestState {
  OPEN = 'OPEN',
  ANSWERED = 'ANSWERED',
}
registerEnumType(ServiceRequestState, {
  name: 'ServiceRequestState',
  valuesConfig: { OPEN: { description: '待办理' }, ANSWERED: { description: '已答复' } },
});

@Entity('service_requests')
@ObjectType({
  implements: Node,
  description: '上级服务下级: a subordinate org asks its superior for help, answered within the tenant’s time limit.',
})
export class ServiceRequest {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'from_org_id' }) fromOrgId: string;
  @Column('uuid', { name: 'to_org_id' }) toOrgId: string;
  @Field() @Column() title: string;
  @Field() @Column() description: string;
  @Field(() => ServiceRequestState) @Column('text') state: ServiceRequestState;
  @Field(() => DateTimeScalar, { description: 'Answer due by (限时办结).' }) @Column('timestamptz', { name: 'due_at' }) dueAt: Date;
  @Field(() => String, { nullable: true }) @Column('text', { nullable: true }) answer: string | null;
  @Column('uuid', { name: 'answered_by', nullable: true }) answeredBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'answered_at', nullable: true }) answeredAt: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
