import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { GqlResponse, TestServer, startTestServer } from './helpers/server';
import { globalId } from './helpers/ids';

/**
 * Issue 15, single sign-on, end to end against a real OpenID Connect provider (oidc-provider 8, in a child
 * process on loopback): the browser's redirects driven with fetch, the provider's own login and consent,
 * the code exchanged by the server with PKCE, the ID token checked by openid-client. Then the attacks: a
 * forged state, a replayed callback, a replayed code, an ID token for another client, a subject unknown to
 * the tenant, a linked user disabled locally, the one-time code replayed; and who may configure and link.
 */
const NO_LIMITS = { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' };
const SECRET = 'jtj-client-secret-0123456789';
const RETURN = 'http://127.0.0.1:9/after-sign-in';

const reasons = (res: GqlResponse) => (res.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`);

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

  /** The browser: our start route, then the provider's redirects (with its cookies) up to our callback URL, not followed. */
  async function authorize(loginHint: string, tenant = 'jtj'): Promise<string> {
    const started = await fetch(`${server.baseUrl}/sso/${tenant}/start`, { redirect: 'manual' });
    if (started.status !== 302) throw new Error(`start answered ${started.status}: ${await started.text()}`);
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

  /** Our callback: where it sends the browser back to, as the fragment's parameters. */
  async function callback(url: string): Promise<Record<string, string>> {
    const res = await fetch(url, { redirect: 'manual' });
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

  beforeAll(async () => {
    server = await startTestServer({ env: NO_LIMITS });
    su = await server.superuser();
    callbackBase = `${server.baseUrl}/sso/jtj/callback`;
    const client = (id: string, secret: string) => ({
      client_id: id,
      client_secret: secret,
      redirect_uris: [callbackBase],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    provider = spawn(process.execPath, [path.join(__dirname, 'helpers', 'oidc-provider.mjs')], {
      env: {
        ...process.env,
        OIDC_CLIENTS: JSON.stringify([client('platform-jtj', SECRET), client('other-client', 'other-client-secret-0123456789')]),
        OIDC_ACCOUNTS: JSON.stringify({
          'idp-secretary': { name: '第一车队党支部书记', employee_number: 'secretary' },
          'idp-member': { name: '党员', employee_number: 'not-a-username' },
          'idp-stranger': { name: '外单位人员', employee_number: 'nobody-here' },
          'idp-deputy': { name: '副组长', employee_number: 'deputy' },
          'evil-aud': { name: '受骗者', employee_number: 'secretary2' },
        }),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: provider.stdout! }).once('line', resolve);
      provider.once('exit', (code) => reject(new Error(`provider exited ${code}`)));
    });
    issuer = JSON.parse(line).issuer;
    [root, member, otherRoot] = await Promise.all([
      server.token('jtj', 'admin'),
      server.token('jtj', 'member'),
      server.token('szjg', 'admin'),
    ]);
  });
  afterAll(async () => {
    provider?.stdin?.end();
    provider?.kill();
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
});
