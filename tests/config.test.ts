import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'party-config-'));

  it('runs with no environment at all (development defaults, generated JWT secret kept in DATA_DIR)', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({ port: 4000, production: false, seedDemo: true, graphiql: true, databaseUrl: undefined });
    expect(config.jwt.algorithm).toBe('HS256');
    const secret = readFileSync(path.join(dir, 'jwt-secret'), 'utf8');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(config.jwt.signingKey.export().toString()).toBe(secret);
    expect(loadConfig({ DATA_DIR: dir }).jwt.signingKey.export().toString()).toBe(secret);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT must be between/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
    [{ JWT_SECRET: 'short' }, /^JWT_SECRET must be at least 32 characters/],
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db' }, /^JWT_SECRET .* is required when NODE_ENV=production/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(40) }, /^DATABASE_URL is required when NODE_ENV=production/],
    [{ JWT_PUBLIC_KEY_FILE: '/nonexistent' }, /^JWT_PRIVATE_KEY_FILE is required/],
    [{ SEED_DEMO: 'maybe' }, /^SEED_DEMO must be true or false/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const run = () => loadConfig({ DATA_DIR: dataDir(), ...env });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('turns off demo data, introspection and GraphiQL in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: 'z'.repeat(40) });
    expect(config).toMatchObject({ production: true, seedDemo: false, introspection: false, graphiql: false });
  });
});
