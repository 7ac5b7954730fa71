import { reportError } from './report.errors';

/**
 * The bounds of an uploaded import file (POST /imports/orgs and /imports/users). Every one is checked
 * while the file is read, before the next row, cell or zip part is looked at, so a crafted file costs
 * at most what a legitimate file at the limits costs; a refusal is BAD_USER_INPUT with a reason
 * naming the limit and the figure in `extensions.limit`.
 */

/** The request body (Fastify refuses a larger one with 413 before anything is read). */
export const IMPORT_BODY_LIMIT = 5 * 1024 * 1024;

/** Data rows (below the header row) per org file / user file. */
export const MAX_ORG_ROWS = 5000;
export const MAX_USER_ROWS = 1000;
/** Columns of a sheet or a CSV record (the templates use 4 and 5; room for notes columns). */
export const MAX_IMPORT_COLUMNS = 32;
/** Cells of a sheet (every `<c>` element, empty or not) or fields of a CSV file. */
export const MAX_ORG_CELLS = 50_000;
export const MAX_USER_CELLS = 10_000;
/** Characters of one cell's text (names have at most 200, org paths a few hundred). */
export const MAX_CELL_LENGTH = 1000;
/**
 * Levels of the org tree an imported org may sit at (the root is level 1): the tree's own bound, held by
 * createOrg and moveOrg too (see its comment in org.entity.ts: a real tree has 5 levels). Each row deeper is
 * a problem of its row (IMPORT_ORG_TOO_DEEP), found before the row is indexed.
 */
export { MAX_ORG_DEPTH } from '../org/org.entity';
/** Characters of one CSV record (a quoted field may span lines: the whole record counts). */
export const MAX_CSV_LINE_LENGTH = 8192;

/** .xlsx: parts listed in the zip's central directory (a workbook from Excel has a dozen or two). */
export const MAX_XLSX_PARTS = 1000;
/** .xlsx: the inflated size of one part that is read, declared (central directory) and actual (a 5,000-row, 45,000-cell sheet from exceljs is 1.7 MB). */
export const MAX_XLSX_PART_BYTES = 4 * 1024 * 1024;
/** .xlsx: the inflated bytes of all parts read together (workbook, relationships, shared strings, sheets). */
export const MAX_XLSX_INFLATED_BYTES = 12 * 1024 * 1024;

export interface TableLimits {
  /** Data rows below the header row. */
  rows: number;
  columns: number;
  cells: number;
  cellLength: number;
  lineLength: number;
  /** .xlsx: the inflated bytes of one part and of all parts read (default MAX_XLSX_PART_BYTES, MAX_XLSX_INFLATED_BYTES). */
  partBytes?: number;
  inflatedBytes?: number;
}

export const ORG_IMPORT_LIMITS: TableLimits = {
  rows: MAX_ORG_ROWS,
  columns: MAX_IMPORT_COLUMNS,
  cells: MAX_ORG_CELLS,
  cellLength: MAX_CELL_LENGTH,
  lineLength: MAX_CSV_LINE_LENGTH,
};
export const USER_IMPORT_LIMITS: TableLimits = {
  rows: MAX_USER_ROWS,
  columns: MAX_IMPORT_COLUMNS,
  cells: MAX_USER_CELLS,
  cellLength: MAX_CELL_LENGTH,
  lineLength: MAX_CSV_LINE_LENGTH,
};

/**
 * The bounds of a file imported as a job (POST /imports/…/jobs): `maxRows` data rows (IMPORT_JOB_MAX_ROWS)
 * within a file of at most IMPORT_JOB_MAX_BYTES; an .xlsx sheet of 200,000 rows inflates to about 70 MB.
 */
export const jobImportLimits = (maxRows: number): TableLimits => ({
  rows: maxRows,
  columns: MAX_IMPORT_COLUMNS,
  cells: maxRows * 10,
  cellLength: MAX_CELL_LENGTH,
  lineLength: MAX_CSV_LINE_LENGTH,
  partBytes: Math.max(MAX_XLSX_PART_BYTES, maxRows * 1024),
  inflatedBytes: Math.max(MAX_XLSX_INFLATED_BYTES, maxRows * 1536),
});

/** The refusals, one reason per bound, the figure in `extensions.limit`. */
export const tooManyRows = (limit: number) => reportError('TOO_MANY_ROWS', { field: 'file', params: { limit } });
export const tooManyColumns = (limit: number) => reportError('TOO_MANY_COLUMNS', { field: 'file', params: { limit } });
export const tooManyCells = (limit: number) => reportError('TOO_MANY_CELLS', { field: 'file', params: { limit } });
export const cellTooLong = (limit: number, row: number, column: string) =>
  reportError('CELL_TOO_LONG', { field: 'file', params: { limit, row, column } });
export const lineTooLong = (limit: number, row: number) => reportError('LINE_TOO_LONG', { field: 'file', params: { limit, row } });
