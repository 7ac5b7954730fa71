import { inflateRawSync } from 'node:zlib';
import { FileFormat } from './file.entity';

/**
 * What a file is, decided by its bytes alone. The first bytes name a family (the magic numbers of
 * JPEG, PNG, GIF, WebP, PDF, a zip, an OLE compound file); a zip is accepted only as a Word, Excel or
 * PowerPoint document (its `[Content_Types].xml` declares the main part of exactly one of them, and that
 * part exists), an OLE file only as a Word or Excel 97-2003 file (its directory holds the
 * `WordDocument` or `Workbook`/`Book` stream). Everything else is refused, whatever its name says.
 *
 * The reader is bounded and random-access: it reads the zip's end record and central directory or the
 * OLE header, FAT and directory sectors, never the whole file, so it works on a stored upload without
 * loading it. Every figure it reads is checked against the file's size and fixed caps.
 */

/** Bytes the first check needs (WebP's signature ends at 12, PNG's at 8, OLE's at 8). */
export const HEAD_BYTES = 16;

export type Family = FileFormat.JPEG | FileFormat.PNG | FileFormat.GIF | FileFormat.WEBP | FileFormat.PDF | 'ZIP' | 'OLE';

/** Random access to a stored file. */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

const startsWith = (head: Buffer, bytes: number[] | string, at = 0) => {
  const sig = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= at + sig.length && head.subarray(at, at + sig.length).equals(sig);
};

/** The family the first bytes announce (at least HEAD_BYTES of them, or the whole file); undefined: refused. */
export function familyOf(head: Buffer): Family | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return FileFormat.JPEG;
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return FileFormat.PNG;
  if (startsWith(head, 'GIF87a') || startsWith(head, 'GIF89a')) return FileFormat.GIF;
  if (startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8)) return FileFormat.WEBP;
  if (startsWith(head, '%PDF-')) return FileFormat.PDF;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'ZIP';
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'OLE';
  return undefined;
}

/** The format of a whole stored file whose first bytes are `head`; undefined: refused. */
export async function recognise(head: Buffer, file: ByteSource): Promise<FileFormat | undefined> {
  const family = familyOf(head);
  if (family === undefined) return undefined;
  try {
    if (family === 'ZIP') return await officeOpenXml(file);
    if (family === 'OLE') return await compoundFile(file);
    return family;
  } catch (error) {
    if (error instanceof Unreadable) return undefined;
    throw error;
  }
}

class Unreadable extends Error {}
const check = (ok: boolean, why: string) => {
  if (!ok) throw new Unreadable(why);
};

/** Reads exactly `length` bytes inside the file. */
async function readIn(file: ByteSource, offset: number, length: number): Promise<Buffer> {
  check(Number.isSafeInteger(offset) && offset >= 0 && length >= 0 && offset + length <= file.size, 'outside the file');
  const buf = await file.read(offset, length);
  check(buf.length === length, 'short read');
  return buf;
}

// ---- Office Open XML (a zip) ----

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_CENTRAL_DIRECTORY = 4 * 1024 * 1024;
const MAX_ENTRIES = 20_000;
const MAX_CONTENT_TYPES_PACKED = 1024 * 1024;
const MAX_CONTENT_TYPES_XML = 2 * 1024 * 1024;

/** The main part's content type of each accepted Office document (macro-enabled and template variants are not). */
const MAIN_PARTS: Record<string, FileFormat> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml': FileFormat.DOCX,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml': FileFormat.XLSX,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml': FileFormat.PPTX,
};

async function officeOpenXml(file: ByteSource): Promise<FileFormat | undefined> {
  check(file.size >= 22, 'too small');
  const tailLength = Math.min(file.size, 22 + 0xffff);
  const tail = await readIn(file, file.size - tailLength, tailLength);
  let end = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) === tail.length) {
      end = i;
      break;
    }
  }
  check(end >= 0, 'no end of central directory');
  const count = tail.readUInt16LE(end + 10);
  const cdSize = tail.readUInt32LE(end + 12);
  const cdOffset = tail.readUInt32LE(end + 16);
  const endOffset = file.size - tailLength + end;
  check(count !== 0xffff && cdOffset !== 0xffffffff && cdSize !== 0xffffffff, 'zip64');
  check(count > 0 && count <= MAX_ENTRIES && cdSize <= MAX_CENTRAL_DIRECTORY && cdOffset + cdSize <= endOffset, 'directory');
  const cd = await readIn(file, cdOffset, cdSize);
  const names = new Set<string>();
  let contentTypes: { method: number; flags: number; packed: number; size: number; local: number } | undefined;
  let p = 0;
  for (let i = 0; i < count; i++) {
    check(p + 46 <= cd.length && cd.readUInt32LE(p) === CENTRAL, 'directory entry');
    const nameLength = cd.readUInt16LE(p + 28);
    const next = p + 46 + nameLength + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    check(next <= cd.length, 'directory entry');
    // part names are case-insensitive in OPC
    const name = cd.toString('utf8', p + 46, p + 46 + nameLength).toLowerCase();
    names.add(name);
    if (name === '[content_types].xml') {
      contentTypes = {
        flags: cd.readUInt16LE(p + 8),
        method: cd.readUInt16LE(p + 10),
        packed: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        local: cd.readUInt32LE(p + 42),
      };
    }
    p = next;
  }
  check(contentTypes !== undefined, 'no [Content_Types].xml');
  const entry = contentTypes as NonNullable<typeof contentTypes>;
  check((entry.flags & 1) === 0, 'encrypted');
  check(entry.packed <= MAX_CONTENT_TYPES_PACKED && entry.size <= MAX_CONTENT_TYPES_XML, 'content types too large');
  const local = await readIn(file, entry.local, 30);
  check(local.readUInt32LE(0) === LOCAL, 'local header');
  const dataStart = entry.local + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const packed = await readIn(file, dataStart, entry.packed);
  let xml: string;
  if (entry.method === 0) xml = packed.toString('utf8');
  else if (entry.method === 8) {
    try {
      xml = inflateRawSync(packed, { maxOutputLength: MAX_CONTENT_TYPES_XML }).toString('utf8');
    } catch {
      throw new Unreadable('inflate');
    }
  } else throw new Unreadable('compression method');

  const found = new Set<FileFormat>();
  for (const match of xml.matchAll(/<(?:\w+:)?Override\b([^>]*)>/g)) {
    const attribute = (name: string) => new RegExp(`\\b${name}\\s*=\\s*(["'])(.*?)\\1`).exec(match[1])?.[2];
    const format = MAIN_PARTS[(attribute('ContentType') ?? '').trim().toLowerCase()];
    const partName = attribute('PartName');
    if (!format || !partName) continue;
    let part: string;
    try {
      part = decodeURIComponent(partName).replace(/^\//, '').toLowerCase();
    } catch {
      continue;
    }
    if (names.has(part)) found.add(format);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

// ---- OLE compound file (Word / Excel 97-2003) ----

const END_OF_CHAIN = 0xfffffffe;
const MAX_SECTOR = 0xfffffffa;
const MAX_DIRECTORY_SECTORS = 1024;
const MAX_DIFAT_SECTORS = 1024;

async function compoundFile(file: ByteSource): Promise<FileFormat | undefined> {
  const header = await readIn(file, 0, 512);
  check(header.readUInt16LE(28) === 0xfffe, 'byte order');
  const shift = header.readUInt16LE(30);
  check(shift === 9 || shift === 12, 'sector size');
  const sectorSize = 1 << shift;
  const perSector = sectorSize / 4;
  const firstDirectory = header.readUInt32LE(48);
  const firstDifat = header.readUInt32LE(68);
  const sectorOffset = (n: number) => {
    check(n <= MAX_SECTOR, 'sector number');
    return (n + 1) * sectorSize;
  };
  const uint32At = async (offset: number) => (await readIn(file, offset, 4)).readUInt32LE(0);

  /** The sector holding the i-th FAT sector's number: the header's 109 entries, then the DIFAT chain. */
  const fatSector = async (i: number): Promise<number> => {
    if (i < 109) return header.readUInt32LE(76 + i * 4);
    let index = i - 109;
    let sector = firstDifat;
    for (let hops = 0; index >= perSector - 1; hops++) {
      check(hops < MAX_DIFAT_SECTORS, 'DIFAT chain');
      sector = await uint32At(sectorOffset(sector) + (perSector - 1) * 4);
      index -= perSector - 1;
    }
    return uint32At(sectorOffset(sector) + index * 4);
  };
  const nextSector = async (n: number) => uint32At(sectorOffset(await fatSector(Math.floor(n / perSector))) + (n % perSector) * 4);

  const streams = new Set<string>();
  const seen = new Set<number>();
  for (let sector = firstDirectory; sector !== END_OF_CHAIN; sector = await nextSector(sector)) {
    check(!seen.has(sector) && seen.size < MAX_DIRECTORY_SECTORS, 'directory chain');
    seen.add(sector);
    const entries = await readIn(file, sectorOffset(sector), sectorSize);
    for (let e = 0; e + 128 <= entries.length; e += 128) {
      const nameBytes = entries.readUInt16LE(e + 64);
      const type = entries[e + 66];
      // a stream (2) with a name of 1 to 31 UTF-16 characters and its terminating NUL
      if (type === 2 && nameBytes >= 4 && nameBytes <= 64) streams.add(entries.toString('utf16le', e, e + nameBytes - 2));
    }
  }
  const word = streams.has('WordDocument');
  const excel = streams.has('Workbook') || streams.has('Book');
  if (word === excel) return undefined;
  return word ? FileFormat.DOC : FileFormat.XLS;
}
