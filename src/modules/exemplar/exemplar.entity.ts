import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';
import { OrgCategory } from '../org/org.entity';

/** The codes of the three kinds every tenant starts with (built in; a tenant adds its own, see ExemplarKindDefinition). */
export enum ExemplarKind {
  MODEL_POST = 'MODEL_POST',
  MODEL_WINDOW = 'MODEL_WINDOW',
  KEY_ORG = 'KEY_ORG',
}

const KIND_CODE_LENGTH = 64;
function kindCode(value: unknown): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > KIND_CODE_LENGTH) {
    throw new GraphQLError('ExemplarKind 须为类别代码（1 至 64 个字符），如 MODEL_POST');
  }
  return value;
}

/**
 * A kind's code, where the schema had the enum ExemplarKind: the tenant's kinds are data now, so any code
 * of the tenant's (`exemplarKinds`) is a value. Written like the enum was, unquoted (`kind: MODEL_POST`)
 * or as a string, so clients written against the enum keep working; the three built-in codes stay.
 */
export const ExemplarKindCode = new GraphQLScalarType({
  name: 'ExemplarKind',
  description:
    '选树典型类别的代码：本单位设立的类别（exemplarKinds 列出其代码和名称）。默认的三类为 MODEL_POST（党员示范岗）、MODEL_WINDOW（党员示范窗口）、KEY_ORG（重点培育直属党组织）；可不加引号书写（如 kind: MODEL_POST），也可作字符串',
  serialize: (value) => String(value),
  parseValue: kindCode,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.ENUM || ast.kind === Kind.STRING) return kindCode(ast.value);
    throw new GraphQLError('ExemplarKind 须为类别代码，如 MODEL_POST');
  },
});

/** What a kind names: a person (标兵), a post (岗), a window (窗口) or an org itself (重点培育). */
export enum ExemplarSubject {
  PERSON = 'PERSON',
  POST = 'POST',
  WINDOW = 'WINDOW',
  ORG = 'ORG',
}
export const exemplarSubjectLabels: Record<ExemplarSubject, string> = {
  PERSON: '个人',
  POST: '岗位',
  WINDOW: '窗口',
  ORG: '组织',
};
registerEnumType(ExemplarSubject, {
  name: 'ExemplarSubject',
  description:
    '典型类别的对象：个人（如铁人式标兵、优秀服务标兵）、岗位（如党员示范岗）、窗口（如党员示范窗口、群众满意窗口）或组织本身（如重点培育直属党组织）；决定推荐时须填写什么',
  valuesConfig: labelled(exemplarSubjectLabels),
});

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
registerEnumType(ExemplarState, {
  name: 'ExemplarState',
  description: '选树典型的状态：已推荐 → 审核中 → 公示中 → 已命名（→ 复评保留）；或未通过、已撤销',
  valuesConfig: labelled(exemplarStateLabels),
});

export enum ReevaluationResult {
  KEEP = 'KEEP',
  REVOKE = 'REVOKE',
}
export const reevaluationResultLabels: Record<ReevaluationResult, string> = { KEEP: '保留', REVOKE: '撤销' };
registerEnumType(ReevaluationResult, {
  name: 'ExemplarReevaluationResult',
  description: '复评结论：保留称号或撤销称号',
  valuesConfig: labelled(reevaluationResultLabels),
});

/** States in which an exemplar holds its title and counts against the category limit. */
export const HOLDING_STATES = [ExemplarState.NAMED, ExemplarState.RE_EVALUATED];
/** States shown to the whole tenant: the public notice and the titles it gave. */
export const PUBLIC_STATES = [ExemplarState.PUBLIC_NOTICE, ExemplarState.NAMED, ExemplarState.RE_EVALUATED];

@Entity('exemplars')
@ObjectType({
  implements: Node,
  description: '选树典型：党员示范岗、党员示范窗口或重点培育直属党组织，从推荐、审核、公示到命名，命名后定期复评',
})
export class Exemplar {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field(() => ExemplarKindCode, { description: '类别的代码（名称见 kindLabel，详情见 kindDefinition）' }) @Column('text') kind: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => OrgCategory, { description: '推荐时所在单位的类别（机关/事业/企业）：名额按类别计算' })
  @Column('text')
  category: OrgCategory;
  @Field(() => Int, { description: '评选年度' }) @Column('int') year: number;
  @Field(() => String, { nullable: true, description: '岗位或窗口的名称（个人类可填其岗位）；组织类（如重点培育直属党组织）为空' })
  @Column('text', { nullable: true })
  title: string | null;
  @Field(() => String, { nullable: true, description: '党员姓名：个人类必填，岗位、窗口类如有则填，组织类为空' })
  @Column('text', { name: 'member_name', nullable: true })
  memberName: string | null;
  /** What tells two live nominations of one org, kind and year apart besides the title: a person's name for a PERSON kind, else ''. */
  @Column('text', { name: 'nominee_key' }) nomineeKey: string;
  @Field({ description: '推荐理由、主要事迹' }) @Column() reason: string;
  @Field(() => ExemplarState, { description: '状态' }) @Column('text') state: ExemplarState;
  @Field(() => DateScalar, { nullable: true, description: '公示开始日期；未公示为空' })
  @Column('date', { name: 'notice_starts_on', nullable: true })
  noticeStartsOn: string | null;
  @Field(() => DateScalar, { nullable: true, description: '公示结束日期（含当天）；未公示为空' })
  @Column('date', { name: 'notice_ends_on', nullable: true })
  noticeEndsOn: string | null;
  @Field(() => DateScalar, { nullable: true, description: '命名日期；未命名为空' })
  @Column('date', { name: 'named_on', nullable: true })
  namedOn: string | null;
  @Field(() => String, { nullable: true, description: '未通过或撤销的理由' })
  @Column('text', { name: 'closing_reason', nullable: true })
  closingReason: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '推荐时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后变动时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('exemplar_objections')
@ObjectType({ implements: Node, description: '公示异议：公示期内本单位任何人对典型提出的异议，命名前须逐条答复' })
export class ExemplarObjection {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'exemplar_id' }) exemplarId: string;
  @Field({ description: '异议内容' }) @Column() text: string;
  @Column('uuid', { name: 'lodged_by' }) lodgedBy: string;
  @Field(() => DateTimeScalar, { description: '提出时间' }) @Column('timestamptz', { name: 'lodged_at' }) lodgedAt: Date;
  @Field(() => String, { nullable: true, description: '答复内容；未答复为空' }) @Column('text', { nullable: true }) answer: string | null;
  @Field(() => Boolean, {
    nullable: true,
    description: '异议是否成立：成立的异议使典型不能命名；未答复为空',
  })
  @Column('boolean', { nullable: true })
  upheld: boolean | null;
  @Column('uuid', { name: 'answered_by', nullable: true }) answeredBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '答复时间；未答复为空' })
  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt: Date | null;
}

@Entity('exemplar_reevaluations')
@ObjectType({ description: '复评：对已命名典型的定期复评，保留或撤销称号' })
export class ExemplarReevaluation {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'exemplar_id' }) exemplarId: string;
  @Field(() => DateScalar, { description: '复评日期' }) @Column('date', { name: 'evaluated_on' }) evaluatedOn: string;
  @Field(() => ReevaluationResult, { description: '复评结论' }) @Column('text') result: ReevaluationResult;
  @Field({ description: '复评意见；撤销时为撤销理由' }) @Column() note: string;
  @Column('uuid', { name: 'recorded_by' }) recordedBy: string;
  @Field(() => DateTimeScalar, { description: '录入时间' }) @Column('timestamptz', { name: 'recorded_at' }) recordedAt: Date;
}

@Entity('exemplar_state_changes')
@ObjectType({ description: '典型的一步流转：谁、何时、从什么状态到什么状态、说明' })
export class ExemplarStateChange {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'exemplar_id' }) exemplarId: string;
  @Field(() => ExemplarState, { nullable: true, description: '原状态；推荐时为空' })
  @Column('text', { name: 'from_state', nullable: true })
  fromState: ExemplarState | null;
  @Field(() => ExemplarState, { description: '新状态' }) @Column('text', { name: 'to_state' }) toState: ExemplarState;
  @Field({ description: '说明' }) @Column() note: string;
  @Column('uuid', { name: 'moved_by' }) movedBy: string;
  @Field(() => DateTimeScalar, { description: '流转时间' }) @Column('timestamptz', { name: 'moved_at' }) movedAt: Date;
}

@Entity('exemplar_kinds')
@ObjectType({
  implements: Node,
  description:
    '典型类别（称号）：本单位设立的一类典型，如党员示范岗、党员示范窗口、重点培育直属党组织（默认三类），铁人式标兵、优秀服务标兵、群众满意窗口、优质服务品牌等；规定对象、名额范围和是否公示',
})
export class ExemplarKindDefinition {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field(() => ExemplarKindCode, { description: '代码：Exemplar.kind 和各处 kind 参数的取值，设立后不变' }) @Column() code: string;
  @Field({ description: '名称（称号），本单位内不重复' }) @Column() name: string;
  @Field(() => ExemplarSubject, { description: '对象：个人、岗位、窗口或组织' }) @Column('text') subject: ExemplarSubject;
  @Field({ description: '是否只从直属党组织（根组织的下一级）中选择；仅组织类可设' })
  @Column('boolean', { name: 'direct_orgs_only' })
  directOrgsOnly: boolean;
  @Field(() => Int, { description: '每年每个单位类别名额上限的最小值' }) @Column('int', { name: 'limit_min' }) limitMin: number;
  @Field(() => Int, { description: '每年每个单位类别名额上限的最大值' }) @Column('int', { name: 'limit_max' }) limitMax: number;
  @Field(() => Int, { description: '未设置名额时的上限（默认名额）' }) @Column('int', { name: 'limit_default' }) limitDefault: number;
  @Field({ description: '命名前是否须经公示：是则须公示期满、异议答复后命名；否则审核后即可命名（也可公示）' })
  @Column('boolean', { name: 'needs_public_notice' })
  needsPublicNotice: boolean;
  @Field({ description: '说明：评选条件、依据' }) @Column() description: string;
  @Field(() => Int, { description: '排列顺序（小的在前）' }) @Column('int') position: number;
  @Field({ description: '是否为默认类别（党员示范岗、党员示范窗口、重点培育直属党组织）' })
  @Column('boolean', { name: 'built_in' })
  builtIn: boolean;
  @Field(() => DateTimeScalar, { nullable: true, description: '停用时间：停用后不再受理推荐，已有典型照常流转；未停用为空' })
  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt: Date | null;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy: string | null;
  @Field(() => DateTimeScalar, { description: '设立时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
