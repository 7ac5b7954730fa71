import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../migrations';
import { addDays } from './helpers/dates';
import { rawId, unknownId } from './helpers/ids';
import { TestServer, codes, startTestServer, tokens, firstSignIn } from './helpers/server';
import { count, tenantToday } from './helpers/sql';
import { orgIds } from './helpers/story';
import { clusterUrl, createTestDatabase, dropTestDatabase } from './helpers/test-database';

/**
 * Titles a tenant chooses (issue 14): 选树典型 kinds are the tenant's data. Every tenant starts with the
 * three defaults; a root admin sets up more (铁人式标兵 as a person, 群众满意窗口 as a window, …) with
 * their subject, limit bounds and whether a 公示 is needed, and every kind goes through the same lifecycle.
 */
const KIND = `id code name subject subjectLabel directOrgsOnly limitMin limitMax limitDefault needsPublicNotice description position builtIn retired retiredAt`;
const CREATE = `mutation($input: CreateExemplarKindInput!) { createExemplarKind(input: $input) { ${KIND} } }`;
const UPDATE = `mutation($input: UpdateExemplarKindInput!) { updateExemplarKind(input: $input) { ${KIND} } }`;
const NOMINATE = `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id kind kindLabel state title memberName kindDefinition { code subject } } }`;

const IRON = {
  code: 'IRON_MODEL',
  name: '铁人式标兵',
  subject: 'PERSON',
  limitMin: 1,
  limitMax: 5,
  limitDefault: 2,
  needsPublicNotice: true,
  description: '学铁人、做铁人、建铁军',
};

describe('exemplar kinds as tenant data (典型类别)', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  let foreign: string;
  let TODAY: string;
  let YEAR: number;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const kinds = async (token: string, includeRetired = false) =>
    (await gql(`query($r: Boolean!) { exemplarKinds(includeRetired: $r) { ${KIND} } }`, { r: includeRetired }, token)).data
      .exemplarKinds as Record<string, unknown>[];
  const nominate = (input: Record<string, unknown>, token = t.admin) =>
    gql(NOMINATE, { input: { year: YEAR, reason: '事迹', ...input } }, token);
  const stepInput: Record<string, string> = {
    startExemplarReview: 'ExemplarStep',
    nameExemplar: 'ExemplarStep',
    startExemplarNotice: 'StartExemplarNotice',
  };
  const run = (mutation: keyof typeof stepInput, input: Record<string, unknown>, token = t.admin) =>
    gql(`mutation($input: ${stepInput[mutation]}Input!) { ${mutation}(input: $input) { id state namedOn } }`, { input }, token);

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj');
    foreign = await server.token('szjg', 'admin');
    TODAY = await tenantToday(su);
    YEAR = Number(TODAY.slice(0, 4));
  });
  afterAll(() => server.close());

  it('starts every tenant, also one created now, with the three default kinds under their old codes, read by anyone in it', async () => {
    const expected = [
      { code: 'MODEL_POST', name: '党员示范岗', subject: 'POST', subjectLabel: '岗位', directOrgsOnly: false },
      { code: 'MODEL_WINDOW', name: '党员示范窗口', subject: 'WINDOW', subjectLabel: '窗口', directOrgsOnly: false },
      { code: 'KEY_ORG', name: '重点培育直属党组织', subject: 'ORG', subjectLabel: '组织', directOrgsOnly: true },
    ].map((k) =>
      expect.objectContaining({ ...k, limitMin: 1, limitMax: 3, limitDefault: 3, needsPublicNotice: true, builtIn: true, retired: false }),
    );
    expect(await kinds(t.member)).toEqual(expected);
    expect(await kinds(foreign)).toEqual(expected);
    const operator = await server.token('', 'operator');
    const created = await gql(
      `mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }`,
      {
        input: {
          slug: 'wlj',
          name: '市文化广电和旅游局',
          rootOrgName: '局党委',
          adminUsername: 'wadmin',
          adminDisplayName: '组织科',
          adminPassword: 'wlj-admin-password-1',
        },
      },
      operator,
    );
    expect(created.errors).toBeUndefined();
    const signedIn = await firstSignIn(server.url, 'wlj', 'wadmin', 'wlj-admin-password-1');
    expect(await kinds(signedIn.accessToken)).toEqual(expected);
    // the same codes, three rows per tenant: each tenant's own
    expect(await count(su, 'exemplar_kinds', `code = 'MODEL_POST'`)).toBe(3);
  });

  it('reads a kind by id within its tenant only', async () => {
    const [post] = await kinds(t.member);
    const q = `query($id: ID!) { node(id: $id) { ... on ExemplarKindDefinition { code } } exemplarKind(id: $id) { name } }`;
    expect((await gql(q, { id: post.id }, t.secretary2)).data).toEqual({
      node: { code: 'MODEL_POST' },
      exemplarKind: { name: '党员示范岗' },
    });
    const other = await gql(q, { id: post.id }, foreign);
    expect(other.data).toBeNull();
    expect(codes(other)).toEqual(['NOT_FOUND']);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: post.id }, foreign)).data.node).toBeNull();
    expect(
      codes(await gql(`query($id: ID!) { exemplarKind(id: $id) { id } }`, { id: unknownId('ExemplarKindDefinition') }, t.admin)),
    ).toEqual(['NOT_FOUND']);
  });

  let ironId: string;

  it('lets only an admin at the root set up a kind, checks every value, and stores nothing refused', async () => {
    const before = await count(su, 'exemplar_kinds');
    for (const who of ['member', 'secretary', 'supervisor', 'leader', 'inspector'])
      expect({ who, codes: codes(await gql(CREATE, { input: IRON }, t[who])) }).toEqual({ who, codes: ['FORBIDDEN'] });
    const bad: [Record<string, unknown>, string, string][] = [
      [{ code: 'iron' }, 'EXEMPLAR_KIND_CODE_INVALID', 'input.code'],
      [{ code: '1RON' }, 'EXEMPLAR_KIND_CODE_INVALID', 'input.code'],
      [{ code: 'MODEL_POST' }, 'EXEMPLAR_KIND_CODE_TAKEN', 'input.code'],
      [{ name: '党员示范岗' }, 'EXEMPLAR_KIND_NAME_TAKEN', 'input.name'],
      [{ name: '　 ' }, 'EXEMPLAR_KIND_NAME_BLANK', 'input.name'],
      [{ limitMin: 3, limitDefault: 2 }, 'EXEMPLAR_KIND_LIMITS_INVALID', 'input.limitDefault'],
      [{ limitMax: 4, limitDefault: 5 }, 'EXEMPLAR_KIND_LIMITS_INVALID', 'input.limitDefault'],
      [{ directOrgsOnly: true }, 'EXEMPLAR_KIND_DIRECT_NOT_ORG', 'input.directOrgsOnly'],
    ];
    for (const [change, reason, field] of bad) {
      const res = await gql(CREATE, { input: { ...IRON, ...change } }, t.admin);
      expect({ change, ext: res.errors?.[0].extensions }).toMatchObject({ change, ext: { reason, field } });
    }
    expect((await gql(CREATE, { input: { ...IRON, limitMax: 101 } }, t.admin)).errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(await count(su, 'exemplar_kinds')).toBe(before);

    const res = await gql(CREATE, { input: IRON }, t.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data.createExemplarKind).toMatchObject({
      ...IRON,
      subjectLabel: '个人',
      directOrgsOnly: false,
      position: 4,
      builtIn: false,
      retired: false,
    });
    ironId = res.data.createExemplarKind.id;
    // a code left out is made up; the other tenant never sees this one
    const window = await gql(
      CREATE,
      { input: { ...IRON, code: null, name: '群众满意窗口', subject: 'WINDOW', needsPublicNotice: false } },
      t.admin,
    );
    expect(window.data.createExemplarKind).toMatchObject({ code: 'CUSTOM_1', subject: 'WINDOW', position: 5 });
    expect((await kinds(foreign)).map((k) => k.code)).toEqual(['MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG']);
    expect((await kinds(t.member)).map((k) => k.name)).toEqual([
      '党员示范岗',
      '党员示范窗口',
      '重点培育直属党组织',
      '铁人式标兵',
      '群众满意窗口',
    ]);
  });

  it('nominates under a person kind: the member’s name is required, two persons of one org are two nominations, one person twice is not', async () => {
    const org = ids['第一车队党支部'];
    const missing = await nominate({ kind: 'IRON_MODEL', orgId: org, title: '驾驶员' }, t.secretary);
    expect(missing.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EXEMPLAR_MEMBER_REQUIRED',
      field: 'input.memberName',
    });
    expect(missing.errors![0].message).toBe('推荐铁人式标兵须写明党员姓名');
    const a = await nominate({ kind: 'IRON_MODEL', orgId: org, memberName: '李红' }, t.secretary);
    expect(a.data.nominateExemplar).toMatchObject({
      kind: 'IRON_MODEL',
      kindLabel: '铁人式标兵',
      state: 'NOMINATED',
      title: null,
      memberName: '李红',
      kindDefinition: { code: 'IRON_MODEL', subject: 'PERSON' },
    });
    expect((await nominate({ kind: 'IRON_MODEL', orgId: org, memberName: '张伟' }, t.secretary)).errors).toBeUndefined();
    const twice = await nominate({ kind: 'IRON_MODEL', orgId: org, memberName: '李红' }, t.supervisor);
    expect(twice.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_NOMINATED' });
    expect(twice.errors![0].message).toBe(`${YEAR}年度该铁人式标兵已被推荐，不能重复推荐`);
    // a window kind needs the window's name; an unknown code and another tenant's kinds are no kinds here
    expect((await nominate({ kind: 'CUSTOM_1', orgId: org }, t.secretary)).errors![0].extensions).toMatchObject({
      reason: 'EXEMPLAR_TITLE_REQUIRED',
      field: 'input.title',
    });
    const unknown = await nominate({ kind: 'NO_SUCH_KIND', orgId: org, title: 'x' }, t.secretary);
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EXEMPLAR_KIND_NOT_FOUND', field: 'input.kind' });
    const szjg = await orgIds(server, 'szjg');
    expect(codes(await nominate({ kind: 'IRON_MODEL', orgId: szjg['内科党支部'], memberName: '王' }, foreign))).toEqual(['BAD_USER_INPUT']);
    // the enum's unquoted spelling still works for every code
    const literal = await gql(
      `mutation($org: ID!, $y: Int!) { nominateExemplar(input: { kind: IRON_MODEL, orgId: $org, year: $y, memberName: "周强" }) { kind } }`,
      { org, y: YEAR },
      t.secretary,
    );
    expect(literal.data.nominateExemplar.kind).toBe('IRON_MODEL');
  });

  it('takes a kind that needs 公示 through the notice, a kind that does not straight from review, each within its own bounds', async () => {
    const person = (await nominate({ kind: 'IRON_MODEL', orgId: ids['养护科党支部'], memberName: '王铁军', title: '养护工区班长' })).data
      .nominateExemplar.id;
    await run('startExemplarReview', { id: person });
    const early = await run('nameExemplar', { id: person, note: '' });
    expect(early.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'EXEMPLAR_NOTICE_REQUIRED' });
    expect(early.errors![0].message).toBe('“铁人式标兵”须经公示后方可命名');
    await run('startExemplarNotice', { id: person, startsOn: TODAY, endsOn: TODAY });
    await su.query(`UPDATE exemplars SET notice_starts_on = $2, notice_ends_on = $2 WHERE id = $1`, [rawId(person), addDays(TODAY, -1)]);
    expect((await run('nameExemplar', { id: person, note: '' })).data.nameExemplar).toMatchObject({ state: 'NAMED', namedOn: TODAY });

    const window = (await nominate({ kind: 'CUSTOM_1', orgId: ids['客运管理科党支部'], title: '客运服务窗口' })).data.nominateExemplar.id;
    expect((await run('nameExemplar', { id: window, note: '' })).errors![0].extensions).toMatchObject({ reason: 'WRONG_EXEMPLAR_STATE' });
    await run('startExemplarReview', { id: window });
    const named = await run('nameExemplar', { id: window, note: '审核通过' });
    expect(named.data.nameExemplar).toMatchObject({ state: 'NAMED', namedOn: TODAY });
    const history = await gql(`query($id: ID!) { exemplar(id: $id) { history { fromState toState } } }`, { id: window }, t.admin);
    expect(history.data.exemplar.history.map((h: { toState: string }) => h.toState)).toEqual(['NOMINATED', 'UNDER_REVIEW', 'NAMED']);

    // the kind's bounds (1–5, default 2), not the defaults' 1–3
    const setLimit = (limit: number, kind = 'IRON_MODEL') =>
      gql(
        `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { kind kindLabel limit named } }`,
        { input: { year: YEAR, kind, category: 'INSTITUTION', limit } },
        t.admin,
      );
    expect((await setLimit(6)).errors![0].extensions).toMatchObject({ reason: 'LIMIT_OUT_OF_BOUNDS', min: 1, max: 5 });
    expect((await setLimit(5)).data.setExemplarLimit).toEqual({ kind: 'IRON_MODEL', kindLabel: '铁人式标兵', limit: 5, named: 1 });
    expect((await setLimit(4, 'MODEL_POST')).errors![0].extensions).toMatchObject({ reason: 'LIMIT_OUT_OF_BOUNDS', min: 1, max: 3 });
    expect(
      (await gql(`{ exemplarLimitBounds(kind: IRON_MODEL) { min max default source } }`, {}, t.member)).data.exemplarLimitBounds,
    ).toEqual({
      min: 1,
      max: 5,
      default: 2,
      source: '本单位设定',
    });
    const counts = await gql(
      `query($y: Int!) { exemplarCounts(year: $y) { kind kindLabel category limit named pending } }`,
      { y: YEAR },
      t.admin,
    );
    expect(counts.data.exemplarCounts.map((c: { kind: string }) => c.kind)).toEqual(
      ['MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG', 'IRON_MODEL', 'CUSTOM_1'].flatMap((k) => [k, k, k]),
    );
    expect(counts.data.exemplarCounts.filter((c: { kind: string }) => c.kind === 'IRON_MODEL')).toEqual([
      { kind: 'IRON_MODEL', kindLabel: '铁人式标兵', category: 'ORGAN', limit: 2, named: 0, pending: 0 },
      { kind: 'IRON_MODEL', kindLabel: '铁人式标兵', category: 'INSTITUTION', limit: 5, named: 1, pending: 0 },
      { kind: 'IRON_MODEL', kindLabel: '铁人式标兵', category: 'ENTERPRISE', limit: 2, named: 0, pending: 3 },
    ]);
  });

  it('changes a kind partly, keeps its subject once used, and retires it: no new nominations, the old ones go on', async () => {
    const renamed = await gql(UPDATE, { input: { id: ironId, name: '“铁人式”标兵', limitDefault: 3 } }, t.admin);
    expect(renamed.data.updateExemplarKind).toMatchObject({ ...IRON, name: '“铁人式”标兵', limitDefault: 3 });
    expect(codes(await gql(UPDATE, { input: { id: ironId, name: 'x' } }, t.leader))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(UPDATE, { input: { id: ironId, name: 'x' } }, foreign))).toEqual(['NOT_FOUND']);
    const subject = await gql(UPDATE, { input: { id: ironId, subject: 'POST' } }, t.admin);
    expect(subject.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'EXEMPLAR_KIND_IN_USE', count: 4 });
    expect((await gql(UPDATE, { input: { id: ironId, limitMin: 4 } }, t.admin)).errors![0].extensions).toMatchObject({
      reason: 'EXEMPLAR_KIND_LIMITS_INVALID',
    });
    // labels follow the kind's name
    const pending = (await gql(`{ exemplars(kind: IRON_MODEL, state: NOMINATED) { nodes { id kindLabel } } }`, {}, t.admin)).data.exemplars
      .nodes;
    expect(pending.map((e: { kindLabel: string }) => e.kindLabel)).toEqual(['“铁人式”标兵', '“铁人式”标兵', '“铁人式”标兵']);

    const retired = await gql(UPDATE, { input: { id: ironId, retired: true } }, t.admin);
    expect(retired.data.updateExemplarKind).toMatchObject({ retired: true, retiredAt: expect.any(String), name: '“铁人式”标兵' });
    const refused = await nominate({ kind: 'IRON_MODEL', orgId: ids['第二车队党支部'], memberName: '刘洋' }, t.supervisor);
    expect(refused.errors![0].extensions).toMatchObject({ reason: 'EXEMPLAR_KIND_RETIRED', field: 'input.kind' });
    expect((await run('startExemplarReview', { id: pending[0].id })).data.startExemplarReview.state).toBe('UNDER_REVIEW');
    expect((await kinds(t.member)).map((k) => k.code)).not.toContain('IRON_MODEL');
    expect((await kinds(t.member, true)).map((k) => k.code)).toContain('IRON_MODEL');
    // still counted in the year it has exemplars
    const counts = await gql(`query($y: Int!) { exemplarCounts(year: $y) { kind } }`, { y: YEAR }, t.admin);
    expect(counts.data.exemplarCounts.map((c: { kind: string }) => c.kind)).toContain('IRON_MODEL');
    const back = await gql(UPDATE, { input: { id: ironId, retired: false } }, t.admin);
    expect(back.data.updateExemplarKind).toMatchObject({ retired: false, retiredAt: null });
    // an unused kind may change its subject; leaving ORG clears "direct orgs only"
    const brand = (
      await gql(CREATE, { input: { ...IRON, code: 'QUALITY_BRAND', name: '优质服务品牌', subject: 'ORG', directOrgsOnly: true } }, t.admin)
    ).data.createExemplarKind;
    const moved = await gql(UPDATE, { input: { id: brand.id, subject: 'POST' } }, t.admin);
    expect(moved.data.updateExemplarKind).toMatchObject({ subject: 'POST', directOrgsOnly: false, code: 'QUALITY_BRAND' });
  });

  it('keeps the built-in rules of the defaults as their data: 重点培育 only among 直属党组织, the org itself', async () => {
    const branch = await nominate({ kind: 'KEY_ORG', orgId: ids['第一车队党支部'] }, t.secretary);
    expect(branch.errors![0].message).toBe('第一车队党支部不是直属党组织；重点培育直属党组织从直属党组织中选择');
    const [, , keyOrg] = await kinds(t.admin);
    // a tenant may open 重点培育 to every level: the rule is data
    await gql(UPDATE, { input: { id: keyOrg.id, directOrgsOnly: false } }, t.admin);
    expect((await nominate({ kind: 'KEY_ORG', orgId: ids['第一车队党支部'] }, t.secretary)).data.nominateExemplar.state).toBe('NOMINATED');
    expect(
      (await nominate({ kind: 'KEY_ORG', orgId: ids['第二车队党支部'], memberName: 'x' }, t.supervisor)).errors![0].extensions,
    ).toMatchObject({
      reason: 'EXEMPLAR_KEY_ORG_MEMBER',
      field: 'input.memberName',
    });
  });

  it('serializes concurrent set-ups: one of 20 with the same name, distinct made-up codes for 20 with none, at most 30 kinds', async () => {
    const same = await Promise.all(
      Array.from({ length: 20 }, () => gql(CREATE, { input: { ...IRON, code: null, name: '优秀服务标兵' } }, t.admin)),
    );
    expect(same.filter((r) => !r.errors).length).toBe(1);
    expect(same.flatMap((r) => (r.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`))).toEqual(
      Array(19).fill('CONFLICT/EXEMPLAR_KIND_NAME_TAKEN'),
    );
    const existing = await count(su, 'exemplar_kinds', `tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`);
    const many = await Promise.all(
      Array.from({ length: 30 - existing + 3 }, (_, i) => gql(CREATE, { input: { ...IRON, code: null, name: `称号${i}` } }, t.admin)),
    );
    const made = many.filter((r) => !r.errors).map((r) => r.data.createExemplarKind.code);
    expect(made.length).toBe(30 - existing);
    expect(new Set(made).size).toBe(made.length);
    expect(many.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.reason))).toEqual(Array(3).fill('TOO_MANY_EXEMPLAR_KINDS'));
    expect(await count(su, 'exemplar_kinds', `tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`)).toBe(30);
    expect(many.some((r) => (r.errors ?? []).some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'))).toBe(false);
  });
});

describe('the migration to tenant kinds', () => {
  it('keeps every exemplar and limit of a tenant, now pointing at its own three default kinds', async () => {
    const name = await createTestDatabase('template0');
    const url = clusterUrl(name);
    const run = async (upTo: number | null) => {
      const ds = new DataSource({
        type: 'postgres',
        url,
        migrations: migrations.filter((m) => upTo === null || Number(/(\d{13})$/.exec(m.name)?.[1]) < upTo),
        migrationsTableName: 'schema_migrations',
      });
      await ds.initialize();
      try {
        await ds.runMigrations({ transaction: 'each' });
      } finally {
        await ds.destroy();
      }
    };
    const su = new Client({ connectionString: url });
    try {
      await run(1734140000000);
      await su.connect();
      const tenant = (await su.query(`INSERT INTO tenants (slug, name) VALUES ('old', '旧单位') RETURNING id`)).rows[0].id;
      const org = (
        await su.query(
          `INSERT INTO orgs (tenant_id, name, kind, category, path) VALUES ($1, '局党委', 'COMMITTEE', 'ORGAN', 'a') RETURNING id`,
          [tenant],
        )
      ).rows[0].id;
      const user = (
        await su.query(
          `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id) VALUES ($1, 'olduser', '用户', 'x', $2) RETURNING id`,
          [tenant, org],
        )
      ).rows[0].id;
      for (const [kind, title, state] of [
        ['MODEL_POST', '示范岗', 'NOMINATED'],
        ['MODEL_WINDOW', '示范窗口', 'REJECTED'],
        ['KEY_ORG', null, 'UNDER_REVIEW'],
      ])
        await su.query(
          `INSERT INTO exemplars (tenant_id, kind, org_id, category, year, title, state, created_by) VALUES ($1, $2, $3, 'ORGAN', 2013, $4, $5, $6)`,
          [tenant, kind, org, title, state, user],
        );
      await su.query(
        `INSERT INTO exemplar_limits (tenant_id, year, kind, category, max_count, updated_by) VALUES ($1, 2013, 'MODEL_WINDOW', 'ORGAN', 2, $2)`,
        [tenant, user],
      );
      const before = (await su.query(`SELECT * FROM exemplars ORDER BY id`)).rows;
      const limitsBefore = (await su.query(`SELECT * FROM exemplar_limits`)).rows;
      await su.end();

      await run(null);
      const after = new Client({ connectionString: url });
      await after.connect();
      try {
        const rows = (await after.query(`SELECT * FROM exemplars ORDER BY id`)).rows;
        expect(rows.map(({ nominee_key, ...rest }) => ({ ...rest, keyed: nominee_key }))).toEqual(before.map((r) => ({ ...r, keyed: '' })));
        expect((await after.query(`SELECT * FROM exemplar_limits`)).rows).toEqual(limitsBefore);
        expect(
          (
            await after.query(
              `SELECT code, name, subject, direct_orgs_only, limit_min, limit_max, limit_default, built_in FROM exemplar_kinds ORDER BY position`,
            )
          ).rows,
        ).toEqual([
          {
            code: 'MODEL_POST',
            name: '党员示范岗',
            subject: 'POST',
            direct_orgs_only: false,
            limit_min: 1,
            limit_max: 3,
            limit_default: 3,
            built_in: true,
          },
          {
            code: 'MODEL_WINDOW',
            name: '党员示范窗口',
            subject: 'WINDOW',
            direct_orgs_only: false,
            limit_min: 1,
            limit_max: 3,
            limit_default: 3,
            built_in: true,
          },
          {
            code: 'KEY_ORG',
            name: '重点培育直属党组织',
            subject: 'ORG',
            direct_orgs_only: true,
            limit_min: 1,
            limit_max: 3,
            limit_default: 3,
            built_in: true,
          },
        ]);
        // codes are now the tenant's kinds: an unknown one is refused by the database
        await expect(
          after.query(
            `INSERT INTO exemplars (tenant_id, kind, org_id, category, year, title, state, created_by) VALUES ($1, 'NOPE', $2, 'ORGAN', 2013, 't', 'NOMINATED', $3)`,
            [tenant, org, user],
          ),
        ).rejects.toMatchObject({ code: '23503' });
      } finally {
        await after.end();
      }
    } finally {
      await su.end().catch(() => undefined);
      await dropTestDatabase(name);
    }
  }, 120_000);
});
