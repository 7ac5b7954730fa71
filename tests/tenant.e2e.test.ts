import { TestServer, codes, startTestServer, firstSignIn, reasons } from './helpers/server';
import { count } from './helpers/sql';
import { todayOf } from '../src/graphql/today';

/**
 * Tenants: created and administered by the platform operator only, and each tenant's own date (its time
 * zone) wherever the server says "today". Each part with its own server.
 */

const CREATE = `mutation($input: CreateTenantInput!) { createTenant(input: $input) { id slug name } }`;
const input = (slug: string) => ({
  slug,
  name: '市文化广电和旅游局',
  rootOrgName: '中共市文旅局党委',
  adminUsername: 'admin',
  adminDisplayName: '文旅局组织科',
  adminPassword: 'A-strong-password',
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
    const token = (await firstSignIn(server.url, 'wlj', 'admin', 'A-strong-password')).accessToken;
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
    // the tenant's most powerful account, changed at its first sign-in by whoever signs in first: held to the default
    // policy (the new tenant has no other yet), so that it is not among a guesser's first tries
    const guessable = await server.gql(CREATE, { input: { ...input('weak'), adminPassword: 'password1' } }, operator);
    expect(reasons(guessable)).toEqual(['BAD_USER_INPUT/PASSWORD_CLASSES']);
    expect(guessable.errors![0].extensions).toMatchObject({ field: 'input.adminPassword' });
    const named = await server.gql(CREATE, { input: { ...input('weak'), adminPassword: 'Admin#2026-wlj' } }, operator);
    expect(reasons(named)).toEqual(['BAD_USER_INPUT/PASSWORD_CONTAINS_USERNAME']);
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

  it('keeps the stored time zone when the input gives timezone: null, as when it leaves it out', async () => {
    const admin = await server.token('jtj', 'admin');
    const SET = `mutation($tz: String) { updateTenantSettings(input: { timezone: $tz, opinionHours: 96 }) { timezone opinionHours } }`;
    const res = await server.gql(SET, { tz: null }, admin);
    expect(res.errors).toBeUndefined();
    expect(res.data.updateTenantSettings).toEqual({ timezone: 'Asia/Shanghai', opinionHours: 96 });
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

const RECORD = `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id inspectedOn } }`;
const SET_ZONE = `mutation($tz: String!) { updateTenantSettings(input: { timezone: $tz }) { timezone } }`;

/**
 * "Today" is the tenant's, never the server's UTC date: an inspector in Beijing records today's
 * inspection after 16:00 UTC. Two zones 26 hours apart (UTC+14 and UTC−12) always name different
 * dates, so the request-level test holds at any hour.
 */
describe("today is the tenant's date", () => {
  it('takes the date in the given zone, Asia/Shanghai by default', () => {
    const evening = new Date('2026-12-03T16:30:00Z');
    expect(todayOf({}, evening)).toBe('2026-12-04');
    expect(todayOf({ timeZone: 'Asia/Shanghai' }, evening)).toBe('2026-12-04');
    expect(todayOf({ timeZone: 'UTC' }, evening)).toBe('2026-12-03');
    expect(todayOf({ timeZone: 'America/Los_Angeles' }, evening)).toBe('2026-12-03');
    expect(todayOf({}, new Date('2026-12-03T15:59:59Z'))).toBe('2026-12-03');
  });

  describe('through the running server', () => {
    let server: TestServer;
    let admin: string;
    let inspector: string;
    let team: string;
    let org: string;
    beforeAll(async () => {
      server = await startTestServer();
      admin = await server.token('jtj', 'admin');
      inspector = await server.token('jtj', 'inspector');
      const leader = await server.token('jtj', 'leader');
      org = (await server.gql(`{ orgs(first: 1, kind: BRANCH) { nodes { id } } }`, {}, admin)).data.orgs.nodes[0].id;
      const users = (await server.gql(`{ users(first: 50) { nodes { id username } } }`, {}, admin)).data.users.nodes;
      team = (
        await server.gql(
          `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
          {
            input: { name: '督导组', leaderId: users.find((u: { username: string }) => u.username === 'inspector').id, scopeOrgIds: [org] },
          },
          leader,
        )
      ).data.createSupervisionTeam.id;
    });
    afterAll(() => server.close());

    const record = (key: string, inspectedOn: string) =>
      server.gql(
        RECORD,
        { input: { idempotencyKey: key, teamId: team, orgId: org, inspectedOn, methods: ['BRIEFING'], summary: '听取汇报', findings: [] } },
        inspector,
      );

    it("accepts an inspection dated the tenant's today and refuses it where that day has not begun", async () => {
      const east = todayOf({ timeZone: 'Etc/GMT-14' }); // UTC+14 (POSIX signs are reversed)
      expect((await server.gql(SET_ZONE, { tz: 'Etc/GMT-14' }, admin)).data.updateTenantSettings.timezone).toBe('Etc/GMT-14');
      // the zone is read with the viewer: a new request sees it
      const accepted = await record('today-east-0001', east);
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data.recordInspection.inspectedOn).toBe(east);

      expect((await server.gql(SET_ZONE, { tz: 'Etc/GMT+12' }, admin)).errors).toBeUndefined();
      const refused = await record('today-west-0001', east);
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INSPECTION_DATE_IN_FUTURE' });
      const west = todayOf({ timeZone: 'Etc/GMT+12' });
      expect((await record('today-west-0002', west)).errors).toBeUndefined();
    });

    it("judges a rectification overdue by the tenant's date, in the field and in the list filter alike", async () => {
      // due "today" in UTC−12: not overdue there, a day or two overdue in UTC+14
      expect((await server.gql(SET_ZONE, { tz: 'Etc/GMT+12' }, admin)).errors).toBeUndefined();
      const due = todayOf({ timeZone: 'Etc/GMT+12' });
      const recorded = await server.gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: 'today-rectify-0001',
            teamId: team,
            orgId: org,
            inspectedOn: due,
            methods: ['BRIEFING'],
            summary: '听取汇报',
            findings: [{ severity: 'MINOR', description: '台帐不全', rectifyOrgId: org, rectifyDueOn: due }],
          },
        },
        inspector,
      );
      expect(recorded.errors).toBeUndefined();
      // the rectification is ordered when the record is finalized
      const finalized = await server.gql(
        `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { findings { rectification { id } } } }`,
        { id: recorded.data.recordInspection.id },
        inspector,
      );
      expect(finalized.errors).toBeUndefined();
      const id = finalized.data.finalizeInspection.findings[0].rectification.id;
      const state = async () => ({
        field: (await server.gql(`query($id: ID!) { node(id: $id) { ... on Rectification { overdue } } }`, { id }, admin)).data.node
          .overdue,
        listed: (
          await server.gql(`{ rectifications(first: 50, overdue: true) { nodes { id } } }`, {}, admin)
        ).data.rectifications.nodes.some((n: { id: string }) => n.id === id),
      });
      expect(await state()).toEqual({ field: false, listed: false });
      expect((await server.gql(SET_ZONE, { tz: 'Etc/GMT-14' }, admin)).errors).toBeUndefined();
      expect(await state()).toEqual({ field: true, listed: true });
    });
  });
});
