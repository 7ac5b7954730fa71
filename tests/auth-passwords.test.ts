import { Client } from 'pg';
import { withTransaction } from '../src/db/request-transaction';
import { TestServer, codes, firstSignIn, startTestServer, tokens, reasons } from './helpers/server';
import { rawId } from './helpers/ids';
import { TEST_PASSWORD_SCRYPT_COST } from './helpers/test-database';
import { orgIds } from './helpers/story';
import userModule from '../src/modules/user/user.module';
import { hashPassword } from '../src/auth/password';
import { createOrResetOperator, operatorPasswordProblem } from '../src/cli/operator-account';

/**
 * Issue 15, passwords and accounts, through HTTP: the tenant's password policy (each rule its own coded
 * refusal, partial updates), changePassword (also 20 at once), an admin's resetPassword, the change at
 * the first sign-in, lockout and unlock, "sign out everywhere", the idle expiry of refresh tokens, the
 * maximum password age, and the database wall around past password hashes. Every admin act refused to
 * the least privileged first, another tenant and a sibling subtree's admin.
 */
const ENV = {
  RATE_LIMIT_USER_PER_MINUTE: '0',
  RATE_LIMIT_TENANT_PER_MINUTE: '0',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
  LOGIN_LIMIT_PER_ADDRESS: '100000',
  // the lockout, not the throttle, is what the re-authentication tests count (30 guesses at once)
  LOGIN_LIMIT_PER_ACCOUNT: '1000',
};

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { step stepLabel accessToken refreshToken challengeToken viewer { username } } }`;
const COMPLETE = `mutation($input: CompleteSignInInput!) { completeSignIn(input: $input) { step accessToken refreshToken challengeToken } }`;
const CHANGE = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { step accessToken refreshToken } }`;
const POLICY = `{ accountPolicy { minLength minClasses historyCount maxAgeDays forbidUsername lockoutThreshold lockoutMinutes sessionIdleMinutes totpRoles totpRoleLabels } }`;
const UPDATE_POLICY = `mutation($input: UpdateAccountPolicyInput!) { updateAccountPolicy(input: $input) { minLength minClasses historyCount lockoutThreshold lockoutMinutes sessionIdleMinutes totpRoles } }`;
const RESET = `mutation($id: ID!) { resetPassword(input: { userId: $id }) { temporaryPassword user { username mustChangePassword locked } } }`;
const UNLOCK = `mutation($id: ID!) { unlockUser(input: { userId: $id }) { username locked failedSignIns lockedUntil } }`;
const SIGN_OUT_USER = `mutation($id: ID!) { signOutUser(input: { userId: $id }) { username } }`;
const ACCOUNT = `query($id: ID!) { node(id: $id) { ... on User { username mustChangePassword locked failedSignIns lockedAt lockedUntil totpEnabled } } }`;
const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }`;
const ENROL = `mutation($password: String) { enrolTotp(input: { password: $password }) { secret } }`;

describe('passwords and accounts (issue 15)', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<'admin' | 'leader' | 'supervisor' | 'secretary' | 'secretary2' | 'member' | 'inspector', string>;
  let foreign: string;
  let ids: Record<string, string>;
  /** A TENANT_ADMIN over 市公交集团党委 only (a subtree admin); 养护科党支部 (secretary2) is a sibling subtree. */
  let busAdmin: string;
  const userIds: Record<string, string> = {};

  const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) => server.gql(query, variables, token);
  const login = (username: string, password: string, tenant = 'jtj') => gql(LOGIN, { input: { tenant, username, password } });

  beforeAll(async () => {
    server = await startTestServer({ env: ENV });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj', ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'member', 'inspector'] as const);
    foreign = await server.token('szjg', 'admin');
    const users = await gql(`{ users(first: 100) { nodes { id username } } }`, {}, t.admin);
    for (const u of users.data.users.nodes) userIds[u.username] = u.id;
    const created = await gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id mustChangePassword } }`,
      { input: { username: 'bus-admin', displayName: '公交集团组织员', password: 'bus-admin-initial', orgId: ids['市公交集团党委'] } },
      t.admin,
    );
    expect(created.data.createUser.mustChangePassword).toBe(true);
    userIds['bus-admin'] = created.data.createUser.id;
    await gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: userIds['bus-admin'], role: 'TENANT_ADMIN', orgId: ids['市公交集团党委'] } },
      t.admin,
    );
    busAdmin = (await firstSignIn(server.url, 'jtj', 'bus-admin', 'bus-admin-initial')).accessToken;
  });
  afterAll(() => server.close());

  describe('the policy', () => {
    it('defaults to 等保 level 2 and is read by every user of the tenant', async () => {
      const expected = {
        minLength: 8,
        minClasses: 3,
        historyCount: 5,
        maxAgeDays: 90,
        forbidUsername: true,
        lockoutThreshold: 5,
        lockoutMinutes: 30,
        sessionIdleMinutes: 30,
        totpRoles: [],
        totpRoleLabels: [],
      };
      expect((await gql(POLICY, {}, t.member)).data.accountPolicy).toEqual(expected);
      expect((await gql(POLICY, {}, foreign)).data.accountPolicy).toEqual(expected);
      expect(codes(await gql(POLICY))).toEqual(['UNAUTHENTICATED']);
    });

    it('is changed by a root admin only, field by field, and out-of-range values change nothing', async () => {
      for (const token of [t.member, t.secretary, t.supervisor, t.inspector, t.leader, busAdmin]) {
        expect(reasons(await gql(UPDATE_POLICY, { input: { minLength: 12 } }, token))).toEqual(['FORBIDDEN/NOT_POLICY_ADMIN']);
      }
      expect(codes(await gql(UPDATE_POLICY, { input: { minLength: 7 } }, t.admin))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await gql(UPDATE_POLICY, { input: { lockoutThreshold: 101 } }, t.admin))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await gql(UPDATE_POLICY, { input: { totpRoles: ['NOBODY'] } }, t.admin))).toEqual(['BAD_USER_INPUT']);
      expect(await su.query(`SELECT 1 FROM account_policies`)).toMatchObject({ rowCount: 0 });
      // another tenant's change stays in that tenant
      expect((await gql(UPDATE_POLICY, { input: { minLength: 14 } }, foreign)).data.updateAccountPolicy.minLength).toBe(14);
      expect((await gql(POLICY, {}, t.member)).data.accountPolicy.minLength).toBe(8);
      // partial updates: each keeps what the other set, also when sent at once
      const [a, b] = await Promise.all([
        gql(UPDATE_POLICY, { input: { minLength: 10 } }, t.admin),
        gql(UPDATE_POLICY, { input: { historyCount: 3, sessionIdleMinutes: 60 } }, t.admin),
      ]);
      expect([a.errors, b.errors]).toEqual([undefined, undefined]);
      const after = (await gql(POLICY, {}, t.member)).data.accountPolicy;
      expect(after).toMatchObject({ minLength: 10, historyCount: 3, sessionIdleMinutes: 60, minClasses: 3, lockoutThreshold: 5 });
      // back to the defaults for the tests below
      const reset = await gql(UPDATE_POLICY, { input: { minLength: 8, historyCount: 5, sessionIdleMinutes: 30 } }, t.admin);
      expect(reset.data.updateAccountPolicy).toMatchObject({ minLength: 8, historyCount: 5, sessionIdleMinutes: 30, minClasses: 3 });
      expect((await gql(POLICY, {}, foreign)).data.accountPolicy.minLength).toBe(14);
    });
  });

  describe('changePassword', () => {
    it('needs the right current password and names the rule a new one breaks, in Chinese', async () => {
      const token = t.secretary2;
      const change = (currentPassword: string, newPassword: string) => gql(CHANGE, { input: { currentPassword, newPassword } }, token);
      expect(reasons(await change('wrong', 'Valid#Password1'))).toEqual(['BAD_USER_INPUT/WRONG_CURRENT_PASSWORD']);
      const short = await change('demo', 'Ab1#');
      expect(short.errors![0]).toMatchObject({
        message: '密码不符合本单位的密码策略：长度至少 8 个字符',
        extensions: { code: 'BAD_USER_INPUT', reason: 'PASSWORD_TOO_SHORT', field: 'input.newPassword', min: 8 },
      });
      const classes = await change('demo', 'abcdefgh12');
      expect(classes.errors![0]).toMatchObject({
        message: '密码不符合本单位的密码策略：须包含大写字母、小写字母、数字、符号中的至少 3 类（现有 2 类）',
        extensions: { reason: 'PASSWORD_CLASSES', min: 3, found: 2 },
      });
      expect(reasons(await change('demo', 'Secretary2#x'))).toEqual(['BAD_USER_INPUT/PASSWORD_CONTAINS_USERNAME']);
      expect(reasons(await change('demo', 'x'.repeat(201)))).toEqual(['BAD_USER_INPUT/VALIDATION']);
      // still the old password
      expect((await login('secretary2', 'demo')).data.login.step).toBe('DONE');

      const first = await change('demo', 'First#Pass1');
      expect(first.data.changePassword.step).toBe('DONE');
      // every session before the change ended, the caller has new tokens
      expect(codes(await gql(`{ viewer { username } }`, {}, token))).toEqual(['UNAUTHENTICATED']);
      const fresh = first.data.changePassword.accessToken;
      expect((await gql(`{ viewer { username } }`, {}, fresh)).data.viewer.username).toBe('secretary2');
      const again = (c: string, n: string) => gql(CHANGE, { input: { currentPassword: c, newPassword: n } }, fresh);
      // the current one and the ones before it (five in all) are refused
      expect(reasons(await again('First#Pass1', 'First#Pass1'))).toEqual(['BAD_USER_INPUT/PASSWORD_REUSED']);
      let current = 'First#Pass1';
      let session = fresh;
      for (const next of ['Second#Pass2', 'Third#Pass3']) {
        const res = await gql(CHANGE, { input: { currentPassword: current, newPassword: next } }, session);
        expect(res.errors).toBeUndefined();
        current = next;
        session = res.data.changePassword.accessToken;
      }
      const reused = await gql(CHANGE, { input: { currentPassword: current, newPassword: 'First#Pass1' } }, session);
      expect(reused.errors![0]).toMatchObject({
        message: '密码不符合本单位的密码策略：不能与最近 5 次使用过的密码相同',
        extensions: { reason: 'PASSWORD_REUSED', count: 5 },
      });
      expect(codes(await login('secretary2', 'demo'))).toEqual(['UNAUTHENTICATED']);
      expect((await login('secretary2', current)).data.login.step).toBe('DONE');
      // the history lives beside the account, out of the app role's sight
      expect(
        (await su.query(`SELECT count(*)::int AS n FROM password_history WHERE user_id = $1`, [rawId(userIds.secretary2)])).rows[0].n,
      ).toBe(3);
    });

    it('20 concurrent changes with one current password: exactly one wins, the others are refused with a code', async () => {
      const token = (await login('inspector', 'demo')).data.login.accessToken;
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => gql(CHANGE, { input: { currentPassword: 'demo', newPassword: `Race#Winner${i}` } }, token)),
      );
      const won = answers.filter((a) => !a.errors);
      expect(won).toHaveLength(1);
      for (const a of answers.filter((x) => x.errors)) {
        expect(a.status).toBeLessThan(500);
        expect(['BAD_USER_INPUT/WRONG_CURRENT_PASSWORD', 'RATE_LIMITED/SIGN_IN_RATE_LIMITED', 'UNAUTHENTICATED/TOKEN_INVALID']).toContain(
          reasons(a)[0],
        );
      }
      // each loser that met the changed password counted as a failed sign-in (up to the lock at five: no more while locked)
      const wrong = answers.filter((a) => reasons(a)[0] === 'BAD_USER_INPUT/WRONG_CURRENT_PASSWORD').length;
      const seen = (await gql(ACCOUNT, { id: userIds.inspector }, t.admin)).data.node;
      expect(seen).toMatchObject({ failedSignIns: Math.min(wrong, 5), locked: wrong >= 5 });
      await gql(UNLOCK, { id: userIds.inspector }, t.admin);
      const winner = answers.indexOf(won[0]);
      const after = await login('inspector', `Race#Winner${winner}`);
      expect(after.data.login.step).toBe('DONE');
      t.inspector = after.data.login.accessToken;
    });
  });

  describe('initial passwords and resets', () => {
    it('asks a created user for a new password before any token, and the challenge token opens nothing else', async () => {
      const created = await gql(
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        { input: { username: 'newcomer', displayName: '新党员', password: 'initial-pw', orgId: ids['第一车队党支部'] } },
        t.admin,
      );
      userIds.newcomer = created.data.createUser.id;
      // hashed at the server's configured cost (the test servers' 2^10; production's is 2^15 or more)
      const stored = (await su.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE id = $1`, [rawId(userIds.newcomer)]))
        .rows[0];
      expect(stored.password_hash).toMatch(new RegExp(`^scrypt\\$${2 ** server.config.passwordScryptCost}\\$`));
      expect(server.config.passwordScryptCost).toBe(Number(TEST_PASSWORD_SCRYPT_COST));
      const first = await login('newcomer', 'initial-pw');
      expect(first.data.login).toMatchObject({ step: 'PASSWORD_CHANGE', accessToken: null, refreshToken: null, viewer: null });
      expect(first.data.login.stepLabel).toMatch(/修改密码/);
      const challenge = first.data.login.challengeToken;
      // a challenge token is no access token
      expect(codes(await gql(`{ viewer { username } }`, {}, challenge))).toEqual(['UNAUTHENTICATED']);
      expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge } }))).toEqual(['BAD_USER_INPUT/SIGN_IN_STEP_INPUT']);
      expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, newPassword: 'initial-pw' } }))).toEqual([
        'BAD_USER_INPUT/PASSWORD_CLASSES',
      ]);
      expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, newPassword: 'Newcomer#2026' } }))).toEqual([
        'BAD_USER_INPUT/PASSWORD_CONTAINS_USERNAME',
      ]);
      expect(reasons(await gql(COMPLETE, { input: { challengeToken: `${challenge}x`, newPassword: 'My#Own-pass1' } }))).toEqual([
        'UNAUTHENTICATED/SIGN_IN_CHALLENGE_INVALID',
      ]);
      const done = await gql(COMPLETE, { input: { challengeToken: challenge, newPassword: 'My#Own-pass1' } });
      expect(done.data.completeSignIn.step).toBe('DONE');
      expect((await gql(`{ viewer { username } }`, {}, done.data.completeSignIn.accessToken)).data.viewer.username).toBe('newcomer');
      // the challenge is spent: the account no longer must change
      expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, newPassword: 'Another#pass2' } }))).toEqual([
        'UNAUTHENTICATED/SIGN_IN_CHALLENGE_INVALID',
      ]);
      expect((await gql(ACCOUNT, { id: userIds.newcomer }, t.admin)).data.node.mustChangePassword).toBe(false);
      expect((await login('newcomer', 'My#Own-pass1')).data.login.step).toBe('DONE');
    });

    it('refuses a reset to everyone but an admin over the user: member, secretary, supervisor, another tenant, a sibling subtree', async () => {
      const target = userIds.secretary2; // 养护科党支部, beside 市公交集团党委
      for (const token of [t.member, t.secretary, t.supervisor, t.inspector, t.leader, foreign, busAdmin]) {
        expect(reasons(await gql(RESET, { id: target }, token))).toEqual(['NOT_FOUND/USER_NOT_FOUND']);
        expect(reasons(await gql(UNLOCK, { id: target }, token))).toEqual(['NOT_FOUND/USER_NOT_FOUND']);
        expect(reasons(await gql(SIGN_OUT_USER, { id: target }, token))).toEqual(['NOT_FOUND/USER_NOT_FOUND']);
      }
      // one's own account is visible, but not administered
      expect(reasons(await gql(RESET, { id: userIds.member }, t.member))).toEqual(['FORBIDDEN/NOT_USER_ADMIN']);
      expect((await su.query(`SELECT must_change_password FROM users WHERE id = $1`, [rawId(target)])).rows[0].must_change_password).toBe(
        false,
      );
    });

    it('lets an admin over the user reset: a one-time password, every session ended, a change at the next sign-in', async () => {
      const before = await login('member', 'demo');
      const session = before.data.login;
      const res = await gql(RESET, { id: userIds.member }, busAdmin);
      expect(res.errors).toBeUndefined();
      const temporary: string = res.data.resetPassword.temporaryPassword;
      expect(res.data.resetPassword.user).toEqual({ username: 'member', mustChangePassword: true, locked: false });
      expect(temporary).toMatch(/^.{12}$/);
      expect(codes(await gql(`{ viewer { username } }`, {}, session.accessToken))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(REFRESH, { t: session.refreshToken }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await login('member', 'demo'))).toEqual(['UNAUTHENTICATED']);
      const next = await login('member', temporary);
      expect(next.data.login.step).toBe('PASSWORD_CHANGE');
      expect(reasons(await gql(COMPLETE, { input: { challengeToken: next.data.login.challengeToken, newPassword: temporary } }))).toEqual([
        'BAD_USER_INPUT/PASSWORD_REUSED',
      ]);
      const done = await gql(COMPLETE, { input: { challengeToken: next.data.login.challengeToken, newPassword: 'Own-pass#M1' } });
      expect(done.data.completeSignIn.step).toBe('DONE');
      t.member = done.data.completeSignIn.accessToken;
    });

    it('asks for a change once a password is older than the maximum age; demo passwords never expire', async () => {
      await su.query(`UPDATE users SET password_changed_at = now() - interval '91 days' WHERE id = $1`, [rawId(userIds.newcomer)]);
      const old = await login('newcomer', 'My#Own-pass1');
      expect(old.data.login.step).toBe('PASSWORD_CHANGE');
      expect((await su.query(`SELECT count(*)::int AS n FROM users WHERE password_changed_at IS NULL`)).rows[0].n).toBeGreaterThan(10);
      expect((await login('deputy', 'demo')).data.login.step).toBe('DONE');
      // with no maximum age, the old password is fine again
      await gql(UPDATE_POLICY, { input: { maxAgeDays: 0 } }, t.admin);
      expect((await login('newcomer', 'My#Own-pass1')).data.login.step).toBe('DONE');
      await gql(UPDATE_POLICY, { input: { maxAgeDays: 90 } }, t.admin);
    });
  });

  describe('lockout', () => {
    it('locks after five failures in a row, answers a locked account like a wrong password, and an admin unlocks it', async () => {
      const wrong = [];
      for (let i = 0; i < 5; i++) wrong.push(await login('leader', `wrong-${i}`));
      expect(wrong.map((w) => reasons(w)[0])).toEqual(Array(5).fill('UNAUTHENTICATED/INVALID_CREDENTIALS'));
      const locked = await login('leader', 'demo');
      // the same answer, byte for byte, as a wrong password and an unknown user
      const unknown = await login('no-such-user', 'demo');
      expect(locked.status).toBe(wrong[0].status);
      expect(locked.errors).toEqual(wrong[0].errors);
      expect(locked.errors).toEqual(unknown.errors);
      const seen = (await gql(ACCOUNT, { id: userIds.leader }, t.admin)).data.node;
      expect(seen).toMatchObject({ username: 'leader', locked: true, failedSignIns: 5 });
      const until = new Date(seen.lockedUntil).getTime() - new Date(seen.lockedAt).getTime();
      expect(until).toBe(30 * 60_000);
      // failures while locked are not counted (nor extend the lock)
      await login('leader', 'wrong-again');
      expect((await gql(ACCOUNT, { id: userIds.leader }, t.admin)).data.node.failedSignIns).toBe(5);
      // the leader sits at the root: the subtree admin cannot see it, nor can the officers
      for (const token of [t.member, t.secretary, t.supervisor, foreign, busAdmin]) {
        expect(reasons(await gql(UNLOCK, { id: userIds.leader }, token))).toEqual(['NOT_FOUND/USER_NOT_FOUND']);
      }
      const unlocked = await gql(UNLOCK, { id: userIds.leader }, t.admin);
      expect(unlocked.data.unlockUser).toEqual({ username: 'leader', locked: false, failedSignIns: 0, lockedUntil: null });
      expect((await login('leader', 'demo')).data.login.step).toBe('DONE');
    });

    it('ends a timed lock by itself, and a lock without an end waits for an admin', async () => {
      for (let i = 0; i < 5; i++) await login('deputy', `wrong-${i}`);
      expect(codes(await login('deputy', 'demo'))).toEqual(['UNAUTHENTICATED']);
      await su.query(`UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1`, [rawId(userIds.deputy)]);
      expect((await login('deputy', 'demo')).data.login.step).toBe('DONE');
      expect((await gql(ACCOUNT, { id: userIds.deputy }, t.admin)).data.node).toMatchObject({
        locked: false,
        failedSignIns: 0,
        lockedAt: null,
      });

      await gql(UPDATE_POLICY, { input: { lockoutThreshold: 3, lockoutMinutes: 0 } }, t.admin);
      for (let i = 0; i < 3; i++) await login('deputy', `wrong-${i}`);
      const seen = (await gql(ACCOUNT, { id: userIds.deputy }, t.admin)).data.node;
      expect(seen).toMatchObject({ locked: true, failedSignIns: 3, lockedUntil: null });
      expect(codes(await login('deputy', 'demo'))).toEqual(['UNAUTHENTICATED']);
      await gql(UNLOCK, { id: userIds.deputy }, t.admin);
      expect((await login('deputy', 'demo')).data.login.step).toBe('DONE');
      await gql(UPDATE_POLICY, { input: { lockoutThreshold: 5, lockoutMinutes: 30 } }, t.admin);
    });

    it('lets a user an admin enables again sign in at once: what was tried while it was disabled is not held against it', async () => {
      const SET = `mutation($i: SetUserDisabledInput!) { setUserDisabled(input: $i) { username disabled locked failedSignIns } }`;
      expect((await gql(SET, { i: { userId: userIds.deputy, disabled: true } }, t.admin)).errors).toBeUndefined();
      // while disabled, every password (the right one too) is refused as a wrong one and counted: the account locks
      for (let i = 0; i < 8; i++) {
        expect(reasons(await login('deputy', i % 2 ? 'demo' : `wrong-${i}`))).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
      }
      expect((await gql(ACCOUNT, { id: userIds.deputy }, t.admin)).data.node).toMatchObject({ locked: true, failedSignIns: 5 });
      const enabled = await gql(SET, { i: { userId: userIds.deputy, disabled: false } }, t.admin);
      expect(enabled.data.setUserDisabled).toEqual({ username: 'deputy', disabled: false, locked: false, failedSignIns: 0 });
      expect((await login('deputy', 'demo')).data.login.step).toBe('DONE');
      // enabling an account that is enabled already changes nothing: it unlocks nobody
      for (let i = 0; i < 5; i++) await login('deputy', `wrong-${i}`);
      const again = await gql(SET, { i: { userId: userIds.deputy, disabled: false } }, t.admin);
      expect(again.data.setUserDisabled).toEqual({ username: 'deputy', disabled: false, locked: true, failedSignIns: 5 });
      await gql(UNLOCK, { id: userIds.deputy }, t.admin);
    });

    it('locks a platform operator as a tenant user (5 failures, 30 minutes), each attempt on the platform’s log', async () => {
      const hash = await hashPassword('Ops-Password-2026', Number(TEST_PASSWORD_SCRYPT_COST));
      const [{ id }] = (
        await su.query(
          `INSERT INTO platform_operators (username, display_name, password_hash) VALUES ('ops-lock', '运维二', $1) RETURNING id`,
          [hash],
        )
      ).rows;
      const operator = (password: string) => gql(LOGIN, { input: { tenant: null, username: 'ops-lock', password } });
      const state = async () =>
        (
          await su.query(
            `SELECT failed_sign_ins AS n, locked_at IS NOT NULL AS locked, round(extract(epoch FROM locked_until - locked_at))::int AS seconds
               FROM platform_operators WHERE id = $1`,
            [id],
          )
        ).rows[0];
      // a right password clears the failures before it
      for (let i = 0; i < 4; i++) expect(reasons(await operator(`wrong-${i}`))).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
      expect(await state()).toEqual({ n: 4, locked: false, seconds: null });
      expect((await operator('Ops-Password-2026')).data.login.step).toBe('DONE');
      expect(await state()).toEqual({ n: 0, locked: false, seconds: null });
      const wrong = [];
      for (let i = 0; i < 5; i++) wrong.push(await operator(`wrong-${i}`));
      expect(await state()).toEqual({ n: 5, locked: true, seconds: 30 * 60 });
      // locked: the right password is answered as a wrong one, byte for byte, and counts nothing more
      const locked = await operator('Ops-Password-2026');
      expect(locked.errors).toEqual(wrong[0].errors);
      expect(await state()).toEqual({ n: 5, locked: true, seconds: 30 * 60 });
      const logged = await su.query(
        `SELECT outcome, count(*)::int AS n FROM platform_audit_log WHERE action = 'login' AND account = 'ops-lock' AND actor_id = $1
          GROUP BY outcome ORDER BY outcome`,
        [id],
      );
      expect(logged.rows).toEqual([
        { outcome: 'FAILURE', n: 10 },
        { outcome: 'SUCCESS', n: 1 },
      ]);
      // a lock that ran out starts anew
      await su.query(`UPDATE platform_operators SET locked_until = now() - interval '1 second' WHERE id = $1`, [id]);
      const session = (await operator('Ops-Password-2026')).data.login;
      expect(session.step).toBe('DONE');
      expect((await gql(`{ viewer { username } }`, {}, session.accessToken)).data.viewer).toEqual({ username: 'ops-lock' });
      expect(await state()).toEqual({ n: 0, locked: false, seconds: null });
      // locked again, the operator CLI's reset (npm run operator) lets it in at once, and says so on the platform's log
      for (let i = 0; i < 5; i++) await operator(`wrong-${i}`);
      expect(await state()).toEqual({ n: 5, locked: true, seconds: 30 * 60 });
      const fresh = await hashPassword('Ops-Password-2027', Number(TEST_PASSWORD_SCRYPT_COST));
      const done = await withTransaction(server.database.dataSource, { platform: true }, (tx) =>
        createOrResetOperator(tx, 'ops-lock', '运维二', fresh),
      );
      expect(done).toBe('reset');
      expect(await state()).toEqual({ n: 0, locked: false, seconds: null });
      expect((await operator('Ops-Password-2027')).data.login.step).toBe('DONE');
      // and ends the operator's sessions, as a reset ends a user's: its access tokens are refused at once
      expect(reasons(await gql(`{ viewer { username } }`, {}, session.accessToken))).toEqual(['UNAUTHENTICATED/TOKEN_INVALID']);
      const cli = await su.query(`SELECT data, outcome FROM platform_audit_log WHERE action = 'operatorAccount' AND entity_id = $1`, [id]);
      expect(cli.rows).toEqual([{ data: { done: 'reset', via: 'cli' }, outcome: 'SUCCESS' }]);
    });
  });

  describe('sessions', () => {
    it('signs a user out everywhere: its own request, or an admin over it', async () => {
      const a = (await login('secretary', 'demo')).data.login;
      const b = (await login('secretary', 'demo')).data.login;
      const out = await gql(`mutation { signOutEverywhere }`, {}, a.accessToken);
      expect(out.data.signOutEverywhere).toBe(true);
      for (const s of [a, b]) {
        expect(codes(await gql(`{ viewer { username } }`, {}, s.accessToken))).toEqual(['UNAUTHENTICATED']);
        expect(codes(await gql(REFRESH, { t: s.refreshToken }))).toEqual(['UNAUTHENTICATED']);
      }
      const c = (await login('secretary', 'demo')).data.login;
      expect((await gql(SIGN_OUT_USER, { id: userIds.secretary }, busAdmin)).data.signOutUser.username).toBe('secretary');
      expect(codes(await gql(`{ viewer { username } }`, {}, c.accessToken))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(REFRESH, { t: c.refreshToken }))).toEqual(['UNAUTHENTICATED']);
      expect((await login('secretary', 'demo')).data.login.step).toBe('DONE');
    });

    it('expires a refresh token left unused longer than the idle period, besides the absolute one', async () => {
      const s = (await login('supervisor', 'demo')).data.login;
      const r = await gql(REFRESH, { t: s.refreshToken });
      expect(r.errors).toBeUndefined();
      const next = r.data.refreshToken.refreshToken;
      await su.query(`UPDATE refresh_tokens SET created_at = now() - interval '31 minutes' WHERE id = $1`, [next.split('.')[1]]);
      expect(reasons(await gql(REFRESH, { t: next }))).toEqual(['UNAUTHENTICATED/INVALID_REFRESH_TOKEN']);
      await gql(UPDATE_POLICY, { input: { sessionIdleMinutes: 120 } }, t.admin);
      const s2 = (await login('supervisor', 'demo')).data.login;
      await su.query(`UPDATE refresh_tokens SET created_at = now() - interval '31 minutes' WHERE id = $1`, [s2.refreshToken.split('.')[1]]);
      expect((await gql(REFRESH, { t: s2.refreshToken })).errors).toBeUndefined();
      await gql(UPDATE_POLICY, { input: { sessionIdleMinutes: 30 } }, t.admin);
    });

    it('bounds a user’s live sessions (SESSIONS_PER_USER, 20): a sign-in past it ends the least recently refreshed one', async () => {
      const user = rawId(userIds.secretary);
      await su.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [user]);
      const live = async () =>
        (
          await su.query(
            `SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
            [user],
          )
        ).rows[0].n;
      const sessions: string[] = [];
      for (let i = 0; i < 20; i++) sessions.push((await login('secretary', 'demo')).data.login.refreshToken);
      expect(await live()).toBe(20);
      // the first session refreshes: the second is now the least recently used
      const first = await gql(REFRESH, { t: sessions[0] });
      expect(first.errors).toBeUndefined();
      sessions[0] = first.data.refreshToken.refreshToken;
      const extra = await login('secretary', 'demo');
      expect(extra.data.login.step).toBe('DONE');
      expect(await live()).toBe(20);
      expect(reasons(await gql(REFRESH, { t: sessions[1] }))).toEqual(['UNAUTHENTICATED/INVALID_REFRESH_TOKEN']);
      // the refreshed first session, the third and the new one live on; nothing but the second ended
      for (const token of [sessions[0], sessions[2], extra.data.login.refreshToken]) {
        expect((await gql(REFRESH, { t: token })).errors).toBeUndefined();
      }
      expect(await live()).toBe(20);
    });

    it('deletes refresh tokens expired or revoked longer than REFRESH_TOKEN_RETENTION_DAYS (30) ago, and nothing else', async () => {
      const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
      const user = rawId(userIds.secretary2);
      const auditBefore = (await su.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n;
      const row = async (label: string, expires: string, revoked: string | null, used: string | null) =>
        (
          await su.query(
            `INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_hash, expires_at, created_at, revoked_at, used_at)
             VALUES ($1, $2, gen_random_uuid(), $3, now() + $4::interval, now() - interval '40 days',
                     now() + $5::interval, now() + $6::interval) RETURNING id`,
            [tenantId, user, `sweep-${label}`, expires, revoked, used],
          )
        ).rows[0].id as string;
      const gone = [
        await row('expired 31 days ago', '-31 days', null, null),
        await row('revoked 31 days ago', '5 days', '-31 days', '-35 days'),
        await row('expired 40 days ago, revoked 39 days ago', '-40 days', '-39 days', null),
      ];
      const kept = [
        await row('expired 29 days ago', '-29 days', null, null),
        await row('revoked 29 days ago', '-1 day', '-29 days', null),
        await row('used 35 days ago, not revoked, not expired', '1 day', null, '-35 days'),
        await row('live', '10 days', null, null),
      ];
      const before = (await su.query(`SELECT count(*)::int AS n FROM refresh_tokens`)).rows[0].n;
      const sweep = userModule.sweeps!.find((s) => s.name === 'refresh-tokens-prune')!;
      expect(sweep.schedule).toBe('50 3 * * *');
      const result = await sweep.run({ dataSource: server.database.dataSource, config: server.config }, {});
      expect(result.created).toBe(3);
      const left = (await su.query(`SELECT id FROM refresh_tokens WHERE id = ANY($1::uuid[])`, [[...gone, ...kept]])).rows.map((r) => r.id);
      expect(left.sort()).toEqual([...kept].sort());
      expect((await su.query(`SELECT count(*)::int AS n FROM refresh_tokens`)).rows[0].n).toBe(before - 3);
      // a second run finds nothing; the audit trail is not touched
      expect((await sweep.run({ dataSource: server.database.dataSource, config: server.config }, {})).created).toBe(0);
      expect((await su.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n).toBe(auditBefore);
    });
  });

  describe('re-authentication: a stolen access token buys no guesses beyond sign-in’s', () => {
    const account = async (who: string) => (await gql(ACCOUNT, { id: userIds[who] }, t.admin)).data.node;
    const change = (token: string, currentPassword: string) =>
      gql(CHANGE, { input: { currentPassword, newPassword: 'Never#Set-99' } }, token);
    const WRONG_CURRENT = ['BAD_USER_INPUT/WRONG_CURRENT_PASSWORD'];
    const REFUSED = ['BAD_USER_INPUT/REAUTHENTICATION_FAILED'];
    const INVALID = ['UNAUTHENTICATED/INVALID_CREDENTIALS'];

    it('locks the account after five wrong current passwords at changePassword or enrolTotp, as five wrong sign-ins do', async () => {
      const token = (await login('secretary', 'demo')).data.login.accessToken;
      for (let i = 0; i < 5; i++) expect(reasons(await change(token, `guess-${i}`))).toEqual(WRONG_CURRENT);
      expect(await account('secretary')).toMatchObject({ locked: true, failedSignIns: 5 });
      // locked: the right password is refused at sign-in and here alike, and nothing more is counted
      expect(reasons(await login('secretary', 'demo'))).toEqual(INVALID);
      expect(reasons(await change(token, 'demo'))).toEqual(WRONG_CURRENT);
      expect(await account('secretary')).toMatchObject({ locked: true, failedSignIns: 5 });
      await gql(UNLOCK, { id: userIds.secretary }, t.admin);

      for (let i = 0; i < 5; i++) expect(reasons(await gql(ENROL, { password: `guess-${i}` }, token))).toEqual(REFUSED);
      expect(await account('secretary')).toMatchObject({ locked: true, failedSignIns: 5 });
      expect(reasons(await login('secretary', 'demo'))).toEqual(INVALID);
      expect(reasons(await gql(ENROL, { password: 'demo' }, token))).toEqual(REFUSED);
      const pending = await su.query(`SELECT 1 FROM user_totp WHERE user_id = $1`, [rawId(userIds.secretary)]);
      expect(pending.rowCount).toBe(0);
      await gql(UNLOCK, { id: userIds.secretary }, t.admin);
      expect((await login('secretary', 'demo')).data.login.step).toBe('DONE');
    });

    it('keeps one count for sign-in and re-authentication: a right password at either clears it', async () => {
      const token = (await login('secretary', 'demo')).data.login.accessToken;
      expect(reasons(await login('secretary', 'wrong-1'))).toEqual(INVALID);
      expect(reasons(await change(token, 'wrong-2'))).toEqual(WRONG_CURRENT);
      expect(reasons(await gql(ENROL, { password: 'wrong-3' }, token))).toEqual(REFUSED);
      expect(reasons(await login('secretary', 'wrong-4'))).toEqual(INVALID);
      expect(await account('secretary')).toMatchObject({ locked: false, failedSignIns: 4 });
      // a right password at the enrolment clears the count as a sign-in does
      expect((await gql(ENROL, { password: 'demo' }, token)).errors).toBeUndefined();
      expect(await account('secretary')).toMatchObject({ locked: false, failedSignIns: 0 });
      for (let i = 0; i < 4; i++) expect(reasons(await change(token, `again-${i}`))).toEqual(WRONG_CURRENT);
      expect(await account('secretary')).toMatchObject({ locked: false, failedSignIns: 4 });
      expect((await login('secretary', 'demo')).data.login.step).toBe('DONE');
      expect(await account('secretary')).toMatchObject({ locked: false, failedSignIns: 0 });
      await su.query(`DELETE FROM user_totp WHERE user_id = $1`, [rawId(userIds.secretary)]);
    });

    it('counts 30 wrong guesses sent at once, none lost to a race: the 30th locks at a threshold of 30', async () => {
      await gql(UPDATE_POLICY, { input: { lockoutThreshold: 30 } }, t.admin);
      const token = (await login('deputy', 'demo')).data.login.accessToken;
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? change(token, `burst-${i}`) : gql(ENROL, { password: `burst-${i}` }, token))),
      );
      for (const [i, a] of answers.entries()) {
        expect(a.status).toBeLessThan(500);
        expect(reasons(a)).toEqual(i % 2 ? WRONG_CURRENT : REFUSED);
      }
      expect(await account('deputy')).toMatchObject({ locked: true, failedSignIns: 30 });
      expect(reasons(await login('deputy', 'demo'))).toEqual(INVALID);
      await gql(UNLOCK, { id: userIds.deputy }, t.admin);
      await gql(UPDATE_POLICY, { input: { lockoutThreshold: 5 } }, t.admin);
    });

    it('keeps the count of a refusal beside other fields of its mutation, whose changes stand (entered in the audit trail once)', async () => {
      const auditOf = async () =>
        (await su.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'updateAccountPolicy' AND outcome = 'SUCCESS'`)).rows[0].n;
      const before = await auditOf();
      const res = await gql(
        `mutation {
          a: updateAccountPolicy(input: { sessionIdleMinutes: 45 }) { sessionIdleMinutes }
          b: updateAccountPolicy(input: { historyCount: 4 }) { historyCount }
          c: changePassword(input: { currentPassword: "wrong", newPassword: "Never#Set-99" }) { step }
        }`,
        {},
        t.admin,
      );
      expect(reasons(res)).toEqual(WRONG_CURRENT);
      expect(await account('admin')).toMatchObject({ locked: false, failedSignIns: 1 });
      expect((await gql(POLICY, {}, t.member)).data.accountPolicy).toMatchObject({ sessionIdleMinutes: 45, historyCount: 4 });
      expect(await auditOf()).toBe(before + 2);
      await gql(UPDATE_POLICY, { input: { sessionIdleMinutes: 30, historyCount: 5 } }, t.admin);
      expect((await login('admin', 'demo')).data.login.step).toBe('DONE');
      expect(await account('admin')).toMatchObject({ failedSignIns: 0 });
    });
  });

  it('keeps past password hashes out of the app role’s reach, whatever it sets', async () => {
    const pool = server.database.dataSource;
    const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    const sqlstate = async (sql: string) => {
      try {
        await withTransaction(pool, { tenantId, platform: true }, (tx) => tx.query(sql));
        return undefined;
      } catch (error) {
        return (error as { driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      }
    };
    expect(await sqlstate(`SELECT password_hash FROM password_history`)).toBe('42501');
    expect(await sqlstate(`SELECT * FROM password_history`)).toBe('42501');
    expect(await sqlstate(`SELECT count(*) FROM password_history WHERE password_hash LIKE 'scrypt%'`)).toBe('42501');
    expect(await sqlstate(`SELECT user_id, created_at FROM password_history`)).toBeUndefined();
  });
});

describe('an operator’s password at the CLI (npm run operator)', () => {
  it('is held to 12 characters and the default policy’s classes, without the username', () => {
    expect(operatorPasswordProblem('ops', 'Short#1')).toMatch(/at least 12/);
    expect(operatorPasswordProblem('ops', 'aaaaaaaaaaaa')).toMatch(/at least 3 of/);
    expect(operatorPasswordProblem('ops', 'X'.repeat(201))).toMatch(/at most 200/);
    expect(operatorPasswordProblem('platform', 'My-Platform-2026')).toMatch(/username/);
    expect(operatorPasswordProblem('ops', 'Ops-Password-2026')).toMatch(/username/);
    expect(operatorPasswordProblem('root', 'Correct-Horse-9')).toBeNull();
  });
});

describe('an operator’s lockout under concurrent guesses', () => {
  let server: TestServer;
  afterAll(() => server?.close());

  it('counts 30 wrong passwords sent at once, none lost to a race: the 30th locks at OPERATOR_LOCKOUT_THRESHOLD 30', async () => {
    server = await startTestServer({ env: { ...ENV, OPERATOR_LOCKOUT_THRESHOLD: '30', OPERATOR_LOCKOUT_MINUTES: '0' } });
    const su = await server.superuser();
    const hash = await hashPassword('Ops-Burst-2026', Number(TEST_PASSWORD_SCRYPT_COST));
    await su.query(`INSERT INTO platform_operators (username, display_name, password_hash) VALUES ('ops-burst', '运维三', $1)`, [hash]);
    const operator = (password: string) => server.gql(LOGIN, { input: { tenant: null, username: 'ops-burst', password } });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => operator(`burst-${i}`)));
    for (const a of answers) expect(reasons(a)).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
    const [row] = (
      await su.query(
        `SELECT failed_sign_ins AS n, locked_at IS NOT NULL AS locked, locked_until FROM platform_operators WHERE username = 'ops-burst'`,
      )
    ).rows;
    // OPERATOR_LOCKOUT_MINUTES 0: locked until the operator CLI resets it
    expect(row).toEqual({ n: 30, locked: true, locked_until: null });
    expect(reasons(await operator('Ops-Burst-2026'))).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
  });
});
