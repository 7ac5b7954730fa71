import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';
import { Role } from '../../auth/roles';

export enum UserOrderField {
  USERNAME = 'USERNAME',
  DISPLAY_NAME = 'DISPLAY_NAME',
  CREATED_AT = 'CREATED_AT',
  ORG = 'ORG',
}
export const userOrderFieldLabels: Record<UserOrderField, string> = {
  USERNAME: '用户名',
  DISPLAY_NAME: '姓名',
  CREATED_AT: '创建时间',
  ORG: '所属党组织（按组织树的顺序）',
};
registerEnumType(UserOrderField, {
  name: 'UserOrderField',
  description: '用户列表的排序字段；同值的按用户名',
  valuesConfig: labelled(userOrderFieldLabels),
});

@Entity('users')
@ObjectType({
  implements: Node,
  description: '用户：本单位的一个登录账号，隶属于一个党组织；账号对象仅本人和管理其所在组织的管理员可见（他人只见姓名）',
})
export class User {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId: string;

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: '用户名（登录账号），本单位内唯一' })
  @Column()
  username: string;

  @Field({ description: '姓名' })
  @Column({ name: 'display_name' })
  displayName: string;

  @Column({ name: 'password_hash', select: false })
  passwordHash: string;

  @Column('uuid', { name: 'org_id', nullable: true })
  orgId: string | null;

  @Field({ description: '是否已停用：停用的账号不能登录' })
  @Column()
  disabled: boolean;

  @Field({ description: '下次登录时须修改密码（新建、导入的用户和管理员重置密码后）' })
  @Column({ name: 'must_change_password' })
  mustChangePassword: boolean;

  @Field(() => Int, { description: '连续登录失败次数（登录成功或解锁后清零）' })
  @Column('int', { name: 'failed_sign_ins' })
  failedSignIns: number;

  @Field(() => DateTimeScalar, { nullable: true, description: '锁定时间：连续登录失败达到本单位的次数时锁定；未锁定为空' })
  @Column('timestamptz', { name: 'locked_at', nullable: true })
  lockedAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: '锁定到何时；锁定但此项为空表示直到管理员解锁' })
  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  @Field(() => DateTimeScalar, { description: '创建时间' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity('role_assignments')
@ObjectType({ implements: Node, description: '角色任命：用户在某党组织担任的角色，作用于该组织及其全部下级组织' })
export class RoleAssignment {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId: string;

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  @Field(() => Role, { description: '角色' })
  @Column('text')
  role: Role;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Field(() => DateTimeScalar, { description: '任命时间' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
