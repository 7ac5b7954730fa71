import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { RequestTransaction, withTransaction } from '../../db/request-transaction';

/**
 * Where the bytes of file contents live: one small interface, so that an object store can be added
 * beside the PostgreSQL storage that ships (an implementation outside the database must remove what it
 * wrote when the upload's transaction rolls back, and delete by content id later). Contents are
 * immutable once written; the file service keeps the catalogue (`file_contents`, `files`) itself.
 */
export interface FileStorage {
  /** Writes `source` as content `contentId`, inside the upload's transaction (nothing stays if it rolls back). */
  write(tx: RequestTransaction, tenantId: string, contentId: string, source: AsyncIterable<Buffer>): Promise<void>;
  /** `length` bytes at `offset` of a content, within the transaction that wrote it (or any later one). */
  readAt(tx: RequestTransaction, tenantId: string, contentId: string, offset: number, length: number): Promise<Buffer>;
  /** Drops the bytes just written for a content that turned out to be stored already. */
  discard(tx: RequestTransaction, tenantId: string, contentId: string): Promise<void>;
  /**
   * Bytes [start, end) of a stored content as a stream, read in short transactions of its own as the
   * client takes them: a slow download holds no database connection between batches.
   */
  stream(tenantId: string, contentId: string, start: number, end: number): Readable;
}

/** Bytes per `file_chunks` row. */
export const CHUNK_BYTES = 256 * 1024;
/** Rows read per transaction while streaming a download (1 MiB). */
const CHUNKS_PER_READ = 4;

/**
 * PostgreSQL storage: rows of 256 KiB in `file_chunks`, tenant-keyed under row-level security, so a
 * database backup is a backup of the evidence and server instances share nothing else. An upload is
 * copied into one reused 256 KiB buffer and written a row at a time (the next bytes are read only after
 * the row went out), so memory per upload stays at about one row whatever the file's size.
 */
export class PgFileStorage implements FileStorage {
  constructor(private readonly dataSource: DataSource) {}

  async write(tx: RequestTransaction, tenantId: string, contentId: string, source: AsyncIterable<Buffer>): Promise<void> {
    const row = Buffer.allocUnsafe(CHUNK_BYTES);
    let filled = 0;
    let seq = 0;
    const flush = async () => {
      // pg sends a Buffer parameter as binary and copies it into the message before the query resolves
      await tx.execute(`INSERT INTO file_chunks (tenant_id, content_id, seq, data) VALUES ($1, $2, $3, $4)`, [
        tenantId,
        contentId,
        seq++,
        row.subarray(0, filled),
      ]);
      filled = 0;
    };
    for await (const piece of source) {
      let offset = 0;
      while (offset < piece.length) {
        const n = Math.min(CHUNK_BYTES - filled, piece.length - offset);
        piece.copy(row, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === CHUNK_BYTES) await flush();
      }
    }
    if (filled > 0) await flush();
  }

  async readAt(tx: RequestTransaction, tenantId: string, contentId: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    const first = Math.floor(offset / CHUNK_BYTES);
    const last = Math.floor((offset + length - 1) / CHUNK_BYTES);
    const rows = await tx.query<{ seq: number; data: Buffer }>(
      `SELECT seq, data FROM file_chunks WHERE tenant_id = $1 AND content_id = $2 AND seq BETWEEN $3 AND $4 ORDER BY seq`,
      [tenantId, contentId, first, last],
    );
    return Buffer.concat(rows.map((r) => r.data)).subarray(offset - first * CHUNK_BYTES, offset - first * CHUNK_BYTES + length);
  }

  async discard(tx: RequestTransaction, tenantId: string, contentId: string): Promise<void> {
    await tx.execute(`DELETE FROM file_chunks WHERE tenant_id = $1 AND content_id = $2`, [tenantId, contentId]);
  }

  stream(tenantId: string, contentId: string, start: number, end: number): Readable {
    const dataSource = this.dataSource;
    let position = start;
    return new Readable({
      highWaterMark: CHUNK_BYTES,
      read() {
        if (position >= end) {
          this.push(null);
          return;
        }
        const first = Math.floor(position / CHUNK_BYTES);
        const last = Math.min(Math.floor((end - 1) / CHUNK_BYTES), first + CHUNKS_PER_READ - 1);
        withTransaction(dataSource, { tenantId }, (tx) =>
          tx.query<{ seq: number; data: Buffer }>(
            `SELECT seq, data FROM file_chunks WHERE tenant_id = $1 AND content_id = $2 AND seq BETWEEN $3 AND $4 ORDER BY seq`,
            [tenantId, contentId, first, last],
          ),
        ).then(
          (rows) => {
            if (rows.length !== last - first + 1 || rows.some((r, i) => r.seq !== first + i)) {
              this.destroy(new Error(`file content ${contentId}: chunks ${first}-${last} missing`));
              return;
            }
            for (const r of rows) {
              const chunkStart = r.seq * CHUNK_BYTES;
              const from = Math.max(position, chunkStart) - chunkStart;
              const to = Math.min(end, chunkStart + r.data.length) - chunkStart;
              if (to <= from) {
                this.destroy(new Error(`file content ${contentId}: chunk ${r.seq} shorter than expected`));
                return;
              }
              position = chunkStart + to;
              this.push(r.data.subarray(from, to));
            }
            if (position >= end) this.push(null);
          },
          (error) => this.destroy(error),
        );
      },
    });
  }
}
