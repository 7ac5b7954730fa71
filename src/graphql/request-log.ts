import pretty from 'pino-pretty';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { ApolloServerPlugin } from '@apollo/server';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { Config } from '../config';
import { AppMetrics } from '../metrics';
import { RequestContext } from './context';
import { ErrorCode, toAppError } from './errors';

/**
 * Structured logs (issue 16) with the pino that Fastify carries: one JSON line per request (`"msg":
 * "request"`) with its request id (X-Request-Id when the client or the balancer sent a plausible one,
 * else a UUID; echoed in the response's X-Request-Id header, and in `extensions.requestId` of an internal error), the
 * GraphQL operation name, tenant and user ids, duration, status and the first error code; and one
 * `"msg":"internal error"` line with the stack for every INTERNAL_SERVER_ERROR, under the same request id.
 * Lines name chosen fields only (no headers, bodies, variables or query strings: a signed link's
 * signature stays out); pino's redaction covers the usual secret names besides, should a field carry one.
 */

export const REQUEST_ID_HEADER = 'x-request-id';
const PLAUSIBLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && PLAUSIBLE_ID.test(given) ? given : randomUUID();
}

/** Secret-bearing names pino censors wherever they appear in a logged object (one level deep, and at the top). */
const SECRET_NAMES = ['password', 'newPassword', 'token', 'accessToken', 'refreshToken', 'authorization', 'cookie', 'secret'];
export const REDACT_PATHS = [
  ...SECRET_NAMES,
  ...SECRET_NAMES.map((n) => `*.${n}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

/** Fastify's `logger` options: level from LOG_LEVEL, JSON to `stream` (stdout by default). */
export function loggerOptions(config: Config, stream?: NodeJS.WritableStream) {
  // LOG_FORMAT=pretty: the same lines, coloured and one per request, through pino-pretty in this process
  // (a sync stream: a developer's terminal, never a collector; production defaults to JSON)
  const out = stream ?? (config.logFormat === 'pretty' ? prettyStream() : undefined);
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    ...(out ? { stream: out } : {}),
  };
}

function prettyStream(): NodeJS.WritableStream {
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, sync: true });
}

/** What a request's line says beyond HTTP, filled in by the GraphQL plugin. */
interface RequestFields {
  operation?: string;
  statements?: number;
  tenant?: string;
  user?: string;
  errorCode?: string;
}
const fieldsOf = new WeakMap<FastifyRequest, RequestFields>();
/** A symbol-keyed field, not a WeakMap: Apollo hands plugins a shallow copy of the context object. */
const HTTP_REQUEST = Symbol('httpRequest');
type Bound = RequestContext & { [HTTP_REQUEST]?: FastifyRequest };

/** Called by the GraphQL context function: lets the plugin reach the HTTP request of a context. */
export function bindRequest(ctx: RequestContext, request: FastifyRequest): void {
  (ctx as Bound)[HTTP_REQUEST] = request;
}

function note(request: FastifyRequest, fields: RequestFields): void {
  fieldsOf.set(request, { ...fieldsOf.get(request), ...fields });
}

/** Echoes the request id and writes the request's line (and its metrics sample) when its response is sent. */
export function registerRequestLog(fastify: FastifyInstance, metrics?: AppMetrics): void {
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const f = fieldsOf.get(request) ?? {};
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        operation: f.operation,
        tenant: f.tenant,
        user: f.user,
        errorCode: f.errorCode,
      },
      'request',
    );
    metrics?.observe({
      route: request.routeOptions.url ?? '(unmatched)',
      operation: f.operation,
      status: reply.statusCode,
      errorCode: f.errorCode,
      seconds: reply.elapsedTime / 1000,
      statements: f.statements,
    });
  });
}

/** True for an error the client sees as INTERNAL_SERVER_ERROR (see formatError): neither ours nor GraphQL's own. */
export function isInternal(error: unknown): boolean {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (toAppError(original)) return false;
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  return !(typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR);
}

/** Logs each internal error once with its stack; names the operation, viewer and outcome on the request's line. */
export const requestLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart({ contextValue }) {
    const request = (contextValue as Bound)[HTTP_REQUEST];
    if (!request) return {};
    return {
      async didResolveOperation({ operationName, operation }) {
        note(request, { operation: operationName ?? operation?.name?.value ?? operation?.operation });
      },
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          if (!isInternal(error)) continue;
          const original = error.originalError ?? error;
          request.log.error({ err: original, path: error.path?.join('.') }, 'internal error');
        }
      },
      async willSendResponse({ response }) {
        note(request, { statements: contextValue.tx.statements });
        const viewer = contextValue.viewer;
        if (viewer?.kind === 'user') note(request, { tenant: viewer.tenantId, user: viewer.userId });
        else if (viewer?.kind === 'operator') note(request, { user: `operator:${viewer.operatorId}` });
        if (response.body.kind !== 'single') return;
        const errors = response.body.singleResult.errors;
        if (!errors?.length) return;
        const code = errors[0]?.extensions?.code;
        note(request, { errorCode: typeof code === 'string' ? code : undefined });
        // the id the log line of an internal error carries, for the client to quote (every response has it in X-Request-Id)
        response.body.singleResult.errors = errors.map((e) =>
          e.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR ? { ...e, extensions: { ...e.extensions, requestId: request.id } } : e,
        );
      },
    };
  },
};
