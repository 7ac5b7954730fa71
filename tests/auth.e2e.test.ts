import jwt from 'jsonwebtoken';
import {
  TEST_JWT_SECRET,
  TestServer,
  codes,
  lockWaiters,
  startTestServer,
  GqlResponse,
  firstSignIn,
  tokens,
  reasons,
} from './helpers/server';
import { count } from './helpers/sql';
import { generateSync } from 'otplib';
import { Client } from 'pg';
import { withTransaction } from '../src/db/request-transaction';
import { rawId, globalId } from './helpers/ids';
import { orgIds } from './helpers/story';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Signing in (issues 2, 15 and 16): passwords and tokens, RS256 and algorithm confusion, the second factor
 * (TOTP and recovery codes), and single sign-on with a tenant's OpenID Connect provider run inside the test.
 * Each part with its own server (and provider); one file so the app loads once.
 */

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken expiresAt viewer { kind username tenant { slug } user { username } roles { role org { name } } } } }`;
const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }`;
const VIEWER = `{ viewer { username kind } }`;

describe('sign-in and tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const login = (tenant: string | null, username: string, password = 'demo') =>
    server.gql(LOGIN, { input: { tenant, username, password } });

  it('signs a demo user in and returns tokens and the viewer with scoped roles', async () => {
    const res = await login('jtj', 'secretary');
    expect(res.errors).toBeUndefined();
    const { accessToken, refreshToken, expiresAt, viewer } = res.data.login;
    expect(viewer).toEqual({
      kind: 'USER',
      username: 'secretary',
      tenant: { slug: 'jtj' },
      user: { username: 'secretary' },
      roles: [{ role: 'SECRETARY', org: { name: '第一车队党支部' } }],
    });
    const claims = jwt.verify(accessToken, TEST_JWT_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims.iss).toBe('party-platform');
    expect(claims.aud).toBe('party-platform-api');
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(new Date(expiresAt).getTime()).toBe(claims.exp! * 1000);
    expect(refreshToken).toMatch(/^[0-9a-f-]{36}\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const me = await server.gql(VIEWER, {}, accessToken);
    expect(me.data.viewer).toEqual({ username: 'secretary', kind: 'USER' });
  });

  it('gives one generic error for a wrong password, an unknown user and an unknown tenant', async () => {
    const results = await Promise.all([login('jtj', 'secretary', 'wrong'), login('jtj', 'nobody'), login('nowhere', 'admin')]);
    for (const res of results) {
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
      expect(res.errors![0].message).toBe('单位、用户名或密码不正确');
    }
    // the same refusal in English for a client that asks for it
    const english = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'en-US,en;q=0.9,zh;q=0.5' },
      body: JSON.stringify({
        query: `mutation { login(input: { tenant: "jtj", username: "secretary", password: "wrong" }) { accessToken } }`,
      }),
    });
    const body = (await english.json()) as { errors: { message: string; extensions: unknown }[] };
    expect(body.errors[0]).toMatchObject({
      message: 'Invalid tenant, username or password',
      extensions: { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' },
    });
  });

  it('keeps a user of one tenant out of another tenant with the same username', async () => {
    const jtj = (await login('jtj', 'admin')).data.login.viewer;
    const szjg = (await login('szjg', 'admin')).data.login.viewer;
    expect(jtj.tenant.slug).toBe('jtj');
    expect(szjg.tenant.slug).toBe('szjg');
    expect(jtj.roles[0].org.name).toBe('中共市交通运输局党委');
    expect(szjg.roles[0].org.name).toBe('中共市直机关工委');
  });

  it('rotates refresh tokens and revokes the whole family when a rotated one is reused', async () => {
    const first = (await login('jtj', 'leader')).data.login.refreshToken;
    const second = await server.gql(REFRESH, { t: first });
    expect(second.errors).toBeUndefined();
    const secondRefresh = second.data.refreshToken.refreshToken;
    expect(secondRefresh).not.toBe(first);
    expect((await server.gql(VIEWER, {}, second.data.refreshToken.accessToken)).data.viewer.username).toBe('leader');

    const replay = await server.gql(REFRESH, { t: first });
    expect(codes(replay)).toEqual(['UNAUTHENTICATED']);
    // the replay revoked the family: the legitimate newer token is dead too
    expect(codes(await server.gql(REFRESH, { t: secondRefresh }))).toEqual(['UNAUTHENTICATED']);
  });

  it('logs out by revoking the refresh token', async () => {
    const token = (await login('jtj', 'deputy')).data.login.refreshToken;
    const out = await server.gql(`mutation($t: String!) { logout(input: { refreshToken: $t }) }`, { t: token });
    expect(out.data).toEqual({ logout: true });
    expect(codes(await server.gql(REFRESH, { t: token }))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a garbled or forged refresh token', async () => {
    const real = (await login('jtj', 'member')).data.login.refreshToken as string;
    const forged = real.slice(0, -4) + (real.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const t of ['nonsense', forged]) expect(codes(await server.gql(REFRESH, { t }))).toEqual(['UNAUTHENTICATED']);
  });

  describe('access tokens', () => {
    let good: string;
    let claims: jwt.JwtPayload;
    beforeAll(async () => {
      good = (await login('jtj', 'admin')).data.login.accessToken;
      claims = jwt.decode(good) as jwt.JwtPayload;
    });
    const sign = (payload: object, options: jwt.SignOptions = {}, key: string = TEST_JWT_SECRET) =>
      jwt.sign(payload, key, { algorithm: 'HS256', ...options });
    const base = () => ({ sub: claims.sub, tid: claims.tid, kind: 'user', iss: 'party-platform', aud: 'party-platform-api' });

    it('accepts a well-formed token', async () => {
      expect((await server.gql(VIEWER, {}, sign({ ...base(), exp: Math.floor(Date.now() / 1000) + 60 }))).data.viewer.username).toBe(
        'admin',
      );
    });

    const cases: [string, () => string][] = [
      [
        'alg none',
        () =>
          `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...base(), exp: 9999999999 })).toString('base64url')}.`,
      ],
      ['a wrong key', () => sign({ ...base(), exp: Math.floor(Date.now() / 1000) + 60 }, {}, 'another-secret-of-enough-length-000000')],
      [
        'a tampered payload',
        () => {
          const [h, , s] = good.split('.');
          return `${h}.${Buffer.from(JSON.stringify({ ...claims, tid: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${s}`;
        },
      ],
      ['an expired token', () => sign({ ...base(), exp: Math.floor(Date.now() / 1000) - 60 })],
      [
        'a not-yet-valid token',
        () => sign({ ...base(), exp: Math.floor(Date.now() / 1000) + 600, nbf: Math.floor(Date.now() / 1000) + 300 }),
      ],
      ['a wrong issuer', () => sign({ ...base(), iss: 'evil', exp: Math.floor(Date.now() / 1000) + 60 })],
      ['a wrong audience', () => sign({ ...base(), aud: 'other-api', exp: Math.floor(Date.now() / 1000) + 60 })],
      ['an HS512 token', () => sign({ ...base(), exp: Math.floor(Date.now() / 1000) + 60 }, { algorithm: 'HS512' })],
      ['garbage', () => 'not.a.jwt'],
    ];
    it.each(cases)('refuses %s with UNAUTHENTICATED and HTTP 401', async (_name, make) => {
      const res = await server.gql(VIEWER, {}, make());
      expect(res.status).toBe(401);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.data).toBeUndefined();
    });

    it('refuses a disabled user’s still-valid token at its next request, and its refresh token', async () => {
      const session = (await login('jtj', 'secretary2')).data.login;
      expect((await server.gql(VIEWER, {}, session.accessToken)).data.viewer.username).toBe('secretary2');
      const users = await server.gql(`{ users(search: "secretary2") { nodes { id } } }`, {}, good);
      const userId = users.data.users.nodes[0].id;
      const disabled = await server.gql(
        `mutation($id: ID!) { setUserDisabled(input: { userId: $id, disabled: true }) { disabled } }`,
        { id: userId },
        good,
      );
      expect(disabled.data.setUserDisabled.disabled).toBe(true);
      expect(codes(await server.gql(VIEWER, {}, session.accessToken))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await server.gql(REFRESH, { t: session.refreshToken }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await login('jtj', 'secretary2'))).toEqual(['UNAUTHENTICATED']);
    });

    it('keeps a session the disable ended dead after the account is enabled again; a new sign-in works', async () => {
      const session = (await login('jtj', 'deputy')).data.login;
      expect((await server.gql(VIEWER, {}, session.accessToken)).data.viewer.username).toBe('deputy');
      const users = await server.gql(`{ users(search: "deputy") { nodes { id username } } }`, {}, good);
      const userId = users.data.users.nodes.find((u: { username: string }) => u.username === 'deputy').id;
      const setDisabled = (disabled: boolean) =>
        server.gql(
          `mutation($id: ID!, $d: Boolean!) { setUserDisabled(input: { userId: $id, disabled: $d }) { disabled } }`,
          { id: userId, d: disabled },
          good,
        );
      expect((await setDisabled(true)).data.setUserDisabled.disabled).toBe(true);
      expect(codes(await server.gql(VIEWER, {}, session.accessToken))).toEqual(['UNAUTHENTICATED']);
      expect((await setDisabled(false)).data.setUserDisabled.disabled).toBe(false);
      // the access token issued before the disable does not come back to life with the account
      const revived = await server.gql(VIEWER, {}, session.accessToken);
      expect(revived.status).toBe(401);
      expect(codes(revived)).toEqual(['UNAUTHENTICATED']);
      expect(codes(await server.gql(REFRESH, { t: session.refreshToken }))).toEqual(['UNAUTHENTICATED']);
      const again = (await login('jtj', 'deputy')).data.login;
      expect((await server.gql(VIEWER, {}, again.accessToken)).data.viewer.username).toBe('deputy');
    });
  });

  describe('one identity per request', () => {
    const SETTINGS = `updateTenantSettings(input: { timezone: "Pacific/Kiritimati" }) { timezone }`;
    const OTHER_SETTINGS = `updateTenantSettings(input: { timezone: "Pacific/Chatham" }) { timezone }`;
    const zones = async () =>
      Object.fromEntries(
        (
          await (
            await server.superuser()
          ).query<{ slug: string; zone: string | null }>(`SELECT slug, settings->>'timezone' AS zone FROM tenants`)
        ).rows.map((r) => [r.slug, r.zone]),
      );
    const tenantId = async (slug: string) =>
      (await (await server.superuser()).query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [slug])).rows[0].id;
    const answers = (res: GqlResponse) => (res.errors ?? []).map((e) => [e.path?.[0], e.extensions?.code, e.extensions?.reason]);

    it('keeps a signed-in viewer in its tenant: a token naming another tenant switches nothing for later fields', async () => {
      const admin = (await login('jtj', 'admin')).data.login.accessToken;
      const before = await zones();
      const szjg = await tenantId('szjg');
      const audited = async () =>
        (
          await (
            await server.superuser()
          ).query<{ slug: string; n: number }>(
            `SELECT t.slug, count(a.*)::int AS n FROM tenants t LEFT JOIN audit_log a ON a.tenant_id = t.id AND a.action = 'updateTenantSettings' GROUP BY t.slug`,
          )
        ).rows;
      const foreign = { t: `${szjg}.00000000-0000-0000-0000-000000000000.${'A'.repeat(43)}`, s: `${szjg}.${'A'.repeat(43)}` };
      for (const field of ['logout(input: { refreshToken: $t })', 'refreshToken(input: { refreshToken: $t }) { accessToken }']) {
        const auditBefore = await audited();
        const res = await server.gql(
          `mutation($t: String!, $s: String!) { a: ${field} b: ${SETTINGS} c: signInWithSso(input: { token: $s }) { accessToken } }`,
          foreign,
          admin,
        );
        expect(res.status).toBeLessThan(500);
        // a is refused (a non-null field: the fields after it do not run), and nothing changed anywhere
        expect(await zones()).toEqual(before);
        expect(answers(res)).toEqual([['a', 'FORBIDDEN', 'IDENTITY_FIXED']]);
        expect(res.data).toBeNull();
        expect(await audited()).toEqual(auditBefore);
      }
      // alone, too: the viewer's transaction never moves to the token's tenant
      const alone = await server.gql(`mutation($t: String!) { logout(input: { refreshToken: $t }) }`, foreign, admin);
      expect(answers(alone)).toEqual([['logout', 'FORBIDDEN', 'IDENTITY_FIXED']]);
      // nor does a field after another: the viewer's own settings change, in its own tenant, audited there
      const auditBefore = await audited();
      const after = await server.gql(
        `mutation($s: String!) { b: ${SETTINGS} c: signInWithSso(input: { token: $s }) { accessToken } }`,
        foreign,
        admin,
      );
      expect(answers(after)).toEqual([['c', 'FORBIDDEN', 'IDENTITY_FIXED']]);
      expect(await zones()).toEqual({ ...before, jtj: 'Pacific/Kiritimati' });
      expect(await audited()).toEqual(auditBefore.map((r) => (r.slug === 'jtj' ? { ...r, n: r.n + 1 } : r)));
      await server.gql(`mutation { updateTenantSettings(input: { timezone: "Asia/Shanghai" }) { timezone } }`, {}, admin);
    });

    it('lets a sign-in by token be the only field of its document, so its identity reaches no other field', async () => {
      const before = await zones();
      const session = (await login('szjg', 'admin')).data.login;
      const res = await server.gql(
        `mutation($t: String!) { a: refreshToken(input: { refreshToken: $t }) { accessToken } b: ${OTHER_SETTINGS} }`,
        {
          t: session.refreshToken,
        },
      );
      expect(res.status).toBeLessThan(500);
      expect(await zones()).toEqual(before);
      expect(answers(res)).toEqual([['a', 'BAD_USER_INPUT', 'SIGN_IN_ALONE']]);
      const out = await server.gql(`mutation($t: String!) { a: logout(input: { refreshToken: $t }) b: ${OTHER_SETTINGS} }`, {
        t: session.refreshToken,
      });
      expect(answers(out)[0]).toEqual(['a', 'BAD_USER_INPUT', 'SIGN_IN_ALONE']);
      expect(await zones()).toEqual(before);
      // refused before it touched anything: the token still works, alone
      expect((await server.gql(REFRESH, { t: session.refreshToken })).errors).toBeUndefined();
    });
  });

  it('stores refresh tokens hashed and passwords with scrypt', async () => {
    const token = (await login('jtj', 'inspector')).data.login.refreshToken as string;
    const su = await server.superuser();
    const secret = token.split('.')[2];
    expect(await count(su, 'refresh_tokens', 'token_hash = $1', [secret])).toBe(0);
    const users = await su.query(`SELECT DISTINCT split_part(password_hash, '$', 1) AS kdf FROM users`);
    expect(users.rows).toEqual([{ kdf: 'scrypt' }]);
  });
});

describe('RS256 keys and algorithm confusion', () => {
  let server: TestServer;
  let publicKey: string;
  let privateKey: string;
  beforeAll(async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    publicKey = pair.publicKey;
    privateKey = pair.privateKey;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'party-keys-'));
    writeFileSync(path.join(dir, 'private.pem'), privateKey);
    writeFileSync(path.join(dir, 'public.pem'), publicKey);
    server = await startTestServer({
      env: { JWT_PRIVATE_KEY_FILE: path.join(dir, 'private.pem'), JWT_PUBLIC_KEY_FILE: path.join(dir, 'public.pem') },
    });
  });
  afterAll(() => server.close());

  it('signs with RS256 and refuses an HS256 token keyed with the public key (HS/RS confusion)', async () => {
    const token = await server.token('jtj', 'admin');
    expect((jwt.decode(token, { complete: true }) as jwt.Jwt).header.alg).toBe('RS256');
    const claims = jwt.decode(token) as jwt.JwtPayload;
    expect((await server.gql(VIEWER, {}, token)).data.viewer.username).toBe('admin');
    // forge: HS256 with the (public) RSA key as the HMAC secret
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const { createHmac } = await import('node:crypto');
    const forged = `${header}.${body}.${createHmac('sha256', publicKey).update(`${header}.${body}`).digest('base64url')}`;
    const res = await server.gql(VIEWER, {}, forged);
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

/**
 * Issue 15, the second factor, through HTTP, with real codes computed by otplib from the enrolment's
 * otpauth:// URI: enrolment confirmed by one code, sign-in in two steps (a challenge token, then the
 * code or a recovery code), a code replayed inside its window, a challenge token used with another
 * user's code, a recovery code sent 20 times at once, the step's own throttle, the tenant's policy
 * requiring a factor for a role (enrolment during sign-in), disabling by the user and by an admin over
 * it only, and the database wall around secrets and recovery codes.
 */
const ENV = {
  RATE_LIMIT_USER_PER_MINUTE: '0',
  RATE_LIMIT_TENANT_PER_MINUTE: '0',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
  LOGIN_LIMIT_PER_ADDRESS: '100000',
};

const TOTP_LOGIN = `mutation($input: LoginInput!) { login(input: $input) { step accessToken challengeToken recoveryCodes } }`;
const COMPLETE = `mutation($input: CompleteSignInInput!) { completeSignIn(input: $input) { step stepLabel accessToken challengeToken recoveryCodes } }`;
const ENROL = `mutation($input: EnrolTotpInput) { enrolTotp(input: $input) { otpauthUri secret } }`;
const CONFIRM = `mutation($code: String!) { confirmTotp(input: { totpCode: $code }) { recoveryCodes } }`;
const DISABLE = `mutation($input: DisableTotpInput!) { disableTotp(input: $input) }`;
const DISABLE_FOR = `mutation($id: ID!) { disableUserTotp(input: { userId: $id }) { username totpEnabled recoveryCodesLeft } }`;
const FACTOR = `query($id: ID!) { node(id: $id) { ... on User { username totpEnabled recoveryCodesLeft } } }`;
const UPDATE_POLICY = `mutation($input: UpdateAccountPolicyInput!) { updateAccountPolicy(input: $input) { totpRoles totpRoleLabels } }`;

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
  const login = (username: string, password = 'demo') => gql(TOTP_LOGIN, { input: { tenant: 'jtj', username, password } });
  const unlock = (username: string) =>
    gql(`mutation($id: ID!) { unlockUser(input: { userId: $id }) { username } }`, { id: userIds[username] }, t.admin);

  /** Enrols a signed-in user: the URI read as an authenticator reads it, confirmed with the code it shows. */
  async function enrol(username: string, token: string): Promise<string[]> {
    const res = await gql(ENROL, { input: { password: 'demo' } }, token);
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
    const pending = await gql(ENROL, { input: { password: 'demo' } }, t.member);
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
    expect(reasons(await gql(ENROL, { input: { password: 'demo' } }, t.member))).toEqual(['CONFLICT/TOTP_ALREADY_ENABLED']);
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

  it('asks a signed-in user for its current password to enrol, counting wrong ones as sign-in’s: a stolen token binds nothing', async () => {
    const token = await server.token('jtj', 'secretary2');
    const pending = async () =>
      (await su.query(`SELECT count(*)::int AS n FROM user_totp WHERE user_id = $1`, [rawId(userIds.secretary2)])).rows[0].n;
    const unlock = () => gql(`mutation($id: ID!) { unlockUser(input: { userId: $id }) { username } }`, { id: userIds.secretary2 }, t.admin);
    expect(reasons(await gql(ENROL, {}, token))).toEqual(['BAD_USER_INPUT/TOTP_ENROL_PASSWORD_REQUIRED']);
    expect(reasons(await gql(ENROL, { input: { password: '' } }, token))).toEqual(['BAD_USER_INPUT/TOTP_ENROL_PASSWORD_REQUIRED']);
    const wrong = await gql(ENROL, { input: { password: 'not-the-password' } }, token);
    expect(reasons(wrong)).toEqual(['BAD_USER_INPUT/REAUTHENTICATION_FAILED']);
    expect(wrong.errors![0].message).toBe('当前密码不正确，操作未执行');
    expect(await pending()).toBe(0);
    // each wrong password counts as a wrong sign-in's: toward the lockout (the fifth locks the account) and
    // against the account's sign-in throttle (LOGIN_LIMIT_PER_ACCOUNT, 10): past it even the right password
    // waits, at enrolment, at changePassword and at sign-in alike
    for (let i = 2; i <= 10; i++) {
      expect(reasons(await gql(ENROL, { input: { password: `guess-${i}` } }, token))).toEqual(['BAD_USER_INPUT/REAUTHENTICATION_FAILED']);
    }
    const lock = await su.query(`SELECT failed_sign_ins, locked_at IS NOT NULL AS locked FROM users WHERE id = $1`, [
      rawId(userIds.secretary2),
    ]);
    expect(lock.rows[0]).toEqual({ failed_sign_ins: 5, locked: true });
    const limited = await gql(ENROL, { input: { password: 'demo' } }, token);
    expect(limited.status).toBe(429);
    expect(limited.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'SIGN_IN_RATE_LIMITED' });
    expect(reasons(await login('secretary2'))).toEqual(['RATE_LIMITED/SIGN_IN_RATE_LIMITED']);
    const change = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { step } }`;
    expect(reasons(await gql(change, { input: { currentPassword: 'demo', newPassword: 'Never#Set-99' } }, token))).toEqual([
      'RATE_LIMITED/SIGN_IN_RATE_LIMITED',
    ]);
    expect(await pending()).toBe(0);
    // an admin's unlock clears the count; a locked account is refused like a wrong password
    await unlock();
    await su.query(`UPDATE users SET locked_at = now(), locked_until = NULL WHERE id = $1`, [rawId(userIds.secretary2)]);
    expect(reasons(await gql(ENROL, { input: { password: 'demo' } }, token))).toEqual(['BAD_USER_INPUT/REAUTHENTICATION_FAILED']);
    await unlock();
    const started = await gql(ENROL, { input: { password: 'demo' } }, token);
    expect(started.errors).toBeUndefined();
    expect(started.data.enrolTotp.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await pending()).toBe(1);
    // the refusals are in the audit trail, the password is not
    const audit = await su.query(`SELECT reason, data::text AS data FROM audit_log WHERE action = 'enrolTotp' AND outcome <> 'SUCCESS'`);
    expect(audit.rows.map((r) => r.reason)).toContain('REAUTHENTICATION_FAILED');
    expect(audit.rows.map((r) => r.data).join()).not.toContain('guess-');
  });

  it('binds a challenge token to its user: another user’s code, a forged or an expired token open nothing', async () => {
    const { accessToken } = (await login('supervisor')).data.login;
    recoveryOf.supervisor = await enrol('supervisor', accessToken);
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

  it('counts a wrong code at the second-factor step as a failed sign-in: the fifth locks, and the password alone clears nothing', async () => {
    const account = async () =>
      (await su.query(`SELECT failed_sign_ins AS n, locked_at IS NOT NULL AS locked FROM users WHERE id = $1`, [rawId(userIds.supervisor)]))
        .rows[0];
    const wrong = (challengeToken: string) => gql(COMPLETE, { input: { challengeToken, totpCode: '000000' } });
    const WRONG = ['UNAUTHENTICATED/TOTP_CODE_INVALID'];
    let challenge = (await login('supervisor')).data.login.challengeToken;
    for (let i = 0; i < 4; i++) expect(reasons(await wrong(challenge))).toEqual(WRONG);
    expect(await account()).toEqual({ n: 4, locked: false });
    // the right password again resets nothing: with a factor to follow, the count waits for the factor
    challenge = (await login('supervisor')).data.login.challengeToken;
    expect(await account()).toEqual({ n: 4, locked: false });
    expect(reasons(await wrong(challenge))).toEqual(WRONG);
    expect(await account()).toEqual({ n: 5, locked: true });
    // locked: the challenge opens nothing, not even with a right recovery code, and the password is refused as a wrong one
    expect(reasons(await gql(COMPLETE, { input: { challengeToken: challenge, recoveryCode: recoveryOf.supervisor[0] } }))).toEqual([
      'UNAUTHENTICATED/SIGN_IN_CHALLENGE_INVALID',
    ]);
    expect(reasons(await login('supervisor'))).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
    expect(await account()).toEqual({ n: 5, locked: true });
    await unlock('supervisor');
    // a right second factor clears the count
    challenge = (await login('supervisor')).data.login.challengeToken;
    expect(reasons(await wrong(challenge))).toEqual(WRONG);
    expect(await account()).toEqual({ n: 1, locked: false });
    const done = await gql(COMPLETE, { input: { challengeToken: challenge, recoveryCode: recoveryOf.supervisor[0] } });
    expect(done.data.completeSignIn.step).toBe('DONE');
    expect(await account()).toEqual({ n: 0, locked: false });
    // a code asked of a signed-in user (a stolen access token) is counted the same
    const token = done.data.completeSignIn.accessToken;
    expect(reasons(await gql(DISABLE, { input: { totpCode: '000000' } }, token))).toEqual(WRONG);
    expect(reasons(await gql(DISABLE, { input: { recoveryCode: 'aaaa-bbbb-cccc-dddd' } }, token))).toEqual(WRONG);
    expect(await account()).toEqual({ n: 2, locked: false });
    expect((await gql(FACTOR, { id: userIds.supervisor }, t.admin)).data.node.totpEnabled).toBe(true);
    await unlock('supervisor');
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
    // the others, each a failed sign-in: the fifth locked the account, whose challenges open nothing more
    for (const a of answers.filter((x) => x.errors)) {
      expect(a.status).toBeLessThan(500);
      expect([
        'UNAUTHENTICATED/TOTP_CODE_INVALID',
        'RATE_LIMITED/TOTP_RATE_LIMITED',
        'UNAUTHENTICATED/SIGN_IN_CHALLENGE_INVALID',
      ]).toContain(reasons(a)[0]);
    }
    const lock = await su.query(`SELECT failed_sign_ins AS n, locked_at IS NOT NULL AS locked FROM users WHERE id = $1`, [
      rawId(userIds.deputy),
    ]);
    expect(lock.rows[0]).toEqual({ n: 5, locked: true });
    await unlock('deputy');
    expect((await gql(FACTOR, { id: userIds.deputy }, t.admin)).data.node.recoveryCodesLeft).toBe(9);
    const used = await su.query(`SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NOT NULL`, [
      rawId(userIds.deputy),
    ]);
    expect(used.rows[0].n).toBe(1);
  });

  it('throttles the code step on its own: past the limit even the right code waits, until an admin unlocks', async () => {
    // a lockout above the throttle, so that the throttle is what stops the guesses here
    await gql(UPDATE_POLICY, { input: { lockoutThreshold: 20 } }, t.admin);
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
    await gql(UPDATE_POLICY, { input: { lockoutThreshold: 5 } }, t.admin);
    // an admin's unlock lets the owner in at once: the code step's throttle is cleared with the lock
    await unlock('leader');
    const again = (await login('leader')).data.login.challengeToken;
    const done = await gql(COMPLETE, { input: { challengeToken: again, totpCode: code(secrets.leader, 1) } });
    expect(done.errors).toBeUndefined();
    expect(done.data.completeSignIn.step).toBe('DONE');
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

/**
 * Issue 15, single sign-on, end to end against a real OpenID Connect provider (oidc-provider 8, in a child
 * process on loopback): the browser's redirects driven with fetch, the provider's own login and consent,
 * the code exchanged by the server with PKCE, the ID token checked by openid-client. Then the attacks: a
 * forged state, a replayed callback, a replayed code, an ID token for another client, a subject unknown to
 * the tenant, a linked user disabled locally, the one-time code replayed; and who may configure and link.
 */
const NO_LIMITS = { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' };
const SECRET = 'jtj-client-secret-0123456789';
const RETURN = 'http://127.0.0.1:9/after-sign-in';

describe('single sign-on with a tenant’s OpenID Connect provider', () => {
  let server: TestServer;
  let su: Client;
  let provider: ChildProcess;
  let issuer: string;
  let root: string;
  let member: string;
  let otherRoot: string;
  let callbackBase: string;

  const gql = (q: string, v: Record<string, unknown> = {}, t?: string) => server.gql(q, v, t);
  const userId = async (username: string) =>
    globalId(
      'User',
      (await su.query(`SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'jtj' AND u.username = $1`, [username]))
        .rows[0].id,
    );

  /** Our own cookie as the browser holds it (one value per name and path): set by the start, cleared by the callback. */
  let ours: string | undefined;
  const keepOurs = (res: Response) => {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      if (!pair.startsWith('sso_browser=')) continue;
      const value = pair.slice('sso_browser='.length);
      ours = value && !/max-age=0\b/i.test(attributes.join(';')) ? value : undefined;
    }
  };

  /** The browser: our start route, then the provider's redirects (with its cookies) up to our callback URL, not followed. */
  async function authorize(loginHint: string, tenant = 'jtj'): Promise<string> {
    const started = await fetch(`${server.baseUrl}/sso/${tenant}/start`, { redirect: 'manual' });
    if (started.status !== 302) throw new Error(`start answered ${started.status}: ${await started.text()}`);
    keepOurs(started);
    const first = new URL(started.headers.get('location')!);
    first.searchParams.set('login_hint', loginHint);
    const jar = new Map<string, string>();
    let next = first.href;
    for (let hop = 0; hop < 12; hop++) {
      if (next.startsWith(callbackBase)) return next;
      const res = await fetch(next, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const cookie of res.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const at = pair.indexOf('=');
        jar.set(pair.slice(0, at).trim(), pair.slice(at + 1));
      }
      const location = res.headers.get('location');
      if (!location) throw new Error(`stuck at ${next}: ${res.status} ${await res.text()}`);
      next = new URL(location, next).href;
    }
    throw new Error('too many redirects');
  }

  /** Our callback (with the browser's cookie, or the one given; null: none): where it sends the browser back to, as the fragment's parameters. */
  async function callback(url: string, cookie: string | null = ours ?? null): Promise<Record<string, string>> {
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie: `sso_browser=${cookie}` } : {} });
    keepOurs(res);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(RETURN);
    expect(location.search).toBe('');
    return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
  }

  const exchange = (token: string) =>
    gql(`mutation($i: SsoSignInInput!) { signInWithSso(input: $i) { accessToken refreshToken viewer { username kind } } }`, {
      i: { token },
    });

  const ssoLog = async () =>
    (await gql(`{ auditLog(first: 50, action: "ssoSignIn") { nodes { outcome reason account data } } }`, {}, root)).data.auditLog.nodes as {
      outcome: string;
      reason: string | null;
      account: string | null;
      data: Record<string, unknown>;
    }[];

  let client: (id: string, secret: string) => Record<string, unknown>;
  const others: ChildProcess[] = [];
  /** A provider of its own (a child process on loopback) with these clients and accounts (subject → claims). */
  async function startProvider(clients: Record<string, unknown>[], accounts: Record<string, Record<string, string>>) {
    const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'oidc-provider.mjs')], {
      env: { ...process.env, OIDC_CLIENTS: JSON.stringify(clients), OIDC_ACCOUNTS: JSON.stringify(accounts) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`provider exited ${code}`)));
    });
    return { child, issuer: JSON.parse(line).issuer as string };
  }

  beforeAll(async () => {
    server = await startTestServer({ env: NO_LIMITS });
    su = await server.superuser();
    callbackBase = `${server.baseUrl}/sso/jtj/callback`;
    client = (id: string, secret: string) => ({
      client_id: id,
      client_secret: secret,
      redirect_uris: [callbackBase],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    ({ child: provider, issuer } = await startProvider(
      [client('platform-jtj', SECRET), client('other-client', 'other-client-secret-0123456789')],
      {
        'idp-secretary': { name: '第一车队党支部书记', employee_number: 'secretary' },
        'idp-member': { name: '党员', employee_number: 'not-a-username' },
        'idp-stranger': { name: '外单位人员', employee_number: 'nobody-here' },
        'idp-deputy': { name: '副组长', employee_number: 'deputy' },
        'evil-aud': { name: '受骗者', employee_number: 'secretary2' },
        'idp-leader': { name: '局党委书记', employee_number: 'leader' },
        'idp-supervisor': { name: '督导', employee_number: 'supervisor' },
        'idp-slow': { name: '督查员', employee_number: 'inspector' },
      },
    ));
    [root, member, otherRoot] = await Promise.all([
      server.token('jtj', 'admin'),
      server.token('jtj', 'member'),
      server.token('szjg', 'admin'),
    ]);
  });
  afterAll(async () => {
    for (const child of [provider, ...others]) {
      child?.stdin?.end();
      child?.kill();
    }
    await server.close();
  });

  it('lets only a root admin configure it, keeps the secret unreadable, and refuses bad URLs', async () => {
    const configure = `mutation($i: SsoProviderInput!) { configureSso(input: $i) { issuer clientId redirectUri returnUrl matchClaim enabled hasClientSecret } }`;
    const good = {
      issuer,
      clientId: 'platform-jtj',
      clientSecret: SECRET,
      redirectUri: callbackBase,
      returnUrl: RETURN,
      matchClaim: 'employee_number',
    };
    expect(reasons(await gql(configure, { i: good }, member))).toEqual(['FORBIDDEN/SSO_NOT_ROOT_ADMIN']);
    expect(reasons(await gql(`{ ssoProvider { issuer } }`, {}, member))).toEqual(['FORBIDDEN/SSO_NOT_ROOT_ADMIN']);
    expect(reasons(await gql(configure, { i: { ...good, clientSecret: undefined } }, root))).toEqual([
      'BAD_USER_INPUT/SSO_SECRET_REQUIRED',
    ]);
    expect(reasons(await gql(configure, { i: { ...good, issuer: 'http://idp.example.org' } }, root))).toEqual([
      'BAD_USER_INPUT/SSO_URL_INVALID',
    ]);
    expect(reasons(await gql(configure, { i: { ...good, redirectUri: `${server.baseUrl}/sso/szjg/callback` } }, root))).toEqual([
      'BAD_USER_INPUT/SSO_REDIRECT_PATH',
    ]);
    expect(reasons(await gql(configure, { i: { ...good, returnUrl: 'javascript:alert(1)' } }, root))).toEqual([
      'BAD_USER_INPUT/SSO_URL_INVALID',
    ]);
    expect(await su.query(`SELECT count(*)::int AS n FROM sso_providers`)).toMatchObject({ rows: [{ n: 0 }] });

    const saved = await gql(configure, { i: good }, root);
    expect(saved.errors).toBeUndefined();
    expect(saved.data.configureSso).toEqual({ ...good, clientSecret: undefined, enabled: true, hasClientSecret: true });
    // a partial change keeps the secret
    const renamed = await gql(configure, { i: { enabled: true } }, root);
    expect(renamed.data.configureSso.hasClientSecret).toBe(true);
    // no field answers the secret, and the pool's role cannot select it
    const schema = await gql(`{ __type(name: "SsoProvider") { fields { name } } }`);
    expect(JSON.stringify(schema.data)).not.toMatch(/clientSecret"/);
    const app = new Client({ connectionString: (server.database.dataSource.options as { url: string }).url });
    await app.connect();
    try {
      const tenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
      await app.query(`SELECT set_config('app.tenant_id', $1, false)`, [tenant]);
      await expect(app.query(`SELECT client_secret FROM sso_providers`)).rejects.toThrow(/permission denied/);
      await expect(app.query(`SELECT * FROM sso_providers`)).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
    // another tenant sees no provider and has no sign-on
    expect((await gql(`{ ssoProvider { issuer } }`, {}, otherRoot)).data.ssoProvider).toBeNull();
    expect((await fetch(`${server.baseUrl}/sso/szjg/start`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/sso/no-such-tenant/start`, { redirect: 'manual' })).status).toBe(404);
  });

  it('signs in through the provider: a matched claim links the user on the first sign-in, the code is exchanged once for the platform’s tokens', async () => {
    const url = await authorize('idp-secretary');
    const back = await callback(url);
    expect(Object.keys(back)).toEqual(['ssoCode']);
    const signed = await exchange(back.ssoCode);
    expect(signed.errors).toBeUndefined();
    expect(signed.data.signInWithSso.viewer).toEqual({ username: 'secretary', kind: 'USER' });
    const viewer = await gql(`{ viewer { username } }`, {}, signed.data.signInWithSso.accessToken);
    expect(viewer.data.viewer.username).toBe('secretary');
    // the one-time code again, or forged, or with another tenant's id: refused alike
    expect(reasons(await exchange(back.ssoCode))).toEqual(['UNAUTHENTICATED/SSO_CODE_INVALID']);
    expect(reasons(await exchange(`${back.ssoCode.split('.')[0]}.${'A'.repeat(43)}`))).toEqual(['UNAUTHENTICATED/SSO_CODE_INVALID']);
    expect(reasons(await exchange('garbage'))).toEqual(['UNAUTHENTICATED/SSO_CODE_INVALID']);
    // linked now: the admin sees the subject
    const seen = await gql(`query($id: ID!) { node(id: $id) { ... on User { ssoSubject } } }`, { id: await userId('secretary') }, root);
    expect(seen.data.node.ssoSubject).toBe('idp-secretary');
    expect((await ssoLog())[0]).toEqual(expect.objectContaining({ outcome: 'SUCCESS', account: 'secretary', reason: null }));
  });

  it('holds no database connection while the provider is slow to answer the code exchange', async () => {
    const url = await authorize('idp-slow');
    // the app's backends of this database in a transaction open for longer than a database step takes, sampled while
    // the callback waits on the provider (a step's own short transactions come and go between samples)
    const longTransactions = async () =>
      (
        await su.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < now() - interval '500 milliseconds'`,
        )
      ).rows[0].n;
    let done = false;
    const pending = callback(url).finally(() => (done = true));
    const seen: number[] = [];
    while (!done) {
      seen.push(await longTransactions());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const back = await pending;
    // the provider took 1.5 s: many samples, none of them a transaction held across it
    expect(seen.length).toBeGreaterThan(10);
    expect(Math.max(...seen)).toBe(0);
    const signed = await exchange(back.ssoCode);
    expect(signed.data?.signInWithSso.viewer ?? signed.errors).toEqual({ username: 'inspector', kind: 'USER' });
  });

  it('refuses a forged state, a replayed callback and a replayed code, and issues nothing', async () => {
    const codesBefore = (await su.query(`SELECT count(*)::int AS n FROM sso_codes`)).rows[0].n;
    const url = new URL(await authorize('idp-secretary'));
    const forged = new URL(url);
    forged.searchParams.set('state', 'forged-state-value');
    expect(await callback(forged.href)).toEqual({ ssoError: 'SSO_STATE_INVALID' });
    // the genuine callback still works once, then not again
    expect(Object.keys(await callback(url.href))).toEqual(['ssoCode']);
    expect(await callback(url.href)).toEqual({ ssoError: 'SSO_STATE_INVALID' });
    // the same code under a fresh, genuine state: the provider refuses the used code
    const fresh = new URL(await authorize('idp-secretary'));
    fresh.searchParams.set('code', url.searchParams.get('code')!);
    expect(await callback(fresh.href)).toEqual({ ssoError: 'SSO_PROVIDER_FAILED' });
    expect((await su.query(`SELECT count(*)::int AS n FROM sso_codes`)).rows[0].n).toBe(codesBefore + 1);
    const log = await ssoLog();
    expect(log.filter((e) => e.reason === 'SSO_STATE_INVALID')).toHaveLength(2);
    expect(log.find((e) => e.reason === 'SSO_PROVIDER_FAILED')?.data.detail).toMatch(/invalid_grant|ResponseBodyError/);
  });

  it('signs in only the browser that started the request: a callback URL carried to another browser is refused (login CSRF)', async () => {
    const codesBefore = (await su.query(`SELECT count(*)::int AS n FROM sso_codes`)).rows[0].n;
    // the attacker starts and signs in at the provider as themselves, and stops before our callback
    const started = await fetch(`${server.baseUrl}/sso/jtj/start`, { redirect: 'manual' });
    const [set] = started.headers.getSetCookie().filter((c) => c.startsWith('sso_browser='));
    expect(set.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=600', 'Path=/sso/jtj/callback', 'SameSite=Lax']);
    const url = await authorize('idp-secretary');
    const attackers = ours!;
    // the victim's browser opens that URL: without the cookie, or with another value, no code
    expect(await callback(url, null)).toEqual({ ssoError: 'SSO_BROWSER_MISMATCH' });
    expect(await callback(url, 'A'.repeat(43))).toEqual({ ssoError: 'SSO_BROWSER_MISMATCH' });
    expect((await su.query(`SELECT count(*)::int AS n FROM sso_codes`)).rows[0].n).toBe(codesBefore);
    expect((await ssoLog())[0]).toEqual(expect.objectContaining({ outcome: 'FAILURE', reason: 'SSO_BROWSER_MISMATCH', account: null }));
    // the browser that started it signs in, and its cookie is cleared
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: `sso_browser=${attackers}` } });
    expect(new URL(res.headers.get('location')!).hash).toMatch(/^#ssoCode=/);
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^sso_browser=; Max-Age=0; Path=\/sso\/jtj\/callback; HttpOnly; SameSite=Lax$/),
    ]);
    expect((await su.query(`SELECT count(*)::int AS n FROM sso_codes`)).rows[0].n).toBe(codesBefore + 1);
  });

  it('refuses an ID token addressed to another client (wrong audience)', async () => {
    const back = await callback(await authorize('evil-aud'));
    expect(back).toEqual({ ssoError: 'SSO_PROVIDER_FAILED' });
    const [entry] = await ssoLog();
    expect(entry).toEqual(expect.objectContaining({ outcome: 'FAILURE', reason: 'SSO_PROVIDER_FAILED', account: null }));
    expect(entry.data.detail).toMatch(/aud/);
    // and secretary2 (whom the forged token names) was not linked
    expect((await su.query(`SELECT count(*)::int AS n FROM sso_identities WHERE subject = 'evil-aud'`)).rows[0].n).toBe(0);
  });

  it('never creates a user for a subject the tenant does not know, and refuses a linked user disabled locally at once', async () => {
    const users = (await su.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n;
    expect(await callback(await authorize('idp-stranger'))).toEqual({ ssoError: 'SSO_SIGN_IN_REFUSED' });
    expect((await su.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n).toBe(users);
    expect((await ssoLog())[0]).toEqual(
      expect.objectContaining({ outcome: 'FAILURE', reason: 'SSO_USER_UNKNOWN', account: 'sso:idp-stranger' }),
    );

    // deputy signs in (linked by its claim), then is disabled: refused at the next sign-on
    expect(Object.keys(await callback(await authorize('idp-deputy')))).toEqual(['ssoCode']);
    const disabled = await gql(
      `mutation($i: SetUserDisabledInput!) { setUserDisabled(input: $i) { disabled } }`,
      { i: { userId: await userId('deputy'), disabled: true } },
      root,
    );
    expect(disabled.errors).toBeUndefined();
    expect(await callback(await authorize('idp-deputy'))).toEqual({ ssoError: 'SSO_SIGN_IN_REFUSED' });
    expect((await ssoLog())[0]).toEqual(expect.objectContaining({ reason: 'SSO_USER_DISABLED', account: 'deputy' }));
  });

  it('links a subject by an admin over the user only, one subject per user and one user per subject', async () => {
    const link = `mutation($i: LinkSsoIdentityInput!) { linkSsoIdentity(input: $i) { username ssoSubject } }`;
    const memberId = await userId('member');
    expect(reasons(await gql(link, { i: { userId: memberId, subject: 'idp-member' } }, member))).toEqual(['FORBIDDEN/SSO_NOT_USER_ADMIN']);
    expect(reasons(await gql(link, { i: { userId: memberId, subject: 'idp-member' } }, otherRoot))).toEqual(['NOT_FOUND/USER_NOT_FOUND']);
    expect(reasons(await gql(link, { i: { userId: memberId, subject: 'idp-secretary' } }, root))).toEqual(['CONFLICT/SSO_SUBJECT_TAKEN']);
    // before the link, idp-member (whose claim names no user) is refused
    expect(await callback(await authorize('idp-member'))).toEqual({ ssoError: 'SSO_SIGN_IN_REFUSED' });
    const linked = await gql(link, { i: { userId: memberId, subject: 'idp-member' } }, root);
    expect(linked.data.linkSsoIdentity).toEqual({ username: 'member', ssoSubject: 'idp-member' });
    const back = await callback(await authorize('idp-member'));
    expect((await exchange(back.ssoCode)).data.signInWithSso.viewer.username).toBe('member');
    expect(reasons(await gql(link, { i: { userId: memberId, subject: 'idp-member-2' } }, root))).toEqual(['CONFLICT/SSO_USER_LINKED']);
    const unlink = await gql(
      `mutation($i: UnlinkSsoIdentityInput!) { unlinkSsoIdentity(input: $i) { ssoSubject } }`,
      { i: { userId: memberId } },
      root,
    );
    expect(unlink.data.unlinkSsoIdentity.ssoSubject).toBeNull();
    expect(await callback(await authorize('idp-member'))).toEqual({ ssoError: 'SSO_SIGN_IN_REFUSED' });
  });

  it('stops when the tenant disables it', async () => {
    await gql(`mutation { configureSso(input: { enabled: false }) { enabled } }`, {}, root);
    expect((await fetch(`${server.baseUrl}/sso/jtj/start`, { redirect: 'manual' })).status).toBe(404);
    await gql(`mutation { configureSso(input: { enabled: true }) { enabled } }`, {}, root);
  });

  it('drops every link when the issuer changes: the same subject at another provider is not the linked user', async () => {
    const secretary = await userId('secretary');
    const subjectOf = async () =>
      (await gql(`query($id: ID!) { node(id: $id) { ... on User { ssoSubject } } }`, { id: secretary }, root)).data.node.ssoSubject;
    expect(await subjectOf()).toBe('idp-secretary');
    // another provider, where "idp-secretary" is somebody else (whose claim names no user here)
    const other = await startProvider([client('platform-jtj', SECRET)], {
      'idp-secretary': { name: '另一平台的人', employee_number: 'nobody-here' },
    });
    others.push(other.child);
    // a change of anything else keeps the links
    expect((await gql(`mutation { configureSso(input: { matchClaim: "employee_number" }) { issuer } }`, {}, root)).errors).toBeUndefined();
    expect(await subjectOf()).toBe('idp-secretary');
    const moved = await gql(
      `mutation($i: SsoProviderInput!) { configureSso(input: $i) { issuer } }`,
      { i: { issuer: other.issuer } },
      root,
    );
    expect(moved.errors).toBeUndefined();
    expect(await subjectOf()).toBeNull();
    expect((await su.query(`SELECT count(*)::int AS n FROM sso_identities`)).rows[0].n).toBe(0);
    const codes = (await su.query(`SELECT count(*)::int AS n FROM sso_codes`)).rows[0].n;
    expect(await callback(await authorize('idp-secretary'))).toEqual({ ssoError: 'SSO_SIGN_IN_REFUSED' });
    expect((await ssoLog())[0]).toEqual(expect.objectContaining({ reason: 'SSO_USER_UNKNOWN', account: 'sso:idp-secretary' }));
    expect((await su.query(`SELECT count(*)::int AS n FROM sso_codes`)).rows[0].n).toBe(codes);
    // back to the first provider: the links are made again (here by the matched claim)
    await gql(`mutation($i: SsoProviderInput!) { configureSso(input: $i) { issuer } }`, { i: { issuer } }, root);
    const back = await callback(await authorize('idp-secretary'));
    expect((await exchange(back.ssoCode)).data.signInWithSso.viewer.username).toBe('secretary');
  });

  it('keeps the match claim when the input gives matchClaim: null, as when it leaves it out; an empty string clears it', async () => {
    const configure = `mutation($i: SsoProviderInput!) { configureSso(input: $i) { returnUrl matchClaim hasClientSecret } }`;
    const good = {
      issuer,
      clientId: 'platform-jtj',
      clientSecret: SECRET,
      redirectUri: callbackBase,
      returnUrl: RETURN,
      matchClaim: 'employee_number',
    };
    expect((await gql(configure, { i: good }, root)).errors).toBeUndefined();
    const kept = await gql(configure, { i: { returnUrl: RETURN, matchClaim: null } }, root);
    expect(kept.errors).toBeUndefined();
    expect(kept.data.configureSso).toEqual({ returnUrl: RETURN, matchClaim: 'employee_number', hasClientSecret: true });
    expect((await gql(`{ ssoProvider { matchClaim } }`, {}, root)).data.ssoProvider.matchClaim).toBe('employee_number');
    // the documented way to sign in by admin links alone
    expect((await gql(configure, { i: { matchClaim: '' } }, root)).data.configureSso.matchClaim).toBeNull();
    expect((await gql(configure, { i: { matchClaim: 'employee_number' } }, root)).data.configureSso.matchClaim).toBe('employee_number');
  });

  it('merges a change into the provider as it stands: a change of another field committed while it waited stays', async () => {
    const tenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    // another admin's change under way: the row locked, the match claim changed, not yet committed
    const other = await server.superuser({ own: true });
    await other.query('BEGIN');
    await other.query(`UPDATE sso_providers SET match_claim = 'staff_id' WHERE tenant_id = $1`, [tenant]);
    const returnUrl = `${RETURN}?merged`;
    const changing = gql(
      `mutation($i: SsoProviderInput!) { configureSso(input: $i) { returnUrl matchClaim } }`,
      { i: { returnUrl } },
      root,
    );
    expect(await lockWaiters(su, 1)).toBe(1);
    await other.query('COMMIT');
    await other.end();
    expect((await changing).data.configureSso).toEqual({ returnUrl, matchClaim: 'staff_id' });
    await gql(
      `mutation($i: SsoProviderInput!) { configureSso(input: $i) { issuer } }`,
      { i: { returnUrl: RETURN, matchClaim: 'employee_number' } },
      root,
    );
  });

  it('makes a link after an issuer change under way, never at the old issuer beside it', async () => {
    const tenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    const changer = await server.superuser({ own: true });
    await changer.query('BEGIN');
    // an issuer change under way (as configure writes it): the row changed and every link dropped, not yet committed
    await changer.query(`UPDATE sso_providers SET issuer = issuer || '/' WHERE tenant_id = $1`, [tenant]);
    await changer.query(`DELETE FROM sso_identities WHERE tenant_id = $1`, [tenant]);
    const linking = gql(
      `mutation($i: LinkSsoIdentityInput!) { linkSsoIdentity(input: $i) { username ssoSubject } }`,
      { i: { userId: await userId('member'), subject: 'idp-member' } },
      root,
    );
    const settled = await Promise.race([linking.then(() => 'answered'), lockWaiters(su, 1).then((n) => (n ? 'waiting' : 'not waiting'))]);
    expect(settled).toBe('waiting');
    await changer.query('COMMIT');
    await changer.end();
    expect((await linking).data.linkSsoIdentity).toEqual({ username: 'member', ssoSubject: 'idp-member' });
  });

  it('holds the provider for a link made by the matched claim: a change under way is waited for, and a sign-in verified under the old settings links nobody', async () => {
    const tenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    const [{ issuer: before }] = (await su.query(`SELECT issuer FROM sso_providers WHERE tenant_id = $1`, [tenant])).rows;
    const linkOf = async (subject: string) =>
      (await su.query(`SELECT count(*)::int AS n FROM sso_identities WHERE tenant_id = $1 AND subject = $2`, [tenant, subject])).rows[0].n;
    const changes = [
      // an issuer change (as configure writes it: the row changed, every link dropped), and a disable
      {
        subject: 'idp-leader',
        sql: [`UPDATE sso_providers SET issuer = issuer || '/' WHERE tenant_id = $1`, `DELETE FROM sso_identities WHERE tenant_id = $1`],
      },
      { subject: 'idp-supervisor', sql: [`UPDATE sso_providers SET enabled = false WHERE tenant_id = $1`] },
    ];
    for (const change of changes) {
      // the browser went to the provider under the settings as they were
      const url = await authorize(change.subject);
      const changer = await server.superuser({ own: true });
      await changer.query('BEGIN');
      for (const sql of change.sql) await changer.query(sql, [tenant]);
      const back = callback(url);
      const settled = await Promise.race([back.then(() => 'answered'), lockWaiters(su, 1).then((n) => (n ? 'waiting' : 'not waiting'))]);
      expect(settled).toBe('waiting');
      await changer.query('COMMIT');
      await changer.end();
      expect(await back).toEqual({ ssoError: 'SSO_PROVIDER_CHANGED' });
      expect(await linkOf(change.subject)).toBe(0);
      expect((await ssoLog())[0]).toEqual(
        expect.objectContaining({ outcome: 'FAILURE', reason: 'SSO_PROVIDER_CHANGED', account: `sso:${change.subject}` }),
      );
      await su.query(`UPDATE sso_providers SET issuer = $2, enabled = true WHERE tenant_id = $1`, [tenant, before]);
    }
    // with the settings back, the claim links as before
    expect(Object.keys(await callback(await authorize('idp-leader')))).toEqual(['ssoCode']);
    expect(await linkOf('idp-leader')).toBe(1);
  });

  it('lets a locked account in through the provider (the proof is the provider’s), but no second factor past the lock', async () => {
    const id = rawId(await userId('secretary'));
    const SIGN_IN = `mutation($i: SsoSignInInput!) { signInWithSso(input: $i) { step accessToken challengeToken viewer { username } } }`;
    const signIn = async () => gql(SIGN_IN, { i: { token: (await callback(await authorize('idp-secretary'))).ssoCode } });
    const lock = () =>
      su.query(`UPDATE users SET failed_sign_ins = 5, locked_at = now(), locked_until = now() + interval '30 minutes' WHERE id = $1`, [id]);
    const unlock = () => su.query(`UPDATE users SET failed_sign_ins = 0, locked_at = NULL, locked_until = NULL WHERE id = $1`, [id]);
    const state = async () =>
      (await su.query(`SELECT failed_sign_ins AS n, locked_at IS NOT NULL AS locked FROM users WHERE id = $1`, [id])).rows[0];
    await lock();
    const signed = await signIn();
    expect(signed.data.signInWithSso).toMatchObject({ step: 'DONE', viewer: { username: 'secretary' } });
    // the count stands: the provider's proof says nothing of who guessed the password
    expect(await state()).toEqual({ n: 5, locked: true });

    // with a second factor, the lock holds: refused at once (not a challenge no code opens), the one-time code spent
    await unlock();
    const token = signed.data.signInWithSso.accessToken;
    const secret = (await gql(ENROL, { input: { password: 'demo' } }, token)).data.enrolTotp.secret;
    expect((await gql(CONFIRM, { code: code(secret) }, token)).errors).toBeUndefined();
    await lock();
    const back = await callback(await authorize('idp-secretary'));
    const refused = await gql(SIGN_IN, { i: { token: back.ssoCode } });
    expect(reasons(refused)).toEqual(['UNAUTHENTICATED/ACCOUNT_LOCKED']);
    expect(refused.errors![0].message).toMatch(/锁定/);
    expect(reasons(await gql(SIGN_IN, { i: { token: back.ssoCode } }))).toEqual(['UNAUTHENTICATED/SSO_CODE_INVALID']);
    expect(await state()).toEqual({ n: 5, locked: true });
    const logged = await su.query(
      `SELECT outcome, reason, actor_id FROM audit_log WHERE action = 'signInWithSso' AND account = 'secretary' AND outcome = 'FAILURE'`,
    );
    expect(logged.rows).toEqual([{ outcome: 'FAILURE', reason: 'ACCOUNT_LOCKED', actor_id: id }]);
    // unlocked, the same sign-in asks for the factor
    await unlock();
    expect((await signIn()).data.signInWithSso.step).toBe('TOTP');
    await su.query(`DELETE FROM recovery_codes WHERE user_id = $1`, [id]);
    await su.query(`DELETE FROM user_totp WHERE user_id = $1`, [id]);
  });
});
