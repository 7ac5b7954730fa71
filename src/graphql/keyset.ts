import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CursorType, Page, cursorValue, decodeCursor, encodeCursor, pageFrom } from './relay';
import { coreError } from './errors';

/**
 * One column of a list's order: its SQL and the PostgreSQL type a cursor value is cast back to. The
 * cursor carries the column's value as PostgreSQL prints it (read beside the row), so a timestamptz
 * keeps its microseconds: a JavaScript Date would round them to milliseconds and repeat or skip rows.
 */
export interface KeysetColumn<E = unknown> {
  sql: string;
  type: CursorType;
  desc?: boolean;
  /** @deprecated no longer read: the cursor takes the value PostgreSQL prints. */
  of?: (row: E) => unknown;
}

/**
 * The one way to page a list: ordered by `order` (which must end in a unique column, usually the id),
 * `first` rows after the cursor, and a total counted only when asked for (`build()` again, without
 * order or limit). A cursor is the row's order values; same-direction orders compare as one row value,
 * which an index on those columns serves.
 */
export async function keysetPage<E extends ObjectLiteral>(
  build: () => SelectQueryBuilder<E>,
  order: KeysetColumn<E>[],
  first: number,
  after?: string,
): Promise<Page<E>> {
  const qb = build();
  order.forEach((c, i) => (i === 0 ? qb.orderBy(c.sql, c.desc ? 'DESC' : 'ASC') : qb.addOrderBy(c.sql, c.desc ? 'DESC' : 'ASC')));
  order.forEach((c, i) => qb.addSelect(`(${c.sql})::text`, `keyset_${i}`));
  qb.limit(first + 1);
  // each value checked against its column's type before it reaches the cast: a crafted cursor is INVALID_CURSOR
  const cursor = decodeCursor(after, order.length)?.map((v, i) => {
    const value = v === null ? null : cursorValue(order[i].type, v);
    if (value === null && v !== null) throw coreError('INVALID_CURSOR', 'after');
    return value;
  });
  if (cursor) {
    const params = Object.fromEntries(cursor.map((v, i) => [`keyset_${i}`, v]));
    const value = (i: number) => `CAST(:keyset_${i} AS ${order[i].type})`;
    if (order.every((c) => !!c.desc === !!order[0].desc)) {
      // the row comparison, and the bound it implies on the first column alone: an index on that column
      // (or a join's, when the order starts with a joined table's column) starts there instead of at the top
      qb.andWhere(
        `(${order.map((c) => c.sql).join(', ')}) ${order[0].desc ? '<' : '>'} (${order.map((_, i) => value(i)).join(', ')}) AND ${order[0].sql} ${order[0].desc ? '<=' : '>='} ${value(0)}`,
        params,
      );
    } else {
      const branches = order.map((c, i) =>
        [...order.slice(0, i).map((p, j) => `${p.sql} = ${value(j)}`), `${c.sql} ${c.desc ? '<' : '>'} ${value(i)}`].join(' AND '),
      );
      qb.andWhere(`((${branches.join(') OR (')}))`, params);
    }
  }
  // one row per entity (scoped lists join their org one to one), so raw and entities line up
  const { entities, raw } = await qb.getRawAndEntities<Record<string, string | null>>();
  const cursors = new Map(entities.map((row, i) => [row, encodeCursor(order.map((_, k) => raw[i]?.[`keyset_${k}`] ?? null))]));
  return pageFrom(
    entities,
    first,
    after,
    (row) => cursors.get(row) ?? encodeCursor([]),
    () => build().getCount(),
  );
}
