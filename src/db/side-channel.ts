import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

/**
 * A few connections beside the request pool, for single statements that must stand outside the
 * request's transaction (a counted sign-in attempt). A request already holds one pooled connection;
 * asking the same pool for a second one while holding it deadlocks once every connection is held by
 * such a request (30 concurrent sign-ins on a pool of 20 did). This pool is never used to wait for
 * the request pool, so it cannot take part in that cycle.
 */
const pools = new WeakMap<DataSource, Pool>();

export function sideChannel(dataSource: DataSource): Pool {
  let pool = pools.get(dataSource);
  if (!pool) {
    const options = dataSource.options as PostgresConnectionOptions;
    pool = new Pool({
      connectionString: options.url,
      max: 4,
      connectionTimeoutMillis: 5000,
      application_name: 'party-platform-side',
      statement_timeout: 15000,
    });
    // an idle client's error (database restart) must not end the process; the next query reports it
    pool.on('error', () => undefined);
    pools.set(dataSource, pool);
  }
  return pool;
}

export async function closeSideChannel(dataSource: DataSource): Promise<void> {
  const pool = pools.get(dataSource);
  pools.delete(dataSource);
  await pool?.end();
}
