import 'reflect-metadata';
import os from 'node:os';
import { Client } from 'pg';
import { RunningApp, startApp } from '../../src/app';
import { Config, loadConfig } from '../../src/config';
import { Database, openDatabase } from '../../src/db/database';
import { TEMPLATE_DEMO, TEMPLATE_EMPTY, clusterUrl, createTestDatabase, dropTestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-'.padEnd(48, 'x');

export interface GqlResponse<T = any> {
  status: number;
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
  /** Superuser client on this test file's database, for looking under the API. */
  superuser(): Promise<Client>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  seed?: boolean;
  env?: Record<string, string>;
}

/** Starts the real server (HTTP, Apollo, RLS-bound pool) on a fresh database cloned from a template. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dbName = await createTestDatabase(options.seed === false ? TEMPLATE_EMPTY() : TEMPLATE_DEMO());
  const config = loadConfig({
    DATABASE_URL: clusterUrl(dbName),
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: os.tmpdir(),
    SEED_DEMO: 'false',
    ...options.env,
  });
  const database = await openDatabase(config, { quiet: true });
  let app: RunningApp;
  try {
    app = await startApp(config, database.dataSource, { port: 0, host: '127.0.0.1' });
  } catch (error) {
    await database.close();
    throw error;
  }
  const url = `http://127.0.0.1:${app.port}/graphql`;
  const tokens = new Map<string, string>();
  const clients: Client[] = [];

  const gql = async <T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse<T>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Omit<GqlResponse<T>, 'status'>;
    return { status: res.status, ...body };
  };

  return {
    url,
    baseUrl: `http://127.0.0.1:${app.port}`,
    config,
    database,
    dbName,
    gql,
    async token(tenant, username) {
      const key = `${tenant}/${username}`;
      const cached = tokens.get(key);
      if (cached) return cached;
      const res = await gql<{ login: { accessToken: string } }>(
        `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`,
        { input: { tenant: tenant || null, username, password: 'demo' } },
      );
      if (!res.data) throw new Error(`login ${key} failed: ${JSON.stringify(res.errors)}`);
      tokens.set(key, res.data.login.accessToken);
      return res.data.login.accessToken;
    },
    async superuser() {
      const client = new Client({ connectionString: clusterUrl(dbName) });
      await client.connect();
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) await client.end().catch(() => undefined);
      await app.close();
      await database.close();
      await dropTestDatabase(dbName);
    },
  };
}

/** The codes of a response's errors, for compact assertions. */
export const codes = (res: GqlResponse) => (res.errors ?? []).map((e) => e.extensions?.code);
