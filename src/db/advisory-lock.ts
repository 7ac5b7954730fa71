import { RequestTransaction } from './request-transaction';

/**
 * Holds a transaction-level advisory lock on `key` (`<what>:<tenant id>:<id>`) until the transaction ends: the one
 * way a cap or a derived value is kept under concurrent requests when there is no row to lock (an org's records of
 * the year counted before one more is written, a tenant's admins before one is removed). Concurrent holders of one
 * key pass one at a time; keys hash to 64 bits (`hashtextextended`), so two keys rarely share a lock and never
 * lose one.
 */
export async function holdLock(tx: RequestTransaction, key: string): Promise<void> {
  await tx.query<{ locked: string }>(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text AS locked`, [key]);
}

/**
 * A cap's count read under `holdLock(tx, key)`: the one row of `sql` (its `count`, and any other counts beside it).
 * The lock is a statement of its own before the count: in READ COMMITTED each statement takes its snapshot when it
 * starts, so a count in the lock's own statement would not see the row the previous holder committed.
 */
export async function countUnderLock<T extends { count: number } = { count: number }>(
  tx: RequestTransaction,
  key: string,
  sql: string,
  params: unknown[],
): Promise<T> {
  await holdLock(tx, key);
  const [row] = await tx.query<T>(sql, params);
  return row;
}
