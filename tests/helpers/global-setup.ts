import 'reflect-metadata';
import { randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { seedDemoCampaigns } from '../../src/seed/demo-campaigns';
import { seedDemoIfEmpty } from '../../src/seed/demo';
import { Client } from 'pg';
import { day } from './dates';
import { TEMPLATE_CAMPAIGNS, TEMPLATE_DEMO, TEMPLATE_EMPTY, TEST_JWT_SECRET, adminQuery, clusterUrl } from './test-database';

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
    const dir = mkdtempSync(path.join(os.tmpdir(), 'party-test-pg-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own OS user, which must reach the cluster dir
    // a throwaway cluster: no fsync (what the tests check is the server's behaviour, not the disk's)
    const server = await startEmbeddedPostgres(dir, { quiet: true, durable: false });
    globalThis.__EMBEDDED_PG__ = server;
    process.env.TEST_PG_ADMIN_URL = server.url('postgres');
    process.env.TEST_EMBEDDED_DIR = dir;
  }
  process.env.TEST_DB_PREFIX = `ptest_${process.pid}`;
  delete process.env.DATABASE_URL;

  for (const template of [TEMPLATE_EMPTY(), TEMPLATE_DEMO()]) {
    await adminQuery(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE "${template}"`);
    const config = loadConfig({
      DATABASE_URL: clusterUrl(template),
      JWT_SECRET: TEST_JWT_SECRET, // the app role's password derives from it: the same as every test server's
      DATA_DIR: os.tmpdir(),
      DEMO_PASSWORD: 'demo',
    });
    const db = await openDatabase(config, { quiet: true });
    // Orgs and users only: the criteria and campaign stories build their own frameworks and campaigns.
    if (template === TEMPLATE_DEMO()) await seedDemoIfEmpty(db.dataSource, config, { campaigns: false });
    await db.close();
    if (template === TEMPLATE_DEMO()) await cheapenDemoPasswords(template);
  }
  await buildCampaignsTemplate();
}

/**
 * The full demo, seeded once per run instead of in a third of the test files (about a second each).
 * Its stories are dated from the day it is built: a server started on a later tenant day (a run that
 * crosses midnight in Asia/Shanghai) seeds its own instead (startTestServer).
 */
async function buildCampaignsTemplate(): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${TEMPLATE_CAMPAIGNS()}" WITH (FORCE)`);
  process.env.TEST_CAMPAIGNS_DAY = day(0);
  await adminQuery(`CREATE DATABASE "${TEMPLATE_CAMPAIGNS()}" TEMPLATE "${TEMPLATE_DEMO()}" STRATEGY FILE_COPY`);
  const config = loadConfig({
    DATABASE_URL: clusterUrl(TEMPLATE_CAMPAIGNS()),
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: os.tmpdir(),
    SEED_DEMO: 'false',
  });
  const db = await openDatabase(config, { quiet: true });
  try {
    await seedDemoCampaigns(db.dataSource, config);
  } finally {
    await db.close();
  }
}

/**
 * The demo users of the test template get the same password ("demo") under a cheap scrypt (N=2^10
 * instead of 2^15): the suite signs them in over a thousand times, and what those tests check is
 * what a sign-in does, not how long a hash takes. Verification reads the parameters from the stored
 * hash, so the server's code path is the production one; users the tests create or re-key get
 * production hashes.
 */
async function cheapenDemoPasswords(template: string): Promise<void> {
  const [n, r, p] = [1 << 10, 8, 1];
  const salt = randomBytes(16);
  const key = scryptSync('demo', salt, 32, { N: n, r, p });
  const client = new Client({ connectionString: clusterUrl(template) });
  await client.connect();
  try {
    // as a restore would: no trigger fires (the password history keeps the seeded entry, one per user)
    await client.query(`SET session_replication_role = replica`);
    await client.query(`UPDATE users SET password_hash = $1`, [
      `scrypt$${n}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`,
    ]);
  } finally {
    await client.end();
  }
}
