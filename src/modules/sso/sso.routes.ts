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

/**
 * Single sign-on through the tenant's OpenID Connect provider:
 * - `GET /sso/:tenantSlug/start` stores a fresh state, nonce and PKCE verifier and redirects the browser
 *   to the provider (302).
 * - `GET /sso/:tenantSlug/callback` (the redirect URI registered at the provider) takes the request out
 *   of use, exchanges the code, checks the ID token, finds the linked (or, by the matched claim, the
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
        const url = await inTenant(tenantId, (tx) => ssoService.begin(tx, tenantId));
        return reply.header('cache-control', 'no-store').redirect(url.href, 302);
      } catch (error) {
        return sendRouteError(reply, error, localeOf(request.headers['accept-language']), '[sso]');
      }
    });

    scope.get('/sso/:tenantSlug/callback', async (request: FastifyRequest, reply: FastifyReply) => {
      const { tenantSlug } = request.params as Params;
      const locale = localeOf(request.headers['accept-language']);
      let tenantId: string;
      let returnUrl: string;
      try {
        await limiter.consumeAnonymous(request.ip, `sso:${tenantSlug}`);
        tenantId = await tenantOf(tenantSlug);
        returnUrl = (await inTenant(tenantId, (tx) => ssoService.enabledProvider(tx, tenantId))).provider.returnUrl;
      } catch (error) {
        return sendRouteError(reply, error, locale, '[sso]');
      }
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
        const pending = await inTenant(tenantId, (tx) => ssoService.consumeRequest(tx, tenantId, query.state));
        const { subject, claims, issuer } = await inTenant(tenantId, (tx) => ssoService.exchange(tx, tenantId, query, pending));
        const { code, username } = await inTenant(tenantId, async (tx) => {
          const user = await ssoService.resolveUser(tx, tenantId, subject, claims);
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
