import { EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { inScope, isRootPath, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { READ_ROLES, UserViewer, scopePaths } from '../../auth/viewer';
import { columnsOf, hydrate } from '../../db/hydrate';
import { RequestTransaction, Statement } from '../../db/request-transaction';
import { RequestContext, requireUser } from '../../graphql/context';
import { Role } from '../../auth/roles';
import { Org } from './org.entity';
import { orgService } from './org.service';

/**
 * Scoping written once (as Vendure's findOneInChannel): every record bound to an org is read through
 * these, so a foreign, an out-of-scope and an unknown id look alike, and a subtree is always the
 * leakproof path_key range the (tenant_id, path_key) index serves under row-level security.
 */

/** The subtree roots a list covers: the part of `under` inside the viewer's scope, or the whole scope. */
export function rootsFor(viewer: UserViewer, under: { path: string } | null | undefined, roles: Role[] = READ_ROLES): string[] {
  return under ? scopedRootsUnder(viewer, under.path, roles) : scopePaths(viewer, roles);
}

/**
 * `entity` rows of the viewer's tenant whose org (the column `orgColumn` of `alias`) lies in one of
 * `roots`; the org is joined as `o` for further conditions and ordering.
 */
export function scopedQuery<E extends ObjectLiteral>(
  ctx: RequestContext,
  entity: EntityTarget<E>,
  alias: string,
  orgColumn: string,
  roots: string[],
): SelectQueryBuilder<E> {
  const viewer = requireUser(ctx);
  const scope = underAnySql('o', roots);
  return ctx.tx
    .repository(entity)
    .createQueryBuilder(alias)
    .innerJoin('orgs', 'o', `o.tenant_id = ${alias}.tenant_id AND o.id = ${alias}.${orgColumn}`)
    .where(`${alias}.tenant_id = :scopedTenantId`, { scopedTenantId: viewer.tenantId })
    .andWhere(scope.sql, scope.params);
}

/**
 * Whether subtree roots cover the whole tenant (one of them is the root org): a list then needs no
 * scope condition at all, and the index of its order serves the page (no org range to test per row).
 */
export function coversTenant(roots: string[]): boolean {
  return roots.some(isRootPath);
}

/**
 * What a by-id read may bring along in its statement (a record's campaign, say): columns over the
 * record's alias `x`, the joins that give them, and what to do with them once the record is authorized.
 */
export interface Alongside {
  select: string;
  join: string;
  take(raw: Record<string, unknown>): void;
}

/**
 * The statement findInScope reads a record with an org column by: the record, its org and what comes
 * alongside, by tenant and id (null for a record without an org column). A module reads it ahead with
 * the same arguments (DomainModule.readAhead) to have it sent in the request's opening round trip.
 *
 * `via` names a function `via(p_tenant, p_id)` that runs this statement for a hot read, so that each
 * database connection plans it once (CONTRIBUTING "Plans kept by the database"): it returns the record
 * and its org whole (`x`, `o`), and `alongside.select` then reads over its row `f`, with no joins.
 */
export function inScopeStatement<E extends ObjectLiteral>(
  tx: RequestTransaction,
  entity: EntityTarget<E>,
  tenantId: string,
  id: string,
  alongside?: Pick<Alongside, 'select' | 'join'>,
  via?: string,
): Statement | null {
  const metadata = tx.metadata(entity);
  const orgColumn = metadata.findColumnWithPropertyName('orgId');
  if (!orgColumn) return null;
  const also = alongside ? `, ${alongside.select}` : '';
  if (via) {
    if (alongside?.join) throw new Error(`inScopeStatement: ${via} reads what comes alongside itself (no joins)`);
    return {
      sql: `SELECT ${columnsOf(tx, entity, 'x', '(f.x)')}, ${columnsOf(tx, Org, 'o', '(f.o)')}${also} FROM ${via}($1, $2) f`,
      params: [tenantId, id],
    };
  }
  return {
    sql: `SELECT ${columnsOf(tx, entity, 'x')}, ${columnsOf(tx, Org, 'o')}${also}
       FROM "${metadata.tableName}" x
       LEFT JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x."${orgColumn.databaseName}"
       ${alongside?.join ?? ''}
      WHERE x.tenant_id = $1 AND x.id = $2`,
    params: [tenantId, id],
  };
}

/**
 * One record by id, when the org it belongs to lies inside the viewer's scope for `roles`; null for a
 * foreign, out-of-scope or unknown id alike. `alongside` rides on the record's statement, so it needs
 * a record with an org column (the one-statement read); a record without one refuses it.
 */
export async function findInScope<E extends ObjectLiteral & { tenantId: string }>(
  ctx: RequestContext,
  entity: EntityTarget<E>,
  id: string,
  orgIdOf: (row: E) => string,
  roles: Role[] = READ_ROLES,
  alongside?: Alongside,
  /** The function that runs the statement (inScopeStatement). */
  via?: string,
): Promise<E | null> {
  const viewer = requireUser(ctx);
  const statement = inScopeStatement(ctx.tx, entity, viewer.tenantId, id, alongside, via);
  if (!statement) {
    if (alongside) throw new Error(`findInScope: ${ctx.tx.metadata(entity).tableName} has no org column to read anything alongside`);
    const found = await ctx.tx.repository(entity).findOneBy({ tenantId: viewer.tenantId, id } as never);
    if (!found) return null;
    const org = await orgService.findById(ctx, orgIdOf(found));
    return org && inScope(viewer, org.path, roles) ? found : null;
  }
  // the record and its org in one statement; the org then serves the request's later lookups of it
  const [raw] = await ctx.tx.query<Record<string, unknown>>(statement.sql, statement.params);
  const row = raw ? hydrate(ctx.tx, entity, 'x', raw) : null;
  const org = raw ? hydrate(ctx.tx, Org, 'o', raw) : null;
  if (!row || !org || orgIdOf(row) !== org.id || !inScope(viewer, org.path, roles)) return null;
  orgService.primeIfVisible(ctx, org);
  alongside?.take(raw);
  return row;
}

/**
 * Records by id, each when the org it belongs to lies inside the viewer's scope for `roles` (as findInScope reads
 * one), in one statement however many ids: the answer holds, in the order of `ids`, the record or null (foreign,
 * out of scope and unknown alike), so the caller refuses the first offending id in the caller's order. The orgs read
 * alongside serve the request's later lookups of them. Only for a record with an org column.
 */
export async function findManyInScope<E extends ObjectLiteral & { tenantId: string }>(
  ctx: RequestContext,
  entity: EntityTarget<E>,
  ids: readonly string[],
  orgIdOf: (row: E) => string,
  roles: Role[] = READ_ROLES,
): Promise<(E | null)[]> {
  if (!ids.length) return [];
  const viewer = requireUser(ctx);
  const metadata = ctx.tx.metadata(entity);
  const orgColumn = metadata.findColumnWithPropertyName('orgId');
  if (!orgColumn) throw new Error(`findManyInScope: ${metadata.tableName} has no org column`);
  const rows = await ctx.tx.query<Record<string, unknown>>(
    `SELECT ${columnsOf(ctx.tx, entity, 'x')}, ${columnsOf(ctx.tx, Org, 'o')}
       FROM "${metadata.tableName}" x
       JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x."${orgColumn.databaseName}"
      WHERE x.tenant_id = $1 AND x.id = ANY($2::uuid[])`,
    [viewer.tenantId, [...new Set(ids)]],
  );
  const byId = new Map<string, E>();
  for (const raw of rows) {
    const row = hydrate(ctx.tx, entity, 'x', raw);
    const org = hydrate(ctx.tx, Org, 'o', raw);
    if (!row || !org || orgIdOf(row) !== org.id || !inScope(viewer, org.path, roles)) continue;
    orgService.primeIfVisible(ctx, org);
    byId.set((row as unknown as { id: string }).id, row);
  }
  return ids.map((id) => byId.get(id) ?? null);
}
