import { ArrayMaxSize, IsOptional, MaxLength, MinLength } from 'class-validator';
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
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { tenantToday } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import {
  PeerHelpRequest,
  PeerHelpState,
  PeerPairing,
  PeerPairingState,
  PeerRelation,
  peerHelpStateLabels,
  peerPairingStateLabels,
  peerRelationLabels,
} from './peer-help.entity';
import { MAX_GOALS, MAX_GOAL_LENGTH, PeerFigures, pairingState, peerHelpService } from './peer-help.service';

export const PeerPairingConnection = Connection(PeerPairing);
export const PeerHelpRequestConnection = Connection(PeerHelpRequest);

@ObjectType({ description: '可请求帮助的组织：结对共建中的组织或同一上级下的兄弟组织（仅名称，供提出互助请求时选择）' })
export class PeerHelpTarget {
  @Field(() => ID, { description: '组织的全局编号（提出互助请求时作 toOrgId）' }) orgId: string;
  @Field({ description: '组织名称' }) name: string;
  @Field(() => PeerRelation, { description: '关系：结对组织优先' }) relation: PeerRelation;
  @Field({ description: '关系的中文名' }) relationLabel: string;
  @Field(() => ID, { nullable: true, description: '在结对共建中时，该结对共建的编号' }) pairingId: string | null;
}
export const PeerHelpTargetConnection = Connection(PeerHelpTarget);

@ObjectType({ description: '互助情况：某组织在统计期内提出和被请求的互助请求（一次请求计入双方）' })
class PeerHelpFigures {
  @Field(() => Int, { description: '本组织提出的请求数' }) asked: number;
  @Field(() => Int, { description: '本组织提出且已获答复的请求数' }) askedAnswered: number;
  @Field(() => Int, { description: '向本组织提出的请求数' }) received: number;
  @Field(() => Int, { description: '本组织已答复的请求数（帮助了兄弟组织）' }) answered: number;
  @Field(() => Int, { description: '本组织在期限内答复的请求数' }) answeredOnTime: number;
  @Field(() => Int, { description: '向本组织提出、已过期限仍未答复的请求数' }) overdue: number;
}

@InputType({ description: '建立结对共建' })
class CreatePeerPairingInput {
  @Field(() => ID, { description: '结对的一方' }) orgId: string;
  @Field(() => ID, { description: '结对的另一方：与前者同级' }) partnerOrgId: string;
  @Field(() => DateScalar, { description: '共建开始日期' }) startsOn: Date;
  @Field(() => DateScalar, { description: '共建结束日期（含当天；至多 10 年）' }) endsOn: Date;
  @Field(() => [String], { description: `共建目标（1 至 ${MAX_GOALS} 条，每条至多 ${MAX_GOAL_LENGTH} 字）` })
  @ArrayMaxSize(MAX_GOALS)
  @MaxLength(MAX_GOAL_LENGTH, { each: true })
  goals: string[];
}

@InputType({ description: '调整结对共建：只改填写的项' })
class UpdatePeerPairingInput {
  @Field(() => ID, { description: '结对共建' }) id: string;
  @Field(() => DateScalar, { nullable: true, description: '共建开始日期' }) startsOn?: Date | null;
  @Field(() => DateScalar, { nullable: true, description: '共建结束日期' }) endsOn?: Date | null;
  @Field(() => [String], { nullable: true, description: '共建目标（整体替换）' })
  @IsOptional()
  @ArrayMaxSize(MAX_GOALS)
  @MaxLength(MAX_GOAL_LENGTH, { each: true })
  goals?: string[] | null;
}

@InputType({ description: '提前结束结对共建' })
class EndPeerPairingInput {
  @Field(() => ID, { description: '结对共建' }) id: string;
  @Field({ description: '理由' }) @MaxLength(2000) reason: string;
}

@InputType({ description: '提出互助请求' })
class RequestPeerHelpInput {
  @Field(() => ID, { description: '提出请求的党组织' }) fromOrgId: string;
  @Field(() => ID, { description: '被请求的组织：结对组织或同一上级下的兄弟组织（peerHelpTargets 列出）' }) toOrgId: string;
  @Field({ description: '事由' }) @MinLength(1) @MaxLength(200) title: string;
  @Field({ description: '具体情况' }) @MinLength(1) @MaxLength(20000) description: string;
}

@InputType({ description: '答复互助请求' })
class AnswerPeerHelpInput {
  @Field(() => ID, { description: '互助请求' }) id: string;
  @Field({ description: '答复内容：提供了什么帮助，或为何无法提供' }) @MinLength(1) @MaxLength(20000) answer: string;
}

@ArgsType()
class PeerPairingsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列一方在此子树内的；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此组织参与的' }) orgId?: string;
  @Field(() => PeerPairingState, { nullable: true, description: '只列此状态（按今天计算）' }) state?: PeerPairingState;
}

@ArgsType()
class PeerHelpRequestsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列提出方或被请求方在此子树内的；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此组织提出或被请求的' }) orgId?: string;
  @Field(() => PeerHelpState, { nullable: true, description: '只列此状态' }) state?: PeerHelpState;
  @Field(() => Boolean, { nullable: true, description: 'true 只列超过答复期限仍未答复的' }) overdue?: boolean;
}

@ArgsType()
class PeerHelpTargetsArgs extends PageArgs {
  @Field(() => ID, { description: '要提出请求的组织（须是您任书记或上级负责人的组织）' }) fromOrgId: string;
}

@ArgsType()
class PeriodArgs {
  @Field(() => DateScalar, { description: '统计期开始日期（含）' }) from: Date;
  @Field(() => DateScalar, { description: '统计期结束日期（含；至多 10 年）' }) to: Date;
}

const pairingId = (id: string) => idOf('PeerPairing', id, 'Pairing');

@Resolver(() => PeerPairing)
export class PeerPairingResolver {
  @Query(() => PeerPairing, { description: '一项结对共建（须能看到其中一方）' })
  async peerPairing(@Arg('id', () => ID, { description: '结对共建编号' }) id: string, @Ctx() ctx: RequestContext): Promise<PeerPairing> {
    return peerHelpService.getPairingOrThrow(ctx, pairingId(id));
  }

  @Query(() => PeerPairingConnection, {
    description: '结对共建列表：一方在子树内的，开始日期新的在前；上级看到所辖的全部，组织看到自己的，其他兄弟组织看不到',
  })
  async peerPairings(@Args() args: PeerPairingsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PeerPairing>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    return toConnection(await peerHelpService.listPairings(ctx, { under, orgId: org?.id, state: args.state }, pageSize(args), args.after));
  }

  @Mutation(() => PeerPairing, { description: '建立结对共建：两个同级党组织、共建期和共建目标（同时管理两个组织的上级负责人）' })
  async createPeerPairing(
    @Arg('input', { description: '结对的两个组织、共建期和目标' }) input: CreatePeerPairingInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PeerPairing> {
    return peerHelpService.createPairing(ctx, {
      orgId: idOf('Org', input.orgId),
      partnerOrgId: idOf('Org', input.partnerOrgId),
      startsOn: toDateString(input.startsOn),
      endsOn: toDateString(input.endsOn),
      goals: input.goals,
    });
  }

  @Mutation(() => PeerPairing, { description: '调整结对共建的共建期或目标（部分修改；已结束的不能调整）' })
  async updatePeerPairing(
    @Arg('input', { description: '要调整的项' }) input: UpdatePeerPairingInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PeerPairing> {
    return peerHelpService.updatePairing(ctx, pairingId(input.id), {
      startsOn: input.startsOn ? toDateString(input.startsOn) : null,
      endsOn: input.endsOn ? toDateString(input.endsOn) : null,
      goals: input.goals,
    });
  }

  @Mutation(() => PeerPairing, { description: '提前结束结对共建（今天结束，须写明理由）' })
  async endPeerPairing(
    @Arg('input', { description: '结对共建及理由' }) input: EndPeerPairingInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PeerPairing> {
    return peerHelpService.endPairing(ctx, pairingId(input.id), input.reason);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() p: PeerPairing): string {
    return toGlobalId('PeerPairing', p.id);
  }

  @FieldResolver(() => PeerPairingState, { description: '状态（按本单位今天计算）' })
  async state(@Root() p: PeerPairing, @Ctx() ctx: RequestContext): Promise<PeerPairingState> {
    return pairingState(p, await tenantToday(ctx));
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  async stateLabel(@Root() p: PeerPairing, @Ctx() ctx: RequestContext): Promise<string> {
    return peerPairingStateLabels[pairingState(p, await tenantToday(ctx))];
  }

  @FieldResolver(() => Org, { nullable: true, description: '结对的一方；不在您可见范围内时为空（名称见 orgName）' })
  async org(@Root() p: PeerPairing, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, p.orgId);
  }

  @FieldResolver(() => Org, { nullable: true, description: '结对的另一方；不在您可见范围内时为空（名称见 partnerOrgName）' })
  async partnerOrg(@Root() p: PeerPairing, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, p.partnerOrgId);
  }

  @FieldResolver(() => String, { description: '一方的名称' })
  async orgName(@Root() p: PeerPairing, @Ctx() ctx: RequestContext): Promise<string> {
    return (await peerHelpService.orgFacts(ctx, p.orgId))?.name ?? '';
  }

  @FieldResolver(() => String, { description: '另一方的名称' })
  async partnerOrgName(@Root() p: PeerPairing, @Ctx() ctx: RequestContext): Promise<string> {
    return (await peerHelpService.orgFacts(ctx, p.partnerOrgId))?.name ?? '';
  }

  @FieldResolver(() => String, { nullable: true, description: '建立人姓名' })
  async createdByName(@Root() p: PeerPairing, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, p.createdBy);
  }

  @FieldResolver(() => PeerHelpRequestConnection, { description: '通过此结对共建提出的互助请求，新的在前' })
  async requests(@Root() p: PeerPairing, @Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PeerHelpRequest>> {
    return toConnection(await peerHelpService.listRequests(ctx, {}, pageSize(args), args.after, p.id));
  }
}

@Resolver(() => PeerHelpRequest)
export class PeerHelpRequestResolver {
  @Query(() => PeerHelpRequest, { description: '一项互助请求（须能看到提出方或被请求方）' })
  async peerHelpRequest(
    @Arg('id', () => ID, { description: '互助请求编号' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<PeerHelpRequest> {
    return peerHelpService.getRequestOrThrow(ctx, idOf('PeerHelpRequest', id, 'Help request'));
  }

  @Query(() => PeerHelpRequestConnection, {
    description: '互助请求列表：提出方或被请求方在子树内的，新的在前；overdue: true 只列超时未答复的',
  })
  async peerHelpRequests(@Args() args: PeerHelpRequestsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PeerHelpRequest>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    return toConnection(
      await peerHelpService.listRequests(
        ctx,
        { under, orgId: org?.id, state: args.state, overdue: args.overdue },
        pageSize(args),
        args.after,
      ),
    );
  }

  @Query(() => PeerHelpTargetConnection, {
    description: '可请求帮助的组织：结对共建中的组织和同一上级下的兄弟组织，按组织顺序（仅该组织的书记或上级负责人）',
  })
  async peerHelpTargets(@Args() args: PeerHelpTargetsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PeerHelpTarget>> {
    const { page, paired } = await peerHelpService.targets(ctx, idOf('Org', args.fromOrgId), pageSize(args), args.after);
    const targets = page.nodes.map((o): [PeerHelpTarget, string] => {
      const pairing = paired.get(o.id);
      const relation = pairing ? PeerRelation.PAIRED : PeerRelation.SIBLING;
      const target: PeerHelpTarget = {
        orgId: toGlobalId('Org', o.id),
        name: o.name,
        relation,
        relationLabel: peerRelationLabels[relation],
        pairingId: pairing ? toGlobalId('PeerPairing', pairing) : null,
      };
      return [target, page.cursorOf(o)];
    });
    const cursors = new Map(targets);
    return toConnection({ ...page, nodes: targets.map(([target]) => target), cursorOf: (target) => cursors.get(target) ?? '' });
  }

  @Mutation(() => PeerHelpRequest, {
    description: '提出互助请求（同级党组织互帮互助）：组织的书记或上级负责人向结对组织或兄弟组织提出，对方限时答复',
  })
  async requestPeerHelp(
    @Arg('input', { description: '提出方、被请求方、事由和具体情况' }) input: RequestPeerHelpInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PeerHelpRequest> {
    return peerHelpService.raise(ctx, { ...input, fromOrgId: idOf('Org', input.fromOrgId), toOrgId: idOf('Org', input.toOrgId) });
  }

  @Mutation(() => PeerHelpRequest, { description: '答复互助请求（被请求组织的书记或其上级负责人）' })
  async answerPeerHelp(
    @Arg('input', { description: '互助请求和答复内容' }) input: AnswerPeerHelpInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PeerHelpRequest> {
    return peerHelpService.answer(ctx, idOf('PeerHelpRequest', input.id, 'Help request'), input.answer);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() r: PeerHelpRequest): string {
    return toGlobalId('PeerHelpRequest', r.id);
  }

  @FieldResolver(() => String, { description: '状态的中文名（待答复/已答复）' })
  stateLabel(@Root() r: PeerHelpRequest): string {
    return peerHelpStateLabels[r.state];
  }

  @FieldResolver(() => Boolean, { description: '是否超时：已过答复期限仍未答复' })
  overdue(@Root() r: PeerHelpRequest): boolean {
    return r.state === PeerHelpState.OPEN && r.dueAt.getTime() < Date.now();
  }

  @FieldResolver(() => PeerRelation, { description: '两组织的关系：提出时在结对共建中，或为兄弟组织' })
  relation(@Root() r: PeerHelpRequest): PeerRelation {
    return peerHelpService.relationOf(r);
  }

  @FieldResolver(() => String, { description: '关系的中文名' })
  relationLabel(@Root() r: PeerHelpRequest): string {
    return peerRelationLabels[peerHelpService.relationOf(r)];
  }

  @FieldResolver(() => PeerPairing, { nullable: true, description: '所依据的结对共建；兄弟组织间的请求为空' })
  async pairing(@Root() r: PeerHelpRequest, @Ctx() ctx: RequestContext): Promise<PeerPairing | null> {
    return r.pairingId ? peerHelpService.findPairing(ctx, r.pairingId) : null;
  }

  @FieldResolver(() => Org, { nullable: true, description: '提出请求的党组织；不在您可见范围内时为空（名称见 fromOrgName）' })
  async fromOrg(@Root() r: PeerHelpRequest, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.fromOrgId);
  }

  @FieldResolver(() => Org, { nullable: true, description: '被请求的党组织；不在您可见范围内时为空（名称见 toOrgName）' })
  async toOrg(@Root() r: PeerHelpRequest, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.toOrgId);
  }

  @FieldResolver(() => String, { description: '提出请求的党组织名称' })
  async fromOrgName(@Root() r: PeerHelpRequest, @Ctx() ctx: RequestContext): Promise<string> {
    return (await peerHelpService.orgFacts(ctx, r.fromOrgId))?.name ?? '';
  }

  @FieldResolver(() => String, { description: '被请求的党组织名称' })
  async toOrgName(@Root() r: PeerHelpRequest, @Ctx() ctx: RequestContext): Promise<string> {
    return (await peerHelpService.orgFacts(ctx, r.toOrgId))?.name ?? '';
  }

  @FieldResolver(() => String, { nullable: true, description: '提出人姓名' })
  async raisedByName(@Root() r: PeerHelpRequest, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, r.createdBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '答复人姓名；未答复为空' })
  async answeredByName(@Root() r: PeerHelpRequest, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, r.answeredBy);
  }
}

@Resolver(() => Org)
export class OrgPeerHelpResolver {
  @FieldResolver(() => PeerHelpFigures, {
    nullable: true,
    description: '互助情况：统计期内本组织提出和被请求的互助请求（一次请求计入双方）；您只能看到组织名称时为空',
  })
  async peerHelp(@Root() org: Org, @Args() period: PeriodArgs, @Ctx() ctx: RequestContext): Promise<PeerFigures | null> {
    return peerHelpService.figures(ctx, org, { from: toDateString(period.from), to: toDateString(period.to) });
  }
}
