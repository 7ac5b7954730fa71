import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestContext, authenticate, createRequestContext, requireUser } from '../../graphql/context';
import { gateUpload } from '../../graphql/upload-gate';
import { AppError, sendRestError, unauthenticated } from '../../graphql/errors';
import { localeOf } from '../../graphql/messages';
import { idOf } from '../../graphql/relay';
import { auditExport } from '../audit/audit.export';
import { auditRoute, auditService } from '../audit/audit.service';
import { campaignService } from '../campaign/campaign.service';
import { federationOverviewExport } from '../federation/federation.export';
import { requireRootAdmin } from '../federation/federation.service';
import { RouteDeps } from '../domain-module';
import { LedgerCategory } from '../ledger/ledger.entity';
import { orgService } from '../org/org.service';
import { supervisionService } from '../supervision/supervision.service';
import { ExportFile, assessmentExport, campaignProgressExport, inspectionExport, ledgerExport, parseDay, parseYear } from './exports';
import { IMPORT_BODY_LIMIT, ORG_IMPORT_LIMITS, TableLimits, USER_IMPORT_LIMITS } from './import-limits';
import { ImportResult, ORG_COLUMNS, USER_COLUMNS, importOrgs, importUsers, requireImportAdmin } from './imports';
import { exportGate } from './export-gate';
import { placeThenBuild } from './export-place';
import { reportError } from './report.errors';
import { CSV_TYPE, Table, XLSX_TYPE, readTable } from './table';
import { addTable, newWorkbook, toBuffer } from './xlsx';
import { todayOf } from '../../graphql/today';

type Query = Record<string, string | undefined>;
type Params = Record<string, string>;

/** RFC 5987 / 6266: an ASCII fallback plus the UTF-8 name, so Chinese file names survive every browser. */
export function contentDisposition(file: Pick<ExportFile, 'filename' | 'asciiName'>): string {
  // control characters, quotes and slashes would break the header or name a path
  // eslint-disable-next-line no-control-regex
  const clean = file.filename.replace(/[\u0000-\u001f\u007f"\\/]/g, '_');
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${file.asciiName}"; filename*=UTF-8''${encoded}`;
}

/**
 * An error as /graphql answers it, in the request's language (Accept-Language; Chinese unless the
 * client asks for English first): a declared reason, and each problem of an import, rendered again
 * from its parameters; anything unknown logged and masked.
 */
function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  return sendRestError(reply, error, localeOf(request.headers['accept-language']), {
    scope: '[report]',
    statusByReason: { UNSUPPORTED_MEDIA_TYPE: 415 },
  });
}

function sendFile(reply: FastifyReply, file: ExportFile) {
  return reply
    .header('content-type', XLSX_TYPE)
    .header('content-disposition', contentDisposition(file))
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .send(file.buffer);
}

/**
 * File downloads (/exports/…) and uploads (/imports/…), authorized exactly like the API: the Bearer
 * token, one transaction per request with the tenant set for RLS, the same service checks, so a
 * foreign, out-of-scope or unknown id is 404 and no token is 401. Registered as an encapsulated
 * plugin, so its 5 MB .xlsx/.csv body parser never applies to /graphql.
 */
export function registerReportRoutes(fastify: FastifyInstance, { config, dataSource, limiter }: RouteDeps): void {
  /** The files built at once by this process, shared with the document module's 公文 (EXPORT_SLOTS, EXPORTS_PER_USER). */
  const gate = exportGate(config);
  /**
   * Runs `work` in the request's transaction; commits (when asked) before anything is sent, and answers its value
   * or what refused it.
   */
  async function attempt<T>(
    request: FastifyRequest,
    work: (ctx: RequestContext) => Promise<{ value: T; commit: boolean }>,
    /** `refusalsOnly`: audit only a refusal (the first step of a download, whose build is audited by its second). */
    opts: { counted?: boolean; audit?: string; refusalsOnly?: boolean } = {},
  ): Promise<{ value: T } | { error: unknown }> {
    const ctx = createRequestContext(config, dataSource, request.ip);
    let outcome: { value: T; commit: boolean } | undefined;
    let failure: unknown;
    try {
      await authenticate(ctx, request.headers.authorization);
      if (!ctx.viewer) throw unauthenticated();
      // downloads and uploads count against the same per-user and per-tenant limits as /graphql
      // (an upload was counted when it was authorized, before its body was read)
      if (!opts.counted) await limiter.consume(requireUser(ctx));
      await ctx.tx.begin();
      outcome = await work(ctx);
    } catch (error) {
      failure = error;
    } finally {
      try {
        await ctx.tx.finish(!failure && !!outcome?.commit);
      } catch (error) {
        failure ??= error;
      }
    }
    // the audit trail: every export, and every refused import (an import that commits wrote its own entry)
    if (opts.audit && (failure !== undefined || (!outcome?.commit && !opts.refusalsOnly)))
      await auditRoute(ctx, request, opts.audit, failure);
    if (failure !== undefined || !outcome) return { error: failure };
    return { value: outcome.value };
  }
  /** `attempt`, then its value sent (or what refused it answered). */
  async function handle<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (ctx: RequestContext) => Promise<{ value: T; commit: boolean }>,
    send: (value: T) => unknown,
    opts: { counted?: boolean; audit?: string } = {},
  ) {
    const outcome = await attempt(request, work, opts);
    return 'error' in outcome ? sendError(request, reply, outcome.error) : send(outcome.value);
  }

  /**
   * An upload's gate, run as a preParsing hook so it is decided before a byte of the body is read:
   * the token, the rate limits, the importing role and the content type, in a short transaction of
   * its own (no pooled connection is held while a client sends its file). A refusal throws to the
   * scope's error handler.
   */
  const authorizeUpload = (request: FastifyRequest) =>
    gateUpload(
      { config, dataSource, limiter },
      request,
      (viewer) => {
        requireImportAdmin(viewer);
        contentTypeOf(request);
      },
      // a refused import is recorded with the viewer who tried (none: an unsigned request, no actor)
      (ctx, error) => auditRoute(ctx, request, request.url.startsWith('/imports/users') ? 'importUsers' : 'importOrgs', error),
    );

  void fastify.register(async (scope) => {
    scope.addContentTypeParser([XLSX_TYPE, CSV_TYPE], { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    // refusals from the upload gate are coded like every other answer here; anything else (a body over
    // the limit, a malformed request) goes on to the app's handler
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof AppError) return sendError(request, reply, error);
      throw error;
    });

    /** A download in two transactions with its place among the files built at once (`exportGate`) between them. */
    const download = (
      route: string,
      authorize: (ctx: RequestContext, params: Params, query: Query) => Promise<() => Promise<ExportFile>>,
    ) =>
      scope.get(route, async (request, reply) => {
        const outcome = await placeThenBuild(
          (work, step) =>
            attempt(
              request,
              async (ctx) => ({ value: await work(ctx), commit: false }),
              step === 'placing' ? { audit: 'export', refusalsOnly: true } : { audit: 'export', counted: true },
            ),
          (ctx) => authorize(ctx, request.params as Params, request.query as Query),
          (ctx) => gate.enter(requireUser(ctx)),
          (_ctx, build) => build(),
        );
        if ('error' in outcome) return sendError(request, reply, outcome.error);
        outcome.release();
        return sendFile(reply, outcome.value);
      });

    download('/exports/ledger/:orgId', async (ctx, params, query) => {
      const org = await orgService.getInScopeOrThrow(ctx, idOf('Org', params.orgId));
      const category =
        query.category && (Object.values(LedgerCategory) as string[]).includes(query.category) ? (query.category as LedgerCategory) : null;
      const filter = { from: parseDay(query.from, 'from'), to: parseDay(query.to, 'to'), category };
      return () => ledgerExport(ctx, org, filter);
    });
    download('/exports/campaigns/:campaignId/progress', async (ctx, params, query) => {
      const campaign = await campaignService.getOrThrow(ctx, idOf('Campaign', params.campaignId));
      const asOf = parseDay(query.asOf, 'asOf') ?? todayOf(ctx);
      const under = await campaignService.rollupScope(ctx, campaign, query.under ? idOf('Org', query.under) : null);
      return () => campaignProgressExport(ctx, campaign, under, asOf);
    });
    download('/exports/assessments/:orgId', async (ctx, params, query) => {
      const org = await orgService.getInScopeOrThrow(ctx, idOf('Org', params.orgId));
      const year = parseYear(query.year);
      return () => assessmentExport(ctx, org, year);
    });
    download('/exports/inspections/:inspectionId', async (ctx, params) => {
      const inspection = await supervisionService.getInspectionOrThrow(ctx, idOf('Inspection', params.inspectionId));
      return () => inspectionExport(ctx, inspection);
    });

    // 操作日志 as .xlsx (the auditLog filters; the export itself is recorded like every other)
    download('/exports/audit', async (ctx, _params, query) => {
      auditService.readerScope(ctx);
      return () => auditExport(ctx, query);
    });

    download('/exports/federation/overview', async (ctx, _params, query) => {
      requireRootAdmin(ctx);
      const args = {
        campaignId: query.campaignId ?? null,
        year: query.year ? parseYear(query.year) : null,
        asOf: parseDay(query.asOf, 'asOf'),
      };
      return () => federationOverviewExport(ctx, args);
    });

    // Empty templates with the expected headers (a header row: nothing to bound, no place taken).
    const fixed = (route: string, file: () => Promise<ExportFile>) =>
      scope.get(route, (request, reply) =>
        handle(
          request,
          reply,
          async () => ({ value: await file(), commit: false }),
          (built) => sendFile(reply, built),
          { audit: 'export' },
        ),
      );
    fixed('/imports/orgs/template', () =>
      template(
        '组织导入模板',
        ORG_COLUMNS.map((c) => c.header),
        'org-import-template.xlsx',
      ),
    );
    fixed('/imports/users/template', () =>
      template(
        '用户导入模板',
        USER_COLUMNS.map((c) => c.header),
        'user-import-template.xlsx',
      ),
    );

    const upload = (
      route: string,
      action: string,
      limits: TableLimits,
      run: (ctx: RequestContext, table: Table, dryRun: boolean) => Promise<ImportResult>,
    ) =>
      scope.post(route, { preParsing: async (request, _reply, payload) => (await authorizeUpload(request), payload) }, (request, reply) =>
        handle(
          request,
          reply,
          async (ctx) => {
            requireImportAdmin(requireUser(ctx));
            const type = contentTypeOf(request);
            if (!Buffer.isBuffer(request.body) || !request.body.length) throw reportError('FILE_EMPTY', 'file');
            const query = request.query as Query;
            const dryRun = query.dryRun === 'true' || query.dryRun === '1';
            const result = await run(ctx, readTable(request.body, type, limits), dryRun);
            if (!dryRun)
              await auditService.record(ctx, action, { input: { rows: result.rows, created: result.created, contentType: type } }, null);
            return { value: result, commit: !dryRun };
          },
          (result) => reply.status(result.dryRun ? 200 : 201).send(result),
          { counted: true, audit: action },
        ),
      );
    upload('/imports/orgs', 'importOrgs', ORG_IMPORT_LIMITS, importOrgs);
    upload('/imports/users', 'importUsers', USER_IMPORT_LIMITS, importUsers);
  });
}

function contentTypeOf(request: FastifyRequest): typeof XLSX_TYPE | typeof CSV_TYPE {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== XLSX_TYPE && type !== CSV_TYPE) {
    throw reportError('UNSUPPORTED_MEDIA_TYPE', { field: 'file', params: { xlsx: XLSX_TYPE, csv: CSV_TYPE } });
  }
  return type;
}

async function template(title: string, headers: string[], asciiName: string): Promise<ExportFile> {
  const workbook = newWorkbook(title);
  addTable(
    workbook,
    title,
    headers.map((h, i) => ({ header: h, key: `c${i}`, minWidth: 14 })),
    [],
  );
  return { filename: `${title}.xlsx`, asciiName, buffer: await toBuffer(workbook) };
}
