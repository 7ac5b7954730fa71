import { createHash, randomBytes } from 'node:crypto';
import { issueSession, Session } from '../../auth/auth.service';
import { Role } from '../../auth/roles';
import { holdsRoleAtRoot } from '../../auth/scope';
import { hasRoleOver } from '../../auth/viewer';
import { RequestTransaction } from '../../db/request-transaction';
import { RequestContext, requireUser } from '../../graphql/context';
import { AppError } from '../../graphql/errors';
import { AuditOutcome } from '../audit/audit.entity';
import { auditSignIn } from '../audit/audit.service';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import { SsoProvider } from './sso.entity';
import { ssoError } from './sso.errors';
import { clientConfiguration, isLoopback, oidc } from './sso.oidc';
import { holdLock } from '../../db/advisory-lock';

const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An authorization request is good for ten minutes, the one-time code for one. */
const REQUEST_TTL_SECONDS = 600;
const CODE_TTL_SECONDS = 60;
/** What the platform asks the provider for; a matched claim outside these comes from the userinfo endpoint. */
const SCOPE = 'openid profile';

/**
 * Runs `work` in its own short transaction scoped to the tenant. The browser's round trip opens one per database step
 * and none while the provider is asked (discovery, the code exchange, userinfo): however slowly a provider answers,
 * it holds no pooled connection.
 */
export type InTenant = <T>(work: (tx: RequestTransaction) => Promise<T>) => Promise<T>;

export interface SsoRegistration {
  enabled?: boolean | null;
  issuer?: string | null;
  clientId?: string | null;
  clientSecret?: string | null;
  redirectUri?: string | null;
  returnUrl?: string | null;
  matchClaim?: string | null;
}

/** A refusal of the callback: the reason the trail records, and the one the browser is shown. */
export class SsoRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly shown: AppError,
    readonly account: string | null = null,
    /** What went wrong in the exchange (the library's error), for the trail. */
    readonly detail: string | null = null,
  ) {
    super(reason);
  }
}

function checkUrl(raw: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ssoError('SSO_URL_INVALID', { field, params: { field } });
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))) || url.username || url.password || url.hash) {
    throw ssoError('SSO_URL_INVALID', { field, params: { field } });
  }
  return url;
}

async function providerOf(tx: RequestTransaction, tenantId: string): Promise<SsoProvider | null> {
  return tx.repository(SsoProvider).findOneBy({ tenantId });
}

/**
 * The tenant's provider as it stands, its row locked to the commit (its columns but the secret, which the role
 * may not select): FOR UPDATE for a change that merges into it, FOR SHARE for a link made at its issuer.
 */
async function lockedProviderOf(tx: RequestTransaction, tenantId: string, strength: 'UPDATE' | 'SHARE'): Promise<SsoProvider | null> {
  const [row] = await tx.query<{ id: string }>(`SELECT id FROM sso_providers WHERE tenant_id = $1 FOR ${strength}`, [tenantId]);
  return row ? providerOf(tx, tenantId) : null;
}

export const ssoService = {
  requireRootAdmin(ctx: RequestContext) {
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw ssoError('SSO_NOT_ROOT_ADMIN');
    return viewer;
  },

  async get(ctx: RequestContext): Promise<SsoProvider | null> {
    const viewer = this.requireRootAdmin(ctx);
    return providerOf(ctx.tx, viewer.tenantId);
  },

  /**
   * Registers or changes the tenant's provider: the fields given change, the others (the secret above all) stay.
   * A change of issuer removes every linked identity in the same transaction (they are made again at the new one).
   */
  async configure(ctx: RequestContext, input: SsoRegistration): Promise<SsoProvider> {
    const viewer = this.requireRootAdmin(ctx);
    // one configuration of a tenant at a time (also the first, with no row to lock yet), merged into the row as it stands
    // under its lock: two admins changing different fields at once both stay
    await holdLock(ctx.tx, `sso-provider:${viewer.tenantId}`);
    const current = await lockedProviderOf(ctx.tx, viewer.tenantId, 'UPDATE');
    const [{ slug }] = await ctx.tx.query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = $1`, [viewer.tenantId]);
    const next = {
      enabled: input.enabled ?? current?.enabled ?? true,
      issuer: input.issuer ?? current?.issuer,
      clientId: input.clientId ?? current?.clientId,
      redirectUri: input.redirectUri ?? current?.redirectUri,
      returnUrl: input.returnUrl ?? current?.returnUrl,
      // absent or null keeps the claim; the empty string (as documented) clears it
      matchClaim: input.matchClaim === undefined || input.matchClaim === null ? (current?.matchClaim ?? null) : input.matchClaim || null,
    };
    if (!next.issuer) throw ssoError('SSO_URL_INVALID', { field: 'input.issuer', params: { field: 'issuer' } });
    if (!next.redirectUri) throw ssoError('SSO_URL_INVALID', { field: 'input.redirectUri', params: { field: 'redirectUri' } });
    if (!next.returnUrl) throw ssoError('SSO_URL_INVALID', { field: 'input.returnUrl', params: { field: 'returnUrl' } });
    if (!next.clientId) throw ssoError('SSO_SECRET_REQUIRED', 'input.clientId');
    checkUrl(next.issuer, 'issuer');
    checkUrl(next.returnUrl, 'returnUrl');
    const redirect = checkUrl(next.redirectUri, 'redirectUri');
    const path = `/sso/${slug}/callback`;
    if (redirect.pathname !== path || redirect.search)
      throw ssoError('SSO_REDIRECT_PATH', { field: 'input.redirectUri', params: { path } });
    if (!current && !input.clientSecret) throw ssoError('SSO_SECRET_REQUIRED', 'input.clientSecret');
    await ctx.tx.query(
      `INSERT INTO sso_providers (tenant_id, enabled, issuer, client_id, client_secret, redirect_uri, return_url, match_claim, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id) DO UPDATE SET enabled = $2, issuer = $3, client_id = $4,
         redirect_uri = $6, return_url = $7, match_claim = $8, updated_by = $9, updated_at = now()`,
      [
        viewer.tenantId,
        next.enabled,
        next.issuer,
        next.clientId,
        input.clientSecret || null,
        next.redirectUri,
        next.returnUrl,
        next.matchClaim,
        viewer.userId,
      ],
    );
    // `sub` is unique only per issuer: a new issuer's subjects name other people, so every link goes with the old one
    if (current && current.issuer !== next.issuer) {
      await ctx.tx.execute(`DELETE FROM sso_identities WHERE tenant_id = $1 AND provider_id = $2`, [viewer.tenantId, current.id]);
    }
    // a new secret replaces the old one (written without reading it: the role may not select the column)
    if (current && input.clientSecret) {
      await ctx.tx.execute(`UPDATE sso_providers SET client_secret = $2 WHERE tenant_id = $1`, [viewer.tenantId, input.clientSecret]);
    }
    const saved = await providerOf(ctx.tx, viewer.tenantId);
    if (!saved) throw new Error('the provider just saved is not there');
    return saved;
  },

  /** The user, if the viewer is an admin over the user's home org: who reads the linked subject (a read only). */
  async homeAdministeredUser(ctx: RequestContext, userId: string) {
    const viewer = requireUser(ctx);
    const user = await userService.getOrThrow(ctx, userId);
    const org = user.orgId ? await orgService.findById(ctx, user.orgId) : null;
    if (!org || !hasRoleOver(viewer, org.path, [Role.TENANT_ADMIN])) throw ssoError('SSO_NOT_USER_ADMIN');
    return user;
  },

  /** Links the provider's subject to a user (an admin over the user); one subject per user, one user per subject. */
  async link(ctx: RequestContext, userId: string, subject: string) {
    const viewer = requireUser(ctx);
    const user = await userService.administered(ctx, userId, () => ssoError('SSO_NOT_USER_ADMIN'));
    // held FOR SHARE: an issuer change waits for this link and then removes it with the others, or this link is
    // made after the change, at the issuer as it stands
    const provider = await lockedProviderOf(ctx.tx, viewer.tenantId, 'SHARE');
    if (!provider) throw ssoError('SSO_NOT_CONFIGURED');
    const [taken] = await ctx.tx.query<{ user_id: string }>(
      `SELECT user_id FROM sso_identities WHERE tenant_id = $1 AND provider_id = $2 AND subject = $3`,
      [viewer.tenantId, provider.id, subject],
    );
    if (taken && taken.user_id !== user.id) throw ssoError('SSO_SUBJECT_TAKEN', 'input.subject');
    if (taken) return user;
    const inserted = await ctx.tx.query<{ subject: string }>(
      `INSERT INTO sso_identities (tenant_id, provider_id, subject, user_id, linked_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING subject`,
      [viewer.tenantId, provider.id, subject, user.id, viewer.userId],
    );
    if (!inserted.length) {
      // a concurrent link of the same subject or of the same user
      const [again] = await ctx.tx.query<{ user_id: string }>(
        `SELECT user_id FROM sso_identities WHERE tenant_id = $1 AND provider_id = $2 AND subject = $3`,
        [viewer.tenantId, provider.id, subject],
      );
      if (again?.user_id === user.id) return user;
      throw again ? ssoError('SSO_SUBJECT_TAKEN', 'input.subject') : ssoError('SSO_USER_LINKED', 'input.userId');
    }
    return user;
  },

  async unlink(ctx: RequestContext, userId: string) {
    const viewer = requireUser(ctx);
    const user = await userService.administered(ctx, userId, () => ssoError('SSO_NOT_USER_ADMIN'));
    const removed = await ctx.tx.execute(`DELETE FROM sso_identities WHERE tenant_id = $1 AND user_id = $2`, [viewer.tenantId, user.id]);
    if (!removed) throw ssoError('SSO_IDENTITY_NOT_FOUND', 'input.userId');
    return user;
  },

  /** The subject linked to a user (the caller has checked the viewer may administer the user). */
  async subjectOf(ctx: RequestContext, userId: string): Promise<string | null> {
    const viewer = requireUser(ctx);
    const [row] = await ctx.tx.query<{ subject: string }>(`SELECT subject FROM sso_identities WHERE tenant_id = $1 AND user_id = $2`, [
      viewer.tenantId,
      userId,
    ]);
    return row?.subject ?? null;
  },

  // ── the browser's round trip ───────────────────────────────────────────────────────────────────────

  /** The enabled provider of a tenant (by slug), in a transaction scoped to that tenant. */
  async enabledProvider(tx: RequestTransaction, tenantId: string): Promise<{ provider: SsoProvider; secret: string | null }> {
    const provider = await providerOf(tx, tenantId);
    if (!provider?.enabled) throw ssoError('SSO_NOT_CONFIGURED');
    const [row] = await tx.query<{ secret: string | null }>(`SELECT app_sso_client_secret() AS secret`);
    return { provider, secret: row?.secret ?? null };
  },

  /**
   * Starts an authorization request (code flow with PKCE, state and nonce) bound to the browser that asked
   * (`browser`: the random value of the cookie the route sets, stored as its hash), and answers the
   * provider's URL and the registered redirect URI (where the cookie is sent back). The provider's discovery document
   * is fetched between the read of the registration and the write of the request, with no transaction open.
   */
  async begin(run: InTenant, tenantId: string, browser: string): Promise<{ url: URL; callback: URL }> {
    const { provider, secret } = await run((tx) => this.enabledProvider(tx, tenantId));
    const client = await oidc();
    const config = await clientConfiguration(tenantId, provider.updatedAt.toISOString(), {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: secret,
    });
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    await run(async (tx) => {
      await tx.execute(`DELETE FROM sso_requests WHERE tenant_id = $1 AND expires_at < now() - interval '1 day'`, [tenantId]);
      await tx.execute(
        `INSERT INTO sso_requests (tenant_id, state_hash, provider_id, nonce, code_verifier, expires_at, browser_hash)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7)`,
        [tenantId, hash(state), provider.id, nonce, verifier, REQUEST_TTL_SECONDS, hash(browser)],
      );
    });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: provider.redirectUri,
      scope: SCOPE,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { url, callback: new URL(provider.redirectUri) };
  },

  /**
   * Takes the authorization request named by `state` out of use (committed by the caller before the code
   * is exchanged, so a replayed callback finds nothing), or refuses. Only the browser that started it (its
   * cookie's value, `browser`) may: a callback URL carried to another browser (login CSRF: someone else's
   * sign-in at the provider) is refused with SSO_BROWSER_MISMATCH and leaves the request as it was.
   */
  async consumeRequest(
    tx: RequestTransaction,
    tenantId: string,
    state: unknown,
    browser: string | undefined,
  ): Promise<{ nonce: string; verifier: string }> {
    const refused = () => new SsoRefusal('SSO_STATE_INVALID', ssoError('SSO_STATE_INVALID'));
    if (typeof state !== 'string' || !state || state.length > 500) throw refused();
    const [row] = await tx.query<{ nonce: string | null; code_verifier: string | null }>(
      `WITH used AS (UPDATE sso_requests SET used_at = now()
          WHERE tenant_id = $1 AND state_hash = $2 AND used_at IS NULL AND expires_at > now() AND browser_hash = $3
          RETURNING nonce, code_verifier)
       SELECT u.nonce, u.code_verifier FROM (SELECT 1) one LEFT JOIN used u ON true
        WHERE u.nonce IS NOT NULL
           OR EXISTS (SELECT 1 FROM sso_requests WHERE tenant_id = $1 AND state_hash = $2 AND used_at IS NULL AND expires_at > now())`,
      [tenantId, hash(state), browser ? hash(browser) : null],
    );
    if (!row) throw refused();
    if (!row.nonce || !row.code_verifier) throw new SsoRefusal('SSO_BROWSER_MISMATCH', ssoError('SSO_BROWSER_MISMATCH'));
    return { nonce: row.nonce, verifier: row.code_verifier };
  },

  /**
   * Exchanges the provider's code (openid-client checks the state, the PKCE verifier, and the ID token's
   * signature, issuer, audience, expiry and nonce) and answers the verified claims.
   */
  async exchange(
    run: InTenant,
    tenantId: string,
    query: Record<string, string>,
    request: { nonce: string; verifier: string },
  ): Promise<{ subject: string; claims: Record<string, unknown>; issuer: string }> {
    const { provider, secret } = await run((tx) => this.enabledProvider(tx, tenantId));
    const client = await oidc();
    try {
      const config = await clientConfiguration(tenantId, provider.updatedAt.toISOString(), {
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: secret,
      });
      // the URL the provider sent the browser to, built from the registered redirect URI (never from the Host header)
      const current = new URL(provider.redirectUri);
      for (const [k, v] of Object.entries(query)) current.searchParams.set(k, v);
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: request.verifier,
        expectedState: query.state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw ssoError('SSO_PROVIDER_FAILED');
      let claims: Record<string, unknown> = { ...idClaims };
      if (provider.matchClaim && !(provider.matchClaim in claims) && tokens.access_token) {
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
      }
      return { subject: idClaims.sub, claims, issuer: provider.issuer };
    } catch (error) {
      if (error instanceof SsoRefusal) throw error;
      // the library's error: its name and code, and the provider's own error and description when it sent one
      const e = error as {
        name?: string;
        code?: string;
        message?: string;
        error?: string;
        error_description?: string;
        cause?: { claim?: string; cause?: { claim?: string } };
      };
      const claim = e.cause?.claim ?? e.cause?.cause?.claim;
      const detail = [e.name, e.code, e.error, e.error_description ?? e.message, claim && `claim ${claim}`].filter(Boolean).join(': ');
      throw new SsoRefusal('SSO_PROVIDER_FAILED', ssoError('SSO_PROVIDER_FAILED'), null, detail.slice(0, 300));
    }
  },

  /**
   * The user the verified subject signs in as: the linked one, else (with a matched claim) the user whose
   * username equals the claim, linked now. Never a new user; a disabled one is refused. The provider is held
   * FOR SHARE, as `link` holds it, and read again under the lock: a change of issuer or a disable under way
   * is waited for, and a subject verified at an issuer that is no longer the tenant's, or by a provider now
   * disabled, is refused (SSO_PROVIDER_CHANGED) rather than linked or signed in under the old settings.
   */
  async resolveUser(
    tx: RequestTransaction,
    tenantId: string,
    subject: string,
    claims: Record<string, unknown>,
    verifiedAt: string,
  ): Promise<{ userId: string; username: string }> {
    const provider = await lockedProviderOf(tx, tenantId, 'SHARE');
    if (!provider?.enabled || provider.issuer !== verifiedAt) {
      throw new SsoRefusal('SSO_PROVIDER_CHANGED', ssoError('SSO_PROVIDER_CHANGED'), `sso:${subject}`);
    }
    const refuse = (reason: string, account: string) => new SsoRefusal(reason, ssoError('SSO_SIGN_IN_REFUSED'), account);
    let [user] = await tx.query<{ id: string; username: string; disabled: boolean }>(
      `SELECT u.id, u.username, u.disabled FROM sso_identities i JOIN users u ON u.tenant_id = i.tenant_id AND u.id = i.user_id
        WHERE i.tenant_id = $1 AND i.provider_id = $2 AND i.subject = $3`,
      [tenantId, provider.id, subject],
    );
    if (!user && provider.matchClaim) {
      const value = claims[provider.matchClaim];
      if (typeof value === 'string' && value) {
        [user] = await tx.query<{ id: string; username: string; disabled: boolean }>(
          `SELECT id, username, disabled FROM users WHERE tenant_id = $1 AND username = $2`,
          [tenantId, value],
        );
        if (user) {
          const linked = await tx.query<{ subject: string }>(
            `INSERT INTO sso_identities (tenant_id, provider_id, subject, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING subject`,
            [tenantId, provider.id, subject, user.id],
          );
          // the user is linked to another subject already: the claim does not override an admin's link
          if (!linked.length) throw refuse('SSO_USER_LINKED', `sso:${subject}`);
        }
      }
    }
    if (!user) throw refuse('SSO_USER_UNKNOWN', `sso:${subject}`);
    if (user.disabled) throw refuse('SSO_USER_DISABLED', user.username);
    return { userId: user.id, username: user.username };
  },

  /** The one-time code the browser carries back to the frontend: `<tenant id>.<secret>`, stored as its hash. */
  async issueCode(tx: RequestTransaction, tenantId: string, userId: string): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    await tx.execute(`DELETE FROM sso_codes WHERE tenant_id = $1 AND expires_at < now() - interval '1 day'`, [tenantId]);
    await tx.execute(
      `INSERT INTO sso_codes (tenant_id, code_hash, user_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [tenantId, hash(secret), userId, CODE_TTL_SECONDS],
    );
    return `${tenantId}.${secret}`;
  },

  /** signInWithSso: the code, once and within its minute, for the platform's own tokens. */
  async signIn(ctx: RequestContext, token: string): Promise<Session> {
    const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match || !UUID.test(match[1])) throw ssoError('SSO_CODE_INVALID');
    const [, tenantId, secret] = match;
    await ctx.tx.setIdentity({ tenantId, platform: false }, { signIn: true });
    await ctx.tx.begin();
    const [row] = await ctx.tx.query<{ user_id: string; username: string; disabled: boolean }>(
      `WITH used AS (UPDATE sso_codes c SET used_at = now() FROM users u
        WHERE c.tenant_id = $1 AND c.code_hash = $2 AND c.used_at IS NULL AND c.expires_at > now()
          AND u.tenant_id = c.tenant_id AND u.id = c.user_id
        RETURNING c.user_id, u.username, u.disabled) SELECT * FROM used`,
      [tenantId, hash(secret)],
    );
    if (!row || row.disabled) throw ssoError('SSO_CODE_INVALID');
    try {
      return await issueSession(ctx, tenantId, row.user_id);
    } catch (error) {
      // a locked account refused its second factor: on the tenant's log with the account's sign-ins
      const reason = error instanceof AppError ? error.details.reason : undefined;
      if (reason === 'ACCOUNT_LOCKED') {
        await auditSignIn(ctx.tx, {
          tenantId,
          action: 'signInWithSso',
          account: row.username,
          outcome: AuditOutcome.FAILURE,
          reason,
          address: ctx.ip,
          userAgent: ctx.userAgent,
        });
      }
      throw error;
    }
  },
};
