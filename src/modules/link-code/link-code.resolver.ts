import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
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

@InputType()
class CreateLinkCodeInput {
  @Field(() => ID, { nullable: true, description: 'The org rated (or leave it out for a commitment’s code).' }) orgId?: string | null;
  @Field(() => ID, { nullable: true, description: 'A campaign’s code: its reviews count for that campaign.' }) campaignId?: string | null;
  @Field(() => ID, { nullable: true, description: 'A code for rating one commitment (评诺).' }) commitmentId?: string | null;
  @Field({ defaultValue: '', description: 'Where it hangs, e.g. 一号服务窗口.' }) @IsOptional() @MaxLength(200) label: string;
}

@InputType()
class DisableLinkCodeInput {
  @Field(() => ID) id: string;
}

@ObjectType({ description: 'A commitment as the public sees it.' })
export class PublicCommitment {
  @Field(() => ID, { description: 'Pass it as commitmentId to rate it.' }) id: string;
  @Field() text: string;
  @Field(() => DateScalar) dueOn: string;
  @Field(() => CommitmentState) state: CommitmentState;
  @Field() stateLabel: string;
}

@ObjectType({ description: 'What a link code shows the public: the org’s name and what can be rated, nothing else.' })
export class PublicLink {
  @Field() orgName: string;
  @Field(() => String, { nullable: true }) campaignName: string | null;
  @Field(() => PublicCommitment, { nullable: true, description: 'Set when the code rates one commitment.' })
  commitment: PublicCommitment | null;
  @Field(() => [PublicCommitment], { description: 'The org’s commitments that may be rated with this code (commitmentId).' })
  commitments: PublicCommitment[];
  @Field({ description: 'The org itself is rated (a commitment’s code rates only the commitment).' }) ratesOrg: boolean;
  @Field({ description: 'Opinions (民意) are taken through this code.' }) acceptsOpinions: boolean;
}

function publicCommitment(c: Commitment, today: string): PublicCommitment {
  const state = commitmentService.stateOf(c, today);
  return { id: toGlobalId('Commitment', c.id), text: c.text, dueOn: c.dueOn, state, stateLabel: commitmentStateLabels[state] };
}

@Resolver(() => LinkCode)
export class LinkCodeResolver {
  @Query(() => PublicLink, { description: 'No sign-in needed: what the code on a service window rates.' })
  async publicLink(@Arg('code') code: string, @Ctx() ctx: RequestContext): Promise<PublicLink> {
    const link = await linkCodeService.resolve(ctx, code);
    const today = await tenantToday(ctx);
    const [campaign] = link.campaignId
      ? await ctx.tx.query(`SELECT name FROM campaigns WHERE tenant_id = $1 AND id = $2`, [link.tenantId, link.campaignId])
      : [];
    const repo = ctx.tx.repository(Commitment);
    const own = link.commitmentId ? await repo.findOneByOrFail({ tenantId: link.tenantId, id: link.commitmentId }) : null;
    const listed = own
      ? [own]
      : await repo.find({ where: { tenantId: link.tenantId, orgId: link.orgId }, order: { dueOn: 'ASC', id: 'ASC' }, take: 50 });
    return {
      orgName: await linkCodeService.orgName(ctx, link),
      campaignName: campaign?.name ?? null,
      commitment: own ? publicCommitment(own, today) : null,
      commitments: listed.map((c) => publicCommitment(c, today)),
      ratesOrg: !own,
      acceptsOpinions: true,
    };
  }

  @Query(() => [LinkCode], { description: 'Codes of orgs in the subtree (within your scope), newest first.' })
  async linkCodes(
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('orgId', () => ID, { nullable: true }) orgId?: string,
    @Arg('includeDisabled', () => Boolean, { defaultValue: false }) includeDisabled = false,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
  ): Promise<LinkCode[]> {
    const root = under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
    const org = orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', orgId)) : null;
    return linkCodeService.list(ctx, { under: root, orgId: org?.id, includeDisabled }, Math.min(Math.max(first, 1), 100));
  }

  @Mutation(() => LinkCode, { description: 'A new public code for an org (optionally within a campaign) or for one commitment.' })
  async createLinkCode(@Arg('input') input: CreateLinkCodeInput, @Ctx() ctx: RequestContext): Promise<LinkCode> {
    return linkCodeService.create(ctx, {
      orgId: input.orgId ? idOf('Org', input.orgId) : null,
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
      commitmentId: input.commitmentId ? idOf('Commitment', input.commitmentId) : null,
      label: input.label ?? '',
    });
  }

  @Mutation(() => LinkCode, { description: 'Takes a code out of use; the public then gets NOT_FOUND.' })
  async disableLinkCode(@Arg('input') input: DisableLinkCodeInput, @Ctx() ctx: RequestContext): Promise<LinkCode> {
    return linkCodeService.disable(ctx, idOf('LinkCode', input.id, 'Link code'));
  }

  @FieldResolver(() => ID)
  id(@Root() link: LinkCode): string {
    return toGlobalId('LinkCode', link.id);
  }

  @FieldResolver(() => String, { description: 'Print-friendly relative address of the public page: /public/<code>.' })
  url(@Root() link: LinkCode): string {
    return `/public/${link.code}`;
  }

  @FieldResolver(() => Org)
  async org(@Root() link: LinkCode, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, link.orgId))!;
  }

  @FieldResolver(() => Campaign, { nullable: true })
  async campaign(@Root() link: LinkCode, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return link.campaignId ? campaignService.findById(ctx, link.campaignId) : null;
  }

  @FieldResolver(() => Commitment, { nullable: true })
  async commitment(@Root() link: LinkCode, @Ctx() ctx: RequestContext): Promise<Commitment | null> {
    return link.commitmentId ? commitmentService.find(ctx, link.commitmentId) : null;
  }
}
