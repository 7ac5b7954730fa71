import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Commitment, CommitmentState, commitmentStateLabels } from '../commitment/commitment.entity';
import { commitmentService } from '../commitment/commitment.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { LinkCode } from './link-code.entity';
import { linkCodeService } from './link-code.service';
import { tenantToday } from './public';

export const LinkCodeConnection = Connection(LinkCode);

@InputType({ description: '生成评议二维码' })
class CreateLinkCodeInput {
  @Field(() => ID, { nullable: true, description: '被评议的党组织（承诺的二维码可不填，即承诺所属组织）' }) orgId?: string | null;
  @Field(() => ID, { nullable: true, description: '创建活动：经此码的评议计入该活动（组织须在活动范围内）' }) campaignId?: string | null;
  @Field(() => ID, { nullable: true, description: '只评价这一项承诺（评诺）的二维码' }) commitmentId?: string | null;
  @Field({ defaultValue: '', description: '张贴位置或用途，如“一号服务窗口”（最多 200 字）' }) @IsOptional() @MaxLength(200) label: string;
}

@InputType({ description: '停用评议二维码' })
class DisableLinkCodeInput {
  @Field(() => ID, { description: '要停用的二维码' }) id: string;
}

@ArgsType()
class LinkCodesArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的二维码；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此组织的二维码' }) orgId?: string;
  @Field({ defaultValue: false, description: '是否包括已停用的二维码' }) includeDisabled: boolean;
}

@ObjectType({ description: '群众看到的承诺：内容、期限和状态' })
export class PublicCommitment {
  @Field(() => ID, { description: '承诺编号：评诺时作为 commitmentId 传入' }) id: string;
  @Field({ description: '承诺内容' }) text: string;
  @Field(() => DateScalar, { description: '践诺期限' }) dueOn: string;
  @Field(() => CommitmentState, { description: '状态' }) state: CommitmentState;
  @Field({ description: '状态的中文名' }) stateLabel: string;
}

@ObjectType({ description: '二维码的公开页面：只有组织名称和可评议的内容，别无其他' })
export class PublicLink {
  @Field({ description: '被评议的党组织名称' }) orgName: string;
  @Field(() => String, { nullable: true, description: '创建活动名称；常设二维码为空' }) campaignName: string | null;
  @Field(() => PublicCommitment, { nullable: true, description: '承诺的二维码所评价的承诺；组织的二维码为空' })
  commitment: PublicCommitment | null;
  @Field(() => [PublicCommitment], {
    description: '可用此码评价的承诺（评诺时传 commitmentId），期限最近的在前，最多 50 项',
  })
  commitments: PublicCommitment[];
  @Field({ description: '是否评议组织本身（承诺的二维码只评价该承诺）' }) ratesOrg: boolean;
  @Field({ description: '是否可经此码反映意见（民意收集）' }) acceptsOpinions: boolean;
}

function publicCommitment(c: Commitment, today: string): PublicCommitment {
  const state = commitmentService.stateOf(c, today);
  return { id: toGlobalId('Commitment', c.id), text: c.text, dueOn: c.dueOn, state, stateLabel: commitmentStateLabels[state] };
}

@Resolver(() => LinkCode)
export class LinkCodeResolver {
  @Query(() => PublicLink, { description: '无需登录：服务窗口二维码的公开页面（评议什么、可评哪些承诺）' })
  async publicLink(@Arg('code', { description: '二维码中的码值' }) code: string, @Ctx() ctx: RequestContext): Promise<PublicLink> {
    const view = await linkCodeService.publicView(ctx, code);
    const today = await tenantToday(ctx);
    return {
      orgName: view.orgName,
      campaignName: view.campaignName,
      commitment: view.own ? publicCommitment(view.own, today) : null,
      commitments: view.listed.map((c) => publicCommitment(c, today)),
      ratesOrg: !view.own,
      acceptsOpinions: true,
    };
  }

  @Query(() => LinkCodeConnection, { description: '评议二维码列表：子树内组织的二维码（在您的权限范围内），新生成的在前' })
  async linkCodes(@Args() args: LinkCodesArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<LinkCode>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    return toConnection(
      await linkCodeService.list(ctx, { under, orgId: org?.id, includeDisabled: args.includeDisabled }, pageSize(args), args.after),
    );
  }

  @Mutation(() => LinkCode, { description: '生成评议二维码：为组织（可限定创建活动）或一项承诺生成随机码（组织书记或上级负责人）' })
  async createLinkCode(
    @Arg('input', { description: '生成评议二维码' }) input: CreateLinkCodeInput,
    @Ctx() ctx: RequestContext,
  ): Promise<LinkCode> {
    return linkCodeService.create(ctx, {
      orgId: input.orgId ? idOf('Org', input.orgId) : null,
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
      commitmentId: input.commitmentId ? idOf('Commitment', input.commitmentId) : null,
      label: input.label ?? '',
    });
  }

  @Mutation(() => LinkCode, { description: '停用评议二维码：此后群众扫码得到 NOT_FOUND（重新张贴请生成新码）' })
  async disableLinkCode(
    @Arg('input', { description: '停用评议二维码' }) input: DisableLinkCodeInput,
    @Ctx() ctx: RequestContext,
  ): Promise<LinkCode> {
    return linkCodeService.disable(ctx, idOf('LinkCode', input.id, 'Link code'));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() link: LinkCode): string {
    return toGlobalId('LinkCode', link.id);
  }

  @FieldResolver(() => String, { description: '公开页面的相对地址 /public/<码值>，便于打印' })
  url(@Root() link: LinkCode): string {
    return `/public/${link.code}`;
  }

  @FieldResolver(() => Org, { description: '被评议的党组织' })
  async org(@Root() link: LinkCode, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, link.orgId);
  }

  @FieldResolver(() => Campaign, { nullable: true, description: '所属创建活动；常设二维码为空' })
  async campaign(@Root() link: LinkCode, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return link.campaignId ? campaignService.findById(ctx, link.campaignId) : null;
  }

  @FieldResolver(() => Commitment, { nullable: true, description: '评价的承诺（评诺的二维码）；组织的二维码为空' })
  async commitment(@Root() link: LinkCode, @Ctx() ctx: RequestContext): Promise<Commitment | null> {
    return link.commitmentId ? commitmentService.find(ctx, link.commitmentId) : null;
  }
}
