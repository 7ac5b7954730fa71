import { Client } from 'pg';
import { GqlResponse, TestServer, firstSignIn, startTestServer, reasons } from './helpers/server';
import { rawId } from './helpers/ids';
import { orgIds } from './helpers/story';

/**
 * A TENANT_ADMIN over a subtree (市公交集团党委) changes an account only when it administers the user's home
 * org AND every org where the user holds a role. A user whose home org lies in the subtree but who holds a
 * role at the root or in a sibling subtree carries powers the subtree's admin lacks: a reset password, a
 * removed second factor, a linked SSO subject or a re-enabled account would let that admin sign in as it.
 */
const PASSWORD = 'takeover-test-password';
const NO_LIMITS = { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' };
const ROOT = '中共市交通运输局党委';
const BUS = '市公交集团党委';
const BRANCH = '第一车队党支部';
const SIBLING = '养护科党支部';

const MUTATIONS: Record<string, string> = {
  resetPassword: `mutation($u: ID!) { resetPassword(input: { userId: $u }) { temporaryPassword } }`,
  unlockUser: `mutation($u: ID!) { unlockUser(input: { userId: $u }) { id } }`,
  signOutUser: `mutation($u: ID!) { signOutUser(input: { userId: $u }) { id } }`,
  disableUserTotp: `mutation($u: ID!) { disableUserTotp(input: { userId: $u }) { id } }`,
  enable: `mutation($u: ID!) { setUserDisabled(input: { userId: $u, disabled: false }) { disabled } }`,
  disable: `mutation($u: ID!) { setUserDisabled(input: { userId: $u, disabled: true }) { disabled } }`,
  linkSsoIdentity: `mutation($u: ID!, $s: String!) { linkSsoIdentity(input: { userId: $u, subject: $s }) { id } }`,
  unlinkSsoIdentity: `mutation($u: ID!) { unlinkSsoIdentity(input: { userId: $u }) { id } }`,
};

describe('account takeover: a subtree admin changes no account holding roles outside its subtree', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let tenantId: string;
  let root: string;
  let busAdmin: string;
  const gql = (q: string, v: Record<string, unknown>, t: string) => server.gql(q, v, t);
  /** An account mutation by its name; a link names the subject `subject`. */
  const act = (name: string, userId: string, token: string, subject = 'bus-admin-own-subject') =>
    gql(MUTATIONS[name], name === 'linkSsoIdentity' ? { u: userId, s: subject } : { u: userId }, token);
  const ok = async (res: Promise<GqlResponse>, what: string) => {
    const answer = await res;
    if (!answer.data || answer.errors) throw new Error(`${what}: ${JSON.stringify(answer.errors)}`);
    return answer.data;
  };

  /** A user created by the root admin with its home org and roles ([role, org name]); its global id. */
  async function user(username: string, home: string, roles: [string, string][]): Promise<string> {
    const created = await ok(
      gql(
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        { input: { username, displayName: username, password: PASSWORD, orgId: ids[home] } },
        root,
      ),
      `createUser ${username}`,
    );
    for (const [role, org] of roles) {
      await ok(
        gql(
          `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
          { input: { userId: created.createUser.id, role, orgId: ids[org] } },
          root,
        ),
        `assignRole ${username}`,
      );
    }
    return created.createUser.id;
  }

  /** Puts an account in the state every mutation would change: locked, with a second factor and a recovery code. */
  async function arm(userId: string) {
    const id = rawId(userId);
    await su.query(`UPDATE users SET failed_sign_ins = 5, locked_at = now(), locked_until = NULL WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    await su.query(
      `INSERT INTO user_totp (tenant_id, user_id, secret, enabled_at) VALUES ($1, $2, decode(repeat('ab', 20), 'hex'), now())`,
      [tenantId, id],
    );
    await su.query(`INSERT INTO recovery_codes (tenant_id, user_id, code_hash) VALUES ($1, $2, 'hash')`, [tenantId, id]);
  }

  /** Everything an account act could change, read as the superuser. */
  async function account(userId: string) {
    const id = rawId(userId);
    const one = async (sql: string) => (await su.query(sql, [tenantId, id])).rows;
    const [row] = await one(
      `SELECT password_hash, must_change_password, password_changed_at, session_epoch, disabled, failed_sign_ins,
              locked_at, locked_until, org_id FROM users WHERE tenant_id = $1 AND id = $2`,
    );
    return {
      ...row,
      totp: await one(`SELECT enabled_at FROM user_totp WHERE tenant_id = $1 AND user_id = $2`),
      recoveryCodes: await one(`SELECT id, used_at FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2`),
      sso: await one(`SELECT subject FROM sso_identities WHERE tenant_id = $1 AND user_id = $2`),
      roles: await one(`SELECT role, org_id FROM role_assignments WHERE tenant_id = $1 AND user_id = $2 ORDER BY role, org_id`),
      refresh: await one(`SELECT id, revoked_at FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY id`),
    };
  }

  beforeAll(async () => {
    server = await startTestServer({ env: NO_LIMITS });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    tenantId = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    root = await server.token('jtj', 'admin');
    await user('bus-admin', BUS, [['TENANT_ADMIN', BUS]]);
    busAdmin = (await firstSignIn(server.url, 'jtj', 'bus-admin', PASSWORD)).accessToken;
    // a provider registered (linking needs one; nothing here talks to it)
    await ok(
      gql(
        `mutation($i: SsoProviderInput!) { configureSso(input: $i) { enabled } }`,
        {
          i: {
            issuer: 'http://127.0.0.1:9/idp',
            clientId: 'platform-jtj',
            clientSecret: 'secret',
            redirectUri: `${server.baseUrl}/sso/jtj/callback`,
            returnUrl: 'http://127.0.0.1:9/app',
          },
        },
        root,
      ),
      'configureSso',
    );
  });
  afterAll(() => server.close());

  it('refuses every account mutation on a user of the subtree who holds a role at the root or in a sibling subtree, changing nothing', async () => {
    // home in the bus subtree, INSPECTOR at the root (besides a role inside), disabled by the root admin, not linked
    const atRoot = await user('bus-inspector-at-root', BRANCH, [
      ['MEMBER', BRANCH],
      ['INSPECTOR', ROOT],
    ]);
    // home in the bus subtree, TENANT_ADMIN over a sibling subtree, enabled, linked by the root admin
    const atSibling = await user('bus-admin-of-sibling', BUS, [['TENANT_ADMIN', SIBLING]]);
    for (const target of [atRoot, atSibling]) await arm(target);
    await ok(gql(MUTATIONS.disable, { u: atRoot }, root), 'root disables');
    await ok(
      gql(`mutation($u: ID!) { linkSsoIdentity(input: { userId: $u, subject: "sibling-admin" }) { id } }`, { u: atSibling }, root),
      'root links',
    );
    // the subtree admin sees both (their home orgs are its own): reads stay as they are
    const listed = await gql(`{ users(first: 100, under: "${ids[BUS]}") { nodes { username } } }`, {}, busAdmin);
    expect(listed.data.users.nodes.map((n: { username: string }) => n.username)).toEqual(
      expect.arrayContaining(['bus-inspector-at-root', 'bus-admin-of-sibling']),
    );

    const cases: [string, string][] = [
      [atRoot, 'resetPassword'],
      [atRoot, 'unlockUser'],
      [atRoot, 'signOutUser'],
      [atRoot, 'disableUserTotp'],
      [atRoot, 'enable'],
      [atRoot, 'linkSsoIdentity'],
      [atSibling, 'resetPassword'],
      [atSibling, 'disableUserTotp'],
      [atSibling, 'disable'],
      [atSibling, 'unlinkSsoIdentity'],
      [atSibling, 'linkSsoIdentity'],
    ];
    const before = { atRoot: await account(atRoot), atSibling: await account(atSibling) };
    expect(before.atRoot).toMatchObject({ disabled: true, failed_sign_ins: 5, totp: [expect.anything()], sso: [] });
    expect(before.atSibling).toMatchObject({ disabled: false, sso: [{ subject: 'sibling-admin' }] });
    const answers: Record<string, string[]> = {};
    for (const [target, name] of cases) {
      const res = await act(name, target, busAdmin);
      answers[`${target === atRoot ? 'atRoot' : 'atSibling'}.${name}`] =
        res.data && Object.values(res.data)[0] ? ['ANSWERED'] : reasons(res);
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, ['FORBIDDEN/USER_ROLES_OUTSIDE_SCOPE']])));
    expect({ atRoot: await account(atRoot), atSibling: await account(atSibling) }).toEqual(before);
    // the root admin, over every org the user holds a role in, still may
    const reset = await gql(MUTATIONS.resetPassword, { u: atRoot }, root);
    expect(reset.errors).toBeUndefined();
    expect(reset.data.resetPassword.temporaryPassword).toEqual(expect.any(String));
    expect(reasons(await gql(MUTATIONS.enable, { u: atRoot }, root))).toEqual([]);
  });

  it('still lets the subtree admin change an account whose home org and roles all lie in its subtree', async () => {
    const inside = await user('bus-secretary-inside', BRANCH, [
      ['MEMBER', BRANCH],
      ['SECRETARY', BUS],
    ]);
    await arm(inside);
    const before = await account(inside);

    const reset = await gql(MUTATIONS.resetPassword, { u: inside }, busAdmin);
    expect(reset.errors).toBeUndefined();
    expect(reset.data.resetPassword.temporaryPassword.length).toBeGreaterThanOrEqual(12);
    const afterReset = await account(inside);
    expect(afterReset.password_hash).not.toBe(before.password_hash);
    expect(afterReset).toMatchObject({ must_change_password: true, locked_at: null, failed_sign_ins: 0 });
    expect(afterReset.session_epoch).toBeGreaterThan(before.session_epoch);

    await su.query(`UPDATE users SET failed_sign_ins = 5, locked_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, rawId(inside)]);
    for (const name of ['unlockUser', 'signOutUser', 'disableUserTotp', 'disable', 'linkSsoIdentity']) {
      expect([name, reasons(await act(name, inside, busAdmin, 'bus-secretary-subject'))]).toEqual([name, []]);
    }
    const changed = await account(inside);
    expect(changed).toMatchObject({
      locked_at: null,
      failed_sign_ins: 0,
      disabled: true,
      totp: [],
      recoveryCodes: [],
      sso: [{ subject: 'bus-secretary-subject' }],
    });
    expect(changed.session_epoch).toBeGreaterThan(afterReset.session_epoch);
    for (const name of ['enable', 'unlinkSsoIdentity']) {
      expect([name, reasons(await act(name, inside, busAdmin, 'bus-secretary-subject'))]).toEqual([name, []]);
    }
    expect(await account(inside)).toMatchObject({ disabled: false, sso: [], roles: before.roles });
  });
});
