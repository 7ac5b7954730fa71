import { GqlResponse, TestServer, firstSignIn, startTestServer } from './helpers/server';
import { orgIds } from './helpers/story';

/**
 * Reads learned per user, document and variables (src/graphql/read-ahead.ts): a page of orgs asked for
 * again goes with the request's opening round trip. What is learned is a statement, never rows, so a
 * learned read may only ever answer what the resolver, authorizing as always, would have read itself:
 * for another user, after the viewer's scope shrank, after orgs moved, were archived or were created.
 */
const PASSWORD = 'read-ahead-password';
const PAGE = `query($u: ID!) { orgs(under: $u, first: 50) { nodes { id name } } }`;

describe('reads learned for the opening round trip', () => {
  let server: TestServer;
  let admin: string;
  let ids: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({
      env: { EXPOSE_STATEMENT_COUNT: 'true', RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' },
    });
    admin = await server.token('jtj', 'admin');
    ids = await orgIds(server, 'jtj');
  });
  afterAll(() => server.close());

  const names = (res: GqlResponse) => {
    expect(res.errors).toBeUndefined();
    return (res.data.orgs.nodes as { name: string }[]).map((n) => n.name);
  };
  /** The page `times` times over; every answer, and the statements and round trips of each. */
  const repeat = async (token: string, under: string, times = 6, variables: Record<string, unknown> = {}) => {
    const answers: GqlResponse[] = [];
    for (let i = 0; i < times; i++) answers.push(await server.gql(PAGE, { u: under, ...variables }, token));
    return { answers, trips: answers.map((a) => [a.statements, a.roundTrips]) };
  };
  /** A user given TENANT_ADMIN over each of `orgs` by the root admin; its id, assignments and token. */
  const createAdmin = async (username: string, orgs: string[]) => {
    const created = await server.gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username, displayName: username, password: PASSWORD, orgId: orgs[0] } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const assignments: string[] = [];
    for (const orgId of orgs) {
      const assigned = await server.gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId: created.data.createUser.id, role: 'TENANT_ADMIN', orgId } },
        admin,
      );
      expect(assigned.errors).toBeUndefined();
      assignments.push(assigned.data.assignRole.id);
    }
    return { assignments, token: (await firstSignIn(server.url, 'jtj', username, PASSWORD)).accessToken };
  };

  it('sends a page asked for again with the opening, and then as the whole request', async () => {
    const root = ids['中共市交通运输局党委'];
    const { answers, trips } = await repeat(admin, root);
    // BEGIN, the opening with the org under which, the page, COMMIT; learned from the second request on,
    // the page goes with the opening from the third; answered by its opening twice, the opening is the whole
    // request from the fifth: the viewer, the org and the page in one round trip, no BEGIN or COMMIT
    expect(trips).toEqual([
      [5, 3],
      [5, 3],
      [5, 2],
      [5, 2],
      [3, 1],
      [3, 1],
    ]);
    for (const a of answers) expect(names(a)).toEqual(names(answers[0]));
    expect(names(answers[0])).toContain('市公交集团党委');
  });

  it('never answers one user what another user’s request learned: a subtree admin, another tenant', async () => {
    const root = ids['中共市交通运输局党委'];
    const everything = names(await server.gql(PAGE, { u: root }, admin));
    await repeat(admin, root); // learned and read ahead for the root admin
    const bus = await createAdmin('ra-bus-admin', [ids['市公交集团党委']]);
    const { answers } = await repeat(bus.token, root);
    const own = names(answers[0]);
    expect(own).toContain('市公交集团党委');
    expect(own).not.toContain('局机关党委');
    expect(own.length).toBeLessThan(everything.length);
    for (const a of answers) expect(names(a)).toEqual(own);
    // the least privileged role: each answer as its first, and never the root admin's page
    const member = await repeat(await server.token('jtj', 'member'), root);
    const shape = (a: GqlResponse) => [a.data ?? null, a.errors?.map((e) => e.extensions?.code) ?? []];
    for (const a of member.answers) expect(shape(a)).toEqual(shape(member.answers[0]));
    if (member.answers[0].data) expect(names(member.answers[0])).not.toEqual(everything);
    // another tenant's admin naming this tenant's org: refused each time, as on the first
    const foreign = await server.token('szjg', 'admin');
    const refused = await repeat(foreign, root);
    for (const a of refused.answers) expect([a.data, a.errors?.map((e) => e.extensions?.code)]).toEqual([null, ['NOT_FOUND']]);
  });

  it('answers the viewer’s scope as it is now when it shrank after the page was learned', async () => {
    const root = ids['中共市交通运输局党委'];
    const both = await createAdmin('ra-shrinking-admin', [ids['市公交集团党委'], root]);
    const wide = await repeat(both.token, root);
    expect(wide.trips.at(-1)).toEqual([3, 1]);
    expect(names(wide.answers[0])).toContain('局机关党委');
    const revoked = await server.gql(`mutation($a: ID!) { revokeRole(input: { assignmentId: $a }) }`, { a: both.assignments[1] }, admin);
    expect(revoked.errors).toBeUndefined();
    const narrow = await repeat(both.token, root, 3);
    for (const a of narrow.answers) {
      expect(names(a)).toContain('市公交集团党委');
      expect(names(a)).not.toContain('局机关党委');
    }
    // the opening (viewer, org, learned page) ended as a transaction of its own; the resolver asked for
    // another statement: BEGIN and the identity again, that page, COMMIT. The learned page went unused.
    expect(narrow.trips[0]).toEqual([7, 4]);
  });

  it('reads moved, archived and new orgs as they are now, from a page learned before', async () => {
    const under = ids['市公交集团党委'];
    const before = await repeat(admin, under);
    expect(before.trips.at(-1)).toEqual([3, 1]);
    const moving = ids['第一车队党支部'];
    expect(names(before.answers[0])).toContain('第一车队党支部');
    const moved = await server.gql(
      `mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`,
      { id: moving, p: ids['局机关党委'] },
      admin,
    );
    expect(moved.errors).toBeUndefined();
    const created = await server.gql(
      `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "预读测试党支部", kind: BRANCH, category: ENTERPRISE }) { id } }`,
      { p: under },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const after = await repeat(admin, under, 3);
    for (const a of after.answers) {
      expect(names(a)).not.toContain('第一车队党支部');
      expect(names(a)).toContain('预读测试党支部');
    }
    const archived = await server.gql(
      `mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`,
      { id: created.data.createOrg.id },
      admin,
    );
    expect(archived.errors).toBeUndefined();
    const last = await repeat(admin, under, 2);
    for (const a of last.answers) expect(names(a)).not.toContain('预读测试党支部');
    // moved back, for the tests after this one
    await server.gql(
      `mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`,
      { id: moving, p: under },
      admin,
    );
  });

  it('learns nothing from variables past its bound, and answers them as before', async () => {
    const under = ids['市公交集团党委'];
    const padded = await repeat(admin, under, 5, { pad: 'x'.repeat(3000) });
    // (the first may still end its opening on its own, as the document's last requests were answered whole)
    expect(padded.trips.slice(1)).toEqual(Array.from({ length: 4 }, () => [5, 3]));
    for (const a of padded.answers) expect(names(a)).toEqual(names(padded.answers[0]));
  });

  it('answers 60 requests at once of two users each with their own page', async () => {
    const root = ids['中共市交通运输局党委'];
    const bus = await createAdmin('ra-concurrent-admin', [ids['市公交集团党委']]);
    const expected = new Map([
      [admin, names(await server.gql(PAGE, { u: root }, admin))],
      [bus.token, names(await server.gql(PAGE, { u: root }, bus.token))],
    ]);
    await repeat(bus.token, root, 3);
    const tokens = Array.from({ length: 60 }, (_, i) => (i % 2 ? admin : bus.token));
    const answers = await Promise.all(tokens.map((t) => server.gql(PAGE, { u: root }, t)));
    answers.forEach((a, i) => expect(names(a)).toEqual(expected.get(tokens[i])));
  });
});
