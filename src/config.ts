import { KeyObject, createHash, createHmac, createPrivateKey, createPublicKey, createSecretKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
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
  /**
   * Password of the runtime role when the program creates it: APP_DB_PASSWORD, else derived from the
   * JWT key (which every instance of one deployment shares), never from the text of DATABASE_URL.
   */
  appDbPassword: string;
  /** The job queue's role (JOBS_DB_ROLE, owns only the pgboss schema), its password (JOBS_DB_PASSWORD or derived like appDbPassword), or its URL given whole. */
  jobsDbRole: string;
  jobsDbPassword: string;
  jobsDatabaseUrl?: string;
  /** Browser origins allowed to call the API (CORS_ORIGINS), e.g. https://app.example.org; empty: none. */
  corsOrigins: string[];
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY): false, or addresses and CIDRs. */
  trustProxy: false | string[];
  /**
   * The address the public reaches this server at (PUBLIC_BASE_URL, e.g. https://dangjian.example.gov.cn): the public
   * feeds' own links are written from it, never from a request's Host header. Unset: the request's host, and the answer
   * varies by it.
   */
  publicBaseUrl?: string;
  /** Seconds /readyz answers 503 before the server stops taking connections on SIGTERM (DRAIN_DELAY_SECONDS). */
  drainDelaySeconds: number;
  dataDir: string;
  jwt: JwtKeys;
  /** Key for keyed hashes of personal data (public reviewers' contacts, devices), derived from the JWT key. */
  hashingKey: Buffer;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /**
   * Live sessions (refresh token families) one user may hold (SESSIONS_PER_USER, default 20): a sign-in past it
   * revokes the user's least recently refreshed ones, so it never fails because of the bound.
   */
  sessionsPerUser: number;
  /** Days a refresh token is kept once expired or revoked, before the `refresh-tokens-prune` sweep deletes it (REFRESH_TOKEN_RETENTION_DAYS, default 30). */
  refreshTokenRetentionDays: number;
  /** Days a notification is kept once read, before the `notifications-prune` sweep deletes it (NOTIFICATION_RETENTION_DAYS, default 180). */
  notificationRetentionDays: number;
  demoPassword: string;
  /** log2 of scrypt's N for new password hashes (PASSWORD_SCRYPT_COST, default 15; production refuses less). */
  passwordScryptCost: number;
  seedDemo: boolean;
  graphiql: boolean;
  introspection: boolean;
  bodyLimit: string;
  logQueries: boolean;
  /** Connections of the request pool (DATABASE_POOL_SIZE, default 20); the side channel (4) and the LISTEN connection (1) come on top. */
  databasePoolSize: number;
  /** Repeated statements prepared on each connection (PREPARED_STATEMENTS, default true; false behind a transaction-mode pooler). */
  preparedStatements: boolean;
  /** Hot query documents run as compiled code (COMPILED_QUERIES, default true; false: graphql-js executes every one). */
  compiledQueries: boolean;
  /** How many times a document is asked for before it is compiled (COMPILED_QUERIES_HOT_AFTER, default 2; the tests' servers 1). */
  compiledQueriesHotAfter: number;
  /** Bearer token of /metrics (METRICS_TOKEN); without one there is no /metrics. */
  metricsToken?: string;
  /** pino level of the request log (LOG_LEVEL): fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** LOG_FORMAT: json (one line per request, for collectors) or pretty (coloured lines for a developer's terminal). */
  logFormat: 'json' | 'pretty';
  /** Requests per minute per user and per tenant (this instance); 0 turns a limit off. */
  rateLimitUserPerMinute: number;
  rateLimitTenantPerMinute: number;
  /** Requests per minute per client address to /graphql without a token (sign-in, refresh, the error catalogue). */
  rateLimitAnonymousPerMinute: number;
  /** Live (WebSocket) connections a user, and a tenant, may hold open at once on this process (LIVE_SOCKETS_PER_USER, LIVE_SOCKETS_PER_TENANT); 0: no limit. */
  liveSocketsPerUser: number;
  liveSocketsPerTenant: number;
  /** Sockets of one client address waiting for their connection_init at once (LIVE_PENDING_SOCKETS_PER_ADDRESS); 0: no limit. */
  livePendingSocketsPerAddress: number;
  /** Sign-in attempts per 15 minutes per account and per client address (all instances). */
  loginLimitPerAccount: number;
  loginLimitPerAddress: number;
  /**
   * A platform operator's lockout (no tenant, so no tenant's account policy): failed sign-ins in a row that lock it
   * (OPERATOR_LOCKOUT_THRESHOLD; 0: none) and the lock's minutes (OPERATOR_LOCKOUT_MINUTES; 0: until the operator CLI
   * resets its password). The defaults are a tenant policy's (DEFAULT_POLICY in auth/policy.ts).
   */
  operatorLockoutThreshold: number;
  operatorLockoutMinutes: number;
  /** Adds an x-sql-statements response header (the benchmark's N+1 check); off unless asked for, in production too. */
  exposeStatementCount: boolean;
  /** Evidence files: the largest file accepted, and the bytes a tenant may store in all (deduplicated). */
  fileMaxBytes: number;
  fileTenantQuotaBytes: number;
  /** Files and bytes one user may hold on no record at once, and how long such a file is kept (hours). */
  fileUnattachedUserFiles: number;
  fileUnattachedUserBytes: number;
  fileUnattachedTtlHours: number;
  /** How long a signed download link (`fileDownloadLink`) works, in seconds. */
  fileLinkTtlSeconds: number;
  /** Key of the signed download links, derived from the JWT key like hashingKey. */
  fileLinkKey: Buffer;
  /** Imports as jobs: the largest file accepted, its most data rows, and a worker's lease on a running job (seconds). */
  importJobMaxBytes: number;
  /** Import jobs of a tenant not yet finished (queued, checking, applying) at once (default 10); past it 429. */
  importJobsPerTenant: number;
  /** Of those, one user's (IMPORT_JOBS_PER_USER, default 5): one admin's uploads never take every place of its tenant. */
  importJobsPerUser: number;
  importJobMaxRows: number;
  importJobLeaseSeconds: number;
  /** Service requests (上级服务下级) one org may have open (not yet answered) at once (OPEN_SERVICE_REQUESTS_PER_ORG, default 20). */
  openServiceRequestsPerOrg: number;
  /** Help requests (互助请求) one org may have open (not yet answered) at once (OPEN_PEER_HELP_REQUESTS_PER_ORG, default 20). */
  openPeerHelpRequestsPerOrg: number;
  /** Pledges (亮承诺: the org's and its members') made for one org in a calendar year of the tenant (COMMITMENTS_PER_ORG_PER_YEAR, default 500). */
  commitmentsPerOrgPerYear: number;
  /** A member's own pledges (亮承诺, memberUserId set) made in a calendar year of the tenant (COMMITMENTS_PER_MEMBER_PER_YEAR, default 20). */
  commitmentsPerMemberPerYear: number;
  /** Link codes (评议二维码, disabled ones included) made for one org in a calendar year of the tenant (LINK_CODES_PER_ORG_PER_YEAR, default 2000). */
  linkCodesPerOrgPerYear: number;
  /** Service teams (服务队伍, disbanded ones included) one org may have (SERVICE_TEAMS_PER_ORG, default 200). */
  serviceTeamsPerOrg: number;
  /** Service brands (服务品牌) one org may have (SERVICE_BRANDS_PER_ORG, default 50); a removed one frees its place. */
  serviceBrandsPerOrg: number;
  /** Innovation projects (创新项目) registered for one org in a calendar year of the tenant (INNOVATION_PROJECTS_PER_ORG_PER_YEAR, default 50). */
  innovationProjectsPerOrgPerYear: number;
  /** Briefings (简报) one org holds as drafts at once (BRIEFING_DRAFTS_PER_ORG, default 100); publishing or removing one frees its place. */
  briefingDraftsPerOrg: number;
  /** Ledger entries (管理台帐) written for one org in a calendar year of the tenant (LEDGER_ENTRIES_PER_ORG_PER_YEAR, default 5000). */
  ledgerEntriesPerOrgPerYear: number;
  /** People in difficulty (结对联系对象) registered with one org (PAIRING_PERSONS_PER_ORG, default 2000). */
  pairingPersonsPerOrg: number;
  /** Pairings (结对) made with the people of one org in a calendar year of the tenant, ended ones included (PAIRINGS_PER_ORG_PER_YEAR, default 5000). */
  pairingsPerOrgPerYear: number;
  /** Service records (服务记录) written for one service team in a calendar year of the tenant (SERVICE_RECORDS_PER_TEAM_PER_YEAR, default 5000). */
  serviceRecordsPerTeamPerYear: number;
  /** Nominations (典型推荐) made for one org in a calendar year of the tenant, rejected ones included (NOMINATIONS_PER_ORG_PER_YEAR, default 500). */
  nominationsPerOrgPerYear: number;
  /** Opinions (民意) recorded by staff for one org in a calendar year of the tenant (STAFF_OPINIONS_PER_ORG_PER_YEAR, default 5000). */
  staffOpinionsPerOrgPerYear: number;
  /** Invitations to be a subordinate (上下级单位) one tenant may send in 24 hours, withdrawn ones included (FEDERATION_INVITES_PER_DAY, default 20). */
  federationInvitesPerDay: number;
  /**
   * Drafts one supervision team holds at once, new records and amendments (INSPECTION_DRAFTS_PER_TEAM, default 500): what
   * its people may leave open before finalizing or discarding.
   */
  inspectionDraftsPerTeam: number;
  /** Framework versions a superior may hand down one link (框架下发) in 24 hours (FEDERATION_HAND_DOWNS_PER_DAY, default 20). */
  federationHandDownsPerDay: number;
  /** Visits (走访) logged for one pairing in a calendar year of the tenant, counted by when they were logged (PAIRING_VISITS_PER_PAIRING_PER_YEAR, default 1000). */
  pairingVisitsPerPairingPerYear: number;
  /** Members one service team has ever taken, those who left included (SERVICE_TEAM_MEMBERS_PER_TEAM, default 2000). */
  serviceTeamMembersPerTeam: number;
  /** Briefings (简报) one org publishes in a calendar year of the tenant (BRIEFINGS_PUBLISHED_PER_ORG_PER_YEAR, default 1000). */
  briefingsPublishedPerOrgPerYear: number;
  /** Notices (通报) one tenant issues in a calendar year of the tenant, counted by when they were issued (NOTICES_ISSUED_PER_YEAR, default 1000). */
  noticesIssuedPerYear: number;
  /** Year archives (台帐归档, GET /archives/orgs/:orgId/:year) one user may have building or waiting at once (ARCHIVES_PER_USER, default 1). */
  archivesPerUser: number;
  /** The largest tenant archive a restore reads (POST /tenant-archives). */
  tenantArchiveMaxBytes: number;
  /** Tenant exports running at once in this process (each holds an owner connection and a snapshot); one per tenant. */
  tenantExportConcurrency: number;
  /**
   * .xlsx exports and .docx documents built at once by this process (EXPORT_SLOTS), authorized requests
   * waiting for one (EXPORT_QUEUE, past them 503 EXPORTS_BUSY), and one user's taken or waiting
   * (EXPORTS_PER_USER, past them 429 EXPORTS_IN_PROGRESS).
   */
  exportSlots: number;
  exportQueue: number;
  exportsPerUser: number;
  /** Exports and 公文 one tenant's users have building or waiting at once (EXPORTS_PER_TENANT, default half the places). */
  exportsPerTenant: number;
  /** The most bytes of one generated .xlsx or .docx: its text before it is built, the file after (EXPORT_MAX_BYTES). */
  exportMaxBytes: number;
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

/** A URL variable parsed (undefined when unset or empty), or a ConfigError naming it. */
function parsedUrlVar(env: Env, name: string): URL | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    return new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
}

function urlVar(env: Env, name: string): string | undefined {
  const parsed = parsedUrlVar(env, name);
  if (!parsed) return undefined;
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must be a postgres:// URL`);
  }
  return env[name];
}

/** An http(s) origin with an optional path, without a trailing slash (PUBLIC_BASE_URL). */
function baseUrlVar(env: Env, name: string): string | undefined {
  const parsed = parsedUrlVar(env, name);
  if (!parsed) return undefined;
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new ConfigError(`${name} must be an http(s) address without query, fragment or credentials`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** BODY_LIMIT: bytes, or a number with kb / mb (1 KiB to 1 GiB). */
export function bodyLimitBytes(raw: string): number {
  const match = /^(\d{1,10})\s*(b|kb|mb)?$/i.exec(raw.trim());
  const unit = (match?.[2] ?? 'b').toLowerCase();
  const bytes = match ? Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1) : NaN;
  if (!(bytes >= 1024 && bytes <= 1024 * 1024 * 1024))
    throw new ConfigError(`BODY_LIMIT must be a size between 1kb and 1024mb (e.g. 1mb, 512kb), got "${raw}"`);
  return bytes;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevelVar(env: Env): string {
  const raw = (env.LOG_LEVEL ?? '').trim().toLowerCase();
  if (raw === '') return 'info';
  if (!LOG_LEVELS.includes(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  return raw;
}

/** Pretty by default only where a developer watches: not in production, and stdout a terminal. */
function logFormatVar(env: Env, production: boolean): 'json' | 'pretty' {
  const raw = (env.LOG_FORMAT ?? '').trim().toLowerCase();
  if (raw === '') return !production && process.stdout.isTTY ? 'pretty' : 'json';
  if (raw !== 'json' && raw !== 'pretty') throw new ConfigError(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
  return raw;
}

function metricsTokenVar(env: Env): string | undefined {
  const raw = env.METRICS_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || /\s/.test(raw)) throw new ConfigError('METRICS_TOKEN must be at least 16 characters without spaces');
  return raw;
}

/** HOST: an IPv4 or IPv6 address or a host name. */
function hostVar(env: Env): string {
  const raw = env.HOST;
  if (raw === undefined || raw === '') return '0.0.0.0';
  const name = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
  if (!isIP(raw) && !name.test(raw)) throw new ConfigError(`HOST must be an IP address or a host name, got "${raw}"`);
  return raw;
}

/** CORS_ORIGINS: comma-separated origins (scheme://host[:port], nothing after). */
function corsOriginsVar(env: Env): string[] {
  const raw = (env.CORS_ORIGINS ?? '').trim();
  if (raw === '') return [];
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin)
      throw new ConfigError(`CORS_ORIGINS must be comma-separated origins like https://app.example.org, got "${origin}"`);
    return origin;
  });
}

/** TRUST_PROXY: off (default), or comma-separated addresses and CIDRs of the proxies in front. */
function trustProxyVar(env: Env): false | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || ['off', 'false', 'no', '0'].includes(raw.toLowerCase())) return false;
  const entries = raw.split(',').map((e) => e.trim());
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (!family || !prefixOk || extra !== undefined)
      throw new ConfigError(`TRUST_PROXY must be off or comma-separated IP addresses/CIDRs, got "${entry}"`);
  }
  return entries;
}

function readKeyFile(env: Env, name: string): Buffer {
  const file = env[name];
  if (!file) throw new ConfigError(`${name} is required`);
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
  const exportSlots = intVar(env, 'EXPORT_SLOTS', 2, 1, 64);
  const exportQueue = intVar(env, 'EXPORT_QUEUE', 4, 0, 1000);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appDbRole)) throw new ConfigError('APP_DB_ROLE must be a lower-case SQL identifier');
  const jwt = jwtKeys(env, production, dataDir);
  const material = jwt.algorithm === 'HS256' ? jwt.signingKey.export() : jwt.signingKey.export({ type: 'pkcs8', format: 'der' });
  const appDbPassword =
    env.APP_DB_PASSWORD || createHmac('sha256', material).update(`party-platform:app-role:${appDbRole}`).digest('base64url');
  if (env.APP_DB_PASSWORD !== undefined && env.APP_DB_PASSWORD !== '' && env.APP_DB_PASSWORD.length < 16)
    throw new ConfigError('APP_DB_PASSWORD must be at least 16 characters');
  const jobsDbRole = env.JOBS_DB_ROLE || 'party_jobs';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(jobsDbRole) || jobsDbRole === appDbRole)
    throw new ConfigError('JOBS_DB_ROLE must be a lower-case SQL identifier other than APP_DB_ROLE');
  if (env.JOBS_DB_PASSWORD !== undefined && env.JOBS_DB_PASSWORD !== '' && env.JOBS_DB_PASSWORD.length < 16)
    throw new ConfigError('JOBS_DB_PASSWORD must be at least 16 characters');
  const jobsDbPassword =
    env.JOBS_DB_PASSWORD || createHmac('sha256', material).update(`party-platform:jobs-role:${jobsDbRole}`).digest('base64url');
  // below 2^15 only where nothing real is protected: the test suite hashes hundreds of passwords
  const passwordScryptCost = intVar(env, 'PASSWORD_SCRYPT_COST', 15, 10, 20);
  if (production && passwordScryptCost < 15) throw new ConfigError('PASSWORD_SCRYPT_COST must be at least 15 when NODE_ENV=production');
  const bodyLimit = env.BODY_LIMIT || '1mb';
  bodyLimitBytes(bodyLimit);
  return {
    production,
    port: intVar(env, 'PORT', 4000, 0, 65535),
    host: hostVar(env),
    databaseUrl,
    appDatabaseUrl,
    liveDatabaseUrl: urlVar(env, 'LIVE_DATABASE_URL'),
    appDbRole,
    appDbPassword,
    jobsDbRole,
    jobsDbPassword,
    jobsDatabaseUrl: urlVar(env, 'JOBS_DATABASE_URL'),
    trustProxy: trustProxyVar(env),
    publicBaseUrl: baseUrlVar(env, 'PUBLIC_BASE_URL'),
    corsOrigins: corsOriginsVar(env),
    drainDelaySeconds: intVar(env, 'DRAIN_DELAY_SECONDS', 0, 0, 120),
    dataDir,
    jwt,
    hashingKey: createHash('sha256').update('party-platform:hashing:').update(material).digest(),
    fileLinkKey: createHash('sha256').update('party-platform:file-links:').update(material).digest(),
    jwtIssuer: env.JWT_ISSUER || 'party-platform',
    jwtAudience: env.JWT_AUDIENCE || 'party-platform-api',
    accessTokenTtlSeconds: intVar(env, 'ACCESS_TOKEN_TTL', 900, 30, 86400),
    refreshTokenTtlSeconds: intVar(env, 'REFRESH_TOKEN_TTL', 30 * 86400, 60, 365 * 86400),
    sessionsPerUser: intVar(env, 'SESSIONS_PER_USER', 20, 1, 1000),
    refreshTokenRetentionDays: intVar(env, 'REFRESH_TOKEN_RETENTION_DAYS', 30, 1, 3650),
    notificationRetentionDays: intVar(env, 'NOTIFICATION_RETENTION_DAYS', 180, 1, 3650),
    demoPassword: env.DEMO_PASSWORD || 'demo',
    passwordScryptCost,
    seedDemo: !production && boolVar(env, 'SEED_DEMO', true),
    graphiql: !production,
    introspection: !production,
    bodyLimit,
    logQueries: boolVar(env, 'LOG_QUERIES', false),
    databasePoolSize: intVar(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    preparedStatements: boolVar(env, 'PREPARED_STATEMENTS', true),
    compiledQueries: boolVar(env, 'COMPILED_QUERIES', true),
    compiledQueriesHotAfter: intVar(env, 'COMPILED_QUERIES_HOT_AFTER', 2, 1, 1000),
    logLevel: logLevelVar(env),
    logFormat: logFormatVar(env, production),
    metricsToken: metricsTokenVar(env),
    rateLimitUserPerMinute: intVar(env, 'RATE_LIMIT_USER_PER_MINUTE', 600, 0, 1_000_000),
    rateLimitTenantPerMinute: intVar(env, 'RATE_LIMIT_TENANT_PER_MINUTE', 6000, 0, 10_000_000),
    rateLimitAnonymousPerMinute: intVar(env, 'RATE_LIMIT_ANONYMOUS_PER_MINUTE', 600, 0, 1_000_000),
    liveSocketsPerUser: intVar(env, 'LIVE_SOCKETS_PER_USER', 10, 0, 10_000),
    liveSocketsPerTenant: intVar(env, 'LIVE_SOCKETS_PER_TENANT', 0, 0, 1_000_000),
    livePendingSocketsPerAddress: intVar(env, 'LIVE_PENDING_SOCKETS_PER_ADDRESS', 20, 0, 100_000),
    loginLimitPerAccount: intVar(env, 'LOGIN_LIMIT_PER_ACCOUNT', 10, 1, 100_000),
    loginLimitPerAddress: intVar(env, 'LOGIN_LIMIT_PER_ADDRESS', 100, 1, 1_000_000),
    operatorLockoutThreshold: intVar(env, 'OPERATOR_LOCKOUT_THRESHOLD', 5, 0, 100),
    operatorLockoutMinutes: intVar(env, 'OPERATOR_LOCKOUT_MINUTES', 30, 0, 10080),
    exposeStatementCount: boolVar(env, 'EXPOSE_STATEMENT_COUNT', false),
    fileMaxBytes: intVar(env, 'FILE_MAX_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    fileTenantQuotaBytes: intVar(env, 'FILE_TENANT_QUOTA_BYTES', 2 * 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    fileLinkTtlSeconds: intVar(env, 'FILE_LINK_TTL_SECONDS', 300, 1, 3600),
    fileUnattachedUserFiles: intVar(env, 'FILE_UNATTACHED_USER_FILES', 200, 1, 100_000),
    fileUnattachedUserBytes: intVar(env, 'FILE_UNATTACHED_USER_BYTES', 256 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    fileUnattachedTtlHours: intVar(env, 'FILE_UNATTACHED_TTL_HOURS', 72, 1, 24 * 366),
    importJobMaxBytes: intVar(env, 'IMPORT_JOB_MAX_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    importJobsPerTenant: intVar(env, 'IMPORT_JOBS_PER_TENANT', 10, 1, 100),
    importJobsPerUser: intVar(env, 'IMPORT_JOBS_PER_USER', 5, 1, 100),
    importJobMaxRows: intVar(env, 'IMPORT_JOB_MAX_ROWS', 200_000, 1, 10_000_000),
    importJobLeaseSeconds: intVar(env, 'IMPORT_JOB_LEASE_SECONDS', 30, 2, 3600),
    openServiceRequestsPerOrg: intVar(env, 'OPEN_SERVICE_REQUESTS_PER_ORG', 20, 1, 10_000),
    openPeerHelpRequestsPerOrg: intVar(env, 'OPEN_PEER_HELP_REQUESTS_PER_ORG', 20, 1, 10_000),
    commitmentsPerOrgPerYear: intVar(env, 'COMMITMENTS_PER_ORG_PER_YEAR', 500, 1, 1_000_000),
    commitmentsPerMemberPerYear: intVar(env, 'COMMITMENTS_PER_MEMBER_PER_YEAR', 20, 1, 1_000_000),
    linkCodesPerOrgPerYear: intVar(env, 'LINK_CODES_PER_ORG_PER_YEAR', 2000, 1, 1_000_000),
    serviceTeamsPerOrg: intVar(env, 'SERVICE_TEAMS_PER_ORG', 200, 1, 100_000),
    serviceBrandsPerOrg: intVar(env, 'SERVICE_BRANDS_PER_ORG', 50, 1, 100_000),
    innovationProjectsPerOrgPerYear: intVar(env, 'INNOVATION_PROJECTS_PER_ORG_PER_YEAR', 50, 1, 100_000),
    briefingDraftsPerOrg: intVar(env, 'BRIEFING_DRAFTS_PER_ORG', 100, 1, 100_000),
    ledgerEntriesPerOrgPerYear: intVar(env, 'LEDGER_ENTRIES_PER_ORG_PER_YEAR', 5000, 1, 1_000_000),
    pairingPersonsPerOrg: intVar(env, 'PAIRING_PERSONS_PER_ORG', 2000, 1, 1_000_000),
    pairingsPerOrgPerYear: intVar(env, 'PAIRINGS_PER_ORG_PER_YEAR', 5000, 1, 1_000_000),
    serviceRecordsPerTeamPerYear: intVar(env, 'SERVICE_RECORDS_PER_TEAM_PER_YEAR', 5000, 1, 1_000_000),
    nominationsPerOrgPerYear: intVar(env, 'NOMINATIONS_PER_ORG_PER_YEAR', 500, 1, 1_000_000),
    staffOpinionsPerOrgPerYear: intVar(env, 'STAFF_OPINIONS_PER_ORG_PER_YEAR', 5000, 1, 1_000_000),
    federationInvitesPerDay: intVar(env, 'FEDERATION_INVITES_PER_DAY', 20, 1, 1000),
    inspectionDraftsPerTeam: intVar(env, 'INSPECTION_DRAFTS_PER_TEAM', 500, 1, 100_000),
    federationHandDownsPerDay: intVar(env, 'FEDERATION_HAND_DOWNS_PER_DAY', 20, 1, 1000),
    pairingVisitsPerPairingPerYear: intVar(env, 'PAIRING_VISITS_PER_PAIRING_PER_YEAR', 1000, 1, 1_000_000),
    serviceTeamMembersPerTeam: intVar(env, 'SERVICE_TEAM_MEMBERS_PER_TEAM', 2000, 1, 1_000_000),
    briefingsPublishedPerOrgPerYear: intVar(env, 'BRIEFINGS_PUBLISHED_PER_ORG_PER_YEAR', 1000, 1, 1_000_000),
    noticesIssuedPerYear: intVar(env, 'NOTICES_ISSUED_PER_YEAR', 1000, 1, 1_000_000),
    archivesPerUser: intVar(env, 'ARCHIVES_PER_USER', 1, 1, 64),
    tenantArchiveMaxBytes: intVar(env, 'TENANT_ARCHIVE_MAX_BYTES', 20 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER),
    tenantExportConcurrency: intVar(env, 'TENANT_EXPORT_CONCURRENCY', 2, 1, 20),
    exportSlots,
    exportQueue,
    exportsPerUser: intVar(env, 'EXPORTS_PER_USER', 1, 1, 64),
    // half the places by default, so one tenant's users never take them all
    exportsPerTenant: intVar(env, 'EXPORTS_PER_TENANT', Math.max(1, Math.floor((exportSlots + exportQueue) / 2)), 1, 1064),
    exportMaxBytes: intVar(env, 'EXPORT_MAX_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  };
}
