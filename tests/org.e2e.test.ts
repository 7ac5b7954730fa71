import { unknownId } from './helpers/ids';
import { TestServer, codes, startTestServer } from './helpers/server';
import { count } from './helpers/sql';

const ORG_FIELDS = `id name kind kindLabel category categoryLabel depth archivedAt`;

describe('orgs: hierarchy, scope and changes', () => {
  let server: TestServer;
  let admin: string;
  let ids: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.token('jtj', 'admin');
    const all = await server.gql(`{ orgs(first: 100) { totalCount nodes { id name } } }`, {}, admin);
    ids = Object.fromEntries(all.data.orgs.nodes.map((o: { id: string; name: string }) => [o.name, o.id]));
  });
  afterAll(() => server.close());

  const orgByName = (name: string, token: string) =>
    server.gql(`query($id: ID!) { org(id: $id) { ${ORG_FIELDS} } }`, { id: ids[name] }, token);

  it('gives the admin the whole tree in tree order with a total count and labels', async () => {
    const res = await server.gql(
      `{ orgs(first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { name depth kind kindLabel categoryLabel } } }`,
      {},
      admin,
    );
    expect(res.data.orgs.totalCount).toBe(37);
    expect(res.data.orgs.nodes[0]).toEqual({
      name: '中共市交通运输局党委',
      depth: 1,
      kind: 'COMMITTEE',
      kindLabel: '党委',
      categoryLabel: '机关',
    });
    expect(res.data.orgs.nodes[1].depth).toBe(2);
    expect(res.data.orgs.pageInfo.hasNextPage).toBe(true);
  });

  it('pages with cursors without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await server.gql(
        `query($after: String) { orgs(first: 7, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }`,
        { after },
        admin,
      );
      seen.push(...res.data.orgs.nodes.map((n: { id: string }) => n.id));
      if (!res.data.orgs.pageInfo.hasNextPage) break;
      after = res.data.orgs.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(37);
    expect(new Set(seen).size).toBe(37);
  });

  it('navigates parent, children, ancestors, descendants and counts', async () => {
    const res = await server.gql(
      `query($id: ID!) { org(id: $id) { name parent { name } ancestors { name } children { totalCount nodes { name kind } }
         descendants(first: 50, kind: BRANCH) { totalCount } counts { total committees generalBranches branches } } }`,
      { id: ids['市公交集团党委'] },
      admin,
    );
    expect(res.errors).toBeUndefined();
    const org = res.data.org;
    expect(org.parent).toEqual({ name: '中共市交通运输局党委' });
    expect(org.ancestors).toEqual([{ name: '中共市交通运输局党委' }]);
    expect(org.children.nodes.map((c: { name: string }) => c.name)).toHaveLength(5);
    expect(org.children.totalCount).toBe(5);
    expect(org.descendants.totalCount).toBe(5);
    expect(org.counts).toEqual({ total: 6, committees: 1, generalBranches: 0, branches: 5 });
  });

  it('pages an org’s children, batched across parents, and counts them all', async () => {
    const page = (after?: string) =>
      server.gql(
        `query($id: ID!, $after: String) { org(id: $id) { children(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } } }`,
        { id: ids['市公交集团党委'], after },
        admin,
      );
    const all = (
      await server.gql(`query($id: ID!) { org(id: $id) { children(first: 100) { nodes { name } } } }`, { id: ids['市公交集团党委'] }, admin)
    ).data.org.children.nodes;
    const seen: { name: string }[] = [];
    let after: string | undefined;
    for (;;) {
      const res = (await page(after)).data.org.children;
      expect(res.totalCount).toBe(5);
      seen.push(...res.nodes);
      if (!res.pageInfo.hasNextPage) break;
      after = res.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
    expect(seen).toHaveLength(5);
    // a page of orgs with their children: every parent's children in two statements, not one per parent
    const counted = await startTestServer({ env: { EXPOSE_STATEMENT_COUNT: 'true' } });
    try {
      const token = await counted.token('jtj', 'admin');
      const run = async (query: string) => {
        const res = await fetch(counted.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        });
        return { statements: Number(res.headers.get('x-sql-statements')), body: (await res.json()) as any };
      };
      const flat = await run(`{ orgs(first: 40) { nodes { name } } }`);
      const tree = await run(`{ orgs(first: 40) { nodes { name children(first: 3) { totalCount nodes { name } } } } }`);
      const withChildren = tree.body.data.orgs.nodes.filter((o: { children: { totalCount: number } }) => o.children.totalCount > 0);
      expect(withChildren.length).toBeGreaterThan(3);
      for (const o of withChildren) expect(o.children.nodes.length).toBe(Math.min(3, o.children.totalCount));
      expect(tree.statements - flat.statements).toBeLessThanOrEqual(2);
    } finally {
      await counted.close();
    }
  });

  it('filters by kind, category and name search', async () => {
    const res = await server.gql(
      `{ orgs(first: 100, kind: GENERAL_BRANCH, category: ENTERPRISE) { nodes { name } } s: orgs(search: "车队") { totalCount } }`,
      {},
      admin,
    );
    expect(res.data.orgs.nodes).toEqual([{ name: '市出租汽车公司党总支' }]);
    expect(res.data.s.totalCount).toBe(5);
  });

  it('refuses a name search over 100 characters, and takes one of 100', async () => {
    const search = (n: number) => server.gql(`query($s: String) { orgs(search: $s) { totalCount } }`, { s: '车'.repeat(n) }, admin);
    const refused = await search(101);
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0].message).toBe('输入不符合要求：search 最多 100 个字符'); // the argument's bound, before any read
    const taken = await search(100);
    expect(taken.errors).toBeUndefined();
    expect(taken.data.orgs.totalCount).toBe(0);
  });

  describe('subtree scope', () => {
    it('shows a secretary its own branch and the breadcrumb above it, never a sibling', async () => {
      const secretary = await server.token('jtj', 'secretary');
      const list = await server.gql(`{ orgs(first: 100) { totalCount nodes { name } } }`, {}, secretary);
      expect(list.data.orgs.nodes).toEqual([{ name: '第一车队党支部' }]);
      expect((await orgByName('市公交集团党委', secretary)).data.org.name).toBe('市公交集团党委');
      const sibling = await orgByName('第二车队党支部', secretary);
      const unknown = await server.gql(`query($id: ID!) { org(id: $id) { id } }`, { id: unknownId('Org') }, secretary);
      expect(codes(sibling)).toEqual(['NOT_FOUND']);
      expect(sibling.errors![0]).toMatchObject({ message: unknown.errors![0].message, extensions: unknown.errors![0].extensions });
      // the breadcrumb's children show only the path down to the secretary's branch
      const parent = await server.gql(
        `query($id: ID!) { org(id: $id) { children { nodes { name } } descendants { totalCount } } }`,
        { id: ids['市公交集团党委'] },
        secretary,
      );
      expect(parent.data.org.children.nodes).toEqual([{ name: '第一车队党支部' }]);
      expect(parent.data.org.descendants.totalCount).toBe(1);
    });

    it('gives a supervisor its whole subtree and nothing beside it', async () => {
      const supervisor = await server.token('jtj', 'supervisor');
      const list = await server.gql(`{ orgs(first: 100) { totalCount } }`, {}, supervisor);
      expect(list.data.orgs.totalCount).toBe(6);
      expect(codes(await orgByName('养护科党支部', supervisor))).toEqual(['NOT_FOUND']);
      expect((await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: ids['养护科党支部'] }, supervisor)).data.node).toBeNull();
    });

    it('refuses org changes to anyone but a tenant admin', async () => {
      for (const username of ['leader', 'supervisor', 'secretary', 'inspector']) {
        const token = await server.token('jtj', username);
        const res = await server.gql(
          `mutation($id: ID!) { renameOrg(input: { id: $id, name: "x" }) { name } }`,
          { id: ids['第一车队党支部'] },
          token,
        );
        expect(codes(res)).toEqual([
          username === 'leader' || username === 'supervisor' || username === 'secretary' || username === 'inspector'
            ? 'FORBIDDEN'
            : 'NOT_FOUND',
        ]);
      }
      expect((await orgByName('第一车队党支部', admin)).data.org.name).toBe('第一车队党支部');
    });
  });

  describe('another tenant', () => {
    it('cannot read, list or change this tenant’s orgs, even as its admin', async () => {
      const foreign = await server.token('szjg', 'admin');
      const read = await orgByName('第一车队党支部', foreign);
      expect(codes(read)).toEqual(['NOT_FOUND']);
      const node = await server.gql(
        `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
        { ids: [ids['第一车队党支部'], ids['中共市交通运输局党委']] },
        foreign,
      );
      expect(node.data.nodes).toEqual([null, null]);
      const list = await server.gql(`query($u: ID!) { orgs(under: $u) { totalCount } }`, { u: ids['中共市交通运输局党委'] }, foreign);
      expect(codes(list)).toEqual(['NOT_FOUND']);
      const rename = await server.gql(
        `mutation($id: ID!) { renameOrg(input: { id: $id, name: "hijack" }) { name } }`,
        { id: ids['第一车队党支部'] },
        foreign,
      );
      expect(codes(rename)).toEqual(['NOT_FOUND']);
      const create = await server.gql(
        `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "x", kind: BRANCH, category: ORGAN }) { id } }`,
        { p: ids['中共市交通运输局党委'] },
        foreign,
      );
      expect(codes(create)).toEqual(['NOT_FOUND']);
      const su = await server.superuser();
      expect(await count(su, 'orgs', `name IN ('x', 'hijack')`)).toBe(0);
    });
  });

  describe('changes by the tenant admin', () => {
    it('creates, renames, moves a subtree and archives, each reflected in the tree', async () => {
      const created = await server.gql(
        `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "第四车队党支部", kind: BRANCH, category: ENTERPRISE }) { ${ORG_FIELDS} parent { name } } }`,
        { p: ids['市公交集团党委'] },
        admin,
      );
      expect(created.errors).toBeUndefined();
      expect(created.data.createOrg).toMatchObject({ name: '第四车队党支部', depth: 3, parent: { name: '市公交集团党委' } });
      const id = created.data.createOrg.id;

      const renamed = await server.gql(
        `mutation($id: ID!) { renameOrg(input: { id: $id, name: "第四车队（新能源）党支部" }) { name } }`,
        { id },
        admin,
      );
      expect(renamed.data.renameOrg.name).toBe('第四车队（新能源）党支部');

      // move the whole 出租汽车公司 subtree under 公交集团: every descendant follows
      const moved = await server.gql(
        `mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { depth parent { name } ancestors { name } } }`,
        { id: ids['市出租汽车公司党总支'], p: ids['市公交集团党委'] },
        admin,
      );
      expect(moved.errors).toBeUndefined();
      expect(moved.data.moveOrg).toEqual({
        depth: 3,
        parent: { name: '市公交集团党委' },
        ancestors: [{ name: '中共市交通运输局党委' }, { name: '市公交集团党委' }],
      });
      const grandchild = await server.gql(
        `query($id: ID!) { org(id: $id) { depth ancestors { name } } }`,
        { id: ids['党员爱心车队党支部'] },
        admin,
      );
      expect(grandchild.data.org).toEqual({
        depth: 4,
        ancestors: [{ name: '中共市交通运输局党委' }, { name: '市公交集团党委' }, { name: '市出租汽车公司党总支' }],
      });
      const supervisor = await server.token('jtj', 'supervisor');
      expect((await server.gql(`{ orgs { totalCount } }`, {}, supervisor)).data.orgs.totalCount).toBe(11);

      const archived = await server.gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { archivedAt } }`, { id }, admin);
      expect(archived.data.archiveOrg.archivedAt).toBeTruthy();
      const active = await server.gql(
        `query($id: ID!) { org(id: $id) { children { nodes { name } } all: children(includeArchived: true) { nodes { name } } } }`,
        { id: ids['市公交集团党委'] },
        admin,
      );
      expect(active.data.org.children.nodes.map((c: { name: string }) => c.name)).not.toContain('第四车队（新能源）党支部');
      expect(active.data.org.all.nodes.map((c: { name: string }) => c.name)).toContain('第四车队（新能源）党支部');
    });

    it('refuses a move into the org’s own subtree and changes nothing', async () => {
      const su = await server.superuser();
      const before = (await su.query(`SELECT id, path::text, parent_id FROM orgs ORDER BY id`)).rows;
      const res = await server.gql(
        `mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`,
        { id: ids['市公路管理处党委'], p: ids['养护科党支部'] },
        admin,
      );
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      const self = await server.gql(
        `mutation($id: ID!) { moveOrg(input: { id: $id, newParentId: $id }) { id } }`,
        { id: ids['市公路管理处党委'] },
        admin,
      );
      expect(self.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ORG_MOVE_CYCLE' });
      expect((await su.query(`SELECT id, path::text, parent_id FROM orgs ORDER BY id`)).rows).toEqual(before);
    });

    it('enforces which kinds may sit under which', async () => {
      const res = await server.gql(
        `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "x", kind: BRANCH, category: ORGAN }) { id } }`,
        { p: ids['办公室党支部'] },
        admin,
      );
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ORG_PARENT_KIND', field: 'input.kind' });
    });

    it('refuses to archive an org with active sub-organizations, or the root', async () => {
      const busy = await server.gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: ids['局机关党委'] }, admin);
      expect(busy.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_HAS_ACTIVE_CHILDREN' });
      const root = await server.gql(
        `mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`,
        { id: ids['中共市交通运输局党委'] },
        admin,
      );
      expect(root.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ORG_ROOT_IMMUTABLE' });
    });
  });

  describe('bad input', () => {
    it.each([
      ['an empty name', { name: '' }, 'BAD_USER_INPUT'],
      ['an oversized name', { name: '党'.repeat(201) }, 'BAD_USER_INPUT'],
      ['an unknown kind', { kind: 'CLUB' }, 'BAD_USER_INPUT'],
      ['a wrong type', { name: 42 }, 'BAD_USER_INPUT'],
      ['a malformed parent id', { parentId: 'garbage' }, 'NOT_FOUND'],
      ['another type’s id', { parentId: unknownId('User') }, 'NOT_FOUND'],
    ])('refuses %s with a coded error and changes nothing', async (_name, patch, code) => {
      const su = await server.superuser();
      const before = await count(su, 'orgs');
      const input = { parentId: ids['市公交集团党委'], name: '新支部', kind: 'BRANCH', category: 'ENTERPRISE', ...patch };
      const res = await server.gql(`mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`, { input }, admin);
      expect(codes(res)).toEqual([code]);
      expect(JSON.stringify(res.errors)).not.toMatch(/SELECT|INSERT|stack|at \//);
      expect(await count(su, 'orgs')).toBe(before);
    });

    it('refuses a page size over the cap', async () => {
      const res = await server.gql(`{ orgs(first: 1000) { totalCount } }`, {}, admin);
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe('first');
      // far beyond the cap, the query-cost limit refuses it before anything runs
      const huge = await server.gql(`{ orgs(first: 100000000) { totalCount } }`, {}, admin);
      expect(codes(huge)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(huge.errors![0].extensions).toMatchObject({ reason: 'QUERY_TOO_COSTLY', limit: 3000000 });
    });

    it('refuses anonymous access to tenant data', async () => {
      const res = await server.gql(`{ orgs { totalCount } }`);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    });
  });
});
