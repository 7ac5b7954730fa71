import path from 'node:path';
import { DataSource } from 'typeorm';
import { Config } from '../config';
import { ensureAppRole } from './app-role';
import { createDataSource } from './data-source';
import { closeSideChannel } from './side-channel';
import { EmbeddedServer, startEmbeddedPostgres } from './embedded';

export interface Database {
  /** The RLS-bound pool every request uses. */
  dataSource: DataSource;
  ownerUrl: string;
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
 * Brings the database up: an embedded PostgreSQL under DATA_DIR unless DATABASE_URL is set; migrations
 * as the owner; then a pool logged in as the non-owner app role (APP_DATABASE_URL, or a role we create).
 */
export async function openDatabase(config: Config, options: { quiet?: boolean } = {}): Promise<Database> {
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
    const owner = createDataSource(ownerUrl, { poolSize: 1, applicationName: 'party-platform-migrate' });
    await owner.initialize();
    let appUrl = config.appDatabaseUrl;
    try {
      await owner.runMigrations({ transaction: 'each' });
      if (!appUrl) appUrl = await ensureAppRole(owner, ownerUrl, config.appDbRole);
    } finally {
      await owner.destroy();
    }
    const dataSource = createDataSource(appUrl, { logging: config.logQueries ? ['query'] : false });
    await dataSource.initialize();
    keepClientErrorsHandled(dataSource);
    return {
      dataSource,
      ownerUrl,
      embedded,
      async close() {
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
