import { ArrayMaxSize, IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { ServiceBrand, ServiceStandard, ServiceStandardAspect, serviceStandardAspectLabels } from './service-brand.entity';
import { StandardInput, serviceBrandService } from './service-brand.service';

export const ServiceBrandConnection = Connection(ServiceBrand);

@InputType()
class ServiceStandardInput {
  @Field() title: string;
  @Field() content: string;
  @Field(() => ServiceStandardAspect) aspect: ServiceStandardAspect;
  @Field(() => String, { nullable: true, description: 'The aspect in words (required for OTHER).' }) aspectText?: string | null;
  @Field(() => Int, { nullable: true, description: 'Sort key; standards without one keep their place in the list.' }) order?: number | null;
}

@InputType()
class CreateServiceBrandInput {
  @Field(() => ID) orgId: string;
  @Field() @MinLength(1) @MaxLength(100) name: string;
  @Field({ defaultValue: '' }) @MaxLength(200) slogan: string;
  @Field({ defaultValue: '' }) @MaxLength(20000) description: string;
  @Field(() => [ServiceStandardInput], { defaultValue: [] }) @ArrayMaxSize(100) standards: ServiceStandardInput[];
}

@InputType()
class UpdateServiceBrandInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MinLength(1) @MaxLength(100) name?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(200) slogan?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(20000) description?: string | null;
  @Field(() => [ServiceStandardInput], { nullable: true, description: 'Replaces all standards.' })
  @IsOptional()
  @ArrayMaxSize(100)
  standards?: ServiceStandardInput[] | null;
}

@InputType()
class ServiceBrandRefInput {
  @Field(() => ID) id: string;
}

@ArgsType()
class ServiceBrandsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Orgs in this subtree.' }) under?: string;
}

const standardsOf = (list: ServiceStandardInput[]): StandardInput[] =>
  list.map((s) => ({ title: s.title, content: s.content, aspect: s.aspect, aspectText: s.aspectText ?? null, order: s.order ?? null }));
const brandId = (id: string) => idOf('ServiceBrand', id, 'Service brand');

@Resolver(() => ServiceBrand)
export class ServiceBrandResolver {
  @Query(() => ServiceBrand)
  async serviceBrand(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ServiceBrand> {
    return serviceBrandService.getOrThrow(ctx, brandId(id));
  }

  @Query(() => ServiceBrandConnection, { description: 'Service brands of the orgs in a subtree, in tree order.' })
  async serviceBrands(@Args() args: ServiceBrandsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ServiceBrand>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(await serviceBrandService.list(ctx, under, pageSize(args), args.after));
  }

  @Query(() => [ServiceBrand], { description: 'One org’s own service brands.' })
  async brands(@Arg('orgId', () => ID) orgId: string, @Ctx() ctx: RequestContext): Promise<ServiceBrand[]> {
    return serviceBrandService.ofOrg(ctx, await orgService.getInScopeOrThrow(ctx, idOf('Org', orgId)));
  }

  @Mutation(() => ServiceBrand, { description: 'The org’s secretary or an officer over it creates a service brand with its standards.' })
  async createServiceBrand(@Arg('input') input: CreateServiceBrandInput, @Ctx() ctx: RequestContext): Promise<ServiceBrand> {
    return serviceBrandService.create(ctx, { ...input, orgId: idOf('Org', input.orgId), standards: standardsOf(input.standards) });
  }

  @Mutation(() => ServiceBrand)
  async updateServiceBrand(@Arg('input') input: UpdateServiceBrandInput, @Ctx() ctx: RequestContext): Promise<ServiceBrand> {
    return serviceBrandService.update(ctx, brandId(input.id), {
      name: input.name,
      slogan: input.slogan,
      description: input.description,
      standards: input.standards ? standardsOf(input.standards) : null,
    });
  }

  @Mutation(() => Boolean)
  async deleteServiceBrand(@Arg('input') input: ServiceBrandRefInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return serviceBrandService.delete(ctx, brandId(input.id));
  }

  @FieldResolver(() => ID)
  id(@Root() b: ServiceBrand): string {
    return toGlobalId('ServiceBrand', b.id);
  }

  @FieldResolver(() => Org)
  async org(@Root() b: ServiceBrand, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, b.orgId))!;
  }

  @FieldResolver(() => [ServiceStandard])
  async standards(@Root() b: ServiceBrand, @Ctx() ctx: RequestContext): Promise<ServiceStandard[]> {
    return serviceBrandService.standards(ctx, b);
  }
}

@Resolver(() => ServiceStandard)
export class ServiceStandardResolver {
  @FieldResolver(() => String, { description: 'The aspect’s label, or its words when OTHER.' })
  aspectLabel(@Root() s: ServiceStandard): string {
    return s.aspect === ServiceStandardAspect.OTHER && s.aspectText ? s.aspectText : serviceStandardAspectLabels[s.aspect];
  }
}
