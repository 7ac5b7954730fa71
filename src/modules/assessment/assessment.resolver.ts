import { Max, Min } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { AssessmentComponent, AssessmentRule, AssessmentRuleValues } from './assessment.entity';
import { assessmentService } from './assessment.service';

@InputType()
class SetAssessmentRuleInput {
  @Field(() => Int) @Min(2000) @Max(2100) year: number;
  @Field(() => ID, { nullable: true, description: 'The campaign whose results feed the year’s score.' }) campaignId?: string | null;
  @Field(() => AssessmentRuleValues) rule: AssessmentRuleValues;
}

@ObjectType({ description: '年度党建目标考核 of one org for one year.' })
class AnnualAssessment {
  @Field(() => Org) org: Org;
  @Field(() => Int) year: number;
  @Field(() => Float) total: number;
  @Field(() => Int, { description: 'Rank within the subtree asked about (1 when asked for one org).' }) rank: number;
  @Field(() => [AssessmentComponent], { description: 'Every component, so the total can be checked by hand.' })
  components: AssessmentComponent[];
}

@Resolver(() => AssessmentRule)
export class AssessmentResolver {
  @Query(() => AssessmentRule, { nullable: true })
  async assessmentRule(@Arg('year', () => Int) year: number, @Ctx() ctx: RequestContext): Promise<AssessmentRule | null> {
    return assessmentService.rule(ctx, year);
  }

  @Mutation(() => AssessmentRule, { description: 'Set the year’s assessment rule (tenant admins).' })
  async setAssessmentRule(@Arg('input') input: SetAssessmentRuleInput, @Ctx() ctx: RequestContext): Promise<AssessmentRule> {
    return assessmentService.setRule(ctx, input.year, input.campaignId ? idOf('Campaign', input.campaignId) : null, input.rule);
  }

  @Query(() => AnnualAssessment)
  async annualAssessment(
    @Arg('orgId', () => ID) org: string,
    @Arg('year', () => Int) year: number,
    @Ctx() ctx: RequestContext,
  ): Promise<AnnualAssessment> {
    const target = await orgService.getInScopeOrThrow(ctx, idOf('Org', org));
    const [row] = await assessmentService.compute(ctx, year, { org: target }, 1);
    return row;
  }

  @Query(() => [AnnualAssessment], { description: 'The orgs below `under`, ranked by their annual assessment.' })
  async assessmentRanking(
    @Arg('under', () => ID) under: string,
    @Arg('year', () => Int) year: number,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() ctx: RequestContext,
  ): Promise<AnnualAssessment[]> {
    const root = await orgService.getInScopeOrThrow(ctx, idOf('Org', under));
    return assessmentService.compute(ctx, year, { under: root }, Math.min(Math.max(first, 1), 500));
  }

  @FieldResolver(() => Campaign, { nullable: true })
  async campaign(@Root() rule: AssessmentRule, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return rule.campaignId ? campaignService.findById(ctx, rule.campaignId) : null;
  }
}
