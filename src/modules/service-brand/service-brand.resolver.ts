import { ArrayMaxSize, IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { ServiceBrand, ServiceStandard, ServiceStandardAspect, serviceStandardAspectLabels } from './service-brand.entity';
import { StandardInput, serviceBrandService } from './service-brand.service';

export const ServiceBrandConnection = Connection(ServiceBrand);

@InputType({ description: '服务标准' })
class ServiceStandardInput {
  @Field({ description: '标题（1–200 字）' }) title: string;
  @Field({ description: '内容（1–20000 字）' }) content: string;
  @Field(() => ServiceStandardAspect, { description: '所属方面' }) aspect: ServiceStandardAspect;
  @Field(() => String, { nullable: true, description: '所属方面的文字说明（选“其他”时必填，最多 100 字）' }) aspectText?: string | null;
  @Field(() => Int, { nullable: true, description: '排序值：按此由小到大排列；不填的按列表中的位置' }) order?: number | null;
}

@InputType({ description: '创建服务品牌' })
class CreateServiceBrandInput {
  @Field(() => ID, { description: '品牌所属的党组织' }) orgId: string;
  @Field({ description: '品牌名称（1–100 字，同一组织内不重复）' }) @MinLength(1) @MaxLength(100) name: string;
  @Field({ defaultValue: '', description: '品牌口号（最多 200 字）' }) @MaxLength(200) slogan: string;
  @Field({ defaultValue: '', description: '品牌介绍（最多 20000 字）' }) @MaxLength(20000) description: string;
  @Field(() => [ServiceStandardInput], { defaultValue: [], description: '服务标准（最多 100 条）' })
  @ArrayMaxSize(100)
  standards: ServiceStandardInput[];
}

@InputType({ description: '修改服务品牌：不填的项保持不变' })
class UpdateServiceBrandInput {
  @Field(() => ID, { description: '服务品牌' }) id: string;
  @Field(() => String, { nullable: true, description: '新的品牌名称' }) @IsOptional() @MinLength(1) @MaxLength(100) name?: string | null;
  @Field(() => String, { nullable: true, description: '新的品牌口号' }) @IsOptional() @MaxLength(200) slogan?: string | null;
  @Field(() => String, { nullable: true, description: '新的品牌介绍' }) @IsOptional() @MaxLength(20000) description?: string | null;
  @Field(() => [ServiceStandardInput], { nullable: true, description: '新的全部服务标准（替换原有标准）' })
  @IsOptional()
  @ArrayMaxSize(100)
  standards?: ServiceStandardInput[] | null;
}

@InputType({ description: '指定一个服务品牌' })
class ServiceBrandRefInput {
  @Field(() => ID, { description: '服务品牌' }) id: string;
}

@ArgsType()
class ServiceBrandsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的品牌；不填为您的全部权限范围' }) under?: string;
}

@ArgsType()
class BrandsArgs extends PageArgs {
  @Field(() => ID, { description: '党组织（须在您的权限范围内）' }) orgId: string;
}

const standardsOf = (list: ServiceStandardInput[]): StandardInput[] =>
  list.map((s) => ({ title: s.title, content: s.content, aspect: s.aspect, aspectText: s.aspectText ?? null, order: s.order ?? null }));
const brandId = (id: string) => idOf('ServiceBrand', id, 'Service brand');

@Resolver(() => ServiceBrand)
export class ServiceBrandResolver {
  @Query(() => ServiceBrand, { description: '一个服务品牌（其组织须在您的权限范围内）' })
  async serviceBrand(@Arg('id', () => ID, { description: '服务品牌编号' }) id: string, @Ctx() ctx: RequestContext): Promise<ServiceBrand> {
    return serviceBrandService.getOrThrow(ctx, brandId(id));
  }

  @Query(() => ServiceBrandConnection, { description: '服务品牌列表：子树内组织的品牌，按组织树的顺序、再按名称排列' })
  async serviceBrands(@Args() args: ServiceBrandsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ServiceBrand>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(await serviceBrandService.list(ctx, { under }, pageSize(args), args.after));
  }

  @Query(() => ServiceBrandConnection, { description: '一个党组织自己的服务品牌，按名称排列' })
  async brands(@Args() args: BrandsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ServiceBrand>> {
    const org = await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId));
    return toConnection(await serviceBrandService.list(ctx, { under: org, orgId: org.id }, pageSize(args), args.after));
  }

  @Mutation(() => ServiceBrand, { description: '创建服务品牌及其服务标准（组织书记或其上级负责人）' })
  async createServiceBrand(
    @Arg('input', { description: '品牌内容' }) input: CreateServiceBrandInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceBrand> {
    return serviceBrandService.create(ctx, { ...input, orgId: idOf('Org', input.orgId), standards: standardsOf(input.standards) });
  }

  @Mutation(() => ServiceBrand, { description: '修改服务品牌的名称、口号、介绍或服务标准（组织书记或其上级负责人）' })
  async updateServiceBrand(
    @Arg('input', { description: '修改内容' }) input: UpdateServiceBrandInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceBrand> {
    return serviceBrandService.update(ctx, brandId(input.id), {
      name: input.name,
      slogan: input.slogan,
      description: input.description,
      standards: input.standards ? standardsOf(input.standards) : null,
    });
  }

  @Mutation(() => Boolean, { description: '删除服务品牌及其服务标准（组织书记或其上级负责人）；成功为 true' })
  async deleteServiceBrand(
    @Arg('input', { description: '要删除的品牌' }) input: ServiceBrandRefInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return serviceBrandService.delete(ctx, brandId(input.id));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() b: ServiceBrand): string {
    return toGlobalId('ServiceBrand', b.id);
  }

  @FieldResolver(() => Org, { description: '品牌所属的党组织' })
  async org(@Root() b: ServiceBrand, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, b.orgId);
  }

  @FieldResolver(() => [ServiceStandard], { description: '服务标准，按序号（至多 100 条）' })
  async standards(@Root() b: ServiceBrand, @Ctx() ctx: RequestContext): Promise<ServiceStandard[]> {
    return serviceBrandService.standards(ctx, b);
  }
}

@Resolver(() => ServiceStandard)
export class ServiceStandardResolver {
  @FieldResolver(() => String, { description: '所属方面的中文名；选“其他”时为其文字说明' })
  aspectLabel(@Root() s: ServiceStandard): string {
    return s.aspect === ServiceStandardAspect.OTHER && s.aspectText ? s.aspectText : serviceStandardAspectLabels[s.aspect];
  }
}
