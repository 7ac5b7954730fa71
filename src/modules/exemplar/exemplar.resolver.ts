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
import { RequestContext, requireUser } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { Org, OrgCategory, orgCategoryLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import {
  Exemplar,
  ExemplarKindCode,
  ExemplarKindDefinition,
  ExemplarObjection,
  ExemplarReevaluation,
  ExemplarState,
  ExemplarStateChange,
  ReevaluationResult,
  exemplarStateLabels,
  reevaluationResultLabels,
} from './exemplar.entity';
import { exemplarKindService } from './exemplar-kind.service';
import { EXEMPLAR_LIMIT_BOUNDS, ExemplarCountRow, exemplarService } from './exemplar.service';

export const ExemplarConnection = Connection(Exemplar);
export const ExemplarObjectionConnection = Connection(ExemplarObjection);

@InputType({ description: '推荐典型' })
class NominateExemplarInput {
  @Field(() => ExemplarKindCode, { description: '类别的代码（本单位设立的类别之一，见 exemplarKinds）' }) kind: string;
  @Field(() => ID, { description: '被推荐的个人、岗位或窗口所在的党组织；组织类（如重点培育）为该组织本身' }) orgId: string;
  @Field(() => Int, { description: '评选年度（2000–2100）' }) @Min(2000) @Max(2100) year: number;
  @Field(() => String, { nullable: true, description: '岗位或窗口的名称（岗位类、窗口类必填；个人类可填其岗位；组织类不填）' })
  @IsOptional()
  @MaxLength(200)
  title?: string | null;
  @Field(() => String, { nullable: true, description: '党员姓名（个人类必填；岗位、窗口类如有则填；组织类不填）' })
  @IsOptional()
  @MaxLength(100)
  memberName?: string | null;
  @Field({ defaultValue: '', description: '推荐理由、主要事迹' }) @MaxLength(20000) reason: string;
}

@InputType({ description: '典型的一步流转（审核、命名）' })
class ExemplarStepInput {
  @Field(() => ID, { description: '典型' }) id: string;
  @Field({ defaultValue: '', description: '说明，记入流转记录' }) @MaxLength(5000) note: string;
}

@InputType({ description: '开始公示' })
class StartExemplarNoticeInput {
  @Field(() => ID, { description: '典型（须在审核中）' }) id: string;
  @Field(() => DateScalar, { description: '公示开始日期：今天或以后（按本单位日历）' }) startsOn: Date;
  @Field(() => DateScalar, { description: '公示结束日期（含当天），不早于开始日期' }) endsOn: Date;
  @Field({ defaultValue: '', description: '说明，记入流转记录' }) @MaxLength(5000) note: string;
}

@InputType({ description: '不予通过或撤销命名' })
class CloseExemplarInput {
  @Field(() => ID, { description: '典型' }) id: string;
  @Field({ description: '理由（必填）' }) @MinLength(1) @MaxLength(5000) reason: string;
}

@InputType({ description: '提出公示异议' })
class LodgeExemplarObjectionInput {
  @Field(() => ID, { description: '公示中的典型' }) exemplarId: string;
  @Field({ description: '异议内容' }) @MinLength(1) @MaxLength(5000) text: string;
}

@InputType({ description: '答复公示异议' })
class AnswerExemplarObjectionInput {
  @Field(() => ID, { description: '异议' }) objectionId: string;
  @Field({ description: '答复内容' }) @MinLength(1) @MaxLength(5000) answer: string;
  @Field({ defaultValue: false, description: '异议是否成立：成立则该典型不能命名，只能作未通过处理' })
  upheld: boolean;
}

@InputType({ description: '复评已命名的典型' })
class ReevaluateExemplarInput {
  @Field(() => ID, { description: '已命名（或复评保留）的典型' }) id: string;
  @Field(() => DateScalar, { description: '复评日期：不早于命名日期，不晚于今天' }) evaluatedOn: Date;
  @Field(() => ReevaluationResult, { description: '复评结论' }) result: ReevaluationResult;
  @Field({ defaultValue: '', description: '复评意见；撤销时必填，即撤销理由' }) @MaxLength(5000) note: string;
}

@InputType({ description: '设置选树典型名额' })
class SetExemplarLimitInput {
  @Field(() => Int, { description: '评选年度' }) @Min(2000) @Max(2100) year: number;
  @Field(() => ExemplarKindCode, { description: '类别的代码' }) kind: string;
  @Field(() => OrgCategory, { description: '单位类别（机关/事业/企业）' }) category: OrgCategory;
  @Field(() => Int, { description: '同时保有称号的上限，须在该类别的名额范围内（exemplarLimitBounds(kind:)；默认三类为“筛选1-3个”）' })
  limit: number;
}

@ArgsType()
class ExemplarsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的典型；不填为您的权限范围（公示中和已命名的为全单位）' })
  under?: string;
  @Field(() => ExemplarKindCode, { nullable: true, description: '只列此类别（代码）' }) kind?: string;
  @Field(() => OrgCategory, { nullable: true, description: '只列此单位类别' }) category?: OrgCategory;
  @Field(() => ExemplarState, { nullable: true, description: '只列此状态' }) state?: ExemplarState;
  @Field(() => Int, { nullable: true, description: '只列此年度' }) year?: number;
}

@ObjectType({ description: '名额使用情况：某年度某类别、某单位类别的名额上限、已命名和在评数' })
class ExemplarCount {
  @Field(() => Int, { description: '评选年度' }) year: number;
  @Field(() => ExemplarKindCode, { description: '类别的代码' }) kind: string;
  @Field({ description: '类别的名称（称号）' }) kindLabel: string;
  @Field(() => OrgCategory, { description: '单位类别' }) category: OrgCategory;
  @Field({ description: '单位类别的中文名（机关/事业/企业）' }) categoryLabel: string;
  @Field(() => Int, { description: '名额上限' }) limit: number;
  @Field(() => Int, { description: '保有称号的个数（已命名、复评保留；已撤销组织的不计）' }) named: number;
  @Field(() => Int, { description: '在评的个数（已推荐、审核中、公示中）：只计本人权限范围内的组织' }) pending: number;
  @Field(() => Int, { description: '尚可命名的个数' }) remaining: number;
}

@ObjectType({ description: '名额上限的取值范围：管理员设置名额时的最小、最大值，未设置时的默认值' })
class ExemplarLimitBounds {
  @Field(() => Int, { description: '最小值' }) min: number;
  @Field(() => Int, { description: '最大值' }) max: number;
  @Field(() => Int, { name: 'default', description: '未设置时的名额' }) default: number;
  @Field({ description: '依据（方案原文）' }) source: string;
}

const countOf =
  (year: number) =>
  (r: ExemplarCountRow): ExemplarCount => ({
    year,
    kind: r.kind,
    kindLabel: r.kind_label,
    category: r.category,
    categoryLabel: orgCategoryLabels[r.category],
    limit: r.limit,
    named: r.named,
    pending: r.pending,
    remaining: Math.max(r.limit - r.named, 0),
  });
const exemplarId = (id: string) => idOf('Exemplar', id);

@Resolver(() => Exemplar)
export class ExemplarResolver {
  @Query(() => Exemplar, { description: '一个典型（其组织在您的权限范围内；公示中和已命名的全单位可见）' })
  async exemplar(@Arg('id', () => ID, { description: '典型编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.getOrThrow(ctx, exemplarId(id));
  }

  @Query(() => ExemplarConnection, {
    description: '典型列表：按类别、单位类别、状态、年度筛选，年度新的在前；权限范围内的任何状态，公示中和已命名的全单位可见',
  })
  async exemplars(@Args() args: ExemplarsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Exemplar>> {
    const under = args.under ? await orgService.getOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(
      await exemplarService.list(
        ctx,
        { under, kind: args.kind, category: args.category, state: args.state, year: args.year },
        pageSize(args),
        args.after,
      ),
    );
  }

  @Query(() => ExemplarLimitBounds, {
    description: '名额上限的取值范围（setExemplarLimit 接受的值）：某类别的范围；不填类别为默认三类的“筛选1-3个”',
  })
  async exemplarLimitBounds(
    @Ctx() ctx: RequestContext,
    @Arg('kind', () => ExemplarKindCode, { nullable: true, description: '类别的代码；不填为默认三类的范围' }) kind?: string,
  ): Promise<ExemplarLimitBounds> {
    if (!kind) return { ...EXEMPLAR_LIMIT_BOUNDS, source: '按照机关、事业、企业的分类，筛选1-3个' };
    const k = await exemplarKindService.getByCode(ctx, kind, 'kind');
    return {
      min: k.limitMin,
      max: k.limitMax,
      default: k.limitDefault,
      source: k.builtIn ? '按照机关、事业、企业的分类，筛选1-3个' : '本单位设定',
    };
  }

  @Query(() => [ExemplarCount], {
    description: '名额使用情况：某年度各类别（本单位在用的类别）、各单位类别的名额上限、已命名和在评数（至多 类别数×3 项）',
  })
  async exemplarCounts(
    @Ctx() ctx: RequestContext,
    @Arg('year', () => Int, { description: '评选年度' }) year: number,
    @Arg('kind', () => ExemplarKindCode, { nullable: true, description: '只看此类别（代码）；不填为全部在用类别' }) kind?: string,
  ): Promise<ExemplarCount[]> {
    return (await exemplarService.counts(ctx, year, kind)).map(countOf(year));
  }

  @Mutation(() => Exemplar, {
    description: '推荐典型：组织书记或其上级负责人按本单位设立的类别推荐（党员示范岗、示范窗口、重点培育直属党组织等）',
  })
  async nominateExemplar(
    @Arg('input', { description: '推荐的内容' }) input: NominateExemplarInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Exemplar> {
    return exemplarService.nominate(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Exemplar, { description: '开始审核：已推荐 → 审核中（本单位管理员或领导小组）' })
  async startExemplarReview(
    @Arg('input', { description: '典型及说明' }) input: ExemplarStepInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Exemplar> {
    return exemplarService.startReview(ctx, exemplarId(input.id), input.note);
  }

  @Mutation(() => Exemplar, { description: '开始公示：审核中 → 公示中，公示若干天（本单位管理员或领导小组）' })
  async startExemplarNotice(
    @Arg('input', { description: '典型及公示期' }) input: StartExemplarNoticeInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Exemplar> {
    return exemplarService.startNotice(
      ctx,
      exemplarId(input.id),
      { startsOn: toDateString(input.startsOn), endsOn: toDateString(input.endsOn) },
      input.note,
    );
  }

  @Mutation(() => Exemplar, { description: '不予通过：审核中或公示中 → 未通过，须写明理由（本单位管理员或领导小组）' })
  async rejectExemplar(
    @Arg('input', { description: '典型及理由' }) input: CloseExemplarInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Exemplar> {
    return exemplarService.reject(ctx, exemplarId(input.id), input.reason);
  }

  @Mutation(() => ExemplarObjection, { description: '提出公示异议：公示期内本单位任何人均可提出' })
  async lodgeExemplarObjection(
    @Arg('input', { description: '异议' }) input: LodgeExemplarObjectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ExemplarObjection> {
    return exemplarService.lodgeObjection(ctx, exemplarId(input.exemplarId), input.text);
  }

  @Mutation(() => ExemplarObjection, { description: '答复公示异议（本单位管理员或领导小组）；命名前每条异议都须答复' })
  async answerExemplarObjection(
    @Arg('input', { description: '答复' }) input: AnswerExemplarObjectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ExemplarObjection> {
    return exemplarService.answerObjection(ctx, idOf('ExemplarObjection', input.objectionId, 'Objection'), input.answer, input.upheld);
  }

  @Mutation(() => Exemplar, {
    description:
      '命名：公示中 → 已命名，须公示期满、异议全部答复且无成立的异议；不须公示的类别也可审核中 → 已命名；均须在名额之内（本单位管理员或领导小组）',
  })
  async nameExemplar(@Arg('input', { description: '典型及说明' }) input: ExemplarStepInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.name(ctx, exemplarId(input.id), input.note);
  }

  @Mutation(() => Exemplar, { description: '复评已命名的典型：保留 → 复评保留，撤销 → 已撤销（本单位管理员或领导小组）' })
  async reevaluateExemplar(
    @Arg('input', { description: '复评结果' }) input: ReevaluateExemplarInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Exemplar> {
    return exemplarService.reevaluate(ctx, exemplarId(input.id), {
      evaluatedOn: toDateString(input.evaluatedOn),
      result: input.result,
      note: input.note,
    });
  }

  @Mutation(() => Exemplar, { description: '撤销命名：已命名或复评保留 → 已撤销，须写明理由（本单位管理员或领导小组）' })
  async revokeExemplar(
    @Arg('input', { description: '典型及理由' }) input: CloseExemplarInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Exemplar> {
    return exemplarService.revoke(ctx, exemplarId(input.id), input.reason);
  }

  @Mutation(() => ExemplarCount, { description: '设置某年度某类别、某单位类别的名额上限（根组织的管理员；默认 3 个）' })
  async setExemplarLimit(
    @Arg('input', { description: '名额' }) input: SetExemplarLimitInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ExemplarCount> {
    return countOf(input.year)(await exemplarService.setLimit(ctx, input));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() e: Exemplar): string {
    return toGlobalId('Exemplar', e.id);
  }

  @FieldResolver(() => String, { description: '类别的名称（如党员示范岗、党员示范窗口、重点培育直属党组织、铁人式标兵）' })
  async kindLabel(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<string> {
    return exemplarKindService.label(ctx, e.kind);
  }

  @FieldResolver(() => ExemplarKindDefinition, { nullable: true, description: '类别的设置（对象、名额范围、是否公示）' })
  async kindDefinition(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<ExemplarKindDefinition | null> {
    return exemplarKindService.byCode(ctx, e.kind);
  }

  @FieldResolver(() => String, { description: '单位类别的中文名（机关/事业/企业）' })
  categoryLabel(@Root() e: Exemplar): string {
    return orgCategoryLabels[e.category];
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  stateLabel(@Root() e: Exemplar): string {
    return exemplarStateLabels[e.state];
  }

  @FieldResolver(() => Org, { nullable: true, description: '所在党组织；不在您视野内时为空（公示和命名的典型全单位可见，名称见 orgName）' })
  async org(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, e.orgId);
  }

  @FieldResolver(() => String, { description: '所在党组织的名称（公示、命名时公布的名称）' })
  async orgName(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<string> {
    return exemplarService.orgName(ctx, e);
  }

  @FieldResolver(() => ExemplarObjectionConnection, {
    description: '公示异议，先提出的在前：组织书记及其上级负责人看全部，其他人只看自己提出的',
  })
  async objections(@Root() e: Exemplar, @Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ExemplarObjection>> {
    return toConnection(await exemplarService.objections(ctx, e, pageSize(args), args.after));
  }

  @FieldResolver(() => Int, { description: '未答复的异议数（全部异议，不限于您能看到的）' })
  async unansweredObjections(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<number> {
    return exemplarService.unansweredObjections(ctx, e);
  }

  @FieldResolver(() => [ExemplarReevaluation], { description: '历次复评，早的在前（复评保留至多 20 次，另可有一次撤销）' })
  async reevaluations(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<ExemplarReevaluation[]> {
    return exemplarService.reevaluations(ctx, e);
  }

  @FieldResolver(() => [ExemplarStateChange], { description: '流转记录：从推荐起的每一步，早的在前' })
  async history(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<ExemplarStateChange[]> {
    return exemplarService.history(ctx, e);
  }
}

@Resolver(() => ExemplarObjection)
export class ExemplarObjectionResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() o: ExemplarObjection): string {
    return toGlobalId('ExemplarObjection', o.id);
  }

  @FieldResolver(() => Boolean, { description: '是否为您本人提出' })
  mine(@Root() o: ExemplarObjection, @Ctx() ctx: RequestContext): boolean {
    return o.lodgedBy === requireUser(ctx).userId;
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: '异议人账号：仅本人和管理其所在组织的管理员可见，其他人为空（异议人不向被推荐单位公开，故无姓名字段）',
  })
  async lodgedBy(@Root() o: ExemplarObjection, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, o.lodgedBy);
  }

  @FieldResolver(() => Exemplar, { nullable: true, description: '异议针对的典型（您看不到时为空）' })
  async exemplar(@Root() o: ExemplarObjection, @Ctx() ctx: RequestContext): Promise<Exemplar | null> {
    return exemplarService.find(ctx, o.exemplarId);
  }
}

@Resolver(() => ExemplarReevaluation)
export class ExemplarReevaluationResolver {
  @FieldResolver(() => String, { description: '复评结论的中文名（保留/撤销）' })
  resultLabel(@Root() r: ExemplarReevaluation): string {
    return reevaluationResultLabels[r.result];
  }

  @FieldResolver(() => String, { description: '录入人姓名' })
  async recordedByName(@Root() r: ExemplarReevaluation, @Ctx() ctx: RequestContext): Promise<string> {
    return (await userService.displayName(ctx, r.recordedBy)) ?? '';
  }
}

@Resolver(() => ExemplarStateChange)
export class ExemplarStateChangeResolver {
  @FieldResolver(() => String, { nullable: true, description: '原状态的中文名；推荐时为空' })
  fromStateLabel(@Root() c: ExemplarStateChange): string | null {
    return c.fromState ? exemplarStateLabels[c.fromState] : null;
  }

  @FieldResolver(() => String, { description: '新状态的中文名' })
  toStateLabel(@Root() c: ExemplarStateChange): string {
    return exemplarStateLabels[c.toState];
  }

  @FieldResolver(() => String, { description: '经办人姓名' })
  async movedByName(@Root() c: ExemplarStateChange, @Ctx() ctx: RequestContext): Promise<string> {
    return (await userService.displayName(ctx, c.movedBy)) ?? '';
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: '经办人账号：仅本人和管理其所在组织的管理员可见，其他人为空（姓名见 movedByName）',
  })
  async movedBy(@Root() c: ExemplarStateChange, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, c.movedBy);
  }
}
