import type { PubSub } from 'type-graphql';
import type { LiveHub } from '../db/live-listener';
import { publishAfterCommit } from '../db/live-publisher';
import { RequestTransaction } from '../db/request-transaction';
import { ErrorCode, defineErrors } from './errors';

/**
 * Live events (GraphQL subscriptions, src/graphql/live-server.ts) travel through PostgreSQL
 * LISTEN/NOTIFY on one channel: a small payload (tenant, topic, kind, ids) sent with NOTIFY once the
 * transaction of its cause has committed, so a rolled-back mutation (or a refused mutation field's
 * savepoint) sends nothing; every server process receives it on its own LISTEN connection (src/db/live-listener.ts)
 * and re-reads, under each subscriber's own identity, what that subscriber may see before sending.
 */
export const LIVE_CHANNEL = 'party_live';

/** What a subscription listens to; a module re-reads each topic's events (DomainModule.liveTopics). */
export enum LiveTopic {
  /** ids: new notifications; users: their recipients, in the same order. */
  NOTIFICATION_ADDED = 'NOTIFICATION_ADDED',
  /** kind: the task kind that may have changed; ids: global ids of the subjects. */
  TASK_CHANGED = 'TASK_CHANGED',
  /** ids: users whose sessions ended (signed out everywhere, a password changed or reset); kind: their new session epoch. */
  SESSION_ENDED = 'SESSION_ENDED',
}

/** The kind of a TASK_CHANGED event that asks the client to re-read everything (events may have been missed). */
export const RESYNC = 'RESYNC';

/** One event as a server process receives it. Only ids: what they are is re-read per subscriber. */
export interface LiveEvent {
  tenantId: string;
  topic: string;
  kind: string | null;
  ids: string[];
  /** Recipients, aligned with ids, when the event is addressed to users (notifications): only they re-read it. */
  users?: string[];
}

/** Reasons of live updates (the WebSocket endpoint's own refusals; tokens are refused with the core's). */
export const liveError = defineErrors('live', {
  LIVE_TOKEN_EXPIRED: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '登录凭证已过期，实时推送连接已断开，请刷新凭证后重新连接',
    en: 'The access token expired; refresh it and reconnect',
  },
  LIVE_SUBSCRIPTIONS_ONLY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: 'WebSocket 连接只用于订阅（subscription），查询和变更请通过 HTTP 发送',
    en: 'The WebSocket carries subscriptions only; send queries and mutations over HTTP',
  },
  LIVE_WEBSOCKET_ONLY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '订阅（subscription）需通过 WebSocket（graphql-ws 协议）连接 /graphql',
    en: 'Subscriptions need a WebSocket (graphql-ws protocol) to /graphql',
  },
  LIVE_TOO_MANY_SOCKETS: {
    code: ErrorCode.RATE_LIMITED,
    zh: '您已打开 {limit} 个实时推送连接，请先关闭不用的页面再连接',
    en: 'You already hold {limit} live connections; close one first',
  },
  LIVE_TENANT_TOO_MANY_SOCKETS: {
    code: ErrorCode.RATE_LIMITED,
    zh: '本单位的实时推送连接已达 {limit} 个，请稍后再连接',
    en: 'This agency already holds {limit} live connections; connect later',
  },
  LIVE_TOO_MANY_PENDING_SOCKETS: {
    code: ErrorCode.RATE_LIMITED,
    zh: '本地址已有 {limit} 个实时推送连接尚未完成初始化，请稍后再连接',
    en: 'This address already has {limit} live connections waiting for their connection_init; connect later',
  },
  LIVE_TOO_MANY_SUBSCRIPTIONS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一个连接最多同时保持 {limit} 个订阅',
    en: 'At most {limit} subscriptions per connection',
  },
});

/** NOTIFY carries less than 8000 bytes: ids travel in chunks of at most 60, fewer when they are long. */
const CHUNK = 60;
const NOTIFY_BYTES = 8000;

/**
 * Sends an event with NOTIFY once `tx` commits: never when it (or the savepoint around a mutation
 * field) rolls back, and outside it, batched with other requests' events (src/db/live-publisher.ts:
 * a NOTIFY inside the transaction serializes its commit with every other notifying one). The tenant
 * is the transaction's own (the identity row-level security uses), so an event cannot name another
 * tenant; a transaction without a tenant sends nothing.
 */
export async function notifyLive(
  tx: RequestTransaction,
  event: { topic: LiveTopic; kind?: string | null; ids: string[]; users?: string[] },
): Promise<void> {
  const tenantId = tx.identityTenantId;
  if (!event.ids.length || !tenantId) return;
  const payloads: string[] = [];
  for (let at = 0; at < event.ids.length;) {
    // at most CHUNK ids, fewer when they are long: NOTIFY refuses a payload of 8000 bytes or more
    for (let n = Math.min(CHUNK, event.ids.length - at); ; n = Math.ceil(n / 2)) {
      const payload = JSON.stringify({
        t: tenantId,
        topic: event.topic,
        kind: event.kind ?? null,
        ids: event.ids.slice(at, at + n),
        users: event.users ? event.users.slice(at, at + n) : null,
      });
      if (Buffer.byteLength(payload) < NOTIFY_BYTES || n === 1) {
        payloads.push(payload);
        at += n;
        break;
      }
    }
  }
  tx.onCommit((dataSource) => publishAfterCommit(dataSource, LIVE_CHANNEL, payloads));
}

/**
 * For modules: something changed that may add or remove tasks of the users who can see `subjectIds`
 * (global ids, `toGlobalId('Evaluation', id)`); `kind` is the task kind. Sent with the request's
 * transaction: call it where the change is written. Subscribers of `taskChanged` who may see a
 * subject (its Node fetcher answers for them) receive `{ kind, subjectId }` and re-read `viewer.tasks`.
 */
export function publishEvent(ctx: { tx: RequestTransaction }, kind: string, subjectIds: string[]): Promise<void> {
  return notifyLive(ctx.tx, { topic: LiveTopic.TASK_CHANGED, kind, ids: subjectIds });
}

/**
 * Every session of `userId` before session epoch `epoch` ended: once `tx` commits, every process closes the user's live
 * sockets of an older epoch (4401 TOKEN_INVALID), which give their places back at once rather than at their next event.
 */
export function publishSessionEnded(tx: RequestTransaction, userId: string, epoch: number): Promise<void> {
  return notifyLive(tx, { topic: LiveTopic.SESSION_ENDED, kind: String(epoch), ids: [userId] });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** A NOTIFY payload as sent by notifyLive; undefined for anything else (another program on the channel). */
export function parseLiveEvent(payload: string | undefined): LiveEvent | undefined {
  if (!payload) return undefined;
  let raw: { t?: unknown; topic?: unknown; kind?: unknown; ids?: unknown; users?: unknown };
  try {
    raw = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const { t, topic, kind, ids, users } = raw;
  if (typeof t !== 'string' || !UUID.test(t) || !isText(topic) || !(kind === null || kind === undefined || isText(kind))) return undefined;
  if (!Array.isArray(ids) || !ids.every(isText)) return undefined;
  if (users !== null && users !== undefined && (!Array.isArray(users) || users.length !== ids.length || !users.every(isText)))
    return undefined;
  return { tenantId: t, topic, kind: kind ?? null, ids, ...(Array.isArray(users) ? { users } : {}) };
}

/** Where a subscription listens: its process's hub and the subscriber (tenant and user) it serves. */
export interface LiveRoute {
  hub: LiveHub;
  tenantId: string;
  userId: string;
}

/** The context a subscription is opened with (graphql-ws): its route. Each event then runs with a request context of its own. */
export interface LiveSubscribeContext {
  live: LiveRoute;
}

/** `topicId` of every @Subscription: the route, which the PubSub below hands to the right hub. */
export const liveRoute = ({ context }: { context: unknown }): LiveRoute => {
  const live = (context as Partial<LiveSubscribeContext>).live;
  if (!live) throw liveError('LIVE_WEBSOCKET_ONLY');
  return live;
};

/**
 * type-graphql's PubSub over PostgreSQL. The schema is built once per process while each running app
 * has its own hub (its own database and LISTEN connection), so the route (the subscription's
 * `topicId`) names the hub. `subscribe` yields the raw events of the route's tenant (and, for events
 * addressed to users, only the subscriber's own ids); `publish(topic, route, { kind, ids })` sends a
 * NOTIFY at once, outside any transaction. Request code uses publishEvent, inside its transaction.
 */
export const livePubSub: PubSub = {
  publish(topic: string, ...args: unknown[]): void {
    const [route, event] = args as [LiveRoute, { kind?: string | null; ids: string[] }];
    void route.hub.notify({ tenantId: route.tenantId, topic, kind: event.kind ?? null, ids: event.ids }).catch((error: unknown) => {
      console.error('[live] publish failed:', error instanceof Error ? error.message : error);
    });
  },
  subscribe(topic: string, route?: unknown): AsyncIterable<unknown> {
    const r = route as LiveRoute | undefined;
    if (!r?.hub) throw liveError('LIVE_WEBSOCKET_ONLY');
    return r.hub.subscribe(topic, r);
  },
};
