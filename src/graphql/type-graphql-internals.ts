import { dirname, join } from 'node:path';

/**
 * type-graphql offers no hooks for its argument conversion and validation, so input-conversion.ts and
 * input-validation.ts replace functions of its internal modules in place (its resolvers call them through
 * the module objects). They do so only on the release they were written against: any other keeps its own
 * functions, and tests/input-validation.test.ts fails so that an upgrade looks at them again.
 */
export const INTERNALS_WRITTEN_FOR = '2.0.0-rc.4';

const buildDir = dirname(require.resolve('type-graphql'));

/** A module of type-graphql's build (its package exports do not reach them), e.g. 'resolvers/convert-args.js'. */
export function typeGraphqlInternal<T>(relative: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(buildDir, relative)) as T;
}

/** Whether the installed type-graphql is the release the replacements were written against. */
export const internalsMatch = typeGraphqlInternal<{ version: string }>('../../package.json').version === INTERNALS_WRITTEN_FOR;
