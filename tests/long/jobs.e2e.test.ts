import { ConfigError } from '../../src/config';
import { JobWorker, jobsEnabled, queueName, startJobWorker } from '../../src/jobs/worker';
import { SweepDeps } from '../../src/modules/domain-module';
import {
  sweepDeadlineReminders,
  sweepNoticesUnread,
  sweepRectificationsOverdue,
  sweepServiceRequestsOverdue,
} from '../../src/modules/notification/sweeps';
import { Client } from 'pg';
import { day } from '../helpers/dates';
import { rawId } from '../helpers/ids';
import { TestServer, codes, startTestServer, tokens } from '../helpers/server';
import { count } from '../helpers/sql';
import { SOURCE_CAMPAIGN, orgIds } from '../helpers/story';

/** Polls `probe` until it returns something truthy, for at most `ms`. */
async function until<T>(probe: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Reminders and overdue sweeps: each sweep run directly (twice: no duplicates), across tenants, then
 * through pg-boss on the test database (owner URL), including a job queued before a worker restart.
 */
describe('background jobs: reminders, overdue sweeps, notifications', () => {
  let server: TestServer;
  let su: Client;
  let deps: SweepDeps;
  let ids: Record<string, string>;
  let admin: string, secretary: string, supervisor: string, secretary2: string, inspector: string, leader: string, foreign: string;
  let deadlineId: string;
  const workers: JobWorker[] = [];
  const gql = (q: string, v: Record<string, unknown>, t: string) => server.gql(q, v, t);
  const notifications = async (where = 'true') =>
    (
      await su.query(`SELECT n.kind, u.username, o.name AS org, n.occurrence::text AS occurrence, t.slug
       FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.user_id JOIN orgs o ON o.tenant_id = n.tenant_id AND o.id = n.org_id
       JOIN tenants t ON t.id = n.tenant_id WHERE ${where} ORDER BY n.kind, u.username, o.name COLLATE "C", n.occurrence, t.slug`)
    ).rows;
  const NOTIFICATIONS = `query($unread: Boolean, $first: Int, $after: String) { notifications(unreadOnly: $unread, first: $first, after: $after) {
    totalCount unreadCount pageInfo { hasNextPage endCursor } nodes { id kind kindLabel title body occurrence read subjectId subjectType org { name } } } }`;

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    deps = { dataSource: server.database.dataSource, config: server.config };
    ids = await orgIds(server, 'jtj');
    ({ admin, secretary, supervisor, secretary2, inspector, leader } = await tokens(server, 'jtj', [
      'admin',
      'secretary',
      'supervisor',
      'secretary2',
      'inspector',
      'leader',
    ]));
    foreign = await server.token('szjg', 'admin');
    const imported = await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, admin);
    const versionId = imported.data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, admin);
    // A campaign of 市公交集团党委 whose branches (five of them) owe a plan in three days.
    const campaign = await gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id deadlines { id code } } }`,
      {
        input: {
          name: '公交集团创建活动',
          versionId,
          scopeOrgId: ids['市公交集团党委'],
          eligibleKinds: SOURCE_CAMPAIGN.eligibleKinds,
          startsOn: day(-30),
          endsOn: '2030-12-31',
          deadlines: [{ code: 'BRANCH_PLAN', name: '党支部创建计划', dueOn: day(3), orgKinds: ['BRANCH'] }],
        },
      },
      admin,
    );
    expect(campaign.errors).toBeUndefined();
    deadlineId = campaign.data.createCampaign.deadlines[0].id;
  });
  afterAll(async () => {
    for (const w of workers) await w.stop().catch(() => undefined);
    await server.close();
  });

  it('turns JOBS=off into a disabled worker and refuses a nonsense value', () => {
    expect(jobsEnabled({})).toBe(true);
    expect(jobsEnabled({ JOBS: 'on' })).toBe(true);
    expect(jobsEnabled({ JOBS: 'off' })).toBe(false);
    expect(() => jobsEnabled({ JOBS: 'sometimes' })).toThrow(ConfigError);
  });

  it('reminds the officers of every org that owes a deadline and has not submitted, once per reminder day', async () => {
    // 第二车队 submits (through its tenant admin): it is not reminded
    const submitted = await gql(
      `mutation($d: ID!, $o: ID!) { submitForDeadline(input: { deadlineId: $d, orgId: $o, text: "计划已报" }) { id } }`,
      { d: deadlineId, o: ids['第二车队党支部'] },
      admin,
    );
    expect(submitted.errors).toBeUndefined();
    const first = await sweepDeadlineReminders(deps);
    // four branches owe it: 第一车队 has its own secretary; the other three have none, so their superior's officer (supervisor) is answerable
    expect(first).toEqual({ tenants: 2, created: 4 });
    const reminderDay = day(3 - 7); // the 7-day reminder day has passed, the 1-day one not yet
    expect(await notifications(`n.kind = 'DEADLINE_REMINDER'`)).toEqual([
      { kind: 'DEADLINE_REMINDER', username: 'secretary', org: '第一车队党支部', occurrence: reminderDay, slug: 'jtj' },
      ...['保修公司党支部', '党员学雷锋车队党支部', '第三车队党支部']
        .sort()
        .map((org) => ({ kind: 'DEADLINE_REMINDER', username: 'supervisor', org, occurrence: reminderDay, slug: 'jtj' })),
    ]);
    expect(await sweepDeadlineReminders(deps)).toEqual({ tenants: 2, created: 0 });
    expect(await notifications(`n.kind = 'DEADLINE_REMINDER'`)).toHaveLength(4);
    // the day before the deadline is the next reminder day: one more each
    expect(await sweepDeadlineReminders(deps, { asOf: day(2) })).toEqual({ tenants: 2, created: 4 });
    expect(await sweepDeadlineReminders(deps, { asOf: day(2) })).toEqual({ tenants: 2, created: 0 });
    // after the due date nothing is reminded any more
    expect(await sweepDeadlineReminders(deps, { asOf: day(4) })).toEqual({ tenants: 2, created: 0 });

    const mine = await gql(NOTIFICATIONS, {}, secretary);
    expect(mine.errors).toBeUndefined();
    expect(mine.data.notifications).toMatchObject({ totalCount: 2, unreadCount: 2 });
    expect(mine.data.notifications.nodes.map((n: { occurrence: string }) => n.occurrence)).toEqual([day(2), reminderDay]); // newest first
    expect(mine.data.notifications.nodes[0]).toMatchObject({
      kind: 'DEADLINE_REMINDER',
      kindLabel: '报送截止提醒',
      title: '【报送提醒】党支部创建计划',
      read: false,
      subjectId: deadlineId,
      subjectType: 'CampaignDeadline',
      org: { name: '第一车队党支部' },
    });
    expect(mine.data.notifications.nodes[0].body).toContain('第一车队党支部尚未报送“党支部创建计划”');
    expect((await gql(NOTIFICATIONS, {}, supervisor)).data.notifications.totalCount).toBe(6);
    expect((await gql(NOTIFICATIONS, {}, secretary2)).data.notifications).toMatchObject({ totalCount: 0, unreadCount: 0 });
  });

  it('shows each user only its own notifications and marks them read (some, then all)', async () => {
    const mine = (await gql(NOTIFICATIONS, { first: 1 }, secretary)).data.notifications;
    expect(mine.pageInfo.hasNextPage).toBe(true);
    const next = (await gql(NOTIFICATIONS, { first: 1, after: mine.pageInfo.endCursor }, secretary)).data.notifications;
    expect(next.nodes[0].occurrence).toBe(day(-4));
    expect(next.pageInfo.hasNextPage).toBe(false);
    const theirs = (await gql(NOTIFICATIONS, { first: 1 }, supervisor)).data.notifications.nodes[0].id;
    // someone else's id: NOT_FOUND and nothing changes, as for a foreign tenant
    const mark = `mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(input: { ids: $ids, all: $all }) { marked unreadCount } }`;
    expect(codes(await gql(mark, { ids: [mine.nodes[0].id, theirs] }, secretary))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(mark, { ids: [mine.nodes[0].id] }, foreign))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(mark, {}, secretary))).toEqual(['BAD_USER_INPUT']);
    expect((await gql(NOTIFICATIONS, {}, secretary)).data.notifications.unreadCount).toBe(2);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: theirs }, secretary)).data.node).toBeNull();
    expect(
      (await gql(`query($id: ID!) { node(id: $id) { ... on Notification { kind } } }`, { id: mine.nodes[0].id }, secretary)).data.node,
    ).toEqual({ kind: 'DEADLINE_REMINDER' });

    expect((await gql(mark, { ids: [mine.nodes[0].id] }, secretary)).data.markNotificationsRead).toEqual({ marked: 1, unreadCount: 1 });
    expect((await gql(mark, { ids: [mine.nodes[0].id] }, secretary)).data.markNotificationsRead).toEqual({ marked: 0, unreadCount: 1 });
    expect(
      (await gql(NOTIFICATIONS, { unread: true }, secretary)).data.notifications.nodes.map((n: { occurrence: string }) => n.occurrence),
    ).toEqual([day(-4)]);
    expect((await gql(mark, { all: true }, secretary)).data.markNotificationsRead).toEqual({ marked: 1, unreadCount: 0 });
    expect((await gql(NOTIFICATIONS, {}, supervisor)).data.notifications.unreadCount).toBe(6);
  });

  it('marks overdue rectifications for the owner org and the issuing team, once', async () => {
    const inspectorId = (await gql(`{ users(search: "inspector") { nodes { id } } }`, {}, admin)).data.users.nodes[0].id;
    const team = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      { input: { name: '第一督导组', leaderId: inspectorId, scopeOrgIds: [ids['市公交集团党委']] } },
      leader,
    );
    const recorded = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      {
        input: {
          idempotencyKey: 'jobs-inspection-1',
          teamId: team.data.createSupervisionTeam.id,
          orgId: ids['第一车队党支部'],
          inspectedOn: day(-3),
          methods: ['FIELD_CHECK'],
          summary: '实地查看',
          findings: [
            { severity: 'MINOR', description: '公开栏未更新', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(-1) },
            { severity: 'SERIOUS', description: '台帐不全', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(20) },
          ],
        },
      },
      inspector,
    );
    const finalized = await gql(
      `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { findings { rectification { id overdue } } } }`,
      { id: recorded.data.recordInspection.id },
      inspector,
    );
    const [overdue] = finalized.data.finalizeInspection.findings.map((f: { rectification: { id: string } }) => f.rectification.id);
    expect(await sweepRectificationsOverdue(deps)).toEqual({ tenants: 2, created: 2 });
    expect(await sweepRectificationsOverdue(deps)).toEqual({ tenants: 2, created: 0 });
    expect(await notifications(`n.kind = 'RECTIFICATION_OVERDUE'`)).toEqual([
      { kind: 'RECTIFICATION_OVERDUE', username: 'inspector', org: '第一车队党支部', occurrence: day(-1), slug: 'jtj' },
      { kind: 'RECTIFICATION_OVERDUE', username: 'secretary', org: '第一车队党支部', occurrence: day(-1), slug: 'jtj' },
    ]);
    const forInspector = (await gql(NOTIFICATIONS, {}, inspector)).data.notifications.nodes[0];
    expect(forInspector).toMatchObject({
      kind: 'RECTIFICATION_OVERDUE',
      subjectId: overdue,
      subjectType: 'Rectification',
      title: '【整改逾期】第一车队党支部',
    });
    // days later: the one already marked is not marked again, and the far-off one is not overdue yet
    expect(await sweepRectificationsOverdue(deps, { asOf: day(5) })).toEqual({ tenants: 2, created: 0 });
  });

  it('notifies the answering org’s officers of overdue service requests in every tenant, each in its own tenant', async () => {
    const raise = (token: string, from: string) =>
      gql(
        `mutation($o: ID!) { raiseServiceRequest(input: { fromOrgId: $o, title: "请求协调活动场地", description: "缺少活动场所" }) { id toOrg { name } } }`,
        { o: from },
        token,
      );
    const jtj = await raise(secretary, ids['第一车队党支部']);
    const szjgIds = await orgIds(server, 'szjg');
    const szjg = await raise(await server.token('szjg', 'secretary'), szjgIds['内科党支部']);
    expect(szjg.errors).toBeUndefined();
    expect(await sweepServiceRequestsOverdue(deps)).toEqual({ tenants: 2, created: 0 }); // not due yet
    await su.query(`UPDATE service_requests SET due_at = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`, [
      [rawId(jtj.data.raiseServiceRequest.id), rawId(szjg.data.raiseServiceRequest.id)],
    ]);
    expect(await sweepServiceRequestsOverdue(deps)).toEqual({ tenants: 2, created: 2 });
    expect(await sweepServiceRequestsOverdue(deps)).toEqual({ tenants: 2, created: 0 });
    const rows = await notifications(`n.kind = 'SERVICE_REQUEST_OVERDUE'`);
    expect(rows.map((r) => [r.slug, r.username, r.org]).sort((a, b) => a[0].localeCompare(b[0]))).toEqual([
      ['jtj', 'supervisor', '市公交集团党委'],
      ['szjg', 'supervisor', szjg.data.raiseServiceRequest.toOrg.name],
    ]);
    expect((await gql(NOTIFICATIONS, { unread: true }, supervisor)).data.notifications.nodes[0]).toMatchObject({
      kind: 'SERVICE_REQUEST_OVERDUE',
      subjectId: jtj.data.raiseServiceRequest.id,
    });
    expect((await gql(NOTIFICATIONS, {}, foreign)).data.notifications.totalCount).toBe(0);
  });

  it('reminds recipients that have not read an issued notice after three days', async () => {
    const created = await gql(
      `mutation($o: ID!, $p: ID!) { createNotice(input: { kind: CRITICISM, title: "关于台帐问题的通报", body: "台帐不全。", subjectOrgIds: [$o], recipientOrgIds: [$p] }) { id } }`,
      { o: ids['第一车队党支部'], p: ids['市公交集团党委'] },
      admin,
    );
    const id = created.data.createNotice.id;
    await gql(`mutation($id: ID!, $d: Date) { issueNotice(input: { id: $id, issuedOn: $d }) { state } }`, { id, d: day(-5) }, admin);
    await gql(
      `mutation($id: ID!, $o: ID!) { markNoticeRead(input: { noticeId: $id, orgId: $o }) { readAt } }`,
      { id, o: ids['市公交集团党委'] },
      supervisor,
    );
    expect(await sweepNoticesUnread(deps, { noticeReminderDays: 7 })).toEqual({ tenants: 2, created: 0 });
    expect(await sweepNoticesUnread(deps)).toEqual({ tenants: 2, created: 1 });
    expect(await sweepNoticesUnread(deps)).toEqual({ tenants: 2, created: 0 });
    expect(await notifications(`n.kind = 'NOTICE_UNREAD'`)).toEqual([
      { kind: 'NOTICE_UNREAD', username: 'secretary', org: '第一车队党支部', occurrence: day(-2), slug: 'jtj' },
    ]);
  });

  it('runs the sweeps through pg-boss, exactly once, and a job queued before a worker restart still runs once after it', async () => {
    const options = {
      jobsUrl: server.database.jobsUrl,
      dataSource: deps.dataSource,
      config: deps.config,
      schedule: false,
      pollingIntervalSeconds: 0.5,
    };
    const first = await startJobWorker(options);
    workers.push(first);
    const overdueRequest = async () => {
      const r = await gql(
        `mutation($o: ID!) { raiseServiceRequest(input: { fromOrgId: $o, title: "请求培训", description: "新任支委培训" }) { id } }`,
        { o: ids['第一车队党支部'] },
        secretary,
      );
      await su.query(`UPDATE service_requests SET due_at = now() - interval '1 minute' WHERE id = $1`, [
        rawId(r.data.raiseServiceRequest.id),
      ]);
    };
    const countOf = () => count(su, 'notifications', `kind = 'SERVICE_REQUEST_OVERDUE'`);
    const completed = (worker: JobWorker, id: string) =>
      until(async () => {
        const job = await worker.boss.getJobById<object>(queueName('service-requests-overdue'), id);
        return job?.state === 'completed' ? job : null;
      });

    await overdueRequest();
    const base = await countOf();
    const id1 = (await first.enqueue('service-requests-overdue'))!;
    expect(id1).toBeTruthy();
    expect((await completed(first, id1)).output).toEqual({ tenants: 2, created: 1 });
    expect(await countOf()).toBe(base + 1);
    const id2 = (await first.enqueue('service-requests-overdue'))!;
    expect((await completed(first, id2)).output).toEqual({ tenants: 2, created: 0 });
    expect(await countOf()).toBe(base + 1);

    // queued while the first worker runs, due a few seconds later; the worker stops (a deploy) before it is due
    await overdueRequest();
    const queued = (await first.enqueue('service-requests-overdue', {}, { startAfterSeconds: 3 }))!;
    expect(await first.enqueue('service-requests-overdue')).toBeNull(); // one is already waiting: the singleton refuses a second
    await first.stop();
    workers.splice(workers.indexOf(first), 1);
    expect((await su.query(`SELECT state FROM pgboss.job WHERE id = $1`, [queued])).rows).toEqual([{ state: 'created' }]);
    expect(await countOf()).toBe(base + 1);

    const second = await startJobWorker(options);
    workers.push(second);
    const job = await completed(second, queued);
    expect(job.output).toEqual({ tenants: 2, created: 1 });
    expect(job.retryCount).toBe(0);
    expect(await countOf()).toBe(base + 2);
    expect(await count(su, 'pgboss.job', `name = $1 AND state = 'completed'`, [queueName('service-requests-overdue')])).toBe(3);
    // and the schedules are kept in pg-boss, per sweep, when the worker schedules
    const scheduling = await startJobWorker({ ...options, work: false, schedule: true });
    workers.push(scheduling);
    expect((await scheduling.boss.getSchedules()).map((s) => s.name).sort()).toEqual(
      [
        'audit-prune',
        'audit-seal',
        'deadline-reminders',
        'files-unattached',
        'import-jobs-resume',
        'notices-unread',
        'notifications-prune',
        'progress-merge',
        'progress-reconcile',
        'rectifications-overdue',
        'refresh-tokens-prune',
        'service-requests-overdue',
      ]
        .map((k) => `sweep-${k}`)
        .sort(),
    );
  });
});
