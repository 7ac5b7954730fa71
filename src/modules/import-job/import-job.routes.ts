import multipart from '@fastify/multipart';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, createRequestContext } from '../../graphql/context';
import { gateUpload } from '../../graphql/upload-gate';
import { AppError, forLog, sendRestError } from '../../graphql/errors';
import { Locale, localeOf } from '../../graphql/messages';
import { toGlobalId } from '../../graphql/relay';
import { RouteDeps } from '../domain-module';
import { requireImportAdmin } from '../report/imports';
import { CSV_TYPE, XLSX_TYPE } from '../report/table';
import { ImportJob, ImportJobKind } from './import-job.entity';
import { importJobError } from './import-job.errors';
import { IMPORT_JOB, ImportJobMessage, importJobService } from './import-job.service';

/** The multipart parser's refusals, as the module's reasons. */
function multipartRefusal(error: unknown) {
  const code = (error as { code?: string }).code;
  if (
    code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' ||
    code === 'FST_FILES_LIMIT' ||
    code === 'FST_PARTS_LIMIT' ||
    code === 'FST_PROTO_VIOLATION'
  )
    return importJobError('IMPORT_JOB_NOT_MULTIPART', 'file');
  return undefined;
}

function sendError(reply: FastifyReply, error: unknown, locale: Locale) {
  return sendRestError(reply, error, locale, {
    scope: '[import-job]',
    statusByReason: { IMPORT_JOB_FILE_TOO_LARGE: 413 },
    recognize: multipartRefusal,
  });
}

/** .xlsx or .csv, by the part's name (browsers send CSV under several content types). */
function typeOf(fileName: string): string {
  if (/\.xlsx$/i.test(fileName)) return XLSX_TYPE;
  if (/\.csv$/i.test(fileName)) return CSV_TYPE;
  throw importJobError('IMPORT_JOB_FILE_TYPE', { field: 'file', params: { name: fileName.slice(0, 100) } });
}

/** What the upload answers (202): the job as the ImportJob Node shows it; poll node(id:) or subscribe to taskChanged. */
const shape = (job: ImportJob) => ({
  id: toGlobalId('ImportJob', job.id),
  kind: job.kind,
  state: job.state,
  dryRun: job.dryRun,
  fileName: job.fileName,
  size: job.size,
});

/**
 * Imports as jobs: `POST /imports/orgs/jobs` and `POST /imports/users/jobs` (multipart/form-data, one
 * file part, .xlsx or .csv, at most IMPORT_JOB_MAX_BYTES; `?dryRun=true` only checks). The token, rate
 * limits, the importing role, the content type and the tenant's cap of unfinished jobs are checked in a preParsing hook before a byte of the
 * body is read; the file is stored as a QUEUED job in one transaction and sent to the job worker; 202
 * with the job's id.
 */
export function registerImportJobRoutes(fastify: FastifyInstance, { config, dataSource, limiter, queue }: RouteDeps): void {
  const authorizeUpload = (request: FastifyRequest) =>
    gateUpload({ config, dataSource, limiter }, request, async (viewer, ctx) => {
      requireImportAdmin(viewer);
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      if (type !== 'multipart/form-data') throw importJobError('IMPORT_JOB_NOT_MULTIPART', 'file');
      // a tenant at its cap of unfinished jobs is refused before its file is read (create counts again under its lock)
      await importJobService.requireRoom(ctx, viewer);
    });

  void fastify.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: config.importJobMaxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 11, headerPairs: 100 },
    });
    scope.setErrorHandler((error, request, reply) => {
      // a refusal in the gate leaves the body unread: the connection cannot serve another request after it
      if (!request.raw.complete) void reply.header('connection', 'close');
      if (error instanceof AppError) return sendError(reply, error, localeOf(request.headers['accept-language']));
      throw error;
    });

    const upload = (route: string, kind: ImportJobKind) =>
      scope.post(
        route,
        { preParsing: async (request, _reply, payload) => (await authorizeUpload(request), payload) },
        async (request, reply) => {
          const locale = localeOf(request.headers['accept-language']);
          const query = request.query as Record<string, string | undefined>;
          const dryRun = query.dryRun === 'true' || query.dryRun === '1';
          const ctx = createRequestContext(config, dataSource, request.ip, locale);
          let job: ImportJob | undefined;
          let failure: unknown;
          try {
            const part = await request.file();
            if (!part) throw importJobError('IMPORT_JOB_NO_FILE', 'file');
            const contentType = typeOf(part.filename || 'file');
            let content: Buffer;
            try {
              content = await part.toBuffer();
            } catch (error) {
              if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
                throw importJobError('IMPORT_JOB_FILE_TOO_LARGE', { field: 'file', params: { limit: config.importJobMaxBytes } });
              throw error;
            }
            if (!content.length) throw importJobError('IMPORT_JOB_NO_FILE', 'file');
            await authenticate(ctx, request.headers.authorization);
            job = await importJobService.create(ctx, { kind, dryRun, fileName: part.filename.slice(0, 255), contentType, content });
          } catch (error) {
            failure = error;
          } finally {
            try {
              await ctx.tx.finish(failure === undefined);
            } catch (error) {
              failure ??= error;
            }
          }
          if (failure !== undefined || !job) {
            if (!request.raw.complete) void reply.header('connection', 'close');
            return sendError(reply, failure, locale);
          }
          // without a queue (JOBS=off) the job waits for an instance that runs jobs: its resume sweep sends it
          if (queue) {
            await queue
              .send(IMPORT_JOB, { tenantId: job.tenantId, jobId: job.id } satisfies ImportJobMessage)
              .catch((error: unknown) => console.error('[import-job] send failed:', forLog(error)));
          }
          return reply.status(202).send({ job: shape(job) });
        },
      );
    upload('/imports/orgs/jobs', ImportJobKind.ORGS);
    upload('/imports/users/jobs', ImportJobKind.USERS);
  });
}
