import { inflateRawSync } from 'node:zlib';
import { MAX_XLSX_INFLATED_BYTES, MAX_XLSX_PART_BYTES, MAX_XLSX_PARTS } from './import-limits';
import { ReportErrorReason, reportError } from './report.errors';

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

const unreadable = (why: string) => reportError(ReportErrorReason.UNREADABLE_FILE, `无法读取该 .xlsx 文件：${why}`, 'file');
const tooLarge = (limit: number) =>
  reportError(ReportErrorReason.INFLATED_TOO_LARGE, `.xlsx 文件解压后超过 ${limit} 字节的上限`, { field: 'file', limit });

/**
 * The parts of a .xlsx (a zip) read from its central directory, inflated one at a time on demand with
 * the declared size checked first and the actual output capped (zlib's maxOutputLength stops inflating
 * at the cap), so a zip bomb costs at most the bounds in import-limits.ts. No zip64, no encryption:
 * a workbook of a few MB never needs either.
 */
export class XlsxZip {
  private readonly entries = new Map<string, ZipEntry>();
  private inflated = 0;

  constructor(private readonly buf: Buffer) {
    const end = this.findEnd();
    const count = buf.readUInt16LE(end + 10);
    const cdSize = buf.readUInt32LE(end + 12);
    const cdOffset = buf.readUInt32LE(end + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw unreadable('不支持 zip64 格式');
    if (count > MAX_XLSX_PARTS)
      throw reportError(ReportErrorReason.TOO_MANY_PARTS, `.xlsx 文件包含 ${count} 个部件，超过 ${MAX_XLSX_PARTS} 个的上限`, {
        field: 'file',
        limit: MAX_XLSX_PARTS,
      });
    if (cdOffset + cdSize > end) throw unreadable('目录位置错误');
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL) throw unreadable('目录损坏');
      const nameLength = buf.readUInt16LE(p + 28);
      const next = p + 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
      if (next > end) throw unreadable('目录损坏');
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
    throw unreadable('不是 zip 格式');
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** A part's bytes, or undefined when absent; refuses a part whose declared or actual size exceeds the bounds. */
  read(name: string): Buffer | undefined {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) return undefined;
    const { buf } = this;
    const budget = Math.min(MAX_XLSX_PART_BYTES, MAX_XLSX_INFLATED_BYTES - this.inflated);
    if (entry.size > MAX_XLSX_PART_BYTES) throw tooLarge(MAX_XLSX_PART_BYTES);
    if (entry.size > budget) throw tooLarge(MAX_XLSX_INFLATED_BYTES);
    if (entry.flags & 1) throw unreadable('文件已加密');
    const local = entry.localOffset;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) throw unreadable('部件头损坏');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + entry.compressedSize > buf.length) throw unreadable('部件被截断');
    const data = buf.subarray(start, start + entry.compressedSize);
    let out: Buffer;
    if (entry.method === 0) out = data;
    else if (entry.method === 8) {
      try {
        // maxOutputLength makes zlib stop (ERR_BUFFER_TOO_LARGE) as soon as the output passes the budget
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, budget) });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
          throw tooLarge(budget === MAX_XLSX_PART_BYTES ? MAX_XLSX_PART_BYTES : MAX_XLSX_INFLATED_BYTES);
        throw unreadable('解压失败');
      }
    } else throw unreadable(`不支持的压缩方法 ${entry.method}`);
    if (out.length > budget) throw tooLarge(budget === MAX_XLSX_PART_BYTES ? MAX_XLSX_PART_BYTES : MAX_XLSX_INFLATED_BYTES);
    this.inflated += out.length;
    return out;
  }
}
