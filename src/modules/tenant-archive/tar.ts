import { Writable } from 'node:stream';

/**
 * The few lines of POSIX ustar this archive needs, written and read as streams: regular files only,
 * names of at most 100 bytes (`tables/<table>.ndjson`, `files/<sha256>`), sizes below 8 GiB (11 octal
 * digits). Any `tar` reads what the writer produces (`tar tf tenant.tar`). Hand-written rather than a
 * package: the format is fixed and small, and the reader must enforce our own bounds as it goes.
 */
const BLOCK = 512;
const MAX_SIZE = 8 * 1024 ** 3 - 1;

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  if (size > MAX_SIZE) throw new Error(`tar entry too large: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'ascii',
  );
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** Writes entries to `out`, waiting for it to drain (a slow client slows the export, never grows memory). */
export class TarWriter {
  constructor(private readonly out: Writable) {}

  private async write(chunk: Buffer): Promise<void> {
    if (this.out.destroyed) throw new Error('archive stream closed');
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          this.out.off('drain', ok);
          this.out.off('close', closed);
          if (error) reject(error);
          else resolve();
        };
        const ok = () => done();
        const closed = () => done(new Error('archive stream closed'));
        this.out.once('drain', ok);
        this.out.once('close', closed);
      });
    }
  }

  /** One entry of `size` bytes, its content from `chunks` (which must yield exactly `size` bytes). */
  async entry(name: string, size: number, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    await this.write(header(name, size));
    let written = 0;
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > size) throw new Error(`tar entry ${name} longer than declared`);
      await this.write(chunk);
    }
    if (written !== size) throw new Error(`tar entry ${name}: ${written} of ${size} bytes`);
    if (size % BLOCK) await this.write(Buffer.alloc(BLOCK - (size % BLOCK)));
  }

  /** The two zero blocks that end an archive. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}

export class TarFormatError extends Error {}

/** Reads entries one after another from a byte stream; an entry's content must be consumed before the next. */
export class TarReader {
  private readonly source: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes read from the source so far. */
  bytes = 0;

  constructor(
    source: AsyncIterable<Buffer>,
    private readonly maxBytes: number,
    private readonly tooLarge: () => Error,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n) {
      const { value, done } = await this.source.next();
      if (done) return false;
      const chunk = Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
      this.bytes += chunk.length;
      if (this.bytes > this.maxBytes) throw this.tooLarge();
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    }
    return true;
  }

  private async take(n: number): Promise<Buffer> {
    if (!(await this.fill(n))) throw new TarFormatError('truncated archive');
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private async *read(size: number): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      if (!this.buf.length && !(await this.fill(1))) throw new TarFormatError('truncated archive');
      const piece = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
    if (size % BLOCK) await this.take(BLOCK - (size % BLOCK));
  }

  /** The next entry (name, size, its content as chunks), or null at the end of the archive. */
  async next(): Promise<{ name: string; size: number; content: AsyncGenerator<Buffer> } | null> {
    if (!(await this.fill(BLOCK))) return null;
    const h = await this.take(BLOCK);
    if (h.every((b) => b === 0)) return null;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (parseInt(h.toString('ascii', 148, 156).replace(/\0.*$/, '').trim(), 8) !== sum) throw new TarFormatError('bad header checksum');
    const type = String.fromCharCode(h[156]);
    if (type !== '0' && type !== '\0') throw new TarFormatError(`unsupported entry type ${JSON.stringify(type)}`);
    const field = (start: number, length: number) => h.toString('utf8', start, start + length).replace(/\0.*$/s, '');
    const prefix = h.toString('ascii', 257, 262) === 'ustar' ? field(345, 155) : '';
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const sizeText = field(124, 12).trim();
    if (!/^[0-7]{1,11}$/.test(sizeText)) throw new TarFormatError('bad entry size');
    const size = parseInt(sizeText, 8);
    return { name, size, content: this.read(size) };
  }
}
