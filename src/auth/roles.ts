import { registerEnumType } from 'type-graphql';
import { labelled } from '../graphql/enum-labels';

/** The roles a user holds, each over an org and its whole subtree (identity, so core owns it). */
export enum Role {
  TENANT_ADMIN = 'TENANT_ADMIN',
  LEADER = 'LEADER',
  SECRETARY = 'SECRETARY',
  SUPERVISOR = 'SUPERVISOR',
  INSPECTOR = 'INSPECTOR',
  MEMBER = 'MEMBER',
}

export const roleLabels: Record<Role, string> = {
  TENANT_ADMIN: '管理员(组织科)',
  LEADER: '领导小组',
  SECRETARY: '书记',
  SUPERVISOR: '上级党组织负责人',
  INSPECTOR: '督导组成员',
  MEMBER: '党员',
};

registerEnumType(Role, {
  name: 'Role',
  description: '角色：用户在某党组织担任的职责，作用于该组织及其全部下级',
  valuesConfig: labelled(roleLabels),
});
