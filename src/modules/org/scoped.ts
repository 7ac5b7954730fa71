import { EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { inScope, isRootPath, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { READ_ROLES, UserViewer, scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { Role } from '../../auth/roles';
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
 * One record by id, when the org it belongs to lies inside the viewer's scope for `roles`; null for a
 * foreign, out-of-scope or unknown id alike.
 */
export async function findInScope<E extends ObjectLiteral & { tenantId: string }>(
  ctx: RequestContext,
  entity: EntityTarget<E>,
  id: string,
  orgIdOf: (row: E) => string,
  roles: Role[] = READ_ROLES,
): Promise<E | null> {
  const viewer = requireUser(ctx);
  const row = await ctx.tx.repository(entity).findOneBy({ tenantId: viewer.tenantId, id } as never);
  if (!row) return null;
  const org = await orgService.findById(ctx, orgIdOf(row));
  return org && inScope(viewer, org.path, roles) ? row : null;
}
