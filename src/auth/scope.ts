import { Role } from './roles';
import { READ_ROLES, UserViewer, isAncestorOrSelf, scopePaths } from './viewer';

export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

let counter = 0;
const paramName = () => `scope_${(counter = (counter + 1) % 1_000_000)}`;

/**
 * The org at `root` and its whole subtree, as one range over the C-collated `path_key`: leakproof, so
 * the (tenant_id, path_key) index serves it under row-level security (where ltree's `<@` cannot), in
 * tree order. [root, root + '/') holds exactly root and root.*: '/' follows '.', and every label is
 * 32 hex digits (pathLabel), so no sibling's key can start with root's.
 */
function subtreeSql(alias: string, root: string, params: Record<string, unknown>): string {
  const name = paramName();
  params[name] = root;
  params[`${name}_hi`] = `${root}/`;
  return `(${alias}.path_key >= :${name} AND ${alias}.path_key < :${name}_hi)`;
}

/** The ancestors of the org at `path` (itself excluded), as equalities on `path_key`. */
export function ancestorKeys(path: string): string[] {
  const labels = path.split('.');
  return labels.slice(0, -1).map((_, i) => labels.slice(0, i + 1).join('.'));
}

/**
 * A condition of this module for positional SQL: each of its named parameters (`:scope_…`) becomes the
 * next `$n`, its value appended to `params`.
 */
export function positional(condition: SqlCondition, params: unknown[]): string {
  return condition.sql.replace(/:(scope_\d+(?:_hi)?)\b/g, (_, name: string) => {
    if (!(name in condition.params)) throw new Error(`no value for :${name}`);
    return `$${params.push(condition.params[name])}`;
  });
}

/** Orgs in the subtree of any of `roots`. */
export function underAnySql(alias: string, roots: string[]): SqlCondition {
  if (roots.length === 0) return { sql: 'false', params: {} };
  const params: Record<string, unknown> = {};
  const parts = roots.map((root) => subtreeSql(alias, root, params));
  return { sql: `(${parts.join(' OR ')})`, params };
}

/** The same subtree condition for positional SQL: `$n` holds the root path. */
export function subtreeOf(alias: string, n: number): string {
  return `(${alias}.path_key >= $${n}::text AND ${alias}.path_key < $${n}::text || '/')`;
}

/**
 * Orgs a viewer may see: everything inside its scope subtrees, plus the ancestors of its scope roots
 * (names for breadcrumbs). Siblings and their subtrees stay invisible.
 */
export function visibleOrgSql(viewer: UserViewer, alias: string, roles: Role[] = READ_ROLES): SqlCondition {
  const roots = scopePaths(viewer, roles);
  if (roots.length === 0) return { sql: 'false', params: {} };
  const params: Record<string, unknown> = {};
  const ancestors = [...new Set(roots.flatMap(ancestorKeys))];
  const parts = roots.map((root) => subtreeSql(alias, root, params));
  if (ancestors.length) {
    const name = paramName();
    params[name] = ancestors;
    parts.push(`${alias}.path_key = ANY(:${name})`);
  }
  return { sql: `(${parts.join(' OR ')})`, params };
}

/** The parts of the subtree at `underPath` that lie inside the viewer's scope, as subtree roots. */
export function scopedRootsUnder(viewer: UserViewer, underPath: string, roles: Role[] = READ_ROLES): string[] {
  const roots = new Set<string>();
  for (const scope of scopePaths(viewer, roles)) {
    if (isAncestorOrSelf(scope, underPath)) roots.add(underPath);
    else if (isAncestorOrSelf(underPath, scope)) roots.add(scope);
  }
  return [...roots];
}

/** Whether the org at `path` lies fully inside one of the viewer's scopes for `roles`. */
export function inScope(viewer: UserViewer, path: string, roles: Role[] = READ_ROLES): boolean {
  return scopePaths(viewer, roles).some((scope) => isAncestorOrSelf(scope, path));
}

/**
 * Whether the viewer holds any of `roles` anywhere in the tenant, over some subtree. Only a gate in
 * front of a per-object scope check (an import whose every row is then checked against the scope);
 * never a power over the tenant: a role assigned over a subtree grants nothing outside it.
 */
export function holdsRole(viewer: UserViewer, roles: Role[]): boolean {
  return viewer.roles.some((r) => roles.includes(r.role));
}

/**
 * Whether the viewer holds any of `roles` at the tenant's root org (the org with no parent: a path of
 * one label). Tenant-wide powers (settings, frameworks, exemplar limits, the assessment rule, the whole
 * audit log, notices, supervision teams, the record chain) need this.
 */
export function holdsRoleAtRoot(viewer: UserViewer, roles: Role[]): boolean {
  return viewer.roles.some((r) => roles.includes(r.role) && isRootPath(r.path));
}

/** The root org's path has one label (depth 0). */
export function isRootPath(path: string): boolean {
  return path.length > 0 && !path.includes('.');
}
