import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Config } from '../config';
import { ensureAppRole } from './app-role';
import { ensureJobsRole } from './jobs-role';
import { createDataSource } from './data-source';
import { livePublished } from './live-publisher';
import { closeSideChannel } from './side-channel';
import { EmbeddedServer, startEmbeddedPostgres } from './embedded';
import { prepareRepeatedStatementsOf } from './prepared-statements';

export interface Database {
  /** The RLS-bound pool every request uses. */
  dataSource: DataSource;
  ownerUrl: string;
  /** The job queue's role (owns only the pgboss schema): what pg-boss logs in as. */
  jobsUrl: string;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/**
 * A pooled pg client can emit 'error' after TypeORM has already removed its listener (the server went
 * away between two statements: a restart, a failover). An 'error' event without a listener would end
 * the process, so every client of the pool keeps a listener for its whole life; the failure itself
 * still reaches the request that was using the connection, as a rejected query.
 */
function keepClientErrorsHandled(dataSource: DataSource): void {
  const pool = (
    dataSource.driver as unknown as {
      master?: {
        on(event: string, fn: (client: { on(e: string, f: () => void): void }) => void): void;
        _clients?: { on(e: string, f: () => void): void }[];
      };
    }
  ).master;
  if (!pool) return;
  const ignore = () => undefined;
  for (const client of pool._clients ?? []) client.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
}

/**
 * The key of the start-up advisory lock (any constant; advisory locks are per database). Every instance
 * takes it on a dedicated owner connection before migrating, creating the app role and granting, and
 * holds it through `whileLocked` (the demo seed), so N instances starting together on an empty database
 * do that work one after another: the first does it, the others find it done.
 */
export const STARTUP_LOCK_KEY = 7_346_160_000;

async function withStartupLock<T>(ownerUrl: string, work: () => Promise<T>): Promise<T> {
  const lock = new Client({ connectionString: ownerUrl, application_name: 'party-platform-startup-lock', connectionTimeoutMillis: 10_000 });
  lock.on('error', () => undefined); // a lost connection ends the session and with it the lock; the work reports its own failure
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock($1)`, [STARTUP_LOCK_KEY]);
    return await work();
  } finally {
    // Closing the session releases the lock even when the unlock itself fails.
    await lock.query(`SELECT pg_advisory_unlock($1)`, [STARTUP_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

/**
 * Brings the database up: an embedded PostgreSQL under DATA_DIR unless DATABASE_URL is set; migrations
 * as the owner; then a pool logged in as the non-owner app role (APP_DATABASE_URL, or a role we create).
 */
export async function openDatabase(
  config: Config,
  options: { quiet?: boolean; whileLocked?: (dataSource: DataSource) => Promise<void> } = {},
): Promise<Database> {
  let embedded: EmbeddedServer | undefined;
  let ownerUrl = config.databaseUrl;
  if (!ownerUrl) {
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), options);
    ownerUrl = embedded.url('postgres');
    const admin = createDataSource(ownerUrl, { poolSize: 1 });
    await admin.initialize();
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'party'`);
    if (!exists.length) await admin.query(`CREATE DATABASE party`);
    await admin.destroy();
    ownerUrl = embedded.url('party');
  }
  try {
    let jobsUrl = config.jobsDatabaseUrl ?? '';
    const dataSource = await withStartupLock(ownerUrl, async () => {
      const owner = createDataSource(ownerUrl, { poolSize: 1, applicationName: 'party-platform-migrate' });
      await owner.initialize();
      let appUrl = config.appDatabaseUrl;
      try {
        await owner.runMigrations({ transaction: 'each' });
        if (!appUrl) appUrl = await ensureAppRole(owner, ownerUrl, config.appDbRole, config.appDbPassword);
        if (!jobsUrl) jobsUrl = await ensureJobsRole(owner, ownerUrl, config.jobsDbRole, config.jobsDbPassword);
      } finally {
        await owner.destroy();
      }
      const pool = createDataSource(appUrl, { poolSize: config.databasePoolSize, logging: config.logQueries ? ['query'] : false });
      await pool.initialize();
      keepClientErrorsHandled(pool);
      if (config.preparedStatements) prepareRepeatedStatementsOf(pool);
      try {
        await options.whileLocked?.(pool);
      } catch (error) {
        await pool.destroy().catch(() => undefined);
        throw error;
      }
      return pool;
    });
    return {
      dataSource,
      ownerUrl,
      jobsUrl,
      embedded,
      async close() {
        await livePublished(dataSource);
        await closeSideChannel(dataSource).catch(() => undefined);
        await dataSource.destroy().catch(() => undefined);
        await embedded?.stop().catch(() => undefined);
      },
    };
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
}
