import { Viewer } from '../../auth/auth.resolver';
import { IsOptional, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, requireUser } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Tenant } from './tenant.entity';
import { tenantService } from './tenant.service';

export const TenantConnection = Connection(Tenant);

@InputType()
class CreateTenantInput {
  @Field() @Matches(/^[a-z][a-z0-9-]{1,39}$/, { message: 'slug has 2 to 40 lower-case letters, digits or -' }) slug: string;
  @Field() @MinLength(1) @MaxLength(200) name: string;
  @Field({ description: 'Name of the root org (局党委).' }) @MinLength(1) @MaxLength(200) rootOrgName: string;
  @Field() @Matches(/^[A-Za-z0-9_.-]{2,64}$/, { message: 'adminUsername has 2 to 64 letters, digits or ._-' }) adminUsername: string;
  @Field() @MinLength(1) @MaxLength(100) adminDisplayName: string;
  @Field() @MaxLength(200) adminPassword: string;
}

@ObjectType()
class TenantSettingsType {
  @Field(() => Int, { description: '限时办结: hours a superior has to answer a service request.' }) serviceRequestHours: number;
  @Field(() => Int, { description: '限时办结: hours to reply to a public opinion.' }) opinionHours: number;
  @Field({ description: 'Time zone in which dates are judged.' }) timezone: string;
  @Field(() => Int, { description: '群众评议: reviews accepted per day from one client address, whatever device ids it sends.' })
  publicReviewsPerAddressPerDay: number;
  @Field(() => Int, { description: '群众评议: reviews accepted per day through one link code, however many addresses send them.' })
  publicReviewsPerCodePerDay: number;
}

@InputType()
class UpdateTenantSettingsInput {
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(24 * 90) serviceRequestHours?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(24 * 90) opinionHours?: number;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(64) timezone?: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(10_000) publicReviewsPerAddressPerDay?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(100_000) publicReviewsPerCodePerDay?: number;
}

@Resolver(() => Tenant)
export class TenantResolver {
  @Query(() => TenantConnection, { description: 'All tenants (platform operators only).' })
  async tenants(@Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Tenant>> {
    return toConnection(await tenantService.list(ctx, pageSize(args), args.after));
  }

  @Mutation(() => Tenant, { description: 'Create a tenant with its root org and first admin (platform operators only).' })
  async createTenant(@Arg('input') input: CreateTenantInput, @Ctx() ctx: RequestContext): Promise<Tenant> {
    return tenantService.create(ctx, input);
  }

  @Query(() => TenantSettingsType, { description: 'The signed-in user’s tenant settings.' })
  async tenantSettings(@Ctx() ctx: RequestContext): Promise<TenantSettingsType> {
    requireUser(ctx);
    return tenantService.settings(ctx);
  }

  @Mutation(() => TenantSettingsType, {
    description: 'Tenant admins: time limits, time zone and the daily limits of public reviews; fields left out keep their value.',
  })
  async updateTenantSettings(@Arg('input') input: UpdateTenantSettingsInput, @Ctx() ctx: RequestContext): Promise<TenantSettingsType> {
    return tenantService.updateSettings(ctx, input);
  }

  @FieldResolver(() => ID)
  id(@Root() tenant: Tenant): string {
    return toGlobalId('Tenant', tenant.id);
  }
}

@Resolver(() => Viewer)
export class ViewerTenantResolver {
  @FieldResolver(() => Tenant, { nullable: true })
  async tenant(@Root() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<Tenant | null> {
    return viewer.tenantId ? tenantService.findById(ctx, viewer.tenantId) : null;
  }
}
