import { IncomingMessage } from 'node:http';
import { BlockList, isIPv4 } from 'node:net';
import { Duplex } from 'node:stream';
import { FastifyInstance } from 'fastify';
import {
  DocumentNode,
  ExecutionArgs,
  ExecutionResult,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationTypeNode,
  ValidationRule,
  createSourceEventStream,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { WebSocket, WebSocketServer } from 'ws';
import { UserViewer } from '../auth/viewer';
import { Config } from '../config';
import { LiveHub } from '../db/live-listener';
import { moduleLiveTopics } from '../modules';
import { authenticate, createRequestContext } from './context';
import { AppError, ErrorCode, coreError, forLog, formatError, localizeError, restError, toAppError, unauthenticated } from './errors';
import { LiveEvent, LiveRoute, LiveSubscribeContext, LiveTopic, liveError } from './live';
import { Locale, localeOf } from './messages';
import { costRefusal } from './query-cost';
import { RequestLimiter } from './rate-limit';
import { slots } from './slots';

/** Subscriptions one socket may hold at once. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 10;
/** Events rendered at once by this process (each in a transaction of the request pool, which requests need more). */
const CONCURRENT_DELIVERIES = 4;
/** Largest message a client may send (a subscription document and its variables). */
const MAX_MESSAGE_BYTES = 64 * 1024;

/** How a refusal closes the socket: graphql-ws clients give up on 4401 (sign in again) and retry on 1013. */
function closeCodeOf(error: AppError): number {
  switch (error.code) {
    case ErrorCode.UNAUTHENTICATED:
      return CloseCode.Unauthorized; // 4401
    case ErrorCode.FORBIDDEN:
      return CloseCode.Forbidden; // 4403
    case ErrorCode.RATE_LIMITED:
      return 4429;
    case ErrorCode.SERVICE_UNAVAILABLE:
    case ErrorCode.TIMEOUT:
      return 1013; // try again later
    default:
      return CloseCode.InternalServerError; // 4500
  }
}

/** Closes with the refusal's code and its reason (`TOKEN_INVALID`, `LIVE_TOKEN_EXPIRED`, …) as the close reason. */
function refuse(socket: WebSocket, error: AppError): void {
  socket.close(closeCodeOf(error), String(error.details.reason ?? error.code).slice(0, 120));
}

/** Open sockets per key (a user, a tenant): a slot is taken when a socket is acknowledged and given back when it closes. */
class OpenCounts {
  private readonly counts = new Map<string, number>();
  /** Takes a slot unless `limit` (0: none) are taken. */
  take(key: string, limit: number): boolean {
    const count = this.counts.get(key) ?? 0;
    if (limit > 0 && count >= limit) return false;
    this.counts.set(key, count + 1);
    return true;
  }
  give(key: string): void {
    const count = (this.counts.get(key) ?? 0) - 1;
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
  }
}

/** One acknowledged socket: the signed-in user it serves and until when its token holds. */
interface LiveConnection {
  socket: WebSocket;
  authorization: string;
  route: LiveRoute;
  ip: string;
  locale: Locale;
  expiresAt: number;
  timer: NodeJS.Timeout;
  /** The session epoch the token was issued in (its `gen`). */
  gen: number;
  /** Its places given back (when it closes, or earlier when its session ended). */
  released: boolean;
  /** Subscribes accepted by onSubscribe whose results are not made yet. */
  pending: number;
  /** Every subscription's results until they end: also one graphql-ws no longer holds (see `results`). */
  running: Set<LiveResults>;
}

interface SubscribeContext extends LiveSubscribeContext {
  connection: LiveConnection;
  /** The operation's id, and graphql-ws's context of the socket (its subscriptions by id). */
  id: string;
  socket: { subscriptions: Record<string, unknown> };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** A subscription's results, and whether graphql-ws let go of them while they run (nobody can complete them). */
type LiveResults = AsyncGenerator<ExecutionResult> & { orphaned(): boolean };

/**
 * The results of a subscription: each raw event becomes zero or more results (render). `return()`
 * ends the source at once (so the hub drops the subscription even while waiting for an event); an
 * async generator could not, being stuck in its await. Once graphql-ws runs them (its first `next()`)
 * they are orphaned when `held()` says the socket no longer holds them, and end at their next event;
 * `ended` runs once when they end.
 */
function results(
  source: AsyncIterator<unknown>,
  render: (event: LiveEvent) => Promise<ExecutionResult[] | 'closed'>,
  held: () => boolean,
  ended: () => void,
): LiveResults {
  const ready: ExecutionResult[] = [];
  let finished = false;
  let started = false;
  const end = async (): Promise<IteratorResult<ExecutionResult>> => {
    if (!finished) ended();
    finished = true;
    ready.length = 0;
    await source.return?.();
    return { value: undefined, done: true };
  };
  const iterator: LiveResults = {
    async next() {
      started = true;
      for (;;) {
        const result = ready.shift();
        if (result) return { value: result, done: false };
        if (finished) return { value: undefined, done: true };
        const step = await source.next();
        if (step.done || !held()) return end();
        const rendered = await render(step.value as LiveEvent);
        if (rendered === 'closed' || !held()) return end();
        if (!finished) ready.push(...rendered);
      }
    },
    return: end,
    async throw(error: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    orphaned: () => started && !finished && !held(),
  };
  return iterator;
}

/**
 * ws closes a socket whose client breaks the protocol (a message past MAX_MESSAGE_BYTES: 1009, bad UTF-8: 1007, …) and
 * then emits the error, which graphql-ws logs as an internal error with its stack: the client's fault, which any client
 * may repeat at will, so it ends here (the close code tells the client).
 */
function quietProtocolErrors(socket: WebSocket): void {
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  const ofClient = (error: unknown) => /^WS_ERR_/.test(String((error as { code?: unknown } | undefined)?.code ?? ''));
  socket.emit = ((event: string | symbol, ...args: unknown[]) =>
    event === 'error' && ofClient(args[0]) ? false : emit(event, ...args)) as WebSocket['emit'];
}

/** An address as BlockList takes it: an IPv4 one mapped into IPv6 (`::ffff:10.0.0.1`) as IPv4. */
function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  return { address: plain, family: isIPv4(plain) ? 'ipv4' : 'ipv6' };
}

/**
 * The client's address of an upgrade request as Fastify's `request.ip` tells it for /graphql: the peer's, or behind
 * the proxies of TRUST_PROXY the nearest X-Forwarded-For entry that is not one of them.
 */
export function upgradeClientAddress(request: IncomingMessage, trusted: BlockList | undefined): string {
  let address = request.socket.remoteAddress ?? '';
  if (!trusted) return address;
  const forwarded = String(request.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (;;) {
    const peer = plainAddress(address);
    const next = forwarded.pop();
    if (!next || !trusted.check(peer.address, peer.family)) return address;
    address = next;
  }
}

/** TRUST_PROXY's addresses and CIDRs as a BlockList (none: undefined). */
function trustedProxies(entries: false | string[]): BlockList | undefined {
  if (!entries) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const { address: plain, family } = plainAddress(address ?? '');
    if (prefix === undefined) list.addAddress(plain, family);
    else list.addSubnet(plain, Number(prefix), family);
  }
  return list;
}

export interface LiveServer {
  hub: LiveHub;
  close(): Promise<void>;
}

/**
 * GraphQL subscriptions over WebSocket (graphql-ws, the protocol of Apollo Client and urql) on the
 * HTTP server's own port and path, /graphql. Authentication: the access token in connection_init
 * (`{ authorization: 'Bearer …' }`), checked like a request's; refused by closing with 4401
 * (UNAUTHENTICATED) or 4403 (FORBIDDEN) and the reason. The socket is closed with 4401
 * LIVE_TOKEN_EXPIRED when the token expires (reconnect with a fresh one). Each event is rendered
 * like a request of its own: a transaction of the request pool with the subscriber's tenant, the
 * token and account checked again (a disabled account's socket closes at its next event), the event's
 * objects re-read under the subscriber's identity by the module that owns the topic, and only what
 * the subscriber may see is sent. Queries and mutations go over HTTP (one transaction per request).
 * A user holds at most LIVE_SOCKETS_PER_USER sockets on this process (a tenant LIVE_SOCKETS_PER_TENANT): one more
 * is closed with 4429 LIVE_TOO_MANY_SOCKETS (LIVE_TENANT_TOO_MANY_SOCKETS), which graphql-ws clients do not retry;
 * the user's sockets of a session ended (signed out everywhere, a password changed or reset) close (4401 TOKEN_INVALID)
 * and give their places back as soon as it ends (SESSION_ENDED), or at the latest when the user connects again.
 * A client address holds at most LIVE_PENDING_SOCKETS_PER_ADDRESS sockets that have not sent their connection_init yet:
 * one more is refused at the upgrade with HTTP 429 LIVE_TOO_MANY_PENDING_SOCKETS.
 */
export async function attachLiveServer(
  fastify: FastifyInstance,
  deps: {
    config: Config;
    dataSource: DataSource;
    schema: GraphQLSchema;
    validationRules: readonly ValidationRule[];
    limiter: RequestLimiter;
  },
): Promise<LiveServer> {
  const { config, dataSource, schema, limiter } = deps;
  const rules = [...specifiedRules, ...deps.validationRules];
  // LIVE_DATABASE_URL when the pool goes through a pooler; else the pool's own URL (the same role, straight to PostgreSQL)
  const listenUrl = config.liveDatabaseUrl ?? (dataSource.options as PostgresConnectionOptions).url;
  if (!listenUrl) throw new Error('live updates need LIVE_DATABASE_URL or a pool configured by URL');
  const hub = new LiveHub(listenUrl);
  await hub.start();
  const connections = new WeakMap<WebSocket, LiveConnection>();
  const deliveries = slots(CONCURRENT_DELIVERIES);
  // every acknowledged socket holds one slot of its user's and one of its tenant's (events are rendered per subscription)
  const perUser = new OpenCounts();
  const perTenant = new OpenCounts();
  /** Each user's acknowledged sockets, by `tenant:user`. */
  const byUser = new Map<string, Set<LiveConnection>>();
  const userKeyOf = (connection: LiveConnection) => `${connection.route.tenantId}:${connection.route.userId}`;

  /** Gives a socket's places back and ends its subscriptions, once. */
  function release(connection: LiveConnection): void {
    if (connection.released) return;
    connection.released = true;
    clearTimeout(connection.timer);
    // graphql-ws returns the subscriptions it holds; these are also those it no longer does
    for (const running of connection.running) void running.return(undefined);
    const key = userKeyOf(connection);
    perUser.give(key);
    perTenant.give(connection.route.tenantId);
    const own = byUser.get(key);
    own?.delete(connection);
    if (!own?.size) byUser.delete(key);
  }

  /** Ends the sockets of sessions that ended (SESSION_ENDED, from any process): those of an older epoch close now. */
  const unwatch = hub.watch(LiveTopic.SESSION_ENDED, (event) => {
    const epoch = Number(event.kind);
    if (!Number.isInteger(epoch)) return;
    for (const userId of event.ids) {
      for (const connection of [...(byUser.get(`${event.tenantId}:${userId}`) ?? [])]) {
        if (connection.gen >= epoch) continue;
        release(connection);
        refuse(connection.socket, unauthenticated('TOKEN_INVALID'));
      }
    }
  });

  const asGraphQLError = (error: AppError) => new GraphQLError(error.message, { originalError: error });
  /**
   * graphql-js's own refusal (a syntax error, the schema's, an operation it cannot pick, a variable's: told
   * by its node when no code is given) with the code /graphql answers it with, so that formatError explains
   * it (reason, Chinese message) rather than take it for an internal error; any other error is left as it is.
   */
  const coded = (error: GraphQLError, code?: string): GraphQLError => {
    const variable = !error.originalError && !error.extensions.code && error.nodes?.[0]?.kind === Kind.VARIABLE_DEFINITION;
    const known = code ?? (variable ? 'BAD_USER_INPUT' : undefined);
    if (!known) return error;
    const { nodes, source, positions, path, originalError } = error;
    return new GraphQLError(error.message, {
      nodes,
      source,
      positions,
      path,
      originalError,
      extensions: { ...error.extensions, code: known },
    });
  };
  const formatted = (errors: readonly GraphQLError[], locale: Locale) =>
    errors.map((e) => localizeError(formatError(e.toJSON(), e), locale) as ReturnType<GraphQLError['toJSON']>);

  /** The token's viewer in a short transaction of its own: refuses what a request would refuse. */
  async function signedIn(authorization: string, ip: string, locale: Locale): Promise<UserViewer> {
    const ctx = createRequestContext(config, dataSource, ip, locale);
    try {
      await authenticate(ctx, authorization);
      await ctx.tx.finish(true);
    } catch (error) {
      await ctx.tx.finish(false).catch(() => undefined);
      throw error;
    }
    if (ctx.viewer?.kind !== 'user') throw coreError('TENANT_USER_REQUIRED');
    return ctx.viewer;
  }

  /** One event for one subscriber: its objects re-read under the subscriber's identity, then the selection executed. */
  async function render(event: LiveEvent, args: ExecutionArgs, connection: LiveConnection): Promise<ExecutionResult[] | 'closed'> {
    if (!Object.hasOwn(moduleLiveTopics, event.topic)) return [];
    const reread = moduleLiveTopics[event.topic];
    return deliveries.run(async () => {
      if (connection.socket.readyState !== WebSocket.OPEN) return 'closed';
      if (Date.now() >= connection.expiresAt) {
        refuse(connection.socket, liveError('LIVE_TOKEN_EXPIRED'));
        return 'closed';
      }
      const ctx = createRequestContext(config, dataSource, connection.ip, connection.locale);
      try {
        // the token again, and the account: disabled or gone closes the socket; changed roles apply now
        await authenticate(ctx, connection.authorization);
        if (ctx.viewer?.kind !== 'user') throw coreError('TENANT_USER_REQUIRED');
        const roots = await reread(ctx, event);
        const out: ExecutionResult[] = [];
        for (const root of roots) out.push(await execute({ ...args, rootValue: root, contextValue: ctx }));
        await ctx.tx.finish(true);
        return out;
      } catch (error) {
        await ctx.tx.finish(false).catch(() => undefined);
        const known = toAppError(error);
        if (known && (known.code === ErrorCode.UNAUTHENTICATED || known.code === ErrorCode.FORBIDDEN)) {
          refuse(connection.socket, known);
          return 'closed';
        }
        // a database hiccup loses this event for this subscriber; `notifications` and `viewer.tasks` still hold it
        console.error('[live] an event could not be delivered:', forLog(error));
        return [];
      }
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  /**
   * Sockets of each client address still waiting for their connection_init (each may wait connectionInitWaitTimeout):
   * a place is taken at the upgrade and given back at the connection_init or when the TCP connection ends.
   */
  const pendingPerAddress = new OpenCounts();
  /** Each upgraded socket's pending place, given back once. */
  const pendingRelease = new WeakMap<WebSocket, () => void>();
  const proxies = trustedProxies(config.trustProxy);
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    let path = '';
    try {
      path = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      /* not a path of ours: refused below */
    }
    if (path !== '/graphql') {
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const address = upgradeClientAddress(request, proxies);
    if (!pendingPerAddress.take(address, config.livePendingSocketsPerAddress)) {
      // refused before the handshake: no WebSocket to hold open; the body is the coded reason /graphql would answer
      const refusal = restError(
        liveError('LIVE_TOO_MANY_PENDING_SOCKETS', { params: { limit: config.livePendingSocketsPerAddress } }),
        localeOf(request.headers['accept-language']),
      );
      const body = JSON.stringify(refusal.body);
      socket.on('error', () => socket.destroy());
      socket.end(
        `HTTP/1.1 ${refusal.status} Too Many Requests\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    let held = true;
    const giveBack = () => {
      if (held) pendingPerAddress.give(address);
      held = false;
    };
    // a failed handshake, a client gone before its connection_init, or the socket closed at its timeout
    socket.once('close', giveBack);
    wss.handleUpgrade(request, socket, head, (ws) => {
      pendingRelease.set(ws, giveBack);
      quietProtocolErrors(ws);
      wss.emit('connection', ws, request);
    });
  };
  fastify.server.on('upgrade', onUpgrade);

  const server = useServer(
    {
      schema,
      connectionInitWaitTimeout: 5000,

      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        // its connection_init came: no longer waiting for it
        pendingRelease.get(socket)?.();
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const text = (key: string) => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
        const locale = localeOf(text('accept-language') ?? request.headers['accept-language']);
        const ip = request.socket.remoteAddress ?? '';
        try {
          const authorization = text('authorization') ?? text('Authorization');
          if (!authorization) throw coreError('UNAUTHENTICATED');
          const viewer = await signedIn(authorization, ip, locale);
          await limiter.consume(viewer);
          const { exp, gen } = (jwt.decode(authorization.trim().slice('Bearer '.length)) ?? {}) as { exp?: number; gen?: number };
          const expiresAt = typeof exp === 'number' ? exp * 1000 : Date.now();
          // verification allows a few seconds of clock skew; a socket does not start on an expired token
          if (expiresAt <= Date.now()) throw liveError('LIVE_TOKEN_EXPIRED');
          // the client left while it was signed in: no slot taken (onClose has run or finds no connection)
          if (socket.readyState !== WebSocket.OPEN) return false;
          // from here to connections.set nothing awaits: the counts and the connections agree
          const userKey = `${viewer.tenantId}:${viewer.userId}`;
          // the user's sockets of a session ended since (signed out everywhere, a password changed or reset) would
          // close at their next event: they close now, and hold no place of the user's (nor of the tenant's)
          for (const other of byUser.get(userKey) ?? []) {
            if (viewer.sessionEpoch === undefined || other.gen === viewer.sessionEpoch) continue;
            release(other);
            refuse(other.socket, unauthenticated('TOKEN_INVALID'));
          }
          if (!perUser.take(userKey, config.liveSocketsPerUser)) {
            throw liveError('LIVE_TOO_MANY_SOCKETS', { params: { limit: config.liveSocketsPerUser } });
          }
          if (!perTenant.take(viewer.tenantId, config.liveSocketsPerTenant)) {
            perUser.give(userKey);
            throw liveError('LIVE_TENANT_TOO_MANY_SOCKETS', { params: { limit: config.liveSocketsPerTenant } });
          }
          const timer = setTimeout(() => refuse(socket, liveError('LIVE_TOKEN_EXPIRED')), Math.min(2 ** 31 - 1, expiresAt - Date.now()));
          timer.unref();
          const connection: LiveConnection = {
            socket,
            authorization,
            route: { hub, tenantId: viewer.tenantId, userId: viewer.userId },
            ip,
            locale,
            expiresAt,
            timer,
            gen: typeof gen === 'number' ? gen : 0,
            released: false,
            pending: 0,
            running: new Set(),
          };
          connections.set(socket, connection);
          const own = byUser.get(userKey) ?? new Set();
          byUser.set(userKey, own.add(connection));
          return true;
        } catch (error) {
          const known = toAppError(error);
          if (!known) console.error('[live] connection refused by a fault:', forLog(error));
          refuse(socket, known ?? coreError('INTERNAL'));
          return false; // graphql-ws's own 4403 follows ours and is ignored by ws: the first close wins
        }
      },

      async onSubscribe(ctx, id, payload) {
        const connection = connections.get(ctx.extra.socket);
        // none, or closing since its session ended (its places already given back)
        if (!connection || connection.released) return [asGraphQLError(coreError('UNAUTHENTICATED'))];
        // ctx.subscriptions already holds this one; what runs counts too: graphql-ws forgets a subscription whose
        // id a later subscribe re-used while it was being set up, which is ended here (or at its next event)
        for (const running of connection.running) if (running.orphaned()) void running.return(undefined);
        if (
          Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET ||
          connection.running.size + connection.pending >= MAX_SUBSCRIPTIONS_PER_SOCKET
        ) {
          return [asGraphQLError(liveError('LIVE_TOO_MANY_SUBSCRIPTIONS', { params: { limit: MAX_SUBSCRIPTIONS_PER_SOCKET } }))];
        }
        // each subscribe is a request of the user's (parsed, validated, costed): counted as /graphql counts one; it holds
        // its place meanwhile (subscribes arriving then count it)
        connection.pending++;
        try {
          await limiter.consume(connection.route);
        } catch (error) {
          const known = toAppError(error);
          if (!known) throw error;
          return [asGraphQLError(known)];
        } finally {
          connection.pending--;
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: 3000 });
        } catch (error) {
          return [coded(error instanceof GraphQLError ? error : new GraphQLError('Syntax error'), 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        // graphql-ws would throw a plain Error for this; graphql-js's words, with /graphql's code
        if (!operation) {
          const message = payload.operationName
            ? `Unknown operation named "${payload.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          return [coded(new GraphQLError(message), 'OPERATION_RESOLUTION_FAILURE')];
        }
        if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return [asGraphQLError(liveError('LIVE_SUBSCRIPTIONS_ONLY'))];
        // the cost limit /graphql applies, with this subscription's variables
        const tooCostly = costRefusal(schema, document, operation, payload.variables ?? undefined);
        if (tooCostly) return [coded(tooCostly)];
        const contextValue: SubscribeContext = { live: connection.route, connection, id, socket: ctx };
        connection.pending++; // until subscribe has made its results
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },

      async subscribe(args) {
        const { connection, id, socket } = args.contextValue as SubscribeContext;
        let source: Awaited<ReturnType<typeof createSourceEventStream>>;
        try {
          source = await createSourceEventStream(args);
        } finally {
          connection.pending--;
        }
        if (!isAsyncIterable(source)) return { ...source, errors: source.errors?.map((e) => coded(e)) };
        const running: LiveResults = results(
          source[Symbol.asyncIterator](),
          (event) => render(event, args, connection),
          // graphql-ws keys a socket's subscriptions by id: a subscribe that re-uses the id of a completed one still being
          // set up replaces it there, and the replaced one, which the client can no longer complete, ends at its next event
          () => socket.subscriptions[id] === running,
          () => connection.running.delete(running),
        );
        connection.running.add(running);
        return running;
      },

      onNext(ctx, _id, _payload, _args, result) {
        if (!result.errors) return undefined;
        const locale = connections.get(ctx.extra.socket)?.locale ?? 'zh-CN';
        return { ...result, errors: formatted(result.errors, locale) };
      },

      onError(ctx, _id, _payload, errors) {
        return formatted(errors, connections.get(ctx.extra.socket)?.locale ?? 'zh-CN');
      },

      onClose(ctx) {
        const connection = connections.get(ctx.extra.socket);
        if (connection) release(connection);
        connections.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  let closing: Promise<void> | undefined;
  return {
    hub,
    close() {
      closing ??= (async () => {
        fastify.server.off('upgrade', onUpgrade);
        unwatch();
        // dispose closes every socket with 1001 Going Away and waits for them; one that does not answer is cut after a second
        const cut = setTimeout(() => wss.clients.forEach((s) => s.terminate()), 1000);
        try {
          await server.dispose();
        } finally {
          clearTimeout(cut);
        }
        await hub.stop();
      })();
      return closing;
    },
  };
}
