import { findOrInsert } from '../../db/find-or-insert';
import { accountService } from '../../auth/account.service';
import { hashPassword } from '../../auth/password';
import { Role } from '../../auth/roles';
import { inScope, isRootPath } from '../../auth/scope';
import { UserViewer, isAncestorOrSelf } from '../../auth/viewer';
import { containsPattern } from '../../db/like';
import { RequestContext, requireUser } from '../../graphql/context';
import { Order, OrderColumn, OrderDirection, OrderSpec, orderedPage } from '../../graphql/order';
import { Page } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { rootsFor, scopedQuery } from '../org/scoped';
import { RoleAssignment, User, UserOrderField } from './user.entity';
import { userError } from './user.errors';
import { holdLock } from '../../db/advisory-lock';

export interface UserFilter {
  /** Users whose home org lies in this org's subtree (within the admin's scope). */
  under?: Org | null;
  /** Users holding this role (over any org). */
  role?: Role;
  /** Username or display name containing this text. */
  search?: string;
  /** Users whose home org is this org. */
  orgId?: string;
}

const USERNAME: OrderColumn = { sql: 'u.username', type: 'text' };

/** Usernames are unique in a tenant: every order ends in the username (and the id). */
export const USER_ORDER: OrderSpec<UserOrderField> = {
  list: 'users',
  id: 'u.id',
  fields: {
    USERNAME: [USERNAME],
    DISPLAY_NAME: [{ sql: 'u.display_name', type: 'text' }, USERNAME],
    CREATED_AT: [{ sql: 'u.created_at', type: 'timestamptz' }, USERNAME],
    ORG: [{ sql: 'o.path_key', type: 'text' }, USERNAME],
  },
  default: { field: UserOrderField.USERNAME, direction: OrderDirection.ASC },
};

/** A password's bounds (create, import, a new tenant's first admin). */
export const PASSWORD_LENGTH = { min: 8, max: 200 };

const ADMIN = [Role.TENANT_ADMIN];

function assertAdminOver(viewer: UserViewer, path: string) {
  if (!inScope(viewer, path, ADMIN)) throw userError('NOT_USER_ADMIN');
}

/**
 * Every tenant keeps at least one enabled TENANT_ADMIN whose assignment is at the root org. Each change
 * that could break it (revoking an admin role, disabling a user) takes this per-tenant lock before it
 * counts, so two admins removing each other at once are serialized: the second one counts after the
 * first committed. The database trigger keep_root_admin() takes the same lock and checks again.
 */
async function lockRootAdmins(ctx: RequestContext, tenantId: string): Promise<void> {
  await holdLock(ctx.tx, `tenant-admins:${tenantId}`);
}

const ROOT_ADMINS_SQL = `
  SELECT DISTINCT ra.user_id FROM role_assignments ra
    JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id AND o.parent_id IS NULL
    JOIN users u ON u.tenant_id = ra.tenant_id AND u.id = ra.user_id AND NOT u.disabled
   WHERE ra.tenant_id = $1 AND ra.role = 'TENANT_ADMIN'`;

/** Enabled users holding TENANT_ADMIN at the root, besides one assignment or one user (read under the lock). */
async function otherRootAdmins(
  ctx: RequestContext,
  tenantId: string,
  except: { assignmentId?: string; userId?: string },
): Promise<string[]> {
  const rows = await ctx.tx.query<{ user_id: string }>(
    `${ROOT_ADMINS_SQL} AND ra.id IS DISTINCT FROM $2::uuid AND ra.user_id IS DISTINCT FROM $3::uuid`,
    [tenantId, except.assignmentId ?? null, except.userId ?? null],
  );
  return rows.map((r) => r.user_id);
}

/**
 * Under the lock, the viewer's authority is read again: a concurrent request may just have revoked or
 * disabled it (its roles were loaded when the request began).
 */
async function assertStillAdminOver(ctx: RequestContext, viewer: UserViewer, path: string): Promise<void> {
  const rows = await ctx.tx.query<{ path: string }>(
    `SELECT o.path::text AS path FROM role_assignments ra
       JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
       JOIN users u ON u.tenant_id = ra.tenant_id AND u.id = ra.user_id AND NOT u.disabled
      WHERE ra.tenant_id = $1 AND ra.user_id = $2 AND ra.role = 'TENANT_ADMIN'`,
    [viewer.tenantId, viewer.userId],
  );
  if (!rows.some((r) => isAncestorOrSelf(r.path, path))) throw userError('NOT_USER_ADMIN');
}

function lastAdmin(): never {
  throw userError('LAST_ADMIN');
}

export function assertPasswordStrength(password: string, field = 'input.password') {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw userError('WEAK_PASSWORD', { field, params: PASSWORD_LENGTH });
  }
}

/**
 * The one path to a User object: visible to the user itself and to an admin whose scope covers the
 * user's home org (roles and account state are admin business). Batched per request.
 */
function visibleUsers(ctx: RequestContext) {
  return ctx.loader<string, User | null>('user.visible', async (ids) => {
    const viewer = requireUser(ctx);
    const rows = await ctx.tx
      .repository(User)
      .createQueryBuilder('u')
      .where('u.tenant_id = :t AND u.id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
      .getMany();
    const byId = new Map(rows.map((u) => [u.id, u]));
    return Promise.all(
      ids.map(async (id) => {
        const user = byId.get(id);
        if (!user) return null;
        if (user.id === viewer.userId) return user;
        const org = user.orgId ? await orgService.findById(ctx, user.orgId) : null;
        return org && inScope(viewer, org.path, ADMIN) ? user : null;
      }),
    );
  });
}

async function visibleUser(ctx: RequestContext, id: string): Promise<User | null> {
  return visibleUsers(ctx).load(id);
}

/**
 * A person's display name (姓名), for records that name who did something (the pledger, the officer
 * responsible, the visitor): whoever may read the record may read the name, not the account. Batched.
 */
function displayNames(ctx: RequestContext) {
  return ctx.loader<string, string | null>('user.displayName', async (ids) => {
    const viewer = requireUser(ctx);
    const rows = await ctx.tx.query<{ id: string; display_name: string }>(
      `SELECT id, display_name FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [viewer.tenantId, [...ids]],
    );
    const byId = new Map(rows.map((r) => [r.id, r.display_name]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export const userService = {
  /** The User object, or null when the viewer is neither the user nor an admin over the user's org. */
  async findById(ctx: RequestContext, id: string): Promise<User | null> {
    return visibleUser(ctx, id);
  },

  /** The display name of a person a record names (the caller has checked the record's visibility). */
  async displayName(ctx: RequestContext, id: string | null | undefined): Promise<string | null> {
    return id ? displayNames(ctx).load(id) : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<User> {
    const user = await visibleUser(ctx, id);
    if (!user) throw userError('USER_NOT_FOUND');
    return user;
  },

  /** Users whose home org lies in the admin's scope (or the part of `under` inside it), by username unless asked otherwise. */
  async list(
    ctx: RequestContext,
    filter: UserFilter,
    first: number,
    after?: string | null,
    order?: Order<UserOrderField> | null,
  ): Promise<Page<User>> {
    const roots = rootsFor(requireUser(ctx), filter.under, ADMIN);
    const build = () => {
      const qb = scopedQuery(ctx, User, 'u', 'org_id', roots);
      if (filter.search) {
        qb.andWhere(`(u.username ILIKE :s ESCAPE '\\' OR u.display_name ILIKE :s ESCAPE '\\')`, { s: containsPattern(filter.search) });
      }
      if (filter.role) {
        qb.andWhere(
          'EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.tenant_id = u.tenant_id AND ra.user_id = u.id AND ra.role = :role)',
          {
            role: filter.role,
          },
        );
      }
      if (filter.orgId) qb.andWhere('u.org_id = :homeOrg', { homeOrg: filter.orgId });
      return qb;
    };
    return orderedPage(build, USER_ORDER, order, first, after);
  },

  /** A role assignment of a user the viewer may see. */
  async findAssignment(ctx: RequestContext, id: string): Promise<RoleAssignment | null> {
    const viewer = requireUser(ctx);
    const assignment = await ctx.tx.repository(RoleAssignment).findOneBy({ tenantId: viewer.tenantId, id });
    return assignment && (await visibleUser(ctx, assignment.userId)) ? assignment : null;
  },

  async rolesOf(ctx: RequestContext, user: User): Promise<RoleAssignment[]> {
    return ctx
      .loader<string, RoleAssignment[]>('user.roles', async (userIds) => {
        const viewer = requireUser(ctx);
        const rows = await ctx.tx
          .repository(RoleAssignment)
          .createQueryBuilder('ra')
          .where('ra.tenant_id = :tenantId AND ra.user_id = ANY(:ids)', { tenantId: viewer.tenantId, ids: [...userIds] })
          .orderBy('ra.created_at')
          .getMany();
        return userIds.map((id) => rows.filter((r) => r.userId === id));
      })
      .load(user.id);
  },

  async create(ctx: RequestContext, input: { username: string; displayName: string; password: string; orgId: string }): Promise<User> {
    const viewer = requireUser(ctx);
    const org = await orgService.getOrThrow(ctx, input.orgId);
    await orgService.lockLive(ctx, org, (o) => assertAdminOver(viewer, o.path));
    assertPasswordStrength(input.password);
    const taken = await ctx.tx.query<{ one: number }>(`SELECT 1 AS one FROM users WHERE tenant_id = $1 AND username = $2`, [
      viewer.tenantId,
      input.username,
    ]);
    if (taken.length) throw userError('USERNAME_TAKEN', 'input.username');
    const repo = ctx.tx.repository(User);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        username: input.username,
        displayName: input.displayName,
        passwordHash: await hashPassword(input.password, ctx.config.passwordScryptCost),
        orgId: org.id,
        disabled: false,
        // an initial password is the admin's, not the user's: changed at the first sign-in (imports too)
        mustChangePassword: true,
        failedSignIns: 0,
      }),
    );
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  async assignRole(ctx: RequestContext, input: { userId: string; role: Role; orgId: string }): Promise<RoleAssignment> {
    const viewer = requireUser(ctx);
    const user = await this.getOrThrow(ctx, input.userId);
    const org = await orgService.getOrThrow(ctx, input.orgId);
    await orgService.lockLive(ctx, org, (o) => assertAdminOver(viewer, o.path));
    return findOrInsert(ctx.tx.repository(RoleAssignment), { tenantId: viewer.tenantId, userId: user.id, role: input.role, orgId: org.id });
  },

  async revokeRole(ctx: RequestContext, assignmentId: string): Promise<boolean> {
    const viewer = requireUser(ctx);
    const repo = ctx.tx.repository(RoleAssignment);
    const assignment = await repo.findOneBy({ tenantId: viewer.tenantId, id: assignmentId });
    const org = assignment ? await orgService.findById(ctx, assignment.orgId) : null;
    if (!assignment || !org || !inScope(viewer, org.path, ADMIN)) throw userError('ROLE_NOT_FOUND');
    if (assignment.role === Role.TENANT_ADMIN) {
      await lockRootAdmins(ctx, viewer.tenantId);
      await assertStillAdminOver(ctx, viewer, org.path);
      // read again under the lock: a concurrent revocation may have taken it already
      if (!(await repo.findOneBy({ tenantId: viewer.tenantId, id: assignment.id }))) throw userError('ROLE_NOT_FOUND');
      if (isRootPath(org.path) && !(await otherRootAdmins(ctx, viewer.tenantId, { assignmentId: assignment.id })).length) lastAdmin();
    }
    await repo.delete({ tenantId: viewer.tenantId, id: assignment.id });
    return true;
  },

  /**
   * A user whose account the viewer may change (its credentials, second factor, SSO link, enabled state): the
   * viewer is TENANT_ADMIN over the user's home org AND over every org where the user holds a role. An account
   * with a role outside the viewer's scope (at the root, in a sibling subtree) carries powers the viewer lacks,
   * and a reset password, a removed factor, a linked identity or a re-enabled account would hand them over.
   * The user's row is locked first and the orgs read after the lock: a role granted at the same moment (its
   * insert takes a key-share lock on the row) either waits for this change or is counted by it. `notAdmin` is
   * the caller module's refusal for a viewer who is no admin over the home org.
   */
  async administered(ctx: RequestContext, userId: string, notAdmin: () => Error = () => userError('NOT_USER_ADMIN')): Promise<User> {
    return (await this.administeredWithOrg(ctx, userId, notAdmin)).user;
  },

  /** `administered`, with the user's home org as the viewer sees it. */
  async administeredWithOrg(
    ctx: RequestContext,
    userId: string,
    notAdmin: () => Error = () => userError('NOT_USER_ADMIN'),
  ): Promise<{ user: User; org: Org }> {
    const viewer = requireUser(ctx);
    const user = await this.getOrThrow(ctx, userId);
    const org = user.orgId ? await orgService.findById(ctx, user.orgId) : null;
    if (!org) throw userError('USER_NOT_FOUND');
    if (!inScope(viewer, org.path, ADMIN)) throw notAdmin();
    await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [viewer.tenantId, user.id]);
    const orgs = await ctx.tx.query<{ path: string }>(
      `SELECT o.path::text AS path FROM users u JOIN orgs o ON o.tenant_id = u.tenant_id AND o.id = u.org_id
        WHERE u.tenant_id = $1 AND u.id = $2
       UNION
       SELECT o.path::text FROM role_assignments ra JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
        WHERE ra.tenant_id = $1 AND ra.user_id = $2`,
      [viewer.tenantId, user.id],
    );
    if (!orgs.every((o) => inScope(viewer, o.path, ADMIN))) throw userError('USER_ROLES_OUTSIDE_SCOPE', 'input.userId');
    return { user, org };
  },

  async reload(ctx: RequestContext, userId: string): Promise<User> {
    ctx.forget('user.visible');
    return ctx.tx.repository(User).findOneByOrFail({ tenantId: requireUser(ctx).tenantId, id: userId });
  },

  /** resetPassword: a one-time password (answered once), changed at the next sign-in; unlocks; ends every session. */
  async resetPassword(ctx: RequestContext, userId: string): Promise<{ user: User; temporaryPassword: string }> {
    const user = await this.administered(ctx, userId);
    const temporaryPassword = await accountService.resetPassword(ctx, user.tenantId, user.id);
    return { user: await this.reload(ctx, user.id), temporaryPassword };
  },

  async unlock(ctx: RequestContext, userId: string): Promise<User> {
    const user = await this.administered(ctx, userId);
    await accountService.unlock(ctx, user.tenantId, user.id);
    return this.reload(ctx, user.id);
  },

  /** "Sign out everywhere" by an admin over the user. */
  async signOut(ctx: RequestContext, userId: string): Promise<User> {
    const user = await this.administered(ctx, userId);
    await accountService.signOutEverywhere(ctx, user.tenantId, user.id);
    return this.reload(ctx, user.id);
  },

  /** An admin disables a user's second factor (a lost phone); with the policy requiring it, the user enrols anew at sign-in. */
  async disableTotp(ctx: RequestContext, userId: string): Promise<User> {
    const user = await this.administered(ctx, userId);
    await accountService.removeTotp(ctx, user.tenantId, user.id);
    return this.reload(ctx, user.id);
  },

  /** Second factor state of a User object (batched). */
  async factor(ctx: RequestContext, user: User): Promise<{ totpEnabled: boolean; recoveryCodesLeft: number }> {
    return ctx
      .loader<string, { totpEnabled: boolean; recoveryCodesLeft: number }>('user.factor', (ids) =>
        accountService.factorStatus(ctx, requireUser(ctx).tenantId, ids),
      )
      .load(user.id);
  },

  /**
   * Disabling ends every session of the user (its session epoch raised, its refresh tokens revoked): its access tokens
   * are refused at their next request and stay dead when the account is enabled again (it signs in anew). Enabling
   * clears the failed sign-ins, the lock and the throttles, as an unlock does.
   */
  async setDisabled(ctx: RequestContext, userId: string, disabled: boolean): Promise<User> {
    const viewer = requireUser(ctx);
    const { user, org } = await this.administeredWithOrg(ctx, userId);
    if (disabled) {
      await lockRootAdmins(ctx, viewer.tenantId);
      await assertStillAdminOver(ctx, viewer, org.path);
      const [enabledRootAdmin] = await ctx.tx.query<{ user_id: string }>(`${ROOT_ADMINS_SQL} AND ra.user_id = $2`, [
        viewer.tenantId,
        user.id,
      ]);
      if (enabledRootAdmin && !(await otherRootAdmins(ctx, viewer.tenantId, { userId: user.id })).length) lastAdmin();
      if (user.id === viewer.userId) throw userError('SELF_DISABLE', 'input.userId');
    }
    const changed = await ctx.tx.execute(`UPDATE users SET disabled = $3 WHERE tenant_id = $1 AND id = $2 AND disabled <> $3`, [
      viewer.tenantId,
      user.id,
      disabled,
    ]);
    if (disabled) await accountService.signOutEverywhere(ctx, viewer.tenantId, user.id);
    // Enabled again: while disabled every password was refused and counted (the right one too), so the count and a lock
    // it set, and the throttles, say nothing of a guess that could have worked; the owner signs in at once, as after
    // `unlockUser`. An account enabled already is left as it is.
    else if (changed) await accountService.unlock(ctx, viewer.tenantId, user.id);
    return ctx.tx.repository(User).findOneByOrFail({ tenantId: viewer.tenantId, id: user.id });
  },
};
