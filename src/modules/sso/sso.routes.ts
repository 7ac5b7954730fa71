import { randomBytes } from 'node:crypto';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestTransaction, withTransaction } from '../../db/request-transaction';
import { localeOf } from '../../graphql/messages';
import { AuditOutcome } from '../audit/audit.entity';
import { auditSignIn } from '../audit/audit.service';
import { sendRouteError } from '../document/document.routes';
import { RouteDeps } from '../domain-module';
import { ssoError } from './sso.errors';
import { SsoRefusal, ssoService } from './sso.service';

type Params = { tenantSlug: string };

/** The query's single-valued string parameters (a repeated one is dropped: the provider sends each once). */
function stringsOf(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) if (typeof v === 'string' && v.length <= 4000) out[k] = v;
  return out;
}

/** The cookie that binds an authorization request to the browser that started it (its value's hash is stored with the state). */
const BROWSER_COOKIE = 'sso_browser';
/** As long as the authorization request itself (REQUEST_TTL_SECONDS in the service). */
const BROWSER_COOKIE_SECONDS = 600;

/** The cookie's Set-Cookie header: HttpOnly, SameSite=Lax (sent on the provider's top-level redirect), only to the callback's path. */
function browserCookie(callback: URL, value: string, maxAge: number): string {
  return [
    `${BROWSER_COOKIE}=${value}`,
    `Max-Age=${maxAge}`,
    `Path=${callback.pathname}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(callback.protocol === 'https:' ? ['Secure'] : []),
  ].join('; ');
}

/** The browser cookie's value from the Cookie header, if it is there once and well-formed. */
function browserCookieOf(header: string | undefined): string | undefined {
  const values = (header ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${BROWSER_COOKIE}=`))
    .map((part) => part.slice(BROWSER_COOKIE.length + 1));
  return values.length === 1 && /^[A-Za-z0-9_-]{43}$/.test(values[0]) ? values[0] : undefined;
}

/**
 * Single sign-on through the tenant's OpenID Connect provider:
 * - `GET /sso/:tenantSlug/start` stores a fresh state, nonce and PKCE verifier and redirects the browser
 *   to the provider (302), setting a cookie (`sso_browser`, ten minutes, HttpOnly, SameSite=Lax, the
 *   callback's path only) whose random value's hash is stored with the state.
 * - `GET /sso/:tenantSlug/callback` (the redirect URI registered at the provider) takes the request out
 *   of use (only with the cookie of the browser that started it: SSO_BROWSER_MISMATCH otherwise, so a
 *   callback URL of someone else's sign-in cannot sign this browser in; then the cookie is cleared), exchanges the code, checks the ID token, finds the linked (or, by the matched claim, the
 *   matching) enabled user, and redirects to the tenant's return page with a one-time code after `#`
 *   (`#ssoCode=…`, kept out of server logs and Referer headers), which the frontend exchanges with the
 *   `signInWithSso` mutation within a minute; tokens never travel in a URL. A refusal redirects with
 *   `#ssoError=<reason>` and is recorded in the audit trail with its exact cause.
 */
export function registerSsoRoutes(fastify: FastifyInstance, { dataSource, limiter }: RouteDeps): void {
  const tenantOf = async (slug: string): Promise<string> => {
    const id = /^[a-z][a-z0-9-]{1,39}$/.test(slug)
      ? await withTransaction(
          dataSource,
          {},
          async (tx) => (await tx.query<{ id: string | null }>(`SELECT app_tenant_by_slug($1) AS id`, [slug]))[0].id,
        )
      : null;
    if (!id) throw ssoError('SSO_NOT_CONFIGURED');
    return id;
  };
  const inTenant = <T>(tenantId: string, work: (tx: RequestTransaction) => Promise<T>) => withTransaction(dataSource, { tenantId }, work);

  void fastify.register(async (scope) => {
    scope.get('/sso/:tenantSlug/start', async (request: FastifyRequest, reply: FastifyReply) => {
      const { tenantSlug } = request.params as Params;
      try {
        await limiter.consumeAnonymous(request.ip, `sso:${tenantSlug}`);
        const tenantId = await tenantOf(tenantSlug);
        const browser = randomBytes(32).toString('base64url');
        const { url, callback } = await ssoService.begin((work) => inTenant(tenantId, work), tenantId, browser);
        return reply
          .header('cache-control', 'no-store')
          .header('set-cookie', browserCookie(callback, browser, BROWSER_COOKIE_SECONDS))
          .redirect(url.href, 302);
      } catch (error) {
        return sendRouteError(reply, error, localeOf(request.headers['accept-language']), '[sso]');
      }
    });

    scope.get('/sso/:tenantSlug/callback', async (request: FastifyRequest, reply: FastifyReply) => {
      const { tenantSlug } = request.params as Params;
      const locale = localeOf(request.headers['accept-language']);
      let tenantId: string;
      let returnUrl: string;
      let callbackUrl: URL;
      try {
        await limiter.consumeAnonymous(request.ip, `sso:${tenantSlug}`);
        tenantId = await tenantOf(tenantSlug);
        const { provider } = await inTenant(tenantId, (tx) => ssoService.enabledProvider(tx, tenantId));
        returnUrl = provider.returnUrl;
        callbackUrl = new URL(provider.redirectUri);
      } catch (error) {
        return sendRouteError(reply, error, locale, '[sso]');
      }
      const browser = browserCookieOf(request.headers.cookie);
      const query = stringsOf(request.query);
      const agent = request.headers['user-agent'];
      const audit = (outcome: AuditOutcome, account: string | null, reason: string | null, data: Record<string, unknown>) =>
        auditSignIn(new RequestTransaction(dataSource), {
          tenantId,
          action: 'ssoSignIn',
          account,
          outcome,
          reason,
          address: request.ip,
          userAgent: typeof agent === 'string' ? agent : null,
          data,
        });
      const back = (fragment: string) => reply.header('cache-control', 'no-store').redirect(`${returnUrl.split('#')[0]}#${fragment}`, 302);
      try {
        // committed before the exchange: a replayed callback (the same state) finds nothing
        const pending = await inTenant(tenantId, (tx) => ssoService.consumeRequest(tx, tenantId, query.state, browser));
        // the cookie served its request: cleared whatever comes next (a refused one is left, so a stray link cannot end a sign-in)
        reply.header('set-cookie', browserCookie(callbackUrl, '', 0));
        // the provider is asked with no transaction open (InTenant)
        const { subject, claims, issuer } = await ssoService.exchange((work) => inTenant(tenantId, work), tenantId, query, pending);
        const { code, username } = await inTenant(tenantId, async (tx) => {
          const user = await ssoService.resolveUser(tx, tenantId, subject, claims, issuer);
          return { code: await ssoService.issueCode(tx, tenantId, user.userId), username: user.username };
        });
        await audit(AuditOutcome.SUCCESS, username, null, { issuer, subject });
        return back(`ssoCode=${encodeURIComponent(code)}`);
      } catch (error) {
        if (!(error instanceof SsoRefusal)) return sendRouteError(reply, error, locale, '[sso]');
        await audit(AuditOutcome.FAILURE, error.account, error.reason, {
          ...(error.detail ? { detail: error.detail } : {}),
          ...(query.error ? { providerError: query.error.slice(0, 100) } : {}),
        });
        return back(`ssoError=${String(error.shown.details.reason ?? error.reason)}`);
      }
    });
  });
}
