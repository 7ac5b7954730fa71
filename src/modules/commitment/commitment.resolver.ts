import { ArrayMaxSize, MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { SatisfactionFigures, tenantToday } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { Commitment, CommitmentState, commitmentStateLabels } from './commitment.entity';
import { commitmentService } from './commitment.service';

export const CommitmentConnection = Connection(Commitment);

@InputType()
class PledgeCommitmentInput {
  @Field(() => ID, { description: 'The org that pledges (or whose member pledges).' }) orgId: string;
  @Field() @MinLength(1) @MaxLength(2000) text: string;
  @Field(() => DateScalar) dueOn: Date;
  @Field(() => ID, { nullable: true, description: 'A member’s own pledge: the member (a MEMBER pledging leaves it out: it is itself).' })
  memberUserId?: string | null;
}

@InputType()
class FulfilCommitmentInput {
  @Field(() => ID) id: string;
  @Field({ description: '践诺情况: how it was kept.' }) @MinLength(1) @MaxLength(20000) report: string;
  @Field(() => [String], { defaultValue: [] }) @ArrayMaxSize(50) @MaxLength(500, { each: true }) evidenceRefs: string[];
}

@ArgsType()
class CommitmentsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Orgs in this subtree.' }) under?: string;
  @Field(() => ID, { nullable: true, description: 'One org.' }) orgId?: string;
  @Field(() => CommitmentState, { nullable: true, description: 'OVERDUE: past due and not fulfilled.' }) state?: CommitmentState;
}

@Resolver(() => Commitment)
export class CommitmentResolver {
  @Query(() => Commitment)
  async commitment(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Commitment> {
    return commitmentService.getOrThrow(ctx, idOf('Commitment', id));
  }

  @Query(() => CommitmentConnection, { description: 'Commitments of orgs in the subtree (within your scope), soonest due first.' })
  async commitments(@Args() args: CommitmentsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Commitment>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    return toConnection(await commitmentService.list(ctx, { under, orgId: org?.id, state: args.state }, pageSize(args), args.after));
  }

  @Mutation(() => Commitment, { description: '亮承诺: a public pledge of an org or of a member.' })
  async pledgeCommitment(@Arg('input') input: PledgeCommitmentInput, @Ctx() ctx: RequestContext): Promise<Commitment> {
    return commitmentService.pledge(ctx, {
      orgId: idOf('Org', input.orgId),
      text: input.text,
      dueOn: toDateString(input.dueOn),
      memberUserId: input.memberUserId ? idOf('User', input.memberUserId) : null,
    });
  }

  @Mutation(() => Commitment, { description: '践诺: report the fulfilment with evidence.' })
  async fulfilCommitment(@Arg('input') input: FulfilCommitmentInput, @Ctx() ctx: RequestContext): Promise<Commitment> {
    return commitmentService.fulfil(ctx, idOf('Commitment', input.id, 'Commitment'), input.report, input.evidenceRefs);
  }

  @FieldResolver(() => ID)
  id(@Root() c: Commitment): string {
    return toGlobalId('Commitment', c.id);
  }

  @FieldResolver(() => CommitmentState)
  async state(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<CommitmentState> {
    return commitmentService.stateOf(c, await tenantToday(ctx));
  }

  @FieldResolver(() => String)
  async stateLabel(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<string> {
    return commitmentStateLabels[commitmentService.stateOf(c, await tenantToday(ctx))];
  }

  @FieldResolver(() => Boolean, { description: 'Past due and not fulfilled.' })
  async overdue(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<boolean> {
    return commitmentService.stateOf(c, await tenantToday(ctx)) === CommitmentState.OVERDUE;
  }

  @FieldResolver(() => Org)
  async org(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, c.orgId))!;
  }

  @FieldResolver(() => User, { nullable: true, description: 'The member whose own pledge this is; null for the org’s.' })
  async member(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<User | null> {
    if (!c.memberUserId) return null;
    return ctx
      .loader<string, User | null>('commitment.member', async (ids) => {
        const rows = await ctx.tx
          .repository(User)
          .createQueryBuilder('u')
          .where('u.tenant_id = :t AND u.id = ANY(:ids)', { t: c.tenantId, ids: [...ids] })
          .getMany();
        return ids.map((id) => rows.find((u) => u.id === id) ?? null);
      })
      .load(c.memberUserId);
  }

  @FieldResolver(() => SatisfactionFigures, { description: '评诺: the public’s ratings of this commitment.' })
  async rating(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<SatisfactionFigures> {
    return commitmentService.rating(ctx, c);
  }
}
