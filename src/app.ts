import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import express from 'express';
import { GraphQLError } from 'graphql';
import http from 'node:http';
import { DataSource } from 'typeorm';
import { Config } from './config';
import { RequestContext, authenticate, createRequestContext } from './graphql/context';
import { formatError, toAppError } from './graphql/errors';
import { graphiqlRouter } from './graphql/graphiql';
import { getSchema } from './graphql/schema';
import { transactionPlugin } from './graphql/transaction-plugin';

export interface RunningApp {
  url: string;
  port: number;
  httpServer: http.Server;
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

export async function startApp(config: Config, dataSource: DataSource, listen: { port: number; host: string }): Promise<RunningApp> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);
  const limits = armor(config);

  const apollo = new ApolloServer<RequestContext>({
    schema: await getSchema(),
    introspection: config.introspection,
    formatError,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    validationRules: limits.validationRules,
    plugins: [...limits.plugins, transactionPlugin, ApolloServerPluginDrainHttpServer({ httpServer })],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await dataSource.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  if (config.graphiql) app.use('/graphql', graphiqlRouter());

  app.use(
    '/graphql',
    express.json({ limit: config.bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const ctx = createRequestContext(config, dataSource, req.ip ?? '');
        try {
          await authenticate(ctx, req.headers.authorization);
        } catch (error) {
          await ctx.tx.finish(false).catch(() => undefined);
          const known = toAppError(error);
          if (!known) throw error;
          throw new GraphQLError(known.message, { extensions: { code: known.code, reason: known.details.reason, http: { status: 401 } } });
        }
        return ctx;
      },
    }),
  );
  // Body-parser failures (too large, malformed JSON) answer with a coded GraphQL-style error.
  app.use((error: { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = error.status ?? 500;
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    const message = status === 413 ? 'Request body too large' : status < 500 ? 'Malformed request' : 'Internal server error';
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(listen.port, listen.host, () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  const shownHost = listen.host === '0.0.0.0' ? 'localhost' : listen.host;
  return {
    url: `http://${shownHost}:${port}/graphql`,
    port,
    httpServer,
    close: () => apollo.stop(),
  };
}
