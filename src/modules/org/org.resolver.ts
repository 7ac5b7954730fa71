import { IsEnum, MaxLength, MinLength } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Info,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { GraphQLResolveInfo } from 'graphql';
import { RequestContext } from '../../graphql/context';
import { DateScalar } from '../../graphql/scalars';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org, OrgCategory, OrgKind, orgCategoryLabels, orgKindLabels } from './org.entity';
import { orgService } from './org.service';

export const OrgConnection = Connection(Org);

@ObjectType({ description: '组织数量：子树内（含本组织）按类型统计的未撤销党组织数' })
class OrgCounts {
  @Field(() => Int, { description: '合计' }) total: number;
  @Field(() => Int, { description: '党委数' }) committees: number;
  @Field(() => Int, { description: '党总支数' }) generalBranches: number;
  @Field(() => Int, { description: '党支部数' }) branches: number;
}

@ArgsType()
class OrgFilterArgs extends PageArgs {
  @Field(() => OrgKind, { nullable: true, description: '只列此类型（党委/党总支/党支部）' }) kind?: OrgKind;
  @Field(() => OrgCategory, { nullable: true, description: '只列此单位类别（机关/事业/企业）' }) category?: OrgCategory;
  @Field(() => String, { nullable: true, description: '名称包含的文字（不区分大小写，最多 100 字）' })
  @MaxLength(100)
  search?: string;
  @Field({ defaultValue: false, description: '是否包括已撤销的组织' }) includeArchived: boolean;
}

@ArgsType()
class OrgChildrenArgs extends PageArgs {
  @Field({ defaultValue: false, description: '是否包括已撤销的组织' }) includeArchived: boolean;
}

@ArgsType()
class OrgsArgs extends OrgFilterArgs {
  @Field(() => ID, { nullable: true, description: '子树的根组织；不填则为您的全部权限范围' })
  under?: string;
}

@InputType({ description: '新建党组织' })
class CreateOrgInput {
  @Field(() => ID, { description: '上级党组织' }) parentId: string;
  @Field({ description: '组织名称：去掉首尾空白后不能为空，同一上级下未撤销的组织不能重名' })
  @MinLength(1)
  @MaxLength(200)
  name: string;
  @Field(() => OrgKind, { description: '组织类型：党委下可设党委、党总支、党支部；党总支下只设党支部；党支部下不设组织' })
  @IsEnum(OrgKind)
  kind: OrgKind;
  @Field(() => OrgCategory, { description: '单位类别' }) @IsEnum(OrgCategory) category: OrgCategory;
  @Field(() => DateScalar, {
    nullable: true,
    description: '成立日期（默认今天，按本单位时区）；补录已有组织时填写实际成立日期。成立前已到期的节点不要求其提交。',
  })
  establishedOn?: Date | null;
}

@InputType({ description: '党组织改名' })
class RenameOrgInput {
  @Field(() => ID, { description: '要改名的党组织' }) id: string;
  @Field({ description: '新名称（规则同创建）' }) @MinLength(1) @MaxLength(200) name: string;
}

@InputType({ description: '调整隶属关系' })
class MoveOrgInput {
  @Field(() => ID, { description: '要移动的党组织（连同其全部下级）' }) id: string;
  @Field(() => ID, { description: '新的上级党组织' }) newParentId: string;
}

@InputType({ description: '撤销党组织' })
class ArchiveOrgInput {
  @Field(() => ID, { description: '要撤销的党组织（须已无未撤销的下级）' }) id: string;
}

@InputType({ description: '恢复党组织' })
class RestoreOrgInput {
  @Field(() => ID, { description: '要恢复的已撤销党组织' }) id: string;
}

const orgId = (globalId: string) => idOf('Org', globalId);

@Resolver(() => Org)
export class OrgResolver {
  @Query(() => Org, { description: '一个党组织（须在您的权限范围内或为其上级，否则 NOT_FOUND）' })
  async org(@Arg('id', () => ID, { description: '党组织编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, orgId(id));
  }

  @Query(() => OrgConnection, { description: '党组织列表：子树内按树的顺序排列，限于您的权限范围' })
  async orgs(@Args() args: OrgsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): Promise<ConnectionShape<Org>> {
    const under = args.under ? await orgService.getOrThrow(ctx, orgId(args.under)) : null;
    return toConnection(await orgService.list(ctx, under, args, pageSize(args), args.after, orgService.pageJoinsAsked(info)));
  }

  @Mutation(() => Org, { description: '新建党组织（管理员，在其管理范围内）' })
  async createOrg(@Arg('input', { description: '新组织' }) input: CreateOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.create(ctx, {
      ...input,
      parentId: orgId(input.parentId),
      establishedOn: input.establishedOn ? input.establishedOn.toISOString().slice(0, 10) : null,
    });
  }

  @Mutation(() => Org, { description: '党组织改名（须是其上级组织的管理员；根党组织由根组织的管理员改名）' })
  async renameOrg(@Arg('input', { description: '改名' }) input: RenameOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.rename(ctx, orgId(input.id), input.name);
  }

  @Mutation(() => Org, {
    description: '调整隶属关系：把党组织连同全部下级移到新的上级之下（一次完成，不能移到自己的下级之下；须是原上级和新上级的管理员）',
  })
  async moveOrg(@Arg('input', { description: '移动' }) input: MoveOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.move(ctx, orgId(input.id), orgId(input.newParentId));
  }

  @Mutation(() => Org, { description: '撤销党组织（须是其上级组织的管理员，且已无未撤销的下级组织）；其记录保留' })
  async archiveOrg(@Arg('input', { description: '撤销' }) input: ArchiveOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.archive(ctx, orgId(input.id));
  }

  @Mutation(() => Org, {
    description: '恢复已撤销的党组织（须是其上级组织的管理员；仅本组织，下级逐个恢复）：上级须未撤销，名称在同级中仍不重复',
  })
  async restoreOrg(@Arg('input', { description: '恢复' }) input: RestoreOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.restore(ctx, orgId(input.id));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() org: Org): string {
    return toGlobalId('Org', org.id);
  }

  @FieldResolver(() => String, { description: '组织类型的中文名（党委/党总支/党支部）' })
  kindLabel(@Root() org: Org): string {
    return orgKindLabels[org.kind];
  }

  @FieldResolver(() => String, { description: '单位类别的中文名（机关/事业/企业）' })
  categoryLabel(@Root() org: Org): string {
    return orgCategoryLabels[org.category];
  }

  @FieldResolver(() => Org, { nullable: true, description: '上级党组织（根组织为空）' })
  async parent(@Root() org: Org, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.parent(ctx, org);
  }

  @FieldResolver(() => OrgConnection, { description: '直属下级组织（树的一层，在您的权限范围内），按树的顺序分页' })
  async children(@Root() org: Org, @Args() args: OrgChildrenArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Org>> {
    return toConnection(
      await orgService.children(ctx, org, { first: pageSize(args), after: args.after, includeArchived: args.includeArchived }),
    );
  }

  @FieldResolver(() => [Org], { description: '各级上级组织：从根组织到直接上级（长度即层级，有上限）' })
  async ancestors(@Root() org: Org, @Ctx() ctx: RequestContext): Promise<Org[]> {
    return orgService.ancestors(ctx, org);
  }

  @FieldResolver(() => OrgConnection, { description: '全部下级组织（在您的权限范围内），按树的顺序分页' })
  async descendants(@Root() org: Org, @Args() args: OrgFilterArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Org>> {
    return toConnection(await orgService.list(ctx, org, { ...args, excludeRoot: true }, pageSize(args), args.after));
  }

  @FieldResolver(() => OrgCounts, { description: '子树内按类型统计的组织数' })
  async counts(@Root() org: Org, @Ctx() ctx: RequestContext): Promise<OrgCounts> {
    return orgService.counts(ctx, org);
  }
}
