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
import { displayName, visibleUser } from '../leading-group/people';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
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

@InputType()
class InnovationGoalInput {
  @Field(() => InnovationGoalKind) kind: InnovationGoalKind;
  @Field({ description: 'e.g. 行政许可审批时限由20个工作日缩短至5个工作日' }) description: string;
  @Field(() => Float, { nullable: true, description: 'Where it stands now; needs a target.' }) baseline?: number | null;
  @Field(() => Float, { nullable: true, description: 'The measurable target; needs a unit.' }) target?: number | null;
  @Field(() => String, { nullable: true }) unit?: string | null;
}

@InputType()
class RegisterInnovationProjectInput {
  @Field(() => ID, { description: 'The unit running the project.' }) orgId: string;
  @Field(() => Int) @Min(2000) @Max(2100) year: number;
  @Field() @MinLength(1) @MaxLength(200) theme: string;
  @Field({ defaultValue: '', description: '实施方案' }) @MaxLength(50000) plan: string;
  @Field(() => [InnovationGoalInput], { defaultValue: [] }) @ArrayMaxSize(50) goals: InnovationGoalInput[];
}

@InputType()
class UpdateInnovationProjectInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MinLength(1) @MaxLength(200) theme?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(50000) plan?: string | null;
  @Field(() => [InnovationGoalInput], { nullable: true, description: 'Replaces all goals.' }) @IsOptional() @ArrayMaxSize(50) goals?:
    InnovationGoalInput[] | null;
}

@InputType()
class InnovationEvaluationInput {
  @Field(() => Float, { description: '0 to 100.' }) score: number;
  @Field() summary: string;
}

@InputType()
class MoveInnovationProjectInput {
  @Field(() => ID) id: string;
  @Field(() => InnovationStage, { description: 'The next stage, or IMPLEMENTING from SUPERVISED to send it back.' }) to: InnovationStage;
  @Field(() => String, { nullable: true, description: 'Recorded in the history; the reason of a return.' })
  @IsOptional()
  @MaxLength(5000)
  note?: string | null;
  @Field(() => InnovationEvaluationInput, { nullable: true, description: 'Required on the move to EVALUATED.' })
  evaluation?: InnovationEvaluationInput | null;
  @Field(() => InnovationAwardLevel, { nullable: true, description: 'Required on the move to AWARDED.' })
  awardLevel?: InnovationAwardLevel | null;
}

@ArgsType()
class InnovationProjectsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Orgs in this subtree.' }) under?: string;
  @Field(() => InnovationStage, { nullable: true }) stage?: InnovationStage;
  @Field(() => Int, { nullable: true }) year?: number;
}

@ObjectType({ description: 'A place in a year’s award ranking (评比表彰).' })
class InnovationRankingEntry {
  @Field(() => Int, { description: 'Equal scores share a rank.' }) rank: number;
  @Field(() => InnovationProject) project: InnovationProject;
}

const goalsOf = (goals: InnovationGoalInput[]): GoalInput[] =>
  goals.map((g) => ({
    kind: g.kind,
    description: g.description,
    baseline: g.baseline ?? null,
    target: g.target ?? null,
    unit: g.unit ?? null,
  }));

@Resolver(() => InnovationProject)
export class InnovationProjectResolver {
  @Query(() => InnovationProject)
  async innovationProject(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<InnovationProject> {
    return innovationService.getOrThrow(ctx, idOf('InnovationProject', id, 'Innovation project'));
  }

  @Query(() => InnovationProjectConnection, {
    description: 'Projects in a subtree by stage and year (the year-end overview), in tree order.',
  })
  async innovationProjects(@Args() args: InnovationProjectsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<InnovationProject>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(await innovationService.list(ctx, { under, stage: args.stage, year: args.year }, pageSize(args), args.after));
  }

  @Query(() => [InnovationRankingEntry], { description: '评比表彰: a year’s evaluated projects in the subtree, best score first.' })
  async innovationAwardRanking(
    @Ctx() ctx: RequestContext,
    @Arg('year', () => Int) year: number,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
  ): Promise<InnovationRankingEntry[]> {
    const org = under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
    return innovationService.ranking(ctx, year, org, Math.min(Math.max(first, 1), 100));
  }

  @Mutation(() => InnovationProject, { description: 'A unit registers a "多彩服务" project (立项); it starts at RESEARCH.' })
  async registerInnovationProject(
    @Arg('input') input: RegisterInnovationProjectInput,
    @Ctx() ctx: RequestContext,
  ): Promise<InnovationProject> {
    return innovationService.register(ctx, { ...input, orgId: idOf('Org', input.orgId), goals: goalsOf(input.goals) });
  }

  @Mutation(() => InnovationProject, { description: 'Revise theme, plan or goals while at RESEARCH or IMPLEMENTING.' })
  async updateInnovationProject(@Arg('input') input: UpdateInnovationProjectInput, @Ctx() ctx: RequestContext): Promise<InnovationProject> {
    return innovationService.update(ctx, idOf('InnovationProject', input.id, 'Innovation project'), {
      theme: input.theme,
      plan: input.plan,
      goals: input.goals ? goalsOf(input.goals) : null,
    });
  }

  @Mutation(() => InnovationProject, {
    description: 'Move one stage on (or back from SUPERVISED to IMPLEMENTING with a reason); the step is recorded.',
  })
  async moveInnovationProject(@Arg('input') input: MoveInnovationProjectInput, @Ctx() ctx: RequestContext): Promise<InnovationProject> {
    return innovationService.move(ctx, idOf('InnovationProject', input.id, 'Innovation project'), {
      to: input.to,
      note: input.note,
      awardLevel: input.awardLevel,
      evaluation: input.evaluation ? { score: input.evaluation.score, summary: input.evaluation.summary } : null,
    });
  }

  @FieldResolver(() => ID)
  id(@Root() p: InnovationProject): string {
    return toGlobalId('InnovationProject', p.id);
  }

  @FieldResolver(() => String)
  stageLabel(@Root() p: InnovationProject): string {
    return innovationStageLabels[p.stage];
  }

  @FieldResolver(() => String, { nullable: true })
  awardLevelLabel(@Root() p: InnovationProject): string | null {
    return p.awardLevel ? innovationAwardLevelLabels[p.awardLevel] : null;
  }

  @FieldResolver(() => [InnovationStage], { description: 'Where one move can take it from here.' })
  nextStages(@Root() p: InnovationProject): InnovationStage[] {
    return nextStages(p.stage);
  }

  @FieldResolver(() => Org)
  async org(@Root() p: InnovationProject, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, p.orgId))!;
  }

  @FieldResolver(() => [InnovationGoal])
  async goals(@Root() p: InnovationProject, @Ctx() ctx: RequestContext): Promise<InnovationGoal[]> {
    return innovationService.goals(ctx, p);
  }

  @FieldResolver(() => [InnovationStageChange], { description: 'Every step, oldest first, from the registration on.' })
  async history(@Root() p: InnovationProject, @Ctx() ctx: RequestContext): Promise<InnovationStageChange[]> {
    return innovationService.history(ctx, p);
  }
}

@Resolver(() => InnovationGoal)
export class InnovationGoalResolver {
  @FieldResolver(() => String)
  kindLabel(@Root() g: InnovationGoal): string {
    return innovationGoalKindLabels[g.kind];
  }
}

@Resolver(() => InnovationStageChange)
export class InnovationStageChangeResolver {
  @FieldResolver(() => String, { description: 'Display name of who made the step.' })
  async movedByName(@Root() c: InnovationStageChange, @Ctx() ctx: RequestContext): Promise<string> {
    return displayName(ctx, c.movedBy);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The user, where the viewer may read users.' })
  async movedBy(@Root() c: InnovationStageChange, @Ctx() ctx: RequestContext): Promise<User | null> {
    return visibleUser(ctx, c.movedBy);
  }
}
