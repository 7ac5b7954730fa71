import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { AccessClaims, verifyAccessToken } from '../auth/jwt';
import { UserViewer, Viewer } from '../auth/viewer';
import { Config } from '../config';
import { OpeningEnd, RequestTransaction, Statement, settingLiteral } from '../db/request-transaction';
import { Role } from '../auth/roles';
import { coreError, unauthenticated } from './errors';
import { DEFAULT_LOCALE, Locale } from './messages';

export interface RequestContext {
  config: Config;
  tx: RequestTransaction;
  viewer: Viewer | null;
  ip: string;
  /** The client's User-Agent header (for the audit trail), when the request came over HTTP. */
  userAgent?: string;
  /** The language the client reads (Accept-Language): messages are rendered in it. */
  locale: Locale;
  /** The signed-in user's tenant's time zone (read with the viewer): instants in messages are written in it. */
  timeZone?: string;
  /**
   * A query operation is running (set when execution starts): nothing in the request changes what it
   * reads, so per-process caches of committed, versioned reads may answer it (mutations always read afresh).
   */
  readOnly: boolean;
  /** A per-request DataLoader, created on first use under `name`. */
  loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>): DataLoader<K, V>;
  /**
   * Values a loader was primed with, readable without a promise (DataLoader keeps promises): a page
   * that read its nodes' field with its own statement lets each node's resolver answer at once.
   * Forgotten with the loader.
   */
  known<K, V>(name: string): Map<K, V | Error>;
  /** Drops a loader's cache (and its known values) after a write that makes it stale. */
  forget(name: string): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createRequestContext(config: Config, dataSource: DataSource, ip: string, locale: Locale = DEFAULT_LOCALE): RequestContext {
  const loaders = new Map<string, DataLoader<unknown, unknown>>();
  const knowns = new Map<string, Map<unknown, unknown>>();
  return {
    config,
    tx: new RequestTransaction(dataSource),
    viewer: null,
    ip,
    locale,
    readOnly: false,
    loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>) {
      let loader = loaders.get(name);
      if (!loader) {
        loader = new DataLoader<K, V>(batch, { maxBatchSize: 1000 }) as DataLoader<unknown, unknown>;
        loaders.set(name, loader);
      }
      return loader as DataLoader<K, V>;
    },
    known<K, V>(name: string) {
      let known = knowns.get(name);
      if (!known) knowns.set(name, (known = new Map()));
      return known as Map<K, V | Error>;
    },
    forget(name: string) {
      loaders.delete(name);
      knowns.delete(name);
    },
  };
}

/**
 * Resolves the bearer token to a viewer inside the request's transaction, so that a disabled or
 * deleted user's still-valid token is refused on its next request. `admit` runs on the verified claims
 * before anything is sent to the database (the request limit: a user over it reads nothing, nothing ahead).
 */
export async function authenticate(
  ctx: RequestContext,
  authorization: string | undefined,
  ahead?: ReadAheadPlan,
  admit?: (claims: AccessClaims) => Promise<void>,
): Promise<void> {
  if (!authorization) return;
  const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization.trim());
  if (!match) throw unauthenticated('AUTH_HEADER_MALFORMED');
  const claims = verifyAccessToken(ctx.config, match[1]);
  await admit?.(claims);
  await loadViewer(ctx, claims, ahead);
  ctx.tx.pin();
}

/**
 * Statements to read ahead with the viewer's load, for the token's tenant, and how a read's opening may
 * end (src/graphql/read-ahead.ts).
 */
export type ReadAheadPlan = (tx: RequestTransaction, tenantId: string, userId: string) => { statements: Statement[]; end?: OpeningEnd };

/**
 * Sets ctx.viewer from verified claims; refuses disabled or vanished accounts. `ahead` is read in the
 * same round trip, under the token's tenant; its rows reach nobody unless the request asks for them.
 */
export async function loadViewer(ctx: RequestContext, claims: AccessClaims, ahead?: ReadAheadPlan): Promise<void> {
  // a request signed in stays its viewer's: a sign-in field for someone else is refused (setIdentity, pin)
  const was = ctx.tx.identityPinned ? ctx.viewer : null;
  if (
    was &&
    (was.kind === 'operator'
      ? claims.kind !== 'operator' || claims.sub !== was.operatorId
      : claims.sub !== was.userId || claims.tid !== was.tenantId)
  )
    throw coreError('IDENTITY_FIXED');
  if (claims.kind === 'operator') {
    await ctx.tx.setIdentity({ platform: true, tenantId: null });
    await ctx.tx.begin();
    const [operator] = await ctx.tx.query<{ id: string; username: string; disabled: boolean; session_epoch: number }>(
      `SELECT id, username, disabled, session_epoch FROM platform_operators WHERE id = $1`,
      [claims.sub],
    );
    // an older epoch: the operator's password was reset (the operator CLI) since the token was issued
    if (!operator || operator.disabled || operator.session_epoch !== (claims.gen ?? 0)) throw unauthenticated('TOKEN_INVALID');
    ctx.viewer = { kind: 'operator', operatorId: operator.id, username: operator.username };
    return;
  }
  const tenantId = claims.tid ?? '';
  if (!UUID.test(tenantId) || !UUID.test(claims.sub)) throw unauthenticated('TOKEN_INVALID');
  await ctx.tx.setIdentity({ tenantId, platform: false });
  const read = ahead?.(ctx.tx, tenantId, claims.sub) ?? { statements: [] };
  // Opened with the viewer's load in one round trip (BEGIN, then this, which sets the identity just given to
  // setIdentity, and loads the viewer under it): the ids are checked uuids. Functions (migrations
  // 1734220000000, 1734280000000): their plans are kept by each database connection.
  const rows = (await ctx.tx.begin(
    `SELECT username, disabled, session_epoch, assignment_id, role, org_id, path, time_zone
       FROM app_open_request(${settingLiteral(tenantId)}, ${settingLiteral(claims.sub)})`,
    read.statements,
    { end: read.end, firstSetsIdentity: true },
  )) as {
    username: string;
    disabled: boolean;
    session_epoch: number;
    assignment_id: string | null;
    role: Role | null;
    org_id: string | null;
    path: string | null;
    time_zone: string | null;
  }[];
  // "sign out everywhere", a password change or reset raise the epoch: tokens issued before it die here
  // (claims without an epoch come from the server itself: seeds, a signed download link)
  const stale = claims.gen !== undefined && rows[0]?.session_epoch !== claims.gen;
  if (rows.length === 0 || rows[0].disabled || stale) throw unauthenticated('TOKEN_INVALID');
  ctx.timeZone = rows[0].time_zone ?? undefined;
  const viewer: UserViewer = {
    kind: 'user',
    userId: claims.sub,
    tenantId,
    username: rows[0].username,
    sessionEpoch: rows[0].session_epoch,
    roles: rows.flatMap((r) =>
      r.assignment_id && r.role && r.org_id && r.path
        ? [{ assignmentId: r.assignment_id, role: r.role, orgId: r.org_id, path: r.path }]
        : [],
    ),
  };
  ctx.viewer = viewer;
}

export function requireUser(ctx: RequestContext): UserViewer {
  if (!ctx.viewer) throw unauthenticated();
  if (ctx.viewer.kind !== 'user') throw coreError('TENANT_USER_REQUIRED');
  return ctx.viewer;
}

export function requireOperator(ctx: RequestContext) {
  if (!ctx.viewer) throw unauthenticated();
  if (ctx.viewer.kind !== 'operator') throw coreError('OPERATOR_REQUIRED');
  return ctx.viewer;
}
