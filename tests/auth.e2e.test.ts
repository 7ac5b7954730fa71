import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET, TestServer, codes, startTestServer } from './helpers/server';
import { count } from './helpers/sql';

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
