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
  description: '承诺践诺状态：已承诺 → 已践诺；已过期限仍未践诺为逾期',
  valuesConfig: labelled(commitmentStateLabels),
});

@Entity('commitments')
@ObjectType({
  implements: Node,
  description: '承诺（亮承诺）：组织或党员个人的公开承诺及其期限；践诺报告兑现情况；群众对其评价（评诺）',
})
export class Commitment {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'member_user_id', nullable: true }) memberUserId: string | null;
  @Field({ description: '承诺内容' }) @Column() text: string;
  @Field(() => DateScalar, { description: '践诺期限' }) @Column('date', { name: 'due_on' }) dueOn: string;
  /** PLEDGED or FULFILLED; the `state` field adds OVERDUE. */
  @Column('text', { name: 'state' }) storedState: CommitmentState.PLEDGED | CommitmentState.FULFILLED;
  @Field(() => String, { nullable: true, description: '践诺情况（报告）' }) @Column('text', { nullable: true }) report: string | null;
  @Field(() => [String], { description: '践诺佐证材料（文件、照片的名称或编号）' })
  @Column('text', { name: 'evidence_refs', array: true })
  evidenceRefs: string[];
  @Column('uuid', { name: 'fulfilled_by', nullable: true }) fulfilledBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '践诺报告时间' })
  @Column('timestamptz', { name: 'fulfilled_at', nullable: true })
  fulfilledAt: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '承诺时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
