import { generateSync } from 'otplib';
import { Client } from 'pg';
import { withTransaction } from '../src/db/request-transaction';
import { GqlResponse, TestServer, codes, firstSignIn, startTestServer, tokens } from './helpers/server';
import { rawId } from './helpers/ids';
import { orgIds } from './helpers/story';

/**
 * Issue 15, the second factor, through HTTP, with real codes computed by otplib from the enrolment's
 * otpauth:// URI: enrolment confirmed by one code, sign-in in two steps (a challenge token, then the
 * code or a recovery code), a code replayed inside its window, a challenge token used with another
 * user's code, a recovery code sent 20 times at once, the step's own throttle, the tenant's policy
 * requiring a factor for a role (enrolment during sign-in), disabling by the user and by an admin over
 * it only, and the database wall around secrets and recovery codes.
 */
const ENV = { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0', LOGIN_LIMIT_PER_ADDRESS: '100000' };

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { step accessToken challengeToken recoveryCodes } }`;
const COMPLETE = `mutation($input: CompleteSignInInput!) { completeSignIn(input: $input) { step stepLabel accessToken challengeToken recoveryCodes } }`;
const ENROL = `mutation($input: EnrolTotpInput) { enrolTotp(input: $input) { otpauthUri secret } }`;
const CONFIRM = `mutation($code: String!) { confirmTotp(input: { totpCode: $code }) { recoveryCodes } }`;
const DISABLE = `mutation($input: DisableTotpInput!) { disableTotp(input: $input) }`;
const DISABLE_FOR = `mutation($id: ID!) { disableUserTotp(input: { userId: $id }) { username totpEnabled recoveryCodesLeft } }`;
const FACTOR = `query($id: ID!) { node(id: $id) { ... on User { username totpEnabled recoveryCodesLeft } } }`;
const UPDATE_POLICY = `mutation($input: UpdateAccountPolicyInput!) { updateAccountPolicy(input: $input) { totpRoles totpRoleLabels } }`;

const reasons = (res: GqlResponse) => (res.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`);
/** The code an authenticator shows now (or `shift` time steps away). */
const code = (secret: string, shift = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + shift * 30 });

describe('second factor: TOTP (issue 15)', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<'admin' | 'member' | 'supervisor' | 'secretary' | 'leader' | 'deputy', string>;
  let foreign: string;
  let ids: Record<string, string>;
  let roadAdmin: string;
  const userIds: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const recoveryOf: Record<string, string[]> = {};
  /** The code each enrolment was confirmed with (used: refused from then on). */
  const confirmedWith: Record<string, string> = {};

  const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) => server.gql(query, variables, token);
  const login = (username: string, password = 'demo') => gql(LOGIN, { input: { tenant: 'jtj', username, password } });

  /** Enrols a signed-in user: the URI read as an authenticator reads it, confirmed with the code it shows. */
  async function enrol(username: string, token: string): Promise<string[]> {
    const res = await gql(ENROL, {}, token);
    expect(res.errors).toBeUndefined();
    const uri = new URL(res.data.enrolTotp.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/市交通运输局:${username}@jtj`);
    expect(uri.searchParams.get('issuer')).toBe('市交通运输局');
    const secret = uri.searchParams.get('secret')!;
    expect(secret).toBe(res.data.enrolTotp.secret);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    secrets[username] = secret;
    confirmedWith[username] = code(secret);
    const confirmed = await gql(CONFIRM, { code: confirmedWith[username] }, token);
    expect(confirmed.errors).toBeUndefined();
    return confirmed.data.confirmTotp.recoveryCodes;
  }

  beforeAll(async () => {
    server = await startTestServer({ env: ENV });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj', ['admin', 'member', 'supervisor', 'secretary', 'leader', 'deputy'] as const);
    foreign = await server.token('szjg', 'admin');
    const users = await gql(`{ users(first: 100) { nodes { id username } } }`, {}, t.admin);
    for (const u of users.data.users.nodes) userIds[u.username] = u.id;
    // a TENANT_ADMIN over 市公路管理处党委: a sibling of 市公交集团党委, where secretary and member are
    const created = await gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'road-admin', displayName: '公路处组织员', password: 'road-admin-initial', orgId: ids['市公路管理处党委'] } },
      t.admin,
    );
    await gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: created.data.createUser.id, role: 'TENANT_ADMIN', orgId: ids['市公路管理处党委'] } },
      t.admin,
    );
    roadAdmin = (await firstSignIn(server.url, 'jtj', 'road-admin', 'road-admin-initial')).accessToken;
  });
  afterAll(() => server.close());

  it('computes RFC 6238 codes in the database (the RFC’s own test vector) and keeps secrets from the app role', async () => {
    // RFC 6238 appendix B, SHA-1, T = 59 s: step 1, 94287082 → its last six digits
    const vector = await su.query(`SELECT app_totp_code(convert_to('12345678901234567890', 'UTF8'), 1) AS c`);
    expect(vector.rows[0].c).toBe('287082');
    const pool = server.database.dataSource;
    const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    const sqlstate = async (sql: string) => {
      try {
        await withTransaction(pool, { tenantId, platform: true }, (tx) => tx.query(sql));
        return undefined;
      } catch (error) {
        return (error as { driverError?: { code?: string } }).driverError?.code;
      }
    };
    for (const sql of [
      `SELECT secret FROM user_totp`,
      `SELECT * FROM user_totp`,
      `SELECT app_totp_code(secret, 1) FROM user_totp`,
      `SELECT code_hash FROM recovery_codes`,
      `SELECT * FROM recovery_codes`,
      `SELECT 1 FROM recovery_codes WHERE code_hash <> ''`,
    ]) {
      expect({ sql, state: await sqlstate(sql) }).toEqual({ sql, state: '42501' });
    }
    expect(await sqlstate(`SELECT user_id, enabled_at, last_step FROM user_totp`)).toBeUndefined();
  });

  it('enrols with the otpauth URI and one confirming code, then signs in in two steps with real codes', async () => {
    expect(reasons(await gql(CONFIRM, { code: '123456' }, t.member))).toEqual(['CONFLICT/TOTP_NOT_ENROLLED']);
    const pending = await gql(ENROL, {}, t.member);
    const secret = pending.data.enrolTotp.secret;
    // a wrong code confirms nothing
    const wrong = String((Number(code(secret)) + 1) % 1_000_000).padStart(6, '0');
    expect(reasons(await gql(CONFIRM, { code: wrong }, t.member))).toEqual(['UNAUTHENTICATED/TOTP_CODE_INVALID']);
    expect((await gql(FACTOR, { id: userIds.member }, t.member)).data.node.totpEnabled).toBe(false);
    // a second enrolment replaces the pending secret: the first one's codes stop working
    const recovery = await enrol('member', t.member);
    recoveryOf.member = recovery;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    for (const c of recovery) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect((await gql(FACTOR, { id: userIds.member }, t.member)).data.node).toEqual({
      username: 'member',
      totpEnabled: true,
      recoveryCodesLeft: 10,
    });
    expect(reasons(await gql(ENROL, {}, t.member))).toEqual(['CONFLICT/TOTP_ALREADY_ENABLED']);
    // stored hashed: no recovery code in the table
    const stored = await su.query(`SELECT code_hash FROM recovery_codes WHERE user_id = $1`, [rawId(userIds.member)]);
    expect(stored.rows).toHaveLength(10);
    for (const c of recovery) expect(JSON.stringify(stored.rows)).not.toContain(c.replace(/-/g, ''));

    const first = await login('member');
    expect(first.data.login).toMatchObject({ step: 'TOTP', accessToken: null });
    const challenge = first.data.login.challengeToken;
    expect(codes(await gql(`{ viewer { username } }`, {}, challenge))).toEqual(['UNAUTHENTICATED']);
    expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, newPassword: 'Some#pass1' } }))).toEqual([
      'BAD_USER_INPUT/SIGN_IN_STEP_INPUT',
    ]);
    expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, totpCode: wrong } }))).toEqual([
      'UNAUTHENTICATED/TOTP_CODE_INVALID',
    ]);
    // the confirming code was this step's: the next step's code (within the window) signs in
    const next = code(secrets.member, 1);
    const done = await gql(COMPLETE, { input: { challengeToken: challenge, totpCode: next } });
    expect(done.data.completeSignIn.step).toBe('DONE');
    expect((await gql(`{ viewer { username } }`, {}, done.data.completeSignIn.accessToken)).data.viewer.username).toBe('member');
    // the same code again, inside its window, with a fresh challenge: refused (no replay)
    const again = await login('member');
    expect(reasons(await gql(COMPLETE, { input: { challengeToken: again.data.login.challengeToken, totpCode: next } }))).toEqual([
      'UNAUTHENTICATED/TOTP_CODE_INVALID',
    ]);
    t.member = done.data.completeSignIn.accessToken;
  });

  it('binds a challenge token to its user: another user’s code, a forged or an expired token open nothing', async () => {
    const { accessToken } = (await login('supervisor')).data.login;
    await enrol('supervisor', accessToken);
    const memberChallenge = (await login('member')).data.login.challengeToken;
    // the supervisor's valid code, sent with the member's challenge
    expect(reasons(await gql(COMPLETE, { input: { challengeToken: memberChallenge, totpCode: code(secrets.supervisor, 1) } }))).toEqual([
      'UNAUTHENTICATED/TOTP_CODE_INVALID',
    ]);
    const [h, p, s] = memberChallenge.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: rawId(userIds.supervisor) })).toString('base64url')}.${s}`;
    const expired = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.iat - 1 })).toString('base64url')}.${s}`;
    for (const token of [forged, expired, accessToken]) {
      expect(reasons(await gql(COMPLETE, { input: { challengeToken: token, totpCode: code(secrets.supervisor, 1) } }))).toEqual([
        'UNAUTHENTICATED/SIGN_IN_CHALLENGE_INVALID',
      ]);
    }
    // a challenge is no access token, and an access token is no challenge
    expect(claims.aud).toBe('party-platform-api#sign-in');
  });

  it('takes a recovery code once, even sent 20 times at once', async () => {
    const token = (await login('deputy')).data.login.accessToken;
    const recovery = await enrol('deputy', token);
    // twenty challenges, one sign-in after the other (concurrent sign-ins of one account meet its throttle)
    const challenges: string[] = [];
    for (let i = 0; i < 20; i++) challenges.push((await login('deputy')).data.login.challengeToken);
    const answers = await Promise.all(
      challenges.map((challengeToken) => gql(COMPLETE, { input: { challengeToken, recoveryCode: recovery[0].toUpperCase() } })),
    );
    const done = answers.filter((a) => a.data?.completeSignIn?.step === 'DONE');
    expect(done).toHaveLength(1);
    for (const a of answers.filter((x) => x.errors)) {
      expect(a.status).toBeLessThan(500);
      expect(['UNAUTHENTICATED/TOTP_CODE_INVALID', 'RATE_LIMITED/TOTP_RATE_LIMITED']).toContain(reasons(a)[0]);
    }
    expect((await gql(FACTOR, { id: userIds.deputy }, t.admin)).data.node.recoveryCodesLeft).toBe(9);
    const used = await su.query(`SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NOT NULL`, [
      rawId(userIds.deputy),
    ]);
    expect(used.rows[0].n).toBe(1);
  });

  it('throttles the code step on its own: past the limit even the right code waits', async () => {
    const token = (await login('leader')).data.login.accessToken;
    await enrol('leader', token);
    const challenge = (await login('leader')).data.login.challengeToken;
    const tries = [];
    for (let i = 0; i < 10; i++) tries.push(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, totpCode: '000000' } }))[0]);
    expect(tries.filter((r) => r === 'UNAUTHENTICATED/TOTP_CODE_INVALID').length).toBeGreaterThanOrEqual(9);
    const limited = await gql(COMPLETE, { input: { challengeToken: challenge, totpCode: code(secrets.leader, 1) } });
    expect(limited.status).toBe(429);
    expect(limited.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'TOTP_RATE_LIMITED' });
    expect(Number(limited.errors![0].extensions!.retryAfterSeconds)).toBeGreaterThan(800);
    // the password throttle is another: the leader still passes the password step
    expect((await login('leader')).data.login.step).toBe('TOTP');
  });

  it('lets a user disable its own factor with a current code or a recovery code', async () => {
    expect(reasons(await gql(DISABLE, { input: {} }, t.member))).toEqual(['BAD_USER_INPUT/SIGN_IN_STEP_INPUT']);
    expect(reasons(await gql(DISABLE, { input: { recoveryCode: 'aaaa-bbbb-cccc-dddd' } }, t.member))).toEqual([
      'UNAUTHENTICATED/TOTP_CODE_INVALID',
    ]);
    expect((await gql(DISABLE, { input: { recoveryCode: recoveryOf.member[3] } }, t.member)).data.disableTotp).toBe(true);
    expect((await gql(FACTOR, { id: userIds.member }, t.member)).data.node).toMatchObject({ totpEnabled: false, recoveryCodesLeft: 0 });
    expect(await su.query(`SELECT 1 FROM recovery_codes WHERE user_id = $1`, [rawId(userIds.member)])).toMatchObject({ rowCount: 0 });
    expect((await login('member')).data.login.step).toBe('DONE');
    // with a current code: the enrolment used this step's code, so the next step's is current and unused
    const inspector = (await login('inspector')).data.login.accessToken;
    await enrol('inspector', inspector);
    expect(reasons(await gql(DISABLE, { input: { totpCode: confirmedWith.inspector } }, inspector))).toEqual([
      'UNAUTHENTICATED/TOTP_CODE_INVALID',
    ]);
    expect((await gql(DISABLE, { input: { totpCode: code(secrets.inspector, 1) } }, inspector)).data.disableTotp).toBe(true);
    expect((await login('inspector')).data.login.step).toBe('DONE');
    expect(reasons(await gql(DISABLE, { input: { totpCode: code(secrets.inspector, 1) } }, inspector))).toEqual([
      'CONFLICT/TOTP_NOT_ENABLED',
    ]);
  });

  it('follows the policy: a required role enrols during sign-in, cannot disable itself; an admin over it can, nobody else', async () => {
    expect(reasons(await gql(UPDATE_POLICY, { input: { totpRoles: ['SECRETARY'] } }, roadAdmin))).toEqual(['FORBIDDEN/NOT_POLICY_ADMIN']);
    const policy = await gql(UPDATE_POLICY, { input: { totpRoles: ['SECRETARY', 'SECRETARY'] } }, t.admin);
    expect(policy.data.updateAccountPolicy).toEqual({ totpRoles: ['SECRETARY'], totpRoleLabels: ['书记'] });
    // the secretary's open session stays; its next sign-in asks for enrolment first
    const first = await login('secretary');
    expect(first.data.login.step).toBe('TOTP_ENROLMENT');
    const challenge = first.data.login.challengeToken;
    expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, totpCode: '123456' } }))).toEqual([
      'CONFLICT/TOTP_NOT_ENROLLED',
    ]);
    const pending = await gql(ENROL, { input: { challengeToken: challenge } });
    expect(pending.errors).toBeUndefined();
    secrets.secretary = pending.data.enrolTotp.secret;
    const done = await gql(COMPLETE, { input: { challengeToken: challenge, totpCode: code(secrets.secretary) } });
    expect(done.data.completeSignIn.step).toBe('DONE');
    expect(done.data.completeSignIn.recoveryCodes).toHaveLength(10);
    const token = done.data.completeSignIn.accessToken;
    // the enrolment challenge is spent
    expect(reasons(await gql(ENROL, { input: { challengeToken: challenge } }))).toEqual(['UNAUTHENTICATED/SIGN_IN_CHALLENGE_INVALID']);
    expect(reasons(await gql(DISABLE, { input: { totpCode: code(secrets.secretary, 1) } }, token))).toEqual([
      'CONFLICT/TOTP_REQUIRED_BY_POLICY',
    ]);
    // an admin disables it (a lost phone): refused to the member, the supervisor, another tenant and the sibling subtree's admin
    for (const other of [t.member, t.supervisor, foreign, roadAdmin]) {
      expect(reasons(await gql(DISABLE_FOR, { id: userIds.secretary }, other))).toEqual(['NOT_FOUND/USER_NOT_FOUND']);
    }
    const off = await gql(DISABLE_FOR, { id: userIds.secretary }, t.admin);
    expect(off.data.disableUserTotp).toEqual({ username: 'secretary', totpEnabled: false, recoveryCodesLeft: 0 });
    expect((await login('secretary')).data.login.step).toBe('TOTP_ENROLMENT');
    await gql(UPDATE_POLICY, { input: { totpRoles: [] } }, t.admin);
    expect((await login('secretary')).data.login.step).toBe('DONE');
  });

  it('asks a reset account with a factor for its code first, then for the new password', async () => {
    const reset = await gql(
      `mutation($id: ID!) { resetPassword(input: { userId: $id }) { temporaryPassword } }`,
      { id: userIds.supervisor },
      t.admin,
    );
    const temporary = reset.data.resetPassword.temporaryPassword;
    const first = await login('supervisor', temporary);
    expect(first.data.login.step).toBe('TOTP');
    const second = await gql(COMPLETE, {
      input: { challengeToken: first.data.login.challengeToken, totpCode: code(secrets.supervisor, 1) },
    });
    expect(second.data.completeSignIn).toMatchObject({ step: 'PASSWORD_CHANGE', accessToken: null });
    // the password step's token is no second-factor token
    expect(
      reasons(
        await gql(COMPLETE, { input: { challengeToken: second.data.completeSignIn.challengeToken, totpCode: code(secrets.supervisor) } }),
      ),
    ).toEqual(['BAD_USER_INPUT/SIGN_IN_STEP_INPUT']);
    const done = await gql(COMPLETE, { input: { challengeToken: second.data.completeSignIn.challengeToken, newPassword: 'Fresh#Start9' } });
    expect(done.data.completeSignIn.step).toBe('DONE');
  });
});
