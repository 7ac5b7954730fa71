import { RequestContext } from '../graphql/context';
import { authError } from './auth.errors';
import { derivePasswordHash } from './password';
import { Role } from './roles';

/**
 * A tenant's account policy (账号安全策略), a row of account_policies; a tenant without a row has the
 * defaults, which meet 等级保护 level 2 (GB/T 22239-2019 8.1.4.1: identification with complexity and
 * periodic change, lockout after failures, session timeout). Level 3 adds two factors (totpRoles).
 */
export interface AccountPolicy {
  /** Shortest password (8–64). */
  minLength: number;
  /** How many of the four classes (upper case, lower case, digits, symbols) a password needs (1–4). */
  minClasses: number;
  /** A new password may not equal the current one or the ones before it: this many in all (0–24; 0 off). */
  historyCount: number;
  /** Days until a password must be changed at sign-in (0: never). */
  maxAgeDays: number;
  /** The password may not contain the username (case-insensitive). */
  forbidUsername: boolean;
  /** Consecutive failed sign-ins that lock the account (0: no lockout). */
  lockoutThreshold: number;
  /** Minutes a lock lasts (0: until an admin unlocks it). */
  lockoutMinutes: number;
  /** A refresh token unused this long has expired (besides REFRESH_TOKEN_TTL from its sign-in). */
  sessionIdleMinutes: number;
  /** Roles whose holders must sign in with a one-time code (TOTP). */
  totpRoles: Role[];
}

export const DEFAULT_POLICY: AccountPolicy = {
  minLength: 8,
  minClasses: 3,
  historyCount: 5,
  maxAgeDays: 90,
  forbidUsername: true,
  lockoutThreshold: 5,
  lockoutMinutes: 30,
  sessionIdleMinutes: 30,
  totpRoles: [],
};

/** Bounds of each number (the table's CHECK constraints say the same). */
export const POLICY_BOUNDS = {
  minLength: [8, 64],
  minClasses: [1, 4],
  historyCount: [0, 24],
  maxAgeDays: [0, 3650],
  lockoutThreshold: [0, 100],
  lockoutMinutes: [0, 10080],
  sessionIdleMinutes: [5, 43200],
} as const;

/** The hard ceiling on any password (scrypt input), whatever the policy. */
export const PASSWORD_MAX_LENGTH = 200;

export interface PolicyRow {
  min_length: number;
  min_classes: number;
  history_count: number;
  max_age_days: number;
  forbid_username: boolean;
  lockout_threshold: number;
  lockout_minutes: number;
  session_idle_minutes: number;
  totp_roles: string[];
}

/** The policy of a row read with `POLICY_COLUMNS` (null columns of a LEFT JOIN: the defaults). */
export function policyOf(row: Partial<PolicyRow> | undefined | null): AccountPolicy {
  if (!row || row.min_length === null || row.min_length === undefined) return { ...DEFAULT_POLICY };
  return {
    minLength: row.min_length,
    minClasses: row.min_classes ?? DEFAULT_POLICY.minClasses,
    historyCount: row.history_count ?? DEFAULT_POLICY.historyCount,
    maxAgeDays: row.max_age_days ?? DEFAULT_POLICY.maxAgeDays,
    forbidUsername: row.forbid_username ?? DEFAULT_POLICY.forbidUsername,
    lockoutThreshold: row.lockout_threshold ?? DEFAULT_POLICY.lockoutThreshold,
    lockoutMinutes: row.lockout_minutes ?? DEFAULT_POLICY.lockoutMinutes,
    sessionIdleMinutes: row.session_idle_minutes ?? DEFAULT_POLICY.sessionIdleMinutes,
    totpRoles: (row.totp_roles ?? []) as Role[],
  };
}

const POLICY_COLUMN_NAMES = [
  'min_length',
  'min_classes',
  'history_count',
  'max_age_days',
  'forbid_username',
  'lockout_threshold',
  'lockout_minutes',
  'session_idle_minutes',
  'totp_roles',
];
export const POLICY_COLUMNS = (alias: string) => POLICY_COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', ');

/** Upper case, lower case, digits and anything else (symbols, CJK), as the four classes. */
export function passwordClasses(password: string): number {
  return [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{Lu}\p{Ll}\p{Nd}]/u].filter((re) => re.test(password)).length;
}

/**
 * The rules that need no database, in the order a user fixes them: length, classes, the username. Each
 * failure names its rule (its own reason) and its figure.
 */
export function assertPasswordPolicy(policy: AccountPolicy, password: string, username: string, field: string): void {
  const length = [...password].length;
  if (length > PASSWORD_MAX_LENGTH) throw authError('PASSWORD_TOO_LONG', { field, params: { max: PASSWORD_MAX_LENGTH } });
  if (length < policy.minLength) throw authError('PASSWORD_TOO_SHORT', { field, params: { min: policy.minLength } });
  const found = passwordClasses(password);
  if (found < policy.minClasses) throw authError('PASSWORD_CLASSES', { field, params: { min: policy.minClasses, found } });
  if (policy.forbidUsername && password.normalize('NFKC').toLowerCase().includes(username.toLowerCase())) {
    throw authError('PASSWORD_CONTAINS_USERNAME', { field });
  }
}

/**
 * Not one of the last N passwords (the current one included): the database answers the parameters of
 * those hashes, the candidate is derived under each (one scrypt each, one at a time to bound memory),
 * and the database compares. No hash reaches this role.
 */
export async function assertNotRecent(ctx: RequestContext, policy: AccountPolicy, userId: string, password: string, field: string) {
  if (policy.historyCount <= 0) return;
  const recent = await ctx.tx.query<{ params: string; key_length: number }>(`SELECT params, key_length FROM app_password_recent($1, $2)`, [
    userId,
    policy.historyCount,
  ]);
  const candidates: string[] = [];
  for (const r of recent) candidates.push(await derivePasswordHash(password, { params: r.params, keyLength: r.key_length }));
  if (!candidates.length) return;
  const [hit] = await ctx.tx.query<{ reused: boolean }>(`SELECT app_password_recent_match($1, $2, $3::text[]) AS reused`, [
    userId,
    policy.historyCount,
    candidates,
  ]);
  if (hit?.reused) throw authError('PASSWORD_REUSED', { field, params: { count: policy.historyCount } });
}

/** The request tenant's policy (the defaults while it has no row). */
export async function readPolicy(ctx: RequestContext): Promise<AccountPolicy> {
  const [row] = await ctx.tx.query<PolicyRow>(`SELECT ${POLICY_COLUMNS('p')} FROM account_policies p WHERE p.tenant_id = app_tenant_id()`);
  return policyOf(row);
}

/**
 * A partial update: absent (undefined or null) fields keep their value. The row is created with the
 * defaults first and then locked, so concurrent partial updates apply one after the other and none
 * erases another's fields.
 */
export async function updatePolicy(ctx: RequestContext, tenantId: string, patch: Partial<AccountPolicy>): Promise<AccountPolicy> {
  const d = DEFAULT_POLICY;
  await ctx.tx.execute(
    `INSERT INTO account_policies (tenant_id, min_length, min_classes, history_count, max_age_days, forbid_username,
                                   lockout_threshold, lockout_minutes, session_idle_minutes, totp_roles)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[]) ON CONFLICT (tenant_id) DO NOTHING`,
    [
      tenantId,
      d.minLength,
      d.minClasses,
      d.historyCount,
      d.maxAgeDays,
      d.forbidUsername,
      d.lockoutThreshold,
      d.lockoutMinutes,
      d.sessionIdleMinutes,
      d.totpRoles,
    ],
  );
  const [row] = await ctx.tx.query<PolicyRow>(`SELECT ${POLICY_COLUMNS('p')} FROM account_policies p WHERE p.tenant_id = $1 FOR UPDATE`, [
    tenantId,
  ]);
  const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null)) as Partial<AccountPolicy>;
  const next: AccountPolicy = { ...policyOf(row), ...given };
  if (given.totpRoles) next.totpRoles = [...new Set(given.totpRoles)].sort();
  await ctx.tx.execute(
    `UPDATE account_policies SET min_length = $2, min_classes = $3, history_count = $4, max_age_days = $5, forbid_username = $6,
            lockout_threshold = $7, lockout_minutes = $8, session_idle_minutes = $9, totp_roles = $10::text[], updated_at = now()
      WHERE tenant_id = $1`,
    [
      tenantId,
      next.minLength,
      next.minClasses,
      next.historyCount,
      next.maxAgeDays,
      next.forbidUsername,
      next.lockoutThreshold,
      next.lockoutMinutes,
      next.sessionIdleMinutes,
      next.totpRoles,
    ],
  );
  return next;
}
