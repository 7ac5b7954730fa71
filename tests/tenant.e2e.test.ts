import { TestServer, codes, startTestServer, firstSignIn } from './helpers/server';
import { count } from './helpers/sql';

const CREATE = `mutation($input: CreateTenantInput!) { createTenant(input: $input) { id slug name } }`;
const input = (slug: string) => ({
  slug,
  name: '市文化广电和旅游局',
  rootOrgName: '中共市文旅局党委',
  adminUsername: 'admin',
  adminDisplayName: '文旅局组织科',
  adminPassword: 'a-strong-password',
});

describe('tenants: only a platform operator crosses tenants', () => {
  let server: TestServer;
  let operator: string;
  beforeAll(async () => {
    server = await startTestServer();
    operator = await server.token('', 'operator');
  });
  afterAll(() => server.close());

  it('lets the operator create a tenant whose first admin can sign in to its root org', async () => {
    const res = await server.gql(CREATE, { input: input('wlj') }, operator);
    expect(res.errors).toBeUndefined();
    expect(res.data.createTenant).toMatchObject({ slug: 'wlj', name: '市文化广电和旅游局' });
    // the operator chose the first admin's password: it is changed at the first sign-in
    const token = (await firstSignIn(server.url, 'wlj', 'admin', 'a-strong-password')).accessToken;
    const orgs = await server.gql(`{ orgs { totalCount nodes { name } } viewer { roles { role } } }`, {}, token);
    expect(orgs.data).toEqual({
      orgs: { totalCount: 1, nodes: [{ name: '中共市文旅局党委' }] },
      viewer: { roles: [{ role: 'TENANT_ADMIN' }] },
    });
    const tenants = await server.gql(`{ tenants(first: 10) { totalCount nodes { slug } } }`, {}, operator);
    expect(tenants.data.tenants.nodes.map((t: { slug: string }) => t.slug)).toEqual(['jtj', 'szjg', 'wlj']);
  });

  it('refuses a duplicate slug and a weak admin password, changing nothing', async () => {
    const su = await server.superuser();
    const before = await count(su, 'tenants');
    const dup = await server.gql(CREATE, { input: input('jtj') }, operator);
    expect(dup.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'TENANT_SLUG_TAKEN' });
    const weak = await server.gql(CREATE, { input: { ...input('weak'), adminPassword: 'short' } }, operator);
    expect(weak.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.adminPassword' });
    const badSlug = await server.gql(CREATE, { input: input('Bad Slug!') }, operator);
    expect(codes(badSlug)).toEqual(['BAD_USER_INPUT']);
    expect(await count(su, 'tenants')).toBe(before);
  });

  it('refuses an unknown time zone by name, in the asked language, and keeps the settings', async () => {
    const admin = await server.token('jtj', 'admin');
    const SET = `mutation($tz: String) { updateTenantSettings(input: { timezone: $tz }) { timezone } }`;
    const zh = await server.gql(SET, { tz: 'Mars/Olympus' }, admin);
    expect(zh.errors![0]).toMatchObject({
      message: '未知的时区“Mars/Olympus”',
      extensions: { code: 'BAD_USER_INPUT', reason: 'UNKNOWN_TIME_ZONE', field: 'input.timezone', timezone: 'Mars/Olympus' },
    });
    const en = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'en', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: SET, variables: { tz: 'Mars/Olympus' } }),
    });
    expect(((await en.json()) as { errors: { message: string }[] }).errors[0].message).toBe('Unknown time zone Mars/Olympus');
    expect((await server.gql(`{ tenantSettings { timezone } }`, {}, admin)).data.tenantSettings.timezone).toBe('Asia/Shanghai');
  });

  it('refuses tenant creation and the tenant list to tenant users, even admins', async () => {
    const admin = await server.token('jtj', 'admin');
    expect(codes(await server.gql(CREATE, { input: input('evil') }, admin))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(`{ tenants { totalCount } }`, {}, admin))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(CREATE, { input: input('anon') }))).toEqual(['UNAUTHENTICATED']);
  });

  it('keeps the operator out of tenant data', async () => {
    expect(codes(await server.gql(`{ orgs { totalCount } }`, {}, operator))).toEqual(['FORBIDDEN']);
    const admin = await server.token('jtj', 'admin');
    const rootId = (await server.gql(`{ orgs(first: 1) { nodes { id } } }`, {}, admin)).data.orgs.nodes[0].id;
    expect((await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: rootId }, operator)).data.node).toBeNull();
  });
});
