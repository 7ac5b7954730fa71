import { Viewer } from '../../auth/auth.resolver';
import { IsOptional, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, requireUser } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Tenant } from './tenant.entity';
import { tenantService } from './tenant.service';

export const TenantConnection = Connection(Tenant);

@InputType({ description: '开通单位：单位、根党组织和首个管理员' })
class CreateTenantInput {
  @Field({ description: '单位简称：2 至 40 个小写字母、数字或 -，以字母开头；登录时填写' })
  @Matches(/^[a-z][a-z0-9-]{1,39}$/)
  slug: string;
  @Field({ description: '单位名称' }) @MinLength(1) @MaxLength(200) name: string;
  @Field({ description: '根党组织的名称（如局党委）' }) @MinLength(1) @MaxLength(200) rootOrgName: string;
  @Field({ description: '首个管理员的用户名：2 至 64 个字母、数字或 ._-' }) @Matches(/^[A-Za-z0-9_.-]{2,64}$/) adminUsername: string;
  @Field({ description: '首个管理员的姓名' }) @MinLength(1) @MaxLength(100) adminDisplayName: string;
  @Field({
    description:
      '首个管理员的初始密码：8 至 200 个字符，须符合默认密码策略（大写字母、小写字母、数字、符号中的至少 3 类，不含用户名）；首次登录时须修改',
  })
  @MaxLength(200)
  adminPassword: string;
}

@ObjectType({ description: '本单位设置：办理时限、判断日期的时区和群众评议的每日上限' })
class TenantSettingsType {
  @Field(() => Int, { description: '限时办结：上级答复下级服务请求的时限（小时）' }) serviceRequestHours: number;
  @Field(() => Int, { description: '限时办结：答复群众意见的时限（小时）' }) opinionHours: number;
  @Field({ description: '时区：判断日期（期限、逾期、今天）所依据的时区，如 Asia/Shanghai' }) timezone: string;
  @Field(() => Int, { description: '群众评议：每个网络地址每天最多受理的评价数（不论设备编号）' })
  publicReviewsPerAddressPerDay: number;
  @Field(() => Int, { description: '群众评议：每个评议码每天最多受理的评价数（不论来自多少地址）' })
  publicReviewsPerCodePerDay: number;
  @Field({ description: '公文的发文机关名称（发文机关标志和署名，如“中共市交通运输局委员会”）；为空时用根组织的名称' })
  documentIssuer: string;
  @Field({ description: '公文的发文机关代字（发文字号中的代字，如“交党”〔2013〕5号中的“交党”）' }) documentCode: string;
}

@InputType({ description: '修改本单位设置：不填的项保持原值' })
class UpdateTenantSettingsInput {
  @Field(() => Int, { nullable: true, description: '服务请求的办结时限（小时，1 至 2160）' })
  @IsOptional()
  @Min(1)
  @Max(24 * 90)
  serviceRequestHours?: number;
  @Field(() => Int, { nullable: true, description: '群众意见的办结时限（小时，1 至 2160）' })
  @IsOptional()
  @Min(1)
  @Max(24 * 90)
  opinionHours?: number;
  @Field(() => String, { nullable: true, description: '时区（IANA 名称，如 Asia/Shanghai）' })
  @IsOptional()
  @MaxLength(64)
  timezone?: string;
  @Field(() => Int, { nullable: true, description: '每个网络地址每天最多受理的群众评价数（1 至 10000）' })
  @IsOptional()
  @Min(1)
  @Max(10_000)
  publicReviewsPerAddressPerDay?: number;
  @Field(() => Int, { nullable: true, description: '每个评议码每天最多受理的群众评价数（1 至 100000）' })
  @IsOptional()
  @Min(1)
  @Max(100_000)
  publicReviewsPerCodePerDay?: number;
  @Field(() => String, { nullable: true, description: '公文的发文机关名称（最多 40 字；空字符串表示用根组织的名称）' })
  @IsOptional()
  @MaxLength(40)
  documentIssuer?: string;
  @Field(() => String, { nullable: true, description: '公文的发文机关代字（最多 10 字，如“交党”）' })
  @IsOptional()
  @MaxLength(10)
  @Matches(/^[^\s〔〕[\]]*$/u)
  documentCode?: string;
}

@Resolver(() => Tenant)
export class TenantResolver {
  @Query(() => TenantConnection, { description: '全部单位，按简称排序（仅平台运维人员）' })
  async tenants(@Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Tenant>> {
    return toConnection(await tenantService.list(ctx, pageSize(args), args.after));
  }

  @Mutation(() => Tenant, { description: '开通单位：同时建立根党组织和首个管理员（仅平台运维人员）' })
  async createTenant(
    @Arg('input', { description: '开通单位的内容' }) input: CreateTenantInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Tenant> {
    return tenantService.create(ctx, input);
  }

  @Query(() => TenantSettingsType, { description: '本单位的设置' })
  async tenantSettings(@Ctx() ctx: RequestContext): Promise<TenantSettingsType> {
    requireUser(ctx);
    return tenantService.settings(ctx);
  }

  @Mutation(() => TenantSettingsType, {
    description: '修改本单位设置（根组织的管理员）：办理时限、时区、群众评议的每日上限和公文的发文机关；不填的项保持原值',
  })
  async updateTenantSettings(
    @Arg('input', { description: '要修改的设置' }) input: UpdateTenantSettingsInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TenantSettingsType> {
    return tenantService.updateSettings(ctx, input);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() tenant: Tenant): string {
    return toGlobalId('Tenant', tenant.id);
  }
}

@Resolver(() => Viewer)
export class ViewerTenantResolver {
  @FieldResolver(() => Tenant, { nullable: true, description: '当前用户所在的单位（平台运维人员为空）' })
  async tenant(@Root() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<Tenant | null> {
    return viewer.tenantId ? tenantService.findById(ctx, viewer.tenantId) : null;
  }
}
