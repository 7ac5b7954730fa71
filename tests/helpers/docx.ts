import { inflateRawSync } from 'node:zlib';

/**
 * Reading what the server wrote, as a person's Word would: the parts of a zip (.docx, .xlsx, the year
 * archive) from its central directory, and the paragraphs, runs and tables of a document.xml.
 */
export function unzip(buf: Buffer): Map<string, Buffer> {
  let end = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--) {
    if (buf.readUInt32LE(p) === 0x06054b50) {
      end = p;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const parts = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLength = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataAt, dataAt + compressed);
    parts.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    p += 46 + nameLength + extra + comment;
  }
  return parts;
}

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** An attribute of the first element named `tag` in `xml` (`w:val` of `<w:sz w:val="32"/>`). */
export function attrOf(xml: string, tag: string, attribute: string): string | null {
  const element = new RegExp(`<${tag}(?=[\\s/>])[^>]*>`).exec(xml)?.[0];
  if (!element) return null;
  return new RegExp(`\\s${attribute}="([^"]*)"`).exec(element)?.[1] ?? null;
}

export interface Run {
  text: string;
  /** The East Asian font (what Chinese text is set in). */
  font: string | null;
  /** Half-points. */
  size: number | null;
  color: string | null;
  bold: boolean;
}
export interface Para {
  text: string;
  runs: Run[];
  /** The paragraph's properties as written (<w:pPr>…</w:pPr>). */
  pPr: string;
}

function runsOf(xml: string): Run[] {
  return [...xml.matchAll(/<w:r>([\s\S]*?)<\/w:r>/g)].map(([, inner]) => {
    const rPr = /<w:rPr>([\s\S]*?)<\/w:rPr>/.exec(inner)?.[1] ?? '';
    const size = attrOf(rPr, 'w:sz', 'w:val');
    return {
      text: decode([...inner.matchAll(/<w:t(?:\s[^>]*)?>([\s\S]*?)<\/w:t>/g)].map((m) => m[1]).join('')),
      font: attrOf(rPr, 'w:rFonts', 'w:eastAsia'),
      size: size === null ? null : Number(size),
      color: attrOf(rPr, 'w:color', 'w:val'),
      bold: /<w:b\/>|<w:b\s/.test(rPr),
    };
  });
}

/** The body's paragraphs outside tables, its tables (rows of cell texts) and its section properties. */
export function readDocument(documentXml: string): { paragraphs: Para[]; tables: string[][][]; sectPr: string; text: string } {
  const body = /<w:body>([\s\S]*)<\/w:body>/.exec(documentXml)?.[1] ?? '';
  const tables = [...body.matchAll(/<w:tbl>([\s\S]*?)<\/w:tbl>/g)].map(([, tbl]) =>
    [...tbl.matchAll(/<w:tr(?:\s[^>]*)?>([\s\S]*?)<\/w:tr>/g)].map(([, tr]) =>
      [...tr.matchAll(/<w:tc>([\s\S]*?)<\/w:tc>/g)].map(([, tc]) =>
        runsOf(tc)
          .map((r) => r.text)
          .join(''),
      ),
    ),
  );
  const outside = body.replace(/<w:tbl>[\s\S]*?<\/w:tbl>/g, '');
  const paragraphs = [...outside.matchAll(/<w:p>([\s\S]*?)<\/w:p>|<w:p\/>/g)].map(([, inner = '']) => {
    const runs = runsOf(inner);
    return { runs, text: runs.map((r) => r.text).join(''), pPr: /<w:pPr>([\s\S]*?)<\/w:pPr>/.exec(inner)?.[1] ?? '' };
  });
  const sectPr = /<w:sectPr>([\s\S]*?)<\/w:sectPr>/.exec(body)?.[1] ?? '';
  return { paragraphs, tables, sectPr, text: paragraphs.map((p) => p.text).join('\n') };
}
