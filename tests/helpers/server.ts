import 'reflect-metadata';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { RunningApp, startApp } from '../../src/app';
import { Config, loadConfig } from '../../src/config';
import { Database, openDatabase } from '../../src/db/database';
import { JobWorker, JobWorkerOptions, startJobWorker } from '../../src/jobs/worker';
import { seedDemoCampaigns } from '../../src/seed/demo-campaigns';
import { day } from './dates';
import { trackOpen, trackStart } from './leftovers';
import {
  TEMPLATE_CAMPAIGNS,
  TEMPLATE_DEMO,
  TEMPLATE_EMPTY,
  TEST_APP_DB_PASSWORD,
  TEST_JWT_SECRET,
  TEST_PASSWORD_SCRYPT_COST,
  clusterUrl,
  createTestDatabase,
  dropTestDatabase,
} from './test-database';

export { TEST_JWT_SECRET } from './test-database';

export interface GqlResponse<T = any> {
  status: number;
  /** SQL statements the request sent (BEGIN and COMMIT included), when the server exposes the count (EXPOSE_STATEMENT_COUNT). */
  statements?: number;
  /** Round trips to the database the request made (COMMIT's included), with the statement count. */
  roundTrips?: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; reason?: string; field?: string; [k: string]: unknown } }[];
}

export interface TestServer {
  url: string;
  baseUrl: string;
  config: Config;
  database: Database;
  dbName: string;
  /** POSTs a GraphQL request over real HTTP. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse<T>>;
  /** Access token of a demo user (password demo), cached per run. */
  token(tenant: string, username: string): Promise<string>;
  /** The job worker, when started with `jobs` (its on-demand jobs; no cron unless asked). */
  jobs?: JobWorker;
  /** The server's JSON log lines (the last 20,000); error lines are also written to console.error. */
  logs: string[];
  /**
   * Superuser client on this test file's database, for looking under the API: one connection the file
   * shares (leave it in no transaction and with no session setting), or with `own` a connection of its
   * own (to hold a lock, a transaction or a LISTEN beside it). Both close with the server.
   */
  superuser(options?: { own?: boolean }): Promise<Client>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** false: migrated only, no tenants. */
  seed?: boolean;
  /** The full demo: each tenant's framework, campaign, 督导组 and every module's stories (seedDemoCampaigns). */
  campaigns?: boolean;
  env?: Record<string, string>;
  /** Starts a job worker (pg-boss on this database) whose queue the routes send to: the modules' jobs, no sweeps or cron unless given. */
  jobs?: Partial<Pick<JobWorkerOptions, 'sweeps' | 'jobs' | 'schedule' | 'pollingIntervalSeconds'>>;
}

/** POSTs a GraphQL request to `url` over real HTTP (a server not started by startTestServer, too). */
export async function postGraphql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResponse<T>, 'status' | 'statements' | 'roundTrips'>;
  const statements = res.headers.get('x-sql-statements');
  const roundTrips = res.headers.get('x-sql-round-trips');
  return {
    status: res.status,
    ...(statements === null ? {} : { statements: Number(statements) }),
    ...(roundTrips === null ? {} : { roundTrips: Number(roundTrips) }),
    ...body,
  };
}

/** Signs a demo user in (password demo) at `url`; the access token. An empty tenant is the operator's. */
export async function login(url: string, tenant: string, username: string): Promise<string> {
  const res = await postGraphql<{ login: { accessToken: string } }>(
    url,
    `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`,
    { input: { tenant: tenant || null, username, password: 'demo' } },
  );
  if (!res.data) throw new Error(`login ${tenant}/${username} failed: ${JSON.stringify(res.errors)}`);
  return res.data.login.accessToken;
}

/** The new password `firstSignIn` sets: meets the default policy (4 classes, 18 characters, no username in it). */
export const changedPassword = (initial: string) => `Chg#${createHash('sha256').update(initial).digest('hex').slice(0, 12)}Z9`;

/**
 * Signs in a user created or imported with an initial password, which must be changed at the first
 * sign-in: the answer asks for it (step PASSWORD_CHANGE), and completeSignIn sets changedPassword(initial).
 * Answers the completed sign-in's payload with `selection`.
 */
export async function firstSignIn<T = { accessToken: string }>(
  url: string,
  tenant: string,
  username: string,
  initial: string,
  selection = 'accessToken',
): Promise<T> {
  const first = await postGraphql<{ login: { step: string; challengeToken: string } }>(
    url,
    `mutation($input: LoginInput!) { login(input: $input) { step challengeToken } }`,
    { input: { tenant, username, password: initial } },
  );
  if (first.data?.login.step !== 'PASSWORD_CHANGE') throw new Error(`first sign-in ${tenant}/${username}: ${JSON.stringify(first)}`);
  const done = await postGraphql<{ completeSignIn: T & { step: string } }>(
    url,
    `mutation($input: CompleteSignInInput!) { completeSignIn(input: $input) { step ${selection} } }`,
    { input: { challengeToken: first.data.login.challengeToken, newPassword: changedPassword(initial) } },
  );
  if (done.data?.completeSignIn.step !== 'DONE') throw new Error(`password change ${tenant}/${username}: ${JSON.stringify(done)}`);
  return done.data.completeSignIn;
}

/**
 * Starts the real server (HTTP, Apollo, RLS-bound pool) on a fresh database cloned from a template.
 * Close it in afterAll; one the file leaves open is closed when the file ends (leftovers.ts).
 */
export function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  return trackStart(start(options));
}

async function start(options: TestServerOptions): Promise<TestServer> {
  // the full demo's template is dated from the day the run began: on a later tenant day, seed afresh
  const campaignsTemplate = options.campaigns === true && process.env.TEST_CAMPAIGNS_DAY === day(0);
  const dbName = await createTestDatabase(
    options.seed === false ? TEMPLATE_EMPTY() : campaignsTemplate ? TEMPLATE_CAMPAIGNS() : TEMPLATE_DEMO(),
  );
  const config = loadConfig({
    DATABASE_URL: clusterUrl(dbName),
    JWT_SECRET: TEST_JWT_SECRET,
    APP_DB_PASSWORD: TEST_APP_DB_PASSWORD,
    DATA_DIR: os.tmpdir(),
    SEED_DEMO: 'false',
    // the tests stand in for a proxy on loopback (X-Forwarded-For: one client address per test user)
    TRUST_PROXY: '127.0.0.1,::1',
    // every query document compiled on its first request: the whole suite checks compiled answers (graphql-js
    // still runs mutations and documents taking input objects; tests/compiled-queries.test.ts compares the two)
    COMPILED_QUERIES_HOT_AFTER: '1',
    // four workers' servers share one cluster; the machine's has 100 connections (a pool of 20 each, beside
    // their side channels and the tests' own clients, once ran it out); requests beyond 8 wait their turn
    DATABASE_POOL_SIZE: '8',
    // production refuses a cheap cost: a server started as production hashes at production's
    ...(options.env?.NODE_ENV === 'production' ? {} : { PASSWORD_SCRYPT_COST: TEST_PASSWORD_SCRYPT_COST }),
    ...options.env,
  });
  let database: Database;
  try {
    database = await openDatabase(config, { quiet: true });
  } catch (error) {
    await dropTestDatabase(dbName);
    throw error;
  }
  if (options.campaigns === true && !campaignsTemplate)
    await seedDemoCampaigns(database.dataSource, config).catch(async (error: unknown) => {
      await database.close();
      await dropTestDatabase(dbName);
      throw error;
    });
  const logs: string[] = [];
  let partial = '';
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        logs.push(line);
        // internal errors stay visible in the test output (and to tests that watch console.error)
        if (/"level":(50|60)/.test(line)) console.error('[server log]', line);
      }
      if (logs.length > 20_000) logs.splice(0, logs.length - 20_000);
      done();
    },
  });
  let app: RunningApp;
  let jobs: JobWorker | undefined;
  try {
    if (options.jobs)
      jobs = await startJobWorker({
        jobsUrl: database.jobsUrl,
        dataSource: database.dataSource,
        config,
        schedule: false,
        sweeps: [],
        pollingIntervalSeconds: 0.5,
        ...options.jobs,
      });
    app = await startApp(
      config,
      database.dataSource,
      { port: 0, host: '127.0.0.1', logStream },
      { queue: jobs, ownerUrl: database.ownerUrl },
    );
  } catch (error) {
    await jobs?.stop().catch(() => undefined);
    await database.close();
    await dropTestDatabase(dbName);
    throw error;
  }
  const url = `http://127.0.0.1:${app.port}/graphql`;
  const tokens = new Map<string, string>();
  const clients: Client[] = [];
  let shared: Promise<Client> | undefined;

  const gql = <T>(query: string, variables?: Record<string, unknown>, token?: string) => postGraphql<T>(url, query, variables, token);

  let closing: Promise<void> | undefined;
  const server: TestServer = {
    url,
    baseUrl: `http://127.0.0.1:${app.port}`,
    config,
    database,
    dbName,
    jobs,
    gql,
    logs,
    async token(tenant, username) {
      const key = `${tenant}/${username}`;
      const cached = tokens.get(key);
      if (cached) return cached;
      const token = await login(url, tenant, username);
      tokens.set(key, token);
      return token;
    },
    superuser(options = {}) {
      const open = async () => {
        const client = new Client({ connectionString: clusterUrl(dbName) });
        clients.push(client);
        await client.connect();
        return client;
      };
      if (options.own) return open();
      // one shared connection: a file asking in every test would otherwise hold a connection per test
      // until it ends, and four workers' files at once ran the system cluster (100) out of connections
      shared ??= open();
      return shared;
    },
    /** Idempotent; every step runs even when one before it fails: nothing may keep the jest worker alive. */
    close() {
      closing ??= (async () => {
        try {
          await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
          await jobs?.stop().catch(() => undefined);
          await app.close();
        } finally {
          try {
            await database.close();
          } finally {
            untrack();
            await dropTestDatabase(dbName);
          }
        }
      })();
      return closing;
    },
  };
  const untrack = trackOpen(server);
  return server;
}

/** The demo users of jtj (src/seed/demo-data.ts); szjg has the same but deputy. */
export const DEMO_ROLES = ['admin', 'leader', 'deputy', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'] as const;

/** Access tokens of a tenant's demo users by username: `(await tokens(server, 'jtj', ['admin', 'member'])).member`. */
export async function tokens<R extends string = (typeof DEMO_ROLES)[number]>(
  server: TestServer,
  tenant: string,
  roles: readonly R[] = DEMO_ROLES as unknown as readonly R[],
): Promise<Record<R, string>> {
  return Object.fromEntries(await Promise.all(roles.map(async (role) => [role, await server.token(tenant, role)]))) as Record<R, string>;
}

/** The codes of a response's errors, for compact assertions. */
export const codes = (res: GqlResponse) => (res.errors ?? []).map((e) => e.extensions?.code);

/** A response's errors as `CODE/REASON`, for compact assertions. */
export const reasons = (res: GqlResponse) => (res.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`);

/**
 * How many of the database's backends wait on a lock, once `count` of them do (or after about 5 s): a
 * request shown to be held by a lock another connection holds.
 */
export async function lockWaiters(su: Client, count = 1): Promise<number> {
  let waiting = 0;
  for (let i = 0; i < 500 && waiting < count; i++) {
    const { rows } = await su.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    waiting = rows[0].n;
    if (waiting < count) await new Promise((r) => setTimeout(r, 10));
  }
  return waiting;
}
