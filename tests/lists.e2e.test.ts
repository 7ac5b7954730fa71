import { Client } from 'pg';
import { addDays } from './helpers/dates';
import { globalId, rawId } from './helpers/ids';
import { GqlResponse, TestServer, startTestServer, tokens, firstSignIn } from './helpers/server';
import { tenantToday } from './helpers/sql';
import { SOURCE_CAMPAIGN, criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';

/**
 * The root lists a UI builds its screens on (issue 12, "what to do next"): evaluations (with the
 * review queue), inspections, notices, service requests, pairings, campaigns and users. Each order of
 * each list, in both directions, pages two at a time through exactly the rows of one big page, in the
 * order the field names (checked against an ORDER BY written here from the documented rule); each
 * filter keeps exactly the rows it names; a cursor is only good for the order it was made with; and a
 * sibling subtree's secretary and another tenant see nothing of it.
 */

type Role = 'admin' | 'leader' | 'deputy' | 'supervisor' | 'secretary' | 'secretary2' | 'inspector' | 'member';
const ROLES: Role[] = ['admin', 'leader', 'deputy', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'];

/** How a list is read and how its rows are ordered, written from the enum values' descriptions. */
interface ListSpec {
  /** The Query field. */
  name: string;
  /** Its order input type. */
  order: string;
  /** The demo user who sees every row of it. */
  reader: Role;
  /** Fixed arguments (e.g. pairings of every state). */
  args?: string;
  /** The table under the API and the joins the ORDER BY reads (`x` is the row). */
  from: string;
  /** The order field's SQL (direction d: 'ASC' | 'DESC'), ending in the id. */
  fields: Record<string, (d: string) => string>;
  /** The order used when none is given. */
  defaultOrder: [string, string];
}

const nullsLast = (d: string) => (d === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST');
const nullsFirst = (d: string) => (d === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST');
const rank = (column: string, values: string[]) => `array_position(ARRAY[${values.map((v) => `'${v}'`).join(', ')}]::text[], ${column})`;
const then = (d: string, ...columns: string[]) => columns.map((c) => `${c} ${d}`).join(', ');

const LISTS: ListSpec[] = [
  {
    name: 'evaluations',
    order: 'EvaluationOrder',
    reader: 'leader',
    from: 'evaluations x JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x.org_id',
    fields: {
      CREATED_AT: (d) => then(d, 'x.created_at', 'x.id'),
      UPDATED_AT: (d) => then(d, 'x.updated_at', 'x.created_at', 'x.id'),
      // not yet submitted: the latest
      SUBMITTED_AT: (d) => `x.submitted_at ${d} ${nullsLast(d)}, ${then(d, 'x.created_at', 'x.id')}`,
      // no total yet: the lowest
      TOTAL: (d) => `x.total ${d} ${nullsFirst(d)}, ${then(d, 'x.created_at', 'x.id')}`,
      STATE: (d) => then(d, rank('x.state', ['DRAFT', 'SUBMITTED', 'ACCEPTED', 'RETURNED']), 'x.created_at', 'x.id'),
      ORG: (d) => then(d, 'o.path_key', 'x.created_at', 'x.id'),
    },
    defaultOrder: ['CREATED_AT', 'ASC'],
  },
  {
    name: 'inspections',
    order: 'InspectionOrder',
    reader: 'leader',
    from: 'inspections x JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x.org_id',
    fields: {
      INSPECTED_ON: (d) => then(d, 'x.inspected_on', 'x.created_at', 'x.id'),
      CREATED_AT: (d) => then(d, 'x.created_at', 'x.id'),
      FINALIZED_AT: (d) => `x.finalized_at ${d} ${nullsLast(d)}, ${then(d, 'x.created_at', 'x.id')}`,
      STATE: (d) => then(d, rank('x.state', ['DRAFT', 'FINALIZED']), 'x.created_at', 'x.id'),
      ORG: (d) => then(d, 'o.path_key', 'x.created_at', 'x.id'),
    },
    defaultOrder: ['INSPECTED_ON', 'DESC'],
  },
  {
    name: 'notices',
    order: 'NoticeOrder',
    reader: 'leader',
    from: 'notices x',
    fields: {
      CREATED_AT: (d) => then(d, 'x.created_at', 'x.id'),
      ISSUED_ON: (d) => `x.issued_on ${d} ${nullsLast(d)}, ${then(d, 'x.created_at', 'x.id')}`,
      TITLE: (d) => then(d, 'x.title', 'x.created_at', 'x.id'),
    },
    defaultOrder: ['CREATED_AT', 'DESC'],
  },
  {
    name: 'serviceRequests',
    order: 'ServiceRequestOrder',
    reader: 'leader',
    from: 'service_requests x',
    fields: {
      DUE_AT: (d) => then(d, 'x.due_at', 'x.created_at', 'x.id'),
      CREATED_AT: (d) => then(d, 'x.created_at', 'x.id'),
      ANSWERED_AT: (d) => `x.answered_at ${d} ${nullsLast(d)}, ${then(d, 'x.created_at', 'x.id')}`,
      STATE: (d) => then(d, rank('x.state', ['OPEN', 'ANSWERED']), 'x.created_at', 'x.id'),
    },
    defaultOrder: ['DUE_AT', 'ASC'],
  },
  {
    name: 'pairings',
    order: 'PairingOrder',
    reader: 'admin',
    args: 'activeOnly: false',
    from: 'pairings x JOIN pairing_persons pp ON pp.tenant_id = x.tenant_id AND pp.id = x.person_id',
    fields: {
      STARTED_ON: (d) => then(d, 'x.started_on', 'x.created_at', 'x.id'),
      CREATED_AT: (d) => then(d, 'x.created_at', 'x.id'),
      ENDED_ON: (d) => `x.ended_on ${d} ${nullsLast(d)}, ${then(d, 'x.created_at', 'x.id')}`,
      LAST_VISIT_ON: (d) =>
        then(
          d,
          'coalesce((SELECT max(v.visited_on) FROM pairing_visits v WHERE v.tenant_id = x.tenant_id AND v.pairing_id = x.id), x.started_on)',
          'x.created_at',
          'x.id',
        ),
      PERSON_NAME: (d) => then(d, 'pp.name', 'x.created_at', 'x.id'),
    },
    defaultOrder: ['STARTED_ON', 'ASC'],
  },
  {
    name: 'campaigns',
    order: 'CampaignOrder',
    reader: 'leader',
    from: 'campaigns x',
    fields: {
      STARTS_ON: (d) => then(d, 'x.starts_on', 'x.created_at', 'x.id'),
      ENDS_ON: (d) => then(d, 'x.ends_on', 'x.created_at', 'x.id'),
      NAME: (d) => then(d, 'x.name', 'x.created_at', 'x.id'),
      CREATED_AT: (d) => then(d, 'x.created_at', 'x.id'),
    },
    defaultOrder: ['STARTS_ON', 'DESC'],
  },
  {
    name: 'users',
    order: 'UserOrder',
    reader: 'admin',
    from: 'users x JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x.org_id',
    fields: {
      USERNAME: (d) => then(d, 'x.username', 'x.id'),
      DISPLAY_NAME: (d) => then(d, 'x.display_name', 'x.username', 'x.id'),
      CREATED_AT: (d) => then(d, 'x.created_at', 'x.username', 'x.id'),
      ORG: (d) => then(d, 'o.path_key', 'x.username', 'x.id'),
    },
    defaultOrder: ['USERNAME', 'ASC'],
  },
];

interface Page {
  ids: string[];
  total: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

describe('root lists: filters, orderBy and scope', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<Role, string>;
  let szjg: Record<'admin' | 'leader', string>;
  let ids: Record<string, string>;
  let today: string;
  /** Global ids of what the setup made, by a short name. */
  const made: Record<string, string> = {};
  let demoCampaign: string;
  let busCampaign: string;
  let wqwhFramework: string;
  let sqsyFramework: string;
  let team1: string;
  let team2: string;
  let inspector2: string;

  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await server.gql(query, variables, token);
    if (res.errors) throw new Error(`${query.slice(0, 80)}: ${JSON.stringify(res.errors)}`);
    return res.data;
  };

  /** One page of a list: `args` is GraphQL argument text added to the call. */
  const page = async (
    list: string,
    token: string,
    opts: {
      args?: string;
      first?: number;
      after?: string | null;
      orderBy?: unknown;
      vars?: Record<string, unknown>;
      varDefs?: string;
    } = {},
  ): Promise<GqlResponse> => {
    const spec = LISTS.find((l) => l.name === list)!;
    const args = [spec.args, opts.args].filter(Boolean).join(', ');
    return server.gql(
      `query($first: Int, $after: String, $orderBy: ${spec.order}${opts.varDefs ? `, ${opts.varDefs}` : ''}) {
         ${list}(first: $first, after: $after, orderBy: $orderBy${args ? `, ${args}` : ''}) {
           totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`,
      { first: opts.first ?? 100, after: opts.after ?? null, orderBy: opts.orderBy ?? null, ...opts.vars },
      token,
    );
  };
  const pageOf = async (...a: Parameters<typeof page>): Promise<Page> => {
    const res = await page(...a);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    const conn = res.data[a[0]];
    return { ids: conn.nodes.map((n: { id: string }) => n.id), total: conn.totalCount, ...conn.pageInfo };
  };
  /** Every row of a list, `first` at a time. */
  const walk = async (list: string, token: string, opts: Parameters<typeof page>[2] = {}, first = 100): Promise<string[]> => {
    const out: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 200; i++) {
      const p: Page = await pageOf(list, token, { ...opts, first, after });
      out.push(...p.ids);
      if (!p.hasNextPage) return out;
      after = p.endCursor;
    }
    throw new Error('no end');
  };

  const mutate = async (mutation: string, input: Record<string, unknown>, token: string) => {
    const data = await gql(mutation, { input }, token);
    return Object.values(data)[0] as Record<string, any>;
  };

  beforeAll(async () => {
    // the file pages every list for several viewers: 400-some requests of one admin within a limit window
    server = await startTestServer({ campaigns: true, env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    su = await server.superuser();
    t = await tokens(server, 'jtj', ROLES);
    szjg = await tokens(server, 'szjg', ['admin', 'leader'] as const);
    ids = await orgIds(server, 'jtj');
    today = await tenantToday(su);

    // frameworks and campaigns: the demo's (root, sqsy), one more at the root and one over the bus group (wqwh)
    const demo = (await gql(`{ campaigns(first: 10) { nodes { id version { id framework { id } } } } }`, {}, t.admin)).campaigns.nodes[0];
    demoCampaign = demo.id;
    sqsyFramework = demo.version.framework.id;
    const wqwh = await mutate(
      `mutation($input: ImportFrameworkInput!) { importFramework(input: $input) { id framework { id } } }`,
      { template: 'wqwh' },
      t.admin,
    );
    wqwhFramework = wqwh.framework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: wqwh.id }, t.admin);
    const campaign = (input: Record<string, unknown>) =>
      mutate(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { eligibleKinds: ['GENERAL_BRANCH', 'BRANCH'], ...input },
        t.admin,
      );
    made.rootCampaign = (
      await campaign({
        name: '党建示范点创建活动',
        versionId: demo.version.id,
        scopeOrgId: ids['中共市交通运输局党委'],
        startsOn: SOURCE_CAMPAIGN.startsOn,
        endsOn: '2030-12-31',
      })
    ).id;
    busCampaign = (
      await campaign({
        name: '公交集团五强五化活动',
        versionId: wqwh.id,
        scopeOrgId: ids['市公交集团党委'],
        startsOn: addDays(today, -10),
        endsOn: addDays(today, 100),
      })
    ).id;

    // evaluations: submitted by the bus group's supervisor, its branch's secretary, the admin and the
    // leader; one draft, one accepted, one returned; and one in the bus group's own campaign
    const crit = await criteriaOf(server, t.admin, demo.version.id);
    const scored = crit.filter((c) => c.isLeaf && !c.isBonus && c.scoringType === 'SCORE');
    const scores = (k: number) => scoresFor(crit, Object.fromEntries(scored.slice(0, k).map((c) => [c.code, 0])));
    const submit = async (name: string, who: Role, org: string, kind: string, k: number) =>
      (made[name] = (await evaluate(server, t[who], { campaignId: demoCampaign, orgId: ids[org], kind }, scores(k))).id);
    await submit('bySupervisor', 'supervisor', '第一车队党支部', 'SUPERIOR', 1);
    await submit('bySecretary', 'secretary', '第一车队党支部', 'SELF', 2);
    await submit('byAdmin', 'admin', '第三车队党支部', 'SUPERIOR', 3);
    await submit('byLeader', 'leader', '养护科党支部', 'SUPERIOR', 4);
    await submit('accepted', 'admin', '第二分公司党支部', 'SUPERIOR', 5);
    await submit('returned', 'supervisor', '保修公司党支部', 'SUPERIOR', 6);
    await gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { id } }`, { id: made.accepted }, t.leader);
    await gql(
      `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "佐证不全" }) { id } }`,
      { id: made.returned },
      t.leader,
    );
    made.draft = (
      await mutate(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id } }`,
        { campaignId: demoCampaign, orgId: ids['养护科党支部'], kind: 'SELF' },
        t.secretary2,
      )
    ).id;
    made.busDraft = (
      await mutate(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id } }`,
        { campaignId: busCampaign, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' },
        t.supervisor,
      )
    ).id;

    // a second inspector, INSPECTOR over the taxi company only, leading a team there
    const user = async (username: string, displayName: string, org: string) =>
      (made[username] = (
        await mutate(
          `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
          { username, displayName, password: 'demo-password', orgId: ids[org] },
          t.admin,
        )
      ).id);
    inspector2 = await user('inspector2', '督导组二组长', '市公交集团党委');
    await user('zhang', '张建国', '第一车队党支部');
    await user('li', '李红梅', '第二车队党支部');
    await user('wang', '王建国', '市公交集团党委');
    const assign = (userId: string, role: string, org: string) =>
      mutate(`mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`, { userId, role, orgId: ids[org] }, t.admin);
    await assign(inspector2, 'INSPECTOR', '市出租汽车公司党总支');
    await assign(made.wang, 'SECRETARY', '第三车队党支部');
    team1 = (await gql(`{ supervisionTeams(first: 10) { nodes { id name } } }`, {}, t.leader)).supervisionTeams.nodes[0].id;
    team2 = (
      await mutate(
        `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
        { name: '第二督导组', leaderId: inspector2, scopeOrgIds: [ids['市出租汽车公司党总支']] },
        t.leader,
      )
    ).id;
    const asInspector2 = (await firstSignIn(server.url, 'jtj', 'inspector2', 'demo-password')).accessToken;
    made.inspector2Token = asInspector2;

    // inspections on several days (two on the same day), some finalized
    let n = 0;
    const record = async (name: string, token: string, team: string, org: string, on: string, finalize: boolean) => {
      const r = await mutate(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        { idempotencyKey: `lists-inspection-${++n}`, teamId: team, orgId: ids[org], inspectedOn: on, methods: ['BRIEFING'], summary: name },
        token,
      );
      made[name] = r.id;
      if (finalize) await gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { id } }`, { id: r.id }, token);
    };
    await record('i1', t.inspector, team1, '第一车队党支部', addDays(today, -30), true);
    await record('i2', t.inspector, team1, '第三车队党支部', addDays(today, -20), false);
    await record('i3', t.inspector, team1, '养护科党支部', addDays(today, -10), true);
    await record('i4', t.inspector, team1, '市公交集团党委', addDays(today, -10), false);
    await record('i5', asInspector2, team2, '第一分公司党支部', addDays(today, -5), true);
    await record('i6', asInspector2, team2, '第二分公司党支部', addDays(today, -40), false);

    // notices: issued on several days, one draft
    const notice = async (name: string, kind: string, title: string, subjects: string[], issuedOn: string | null) => {
      const r = await mutate(
        `mutation($input: CreateNoticeInput!) { createNotice(input: $input) { id } }`,
        { kind, title, body: `${title}。`, subjectOrgIds: subjects.map((s) => ids[s]) },
        t.leader,
      );
      made[name] = r.id;
      if (issuedOn)
        await gql(
          `mutation($id: ID!, $d: Date) { issueNotice(input: { id: $id, issuedOn: $d }) { id } }`,
          { id: r.id, d: issuedOn },
          t.leader,
        );
    };
    await notice('n1', 'COMMENDATION', '关于表扬第三车队党支部的通报', ['第三车队党支部'], addDays(today, -60));
    await notice('n2', 'CRITICISM', '关于养护科党支部台帐问题的通报', ['养护科党支部'], addDays(today, -15));
    await notice('n3', 'COMMENDATION', '关于表扬市出租汽车公司党总支的通报', ['市出租汽车公司党总支'], addDays(today, -15));
    await notice('n4', 'CRITICISM', '草稿：关于第一车队党支部的通报', ['第一车队党支部'], null);

    // service requests: from the bus group's branches (to the bus group) and from the bus group (to the root)
    const raise = async (name: string, who: Role, org: string, title: string) =>
      (made[name] = (
        await mutate(
          `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
          { fromOrgId: ids[org], title, description: `${title}，请予协调。` },
          t[who],
        )
      ).id);
    await raise('r1', 'secretary', '第一车队党支部', '请求培训新任支委');
    await raise('r2', 'supervisor', '第三车队党支部', '请求调剂活动经费');
    await raise('r3', 'supervisor', '市公交集团党委', '请求局党委派员指导');
    await raise('r4', 'secretary2', '养护科党支部', '请求协调学习资料');
    await gql(`mutation($id: ID!) { answerServiceRequest(input: { id: $id, answer: "已安排" }) { id } }`, { id: made.r2 }, t.supervisor);
    await gql(`mutation($id: ID!) { answerServiceRequest(input: { id: $id, answer: "下周派员" }) { id } }`, { id: made.r3 }, t.leader);
    // r1's hour passes (moved under the API: the clock is the database's)
    await su.query(`UPDATE service_requests SET due_at = now() - interval '1 hour' WHERE id = $1`, [rawId(made.r1)]);

    // pairings: cadres with people of several orgs, started on several days, visited or not, one ended
    const person = async (name: string, org: string) =>
      (
        await mutate(
          `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id } }`,
          { orgId: ids[org], name, kind: 'RESIDENT', difficulty: '行动不便' },
          t.admin,
        )
      ).id;
    const pair = async (name: string, cadre: string, personName: string, org: string, startedOn: string) =>
      (made[name] = (
        await mutate(
          `mutation($input: CreatePairingInput!) { createPairing(input: $input) { id } }`,
          { cadreId: cadre, personId: await person(personName, org), startedOn },
          t.admin,
        )
      ).id);
    const userId = async (username: string) =>
      globalId(
        'User',
        (await su.query(`SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'jtj' AND username = $1`, [username]))
          .rows[0].id,
      );
    const supervisorId = await userId('supervisor');
    const secretaryId = await userId('secretary');
    const secretary2Id = await userId('secretary2');
    made.supervisorId = supervisorId;
    made.secretaryId = secretaryId;
    await pair('p1', supervisorId, '赵大爷', '第一车队党支部', addDays(today, -100));
    await pair('p2', secretaryId, '钱奶奶', '第一车队党支部', addDays(today, -50));
    await pair('p3', supervisorId, '孙师傅', '第三车队党支部', addDays(today, -50));
    await pair('p4', secretary2Id, '周阿姨', '养护科党支部', addDays(today, -20));
    const visit = (pairingId: string, visitedOn: string) =>
      mutate(
        `mutation($input: LogPairingVisitInput!) { logPairingVisit(input: $input) { id } }`,
        { pairingId, visitedOn, note: '走访' },
        t.admin,
      );
    await visit(made.p1, addDays(today, -3));
    await visit(made.p3, addDays(today, -45));
    await gql(`mutation($id: ID!) { endPairing(input: { id: $id }) { id } }`, { id: made.p2 }, t.admin);
  }, 240_000);
  afterAll(() => server.close());

  /** Every node of a list with `fields`, in its default order. */
  const nodesOf = async (list: string, token: string, fields: string, args = '', vars: Record<string, unknown> = {}, varDefs = '') => {
    const spec = LISTS.find((l) => l.name === list)!;
    const all = [args.includes('activeOnly') ? '' : spec.args, args].filter(Boolean).join(', ');
    const out: any[] = [];
    let after: string | null = null;
    for (let i = 0; i < 100; i++) {
      const data: any = await gql(
        `query($after: String${varDefs ? `, ${varDefs}` : ''}) { ${list}(first: 100, after: $after${all ? `, ${all}` : ''}) {
           pageInfo { hasNextPage endCursor } nodes { id ${fields} } } }`,
        { after, ...vars },
        token,
      );
      out.push(...data[list].nodes);
      if (!data[list].pageInfo.hasNextPage) return out;
      after = data[list].pageInfo.endCursor;
    }
    throw new Error('no end');
  };
  /** The ids of the orgs in a subtree (the org itself included), as the admin sees them. */
  const subtree = async (org: string) =>
    new Set<string>(
      (await gql(`query($u: ID!) { orgs(under: $u, first: 100) { nodes { id } } }`, { u: ids[org] }, t.admin)).orgs.nodes.map(
        (o: { id: string }) => o.id,
      ),
    );

  /**
   * The filter keeps exactly the rows of the whole list that `keep` names (in the same order), and
   * narrows: some rows, not all.
   */
  const narrows = async (
    list: string,
    token: string,
    fields: string,
    filter: { args: string; vars?: Record<string, unknown>; varDefs?: string },
    keep: (node: any) => boolean,
  ) => {
    const whole = await nodesOf(list, token, fields);
    const filtered = await nodesOf(list, token, fields, filter.args, filter.vars, filter.varDefs);
    const expected = whole.filter(keep).map((n) => n.id);
    expect(filtered.map((n) => n.id)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(whole.length);
    return filtered;
  };

  describe.each(LISTS)('$name', (list) => {
    const token = () => t[list.reader];
    const orders = Object.keys(list.fields).flatMap((field) => [
      [field, 'ASC'],
      [field, 'DESC'],
    ]);

    /** The ids in the order the field's rule gives, from the table under the API. */
    const expected = async (idList: string[], field: string, direction: string) =>
      (
        await su.query<{ id: string }>(
          `SELECT x.id FROM ${list.from} WHERE x.id = ANY($1::uuid[]) ORDER BY ${list.fields[field](direction)}`,
          [idList.map(rawId)],
        )
      ).rows.map((r) => r.id);

    it.each(orders)('ordered by %s %s, two at a time, pages through one big page in the right order', async (field, direction) => {
      const orderBy = { field, direction };
      const whole = await pageOf(list.name, token(), { orderBy, first: 100 });
      expect(whole.hasNextPage).toBe(false);
      expect(whole.ids.length).toBeGreaterThanOrEqual(3);
      expect(whole.total).toBe(whole.ids.length);
      const paged = await walk(list.name, token(), { orderBy }, 2);
      expect(paged).toEqual(whole.ids);
      expect(whole.ids.map(rawId)).toEqual(await expected(whole.ids, field, direction));
      // the same rows in every order
      expect([...whole.ids].sort()).toEqual([...(await walk(list.name, token())).sort()]);
    });

    it('orders by its default when none is given, and ASC is the default direction', async () => {
      const [field, direction] = list.defaultOrder;
      expect(await walk(list.name, token(), {}, 2)).toEqual(await walk(list.name, token(), { orderBy: { field, direction } }));
      const asc = await walk(list.name, token(), { orderBy: { field } });
      expect(asc).toEqual(await walk(list.name, token(), { orderBy: { field, direction: 'ASC' } }));
    });

    it('refuses a cursor made for another order or another list', async () => {
      const [field] = Object.keys(list.fields);
      const other = Object.keys(list.fields).find((f) => f !== field)!;
      const first = await pageOf(list.name, token(), { orderBy: { field, direction: 'ASC' }, first: 1 });
      const cursor = first.endCursor;
      // good for the order it was made with
      expect((await page(list.name, token(), { orderBy: { field, direction: 'ASC' }, first: 1, after: cursor })).errors).toBeUndefined();
      for (const orderBy of [
        { field, direction: 'DESC' },
        { field: other, direction: 'ASC' },
      ]) {
        const res = await page(list.name, token(), { orderBy, first: 1, after: cursor });
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR', field: 'after' });
      }
      // another list's cursor, and a cursor from before orders were carried
      const foreign = LISTS.find((l) => l.name !== list.name)!;
      const elsewhere = (await pageOf(foreign.name, t[foreign.reader], { first: 1 })).endCursor;
      const old = Buffer.from(JSON.stringify(['2020-01-01', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
      for (const after of [elsewhere, old]) {
        const res = await page(list.name, token(), { first: 1, after });
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
      }
    });
  });

  describe('filters narrow to exactly the rows they name', () => {
    it('evaluations: by campaign, state, kind, subtree and org, and combined', async () => {
      const F = 'state kind org { id } campaign { id }';
      const bus = await subtree('市公交集团党委');
      await narrows(
        'evaluations',
        t.leader,
        F,
        { args: 'campaignId: $c', vars: { c: busCampaign }, varDefs: '$c: ID' },
        (n) => n.campaign.id === busCampaign,
      );
      await narrows('evaluations', t.leader, F, { args: 'state: [SUBMITTED, RETURNED]' }, (n) =>
        ['SUBMITTED', 'RETURNED'].includes(n.state),
      );
      await narrows('evaluations', t.leader, F, { args: 'kind: [SELF]' }, (n) => n.kind === 'SELF');
      await narrows('evaluations', t.leader, F, { args: 'under: $u', vars: { u: ids['市公交集团党委'] }, varDefs: '$u: ID' }, (n) =>
        bus.has(n.org.id),
      );
      await narrows(
        'evaluations',
        t.leader,
        F,
        { args: 'orgId: $o', vars: { o: ids['第一车队党支部'] }, varDefs: '$o: ID' },
        (n) => n.org.id === ids['第一车队党支部'],
      );
      const combined = await narrows(
        'evaluations',
        t.leader,
        F,
        {
          args: 'state: [SUBMITTED], kind: [SUPERIOR], under: $u, campaignId: $c',
          vars: { u: ids['市公交集团党委'], c: demoCampaign },
          varDefs: '$u: ID, $c: ID',
        },
        (n) => n.state === 'SUBMITTED' && n.kind === 'SUPERIOR' && bus.has(n.org.id) && n.campaign.id === demoCampaign,
      );
      expect(combined.map((n) => n.id)).toEqual(expect.arrayContaining([made.bySupervisor, made.byAdmin]));
      // an empty list of states or kinds is no filter
      expect((await nodesOf('evaluations', t.leader, F, 'state: [], kind: []')).length).toBe(
        (await nodesOf('evaluations', t.leader, F)).length,
      );
    });

    it('inspections: by date range, subtree, team, state and org', async () => {
      const F = 'inspectedOn state org { id } team { id }';
      const bus = await subtree('市公交集团党委');
      const from = addDays(today, -20);
      const to = addDays(today, -10);
      const range = await narrows(
        'inspections',
        t.leader,
        F,
        { args: 'from: $f, to: $t', vars: { f: from, t: to }, varDefs: '$f: Date, $t: Date' },
        (n) => n.inspectedOn >= from && n.inspectedOn <= to,
      );
      expect(range.map((n) => n.id).sort()).toEqual([made.i2, made.i3, made.i4].sort());
      await narrows('inspections', t.leader, F, { args: 'from: $f', vars: { f: to }, varDefs: '$f: Date' }, (n) => n.inspectedOn >= to);
      await narrows('inspections', t.leader, F, { args: 'to: $t', vars: { t: from }, varDefs: '$t: Date' }, (n) => n.inspectedOn <= from);
      await narrows('inspections', t.leader, F, { args: 'under: $u', vars: { u: ids['市公交集团党委'] }, varDefs: '$u: ID' }, (n) =>
        bus.has(n.org.id),
      );
      await narrows(
        'inspections',
        t.leader,
        F,
        { args: 'teamId: $team', vars: { team: team2 }, varDefs: '$team: ID' },
        (n) => n.team.id === team2,
      );
      await narrows('inspections', t.leader, F, { args: 'state: FINALIZED' }, (n) => n.state === 'FINALIZED');
      await narrows(
        'inspections',
        t.leader,
        F,
        { args: 'orgId: $o', vars: { o: ids['养护科党支部'] }, varDefs: '$o: ID' },
        (n) => n.org.id === ids['养护科党支部'],
      );
      // a team's own inspector sees its team's records, inside a subtree too
      const own = await nodesOf('inspections', made.inspector2Token, F, 'under: $u', { u: ids['市出租汽车公司党总支'] }, '$u: ID');
      expect(own.map((n) => n.id).sort()).toEqual([made.i5, made.i6].sort());
    });

    it('notices: by kind, state, recipient org and issue date', async () => {
      const F = 'kind state issuedOn recipients { org { id } }';
      await narrows('notices', t.leader, F, { args: 'kind: CRITICISM' }, (n) => n.kind === 'CRITICISM');
      await narrows('notices', t.leader, F, { args: 'state: DRAFT' }, (n) => n.state === 'DRAFT');
      const yangHu = ids['养护科党支部'];
      const sent = await narrows('notices', t.leader, F, { args: 'orgId: $o', vars: { o: yangHu }, varDefs: '$o: ID' }, (n) =>
        n.recipients.some((r: { org: { id: string } }) => r.org.id === yangHu),
      );
      expect(sent.map((n) => n.id)).toEqual([made.n2]);
      const from = addDays(today, -20);
      const to = addDays(today, -10);
      const issued = await narrows(
        'notices',
        t.leader,
        F,
        { args: 'from: $f, to: $t', vars: { f: from, t: to }, varDefs: '$f: Date, $t: Date' },
        (n) => n.issuedOn !== null && n.issuedOn >= from && n.issuedOn <= to,
      );
      expect(issued.map((n) => n.id).sort()).toEqual([made.n2, made.n3].sort());
      await narrows(
        'notices',
        t.leader,
        F,
        { args: 'from: $f', vars: { f: addDays(today, -30) }, varDefs: '$f: Date' },
        (n) => n.issuedOn !== null && n.issuedOn >= addDays(today, -30),
      );
    });

    it('service requests: by state, direction (raised by or asked of the range) and overdue', async () => {
      const F = 'state overdue fromOrg { id } toOrg { id }';
      const bus = await subtree('市公交集团党委');
      await narrows('serviceRequests', t.leader, F, { args: 'state: OPEN' }, (n) => n.state === 'OPEN');
      await narrows('serviceRequests', t.leader, F, { args: 'overdue: true' }, (n) => n.overdue);
      const under = { vars: { u: ids['市公交集团党委'] }, varDefs: '$u: ID' };
      // the range is the subtree: raised by its orgs, or asked of them
      const raised = await narrows('serviceRequests', t.leader, F, { args: 'under: $u, direction: RAISED', ...under }, (n) =>
        bus.has(n.fromOrg.id),
      );
      const received = await narrows('serviceRequests', t.leader, F, { args: 'under: $u, direction: RECEIVED', ...under }, (n) =>
        bus.has(n.toOrg.id),
      );
      expect(raised.map((n) => n.id)).toContain(made.r3);
      expect(received.map((n) => n.id)).not.toContain(made.r3);
      // without under, the range is the viewer's scope: the bus group's supervisor asked the root (r3)
      // every request the supervisor sees involves the bus group, each raised by one of its orgs; r3 was asked of the root
      const supervisorRaised = await nodesOf('serviceRequests', t.supervisor, F, 'direction: RAISED');
      expect(supervisorRaised.map((n) => n.id)).toEqual((await nodesOf('serviceRequests', t.supervisor, F)).map((n) => n.id));
      const supervisorReceived = await narrows('serviceRequests', t.supervisor, F, { args: 'direction: RECEIVED' }, (n) =>
        bus.has(n.toOrg?.id),
      );
      expect(supervisorRaised.map((n) => n.id)).toEqual(expect.arrayContaining([made.r1, made.r2, made.r3]));
      expect(supervisorReceived.map((n) => n.id)).toEqual(expect.arrayContaining([made.r1, made.r2]));
      expect(supervisorReceived.map((n) => n.id)).not.toContain(made.r3);
    });

    it('pairings: by cadre, person’s org, without a visit in N days, and ended ones on request', async () => {
      const F = 'active startedOn lastVisitOn cadre { id } person { org { id } }';
      await narrows(
        'pairings',
        t.admin,
        F,
        { args: 'cadreId: $c', vars: { c: made.supervisorId }, varDefs: '$c: ID' },
        (n) => n.cadre?.id === made.supervisorId,
      );
      await narrows(
        'pairings',
        t.admin,
        F,
        { args: 'orgId: $o', vars: { o: ids['第一车队党支部'] }, varDefs: '$o: ID' },
        (n) => n.person.org.id === ids['第一车队党支部'],
      );
      const since = addDays(today, -10);
      const idle = await narrows(
        'pairings',
        t.admin,
        F,
        { args: 'withoutVisitDays: 10' },
        (n) => n.active && (n.lastVisitOn ?? n.startedOn) <= since,
      );
      expect(idle.map((n) => n.id)).toEqual(expect.arrayContaining([made.p3, made.p4]));
      expect(idle.map((n) => n.id)).not.toContain(made.p1);
      // the same as pairingsWithoutVisit
      const same = await gql(`{ pairingsWithoutVisit(days: 10, first: 100) { nodes { id } } }`, {}, t.admin);
      expect(same.pairingsWithoutVisit.nodes.map((n: { id: string }) => n.id)).toEqual(idle.map((n) => n.id));
      const active = await nodesOf('pairings', t.admin, F, 'activeOnly: true');
      expect(active.map((n) => n.id)).not.toContain(made.p2);
      // a cadre's id comes with the pairing for every reader, though the account stays hidden from a non-admin
      const seen = await nodesOf('pairings', t.supervisor, 'cadreId cadre { id }');
      const hidden = seen.find((n) => n.cadre === null)!;
      expect(hidden.cadreId).toEqual(expect.any(String));
      await narrows(
        'pairings',
        t.supervisor,
        'cadreId',
        { args: 'cadreId: $c', vars: { c: hidden.cadreId }, varDefs: '$c: ID' },
        (n) => n.cadreId === hidden.cadreId,
      );
      const refused = await server.gql(`{ pairings(withoutVisitDays: 0) { nodes { id } } }`, {}, t.admin);
      expect(refused.errors?.[0].extensions).toMatchObject({ reason: 'IDLE_DAYS_RANGE', field: 'withoutVisitDays' });
    });

    it('campaigns: active on a day and by framework', async () => {
      const F = 'startsOn endsOn version { framework { id } }';
      const on = async (day: string) => {
        const active = await narrows(
          'campaigns',
          t.leader,
          F,
          { args: 'activeOn: $d', vars: { d: day }, varDefs: '$d: Date' },
          (n) => n.startsOn <= day && n.endsOn >= day,
        );
        return active.map((n) => n.id).sort();
      };
      expect(await on(today)).toEqual([made.rootCampaign, busCampaign].sort());
      expect(await on('2014-12-31')).toEqual([demoCampaign, made.rootCampaign].sort());
      const wqwh = await narrows(
        'campaigns',
        t.leader,
        F,
        { args: 'frameworkId: $f', vars: { f: wqwhFramework }, varDefs: '$f: ID' },
        (n) => n.version.framework.id === wqwhFramework,
      );
      expect(wqwh.map((n) => n.id)).toEqual([busCampaign]);
      await narrows(
        'campaigns',
        t.leader,
        F,
        { args: 'frameworkId: $f', vars: { f: sqsyFramework }, varDefs: '$f: ID' },
        (n) => n.version.framework.id === sqsyFramework,
      );
      const unknown = await server.gql(
        `query($f: ID) { campaigns(frameworkId: $f) { nodes { id } } }`,
        { f: globalId('Framework', '00000000-0000-4000-8000-000000000000') },
        t.leader,
      );
      expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'FRAMEWORK_NOT_FOUND' });
    });

    it('users: by role, home org, subtree and name', async () => {
      const F = 'username org { id } roles { role }';
      const bus = await subtree('市公交集团党委');
      const secretaries = await narrows('users', t.admin, F, { args: 'role: SECRETARY' }, (n) =>
        n.roles.some((r: { role: string }) => r.role === 'SECRETARY'),
      );
      expect(secretaries.map((n) => n.username)).toEqual(['secretary', 'secretary2', 'wang']);
      const home = await narrows(
        'users',
        t.admin,
        F,
        { args: 'orgId: $o', vars: { o: ids['第一车队党支部'] }, varDefs: '$o: ID' },
        (n) => n.org?.id === ids['第一车队党支部'],
      );
      expect(home.map((n) => n.username)).toEqual(['member', 'secretary', 'zhang']);
      await narrows('users', t.admin, F, { args: 'under: $u', vars: { u: ids['市公交集团党委'] }, varDefs: '$u: ID' }, (n) =>
        bus.has(n.org?.id),
      );
      await narrows(
        'users',
        t.admin,
        F,
        { args: 'role: SECRETARY, under: $u', vars: { u: ids['市公交集团党委'] }, varDefs: '$u: ID' },
        (n) => bus.has(n.org?.id) && n.roles.some((r: { role: string }) => r.role === 'SECRETARY'),
      );
      await narrows('users', t.admin, F, { args: 'search: "建国"' }, (n) => ['zhang', 'wang'].includes(n.username));
    });
  });

  describe('awaitingMyReview: the review queue', () => {
    /** Whether the viewer may accept or return a submitted evaluation: a return with a blank reason is refused for the reason alone. */
    const mayReview = async (token: string, id: string) => {
      const res = await server.gql(
        `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: " " }) { id } }`,
        { id },
        token,
      );
      const reason = res.errors?.[0].extensions?.reason;
      expect(['REASON_REQUIRED', 'NOT_REVIEWER', 'REVIEWER_IS_SUBMITTER']).toContain(reason);
      return reason === 'REASON_REQUIRED';
    };
    const queue = async (role: Role, args = '') =>
      (await nodesOf('evaluations', t[role], 'state', ['awaitingMyReview: true', args].filter(Boolean).join(', '))).map((n) => n.id);
    const userIdOf = async (role: Role) =>
      (await su.query(`SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'jtj' AND u.username = $1`, [role]))
        .rows[0].id;

    it.each(ROLES)('lists for %s exactly the submitted evaluations it may accept or return, never its own submission', async (role) => {
      const submitted = (await nodesOf('evaluations', t[role], 'state', 'state: [SUBMITTED]')).map((n) => n.id);
      const reviewable: string[] = [];
      for (const id of submitted) if (await mayReview(t[role], id)) reviewable.push(id);
      const mine = await queue(role);
      expect(mine).toEqual(submitted.filter((id) => reviewable.includes(id)));
      const me = await userIdOf(role);
      const own = await su.query(`SELECT count(*)::int AS n FROM evaluations WHERE id = ANY($1::uuid[]) AND submitted_by = $2`, [
        mine.map(rawId),
        me,
      ]);
      expect(own.rows[0].n).toBe(0);
    });

    it('is what each officer expects: the leader reviews the bus group’s submissions, not its own; a secretary reviews nothing of its own org', async () => {
      const leader = await queue('leader');
      expect(leader).toEqual(expect.arrayContaining([made.bySupervisor, made.bySecretary, made.byAdmin]));
      expect(leader).not.toContain(made.byLeader);
      const supervisor = await queue('supervisor');
      expect(supervisor).toEqual(expect.arrayContaining([made.bySecretary, made.byAdmin]));
      expect(supervisor).not.toContain(made.bySupervisor);
      expect(supervisor).not.toContain(made.byLeader);
      const admin = await queue('admin');
      expect(admin).toEqual(expect.arrayContaining([made.bySupervisor, made.bySecretary, made.byLeader]));
      expect(admin).not.toContain(made.byAdmin);
      for (const role of ['secretary', 'secretary2', 'inspector', 'member'] as const) expect(await queue(role)).toEqual([]);
    });

    it('combines with the other filters and orders, and an accepted evaluation leaves every queue', async () => {
      const bus = await subtree('市公交集团党委');
      const underBus = await nodesOf(
        'evaluations',
        t.leader,
        'org { id }',
        'awaitingMyReview: true, under: $u',
        { u: ids['市公交集团党委'] },
        '$u: ID',
      );
      const all = await nodesOf('evaluations', t.leader, 'org { id }', 'awaitingMyReview: true');
      expect(underBus.map((n) => n.id)).toEqual(all.filter((n) => bus.has(n.org.id)).map((n) => n.id));
      const oldest = await walk('evaluations', t.leader, { args: 'awaitingMyReview: true', orderBy: { field: 'SUBMITTED_AT' } }, 2);
      expect([...oldest].sort()).toEqual([...all.map((n) => n.id)].sort());
      const submittedAt = (await su.query(`SELECT id, submitted_at FROM evaluations WHERE id = ANY($1::uuid[])`, [oldest.map(rawId)])).rows;
      const at = (id: string) => submittedAt.find((r) => r.id === rawId(id)).submitted_at.getTime();
      oldest.slice(1).forEach((id, i) => expect(at(id)).toBeGreaterThanOrEqual(at(oldest[i])));

      await gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id: made.bySecretary }, t.supervisor);
      expect(await queue('supervisor')).not.toContain(made.bySecretary);
      expect(await queue('leader')).not.toContain(made.bySecretary);
      expect(await queue('admin')).not.toContain(made.bySecretary);
    });
  });

  describe('scope and tenant isolation', () => {
    /** What each list shows of an org, for checking it lies in a subtree (`x` is the row under the API). */
    const ORG_OF: Record<string, string> = {
      evaluations: 'SELECT org_id FROM evaluations WHERE id = $1',
      inspections: 'SELECT org_id FROM inspections WHERE id = $1',
      serviceRequests:
        'SELECT from_org_id AS org_id FROM service_requests WHERE id = $1 UNION SELECT to_org_id FROM service_requests WHERE id = $1',
      pairings:
        'SELECT pp.org_id FROM pairings x JOIN pairing_persons pp ON pp.tenant_id = x.tenant_id AND pp.id = x.person_id WHERE x.id = $1',
      users: 'SELECT org_id FROM users WHERE id = $1',
    };
    const TABLE: Record<string, string> = {
      evaluations: 'evaluations',
      inspections: 'inspections',
      notices: 'notices',
      serviceRequests: 'service_requests',
      pairings: 'pairings',
      campaigns: 'campaigns',
      users: 'users',
    };

    it('a sibling subtree’s secretary sees only its own org’s rows (and the tenant’s issued notices, the root campaigns), none of the bus group’s', async () => {
      const own = rawId(ids['养护科党支部']);
      const busRows = [
        ...['bySupervisor', 'bySecretary', 'byAdmin', 'accepted', 'returned', 'busDraft'],
        ...['i1', 'i2', 'i4', 'r1', 'r2', 'r3', 'p1', 'p2', 'p3', 'n4', 'zhang', 'li', 'wang', 'inspector2'],
      ].map((k) => made[k]);
      busRows.push(busCampaign);
      for (const list of LISTS) {
        const seen = await walk(list.name, t.secretary2);
        expect(seen.filter((id) => busRows.includes(id))).toEqual([]);
        const orgOf = ORG_OF[list.name];
        if (!orgOf) continue;
        for (const id of seen) {
          const orgs = (await su.query<{ org_id: string }>(orgOf, [rawId(id)])).rows;
          expect(orgs.map((o) => o.org_id)).toContain(own);
        }
      }
      // what it does see: its own org's evaluations, inspection, request and pairing
      expect(await walk('evaluations', t.secretary2)).toEqual(expect.arrayContaining([made.byLeader, made.draft]));
      expect(await walk('inspections', t.secretary2)).toEqual([made.i3]);
      expect(await walk('serviceRequests', t.secretary2)).toEqual([made.r4]);
      expect(await walk('pairings', t.secretary2)).toEqual([made.p4]);
      expect(await walk('users', t.secretary2)).toEqual([]);
      // and its filters cannot reach into the bus group
      for (const list of ['evaluations', 'inspections', 'serviceRequests', 'pairings', 'users']) {
        const res = await page(list, t.secretary2, { args: 'under: $u', vars: { u: ids['市公交集团党委'] }, varDefs: '$u: ID' });
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'ORG_NOT_FOUND' });
      }
    });

    it('another tenant sees nothing of jtj, and cannot name its orgs', async () => {
      const jtj = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
      for (const role of ['admin', 'leader'] as const) {
        for (const list of LISTS) {
          const seen = await walk(list.name, szjg[role]);
          const leaked = await su.query(
            `SELECT count(*)::int AS n FROM ${TABLE[list.name]} WHERE id = ANY($1::uuid[]) AND tenant_id = $2`,
            [seen.map(rawId), jtj],
          );
          expect(leaked.rows[0].n).toBe(0);
        }
      }
      for (const list of ['evaluations', 'inspections', 'serviceRequests', 'pairings', 'users']) {
        const res = await page(list, szjg.admin, { args: 'under: $u', vars: { u: ids['市公交集团党委'] }, varDefs: '$u: ID' });
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'ORG_NOT_FOUND' });
      }
      for (const [list, arg] of [
        ['evaluations', 'campaignId'],
        ['notices', 'orgId'],
      ]) {
        const id = arg === 'campaignId' ? demoCampaign : ids['第一车队党支部'];
        const res = await page(list, szjg.admin, { args: `${arg}: $x`, vars: { x: id }, varDefs: '$x: ID' });
        expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      }
      // and the other way round: jtj's officers see none of szjg's rows
      const szjgTenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'szjg'`)).rows[0].id;
      for (const list of LISTS) {
        const seen = await walk(list.name, t[list.reader]);
        const leaked = await su.query(`SELECT count(*)::int AS n FROM ${TABLE[list.name]} WHERE id = ANY($1::uuid[]) AND tenant_id = $2`, [
          seen.map(rawId),
          szjgTenant,
        ]);
        expect(leaked.rows[0].n).toBe(0);
      }
    });
  });
});

describe('crafted cursors: every list answers INVALID_CURSOR before a value reaches its SQL', () => {
  let server: TestServer;
  let admin: string;
  let su: Client;
  beforeAll(async () => {
    server = await startTestServer({ campaigns: true, env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    admin = await server.token('jtj', 'admin');
    su = await server.superuser();
  }, 120_000);
  afterAll(() => server.close());

  type CastTo = 'text' | 'uuid' | 'smallint' | 'int' | 'bigint' | 'numeric' | 'date' | 'timestamptz';
  const encode = (values: unknown) => Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
  const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
  /** Values no page makes, for a place of a cursor its statement casts to `type`: wrong types, malformed, out of range, huge. */
  const crafted = (type: CastTo): unknown[] => [
    { a: 1 },
    ['nested'],
    true,
    'nul\u0000byte',
    'x'.repeat(20_000),
    ...(type === 'text' ? [] : ['not-a-value', '12abc', '1e400', '9'.repeat(200_000)]),
    ...(type === 'uuid' ? ['00000000-0000-4000-8000-00000000000g', 42] : []),
    ...(type === 'smallint' || type === 'int' || type === 'bigint' ? [1.5, '1.5', 1e20, '99999999999999999999'] : []),
    ...(type === 'smallint' || type === 'int' ? [2 ** 40, '2147483648'] : []),
    ...(type === 'date' || type === 'timestamptz' ? ['2026-02-30', '2026-13-01 00:00:00+00', 20260101] : []),
  ];

  it('refuses a crafted value in every place of every hand-written and keyset cursor, and still pages with a good one', async () => {
    const one = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await server.gql(query, variables, admin);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data;
    };
    const campaign = (await one(`{ campaigns(first: 1) { nodes { id deadlines { id } } } }`)).campaigns.nodes[0];
    expect(campaign.deadlines.length).toBeGreaterThan(0);
    const evaluationsCursor = (
      await one(`{ evaluations(first: 1, orderBy: { field: TOTAL, direction: DESC }) { pageInfo { endCursor } } }`)
    ).evaluations.pageInfo.endCursor;
    const team = (await one(`{ serviceTeams(first: 1) { nodes { id } } }`)).serviceTeams.nodes[0]?.id;
    const orgs = await orgIds(server, 'jtj');
    const year = Number((await tenantToday(su)).slice(0, 4));
    const [{ id: user }] = (
      await su.query(`SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'jtj' AND u.username = 'admin'`)
    ).rows;
    const [{ id: job }] = (
      await su.query(
        `INSERT INTO import_jobs (tenant_id, kind, dry_run, state, org_id, created_by, file_name, content_type, size, problem_count, finished_at)
         SELECT t.id, 'ORGS', true, 'DONE', $2, $1, 'orgs.csv', 'text/csv', 10, 1, now() FROM tenants t WHERE t.slug = 'jtj' RETURNING id`,
        [user, rawId(orgs['中共市交通运输局党委'])],
      )
    ).rows;
    await su.query(
      `INSERT INTO import_job_problems (tenant_id, job_id, seq, row_number, column_name, reason) SELECT tenant_id, id, 0, 2, '组织名称', 'IMPORT_ORG_EXISTS' FROM import_jobs WHERE id = $1`,
      [job],
    );
    /** Each list: how to read one page after a cursor, a cursor it accepts, and the type each place of it is cast to. */
    const lists: { name: string; read: (after: string) => Promise<GqlResponse>; good: unknown[]; types: (CastTo | null)[] }[] = [
      {
        name: 'campaign.ranking',
        read: (after) =>
          server.gql(
            `query($c: ID!, $a: String) { campaign(id: $c) { ranking(first: 1, after: $a) { nodes { rank } } } }`,
            { c: campaign.id, a: after },
            admin,
          ),
        good: ['90.50', 'a'],
        types: ['numeric', 'text'],
      },
      {
        name: 'campaign.progress.lagging',
        read: (after) =>
          server.gql(
            `query($c: ID!, $a: String) { campaign(id: $c) { progress { lagging(first: 1, after: $a) { nodes { org { id } } } } } }`,
            { c: campaign.id, a: after },
            admin,
          ),
        good: [1, '10.5', 'a'],
        types: ['smallint', 'numeric', 'text'],
      },
      {
        name: 'campaign deadline submissions',
        read: (after) =>
          server.gql(
            `query($c: ID!, $a: String) { campaign(id: $c) { deadlines { submissions(first: 1, after: $a) { nodes { status } } } } }`,
            { c: campaign.id, a: after },
            admin,
          ),
        good: ['a'],
        types: ['text'],
      },
      {
        name: 'importJob.problems',
        read: (after) =>
          server.gql(
            `query($id: ID!, $a: String) { node(id: $id) { ... on ImportJob { problems(first: 1, after: $a) { nodes { row } } } } }`,
            { id: globalId('ImportJob', job), a: after },
            admin,
          ),
        good: ['-1'],
        types: ['int'],
      },
      {
        name: 'orgs',
        read: (after) => server.gql(`query($a: String) { orgs(first: 1, after: $a) { nodes { id } } }`, { a: after }, admin),
        good: ['a'],
        types: ['text'],
      },
      {
        name: 'org.children',
        read: (after) =>
          server.gql(
            `query($id: ID!, $a: String) { org(id: $id) { children(first: 1, after: $a) { nodes { id } } } }`,
            { id: orgs['中共市交通运输局党委'], a: after },
            admin,
          ),
        good: ['a'],
        types: ['text'],
      },
      {
        name: 'assessmentRanking',
        read: (after) =>
          server.gql(
            `query($u: ID!, $y: Int!, $a: String) { assessmentRanking(first: 1, after: $a, under: $u, year: $y) { nodes { total } } }`,
            { u: orgs['中共市交通运输局党委'], y: year, a: after },
            admin,
          ),
        good: [80, 'a'],
        types: ['numeric', 'text'],
      },
      {
        name: 'innovationAwardRanking',
        read: (after) =>
          server.gql(
            `query($a: String) { innovationAwardRanking(first: 1, after: $a, year: 2013) { nodes { rank } } }`,
            { a: after },
            admin,
          ),
        good: ['80', 'a', '00000000-0000-4000-8000-000000000000'],
        types: ['numeric', 'text', 'uuid'],
      },
      {
        name: 'suspiciousReviewClusters',
        read: (after) =>
          server.gql(`query($a: String) { suspiciousReviewClusters(first: 1, after: $a) { nodes { reviewCount } } }`, { a: after }, admin),
        good: ['2013-01-01', 'a', 'b'],
        types: ['date', 'text', 'text'],
      },
      {
        name: 'auditLog (keyset)',
        read: (after) => server.gql(`query($a: String) { auditLog(first: 1, after: $a) { nodes { action } } }`, { a: after }, admin),
        good: ['100'],
        types: ['bigint'],
      },
      {
        name: 'supervisionTeams (keyset)',
        read: (after) => server.gql(`query($a: String) { supervisionTeams(first: 1, after: $a) { nodes { id } } }`, { a: after }, admin),
        good: ['2013-01-01 00:00:00.123+08', '00000000-0000-4000-8000-000000000000'],
        types: ['timestamptz', 'uuid'],
      },
      {
        name: 'evaluations ordered by total (keyset with its order)',
        read: (after) =>
          server.gql(
            `query($a: String) { evaluations(first: 1, after: $a, orderBy: { field: TOTAL, direction: DESC }) { nodes { id } } }`,
            { a: after },
            admin,
          ),
        good: decode(evaluationsCursor),
        types: [null, 'numeric', 'timestamptz', 'uuid'],
      },
      ...(team
        ? [
            {
              name: 'serviceTeam.members',
              read: (after: string) =>
                server.gql(
                  `query($id: ID!, $a: String) { node(id: $id) { ... on ServiceTeam { members(first: 1, after: $a) { nodes { name } } } } }`,
                  { id: team, a: after },
                  admin,
                ),
              good: ['LEADER', '2013-01-01', '00000000-0000-4000-8000-000000000000'],
              types: ['text', 'date', 'uuid'] as CastTo[],
            },
            {
              name: 'serviceTeam.records',
              read: (after: string) =>
                server.gql(
                  `query($id: ID!, $a: String) { node(id: $id) { ... on ServiceTeam { records(first: 1, after: $a) { nodes { id } } } } }`,
                  { id: team, a: after },
                  admin,
                ),
              good: ['2013-01-01', '00000000-0000-4000-8000-000000000000'],
              types: ['date', 'uuid'] as CastTo[],
            },
          ]
        : []),
    ];
    expect(team).toBeDefined();
    const wrong: string[] = [];
    for (const list of lists) {
      const ok = await list.read(encode(list.good));
      if (ok.errors) wrong.push(`${list.name} refused its good cursor: ${JSON.stringify(ok.errors[0].extensions)}`);
      const cursors = [
        'not a cursor',
        encode({ not: 'a list' }),
        encode([...list.good, 'one too many']),
        ...list.types.flatMap((type, i) => (type ? crafted(type).map((v) => encode(list.good.map((g, k) => (k === i ? v : g)))) : [])),
      ];
      for (const after of cursors) {
        const res = await list.read(after);
        const extensions = res.errors?.[0]?.extensions;
        if (extensions?.code !== 'BAD_USER_INPUT' || extensions?.reason !== 'INVALID_CURSOR') {
          wrong.push(
            `${list.name} after ${JSON.stringify(decodeSafe(after)).slice(0, 60)}: ${JSON.stringify(res.errors?.[0]?.extensions ?? 'a page')}`,
          );
        }
      }
    }
    // the public showcase feed (REST) refuses the same way
    const uuid = '00000000-0000-4000-8000-000000000000';
    const feed = async (values: unknown[]) => {
      const res = await fetch(`${server.baseUrl}/public/jtj/showcase.json?first=1&after=${encodeURIComponent(encode(values))}`);
      const body = (await res.json()) as { errors?: { extensions: { reason: string } }[] };
      return { failed: res.status >= 400, reason: body.errors?.[0]?.extensions.reason };
    };
    expect(await feed(['2013-01-01 00:00:00+08', uuid])).toEqual({ failed: false, reason: undefined });
    for (const values of [
      ['not-a-time', uuid],
      ['2013-01-01 00:00:00+08', 'not-a-uuid'],
      [{ a: 1 }, uuid],
      ['x'.repeat(5_000), uuid],
    ]) {
      const answer = await feed(values);
      if (!answer.failed || answer.reason !== 'INVALID_CURSOR')
        wrong.push(`showcase feed after ${JSON.stringify(values).slice(0, 60)}: ${answer.reason}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});

function decodeSafe(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return cursor;
  }
}
