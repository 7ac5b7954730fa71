import { holdsRole } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { forbidden } from '../../graphql/errors';
import { Page, decodeCursor, decodeGlobalId, encodeCursor, pageFrom } from '../../graphql/relay';
import { Role } from '../user/user.entity';
import { AuditEntry } from './audit.entity';

/** Input keys whose values never reach the log: credentials and the public's contact data. */
const SECRET = /password|token|secret|contact|phone|deviceId/i;
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
  if (result && typeof result === 'object' && typeof (result as { id?: unknown }).id === 'string' && UUID.test((result as { id: string }).id)) {
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

export const auditService = {
  /** Appends an entry for a mutation that succeeded, inside its transaction (so it commits with it). */
  async record(ctx: RequestContext, action: string, args: Record<string, unknown>, result: unknown): Promise<void> {
    const viewer = ctx.viewer;
    if (!viewer || viewer.kind !== 'user' || !ctx.tx.isOpen) return;
    const entity = entityOf(result, args);
    await ctx.tx.query(
      `INSERT INTO audit_log (tenant_id, actor_id, action, entity_type, entity_id, data) VALUES ($1, $2, $3, $4, $5, $6)`,
      [viewer.tenantId, viewer.userId, action, entity.type, entity.id, JSON.stringify(sanitize(args))],
    );
  },

  /** Newest first; tenant admins only. */
  async list(ctx: RequestContext, filter: { entityId?: string; action?: string }, first: number, after?: string): Promise<Page<AuditEntry>> {
    const viewer = requireUser(ctx);
    if (!holdsRole(viewer, [Role.TENANT_ADMIN])) throw forbidden('Only a tenant admin reads the audit log');
    const build = () => {
      const qb = ctx.tx.repository(AuditEntry).createQueryBuilder('a').where('a.tenant_id = :t', { t: viewer.tenantId });
      if (filter.entityId) qb.andWhere('a.entity_id = :e', { e: filter.entityId });
      if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
      return qb;
    };
    const qb = build().orderBy('a.id', 'DESC').limit(first + 1);
    const cursor = decodeCursor(after, 1);
    if (cursor) qb.andWhere('a.id < :before', { before: String(cursor[0]) });
    return pageFrom(await qb.getMany(), first, after, (a) => encodeCursor([a.id]), () => build().getCount());
  },

  async actorName(ctx: RequestContext, entry: AuditEntry): Promise<string | null> {
    if (!entry.actorId) return null;
    const [row] = await ctx.tx.query(`SELECT username FROM users WHERE tenant_id = $1 AND id = $2`, [entry.tenantId, entry.actorId]);
    return row?.username ?? null;
  },
};
