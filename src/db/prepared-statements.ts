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

/**
 * Names of the statements prepared on each connection that prepares (prepareRepeatedStatements), both
 * kinds: `s_…` by pg's extended protocol (a named Parse), `q_…` by an SQL PREPARE in a simple-protocol
 * string. One namespace in PostgreSQL, one cap. A connection without an entry prepares nothing.
 */
const preparedOn = new WeakMap<object, Set<string>>();

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
  if (preparedOn.has(client)) return;
  const names = new Set<string>();
  preparedOn.set(client, names);
  const query = client.query.bind(client) as QueryFn;
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

/**
 * How a read ahead in the opening's simple-protocol string (its parameters otherwise inlined as
 * literals) goes on this connection: as `EXECUTE name(…)` of the same text prepared by an SQL PREPARE,
 * once the process has sent it PREPARE_AFTER times, so it is planned as an extended-protocol statement
 * is and not on every request (the campaign's by-id read: 0.5 → 0.14 ms of PostgreSQL's CPU). `prepare`:
 * the PREPARE to send before it in the same string, recorded with `recordPrepared` once the string
 * succeeded. Undefined: inline it (no parameters, a connection that does not prepare, or not yet).
 */
export function executeAs(client: object, sql: string, parameters: number): { name: string; prepare?: string } | undefined {
  const names = preparedOn.get(client);
  if (!parameters || !names) return undefined;
  const protocolName = preparedName(sql);
  if (!protocolName) return undefined;
  const name = `q_${protocolName.slice(2)}`;
  if (names.has(name)) return { name };
  if (names.size >= PREPARED_PER_CONNECTION) return undefined;
  return { name, prepare: `PREPARE ${name} AS ${sql}` };
}

/** The string carrying the PREPAREs of `names` succeeded: the connection holds them. */
export function recordPrepared(client: object, names: string[]): void {
  const held = preparedOn.get(client);
  for (const name of names) held?.add(name);
}

/**
 * The string carrying the PREPAREs of `names` failed: which of them PostgreSQL ran is unknown (a PREPARE is the
 * session's, and stays when the transaction it ran in rolls back), so each is deallocated if present,
 * outside any transaction, and the next use prepares it again.
 */
export async function forgetPrepared(client: { query(text: string): Promise<unknown> }, names: string[]): Promise<void> {
  for (const name of names) await client.query(`DEALLOCATE ${name}`).catch(() => undefined);
}
