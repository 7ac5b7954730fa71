import { Client } from 'pg';
import { addDays } from './helpers/dates';
import { rawId } from './helpers/ids';
import { TestServer, codes, startTestServer, tokens } from './helpers/server';
import { tenantId, tenantToday } from './helpers/sql';
import { criteriaOf, orgIds, scoresFor } from './helpers/story';

/**
 * viewer.tasks (我的待办) on the full demo: as every demo role of jtj, the list is exactly the pending
 * actions the role may perform, nothing of a sibling subtree or of the other tenant, counted by
 * taskCounts, paged by a keyset cursor, filtered by kind and org; each task leads to its object through
 * node(id:) and disappears once the action is performed through the API.
 */

interface TaskView {
  id: string;
  kind: string;
  kindLabel: string;
  action: string;
  actionLabel: string;
  title: string;
  dueOn: string | null;
  overdue: boolean;
  org: { id: string; name: string } | null;
  subject: { __typename: string; id: string } | null;
}

const TASK_FIELDS = `id kind kindLabel action actionLabel title dueOn overdue org { id name } subject { __typename id }`;
const ROLES = ['admin', 'leader', 'deputy', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'] as const;
type DemoRole = (typeof ROLES)[number];

const PLAN = '创建工作方案报局组织科';
const SELF_CHECK = '直属党组织自查总结报局组织科';
/** jtj's 直属党组织: they owe both deadlines; 市公交集团党委 submitted its plan in the seed. */
const DIRECT = [
  '局机关党委',
  '市公路管理处党委',
  '市道路运输管理处党总支',
  '市交通工程质量监督站党支部',
  '市公交集团党委',
  '市出租汽车公司党总支',
  '市港航管理局党总支',
  '市交通运输综合执法支队党委',
  '市高速公路建设开发公司党委',
];
const OPINION = 'OPINION ACCEPT 第一车队党支部民意：晚上九点以后的末班车间隔太长，希望增加夜班车次';
const SERVICE_REQUEST = 'SERVICE_REQUEST ANSWER 第一车队党支部服务请求：请求协调党员活动场地';
const EXEMPLAR = 'EXEMPLAR_NOTICE NAME 党员示范岗“党员学雷锋车队1路车”公示期满命名';
const RECTIFICATION = 'RECTIFICATION_REPORT REPORT_FIX 第二车队党支部整改：党员示范岗标识不统一';
const REVIEW = 'EVALUATION_REVIEW REVIEW 第二车队党支部上级评议';
const CRITICISM = '关于第二车队党支部督导问题的通报';
const COMMENDATION = 'NOTICE_UNREAD READ 关于表扬第一车队党支部开展便民服务日活动的通报（第一车队党支部）';
const NOTICES = [`NOTICE_UNREAD READ ${CRITICISM}（市公交集团党委）`, `NOTICE_UNREAD READ ${CRITICISM}（第二车队党支部）`, COMMENDATION];
const COMMITMENT = 'COMMITMENT FULFIL 第一车队党支部承诺：每月开展一次“党员学雷锋车队”爱心接送，服务行动不便乘客';

/** What each demo role of jtj must act on in the full demo (src/seed/demo-campaigns.ts and the modules' seeds). */
const EXPECTED: Record<DemoRole, string[]> = {
  // submits for every 直属党组织 (补录), takes opinions, answers the request, names after 公示, reports
  // fixes, reads notices for its orgs; never reviews the evaluation it submitted itself
  admin: [
    ...DIRECT.filter((o) => o !== '市公交集团党委').map((o) => `DEADLINE_SUBMISSION SUBMIT ${o}：${PLAN}`),
    ...DIRECT.map((o) => `DEADLINE_SUBMISSION SUBMIT ${o}：${SELF_CHECK}`),
    OPINION,
    SERVICE_REQUEST,
    EXEMPLAR,
    RECTIFICATION,
    ...NOTICES,
  ],
  leader: [OPINION, SERVICE_REQUEST, EXEMPLAR, RECTIFICATION, REVIEW, ...NOTICES],
  deputy: [OPINION, SERVICE_REQUEST, EXEMPLAR, RECTIFICATION, REVIEW, ...NOTICES],
  // the committee's own officer: its self-check (its plan is in), and everything of its subtree
  supervisor: [`DEADLINE_SUBMISSION SUBMIT 市公交集团党委：${SELF_CHECK}`, OPINION, SERVICE_REQUEST, RECTIFICATION, REVIEW, ...NOTICES],
  secretary: [OPINION, COMMENDATION],
  secretary2: [],
  inspector: [],
  member: [COMMITMENT],
};

const line = (t: TaskView) => `${t.kind} ${t.action} ${t.title}`;
const sorted = (lines: string[]) => [...lines].sort();

describe('viewer.tasks: what each user must act on', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<DemoRole, string>;
  let szjg: Record<'admin' | 'supervisor' | 'secretary' | 'member', string>;
  let ids: Record<string, string>;
  let kindOrder: string[];
  /** The demo campaign, as a task's evaluation names it (审核评议 below). */
  let campaign: { id: string; version: { id: string } };

  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await server.gql(query, variables, token);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };

  /** Every task of the viewer, page by page (`first` at a time), with the connection's totalCount. */
  const tasksOf = async (token: string, args: { kind?: string[]; orgId?: string } = {}, first = 50) => {
    const out: TaskView[] = [];
    let after: string | null = null;
    let total = -1;
    for (let page = 0; page < 100; page++) {
      const data: any = await gql(
        `query($first: Int, $after: String, $kind: [TaskKind!], $orgId: ID) {
           viewer { tasks(first: $first, after: $after, kind: $kind, orgId: $orgId) {
             totalCount pageInfo { hasNextPage endCursor } nodes { ${TASK_FIELDS} } } } }`,
        { first, after, ...args },
        token,
      );
      const conn = data.viewer.tasks;
      out.push(...conn.nodes);
      total = conn.totalCount;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    return { tasks: out, total };
  };
  const linesOf = async (token: string) => (await tasksOf(token)).tasks.map(line);
  const countsOf = async (token: string, orgId?: string) =>
    (await gql(`query($orgId: ID) { viewer { taskCounts(orgId: $orgId) { kind kindLabel count overdueCount } } }`, { orgId }, token)).viewer
      .taskCounts as { kind: string; kindLabel: string; count: number; overdueCount: number }[];
  const find = async (token: string, prefix: string) => {
    const found = (await tasksOf(token)).tasks.find((task) => line(task).startsWith(prefix));
    if (!found) throw new Error(`no task “${prefix}”`);
    return found;
  };
  const has = async (token: string, prefix: string) => (await linesOf(token)).some((l) => l.startsWith(prefix));

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true, env: { EXPOSE_STATEMENT_COUNT: 'true' } });
    su = await server.superuser();
    t = await tokens(server, 'jtj', ROLES);
    szjg = await tokens(server, 'szjg', ['admin', 'supervisor', 'secretary', 'member'] as const);
    ids = await orgIds(server, 'jtj');
    const data = await gql(`{ __type(name: "TaskKind") { enumValues { name } } }`, {}, t.admin);
    kindOrder = data.__type.enumValues.map((v: { name: string }) => v.name);
  }, 120_000);
  afterAll(() => server.close());

  describe('on the demo as seeded', () => {
    it.each(ROLES)('lists exactly the pending actions %s may perform', async (role) => {
      expect(sorted(await linesOf(t[role]))).toEqual(sorted(EXPECTED[role]));
    });

    it('speaks Chinese: a label for every kind and action, overdue judged against the tenant’s today', async () => {
      const { tasks } = await tasksOf(t.admin);
      const today = await tenantToday(su);
      for (const task of tasks) {
        expect(task.kindLabel).toMatch(/[\u4e00-\u9fff]/);
        expect(task.actionLabel).toMatch(/[\u4e00-\u9fff]/);
        // a day's deadline is overdue from the next day; opinions and requests by the hour (限时办结)
        if (!['OPINION', 'SERVICE_REQUEST'].includes(task.kind)) expect(task.overdue).toBe(task.dueOn !== null && task.dueOn < today);
      }
      const plan = tasks.find((x) => x.title === `局机关党委：${PLAN}`)!;
      expect(plan).toMatchObject({ kindLabel: '报送材料', actionLabel: '报送', dueOn: '2013-05-16', overdue: true });
      expect(plan.subject!.__typename).toBe('CampaignDeadline');
      expect(plan.org!.name).toBe('局机关党委');
      const opinion = tasks.find((x) => x.kind === 'OPINION')!;
      expect(opinion).toMatchObject({ kindLabel: '办理民意', actionLabel: '受理', overdue: true });
      const rectification = tasks.find((x) => x.kind === 'RECTIFICATION_REPORT')!;
      expect(rectification).toMatchObject({ overdue: false, org: { name: '第二车队党支部' } });
      expect(rectification.dueOn! > today).toBe(true);
      const notice = tasks.find((x) => x.kind === 'NOTICE_UNREAD')!;
      expect(notice).toMatchObject({ dueOn: null, overdue: false, actionLabel: '阅知' });
    });

    it('orders by due day (undated last), then kind, and keeps every task id unique', async () => {
      for (const role of ROLES) {
        const { tasks } = await tasksOf(t[role]);
        const keys = tasks.map((x) => [x.dueOn ?? '9999-12-31', kindOrder.indexOf(x.kind)] as const);
        for (let i = 1; i < keys.length; i++) {
          const [d0, k0] = keys[i - 1];
          const [d1, k1] = keys[i];
          expect(d0 < d1 || (d0 === d1 && k0 <= k1)).toBe(true);
        }
        expect(new Set(tasks.map((x) => x.id)).size).toBe(tasks.length);
      }
    });

    it('counts per kind equal the list, in one answer with the overdue ones', async () => {
      for (const role of ROLES) {
        const { tasks, total } = await tasksOf(t[role]);
        const counts = await countsOf(t[role]);
        expect(counts.map((c) => c.kind)).toEqual(kindOrder);
        for (const c of counts) {
          const ofKind = tasks.filter((x) => x.kind === c.kind);
          expect([c.kind, c.count, c.overdueCount]).toEqual([c.kind, ofKind.length, ofKind.filter((x) => x.overdue).length]);
          expect(c.kindLabel).toMatch(/[\u4e00-\u9fff]/);
        }
        expect(total).toBe(tasks.length);
        expect(counts.reduce((s, c) => s + c.count, 0)).toBe(tasks.length);
      }
    });

    it('counts once when a screen asks taskCounts and totalCount together; a different filter counts on its own', async () => {
      const run = async (query: string, variables: Record<string, unknown> = {}) => {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as any;
        if (body.errors) throw new Error(JSON.stringify(body.errors));
        return { statements: Number(res.headers.get('x-sql-statements')), data: body.data.viewer };
      };
      const sum = (counts: { count: number }[]) => counts.reduce((s, c) => s + c.count, 0);
      const page = `tasks(first: 3) { totalCount nodes { id } }`;
      const alone = await run(`{ viewer { ${page} } }`);
      const both = await run(`{ viewer { taskCounts { count } ${page} } }`);
      expect(alone.statements).toBeGreaterThan(0);
      expect(both.statements).toBe(alone.statements);
      expect(both.data.tasks.totalCount).toBe(sum(both.data.taskCounts));
      expect(both.data.tasks.totalCount).toBe((await tasksOf(t.admin)).total);
      // the subtree's counts are another statement, and count only the subtree
      const scoped = await run(`query($orgId: ID) { viewer { taskCounts(orgId: $orgId) { count } ${page} } }`, {
        orgId: ids['市公交集团党委'],
      });
      expect(scoped.statements).toBe(alone.statements + 2); // the org's lookup and the subtree's count
      expect(sum(scoped.data.taskCounts)).toBe((await tasksOf(t.admin, { orgId: ids['市公交集团党委'] })).total);
      expect(sum(scoped.data.taskCounts)).toBeLessThan(scoped.data.tasks.totalCount);
    });

    it('pages by a cursor: two at a time gives the same list as one page, across kinds and due days', async () => {
      for (const role of ['admin', 'supervisor'] as const) {
        const whole = (await tasksOf(t[role], {}, 100)).tasks;
        const paged = await tasksOf(t[role], {}, 2);
        expect(paged.tasks.map((x) => x.id)).toEqual(whole.map((x) => x.id));
        expect(paged.total).toBe(whole.length);
      }
      const first = await server.gql(
        `{ viewer { tasks(first: 2) { pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id } } } }`,
        {},
        t.admin,
      );
      expect(first.data.viewer.tasks.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const second = await server.gql(
        `query($after: String) { viewer { tasks(first: 2, after: $after) { pageInfo { hasPreviousPage } nodes { id } } } }`,
        { after: first.data.viewer.tasks.pageInfo.endCursor },
        t.admin,
      );
      expect(second.data.viewer.tasks.pageInfo.hasPreviousPage).toBe(true);
      expect(second.data.viewer.tasks.nodes.map((n: { id: string }) => n.id)).not.toContain(first.data.viewer.tasks.nodes[0].id);
    });

    it('refuses a forged cursor and a page size out of bounds', async () => {
      for (const after of ['bm90LWEtY3Vyc29y', Buffer.from(JSON.stringify(['2013-05-16', 'NO_SUCH_KIND', 'x'])).toString('base64url')]) {
        const res = await server.gql(`query($after: String) { viewer { tasks(after: $after) { nodes { id } } } }`, { after }, t.admin);
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
      }
      const big = await server.gql(`{ viewer { tasks(first: 101) { nodes { id } } } }`, {}, t.admin);
      expect(codes(big)).toEqual(['BAD_USER_INPUT']);
    });

    it('filters by kind and by org (the org and its subtree), counts too', async () => {
      const byKind = await tasksOf(t.admin, { kind: ['OPINION', 'NOTICE_UNREAD'] });
      expect(sorted(byKind.tasks.map(line))).toEqual(sorted([OPINION, ...NOTICES]));
      expect(byKind.total).toBe(4);

      const bus = ids['市公交集团党委'];
      const under = (await gql(`query($id: ID!) { orgs(under: $id, first: 100) { nodes { id } } }`, { id: bus }, t.admin)).orgs.nodes.map(
        (o: { id: string }) => o.id,
      );
      const all = (await tasksOf(t.admin)).tasks;
      const filtered = await tasksOf(t.admin, { orgId: bus });
      expect(filtered.tasks.map((x) => x.id)).toEqual(all.filter((x) => under.includes(x.org!.id)).map((x) => x.id));
      expect(sorted(filtered.tasks.map(line))).toEqual(
        sorted([`DEADLINE_SUBMISSION SUBMIT 市公交集团党委：${SELF_CHECK}`, OPINION, SERVICE_REQUEST, EXEMPLAR, RECTIFICATION, ...NOTICES]),
      );
      const counts = await countsOf(t.admin, bus);
      expect(counts.reduce((s, c) => s + c.count, 0)).toBe(filtered.tasks.length);

      // an org outside the viewer's sight is unknown, like any other
      const outside = await server.gql(
        `query($id: ID!) { viewer { tasks(orgId: $id) { nodes { id } } } }`,
        { id: ids['养护科党支部'] },
        t.secretary,
      );
      expect(outside.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'ORG_NOT_FOUND' });
    });

    it('shows nothing of a sibling subtree or of the other tenant', async () => {
      const jtjTenant = await tenantId(su, 'jtj');
      for (const role of ROLES) {
        const visible = (await gql(`{ orgs(first: 100) { nodes { id } } }`, {}, t[role])).orgs.nodes.map((o: { id: string }) => o.id);
        const { tasks } = await tasksOf(t[role]);
        for (const task of tasks) expect(visible).toContain(task.org!.id);
        const subjects = tasks.map((x) => rawId(x.subject!.id));
        if (subjects.length) {
          const foreign = await su.query(
            `SELECT count(*)::int AS n FROM (
               SELECT tenant_id, id FROM campaign_deadlines UNION ALL SELECT tenant_id, id FROM evaluations
               UNION ALL SELECT tenant_id, id FROM rectifications UNION ALL SELECT tenant_id, id FROM opinions
               UNION ALL SELECT tenant_id, id FROM service_requests UNION ALL SELECT tenant_id, id FROM exemplars
               UNION ALL SELECT tenant_id, id FROM notices UNION ALL SELECT tenant_id, id FROM commitments) x
             WHERE x.id = ANY($1::uuid[]) AND x.tenant_id <> $2`,
            [subjects, jtjTenant],
          );
          expect(foreign.rows[0].n).toBe(0);
        }
      }
      // secretary2's 养护科 lies beside 公交集团: none of its opinion, notice or review reaches it
      expect(await linesOf(t.secretary2)).toEqual([]);
      // the other tenant's admin has its own 直属党组织's deadlines and nothing of jtj's
      const other = (await tasksOf(szjg.admin)).tasks;
      expect(other).toHaveLength(12);
      expect(other.every((x) => x.kind === 'DEADLINE_SUBMISSION')).toBe(true);
      const jtjNames = Object.keys(ids);
      expect(other.filter((x) => jtjNames.includes(x.org!.name))).toEqual([]);
      expect(sorted((await tasksOf(szjg.supervisor)).tasks.map(line))).toEqual(
        sorted([
          `DEADLINE_SUBMISSION SUBMIT 市卫生健康委员会党委：${PLAN}`,
          `DEADLINE_SUBMISSION SUBMIT 市卫生健康委员会党委：${SELF_CHECK}`,
        ]),
      );
      expect(await linesOf(szjg.secretary)).toEqual([]);
      // a platform operator has no tasks
      const operator = await server.token('', 'operator');
      const res = await server.gql(`{ viewer { tasks { totalCount nodes { id } } taskCounts { kind } } }`, {}, operator);
      expect(res.data.viewer).toEqual({ tasks: { totalCount: 0, nodes: [] }, taskCounts: [] });
    });
  });

  describe('the demo walk', () => {
    it('reaches, from viewer.tasks alone, every object a task names, as each role, through node(id:)', async () => {
      for (const [tenant, roleTokens] of [
        ['jtj', t],
        ['szjg', szjg],
      ] as const) {
        for (const [role, token] of Object.entries(roleTokens)) {
          const { tasks } = await tasksOf(token);
          for (const task of tasks) {
            const data = await gql(
              `query($s: ID!, $o: ID!) { s: node(id: $s) { __typename id } o: node(id: $o) { __typename id } }`,
              { s: task.subject!.id, o: task.org!.id },
              token,
            );
            expect([tenant, role, task.title, data.s]).toEqual([tenant, role, task.title, task.subject]);
            expect(data.o).toEqual({ __typename: 'Org', id: task.org!.id });
          }
        }
      }
    });

    it('covers every pending action of the demo data: each is some role’s task', async () => {
      const jtj = await tenantId(su, 'jtj');
      const reached = new Set<string>();
      for (const role of ROLES) {
        for (const task of (await tasksOf(t[role])).tasks) {
          reached.add(`${task.subject!.__typename}:${rawId(task.subject!.id)}:${rawId(task.org!.id)}`);
        }
      }
      // the pending records, read under the API: missing submissions of the 直属党组织, open reviews,
      // open rectifications, untaken opinions, unanswered requests, 公示 ending, unread notices, pledges
      const pending = await su.query<{ key: string }>(
        `SELECT 'CampaignDeadline:' || d.id || ':' || o.id AS key FROM campaign_deadlines d JOIN orgs o ON o.tenant_id = d.tenant_id AND o.depth = 2
           WHERE d.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM deadline_submissions s WHERE s.deadline_id = d.id AND s.org_id = o.id)
         UNION ALL SELECT 'Evaluation:' || id || ':' || org_id FROM evaluations WHERE tenant_id = $1 AND state IN ('DRAFT', 'SUBMITTED', 'RETURNED')
         UNION ALL SELECT 'Rectification:' || id || ':' || owner_org_id FROM rectifications WHERE tenant_id = $1 AND state NOT IN ('VERIFIED', 'WITHDRAWN')
         UNION ALL SELECT 'Opinion:' || id || ':' || org_id FROM opinions WHERE tenant_id = $1 AND state IN ('RECEIVED', 'ACCEPTED')
         UNION ALL SELECT 'ServiceRequest:' || id || ':' || to_org_id FROM service_requests WHERE tenant_id = $1 AND state = 'OPEN'
         UNION ALL SELECT 'Exemplar:' || id || ':' || org_id FROM exemplars WHERE tenant_id = $1 AND state = 'PUBLIC_NOTICE'
         UNION ALL SELECT 'Notice:' || r.notice_id || ':' || r.org_id FROM notice_recipients r JOIN notices n ON n.id = r.notice_id
           WHERE r.tenant_id = $1 AND r.read_at IS NULL AND n.state = 'ISSUED'
         UNION ALL SELECT 'Commitment:' || id || ':' || org_id FROM commitments WHERE tenant_id = $1 AND state = 'PLEDGED'`,
        [jtj],
      );
      expect(pending.rows.length).toBeGreaterThanOrEqual(24);
      expect(pending.rows.map((r) => r.key).filter((k) => !reached.has(k))).toEqual([]);
    });
  });

  describe('performing the action through the API removes the task', () => {
    it('报送: the committee’s officer submits; a return brings it back as a resubmission, done again', async () => {
      const task = await find(t.supervisor, `DEADLINE_SUBMISSION SUBMIT 市公交集团党委：${SELF_CHECK}`);
      const submitted = await gql(
        `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { id state } }`,
        { input: { deadlineId: task.subject!.id, orgId: task.org!.id, text: '市公交集团党委创建工作自查总结' } },
        t.supervisor,
      );
      for (const role of ['supervisor', 'admin'] as const)
        expect(await has(t[role], `DEADLINE_SUBMISSION SUBMIT 市公交集团党委：${SELF_CHECK}`)).toBe(false);

      await gql(
        `mutation($input: ReturnDeadlineSubmissionInput!) { returnDeadlineSubmission(input: $input) { state } }`,
        { input: { submissionId: submitted.submitForDeadline.id, reason: '请补充党员示范岗创建情况' } },
        t.admin,
      );
      const again = await find(t.supervisor, `DEADLINE_SUBMISSION RESUBMIT 市公交集团党委：${SELF_CHECK}`);
      expect(again.subject).toEqual({ __typename: 'DeadlineSubmission', id: submitted.submitForDeadline.id });
      expect(again.actionLabel).toBe('修改后重新提交');
      expect(await has(t.admin, `DEADLINE_SUBMISSION RESUBMIT 市公交集团党委：${SELF_CHECK}`)).toBe(true);
      await gql(
        `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { state } }`,
        { input: { deadlineId: task.subject!.id, orgId: again.org!.id, text: '市公交集团党委创建工作自查总结（修改稿）' } },
        t.supervisor,
      );
      expect(await has(t.supervisor, 'DEADLINE_SUBMISSION')).toBe(false);
      expect(await has(t.admin, `DEADLINE_SUBMISSION RESUBMIT`)).toBe(false);
    });

    it('民意: the first handler takes it (off everyone’s list) and then answers it', async () => {
      const task = await find(t.secretary, OPINION);
      await gql(`mutation($id: ID!) { acceptOpinion(input: { id: $id }) { state } }`, { id: task.subject!.id }, t.secretary);
      for (const role of ['secretary', 'admin', 'leader', 'supervisor'] as const) expect(await has(t[role], OPINION)).toBe(false);
      const answer = await find(t.secretary, 'OPINION ANSWER');
      expect(answer.subject!.id).toBe(task.subject!.id);
      await gql(
        `mutation($id: ID!) { replyOpinion(input: { id: $id, reply: "已协调增开夜班车两班" }) { state } }`,
        { id: task.subject!.id },
        t.secretary,
      );
      expect(await has(t.secretary, 'OPINION')).toBe(false);
    });

    it('服务请求: the superior’s officer answers', async () => {
      const task = await find(t.supervisor, SERVICE_REQUEST);
      await gql(
        `mutation($id: ID!) { answerServiceRequest(input: { id: $id, answer: "集团党委会议室每周三下午供车队党支部使用" }) { state } }`,
        { id: task.subject!.id },
        t.supervisor,
      );
      for (const role of ['supervisor', 'admin', 'leader'] as const) expect(await has(t[role], SERVICE_REQUEST)).toBe(false);
    });

    it('审核评议: returned to its submitter, resubmitted, accepted; never reviewed by the submitter', async () => {
      const task = await find(t.leader, REVIEW);
      campaign = (
        await gql(
          `query($id: ID!) { node(id: $id) { ... on Evaluation { campaign { id version { id } } } } }`,
          { id: task.subject!.id },
          t.leader,
        )
      ).node.campaign;
      await gql(
        `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "请补充台帐佐证" }) { state } }`,
        { id: task.subject!.id },
        t.leader,
      );
      for (const role of ['leader', 'deputy', 'supervisor'] as const) expect(await has(t[role], REVIEW)).toBe(false);
      // the admin submitted it: the return is the admin's to fix, nobody else's
      const returned = await find(t.admin, 'EVALUATION_RETURNED RESUBMIT 第二车队党支部上级评议');
      expect(await has(t.leader, 'EVALUATION_RETURNED')).toBe(false);
      const { node } = await gql(
        `query($id: ID!) { node(id: $id) { ... on Evaluation { version } } }`,
        { id: returned.subject!.id },
        t.admin,
      );
      await gql(
        `mutation($id: ID!, $v: Int!) { submitEvaluation(input: { evaluationId: $id, expectedVersion: $v }) { state } }`,
        { id: returned.subject!.id, v: node.version },
        t.admin,
      );
      expect(await has(t.admin, 'EVALUATION_RETURNED')).toBe(false);
      expect(await has(t.admin, REVIEW)).toBe(false);
      await find(t.deputy, REVIEW);
      await gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id: returned.subject!.id }, t.deputy);
      for (const role of ['leader', 'deputy', 'supervisor'] as const) expect(await has(t[role], REVIEW)).toBe(false);
    });

    it('自查: the branch secretary fills it in and submits; a return comes back to the secretary; reviewers beside it see nothing', async () => {
      // the campaign as the reviewed evaluation above named it
      const branch = ids['养护科党支部'];
      const started = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId: campaign.id, orgId: branch, kind: 'SELF' } },
        t.secretary2,
      );
      const fill = await find(t.secretary2, 'EVALUATION_FILL FILL 养护科党支部自查');
      expect(fill.subject!.id).toBe(started.startEvaluation.id);
      expect(fill).toMatchObject({ kindLabel: '填报评议', actionLabel: '填报', dueOn: null });
      expect(await has(t.admin, 'EVALUATION_FILL')).toBe(false);

      const criteria = await criteriaOf(server, t.secretary2, campaign.version.id);
      const saved = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        { input: { evaluationId: fill.subject!.id, expectedVersion: started.startEvaluation.version, scores: scoresFor(criteria) } },
        t.secretary2,
      );
      await gql(
        `mutation($id: ID!, $v: Int!) { submitEvaluation(input: { evaluationId: $id, expectedVersion: $v }) { state } }`,
        { id: fill.subject!.id, v: saved.saveScores.version },
        t.secretary2,
      );
      expect(await has(t.secretary2, 'EVALUATION_FILL')).toBe(false);
      const review = 'EVALUATION_REVIEW REVIEW 养护科党支部自查';
      for (const role of ['admin', 'leader', 'deputy'] as const) expect(await has(t[role], review)).toBe(true);
      for (const role of ['supervisor', 'secretary', 'secretary2', 'inspector'] as const) expect(await has(t[role], review)).toBe(false);

      await gql(
        `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "服务群众台帐不完整" }) { state } }`,
        { id: fill.subject!.id },
        t.admin,
      );
      const back = await find(t.secretary2, 'EVALUATION_RETURNED RESUBMIT 养护科党支部自查');
      const { node } = await gql(
        `query($id: ID!) { node(id: $id) { ... on Evaluation { version } } }`,
        { id: back.subject!.id },
        t.secretary2,
      );
      await gql(
        `mutation($id: ID!, $v: Int!) { submitEvaluation(input: { evaluationId: $id, expectedVersion: $v }) { state } }`,
        { id: back.subject!.id, v: node.version },
        t.secretary2,
      );
      expect(await linesOf(t.secretary2)).toEqual([]);
      await gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id: back.subject!.id }, t.leader);
      for (const role of ['admin', 'leader', 'deputy'] as const) expect(await has(t[role], review)).toBe(false);
    });

    it('整改: reported by an officer over the org, then signed off (销号) by the issuing team', async () => {
      const task = await find(t.supervisor, RECTIFICATION);
      await gql(
        `mutation($id: ID!) { submitRectification(input: { id: $id, report: "已统一制作党员示范岗标识", evidenceRefs: ["标识照片.jpg"] }) { state } }`,
        { id: task.subject!.id },
        t.supervisor,
      );
      for (const role of ['supervisor', 'admin', 'leader'] as const) expect(await has(t[role], RECTIFICATION)).toBe(false);
      const verify = await find(t.inspector, 'RECTIFICATION_VERIFY VERIFY 第二车队党支部整改：党员示范岗标识不统一');
      expect(verify).toMatchObject({ kindLabel: '整改销号', actionLabel: '销号' });
      expect(await has(t.admin, 'RECTIFICATION_VERIFY')).toBe(false);
      await gql(
        `mutation($id: ID!) { verifyRectification(input: { id: $id, accept: true }) { state } }`,
        { id: verify.subject!.id },
        t.inspector,
      );
      expect(await linesOf(t.inspector)).toEqual([]);
    });

    it('通报: a recipient org’s reading takes it off every list for that org only', async () => {
      const task = await find(t.secretary, COMMENDATION);
      await gql(
        `mutation($n: ID!, $o: ID!) { markNoticeRead(input: { noticeId: $n, orgId: $o }) { readAt } }`,
        { n: task.subject!.id, o: task.org!.id },
        t.secretary,
      );
      for (const role of ['secretary', 'admin', 'supervisor'] as const) expect(await has(t[role], COMMENDATION)).toBe(false);
      expect(await has(t.admin, `NOTICE_UNREAD READ ${CRITICISM}`)).toBe(true);
    });

    it('承诺: the member reports keeping its own pledge', async () => {
      const task = await find(t.member, COMMITMENT);
      await gql(
        `mutation($id: ID!) { fulfilCommitment(input: { id: $id, report: "本月已接送行动不便乘客12人次" }) { state } }`,
        { id: task.subject!.id },
        t.member,
      );
      expect(await linesOf(t.member)).toEqual([]);
    });

    it('公示: an objection waits on the bureau; after the window the exemplar waits to be named, overdue', async () => {
      const notice = await find(t.leader, EXEMPLAR);
      expect(notice.overdue).toBe(false);
      const lodged = await gql(
        `mutation($id: ID!) { lodgeExemplarObjection(input: { exemplarId: $id, text: "请核实该车队服务记录" }) { id } }`,
        { id: notice.subject!.id },
        t.member,
      );
      const objection = await find(t.leader, 'EXEMPLAR_OBJECTION ANSWER 党员示范岗“党员学雷锋车队1路车”公示异议');
      expect(objection.subject!.id).toBe(lodged.lodgeExemplarObjection.id);
      expect(await has(t.admin, 'EXEMPLAR_OBJECTION')).toBe(true);
      expect(await has(t.supervisor, 'EXEMPLAR_OBJECTION')).toBe(false);
      await gql(
        `mutation($id: ID!) { answerExemplarObjection(input: { objectionId: $id, answer: "经核实，服务记录完整", upheld: false }) { id } }`,
        { id: objection.subject!.id },
        t.leader,
      );
      for (const role of ['leader', 'admin'] as const) expect(await has(t[role], 'EXEMPLAR_OBJECTION')).toBe(false);

      // the window closes (moved back under the API): naming is due, and late
      const today = await tenantToday(su);
      await su.query(`UPDATE exemplars SET notice_starts_on = $2, notice_ends_on = $3 WHERE id = $1`, [
        rawId(notice.subject!.id),
        addDays(today, -8),
        addDays(today, -1),
      ]);
      const due = await find(t.leader, EXEMPLAR);
      expect(due).toMatchObject({ dueOn: addDays(today, -1), overdue: true });
      await gql(
        `mutation($id: ID!) { nameExemplar(input: { id: $id, note: "公示期满无异议，予以命名" }) { state } }`,
        { id: due.subject!.id },
        t.leader,
      );
      for (const role of ['leader', 'admin'] as const) expect(await has(t[role], 'EXEMPLAR')).toBe(false);
    });

    it('结对走访: a cadre’s own pairing without a visit for 30 days is its task until visited', async () => {
      const today = await tenantToday(su);
      const { viewer } = await gql(`{ viewer { user { id } } }`, {}, t.leader);
      const person = await gql(
        `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id } }`,
        { input: { orgId: ids['第二车队党支部'], name: '张桂芳', kind: 'MEMBER', difficulty: '老党员，独居，行动不便' } },
        t.leader,
      );
      const pairing = await gql(
        `mutation($input: CreatePairingInput!) { createPairing(input: $input) { id } }`,
        { input: { cadreId: viewer.user.id, personId: person.createPairingPerson.id, startedOn: addDays(today, -40) } },
        t.leader,
      );
      const task = await find(t.leader, 'PAIRING_VISIT VISIT 走访结对联系对象张桂芳');
      expect(task).toMatchObject({
        subject: { __typename: 'Pairing', id: pairing.createPairing.id },
        dueOn: addDays(today, -10),
        overdue: true,
      });
      expect(await has(t.admin, 'PAIRING_VISIT')).toBe(false);
      await gql(
        `mutation($id: ID!, $on: Date!) { logPairingVisit(input: { pairingId: $id, visitedOn: $on, note: "上门看望", helpGiven: "送慰问品" }) { id } }`,
        { id: task.subject!.id, on: today },
        t.leader,
      );
      expect(await has(t.leader, 'PAIRING_VISIT')).toBe(false);
    });

    it('leaves each role with what it has not done yet, still counted alike', async () => {
      expect(sorted(await linesOf(t.leader))).toEqual(
        sorted([`NOTICE_UNREAD READ ${CRITICISM}（市公交集团党委）`, `NOTICE_UNREAD READ ${CRITICISM}（第二车队党支部）`]),
      );
      for (const role of ROLES) {
        const counts = await countsOf(t[role]);
        expect(counts.reduce((s, c) => s + c.count, 0)).toBe((await tasksOf(t[role])).tasks.length);
      }
    });
  });

  describe('after an org moves and is archived', () => {
    const branch = '第二车队党支部';
    const [oldParent, newParent] = ['市公交集团党委', '市出租汽车公司党总支'];
    /** A viewer's tasks under an org, listed and counted: the counts must add up to the list. */
    const under = async (token: string, orgId: string) => {
      const { tasks, total } = await tasksOf(token, { orgId });
      const counts = await countsOf(token, orgId);
      expect(counts.reduce((s, c) => s + c.count, 0)).toBe(tasks.length);
      expect(total).toBe(tasks.length);
      return sorted(tasks.map(line));
    };

    it('counts a moved branch’s tasks under its new parent and no longer under the old, as the lists do', async () => {
      const notice = `NOTICE_UNREAD READ ${CRITICISM}（${branch}）`;
      expect(await under(t.leader, ids[oldParent])).toContain(notice);
      expect(await under(t.leader, ids[newParent])).not.toContain(notice);
      const before = { old: await under(t.admin, ids[oldParent]), new: await under(t.admin, ids[newParent]) };

      await gql(
        `mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`,
        { input: { id: ids[branch], newParentId: ids[newParent] } },
        t.admin,
      );

      expect(await under(t.leader, ids[oldParent])).not.toContain(notice);
      expect(await under(t.leader, ids[newParent])).toContain(notice);
      // the admin's: what concerned the branch left the old parent's counts and joined the new one's
      const after = { old: await under(t.admin, ids[oldParent]), new: await under(t.admin, ids[newParent]) };
      const moved = before.old.filter((l) => !after.old.includes(l));
      expect(moved).toContain(notice);
      expect(sorted([...before.new, ...moved])).toEqual(after.new);
      // the supervisor over the old parent counts only what it still sees, in one answer with its list
      const supervisor = await countsOf(t.supervisor);
      expect(supervisor.reduce((s, c) => s + c.count, 0)).toBe((await tasksOf(t.supervisor)).tasks.length);
    });

    it('still counts alike for every role after the branch is archived', async () => {
      await gql(`mutation($input: ArchiveOrgInput!) { archiveOrg(input: $input) { archivedAt } }`, { input: { id: ids[branch] } }, t.admin);
      for (const role of ROLES) {
        const counts = await countsOf(t[role]);
        expect(counts.reduce((s, c) => s + c.count, 0)).toBe((await tasksOf(t[role])).tasks.length);
      }
      await under(t.admin, ids[newParent]);
    });
  });
});
