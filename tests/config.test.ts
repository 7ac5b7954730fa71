import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { derivePasswordHash, hashPassword, paramsOf } from '../src/auth/password';
import { ConfigError, loadConfig } from '../src/config';
import { TEST_APP_DB_PASSWORD, TEST_JWT_SECRET } from './helpers/test-database';

describe('configuration', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'party-config-'));

  it('runs with no environment at all (development defaults, generated JWT secret kept in DATA_DIR)', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({
      port: 4000,
      production: false,
      seedDemo: true,
      graphiql: true,
      databaseUrl: undefined,
      databasePoolSize: 20,
      preparedStatements: true,
      compiledQueries: true,
      compiledQueriesHotAfter: 2,
    });
    // off behind a transaction-mode pooler
    expect(loadConfig({ DATA_DIR: dir, PREPARED_STATEMENTS: 'false' }).preparedStatements).toBe(false);
    expect(() => loadConfig({ DATA_DIR: dir, PREPARED_STATEMENTS: 'sometimes' })).toThrow(/^PREPARED_STATEMENTS must be true or false/);
    // graphql-js executes every document
    expect(loadConfig({ DATA_DIR: dir, COMPILED_QUERIES: 'false' }).compiledQueries).toBe(false);
    expect(config.jwt.algorithm).toBe('HS256');
    const secret = readFileSync(path.join(dir, 'jwt-secret'), 'utf8');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(config.jwt.signingKey.export().toString()).toBe(secret);
    expect(loadConfig({ DATA_DIR: dir }).jwt.signingKey.export().toString()).toBe(secret);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT must be between/],
    [{ DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE must be between 1 and 500/],
    [{ DATABASE_POOL_SIZE: 'many' }, /^DATABASE_POOL_SIZE must be a whole number/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
    [{ JWT_SECRET: 'short' }, /^JWT_SECRET must be at least 32 characters/],
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db' }, /^JWT_SECRET .* is required when NODE_ENV=production/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(40) }, /^DATABASE_URL is required when NODE_ENV=production/],
    [{ JWT_PUBLIC_KEY_FILE: '/nonexistent' }, /^JWT_PRIVATE_KEY_FILE is required/],
    [{ SEED_DEMO: 'maybe' }, /^SEED_DEMO must be true or false/],
    [{ BODY_LIMIT: '10gigabytes' }, /^BODY_LIMIT must be a size between 1kb and 1024mb/],
    [{ BODY_LIMIT: '2000mb' }, /^BODY_LIMIT must be a size/],
    [{ HOST: 'not a host' }, /^HOST must be an IP address or a host name/],
    [{ TRUST_PROXY: 'loopback' }, /^TRUST_PROXY must be off or comma-separated IP addresses\/CIDRs/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY must be off/],
    [{ APP_DB_PASSWORD: 'short' }, /^APP_DB_PASSWORD must be at least 16 characters/],
    [{ DRAIN_DELAY_SECONDS: '-1' }, /^DRAIN_DELAY_SECONDS must be a whole number/],
    [{ CORS_ORIGINS: 'https://app.example.org/path' }, /^CORS_ORIGINS must be comma-separated origins/],
    [{ CORS_ORIGINS: '*' }, /^CORS_ORIGINS must be comma-separated origins/],
    [{ PUBLIC_BASE_URL: 'dangjian.example.gov.cn' }, /^PUBLIC_BASE_URL is not a valid URL/],
    [{ PUBLIC_BASE_URL: 'ftp://dangjian.example.gov.cn' }, /^PUBLIC_BASE_URL must be an http\(s\) address/],
    [{ PUBLIC_BASE_URL: 'https://dangjian.example.gov.cn/?x=1' }, /^PUBLIC_BASE_URL must be an http\(s\) address/],
    [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of/],
    [{ LOG_FORMAT: 'xml' }, /^LOG_FORMAT must be json or pretty/],
    [{ METRICS_TOKEN: 'short' }, /^METRICS_TOKEN must be at least 16 characters/],
    [{ JOBS_DB_ROLE: 'party_app' }, /^JOBS_DB_ROLE must be a lower-case SQL identifier other than APP_DB_ROLE/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const run = () => loadConfig({ DATA_DIR: dataDir(), ...env });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('turns off demo data, introspection and GraphiQL in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: 'z'.repeat(40) });
    expect(config).toMatchObject({ production: true, seedDemo: false, introspection: false, graphiql: false });
  });

  it('hashes new passwords at scrypt N=2^15 by default, and refuses a cheaper cost in production', async () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: 'z'.repeat(40) };
    const development = { DATA_DIR: dataDir() };
    expect(loadConfig(development).passwordScryptCost).toBe(15);
    expect(loadConfig(production).passwordScryptCost).toBe(15);
    expect(loadConfig({ ...production, PASSWORD_SCRYPT_COST: '17' }).passwordScryptCost).toBe(17);
    expect(loadConfig({ ...development, PASSWORD_SCRYPT_COST: '10' }).passwordScryptCost).toBe(10);
    expect(() => loadConfig({ ...production, PASSWORD_SCRYPT_COST: '14' })).toThrow(/^PASSWORD_SCRYPT_COST must be at least 15/);
    expect(() => loadConfig({ ...development, PASSWORD_SCRYPT_COST: '9' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...development, PASSWORD_SCRYPT_COST: '21' })).toThrow(ConfigError);
    // the cost is the hash's N; verification reads it back from the stored string
    const hash = await hashPassword('正确的马电池', loadConfig(development).passwordScryptCost);
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await derivePasswordHash('正确的马电池', paramsOf(hash))).toBe(hash);
    expect(await derivePasswordHash('错误的马电池', paramsOf(hash))).not.toBe(hash);
  });

  it('logs JSON in production whatever the terminal, and pretty lines when asked', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: 'z'.repeat(40) };
    expect(loadConfig(production).logFormat).toBe('json');
    expect(loadConfig({ ...production, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ DATA_DIR: dataDir(), LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
  });

  it('reads sizes, hosts and trusted proxies', () => {
    const dir = dataDir();
    expect(loadConfig({ DATA_DIR: dir, BODY_LIMIT: '512kb', HOST: '::1' })).toMatchObject({
      bodyLimit: '512kb',
      host: '::1',
      trustProxy: false,
    });
    expect(loadConfig({ DATA_DIR: dir, HOST: 'api.example.org' }).host).toBe('api.example.org');
    expect(loadConfig({ DATA_DIR: dir, TRUST_PROXY: ' 10.0.0.0/8, 127.0.0.1,::1 ' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
    expect(loadConfig({ DATA_DIR: dir, TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ DATA_DIR: dir, CORS_ORIGINS: 'https://app.example.org, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.org',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ DATA_DIR: dir, PUBLIC_BASE_URL: 'https://dangjian.example.gov.cn/portal//' }).publicBaseUrl).toBe(
      'https://dangjian.example.gov.cn/portal',
    );
  });

  it('gives the app role one password whatever the spelling of the database host, from APP_DB_PASSWORD or the JWT key', () => {
    const dir = dataDir();
    const secret = 's'.repeat(40);
    const a = loadConfig({ DATA_DIR: dir, JWT_SECRET: secret, DATABASE_URL: 'postgres://postgres:pw@localhost:5432/party' });
    const b = loadConfig({ DATA_DIR: dir, JWT_SECRET: secret, DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:5432/party' });
    const c = loadConfig({
      DATA_DIR: dir,
      JWT_SECRET: secret,
      DATABASE_URL: 'postgresql://postgres:other@127.0.0.1/party?sslmode=disable',
    });
    expect(a.appDbPassword).toBe(b.appDbPassword);
    expect(a.appDbPassword).toBe(c.appDbPassword);
    expect(a.appDbPassword).not.toContain(secret);
    expect(loadConfig({ DATA_DIR: dir, JWT_SECRET: 't'.repeat(40) }).appDbPassword).not.toBe(a.appDbPassword);
    expect(loadConfig({ DATA_DIR: dir, JWT_SECRET: secret, APP_DB_ROLE: 'other_app' }).appDbPassword).not.toBe(a.appDbPassword);
    expect(loadConfig({ DATA_DIR: dir, JWT_SECRET: secret, APP_DB_PASSWORD: "it's a long password" }).appDbPassword).toBe(
      "it's a long password",
    );
    // the test servers give the password outright: it must stay the one their JWT secret derives
    expect(loadConfig({ DATA_DIR: dir, JWT_SECRET: TEST_JWT_SECRET }).appDbPassword).toBe(TEST_APP_DB_PASSWORD);
  });
});
