import multipart from '@fastify/multipart';
import { Readable } from 'node:stream';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestContext, authenticate, createRequestContext, loadViewer, requireUser } from '../../graphql/context';
import { auditRoute } from '../audit/audit.service';
import { AppError, sendRestError, toAppError } from '../../graphql/errors';
import { Locale, localeOf } from '../../graphql/messages';
import { toGlobalId } from '../../graphql/relay';
import { keyedSlots, slots } from '../../graphql/slots';
import { RouteDeps } from '../domain-module';
import { contentDisposition } from '../report/report.routes';
import { File, fileContentTypes } from './file.entity';
import { fileError } from './file.errors';
import { verifyFileLink } from './file.links';
import { fileIdOf } from './file.resolver';
import { MAX_FILES_PER_UPLOAD, fileService } from './file.service';
import { PgFileStorage } from './file.storage';

/**
 * Uploads held in progress at once by this instance: each holds one pooled connection while its body
 * streams in, so uploads never take more than this share of the pool (the rest wait, unread).
 */
export const UPLOAD_SLOTS = 8;
/** An upload whose client sends nothing for this long is cut off (its transaction rolls back). */
export const UPLOAD_IDLE_MS = 60_000;
/** An upload not ended this long after it took its slot is cut off, however slowly it keeps sending. */
export const UPLOAD_MAX_MS = 10 * 60_000;
/**
 * Uploads one user has in progress at once on this instance (its others wait their turn, unread, holding no
 * connection): however slowly one user's uploads trickle in, they hold at most this many of the slots.
 */
export const UPLOADS_PER_USER = 2;
/**
 * Uploads one tenant's users have in progress at once on this instance (half the slots): however many of its users
 * upload slowly at once, the other tenants find slots free. The tenant's others wait their turn, unread, holding no
 * connection.
 */
export const UPLOADS_PER_TENANT = UPLOAD_SLOTS / 2;
/** One user's uploads waiting for its turn; past them UPLOADS_IN_PROGRESS (429). */
export const UPLOADS_WAITING_PER_USER = 64;

/** The Retry-After of UPLOADS_IN_PROGRESS. */
const UPLOAD_RETRY_SECONDS = 10;

/** HTTP statuses finer than the code's for some refusals. */
const STATUS: Record<string, number> = {
  FILE_TOO_LARGE: 413,
  FILE_QUOTA_EXCEEDED: 413,
  FILE_QUOTA_FULL: 413,
  FILE_UNATTACHED_FULL: 413,
  NOT_MULTIPART: 415,
  FILE_TYPE_NOT_ALLOWED: 415,
  RANGE_NOT_SATISFIABLE: 416,
};

/** The upload parser's and the stream's own failures as this module's refusals (undefined: not one of them). */
function uploadFailure(error: unknown): AppError | undefined {
  const known = toAppError(error);
  if (known) return known;
  const e = error as { code?: string; message?: string };
  switch (e?.code) {
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return fileError('TOO_MANY_FILES', { field: 'file', params: { limit: MAX_FILES_PER_UPLOAD } });
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return fileError('NOT_MULTIPART', 'file');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
    case 'ERR_STREAM_PREMATURE_CLOSE':
    case 'ECONNRESET':
      return fileError('UPLOAD_MALFORMED', 'file');
  }
  if (/multipart|terminated early|boundary|aborted/i.test(String(e?.message ?? ''))) return fileError('UPLOAD_MALFORMED', 'file');
  return undefined;
}

function sendError(reply: FastifyReply, error: unknown, locale: Locale) {
  return sendRestError(reply, error, locale, { scope: '[files]', statusByReason: STATUS, recognize: uploadFailure });
}

/** The ASCII fallback of a file name for old clients: its letters where ASCII, else `file.<ext>`. */
function asciiName(file: File): string {
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(file.name)?.[1] ?? '';
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  return /[A-Za-z0-9]/.test(ascii.replace(/\.[^.]*$/, '')) ? ascii : `file${extension ? `.${extension}` : ''}`;
}

/**
 * One byte range of a `Range: bytes=…` header, as [start, end) within `size`; null to send the whole
 * file (no header, another unit, several ranges, an If-Range that no longer matches, or bad syntax,
 * as RFC 9110 allows), 'unsatisfiable' for a range wholly outside the file.
 */
export function rangeOf(
  header: string | undefined,
  ifRange: string | undefined,
  etag: string,
  size: number,
): [number, number] | null | 'unsatisfiable' {
  if (!header || (ifRange !== undefined && ifRange !== etag)) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size];
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  if (last < start) return null;
  return [start, last + 1];
}

/**
 * Evidence files over HTTP beside /graphql, authorized exactly like the API (the Bearer token, one
 * transaction with the tenant set for row-level security, the same service checks):
 * - `POST /files` (multipart/form-data, one or more files): any signed-in user of the tenant; the token,
 *   rate limits, content type and a full quota are checked in a preParsing hook before a byte of the
 *   body is read; each file streams into the database in 256 KiB rows; 201 with the File ids.
 * - `GET /files/:id` (the File's global id): with the Bearer token or a signed `?link=` from
 *   `fileDownloadLink`; exactly the file's visibility (its records', or its uploader's while on none);
 *   single byte ranges (206); streamed from the rows, without a database connection held between reads.
 */
export function registerFileRoutes(fastify: FastifyInstance, { config, dataSource, limiter }: RouteDeps): void {
  const storage = new PgFileStorage(dataSource);
  const uploads = slots(UPLOAD_SLOTS);
  /** Each user's turns (tenant and user id), then each tenant's. */
  const userTurns = keyedSlots(UPLOADS_PER_USER);
  const tenantTurns = keyedSlots(UPLOADS_PER_TENANT);
  /** Each user's uploads in progress or waiting, counted from their authorization until their response is done. */
  const userUploads = new Map<string, number>();
  /** The user key of an authorized upload request. */
  const uploaderOf = new WeakMap<FastifyRequest, string>();

  async function authorizeUpload(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ctx = createRequestContext(config, dataSource, request.ip);
    try {
      await authenticate(ctx, request.headers.authorization);
      const viewer = requireUser(ctx);
      await limiter.consume(viewer);
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      if (type !== 'multipart/form-data') throw fileError('NOT_MULTIPART', 'file');
      if (await fileService.quotaFull(ctx)) throw fileService.quotaError(ctx);
      await fileService.assertUnattachedRoom(ctx, { files: 1, bytes: 0 });
      const key = `${viewer.tenantId}:${viewer.userId}`;
      const held = userUploads.get(key) ?? 0;
      if (held >= UPLOADS_PER_USER + UPLOADS_WAITING_PER_USER)
        throw fileError('UPLOADS_IN_PROGRESS', {
          params: { limit: UPLOADS_PER_USER + UPLOADS_WAITING_PER_USER, retryAfterSeconds: UPLOAD_RETRY_SECONDS },
        });
      userUploads.set(key, held + 1);
      reply.raw.once('close', () => {
        const left = (userUploads.get(key) ?? 1) - 1;
        if (left > 0) userUploads.set(key, left);
        else userUploads.delete(key);
      });
      uploaderOf.set(request, key);
    } finally {
      await ctx.tx.finish(false);
    }
  }

  void fastify.register(async (scope) => {
    await scope.register(multipart, {
      limits: {
        // one byte past the limit reaches the service, which refuses the file with its name
        fileSize: config.fileMaxBytes + 1,
        files: MAX_FILES_PER_UPLOAD,
        fields: 20,
        fieldSize: 1024,
        parts: MAX_FILES_PER_UPLOAD + 20,
        headerPairs: 100,
        // a part's headers (its file name among them) in bytes; busboy's default is 80 KB (passed through to
        // busboy, which reads it, though @fastify/multipart's type does not name it)
        ...{ headerSize: 8 * 1024 },
      },
    });
    scope.setErrorHandler((error, request, reply) => {
      const refusal = uploadFailure(error);
      if (refusal) return sendError(reply, refusal, localeOf(request.headers['accept-language']));
      throw error;
    });

    scope.post(
      '/files',
      { preParsing: async (request, reply, payload) => (await authorizeUpload(request, reply), payload) },
      async (request, reply) => {
        const locale = localeOf(request.headers['accept-language']);
        // the user's turn first, then the tenant's, then one of the instance's slots
        const uploader = uploaderOf.get(request) ?? '';
        const releaseUserTurn = await userTurns.acquire(uploader);
        const releaseTenantTurn = await tenantTurns.acquire(uploader.split(':')[0]);
        const releaseTurn = () => {
          releaseTenantTurn();
          releaseUserTurn();
        };
        const release = await uploads.acquire();
        const socket = request.raw.socket;
        if (socket.destroyed) {
          // the client left while the upload waited its turn: nothing to read, nobody to answer
          release();
          releaseTurn();
          return reply;
        }
        socket.setTimeout(UPLOAD_IDLE_MS);
        const deadline = setTimeout(() => socket.destroy(), UPLOAD_MAX_MS);
        deadline.unref();
        const ctx = createRequestContext(config, dataSource, request.ip, locale);
        let files: File[] | undefined;
        let failure: unknown;
        try {
          await authenticate(ctx, request.headers.authorization);
          const upload = fileService.upload(ctx, storage);
          for await (const part of request.parts()) {
            if (part.type !== 'file') continue;
            await upload.receive(part.filename, part.file);
          }
          if (request.raw.aborted) throw fileError('UPLOAD_MALFORMED', 'file');
          files = await upload.finish();
        } catch (error) {
          failure = uploadFailure(error) ?? error;
        } finally {
          try {
            await ctx.tx.finish(failure === undefined);
          } catch (error) {
            failure ??= error;
          }
          socket.setTimeout(fastify.server.timeout);
          clearTimeout(deadline);
          release();
          releaseTurn();
        }
        if (failure !== undefined || !files) {
          // a refusal before the body was read to its end: close the connection rather than read the rest
          if (!request.raw.complete) void reply.header('connection', 'close');
          return sendError(reply, failure, locale);
        }
        return reply.status(201).send({
          files: files.map((f) => ({
            id: toGlobalId('File', f.id),
            name: f.name,
            size: f.size,
            format: f.format,
            contentType: fileContentTypes[f.format],
            sha256: f.sha256,
          })),
        });
      },
    );

    scope.get('/files/:id', async (request, reply) => {
      const locale = localeOf(request.headers['accept-language']);
      const ctx: RequestContext = createRequestContext(config, dataSource, request.ip, locale);
      let file: File | undefined;
      let failure: unknown;
      try {
        const id = fileIdOf((request.params as { id: string }).id);
        const link = (request.query as { link?: unknown }).link;
        if (typeof link === 'string') {
          const holder = verifyFileLink(config, link, id);
          if (request.headers.authorization) {
            await authenticate(ctx, request.headers.authorization);
            const viewer = requireUser(ctx);
            if (viewer.userId !== holder.userId || viewer.tenantId !== holder.tenantId) throw fileError('FILE_LINK_OTHER_USER', 'link');
          } else {
            await loadViewer(ctx, { kind: 'user', sub: holder.userId, tid: holder.tenantId, gen: holder.gen });
          }
        } else {
          await authenticate(ctx, request.headers.authorization);
        }
        await limiter.consume(requireUser(ctx));
        file = await fileService.getOrThrow(ctx, id);
      } catch (error) {
        failure = error;
      } finally {
        await ctx.tx.finish(false).catch(() => undefined);
      }
      await auditRoute(ctx, request, 'downloadFile', failure, file ? { type: 'File', id: file.id } : null);
      if (failure !== undefined || !file) return sendError(reply, failure, locale);

      const etag = `"${file.sha256}"`;
      const ifRange = request.headers['if-range'];
      const range = rangeOf(request.headers.range, typeof ifRange === 'string' ? ifRange : undefined, etag, file.size);
      void reply
        .header('accept-ranges', 'bytes')
        .header('etag', etag)
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox");
      if (range === 'unsatisfiable') {
        void reply.header('content-range', `bytes */${file.size}`);
        return sendError(reply, fileError('RANGE_NOT_SATISFIABLE', { field: 'range', params: { size: file.size } }), locale);
      }
      const [start, end] = range ?? [0, file.size];
      if (range) void reply.status(206).header('content-range', `bytes ${start}-${end - 1}/${file.size}`);
      return (
        reply
          .header('content-type', fileContentTypes[file.format])
          .header('content-disposition', contentDisposition({ filename: file.name, asciiName: asciiName(file) }))
          .header('content-length', String(end - start))
          // HEAD: the headers alone (an empty stream keeps the Content-Length of the bytes)
          .send(request.method === 'HEAD' ? Readable.from([]) : storage.stream(file.tenantId, file.contentId, start, end))
      );
    });
  });
}
