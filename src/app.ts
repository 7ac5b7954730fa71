import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import fastifyCompress from '@fastify/compress';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import { DataSource } from 'typeorm';
import { Config, bodyLimitBytes } from './config';
import { COMPILED_QUERIES_DEFAULTS, compiledQueriesGateway } from './graphql/compiled-queries';
import { RequestContext, authenticate, createRequestContext } from './graphql/context';
import { readAheadOf } from './graphql/read-ahead';
import { costLimitPlugin } from './graphql/query-cost';
import { coreError, httpStatus, maskError, sendRestError, toAppError, toGraphQLError } from './graphql/errors';
import { localePlugin } from './graphql/locale-plugin';
import { LiveServer, attachLiveServer } from './graphql/live-server';
import { ellipsis, localeOf, renderReason } from './graphql/messages';
import { registerGraphiql } from './graphql/graphiql';
import { RequestLimiter, rateLimitHttpPlugin } from './graphql/rate-limit';
import { bindRequest, loggerOptions, registerRequestLog, requestIdOf, requestLogPlugin } from './graphql/request-log';
import { getSchema } from './graphql/schema';
import { transactionPlugin } from './graphql/transaction-plugin';
import { registerMetrics } from './metrics';
import { registerModuleRoutes } from './modules';
import { JobQueue } from './modules/domain-module';

export interface RunningApp {
  url: string;
  port: number;
  fastify: FastifyInstance;
  /** Subscriptions over WebSocket on the same port and path, and this process's LISTEN connection. */
  live: LiveServer;
  /** From now on /readyz answers 503 (SIGTERM: before the listener closes); requests are still served. */
  startDraining(): void;
  close(): Promise<void>;
}

/** Tokens a GraphQL document may hold (the same bound as a subscription's, live-server.ts). */
const MAX_TOKENS = 3000;

/** Query limits: maintained validation rules instead of hand-written ones. */
function armor(config: Config) {
  return new ApolloArmor({
    maxDepth: { n: 12 },
    maxAliases: { n: 20 },
    maxDirectives: { n: 20 },
    // graphql-armor's token limit parses in a plugin hook, where a syntax error becomes a 500: the parser's own limit instead (parseOptions)
    maxTokens: { enabled: false },
    // graphql-armor's cost counts `first: $n` and an absent `first` as one row: ours instead, with the variables (query-cost.ts)
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
}

/**
 * Headers every response carries and what browsers on other origins may do (issue 16):
 *  - @fastify/helmet's security headers. Its default Content-Security-Policy suits JSON answers; the
 *    GraphiQL page sends its own (nonces; graphiql.ts). Cross-Origin-Resource-Policy is cross-origin:
 *    nothing here is authorized by an ambient cookie (bearer tokens, signed links), and a frontend on
 *    its own origin shows evidence images by their signed links.
 *  - @fastify/cors from CORS_ORIGINS: a preflight is answered 204 in the hook (before Apollo's CSRF
 *    check could refuse it), with Access-Control-Allow-Origin only for a listed origin; browsers may
 *    read Retry-After and X-Request-Id. No credentials: the API reads no cookie.
 *  - @fastify/compress (br, gzip) above 1 KiB for compressible types; never a 206 or a Range answer.
 */
async function registerHttpConventions(fastify: FastifyInstance, config: Config): Promise<void> {
  await fastify.register(fastifyHelmet, { crossOriginResourcePolicy: { policy: 'cross-origin' } });
  await fastify.register(fastifyCors, {
    origin: config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST'],
    exposedHeaders: ['retry-after', 'x-request-id', 'content-disposition'],
    maxAge: 600,
    credentials: false,
  });
  await fastify.register(fastifyCompress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
}

/**
 * The app-wide Fastify error handler. Body-parser and routing failures answer with a coded GraphQL-style
 * error, never a stack; a fault the API knows (the database unreachable, a pool that cannot connect in
 * time, a refusal by SQLSTATE) thrown in any route's hook answers with its own code and status, as it
 * would from /graphql, not as a 500.
 */
export function answerUnhandledError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const locale = localeOf(request.headers['accept-language']);
  const known = error.statusCode === undefined ? toAppError(error) : undefined;
  if (known) {
    if (httpStatus[known.code] >= 500) request.log.warn({ err: error, reason: known.details.reason }, 'refused: %s', known.details.reason);
    void sendRestError(reply, known, locale, { scope: '[http]' });
    return;
  }
  const status = error.statusCode ?? 500;
  const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
  const reason = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
  const message = renderReason(reason, {}, locale) ?? reason;
  if (status >= 500) request.log.error({ err: error }, 'internal error');
  const extensions = status >= 500 ? { code, reason, requestId: request.id } : { code, reason };
  void reply.status(status).send({ errors: [{ message, extensions }] });
}

/**
 * An address no route serves, as a coded error in the client's language rather than Fastify's English
 * default; /graphql asked for by another method than POST (GraphiQL's GET where it is served) is 405.
 */
export function answerNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const locale = localeOf(request.headers['accept-language']);
  const path = request.url.split('?')[0];
  if (path === '/graphql') {
    void sendRestError(reply.header('allow', 'POST, OPTIONS'), coreError('GRAPHQL_POST_ONLY'), locale, {
      scope: '[http]',
      statusByReason: { GRAPHQL_POST_ONLY: 405 },
    });
    return;
  }
  const shown = ellipsis(path, 200);
  void sendRestError(reply, coreError('ROUTE_NOT_FOUND', { params: { method: request.method, path: shown } }), locale, { scope: '[http]' });
}

/**
 * HTTP on Fastify 5 (chosen over Express 5 by measurement, see README): /graphql (Apollo), GraphiQL
 * from local assets in development, /healthz (process up) and /readyz (database reachable).
 */
export async function startApp(
  config: Config,
  dataSource: DataSource,
  listen: { port: number; host: string; /** where the JSON log lines go (default stdout) */ logStream?: NodeJS.WritableStream },
  /** The job queue the modules' routes send work to (imports as jobs); absent: queued rows wait for an instance with a worker. */
  extra: { queue?: JobQueue; ownerUrl?: string } = {},
): Promise<RunningApp> {
  const fastify = Fastify({
    bodyLimit: bodyLimitBytes(config.bodyLimit),
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names (default: none)
    trustProxy: config.trustProxy,
    // one line per request of our own (request-log.ts) instead of Fastify's two
    logger: loggerOptions(config, listen.logStream),
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: requestIdOf,
  });
  const metrics = registerMetrics(fastify, dataSource, config.metricsToken);
  registerRequestLog(fastify, metrics);
  await registerHttpConventions(fastify, config);
  let draining = false;
  const limits = armor(config);
  const limiter = new RequestLimiter(config, dataSource);

  const schema = await getSchema();
  const gateway = config.compiledQueries
    ? compiledQueriesGateway(schema, { ...COMPILED_QUERIES_DEFAULTS, hotAfter: config.compiledQueriesHotAfter })
    : undefined;
  if (gateway) metrics.watchCompiledQueries(() => gateway.compiled());
  const apollo = new ApolloServer<RequestContext>({
    // hot query documents run compiled (src/graphql/compiled-queries.ts); Apollo takes an executor only as a "gateway"
    ...(gateway ? { gateway } : { schema }),
    introspection: config.introspection,
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // at most 3000 tokens, counted by graphql-js while parsing: over it is a syntax error, HTTP 400 like any other
    parseOptions: { maxTokens: MAX_TOKENS },
    validationRules: limits.validationRules,
    plugins: [
      ...limits.plugins,
      costLimitPlugin(schema),
      transactionPlugin,
      rateLimitHttpPlugin,
      fastifyApolloDrainPlugin(fastify),
      localePlugin,
      requestLogPlugin,
      // no cache hints are set or read: Apollo's default cache-control plugin only wrapped every field's resolver
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();

  fastify.setErrorHandler(answerUnhandledError);
  fastify.setNotFoundHandler(answerNotFound);

  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_request, reply) => {
    if (draining) return reply.status(503).send({ status: 'draining' });
    try {
      await dataSource.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
  if (config.graphiql) registerGraphiql(fastify);
  registerModuleRoutes(fastify, { config, dataSource, limiter, queue: extra.queue, ownerUrl: extra.ownerUrl });

  await fastify.register(fastifyApollo(apollo), {
    path: '/graphql',
    method: ['POST', 'OPTIONS'],
    context: async (request) => {
      const ctx = createRequestContext(config, dataSource, request.ip, localeOf(request.headers['accept-language']));
      bindRequest(ctx, request);
      ctx.userAgent = request.headers['user-agent'];
      try {
        // a request without a token: the limit on its client address, before anything runs
        if (!request.headers.authorization) await limiter.consumeAddress(request.ip);
        // the request limit on the verified token's user and tenant, before the opening round trip and what it reads ahead
        await authenticate(ctx, request.headers.authorization, readAheadOf(request.body), async (claims) => {
          if (claims.kind !== 'operator' && claims.tid) await limiter.consume({ tenantId: claims.tid, userId: claims.sub });
        });
      } catch (error) {
        await ctx.tx.finish(false).catch(() => undefined);
        const known = toAppError(error);
        if (!known) throw error;
        throw toGraphQLError(known, ctx.locale);
      }
      return ctx;
    },
  });

  // graphql-ws on the same port and path; its LISTEN connection goes straight to PostgreSQL (README: Live updates)
  const live = await attachLiveServer(fastify, {
    config,
    dataSource,
    schema,
    validationRules: limits.validationRules ?? [],
    limiter,
  });

  try {
    await fastify.listen({ port: listen.port, host: listen.host });
  } catch (error) {
    await live.close().catch(() => undefined);
    throw error;
  }
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  const shownHost = listen.host === '0.0.0.0' ? 'localhost' : listen.host;
  return {
    url: `http://${shownHost}:${port}/graphql`,
    port,
    fastify,
    live,
    startDraining() {
      draining = true;
    },
    async close() {
      draining = true;
      await live.close();
      await apollo.stop();
      await fastify.close();
    },
  };
}
