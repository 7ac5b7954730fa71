/**
 * `npm run bench:tenant-data -- [--orgs 50000] [--idle S]` (DATABASE_URL: an owner
 * URL of a PostgreSQL cluster; a database of its own is created and dropped).
 *
 * The tenant-data cells of issue 19, alone (the full `npm run bench` does not select cells): our server
 * as its own process (API and job worker, as `npm start` runs it), then
 *   1. the p99 of a small query (`viewer`, sequential, one client) idle, and while a 50,000-org file
 *      is imported as a job end to end (upload → DONE): the import must not block the event loop;
 *   2. exporting that tenant (GET /tenant-archives/jtj) and restoring it beside the original under a
 *      new slug (POST /tenant-archives?slug=…): time, archive size and the server's peak RSS.
 */
import 'reflect-metadata';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { freePort } from '../src/db/embedded';
import { projectRoot } from '../src/paths';
import { BENCH_JWT_SECRET } from './generate';
import { ServerProcess, httpOk, rssMb, startServer, systemNode } from './processes';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const ORGS = arg('--orgs', 50_000);
const IDLE_SECONDS = arg('--idle', 10);
const log = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function p(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function gql<T = any>(url: string, query: string, variables: object, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const loginAs = async (url: string, tenant: string | null, username: string) =>
  (
    await gql<{ login: { accessToken: string } }>(url, `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, {
      i: { tenant, username, password: 'demo' },
    })
  ).login.accessToken;

/** Latencies (ms) of the small query, sequentially, until `stop()` answers true. */
async function probe(url: string, token: string, stop: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!stop()) {
    const started = performance.now();
    await gql(url, `{ viewer { username } }`, {}, token);
    out.push(performance.now() - started);
  }
  return out;
}

/** The server's peak RSS (MB) while `work` runs, sampled every 50 ms. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peakMb: number; ms: number }> {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  const started = performance.now();
  try {
    const value = await work();
    return { value, peakMb: Math.max(peak, rssMb(pid)), ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  const ownerUrl = process.env.DATABASE_URL;
  if (!ownerUrl) throw new Error('DATABASE_URL (an owner URL of a PostgreSQL cluster) is required');
  const dbName = `bench_tenant_data_${process.pid}`;
  const admin = new Client({ connectionString: ownerUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(ownerUrl);
  dbUrl.pathname = `/${dbName}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-tenant-data-'));
  let server: ServerProcess | undefined;
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    server = await startServer({
      name: 'ours',
      binary: systemNode(),
      args: [path.join(projectRoot, 'dist', 'src', 'main.js')],
      env: {
        ...process.env,
        DATABASE_URL: dbUrl.toString(),
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: BENCH_JWT_SECRET,
        SEED_DEMO: 'true',
        DATA_DIR: dir,
        RATE_LIMIT_USER_PER_MINUTE: '0',
        RATE_LIMIT_TENANT_PER_MINUTE: '0',
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
        NODE_ENV: 'development',
      },
      url,
      ready: () => httpOk(`http://127.0.0.1:${port}/readyz`),
      timeoutMs: 300_000,
    });
    const base = `http://127.0.0.1:${port}`;
    const adminToken = await loginAs(url, 'jtj', 'admin');
    const probeToken = await loginAs(url, 'jtj', 'member');
    const operator = await loginAs(url, null, 'operator');

    // the file: one committee, ORGS/100 general branches of 99 branches each, named by path
    const lines = ['组织名称,组织类型,单位类别,上级组织', '压测导入党委,党委,企业,市公交集团党委'];
    for (let g = 0; lines.length - 1 < ORGS; g++) {
      lines.push(`第${g}党总支,党总支,企业,压测导入党委`);
      for (let b = 0; b < 99 && lines.length - 1 < ORGS; b++) lines.push(`第${b}党支部,党支部,企业,压测导入党委/第${g}党总支`);
    }
    const csv = `${lines.join('\n')}\n`;

    // 1. idle p99, then p99 during the import
    await probe(
      url,
      probeToken,
      (() => {
        const until = Date.now() + 1000;
        return () => Date.now() > until;
      })(),
    );
    const idleUntil = Date.now() + IDLE_SECONDS * 1000;
    const idle = await probe(url, probeToken, () => Date.now() > idleUntil);
    let done = false;
    const during = probe(url, probeToken, () => done);
    const imported = await peakRss(server.pid, async () => {
      const form = new FormData();
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'bench-orgs.csv');
      const res = await fetch(`${base}/imports/orgs/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}` },
        body: form,
      });
      const { job } = (await res.json()) as { job: { id: string } };
      for (;;) {
        const node = (
          await gql<{ node: { state: string; rowsApplied: number; problemCount: number } }>(
            url,
            `query($id: ID!) { node(id: $id) { ... on ImportJob { state rowsApplied problemCount } } }`,
            { id: job.id },
            adminToken,
          )
        ).node;
        if (['DONE', 'FAILED', 'ROLLED_BACK'].includes(node.state)) return node;
        await sleep(250);
      }
    });
    done = true;
    const busy = await during;
    if (imported.value.state !== 'DONE') throw new Error(`import ended ${JSON.stringify(imported.value)}`);

    // 2. export and restore the tenant (now with the imported orgs)
    const file = path.join(dir, 'jtj.tar');
    const exported = await peakRss(server.pid, async () => {
      const res = await fetch(`${base}/tenant-archives/jtj`, { headers: { authorization: `Bearer ${operator}` } });
      if (res.status !== 200 || !res.body) throw new Error(`export ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
      return statSync(file).size;
    });
    const restored = await peakRss(server.pid, async () => {
      const res = await fetch(`${base}/tenant-archives?slug=jtj-bench-copy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/x-tar' },
        body: Readable.toWeb(createReadStream(file)) as never,
        duplex: 'half',
      } as RequestInit);
      const body = (await res.json()) as { counts?: Record<string, number>; errors?: unknown };
      if (res.status !== 201) throw new Error(`restore ${res.status} ${JSON.stringify(body.errors)}`);
      return Object.values(body.counts ?? {}).reduce((a, b) => a + b, 0);
    });

    const idleP99 = p(idle, 0.99);
    const busyP99 = p(busy, 0.99);
    log(`## Tenant data (issue 19): ${ORGS.toLocaleString('en')} orgs imported as a job, then the tenant exported and restored`);
    log();
    log('| cell | figure | target |');
    log('|---|---|---|');
    log(
      `| import ${ORGS.toLocaleString('en')} orgs as a job, upload → DONE | ${(imported.ms / 1000).toFixed(1)} s (server peak RSS ${imported.peakMb.toFixed(0)} MB) | |`,
    );
    log(`| small query p50 / p99 idle (${idle.length} requests) | ${p(idle, 0.5).toFixed(1)} / ${idleP99.toFixed(1)} ms | |`);
    log(
      `| small query p50 / p99 during the import (${busy.length} requests) | ${p(busy, 0.5).toFixed(1)} / ${busyP99.toFixed(1)} ms (${(busyP99 / idleP99).toFixed(2)}× idle) | p99 ≤ 2× idle ${busyP99 <= 2 * idleP99 ? '✓' : '✗'} |`,
    );
    log(
      `| export tenant jtj (${(exported.value / 1024 / 1024).toFixed(1)} MB tar) | ${(exported.ms / 1000).toFixed(1)} s (server peak RSS ${exported.peakMb.toFixed(0)} MB) | streamed |`,
    );
    log(
      `| restore it beside the original (${restored.value.toLocaleString('en')} rows) | ${(restored.ms / 1000).toFixed(1)} s (server peak RSS ${restored.peakMb.toFixed(0)} MB) | one transaction |`,
    );
  } finally {
    await server?.stop().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
