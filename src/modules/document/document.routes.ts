import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestContext, authenticate, createRequestContext, requireUser } from '../../graphql/context';
import { auditRoute } from '../audit/audit.service';
import { sendRestError, unauthenticated } from '../../graphql/errors';
import { Locale, localeOf } from '../../graphql/messages';
import { idOf } from '../../graphql/relay';
import { keyedSlots, slots, takeInOrder } from '../../graphql/slots';
import { campaignService } from '../campaign/campaign.service';
import { RouteDeps } from '../domain-module';
import { sizeText } from '../file/file.errors';
import { exportGate, textBytes } from '../report/export-gate';
import { placeThenBuild } from '../report/export-place';
import { briefingService } from '../ledger/ledger.service';
import { noticeService } from '../notice/notice.service';
import { orgService } from '../org/org.service';
import { parseYear } from '../report/exports';
import { contentDisposition } from '../report/report.routes';
import { supervisionService } from '../supervision/supervision.service';
import { PgFileStorage } from '../file/file.storage';
import { planArchive, streamArchive } from './archive';
import { documentError } from './document.errors';
import {
  BuiltDocument,
  assessmentDocument,
  briefingDocument,
  inspectionDocument,
  noticeDocument,
  planDocument,
  selfCheckDocument,
} from './documents';
import { renderOfficialDocument } from './gbt9704';

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

export function sendRouteError(reply: FastifyReply, error: unknown, locale: Locale, scope = '[documents]') {
  return sendRestError(reply, error, locale, { scope });
}

/**
 * Runs `work` in a read-only request transaction authorized exactly as /graphql: the Bearer token, the
 * per-user and per-tenant limits, the tenant set for row-level security. `work` finds its record through
 * the module's own visibility rule first (a foreign, out-of-scope or unknown id is 404), so nothing is
 * built for a viewer who may not read it.
 */
export async function withReadContext<T>(
  deps: RouteDeps,
  request: FastifyRequest,
  work: (ctx: RequestContext) => Promise<T>,
  /**
   * `placing`: the first of a download's two steps (authorized, then a place taken): it counts against the
   * rate limits and is audited only when refused. `placed`: the second (the build, once the place is held):
   * counted already, audited either way.
   */
  step?: 'placing' | 'placed',
): Promise<{ value: T } | { error: unknown }> {
  const locale = localeOf(request.headers['accept-language']);
  const ctx = createRequestContext(deps.config, deps.dataSource, request.ip, locale);
  try {
    await authenticate(ctx, request.headers.authorization);
    if (!ctx.viewer) throw unauthenticated();
    if (step !== 'placed') await deps.limiter.consume(requireUser(ctx));
    await ctx.tx.begin();
    const value = await work(ctx);
    if (step !== 'placing') await auditRoute(ctx, request, 'downloadDocument');
    return { value };
  } catch (error) {
    await auditRoute(ctx, request, 'downloadDocument', error);
    return { error };
  } finally {
    await ctx.tx.finish(false).catch(() => undefined);
  }
}

/**
 * 公文 downloads (.docx, GB/T 9704-2012) beside /graphql, with the Bearer token and the visibility of
 * the data they are built from:
 * - `GET /documents/notices/:noticeId` 通报
 * - `GET /documents/briefings/:briefingId` 简报
 * - `GET /documents/inspections/:inspectionId` 督查报告
 * - `GET /documents/assessments/:orgId?year=2013&subtree=true` 年度党建目标考核结果 (the org, or every org below it ranked)
 * - `GET /documents/campaigns/:campaignId/self-checks/:orgId` 创建工作自查报告
 * - `GET /documents/campaigns/:campaignId/plan` 创建活动实施方案
 * - `GET /archives/orgs/:orgId/:year` 台帐归档: the org's records of the year with their files and the
 *   documents above, and an index sheet, as one streamed .zip (at most ARCHIVE_SLOTS built at once,
 *   ARCHIVE_QUEUE more waiting, each only once its token and the org are authorized)
 */
export const ARCHIVE_SLOTS = 2;
/** Authorized archive requests that may wait for a slot (holding no database connection); past them ARCHIVE_BUSY. */
export const ARCHIVE_QUEUE = 4;
/**
 * Archives one tenant's users may have building or waiting at once; past them ARCHIVE_TENANT_BUSY: ARCHIVE_SLOTS
 * places are always left to the other tenants.
 */
export const ARCHIVES_PER_TENANT = ARCHIVE_QUEUE;
/** The Retry-After of ARCHIVE_BUSY and ARCHIVE_TENANT_BUSY. */
export const ARCHIVE_RETRY_SECONDS = 30;

export function registerDocumentRoutes(fastify: FastifyInstance, deps: RouteDeps): void {
  const storage = new PgFileStorage(deps.dataSource);
  const archives = slots(ARCHIVE_SLOTS);
  const tenantTurns = keyedSlots(ARCHIVES_PER_TENANT);
  const perUser = deps.config.archivesPerUser;
  const userTurns = keyedSlots(perUser);
  /**
   * The user's turn (ARCHIVES_PER_USER building or waiting, as EXPORTS_PER_USER for the other downloads), the tenant's
   * (so one tenant's users never take every place), then a place among the archives built.
   */
  const acquire = ({ tenantId, userId }: { tenantId: string; userId: string }) =>
    takeInOrder([
      {
        take: () => userTurns.tryAcquire(`${tenantId}:${userId}`, 0),
        refused: () => documentError('ARCHIVE_IN_PROGRESS', { params: { limit: perUser, retryAfterSeconds: ARCHIVE_RETRY_SECONDS } }),
      },
      {
        take: () => tenantTurns.tryAcquire(tenantId, 0),
        refused: () =>
          documentError('ARCHIVE_TENANT_BUSY', { params: { limit: ARCHIVES_PER_TENANT, retryAfterSeconds: ARCHIVE_RETRY_SECONDS } }),
      },
      {
        take: () => archives.tryAcquire(ARCHIVE_QUEUE),
        refused: () => documentError('ARCHIVE_BUSY', { params: { retryAfterSeconds: ARCHIVE_RETRY_SECONDS } }),
      },
    ]);
  /** The .docx built at once, shared with the report module's .xlsx exports (EXPORT_SLOTS, EXPORTS_PER_USER). */
  const gate = exportGate(deps.config);
  const maxBytes = deps.config.exportMaxBytes;

  void fastify.register(async (scope) => {
    scope.get('/archives/orgs/:orgId/:year', async (request, reply) => {
      const locale = localeOf(request.headers['accept-language']);
      const params = request.params as Params;
      let release = () => {};
      try {
        const outcome = await placeThenBuild(
          (work, step) => withReadContext(deps, request, work, step),
          async (ctx) => ({ org: await orgService.getInScopeOrThrow(ctx, idOf('Org', params.orgId)), year: parseYear(params.year) }),
          // the token, the limits and the org are authorized: only now a place among the archives built
          (ctx) => acquire(requireUser(ctx)),
          // authorized again where the archive is planned (a role revoked or the org moved while it waited counts)
          async (ctx, { org, year }) => ({ org, year, plan: await planArchive(ctx, org, year) }),
        );
        if ('error' in outcome) return sendRouteError(reply, outcome.error, locale);
        release = outcome.release;
        const { org, year, plan } = outcome.value;
        const stream = await streamArchive(plan, org, year, storage);
        stream.once('close', release);
        stream.once('error', release);
        return reply
          .header('content-type', 'application/zip')
          .header('content-disposition', contentDisposition({ filename: plan.filename, asciiName: plan.asciiName }))
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .send(stream);
      } catch (error) {
        release();
        return sendRouteError(reply, error, locale);
      }
    });

    /**
     * A document in two steps (`placeThenBuild`): `authorize` finds the record through its module's visibility
     * rule (a foreign, out-of-scope or unknown id is 404) and checks the query, then answers the build; only then
     * does the request take its place among the files built at once (`exportGate`: 429 for a user who already has
     * one being built, 503 past the waiting ones), held until the .docx is written.
     */
    const document = (
      route: string,
      authorize: (ctx: RequestContext, params: Params, query: Query) => Promise<() => Promise<BuiltDocument>>,
    ) =>
      scope.get(route, async (request, reply) => {
        const locale = localeOf(request.headers['accept-language']);
        let release = () => {};
        let bytes: Buffer;
        let built: BuiltDocument;
        try {
          // the record is found (and its visibility checked) and the document's data read in the
          // transaction; the .docx is written from those values after it closes
          const outcome = await placeThenBuild(
            (work, step) => withReadContext(deps, request, work, step),
            (ctx) => authorize(ctx, request.params as Params, request.query as Query),
            (ctx) => gate.enter(requireUser(ctx)),
            (_ctx, build) => build(),
          );
          if ('error' in outcome) return sendRouteError(reply, outcome.error, locale);
          ({ value: built, release } = outcome);
          // the budget is checked on the document's text before it is laid out, and on the file after
          if (textBytes(built.doc) > maxBytes)
            throw documentError('OFFICIAL_DOCUMENT_TOO_LARGE', { params: { limit: maxBytes, limitText: sizeText(maxBytes) } });
          bytes = await renderOfficialDocument(built.doc);
          if (bytes.length > maxBytes)
            throw documentError('OFFICIAL_DOCUMENT_TOO_LARGE', { params: { limit: maxBytes, limitText: sizeText(maxBytes) } });
        } catch (error) {
          return sendRouteError(reply, error, locale);
        } finally {
          release();
        }
        return reply
          .header('content-type', DOCX_TYPE)
          .header('content-disposition', contentDisposition({ filename: built.filename, asciiName: built.asciiName }))
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .send(bytes);
      });

    document('/documents/notices/:noticeId', async (ctx, p) => {
      const notice = await noticeService.getOrThrow(ctx, idOf('Notice', p.noticeId));
      return () => noticeDocument(ctx, notice);
    });
    document('/documents/briefings/:briefingId', async (ctx, p) => {
      const briefing = await briefingService.getOrThrow(ctx, idOf('Briefing', p.briefingId));
      return () => briefingDocument(ctx, briefing);
    });
    document('/documents/inspections/:inspectionId', async (ctx, p) => {
      const inspection = await supervisionService.getInspectionOrThrow(ctx, idOf('Inspection', p.inspectionId));
      return () => inspectionDocument(ctx, inspection);
    });
    document('/documents/assessments/:orgId', async (ctx, p, q) => {
      const org = await orgService.getInScopeOrThrow(ctx, idOf('Org', p.orgId));
      const year = parseYear(q.year);
      if (q.subtree !== undefined && q.subtree !== 'true' && q.subtree !== 'false')
        throw documentError('DOCUMENT_SUBTREE_INVALID', 'subtree');
      return () => assessmentDocument(ctx, org, year, q.subtree === 'true');
    });
    document('/documents/campaigns/:campaignId/self-checks/:orgId', async (ctx, p) => {
      const campaign = await campaignService.getOrThrow(ctx, idOf('Campaign', p.campaignId));
      const org = await orgService.getInScopeOrThrow(ctx, idOf('Org', p.orgId));
      return () => selfCheckDocument(ctx, campaign, org);
    });
    document('/documents/campaigns/:campaignId/plan', async (ctx, p) => {
      const campaign = await campaignService.getOrThrow(ctx, idOf('Campaign', p.campaignId));
      return () => planDocument(ctx, campaign);
    });
  });
}
