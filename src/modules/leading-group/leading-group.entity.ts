import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum LeadingGroupRole {
  LEADER = 'LEADER',
  DEPUTY = 'DEPUTY',
  MEMBER = 'MEMBER',
}
export const leadingGroupRoleLabels: Record<LeadingGroupRole, string> = { LEADER: '组长', DEPUTY: '副组长', MEMBER: '成员' };
registerEnumType(LeadingGroupRole, {
  name: 'LeadingGroupRole',
  description: '领导小组中的职位：组长、副组长、成员',
  valuesConfig: labelled(leadingGroupRoleLabels),
});

@Entity('leading_groups')
@ObjectType({ implements: Node, description: '领导小组：创建活动的领导小组（组长、副组长、成员）及其办公室所在的组织' })
export class LeadingGroup {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @Column('uuid', { name: 'office_org_id' }) officeOrgId: string;
  @Field(() => String, { nullable: true, description: '办公室设在何处（如“局组织科”）' })
  @Column('text', { name: 'office_note', nullable: true })
  officeNote: string | null;
  @Column('uuid', { name: 'updated_by' }) updatedBy: string;
  @Field(() => DateTimeScalar, { description: '最后设置时间' }) @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

@Entity('leading_group_members')
@ObjectType({ description: '领导小组成员：一人及其在小组中的职位和职务' })
export class LeadingGroupMember {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @Field(() => LeadingGroupRole, { description: '在小组中的职位' }) @Column('text') role: LeadingGroupRole;
  @Field({ description: '职务（原文照录，如“局党委书记”）' }) @Column() title: string;
  @Field(() => Int, { description: '排列顺序（从 0 起：组长、副组长、成员依次）' }) @Column('int') position: number;
}
