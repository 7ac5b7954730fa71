import { Client } from 'pg';
import { LIVE_CHANNEL, LiveEvent, LiveRoute, LiveTopic, RESYNC, parseLiveEvent } from '../graphql/live';
import { oneAtATime } from './one-at-a-time';

/** Events a slow subscriber may have waiting before the oldest are dropped. */
const QUEUE_LIMIT = 500;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * One subscription's events, in the order PostgreSQL delivered them (commit order). An async iterator
 * whose `return()` ends it at once, also while a `next()` is waiting, so a closed socket frees its
 * subscription immediately.
 */
class LiveQueue implements AsyncIterableIterator<LiveEvent> {
  private readonly waiting: LiveEvent[] = [];
  private pending?: (result: IteratorResult<LiveEvent>) => void;
  private done = false;
  private dropped = 0;

  constructor(
    readonly topic: string,
    readonly route: LiveRoute,
    private readonly onEnd: (queue: LiveQueue) => void,
  ) {}

  push(event: LiveEvent): void {
    if (this.done) return;
    if (this.pending) {
      const resolve = this.pending;
      this.pending = undefined;
      resolve({ value: event, done: false });
      return;
    }
    if (this.waiting.length >= QUEUE_LIMIT) {
      this.waiting.shift();
      if (this.dropped++ === 0) console.warn(`[live] a slow ${this.topic} subscriber drops its oldest events`);
    }
    this.waiting.push(event);
  }

  next(): Promise<IteratorResult<LiveEvent>> {
    const event = this.waiting.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.pending = resolve));
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    if (!this.done) {
      this.done = true;
      this.waiting.length = 0;
      this.pending?.({ value: undefined, done: true });
      this.pending = undefined;
      this.onEnd(this);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  async throw(error?: unknown): Promise<IteratorResult<LiveEvent>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The process's one LISTEN connection and its subscribers. A plain pg Client of its own, never a
 * connection of the request pool: LISTEN is session state, which a pooler in transaction mode
 * (PgBouncer, the usual first step past one server's connection limit) does not keep, and a pooled
 * connection would be held for the life of the process. So it connects straight to PostgreSQL
 * (LIVE_DATABASE_URL, by default the runtime role's URL), as the RLS-bound runtime role; it only
 * listens and never reads tenant data. When the connection drops it reconnects (backing off) and
 * tells every taskChanged subscriber to re-read (RESYNC): events sent meanwhile are not replayed.
 */
export class LiveHub {
  private client?: Client;
  /** One NOTIFY at a time on the LISTEN connection. */
  private readonly send = oneAtATime((client: Client, payload: string) =>
    client.query(`SELECT pg_notify($1, $2)`, [LIVE_CHANNEL, payload]),
  );
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private retries = 0;
  private readonly queues = new Map<string, Set<LiveQueue>>();
  /** The process's own listeners by topic (the live server's, of SESSION_ENDED): every tenant's events. */
  private readonly watchers = new Map<string, Set<(event: LiveEvent) => void>>();

  constructor(private readonly url: string) {}

  /** Connects and LISTENs; fails when the database cannot be reached (a start-up error, like migrations). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'party-platform-live', keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel === LIVE_CHANNEL) this.dispatch(parseLiveEvent(message.payload));
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (!this.stopped) {
      console.error('[live] the LISTEN connection was lost; reconnecting');
      this.reconnect();
    }
  }

  private reconnect(): void {
    const wait = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.retries++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      this.connect().then(
        () => {
          this.retries = 0;
          // whatever was sent while we were away is lost: taskChanged subscribers re-read everything
          for (const [key, queues] of this.queues) {
            if (!key.startsWith(`${LiveTopic.TASK_CHANGED}\n`)) continue;
            for (const q of queues) q.push({ tenantId: q.route.tenantId, topic: LiveTopic.TASK_CHANGED, kind: RESYNC, ids: [] });
          }
        },
        () => this.reconnect(),
      );
    }, wait);
    this.retryTimer.unref();
  }

  /** Hands an event to the subscribers of its topic in its tenant; events addressed to users reach only theirs. */
  private dispatch(event: LiveEvent | undefined): void {
    if (!event) return;
    for (const watcher of this.watchers.get(event.topic) ?? []) watcher(event);
    const queues = this.queues.get(`${event.topic}\n${event.tenantId}`);
    if (!queues) return;
    const users = event.users;
    for (const queue of queues) {
      if (!users) {
        queue.push(event);
        continue;
      }
      const own = event.ids.filter((_, i) => users[i] === queue.route.userId);
      if (own.length) queue.push({ tenantId: event.tenantId, topic: event.topic, kind: event.kind, ids: own });
    }
  }

  /** The raw events of `topic` for the route's tenant (and user), until the iterator is returned. */
  subscribe(topic: string, route: LiveRoute): AsyncIterableIterator<LiveEvent> {
    const key = `${topic}\n${route.tenantId}`;
    const queue = new LiveQueue(topic, route, (q) => {
      const set = this.queues.get(key);
      set?.delete(q);
      if (set && !set.size) this.queues.delete(key);
    });
    let set = this.queues.get(key);
    if (!set) this.queues.set(key, (set = new Set()));
    set.add(queue);
    return queue;
  }

  /** Calls `listener` with every event of `topic`, of any tenant, until the answer is called. */
  watch(topic: string, listener: (event: LiveEvent) => void): () => void {
    let set = this.watchers.get(topic);
    if (!set) this.watchers.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.watchers.delete(topic);
    };
  }

  /** Sends an event now, outside any transaction (type-graphql's PubSub.publish); request code uses publishEvent. */
  async notify(event: LiveEvent): Promise<void> {
    if (!this.client) throw new Error('the LISTEN connection is down');
    await this.send(
      this.client,
      JSON.stringify({ t: event.tenantId, topic: event.topic, kind: event.kind, ids: event.ids, users: event.users ?? null }),
    );
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Open subscriptions in this process. */
  get subscriptions(): number {
    let n = 0;
    for (const set of this.queues.values()) n += set.size;
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const set of [...this.queues.values()]) for (const q of [...set]) await q.return();
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
