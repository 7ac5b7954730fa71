import { randomBytes } from 'node:crypto';
import { ZipPart, zip } from './crafted-files';

/**
 * Files of each format the upload accepts (and of some it refuses), built byte by byte: the server
 * judges a file by its bytes, so each carries the magic numbers (and, for Office files, the structure)
 * of its format, followed by `tail` (random by default, so two calls never share a content).
 */

const CT = 'http://schemas.openxmlformats.org/package/2006/content-types';
const MAIN = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
  docm: 'application/vnd.ms-word.document.macroEnabled.main+xml',
};
const PART = { docx: 'word/document.xml', xlsx: 'xl/workbook.xml', pptx: 'ppt/presentation.xml', docm: 'word/document.xml' };

const tailOf = (tail?: Buffer) => tail ?? randomBytes(64);

export const jpeg = (tail?: Buffer) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'), tailOf(tail)]);
export const png = (tail?: Buffer) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), tailOf(tail)]);
export const gif = (tail?: Buffer) => Buffer.concat([Buffer.from('GIF89a', 'latin1'), tailOf(tail)]);
export const webp = (tail?: Buffer) => {
  const body = Buffer.concat([Buffer.from('WEBPVP8 ', 'latin1'), tailOf(tail)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]);
};
export const pdf = (tail?: Buffer) =>
  Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), tailOf(tail), Buffer.from('\n%%EOF\n')]);

/** An Office Open XML package whose [Content_Types].xml names `kind`'s main part (present unless `withoutMain`). */
export function ooxml(kind: keyof typeof MAIN, options: { withoutMain?: boolean; tail?: Buffer } = {}): Buffer {
  const parts: ZipPart[] = [
    {
      name: '[Content_Types].xml',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="${CT}"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/${PART[kind]}" ContentType="${MAIN[kind]}"/></Types>`,
    },
    { name: '_rels/.rels', data: '<Relationships/>' },
  ];
  if (!options.withoutMain) parts.push({ name: PART[kind], data: '<document/>' });
  parts.push({ name: 'docProps/custom.bin', data: tailOf(options.tail) });
  return zip(parts);
}

/** A plain zip (no [Content_Types].xml). */
export const plainZip = () => zip([{ name: 'readme.txt', data: randomBytes(32).toString('hex') }]);

const FREE = 0xffffffff;
const END_OF_CHAIN = 0xfffffffe;
const FAT_SECTOR = 0xfffffffd;
const DIFAT_SECTOR = 0xfffffffc;

/**
 * An OLE compound file (version 3, 512-byte sectors) whose directory holds the named streams (empty):
 * ['WordDocument'] is a .doc, ['Workbook'] a .xls. `directoryAt` puts the directory sector that far in
 * (padding sectors before it), so that its FAT entry lies past the header's 109 DIFAT slots.
 */
export function compoundFile(streams: string[], options: { directoryAt?: number } = {}): Buffer {
  const S = 512;
  const perFat = S / 4;
  const dir = options.directoryAt ?? 1;
  // sectors: [padding..., directory, FAT sectors..., DIFAT sectors...]
  let fatCount = 1;
  let difatCount = 0;
  for (;;) {
    const total = dir + 1 + fatCount + difatCount;
    const needFat = Math.ceil(total / perFat);
    const needDifat = Math.max(0, Math.ceil((needFat - 109) / (perFat - 1)));
    if (needFat === fatCount && needDifat === difatCount) break;
    fatCount = needFat;
    difatCount = needDifat;
  }
  const total = dir + 1 + fatCount + difatCount;
  const fatStart = dir + 1;
  const difatStart = fatStart + fatCount;
  const file = Buffer.alloc(S * (total + 1), 0);
  const sector = (n: number) => (n + 1) * S;

  const header = file.subarray(0, S);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 24);
  header.writeUInt16LE(3, 26);
  header.writeUInt16LE(0xfffe, 28);
  header.writeUInt16LE(9, 30);
  header.writeUInt16LE(6, 32);
  header.writeUInt32LE(fatCount, 44);
  header.writeUInt32LE(dir, 48);
  header.writeUInt32LE(4096, 56);
  header.writeUInt32LE(END_OF_CHAIN, 60);
  header.writeUInt32LE(0, 64);
  header.writeUInt32LE(difatCount ? difatStart : END_OF_CHAIN, 68);
  header.writeUInt32LE(difatCount, 72);
  const fatSectors = Array.from({ length: fatCount }, (_, i) => fatStart + i);
  for (let i = 0; i < 109; i++) header.writeUInt32LE(i < fatCount ? fatSectors[i] : FREE, 76 + i * 4);
  // the DIFAT chain: perFat - 1 entries per sector, then the next DIFAT sector
  for (let d = 0; d < difatCount; d++) {
    const at = sector(difatStart + d);
    for (let j = 0; j < perFat - 1; j++) {
      const i = 109 + d * (perFat - 1) + j;
      file.writeUInt32LE(i < fatCount ? fatSectors[i] : FREE, at + j * 4);
    }
    file.writeUInt32LE(d + 1 < difatCount ? difatStart + d + 1 : END_OF_CHAIN, at + (perFat - 1) * 4);
  }
  // the FAT
  const fat = (n: number, value: number) => file.writeUInt32LE(value, sector(fatSectors[Math.floor(n / perFat)]) + (n % perFat) * 4);
  for (let n = 0; n < fatCount * perFat; n++) fat(n, FREE);
  fat(dir, END_OF_CHAIN);
  for (const s of fatSectors) fat(s, FAT_SECTOR);
  for (let d = 0; d < difatCount; d++) fat(difatStart + d, DIFAT_SECTOR);
  // the directory: the root entry and one entry per stream
  const entries = ['Root Entry', ...streams].slice(0, 4);
  entries.forEach((name, i) => {
    const at = sector(dir) + i * 128;
    const encoded = Buffer.from(`${name}\0`, 'utf16le');
    encoded.copy(file, at);
    file.writeUInt16LE(encoded.length, at + 64);
    file[at + 66] = i === 0 ? 5 : 2;
    file.writeUInt32LE(FREE, at + 68);
    file.writeUInt32LE(FREE, at + 72);
    file.writeUInt32LE(i === 0 && entries.length > 1 ? 1 : FREE, at + 76);
    file.writeUInt32LE(END_OF_CHAIN, at + 116);
  });
  for (let i = entries.length; i < 4; i++) file.writeUInt32LE(FREE, sector(dir) + i * 128 + 68);
  return file;
}
