import { createHmac, randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The JWT secret of every test server (the app role's password derives from it, so it is one for the cluster). */
export const TEST_JWT_SECRET = 'test-secret-'.padEnd(48, 'x');
/**
 * The app role's password of every test server: the one TEST_JWT_SECRET derives (see config.ts), given
 * outright, so a server signing with other keys (the RS256 test) does not re-key the role the other test
 * files' pools log in with on a password-checking cluster (the embedded one).
 */
export const TEST_APP_DB_PASSWORD = createHmac('sha256', Buffer.from(TEST_JWT_SECRET))
  .update('party-platform:app-role:party_app')
  .digest('base64url');

/**
 * scrypt's cost (log2 N) of the passwords test servers hash: 2^10, not production's 2^15. The suite
 * hashes and verifies hundreds of them and what it checks is what a sign-in or a change does, not how
 * long a hash takes; verification reads the cost from the stored hash, so the code path is production's
 * (config.test.ts checks that production refuses a cost below 15).
 */
export const TEST_PASSWORD_SCRYPT_COST = '10';

/** Superuser URL of the cluster the tests use, with `database` in place of its database. */
export function clusterUrl(database: string): string {
  const admin = process.env.TEST_PG_ADMIN_URL;
  if (!admin) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through jest (global setup)');
  const url = new URL(admin);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: clusterUrl(new URL(process.env.TEST_PG_ADMIN_URL!).pathname.slice(1) || 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const TEMPLATE_EMPTY = () => `${process.env.TEST_DB_PREFIX}_tpl_empty`;
export const TEMPLATE_DEMO = () => `${process.env.TEST_DB_PREFIX}_tpl_demo`;
export const TEMPLATE_CAMPAIGNS = () => `${process.env.TEST_DB_PREFIX}_tpl_campaigns`;

/** A fresh database cloned from a migrated (and optionally seeded) template: isolated per test file. */
export async function createTestDatabase(template: string): Promise<string> {
  const name = `${process.env.TEST_DB_PREFIX}_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY FILE_COPY`);
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
