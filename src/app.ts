import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import Fastify, { FastifyError, FastifyInstance } from 'fastify';
import { DataSource } from 'typeorm';
import { Config } from './config';
import { RequestContext, authenticate, createRequestContext } from './graphql/context';
import { formatError, toAppError, toGraphQLError } from './graphql/errors';
import { localePlugin } from './graphql/locale-plugin';
import { LiveServer, attachLiveServer } from './graphql/live-server';
import { localeOf, renderReason } from './graphql/messages';
import { registerGraphiql } from './graphql/graphiql';
import { RequestLimiter, rateLimitHttpPlugin } from './graphql/rate-limit';
import { getSchema } from './graphql/schema';
import { transactionPlugin } from './graphql/transaction-plugin';
import { registerModuleRoutes } from './modules';

export interface RunningApp {
  url: string;
  port: number;
  fastify: FastifyInstance;
  /** Subscriptions over WebSocket on the same port and path, and this process's LISTEN connection. */
  live: LiveServer;
  close(): Promise<void>;
}

/** Query limits: maintained validation rules instead of hand-written ones. */
function armor(config: Config) {
  return new ApolloArmor({
    maxDepth: { n: 12 },
    maxAliases: { n: 20 },
    maxDirectives: { n: 20 },
    maxTokens: { n: 3000 },
    costLimit: { maxCost: 20000, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5 },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
}

function parseBodyLimit(limit: string): number {
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(limit.trim());
  if (!match) return 1024 * 1024;
  const unit = (match[2] ?? 'b').toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

/**
 * HTTP on Fastify 5 (chosen over Express 5 by measurement, see README): /graphql (Apollo), GraphiQL
 * from local assets in development, /healthz (process up) and /readyz (database reachable).
 */
export async function startApp(config: Config, dataSource: DataSource, listen: { port: number; host: string }): Promise<RunningApp> {
  const fastify = Fastify({ bodyLimit: parseBodyLimit(config.bodyLimit), trustProxy: 'loopback', logger: false });
  const limits = armor(config);
  const limiter = new RequestLimiter(config);

  const schema = await getSchema();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.introspection,
    formatError,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    validationRules: limits.validationRules,
    plugins: [...limits.plugins, transactionPlugin, rateLimitHttpPlugin, fastifyApolloDrainPlugin(fastify), localePlugin],
  });
  await apollo.start();

  // Body-parser and routing failures answer with a coded GraphQL-style error, never a stack.
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    const reason = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
    const message = renderReason(reason, {}, localeOf(request.headers['accept-language'])) ?? reason;
    if (status >= 500) console.error('[http]', error);
    void reply.status(status).send({ errors: [{ message, extensions: { code, reason } }] });
  });

  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_request, reply) => {
    try {
      await dataSource.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
  if (config.graphiql) registerGraphiql(fastify);
  registerModuleRoutes(fastify, { config, dataSource, limiter });

  await fastify.register(fastifyApollo(apollo), {
    path: '/graphql',
    method: ['POST', 'OPTIONS'],
    context: async (request) => {
      const ctx = createRequestContext(config, dataSource, request.ip, localeOf(request.headers['accept-language']));
      ctx.userAgent = request.headers['user-agent'];
      try {
        await authenticate(ctx, request.headers.authorization);
        if (ctx.viewer?.kind === 'user') limiter.check(ctx.viewer);
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
    async close() {
      await live.close();
      await apollo.stop();
      await fastify.close();
    },
  };
}
