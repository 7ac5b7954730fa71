import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { FindingSeverity } from '../supervision/supervision.entity';

@ObjectType()
@InputType('SeverityPointsInput')
export class SeverityPoints {
  @Field(() => FindingSeverity) severity: FindingSeverity;
  @Field(() => Float) points: number;
}

/** The tenant's rule for the year's party-building target assessment, stored as data (jsonb). */
@ObjectType({ description: '年度党建目标考核 rule: how campaign results, findings, overdue rectifications and notices add up.' })
@InputType('AssessmentRuleValuesInput')
export class AssessmentRuleValues {
  @Field(() => Float, { description: 'Share of the score that comes from the campaign result (0..1).' }) campaignShare: number;
  @Field(() => Float, { description: 'Points of the rest (1 − campaignShare) before deductions, usually 100.' }) base: number;
  @Field(() => [SeverityPoints], { description: 'Points deducted per finding of each severity in the year’s finalized inspections.' })
  findingPoints: SeverityPoints[];
  @Field(() => Float, { description: 'Points deducted per rectification not signed off by its due date.' })
  overdueRectificationPoints: number;
  @Field(() => Float, { description: 'Points deducted per criticism notice (通报批评).' }) criticismPoints: number;
  @Field(() => Float, { description: 'Points added per commendation notice (通报表扬).' }) commendationPoints: number;
}

@Entity('assessment_rules')
@ObjectType()
export class AssessmentRule {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Field(() => Int) @PrimaryColumn('int') year: number;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Field(() => AssessmentRuleValues) @Column('jsonb') rule: AssessmentRuleValues;
}

@ObjectType({ description: 'One part of an annual assessment score, shown so the total can be checked.' })
export class AssessmentComponent {
  @Field() code: string;
  @Field() label: string;
  @Field(() => Float, { description: 'Signed: deductions are negative.' }) points: number;
  @Field() detail: string;
}
