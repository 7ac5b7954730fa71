import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numeric } from '../../graphql/numeric';
import { DateScalar } from '../../graphql/scalars';
import { CriterionSource } from '../framework/criterion-source';

/** What prefillEvaluation computed for one bound criterion of one evaluation (kept beside the score). */
@Entity('evaluation_prefills')
export class EvaluationPrefill {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'evaluation_id' }) evaluationId: string;
  @PrimaryColumn('uuid', { name: 'criterion_id' }) criterionId: string;
  @Column('jsonb') source: CriterionSource;
  @Column('numeric', { transformer: numeric }) figure: number;
  @Column('int', { name: 'record_count' }) recordCount: number;
  @Column('text') note: string;
  @Column('date', { name: 'period_from' }) periodFrom: string;
  @Column('date', { name: 'period_to' }) periodTo: string;
  @Column('uuid', { name: 'computed_by' }) computedBy: string;
  @Column('timestamptz', { name: 'computed_at' }) computedAt: Date;
}

/** One record counted for a prefilled figure: the score's linked evidence. */
@Entity('evaluation_prefill_records')
@ObjectType({ description: '预填时统计到的一条记录（得分的来源，可据此核对）' })
export class SourceRecord {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'evaluation_id' }) evaluationId: string;
  @PrimaryColumn('uuid', { name: 'criterion_id' }) criterionId: string;
  @Field({ description: '记录类型（Node 类型名，如 LedgerEntry、Briefing、Commitment、Pairing、ServiceRequest）' })
  @PrimaryColumn('text', { name: 'record_type' })
  recordType: string;
  @PrimaryColumn('uuid', { name: 'record_id' }) recordId: string;
  @Field(() => DateScalar, { description: '记录的日期（活动、践诺、报送、答复或最近一次走访的日期）' })
  @Column('date', { name: 'occurred_on' })
  occurredOn: string;
  @Field({ description: '记录的摘要（统计时的标题或内容）' }) @Column('text') label: string;
}
