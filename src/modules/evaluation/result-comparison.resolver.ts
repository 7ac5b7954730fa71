import { ArrayMaxSize, ArrayMinSize, ValidateNested } from 'class-validator';
import { Args, ArgsType, Ctx, Field, Float, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { Org } from '../org/org.entity';
import { evaluationError } from './evaluation.errors';
import { resultComparisonService } from './result-comparison.service';
import { CriterionMappingInput } from './version-upgrade.resolver';

@ArgsType()
class ResultComparisonArgs {
  @Field(() => ID, { description: '组织' }) orgId: string;
  @Field(() => [ID], { description: '要比较的创建活动（2 至 5 个，按开始日期排列）' })
  @ArrayMinSize(2)
  @ArrayMaxSize(5)
  campaignIds: string[];
  @Field(() => [CriterionMappingInput], {
    defaultValue: [],
    description: '较早版本的评分项与最新版本评分项的对应关系（与版本升级相同）；代码相同的项不填即对应',
  })
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  mapping: CriterionMappingInput[];
}

@ObjectType({ description: '一个创建活动中该组织的结果' })
class ComparisonColumnType {
  @Field(() => Campaign, { description: '创建活动' }) campaign: Campaign;
  @Field(() => Int, { description: '年度（活动开始的年份）' }) year: number;
  @Field(() => Float, { nullable: true, description: '总分；尚无结果为空' }) total: number | null;
  @Field(() => String, { nullable: true, description: '等次代码' }) grade: string | null;
  @Field(() => String, { nullable: true, description: '等次的中文名' }) gradeLabel: string | null;
  @Field(() => Boolean, { nullable: true, description: '是否达标' }) attained: boolean | null;
  @Field(() => Boolean, { nullable: true, description: '必需的考评是否齐全' }) complete: boolean | null;
}

@ObjectType({ description: '一个创建活动中该组织及其下级（参加考评的组织）的汇总' })
class SubtreeComparisonType {
  @Field(() => Campaign, { description: '创建活动' }) campaign: Campaign;
  @Field(() => Int, { description: '参加考评的组织数' }) eligible: number;
  @Field(() => Int, { description: '有结果的组织数' }) evaluated: number;
  @Field(() => Int, { description: '达标的组织数' }) attained: number;
  @Field(() => Float, { nullable: true, description: '平均总分；尚无结果为空' }) meanTotal: number | null;
}

@ObjectType({ description: '最新版本的一个指标，及该组织在各创建活动中的得分率' })
class CriterionComparisonType {
  @Field({ description: '指标代码（最新版本）' }) code: string;
  @Field({ description: '指标名称' }) title: string;
  @Field({ description: '是否为一级指标（维度）' }) dimension: boolean;
  @Field(() => [Float], { nullable: 'items', description: '各创建活动中的得分率（0–1，顺序同 columns）；无对应项或未评分为空' })
  ratios: (number | null)[];
}

@ObjectType({ description: '跨年度（跨创建活动）的结果比较' })
class ResultComparisonType {
  @Field(() => Org, { description: '组织' }) org: Org;
  @Field(() => [ComparisonColumnType], { description: '各创建活动中该组织的结果，早的在前' }) columns: ComparisonColumnType[];
  @Field(() => [SubtreeComparisonType], { description: '各创建活动中该组织及其下级的汇总，顺序同 columns' })
  subtree: SubtreeComparisonType[];
  @Field(() => [CriterionComparisonType], { description: '最新版本的每个指标（按指标树顺序）及各年得分率' })
  criteria: CriterionComparisonType[];
}

@Resolver()
export class ResultComparisonResolver {
  @Query(() => ResultComparisonType, {
    description:
      '跨年度比较一个组织的考评结果（能完整查看该组织的用户）：总分、等次、达标，下级的达标情况，以及每个指标的得分率；指标有变化时按对应关系比较',
  })
  async resultComparison(@Args() args: ResultComparisonArgs, @Ctx() ctx: RequestContext): Promise<ResultComparisonType> {
    const campaignIds = [...new Set(args.campaignIds.map((id) => idOf('Campaign', id)))];
    if (campaignIds.length < 2) throw evaluationError('COMPARISON_NEEDS_TWO', 'campaignIds');
    return resultComparisonService.compare(
      ctx,
      idOf('Org', args.orgId),
      campaignIds,
      args.mapping.map((m) => ({ kind: m.kind, from: m.from, to: m.to ?? [] })),
    );
  }
}
