import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

/** OVERDUE is not stored: a PLEDGED commitment past its due date (in the tenant's time zone). */
export enum CommitmentState {
  PLEDGED = 'PLEDGED',
  FULFILLED = 'FULFILLED',
  OVERDUE = 'OVERDUE',
}
export const commitmentStateLabels: Record<CommitmentState, string> = { PLEDGED: '已承诺', FULFILLED: '已践诺', OVERDUE: '逾期未践诺' };
registerEnumType(CommitmentState, {
  name: 'CommitmentState',
  description: '承诺践诺: pledged → fulfilled; overdue when past due and not fulfilled.',
  valuesConfig: labelled(commitmentStateLabels),
});

@Entity('commitments')
@ObjectType({
  implements: Node,
  description:
    '亮承诺: a public pledge of an org, or of one member, with a due date; 践诺 reports its fulfilment; the public rates it (评诺).',
})
export class Commitment {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'member_user_id', nullable: true }) memberUserId: string | null;
  @Field() @Column() text: string;
  @Field(() => DateScalar) @Column('date', { name: 'due_on' }) dueOn: string;
  /** PLEDGED or FULFILLED; the `state` field adds OVERDUE. */
  @Column('text', { name: 'state' }) storedState: CommitmentState.PLEDGED | CommitmentState.FULFILLED;
  @Field(() => String, { nullable: true, description: 'The fulfilment report (践诺情况).' }) @Column('text', { nullable: true }) report:
    string | null;
  @Field(() => [String], { description: 'References to the evidence of fulfilment (documents, photos).' })
  @Column('text', { name: 'evidence_refs', array: true })
  evidenceRefs: string[];
  @Column('uuid', { name: 'fulfilled_by', nullable: true }) fulfilledBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { name: 'fulfilled_at', nullable: true })
  fulfilledAt: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
