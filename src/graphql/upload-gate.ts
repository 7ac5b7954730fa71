import { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { UserViewer } from '../auth/viewer';
import { Config } from '../config';
import { RequestContext, authenticate, createRequestContext, requireUser } from './context';
import { toAppError, unauthenticated } from './errors';
import { RequestLimiter } from './rate-limit';

/**
 * The gate of an upload route, run in preParsing, before a byte of the body is read (the least
 * privileged caller costs nothing): signed in, within the request limits, then `allow` (the route's
 * role and header checks, and what it can read in the gate's transaction, such as a cap on what the
 * caller has in progress, throwing a coded error). The short transaction it opens is closed either way;
 * `refused` sees a refusal first (to audit it).
 */
export async function gateUpload(
  deps: { config: Config; dataSource: DataSource; limiter: RequestLimiter },
  request: FastifyRequest,
  allow: (viewer: UserViewer, ctx: RequestContext) => void | Promise<void>,
  refused?: (ctx: RequestContext, error: unknown) => Promise<void>,
): Promise<void> {
  const ctx = createRequestContext(deps.config, deps.dataSource, request.ip);
  try {
    await authenticate(ctx, request.headers.authorization);
    if (!ctx.viewer) throw unauthenticated();
    const viewer = requireUser(ctx);
    await deps.limiter.consume(viewer);
    await allow(viewer, ctx);
  } catch (error) {
    await refused?.(ctx, error);
    // a fault the API knows (the database unreachable: 503) leaves as its coded error, which the routes'
    // scopes answer; a raw one would reach Fastify's handlers as an unknown error
    throw toAppError(error) ?? error;
  } finally {
    await ctx.tx.finish(false);
  }
}
