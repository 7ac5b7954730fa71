import { Max, Min } from 'class-validator';
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
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findingSeverityLabels } from '../supervision/supervision.entity';
import { AssessmentComponent, AssessmentRule, AssessmentRuleValuesInput, SeverityPoints } from './assessment.entity';
import { assessmentService } from './assessment.service';

@InputType({ description: '设置年度考核规则' })
class SetAssessmentRuleInput {
  @Field(() => Int, { description: '年度（2000 至 2100）' }) @Min(2000) @Max(2100) year: number;
  @Field(() => ID, { nullable: true, description: '成绩计入当年考核的创建活动' }) campaignId?: string | null;
  @Field(() => AssessmentRuleValuesInput, { description: '计分规则的取值' }) rule: AssessmentRuleValuesInput;
}

@ObjectType({ description: '年度党建目标考核：一个党组织一个年度的考核得分及其构成' })
class AnnualAssessment {
  @Field(() => Org, { description: '被考核的党组织' }) org: Org;
  @Field(() => Int, { description: '年度' }) year: number;
  @Field(() => Float, { description: '总分' }) total: number;
  @Field(() => Int, { description: '名次：在所查范围内的排名（总分相同名次相同；查询单个组织时为 1）' }) rank: number;
  @Field(() => [AssessmentComponent], { description: '总分的各组成部分（可逐项核对）' })
  components: AssessmentComponent[];
}

const AnnualAssessmentConnection = Connection(AnnualAssessment);

@ArgsType()
class AssessmentRankingArgs extends PageArgs {
  @Field(() => ID, { description: '排名范围：此组织的全部下级（不含其本身）' }) under: string;
  @Field(() => Int, { description: '年度' }) year: number;
}

@Resolver(() => AssessmentRule)
export class AssessmentResolver {
  @Query(() => AssessmentRule, { nullable: true, description: '某年度的考核规则；未设置为空' })
  async assessmentRule(
    @Arg('year', () => Int, { description: '年度' }) year: number,
    @Ctx() ctx: RequestContext,
  ): Promise<AssessmentRule | null> {
    return assessmentService.rule(ctx, year);
  }

  @Mutation(() => AssessmentRule, { description: '设置某年度的考核规则（根组织的管理员）；已有的被替换' })
  async setAssessmentRule(
    @Arg('input', { description: '年度、创建活动和计分规则' }) input: SetAssessmentRuleInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AssessmentRule> {
    return assessmentService.setRule(ctx, input.year, input.campaignId ? idOf('Campaign', input.campaignId) : null, input.rule);
  }

  @Query(() => AnnualAssessment, { description: '一个党组织某年度的考核得分及其构成（须在您的权限范围内）' })
  async annualAssessment(
    @Arg('orgId', () => ID, { description: '党组织' }) org: string,
    @Arg('year', () => Int, { description: '年度' }) year: number,
    @Ctx() ctx: RequestContext,
  ): Promise<AnnualAssessment> {
    const target = await orgService.getInScopeOrThrow(ctx, idOf('Org', org));
    return assessmentService.forOrg(ctx, year, target);
  }

  @Query(() => AnnualAssessmentConnection, { description: '考核排名：under 的全部下级按年度考核总分从高到低（同分按组织树顺序）' })
  async assessmentRanking(@Args() args: AssessmentRankingArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<AnnualAssessment>> {
    const root = await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under));
    return toConnection(await assessmentService.ranking(ctx, args.year, root, pageSize(args), args.after));
  }

  @FieldResolver(() => Campaign, { nullable: true, description: '成绩计入当年考核的创建活动' })
  async campaign(@Root() rule: AssessmentRule, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return rule.campaignId ? campaignService.findById(ctx, rule.campaignId) : null;
  }
}

@Resolver(() => SeverityPoints)
export class SeverityPointsResolver {
  @FieldResolver(() => String, { description: '严重程度的中文名' })
  severityLabel(@Root() p: SeverityPoints): string {
    return findingSeverityLabels[p.severity];
  }
}
