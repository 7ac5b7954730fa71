// Which store for the shared request limits (issue 16)? Measures, on one migrated database, the two
// candidates counting one request against a tenant key and a user key (the tenant row is hot: every
// request updates it), from 32 concurrent callers over a pool of 4 connections (the side channel's):
//   ours  SELECT app_rate_limit(keys, limits, 60)  (migration 1734160000000: one statement, both keys)
//   rlf   rate-limiter-flexible 11 RateLimiterPostgres, one limiter per key, tenant then user (two statements)
// Usage (rate-limiter-flexible is not a dependency; install it beside, without saving):
//   npm run build && npm i --no-save rate-limiter-flexible && node bench/rate-limit-store.mjs postgres://postgres@127.0.0.1:5432/postgres
import { createRequire } from 'node:module';
import path from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import pg from 'pg';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadConfig } = require(path.join(root, 'dist/src/config.js'));
const { openDatabase } = require(path.join(root, 'dist/src/db/database.js'));
let RateLimiterPostgres;
try {
  ({ RateLimiterPostgres } = require('rate-limiter-flexible'));
} catch {
  console.error('install rate-limiter-flexible first: npm i --no-save rate-limiter-flexible');
  process.exit(2);
}

const admin = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `rl_store_${process.pid}`;
const CALLS = Number(process.env.CALLS ?? 20000);
const CONCURRENCY = 32;
const USERS = 1000;

async function adminQuery(sql) {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(sql);
  await c.end();
}

async function run(name, consume) {
  const latencies = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) {
        const i = next++;
        const t = process.hrtime.bigint();
        await consume(`tenant-1`, `user-${i % USERS}`);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.floor(q * (latencies.length - 1))].toFixed(2);
  console.log(`${name.padEnd(6)} ${CALLS} requests: ${(CALLS / seconds).toFixed(0)} /s, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`);
}

await adminQuery(`CREATE DATABASE ${dbName}`);
const url = new URL(admin);
url.pathname = `/${dbName}`;
try {
  const db = await openDatabase(loadConfig({ DATABASE_URL: url.toString(), JWT_SECRET: 'x'.repeat(40), SEED_DEMO: 'false' }), {
    quiet: true,
  });
  await db.close();
  const owner = new pg.Pool({ connectionString: url.toString(), max: 4 });
  await owner.query(`CREATE UNLOGGED TABLE rlf_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
  const tenant = new RateLimiterPostgres({
    storeClient: owner,
    tableName: 'rlf_limits',
    tableCreated: true,
    keyPrefix: 't',
    points: 1e9,
    duration: 60,
    clearExpiredByTimeout: false,
  });
  const user = new RateLimiterPostgres({
    storeClient: owner,
    tableName: 'rlf_limits',
    tableCreated: true,
    keyPrefix: 'u',
    points: 1e9,
    duration: 60,
    clearExpiredByTimeout: false,
  });
  const ours = async (t, u) => {
    await owner.query(`SELECT app_rate_limit($1::text[], $2::int[], 60) AS r`, [
      [`t:${t}`, `u:${u}`],
      [1e9, 1e9],
    ]);
  };
  const rlf = async (t, u) => {
    await tenant.consume(t);
    await user.consume(u);
  };
  // warm both, then alternate twice so neither profits from going second
  await run('warmup', ours);
  await run('warmup', rlf);
  for (let round = 0; round < 2; round++) {
    await run('ours', ours);
    await run('rlf', rlf);
  }
  await owner.end();
} finally {
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}
