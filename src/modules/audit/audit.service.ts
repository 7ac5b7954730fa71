import { SelectQueryBuilder } from 'typeorm';
import { RequestTransaction } from '../../db/request-transaction';
import { holdsRoleAtRoot, underAnySql } from '../../auth/scope';
import { scopePaths } from '../../auth/viewer';
import { RequestContext, requireOperator, requireUser } from '../../graphql/context';
import { toAppError } from '../../graphql/errors';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeGlobalId } from '../../graphql/relay';
import { Role } from '../../auth/roles';
import { userService } from '../user/user.service';
import { AuditLogKind, AuditChainResult, chainPolicy, pruneLog, sealLog, setChainPolicy, verifyLog } from './audit.chain';
import { singleFlight } from '../../db/single-flight';
import { AuditEntry, AuditHashAlgorithm, AuditOutcome, PlatformAuditEntry } from './audit.entity';
import { auditError } from './audit.errors';

/** Input keys whose values never reach the log: credentials and the public's contact data. */
const SECRET = /password|token|secret|contact|phone|deviceId|totp|otp|recovery|verifier/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The input as it is worth keeping: secrets out, global ids decoded to what the rows hold. */
function sanitize(value: unknown, depth = 0): unknown {
  if (depth > 6) return '…';
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => sanitize(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET.test(k) ? '[redacted]' : sanitize(v, depth + 1)]));
  }
  if (typeof value === 'string') {
    const decoded = decodeGlobalId(value);
    return decoded ? `${decoded.type}:${decoded.id}` : value.length > 2000 ? `${value.slice(0, 2000)}…` : value;
  }
  return value;
}

/** The record a mutation touched: the returned object, else the id named in its input. */
function entityOf(result: unknown, args: Record<string, unknown>): { type: string | null; id: string | null } {
  if (
    result &&
    typeof result === 'object' &&
    typeof (result as { id?: unknown }).id === 'string' &&
    UUID.test((result as { id: string }).id)
  ) {
    return { type: result.constructor?.name === 'Object' ? null : result.constructor.name, id: (result as { id: string }).id };
  }
  const input = (args.input ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if ((key === 'id' || key.endsWith('Id')) && typeof value === 'string') {
      const decoded = decodeGlobalId(value);
      if (decoded) return { type: decoded.type, id: decoded.id };
    }
  }
  return { type: null, id: null };
}

/** Properties and columns that name the org a record belongs to, in order of preference. */
const ORG_PROPERTIES = ['orgId', 'ownerOrgId', 'fromOrgId', 'scopeOrgId'] as const;
const ORG_COLUMNS = ['org_id', 'owner_org_id', 'from_org_id', 'scope_org_id'];
/** Records without an org column of their own belong to the org of their parent record. */
const PARENT_OF: Record<string, [column: string, type: string]> = {
  Finding: ['inspection_id', 'Inspection'],
  ExemplarObjection: ['exemplar_id', 'Exemplar'],
  Pairing: ['person_id', 'PairingPerson'],
  PairingVisit: ['pairing_id', 'Pairing'],
  LeadingGroup: ['campaign_id', 'Campaign'],
  ServiceStandard: ['brand_id', 'ServiceBrand'],
};

/** The org of a stored record of a Node type, through its own org column or its parent's (null: none). */
async function orgOfRecord(
  ctx: RequestContext,
  tenantId: string,
  type: string | null,
  id: string | null,
  hops = 0,
): Promise<string | null> {
  if (!type || !id || hops > 3) return null;
  if (type === 'Org') return id;
  const dataSource = ctx.tx.manager.connection;
  if (!dataSource.hasMetadata(type)) return null;
  const meta = dataSource.getMetadata(type);
  if (meta.targetName !== type) return null;
  const has = (column: string) => meta.columns.some((c) => c.databaseName === column);
  const key = meta.primaryColumns.map((c) => c.databaseName).filter((c) => c !== 'tenant_id');
  const own = ORG_COLUMNS.find(has);
  const parent = PARENT_OF[type];
  const column = own ?? (parent && has(parent[0]) ? parent[0] : undefined);
  if (key.length !== 1 || !column) return null;
  const [row] = await ctx.tx.query<{ v: string | null }>(
    `SELECT ${column}::text AS v FROM ${meta.tablePath} WHERE tenant_id = $1 AND ${key[0]} = $2`,
    [tenantId, id],
  );
  if (!row?.v) return null;
  return own ? row.v : orgOfRecord(ctx, tenantId, parent[1], row.v, hops + 1);
}

/** Sign-in mutations: written on a connection of their own, so a refused attempt stays recorded. */
const SIGN_IN_ACTIONS = new Set(['login', 'refreshToken', 'logout']);
/** Other account-security mutations whose refusals are recorded too (the accounts issue's names, whatever they become). */
const SECURITY_ACTION = /password|totp|factor|signOut|unlock|lock|recovery|identity|sso/i;

/** Refresh tokens are `<tenant id>.<token id>.<secret>`: the event names the tenant and the token's row, never the secret. */
function refreshTokenParts(args: Record<string, unknown>): { tenantId: string; tokenId: string } | null {
  const token = (args.input as { refreshToken?: unknown } | undefined)?.refreshToken;
  const match = typeof token === 'string' ? /^([0-9a-f-]{36})\.([0-9a-f-]{36})\./.exec(token) : null;
  return match && UUID.test(match[1]) && UUID.test(match[2]) ? { tenantId: match[1], tokenId: match[2] } : null;
}

const clip = (text: string | undefined | null, max: number) => (text ? text.slice(0, max) : null);

/** An event to append outside the request's transaction (it must stand when the request fails). */
export interface OutsideEvent {
  action: string;
  outcome: AuditOutcome;
  reason?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  orgId?: string | null;
  /** Already free of secrets (`sanitize` for a mutation's input). */
  data?: Record<string, unknown>;
}

export interface AuditFilter {
  entityId?: string;
  action?: string;
  actorId?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
  address?: string;
  account?: string;
}

/** The reason code of a refusal, as its error carries it. */
export function reasonOf(error: unknown): string {
  const known = toAppError(error);
  return String(known?.details.reason ?? known?.code ?? 'INTERNAL');
}

function applyFilter<E extends object>(qb: SelectQueryBuilder<E>, filter: AuditFilter): SelectQueryBuilder<E> {
  if (filter.entityId) qb.andWhere('a.entity_id = :e', { e: filter.entityId });
  if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
  if (filter.actorId) qb.andWhere('a.actor_id = :actor', { actor: filter.actorId });
  if (filter.outcome) qb.andWhere('a.outcome = :outcome', { outcome: filter.outcome });
  if (filter.from) qb.andWhere('a.at >= :from', { from: filter.from });
  if (filter.to) qb.andWhere('a.at < :to', { to: filter.to });
  if (filter.address) qb.andWhere('a.address = :address', { address: filter.address });
  if (filter.account) qb.andWhere('a.account = :account', { account: filter.account });
  return qb;
}

/** The audit logs' verification running per log in this process (verifyAuditLog, verifyPlatformAuditLog). */
const logVerifications = singleFlight<AuditChainResult>();

export const auditService = {
  /**
   * The org of the record a mutation's input names, read before the mutation runs: a mutation that
   * answers a scalar (deleteLedgerEntry, revokeRole) may leave no record to read afterwards.
   */
  async orgOfInput(ctx: RequestContext, args: Record<string, unknown>): Promise<string | null> {
    const viewer = ctx.viewer;
    if (!viewer || viewer.kind !== 'user' || !ctx.tx.isOpen) return null;
    const entity = entityOf(null, args);
    return orgOfRecord(ctx, viewer.tenantId, entity.type, entity.id);
  },

  /**
   * Wraps a root mutation: a success leaves its entry in the mutation's transaction; a sign-in event,
   * and the refusal of an account-security mutation or of the operator's, is written on a connection of
   * its own so that it stands when the request rolls back.
   */
  async around(
    ctx: RequestContext,
    field: { name: string; answersScalar: boolean },
    args: Record<string, unknown>,
    run: () => Promise<unknown>,
  ) {
    if (SIGN_IN_ACTIONS.has(field.name)) return this.aroundSignIn(ctx, field.name, args, run);
    const orgBefore = field.answersScalar ? await this.orgOfInput(ctx, args) : null;
    let result: unknown;
    try {
      result = await run();
    } catch (error) {
      if (ctx.viewer?.kind === 'operator' || SECURITY_ACTION.test(field.name)) {
        await this.outside(ctx, {
          action: field.name,
          outcome: AuditOutcome.FAILURE,
          reason: reasonOf(error),
          data: sanitize(args) as Record<string, unknown>,
        });
      }
      throw error;
    }
    await this.record(ctx, field.name, args, result, orgBefore);
    return result;
  },

  /** login, refreshToken, logout: success and failure, with the account tried, the address and the client. */
  async aroundSignIn(ctx: RequestContext, action: string, args: Record<string, unknown>, run: () => Promise<unknown>) {
    const input = (args.input ?? {}) as { tenant?: string | null; username?: string };
    const token = action === 'login' ? null : refreshTokenParts(args);
    const write = (outcome: AuditOutcome, reason: string | null) =>
      ctx.tx
        .outside(`SELECT app_audit_auth_event($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
          action === 'login' ? clip(input.tenant, 100) : null,
          token?.tenantId ?? null,
          action === 'login' ? clip(input.username, 200) : null,
          token?.tokenId ?? null,
          action,
          outcome,
          reason,
          clip(ctx.ip, 100),
          clip(ctx.userAgent, 500),
        ])
        // the trail must not turn an answered sign-in into an error; a lost entry is logged
        .catch((error: unknown) => console.error('[audit] sign-in event not written:', error instanceof Error ? error.message : error));
    // an unparseable token names no tenant: a refresh or sign-out with it is recorded on the platform's log
    let result: unknown;
    try {
      result = await run();
    } catch (error) {
      await write(AuditOutcome.FAILURE, reasonOf(error));
      throw error;
    }
    await write(AuditOutcome.SUCCESS, null);
    return result;
  },

  /**
   * Appends an entry for a mutation that succeeded, inside its transaction (so it commits with it),
   * with the org of the record it touched: the record's own (or its parent's), else `orgBefore`. The
   * operator's go to the platform log.
   */
  async record(
    ctx: RequestContext,
    action: string,
    args: Record<string, unknown>,
    result: unknown,
    orgBefore?: string | null,
  ): Promise<void> {
    const viewer = ctx.viewer;
    if (!viewer || !ctx.tx.isOpen) return;
    const entity = entityOf(result, args);
    if (viewer.kind === 'operator') {
      // with COMMIT, in its round trip: nothing in the request reads the entry back
      ctx.tx.defer(
        `INSERT INTO platform_audit_log (actor_id, action, entity_type, entity_id, org_id, data, address, user_agent, account)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          viewer.operatorId,
          action,
          entity.type,
          entity.id,
          entity.type === 'Tenant' ? entity.id : null,
          JSON.stringify(sanitize(args)),
          clip(ctx.ip, 100),
          clip(ctx.userAgent, 500),
          viewer.username,
        ],
      );
      return;
    }
    let orgId: string | null = null;
    if (result && typeof result === 'object') {
      const r = result as Record<string, unknown>;
      if (result.constructor?.name === 'Org' && typeof r.id === 'string') orgId = r.id;
      else orgId = (ORG_PROPERTIES.map((p) => r[p]).find((v) => typeof v === 'string' && UUID.test(v)) as string | undefined) ?? null;
    }
    orgId ??= (await orgOfRecord(ctx, viewer.tenantId, entity.type, entity.id)) ?? orgBefore ?? null;
    ctx.tx.defer(
      `INSERT INTO audit_log (tenant_id, actor_id, action, entity_type, entity_id, org_id, data, address, user_agent, account)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        viewer.tenantId,
        viewer.userId,
        action,
        entity.type,
        entity.id,
        orgId,
        JSON.stringify(sanitize(args)),
        clip(ctx.ip, 100),
        clip(ctx.userAgent, 500),
        viewer.username,
      ],
    );
  },

  /**
   * An event of a request that is not a mutation (a download, an export, an import), in the request's
   * transaction: it commits with the request.
   */
  async event(ctx: RequestContext, event: OutsideEvent): Promise<void> {
    const viewer = ctx.viewer;
    if (!viewer) return;
    await ctx.tx.begin();
    // with COMMIT, in its round trip: nothing in the request reads the entry back
    if (viewer.kind === 'operator') {
      ctx.tx.defer(
        `INSERT INTO platform_audit_log (action, entity_type, entity_id, org_id, data, outcome, reason, address, user_agent, account, actor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [...eventValues(ctx, viewer.username, event), viewer.operatorId],
      );
    } else {
      ctx.tx.defer(
        `INSERT INTO audit_log (action, entity_type, entity_id, org_id, data, outcome, reason, address, user_agent, account, actor_id, tenant_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [...eventValues(ctx, viewer.username, event), viewer.userId, viewer.tenantId],
      );
    }
  },

  /** The same, on a connection of its own: it stands when the request fails (a refused download or import). */
  async outside(ctx: RequestContext, event: OutsideEvent): Promise<void> {
    const viewer = ctx.viewer;
    if (!viewer) return;
    await ctx.tx
      .outside(`SELECT app_audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        viewer.kind === 'user' ? viewer.tenantId : null,
        viewer.kind === 'user' ? viewer.userId : viewer.operatorId,
        ...eventValues(ctx, viewer.username, event),
      ])
      .catch((error: unknown) => console.error('[audit] event not written:', error instanceof Error ? error.message : error));
  },

  /** Who may read the tenant's log: the whole of it (an admin at the root), or the subtrees it administers. */
  readerScope(ctx: RequestContext): { tenantId: string; whole: boolean; roots: string[] } {
    const viewer = requireUser(ctx);
    const whole = holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN]);
    const roots = scopePaths(viewer, [Role.TENANT_ADMIN]);
    if (!roots.length) throw auditError('NOT_AUDIT_READER');
    return { tenantId: viewer.tenantId, whole, roots };
  },

  query(ctx: RequestContext, filter: AuditFilter): () => SelectQueryBuilder<AuditEntry> {
    const scope = this.readerScope(ctx);
    return () => {
      const qb = ctx.tx.repository(AuditEntry).createQueryBuilder('a').where('a.tenant_id = :t', { t: scope.tenantId });
      if (!scope.whole) {
        const under = underAnySql('o', scope.roots);
        qb.innerJoin('orgs', 'o', 'o.tenant_id = a.tenant_id AND o.id = a.org_id').andWhere(under.sql, under.params);
      }
      return applyFilter(qb, filter);
    };
  },

  /**
   * Newest first. An admin at the root reads the whole log; an admin over a subtree reads the entries
   * of records whose org lies in its subtree (a leakproof path_key range), and the sign-ins of users of
   * its subtree, never a sibling's, and no entry without an org (tenant-wide records, unknown accounts).
   */
  async list(ctx: RequestContext, filter: AuditFilter, first: number, after?: string): Promise<Page<AuditEntry>> {
    return keysetPage(this.query(ctx, filter), [{ sql: 'a.id', type: 'bigint', desc: true }], first, after);
  },

  /** The platform's log, for operators only. */
  async platformList(ctx: RequestContext, filter: AuditFilter, first: number, after?: string): Promise<Page<PlatformAuditEntry>> {
    requireOperator(ctx);
    const build = () => applyFilter(ctx.tx.repository(PlatformAuditEntry).createQueryBuilder('a'), filter);
    return keysetPage(build, [{ sql: 'a.id', type: 'bigint', desc: true }], first, after);
  },

  /** The actor's username, through the one path to a User: for the actor and the admins over the actor's org. */
  async actorUsername(ctx: RequestContext, entry: AuditEntry): Promise<string | null> {
    return entry.actorId ? ((await userService.findById(ctx, entry.actorId))?.username ?? null) : null;
  },

  /** A person's name for the export, through the one path to names. */
  async actorName(ctx: RequestContext, userId: string): Promise<string | null> {
    return userService.displayName(ctx, userId);
  },

  /** The chain check spans the whole log: an admin at the root (or the operator, for the platform's). */
  async verify(ctx: RequestContext, log: AuditLogKind): Promise<AuditChainResult> {
    const tenantId = this.chainOwner(ctx, log);
    // one seal and scan per log at a time: 20 aliases (or 20 requests) asking at once share it
    return logVerifications(`${log}:${tenantId ?? ''}`, async () => {
      await sealLog(ctx.tx, log, tenantId);
      return verifyLog(ctx.tx, log, tenantId);
    });
  },

  chainOwner(ctx: RequestContext, log: AuditLogKind): string | null {
    if (log === 'platform') {
      requireOperator(ctx);
      return null;
    }
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw auditError('NOT_AUDIT_ROOT_ADMIN');
    return viewer.tenantId;
  },

  async policy(ctx: RequestContext, log: AuditLogKind) {
    this.chainOwner(ctx, log);
    return chainPolicy(ctx.tx);
  },

  async setPolicy(
    ctx: RequestContext,
    log: AuditLogKind,
    input: { hashAlgorithm?: AuditHashAlgorithm | null; retentionDays?: number | null },
  ) {
    this.chainOwner(ctx, log);
    if (input.retentionDays !== undefined && input.retentionDays !== null && (input.retentionDays < 180 || input.retentionDays > 36500)) {
      throw auditError('AUDIT_RETENTION_RANGE', { field: 'input.retentionDays', params: { min: 180, max: 36500 } });
    }
    await setChainPolicy(ctx.tx, input);
    return chainPolicy(ctx.tx);
  },

  /** Seals (and, when asked, prunes) one log in the transaction's identity; used by the sweeps. */
  async maintain(tx: RequestContext['tx'], log: AuditLogKind, tenantId: string | null, prune: boolean): Promise<number> {
    return prune ? pruneLog(tx, log, tenantId) : sealLog(tx, log, tenantId);
  },
};

/** What a download or upload route tells the trail about its request. */
export interface RouteRequest {
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A download (export, file, document) or a refused upload, on a connection of its own: the routes'
 * transactions are read-only (rolled back), and a refusal must stand. The path is kept without its
 * query's signed link. Nothing is written for a request without a signed-in viewer (no actor).
 */
export async function auditRoute(
  ctx: RequestContext,
  request: RouteRequest,
  action: string,
  failure?: unknown,
  entity?: { type: string; id: string } | null,
): Promise<void> {
  if (!ctx.viewer) return;
  const agent = request.headers['user-agent'];
  ctx.userAgent ??= typeof agent === 'string' ? agent : undefined;
  const url = new URL(request.url, 'http://local');
  url.searchParams.delete('link');
  await auditService.outside(ctx, {
    action,
    outcome: failure === undefined ? AuditOutcome.SUCCESS : AuditOutcome.FAILURE,
    reason: failure === undefined ? null : reasonOf(failure),
    entityType: entity?.type ?? null,
    entityId: entity?.id ?? null,
    data: { path: url.pathname.slice(0, 500), query: sanitize(Object.fromEntries(url.searchParams)) },
  });
}

/**
 * A sign-in that did not come through the login mutation (single sign-on's callback), on a connection
 * of its own: the account is the username, or `sso:<subject>` for a subject linked to no one.
 */
export async function auditSignIn(
  tx: RequestTransaction,
  event: {
    tenantId: string;
    action: string;
    account: string | null;
    outcome: AuditOutcome;
    reason?: string | null;
    address: string;
    userAgent?: string | null;
    data?: Record<string, unknown>;
  },
): Promise<void> {
  await tx
    .outside(`SELECT app_audit_auth_event(NULL, $1, $2, NULL, $3, $4, $5, $6, $7, $8)`, [
      event.tenantId,
      clip(event.account, 200),
      event.action,
      event.outcome,
      clip(event.reason, 100),
      clip(event.address, 100),
      clip(event.userAgent, 500),
      JSON.stringify(event.data ?? {}),
    ])
    .catch((error: unknown) => console.error('[audit] sign-in event not written:', error instanceof Error ? error.message : error));
}

/** An event's columns from action to account, in the order the audit tables and app_audit_append take them. */
function eventValues(ctx: RequestContext, account: string, event: OutsideEvent): unknown[] {
  return [
    event.action,
    event.entityType ?? null,
    event.entityId ?? null,
    event.orgId ?? null,
    JSON.stringify(event.data ?? {}),
    event.outcome,
    clip(event.reason, 100),
    clip(ctx.ip, 100),
    clip(ctx.userAgent, 500),
    account,
  ];
}
