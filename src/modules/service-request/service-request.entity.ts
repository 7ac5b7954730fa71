import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum ServiceRequestState {
  OPEN = 'OPEN',
  ANSWERED = 'ANSWERED',
}
export const serviceRequestStateLabels: Record<ServiceRequestState, string> = { OPEN: '待办理', ANSWERED: '已答复' };
registerEnumType(ServiceRequestState, {
  name: 'ServiceRequestState',
  description: '服务请求状态：待办理或已答复',
  valuesConfig: labelled(serviceRequestStateLabels),
});

export enum ServiceRequestDirection {
  RAISED = 'RAISED',
  RECEIVED = 'RECEIVED',
}
export const serviceRequestDirectionLabels: Record<ServiceRequestDirection, string> = {
  RAISED: '我方提出的：提出请求的组织在范围内',
  RECEIVED: '向我方提出的：被请求的组织在范围内',
};
registerEnumType(ServiceRequestDirection, {
  name: 'ServiceRequestDirection',
  description: '服务请求的方向，相对于列表范围内的组织（您的权限范围，或 under 子树）',
  valuesConfig: labelled(serviceRequestDirectionLabels),
});

export enum ServiceRequestOrderField {
  DUE_AT = 'DUE_AT',
  CREATED_AT = 'CREATED_AT',
  ANSWERED_AT = 'ANSWERED_AT',
  STATE = 'STATE',
}
export const serviceRequestOrderFieldLabels: Record<ServiceRequestOrderField, string> = {
  DUE_AT: '答复期限',
  CREATED_AT: '提出时间',
  ANSWERED_AT: '答复时间（未答复的视为最晚）',
  STATE: '状态（按待办理、已答复的顺序）',
};
registerEnumType(ServiceRequestOrderField, {
  name: 'ServiceRequestOrderField',
  description: '服务请求列表的排序字段；同值的按提出时间，再按编号',
  valuesConfig: labelled(serviceRequestOrderFieldLabels),
});

@Entity('service_requests')
@ObjectType({
  implements: Node,
  description: '服务请求（上级服务下级）：下级党组织向直接上级请求帮助，上级在本单位规定的时限内答复（限时办结）',
})
export class ServiceRequest {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'from_org_id' }) fromOrgId: string;
  @Column('uuid', { name: 'to_org_id' }) toOrgId: string;
  @Field({ description: '事由' }) @Column() title: string;
  @Field({ description: '具体情况' }) @Column() description: string;
  @Field(() => ServiceRequestState, { description: '状态：待办理或已答复' }) @Column('text') state: ServiceRequestState;
  @Field(() => DateTimeScalar, { description: '答复期限（限时办结）' }) @Column('timestamptz', { name: 'due_at' }) dueAt: Date;
  @Field(() => String, { nullable: true, description: '答复内容；未答复为空' }) @Column('text', { nullable: true }) answer: string | null;
  @Column('uuid', { name: 'answered_by', nullable: true }) answeredBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '答复时间；未答复为空' })
  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '提出时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
