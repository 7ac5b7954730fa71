import { holdsRoleAtRoot, underAnySql } from '../../auth/scope';
import { scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeGlobalId } from '../../graphql/relay';
import { Role } from '../../auth/roles';
import { userService } from '../user/user.service';
import { AuditEntry } from './audit.entity';
import { auditError } from './audit.errors';

/** Input keys whose values never reach the log: credentials and the public's contact data. */
const SECRET = /password|token|secret|totp|recovery|contact|phone|deviceId/i;
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
   * Appends an entry for a mutation that succeeded, inside its transaction (so it commits with it),
   * with the org of the record it touched: the record's own (or its parent's), else `orgBefore`.
   */
  async record(
    ctx: RequestContext,
    action: string,
    args: Record<string, unknown>,
    result: unknown,
    orgBefore?: string | null,
  ): Promise<void> {
    const viewer = ctx.viewer;
    if (!viewer || viewer.kind !== 'user' || !ctx.tx.isOpen) return;
    const entity = entityOf(result, args);
    let orgId: string | null = null;
    if (result && typeof result === 'object') {
      const r = result as Record<string, unknown>;
      if (result.constructor?.name === 'Org' && typeof r.id === 'string') orgId = r.id;
      else orgId = (ORG_PROPERTIES.map((p) => r[p]).find((v) => typeof v === 'string' && UUID.test(v)) as string | undefined) ?? null;
    }
    orgId ??= (await orgOfRecord(ctx, viewer.tenantId, entity.type, entity.id)) ?? orgBefore ?? null;
    await ctx.tx.execute(
      `INSERT INTO audit_log (tenant_id, actor_id, action, entity_type, entity_id, org_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [viewer.tenantId, viewer.userId, action, entity.type, entity.id, orgId, JSON.stringify(sanitize(args))],
    );
  },

  /**
   * Newest first. An admin at the root reads the whole log; an admin over a subtree reads the entries
   * of records whose org lies in its subtree (a leakproof path_key range), never a sibling's, and no
   * entry without an org (tenant-wide records).
   */
  async list(
    ctx: RequestContext,
    filter: { entityId?: string; action?: string },
    first: number,
    after?: string,
  ): Promise<Page<AuditEntry>> {
    const viewer = requireUser(ctx);
    const whole = holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN]);
    const roots = scopePaths(viewer, [Role.TENANT_ADMIN]);
    if (!roots.length) throw auditError('NOT_AUDIT_READER');
    const build = () => {
      const qb = ctx.tx.repository(AuditEntry).createQueryBuilder('a').where('a.tenant_id = :t', { t: viewer.tenantId });
      if (!whole) {
        const scope = underAnySql('o', roots);
        qb.innerJoin('orgs', 'o', 'o.tenant_id = a.tenant_id AND o.id = a.org_id').andWhere(scope.sql, scope.params);
      }
      if (filter.entityId) qb.andWhere('a.entity_id = :e', { e: filter.entityId });
      if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
      return qb;
    };
    return keysetPage(build, [{ sql: 'a.id', type: 'bigint', of: (a) => a.id, desc: true }], first, after);
  },

  /** The actor's username, through the one path to a User: for the actor and the admins over the actor's org. */
  async actorUsername(ctx: RequestContext, entry: AuditEntry): Promise<string | null> {
    return entry.actorId ? ((await userService.findById(ctx, entry.actorId))?.username ?? null) : null;
  },
};
