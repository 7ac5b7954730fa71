import { createHash, randomUUID } from 'node:crypto';
import { EntityTarget, ObjectLiteral } from 'typeorm';
import { UserViewer } from '../../auth/viewer';
import { lockForUpdate } from '../../db/lock-for-update';
import { RequestTransaction } from '../../db/request-transaction';
import { RequestContext, requireUser } from '../../graphql/context';
import { coreError } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/relay';
import { File, FileFormat } from './file.entity';
import { fileError, sizeText } from './file.errors';
import { signFileLink } from './file.links';
import { ByteSource, HEAD_BYTES, familyOf, recognise } from './file.sniff';
import { CHUNK_BYTES, FileStorage } from './file.storage';
import { holdLock } from '../../db/advisory-lock';

/** Files one upload request may carry. */
export const MAX_FILES_PER_UPLOAD = 10;
/** Files one record may carry. */
export const MAX_ATTACHMENTS_PER_RECORD = 50;
/** Files one `discardFiles` may name. */
export const MAX_DISCARD_IDS = 100;
/** Files one sweep transaction removes. */
const SWEEP_BATCH = 500;
/** The lock every change of a tenant's stored contents takes (catalogue, discard, sweep), to its commit. */
const quotaLock = (tenantId: string) => `file-quota:${tenantId}`;

/** The longest file name kept, in characters. */
export const MAX_NAME_LENGTH = 200;

const EXTENSIONS: Record<FileFormat, string> = {
  JPEG: 'jpg',
  PNG: 'png',
  GIF: 'gif',
  WEBP: 'webp',
  PDF: 'pdf',
  DOCX: 'docx',
  XLSX: 'xlsx',
  PPTX: 'pptx',
  DOC: 'doc',
  XLS: 'xls',
};

/** Without leading or trailing dots and white space (a loop: a regex anchored at the end is quadratic on long runs). */
function trimDotsAndSpaces(name: string): string {
  const edge = (c: string) => c === '.' || /\s/u.test(c);
  let start = 0;
  let end = name.length;
  while (start < end && edge(name[start])) start++;
  while (end > start && edge(name[end - 1])) end--;
  return name.slice(start, end);
}

/**
 * A file name as it is kept and shown: the last part of any path, NFC, without control or invisible
 * formatting characters (bidirectional overrides, zero-width marks, line separators), without the
 * characters Windows forbids in names, spaces collapsed, no leading or trailing dots, at most
 * MAX_NAME_LENGTH characters with the extension kept. Chinese and every other script stay as written.
 * Empty when nothing is left (the service then names it after its format).
 */
export function cleanName(raw: string | undefined | null): string {
  let name = (raw ?? '').normalize('NFC');
  name = name.split(/[/\\]/).pop() ?? '';
  // a name far past what is kept loses its middle first (its extension stays): nothing below ever
  // works on more than a few hundred characters, whatever a client sends
  if (name.length > 4 * MAX_NAME_LENGTH) name = name.slice(0, 2 * MAX_NAME_LENGTH) + name.slice(-2 * MAX_NAME_LENGTH);
  name = name.replace(/[\t\n\r\v\f]/g, ' ');
  name = name.replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, '');
  name = name.replace(/[<>:"|?*]/g, '_');
  name = trimDotsAndSpaces(name.replace(/\s+/gu, ' '));
  const chars = [...name];
  if (chars.length > MAX_NAME_LENGTH) {
    const extension = /\.[\p{L}\p{N}]{1,10}$/u.exec(name)?.[0] ?? '';
    name = chars
      .slice(0, MAX_NAME_LENGTH - [...extension].length)
      .join('')
      .trimEnd()
      .replace(/\.+$/, '');
    name += extension;
  }
  return name;
}

/**
 * What a record type of another module tells the file service: which of its records the viewer may
 * read, and where they are kept. A file attached to records is visible exactly when one of them is;
 * registered once by the module that owns the record type (`registerAttachable('Inspection',
 * visibleThrough(find, { entity: Inspection, gone }))` in its x.module.ts).
 */
export interface AttachableKind extends AttachableOwner {
  /** Of these record ids, the ones the viewer may read (by the record's own visibility rule). */
  visible(ctx: RequestContext, recordIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/**
 * The records' own table and refusal: a change of a record's files holds the record's row FOR UPDATE
 * first (so concurrent changes count one after the other and a delete waits for them or they for it),
 * and a record deleted while the change waited answers `gone()`, the record's own NOT_FOUND.
 */
export interface AttachableOwner {
  /** The record's entity, keyed by (tenant_id, id). */
  entity: EntityTarget<ObjectLiteral>;
  gone(): Error;
}

const attachable = new Map<string, AttachableKind>();

/** Declares a record type files can be attached to (the GraphQL type name, e.g. 'Inspection'). */
export function registerAttachable(recordType: string, kind: AttachableKind): void {
  if (!/^[A-Z][A-Za-z]{1,63}$/.test(recordType)) throw new Error(`registerAttachable: "${recordType}" is not a type name`);
  if (attachable.has(recordType) && attachable.get(recordType) !== kind)
    throw new Error(`registerAttachable: ${recordType} is registered twice`);
  attachable.set(recordType, kind);
}

/**
 * The usual AttachableKind: a record is visible when the owning module's own finder (null for foreign,
 * out-of-scope and unknown ids alike) returns it.
 */
export function visibleThrough(find: (ctx: RequestContext, id: string) => Promise<unknown>, owner: AttachableOwner): AttachableKind {
  return {
    ...owner,
    async visible(ctx, recordIds) {
      const found = await Promise.all(recordIds.map(async (id) => ((await find(ctx, id)) ? id : null)));
      return new Set(found.filter((id): id is string => id !== null));
    },
  };
}

/** What an editing mutation asks of a record's files: files to attach and files to detach (raw File ids). */
export interface FileChanges {
  attach?: readonly string[] | null;
  detach?: readonly string[] | null;
}

function kindOf(recordType: string): AttachableKind {
  const kind = attachable.get(recordType);
  if (!kind) throw new Error(`files: no attachable record type ${recordType} (registerAttachable in its module)`);
  return kind;
}

interface FileRow {
  tenant_id: string;
  id: string;
  content_id: string;
  name: string;
  uploaded_by: string;
  created_at: Date;
  size: number;
  format: FileFormat;
  sha256: Buffer;
}

const FILE_COLUMNS = `f.tenant_id, f.id, f.content_id, f.name, f.uploaded_by, f.created_at, c.size::float8 AS size, c.format, c.sha256`;
const FILE_SQL = `SELECT ${FILE_COLUMNS} FROM files f JOIN file_contents c ON c.tenant_id = f.tenant_id AND c.id = f.content_id`;

function toFile(row: FileRow): File {
  return Object.assign(new File(), {
    tenantId: row.tenant_id,
    id: row.id,
    contentId: row.content_id,
    name: row.name,
    uploadedBy: row.uploaded_by,
    createdAt: row.created_at,
    size: row.size,
    format: row.format,
    sha256: row.sha256.toString('hex'),
  });
}

/**
 * Files the viewer may read, batched per request: a file on records is visible when one of its
 * records is (each record type's own rule), a file on none to its uploader alone.
 */
function visibleFiles(ctx: RequestContext) {
  return ctx.loader<string, File | null>('file.visible', async (ids) => {
    const viewer = requireUser(ctx);
    const rows = await ctx.tx.query<FileRow>(`${FILE_SQL} WHERE f.tenant_id = $1 AND f.id = ANY($2::uuid[])`, [viewer.tenantId, [...ids]]);
    const links = await ctx.tx.query<{ file_id: string; record_type: string; record_id: string }>(
      `SELECT file_id, record_type, record_id FROM file_attachments WHERE tenant_id = $1 AND file_id = ANY($2::uuid[])`,
      [viewer.tenantId, rows.map((r) => r.id)],
    );
    const seen = new Set<string>();
    const byType = new Map<string, string[]>();
    for (const l of links) byType.set(l.record_type, [...(byType.get(l.record_type) ?? []), l.record_id]);
    for (const [type, recordIds] of byType) {
      const kind = attachable.get(type);
      if (!kind) continue; // a record type no module declares any more: its files are no one's to read
      const visible = await kind.visible(ctx, [...new Set(recordIds)]);
      for (const id of visible) seen.add(`${type}:${id}`);
    }
    const visibleIds = new Set(
      rows
        .filter((r) => {
          const own = links.filter((l) => l.file_id === r.id);
          return own.length ? own.some((l) => seen.has(`${l.record_type}:${l.record_id}`)) : r.uploaded_by === viewer.userId;
        })
        .map((r) => r.id),
    );
    const byId = new Map(rows.filter((r) => visibleIds.has(r.id)).map((r) => [r.id, toFile(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Bytes the tenant stores (each distinct content once). */
async function usedBytes(ctx: RequestContext, tenantId: string): Promise<number> {
  const [row] = await ctx.tx.query<{ used: number }>(
    `SELECT COALESCE(SUM(size), 0)::float8 AS used FROM file_contents WHERE tenant_id = $1`,
    [tenantId],
  );
  return row?.used ?? 0;
}

/** The files a user uploaded that are on no record, and their bytes (each file counted at its size). */
async function unattachedUse(tx: RequestTransaction, tenantId: string, userId: string): Promise<{ files: number; bytes: number }> {
  const [row] = await tx.query<{ files: number; bytes: number }>(
    `SELECT count(*)::int AS files, COALESCE(SUM(c.size), 0)::float8 AS bytes
       FROM files f JOIN file_contents c ON c.tenant_id = f.tenant_id AND c.id = f.content_id
      WHERE f.tenant_id = $1 AND f.uploaded_by = $2
        AND NOT EXISTS (SELECT 1 FROM file_attachments a WHERE a.tenant_id = f.tenant_id AND a.file_id = f.id)`,
    [tenantId, userId],
  );
  return row;
}

function unattachedFullError(ctx: RequestContext) {
  const limit = ctx.config.fileUnattachedUserBytes;
  return fileError('FILE_UNATTACHED_FULL', {
    field: 'file',
    params: { limitFiles: ctx.config.fileUnattachedUserFiles, limit, limitText: sizeText(limit) },
  });
}

/** Refuses when the user's files on no record, with `adding` more, would pass either per-user bound. */
async function assertUnattachedRoom(ctx: RequestContext, adding: { files: number; bytes: number }): Promise<void> {
  const viewer = requireUser(ctx);
  const held = await unattachedUse(ctx.tx, viewer.tenantId, viewer.userId);
  if (held.files + adding.files > ctx.config.fileUnattachedUserFiles || held.bytes + adding.bytes > ctx.config.fileUnattachedUserBytes)
    throw unattachedFullError(ctx);
}

/**
 * Removes those of `fileIds` that are on no record, then every content of theirs no file names any more
 * (its chunks cascade), under the tenant's quota lock, which the caller holds. The files are locked
 * first and their attachments counted in a statement after the lock: an attach that committed while
 * the lock waited keeps its file. The ids removed.
 */
async function removeUnattached(tx: RequestTransaction, tenantId: string, fileIds: readonly string[]): Promise<string[]> {
  if (!fileIds.length) return [];
  await tx.query<{ id: string }>(`SELECT id FROM files WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`, [
    tenantId,
    [...fileIds],
  ]);
  const removed = await tx.query<{ id: string; content_id: string }>(
    `DELETE FROM files f WHERE f.tenant_id = $1 AND f.id = ANY($2::uuid[])
        AND NOT EXISTS (SELECT 1 FROM file_attachments a WHERE a.tenant_id = f.tenant_id AND a.file_id = f.id)
     RETURNING f.id, f.content_id`,
    [tenantId, [...fileIds]],
  );
  if (removed.length)
    await tx.execute(
      `DELETE FROM file_contents c WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])
          AND NOT EXISTS (SELECT 1 FROM files f WHERE f.tenant_id = c.tenant_id AND f.content_id = c.id)`,
      [tenantId, [...new Set(removed.map((r) => r.content_id))]],
    );
  return removed.map((r) => r.id);
}

async function holdQuota(tx: RequestTransaction, tenantId: string): Promise<void> {
  await holdLock(tx, quotaLock(tenantId));
}

/**
 * Removes the tenant's files that have been on no record for longer than `ttlHours` (since their upload
 * or since they last came off a record), and the contents only they named: a batch per transaction.
 * The number removed.
 */
export async function sweepUnattachedFiles(tx: RequestTransaction, tenantId: string, ttlHours: number): Promise<number> {
  const candidates = await tx.query<{ id: string }>(
    `SELECT f.id FROM files f
      WHERE f.tenant_id = $1 AND GREATEST(f.created_at, f.detached_at) < now() - make_interval(hours => $2)
        AND NOT EXISTS (SELECT 1 FROM file_attachments a WHERE a.tenant_id = f.tenant_id AND a.file_id = f.id)
      ORDER BY f.id LIMIT ${SWEEP_BATCH}`,
    [tenantId, ttlHours],
  );
  if (!candidates.length) return 0;
  await holdQuota(tx, tenantId);
  const removed = await removeUnattached(
    tx,
    tenantId,
    candidates.map((c) => c.id),
  );
  return removed.length;
}

/** One file of an upload, its bytes written, not yet catalogued. */
interface Staged {
  name: string;
  contentId: string;
  sha256: Buffer;
  size: number;
  format: FileFormat;
  /** Its content is not stored yet: it counts against the quota and gets its `file_contents` row. */
  isNew: boolean;
}

/**
 * One upload request: `receive` streams each file into storage (hashing, counting and checking its
 * first bytes on the way: a file past the size limit or with a refused signature is refused at once;
 * past the room the quota leaves, its bytes are no longer stored and it is refused at its end unless
 * the tenant already stores the same content), `finish` catalogues them all under the tenant's quota
 * lock. Everything happens in the request's transaction, so a refusal at any point leaves nothing stored.
 */
export class Upload {
  private readonly staged: Staged[] = [];
  private committedUse?: number;
  private readonly viewer: UserViewer;

  constructor(
    private readonly ctx: RequestContext,
    private readonly storage: FileStorage,
  ) {
    this.viewer = requireUser(ctx);
  }

  private get limits() {
    return { maxBytes: this.ctx.config.fileMaxBytes, quota: this.ctx.config.fileTenantQuotaBytes };
  }

  private quotaError(name: string) {
    const { quota } = this.limits;
    return fileError('FILE_QUOTA_EXCEEDED', { field: 'file', params: { name, quota, quotaText: sizeText(quota) } });
  }

  /** Streams one file in; refuses it (throws) on the first limit it passes. */
  async receive(rawName: string | undefined, source: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    const { ctx, viewer } = this;
    const { maxBytes, quota } = this.limits;
    if (this.staged.length >= MAX_FILES_PER_UPLOAD)
      throw fileError('TOO_MANY_FILES', { field: 'file', params: { limit: MAX_FILES_PER_UPLOAD } });
    const cleaned = cleanName(rawName);
    const shown = cleaned || '未命名文件';
    this.committedUse ??= await usedBytes(ctx, viewer.tenantId);
    const pending = this.staged.filter((s) => s.isNew).reduce((sum, s) => sum + s.size, 0);
    const room = quota - this.committedUse - pending;

    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    async function* measured(): AsyncGenerator<Buffer> {
      for await (const piece of source) {
        size += piece.length;
        if (size > maxBytes)
          throw fileError('FILE_TOO_LARGE', { field: 'file', params: { name: shown, limit: maxBytes, limitText: sizeText(maxBytes) } });
        if (head.length < HEAD_BYTES) {
          head = Buffer.concat([head, piece.subarray(0, HEAD_BYTES - head.length)]);
          // refused on its first bytes: the rest is never stored
          if (head.length >= HEAD_BYTES && !familyOf(head))
            throw fileError('FILE_TYPE_NOT_ALLOWED', { field: 'file', params: { name: shown } });
        }
        hash.update(piece);
        yield piece;
      }
    }
    const contentId = randomUUID();
    // past the room the quota leaves, nothing more is stored; the rest is only hashed (up to the size
    // limit), since content the tenant already stores takes no room
    let overRoom = false;
    const bounded = (async function* () {
      for await (const piece of measured()) {
        if (size > room) overRoom = true;
        if (!overRoom) yield piece;
      }
    })();
    await this.storage.write(ctx.tx, viewer.tenantId, contentId, bounded);
    if (size === 0) throw fileError('UPLOAD_EMPTY', { field: 'file', params: { name: shown } });
    if (!familyOf(head)) throw fileError('FILE_TYPE_NOT_ALLOWED', { field: 'file', params: { name: shown } });
    const sha256 = hash.digest();

    // the same content already stored (by anyone of the tenant, or earlier in this request): share it
    const [stored] = await ctx.tx.query<{ id: string; format: FileFormat }>(
      `SELECT id, format FROM file_contents WHERE tenant_id = $1 AND sha256 = $2`,
      [viewer.tenantId, sha256],
    );
    const shared = stored ? { contentId: stored.id, format: stored.format } : this.staged.find((s) => s.sha256.equals(sha256));
    if (shared) {
      await this.storage.discard(ctx.tx, viewer.tenantId, contentId);
      const name = cleaned || `未命名文件.${EXTENSIONS[shared.format]}`;
      this.staged.push({ name, contentId: shared.contentId, sha256, size, format: shared.format, isNew: false });
      return;
    }
    if (overRoom) throw this.quotaError(shown);
    const format = await recognise(head, this.byteSource(contentId, size));
    if (!format) throw fileError('FILE_TYPE_NOT_ALLOWED', { field: 'file', params: { name: shown } });
    this.staged.push({ name: cleaned || `未命名文件.${EXTENSIONS[format]}`, contentId, sha256, size, format, isNew: true });
  }

  /** Random access to a content written in this transaction, a row at a time with the last rows kept. */
  private byteSource(contentId: string, size: number): ByteSource {
    const { ctx, storage, viewer } = this;
    const cache = new Map<number, Buffer>();
    const row = async (seq: number) => {
      let data = cache.get(seq);
      if (!data) {
        data = await storage.readAt(ctx.tx, viewer.tenantId, contentId, seq * CHUNK_BYTES, Math.min(CHUNK_BYTES, size - seq * CHUNK_BYTES));
        if (cache.size >= 8) cache.delete(cache.keys().next().value as number);
        cache.set(seq, data);
      }
      return data;
    };
    return {
      size,
      async read(offset, length) {
        const parts: Buffer[] = [];
        for (let at = offset; at < offset + length;) {
          const seq = Math.floor(at / CHUNK_BYTES);
          const data = await row(seq);
          const from = at - seq * CHUNK_BYTES;
          const to = Math.min(data.length, offset + length - seq * CHUNK_BYTES);
          if (to <= from) break;
          parts.push(data.subarray(from, to));
          at = seq * CHUNK_BYTES + to;
        }
        return Buffer.concat(parts);
      },
    };
  }

  /**
   * Catalogues the received files under the tenant's quota lock (held to the commit that follows at
   * once): a content another upload stored meanwhile is shared rather than stored twice, and the quota
   * is checked against what the tenant stores now, so concurrent uploads cannot pass it together.
   */
  async finish(): Promise<File[]> {
    const { ctx, viewer } = this;
    if (!this.staged.length) throw fileError('NO_FILE', 'file');
    await holdQuota(ctx.tx, viewer.tenantId);
    // counted under the quota lock: concurrent uploads of one user cannot pass the bound together
    await assertUnattachedRoom(ctx, { files: this.staged.length, bytes: this.staged.reduce((sum, s) => sum + s.size, 0) });
    // a content shared at receipt may have been removed since (its last file discarded or swept)
    const fresh = new Set(this.staged.filter((s) => s.isNew).map((s) => s.contentId));
    const shared = [...new Set(this.staged.filter((s) => !s.isNew && !fresh.has(s.contentId)).map((s) => s.contentId))];
    if (shared.length) {
      const [{ n }] = await ctx.tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM file_contents WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
        [viewer.tenantId, shared],
      );
      if (n < shared.length) throw coreError('SERIALIZATION');
    }
    const contentIds = new Map<string, string>();
    let added = 0;
    for (const s of this.staged) {
      if (!s.isNew) continue;
      const [inserted] = await ctx.tx.query<{ id: string }>(
        `INSERT INTO file_contents (tenant_id, id, sha256, size, format) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, sha256) DO NOTHING RETURNING id`,
        [viewer.tenantId, s.contentId, s.sha256, s.size, s.format],
      );
      if (inserted) {
        added += s.size;
        continue;
      }
      // a concurrent upload of the same bytes committed first: share its content
      const [winner] = await ctx.tx.query<{ id: string }>(`SELECT id FROM file_contents WHERE tenant_id = $1 AND sha256 = $2`, [
        viewer.tenantId,
        s.sha256,
      ]);
      if (!winner) throw new Error('file content vanished while its upload was catalogued');
      await this.storage.discard(ctx.tx, viewer.tenantId, s.contentId);
      contentIds.set(s.contentId, winner.id);
    }
    if (added > 0 && (await usedBytes(ctx, viewer.tenantId)) > this.limits.quota) {
      throw this.quotaError(this.staged.find((s) => s.isNew)?.name ?? '');
    }
    const files: File[] = [];
    for (const s of this.staged) {
      const [row] = await ctx.tx.query<{ id: string }>(
        `INSERT INTO files (tenant_id, content_id, name, uploaded_by) VALUES ($1, $2, $3, $4) RETURNING id`,
        [viewer.tenantId, contentIds.get(s.contentId) ?? s.contentId, s.name, viewer.userId],
      );
      files.push(await fileService.getOrThrow(ctx, row.id));
    }
    return files;
  }
}

/**
 * Holds the record whose files change, FOR UPDATE to the end of the transaction: changes of one record's
 * files run one after the other, a delete of the record waits for them (or they for it), and a record
 * deleted meanwhile answers its own NOT_FOUND.
 */
async function holdRecord(ctx: RequestContext, recordType: string, recordId: string): Promise<void> {
  const kind = kindOf(recordType);
  if (!(await lockForUpdate(ctx.tx, kind.entity, requireUser(ctx).tenantId, recordId))) throw kind.gone();
}

export const fileService = {
  /** The file, when the viewer may read it (null for foreign, invisible and unknown ids alike). */
  async find(ctx: RequestContext, id: string): Promise<File | null> {
    return visibleFiles(ctx).load(id);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<File> {
    const file = await this.find(ctx, id);
    if (!file) throw fileError('FILE_NOT_FOUND', 'id');
    return file;
  },

  /** Starts receiving an upload in the request's transaction (any signed-in user of the tenant may upload). */
  upload(ctx: RequestContext, storage: FileStorage): Upload {
    return new Upload(ctx, storage);
  },

  /** Whether the tenant's files already fill its quota (an upload is then refused before its body is read). */
  async quotaFull(ctx: RequestContext): Promise<boolean> {
    const viewer = requireUser(ctx);
    return (await usedBytes(ctx, viewer.tenantId)) >= ctx.config.fileTenantQuotaBytes;
  },

  /** Refuses an upload before its body is read when the user's files on no record already fill a bound. */
  assertUnattachedRoom,

  /**
   * Deletes files the viewer uploaded that are on no record (a mistaken upload, or one the bound asks to
   * clear), with any content no other file names; the number deleted. Any other visible file is
   * FILE_NOT_DISCARDABLE, an invisible one FILE_NOT_FOUND; nothing is deleted then.
   */
  async discard(ctx: RequestContext, fileIds: readonly string[]): Promise<number> {
    const viewer = requireUser(ctx);
    // at most MAX_DISCARD_IDS: the resolver refuses more before decoding them
    const ids = [...new Set(fileIds)];
    if (!ids.length) return 0;
    await holdQuota(ctx.tx, viewer.tenantId);
    // every file read in one batch (the loader's statements), refused at the first id in the order given
    const files = await Promise.all(ids.map((id) => this.find(ctx, id)));
    for (const file of files) {
      if (!file) throw fileError('FILE_NOT_FOUND', 'ids');
      if (file.uploadedBy !== viewer.userId) throw fileError('FILE_NOT_DISCARDABLE', { field: 'ids', params: { name: file.name } });
    }
    const removed = new Set(await removeUnattached(ctx.tx, viewer.tenantId, ids));
    const kept = ids.find((id) => !removed.has(id));
    if (kept) {
      const file = await this.getOrThrow(ctx, kept);
      throw fileError('FILE_NOT_DISCARDABLE', { field: 'ids', params: { name: file.name } });
    }
    ctx.forget('file.visible');
    return removed.size;
  },

  quotaError(ctx: RequestContext) {
    const quota = ctx.config.fileTenantQuotaBytes;
    return fileError('FILE_QUOTA_FULL', { field: 'file', params: { quota, quotaText: sizeText(quota) } });
  },

  /** A signed link to download the file without the Authorization header (the viewer must see it now). */
  async downloadLink(ctx: RequestContext, id: string): Promise<{ url: string; expiresAt: Date }> {
    const viewer = requireUser(ctx);
    const file = await this.getOrThrow(ctx, id);
    // bound to the session epoch: a sign-out everywhere, a password change or reset ends the link with the tokens
    const holder = { tenantId: viewer.tenantId, userId: viewer.userId, gen: viewer.sessionEpoch };
    const { token, expiresAt } = signFileLink(ctx.config, holder, file.id);
    return { url: `/files/${toGlobalId('File', file.id)}?link=${token}`, expiresAt };
  },

  /**
   * Attaches files to a record of a registered type. The calling module has checked that the viewer may
   * edit its record; here each file must be one the viewer may read (its own unattached upload, or
   * evidence it sees elsewhere). Attaching twice is a no-op.
   */
  async attach(ctx: RequestContext, recordType: string, recordId: string, fileIds: readonly string[], field = 'fileIds'): Promise<void> {
    const viewer = requireUser(ctx);
    const ids = [...new Set(fileIds)];
    if (!ids.length) return;
    if ((await Promise.all(ids.map((id) => this.find(ctx, id)))).some((file) => !file)) throw fileError('FILE_NOT_FOUND', field);
    // counted under the record's lock: concurrent attaches cannot pass the limit together
    await holdRecord(ctx, recordType, recordId);
    // held against a discard or sweep from here to the commit (one that got here first removed them)
    const held = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM files WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE`,
      [viewer.tenantId, ids],
    );
    if (held.length < ids.length) throw fileError('FILE_NOT_FOUND', field);
    const [{ n }] = await ctx.tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM file_attachments
        WHERE tenant_id = $1 AND record_type = $2 AND record_id = $3 AND NOT (file_id = ANY($4::uuid[]))`,
      [viewer.tenantId, recordType, recordId, ids],
    );
    if (n + ids.length > MAX_ATTACHMENTS_PER_RECORD)
      throw fileError('TOO_MANY_ATTACHMENTS', { field, params: { limit: MAX_ATTACHMENTS_PER_RECORD } });
    await ctx.tx.execute(
      `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by)
       SELECT $1, f.id, $2, $3, $4 FROM unnest($5::uuid[]) WITH ORDINALITY AS f(id, n) ORDER BY f.n
       ON CONFLICT DO NOTHING`,
      [viewer.tenantId, recordType, recordId, viewer.userId, ids],
    );
    ctx.forget('file.visible');
    ctx.forget(`file.attachedTo:${recordType}`);
  },

  /** Detaches files from a record (the calling module has checked the record is still editable); the count detached. */
  async detach(ctx: RequestContext, recordType: string, recordId: string, fileIds: readonly string[]): Promise<number> {
    const viewer = requireUser(ctx);
    await holdRecord(ctx, recordType, recordId);
    const n = await ctx.tx.execute(
      `DELETE FROM file_attachments WHERE tenant_id = $1 AND record_type = $2 AND record_id = $3 AND file_id = ANY($4::uuid[])`,
      [viewer.tenantId, recordType, recordId, [...fileIds]],
    );
    ctx.forget('file.visible');
    ctx.forget(`file.attachedTo:${recordType}`);
    return n;
  },

  /**
   * An editing mutation's file changes on a record it has checked the viewer may edit now: the files
   * named in `detach` come off first, then those in `attach` go on. `path` is where errors point.
   */
  async change(ctx: RequestContext, recordType: string, recordId: string, changes: FileChanges, path = 'input'): Promise<void> {
    if (changes.detach?.length) await this.detach(ctx, recordType, recordId, changes.detach);
    if (changes.attach?.length) await this.attach(ctx, recordType, recordId, changes.attach, `${path}.fileIds`);
  },

  /**
   * change() for many records of one type at once (a sheet's scores, a record's findings), in a number of statements
   * that does not grow with them: the records locked in id order, every detach in one statement, the files to attach
   * read (after the detaches, as change() reads them) and held in one batch, each record's count in one statement and
   * every attachment written in one. Refused as change() on each in turn would be: at the first item in the order
   * given, with its reason (the record gone, FILE_NOT_FOUND or TOO_MANY_ATTACHMENTS at `${path}.fileIds`).
   */
  async changeMany(ctx: RequestContext, recordType: string, items: readonly { recordId: string; changes: FileChanges; path: string }[]) {
    const todo = items.filter((it) => it.changes.attach?.length || it.changes.detach?.length);
    if (new Set(todo.map((it) => it.recordId)).size < todo.length) {
      // a record named twice: its second change sees the first's, so each in turn
      for (const it of todo) await this.change(ctx, recordType, it.recordId, it.changes, it.path);
      return;
    }
    if (!todo.length) return;
    const viewer = requireUser(ctx);
    const t = viewer.tenantId;
    const kind = kindOf(recordType);
    const table = ctx.tx.metadata(kind.entity).tableName;
    const present = new Set(
      (
        await ctx.tx.query<{ id: string }>(
          `SELECT id FROM "${table}" WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
          [t, todo.map((it) => it.recordId)],
        )
      ).map((r) => r.id),
    );
    const detaching = todo.flatMap((it) => (present.has(it.recordId) ? (it.changes.detach ?? []).map((f) => [it.recordId, f]) : []));
    if (detaching.length) {
      await ctx.tx.execute(
        `DELETE FROM file_attachments a USING unnest($3::uuid[], $4::uuid[]) AS d(record_id, file_id)
          WHERE a.tenant_id = $1 AND a.record_type = $2 AND a.record_id = d.record_id AND a.file_id = d.file_id`,
        [t, recordType, detaching.map(([r]) => r), detaching.map(([, f]) => f)],
      );
      ctx.forget('file.visible');
      ctx.forget(`file.attachedTo:${recordType}`);
    }
    const attaching = todo.flatMap((it) => (it.changes.attach?.length ? [{ ...it, ids: [...new Set(it.changes.attach)] }] : []));
    if (!attaching.length) {
      const gone = todo.find((it) => !present.has(it.recordId));
      if (gone) throw kind.gone();
      return;
    }
    const fileIds = [...new Set(attaching.flatMap((it) => it.ids))];
    const visible = new Set((await Promise.all(fileIds.map((id) => this.find(ctx, id)))).flatMap((f) => (f ? [f.id] : [])));
    const held = new Set(
      (
        await ctx.tx.query<{ id: string }>(`SELECT id FROM files WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE`, [
          t,
          fileIds.filter((id) => visible.has(id)),
        ])
      ).map((r) => r.id),
    );
    const pairs = attaching.flatMap((it) => it.ids.map((f) => [it.recordId, f]));
    const others = new Map(
      (
        await ctx.tx.query<{ record_id: string; n: number }>(
          `SELECT r.id AS record_id, count(a.file_id)::int AS n
             FROM unnest($3::uuid[]) AS r(id)
             LEFT JOIN file_attachments a ON a.tenant_id = $1 AND a.record_type = $2 AND a.record_id = r.id
              AND NOT EXISTS (SELECT 1 FROM unnest($4::uuid[], $5::uuid[]) AS p(record_id, file_id) WHERE p.record_id = r.id AND p.file_id = a.file_id)
            GROUP BY r.id`,
          [t, recordType, attaching.map((it) => it.recordId), pairs.map(([r]) => r), pairs.map(([, f]) => f)],
        )
      ).map((r) => [r.record_id, r.n]),
    );
    for (const it of todo) {
      const field = `${it.path}.fileIds`;
      if (it.changes.detach?.length && !present.has(it.recordId)) throw kind.gone();
      if (!it.changes.attach?.length) continue;
      const ids = [...new Set(it.changes.attach)];
      if (ids.some((id) => !visible.has(id))) throw fileError('FILE_NOT_FOUND', field);
      if (!present.has(it.recordId)) throw kind.gone();
      if (ids.some((id) => !held.has(id))) throw fileError('FILE_NOT_FOUND', field);
      if ((others.get(it.recordId) ?? 0) + ids.length > MAX_ATTACHMENTS_PER_RECORD)
        throw fileError('TOO_MANY_ATTACHMENTS', { field, params: { limit: MAX_ATTACHMENTS_PER_RECORD } });
    }
    await ctx.tx.execute(
      `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by)
       SELECT $1, p.file_id, $2, p.record_id, $3 FROM unnest($4::uuid[], $5::uuid[]) WITH ORDINALITY AS p(record_id, file_id, n) ORDER BY p.n
       ON CONFLICT DO NOTHING`,
      [t, recordType, viewer.userId, pairs.map(([r]) => r), pairs.map(([, f]) => f)],
    );
    ctx.forget('file.visible');
    ctx.forget(`file.attachedTo:${recordType}`);
  },

  /** Takes every file off records that are being deleted (the files stay, their uploaders' alone again). */
  async detachAll(ctx: RequestContext, recordType: string, recordIds: readonly string[]): Promise<void> {
    if (!recordIds.length) return;
    const viewer = requireUser(ctx);
    // the records' rows first (in id order), so an attach under way finishes before its files are taken off
    const table = ctx.tx.metadata(kindOf(recordType).entity).tableName;
    await ctx.tx.query<{ one: number }>(
      `SELECT 1 AS one FROM "${table}" WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
      [viewer.tenantId, [...recordIds]],
    );
    await ctx.tx.execute(`DELETE FROM file_attachments WHERE tenant_id = $1 AND record_type = $2 AND record_id = ANY($3::uuid[])`, [
      viewer.tenantId,
      recordType,
      [...recordIds],
    ]);
    ctx.forget('file.visible');
    ctx.forget(`file.attachedTo:${recordType}`);
  },

  /** Attaches to each `to[i]` every file attached to `from[i]` (an amendment's copy of a record, its carried findings). */
  async copyAttachments(ctx: RequestContext, recordType: string, from: readonly string[], to: readonly string[]): Promise<void> {
    if (!from.length) return;
    const viewer = requireUser(ctx);
    await ctx.tx.execute(
      `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by, attached_at)
       SELECT a.tenant_id, a.file_id, a.record_type, m.to_id, a.attached_by, a.attached_at
         FROM unnest($3::uuid[], $4::uuid[]) AS m(from_id, to_id)
         JOIN file_attachments a ON a.tenant_id = $1 AND a.record_type = $2 AND a.record_id = m.from_id
        ORDER BY a.seq
       ON CONFLICT DO NOTHING`,
      [viewer.tenantId, recordType, [...from], [...to]],
    );
    ctx.forget(`file.attachedTo:${recordType}`);
  },

  /**
   * The files attached to a record, oldest first, batched per request (the calling module has checked
   * that the viewer may read the record, so its files are readable too).
   */
  async attachedTo(ctx: RequestContext, recordType: string, recordId: string): Promise<File[]> {
    kindOf(recordType);
    return ctx
      .loader<string, File[]>(`file.attachedTo:${recordType}`, async (recordIds) => {
        const viewer = requireUser(ctx);
        const rows = await ctx.tx.query<FileRow & { record_id: string }>(
          `SELECT a.record_id, ${FILE_COLUMNS}
             FROM file_attachments a
             JOIN files f ON f.tenant_id = a.tenant_id AND f.id = a.file_id
             JOIN file_contents c ON c.tenant_id = f.tenant_id AND c.id = f.content_id
            WHERE a.tenant_id = $1 AND a.record_type = $2 AND a.record_id = ANY($3::uuid[])
            ORDER BY a.seq`,
          [viewer.tenantId, recordType, [...recordIds]],
        );
        return recordIds.map((id) => rows.filter((r) => r.record_id === id).map(toFile));
      })
      .load(recordId);
  },
};

/** A file attached to a record, with the SHA-256 of its bytes as they are stored now. */
export interface AttachedContent {
  recordType: string;
  recordId: string;
  fileId: string;
  name: string;
  /** Hex, recomputed from the stored rows (not the hash recorded at upload): a changed byte changes it. */
  sha256: string;
}

/**
 * The files attached to the given records, each with the SHA-256 of its stored bytes recomputed in the
 * database (one statement; the record chain hashes these, so a byte changed under a finalized record,
 * even by a superuser, breaks its link). Ordered by record type, record and file id.
 */
export async function attachedContents(
  tx: RequestTransaction,
  tenantId: string,
  records: { recordType: string; recordIds: readonly string[] }[],
): Promise<AttachedContent[]> {
  const wanted = records.filter((r) => r.recordIds.length);
  if (!wanted.length) return [];
  const rows = await tx.query<{ record_type: string; record_id: string; file_id: string; name: string; sha256: string }>(
    `SELECT a.record_type, a.record_id::text AS record_id, a.file_id::text AS file_id, f.name,
            encode(sha256(coalesce((SELECT string_agg(k.data, ''::bytea ORDER BY k.seq) FROM file_chunks k
                                     WHERE k.tenant_id = f.tenant_id AND k.content_id = f.content_id), ''::bytea)), 'hex') AS sha256
       FROM unnest($2::text[], $3::uuid[]) AS w(record_type, record_id)
       JOIN file_attachments a ON a.tenant_id = $1 AND a.record_type = w.record_type AND a.record_id = w.record_id
       JOIN files f ON f.tenant_id = a.tenant_id AND f.id = a.file_id
      ORDER BY a.record_type, a.record_id, a.file_id`,
    [tenantId, wanted.flatMap((r) => r.recordIds.map(() => r.recordType)), wanted.flatMap((r) => [...r.recordIds])],
  );
  return rows.map((r) => ({ recordType: r.record_type, recordId: r.record_id, fileId: r.file_id, name: r.name, sha256: r.sha256 }));
}
