import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed client code from the operations a frontend runs (docs/operations/*.graphql) against the
 * printed schema: `npm run codegen` fails when an operation no longer matches the schema. The output
 * is checked by tsc in the same script and not committed (each frontend generates its own).
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: 'docs/operations/**/*.graphql',
  generates: {
    '.codegen/operations.ts': {
      plugins: ['typescript-operations'],
      config: { scalars: { DateTime: 'string', Date: 'string', JSON: 'unknown' }, enumsAsTypes: true, avoidOptionals: false },
    },
  },
  errorsOnly: false,
  silent: true,
};
export default config;
