import { PassThrough } from 'node:stream';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Role } from '../../auth/roles';
import { holdsRoleAtRoot } from '../../auth/scope';
import { RequestContext, authenticate, createRequestContext } from '../../graphql/context';
import { auditRoute } from '../audit/audit.service';
import { AppError, coreError, forLog, sendRestError, toAppError, unauthenticated } from '../../graphql/errors';
import { Locale, localeOf } from '../../graphql/messages';
import { RouteDeps } from '../domain-module';
import { tenantArchiveError } from './tenant-archive.errors';
import { exportTenant, restoreTenant } from './tenant-archive.service';

const TAR_TYPE = 'application/x-tar';
/** The Retry-After of TENANT_EXPORT_BUSY. */
const EXPORT_RETRY_SECONDS = 60;

function sendError(reply: FastifyReply, error: unknown, locale: Locale) {
  return sendRestError(reply, error, locale, { scope: '[tenant-archive]', statusByReason: { TENANT_ARCHIVE_TOO_LARGE: 413 } });
}

/**
 * A whole tenant out and back (README: Tenant export and restore):
 * - `GET /tenant-archives/:slug`: a platform operator (any tenant), or a TENANT_ADMIN at the root org of
 *   that tenant (its own only; another tenant's slug is 404 like an unknown one); the tar streams as it
 *   is produced.
 * - `POST /tenant-archives?slug=<new>` (Content-Type application/x-tar, the archive itself): platform
 *   operators only, decided before a byte of the body is read; 201 with the restored tenant, its counts.
 */
export function registerTenantArchiveRoutes(fastify: FastifyInstance, { config, dataSource, limiter, ownerUrl }: RouteDeps): void {
  /** Exports running in this process, by tenant id: at most config.tenantExportConcurrency, one per tenant. */
  const exporting = new Set<string>();
  /** Takes a place for the tenant's export, or refuses; the place is given back when its export settles. */
  function startExport(tenantId: string): () => void {
    const limit = config.tenantExportConcurrency;
    if (exporting.has(tenantId) || exporting.size >= limit)
      throw tenantArchiveError('TENANT_EXPORT_BUSY', { params: { limit, retryAfterSeconds: EXPORT_RETRY_SECONDS } });
    exporting.add(tenantId);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      exporting.delete(tenantId);
    };
  }

  /** The request's context once authenticated (its viewer is the audit entry's actor). */
  const contextOf = new WeakMap<FastifyRequest, RequestContext>();

  /**
   * The tenant the request may export: its id, and whether the archive withholds the tenant's secrets
   * (a tenant's own root admin gets no second factors, SSO secret or pending import files), or a refusal.
   */
  async function exportable(request: FastifyRequest, slug: string): Promise<{ id: string; slug: string; withhold: boolean }> {
    const ctx = createRequestContext(config, dataSource, request.ip);
    contextOf.set(request, ctx);
    try {
      await authenticate(ctx, request.headers.authorization);
      const viewer = ctx.viewer;
      if (!viewer) throw unauthenticated();
      if (viewer.kind === 'operator') {
        await ctx.tx.setIdentity({ platform: true });
        await ctx.tx.begin();
        const [tenant] = await ctx.tx.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [slug]);
        if (!tenant) throw tenantArchiveError('TENANT_ARCHIVE_UNKNOWN_TENANT', { field: 'slug', params: { slug } });
        return { id: tenant.id, slug, withhold: false };
      }
      await limiter.consume(viewer);
      const [own] = await ctx.tx.query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = $1`, [viewer.tenantId]);
      if (own?.slug !== slug) throw tenantArchiveError('TENANT_ARCHIVE_UNKNOWN_TENANT', { field: 'slug', params: { slug } });
      if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw tenantArchiveError('TENANT_EXPORT_FORBIDDEN');
      return { id: viewer.tenantId, slug, withhold: true };
    } finally {
      await ctx.tx.finish(false);
    }
  }

  async function authorizeRestore(request: FastifyRequest): Promise<void> {
    const ctx = createRequestContext(config, dataSource, request.ip);
    contextOf.set(request, ctx);
    try {
      await authenticate(ctx, request.headers.authorization);
      if (!ctx.viewer) throw unauthenticated();
      if (ctx.viewer.kind !== 'operator') throw tenantArchiveError('TENANT_RESTORE_OPERATOR_ONLY');
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      if (type !== TAR_TYPE) throw tenantArchiveError('TENANT_RESTORE_CONTENT_TYPE', 'archive');
    } catch (error) {
      throw toAppError(error) ?? error; // the database unreachable: a coded 503 the scope answers
    } finally {
      await ctx.tx.finish(false);
    }
  }

  /** The audit entry of an export or restore (the platform's log for an operator, the tenant's for its admin). */
  async function audit(request: FastifyRequest, action: string, failure?: unknown, entity?: { type: string; id: string }) {
    const ctx = contextOf.get(request);
    if (ctx) await auditRoute(ctx, request, action, failure, entity);
  }

  void fastify.register(async (scope) => {
    // the body stays a stream: the restore reads it entry by entry, bounded by TENANT_ARCHIVE_MAX_BYTES
    scope.addContentTypeParser(TAR_TYPE, { bodyLimit: config.tenantArchiveMaxBytes }, (_request, payload, done) => done(null, payload));
    scope.setErrorHandler(async (error, request, reply) => {
      if (!(error instanceof AppError)) throw error;
      // a restore refused before its body was read (not an operator, not a tar)
      if (request.method === 'POST') await audit(request, 'restoreTenant', error);
      return sendError(reply, error, localeOf(request.headers['accept-language']));
    });

    scope.get('/tenant-archives/:slug', async (request, reply) => {
      const locale = localeOf(request.headers['accept-language']);
      let tenant: { id: string; slug: string; withhold: boolean };
      let done: () => void;
      try {
        if (!ownerUrl) throw coreError('INTERNAL');
        tenant = await exportable(request, (request.params as { slug: string }).slug);
        // authorized: only now a place among the exports running (each holds an owner connection)
        done = startExport(tenant.id);
      } catch (error) {
        await audit(request, 'exportTenant', error);
        return sendError(reply, error, locale);
      }
      await audit(request, 'exportTenant', undefined, { type: 'Tenant', id: tenant.id });
      const out = new PassThrough();
      exportTenant(ownerUrl, tenant.id, out, done, tenant.withhold)
        .catch((error: unknown) => console.error('[tenant-archive] export failed:', forLog(error)))
        .finally(done);
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', TAR_TYPE)
        .header('content-disposition', `attachment; filename="${tenant.slug}-${day}.tar"`)
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .send(out);
    });

    scope.post(
      '/tenant-archives',
      { preParsing: async (request, _reply, payload) => (await authorizeRestore(request), payload) },
      async (request, reply) => {
        const locale = localeOf(request.headers['accept-language']);
        try {
          if (!ownerUrl) throw coreError('INTERNAL');
          const slug = (request.query as { slug?: string }).slug;
          const result = await restoreTenant(ownerUrl, request.body as AsyncIterable<Buffer>, {
            slug: slug || undefined,
            maxBytes: config.tenantArchiveMaxBytes,
          });
          await audit(request, 'restoreTenant', undefined, { type: 'Tenant', id: result.tenantId });
          return reply.status(201).send({ tenant: { id: result.tenantId, slug: result.slug, remapped: result.remapped }, ...result });
        } catch (error) {
          await audit(request, 'restoreTenant', error);
          if (!request.raw.complete) void reply.header('connection', 'close');
          return sendError(reply, error, locale);
        }
      },
    );
  });
}
