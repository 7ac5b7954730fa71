import { EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import { RequestTransaction } from './request-transaction';

/**
 * Entities read by a hand-written statement, mapped with TypeORM's cached column metadata (no query
 * builder, no second statement): `columnsOf` lists an alias's columns as `alias_column`, `hydrate`
 * turns those columns of a raw row back into the entity (null when the row has none, as from a LEFT JOIN).
 */
export function columnsOf<E extends ObjectLiteral>(
  tx: RequestTransaction,
  entity: EntityTarget<E>,
  alias: string,
  /** Where the columns are read from when not the alias itself: a row that comes back whole, as `(f.o)`. */
  from = alias,
): string {
  const metadata = tx.metadata(entity);
  // the same few lists are asked for on every request: kept per entity's metadata (built once per data source)
  let lists = columnLists.get(metadata);
  if (!lists) columnLists.set(metadata, (lists = new Map()));
  const key = `${alias}\u0000${from}`;
  let list = lists.get(key);
  if (list === undefined) {
    list = metadata.columns.map((c) => `${from}.${c.databaseName} AS "${alias}_${c.databaseName}"`).join(', ');
    lists.set(key, list);
  }
  return list;
}

const columnLists = new WeakMap<EntityMetadata, Map<string, string>>();

export function hydrate<E extends ObjectLiteral>(
  tx: RequestTransaction,
  entity: EntityTarget<E>,
  alias: string,
  row: Record<string, unknown>,
): E | null {
  const { connection } = tx.manager;
  const metadata = connection.getMetadata(entity);
  if (metadata.primaryColumns.every((c) => row[`${alias}_${c.databaseName}`] == null)) return null;
  const target = metadata.create() as E;
  for (const column of metadata.columns) {
    column.setEntityValue(target, connection.driver.prepareHydratedValue(row[`${alias}_${column.databaseName}`], column));
  }
  return target;
}
