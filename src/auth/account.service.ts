import { createHash, randomBytes, randomInt } from 'node:crypto';
import { ScureBase32Plugin, generateURI } from 'otplib';
import { RequestContext, requireUser } from '../graphql/context';
import { publishSessionEnded } from '../graphql/live';
import { authError } from './auth.errors';
import { Session, authService, checkPassword, forgiveSignIn, issueRefreshToken, throttleSignIn } from './auth.service';
import { ChallengeClaims, ChallengeStage, signAccessToken, signChallengeToken, verifyChallengeToken } from './jwt';
import { hashPassword } from './password';
import { AccountPolicy, POLICY_COLUMNS, PolicyRow, assertNotRecent, assertPasswordPolicy, policyOf, updatePolicy } from './policy';
import { Role } from './roles';
import { holdsRoleAtRoot } from './scope';

/** What a sign-in step needs to know of the account, read in one statement with the tenant's policy. */
export interface AccountState {
  id: string;
  tenantId: string;
  username: string;
  disabled: boolean;
  locked: boolean;
  mustChangePassword: boolean;
  passwordExpired: boolean;
  sessionEpoch: number;
  totpEnabled: boolean;
  roles: Role[];
  policy: AccountPolicy;
}

type StateRow = PolicyRow & {
  id: string;
  tenant_id: string;
  username: string;
  disabled: boolean;
  locked: boolean;
  must_change_password: boolean;
  password_changed_at: Date | null;
  session_epoch: number;
  totp_enabled: boolean;
  roles: string[];
};

const STATE_SQL = `
  SELECT u.id, u.tenant_id, u.username, u.disabled, u.must_change_password, u.password_changed_at, u.session_epoch,
         (u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > now())) AS locked,
         EXISTS (SELECT 1 FROM user_totp t WHERE t.tenant_id = u.tenant_id AND t.user_id = u.id AND t.enabled_at IS NOT NULL) AS totp_enabled,
         ARRAY(SELECT DISTINCT ra.role FROM role_assignments ra WHERE ra.tenant_id = u.tenant_id AND ra.user_id = u.id) AS roles,
         ${POLICY_COLUMNS('p')}
    FROM users u LEFT JOIN account_policies p ON p.tenant_id = u.tenant_id`;

function stateOf(row: StateRow | undefined): AccountState | undefined {
  if (!row) return undefined;
  const policy = policyOf(row);
  const changed = row.password_changed_at ? new Date(row.password_changed_at).getTime() : null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    username: row.username,
    disabled: row.disabled,
    locked: row.locked,
    mustChangePassword: row.must_change_password,
    passwordExpired: policy.maxAgeDays > 0 && changed !== null && changed + policy.maxAgeDays * 86_400_000 <= Date.now(),
    sessionEpoch: row.session_epoch,
    totpEnabled: row.totp_enabled,
    roles: row.roles as Role[],
    policy,
  };
}

/** The account of the request's tenant, locked for the rest of the transaction when `lock` is set. */
async function accountState(ctx: RequestContext, tenantId: string, userId: string, lock = false): Promise<AccountState | undefined> {
  const [row] = await ctx.tx.query<StateRow>(`${STATE_SQL} WHERE u.tenant_id = $1 AND u.id = $2${lock ? ' FOR UPDATE OF u' : ''}`, [
    tenantId,
    userId,
  ]);
  return stateOf(row);
}

/** The account of a user the request already knows to exist (the viewer, or one just read under lock). */
async function knownAccount(ctx: RequestContext, tenantId: string, userId: string, lock = false): Promise<AccountState> {
  const state = await accountState(ctx, tenantId, userId, lock);
  if (!state) throw new Error(`account ${userId} vanished inside its own transaction`);
  return state;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

const challengeInvalid = () => authError('SIGN_IN_CHALLENGE_INVALID');

/** The same windows as sign-in's throttle: a second factor guessed is held as a password is. */
const STEP_WINDOW_SECONDS = 15 * 60;

async function throttleStep(ctx: RequestContext, key: string, reason: 'TOTP_RATE_LIMITED') {
  const [row] = await ctx.tx.outside<{ account: number; address: number }>(
    `SELECT app_throttle($1, $3, $5) AS account, app_throttle($2, $4, $5) AS address`,
    [key, `${key.split(':')[0]}:address:${ctx.ip}`, ctx.config.loginLimitPerAccount, ctx.config.loginLimitPerAddress, STEP_WINDOW_SECONDS],
  );
  const wait = Math.max(row.account, row.address);
  if (wait > 0) throw authError(reason, { params: { retryAfterSeconds: wait } });
}

async function forgiveStep(ctx: RequestContext, key: string) {
  await ctx.tx.outside(`SELECT app_throttle_forgive($1, true), app_throttle_forgive($2, false)`, [
    key,
    `${key.split(':')[0]}:address:${ctx.ip}`,
  ]);
}

const totpKey = (tenantId: string, userId: string) => `totp:${tenantId}:${userId}`;

/** Whether the policy asks this account for a second factor (any role it holds, over any org). */
export function totpRequired(state: Pick<AccountState, 'roles' | 'policy'>): boolean {
  return state.roles.some((r) => state.policy.totpRoles.includes(r));
}

// ── recovery codes: 10, shown once, stored as SHA-256 (80 random bits each), each usable once ──
const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

function newRecoveryCode(): string {
  const chars = Array.from({ length: 16 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12)}`;
}

/** Case, spaces and dashes do not matter when a code is typed. */
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

async function replaceRecoveryCodes(ctx: RequestContext, tenantId: string, userId: string): Promise<string[]> {
  await ctx.tx.execute(`DELETE FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await ctx.tx.execute(`INSERT INTO recovery_codes (tenant_id, user_id, code_hash) SELECT $1, $2, h FROM unnest($3::text[]) AS h`, [
    tenantId,
    userId,
    codes.map((c) => sha256(normalizeRecoveryCode(c))),
  ]);
  return codes;
}

/** A one-time password for an admin's reset: every class, no look-alike characters. */
function temporaryPassword(length: number): string {
  const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!@#%*+=?'];
  const all = classes.join('');
  const chars = classes.map((c) => c[randomInt(c.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
}

/**
 * The SET list of a failed sign-in on an account row aliased `a` (a user's or a platform operator's): one more failure
 * (the first after a lock that ran out), locked at `threshold` (0: never) for `minutes` (0: until unlocked). Written
 * only where `NOT_LOCKED_SQL` holds, so nothing is counted while the account is locked.
 */
const FAILURE_SET_SQL = (threshold: string, minutes: string): string => {
  const count = `(CASE WHEN a.locked_at IS NOT NULL THEN 1 ELSE a.failed_sign_ins + 1 END)`;
  const locks = `(${threshold}::int > 0 AND ${count} >= ${threshold}::int)`;
  return `failed_sign_ins = ${count}, locked_at = CASE WHEN ${locks} THEN now() END,
          locked_until = CASE WHEN ${locks} AND ${minutes}::int > 0 THEN now() + make_interval(mins => ${minutes}::int) END`;
};
const NOT_LOCKED_SQL = `NOT (a.locked_at IS NOT NULL AND (a.locked_until IS NULL OR a.locked_until > now()))`;

export const accountService = {
  /**
   * After the password was checked (`matchedId`: the account it matched, or null): records a failure
   * (the lock it may trigger) or clears the failures of a success. Answers the account's state when the
   * sign-in may go on; undefined for a wrong password, an unknown, locked or disabled account alike.
   * A failure is counted only while the account is not locked; a lock that ran out starts counting anew.
   * A right password clears the failures when it completes the proof (`completes`; by default when no
   * second factor follows): with a factor to come, they stand until the factor passes, so a password an
   * attacker holds does not reset the count its wrong codes raise.
   */
  async passwordChecked(
    ctx: RequestContext,
    tenantId: string,
    username: string,
    matchedId: string | null,
    completes?: boolean,
  ): Promise<AccountState | undefined> {
    const [row] = await ctx.tx.query<StateRow>(`${STATE_SQL} WHERE u.tenant_id = $1 AND u.username = $2 FOR UPDATE OF u`, [
      tenantId,
      username,
    ]);
    const state = stateOf(row);
    if (!state || matchedId !== state.id || state.locked || state.disabled) {
      await this.signInFailed(ctx, tenantId, username, state?.policy ?? policyOf(null));
      return undefined;
    }
    if (completes ?? !state.totpEnabled) await this.signInPassed(ctx, tenantId, state.id);
    return state;
  },

  /** A failed sign-in (a wrong password or second factor) counted on the account, which it may lock; nothing while locked. */
  async signInFailed(ctx: RequestContext, tenantId: string, username: string, policy: AccountPolicy): Promise<void> {
    await ctx.tx.execute(
      `UPDATE users a SET ${FAILURE_SET_SQL('$3', '$4')} WHERE a.tenant_id = $1 AND a.username = $2 AND ${NOT_LOCKED_SQL}`,
      [tenantId, username, policy.lockoutThreshold, policy.lockoutMinutes],
    );
  },

  /**
   * A platform operator's password checked (`matchedId`: the operator it matched, or null): the same lockout as a
   * tenant user's, under OPERATOR_LOCKOUT_THRESHOLD and OPERATOR_LOCKOUT_MINUTES (an operator has no tenant, so
   * no tenant's policy). The operator's row is locked first, so concurrent guesses are counted one after the
   * other. A wrong password, an unknown, locked or disabled operator alike answer undefined, and a failure is
   * counted only while the operator is not locked; a right password clears the failures (no second factor follows).
   */
  async operatorPasswordChecked(
    ctx: RequestContext,
    username: string,
    matchedId: string | null,
  ): Promise<{ id: string; sessionEpoch: number } | undefined> {
    const [row] = await ctx.tx.query<{ id: string; disabled: boolean; locked: boolean; session_epoch: number }>(
      `SELECT id, disabled, session_epoch, (locked_at IS NOT NULL AND (locked_until IS NULL OR locked_until > now())) AS locked
         FROM platform_operators WHERE username = $1 FOR UPDATE`,
      [username],
    );
    if (!row || matchedId !== row.id || row.locked || row.disabled) {
      await ctx.tx.execute(`UPDATE platform_operators a SET ${FAILURE_SET_SQL('$2', '$3')} WHERE a.username = $1 AND ${NOT_LOCKED_SQL}`, [
        username,
        ctx.config.operatorLockoutThreshold,
        ctx.config.operatorLockoutMinutes,
      ]);
      return undefined;
    }
    await ctx.tx.execute(
      `UPDATE platform_operators SET failed_sign_ins = 0, locked_at = NULL, locked_until = NULL
        WHERE id = $1 AND (failed_sign_ins > 0 OR locked_at IS NOT NULL)`,
      [row.id],
    );
    return { id: row.id, sessionEpoch: row.session_epoch };
  },

  /** A sign-in's proof passed: the account's failures (and a lock that ran out) are cleared. */
  async signInPassed(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
    await ctx.tx.execute(
      `UPDATE users SET failed_sign_ins = 0, locked_at = NULL, locked_until = NULL
        WHERE tenant_id = $1 AND id = $2 AND (failed_sign_ins > 0 OR locked_at IS NOT NULL)`,
      [tenantId, userId],
    );
  },

  /**
   * The next step of a sign-in, given the steps passed: the second factor first (or its enrolment when
   * the policy asks for one the account lacks), then a password that must change (first sign-in, an
   * admin's reset, or older than the policy's maximum age), then the tokens.
   */
  async nextStep(ctx: RequestContext, state: AccountState, passed: Set<ChallengeStage>, recoveryCodes?: string[]): Promise<Session> {
    const base = { tenantId: state.tenantId, userId: state.id, operatorId: null, recoveryCodes: recoveryCodes ?? null };
    let stage: ChallengeStage | undefined;
    if (!passed.has('TOTP') && state.totpEnabled) stage = 'TOTP';
    else if (!passed.has('TOTP') && totpRequired(state)) stage = 'TOTP_ENROLMENT';
    else if (state.mustChangePassword || state.passwordExpired) stage = 'PASSWORD_CHANGE';
    if (stage) {
      const challenge = signChallengeToken(ctx.config, { sub: state.id, tid: state.tenantId, stage, gen: state.sessionEpoch });
      return {
        ...base,
        step: stage,
        accessToken: null,
        refreshToken: null,
        expiresAt: null,
        challengeToken: challenge.token,
        challengeExpiresAt: challenge.expiresAt,
      };
    }
    return { ...base, ...(await this.issue(ctx, state.tenantId, state.id, state.sessionEpoch)) };
  },

  /**
   * After another proof of identity (single sign-on): the same steps as a password sign-in but the
   * password's own (a user signing in through the agency's provider is not asked to change a password
   * it does not use); a second factor the user has, or its roles need, is still asked for.
   * A locked account (failed passwords or codes here) still signs in when nothing of ours follows: the lock
   * guards this platform's own secrets, and the provider's proof is none of them; the count stands (the proof
   * says nothing of who guessed). With a second factor (or its enrolment) to follow, the lock holds: that step
   * is a guess at our codes, which a locked account's challenge never opens, so the sign-in is refused at once,
   * told plainly (the provider has proven who asks), and the provider's one-time code stays spent.
   */
  async afterExternalProof(ctx: RequestContext, tenantId: string, userId: string): Promise<Session> {
    const state = await accountState(ctx, tenantId, userId);
    if (!state || state.disabled) throw authError('INVALID_CREDENTIALS');
    if (state.locked && (state.totpEnabled || totpRequired(state))) {
      await ctx.tx.finish(true);
      throw authError('ACCOUNT_LOCKED');
    }
    return this.nextStep(ctx, { ...state, mustChangePassword: false, passwordExpired: false }, new Set());
  },

  async issue(ctx: RequestContext, tenantId: string, userId: string, gen: number) {
    const access = signAccessToken(ctx.config, { sub: userId, tid: tenantId, kind: 'user', gen });
    const refreshToken = await issueRefreshToken(ctx, tenantId, userId);
    return { step: 'DONE' as const, accessToken: access.token, expiresAt: access.expiresAt, refreshToken, gen };
  },

  /** The account a challenge token names, if the token is valid for `stages` and the account may still sign in. */
  async challenged(
    ctx: RequestContext,
    token: string,
    stages: ChallengeStage[],
  ): Promise<{ claims: ChallengeClaims; state: AccountState }> {
    const claims = verifyChallengeToken(ctx.config, token);
    if (!claims || !stages.includes(claims.stage)) throw challengeInvalid();
    await ctx.tx.setIdentity({ tenantId: claims.tid, platform: false }, { signIn: true });
    await ctx.tx.begin();
    const state = await accountState(ctx, claims.tid, claims.sub, true);
    if (!state || state.disabled || state.locked || state.sessionEpoch !== claims.gen) throw challengeInvalid();
    return { claims, state };
  },

  /**
   * A step of a sign-in after the password: the one-time code (or a recovery code), the code that
   * confirms an enrolment the policy asked for, or the new password. Each answers the next step.
   */
  async completeSignIn(
    ctx: RequestContext,
    input: { challengeToken: string; totpCode?: string | null; recoveryCode?: string | null; newPassword?: string | null },
  ): Promise<Session> {
    const { claims, state } = await this.challenged(ctx, input.challengeToken, ['TOTP', 'TOTP_ENROLMENT', 'PASSWORD_CHANGE']);
    if (claims.stage === 'TOTP') {
      if (!state.totpEnabled) throw challengeInvalid();
      if (!input.totpCode && !input.recoveryCode)
        throw authError('SIGN_IN_STEP_INPUT', { field: 'input.totpCode', params: { expected: 'totpCode | recoveryCode' } });
      await this.verifySecondFactor(ctx, state, input);
      return this.nextStep(ctx, state, new Set(['TOTP']));
    }
    if (claims.stage === 'TOTP_ENROLMENT') {
      if (state.totpEnabled || !totpRequired(state)) throw challengeInvalid();
      if (!input.totpCode) throw authError('SIGN_IN_STEP_INPUT', { field: 'input.totpCode', params: { expected: 'totpCode' } });
      const codes = await this.confirmTotpFor(ctx, state, input.totpCode);
      return this.nextStep(ctx, { ...state, totpEnabled: true }, new Set(['TOTP']), codes);
    }
    // PASSWORD_CHANGE: only while the account still must change (a used challenge finds it changed)
    if (!state.mustChangePassword && !state.passwordExpired) throw challengeInvalid();
    if (!input.newPassword) throw authError('SIGN_IN_STEP_INPUT', { field: 'input.newPassword', params: { expected: 'newPassword' } });
    await this.setPassword(ctx, state, input.newPassword, 'input.newPassword');
    const after = await knownAccount(ctx, state.tenantId, state.id);
    return this.nextStep(ctx, after, new Set(['TOTP', 'TOTP_ENROLMENT', 'PASSWORD_CHANGE']));
  },

  /**
   * A current one-time code or an unused recovery code of an enabled factor, at the sign-in's step or asked
   * of a signed-in user (regenerateRecoveryCodes, disableTotp): throttled per account and address, and a
   * wrong one counted as a failed sign-in toward the lockout (a locked account is refused like a wrong code);
   * a right one clears the failures. `state` was read under the account's row lock, before any write.
   */
  async verifySecondFactor(ctx: RequestContext, state: AccountState, input: { totpCode?: string | null; recoveryCode?: string | null }) {
    const key = totpKey(state.tenantId, state.id);
    await throttleStep(ctx, key, 'TOTP_RATE_LIMITED');
    let ok = false;
    // a locked account's code is not even checked (nor its recovery code spent): refused like a wrong one
    if (!state.locked && input.totpCode) {
      const [row] = await ctx.tx.query<{ ok: boolean }>(`SELECT app_totp_check($1, $2, false) AS ok`, [state.id, input.totpCode.trim()]);
      ok = row.ok;
    } else if (!state.locked && input.recoveryCode) {
      const [row] = await ctx.tx.query<{ ok: boolean }>(`SELECT app_recovery_code_use($1, $2) AS ok`, [
        state.id,
        sha256(normalizeRecoveryCode(input.recoveryCode)),
      ]);
      ok = row.ok;
    }
    if (!ok) {
      await this.signInFailed(ctx, state.tenantId, state.username, state.policy);
      // The failure must survive the refusal's rollback: as at a wrong password (reauthenticate), the transaction,
      // which has written nothing else, commits before the request ends with the refusal.
      await ctx.tx.finish(true);
      throw authError('TOTP_CODE_INVALID', { field: input.totpCode ? 'input.totpCode' : 'input.recoveryCode' });
    }
    await forgiveStep(ctx, key);
    await this.signInPassed(ctx, state.tenantId, state.id);
  },

  /**
   * Sets a new password under the tenant's policy (which rule failed is the error's reason): the
   * account no longer must change it, its age starts now, and every session ends (epoch, refresh tokens).
   */
  async setPassword(ctx: RequestContext, state: AccountState, password: string, field: string): Promise<void> {
    assertPasswordPolicy(state.policy, password, state.username, field);
    await assertNotRecent(ctx, state.policy, state.id, password, field);
    const [row] = await ctx.tx.query<{ session_epoch: number }>(
      `UPDATE users SET password_hash = $3, must_change_password = false, password_changed_at = now(), session_epoch = session_epoch + 1
        WHERE tenant_id = $1 AND id = $2 RETURNING session_epoch`,
      [state.tenantId, state.id, await hashPassword(password, ctx.config.passwordScryptCost)],
    );
    await authService.revokeAllForUser(ctx, state.tenantId, state.id);
    if (row) await publishSessionEnded(ctx.tx, state.id, row.session_epoch);
  },

  /**
   * changePassword: the current password (a re-authentication: sign-in's throttle and lockout), then the
   * new one under the policy. The account row is locked first, so concurrent changes run one after the
   * other (the later ones find the current password changed, and count as wrong). Every session ends;
   * the caller gets new tokens.
   */
  async changePassword(ctx: RequestContext, input: { currentPassword: string; newPassword: string }): Promise<Session> {
    const viewer = requireUser(ctx);
    const state = await knownAccount(ctx, viewer.tenantId, viewer.userId, true);
    const [tenant] = await ctx.tx.query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = $1`, [viewer.tenantId]);
    await this.reauthenticate(ctx, state, tenant.slug, input.currentPassword, () =>
      authError('WRONG_CURRENT_PASSWORD', 'input.currentPassword'),
    );
    await this.setPassword(ctx, state, input.newPassword, 'input.newPassword');
    const after = await knownAccount(ctx, viewer.tenantId, viewer.userId);
    return {
      tenantId: viewer.tenantId,
      userId: viewer.userId,
      operatorId: null,
      ...(await this.issue(ctx, viewer.tenantId, viewer.userId, after.sessionEpoch)),
    };
  },

  /** Ends every session of an account: refresh token families revoked, access tokens refused at their next request. */
  async signOutEverywhere(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
    const [row] = await ctx.tx.query<{ session_epoch: number }>(
      `UPDATE users SET session_epoch = session_epoch + 1 WHERE tenant_id = $1 AND id = $2 RETURNING session_epoch`,
      [tenantId, userId],
    );
    await authService.revokeAllForUser(ctx, tenantId, userId);
    if (row) await publishSessionEnded(ctx.tx, userId, row.session_epoch);
  },

  /**
   * An admin's reset (the caller checked its scope): a generated one-time password, changed at the next
   * sign-in; the account is unlocked and every session ends. Answers the one-time password, once.
   */
  async resetPassword(ctx: RequestContext, tenantId: string, userId: string): Promise<string> {
    const state = await knownAccount(ctx, tenantId, userId, true);
    const password = temporaryPassword(Math.max(12, state.policy.minLength));
    const [row] = await ctx.tx.query<{ session_epoch: number }>(
      `UPDATE users SET password_hash = $3, must_change_password = true, password_changed_at = now(), session_epoch = session_epoch + 1,
              failed_sign_ins = 0, locked_at = NULL, locked_until = NULL
        WHERE tenant_id = $1 AND id = $2 RETURNING session_epoch`,
      [tenantId, userId, await hashPassword(password, ctx.config.passwordScryptCost)],
    );
    await authService.revokeAllForUser(ctx, tenantId, userId);
    if (row) await publishSessionEnded(ctx.tx, userId, row.session_epoch);
    return password;
  },

  /**
   * An admin's unlock (the caller checked its scope): failures cleared, and the account's throttles too, the
   * password's and the second factor's, so the owner signs in at once. The client addresses' counts stay.
   */
  async unlock(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
    await ctx.tx.execute(`UPDATE users SET failed_sign_ins = 0, locked_at = NULL, locked_until = NULL WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      userId,
    ]);
    const [row] = await ctx.tx.query<{ username: string; slug: string }>(
      `SELECT u.username, t.slug FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.tenant_id = $1 AND u.id = $2`,
      [tenantId, userId],
    );
    if (row) {
      await ctx.tx.outside(`SELECT app_throttle_forgive($1, true), app_throttle_forgive($2, true)`, [
        `login:account:${row.slug.toLowerCase()}:${row.username.toLowerCase()}`,
        totpKey(tenantId, userId),
      ]);
    }
  },

  // ── the second factor ──

  /**
   * Starts (or restarts) an enrolment: a new secret, stored write-only, answered once as the otpauth://
   * URI an authenticator app reads from a QR code. An enabled factor must be disabled first. `proof` is
   * how the caller showed it is the account's holder now: a challenge of the TOTP_ENROLMENT step (issued
   * right after a password or single sign-on) or, signed in, the account's current password, so a stolen
   * access token alone cannot bind another authenticator.
   */
  async enrolTotp(
    ctx: RequestContext,
    tenantId: string,
    userId: string,
    proof: 'challenge' | { password: string },
  ): Promise<TotpEnrolment> {
    const state = await knownAccount(ctx, tenantId, userId, true);
    if (state.totpEnabled) throw authError('TOTP_ALREADY_ENABLED');
    const [tenant] = await ctx.tx.query<{ name: string; slug: string }>(`SELECT name, slug FROM tenants WHERE id = $1`, [tenantId]);
    if (proof !== 'challenge') {
      await this.reauthenticate(ctx, state, tenant.slug, proof.password, () => authError('REAUTHENTICATION_FAILED', 'input.password'));
    }
    const bytes = randomBytes(20);
    const secret = new ScureBase32Plugin().encode(bytes).replace(/=+$/, '');
    await ctx.tx.execute(`DELETE FROM user_totp WHERE tenant_id = $1 AND user_id = $2 AND enabled_at IS NULL`, [tenantId, userId]);
    await ctx.tx.execute(`INSERT INTO user_totp (tenant_id, user_id, secret) VALUES ($1, $2, $3)`, [tenantId, userId, bytes]);
    const uri = generateURI({ issuer: tenant.name, label: `${state.username}@${tenant.slug}`, secret });
    return { secret, uri };
  },

  /** The signed-in user's own enrolment: its current password first (refused without one). */
  async enrolOwnTotp(ctx: RequestContext, password: string | null | undefined): Promise<TotpEnrolment> {
    const viewer = requireUser(ctx);
    if (!password) throw authError('TOTP_ENROL_PASSWORD_REQUIRED', 'input.password');
    return this.enrolTotp(ctx, viewer.tenantId, viewer.userId, { password });
  },

  /**
   * A signed-in user proves again that it holds the account, by its password (changePassword, enrolTotp),
   * counted exactly as a sign-in's password: against the sign-in throttle of its account and address (the
   * same keys, limits and windows as `login`, SIGN_IN_RATE_LIMITED past them) and the account's lockout
   * (`passwordChecked`: a failure raises the count and may lock; a right password clears both as a sign-in
   * does; a locked account is refused like a wrong password). So a stolen access token buys no guesses
   * beyond sign-in's. `state` is the account read under its row lock, before the mutation wrote anything.
   */
  async reauthenticate(ctx: RequestContext, state: AccountState, slug: string, password: string, refused: () => Error): Promise<void> {
    await throttleSignIn(ctx, slug, state.username);
    const match = await checkPassword(ctx, 'user', state.tenantId, state.username, password);
    const admitted = await this.passwordChecked(ctx, state.tenantId, state.username, match?.id ?? null, true);
    if (admitted?.id !== state.id) {
      // An exception to "a refused mutation changes nothing" (sign-in's own): the failure (and a lock it triggers) lives on
      // the account's row, which this transaction holds locked, so it cannot be written on a connection of its own
      // (that write would wait for this lock) and the refusal's rollback would undo it. As a refused `login` does,
      // the transaction commits here and the request ends with the refusal. Callers reach this before any write of
      // their own, so what commits is the count; fields of the same document before this one had finished (their
      // savepoints released) and commit with it.
      await ctx.tx.finish(true);
      throw refused();
    }
    await forgiveSignIn(ctx, slug, state.username);
  },

  /** An enrolment the policy asks for during sign-in (a challenge of that step, while the account still lacks a factor). */
  async enrolTotpByChallenge(ctx: RequestContext, challengeToken: string): Promise<TotpEnrolment> {
    const { state } = await this.challenged(ctx, challengeToken, ['TOTP_ENROLMENT']);
    if (state.totpEnabled || !totpRequired(state)) throw challengeInvalid();
    return this.enrolTotp(ctx, state.tenantId, state.id, 'challenge');
  },

  /** The first code confirms an enrolment: the factor is enabled, and 10 recovery codes are answered once. */
  async confirmTotpFor(ctx: RequestContext, state: AccountState, code: string): Promise<string[]> {
    const key = totpKey(state.tenantId, state.id);
    await throttleStep(ctx, key, 'TOTP_RATE_LIMITED');
    const [row] = await ctx.tx.query<{ ok: boolean }>(`SELECT app_totp_check($1, $2, true) AS ok`, [state.id, code.trim()]);
    if (!row.ok) {
      const [pending] = await ctx.tx.query<{ one: number }>(
        `SELECT 1 AS one FROM user_totp WHERE tenant_id = $1 AND user_id = $2 AND enabled_at IS NULL`,
        [state.tenantId, state.id],
      );
      throw pending ? authError('TOTP_CODE_INVALID', 'input.totpCode') : authError('TOTP_NOT_ENROLLED');
    }
    await forgiveStep(ctx, key);
    return replaceRecoveryCodes(ctx, state.tenantId, state.id);
  },

  async confirmTotp(ctx: RequestContext, code: string): Promise<string[]> {
    const viewer = requireUser(ctx);
    const state = await knownAccount(ctx, viewer.tenantId, viewer.userId, true);
    if (state.totpEnabled) throw authError('TOTP_ALREADY_ENABLED');
    return this.confirmTotpFor(ctx, state, code);
  },

  /** New recovery codes (the old ones stop working), after a current one-time code. */
  async regenerateRecoveryCodes(ctx: RequestContext, code: string): Promise<string[]> {
    const viewer = requireUser(ctx);
    const state = await knownAccount(ctx, viewer.tenantId, viewer.userId, true);
    if (!state.totpEnabled) throw authError('TOTP_NOT_ENABLED');
    await this.verifySecondFactor(ctx, state, { totpCode: code });
    return replaceRecoveryCodes(ctx, viewer.tenantId, viewer.userId);
  },

  /** The user's own: a current code or a recovery code, and not while the policy requires a factor for its role. */
  async disableOwnTotp(ctx: RequestContext, input: { totpCode?: string | null; recoveryCode?: string | null }): Promise<void> {
    const viewer = requireUser(ctx);
    const state = await knownAccount(ctx, viewer.tenantId, viewer.userId, true);
    if (!state.totpEnabled) throw authError('TOTP_NOT_ENABLED');
    if (totpRequired(state)) throw authError('TOTP_REQUIRED_BY_POLICY');
    if (!input.totpCode && !input.recoveryCode)
      throw authError('SIGN_IN_STEP_INPUT', { field: 'input.totpCode', params: { expected: 'totpCode | recoveryCode' } });
    await this.verifySecondFactor(ctx, state, input);
    await this.removeTotp(ctx, viewer.tenantId, viewer.userId);
  },

  /** Removes the factor and its recovery codes (an admin's disable after the caller checked its scope, or the user's own). */
  async removeTotp(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
    await ctx.tx.execute(`DELETE FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
    await ctx.tx.execute(`DELETE FROM user_totp WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
  },

  /** Per user: factor enabled and recovery codes left (for the User object; batched by the caller). */
  async factorStatus(ctx: RequestContext, tenantId: string, userIds: readonly string[]) {
    const rows = await ctx.tx.query<{ user_id: string; enabled: boolean; left: number }>(
      `SELECT t.user_id, t.enabled_at IS NOT NULL AS enabled,
              (SELECT count(*)::int FROM recovery_codes c WHERE c.tenant_id = t.tenant_id AND c.user_id = t.user_id AND c.used_at IS NULL) AS left
         FROM user_totp t WHERE t.tenant_id = $1 AND t.user_id = ANY($2::uuid[])`,
      [tenantId, [...userIds]],
    );
    const byId = new Map(rows.map((r) => [r.user_id, r]));
    return userIds.map((id) => ({
      totpEnabled: byId.get(id)?.enabled ?? false,
      recoveryCodesLeft: byId.get(id)?.enabled ? (byId.get(id)?.left ?? 0) : 0,
    }));
  },

  // ── the policy ──

  async updatePolicyAsAdmin(ctx: RequestContext, patch: Partial<AccountPolicy>): Promise<AccountPolicy> {
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw authError('NOT_POLICY_ADMIN');
    return updatePolicy(ctx, viewer.tenantId, patch);
  },
};
