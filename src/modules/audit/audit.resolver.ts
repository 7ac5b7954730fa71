import { IsIP, Max, MaxLength, Min } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, decodeGlobalId, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { userService } from '../user/user.service';
import { AuditChainResult, AuditLogKind } from './audit.chain';
import {
  AuditChainBreak,
  AuditEntry,
  AuditHashAlgorithm,
  AuditOutcome,
  AuditPolicy,
  AuditVerification,
  PlatformAuditEntry,
  auditChainBreakLabels,
  auditChainBreakReasons,
  auditHashAlgorithmLabels,
  auditOutcomeLabels,
} from './audit.entity';
import { AuditFilter, auditService } from './audit.service';

export const AuditEntryConnection = Connection(AuditEntry);
export const PlatformAuditEntryConnection = Connection(PlatformAuditEntry);

/** The filters both logs take. */
@ArgsType()
export class AuditFilterArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: '只列此操作（如 createOrg、login、download）' }) @MaxLength(100) action?: string;
  @Field(() => AuditOutcome, { nullable: true, description: '只列此结果（如只看失败的登录）' }) outcome?: AuditOutcome;
  @Field(() => DateTimeScalar, { nullable: true, description: '起始时间（含）' }) from?: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: '截止时间（不含）' }) to?: Date;
  @Field(() => String, { nullable: true, description: '只列来自此地址（客户端 IP）的操作' }) @IsIP() @MaxLength(100) address?: string;
  @Field(() => String, { nullable: true, description: '只列此账号名（登录时所填的，或操作人的用户名）' }) @MaxLength(200) account?: string;
}

@ArgsType()
class AuditArgs extends AuditFilterArgs {
  @Field(() => ID, { nullable: true, description: '只列改动或读取此记录的操作（记录的全局编号）' }) entityId?: string;
  @Field(() => ID, { nullable: true, description: '只列此用户的操作（用户的全局编号）' }) actorId?: string;
}

@InputType({ description: '操作日志的保存与防篡改设置（只改填写的项）' })
class AuditPolicyInput {
  @Field(() => AuditHashAlgorithm, {
    nullable: true,
    description: '此后写入的日志所用的哈希算法（已写入的保持原算法，核验时按各条记录的算法计算）',
  })
  hashAlgorithm?: AuditHashAlgorithm | null;
  @Field(() => Int, { nullable: true, description: '日志保存天数：180 到 36500；更早的日志由后台任务清理' })
  @Min(180)
  @Max(36500)
  retentionDays?: number | null;
}

/** An id argument that is not one of ours matches no entry (rather than every entry). */
const NO_ENTITY = '00000000-0000-0000-0000-000000000000';

export function auditFilter(args: AuditFilterArgs & { entityId?: string; actorId?: string }): AuditFilter {
  return {
    entityId: args.entityId ? (decodeGlobalId(args.entityId)?.id ?? NO_ENTITY) : undefined,
    actorId: args.actorId ? (decodeGlobalId(args.actorId)?.id ?? NO_ENTITY) : undefined,
    action: args.action,
    outcome: args.outcome,
    from: args.from,
    to: args.to,
    address: args.address,
    account: args.account,
  };
}

function verification(result: AuditChainResult): AuditVerification {
  const broken = result.brokenAt;
  return {
    ok: result.ok,
    checked: result.checked,
    anchorSeq: result.anchorSeq,
    headHash: result.headHash,
    brokenAt: broken
      ? {
          seq: broken.seq,
          entryId: broken.entryId,
          kind: broken.kind,
          kindLabel: auditChainBreakLabels[broken.kind as AuditChainBreak],
          reason: auditChainBreakReasons[broken.kind as AuditChainBreak],
        }
      : null,
  };
}

async function policy(ctx: RequestContext, log: AuditLogKind): Promise<AuditPolicy> {
  const p = await auditService.policy(ctx, log);
  return { ...p, hashAlgorithmLabel: auditHashAlgorithmLabels[p.hashAlgorithm] };
}

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, {
    description:
      '操作日志，新的在前（管理员：根组织的管理员看全部，其他管理员看其管理范围内记录的操作及范围内用户的登录）；含登录成败、下载、导出与导入',
  })
  async auditLog(@Args() args: AuditArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<AuditEntry>> {
    return toConnection(await auditService.list(ctx, auditFilter(args), pageSize(args), args.after));
  }

  @Query(() => AuditVerification, {
    description: '核验本单位操作日志的哈希链：先封存尚未入链的日志，再从锚点重算每一环，报告第一处断裂（根组织的管理员）',
  })
  async verifyAuditLog(@Ctx() ctx: RequestContext): Promise<AuditVerification> {
    return verification(await auditService.verify(ctx, 'tenant'));
  }

  @Query(() => AuditPolicy, { description: '本单位操作日志的保存期限与哈希算法（根组织的管理员）' })
  async auditPolicy(@Ctx() ctx: RequestContext): Promise<AuditPolicy> {
    return policy(ctx, 'tenant');
  }

  @Mutation(() => AuditPolicy, { description: '设置本单位操作日志的保存期限（不少于 180 天）与此后所用的哈希算法（根组织的管理员）' })
  async setAuditPolicy(
    @Arg('input', () => AuditPolicyInput, { description: '保存与防篡改设置' }) input: AuditPolicyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AuditPolicy> {
    const p = await auditService.setPolicy(ctx, 'tenant', input);
    return { ...p, hashAlgorithmLabel: auditHashAlgorithmLabels[p.hashAlgorithm] };
  }

  @Query(() => PlatformAuditEntryConnection, {
    description: '平台操作日志，新的在前：运维人员的操作及其登录、未指明有效单位的登录尝试（平台运维人员）',
  })
  async platformAuditLog(@Args() args: AuditFilterArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PlatformAuditEntry>> {
    return toConnection(await auditService.platformList(ctx, auditFilter(args), pageSize(args), args.after));
  }

  @Query(() => AuditVerification, { description: '核验平台操作日志的哈希链（平台运维人员）' })
  async verifyPlatformAuditLog(@Ctx() ctx: RequestContext): Promise<AuditVerification> {
    return verification(await auditService.verify(ctx, 'platform'));
  }

  @FieldResolver(() => String, { description: '操作结果的中文名' })
  outcomeLabel(@Root() entry: AuditEntry): string {
    return auditOutcomeLabels[entry.outcome];
  }

  @FieldResolver(() => Int, { nullable: true, description: '在哈希链中的序号；尚未封存入链时为空（后台每分钟封存，核验时也会先封存）' })
  chainSeq(@Root() entry: AuditEntry): number | null {
    return entry.seq === null ? null : Number(entry.seq);
  }

  @FieldResolver(() => String, { nullable: true, description: '操作人姓名' })
  async actorName(@Root() entry: AuditEntry, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, entry.actorId);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: '操作人的用户名：仅本人和管理其所在组织的管理员可见，其他为空（姓名见 actorName）',
  })
  async actor(@Root() entry: AuditEntry, @Ctx() ctx: RequestContext): Promise<string | null> {
    return auditService.actorUsername(ctx, entry);
  }

  @FieldResolver(() => ID, { nullable: true, description: '所改动或读取的记录的全局编号' })
  entityId(@Root() entry: AuditEntry): string | null {
    return entry.entityId && entry.entityType ? toGlobalId(entry.entityType, entry.entityId) : entry.entityId;
  }
}

@Resolver(() => PlatformAuditEntry)
export class PlatformAuditResolver {
  @FieldResolver(() => String, { description: '操作结果的中文名' })
  outcomeLabel(@Root() entry: PlatformAuditEntry): string {
    return auditOutcomeLabels[entry.outcome];
  }

  @FieldResolver(() => Int, { nullable: true, description: '在哈希链中的序号；尚未封存入链时为空' })
  chainSeq(@Root() entry: PlatformAuditEntry): number | null {
    return entry.seq === null ? null : Number(entry.seq);
  }

  @FieldResolver(() => ID, { nullable: true, description: '所涉单位的全局编号（如新建的单位）' })
  tenantId(@Root() entry: PlatformAuditEntry): string | null {
    return entry.orgId ? toGlobalId('Tenant', entry.orgId) : null;
  }

  @FieldResolver(() => ID, { nullable: true, description: '所改动记录的全局编号' })
  entityId(@Root() entry: PlatformAuditEntry): string | null {
    return entry.entityId && entry.entityType ? toGlobalId(entry.entityType, entry.entityId) : entry.entityId;
  }
}
