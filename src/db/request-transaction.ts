import { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, QueryRunner, Repository } from 'typeorm';
import { Kept } from './kept';
import { oneAtATime } from './one-at-a-time';
import { sideChannel } from './side-channel';
import { executeAs, forgetPrepared, recordPrepared } from './prepared-statements';
import { coreError } from '../graphql/errors';

/** The pg client under TypeORM's query runner: a simple-protocol string of several statements answers one result each. */
interface PgClient {
  query(text: string): Promise<unknown>;
}

/** A statement and its parameters ($1, $2, …). */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * How a read's opening round trip may end. `commit`: as its own transaction, with no BEGIN and no COMMIT
 * (the plan's statements answered the whole request the last times); a statement after it opens the
 * transaction again. `learn` is told at the end whether the request sent nothing after its opening, and
 * the reads it asked `query` for after it, answered by what was read ahead or sent (null: not all of them
 * may be read ahead another time: one may write, or came after a write, or there were more than
 * LEARNABLE_READS of them).
 */
export interface OpeningEnd {
  commit: boolean;
  learn(answeredByOpening: boolean, readsAfter: Statement[] | null): void;
}

/** The most reads after the opening an OpeningEnd is told of (a page and what rides with it). */
export const LEARNABLE_READS = 3;
/** The most characters of text and parameters (as JSON) of the reads an OpeningEnd is told of, all together. */
const LEARNABLE_LENGTH = 16_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value inlined into SQL: only a uuid, 'on' or nothing passes (the identity, checked before use). */
export function settingLiteral(value: string): string {
  if (value !== '' && value !== 'on' && !UUID.test(value)) throw new Error('request identity must be a uuid');
  return `'${value}'`;
}

/**
 * One database transaction per GraphQL request. The request's identity travels into PostgreSQL as
 * transaction-local settings (set_config(..., true)) that the row-level-security policies read, so a
 * query that forgets its tenant filter still sees only the request's tenant.
 */
export class RequestTransaction {
  private runner?: QueryRunner;
  private opening?: Promise<void>;
  private savepoints = 0;
  private rollbackOnly = false;
  private tenantId: string | null = null;
  private platform = false;
  /** The identity is a signed-in viewer's (pin): it never changes again. */
  private pinned = false;
  /** Statements nobody waits on (defer), sent in the round trip of COMMIT. */
  private deferred: string[] = [];
  /** Writes held back (hold): sent before the next statement, or else with COMMIT, ahead of the deferred ones. */
  private held: Held[] = [];
  /**
   * A held write refused in a round trip of a later statement, outside any savepoint: the transaction is
   * aborted, and the request answers with this refusal whatever else it answered (finish throws it).
   */
  private refusal?: unknown;
  private savepointDepth = 0;
  /** Sends a statement on the request's connection, queued, without the accounting of `runner.query`. */
  private sendRaw?: (sql: string) => Promise<unknown>;
  /** Work to run once the transaction has committed (onCommit); dropped with a rollback. */
  private committed: ((dataSource: DataSource) => void)[] = [];
  /** A statement that may have written was sent (judged from its text, erring towards yes). */
  private wrote = false;
  /** Rows of statements read ahead in the opening round trip, by statement and parameters, until first asked for. */
  private ahead = new Map<string, Record<string, unknown>[]>();
  /**
   * The opening ran as a transaction of its own and has ended (a read its plan expected to answer whole,
   * OpeningEnd): a statement after it first opens the transaction again, under the same identity.
   */
  private openingEnded = false;
  /** Told at finish whether the request needed nothing after its opening, and the reads it sent after it. */
  private learn?: OpeningEnd['learn'];
  /** The reads `query` was asked for after the opening while nothing had written (null: one that may not be learned). */
  private readsAfter: Statement[] | null = [];
  /** Their text and parameters' length (LEARNABLE_LENGTH). */
  private readsAfterLength = 0;
  /** Statements sent after the opening round trip (COMMIT excluded). */
  private sinceOpening = 0;
  /** SQL statements sent on this request's connection (BEGIN and COMMIT included). */
  statements = 0;
  /** Round trips to the database on this request's connection (COMMIT's included). */
  roundTrips = 0;

  constructor(private readonly dataSource: DataSource) {}

  /** The tenant the transaction's row-level security is scoped to (null: none). */
  get identityTenantId(): string | null {
    return this.tenantId;
  }

  get isOpen(): boolean {
    return this.runner !== undefined;
  }

  /** The opening ended as a transaction of its own and nothing has been sent since: nothing left to commit. */
  get endedWithOpening(): boolean {
    return this.openingEnded;
  }

  /** The identity as transaction-local settings: the values are inlined only as a uuid, 'on' or nothing. */
  private settingsSql(): string {
    return (
      `SELECT set_config('app.tenant_id', ${settingLiteral(this.tenantId ?? '')}, true), ` +
      `set_config('app.platform', ${settingLiteral(this.platform ? 'on' : '')}, true)`
    );
  }

  /**
   * Whether anything this transaction sent may have written: a statement that reads as a write (or
   * calls one of the app's functions, or locks rows), or a deferred one. Read from the statements'
   * text, so a false yes is possible and a false no is not for the statements the app sends.
   */
  get mayHaveWritten(): boolean {
    return this.wrote || this.deferred.length > 0;
  }

  /**
   * Opens the transaction (idempotent); every query of the request then runs on one connection. BEGIN,
   * the identity settings and `first` (a statement without parameters, such as the viewer's load) go in
   * one round trip, as one simple-protocol string; `first`'s rows are answered (run on its own when the
   * transaction is already open). The identity values are inlined only as a uuid, 'on' or nothing.
   * `ahead` are reads the request will send first (a root field's by-id read, read-ahead.ts), sent in
   * the same round trip with their parameters inlined as literals (as `defer` does); the first `query`
   * of the same statement and parameters is answered with their rows instead of a round trip. They
   * must not fail on any input (their parameters are checked before they are planned). `end` may let
   * the opening end as a transaction of its own (OpeningEnd). `firstSetsIdentity`: `first` sets this
   * transaction's identity itself, to what setIdentity was given (app_open_request), so no settings
   * statement is sent before it.
   */
  async begin(
    first?: string,
    ahead: Statement[] = [],
    { end, firstSetsIdentity = false }: { end?: OpeningEnd; firstSetsIdentity?: boolean } = {},
  ): Promise<Record<string, unknown>[]> {
    if (this.runner) return first ? this.query(first) : [];
    if (this.opening) {
      await this.opening;
      return first ? this.query(first) : [];
    }
    let firstRows: Record<string, unknown>[] = [];
    this.opening = (async () => {
      const runner = this.dataSource.createQueryRunner();
      const client = (await runner.connect()) as PgClient;
      /** Statements the opening's string prepares: deallocated if it fails (which of them ran is unknown). */
      let preparing: string[] = [];
      try {
        // One connection serves every resolver of the request: queue statements instead of handing the
        // pg client a second query while one is running (deprecated in pg 8, removed in pg 9).
        const send = runner.query.bind(runner);
        const query = oneAtATime(async (...args: Parameters<QueryRunner['query']>) => {
          if (this.openingEnded) {
            // the opening committed on its own: open again before this statement (not cleared before it has)
            this.statements += 2;
            this.roundTrips++;
            await client.query(`BEGIN; ${this.settingsSql()}`);
            this.openingEnded = false;
          }
          return send(...args);
        });
        this.sendRaw = (sql) => query(sql);
        runner.query = ((...args: Parameters<typeof query>) => {
          // a held write goes first, so that this statement sees it
          if (this.held.length) return this.sendHeld().then(() => runner.query(...args));
          this.statements++;
          this.roundTrips++;
          this.sinceOpening++;
          if (!this.wrote && MAY_WRITE.test(args[0])) this.wrote = true;
          return query(...args);
        }) as typeof runner.query;
        if (!first) {
          ahead = [];
          end = undefined;
        }
        // Without BEGIN the statements of one simple-protocol string run as one transaction that ends with it
        // (PostgreSQL's implicit transaction block): a read answered whole by its opening needs no COMMIT.
        const whole = end?.commit === true;
        const statements = [
          ...(whole ? [] : ['BEGIN']),
          ...(first && firstSetsIdentity ? [] : [this.settingsSql()]),
          ...(first ? [first] : []),
        ];
        this.statements += statements.length + ahead.length;
        this.roundTrips++;
        const reads = ahead.map((a) => {
          const prepared = executeAs(client, a.sql, a.params.length);
          if (!prepared) return { text: inlined(a.sql, a.params) };
          return { text: `EXECUTE ${prepared.name}(${a.params.map(literal).join(', ')})`, name: prepared.name, prepare: prepared.prepare };
        });
        // PREPAREs first: the results of BEGIN, the settings, `first` and the reads stay the last ones; each
        // once (two reads of one text prepare it once)
        const prepares = new Map(reads.flatMap((r) => (r.name && r.prepare ? [[r.name, r.prepare] as const] : [])));
        preparing = [...prepares.keys()];
        const opened = (await client.query([...prepares.values(), ...statements, ...reads.map((r) => r.text)].join(';\n'))) as unknown as {
          rows: Record<string, unknown>[];
        }[];
        recordPrepared(client, preparing);
        preparing = [];
        // TypeORM's own bookkeeping of the transaction it did not start (commit, rollback, nested saves)
        Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
        if (first) firstRows = opened[opened.length - 1 - ahead.length].rows;
        ahead.forEach((a, i) => this.ahead.set(statementKey(a.sql, a.params), opened[opened.length - ahead.length + i].rows));
        this.openingEnded = whole;
        this.learn = end?.learn;
      } catch (error) {
        // what it was told to read ahead is forgotten: a learned read that fails once is not sent again
        end?.learn(false, null);
        // never hand the pool a connection inside a transaction
        await client.query('ROLLBACK').catch(() => undefined);
        await forgetPrepared(client, preparing);
        await runner.release().catch(() => undefined);
        throw error;
      }
      this.runner = runner;
    })();
    try {
      await this.opening;
    } finally {
      this.opening = undefined;
    }
    return firstRows;
  }

  /**
   * Scopes the rest of the transaction to a tenant (sign-in learns the tenant mid-request). `signIn`: the
   * identity comes from what the request presents (a password, a refresh, challenge or SSO token).
   *
   * Two refusals keep one request one identity. Once a viewer is signed in (pin), its identity never
   * changes: a token naming another tenant would otherwise run the viewer's later fields, checked
   * against the viewer's roles, on that tenant's rows (IDENTITY_FIXED); only a platform operator's
   * transaction may scope itself to a tenant with the platform flag kept (provisioning one). And a
   * sign-in is refused beside other root fields of its mutation (SIGN_IN_ALONE) rather than scoped to
   * its field and restored: the identity it learns comes with a viewer (ctx.viewer) that a later field
   * would act as, and a restore would leave that viewer beside another transaction identity. Refused
   * before anything is sent, so the field's savepoint has nothing of it to undo.
   */
  async setIdentity(
    identity: { tenantId?: string | null; platform?: boolean },
    { signIn = false }: { signIn?: boolean } = {},
  ): Promise<void> {
    const tenantId = identity.tenantId === undefined ? this.tenantId : identity.tenantId;
    const platform = identity.platform ?? this.platform;
    const changes = tenantId !== this.tenantId || platform !== this.platform;
    if (changes && this.pinned && !(this.platform && platform)) throw coreError('IDENTITY_FIXED');
    if (signIn && this.savepointDepth) throw coreError('SIGN_IN_ALONE');
    // deferred statements run under the identity they were written under
    await this.flushDeferred();
    this.tenantId = tenantId;
    this.platform = platform;
    this.ahead.clear();
    if (this.runner) {
      this.readsAfter = null; // read under another identity than the opening's: never learned
      await this.runner.query(this.settingsSql());
    }
  }

  /**
   * The identity is now a signed-in viewer's (a request's bearer token, a sign-in's answer): setIdentity
   * refuses to change it, and loadViewer to load another viewer, for the rest of the request. Seeds and
   * jobs that act as several users in turn never pin.
   */
  pin(): void {
    this.pinned = true;
  }

  get identityPinned(): boolean {
    return this.pinned;
  }

  /**
   * Runs one statement outside this transaction, on the side channel (never a second connection of
   * the request pool), so that it stands even when the request fails (a sign-in attempt counted
   * against its throttle must stay counted).
   */
  async outside<T extends object = never>(sql: string, params?: unknown[]): Promise<T[]> {
    this.statements++;
    return (await sideChannel(this.dataSource).query(sql, params)).rows as T[];
  }

  /** An entity's TypeORM metadata (open or not). */
  metadata<E extends ObjectLiteral>(entity: EntityTarget<E>): EntityMetadata {
    return this.dataSource.getMetadata(entity);
  }

  get manager(): EntityManager {
    if (!this.runner) throw new Error('Request transaction used before it was opened');
    return this.runner.manager;
  }

  repository<E extends ObjectLiteral>(entity: EntityTarget<E>): Repository<E> {
    return this.manager.getRepository(entity);
  }

  /** Rows of a SELECT (or of a write's RETURNING): state the row type, `query<{ id: string }>(…)`. */
  query<T extends object = never>(sql: string, params?: unknown[]): Promise<T[]> {
    if (this.learn && this.readsAfter) this.noteRead(sql, params ?? []);
    if (this.ahead.size) {
      // Read ahead while nothing had written: as if this statement had run first (each statement reads
      // its own snapshot). After a write it could be stale: never used then.
      if (this.mayHaveWritten) this.ahead.clear();
      const key = statementKey(sql, params ?? []);
      const rows = this.ahead.get(key);
      if (rows) {
        this.ahead.delete(key);
        return Promise.resolve(rows as T[]);
      }
    }
    // structured: a DELETE or UPDATE … RETURNING answers its rows too (TypeORM's raw answer is [rows, count])
    return this.runQuery<T>(sql, params);
  }

  private async runQuery<T>(sql: string, params?: unknown[]): Promise<T[]> {
    if (!this.runner) throw new Error('Request transaction used before it was opened');
    return (await this.runner.query(sql, params, true)).records as T[];
  }

  /** A read asked for after the opening, for OpeningEnd.learn: only plain reads, few and bounded, before anything wrote. */
  private noteRead(sql: string, params: unknown[]): void {
    const reads = this.readsAfter;
    if (!reads) return;
    if (this.mayHaveWritten || MAY_WRITE.test(sql) || reads.length >= LEARNABLE_READS || sql.length > LEARNABLE_LENGTH) {
      this.readsAfter = null;
      return;
    }
    const copy = [...params];
    this.readsAfterLength += sql.length + JSON.stringify(copy).length;
    if (this.readsAfterLength > LEARNABLE_LENGTH) this.readsAfter = null;
    else reads.push({ sql, params: copy });
  }

  /** A write without RETURNING: the number of rows it inserted, updated or deleted. */
  async execute(sql: string, params?: unknown[]): Promise<number> {
    if (!this.runner) throw new Error('Request transaction used before it was opened');
    const result = await this.runner.query(sql, params, true);
    return result.affected ?? 0;
  }

  /**
   * A write whose answer nobody waits for and that nothing later in the request reads (an audit entry,
   * a NOTIFY): it is sent with COMMIT in one round trip (every statement costs this server a socket
   * write and the database a wake-up), and dropped with a rollback like any write. The parameters are
   * inlined as literals, as pg would send them (text of unknown type), so `sql` must not hold a `$`
   * other than its placeholders. Its failure fails the commit.
   */
  defer(sql: string, params: unknown[] = []): void {
    if (!this.runner) throw new Error('Request transaction used before it was opened');
    this.deferred.push(inlined(sql, params));
  }

  /**
   * A write the request does not wait for, whose refusal must still fail the request (saveScores' save
   * when its answer needs nothing the write returns): held back, it is sent with the round trip of the
   * next statement the request sends (before it, so that statement sees it), else with COMMIT (before
   * the deferred statements, which a refusal then skips with COMMIT) or with the RELEASE of the mutation
   * field's savepoint. It must refuse by raising an error, not by changing nothing: `refused` turns that
   * error into the request's (the first held statement that recognizes it); anything else fails as
   * is. Parameters are inlined as `defer` inlines them. Dropped with a rollback.
   */
  hold(sql: string, params: unknown[], refused?: (error: unknown) => Error | undefined): void {
    if (!this.runner) throw new Error('Request transaction used before it was opened');
    this.held.push({ text: inlined(sql, params), refused });
    this.wrote = true;
  }

  /** Sends the held writes (and `then`, a statement to go after them in the same string) in one round trip. */
  private sendHeld(then?: string): Promise<void> {
    const held = this.held;
    this.held = [];
    if (!this.sendRaw) return Promise.reject(new Error('Request transaction used before it was opened'));
    this.statements += held.length + (then ? 1 : 0);
    this.roundTrips++;
    this.sinceOpening += held.length;
    const text = [...held.map((h) => h.text), ...(then ? [then] : [])].join(';\n');
    return this.sendRaw(text).then(
      () => undefined,
      (error: unknown) => {
        const refusal = refusalOf(held, error);
        // inside a savepoint, its rollback undoes the write and the field fails with it; outside, the whole request does
        if (!this.savepointDepth) {
          this.rollbackOnly = true;
          this.refusal ??= refusal;
        }
        throw refusal;
      },
    );
  }

  /**
   * `work` runs once this transaction has committed, and never when it (or the savepoint it was
   * registered in) rolls back: for what must not hold the transaction up, such as a live event's NOTIFY.
   */
  onCommit(work: (dataSource: DataSource) => void): void {
    if (!this.runner) throw new Error('Request transaction used before it was opened');
    this.committed.push(work);
  }

  /** Sends the deferred statements now (before the identity changes). */
  private async flushDeferred(): Promise<void> {
    if (!this.runner || !this.deferred.length) return;
    const statements = this.deferred.join(';\n');
    // one round trip, queued behind the request's running statements (the runner's query counts one)
    this.statements += this.deferred.length - 1;
    this.deferred = [];
    await this.runner.query(statements);
  }

  /** Runs `work` inside a savepoint: a failed mutation field undoes only its own writes. */
  async inSavepoint<T>(work: () => Promise<T>): Promise<T> {
    await this.begin();
    const runner = this.runner;
    if (!runner) throw new Error('Request transaction used before it was opened');
    const name = `sp_${++this.savepoints}`;
    await runner.query(`SAVEPOINT ${name}`);
    // The array itself, not only its length: a change of identity in the field flushes it (sends its statements
    // inside this savepoint, whose rollback undoes them) and starts a new one, so a refusal puts this one back.
    const deferred = this.deferred;
    const deferredBefore = deferred.length;
    const committedBefore = this.committed.length;
    const identity = { tenantId: this.tenantId, platform: this.platform };
    this.savepointDepth++;
    try {
      const result = await work();
      // what the field held back goes with its RELEASE: a refusal fails this field, not a later one
      if (this.runner)
        await (this.held.length ? this.sendHeld(`RELEASE SAVEPOINT ${name}`) : this.runner.query(`RELEASE SAVEPOINT ${name}`));
      this.savepointDepth--;
      return result;
    } catch (error) {
      if (this.runner !== runner) {
        // The work ended the transaction itself (a refused re-authentication keeps its count, as a refused sign-in
        // does): what was deferred and held went with its COMMIT, and no savepoint is left to roll back to.
        this.savepointDepth--;
        throw error;
      }
      deferred.length = deferredBefore;
      this.deferred = deferred;
      this.committed.length = committedBefore;
      // ROLLBACK TO SAVEPOINT restores the settings an identity change in the field made: so does the transaction
      this.tenantId = identity.tenantId;
      this.platform = identity.platform;
      this.held = []; // SAVEPOINT sent what was held before it
      this.savepointDepth--;
      await runner.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Marks the transaction for rollback (a refused mutation that ran without its own savepoint) and
   * rethrows: finish then rolls back whatever it was asked.
   */
  failed(error: unknown): never {
    this.rollbackOnly = true;
    throw error;
  }

  /** Commits (or rolls back) and returns the connection to the pool. */
  async finish(commit: boolean): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    this.runner = undefined;
    this.ahead.clear();
    if (this.rollbackOnly) commit = false;
    const deferred = commit ? this.deferred : [];
    const committed = commit ? this.committed : [];
    const refusal = this.refusal;
    this.refusal = undefined;
    const held = commit ? this.held : [];
    this.deferred = [];
    this.committed = [];
    this.held = [];
    const learn = this.learn;
    this.learn = undefined;
    const readsAfter = this.rollbackOnly || this.mayHaveWritten ? null : this.readsAfter;
    this.readsAfter = [];
    this.readsAfterLength = 0;
    learn?.(this.sinceOpening === 0 && !deferred.length && !held.length && !this.rollbackOnly, readsAfter);
    try {
      if (this.openingEnded && !deferred.length) {
        // committed with the opening, nothing sent since: nothing to commit or roll back
        this.openingEnded = false;
      } else if (commit && (deferred.length || held.length)) {
        // the held and deferred writes and COMMIT in one simple-protocol string: an error skips the rest (COMMIT too)
        // queued behind the request's running statements, as commitTransaction is (the runner's query counts COMMIT)
        this.statements += held.length + deferred.length;
        await runner.query([...held.map((h) => h.text), ...deferred, 'COMMIT'].join(';\n')).catch((error: unknown) => {
          throw refusalOf(held, error);
        });
        Object.assign(runner, { isTransactionActive: false, transactionDepth: 0 });
      } else if (commit) await runner.commitTransaction();
      else await runner.rollbackTransaction();
    } catch (error) {
      if (commit) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release().catch(() => undefined);
    }
    if (refusal) throw refusal; // rolled back (rollbackOnly): nothing the request did stands
    for (const work of committed) {
      try {
        work(this.dataSource);
      } catch (error) {
        console.error(`[transaction] after commit: ${(error as Error).message}`);
      }
    }
  }
}

/**
 * Statement text that may write: a write verb, a sequence step, a lock, or a call of an app function
 * (some of them write: throttles, audit events, settings) other than the tenant lookups, the viewer's load (and
 * app_open_request, which sets the request's own identity before it) and the `app_read_*` functions (STABLE:
 * PostgreSQL refuses a write inside them).
 */
const MAY_WRITE =
  /\b(insert|update|delete|merge|truncate|notify|pg_notify|setval|nextval|copy|call|do|lock|pg_advisory_\w+)\b|\bapp_(?!tenant_id\b|tenant_by_slug\b|viewer\b|open_request\b|read_)\w+\s*\(/i;

/** Runs `work` in its own transaction with the given identity (seeding, background jobs, scripts). */
export async function withTransaction<T>(
  dataSource: DataSource,
  identity: { tenantId?: string | null; platform?: boolean },
  work: (tx: RequestTransaction) => Promise<T>,
): Promise<T> {
  const tx = new RequestTransaction(dataSource);
  await tx.setIdentity(identity);
  await tx.begin();
  try {
    const result = await work(tx);
    await tx.finish(true);
    return result;
  } catch (error) {
    await tx.finish(false).catch(() => undefined);
    throw error;
  }
}

/** A statement with its parameters inlined as literals: `sql` holds no `$` other than its placeholders. */
function inlined(sql: string, params: unknown[]): string {
  let parts = placeholders.get(sql);
  if (!parts) {
    parts = sql.split(/\$(\d+)/);
    if (sql.length <= 20_000) placeholders.set(sql, parts);
  }
  let text = parts[0];
  for (let i = 1; i < parts.length; i += 2) text += literal(params[Number(parts[i]) - 1]) + parts[i + 1];
  return text;
}

/**
 * Statements split at their placeholders (text, number, text, …), kept per text: the same few statements
 * go with every request's opening, and scanning a long one for its placeholders each time showed in profiles.
 * Bounded in entries and in the length of a text kept (the app's statements are a few kilobytes).
 */
const placeholders = new Kept<string[]>(500);

/** A held write: its text with the parameters inlined, and what its refusal means to the request. */
interface Held {
  text: string;
  refused?: (error: unknown) => Error | undefined;
}

/** The request's error for a failed round trip that carried held writes: the first that recognizes it, else the error itself. */
function refusalOf(held: Held[], error: unknown): unknown {
  for (const h of held) {
    const refusal = h.refused?.(error);
    if (refusal) return refusal;
  }
  return error;
}

/** A statement with its parameters as one key: what was read ahead answers only the same key. */
export const statementKey = (sql: string, params: unknown[]) => `${sql}\u0000${JSON.stringify(params)}`;

/**
 * A parameter as an SQL literal of unknown type, the text pg itself would send for it (pg's
 * prepareValue): arrays as array literals, objects as JSON, dates as ISO text, bytea in hex.
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'`;
  return quoted(text(value));
}

/**
 * The literal pg's escapeLiteral writes (quotes doubled; with a backslash, an E'' string with backslashes
 * doubled), by two regular-expression passes: pg's loop appends a character at a time, some 30 µs for
 * an audit entry's 5 KB of input, where this takes 1.
 */
function quoted(value: string): string {
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

function text(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayText(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function arrayText(values: unknown[]): string {
  const element = (v: unknown): string =>
    v === null || v === undefined ? 'NULL' : Array.isArray(v) ? arrayText(v) : `"${text(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return `{${values.map(element).join(',')}}`;
}
