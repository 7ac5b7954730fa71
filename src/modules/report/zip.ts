import { inflateRawSync } from 'node:zlib';
import { MAX_XLSX_INFLATED_BYTES, MAX_XLSX_PART_BYTES, MAX_XLSX_PARTS } from './import-limits';
import { reportError } from './report.errors';

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  /** The inflated size the central directory declares (checked before inflating, and enforced while inflating). */
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** A damaged or unsupported zip; `detail` is a short technical note (the same in every language). */
const unreadable = (detail: string) => reportError('UNREADABLE_FILE', { field: 'file', params: { detail: detail.slice(0, 80) } });
const tooLarge = (limit: number) => reportError('INFLATED_TOO_LARGE', { field: 'file', params: { limit } });

/**
 * The parts of a .xlsx (a zip) read from its central directory, inflated one at a time on demand with
 * the declared size checked first and the actual output capped (zlib's maxOutputLength stops inflating
 * at the cap), so a zip bomb costs at most the bounds in import-limits.ts. No zip64, no encryption:
 * a workbook of a few MB never needs either.
 */
export class XlsxZip {
  private readonly entries = new Map<string, ZipEntry>();
  private inflated = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly partBytes = MAX_XLSX_PART_BYTES,
    private readonly inflatedBytes = MAX_XLSX_INFLATED_BYTES,
  ) {
    const end = this.findEnd();
    const count = buf.readUInt16LE(end + 10);
    const cdSize = buf.readUInt32LE(end + 12);
    const cdOffset = buf.readUInt32LE(end + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw unreadable('zip64');
    if (count > MAX_XLSX_PARTS) throw reportError('TOO_MANY_PARTS', { field: 'file', params: { count, limit: MAX_XLSX_PARTS } });
    if (cdOffset + cdSize > end) throw unreadable('central directory offset');
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL) throw unreadable('central directory');
      const nameLength = buf.readUInt16LE(p + 28);
      const next = p + 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
      if (next > end) throw unreadable('central directory');
      const entry: ZipEntry = {
        name: buf.toString('utf8', p + 46, p + 46 + nameLength),
        flags: buf.readUInt16LE(p + 8),
        method: buf.readUInt16LE(p + 10),
        compressedSize: buf.readUInt32LE(p + 20),
        size: buf.readUInt32LE(p + 24),
        localOffset: buf.readUInt32LE(p + 42),
      };
      // part names are case-insensitive in OPC
      this.entries.set(entry.name.toLowerCase(), entry);
      p = next;
    }
  }

  /** The end-of-central-directory record: the last 22 bytes plus a comment of at most 64 KB. */
  private findEnd(): number {
    const { buf } = this;
    const stop = Math.max(0, buf.length - 22 - 0xffff);
    for (let p = buf.length - 22; p >= stop; p--) {
      if (buf.readUInt32LE(p) === EOCD) return p;
    }
    throw unreadable('not a zip');
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** A part's bytes, or undefined when absent; refuses a part whose declared or actual size exceeds the bounds. */
  read(name: string): Buffer | undefined {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) return undefined;
    const { buf } = this;
    const budget = Math.min(this.partBytes, this.inflatedBytes - this.inflated);
    if (entry.size > this.partBytes) throw tooLarge(this.partBytes);
    if (entry.size > budget) throw tooLarge(this.inflatedBytes);
    if (entry.flags & 1) throw reportError('XLSX_ENCRYPTED', 'file');
    const local = entry.localOffset;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) throw unreadable('local header');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + entry.compressedSize > buf.length) throw unreadable('truncated part');
    const data = buf.subarray(start, start + entry.compressedSize);
    let out: Buffer;
    if (entry.method === 0) out = data;
    else if (entry.method === 8) {
      try {
        // maxOutputLength makes zlib stop (ERR_BUFFER_TOO_LARGE) as soon as the output passes the budget
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, budget) });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
          throw tooLarge(budget === this.partBytes ? this.partBytes : this.inflatedBytes);
        throw unreadable('inflate');
      }
    } else throw unreadable(`compression method ${entry.method}`);
    if (out.length > budget) throw tooLarge(budget === this.partBytes ? this.partBytes : this.inflatedBytes);
    this.inflated += out.length;
    return out;
  }
}
