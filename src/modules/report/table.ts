import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TableLimits, cellTooLong, lineTooLong, tooManyCells, tooManyColumns, tooManyRows } from './import-limits';
import { ReportReason, reportError } from './report.errors';
import { SparseRows, columnName, readXlsxRows } from './xlsx-read';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_TYPE = 'text/csv';

/** A spreadsheet read as text: the header row and every non-empty row with its row number in the file. */
export interface Table {
  headers: string[];
  rows: { row: number; values: string[] }[];
}

/** The file's line (1-based) holding byte `offset`. */
const lineAt = (body: Buffer, offset: number) => body.subarray(0, offset).filter((b) => b === 0x0a).length + 1;

/**
 * UTF-8 (with or without BOM); a Chinese Excel's "CSV" is GB18030, so fall back to that. A file of both
 * is refused (CSV_MIXED_ENCODING), never read half as garbled names: a UTF-8 BOM before bytes that are
 * not UTF-8, or among them four Chinese characters in a row in UTF-8 (bytes GB18030 text all but never
 * forms).
 */
function decodeText(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    const mixed = (row: number) => reportError('CSV_MIXED_ENCODING', { field: 'file', params: { row } });
    if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
      const utf8 = new TextDecoder('utf-8', { fatal: true });
      let start = 0;
      for (let row = 1; ; row++) {
        const end = body.indexOf(0x0a, start);
        try {
          utf8.decode(body.subarray(start, end < 0 ? body.length : end));
        } catch {
          throw mixed(row);
        }
        if (end < 0) break;
        start = end + 1;
      }
    }
    const run = /(?:[\xe4-\xe9][\x80-\xbf]{2}){4}/.exec(body.toString('latin1'));
    if (run) throw mixed(lineAt(body, run.index));
    return new TextDecoder('gb18030').decode(body);
  }
}

/**
 * RFC 4180: quoted fields with "" escapes and embedded commas or line breaks; CRLF or LF. Every bound
 * is checked as the text is read (record length, fields per record, fields in all, field length,
 * records), so the cost of a refused file stops at the first bound it passes.
 */
export function parseCsv(text: string, limits: TableLimits): SparseRows {
  const rows: SparseRows = new Map();
  let record: string[] = [];
  let field: string[] = [];
  let fieldStart = 0;
  let recordStart = 0;
  let line = 1;
  let cells = 0;
  const n = text.length;
  const endField = (end: number) => {
    field.push(text.slice(fieldStart, end));
    const value = field.join('').trim();
    field = [];
    if (++cells > limits.cells) throw tooManyCells(limits.cells);
    if (record.length >= limits.columns) throw tooManyColumns(limits.columns);
    if (value.length > limits.cellLength) throw cellTooLong(limits.cellLength, line, columnName(record.length + 1));
    record.push(value);
  };
  const endRecord = () => {
    if (line > limits.rows + 1) throw tooManyRows(limits.rows);
    if (record.some((v) => v !== '')) rows.set(line, record);
    record = [];
    line++;
  };
  let i = 0;
  while (i < n) {
    if (i - recordStart > limits.lineLength) throw lineTooLong(limits.lineLength, line);
    const ch = text.charCodeAt(i);
    if (ch === 0x22 && i === fieldStart) {
      // a quoted field: up to the closing quote, "" being one quote
      let j = i + 1;
      const parts: string[] = [];
      for (;;) {
        const close = text.indexOf('"', j);
        if (close < 0 || close - recordStart > limits.lineLength) {
          if (close < 0 && n - recordStart <= limits.lineLength)
            throw reportError('CSV_UNCLOSED_QUOTE', { field: 'file', params: { row: line } });
          throw lineTooLong(limits.lineLength, line);
        }
        parts.push(text.slice(j, close));
        if (text.charCodeAt(close + 1) === 0x22) {
          parts.push('"');
          j = close + 2;
        } else {
          j = close + 1;
          break;
        }
      }
      field = parts;
      fieldStart = j;
      i = j;
      continue;
    }
    if (ch === 0x2c) {
      endField(i);
      fieldStart = i + 1;
    } else if (ch === 0x0a || ch === 0x0d) {
      endField(i);
      endRecord();
      if (ch === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      fieldStart = recordStart = i + 1;
    }
    i++;
  }
  if (i - recordStart > limits.lineLength) throw lineTooLong(limits.lineLength, line);
  if (fieldStart < n || field.length || record.length) {
    endField(n);
    endRecord();
  }
  return rows;
}

/** A NUL, or a surrogate not in a pair. */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The table of a file within `limits`: row 1 holds the headers, later non-empty rows the data. */
export function readTable(body: Buffer, contentType: string, limits: TableLimits): Table {
  const sparse = contentType === XLSX_TYPE ? readXlsxRows(body, limits) : parseCsv(decodeText(body), limits);
  let width = 0;
  for (const values of sparse.values()) width = Math.max(width, values.length);
  const dense = (values: string[] = []) => Array.from({ length: width }, (_, c) => values[c] ?? '');
  const headers = sparse.has(1) ? dense(sparse.get(1)).map((h) => h.trim()) : [];
  // text PostgreSQL cannot store (a NUL) or that is not Unicode (half a surrogate pair, as &#xD800; in
  // a sheet) is refused at its cell, not by the database after every check has passed
  for (const [row, values] of sparse) {
    const bad = values.findIndex((v) => UNSTORABLE.test(v));
    if (bad >= 0) throw reportError('CELL_INVALID_CHARACTER', { field: 'file', params: { row, column: columnName(bad + 1) } });
  }
  const rows = [...sparse.entries()]
    .filter(([row]) => row > 1)
    .sort(([a], [b]) => a - b)
    .map(([row, values]) => ({ row, values: dense(values) }));
  return { headers, rows };
}

/** Separators of the packed table a worker sends back (control characters no cell keeps: cells are trimmed text). */
export const CELL = '\u0000';
export const ROW = '\u0001';

/**
 * readTable on a worker thread (the built server: `table-worker.js` beside this file), so a large file's
 * parsing never blocks other requests; the table comes back packed and is unpacked here a few thousand
 * rows at a time between other work. Run inline where no built worker exists (tests from the sources).
 */
export async function readTableOffThread(body: Buffer, contentType: string, limits: TableLimits): Promise<Table> {
  const script = path.join(__dirname, 'table-worker.js');
  if (!existsSync(script)) return readTable(body, contentType, limits);
  type Packed = { headers: string[]; numbers: Int32Array; cells: string };
  type Refusal = { refusal: { reason: string; field?: string; params: Record<string, string | number> } };
  const packed = await new Promise<Packed | { table: Table }>((resolve, reject) => {
    const worker = new Worker(script, { workerData: { body, contentType, limits } });
    worker.once('message', (message: Packed | { table: Table } | Refusal) => {
      if ('refusal' in message)
        reject(reportError(message.refusal.reason as ReportReason, { field: message.refusal.field, params: message.refusal.params }));
      else resolve(message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`table worker exited with ${code}`));
    });
  });
  if ('table' in packed) return packed.table;
  const rows: Table['rows'] = [];
  const lines = packed.numbers.length ? packed.cells.split(ROW) : [];
  for (let i = 0; i < lines.length; i++) {
    rows.push({ row: packed.numbers[i], values: lines[i].split(CELL) });
    if (i % 2000 === 1999) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { headers: packed.headers, rows };
}
