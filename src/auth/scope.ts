import { Role } from '../modules/user/user.entity';
import { READ_ROLES, UserViewer, isAncestorOrSelf, scopePaths } from './viewer';

export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

let counter = 0;
const paramName = () => `scope_${(counter = (counter + 1) % 1_000_000)}`;

/** Orgs whose `path <@ root` for any root: one GiST-indexed condition per root. */
export function underAnySql(alias: string, roots: string[]): SqlCondition {
  if (roots.length === 0) return { sql: 'false', params: {} };
  const params: Record<string, unknown> = {};
  const parts = roots.map((root) => {
    const name = paramName();
    params[name] = root;
    return `${alias}.path <@ CAST(:${name} AS ltree)`;
  });
  return { sql: `(${parts.join(' OR ')})`, params };
}

/**
 * Orgs a viewer may see: everything inside its scope subtrees, plus the ancestors of its scope roots
 * (names for breadcrumbs). Siblings and their subtrees stay invisible.
 */
export function visibleOrgSql(viewer: UserViewer, alias: string, roles: Role[] = READ_ROLES): SqlCondition {
  const roots = scopePaths(viewer, roles);
  if (roots.length === 0) return { sql: 'false', params: {} };
  const params: Record<string, unknown> = {};
  const parts = roots.map((root) => {
    const name = paramName();
    params[name] = root;
    return `${alias}.path <@ CAST(:${name} AS ltree) OR ${alias}.path @> CAST(:${name} AS ltree)`;
  });
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


/** Whether the viewer holds any of `roles` anywhere in the tenant (tenant-wide settings such as frameworks). */
export function holdsRole(viewer: UserViewer, roles: Role[]): boolean {
  return viewer.roles.some((r) => roles.includes(r.role));
}
