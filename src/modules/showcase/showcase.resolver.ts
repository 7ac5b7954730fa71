import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import { ShowcaseItem, ShowcaseSource, ShowcaseState, showcaseSourceLabels, showcaseStateLabels } from './showcase.entity';
import { showcaseService, toSourceGlobalId } from './showcase.service';

export const ShowcaseItemConnection = Connection(ShowcaseItem);

@ObjectType({ description: '本单位公开专栏的地址（相对本服务的路径，无需登录，供网站嵌入）' })
class ShowcaseFeedPaths {
  @Field({ description: 'JSON Feed 1.1 格式' }) json: string;
  @Field({ description: 'Atom 格式' }) atom: string;
}

@InputType({ description: '提交公开' })
class ProposeShowcaseItemInput {
  @Field(() => ID, {
    description: '要公开的记录：已报送的简报、已命名的典型、服务品牌、已践诺的承诺、获奖的创新项目、服务队伍或服务记录的编号',
  })
  sourceId: string;
  @Field(() => String, { nullable: true, description: '公开的标题；不填由记录生成' }) @IsOptional() @MaxLength(200) title?: string | null;
  @Field(() => String, { nullable: true, description: '公开的摘要；不填由记录生成' }) @IsOptional() @MaxLength(1000) summary?:
    string | null;
}

@InputType({ description: '审核通过' })
class ApproveShowcaseItemInput {
  @Field(() => ID, { description: '公开展示' }) id: string;
  @Field(() => String, { nullable: true, description: '审核意见' }) @IsOptional() @MaxLength(2000) note?: string | null;
}

@InputType({ description: '不予公开' })
class RejectShowcaseItemInput {
  @Field(() => ID, { description: '公开展示' }) id: string;
  @Field({ description: '理由' }) @MinLength(1) @MaxLength(2000) reason: string;
}

@InputType({ description: '撤下公开展示' })
class WithdrawShowcaseItemInput {
  @Field(() => ID, { description: '公开展示' }) id: string;
  @Field(() => String, { nullable: true, description: '理由' }) @IsOptional() @MaxLength(2000) reason?: string | null;
}

@ArgsType()
class ShowcaseItemsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的；不填为您的全部权限范围' }) under?: string;
  @Field(() => ShowcaseState, { nullable: true, description: '只列此状态（待审核的即审核任务）' }) state?: ShowcaseState;
  @Field(() => ShowcaseSource, { nullable: true, description: '只列此来源' }) sourceType?: ShowcaseSource;
}

const itemId = (id: string) => idOf('ShowcaseItem', id, 'Showcase item');

@Resolver(() => ShowcaseItem)
export class ShowcaseItemResolver {
  @Query(() => ShowcaseItem, { description: '一项公开展示（其组织须在您的权限范围内）' })
  async showcaseItem(@Arg('id', () => ID, { description: '公开展示编号' }) id: string, @Ctx() ctx: RequestContext): Promise<ShowcaseItem> {
    return showcaseService.getOrThrow(ctx, itemId(id));
  }

  @Query(() => ShowcaseItemConnection, { description: '公开展示列表：子树内组织提交的，新提交的在前' })
  async showcaseItems(@Args() args: ShowcaseItemsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ShowcaseItem>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(
      await showcaseService.list(ctx, { under, state: args.state, sourceType: args.sourceType }, pageSize(args), args.after),
    );
  }

  @Query(() => ShowcaseFeedPaths, { description: '本单位公开专栏的地址（GET，无需登录）：已公开的内容，新的在前，分页' })
  async showcaseFeedPaths(@Ctx() ctx: RequestContext): Promise<ShowcaseFeedPaths> {
    return showcaseService.feedPaths(ctx);
  }

  @Mutation(() => ShowcaseItem, { description: '提交公开（组织书记或其上级负责人）：以提交时的文字为准，自动隐去联系方式，待管理员审核' })
  async proposeShowcaseItem(
    @Arg('input', { description: '要公开的记录' }) input: ProposeShowcaseItemInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ShowcaseItem> {
    return showcaseService.propose(ctx, input);
  }

  @Mutation(() => ShowcaseItem, { description: '审核通过，即时出现在公开专栏（根组织的管理员）；记录须仍可公开' })
  async approveShowcaseItem(
    @Arg('input', { description: '公开展示及意见' }) input: ApproveShowcaseItemInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ShowcaseItem> {
    return showcaseService.approve(ctx, itemId(input.id), input.note ?? null);
  }

  @Mutation(() => ShowcaseItem, { description: '不予公开（根组织的管理员），须写明理由' })
  async rejectShowcaseItem(
    @Arg('input', { description: '公开展示及理由' }) input: RejectShowcaseItemInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ShowcaseItem> {
    return showcaseService.reject(ctx, itemId(input.id), input.reason);
  }

  @Mutation(() => ShowcaseItem, { description: '撤下：立即从公开专栏消失（组织书记、上级负责人或根组织的管理员）' })
  async withdrawShowcaseItem(
    @Arg('input', { description: '公开展示及理由' }) input: WithdrawShowcaseItemInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ShowcaseItem> {
    return showcaseService.withdraw(ctx, itemId(input.id), input.reason ?? null);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() s: ShowcaseItem): string {
    return toGlobalId('ShowcaseItem', s.id);
  }

  @FieldResolver(() => String, { description: '来源的中文名' })
  sourceTypeLabel(@Root() s: ShowcaseItem): string {
    return showcaseSourceLabels[s.sourceType];
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  stateLabel(@Root() s: ShowcaseItem): string {
    return showcaseStateLabels[s.state];
  }

  @FieldResolver(() => ID, { description: '所公开记录的全局编号（可用 node 读取）' })
  sourceId(@Root() s: ShowcaseItem): string {
    return toSourceGlobalId(s);
  }

  @FieldResolver(() => Boolean, { description: '此刻是否出现在公开专栏：已公开，且记录仍可公开（如典型未被撤销）、组织未撤销' })
  async shown(@Root() s: ShowcaseItem, @Ctx() ctx: RequestContext): Promise<boolean> {
    return showcaseService.stillShown(ctx, s);
  }

  @FieldResolver(() => Org, { description: '提交公开的党组织' })
  async org(@Root() s: ShowcaseItem, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, s.orgId);
  }

  @FieldResolver(() => String, { nullable: true, description: '提交人姓名' })
  async proposedByName(@Root() s: ShowcaseItem, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, s.proposedBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '审核人姓名；未审核为空' })
  async reviewedByName(@Root() s: ShowcaseItem, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, s.reviewedBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '撤下人姓名；未撤下为空' })
  async withdrawnByName(@Root() s: ShowcaseItem, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, s.withdrawnBy);
  }
}
