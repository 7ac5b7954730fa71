import { RequestContext } from '../../graphql/context';
import { Release } from '../../graphql/slots';

/**
 * Runs `work` in a request transaction of its own, as a route's wrapper does (the document module's
 * `withReadContext`, the report module's `attempt`): `placing`, the first of a download's two steps (counted
 * against the rate limits, audited only when refused); `placed`, the second (counted already, audited either way).
 */
export type DownloadStep = <T>(
  work: (ctx: RequestContext) => Promise<T>,
  step: 'placing' | 'placed',
) => Promise<{ value: T } | { error: unknown }>;

/**
 * A download in two transactions with its place between them: `authorize` finds the record through its module's
 * visibility rule and checks the query (a foreign, out-of-scope or unknown id is 404, a bad query 400) in a short
 * one, so a caller refused for who it is never waits for a place nor holds one; the place (`enter`: the files or
 * archives built at once) is waited for holding no database connection; then `authorize` runs again and `build`
 * with what it answered, in a transaction of their own (a role revoked or an org moved while it waited counts).
 * Answers what was built with the place's release, for the caller to give back once the file is sent; a refusal
 * of either step leaves no place held.
 */
export async function placeThenBuild<A, B>(
  run: DownloadStep,
  authorize: (ctx: RequestContext) => Promise<A>,
  enter: (ctx: RequestContext, authorized: A) => Promise<Release>,
  build: (ctx: RequestContext, authorized: A) => Promise<B>,
): Promise<{ value: B; release: Release } | { error: unknown }> {
  let release: Release = () => {};
  try {
    const placed = await run(async (ctx) => {
      const authorized = await authorize(ctx);
      // a place waited for holding no database connection
      await ctx.tx.finish(false);
      release = await enter(ctx, authorized);
    }, 'placing');
    if ('error' in placed) {
      release();
      return placed;
    }
    const built = await run(async (ctx) => build(ctx, await authorize(ctx)), 'placed');
    if ('error' in built) {
      release();
      return built;
    }
    return { value: built.value, release };
  } catch (error) {
    release();
    throw error;
  }
}
