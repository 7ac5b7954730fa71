import 'reflect-metadata';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config, loadConfig } from '../../src/config';
import { Database, openDatabase } from '../../src/db/database';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { seedDemoCampaigns } from '../../src/seed/demo-campaigns';
import { seedDemoIfEmpty } from '../../src/seed/demo';
import { day } from './dates';
import {
  TEMPLATE_CAMPAIGNS,
  TEMPLATE_DEMO,
  TEMPLATE_EMPTY,
  TEST_JWT_SECRET,
  TEST_PASSWORD_SCRYPT_COST,
  adminQuery,
  clusterUrl,
} from './test-database';

declare global {
  var __EMBEDDED_PG__: { stop(): Promise<void> } | undefined;
}

/**
 * Uses TEST_DATABASE_URL (or DATABASE_URL) when given, else starts an embedded PostgreSQL in a temp
 * dir. Builds three template databases that every test file clones: migrated; with the demo's orgs and
 * users; and with the full demo (frameworks, campaigns, teams, every module's stories) on top.
 */
export default async function globalSetup(): Promise<void> {
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) {
    process.env.TEST_PG_ADMIN_URL = given;
  } else {
    const dir = mkdtempSync(path.join(clusterParent(), 'party-test-pg-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own OS user, which must reach the cluster dir
    // a throwaway cluster: no fsync (what the tests check is the server's behaviour, not the disk's)
    const server = await startEmbeddedPostgres(dir, { quiet: true, durable: false });
    globalThis.__EMBEDDED_PG__ = server;
    process.env.TEST_PG_ADMIN_URL = server.url('postgres');
    process.env.TEST_EMBEDDED_DIR = dir;
  }
  process.env.TEST_DB_PREFIX = `ptest_${process.pid}`;
  delete process.env.DATABASE_URL;

  // migrated once: the demo template is a file copy of the empty one, seeded
  await createTemplate(TEMPLATE_EMPTY(), null, async () => undefined);
  // orgs and users only: the criteria and campaign stories build their own frameworks and campaigns
  await createTemplate(TEMPLATE_DEMO(), TEMPLATE_EMPTY(), (db, config) => seedDemoIfEmpty(db.dataSource, config, { campaigns: false }));
  await buildCampaignsTemplate();
}

/**
 * Where the throwaway cluster lives: in memory (/dev/shm) where the machine has one with room, else the
 * temp dir. Cloning a template is one file copy per relation (about 1,600 files): 650 ms a clone on
 * this machine's disk, 27 ms in memory, and every test server clones one. Clusters a killed run left
 * in memory (their postmaster gone) are removed first: memory is not cleaned at reboot's pace.
 */
function clusterParent(): string {
  const shm = '/dev/shm';
  try {
    const fs = statfsSync(shm);
    if (fs.bavail * fs.bsize < 2 * 1024 ** 3) return os.tmpdir();
    for (const name of readdirSync(shm)) {
      if (!name.startsWith('party-test-pg-')) continue;
      const dir = path.join(shm, name);
      if (!leftBehind(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
    }
    return shm;
  } catch {
    return os.tmpdir();
  }
}

/**
 * A cluster dir whose postmaster is gone (or that never got one and is older than an hour). During
 * initdb the lock file holds the standalone backend's pid negated: read as it is, that named a process
 * group and a concurrent run's cluster being initialized looked left behind (and was removed).
 */
function leftBehind(dir: string): boolean {
  const pidFile = path.join(dir, 'cluster', 'postmaster.pid');
  const oldEnough = Date.now() - statSync(dir).mtimeMs > 3_600_000;
  if (!existsSync(pidFile)) return oldEnough;
  const pid = Math.abs(Number(readFileSync(pidFile, 'utf8').split('\n')[0]));
  if (!Number.isInteger(pid) || pid <= 0) return oldEnough;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Creates `name` (a file copy of `from`, or empty), migrates it as a server would and runs `fill` through the app role. */
async function createTemplate(name: string, from: string | null, fill: (db: Database, config: Config) => Promise<unknown>): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminQuery(from ? `CREATE DATABASE "${name}" TEMPLATE "${from}" STRATEGY FILE_COPY` : `CREATE DATABASE "${name}"`);
  const config = loadConfig({
    DATABASE_URL: clusterUrl(name),
    JWT_SECRET: TEST_JWT_SECRET, // the app role's password derives from it: the same as every test server's
    DATA_DIR: os.tmpdir(),
    DEMO_PASSWORD: 'demo',
    SEED_DEMO: 'false',
    PASSWORD_SCRYPT_COST: TEST_PASSWORD_SCRYPT_COST,
  });
  const db = await openDatabase(config, { quiet: true });
  try {
    await fill(db, config);
  } finally {
    await db.close();
  }
}

/**
 * The full demo, seeded once per run instead of in a third of the test files (about a second each).
 * Its stories are dated from the day it is built: a server started on a later tenant day (a run that
 * crosses midnight in Asia/Shanghai) seeds its own instead (startTestServer).
 */
async function buildCampaignsTemplate(): Promise<void> {
  process.env.TEST_CAMPAIGNS_DAY = day(0);
  await createTemplate(TEMPLATE_CAMPAIGNS(), TEMPLATE_DEMO(), (db, config) => seedDemoCampaigns(db.dataSource, config));
}
