import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Kept } from './kept';

/** A statement's text is prepared on a connection once the process has sent it this many times. */
export const PREPARE_AFTER = 3;
/** At most this many statements are prepared on one connection; past it, new texts run unnamed. */
export const PREPARED_PER_CONNECTION = 200;

interface Usage {
  count: number;
  name?: string;
}

/** The longest text prepared: the app's statements are a few kilobytes; the usage map keeps texts as keys. */
const LONGEST = 20_000;

/** How often each parameterized text was sent (bounded: texts built with literals in them come and go). */
const usage = new Kept<Usage>(1000);

/** The statement name for `text` once it has been sent often enough to be worth preparing. */
export function preparedName(text: string): string | undefined {
  if (text.length > LONGEST) return undefined;
  let seen = usage.get(text);
  if (!seen) {
    seen = { count: 0 };
    usage.set(text, seen);
  }
  if (seen.name) return seen.name;
  if (++seen.count < PREPARE_AFTER) return undefined;
  // A name per text (pg refuses one name for two texts); 63 bytes is PostgreSQL's limit.
  seen.name = `s_${createHash('sha1').update(text).digest('hex')}`;
  return seen.name;
}

type QueryFn = (...args: unknown[]) => unknown;
interface PgClientLike {
  query: QueryFn;
}

const prepared = new WeakSet<object>();

/**
 * Names of the statements prepared on each connection, both kinds: `s_…` by pg's extended protocol (a
 * named Parse), `q_…` by an SQL PREPARE in a simple-protocol string. One namespace in PostgreSQL, one cap.
 */
const preparedOn = new WeakMap<object, Set<string>>();
function namesOf(client: object): Set<string> {
  let names = preparedOn.get(client);
  if (!names) preparedOn.set(client, (names = new Set()));
  return names;
}

/**
 * Sends a parameterized statement the process sends again and again as a named (prepared) statement
 * on each connection, so PostgreSQL parses, rewrites (row-level security included) and, once its plan
 * cache settles on a generic plan, plans it once per connection instead of on every request: the
 * planning of the page join alone was ~1 ms of PostgreSQL's CPU a request. Texts without parameters
 * (the opening's simple-protocol string, BEGIN, COMMIT) and texts seen fewer than PREPARE_AFTER times
 * (one-off texts with literals in them) run unnamed as before; a connection prepares at most
 * PREPARED_PER_CONNECTION texts. Prepared statements are the session's, not the transaction's: a
 * rollback keeps them, and pg records one as prepared only once PostgreSQL has parsed it. Off with
 * PREPARED_STATEMENTS=false, behind a pooler that hands a transaction any server connection (PgBouncer in
 * transaction mode: before 1.21 it keeps no protocol-level statement, and no version keeps an SQL PREPARE).
 */
export function prepareRepeatedStatements(client: PgClientLike): void {
  if (prepared.has(client)) return;
  prepared.add(client);
  const query = client.query.bind(client) as QueryFn;
  const names = namesOf(client);
  client.query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && args.length === 2) {
      const name = preparedName(text);
      if (name && names.has(name)) return query({ name, text, values });
      if (name && names.size < PREPARED_PER_CONNECTION) {
        // counted once PostgreSQL has parsed it (a text that fails to parse takes no place)
        return (query({ name, text, values }) as Promise<unknown>).then((result) => {
          names.add(name);
          return result;
        });
      }
    }
    return query(...args);
  };
}

/** Every connection of the data source's pool, present and future, prepares its repeated statements. */
export function prepareRepeatedStatementsOf(dataSource: DataSource): void {
  const pool = (
    dataSource.driver as unknown as {
      master?: { on(event: string, fn: (client: PgClientLike) => void): void; _clients?: PgClientLike[] };
    }
  ).master;
  if (!pool) return;
  for (const client of pool._clients ?? []) prepareRepeatedStatements(client);
  pool.on('connect', prepareRepeatedStatements);
}

/** A statement of a simple-protocol string, as an EXECUTE of a statement the connection has prepared or will. */
export interface Executed {
  /** The statement to send: `EXECUTE q_…(…)`, or `inlined` when the text is not prepared. */
  text: string;
  /** A PREPARE to send before it in the same string; recorded with `recordPrepared` once the string succeeded. */
  prepare?: { name: string; text: string };
}

/**
 * `sql` with its parameters inlined as literals (`inlined`), or as an EXECUTE of the same text prepared
 * on this connection (SQL PREPARE), once the process has sent it PREPARE_AFTER times: a read ahead in
 * the opening's simple-protocol string is then planned as an extended-protocol statement is, not on
 * every request (the campaign's by-id read: 0.5 → 0.14 ms of PostgreSQL's CPU). `literals` are the
 * parameters as SQL literals.
 */
export function asExecute(client: object, sql: string, literals: string[], inlined: () => string): Executed {
  // only on a connection that prepares (PREPARED_STATEMENTS; prepareRepeatedStatements)
  if (!literals.length || !preparedOn.has(client)) return { text: inlined() };
  const protocolName = preparedName(sql);
  if (!protocolName) return { text: inlined() };
  const name = `q_${protocolName.slice(2)}`;
  const execute = `EXECUTE ${name}(${literals.join(', ')})`;
  const names = namesOf(client);
  if (names.has(name)) return { text: execute };
  if (names.size >= PREPARED_PER_CONNECTION) return { text: inlined() };
  return { text: execute, prepare: { name, text: `PREPARE ${name} AS ${sql}` } };
}

/** The string carrying `prepares` succeeded: the connection holds them. */
export function recordPrepared(client: object, prepares: { name: string }[]): void {
  const names = namesOf(client);
  for (const p of prepares) names.add(p.name);
}

/**
 * The string carrying `prepares` failed: which of them PostgreSQL ran is unknown (a PREPARE is the
 * session's, and stays when the transaction it ran in rolls back), so each is deallocated if present,
 * outside any transaction, and the next use prepares it again.
 */
export async function forgetPrepared(client: { query(text: string): Promise<unknown> }, prepares: { name: string }[]): Promise<void> {
  for (const p of prepares) await client.query(`DEALLOCATE ${p.name}`).catch(() => undefined);
}
