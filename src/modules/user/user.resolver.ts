import { Viewer } from '../../auth/auth.resolver';
import { IsEnum, Matches, MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role, roleLabels } from '../../auth/roles';
import { RoleAssignment, User } from './user.entity';
import { userService } from './user.service';

export const UserConnection = Connection(User);

@ArgsType()
class UsersArgs extends PageArgs {
  @Field(() => String, { nullable: true }) @MaxLength(100) search?: string;
}

@InputType()
class CreateUserInput {
  @Field() @Matches(/^[A-Za-z0-9_.-]{2,64}$/, { message: 'username has 2 to 64 letters, digits or ._-' }) username: string;
  @Field() @MinLength(1) @MaxLength(100) displayName: string;
  @Field() @MaxLength(200) password: string;
  @Field(() => ID, { description: 'Home org of the user.' }) orgId: string;
}

@InputType()
class AssignRoleInput {
  @Field(() => ID) userId: string;
  @Field(() => Role) @IsEnum(Role) role: Role;
  @Field(() => ID, { description: 'The role covers this org and its whole subtree.' }) orgId: string;
}

@InputType()
class RevokeRoleInput {
  @Field(() => ID) assignmentId: string;
}

@InputType()
class SetUserDisabledInput {
  @Field(() => ID) userId: string;
  @Field() disabled: boolean;
}

@Resolver(() => User)
export class UserResolver {
  @Query(() => UserConnection, { description: 'Users whose home org is inside the tenant admin’s scope.' })
  async users(@Args() args: UsersArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<User>> {
    return toConnection(await userService.list(ctx, args.search, pageSize(args), args.after));
  }

  @Mutation(() => User)
  async createUser(@Arg('input') input: CreateUserInput, @Ctx() ctx: RequestContext): Promise<User> {
    return userService.create(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => RoleAssignment)
  async assignRole(@Arg('input') input: AssignRoleInput, @Ctx() ctx: RequestContext): Promise<RoleAssignment> {
    return userService.assignRole(ctx, { ...input, userId: idOf('User', input.userId), orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Boolean)
  async revokeRole(@Arg('input') input: RevokeRoleInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return userService.revokeRole(ctx, idOf('RoleAssignment', input.assignmentId, 'Role assignment'));
  }

  @Mutation(() => User, { description: 'Disable (or re-enable) a user; disabling revokes its sessions at once.' })
  async setUserDisabled(@Arg('input') input: SetUserDisabledInput, @Ctx() ctx: RequestContext): Promise<User> {
    return userService.setDisabled(ctx, idOf('User', input.userId), input.disabled);
  }

  @FieldResolver(() => ID)
  id(@Root() user: User): string {
    return toGlobalId('User', user.id);
  }

  @FieldResolver(() => Org, { nullable: true, description: 'Home org.' })
  async org(@Root() user: User, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return user.orgId ? orgService.findById(ctx, user.orgId) : null;
  }

  @FieldResolver(() => [RoleAssignment])
  async roles(@Root() user: User, @Ctx() ctx: RequestContext): Promise<RoleAssignment[]> {
    return userService.rolesOf(ctx, user);
  }
}

@Resolver(() => RoleAssignment)
export class RoleAssignmentResolver {
  @FieldResolver(() => ID)
  id(@Root() assignment: RoleAssignment): string {
    return toGlobalId('RoleAssignment', assignment.id);
  }

  @FieldResolver(() => String)
  roleLabel(@Root() assignment: RoleAssignment): string {
    return roleLabels[assignment.role];
  }

  @FieldResolver(() => Org, { nullable: true, description: 'Scope org: the role covers its whole subtree.' })
  async org(@Root() assignment: RoleAssignment, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, assignment.orgId);
  }
}

/** The signed-in viewer's own account and roles (the Viewer type is core's; what a user is, is this module's). */
@Resolver(() => Viewer)
export class ViewerUserResolver {
  @FieldResolver(() => User, { nullable: true })
  async user(@Root() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<User | null> {
    return viewer.userId ? userService.findById(ctx, viewer.userId) : null;
  }

  @FieldResolver(() => [RoleAssignment], { description: 'Roles with their scope orgs.' })
  async roles(@Root() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<RoleAssignment[]> {
    if (!viewer.userId) return [];
    const user = await userService.findById(ctx, viewer.userId);
    return user ? userService.rolesOf(ctx, user) : [];
  }
}
