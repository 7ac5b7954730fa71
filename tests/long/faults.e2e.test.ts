import { ChildProcess, spawn } from 'node:child_process';
import { buildDist } from '../helpers/build-dist';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { RunningApp, startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { Database, openDatabase } from '../../src/db/database';
import { freePort } from '../../src/db/embedded';
import { seedDemoIfEmpty } from '../../src/seed/demo';
import { PgProcess, startPgProcess } from '../helpers/pg-process';
import { TEST_JWT_SECRET, login, postGraphql as gql } from '../helpers/server';
import { TEMPLATE_DEMO, clusterUrl, createTestDatabase, dropTestDatabase } from '../helpers/test-database';
import { day } from '../helpers/dates';
import { globalId } from '../helpers/ids';

/** Bounded, loopback-only fault tests: the database restarting under load, and SIGTERM under load. */

const RECORD = `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`;

/** The demo on a PostgreSQL of its own (a child process the test can restart or stop) behind a running app. */
interface Stack {
  dir: string;
  pg?: PgProcess;
  database?: Database;
  app?: RunningApp;
  /** The app's base URL (no path). */
  base: string;
}

async function startStack(stack: Stack): Promise<void> {
  chmodSync(stack.dir, 0o755);
  stack.pg = await startPgProcess(stack.dir);
  const config = loadConfig({
    DATABASE_URL: stack.pg.url,
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: stack.dir,
    SEED_DEMO: 'false',
    DEMO_PASSWORD: 'demo',
    RATE_LIMIT_USER_PER_MINUTE: '0',
    RATE_LIMIT_TENANT_PER_MINUTE: '0',
  });
  stack.database = await openDatabase(config, { quiet: true });
  await seedDemoIfEmpty(stack.database.dataSource, config);
  stack.app = await startApp(config, stack.database.dataSource, { port: 0, host: '127.0.0.1' });
  stack.base = `http://127.0.0.1:${stack.app.port}`;
}

async function stopStack(stack: Stack): Promise<void> {
  await stack.app?.close();
  await stack.database?.close().catch(() => undefined);
  await stack.pg?.stop().catch(() => undefined);
  rmSync(stack.dir, { recursive: true, force: true });
}

describe('PostgreSQL restarts while 32 clients record inspections', () => {
  const stack: Stack = { dir: mkdtempSync(path.join(os.tmpdir(), 'party-fault-pg-')), base: '' };
  let pg: PgProcess;
  let url: string;
  /** Cleared when the file ends: a failed or timed-out test must leave no client or watcher polling. */
  let live = true;
  /** Awaited in afterAll: a setup that outlives its timeout (a loaded machine) is still closed. */
  let setup: Promise<void> | undefined;

  beforeAll(
    () =>
      (setup = (async () => {
        await startStack(stack);
        pg = stack.pg!;
        url = `${stack.base}/graphql`;
      })()),
    120_000,
  );

  afterAll(async () => {
    live = false;
    await setup?.catch(() => undefined);
    await stopStack(stack);
  }, 180_000);

  it('keeps every acknowledged write exactly once, nothing half-written, readiness red then green, the server up', async () => {
    const token = await login(url, 'jtj', 'inspector');
    const team = (await gql(url, `{ supervisionTeams { nodes { id } } }`, {}, token)).data.supervisionTeams.nodes[0].id;
    const orgs = (await gql(url, `{ orgs(first: 100, kind: BRANCH) { nodes { id } } }`, {}, token)).data.orgs.nodes.map(
      (o: { id: string }) => o.id,
    );
    const today = day(0);
    const acknowledged: string[] = [];
    let retries = 0;
    const deadline = Date.now() + 60_000;

    /** A client that retries the same idempotency key until the server acknowledges it. */
    const client = async (c: number) => {
      for (let n = 0; n < 6; n++) {
        const key = `fault-${c}-${n}`;
        const input = {
          idempotencyKey: key,
          teamId: team,
          orgId: orgs[(c + n) % orgs.length],
          inspectedOn: today,
          methods: ['BRIEFING'],
          summary: `client ${c} write ${n}`,
          findings: [
            { severity: 'MINOR', description: `finding a of ${key}` },
            { severity: 'MODERATE', description: `finding b of ${key}` },
          ],
        };
        for (;;) {
          if (!live || Date.now() > deadline) throw new Error(`client ${c} gave up on ${key}`);
          try {
            const res = await gql(url, RECORD, { input }, token);
            if (res.data?.recordInspection?.id) {
              acknowledged.push(key);
              break;
            }
          } catch {
            /* connection-level failure: retry */
          }
          retries++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };

    const readiness: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching && live) {
        try {
          readiness.push((await fetch(url.replace('/graphql', '/readyz'))).status);
        } catch {
          readiness.push(0);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const clients = Array.from({ length: 32 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 300));
    await pg.restart(1500);
    await Promise.all(clients);
    watching = false;
    await watcher;

    expect(acknowledged).toHaveLength(32 * 6);
    expect(retries).toBeGreaterThan(0); // the restart really hit requests
    const firstRed = readiness.indexOf(503);
    expect(firstRed).toBeGreaterThanOrEqual(0);
    expect(readiness.slice(firstRed).includes(200)).toBe(true);
    expect(readiness[readiness.length - 1]).toBe(200);

    const su = new Client({ connectionString: pg.url });
    await su.connect();
    try {
      const rows = (
        await su.query(`SELECT i.idempotency_key, count(f.id)::int AS findings FROM inspections i LEFT JOIN findings f ON f.tenant_id = i.tenant_id AND f.inspection_id = i.id
        WHERE i.idempotency_key LIKE 'fault-%' GROUP BY i.id, i.idempotency_key`)
      ).rows;
      expect(rows).toHaveLength(acknowledged.length);
      expect(new Set(rows.map((r) => r.idempotency_key))).toEqual(new Set(acknowledged));
      expect(rows.every((r) => r.findings === 2)).toBe(true);
    } finally {
      await su.end();
    }
    // and the same server keeps answering
    expect((await gql(url, `{ viewer { username } }`, {}, token)).data.viewer.username).toBe('inspector');
  }, 120_000);
});

describe('the database gone: every route answers the coded 503, never a 500', () => {
  const stack: Stack = { dir: mkdtempSync(path.join(os.tmpdir(), 'party-fault-down-')), base: '' };
  let setup: Promise<void> | undefined;

  beforeAll(() => (setup = startStack(stack)), 120_000);
  afterAll(async () => {
    await setup?.catch(() => undefined);
    await stopStack(stack);
  }, 180_000);

  it('GraphQL, imports, import jobs, file uploads and downloads, exports, archives, a restore, the public feed and single sign-on', async () => {
    const url = `${stack.base}/graphql`;
    const admin = await login(url, 'jtj', 'admin');
    const operator = await login(url, '', 'operator');
    await stack.pg!.stop();
    const csv = '组织名称,组织类别,单位类型,上级组织\n断库党支部,党支部,企业,市公交集团党委\n';
    const form = () => {
      const data = new FormData();
      data.append('file', new Blob([csv], { type: 'text/csv' }), 'a.csv');
      return data;
    };
    const send = (route: string, token: string, init: RequestInit = {}) =>
      fetch(`${stack.base}${route}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
      });
    const answers: [string, Response][] = [
      [
        'graphql',
        await send('/graphql', admin, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ viewer { username } }"}',
        }),
      ],
      ['sync import', await send('/imports/orgs', admin, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })],
      ['import job', await send('/imports/orgs/jobs', admin, { method: 'POST', body: form() })],
      ['file upload', await send('/files', admin, { method: 'POST', body: form() })],
      ['export', await send('/exports/audit', admin)],
      ['file download', await send(`/files/${globalId('File', '00000000-0000-4000-8000-000000000000')}`, admin)],
      ['showcase', await fetch(`${stack.base}/public/jtj/showcase.json`)],
      ['sso start', await fetch(`${stack.base}/sso/jtj/start`, { redirect: 'manual' })],
      ['archive', await send(`/archives/orgs/${globalId('Org', '00000000-0000-4000-8000-000000000000')}/2025`, admin)],
      [
        'restore',
        await send('/tenant-archives?slug=gone', operator, { method: 'POST', headers: { 'content-type': 'application/x-tar' }, body: 'x' }),
      ],
    ];
    for (const [route, res] of answers) {
      const text = await res.text();
      const body = JSON.parse(text || '{}') as { errors?: { message: string; extensions: { code: string; reason: string } }[] };
      expect([route, res.status, body.errors?.[0]?.extensions]).toEqual([
        route,
        503,
        expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE' }),
      ]);
      expect(body.errors![0].message).toBe('数据库暂时不可用，请稍后重试');
    }
  }, 60_000);
});

describe('SIGTERM during load', () => {
  let child: ChildProcess | undefined;
  let dbName: string;
  /** The load loop; cleared in afterAll too, so that a failed or timed-out test leaves nothing polling. */
  let running = false;
  let setup: Promise<void> | undefined;

  beforeAll(
    () =>
      (setup = (async () => {
        // The real entry point, built: the test drives the process as an operator would.
        buildDist();
        dbName = await createTestDatabase(TEMPLATE_DEMO());
      })()),
    180_000,
  );

  afterAll(async () => {
    running = false;
    child?.kill('SIGKILL');
    await setup?.catch(() => undefined);
    if (dbName) await dropTestDatabase(dbName);
  });

  it('finishes in-flight requests, refuses new ones and exits within 15 s', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: path.join(__dirname, '..', '..'),
      env: {
        ...process.env,
        DATABASE_URL: clusterUrl(dbName),
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        SEED_DEMO: 'false',
        JOBS: 'off',
        RATE_LIMIT_USER_PER_MINUTE: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout!.on('data', (d) => output.push(String(d)));
    child.stderr!.on('data', (d) => output.push(String(d)));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      child!.once('exit', (code) => resolve({ code, at: Date.now() })),
    );
    const url = `http://127.0.0.1:${port}/graphql`;
    for (let i = 0; i < 200 && !output.join('').includes('ready at'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output.join('')).toContain('ready at');
    const token = await login(url, 'jtj', 'admin');

    // steady load: each request's start time and outcome
    const results: { started: number; ok: boolean }[] = [];
    running = true;
    const worker = async () => {
      while (running) {
        const started = Date.now();
        try {
          const res = await gql(url, `{ orgs(first: 50) { totalCount nodes { name children { nodes { name } } } } }`, {}, token);
          results.push({ started, ok: res.status === 200 && !!res.data });
        } catch {
          results.push({ started, ok: false });
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    // load first (at least a second of it and 20 answers: a busy machine answers fewer per second)
    const loadStarted = Date.now();
    while (Date.now() - loadStarted < 1000 || (results.length < 20 && Date.now() - loadStarted < 30_000)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const termAt = Date.now();
    child.kill('SIGTERM');
    const { code, at } = await exited;
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(workers);

    expect(code).toBe(0);
    expect(at - termAt).toBeLessThan(15_000);
    const before = results.filter((r) => r.started < termAt - 50);
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((r) => r.ok)).toBe(true); // in flight (or earlier) at SIGTERM: answered
    const after = results.filter((r) => r.started > at);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((r) => !r.ok)).toBe(true); // after exit: refused
    expect(output.join('')).toContain('SIGTERM: draining');
  }, 60_000);
});
