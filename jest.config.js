/**
 * Two jest projects over one global setup (one PostgreSQL, one pair of template databases):
 *   fast  `npm test`           everything else, to run before every commit
 *   long  `npm run test:long`  fault, load, crawl, race and guard tests, and the slow (browser, archives, jobs)
 * A test file is long when it sits in tests/long/ or is named *.long.test.ts; nothing else to edit.
 * `npx jest tests/<path>` runs any file whichever project it belongs to; CI (`.ci/run`) runs both.
 *
 * @swc/jest compiles each file in milliseconds and keeps the decorator metadata type-graphql reads
 * (ts-jest type-checked every file in every worker: ~4× slower on a cold cache). Types are checked
 * once, by `npm run typecheck`, which CI runs.
 */

/** Where a long test lives. */
const LONG_PATTERNS = ['/tests/long/', '\\.long\\.test\\.ts$'];

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
    // ESM-only packages: otplib's base32 and HMAC plugins (@scure/base, @noble/hashes), openid-client 6
    // and its two dependencies; compiled to CommonJS for jest's module loader, as Node 20.19+ itself
    // loads them with require(esm)
    '^.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@scure|@noble|openid-client|oauth4webapi|jose)/)'],
  setupFiles: ['reflect-metadata'],
  setupFilesAfterEnv: ['<rootDir>/tests/helpers/close-leftovers.ts'],
  // Run once per jest invocation (jest de-duplicates a setup module shared by projects).
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'fast',
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...LONG_PATTERNS],
    },
    {
      ...shared,
      displayName: 'long',
      testRegex: LONG_PATTERNS.map((p) => `${p.startsWith('/tests/long/') ? `${p}.*\\.test\\.ts$` : p}`),
    },
  ],
  testTimeout: 60000,
  // four workers on two cores: a worker waiting on PostgreSQL or a socket leaves its core to another
  // (`npm test` on 2026-12-04: 3 workers 107.6 s, 4: 94.5 and 94.1 s, 5: 110 s, 6: 104 s; 2026-12-02: 2: 144 s, 3: 126 s).
  // The long project keeps three (its load and fault tests time themselves against the machine): see package.json.
  maxWorkers: 4,
};
