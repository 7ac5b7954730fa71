import { IsEnum, Matches, MaxLength, MinLength } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Viewer } from '../../auth/auth.resolver';
import { Role, roleLabels } from '../../auth/roles';
import { RequestContext } from '../../graphql/context';
import { Order, OrderInput } from '../../graphql/order';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { RoleAssignment, User, UserOrderField } from './user.entity';
import { userService } from './user.service';

export const UserConnection = Connection(User);

const UserOrder = OrderInput<UserOrderField>('UserOrder', UserOrderField, '用户列表的排序：字段和方向');

@ArgsType()
class UsersArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: '用户名或姓名包含的文字（最多 100 字）' }) @MaxLength(100) search?: string;
  @Field(() => ID, { nullable: true, description: '只列所属组织在此子树内的用户；不填为您管理的全部范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列所属组织是此党组织的用户（不含下级组织的）' }) orgId?: string;
  @Field(() => Role, { nullable: true, description: '只列担任此角色的用户（任一组织）' }) role?: Role;
  @Field(() => UserOrder, { nullable: true, description: '排序；不填为按用户名' }) orderBy?: Order<UserOrderField>;
}

@InputType({ description: '新建用户的内容' })
class CreateUserInput {
  @Field({ description: '用户名（登录账号）：2 至 64 个字母、数字或 ._-，本单位内唯一' })
  @Matches(/^[A-Za-z0-9_.-]{2,64}$/)
  username: string;
  @Field({ description: '姓名（1 至 100 个字）' }) @MinLength(1) @MaxLength(100) displayName: string;
  @Field({ description: '初始密码（8 至 200 个字符）' }) @MaxLength(200) password: string;
  @Field(() => ID, { description: '所属党组织（须在您的管理范围内）' }) orgId: string;
}

@InputType({ description: '任命角色' })
class AssignRoleInput {
  @Field(() => ID, { description: '被任命的用户' }) userId: string;
  @Field(() => Role, { description: '角色' }) @IsEnum(Role) role: Role;
  @Field(() => ID, { description: '任职组织：角色作用于该组织及其全部下级' }) orgId: string;
}

@InputType({ description: '撤销角色任命' })
class RevokeRoleInput {
  @Field(() => ID, { description: '要撤销的角色任命' }) assignmentId: string;
}

@InputType({ description: '停用或恢复用户账号' })
class SetUserDisabledInput {
  @Field(() => ID, { description: '用户' }) userId: string;
  @Field({ description: '是否停用：true 停用，false 恢复' }) disabled: boolean;
}

@InputType({ description: '对某个用户的账号操作' })
class UserAccountInput {
  @Field(() => ID, { description: '用户' }) userId: string;
}

@ObjectType({ description: '重置密码的结果：一次性密码只给出这一次，请当面或经安全渠道交给本人' })
class PasswordReset {
  @Field(() => User, { description: '被重置的用户' }) user: User;
  @Field({ description: '一次性密码：用户用它登录后须立即修改' }) temporaryPassword: string;
}

@Resolver(() => User)
export class UserResolver {
  @Mutation(() => PasswordReset, {
    description: '重置用户密码（管理其所在组织的管理员）：生成一次性密码，下次登录须修改；同时解锁并使其全部登录失效',
  })
  async resetPassword(@Arg('input', { description: '用户' }) input: UserAccountInput, @Ctx() ctx: RequestContext): Promise<PasswordReset> {
    return userService.resetPassword(ctx, idOf('User', input.userId));
  }

  @Mutation(() => User, {
    description: '解锁因连续登录失败而锁定的账号（管理其所在组织的管理员）：同时清除该账号密码和动态验证码的尝试次数限制，本人可立即登录',
  })
  async unlockUser(@Arg('input', { description: '用户' }) input: UserAccountInput, @Ctx() ctx: RequestContext): Promise<User> {
    return userService.unlock(ctx, idOf('User', input.userId));
  }

  @Mutation(() => User, { description: '使用户在全部设备上退出登录（管理其所在组织的管理员）：刷新令牌和访问令牌立即失效' })
  async signOutUser(@Arg('input', { description: '用户' }) input: UserAccountInput, @Ctx() ctx: RequestContext): Promise<User> {
    return userService.signOut(ctx, idOf('User', input.userId));
  }

  @Mutation(() => User, { description: '停用用户的动态验证码（管理其所在组织的管理员，如用户手机遗失）；恢复码一并作废' })
  async disableUserTotp(@Arg('input', { description: '用户' }) input: UserAccountInput, @Ctx() ctx: RequestContext): Promise<User> {
    return userService.disableTotp(ctx, idOf('User', input.userId));
  }

  @FieldResolver(() => Boolean, { description: '是否处于锁定中（锁定期未过且未被解锁）' })
  locked(@Root() user: User): boolean {
    return !!user.lockedAt && (!user.lockedUntil || new Date(user.lockedUntil).getTime() > Date.now());
  }

  @FieldResolver(() => Boolean, { description: '是否已启用动态验证码（双因素登录）' })
  async totpEnabled(@Root() user: User, @Ctx() ctx: RequestContext): Promise<boolean> {
    return (await userService.factor(ctx, user)).totpEnabled;
  }

  @FieldResolver(() => Int, { description: '剩余未用的恢复码个数' })
  async recoveryCodesLeft(@Root() user: User, @Ctx() ctx: RequestContext): Promise<number> {
    return (await userService.factor(ctx, user)).recoveryCodesLeft;
  }

  @Query(() => UserConnection, {
    description: '用户列表（管理员）：所属组织在您管理范围内的用户，可按子树、所属组织、角色和姓名筛选；默认按用户名排序',
  })
  async users(@Args() args: UsersArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<User>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    const filter = { under, orgId: org?.id, role: args.role, search: args.search };
    return toConnection(await userService.list(ctx, filter, pageSize(args), args.after, args.orderBy));
  }

  @Mutation(() => User, { description: '新建用户（管理员，所属组织须在其管理范围内）' })
  async createUser(@Arg('input', { description: '新用户的内容' }) input: CreateUserInput, @Ctx() ctx: RequestContext): Promise<User> {
    return userService.create(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => RoleAssignment, { description: '任命角色（管理员）：作用于任职组织及其全部下级；相同的任命已存在时原样返回' })
  async assignRole(
    @Arg('input', { description: '任命的内容' }) input: AssignRoleInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RoleAssignment> {
    return userService.assignRole(ctx, { ...input, userId: idOf('User', input.userId), orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Boolean, { description: '撤销角色任命（管理员）；本单位至少保留一名在根组织任职的管理员' })
  async revokeRole(@Arg('input', { description: '要撤销的任命' }) input: RevokeRoleInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return userService.revokeRole(ctx, idOf('RoleAssignment', input.assignmentId, 'Role assignment'));
  }

  @Mutation(() => User, {
    description: '停用或恢复用户账号（管理员）；停用立即吊销其全部登录会话，不能停用自己；恢复时清除其登录失败次数和锁定，本人可立即登录',
  })
  async setUserDisabled(
    @Arg('input', { description: '停用或恢复的内容' }) input: SetUserDisabledInput,
    @Ctx() ctx: RequestContext,
  ): Promise<User> {
    return userService.setDisabled(ctx, idOf('User', input.userId), input.disabled);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() user: User): string {
    return toGlobalId('User', user.id);
  }

  @FieldResolver(() => Org, { nullable: true, description: '所属党组织（不在您的可见范围内时为空）' })
  async org(@Root() user: User, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return user.orgId ? orgService.findById(ctx, user.orgId) : null;
  }

  @FieldResolver(() => [RoleAssignment], { description: '担任的角色及其任职组织' })
  async roles(@Root() user: User, @Ctx() ctx: RequestContext): Promise<RoleAssignment[]> {
    return userService.rolesOf(ctx, user);
  }
}

@Resolver(() => RoleAssignment)
export class RoleAssignmentResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() assignment: RoleAssignment): string {
    return toGlobalId('RoleAssignment', assignment.id);
  }

  @FieldResolver(() => String, { description: '角色的中文名' })
  roleLabel(@Root() assignment: RoleAssignment): string {
    return roleLabels[assignment.role];
  }

  @FieldResolver(() => Org, { nullable: true, description: '任职组织：角色作用于它及其全部下级（不在您的可见范围内时为空）' })
  async org(@Root() assignment: RoleAssignment, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, assignment.orgId);
  }
}

/** The signed-in viewer's own account and roles (the Viewer type is core's; what a user is, is this module's). */
@Resolver(() => Viewer)
export class ViewerUserResolver {
  @FieldResolver(() => User, { nullable: true, description: '当前用户的账号（平台运维人员为空）' })
  async user(@Root() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<User | null> {
    return viewer.userId ? userService.findById(ctx, viewer.userId) : null;
  }

  @FieldResolver(() => [RoleAssignment], { description: '当前用户担任的角色及其任职组织（平台运维人员为空列表）' })
  async roles(@Root() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<RoleAssignment[]> {
    if (!viewer.userId) return [];
    const user = await userService.findById(ctx, viewer.userId);
    return user ? userService.rolesOf(ctx, user) : [];
  }
}
