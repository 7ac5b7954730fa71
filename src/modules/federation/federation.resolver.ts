import { MaxLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { LinkedTenant, TenantLink, TenantLinkState, tenantLinkSideLabels, tenantLinkStateLabels } from './federation.entity';
import { PlatformLinkRow, federationService } from './federation.service';

export const TenantLinkConnection = Connection(TenantLink);

/** A link as the platform operator sees it. */
@ObjectType({ description: '平台上的上下级单位关系（平台运维人员所见：双方和状态，不含任何单位的数据）' })
export class PlatformTenantLink {
  @Field(() => ID, { description: '关系编号' }) id: string;
  @Field(() => LinkedTenant, { description: '上级单位' }) superior: LinkedTenant;
  @Field(() => LinkedTenant, { description: '下级单位' }) subordinate: LinkedTenant;
  @Field(() => TenantLinkState, { description: '状态' }) state: TenantLinkState;
  @Field(() => DateTimeScalar, { description: '邀请时间' }) invitedAt: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: '接受或谢绝的时间' }) respondedAt: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '解除的时间' }) endedAt: Date | null;
}
export const PlatformTenantLinkConnection = Connection(PlatformTenantLink);

@ArgsType()
class TenantLinksArgs extends PageArgs {
  @Field(() => TenantLinkState, { nullable: true, description: '只列此状态的关系' }) state?: TenantLinkState;
}

@InputType({ description: '邀请下级单位：按单位简称邀请，对方根组织的管理员接受后生效' })
class InviteSubordinateTenantInput {
  @Field({ description: '被邀请单位的简称（如 jtj）' })
  @MaxLength(40)
  slug: string;
}

@InputType({ description: '指明一个上下级关系' })
class TenantLinkInput {
  @Field(() => ID, { description: '上下级关系的编号' }) linkId: string;
}

@Resolver(() => TenantLink)
export class TenantLinkResolver {
  @Query(() => TenantLinkConnection, {
    description: '本单位的上下级单位关系（根组织的管理员）：本单位邀请的下级单位和邀请本单位的上级单位，新的在前',
  })
  async tenantLinks(@Args() args: TenantLinksArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<TenantLink>> {
    return toConnection(await federationService.links(ctx, pageSize(args), args.after, args.state));
  }

  @Query(() => PlatformTenantLinkConnection, { description: '平台上全部上下级单位关系（仅平台运维人员；只有双方和状态）' })
  async platformTenantLinks(@Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PlatformTenantLink>> {
    const page = await federationService.platformLinks(ctx, pageSize(args), args.after);
    return toConnection({
      ...page,
      nodes: page.nodes.map((n: PlatformLinkRow) => ({ ...n, id: toGlobalId('TenantLink', n.id) })),
      cursorOf: (n) => page.cursorOf({ ...n, id: idOf('TenantLink', n.id) }),
    });
  }

  @Mutation(() => TenantLink, {
    description: '邀请下级单位（根组织的管理员）：对方接受后成为本单位的下级单位；与同一单位同时只能有一个待答复或有效的关系',
  })
  async inviteSubordinateTenant(
    @Arg('input', { description: '被邀请的单位' }) input: InviteSubordinateTenantInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TenantLink> {
    return federationService.invite(ctx, input.slug);
  }

  @Mutation(() => TenantLink, { description: '接受上级单位的邀请（被邀请单位根组织的管理员）' })
  async acceptTenantLink(
    @Arg('input', { description: '要接受的邀请' }) input: TenantLinkInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TenantLink> {
    return federationService.respond(ctx, input.linkId, true);
  }

  @Mutation(() => TenantLink, { description: '谢绝上级单位的邀请（被邀请单位根组织的管理员）' })
  async declineTenantLink(
    @Arg('input', { description: '要谢绝的邀请' }) input: TenantLinkInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TenantLink> {
    return federationService.respond(ctx, input.linkId, false);
  }

  @Mutation(() => TenantLink, { description: '解除上下级关系或撤回邀请（任一方根组织的管理员）；下级单位的报送授权随之失效' })
  async endTenantLink(
    @Arg('input', { description: '要解除的关系' }) input: TenantLinkInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TenantLink> {
    return federationService.end(ctx, input.linkId);
  }

  @FieldResolver(() => ID, { description: '关系编号（双方看到的是同一个编号）' })
  id(@Root() link: TenantLink): string {
    return toGlobalId('TenantLink', link.id);
  }

  @FieldResolver(() => String, { description: '本单位在关系中一方的中文名' })
  sideLabel(@Root() link: TenantLink): string {
    return tenantLinkSideLabels[link.side];
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  stateLabel(@Root() link: TenantLink): string {
    return tenantLinkStateLabels[link.state];
  }

  @FieldResolver(() => String, { nullable: true, description: '解除方的中文名' })
  endedBySideLabel(@Root() link: TenantLink): string | null {
    return link.endedBySide ? tenantLinkSideLabels[link.endedBySide] : null;
  }

  @FieldResolver(() => LinkedTenant, { nullable: true, description: '关系的另一方（简称和名称）' })
  async peer(@Root() link: TenantLink, @Ctx() ctx: RequestContext): Promise<LinkedTenant | null> {
    return federationService.peer(ctx, link);
  }
}

@Resolver(() => PlatformTenantLink)
export class PlatformTenantLinkResolver {
  @FieldResolver(() => String, { description: '状态的中文名' })
  stateLabel(@Root() link: PlatformTenantLink): string {
    return tenantLinkStateLabels[link.state];
  }
}
