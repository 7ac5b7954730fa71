import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';

/** What came of an audited action. */
export enum AuditOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
}
export const auditOutcomeLabels: Record<AuditOutcome, string> = { SUCCESS: '成功', FAILURE: '失败' };
registerEnumType(AuditOutcome, { name: 'AuditOutcome', description: '操作结果', valuesConfig: labelled(auditOutcomeLabels) });

/** The hash a chain's links are computed with (Node's OpenSSL has both). */
export enum AuditHashAlgorithm {
  SHA256 = 'sha256',
  SM3 = 'sm3',
}
export const auditHashAlgorithmLabels: Record<AuditHashAlgorithm, string> = { sha256: 'SHA-256（通用）', sm3: 'SM3（国密）' };
registerEnumType(AuditHashAlgorithm, {
  name: 'AuditHashAlgorithm',
  description: '日志哈希链使用的哈希算法',
  valuesConfig: labelled({ SHA256: auditHashAlgorithmLabels.sha256, SM3: auditHashAlgorithmLabels.sm3 }),
});

/** The columns both logs share: what, who, when, from where, with what outcome, and the chain link. */
@ObjectType({ description: '日志条目的公共字段' })
abstract class AuditEvent {
  @Field(() => DateTimeScalar, { description: '操作时间' }) @Column('timestamptz') at: Date;
  @Column('uuid', { name: 'actor_id', nullable: true }) actorId: string | null;
  @Field({ description: '操作：所执行的变更（mutation）名称，如 createOrg；登录为 login，下载为 download…' }) @Column() action: string;
  @Field(() => String, { nullable: true, description: '所改动或读取的记录的类型（如 Inspection）' })
  @Column('text', { name: 'entity_type', nullable: true })
  entityType: string | null;
  @Column('uuid', { name: 'entity_id', nullable: true }) entityId: string | null;
  @Field(() => JSONScalar, { description: '操作的输入（已去除密码、令牌和群众联系方式）' }) @Column('jsonb') data: Record<string, unknown>;
  @Field(() => AuditOutcome, { description: '操作结果：成功或失败' }) @Column('text') outcome: AuditOutcome;
  @Field(() => String, { nullable: true, description: '失败原因代码（如 INVALID_CREDENTIALS），成功时为空' })
  @Column('text', { nullable: true })
  reason: string | null;
  @Field(() => String, { nullable: true, description: '来源地址（客户端 IP）' }) @Column('text', { nullable: true }) address: string | null;
  @Field(() => String, { nullable: true, description: '客户端标识（User-Agent）' })
  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;
  @Field(() => String, { nullable: true, description: '登录时所填的账号名（可能并不存在）；其他操作为操作人的用户名' })
  @Column('text', { nullable: true })
  account: string | null;
  @Column('bigint', { nullable: true }) seq: string | null;
  @Column('text', { name: 'row_hash', nullable: true }) rowHash: string | null;
  @Column('text', { name: 'hash_alg', nullable: true }) hashAlg: string | null;
}

@Entity('audit_log')
@ObjectType({ description: '操作日志：谁在何时从何处以何操作改动或读取了哪条记录、结果如何；只能追加，以哈希链防篡改' })
export class AuditEntry extends AuditEvent {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Field(() => ID, { description: '本单位内的流水号' }) @PrimaryColumn('bigint') id: string;
  /** The org the record belongs to (null: a tenant-wide record, shown to admins at the root only). */
  @Column('uuid', { name: 'org_id', nullable: true }) orgId: string | null;
}

@Entity('platform_audit_log')
@ObjectType({ description: '平台操作日志：平台运维人员的操作和未指明有效单位的登录尝试；只能追加，以哈希链防篡改' })
export class PlatformAuditEntry extends AuditEvent {
  @Field(() => ID, { description: '平台流水号' }) @PrimaryColumn('bigint') id: string;
  /** The tenant the action concerned (createTenant's). */
  @Column('uuid', { name: 'org_id', nullable: true }) orgId: string | null;
}

/** How a log's hash chain broke, as verification reports it. */
export enum AuditChainBreak {
  SEQUENCE_GAP = 'SEQUENCE_GAP',
  PREVIOUS_HASH = 'PREVIOUS_HASH',
  CONTENT_CHANGED = 'CONTENT_CHANGED',
  HEAD_MISMATCH = 'HEAD_MISMATCH',
}
export const auditChainBreakLabels: Record<AuditChainBreak, string> = {
  SEQUENCE_GAP: '序号不连续',
  PREVIOUS_HASH: '前序哈希不符',
  CONTENT_CHANGED: '内容与哈希不符',
  HEAD_MISMATCH: '链头与末条日志不符',
};
export const auditChainBreakReasons: Record<AuditChainBreak, string> = {
  SEQUENCE_GAP: '日志链序号不连续：有日志被删除或插入',
  PREVIOUS_HASH: '该条日志保存的前序哈希与前一条不符：链在此处被改接',
  CONTENT_CHANGED: '该条日志的内容与其哈希不符：写入后被改动',
  HEAD_MISMATCH: '日志链链头与最后一条日志不符：末尾日志被删除或链头被改动',
};
registerEnumType(AuditChainBreak, {
  name: 'AuditChainBreak',
  description: '日志哈希链断裂的类型',
  valuesConfig: labelled(auditChainBreakLabels),
});

@ObjectType({ description: '日志哈希链的第一处断裂' })
export class AuditChainBroken {
  @Field(() => Int, { description: '断裂处日志的链序号' }) seq: number;
  @Field(() => ID, { description: '断裂处日志的流水号' }) entryId: string;
  @Field(() => AuditChainBreak, { description: '断裂类型' }) kind: AuditChainBreak;
  @Field({ description: '断裂类型的中文名' }) kindLabel: string;
  @Field({ description: '断裂的含义' }) reason: string;
}

@ObjectType({ description: '日志哈希链核验结果' })
export class AuditVerification {
  @Field({ description: '整条链完好' }) ok: boolean;
  @Field(() => Int, { description: '核验通过的日志条数' }) checked: number;
  @Field(() => Int, { description: '锚点序号：更早的日志已按保存期限清理，核验从此处的哈希开始（0 为从头开始）' }) anchorSeq: number;
  @Field({ description: '链头哈希（可另行抄存，用于日后比对）' }) headHash: string;
  @Field(() => AuditChainBroken, { nullable: true, description: '第一处断裂；完好时为空' }) brokenAt: AuditChainBroken | null;
}

@ObjectType({ description: '本单位操作日志的保存与防篡改设置' })
export class AuditPolicy {
  @Field(() => AuditHashAlgorithm, { description: '新写入日志所用的哈希算法' }) hashAlgorithm: AuditHashAlgorithm;
  @Field({ description: '哈希算法的中文名' }) hashAlgorithmLabel: string;
  @Field(() => Int, { description: '日志保存天数（不少于 180 天，等保要求至少 6 个月）；更早的日志可被清理' }) retentionDays: number;
  @Field(() => Int, { description: '已封入哈希链的日志条数（含已清理的）' }) sealedCount: number;
  @Field(() => DateTimeScalar, { nullable: true, description: '最近一次清理过期日志的时间' }) prunedAt: Date | null;
}
