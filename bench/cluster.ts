import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedServer, startEmbeddedPostgres } from '../src/db/embedded';

/** The bench's own database: on a fresh embedded cluster in a temp dir, or on DATABASE_URL's server. */
export interface BenchCluster {
  /** Owner (superuser) URL of the bench database. */
  ownerUrl: string;
  database: string;
  embedded: boolean;
  serverVersion: string;
  /** Drops the database, stops the embedded cluster and removes its temp dir; safe to call twice. */
  destroy(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function openBenchCluster(log: (line: string) => void): Promise<BenchCluster> {
  const database = `party_bench_${process.pid}`;
  let embedded: EmbeddedServer | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'party-bench-pg-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own OS user, which must reach the cluster dir
    try {
      embedded = await startEmbeddedPostgres(dir, { quiet: true });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    adminUrl = embedded.url('postgres');
    log(`embedded PostgreSQL in ${dir}`);
  } else {
    log(`PostgreSQL from DATABASE_URL (database ${database} is created and dropped)`);
  }
  let destroyed = false;
  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    await adminQuery(adminUrl!, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch((e: unknown) =>
      log(`drop database failed: ${(e as Error).message}`),
    );
    if (embedded) await embedded.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await adminQuery(adminUrl, `CREATE DATABASE "${database}"`);
    const client = new Client({ connectionString: withDatabase(adminUrl, database) });
    await client.connect();
    const [{ server_version: serverVersion }] = (await client.query(`SHOW server_version`)).rows;
    await client.end();
    return { ownerUrl: withDatabase(adminUrl, database), database, embedded: !!embedded, serverVersion, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}
