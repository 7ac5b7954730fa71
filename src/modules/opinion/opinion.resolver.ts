import { IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
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
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { Opinion, OpinionChannel, OpinionState, OpinionTransfer, opinionChannelLabels, opinionStateLabels } from './opinion.entity';
import { opinionService } from './opinion.service';

export const OpinionConnection = Connection(Opinion);

@InputType()
class SubmitOpinionInput {
  @Field({ description: 'The code from the QR code.' }) @MaxLength(100) code: string;
  @Field() @MinLength(1) @MaxLength(5000) content: string;
  @Field(() => String, { nullable: true, description: 'Phone or e-mail, optional: stored only as a keyed hash and a masked form.' })
  @IsOptional()
  @MaxLength(100)
  contact?: string | null;
}

@InputType()
class RecordOpinionInput {
  @Field(() => ID, { description: 'The org the matter concerns.' }) orgId: string;
  @Field() @MinLength(1) @MaxLength(5000) content: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(100) contact?: string | null;
}

@InputType()
class OpinionRefInput {
  @Field(() => ID) id: string;
}

@InputType()
class TransferOpinionInput {
  @Field(() => ID) id: string;
  @Field(() => ID, { description: 'A secretary or officer over the opinion’s org.' }) toUserId: string;
  @Field() @MinLength(1) @MaxLength(2000) reason: string;
}

@InputType()
class ReplyOpinionInput {
  @Field(() => ID) id: string;
  @Field() @MinLength(1) @MaxLength(20000) reply: string;
}

@InputType()
class RateOpinionReplyInput {
  @Field({ description: 'The token handed out at intake.' }) @MaxLength(100) followUpToken: string;
  @Field(() => Int, { description: '1..5' }) @Min(1) @Max(5) satisfaction: number;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(2000) comment?: string | null;
}

@ObjectType({ description: 'What the submitter keeps: the follow-up token (shown once) to read the reply and rate it.' })
class OpinionReceipt {
  @Field() followUpToken: string;
  @Field() orgName: string;
  @Field(() => DateTimeScalar) dueAt: Date;
  @Field(() => OpinionState) state: OpinionState;
}

@ObjectType()
class RecordedOpinion {
  @Field(() => Opinion) opinion: Opinion;
  @Field({ description: 'Hand it to the submitter (shown once): it lets them read and rate the reply.' }) followUpToken: string;
}

@ObjectType({ description: 'The submitter’s view of an opinion, by follow-up token.' })
class OpinionFollowUp {
  @Field() orgName: string;
  @Field() content: string;
  @Field(() => OpinionState) state: OpinionState;
  @Field() stateLabel: string;
  @Field(() => DateTimeScalar) dueAt: Date;
  @Field(() => String, { nullable: true }) reply: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) repliedAt: Date | null;
  @Field(() => Int, { nullable: true }) satisfaction: number | null;
}

@ArgsType()
class OpinionsArgs extends PageArgs {
  @Field(() => ID, { nullable: true }) under?: string;
  @Field(() => OpinionState, { nullable: true }) state?: OpinionState;
  @Field(() => Boolean, { nullable: true, description: 'true: not replied within the time limit (限时办结).' }) overdue?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Only those you are responsible for.' }) mine?: boolean;
}

async function followUpView(ctx: RequestContext, o: Opinion): Promise<OpinionFollowUp> {
  return {
    orgName: await opinionService.orgName(ctx, o),
    content: o.content,
    state: o.state,
    stateLabel: opinionStateLabels[o.state],
    dueAt: o.dueAt,
    reply: o.reply,
    repliedAt: o.repliedAt,
    satisfaction: o.satisfaction,
  };
}

@Resolver(() => Opinion)
export class OpinionResolver {
  @Mutation(() => OpinionReceipt, { description: 'No sign-in needed: leave an opinion (民意) through a link code.' })
  async submitOpinion(@Arg('input') input: SubmitOpinionInput, @Ctx() ctx: RequestContext): Promise<OpinionReceipt> {
    return opinionService.submitPublic(ctx, input);
  }

  @Query(() => OpinionFollowUp, { description: 'No sign-in needed: the submitter reads the state and reply by follow-up token.' })
  async opinionFollowUp(@Arg('token') token: string, @Ctx() ctx: RequestContext): Promise<OpinionFollowUp> {
    return followUpView(ctx, await opinionService.byFollowUp(ctx, token));
  }

  @Mutation(() => OpinionFollowUp, { description: 'No sign-in needed: the submitter rates the reply, which closes the opinion (办结).' })
  async rateOpinionReply(@Arg('input') input: RateOpinionReplyInput, @Ctx() ctx: RequestContext): Promise<OpinionFollowUp> {
    return followUpView(ctx, await opinionService.rateReply(ctx, input.followUpToken, input.satisfaction, input.comment ?? null));
  }

  @Mutation(() => RecordedOpinion, {
    description: 'Staff record an opinion received in person or by phone; they are responsible for it (首问负责).',
  })
  async recordOpinion(@Arg('input') input: RecordOpinionInput, @Ctx() ctx: RequestContext): Promise<RecordedOpinion> {
    return opinionService.record(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Opinion, { description: '首问负责: take a received opinion; you stay responsible unless you transfer it.' })
  async acceptOpinion(@Arg('input') input: OpinionRefInput, @Ctx() ctx: RequestContext): Promise<Opinion> {
    return opinionService.accept(ctx, idOf('Opinion', input.id));
  }

  @Mutation(() => Opinion, { description: 'An explicit, recorded hand-over to another handler.' })
  async transferOpinion(@Arg('input') input: TransferOpinionInput, @Ctx() ctx: RequestContext): Promise<Opinion> {
    return opinionService.transfer(ctx, idOf('Opinion', input.id), idOf('User', input.toUserId), input.reason);
  }

  @Mutation(() => Opinion)
  async replyOpinion(@Arg('input') input: ReplyOpinionInput, @Ctx() ctx: RequestContext): Promise<Opinion> {
    return opinionService.reply(ctx, idOf('Opinion', input.id), input.reply);
  }

  @Query(() => Opinion)
  async opinion(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Opinion> {
    return opinionService.getOrThrow(ctx, idOf('Opinion', id));
  }

  @Query(() => OpinionConnection, {
    description: 'Opinions of orgs in the subtree, soonest due first; overdue: true lists those not replied within the limit.',
  })
  async opinions(@Args() args: OpinionsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Opinion>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(
      await opinionService.list(
        ctx,
        { under, state: args.state, overdue: args.overdue, responsibleToMe: args.mine ?? false },
        pageSize(args),
        args.after,
      ),
    );
  }

  @FieldResolver(() => ID)
  id(@Root() o: Opinion): string {
    return toGlobalId('Opinion', o.id);
  }

  @FieldResolver(() => String)
  stateLabel(@Root() o: Opinion): string {
    return opinionStateLabels[o.state];
  }

  @FieldResolver(() => String)
  channelLabel(@Root() o: Opinion): string {
    return opinionChannelLabels[o.channel as OpinionChannel];
  }

  @FieldResolver(() => Boolean, { description: 'Not replied within the time limit.' })
  overdue(@Root() o: Opinion): boolean {
    return opinionService.isOverdue(o);
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: 'The org it concerns; null for the responsible staff member once the org moved out of their scope.',
  })
  async org(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, o.orgId);
  }

  @FieldResolver(() => User, { nullable: true, description: '首问负责: the staff member responsible.' })
  async responsible(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<User | null> {
    return o.responsibleId ? userById(ctx, o.tenantId, o.responsibleId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Masked contact (138****5678), for handlers over the org.' })
  async contactMasked(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<string | null> {
    return opinionService.contactMasked(ctx, o);
  }

  @FieldResolver(() => [OpinionTransfer], { description: 'Every hand-over, oldest first.' })
  async transfers(@Root() o: Opinion, @Ctx() ctx: RequestContext): Promise<OpinionTransfer[]> {
    return opinionService.transfers(ctx, o);
  }
}

async function userById(ctx: RequestContext, tenantId: string, id: string): Promise<User | null> {
  return ctx
    .loader<string, User | null>('opinion.users', async (ids) => {
      const rows = await ctx.tx
        .repository(User)
        .createQueryBuilder('u')
        .where('u.tenant_id = :t AND u.id = ANY(:ids)', { t: tenantId, ids: [...ids] })
        .getMany();
      return ids.map((i) => rows.find((u) => u.id === i) ?? null);
    })
    .load(id);
}

@Resolver(() => OpinionTransfer)
export class OpinionTransferResolver {
  @FieldResolver(() => User)
  async from(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<User> {
    return (await userById(ctx, t.tenantId, t.fromUserId))!;
  }

  @FieldResolver(() => User)
  async to(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<User> {
    return (await userById(ctx, t.tenantId, t.toUserId))!;
  }

  @FieldResolver(() => User)
  async by(@Root() t: OpinionTransfer, @Ctx() ctx: RequestContext): Promise<User> {
    return (await userById(ctx, t.tenantId, t.transferredBy))!;
  }
}
