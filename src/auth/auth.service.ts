import { createHash, randomBytes } from 'node:crypto';
import { RequestContext } from '../graphql/context';
import { authError } from './auth.errors';
import { rateLimited } from '../graphql/rate-limit';
import { RefreshToken } from './auth.entities';
import { signAccessToken } from './jwt';
import { derivePasswordHash, dummyHash, paramsOf } from './password';

export interface Session {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date;
  tenantId: string | null;
  userId: string | null;
  operatorId: string | null;
}

const invalidCredentials = () => authError('INVALID_CREDENTIALS');
const invalidRefresh = () => authError('INVALID_REFRESH_TOKEN');

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Refresh tokens are `<tenant id>.<token id>.<secret>`: the tenant scopes the lookup under RLS. */
function parseRefreshToken(token: string): { tenantId: string; id: string; secret: string } | undefined {
  const match = /^([0-9a-f-]{36})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { tenantId: match[1], id: match[2], secret: match[3] } : undefined;
}

async function issueRefreshToken(ctx: RequestContext, tenantId: string, userId: string, familyId?: string): Promise<string> {
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
async function checkPassword(
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
    stored ? { params: stored.params, keyLength: stored.key_length } : paramsOf(await dummyHash()),
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
async function throttleSignIn(ctx: RequestContext, tenant: string, username: string): Promise<void> {
  const keys = signInKeys(ctx, tenant, username);
  const [row] = await ctx.tx.outside<{ account: number; address: number }>(
    `SELECT app_throttle($1, $3, $5) AS account, app_throttle($2, $4, $5) AS address`,
    [keys.account, keys.address, ctx.config.loginLimitPerAccount, ctx.config.loginLimitPerAddress, SIGN_IN_WINDOW_SECONDS],
  );
  const wait = Math.max(row.account, row.address);
  if (wait > 0) throw rateLimited('SIGN_IN_RATE_LIMITED', wait);
}

/** A successful sign-in clears its account's failures and refunds its own hit on the address. */
async function forgiveSignIn(ctx: RequestContext, tenant: string, username: string): Promise<void> {
  const keys = signInKeys(ctx, tenant, username);
  await ctx.tx.outside(`SELECT app_throttle_forgive($1, true), app_throttle_forgive($2, false)`, [keys.account, keys.address]);
}

export const authService = {
  /** Sign-in: tenant by slug, then user; unknown tenant, unknown user and wrong password look alike. */
  async login(ctx: RequestContext, input: { tenant?: string | null; username: string; password: string }): Promise<Session> {
    await throttleSignIn(ctx, input.tenant ?? '', input.username);
    await ctx.tx.begin();
    if (!input.tenant) return this.loginOperator(ctx, input);
    const [tenant] = await ctx.tx.query<{ id: string | null }>(`SELECT app_tenant_by_slug($1) AS id`, [input.tenant]);
    if (!tenant?.id) {
      await derivePasswordHash(input.password, paramsOf(await dummyHash()));
      throw invalidCredentials();
    }
    await ctx.tx.setIdentity({ tenantId: tenant.id, platform: false });
    const user = await checkPassword(ctx, 'user', tenant.id, input.username, input.password);
    if (!user || user.disabled) throw invalidCredentials();
    await forgiveSignIn(ctx, input.tenant, input.username);
    const access = signAccessToken(ctx.config, { sub: user.id, tid: tenant.id, kind: 'user' });
    const refreshToken = await issueRefreshToken(ctx, tenant.id, user.id);
    return { accessToken: access.token, expiresAt: access.expiresAt, refreshToken, tenantId: tenant.id, userId: user.id, operatorId: null };
  },

  async loginOperator(ctx: RequestContext, input: { username: string; password: string }): Promise<Session> {
    await ctx.tx.setIdentity({ platform: true, tenantId: null });
    const operator = await checkPassword(ctx, 'operator', null, input.username, input.password);
    if (!operator || operator.disabled) throw invalidCredentials();
    await forgiveSignIn(ctx, '', input.username);
    // Operators get short access tokens only: no refresh token, so a lost one expires within minutes.
    const access = signAccessToken(ctx.config, { sub: operator.id, kind: 'operator' });
    return {
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken: null,
      tenantId: null,
      userId: null,
      operatorId: operator.id,
    };
  },

  /**
   * Rotation: each refresh token works once and is replaced by a new one of the same family. A token
   * presented again after its rotation means it was stolen or replayed: the whole family is revoked.
   */
  async refresh(ctx: RequestContext, token: string): Promise<Session> {
    const parsed = parseRefreshToken(token);
    if (!parsed) throw invalidRefresh();
    await ctx.tx.setIdentity({ tenantId: parsed.tenantId, platform: false });
    await ctx.tx.begin();
    const [row] = await ctx.tx.query<{
      id: string;
      user_id: string;
      family_id: string;
      token_hash: string;
      expires_at: Date;
      used_at: Date | null;
      revoked_at: Date | null;
      disabled: boolean;
    }>(
      `SELECT rt.id, rt.user_id, rt.family_id, rt.token_hash, rt.expires_at, rt.used_at, rt.revoked_at, u.disabled
         FROM refresh_tokens rt JOIN users u ON u.tenant_id = rt.tenant_id AND u.id = rt.user_id
        WHERE rt.tenant_id = $1 AND rt.id = $2 FOR UPDATE OF rt`,
      [parsed.tenantId, parsed.id],
    );
    if (!row || row.token_hash !== sha256(parsed.secret)) throw invalidRefresh();
    if (row.used_at || row.revoked_at) {
      await this.revokeFamily(ctx, parsed.tenantId, row.family_id);
      // The revocation must survive the error this request ends with.
      await ctx.tx.finish(true);
      throw invalidRefresh();
    }
    if (new Date(row.expires_at) <= new Date() || row.disabled) throw invalidRefresh();
    await ctx.tx.query(`UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = $1 AND id = $2`, [parsed.tenantId, parsed.id]);
    const access = signAccessToken(ctx.config, { sub: row.user_id, tid: parsed.tenantId, kind: 'user' });
    const refreshToken = await issueRefreshToken(ctx, parsed.tenantId, row.user_id, row.family_id);
    return {
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
    await ctx.tx.setIdentity({ tenantId: parsed.tenantId, platform: false });
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

  async revokeAllForUser(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
    await ctx.tx.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`, [
      tenantId,
      userId,
    ]);
  },
};
