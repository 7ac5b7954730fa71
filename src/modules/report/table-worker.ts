import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../../graphql/errors';
import { TableLimits } from './import-limits';
import { CELL, ROW, readTable } from './table';

/**
 * Reads an import file on a worker thread (readTableOffThread): a 50,000-row file takes a few hundred
 * milliseconds of parsing that would otherwise stall every other request of the process. A refusal
 * travels back as its reason, field and parameters.
 */
const { body, contentType, limits } = workerData as { body: Uint8Array; contentType: string; limits: TableLimits };
try {
  const table = readTable(Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType, limits);
  // one string and one typed array: structured-cloning 200,000 small strings would cost the main thread
  // as much as parsing did
  // (a file whose cells hold the separators themselves travels as it is)
  // eslint-disable-next-line no-control-regex
  if (table.rows.some((r) => r.values.some((v) => /[\u0000\u0001]/.test(v)))) parentPort?.postMessage({ table });
  else {
    const numbers = Int32Array.from(table.rows, (r) => r.row);
    const cells = table.rows.map((r) => r.values.join(CELL)).join(ROW);
    parentPort?.postMessage({ headers: table.headers, numbers, cells }, [numbers.buffer]);
  }
} catch (error) {
  const known = toAppError(error);
  if (!known) throw error;
  const { reason, field, problems: _problems, ...params } = known.details;
  parentPort?.postMessage({ refusal: { reason, field, params } });
}
