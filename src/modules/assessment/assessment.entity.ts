import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { FindingSeverity } from '../supervision/supervision.entity';

@ObjectType({ description: '一种严重程度的督查问题每个扣几分' })
export class SeverityPoints {
  @Field(() => FindingSeverity, { description: '问题的严重程度（中文名见 severityLabel）' }) severity: FindingSeverity;
  @Field(() => Float, { description: '每个问题扣的分' }) points: number;
}

@InputType({ description: '一种严重程度的督查问题每个扣几分' })
export class SeverityPointsInput {
  @Field(() => FindingSeverity, { description: '问题的严重程度' }) severity: FindingSeverity;
  @Field(() => Float, { description: '每个问题扣的分（0 至 1000）' }) points: number;
}

/** The tenant's rule for the year's party-building target assessment, stored as data (jsonb). */
@ObjectType({ description: '年度考核规则的取值：创建活动成绩、督查问题、逾期整改和通报如何计入总分' })
export class AssessmentRuleValues {
  @Field(() => Float, { description: '创建活动成绩所占比例（0 至 1）' }) campaignShare: number;
  @Field(() => Float, { description: '基础分：其余部分（1 − campaignShare）扣分前的满分，通常为 100' }) base: number;
  @Field(() => [SeverityPoints], { description: '当年已定稿督查记录中每个问题按严重程度扣的分；未列出的严重程度不扣分' })
  findingPoints: SeverityPoints[];
  @Field(() => Float, { description: '每项逾期未销号的整改扣的分' }) overdueRectificationPoints: number;
  @Field(() => Float, { description: '每次通报批评扣的分' }) criticismPoints: number;
  @Field(() => Float, { description: '每次通报表扬加的分' }) commendationPoints: number;
}

@InputType({ description: '年度考核规则的取值' })
export class AssessmentRuleValuesInput {
  @Field(() => Float, { description: '创建活动成绩所占比例（0 至 1）' }) campaignShare: number;
  @Field(() => Float, { description: '基础分：其余部分（1 − campaignShare）扣分前的满分，通常为 100（0 至 1000）' }) base: number;
  @Field(() => [SeverityPointsInput], { description: '当年已定稿督查记录中每个问题按严重程度扣的分；未列出的严重程度不扣分' })
  findingPoints: SeverityPointsInput[];
  @Field(() => Float, { description: '每项逾期未销号的整改扣的分（0 至 1000）' }) overdueRectificationPoints: number;
  @Field(() => Float, { description: '每次通报批评扣的分（0 至 1000）' }) criticismPoints: number;
  @Field(() => Float, { description: '每次通报表扬加的分（0 至 1000）' }) commendationPoints: number;
}

@Entity('assessment_rules')
@ObjectType({ description: '年度考核规则：本单位某一年度党建目标考核的计分规则' })
export class AssessmentRule {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Field(() => Int, { description: '年度' }) @PrimaryColumn('int') year: number;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => AssessmentRuleValues, { description: '计分规则的取值' }) @Column('jsonb') rule: AssessmentRuleValues;
}

@ObjectType({ description: '年度考核总分的一个组成部分，列出以便核对' })
export class AssessmentComponent {
  @Field({ description: '代码：CAMPAIGN、BASE、FINDINGS、OVERDUE_RECTIFICATIONS、CRITICISMS、COMMENDATIONS' }) code: string;
  @Field({ description: '名称（如“督查问题扣分”）' }) label: string;
  @Field(() => Float, { description: '分值：扣分为负数' }) points: number;
  @Field({ description: '计算说明（如“较重1项×2，严重1项×5”）' }) detail: string;
}
