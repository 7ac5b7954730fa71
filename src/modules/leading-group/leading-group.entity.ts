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
registerEnumType(LeadingGroupRole, { name: 'LeadingGroupRole', valuesConfig: labelled(leadingGroupRoleLabels) });

@Entity('leading_groups')
@ObjectType({ implements: Node, description: '领导小组: a campaign’s leading group (组长, 副组长, 成员) and the org its office sits in.' })
export class LeadingGroup {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @Column('uuid', { name: 'office_org_id' }) officeOrgId: string;
  @Field(() => String, { nullable: true, description: 'Where in the office org it sits (办公室设在局组织科).' })
  @Column('text', { name: 'office_note', nullable: true })
  officeNote: string | null;
  @Column('uuid', { name: 'updated_by' }) updatedBy: string;
  @Field(() => DateTimeScalar) @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

@Entity('leading_group_members')
@ObjectType({ description: 'A person in the leading group with their role and title.' })
export class LeadingGroupMember {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @Field(() => LeadingGroupRole) @Column('text') role: LeadingGroupRole;
  @Field({ description: 'Their title (职务), as written.' }) @Column() title: string;
  @Field(() => Int) @Column('int') position: number;
}
