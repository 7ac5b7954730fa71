import { IsEnum, Matches, MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
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

@Resolver(() => User)
export class UserResolver {
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

  @Mutation(() => User, { description: '停用或恢复用户账号（管理员）；停用立即吊销其全部登录会话，不能停用自己' })
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
