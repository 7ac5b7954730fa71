import ExcelJS from 'exceljs';
import { ReportErrorReason, reportError } from './report.errors';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_TYPE = 'text/csv';

/** A spreadsheet read as text: the header row and every non-empty row with its row number in the file. */
export interface Table {
  headers: string[];
  rows: { row: number; values: string[] }[];
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((t) => t.text).join('').trim();
    if ('formula' in value || 'sharedFormula' in value) return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('text' in value) return String(value.text).trim();
    if ('error' in value) return '';
  }
  return String(value).trim();
}

async function readXlsx(body: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(body as unknown as ArrayBuffer);
  } catch {
    throw reportError(ReportErrorReason.UNREADABLE_FILE, 'The body is not a readable .xlsx workbook', 'file');
  }
  const sheet = workbook.worksheets.find((s) => s.actualRowCount > 0);
  if (!sheet) return [];
  const width = sheet.columnCount;
  const lines: string[][] = [];
  for (let r = 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    lines.push(Array.from({ length: width }, (_, c) => cellText(row.getCell(c + 1).value)));
  }
  return lines;
}

/** UTF-8 (with or without BOM); a Chinese Excel's "CSV" is GB18030, so fall back to that. */
function decodeText(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return new TextDecoder('gb18030').decode(body);
  }
}

/** RFC 4180: quoted fields with "" escapes and embedded commas or line breaks; CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const lines: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      lines.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw reportError(ReportErrorReason.UNREADABLE_FILE, 'The CSV has an unterminated quoted field', 'file');
  if (field !== '' || row.length) {
    row.push(field);
    lines.push(row);
  }
  return lines.map((l) => l.map((v) => v.trim()));
}

export async function readTable(body: Buffer, contentType: string): Promise<Table> {
  const lines = contentType === XLSX_TYPE ? await readXlsx(body) : parseCsv(decodeText(body));
  const [headers = [], ...rest] = lines;
  return {
    headers: headers.map((h) => h.trim()),
    rows: rest.map((values, i) => ({ row: i + 2, values })).filter((r) => r.values.some((v) => v !== '')),
  };
}
