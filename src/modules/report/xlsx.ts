import type ExcelJS from 'exceljs';
import { checkExportBytes, textBytes } from './export-gate';

/** exceljs and its ~400 modules load with the first workbook, not with the server (nor with every test file). */
let excel: typeof ExcelJS | undefined;
function exceljs(): typeof ExcelJS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load: `import` would load it at start-up
  return (excel ??= require('exceljs') as typeof ExcelJS);
}

export type CellKind = 'text' | 'wrap' | 'int' | 'number' | 'ratio' | 'date' | 'datetime';

export interface ColumnSpec {
  header: string;
  key: string;
  kind?: CellKind;
  /** Widest the column grows to (in Excel character units); long text wraps beyond it. */
  maxWidth?: number;
  minWidth?: number;
}

const NUM_FMT: Partial<Record<CellKind, string>> = {
  int: '0',
  number: '0.00',
  ratio: '0.0%',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm',
};

/** A 'YYYY-MM-DD' day as the Date Excel stores (midnight UTC is exactly that serial day). */
export function excelDate(day: string | null | undefined): Date | null {
  return day ? new Date(`${day.slice(0, 10)}T00:00:00Z`) : null;
}

/** A timestamp shown in the tenant's wall-clock time: Excel has no zones, so shift it before storing. */
export function excelDateTime(at: Date | null | undefined, offsetMinutes = 480): Date | null {
  return at ? new Date(at.getTime() + offsetMinutes * 60_000) : null;
}

/** Display width in Excel units: CJK and full-width characters take two. */
function displayWidth(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (value instanceof Date) return 10;
  const text = String(value);
  let width = 0;
  for (const ch of text.split('\n')[0])
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return width;
}

/** Sheet names: at most 31 characters, none of []:*?/\ . */
export function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'Sheet1';
}

/**
 * A sheet with a bold, frozen header row (Chinese headers), columns sized to their content (CJK
 * counted double, capped, long text wrapping), an auto-filter, and typed cells: dates as dates,
 * numbers as numbers, ratios as percentages.
 */
export function addTable(
  workbook: ExcelJS.Workbook,
  name: string,
  columns: ColumnSpec[],
  rows: Record<string, unknown>[],
): ExcelJS.Worksheet {
  // the budget is spent before exceljs holds a cell: a sheet past it is refused without being built
  const budget = budgets.get(workbook);
  if (budget) {
    budget.used += textBytes(columns.map((c) => c.header)) + textBytes(rows);
    checkExportBytes(budget.used, budget.limit);
  }
  const sheet = workbook.addWorksheet(sheetName(name), { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
  sheet.columns = columns.map((c) => {
    const content = Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[c.key])));
    const width = Math.min(Math.max(content + 2, c.minWidth ?? 8), c.maxWidth ?? (c.kind === 'wrap' ? 60 : 40));
    const style: Partial<ExcelJS.Style> = {};
    const numFmt = NUM_FMT[c.kind ?? 'text'];
    if (numFmt) style.numFmt = numFmt;
    if (c.kind === 'wrap') style.alignment = { wrapText: true, vertical: 'top' };
    return { header: c.header, key: c.key, width, style };
  });
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center' };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
    cell.border = { bottom: { style: 'thin' } };
  });
  for (const row of rows) sheet.addRow(row);
  if (columns.length) sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  return sheet;
}

/** Each bounded workbook's byte budget (EXPORT_MAX_BYTES): the text its tables hold so far, and the file it becomes. */
const budgets = new WeakMap<ExcelJS.Workbook, { limit: number; used: number }>();

/**
 * A workbook; with `maxBytes` (a download's EXPORT_MAX_BYTES) it holds at most that many bytes of text
 * in its tables (counted as each is added, before it is built) and makes a file of at most that many
 * bytes, else EXPORT_TOO_LARGE: a file is whole or refused, never cut.
 */
export function newWorkbook(title: string, maxBytes?: number): ExcelJS.Workbook {
  const workbook = new (exceljs().Workbook)();
  workbook.creator = '服务型党组织创建平台';
  workbook.title = title;
  workbook.created = new Date();
  if (maxBytes !== undefined) budgets.set(workbook, { limit: maxBytes, used: 0 });
  return workbook;
}

export async function toBuffer(workbook: ExcelJS.Workbook): Promise<Buffer> {
  const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  const budget = budgets.get(workbook);
  if (budget) checkExportBytes(buffer.length, budget.limit);
  return buffer;
}
