import { ChildProcess, spawn } from 'node:child_process';
import { buildDist } from '../helpers/build-dist';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { freePort } from '../../src/db/embedded';
import { PgProcess, startPgProcess } from '../helpers/pg-process';
import { TEST_JWT_SECRET, login, postGraphql } from '../helpers/server';

/**
 * Many instances on one database (issue 16): three built servers started at the same moment on an
 * empty database all come up (migrations, the app role, its grants and the demo seed run under one
 * advisory lock), twice spelled differently (localhost, 127.0.0.1) without re-keying the shared role;
 * and /readyz turns 503 as soon as draining starts. A PostgreSQL of its own with password
 * authentication, so that a re-keyed role would really lock the others out.
 */

const root = path.join(__dirname, '..', '..');

interface Instance {
  child: ChildProcess;
  port: number;
  output: string[];
  exited: Promise<number | null>;
}

function spawnServer(env: Record<string, string>, port: number): Instance {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output, exited };
}

/** Resolves when the instance printed its ready line, or rejects with what it printed when it exited first. */
async function ready(instance: Instance, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = instance.output.join('');
    if (text.includes('ready at')) return;
    if (instance.child.exitCode !== null) throw new Error(`instance on ${instance.port} exited ${instance.child.exitCode}:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance on ${instance.port} not ready in ${timeoutMs} ms:\n${instance.output.join('')}`);
}

async function stopAll(instances: Instance[]): Promise<void> {
  for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(instances.map((i) => i.exited)), new Promise((r) => (timer = setTimeout(r, 20_000)))]);
  clearTimeout(timer);
  for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGKILL');
}

/**
 * The connections to `database` (but the asking one) whose role is a superuser, bypasses row-level
 * security or owns a table of the public schema (the tenant tables): none may stay open after start-up.
 */
async function privilegedConnections(su: Client, database: string): Promise<{ role: string; application: string }[]> {
  const { rows } = await su.query(
    `SELECT a.usename AS role, a.application_name AS application
       FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
      WHERE a.datname = $1 AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
        AND (r.rolsuper OR r.rolbypassrls OR EXISTS (
              SELECT 1 FROM pg_class c WHERE c.relowner = r.oid AND c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')))`,
    [database],
  );
  return rows;
}

/**
 * The privileged connections still listed after `ms`: a closed client's backend leaves
 * pg_stat_activity only when its process has exited, which on a loaded machine lags the close.
 */
async function privilegedAfter(su: Client, database: string, ms = 10_000): Promise<{ role: string; application: string }[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = await privilegedConnections(su, database);
    if (rows.length === 0 || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Fails with what each instance printed when one did not exit 0 after SIGTERM. */
async function expectCleanExits(instances: Instance[]): Promise<void> {
  const codes = await Promise.all(instances.map((i) => i.exited));
  if (codes.some((c) => c !== 0)) {
    throw new Error(`exit codes ${JSON.stringify(codes)}:\n${instances.map((i, n) => `instance ${n}:\n${i.output.join('')}`).join('\n')}`);
  }
}

/** Who is connected to `database`, by role and application name (sorted, distinct). */
async function connectedRoles(su: Client, database: string): Promise<string[]> {
  const { rows } = await su.query(
    `SELECT DISTINCT usename || ' ' || application_name AS who FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY 1`,
    [database],
  );
  return rows.map((r) => r.who);
}

describe('instances on one database', () => {
  let dir: string;
  let pg: PgProcess;
  let su: Client;
  const running: Instance[] = [];
  let setup: Promise<void> | undefined;

  beforeAll(
    () =>
      (setup = (async () => {
        buildDist();
        dir = mkdtempSync(path.join(os.tmpdir(), 'party-multi-'));
        chmodSync(dir, 0o755);
        pg = await startPgProcess(dir);
        su = new Client({ connectionString: pg.url });
        await su.connect();
      })()),
    240_000,
  );

  afterAll(async () => {
    await setup?.catch(() => undefined);
    await stopAll(running);
    await su?.end().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  /** The owner URL of `database` on the test cluster, with `host` as its host name. */
  const ownerUrl = (database: string, host: string) => {
    const url = new URL(pg.url);
    url.hostname = host;
    url.pathname = `/${database}`;
    return url.toString();
  };

  it('starts three instances at the same moment on an empty database, three times: all ready, seeded once', async () => {
    for (let round = 1; round <= 3; round++) {
      const database = `multi_${round}`;
      const role = `party_app_multi_${round}`; // a role of its own: each round starts from nothing at all
      await su.query(`CREATE DATABASE ${database}`);
      const ports = [await freePort(), await freePort(), await freePort()];
      const instances = ports.map((port, i) =>
        spawnServer(
          {
            // two spellings of the same server: the role's password must not depend on them
            DATABASE_URL: ownerUrl(database, i === 1 ? 'localhost' : '127.0.0.1'),
            APP_DB_ROLE: role,
            DATA_DIR: dir,
            DEMO_PASSWORD: 'demo',
          },
          port,
        ),
      );
      running.push(...instances);
      try {
        await Promise.all(instances.map((i) => ready(i)));
        console.log(`round ${round}:\n${instances.map((i, n) => `instance ${n}: ${i.output.join('').trim()}`).join('\n')}`);
        for (const i of instances) {
          const res = await fetch(`http://127.0.0.1:${i.port}/readyz`);
          expect(res.status).toBe(200);
        }
        // seeded once, by whichever took the lock first
        const seededBy = instances.filter((i) => i.output.join('').includes('Demo data seeded.'));
        expect(seededBy).toHaveLength(1);
        const db = new Client({ connectionString: ownerUrl(database, '127.0.0.1') });
        await db.connect();
        try {
          expect((await db.query(`SELECT count(*)::int AS n FROM tenants`)).rows[0].n).toBe(2);
        } finally {
          await db.end();
        }
        // after start-up: the app role's pools and the jobs role's pg-boss, never the owner
        expect(await connectedRoles(su, database)).toEqual(
          expect.arrayContaining([`${role} party-platform`, `party_jobs party-platform-jobs`]),
        );
        expect(await privilegedAfter(su, database)).toEqual([]);
        // every instance signs in and reads (the pool logs in as the role the others also (re)configured)
        for (const i of instances) {
          const url = `http://127.0.0.1:${i.port}/graphql`;
          const token = await login(url, 'jtj', 'admin');
          expect((await postGraphql(url, `{ viewer { username } }`, {}, token)).data.viewer.username).toBe('admin');
        }
        // the role's password is the one the shared configuration gives, whichever spelling of the host
        const { appDbPassword } = loadConfig({ JWT_SECRET: TEST_JWT_SECRET, APP_DB_ROLE: role, DATA_DIR: dir });
        for (const host of ['localhost', '127.0.0.1']) {
          const url = new URL(ownerUrl(database, host));
          url.username = role;
          url.password = appDbPassword;
          const app = new Client({ connectionString: url.toString() });
          await app.connect();
          await app.end();
        }
      } finally {
        await stopAll(instances);
      }
      await expectCleanExits(instances);
    }
  }, 600_000);

  it('answers 503 on /readyz as soon as draining starts, while it still serves requests', async () => {
    await su.query(`CREATE DATABASE multi_drain`);
    const port = await freePort();
    const instance = spawnServer(
      {
        DATABASE_URL: ownerUrl('multi_drain', '127.0.0.1'),
        APP_DB_ROLE: 'party_app_multi_drain',
        DATA_DIR: dir,
        DRAIN_DELAY_SECONDS: '3',
        JOBS: 'off',
      },
      port,
    );
    running.push(instance);
    await ready(instance);
    const base = `http://127.0.0.1:${port}`;
    const token = await login(`${base}/graphql`, 'jtj', 'admin');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    instance.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const readiness = await fetch(`${base}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining' });
    // still serving while the balancer notices
    expect((await postGraphql(`${base}/graphql`, `{ viewer { username } }`, {}, token)).data.viewer.username).toBe('admin');
    expect(await instance.exited).toBe(0);
    expect(instance.output.join('')).toContain('SIGTERM: draining');
  }, 120_000);

  it('shares request limits between two processes (same 429, Retry-After, retryAfterSeconds) and trusts X-Forwarded-For only from TRUST_PROXY', async () => {
    await su.query(`CREATE DATABASE multi_limits`);
    const env = {
      DATABASE_URL: ownerUrl('multi_limits', '127.0.0.1'),
      APP_DB_ROLE: 'party_app_multi_limits',
      DATA_DIR: dir,
      JOBS: 'off',
      RATE_LIMIT_USER_PER_MINUTE: '4',
      RATE_LIMIT_TENANT_PER_MINUTE: '0',
    };
    const a = spawnServer(env, await freePort()); // TRUST_PROXY unset: off
    running.push(a);
    await ready(a);
    const b = spawnServer({ ...env, TRUST_PROXY: '127.0.0.1' }, await freePort());
    running.push(b);
    await ready(b);
    try {
      const urls = [a, b].map((i) => `http://127.0.0.1:${i.port}/graphql`);
      // sign-in is not a user request; the token comes from one instance and serves both
      const token = await login(urls[0]!, 'jtj', 'member');
      const answers: { status: number; retryAfter: string | null; body: any }[] = [];
      for (let n = 0; n < 6; n++) {
        const res = await fetch(urls[n % 2]!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: `{ viewer { username } }` }),
        });
        answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() });
      }
      // four in all, whichever instance answers; the fifth and sixth refused, by each instance once
      expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200, 429, 429]);
      for (const limited of answers.slice(4)) {
        const ext = limited.body.errors[0].extensions;
        expect(ext).toMatchObject({ code: 'RATE_LIMITED', reason: 'USER_RATE_LIMITED' });
        expect(ext.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(ext.retryAfterSeconds).toBeLessThanOrEqual(60);
        expect(Number(limited.retryAfter)).toBe(ext.retryAfterSeconds);
      }

      // public feeds are limited per client address: A trusts no proxy, so every X-Forwarded-For is the loopback peer
      const feed = async (instance: Instance, forwardedFor: string) =>
        (await fetch(`http://127.0.0.1:${instance.port}/public/jtj/showcase.json`, { headers: { 'x-forwarded-for': forwardedFor } }))
          .status;
      const fromA: number[] = [];
      for (let n = 0; n < 5; n++) fromA.push(await feed(a, `203.0.113.${n + 1}`));
      expect(fromA).toEqual([200, 200, 200, 200, 429]);
      // B trusts the loopback proxy: five different clients, none limited (though the loopback peer is, on both)
      const fromB: number[] = [];
      for (let n = 0; n < 5; n++) fromB.push(await feed(b, `198.51.100.${n + 1}`));
      expect(fromB).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await stopAll([a, b]);
    }
  }, 180_000);

  it('keeps no connection that bypasses row-level security or owns tenant tables once started; the jobs role reads no tenant table', async () => {
    await su.query(`CREATE DATABASE multi_roles`);
    const instance = spawnServer(
      { DATABASE_URL: ownerUrl('multi_roles', '127.0.0.1'), APP_DB_ROLE: 'party_app_multi_roles', DATA_DIR: dir },
      await freePort(),
    );
    running.push(instance);
    try {
      await ready(instance);
      const url = `http://127.0.0.1:${instance.port}/graphql`;
      await login(url, 'jtj', 'admin'); // a request, so the pool and the side channel are open too
      await new Promise((r) => setTimeout(r, 2000)); // pg-boss's supervision and polling are running
      const roles = await connectedRoles(su, 'multi_roles');
      expect(roles).toEqual(expect.arrayContaining(['party_app_multi_roles party-platform', 'party_jobs party-platform-jobs']));
      expect(roles.filter((r) => r.startsWith('postgres '))).toEqual([]);
      expect(await privilegedAfter(su, 'multi_roles')).toEqual([]);

      // the jobs role owns its schema and nothing of the tenants'
      const { appDbPassword: _a, jobsDbPassword } = loadConfig({ JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dir });
      const jobsUrl = new URL(ownerUrl('multi_roles', '127.0.0.1'));
      jobsUrl.username = 'party_jobs';
      jobsUrl.password = jobsDbPassword;
      const jobs = new Client({ connectionString: jobsUrl.toString() });
      await jobs.connect();
      try {
        for (const table of ['orgs', 'users', 'tenants', 'inspections', 'audit_log']) {
          await expect(jobs.query(`SELECT 1 FROM ${table} LIMIT 1`)).rejects.toMatchObject({ code: '42501' });
        }
        const owned = await jobs.query(
          `SELECT DISTINCT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND n.nspname <> 'pg_toast'`,
        );
        expect(owned.rows).toEqual([{ schema: 'pgboss' }]);
        const rights = await jobs.query(
          `SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user`,
        );
        expect(rights.rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false }]);
      } finally {
        await jobs.end();
      }
    } finally {
      await stopAll([instance]);
    }
  }, 120_000);
});
