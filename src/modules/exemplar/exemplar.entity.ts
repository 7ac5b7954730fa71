import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';
import { OrgCategory } from '../org/org.entity';

export enum ExemplarKind {
  MODEL_POST = 'MODEL_POST',
  MODEL_WINDOW = 'MODEL_WINDOW',
  KEY_ORG = 'KEY_ORG',
}
export const exemplarKindLabels: Record<ExemplarKind, string> = {
  MODEL_POST: '党员示范岗',
  MODEL_WINDOW: '党员示范窗口',
  KEY_ORG: '重点培育直属党组织',
};
registerEnumType(ExemplarKind, { name: 'ExemplarKind', description: '选树典型的类别', valuesConfig: labelled(exemplarKindLabels) });

export enum ExemplarState {
  NOMINATED = 'NOMINATED',
  UNDER_REVIEW = 'UNDER_REVIEW',
  PUBLIC_NOTICE = 'PUBLIC_NOTICE',
  NAMED = 'NAMED',
  RE_EVALUATED = 'RE_EVALUATED',
  REVOKED = 'REVOKED',
  REJECTED = 'REJECTED',
}
export const exemplarStateLabels: Record<ExemplarState, string> = {
  NOMINATED: '已推荐',
  UNDER_REVIEW: '审核中',
  PUBLIC_NOTICE: '公示中',
  NAMED: '已命名',
  RE_EVALUATED: '复评保留',
  REVOKED: '已撤销',
  REJECTED: '未通过',
};
registerEnumType(ExemplarState, { name: 'ExemplarState', valuesConfig: labelled(exemplarStateLabels) });

export enum ReevaluationResult {
  KEEP = 'KEEP',
  REVOKE = 'REVOKE',
}
export const reevaluationResultLabels: Record<ReevaluationResult, string> = { KEEP: '保留', REVOKE: '撤销' };
registerEnumType(ReevaluationResult, { name: 'ExemplarReevaluationResult', valuesConfig: labelled(reevaluationResultLabels) });

/** States in which an exemplar holds its title and counts against the category limit. */
export const HOLDING_STATES = [ExemplarState.NAMED, ExemplarState.RE_EVALUATED];
/** States shown to the whole tenant: the public notice and the titles it gave. */
export const PUBLIC_STATES = [ExemplarState.PUBLIC_NOTICE, ExemplarState.NAMED, ExemplarState.RE_EVALUATED];

@Entity('exemplars')
@ObjectType({
  implements: Node,
  description: '选树典型: a model post, model window or key org for cultivation, from nomination through public notice to naming.',
})
export class Exemplar {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field(() => ExemplarKind) @Column('text') kind: ExemplarKind;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => OrgCategory, { description: 'The org’s category (机关/事业/企业) when nominated: the limit counts per category.' })
  @Column('text')
  category: OrgCategory;
  @Field(() => Int) @Column('int') year: number;
  @Field(() => String, { nullable: true, description: 'The post or window named (null for a key org).' })
  @Column('text', { nullable: true })
  title: string | null;
  @Field(() => String, { nullable: true, description: 'The member on the post, if one is named.' })
  @Column('text', { name: 'member_name', nullable: true })
  memberName: string | null;
  @Field({ description: '推荐理由 / 事迹' }) @Column() reason: string;
  @Field(() => ExemplarState) @Column('text') state: ExemplarState;
  @Field(() => DateScalar, { nullable: true, description: '公示 window start.' })
  @Column('date', { name: 'notice_starts_on', nullable: true })
  noticeStartsOn: string | null;
  @Field(() => DateScalar, { nullable: true, description: '公示 window end (inclusive).' })
  @Column('date', { name: 'notice_ends_on', nullable: true })
  noticeEndsOn: string | null;
  @Field(() => DateScalar, { nullable: true }) @Column('date', { name: 'named_on', nullable: true }) namedOn: string | null;
  @Field(() => String, { nullable: true, description: 'Why it was rejected or revoked.' })
  @Column('text', { name: 'closing_reason', nullable: true })
  closingReason: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('exemplar_objections')
@ObjectType({ implements: Node, description: 'An objection lodged during the public notice (公示), answered by the tenant before naming.' })
export class ExemplarObjection {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'exemplar_id' }) exemplarId: string;
  @Field() @Column() text: string;
  @Column('uuid', { name: 'lodged_by' }) lodgedBy: string;
  @Field(() => DateTimeScalar) @Column('timestamptz', { name: 'lodged_at' }) lodgedAt: Date;
  @Field(() => String, { nullable: true }) @Column('text', { nullable: true }) answer: string | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether the tenant found the objection justified; an upheld objection blocks naming.',
  })
  @Column('boolean', { nullable: true })
  upheld: boolean | null;
  @Column('uuid', { name: 'answered_by', nullable: true }) answeredBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) @Column('timestamptz', { name: 'answered_at', nullable: true }) answeredAt: Date | null;
}

@Entity('exemplar_reevaluations')
@ObjectType({ description: 'A periodic re-evaluation of a named exemplar: keep the title or revoke it.' })
export class ExemplarReevaluation {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'exemplar_id' }) exemplarId: string;
  @Field(() => DateScalar) @Column('date', { name: 'evaluated_on' }) evaluatedOn: string;
  @Field(() => ReevaluationResult) @Column('text') result: ReevaluationResult;
  @Field() @Column() note: string;
  @Column('uuid', { name: 'recorded_by' }) recordedBy: string;
  @Field(() => DateTimeScalar) @Column('timestamptz', { name: 'recorded_at' }) recordedAt: Date;
}

@Entity('exemplar_state_changes')
@ObjectType({ description: 'One step of an exemplar: who, when, from which state to which, and why.' })
export class ExemplarStateChange {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'exemplar_id' }) exemplarId: string;
  @Field(() => ExemplarState, { nullable: true, description: 'null for the nomination.' })
  @Column('text', { name: 'from_state', nullable: true })
  fromState: ExemplarState | null;
  @Field(() => ExemplarState) @Column('text', { name: 'to_state' }) toState: ExemplarState;
  @Field() @Column() note: string;
  @Column('uuid', { name: 'moved_by' }) movedBy: string;
  @Field(() => DateTimeScalar) @Column('timestamptz', { name: 'moved_at' }) movedAt: Date;
}
