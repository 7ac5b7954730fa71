import { EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
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
  const plan = hydrationPlan(metadata, alias);
  if (plan.primaryKeys.every((key) => row[key] == null)) return null;
  const target = metadata.create() as E;
  const { driver } = connection;
  for (const { key, column, plain } of plan.columns) {
    const raw = row[key];
    // TypeORM's own conversion (dates, booleans, JSON, transformers); a null without a transformer stays null
    const value = raw == null && plain ? raw : driver.prepareHydratedValue(raw, column);
    if (plain) (target as Record<string, unknown>)[column.propertyName] = value;
    else column.setEntityValue(target, value);
  }
  return target;
}

interface HydrationPlan {
  primaryKeys: string[];
  /** `plain`: a column of the entity itself (not embedded, not a relation's id), without a transformer. */
  columns: { key: string; column: ColumnMetadata; plain: boolean }[];
}

/** Per entity and alias, built once: the row's keys and how each column is set (hydrate runs per row). */
function hydrationPlan(metadata: EntityMetadata, alias: string): HydrationPlan {
  let plans = hydrationPlans.get(metadata);
  if (!plans) hydrationPlans.set(metadata, (plans = new Map()));
  let plan = plans.get(alias);
  if (!plan) {
    plan = {
      primaryKeys: metadata.primaryColumns.map((c) => `${alias}_${c.databaseName}`),
      columns: metadata.columns.map((column) => ({
        key: `${alias}_${column.databaseName}`,
        column,
        plain: !column.embeddedMetadata && !column.relationMetadata && !column.referencedColumn && !column.transformer,
      })),
    };
    plans.set(alias, plan);
  }
  return plan;
}

const hydrationPlans = new WeakMap<EntityMetadata, Map<string, HydrationPlan>>();
