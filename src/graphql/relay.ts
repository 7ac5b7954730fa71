import { ClassType, Field, ID, InterfaceType, Int, ObjectType, ArgsType } from 'type-graphql';
import { Max, Min } from 'class-validator';
import { Kept } from '../db/kept';
import { coreError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export interface DecodedId {
  type: string;
  id: string;
}

/** base64url of the shortest id ("T:" and a UUID, 38 bytes): anything shorter is not one of ours. */
const SHORTEST_ID = 51;
/** Ids decoded lately: a save decodes its 44 criteria twice (arguments, audit entry), in every save. */
const decoded = new Kept<DecodedId | null>(20_000);

/** Decodes an opaque ID; undefined for anything that is not one of ours. */
export function decodeGlobalId(globalId: string): DecodedId | undefined {
  if (typeof globalId !== 'string' || globalId.length > 200 || globalId.length < SHORTEST_ID) return undefined;
  let found = decoded.get(globalId);
  if (found === undefined) {
    const text = Buffer.from(globalId, 'base64url').toString('utf8');
    const colon = text.indexOf(':');
    const id = text.slice(colon + 1);
    found = colon > 0 && UUID.test(id) ? Object.freeze({ type: text.slice(0, colon), id }) : null;
    decoded.set(globalId, found);
  }
  return found ?? undefined;
}

/** The raw id behind a global id of `type` as a request sent it (any value); undefined for anything else. */
export function rawIdOf(type: string, globalId: unknown): string | undefined {
  const decoded = typeof globalId === 'string' ? decodeGlobalId(globalId) : undefined;
  return decoded?.type === type ? decoded.id : undefined;
}

/**
 * The raw id behind a global id of the expected type. A malformed id, another type's id, a foreign
 * tenant's id and an unknown id all end the same way: NOT_FOUND, so nothing is confirmed to exist.
 */
export function idOf(type: string, globalId: string, label = type): string {
  const id = rawIdOf(type, globalId);
  if (!id) throw coreError('NOT_FOUND', { params: { what: label } });
  return id;
}

@InterfaceType({ description: '节点：有全局唯一编号的对象，可用 node(id:) 读取' })
export abstract class Node {
  @Field(() => ID, { description: '全局编号（不透明，勿解析）' })
  id: string;
}

@ObjectType({ description: '分页信息' })
export class PageInfo {
  @Field({ description: '后面还有下一页' }) hasNextPage: boolean;
  @Field({ description: '前面还有上一页（使用了 after 时）' }) hasPreviousPage: boolean;
  @Field(() => String, { nullable: true, description: '本页第一项的游标' }) startCursor: string | null;
  @Field(() => String, { nullable: true, description: '本页最后一项的游标：取下一页时作为 after 传入' }) endCursor: string | null;
}

export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `每页条数，1 至 ${MAX_PAGE_SIZE}（默认 20）` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field(() => String, { nullable: true, description: '从此游标之后开始（上一页 pageInfo.endCursor）' })
  after?: string;
}

export function pageSize(args: PageArgs): number {
  return args.first ?? 20;
}

/** The page size a `first` argument as sent asks for, when PageArgs accepts it (1 to MAX_PAGE_SIZE, whole); else null. */
export function acceptedPageSize(first: unknown): number | null {
  const size = first ?? pageSize({});
  return typeof size === 'number' && Number.isInteger(size) && size >= 1 && size <= MAX_PAGE_SIZE ? size : null;
}

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity) return values;
  } catch {
    /* fall through */
  }
  throw coreError('INVALID_CURSOR', 'after');
}

/** The PostgreSQL type a cursor value is cast to in the statement that reads the page after it. */
export type CursorType = 'uuid' | 'date' | 'timestamptz' | 'text' | 'smallint' | 'int' | 'bigint' | 'numeric' | 'bool';

const CURSOR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const CURSOR_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(?:Z|([+-])(\d{2})(?::?(\d{2}))?(?::(\d{2}))?)?$/;
const CURSOR_NUMERIC = /^-?\d{1,1000}(\.\d{1,1000})?$/;
const INTEGER_BOUNDS: Record<'smallint' | 'int' | 'bigint', bigint> = { smallint: 32767n, int: 2147483647n, bigint: 9223372036854775807n };
/** Longest text a cursor carries (an org's path key, a name): anything longer was not made by a page. */
const CURSOR_TEXT_MAX = 4000;

function isDay(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return Number(y) >= 1 && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/**
 * A cursor value as the SQL after it casts it to `type` (its text), or null when the cast would fail or the
 * value is no value a page made: a crafted cursor is refused as INVALID_CURSOR before it reaches SQL, never
 * answered with the cast's INVALID_VALUE. Numbers are taken for the numeric types (older cursors held them).
 */
export function cursorValue(type: CursorType, value: unknown): string | null {
  if (type === 'bool') return value === true || value === 'true' ? 'true' : value === false || value === 'false' ? 'false' : null;
  if (typeof value === 'number') {
    if (type === 'numeric' ? !Number.isFinite(value) : !Number.isSafeInteger(value)) return null;
    if (type !== 'numeric' && type !== 'smallint' && type !== 'int' && type !== 'bigint') return null;
    value = String(value);
  }
  if (typeof value !== 'string') return null;
  switch (type) {
    case 'uuid':
      return UUID.test(value) ? value : null;
    case 'text':
      return value.length <= CURSOR_TEXT_MAX && !value.includes('\u0000') ? value : null;
    case 'smallint':
    case 'int':
    case 'bigint':
      return /^-?\d{1,19}$/.test(value) && BigInt(value) <= INTEGER_BOUNDS[type] && BigInt(value) >= -INTEGER_BOUNDS[type] - 1n
        ? value
        : null;
    case 'numeric':
      return (value.length <= 1000 && CURSOR_NUMERIC.test(value)) || value === 'Infinity' || value === '-Infinity' ? value : null;
    case 'date': {
      if (value === 'infinity' || value === '-infinity') return value;
      const m = CURSOR_DAY.exec(value);
      return m && isDay(m[1], m[2], m[3]) ? value : null;
    }
    case 'timestamptz': {
      if (value === 'infinity' || value === '-infinity') return value;
      const m = CURSOR_INSTANT.exec(value);
      if (!m || !isDay(m[1], m[2], m[3])) return null;
      const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
      const offset = [m[9], m[10], m[11]].map((p) => Number(p ?? 0));
      return hour < 24 && minute < 60 && second < 60 && offset[0] <= 15 && offset[1] < 60 && offset[2] < 60 ? value : null;
    }
  }
}

/**
 * A cursor decoded (as decodeCursor) with each value checked against the type its statement casts it to:
 * the values as text, or INVALID_CURSOR. The one way for a list that writes its own keyset SQL.
 */
export function decodeTypedCursor(cursor: string | undefined | null, types: CursorType[]): string[] | undefined {
  const values = decodeCursor(cursor ?? undefined, types.length);
  if (!values) return undefined;
  const typed = values.map((v, i) => cursorValue(types[i], v));
  if (typed.some((v) => v === null)) throw coreError('INVALID_CURSOR', 'after');
  return typed as string[];
}

/** What a service hands back: one page of rows plus a lazily computed total. */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf: (node: T) => string;
  totalCount: () => Promise<number>;
}

/** Given rows fetched with limit first+1, builds the page. */
export function pageFrom<T>(
  rows: T[],
  first: number,
  after: string | undefined,
  cursorOf: (node: T) => string,
  totalCount: () => Promise<number>,
): Page<T> {
  const hasNextPage = rows.length > first;
  return { nodes: hasNextPage ? rows.slice(0, first) : rows, hasNextPage, hasPreviousPage: after != null, cursorOf, totalCount };
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

const connectionCache = new Map<ClassType, ClassType>();

/** A Relay connection type for `NodeType`; totalCount runs its query only when selected. */
export function Connection<T extends object>(NodeType: ClassType<T>): ClassType<ConnectionShape<T>> {
  const cached = connectionCache.get(NodeType);
  if (cached) return cached as ClassType<ConnectionShape<T>>;
  const name = NodeType.name;

  @ObjectType(`${name}Edge`, { description: `${name} 列表中的一项（分页连接）` })
  class Edge {
    @Field({ description: '此项的游标' }) cursor: string;
    @Field(() => NodeType, { description: '此项' }) node: T;
  }

  @ObjectType(`${name}Connection`, { description: `${name} 的分页列表（Relay 连接）：nodes 或 edges、pageInfo、totalCount` })
  class ConnectionType {
    @Field(() => [Edge], { description: '本页各项及其游标' }) edges: Edge[];
    @Field(() => [NodeType], { description: '本页各项' }) nodes: T[];
    @Field(() => PageInfo, { description: '分页信息' }) pageInfo: PageInfo;
    // not simple: its value is a promise (counted only when selected), which a resolver may return
    @Field(() => Int, { description: '符合条件的总数（仅在选取时计算）', simple: false }) totalCount: number;
  }
  connectionCache.set(NodeType, ConnectionType);
  return ConnectionType as ClassType<ConnectionShape<T>>;
}

/** Turns a service Page into the object a Connection type resolves from. */
export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  const edges = page.nodes.map((node) => ({ cursor: page.cursorOf(node), node }));
  let total: Promise<number> | undefined;
  return {
    edges,
    nodes: page.nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    get totalCount() {
      total ??= page.totalCount();
      return total as unknown as number;
    },
  };
}
