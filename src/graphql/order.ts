import { ClassType, Field, InputType, registerEnumType } from 'type-graphql';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { labelled } from './enum-labels';
import { coreError } from './errors';
import { KeysetColumn, keysetPage } from './keyset';
import { Page, decodeCursor, encodeCursor } from './relay';

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
export const orderDirectionLabels: Record<OrderDirection, string> = {
  ASC: '升序：从小到大、从早到晚',
  DESC: '降序：从大到小、从晚到早',
};
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: '排序方向：升序或降序',
  valuesConfig: labelled(orderDirectionLabels),
});

/** What a list's `orderBy` argument holds: one of the list's sort fields and a direction. */
export interface Order<F extends string> {
  field: F;
  direction: OrderDirection;
}

/**
 * The input type `<name> { field: <FieldEnum>!, direction: OrderDirection! = ASC }` of one list's
 * `orderBy` (the field enum registered by the list's module). Created once per name.
 */
const orderInputs = new Map<string, ClassType>();
export function OrderInput<F extends string>(name: string, fieldEnum: object, description: string): ClassType<Order<F>> {
  const cached = orderInputs.get(name);
  if (cached) return cached as ClassType<Order<F>>;

  @InputType(name, { description })
  class OrderInputType {
    @Field(() => fieldEnum, { description: '排序字段' }) field: F;
    @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: '排序方向，默认升序' }) direction: OrderDirection;
  }
  orderInputs.set(name, OrderInputType);
  return OrderInputType;
}

/** One column of a sort field: SQL over the list's aliases that is never NULL (coalesce a nullable one). */
export type OrderColumn = Pick<KeysetColumn, 'sql' | 'type'>;

/**
 * A list's sort fields: `fields[F]` are the columns F sorts by (ties broken by the next ones), `id` the
 * unique column appended last; every column runs in the requested direction, so a cursor is one row
 * value that an index on the same columns serves both ways. `list` names the list in its cursors.
 */
export interface OrderSpec<F extends string> {
  list: string;
  id: string;
  fields: Record<F, OrderColumn[]>;
  default: Order<F>;
}

/**
 * A nullable column sorted with its NULLs as `sentinel` (an end of the type: 'infinity'::timestamptz).
 * Written as CASE rather than coalesce: under row-level security only leakproof expressions bound an
 * index scan, and PostgreSQL counts CASE and IS NULL as such but not COALESCE (an index on the same
 * CASE expression then starts a cursor's page where the last one ended).
 */
export function nullsAsSql(column: string, sentinel: string): string {
  return `(CASE WHEN ${column} IS NULL THEN ${sentinel} ELSE ${column} END)`;
}

/**
 * The rank of an enum column's value in the enum's declared order (0, 1, …), for sorting by a state
 * the way the schema lists it rather than by its code's spelling. `values` are code constants.
 */
export function rankSql(column: string, values: readonly string[]): string {
  return `(CASE ${column} ${values.map((v, i) => `WHEN '${v.replace(/'/g, "''")}' THEN ${i}`).join(' ')} END)`;
}

/** The cursor's values after its order tag, when the tag is this order's; otherwise INVALID_CURSOR. */
function untag(after: string, tag: string, arity: number): unknown[] {
  const values = decodeCursor(after, arity + 1) ?? [];
  if (values[0] !== tag || values.slice(1).some((v) => v !== null && typeof v !== 'string')) throw coreError('INVALID_CURSOR', 'after');
  return values.slice(1);
}

/**
 * `keysetPage` in the order a client chose (`spec.default` when it chose none). The cursor carries the
 * order it was made with (list, field, direction): a cursor of another order, or of another list,
 * answers INVALID_CURSOR rather than a page that skips or repeats rows.
 */
export async function orderedPage<E extends ObjectLiteral, F extends string>(
  build: () => SelectQueryBuilder<E>,
  spec: OrderSpec<F>,
  order: Order<F> | null | undefined,
  first: number,
  after?: string | null,
): Promise<Page<E>> {
  const { field, direction } = order ?? spec.default;
  const desc = direction === OrderDirection.DESC;
  const columns: KeysetColumn<E>[] = [...spec.fields[field], { sql: spec.id, type: 'uuid' as const }].map((c) => ({ ...c, desc }));
  const tag = `${spec.list}.${field}.${direction}`;
  const inner = after === undefined || after === null ? undefined : encodeCursor(untag(after, tag, columns.length));
  const page = await keysetPage(build, columns, first, inner);
  return {
    ...page,
    cursorOf: (row) => encodeCursor([tag, ...(decodeCursor(page.cursorOf(row), columns.length) ?? [])]),
  };
}
