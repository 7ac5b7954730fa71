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
import { badInput } from '../../graphql/errors';
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
import { publicReviewService } from './public-review.service';

export const PublicReviewConnection = Connection(PublicReview);

@InputType()
class SubmitPublicReviewInput {
  @Field({ description: 'The code from the QR code.' }) @MaxLength(100) code: string;
  @Field(() => Int, { description: '满意度 1..5.' }) @Min(1) @Max(5) rating: number;
  @Field({ defaultValue: '' }) @IsOptional() @MaxLength(2000) comment: string;
  @Field({ description: 'A random id the page keeps on the device: one review per device per code per day.' })
  @MinLength(8)
  @MaxLength(200)
  deviceId: string;
  @Field(() => String, { nullable: true, description: 'Phone or e-mail, optional: stored only as a keyed hash and a masked form.' })
  @IsOptional()
  @MaxLength(100)
  contact?: string | null;
  @Field(() => ID, { nullable: true, description: '评诺: rate this commitment of the code’s org instead of the org.' }) commitmentId?:
    string | null;
}

@InputType()
class FillScoreFromSatisfactionInput {
  @Field(() => ID) evaluationId: string;
  @Field(() => ID, { description: 'A PERCENT criterion of the campaign.' }) criterionId: string;
  @Field(() => Int, { description: 'The evaluation’s version, as for saveScores.' }) expectedVersion: number;
}

@ObjectType({ description: 'What the reviewer gets back: their own review, nothing of anyone else’s.' })
class PublicReviewReceipt {
  @Field() orgName: string;
  @Field(() => Int) rating: number;
  @Field(() => DateScalar) reviewDay: string;
  @Field(() => String, { nullable: true, description: 'Your contact as stored: masked.' }) contactMasked: string | null;
  @Field(() => String, { nullable: true, description: 'The commitment rated, if one was.' }) commitmentText: string | null;
}

@ObjectType()
class ChildSatisfaction {
  @Field(() => Org) org: Org;
  @Field(() => SatisfactionFigures, { description: 'The child’s whole subtree.' }) figures: SatisfactionFigures;
}

@ObjectType({ description: '群众满意度 of an org: its own reviews, its subtree’s, and each child subtree’s.' })
class OrgSatisfaction {
  @Field(() => Org) org: Org;
  @Field(() => SatisfactionFigures) own: SatisfactionFigures;
  @Field(() => SatisfactionFigures) subtree: SatisfactionFigures;
  @Field(() => [ChildSatisfaction]) children: ChildSatisfaction[];
}

@ObjectType({ description: '疑似刷评: reviews through one code on one day from one client address under several device ids.' })
class ReviewCluster {
  linkCodeId: string;
  orgId: string;
  reviewIds: string[];
  @Field(() => DateScalar, { description: 'The day of the reviews (tenant time zone).' }) day: string;
  @Field(() => Int, { description: 'Reviews in the cluster.' }) reviewCount: number;
  @Field(() => Int, { description: 'Distinct device ids they came with: one address with many devices is what looks stuffed.' })
  deviceCount: number;
  @Field(() => Float, { description: 'Mean rating of the cluster.' }) averageRating: number;
  @Field(() => DateTimeScalar) firstAt: Date;
  @Field(() => DateTimeScalar) lastAt: Date;
}

const ReviewClusterConnection = Connection(ReviewCluster);

@ArgsType()
class ReviewClustersArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Only orgs in this subtree (default: every subtree the admin administers).' })
  under?: string;
  @Field(() => DateScalar, { nullable: true }) from?: Date;
  @Field(() => DateScalar, { nullable: true }) to?: Date;
  @Field(() => Int, { defaultValue: 3, description: 'Smallest cluster shown (2 to 1000).' }) @Min(2) @Max(1000) minReviews: number;
}

@InputType()
class SetPublicReviewsExcludedInput {
  @Field(() => [ID], { description: 'Reviews of orgs the admin administers (1 to 100).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  ids: string[];
  @Field({ description: 'true: take them out of the satisfaction figures; false: count them again.' }) excluded: boolean;
  @Field(() => String, { nullable: true, description: 'Required when excluding.' }) @IsOptional() @MaxLength(500) reason?: string | null;
}

@Resolver(() => ReviewCluster)
export class ReviewClusterResolver {
  @FieldResolver(() => Org, { nullable: true, description: 'The org the code rates (null if it has left your scope).' })
  async org(@Root() c: ReviewCluster, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, c.orgId);
  }

  @FieldResolver(() => LinkCode, { nullable: true, description: 'The code the reviews came through.' })
  async linkCode(@Root() c: ReviewCluster, @Ctx() ctx: RequestContext): Promise<LinkCode | null> {
    return linkCodeService.find(ctx, c.linkCodeId);
  }

  @FieldResolver(() => [PublicReview], { description: 'The reviews, oldest first (at most 50).' })
  async reviews(@Root() c: ReviewCluster, @Ctx() ctx: RequestContext): Promise<PublicReview[]> {
    const found = await Promise.all(c.reviewIds.map((id) => publicReviewService.find(ctx, id)));
    return found.filter((r): r is PublicReview => r !== null);
  }
}

@ArgsType()
class PublicReviewsArgs extends PageArgs {
  @Field(() => ID, { nullable: true }) under?: string;
  @Field(() => ID, { nullable: true }) orgId?: string;
  @Field(() => ID, { nullable: true }) campaignId?: string;
  @Field(() => ID, { nullable: true }) commitmentId?: string;
  @Field(() => DateScalar, { nullable: true }) from?: Date;
  @Field(() => DateScalar, { nullable: true }) to?: Date;
}

@Resolver(() => PublicReview)
export class PublicReviewResolver {
  @Mutation(() => PublicReviewReceipt, { description: 'No sign-in needed: rate the org (or one of its commitments) of a link code.' })
  async submitPublicReview(@Arg('input') input: SubmitPublicReviewInput, @Ctx() ctx: RequestContext): Promise<PublicReviewReceipt> {
    if (!input.deviceId.trim()) throw badInput('input.deviceId', 'deviceId is empty');
    return publicReviewService.submit(ctx, { ...input, commitmentId: input.commitmentId ? idOf('Commitment', input.commitmentId) : null });
  }

  @Query(() => PublicReviewConnection, { description: 'Reviews of orgs in the subtree (officers and inspectors), newest first.' })
  async publicReviews(@Args() args: PublicReviewsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PublicReview>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    const campaign = args.campaignId ? await campaignService.getOrThrow(ctx, idOf('Campaign', args.campaignId)) : null;
    const commitment = args.commitmentId ? await commitmentService.getOrThrow(ctx, idOf('Commitment', args.commitmentId)) : null;
    return toConnection(
      await publicReviewService.list(
        ctx,
        {
          under,
          orgId: org?.id,
          campaignId: campaign?.id,
          commitmentId: commitment?.id,
          from: args.from ? toDateString(args.from) : null,
          to: args.to ? toDateString(args.to) : null,
        },
        pageSize(args),
        args.after,
      ),
    );
  }

  @Query(() => ReviewClusterConnection, {
    description: '疑似刷评 (tenant admins over the orgs): clusters of reviews from one address under several device ids, newest day first.',
  })
  async suspiciousReviewClusters(@Args() args: ReviewClustersArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ReviewCluster>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const [from, to] = [args.from ? toDateString(args.from) : null, args.to ? toDateString(args.to) : null];
    if (from && to && from > to) throw badInput('to', 'to is before from');
    return toConnection(
      await publicReviewService.clusters(ctx, { under, from, to, minReviews: args.minReviews }, pageSize(args), args.after),
    );
  }

  @Mutation(() => [PublicReview], {
    description:
      'Tenant admins over the orgs: take reviews out of the satisfaction figures (with a reason) or count them again. The reviews stay stored.',
  })
  async setPublicReviewsExcluded(@Arg('input') input: SetPublicReviewsExcludedInput, @Ctx() ctx: RequestContext): Promise<PublicReview[]> {
    return publicReviewService.setExcluded(
      ctx,
      input.ids.map((id) => idOf('PublicReview', id)),
      input.excluded,
      input.reason ?? null,
    );
  }

  @Query(() => OrgSatisfaction, {
    description: '群众满意度: count, average rating and satisfied share (rating ≥ 4) of the org, its subtree and each child subtree.',
  })
  async satisfaction(
    @Arg('orgId', () => ID) orgId: string,
    @Ctx() ctx: RequestContext,
    @Arg('campaignId', () => ID, { nullable: true }) campaignId?: string,
    @Arg('from', () => DateScalar, { nullable: true }) from?: Date,
    @Arg('to', () => DateScalar, { nullable: true }) to?: Date,
  ): Promise<OrgSatisfaction> {
    const org = await orgService.getInScopeOrThrow(ctx, idOf('Org', orgId));
    const campaign = campaignId ? await campaignService.getOrThrow(ctx, idOf('Campaign', campaignId)) : null;
    const [f, t] = [from ? toDateString(from) : null, to ? toDateString(to) : null];
    if (f && t && f > t) throw badInput('to', 'to is before from');
    return publicReviewService.satisfaction(ctx, org, { campaign, from: f, to: t });
  }

  @Mutation(() => Evaluation, {
    description:
      '提高群众满意度所占比重: a PERCENT criterion takes the org’s satisfied share (群众评议满意率) for the evaluation’s campaign.',
  })
  async fillScoreFromSatisfaction(@Arg('input') input: FillScoreFromSatisfactionInput, @Ctx() ctx: RequestContext): Promise<Evaluation> {
    return publicReviewService.fillScore(ctx, {
      evaluationId: idOf('Evaluation', input.evaluationId),
      criterionId: idOf('Criterion', input.criterionId),
      expectedVersion: input.expectedVersion,
    });
  }

  @FieldResolver(() => ID)
  id(@Root() r: PublicReview): string {
    return toGlobalId('PublicReview', r.id);
  }

  @FieldResolver(() => Org)
  async org(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, r.orgId))!;
  }

  @FieldResolver(() => Campaign, { nullable: true })
  async campaign(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return r.campaignId ? campaignService.findById(ctx, r.campaignId) : null;
  }

  @FieldResolver(() => Commitment, { nullable: true, description: 'The commitment rated (评诺), if any.' })
  async commitment(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<Commitment | null> {
    return r.commitmentId ? commitmentService.find(ctx, r.commitmentId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Masked contact (138****5678), for officers over the org only.' })
  async contactMasked(@Root() r: PublicReview, @Ctx() ctx: RequestContext): Promise<string | null> {
    return publicReviewService.contactMasked(ctx, r);
  }
}
