import { Role } from './roles';

export interface ScopedRole {
  assignmentId: string;
  role: Role;
  orgId: string;
  /** ltree path of the scope org: the role covers this org and its whole subtree. */
  path: string;
}

export interface UserViewer {
  kind: 'user';
  userId: string;
  tenantId: string;
  username: string;
  roles: ScopedRole[];
  /** The account's session epoch as the request read it (absent for a system viewer): what a credential it signs carries. */
  sessionEpoch?: number;
}

export interface OperatorViewer {
  kind: 'operator';
  operatorId: string;
  username: string;
}

export type Viewer = UserViewer | OperatorViewer;

/**
 * Roles that read their org's whole subtree (every role does, as Role's description says: a member is assigned at its
 * branch, so it reads that branch and whatever lies under it).
 */
export const READ_ROLES: Role[] = [Role.TENANT_ADMIN, Role.LEADER, Role.SECRETARY, Role.SUPERVISOR, Role.INSPECTOR, Role.MEMBER];

export function isAncestorOrSelf(ancestor: string, path: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}.`);
}

/** Scope roots of the viewer's roles among `roles`, with nested ones folded into their ancestors. */
export function scopePaths(viewer: UserViewer, roles: Role[] = READ_ROLES): string[] {
  const paths = [...new Set(viewer.roles.filter((r) => roles.includes(r.role)).map((r) => r.path))].sort();
  return paths.filter((p, i) => !paths.some((q, j) => j !== i && q !== p && isAncestorOrSelf(q, p)));
}

export function hasRoleOver(viewer: UserViewer, path: string, roles: Role[]): boolean {
  return viewer.roles.some((r) => roles.includes(r.role) && isAncestorOrSelf(r.path, path));
}
