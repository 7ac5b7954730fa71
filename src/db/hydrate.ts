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
  for (const { key, column, plain, as } of plan.columns) {
    const raw = row[key];
    // TypeORM's own conversion (dates, booleans, JSON, transformers); a null without a transformer stays
    // null, and a value pg already gave as the column's type would come back from it unchanged
    const unchanged = (raw == null && plain) || (as === 'date' ? raw instanceof Date : as !== null && typeof raw === as);
    const value = unchanged ? raw : driver.prepareHydratedValue(raw, column);
    if (plain) (target as Record<string, unknown>)[column.propertyName] = value;
    else column.setEntityValue(target, value);
  }
  return target;
}

interface HydrationPlan {
  primaryKeys: string[];
  /**
   * `plain`: a column of the entity itself (not embedded, not a relation's id), without a transformer.
   * `as`: the JavaScript type (typeof) in which prepareHydratedValue returns a plain column's value as it is.
   */
  columns: { key: string; column: ColumnMetadata; plain: boolean; as: Unchanged | null }[];
}

/** A typeof answer, or 'date' for a Date instance. */
type Unchanged = 'string' | 'number' | 'boolean' | 'date';

/**
 * Column types whose values PostgresDriver.prepareHydratedValue (typeorm 0.3) returns unchanged when pg
 * hands them over as strings, numbers, booleans or (timestamps) Dates: its branches for these types
 * leave such a value as it is (a `Number` column is parsed with parseInt, an enum compared with its
 * numeric members, a `date` reformatted: those keep going through it). tests/hydrate.test.ts checks
 * every listed type against it.
 */
export const UNCHANGED_AS: Record<string, Unchanged> = {
  text: 'string',
  uuid: 'string',
  varchar: 'string',
  'character varying': 'string',
  citext: 'string',
  ltree: 'string',
  inet: 'string',
  int: 'number',
  integer: 'number',
  int4: 'number',
  smallint: 'number',
  int2: 'number',
  real: 'number',
  'double precision': 'number',
  float8: 'number',
  boolean: 'boolean',
  bool: 'boolean',
  timestamptz: 'date',
  'timestamp with time zone': 'date',
  timestamp: 'date',
  'timestamp without time zone': 'date',
};

function unchangedAs(column: ColumnMetadata): Unchanged | null {
  if (column.isArray) return null;
  if (column.type === String) return 'string';
  if (column.type === Boolean) return 'boolean';
  if (column.type === Date) return 'date';
  return typeof column.type === 'string' ? (UNCHANGED_AS[column.type] ?? null) : null;
}

/** Per entity and alias, built once: the row's keys and how each column is set (hydrate runs per row). */
function hydrationPlan(metadata: EntityMetadata, alias: string): HydrationPlan {
  let plans = hydrationPlans.get(metadata);
  if (!plans) hydrationPlans.set(metadata, (plans = new Map()));
  let plan = plans.get(alias);
  if (!plan) {
    plan = {
      primaryKeys: metadata.primaryColumns.map((c) => `${alias}_${c.databaseName}`),
      columns: metadata.columns.map((column) => {
        const plain = !column.embeddedMetadata && !column.relationMetadata && !column.referencedColumn && !column.transformer;
        return { key: `${alias}_${column.databaseName}`, column, plain, as: plain ? unchangedAs(column) : null };
      }),
    };
    plans.set(alias, plan);
  }
  return plan;
}

const hydrationPlans = new WeakMap<EntityMetadata, Map<string, HydrationPlan>>();
