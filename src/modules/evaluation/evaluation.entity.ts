import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { EvaluationKind } from '../framework/pass-rule';

export enum EvaluationState {
  DRAFT = 'DRAFT',
  SUBMITTED = 'SUBMITTED',
  ACCEPTED = 'ACCEPTED',
  RETURNED = 'RETURNED',
}
registerEnumType(EvaluationState, {
  name: 'EvaluationState',
  valuesConfig: {
    DRAFT: { description: '填报中' },
    SUBMITTED: { description: '已提交' },
    ACCEPTED: { description: '已通过' },
    RETURNED: { description: '已退回' },
  },
});

@Entity('evaluations')
@ObjectType({
  implements: Node,
  description: 'A scored assessment of one org against the campaign’s criteria (自查 / 上级评议 / 群众评议).',
})
export class Evaluation {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'campaign_id' }) campaignId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => EvaluationKind) @Column('text') kind: EvaluationKind;
  @Field(() => EvaluationState) @Column('text') state: EvaluationState;
  @Field(() => Int, { description: 'Changes on every save; pass it back as expectedVersion.' }) @Column('int') version: number;
  @Field(() => Float, { nullable: true, description: 'Total stored at submission.' })
  @Column('numeric', { nullable: true, transformer: numeric })
  total: number | null;
  @Field(() => String, { nullable: true }) @Column('text', { nullable: true }) grade: string | null;
  @Field(() => Boolean, { nullable: true }) @Column('boolean', { nullable: true }) veto: boolean | null;
  @Field(() => String, {
    nullable: true,
    description: 'The reason of the current return (while RETURNED); every earlier one stays in `history`.',
  })
  @Column('text', { name: 'return_reason', nullable: true })
  returnReason: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Column('uuid', { name: 'submitted_by', nullable: true }) submittedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { name: 'submitted_at', nullable: true })
  submittedAt: Date | null;
  @Column('uuid', { name: 'reviewed_by', nullable: true }) reviewedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'reviewed_at', nullable: true }) reviewedAt: Date | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

export enum ReviewAction {
  SUBMITTED = 'SUBMITTED',
  RETURNED = 'RETURNED',
  ACCEPTED = 'ACCEPTED',
}
registerEnumType(ReviewAction, {
  name: 'EvaluationReviewAction',
  valuesConfig: { SUBMITTED: { description: '提交' }, RETURNED: { description: '退回' }, ACCEPTED: { description: '通过' } },
});

/** One step of an evaluation's review history (exposed as EvaluationHistoryEntry). */
@Entity('evaluation_reviews')
export class EvaluationReview {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'evaluation_id' }) evaluationId: string;
  @Column('text') action: ReviewAction;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('uuid', { name: 'actor_id' }) actorId: string;
  @Column('timestamptz') at: Date;
}

@Entity('evaluation_scores')
export class EvaluationScoreRow {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'evaluation_id' }) evaluationId: string;
  @PrimaryColumn('uuid', { name: 'criterion_id' }) criterionId: string;
  @Column('numeric', { transformer: numeric }) value: number;
  @Column('text', { nullable: true }) note: string | null;
  @Column('text', { nullable: true }) evidence: string | null;
}

@ObjectType({ description: 'One evaluation kind’s part in a campaign result.' })
export class ResultComponent {
  @Field(() => EvaluationKind) kind: EvaluationKind;
  @Field(() => Float) total: number;
  @Field(() => Float, { description: 'Its weight after renormalizing over the kinds present.' }) weight: number;
}

@Entity('campaign_results')
@ObjectType({ description: 'An org’s stored campaign result, combined from its accepted evaluations by the version’s weights.' })
export class CampaignResult {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'campaign_id' }) campaignId: string;
  @PrimaryColumn('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => Float) @Column('numeric', { transformer: numeric }) total: number;
  @Field() @Column() grade: string;
  @Field({ description: '建成服务型党组织' }) @Column() attained: boolean;
  @Field({ description: 'A veto item fired in an accepted evaluation.' }) @Column() veto: boolean;
  @Field({ description: 'Every required evaluation kind has been accepted.' }) @Column() complete: boolean;
  @Field(() => [ResultComponent]) @Column('jsonb') components: ResultComponent[];
  @Field(() => DateTimeScalar) @Column('timestamptz', { name: 'computed_at' }) computedAt: Date;
}
