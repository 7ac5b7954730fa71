import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
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
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import {
  InnovationAwardLevel,
  InnovationGoal,
  InnovationGoalKind,
  InnovationProject,
  InnovationStage,
  InnovationStageChange,
  innovationAwardLevelLabels,
  innovationGoalKindLabels,
  innovationStageLabels,
} from './innovation.entity';
import { GoalInput, innovationService, nextStages } from './innovation.service';

export const InnovationProjectConnection = Connection(InnovationProject);

@InputType({ description: '创新目标' })
class InnovationGoalInput {
  @Field(() => InnovationGoalKind, { description: '目标类别' }) kind: InnovationGoalKind;
  @Field({ description: '目标说明（1–2000 字），如：行政许可审批时限由20个工作日缩短至5个工作日' }) description: string;
  @Field(() => Float, { nullable: true, description: '现状值；填写时须同时填写目标值' }) baseline?: number | null;
  @Field(() => Float, { nullable: true, description: '可量化的目标值；填写时须写明计量单位' }) target?: number | null;
  @Field(() => String, { nullable: true, description: '计量单位（1–50 字），如“工作日”' }) unit?: string | null;
}

@InputType({ description: '创新项目立项' })
class RegisterInnovationProjectInput {
  @Field(() => ID, { description: '开展项目的单位（党组织）' }) orgId: string;
  @Field(() => Int, { description: '年度（2000–2100）' }) @Min(2000) @Max(2100) year: number;
  @Field({ description: '活动主题（1–200 字）' }) @MinLength(1) @MaxLength(200) theme: string;
  @Field({ defaultValue: '', description: '实施方案' }) @MaxLength(50000) plan: string;
  @Field(() => [InnovationGoalInput], { defaultValue: [], description: '创新目标（最多 50 项）' })
  @ArrayMaxSize(50)
  goals: InnovationGoalInput[];
}

@InputType({ description: '修改创新项目（调研、实施阶段）：不填的项保持不变' })
class UpdateInnovationProjectInput {
  @Field(() => ID, { description: '创新项目' }) id: string;
  @Field(() => String, { nullable: true, description: '新的活动主题' }) @IsOptional() @MinLength(1) @MaxLength(200) theme?: string | null;
  @Field(() => String, { nullable: true, description: '新的实施方案' }) @IsOptional() @MaxLength(50000) plan?: string | null;
  @Field(() => [InnovationGoalInput], { nullable: true, description: '新的全部目标（替换原有目标）' })
  @IsOptional()
  @ArrayMaxSize(50)
  goals?: InnovationGoalInput[] | null;
}

@InputType({ description: '成效评估' })
class InnovationEvaluationInput {
  @Field(() => Float, { description: '得分：0–100，最多两位小数' }) score: number;
  @Field({ description: '评估意见（1–20000 字）' }) summary: string;
}

@InputType({ description: '推进创新项目一步' })
class MoveInnovationProjectInput {
  @Field(() => ID, { description: '创新项目' }) id: string;
  @Field(() => InnovationStage, { description: '转入的阶段：下一阶段，或从督查指导退回实施' }) to: InnovationStage;
  @Field(() => String, { nullable: true, description: '说明，记入流转记录；退回实施时必填（退回理由）' })
  @IsOptional()
  @MaxLength(5000)
  note?: string | null;
  @Field(() => InnovationEvaluationInput, { nullable: true, description: '成效评估：转入成效评估时必填，其他时候不填' })
  evaluation?: InnovationEvaluationInput | null;
  @Field(() => InnovationAwardLevel, { nullable: true, description: '奖项等级：转入评比表彰时必填，其他时候不填' })
  awardLevel?: InnovationAwardLevel | null;
}

@ArgsType()
class InnovationProjectsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织的项目；不填为您的全部权限范围' }) under?: string;
  @Field(() => InnovationStage, { nullable: true, description: '只列此阶段' }) stage?: InnovationStage;
  @Field(() => Int, { nullable: true, description: '只列此年度' }) year?: number;
}

@ArgsType()
class InnovationAwardRankingArgs extends PageArgs {
  @Field(() => Int, { description: '年度' }) year: number;
  @Field(() => ID, { nullable: true, description: '只排此子树内组织的项目；不填为您的全部权限范围' }) under?: string;
}

@ObjectType({ description: '评比表彰排名中的一项' })
class InnovationRankingEntry {
  @Field(() => Int, { description: '名次：得分相同名次相同（1, 2, 2, 4）' }) rank: number;
  @Field(() => InnovationProject, { description: '创新项目' }) project: InnovationProject;
}

export const InnovationRankingEntryConnection = Connection(InnovationRankingEntry);

const goalsOf = (goals: InnovationGoalInput[]): GoalInput[] =>
  goals.map((g) => ({
    kind: g.kind,
    description: g.description,
    baseline: g.baseline ?? null,
    target: g.target ?? null,
    unit: g.unit ?? null,
  }));
const projectId = (id: string) => idOf('InnovationProject', id, 'Innovation project');

@Resolver(() => InnovationProject)
export class InnovationProjectResolver {
  @Query(() => InnovationProject, { description: '一个创新项目（其组织须在您的权限范围内）' })
  async innovationProject(
    @Arg('id', () => ID, { description: '创新项目编号' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<InnovationProject> {
    return innovationService.getOrThrow(ctx, projectId(id));
  }

  @Query(() => InnovationProjectConnection, {
    description: '创新项目列表：子树内按阶段、年度筛选（年底总览），按组织树的顺序排列',
  })
  async innovationProjects(@Args() args: InnovationProjectsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<InnovationProject>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(await innovationService.list(ctx, { under, stage: args.stage, year: args.year }, pageSize(args), args.after));
  }

  @Query(() => InnovationRankingEntryConnection, {
    description: '评比表彰排名：某年度子树内已完成成效评估的项目，得分高的在前',
  })
  async innovationAwardRanking(
    @Args() args: InnovationAwardRankingArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<InnovationRankingEntry>> {
    const org = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(await innovationService.ranking(ctx, args.year, org, pageSize(args), args.after));
  }

  @Mutation(() => InnovationProject, { description: '创新项目立项：单位书记或其上级负责人登记“多彩服务”项目，从调研阶段开始' })
  async registerInnovationProject(
    @Arg('input', { description: '立项内容' }) input: RegisterInnovationProjectInput,
    @Ctx() ctx: RequestContext,
  ): Promise<InnovationProject> {
    return innovationService.register(ctx, { ...input, orgId: idOf('Org', input.orgId), goals: goalsOf(input.goals) });
  }

  @Mutation(() => InnovationProject, { description: '修改创新项目的主题、方案或目标（仅调研、实施阶段）' })
  async updateInnovationProject(
    @Arg('input', { description: '修改内容' }) input: UpdateInnovationProjectInput,
    @Ctx() ctx: RequestContext,
  ): Promise<InnovationProject> {
    return innovationService.update(ctx, projectId(input.id), {
      theme: input.theme,
      plan: input.plan,
      goals: input.goals ? goalsOf(input.goals) : null,
    });
  }

  @Mutation(() => InnovationProject, {
    description: '推进创新项目一步（或从督查指导退回实施，须写明理由），记入流转记录',
  })
  async moveInnovationProject(
    @Arg('input', { description: '流转内容' }) input: MoveInnovationProjectInput,
    @Ctx() ctx: RequestContext,
  ): Promise<InnovationProject> {
    return innovationService.move(ctx, projectId(input.id), {
      to: input.to,
      note: input.note,
      awardLevel: input.awardLevel,
      evaluation: input.evaluation ? { score: input.evaluation.score, summary: input.evaluation.summary } : null,
    });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() p: InnovationProject): string {
    return toGlobalId('InnovationProject', p.id);
  }

  @FieldResolver(() => String, { description: '阶段的中文名' })
  stageLabel(@Root() p: InnovationProject): string {
    return innovationStageLabels[p.stage];
  }

  @FieldResolver(() => String, { nullable: true, description: '奖项等级的中文名；未表彰为空' })
  awardLevelLabel(@Root() p: InnovationProject): string | null {
    return p.awardLevel ? innovationAwardLevelLabels[p.awardLevel] : null;
  }

  @FieldResolver(() => [InnovationStage], { description: '从当前阶段一步可转入的阶段' })
  nextStages(@Root() p: InnovationProject): InnovationStage[] {
    return nextStages(p.stage);
  }

  @FieldResolver(() => Org, { description: '开展项目的单位（党组织）' })
  async org(@Root() p: InnovationProject, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, p.orgId);
  }

  @FieldResolver(() => [InnovationGoal], { description: '创新目标，按序号（至多 50 项）' })
  async goals(@Root() p: InnovationProject, @Ctx() ctx: RequestContext): Promise<InnovationGoal[]> {
    return innovationService.goals(ctx, p);
  }

  @FieldResolver(() => [InnovationStageChange], { description: '流转记录：从立项起的每一步，早的在前（退回实施至多 10 次）' })
  async history(@Root() p: InnovationProject, @Ctx() ctx: RequestContext): Promise<InnovationStageChange[]> {
    return innovationService.history(ctx, p);
  }
}

@Resolver(() => InnovationGoal)
export class InnovationGoalResolver {
  @FieldResolver(() => String, { description: '目标类别的中文名' })
  kindLabel(@Root() g: InnovationGoal): string {
    return innovationGoalKindLabels[g.kind];
  }
}

@Resolver(() => InnovationStageChange)
export class InnovationStageChangeResolver {
  @FieldResolver(() => String, { nullable: true, description: '原阶段的中文名；立项时为空' })
  fromStageLabel(@Root() c: InnovationStageChange): string | null {
    return c.fromStage ? innovationStageLabels[c.fromStage] : null;
  }

  @FieldResolver(() => String, { description: '新阶段的中文名' })
  toStageLabel(@Root() c: InnovationStageChange): string {
    return innovationStageLabels[c.toStage];
  }

  @FieldResolver(() => String, { description: '经办人姓名' })
  async movedByName(@Root() c: InnovationStageChange, @Ctx() ctx: RequestContext): Promise<string> {
    return (await userService.displayName(ctx, c.movedBy)) ?? '';
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: '经办人账号：仅本人和管理其所在组织的管理员可见，其他人为空（姓名见 movedByName）',
  })
  async movedBy(@Root() c: InnovationStageChange, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, c.movedBy);
  }
}
