import { ArrayMaxSize } from 'class-validator';
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
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { FrameworkVersion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { HandedDownFramework, LinkedTenant, TenantLink, frameworkAdoptionLabels } from './federation.entity';
import { federationFrameworkService } from './federation-framework.service';
import { federationService } from './federation.service';

export const HandedDownFrameworkConnection = Connection(HandedDownFramework);

@ObjectType({ description: '本单位版本与上级下发框架的一处出入（删减、移动、改写、降低要求、降低达标线）' })
class FrameworkBreach {
  @Field({ description: '出入的位置，如 criteria[W1].children[W1.2].title' }) path: string;
  @Field({ description: '出入的类型（ErrorReason 的值）' }) reason: string;
  @Field({ description: '说明' }) message: string;
}

@InputType({ description: '下发考评框架：本单位已发布的一个版本，发给有效关系中的下级单位' })
class HandDownFrameworkInput {
  @Field(() => ID, { description: '本单位已发布的框架版本' }) versionId: string;
  @Field(() => [ID], { nullable: true, description: '只发给这些上下级关系的下级单位（至多 100 个）；不填为全部' })
  @ArrayMaxSize(100)
  linkIds?: string[];
}

@InputType({ description: '采用上级下发的框架' })
class AdoptHandedDownFrameworkInput {
  @Field(() => ID, { description: '下发的框架' }) handedDownId: string;
  @Field({ description: 'false 原样采用（导入并立即发布）；true 作为本单位版本的基础（导入为草稿，可增加指标、提高标准）' })
  asBase: boolean;
}

@InputType({ description: '发布在上级框架基础上制定的本单位版本' })
class PublishAdoptedFrameworkInput {
  @Field(() => ID, { description: '作为基础采用的下发框架' }) handedDownId: string;
}

@ArgsType()
class FrameworkBreachesArgs {
  @Field(() => ID, { description: '下发的框架' }) handedDownId: string;
  @Field(() => ID, { nullable: true, description: '本单位的框架版本；不填为采用时生成的版本' }) versionId?: string;
}

@Resolver(() => HandedDownFramework)
export class HandedDownFrameworkResolver {
  @Query(() => HandedDownFrameworkConnection, { description: '上级单位下发给本单位的考评框架（根组织的管理员），新的在前' })
  async handedDownFrameworks(@Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<HandedDownFramework>> {
    return toConnection(await federationFrameworkService.list(ctx, pageSize(args), args.after));
  }

  @Query(() => [FrameworkBreach], {
    description: '本单位版本与上级下发框架的出入（根组织的管理员）：每处删减、移动、改写或降低要求及其位置；为空表示符合',
  })
  async handedDownFrameworkBreaches(@Args() args: FrameworkBreachesArgs, @Ctx() ctx: RequestContext): Promise<FrameworkBreach[]> {
    const problems = await federationFrameworkService.breaches(ctx, args.handedDownId, args.versionId);
    return problems.map((p) => ({ path: p.path, reason: p.reason ?? '', message: p.message }));
  }

  @Mutation(() => Int, { description: '下发考评框架（上级单位根组织的管理员）：发给有效关系中的下级单位；回答收到的单位数' })
  async handDownFramework(
    @Arg('input', { description: '下发的版本和对象' }) input: HandDownFrameworkInput,
    @Ctx() ctx: RequestContext,
  ): Promise<number> {
    return federationFrameworkService.handDown(ctx, input);
  }

  @Mutation(() => HandedDownFramework, {
    description: '采用上级下发的考评框架（根组织的管理员）：原样采用或作为本单位版本的基础；每份只采用一次',
  })
  async adoptHandedDownFramework(
    @Arg('input', { description: '采用的框架和方式' }) input: AdoptHandedDownFrameworkInput,
    @Ctx() ctx: RequestContext,
  ): Promise<HandedDownFramework> {
    return federationFrameworkService.adopt(ctx, input);
  }

  @Mutation(() => FrameworkVersion, {
    description: '发布在上级框架基础上制定的本单位版本（根组织的管理员）：有任何删减、改写或降低上级条目之处即拒绝，逐处列出位置',
  })
  async publishAdoptedFramework(
    @Arg('input', { description: '作为基础采用的下发框架' }) input: PublishAdoptedFrameworkInput,
    @Ctx() ctx: RequestContext,
  ): Promise<FrameworkVersion> {
    return federationFrameworkService.publishAdopted(ctx, input.handedDownId);
  }

  @FieldResolver(() => ID, { description: '编号' })
  id(@Root() row: HandedDownFramework): string {
    return toGlobalId('HandedDownFramework', row.id);
  }

  @FieldResolver(() => String, { nullable: true, description: '采用方式的中文名' })
  adoptedAsLabel(@Root() row: HandedDownFramework): string | null {
    return row.adoptedAs ? frameworkAdoptionLabels[row.adoptedAs] : null;
  }

  @FieldResolver(() => FrameworkVersion, { nullable: true, description: '采用后本单位的框架版本' })
  async adoptedVersion(@Root() row: HandedDownFramework, @Ctx() ctx: RequestContext): Promise<FrameworkVersion | null> {
    return row.adoptedVersionId ? frameworkService.findVersion(ctx, row.adoptedVersionId) : null;
  }

  @FieldResolver(() => LinkedTenant, { nullable: true, description: '下发的上级单位' })
  async from(@Root() row: HandedDownFramework, @Ctx() ctx: RequestContext): Promise<LinkedTenant | null> {
    const link = await federationService.find(ctx, row.linkId);
    return link ? federationService.peer(ctx, link as TenantLink) : null;
  }
}
