import { IsEnum, MaxLength, MinLength } from 'class-validator';
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
import { DateScalar } from '../../graphql/scalars';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org, OrgCategory, OrgKind, orgCategoryLabels, orgKindLabels } from './org.entity';
import { orgService } from './org.service';

export const OrgConnection = Connection(Org);

@ObjectType({ description: 'Org counts by kind over a subtree (the org itself included).' })
class OrgCounts {
  @Field(() => Int) total: number;
  @Field(() => Int, { description: '党委' }) committees: number;
  @Field(() => Int, { description: '党总支' }) generalBranches: number;
  @Field(() => Int, { description: '党支部' }) branches: number;
}

@ArgsType()
class OrgFilterArgs extends PageArgs {
  @Field(() => OrgKind, { nullable: true }) kind?: OrgKind;
  @Field(() => OrgCategory, { nullable: true }) category?: OrgCategory;
  @Field(() => String, { nullable: true, description: 'Substring of the name, case-insensitive.' })
  @MaxLength(100)
  search?: string;
  @Field({ defaultValue: false }) includeArchived: boolean;
}

@ArgsType()
class OrgsArgs extends OrgFilterArgs {
  @Field(() => ID, { nullable: true, description: 'Subtree root; defaults to the viewer’s whole scope.' })
  under?: string;
}

@InputType()
class CreateOrgInput {
  @Field(() => ID) parentId: string;
  @Field({ description: 'Trimmed; never blank; unique among the live orgs under the same parent.' })
  @MinLength(1)
  @MaxLength(200)
  name: string;
  @Field(() => OrgKind) @IsEnum(OrgKind) kind: OrgKind;
  @Field(() => OrgCategory) @IsEnum(OrgCategory) category: OrgCategory;
  @Field(() => DateScalar, {
    nullable: true,
    description: '成立日期 (default today, in the tenant’s time zone); an org entered late as existing structure gives its real date.',
  })
  establishedOn?: Date | null;
}

@InputType()
class RenameOrgInput {
  @Field(() => ID) id: string;
  @Field() @MinLength(1) @MaxLength(200) name: string;
}

@InputType()
class MoveOrgInput {
  @Field(() => ID) id: string;
  @Field(() => ID) newParentId: string;
}

@InputType()
class ArchiveOrgInput {
  @Field(() => ID) id: string;
}

@InputType()
class RestoreOrgInput {
  @Field(() => ID) id: string;
}

const orgId = (globalId: string) => idOf('Org', globalId);

@Resolver(() => Org)
export class OrgResolver {
  @Query(() => Org, { description: 'One org the viewer may see; NOT_FOUND otherwise.' })
  async org(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, orgId(id));
  }

  @Query(() => OrgConnection, { description: 'Orgs in a subtree, in tree order, limited to the viewer’s scope.' })
  async orgs(@Args() args: OrgsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Org>> {
    const under = args.under ? await orgService.getOrThrow(ctx, orgId(args.under)) : null;
    return toConnection(await orgService.list(ctx, under, args, pageSize(args), args.after));
  }

  @Mutation(() => Org)
  async createOrg(@Arg('input') input: CreateOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.create(ctx, {
      ...input,
      parentId: orgId(input.parentId),
      establishedOn: input.establishedOn ? input.establishedOn.toISOString().slice(0, 10) : null,
    });
  }

  @Mutation(() => Org)
  async renameOrg(@Arg('input') input: RenameOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.rename(ctx, orgId(input.id), input.name);
  }

  @Mutation(() => Org, { description: 'Move an org with its whole subtree under a new parent (one transaction, no cycles).' })
  async moveOrg(@Arg('input') input: MoveOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.move(ctx, orgId(input.id), orgId(input.newParentId));
  }

  @Mutation(() => Org, { description: 'Archive an org that has no active sub-organizations.' })
  async archiveOrg(@Arg('input') input: ArchiveOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.archive(ctx, orgId(input.id));
  }

  @Mutation(() => Org, {
    description: 'Restore an archived org (the org alone): its parent must be live and its name still free among the live siblings.',
  })
  async restoreOrg(@Arg('input') input: RestoreOrgInput, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.restore(ctx, orgId(input.id));
  }

  @FieldResolver(() => ID)
  id(@Root() org: Org): string {
    return toGlobalId('Org', org.id);
  }

  @FieldResolver(() => String, { description: 'Chinese label of the kind (党委/党总支/党支部).' })
  kindLabel(@Root() org: Org): string {
    return orgKindLabels[org.kind];
  }

  @FieldResolver(() => String, { description: 'Chinese label of the category (机关/事业/企业).' })
  categoryLabel(@Root() org: Org): string {
    return orgCategoryLabels[org.category];
  }

  @FieldResolver(() => Org, { nullable: true })
  async parent(@Root() org: Org, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.parent(ctx, org);
  }

  @FieldResolver(() => [Org], { description: 'Direct sub-organizations the viewer may see.' })
  async children(
    @Root() org: Org,
    @Ctx() ctx: RequestContext,
    @Arg('includeArchived', { defaultValue: false }) includeArchived: boolean,
  ): Promise<Org[]> {
    return orgService.children(ctx, org, includeArchived);
  }

  @FieldResolver(() => [Org], { description: 'From the root down to the parent.' })
  async ancestors(@Root() org: Org, @Ctx() ctx: RequestContext): Promise<Org[]> {
    return orgService.ancestors(ctx, org);
  }

  @FieldResolver(() => OrgConnection, { description: 'Every org below this one (within the viewer’s scope), in tree order.' })
  async descendants(@Root() org: Org, @Args() args: OrgFilterArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Org>> {
    return toConnection(await orgService.list(ctx, org, { ...args, excludeRoot: true }, pageSize(args), args.after));
  }

  @FieldResolver(() => OrgCounts)
  async counts(@Root() org: Org, @Ctx() ctx: RequestContext): Promise<OrgCounts> {
    return orgService.counts(ctx, org);
  }
}
