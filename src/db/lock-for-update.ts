import { EntityTarget, ObjectLiteral } from 'typeorm';
import { columnsOf, hydrate } from './hydrate';
import { RequestTransaction } from './request-transaction';

/**
 * A tenant's row as it stands, locked FOR UPDATE to the end of the transaction (null when gone). A
 * partial update merges its given fields into what this returns, never into a row read before the lock:
 * two updates of different fields at once then apply one after the other, and neither undoes the other.
 */
export async function lockForUpdate<E extends ObjectLiteral>(
  tx: RequestTransaction,
  entity: EntityTarget<E>,
  tenantId: string,
  id: string,
): Promise<E | null> {
  const [row] = await tx.query<Record<string, unknown>>(
    `SELECT ${columnsOf(tx, entity, 'x')} FROM "${tx.metadata(entity).tableName}" x WHERE x.tenant_id = $1 AND x.id = $2 FOR UPDATE`,
    [tenantId, id],
  );
  return row ? hydrate(tx, entity, 'x', row) : null;
}
