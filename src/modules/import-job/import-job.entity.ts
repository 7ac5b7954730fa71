import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

export enum ImportJobKind {
  ORGS = 'ORGS',
  USERS = 'USERS',
}
export const importJobKindLabels: Record<ImportJobKind, string> = { ORGS: '组织导入', USERS: '用户导入' };
registerEnumType(ImportJobKind, {
  name: 'ImportJobKind',
  description: '导入内容：组织或用户',
  valuesConfig: labelled(importJobKindLabels),
});

export enum ImportJobState {
  QUEUED = 'QUEUED',
  CHECKING = 'CHECKING',
  APPLYING = 'APPLYING',
  DONE = 'DONE',
  FAILED = 'FAILED',
  ROLLED_BACK = 'ROLLED_BACK',
}
export const importJobStateLabels: Record<ImportJobState, string> = {
  QUEUED: '排队中',
  CHECKING: '校验中',
  APPLYING: '写入中',
  DONE: '已完成',
  FAILED: '校验未通过',
  ROLLED_BACK: '已回滚',
};
registerEnumType(ImportJobState, {
  name: 'ImportJobState',
  description: '导入任务状态：排队中、校验中、写入中、已完成、校验未通过（未写入任何数据）或已回滚（写入中止，未留下任何数据）',
  valuesConfig: labelled(importJobStateLabels),
});

export const FINISHED_STATES = [ImportJobState.DONE, ImportJobState.FAILED, ImportJobState.ROLLED_BACK];

@Entity('import_jobs')
@ObjectType({
  implements: Node,
  description:
    '导入任务：管理员上传的一个组织或用户文件（不限 5,000 行），在后台逐行校验后一次性写入（一个事务：要么全部导入，要么什么都不导入）；可轮询或经 taskChanged 订阅查看进度',
})
export class ImportJob {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field(() => ImportJobKind, { description: '导入内容' }) @Column('text') kind: ImportJobKind;
  @Field({ description: '是否仅校验（试导入）：只校验不写入' }) @Column({ name: 'dry_run' }) dryRun: boolean;
  @Field(() => ImportJobState, { description: '状态' }) @Column('text') state: ImportJobState;
  /** The uploader's top import scope when uploaded: admins over it read the job. */
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field({ description: '上传的文件名' }) @Column({ name: 'file_name' }) fileName: string;
  @Field(() => Int, { description: '文件大小（字节）' }) @Column('int') size: number;
  @Column('text', { name: 'content_type' }) contentType: string;
  @Field(() => Int, { nullable: true, description: '文件的数据行数（读取文件后才知道）' })
  @Column('int', { name: 'rows_total', nullable: true })
  rowsTotal: number | null;
  @Field(() => Int, { description: '已校验的行数' }) @Column('int', { name: 'rows_checked' }) rowsChecked: number;
  @Field(() => Int, { description: '已写入的行数（事务提交前他人看不到这些数据；回滚后归零）' })
  @Column('int', { name: 'rows_applied' })
  rowsApplied: number;
  @Field(() => Int, { description: '发现的问题总数（problems 至多保存前 10,000 条）' })
  @Column('int', { name: 'problem_count' })
  problemCount: number;
  /** A refusal of the whole file (its reason and parameters), rendered per request. */
  @Column('jsonb', { nullable: true }) failure: { reason: string; params: Record<string, unknown> } | null;
  @Field(() => Int, { description: '运行次数（服务重启中断后会自动续跑，次数加一）' }) @Column('int') attempts: number;
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil: Date | null;
  @Field(() => DateTimeScalar, { description: '上传时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: '开始处理的时间' })
  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '结束时间（完成、未通过或回滚）' })
  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}

@ObjectType({ description: '导入问题：文件中一处有问题的单元格（或一行），含行号、列名和原因' })
export class ImportJobProblem {
  @Field(() => Int, { description: '行号（与表格软件显示的一致，表头为第 1 行）' }) row: number;
  @Field({ description: '列名（文件表头中的名称）' }) column: string;
  @Field({ description: '原因代码（如 IMPORT_ORG_UNKNOWN）' }) reason: string;
  @Field({ description: '问题说明（按请求语言）' }) message: string;
  /** Keyset position. */
  seq: number;
}
