import path from 'node:path';
import { TableLimits, cellTooLong, tooManyCells, tooManyColumns, tooManyRows } from './import-limits';
import { reportError } from './report.errors';
import { XlsxZip } from './zip';
import { XmlError, attr, decodeXml, scanXml } from './xml-scan';

/** Non-empty cells by sheet row number (1-based), each row's values by column (0-based, holes are empty). */
export type SparseRows = Map<number, string[]>;

/** A workbook whose parts do not make sense; `detail` is a short technical note (the same in every language). */
const unreadable = (detail: string) => reportError('UNREADABLE_FILE', { field: 'file', params: { detail: detail.slice(0, 80) } });

/** "A".."XFD" from a 1-based column number. */
export function columnName(col: number): string {
  let name = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** A cell reference such as "XFD200" as 1-based column and row (4 letters or 8 digits read as out of Excel's range, and are refused as such). */
function parseRef(ref: string): { col: number; row: number } | undefined {
  const match = /^([A-Za-z]{1,4})(\d{1,8})$/.exec(ref);
  if (!match) return undefined;
  let col = 0;
  for (const letter of match[1].toUpperCase()) col = col * 26 + letter.charCodeAt(0) - 64;
  return { col, row: Number(match[2]) };
}

function checkExtent(col: number, row: number, limits: TableLimits) {
  if (col > limits.columns) throw tooManyColumns(limits.columns);
  // row 1 is the header row
  if (row > limits.rows + 1) throw tooManyRows(limits.rows);
}

function xmlOf(zip: XlsxZip, part: string): string | undefined {
  return zip.read(part)?.toString('utf8');
}

function scan(xml: string, handler: Parameters<typeof scanXml>[1]) {
  try {
    scanXml(xml, handler);
  } catch (error) {
    if (error instanceof XmlError) throw unreadable(`XML: ${error.message}`);
    throw error;
  }
}

/** The relationships of a part: id → { target part name, type }. */
function relationships(zip: XlsxZip, part: string): Map<string, { target: string; type: string }> {
  const dir = path.posix.dirname(part);
  const rels = new Map<string, { target: string; type: string }>();
  const xml = xmlOf(zip, path.posix.join(dir, '_rels', `${path.posix.basename(part)}.rels`));
  if (!xml) return rels;
  scan(xml, {
    open(name, attrs) {
      if (name !== 'Relationship' || attr(attrs, 'TargetMode') === 'External') return;
      const id = attr(attrs, 'Id');
      const target = attr(attrs, 'Target');
      if (!id || !target) return;
      const resolved = target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join(dir, target));
      rels.set(id, { target: resolved, type: attr(attrs, 'Type') ?? '' });
    },
    close() {},
    text() {},
  });
  return rels;
}

/** The shared string table: each `<si>`'s text (its `<t>` runs, without phonetic `<rPh>` runs). */
function sharedStrings(xml: string): string[] {
  const strings: string[] = [];
  let inSi = false;
  let inT = false;
  let phonetic = 0;
  let parts: string[] = [];
  scan(xml, {
    open(name, _attrs, selfClosing) {
      if (name === 'si') {
        inSi = true;
        parts = [];
      } else if (name === 'rPh') phonetic++;
      else if (name === 't' && inSi && !selfClosing) inT = true;
    },
    close(name) {
      if (name === 'si') {
        strings.push(decodeXml(parts.join('')));
        inSi = false;
      } else if (name === 'rPh') phonetic--;
      else if (name === 't') inT = false;
    },
    text(raw, cdata) {
      if (inT && !phonetic) parts.push(cdata ? raw.replace(/&/g, '&amp;').replace(/</g, '&lt;') : raw);
    },
  });
  return strings;
}

/**
 * One sheet's non-empty cells. The declared extent (`<dimension ref>`) and every row and cell
 * reference are checked against the limits before the cell is kept, cells are counted as they come,
 * and only cells present in the XML are visited (a sheet holding A1 and XFD200 is two cells, refused
 * at the dimension or at XFD200).
 */
function readSheet(xml: string, strings: () => string[], limits: TableLimits): SparseRows {
  const rows: SparseRows = new Map();
  let rowNumber = 0;
  let col = 0;
  let cells = 0;
  let type = '';
  let inCell = false;
  let capture = false;
  let inInline = false;
  let phonetic = 0;
  let value: string[] = [];
  let inline: string[] = [];
  scan(xml, {
    open(name, attrs, selfClosing) {
      if (name === 'dimension') {
        const ref = attr(attrs, 'ref') ?? '';
        const end = parseRef(ref.slice(ref.indexOf(':') + 1));
        if (end) checkExtent(end.col, end.row, limits);
      } else if (name === 'row') {
        const r = attr(attrs, 'r');
        rowNumber = r === undefined ? rowNumber + 1 : Number(r);
        if (!Number.isInteger(rowNumber) || rowNumber < 1) throw unreadable(`row number ${r}`);
        checkExtent(0, rowNumber, limits);
        col = 0;
      } else if (name === 'c') {
        if (++cells > limits.cells) throw tooManyCells(limits.cells);
        const r = attr(attrs, 'r');
        if (r === undefined) col++;
        else {
          const ref = parseRef(r);
          if (!ref) throw unreadable(`cell reference ${r}`);
          col = ref.col;
          if (ref.row !== rowNumber) {
            rowNumber = ref.row;
            if (rowNumber < 1) throw unreadable(`cell reference ${r}`);
          }
        }
        if (rowNumber < 1) rowNumber = 1;
        checkExtent(col, rowNumber, limits);
        type = attr(attrs, 't') ?? 'n';
        value = [];
        inline = [];
        inCell = !selfClosing;
      } else if (inCell) {
        if (name === 'v' && !selfClosing) capture = true;
        else if (name === 'is') inInline = true;
        else if (name === 'rPh') phonetic++;
        else if (name === 't' && inInline && !selfClosing) capture = true;
      }
    },
    close(name) {
      if (name === 'c' && inCell) {
        inCell = false;
        const text = cellText(type, decodeXml(value.join('')), decodeXml(inline.join('')), strings).trim();
        if (!text) return;
        if (text.length > limits.cellLength) throw cellTooLong(limits.cellLength, rowNumber, columnName(col));
        let row = rows.get(rowNumber);
        if (!row) rows.set(rowNumber, (row = []));
        row[col - 1] = text;
      } else if (name === 'v' || name === 't') capture = false;
      else if (name === 'is') inInline = false;
      else if (name === 'rPh') phonetic--;
    },
    text(raw, cdata) {
      if (!capture || phonetic) return;
      const text = cdata ? raw.replace(/&/g, '&amp;').replace(/</g, '&lt;') : raw;
      (inInline ? inline : value).push(text);
    },
  });
  return rows;
}

/** A cell's text as exceljs gave it before: shared and inline strings, numbers as JavaScript prints them, booleans, errors empty. */
function cellText(type: string, value: string, inline: string, strings: () => string[]): string {
  switch (type) {
    case 's': {
      const index = Number(value);
      const text = Number.isInteger(index) ? strings()[index] : undefined;
      if (text === undefined) throw unreadable(`shared string ${value}`);
      return text;
    }
    case 'inlineStr':
      return inline;
    case 'b':
      return value.trim() === '1' ? 'true' : value.trim() === '0' ? 'false' : value;
    case 'e':
      return '';
    case 'str':
      return value;
    case 'd':
      return value.slice(0, 10);
    default: {
      if (value.trim() === '') return '';
      const n = Number(value);
      return Number.isFinite(n) ? String(n) : value;
    }
  }
}

/**
 * The first worksheet (in the workbook's tab order) that holds a non-empty cell, read within `limits`:
 * zip parts through XlsxZip (declared and actual inflated sizes bounded), the XML with a linear
 * scanner, never iterating cells that are not in the file.
 */
export function readXlsxRows(body: Buffer, limits: TableLimits): SparseRows {
  const zip = new XlsxZip(body, limits.partBytes, limits.inflatedBytes);
  const root = relationships(zip, '');
  const workbookPart = [...root.values()].find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  const workbookXml = xmlOf(zip, workbookPart);
  if (!workbookXml) throw unreadable('no workbook.xml');
  const rels = relationships(zip, workbookPart);
  const sheetIds: string[] = [];
  scan(workbookXml, {
    open(name, attrs) {
      if (name === 'sheet') {
        const id = attr(attrs, 'id');
        if (id) sheetIds.push(id);
      }
    },
    close() {},
    text() {},
  });
  const sstPart =
    [...rels.values()].find((r) => r.type.endsWith('/sharedStrings'))?.target ??
    path.posix.join(path.posix.dirname(workbookPart), 'sharedStrings.xml');
  let strings: string[] | undefined;
  const stringsOf = () => (strings ??= sharedStrings(xmlOf(zip, sstPart) ?? ''));
  for (const id of sheetIds) {
    const rel = rels.get(id);
    if (!rel || !rel.type.endsWith('/worksheet')) continue;
    const xml = xmlOf(zip, rel.target);
    if (!xml) continue;
    const rows = readSheet(xml, stringsOf, limits);
    if (rows.size) return rows;
  }
  return new Map();
}
