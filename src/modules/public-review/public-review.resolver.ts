import { ArrayMaxSize, ArrayMinSize, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  Float,
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
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { Commitment } from '../commitment/commitment.entity';
import { commitmentService } from '../commitment/commitment.service';
import { Evaluation } from '../evaluation/evaluation.entity';
import { LinkCode } from '../link-code/link-code.entity';
import { linkCodeService } from '../link-code/link-code.service';
import { SatisfactionFigures } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { PublicReview } from './public-review.entity';
import { ReviewClusterRow, publicReviewService } from './public-review.service';

export const PublicReviewConnection = Connection(PublicReview);

const day = (d: Date | null | undefined) => (d ? toDateString(d) : null);

@InputType({ description: '群众评议：扫码后提交的满意度评价' })
class SubmitPublicReviewInput {
  @Field({ description: '二维码中的码值' }) @MaxLength(100) code: string;
  @Field(() => Int, { description: '满意度 1–5 星' }) @Min(1) @Max(5) rating: number;
  @Field({ defaultValue: '', description: '评议意见（可不填，最多 2000 字）' }) @IsOptional() @MaxLength(2000) comment: string;
  @Field({ description: '页面在设备上保存的随机标识：同一设备同一二维码每天只评一次（8–200 字符）' })
  @MinLength(8)
  @MaxLength(200)
  deviceId: string;
  @Field(() => String, { nullable: true, description: '手机号或电子邮箱（可不填）：只保存其密钥散列和打码形式' })
  @IsOptional()
  @MaxLength(100)
  contact?: string | null;
  @Field(() => ID, { nullable: true, description: '评诺：评价二维码所属组织的这项承诺，而不是组织本身' }) commitmentId?: string | null;
}

@InputType({ description: '以群众评议满意率填写百分比指标' })
class FillScoreFromSatisfactionInput {
  @Field(() => ID, { description: '评议（草稿或退回状态）' }) evaluationId: string;
  @Field(() => ID, { description: '该创建活动中按百分比计分的指标' }) criterionId: string;
  @Field(() => Int, { description: '评议的当前版本号（同 saveScores）' }) expectedVersion: number;
}

@ObjectType({ description: '评议回执：只回显评议人自己的评议，不含他人的任何内容' })
class PublicReviewReceipt {
  @Field({ description: '被评议的党组织名称' }) orgName: string;
  @Field(() => Int, { description: '满意度 1–5 星' }) rating: number;
  @Field(() => DateScalar, { description: '评议日期（按本单位时区）' }) reviewDay: string;
  @Field(() => String, { nullable: true, description: '所留联系方式的打码形式；未留为空' }) contactMasked: string | null;
  @Field(() => String, { nullable: true, description: '评价的承诺内容；评议组织时为空' }) commitmentText: string | null;
}

@ObjectType({ description: '直属下级组织（连同其下级）的群众满意度' })
class ChildSatisfaction {
  @Field(() => Org, { description: '直属下级组织' }) org: Org;
  @Field(() => SatisfactionFigures, { description: '该下级组织整个子树的满意度' }) figures: SatisfactionFigures;
}

@ObjectType({ description: '群众满意度汇总：本组织自身、整个子树和各直属下级子树' })
class OrgSatisfaction {
  @Field(() => Org, { description: '统计的党组织' }) org: Org;
  @Field(() => SatisfactionFigures, { description: '本组织自身收到的评议' }) own: SatisfactionFigures;
  @Field(() => SatisfactionFigures, { description: '本组织及全部下级组织收到的评议' }) subtree: SatisfactionFigures;
  @Field(() => [ChildSatisfaction], { description: '各直属下级组织（未撤销）的子树满意度，按名称排序' }) children: ChildSatisfaction[];
}

@ObjectType({ description: '疑似刷评：同一天经同一二维码、来自同一网络地址却使用多个设备标识的一组评议' })
class ReviewCluster implements ReviewClusterRow {
  linkCodeId: string;
  orgId: string;
  clientHash: string;
  @Field(() => DateScalar, { description: '评议日期（按本单位时区）' }) day: string;
  @Field(() => Int, { description: '该组评议份数' }) reviewCount: number;
  @Field(() => Int, { description: '使用的设备标识数：一个地址多个设备正是刷评的迹象' }) deviceCount: number;
  @Field(() => Float, { description: '该组评议的平均星级' }) averageRating: number;
  @Field(() => DateTimeScalar, { description: '第一份的提交时间' }) firstAt: Date;
  @Field(() => DateTimeScalar, { description: '最后一份的提交时间' }) lastAt: Date;
}

const ReviewClusterConnection = Connection(ReviewCluster);

@ArgsType()
class ReviewClustersArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只看此子树内组织的评议；不填为您管理的全部子树' })
  under?: string;
  @Field(() => DateScalar, { nullable: true, description: '起始日期（含）' }) from?: Date;
  @Field(() => DateScalar, { nullable: true, description: '截止日期（含）' }) to?: Date;
  @Field(() => Int, { defaultValue: 3, description: '每组至少多少份评议才列出（2–1000）' }) @Min(2) @Max(1000) minReviews: number;
}

@InputType({ description: '排除评议或恢复计入' })
class SetPublicReviewsExcludedInput {
  @Field(() => [ID], { description: '评议（您所管理组织的，1–100 份）' })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  ids: string[];
  @Field({ description: 'true：排除出满意度统计；false：恢复计入' }) excluded: boolean;
  @Field(() => String, { nullable: true, description: '排除理由（排除时必填，最多 500 字）' }) @IsOptional() @MaxLength(500) reason?:
    string | null;
}

@ArgsType()
class PublicReviewsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的评议；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此组织的评议' }) orgId?: string;
  @Field(() => ID, { nullable: true, description: '只列经此创建活动二维码的评议' }) campaignId?: string;
  @Field(() => ID, { nullable: true, description: '只列对此承诺的评价（评诺）' }) commitmentId?: string;
  @Field(() => DateScalar, { nullable: true, description: '起始日期（含）' }) from?: Date;
  @Field(() => DateScalar, { nullable: true, description: '截止日期（含）' }) to?: Date;
}

@Resolver(() => ReviewCluster)
export class ReviewClusterResolver {
  @FieldResolver(() => Org, { nullable: true, description: '二维码所评议的党组织（已移出您的权限范围时为空）' })
  async org(@Root() c: ReviewCluster, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, c.orgId);
  }

  @FieldResolver(() => LinkCode, { nullable: true, description: '评议经由的二维码' })
  async linkCode(@Root() c: ReviewCluster, @Ctx() ctx: RequestContext): Promise<LinkCode | null> {
    return linkCodeService.find(ctx, c.linkCodeId);
  }

  @FieldResolver(() => PublicReviewConnection, { description: '该组的评议，先提交的在前' })
  async reviews(@Root() c: ReviewCluster, @Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PublicReview>> {
    return toConnection(await publicReviewService.clusterReviews(ctx, c, pageSize(args), args.after));
  }
}

@Resolver(() => PublicReview)
export class PublicReviewResolver {
  @Mutation(() => PublicReviewReceipt, { description: '无需登录：经二维码评议组织（或其一项承诺）' })
  async submitPublicReview(
    @Arg('input', { description: '群众评议：扫码后提交的满意度评价' }) input: SubmitPublicReviewInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PublicReviewReceipt> {
    return publicReviewService.submit(ctx, { ...input, commitmentId: input.commitmentId ? idOf('Commitment', input.commitmentId) : null });
  }

  @Query(() => PublicReviewConnection, { description: '群众评议列表：子树内组织收到的评议（负责人和督导组），新提交的在前' })
  async publicReviews(@Args() args: PublicReviewsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PublicReview>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    const campaign = args.campaignId ? await campaignService.getOrThrow(ctx, idOf('Campaign', args.campaignId)) : null;
    const commitment = args.commitmentId ? await commitmentService.getOrThrow(ctx, idOf('Commitment', args.commitmentId)) : null;
    const filter = {
      under,
      orgId: org?.id,
      campaignId: campaign?.id,
      commitmentId: commitment?.id,
      from: day(args.from),
      to: day(args.to),
    };
    return toConnection(await publicReviewService.list(ctx, filter, pageSize(args), args.after));
  }

  @Query(() => ReviewClusterConnection, {
    description: '疑似刷评（所辖组织的管理员）：同一网络地址以多个设备标识提交的评议组，日期新的在前',
  })
  async suspiciousReviewClusters(@Args() args: ReviewClustersArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ReviewCluster>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const filter = { under, from: day(args.from), to: day(args.to), minReviews: args.minReviews };
    return toConnection(await publicReviewService.clusters(ctx, filter, pageSize(args), args.after));
  }

  @Mutation(() => [PublicReview], {
    description: '排除评议（所辖组织的管理员）：写明理由后将评议排除出满意度统计，或恢复计入；评议本身始终保留',
  })
  async setPublicReviewsExcluded(
    @Arg('input', { description: '排除评议或恢复计入' }) input: SetPublicReviewsExcludedInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PublicReview[]> {
    return publicReviewService.setExcluded(
      ctx,
      input.ids.map((id) => idOf('PublicReview', id)),
      input.excluded,
      input.reason ?? null,
    );
  }

  @Query(() => OrgSatisfaction, {
    description: '群众满意度：本组织、整个子树和各直属下级子树的评议份数、平均星级和满意率（4 星及以上）',
  })
  async satisfaction(
    @Arg('orgId', () => ID, { description: '统计的党组织' }) orgId: string,
    @Ctx() ctx: RequestContext,
    @Arg('campaignId', () => ID, { nullable: true, description: '只统计此创建活动的评议（其二维码及活动期间的常设二维码）' })
    campaignId?: string,
    @Arg('from', () => DateScalar, { nullable: true, description: '起始日期（含）' }) from?: Date,
    @Arg('to', () => DateScalar, { nullable: true, description: '截止日期（含）' }) to?: Date,
  ): Promise<OrgSatisfaction> {
    const org = await orgService.getInScopeOrThrow(ctx, idOf('Org', orgId));
    const campaign = campaignId ? await campaignService.getOrThrow(ctx, idOf('Campaign', campaignId)) : null;
    return publicReviewService.satisfaction(ctx, org, { campaign, from: day(from), to: day(to) });
  }

  @Mutation(() => Evaluation, {
    description: '提高群众满意度所占比重：以该组织在评议所属创建活动中的群众评议满意率，填写一项按百分比计分的指标',
  })
  async fillScoreFromSatisfaction(
    @Arg('input', { description: '以群众评议满意率填写百分比指标' }) input: FillScoreFromSatisfactionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Evaluation> {
    return publicReviewService.fillScore(ctx, {
      evaluationId: idOf('Evaluation', input.evaluationId),
      criterionId: idOf('Criterion', input.criterionId),
      expectedVersion: input.expectedVersion,
    });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() r: PublicReview): string {
    return toGlobalId('PublicReview', r.id);
  }

  @FieldResolver(() => Org, { description: '被评议的党组织' })
  async org(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, r.orgId);
  }

  @FieldResolver(() => Campaign, { nullable: true, description: '评议计入的创建活动；经常设二维码的评议为空' })
  async campaign(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return r.campaignId ? campaignService.findById(ctx, r.campaignId) : null;
  }

  @FieldResolver(() => Commitment, { nullable: true, description: '评价的承诺（评诺）；评议组织时为空' })
  async commitment(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<Commitment | null> {
    return r.commitmentId ? commitmentService.find(ctx, r.commitmentId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: '联系方式的打码形式（138****5678），仅组织书记及上级负责人可见' })
  async contactMasked(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<string | null> {
    return publicReviewService.contactMasked(ctx, r);
  }
}
