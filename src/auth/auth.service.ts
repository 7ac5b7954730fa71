import { createHash, randomBytes } from 'node:crypto';
import { RequestTransaction } from '../db/request-transaction';
import { RequestContext } from '../graphql/context';
import { authError } from './auth.errors';
import { rateLimited } from '../graphql/rate-limit';
import { RefreshToken } from './auth.entities';
import { ChallengeStage, signAccessToken } from './jwt';
import { accountService } from './account.service';

export type SignInStep = 'DONE' | ChallengeStage;
import { derivePasswordHash, dummyHash, paramsOf } from './password';
import { DEFAULT_POLICY } from './policy';

export interface Session {
  /** DONE: the tokens are here; otherwise the step still to take, with its challenge token. */
  step: SignInStep;
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: Date | null;
  challengeToken?: string | null;
  challengeExpiresAt?: Date | null;
  /** Shown once: the recovery codes of a second factor just enrolled during sign-in. */
  recoveryCodes?: string[] | null;
  tenantId: string | null;
  userId: string | null;
  operatorId: string | null;
  /** The user's session epoch the access token carries. */
  gen?: number;
}

const invalidCredentials = () => authError('INVALID_CREDENTIALS');
const invalidRefresh = () => authError('INVALID_REFRESH_TOKEN');

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Refresh tokens are `<tenant id>.<token id>.<secret>`: the tenant scopes the lookup under RLS. */
function parseRefreshToken(token: string): { tenantId: string; id: string; secret: string } | undefined {
  const match = /^([0-9a-f-]{36})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { tenantId: match[1], id: match[2], secret: match[3] } : undefined;
}

/**
 * A new session (a refresh token of a new family) or a rotation (`familyId`: the same session). A new
 * session first makes room under SESSIONS_PER_USER: the user's row is locked (in a statement of its own,
 * so the next one's snapshot sees every session committed before the lock: concurrent sign-ins of one
 * user take their turns), then every live session past the newest `sessionsPerUser - 1` is revoked, the
 * least recently refreshed first (a live token's `created_at` is its session's last refresh). A sign-in
 * never fails because of the bound; the sessions it ends refresh no more (their access tokens run out).
 */
export async function issueRefreshToken(ctx: RequestContext, tenantId: string, userId: string, familyId?: string): Promise<string> {
  if (!familyId) {
    await ctx.tx.query(`SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`, [tenantId, userId]);
    await ctx.tx.execute(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE tenant_id = $1 AND revoked_at IS NULL AND family_id IN (
          SELECT family_id FROM refresh_tokens
           WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
           ORDER BY created_at DESC, id DESC OFFSET $3)`,
      [tenantId, userId, ctx.config.sessionsPerUser - 1],
    );
  }
  const secret = randomBytes(32).toString('base64url');
  const repo = ctx.tx.repository(RefreshToken);
  const row = await repo.save(
    repo.create({
      tenantId,
      userId,
      familyId: familyId ?? (await ctx.tx.query<{ id: string }>(`SELECT gen_random_uuid() AS id`))[0].id,
      tokenHash: sha256(secret),
      expiresAt: new Date(Date.now() + ctx.config.refreshTokenTtlSeconds * 1000),
    }),
  );
  return `${tenantId}.${row.id}.${secret}`;
}

const SIGN_IN_WINDOW_SECONDS = 15 * 60;

const signInKeys = (ctx: RequestContext, tenant: string, username: string) => ({
  account: `login:account:${tenant.toLowerCase()}:${username.toLowerCase()}`,
  address: `login:address:${ctx.ip}`,
});

/**
 * Verifies a password without the hash ever reaching this role (it may not SELECT it): the database
 * answers the stored KDF parameters and salt, the key is derived here, and the database compares the
 * result with the stored hash. An unknown account derives against the dummy hash's parameters and
 * makes the same two calls, so both paths take the same time.
 */
export async function checkPassword(
  ctx: RequestContext,
  kind: 'user' | 'operator',
  tenantId: string | null,
  username: string,
  password: string,
): Promise<{ id: string; disabled: boolean } | undefined> {
  const [stored] = await ctx.tx.query<{ params: string; key_length: number }>(
    `SELECT params, key_length FROM app_password_params($1, $2, $3)`,
    [kind, tenantId, username],
  );
  const candidate = await derivePasswordHash(
    password,
    stored ? { params: stored.params, keyLength: stored.key_length } : paramsOf(await dummyHash(ctx.config.passwordScryptCost)),
  );
  const [match] = await ctx.tx.query<{ id: string; disabled: boolean }>(`SELECT id, disabled FROM app_password_check($1, $2, $3, $4)`, [
    kind,
    tenantId,
    username,
    stored ? candidate : '',
  ]);
  return match;
}

/**
 * Counts the attempt against its account and its client address before any password is checked, in
 * the database (outside the request transaction, so a failed attempt stays counted) and the same way
 * whether or not the account exists, so the limit reveals nothing. Counting before the check keeps a
 * burst of concurrent guesses inside the limit; a success takes its hit back (forgiveSignIn), so only
 * failures accumulate.
 */
export async function throttleSignIn(ctx: RequestContext, tenant: string, username: string): Promise<void> {
  const keys = signInKeys(ctx, tenant, username);
  const [row] = await ctx.tx.outside<{ account: number; address: number }>(
    `SELECT app_throttle($1, $3, $5) AS account, app_throttle($2, $4, $5) AS address`,
    [keys.account, keys.address, ctx.config.loginLimitPerAccount, ctx.config.loginLimitPerAddress, SIGN_IN_WINDOW_SECONDS],
  );
  const wait = Math.max(row.account, row.address);
  if (wait > 0) throw rateLimited('SIGN_IN_RATE_LIMITED', wait);
}

/** A successful sign-in clears its account's failures and refunds its own hit on the address. */
export async function forgiveSignIn(ctx: RequestContext, tenant: string, username: string): Promise<void> {
  const keys = signInKeys(ctx, tenant, username);
  await ctx.tx.outside(`SELECT app_throttle_forgive($1, true), app_throttle_forgive($2, false)`, [keys.account, keys.address]);
}

export const authService = {
  /**
   * Sign-in: tenant by slug, then user; unknown tenant, unknown user, wrong password, a locked and a
   * disabled account look alike (INVALID_CREDENTIALS) and make the same statements. A right password
   * may still leave steps (a second factor, a password to change): the answer is then a challenge.
   */
  async login(ctx: RequestContext, input: { tenant?: string | null; username: string; password: string }): Promise<Session> {
    await throttleSignIn(ctx, input.tenant ?? '', input.username);
    await ctx.tx.begin();
    if (!input.tenant) return this.loginOperator(ctx, input);
    const [tenant] = await ctx.tx.query<{ id: string | null }>(`SELECT app_tenant_by_slug($1) AS id`, [input.tenant]);
    if (!tenant?.id) {
      await derivePasswordHash(input.password, paramsOf(await dummyHash(ctx.config.passwordScryptCost)));
      throw invalidCredentials();
    }
    await ctx.tx.setIdentity({ tenantId: tenant.id, platform: false }, { signIn: true });
    const user = await checkPassword(ctx, 'user', tenant.id, input.username, input.password);
    const admitted = await accountService.passwordChecked(ctx, tenant.id, input.username, user?.id ?? null);
    if (!admitted) {
      // the failure (and a lock it triggers) must survive the error this request ends with
      await ctx.tx.finish(true);
      throw invalidCredentials();
    }
    await forgiveSignIn(ctx, input.tenant, input.username);
    return accountService.nextStep(ctx, admitted, new Set());
  },

  async loginOperator(ctx: RequestContext, input: { username: string; password: string }): Promise<Session> {
    await ctx.tx.setIdentity({ platform: true, tenantId: null }, { signIn: true });
    const match = await checkPassword(ctx, 'operator', null, input.username, input.password);
    const operator = await accountService.operatorPasswordChecked(ctx, input.username, match?.id ?? null);
    if (!operator) {
      // as a tenant user's: the failure (and a lock it triggers) must survive the error this request ends with
      await ctx.tx.finish(true);
      throw invalidCredentials();
    }
    await forgiveSignIn(ctx, '', input.username);
    // Operators get short access tokens only: no refresh token, so a lost one expires within minutes (or at once when
    // the operator CLI resets the password: the token carries the operator's session epoch).
    const access = signAccessToken(ctx.config, { sub: operator.id, kind: 'operator', gen: operator.sessionEpoch });
    return {
      step: 'DONE',
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken: null,
      tenantId: null,
      userId: null,
      operatorId: operator.id,
      gen: operator.sessionEpoch,
    };
  },

  /**
   * Rotation: each refresh token works once and is replaced by a new one of the same family. A token
   * presented again after its rotation means it was stolen or replayed: the whole family is revoked.
   * The user's row is held FOR SHARE (locked before the token's, the order revokeAllForUser takes them
   * in) until the replacement commits: a revocation of all the user's tokens waits for it and then
   * sees the replacement, or runs first and this refresh reads its token revoked.
   */
  async refresh(ctx: RequestContext, token: string): Promise<Session> {
    const parsed = parseRefreshToken(token);
    if (!parsed) throw invalidRefresh();
    await ctx.tx.setIdentity({ tenantId: parsed.tenantId, platform: false }, { signIn: true });
    await ctx.tx.begin();
    // idle: each rotation issues a new token, so a token older than the idle period went unused that long
    const [row] = await ctx.tx.query<{
      id: string;
      user_id: string;
      family_id: string;
      token_hash: string;
      expires_at: Date;
      used_at: Date | null;
      revoked_at: Date | null;
      disabled: boolean;
      session_epoch: number;
      idle: boolean;
      password_expired: boolean;
    }>(
      `SELECT rt.id, rt.user_id, rt.family_id, rt.token_hash, rt.expires_at, rt.used_at, rt.revoked_at, u.disabled, u.session_epoch,
              rt.created_at + make_interval(mins => coalesce(p.session_idle_minutes, $3)) <= now() AS idle,
              (coalesce(p.max_age_days, $4) > 0 AND u.password_changed_at + make_interval(days => coalesce(p.max_age_days, $4)) <= now()) IS TRUE
                AS password_expired
         FROM refresh_tokens rt JOIN users u ON u.tenant_id = rt.tenant_id AND u.id = rt.user_id
         LEFT JOIN account_policies p ON p.tenant_id = rt.tenant_id
        WHERE rt.tenant_id = $1 AND rt.id = $2 FOR SHARE OF u FOR UPDATE OF rt`,
      [parsed.tenantId, parsed.id, DEFAULT_POLICY.sessionIdleMinutes, DEFAULT_POLICY.maxAgeDays],
    );
    if (!row || row.token_hash !== sha256(parsed.secret)) throw invalidRefresh();
    if (row.used_at || row.revoked_at) {
      await this.revokeFamily(ctx, parsed.tenantId, row.family_id);
      // The revocation must survive the error this request ends with.
      await ctx.tx.finish(true);
      throw invalidRefresh();
    }
    // an expired password is changed at a new sign-in, not refreshed around
    if (new Date(row.expires_at) <= new Date() || row.disabled || row.idle || row.password_expired) throw invalidRefresh();
    await ctx.tx.query(`UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = $1 AND id = $2`, [parsed.tenantId, parsed.id]);
    const access = signAccessToken(ctx.config, { sub: row.user_id, tid: parsed.tenantId, kind: 'user', gen: row.session_epoch });
    const refreshToken = await issueRefreshToken(ctx, parsed.tenantId, row.user_id, row.family_id);
    return {
      step: 'DONE',
      gen: row.session_epoch,
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken,
      tenantId: parsed.tenantId,
      userId: row.user_id,
      operatorId: null,
    };
  },

  /** Revokes the refresh token's family; an unknown token is not an error (logout is idempotent). */
  async logout(ctx: RequestContext, token: string): Promise<boolean> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return true;
    await ctx.tx.setIdentity({ tenantId: parsed.tenantId, platform: false }, { signIn: true });
    await ctx.tx.begin();
    const [row] = await ctx.tx.query<{ family_id: string; token_hash: string }>(
      `SELECT family_id, token_hash FROM refresh_tokens WHERE tenant_id = $1 AND id = $2`,
      [parsed.tenantId, parsed.id],
    );
    if (row && row.token_hash === sha256(parsed.secret)) await this.revokeFamily(ctx, parsed.tenantId, row.family_id);
    return true;
  },

  async revokeFamily(ctx: RequestContext, tenantId: string, familyId: string): Promise<void> {
    await ctx.tx.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL`, [
      tenantId,
      familyId,
    ]);
  },

  /**
   * Every refresh token of the user. The user's row is locked first, in a statement of its own: a refresh
   * holds it FOR SHARE until its replacement token commits, and the UPDATE's snapshot, taken after the
   * lock, sees that token (one statement would have read the tokens as they were before the wait).
   */
  async revokeAllForUser(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
    await ctx.tx.query(`SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`, [tenantId, userId]);
    await ctx.tx.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`, [
      tenantId,
      userId,
    ]);
  },
};

/** Refresh tokens deleted by one statement of the prune sweep (each batch its own transaction). */
export const REFRESH_TOKEN_PRUNE_BATCH = 5000;

/**
 * One batch of the `refresh-tokens-prune` sweep, in the tenant's transaction: deletes refresh tokens dead
 * (expired, or revoked) for more than `retentionDays`. A token rotated but not revoked is kept until it
 * expires (and the retention after), so a replay of it still revokes its session. Audit entries name
 * the account, never a token row, and stay. Answers how many rows it deleted.
 */
export async function pruneRefreshTokens(tx: RequestTransaction, tenantId: string, retentionDays: number): Promise<number> {
  return tx.execute(
    `DELETE FROM refresh_tokens WHERE tenant_id = $1 AND id IN (
       SELECT id FROM refresh_tokens
        WHERE tenant_id = $1 AND LEAST(expires_at, revoked_at) < now() - make_interval(days => $2)
        LIMIT $3)`,
    [tenantId, retentionDays, REFRESH_TOKEN_PRUNE_BATCH],
  );
}

// ── single sign-on (issue 15, SSO) ───────────────────────────────────────────────────────────────────
/**
 * The tokens a password sign-in issues, for a user the caller has authenticated otherwise (an OpenID
 * Connect provider, src/modules/sso) and found enabled, in the request's transaction and tenant.
 */
export async function issueSession(ctx: RequestContext, tenantId: string, userId: string): Promise<Session> {
  return accountService.afterExternalProof(ctx, tenantId, userId);
}
