import { ArrayMaxSize, MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { SatisfactionFigures, tenantToday } from '../link-code/public';
import { File } from '../file/file.entity';
import { FileIdsField } from '../file/file.inputs';
import { fileIdsOf } from '../file/file.resolver';
import { fileService } from '../file/file.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import { Commitment, CommitmentState, commitmentStateLabels } from './commitment.entity';
import { commitmentService } from './commitment.service';

export const CommitmentConnection = Connection(Commitment);

@InputType({ description: '亮承诺的内容' })
class PledgeCommitmentInput {
  @Field(() => ID, { description: '作出承诺的党组织（或承诺党员所在的组织）' }) orgId: string;
  @Field({ description: '承诺内容' }) @MinLength(1) @MaxLength(2000) text: string;
  @Field(() => DateScalar, { description: '践诺期限（不早于今天）' }) dueOn: Date;
  @Field(() => ID, { nullable: true, description: '党员个人承诺时的承诺人；党员本人承诺时不填（即本人）' })
  memberUserId?: string | null;
}

@InputType({ description: '践诺报告' })
class FulfilCommitmentInput {
  @Field(() => ID, { description: '承诺' }) id: string;
  @Field({ description: '践诺情况：承诺如何兑现' }) @MinLength(1) @MaxLength(20000) report: string;
  @Field(() => [String], { defaultValue: [], description: '佐证材料（文件名或编号，最多 50 项）' })
  @ArrayMaxSize(50)
  @MaxLength(500, { each: true })
  evidenceRefs: string[];
  @FileIdsField('践诺佐证文件（照片、办结单等；最多 50 个）；践诺后不能取下') fileIds?: string[] | null;
}

@ArgsType()
class CommitmentsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的承诺；不填为您的全部权限范围' }) under?: string;
  @Field(() => ID, { nullable: true, description: '只列此组织的承诺' }) orgId?: string;
  @Field(() => CommitmentState, { nullable: true, description: '只列此状态（逾期：已过期限仍未践诺）' }) state?: CommitmentState;
}

@Resolver(() => Commitment)
export class CommitmentResolver {
  @Query(() => Commitment, { description: '一项承诺（须在您的权限范围内）' })
  async commitment(@Arg('id', () => ID, { description: '承诺编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Commitment> {
    return commitmentService.getOrThrow(ctx, idOf('Commitment', id));
  }

  @Query(() => CommitmentConnection, { description: '承诺列表：子树内组织的承诺，期限最近的在前' })
  async commitments(@Args() args: CommitmentsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Commitment>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const org = args.orgId ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId)) : null;
    return toConnection(await commitmentService.list(ctx, { under, orgId: org?.id, state: args.state }, pageSize(args), args.after));
  }

  @Mutation(() => Commitment, { description: '亮承诺：组织或党员的公开承诺（组织书记或上级负责人代表组织，党员为本人）' })
  async pledgeCommitment(
    @Arg('input', { description: '承诺内容' }) input: PledgeCommitmentInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Commitment> {
    return commitmentService.pledge(ctx, {
      orgId: idOf('Org', input.orgId),
      text: input.text,
      dueOn: toDateString(input.dueOn),
      memberUserId: input.memberUserId ? idOf('User', input.memberUserId) : null,
    });
  }

  @Mutation(() => Commitment, { description: '践诺：报告承诺兑现情况及佐证' })
  async fulfilCommitment(
    @Arg('input', { description: '践诺报告' }) input: FulfilCommitmentInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Commitment> {
    return commitmentService.fulfil(
      ctx,
      idOf('Commitment', input.id, 'Commitment'),
      input.report,
      input.evidenceRefs,
      fileIdsOf(input.fileIds, 'input.fileIds'),
    );
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() c: Commitment): string {
    return toGlobalId('Commitment', c.id);
  }

  @FieldResolver(() => CommitmentState, { description: '状态：已承诺、已践诺，或逾期未践诺（按本单位时区的今天判断）' })
  async state(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<CommitmentState> {
    return commitmentService.stateOf(c, await tenantToday(ctx));
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  async stateLabel(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<string> {
    return commitmentStateLabels[commitmentService.stateOf(c, await tenantToday(ctx))];
  }

  @FieldResolver(() => [File], { description: '践诺佐证文件（随践诺报告附上；最多 50 个）' })
  async files(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'CommitmentFulfilment', c.id);
  }

  @FieldResolver(() => Boolean, { description: '是否逾期：已过践诺期限仍未践诺' })
  async overdue(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<boolean> {
    return commitmentService.stateOf(c, await tenantToday(ctx)) === CommitmentState.OVERDUE;
  }

  @FieldResolver(() => Org, { description: '作出承诺的党组织（承诺因它而可见）' })
  async org(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, c.orgId);
  }

  @FieldResolver(() => String, { nullable: true, description: '承诺党员的姓名；组织承诺为空' })
  async memberName(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, c.memberUserId);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: '承诺党员的账号：仅本人和管理该党员所在组织的管理员可见，其他人为空（姓名见 memberName）',
  })
  async member(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<User | null> {
    return c.memberUserId ? userService.findById(ctx, c.memberUserId) : null;
  }

  @FieldResolver(() => SatisfactionFigures, { description: '评诺：群众对此承诺的评价' })
  async rating(@Root() c: Commitment, @Ctx() ctx: RequestContext): Promise<SatisfactionFigures> {
    return commitmentService.rating(ctx, c);
  }
}
