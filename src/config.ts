import { KeyObject, createHash, createPrivateKey, createPublicKey, createSecretKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A configuration problem: main() prints its message as one line and exits non-zero. */
export class ConfigError extends Error {}

/** Key objects built once: jsonwebtoken would otherwise rebuild one from the secret on every request. */
export interface JwtKeys {
  algorithm: 'HS256' | 'RS256';
  signingKey: KeyObject;
  verifyKey: KeyObject;
}

export interface Config {
  production: boolean;
  port: number;
  host: string;
  /** Owner/superuser URL used for migrations; undefined means "start an embedded PostgreSQL". */
  databaseUrl?: string;
  /** Runtime (non-owner, RLS-bound) URL; derived from databaseUrl when absent. */
  appDatabaseUrl?: string;
  /** Direct URL (never through a pooler) of the runtime role for the live events' LISTEN connection; default: the pool's URL. */
  liveDatabaseUrl?: string;
  appDbRole: string;
  dataDir: string;
  jwt: JwtKeys;
  /** Key for keyed hashes of personal data (public reviewers' contacts, devices), derived from the JWT key. */
  hashingKey: Buffer;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  demoPassword: string;
  seedDemo: boolean;
  graphiql: boolean;
  introspection: boolean;
  bodyLimit: string;
  logQueries: boolean;
  /** Requests per minute per user and per tenant (this instance); 0 turns a limit off. */
  rateLimitUserPerMinute: number;
  rateLimitTenantPerMinute: number;
  /** Sign-in attempts per 15 minutes per account and per client address (all instances). */
  loginLimitPerAccount: number;
  loginLimitPerAddress: number;
  /** Adds an x-sql-statements response header (the benchmark's N+1 check); never in production. */
  exposeStatementCount: boolean;
  /** Evidence files: the largest file accepted, and the bytes a tenant may store in all (deduplicated). */
  fileMaxBytes: number;
  fileTenantQuotaBytes: number;
  /** How long a signed download link (`fileDownloadLink`) works, in seconds. */
  fileLinkTtlSeconds: number;
  /** Key of the signed download links, derived from the JWT key like hashingKey. */
  fileLinkKey: Buffer;
  /** Imports as jobs: the largest file accepted, its most data rows, and a worker's lease on a running job (seconds). */
  importJobMaxBytes: number;
  importJobMaxRows: number;
  importJobLeaseSeconds: number;
  /** The largest tenant archive a restore reads (POST /tenant-archives). */
  tenantArchiveMaxBytes: number;
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function urlVar(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must be a postgres:// URL`);
  }
  return raw;
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function readKeyFile(env: Env, name: string): Buffer {
  const file = env[name]!;
  try {
    return readFileSync(file);
  } catch {
    throw new ConfigError(`${name} points to "${file}", which cannot be read`);
  }
}

/**
 * Signing keys: RS256 key files when given, else JWT_SECRET (HS256). In development a random secret is
 * generated once and kept in DATA_DIR so tokens survive restarts; production refuses to invent one.
 */
function jwtKeys(env: Env, production: boolean, dataDir: string): JwtKeys {
  if (env.JWT_PRIVATE_KEY_FILE || env.JWT_PUBLIC_KEY_FILE) {
    if (!env.JWT_PRIVATE_KEY_FILE) throw new ConfigError('JWT_PRIVATE_KEY_FILE is required when JWT_PUBLIC_KEY_FILE is set');
    if (!env.JWT_PUBLIC_KEY_FILE) throw new ConfigError('JWT_PUBLIC_KEY_FILE is required when JWT_PRIVATE_KEY_FILE is set');
    try {
      return {
        algorithm: 'RS256',
        signingKey: createPrivateKey(readKeyFile(env, 'JWT_PRIVATE_KEY_FILE')),
        verifyKey: createPublicKey(readKeyFile(env, 'JWT_PUBLIC_KEY_FILE')),
      };
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError('JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE must hold a PEM RSA key pair');
    }
  }
  let secret = env.JWT_SECRET;
  if (secret !== undefined && secret !== '') {
    if (secret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  } else {
    if (production)
      throw new ConfigError('JWT_SECRET (or JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE) is required when NODE_ENV=production');
    const file = path.join(dataDir, 'jwt-secret');
    if (existsSync(file)) {
      secret = readFileSync(file, 'utf8').trim();
    } else {
      mkdirSync(dataDir, { recursive: true });
      secret = randomBytes(48).toString('base64url');
      writeFileSync(file, secret, { mode: 0o600 });
    }
  }
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return { algorithm: 'HS256', signingKey: key, verifyKey: key };
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const dataDir = path.resolve(env.DATA_DIR || '.data');
  const databaseUrl = urlVar(env, 'DATABASE_URL');
  const appDatabaseUrl = urlVar(env, 'APP_DATABASE_URL');
  if (production && !databaseUrl) throw new ConfigError('DATABASE_URL is required when NODE_ENV=production');
  const appDbRole = env.APP_DB_ROLE || 'party_app';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appDbRole)) throw new ConfigError('APP_DB_ROLE must be a lower-case SQL identifier');
  const jwt = jwtKeys(env, production, dataDir);
  const material = jwt.algorithm === 'HS256' ? jwt.signingKey.export() : jwt.signingKey.export({ type: 'pkcs8', format: 'der' });
  return {
    production,
    port: intVar(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    appDatabaseUrl,
    liveDatabaseUrl: urlVar(env, 'LIVE_DATABASE_URL'),
    appDbRole,
    dataDir,
    jwt,
    hashingKey: createHash('sha256').update('party-platform:hashing:').update(material).digest(),
    fileLinkKey: createHash('sha256').update('party-platform:file-links:').update(material).digest(),
    jwtIssuer: env.JWT_ISSUER || 'party-platform',
    jwtAudience: env.JWT_AUDIENCE || 'party-platform-api',
    accessTokenTtlSeconds: intVar(env, 'ACCESS_TOKEN_TTL', 900, 30, 86400),
    refreshTokenTtlSeconds: intVar(env, 'REFRESH_TOKEN_TTL', 30 * 86400, 60, 365 * 86400),
    demoPassword: env.DEMO_PASSWORD || 'demo',
    seedDemo: !production && boolVar(env, 'SEED_DEMO', true),
    graphiql: !production,
    introspection: !production,
    bodyLimit: env.BODY_LIMIT || '1mb',
    logQueries: boolVar(env, 'LOG_QUERIES', false),
    rateLimitUserPerMinute: intVar(env, 'RATE_LIMIT_USER_PER_MINUTE', 600, 0, 1_000_000),
    rateLimitTenantPerMinute: intVar(env, 'RATE_LIMIT_TENANT_PER_MINUTE', 6000, 0, 10_000_000),
    loginLimitPerAccount: intVar(env, 'LOGIN_LIMIT_PER_ACCOUNT', 10, 1, 100_000),
    loginLimitPerAddress: intVar(env, 'LOGIN_LIMIT_PER_ADDRESS', 100, 1, 1_000_000),
    exposeStatementCount: !production && boolVar(env, 'EXPOSE_STATEMENT_COUNT', false),
    fileMaxBytes: intVar(env, 'FILE_MAX_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    fileTenantQuotaBytes: intVar(env, 'FILE_TENANT_QUOTA_BYTES', 2 * 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    fileLinkTtlSeconds: intVar(env, 'FILE_LINK_TTL_SECONDS', 300, 1, 3600),
    importJobMaxBytes: intVar(env, 'IMPORT_JOB_MAX_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    importJobMaxRows: intVar(env, 'IMPORT_JOB_MAX_ROWS', 200_000, 1, 10_000_000),
    importJobLeaseSeconds: intVar(env, 'IMPORT_JOB_LEASE_SECONDS', 30, 2, 3600),
    tenantArchiveMaxBytes: intVar(env, 'TENANT_ARCHIVE_MAX_BYTES', 20 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER),
  };
}
