import { Client } from 'pg';
import notificationModule from '../src/modules/notification/notification.module';
import { MARK_ALL_AT_ONCE } from '../src/modules/notification/notification.service';
import { TestServer, reasons, startTestServer } from './helpers/server';
import { tenantId } from './helpers/sql';
import { orgIds } from './helpers/story';

const MARK_ALL = `mutation { markNotificationsRead(input: { all: true }) { marked unreadCount } }`;
const MARK = `mutation($ids: [ID!]) { markNotificationsRead(input: { ids: $ids }) { marked unreadCount } }`;

/**
 * The in-app notification list over HTTP: only the viewer's own are read or marked, crafted ids and
 * cursors are coded refusals, and "mark all read" does bounded work however many notifications piled up.
 */
describe('notifications: marking read', () => {
  let server: TestServer;
  let su: Client;
  let jtj: string;

  /** `n` unread notifications for `username`, written under the API (seq in the order of `label`'s number). */
  async function pile(username: string, n: number, label: string): Promise<void> {
    await su.query(
      `INSERT INTO notifications (tenant_id, user_id, kind, subject_type, subject_id, org_id, occurrence, title, body)
       SELECT $1, u.id, 'DEADLINE_REMINDER', 'Org', gen_random_uuid(), u.org_id, DATE '2031-01-01', $4 || ' ' || i, '测试'
         FROM users u, generate_series(1, $3::int) i WHERE u.tenant_id = $1 AND u.username = $2 ORDER BY i`,
      [jtj, username, n, label],
    );
  }

  /** The titles of `username`'s unread notifications. */
  async function unread(username: string): Promise<string[]> {
    const { rows } = await su.query<{ title: string }>(
      `SELECT n.title FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.user_id
        WHERE n.tenant_id = $1 AND u.username = $2 AND n.read_at IS NULL ORDER BY n.seq`,
      [jtj, username],
    );
    return rows.map((r) => r.title);
  }

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    jtj = await tenantId(su, 'jtj');
  });
  afterAll(() => server.close());

  it('marks at most MARK_ALL_AT_ONCE at a time, the newest first, and says how many are left', async () => {
    const token = await server.token('jtj', 'secretary2');
    await pile('secretary2', MARK_ALL_AT_ONCE + 3, '堆积');
    const first = await server.gql(MARK_ALL, {}, token);
    expect(first.errors).toBeUndefined();
    expect(first.data.markNotificationsRead).toEqual({ marked: MARK_ALL_AT_ONCE, unreadCount: 3 });
    expect(await unread('secretary2')).toEqual(['堆积 1', '堆积 2', '堆积 3']);
    expect((await server.gql(MARK_ALL, {}, token)).data.markNotificationsRead).toEqual({ marked: 3, unreadCount: 0 });
    expect((await server.gql(MARK_ALL, {}, token)).data.markNotificationsRead).toEqual({ marked: 0, unreadCount: 0 });
  });

  it('refuses ids and all: true together (BAD_USER_INPUT IDS_AND_ALL), marking nothing', async () => {
    const token = await server.token('jtj', 'leader');
    await pile('leader', 2, '两者');
    const [mine] = (await server.gql(`{ notifications(first: 1, unreadOnly: true) { nodes { id } } }`, {}, token)).data.notifications
      .nodes as { id: string }[];
    const both = await server.gql(
      `mutation($ids: [ID!]) { markNotificationsRead(input: { ids: $ids, all: true }) { marked } }`,
      { ids: [mine.id] },
      token,
    );
    expect(reasons(both)).toEqual(['BAD_USER_INPUT/IDS_AND_ALL']);
    expect(await unread('leader')).toEqual(expect.arrayContaining(['两者 1', '两者 2']));
  });

  it('lets two concurrent “mark all” take disjoint notifications: together they mark twice the bound, once each', async () => {
    const token = await server.token('jtj', 'inspector');
    await pile('inspector', 2 * MARK_ALL_AT_ONCE + 7, '并发');
    const [a, b] = await Promise.all([server.gql(MARK_ALL, {}, token), server.gql(MARK_ALL, {}, token)]);
    expect([a.errors, b.errors]).toEqual([undefined, undefined]);
    expect([a.data.markNotificationsRead.marked, b.data.markNotificationsRead.marked]).toEqual([MARK_ALL_AT_ONCE, MARK_ALL_AT_ONCE]);
    expect(await unread('inspector')).toEqual(['并发 1', '并发 2', '并发 3', '并发 4', '并发 5', '并发 6', '并发 7']);
  });

  it('refuses another user’s notification, a malformed id and a crafted cursor with coded errors, changing nothing', async () => {
    await pile('member', 1, '别人的');
    const [{ id }] = (
      await su.query<{ id: string }>(
        `SELECT n.id FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.user_id
          WHERE n.tenant_id = $1 AND u.username = 'member' AND n.title = '别人的 1'`,
        [jtj],
      )
    ).rows;
    const token = await server.token('jtj', 'leader');
    const theirs = Buffer.from(`Notification:${id}`).toString('base64url');
    expect(reasons(await server.gql(MARK, { ids: [theirs] }, token))).toEqual(['NOT_FOUND/NOTIFICATION_NOT_FOUND']);
    expect(reasons(await server.gql(MARK, { ids: ['not-an-id'] }, token))).toEqual(['NOT_FOUND/NOT_FOUND']);
    expect(reasons(await server.gql(MARK, { ids: [] }, token))).toEqual(['BAD_USER_INPUT/NOTHING_TO_MARK']);
    expect(await unread('member')).toContain('别人的 1');
    const cursor = (value: string) => Buffer.from(value).toString('base64url');
    for (const after of [cursor('[99999999999999999999]'), cursor('[-1]'), cursor('[null]'), cursor('{}'), 'garbage']) {
      const res = await server.gql(`query($after: String) { notifications(first: 5, after: $after) { nodes { id } } }`, { after }, token);
      expect({ after, reasons: reasons(res) }).toEqual({ after, reasons: ['BAD_USER_INPUT/INVALID_CURSOR'] });
    }
  });
});

/**
 * A notification is its recipient's message about what happened then: it stays listed after its record's org moved
 * out of the recipient's scope, but what it links to is read with the recipient's scope of now (by design: the
 * README's "changed roles apply at once"; the new superior finds the request in viewer.tasks).
 */
describe('notifications across a move of their org', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('keeps the notification of a request raised before its org moved away; what it links to is out of reach then', async () => {
    const ids = await orgIds(server, 'jtj');
    const [admin, supervisor] = [await server.token('jtj', 'admin'), await server.token('jtj', 'supervisor')];
    const made = await server.gql(
      `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
      { input: { parentId: ids['市公交集团党委'], name: '求助后迁走的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
      admin,
    );
    const org = made.data.createOrg.id as string;
    const raised = await server.gql(
      `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
      { input: { fromOrgId: org, title: '请求协调活动场地', description: '缺少活动场所' } },
      admin,
    );
    expect(raised.errors).toBeUndefined();
    const mine = async () =>
      (
        await server.gql(`{ notifications(first: 10) { nodes { kind title subjectId org { name } } } }`, {}, supervisor)
      ).data.notifications.nodes.filter((n: { kind: string }) => n.kind === 'SERVICE_REQUEST_RAISED');
    const [before] = await mine();
    expect(before).toMatchObject({ title: '下级组织请求服务：请求协调活动场地', org: { name: '市公交集团党委' } });
    const open = async (id: string) => (await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, supervisor)).data.node;
    expect(await open(before.subjectId)).toEqual({ id: before.subjectId });

    const moved = await server.gql(
      `mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`,
      { input: { id: org, newParentId: ids['市高速公路建设开发公司党委'] } },
      admin,
    );
    expect(moved.errors).toBeUndefined();
    // the open request went with its org to the new superior: the notification (about the org asked then) stays as it
    // was, the request it links to is no longer the supervisor's to open
    const [after] = await mine();
    expect(after).toEqual(before);
    expect(await open(after.subjectId)).toBeNull();
  });
});

describe('notifications: the prune sweep', () => {
  let server: TestServer;
  let su: Client;
  let jtj: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { NOTIFICATION_RETENTION_DAYS: '30' } });
    su = await server.superuser();
    jtj = await tenantId(su, 'jtj');
  });
  afterAll(() => server.close());

  it('deletes, in every tenant, only notifications read longer ago than NOTIFICATION_RETENTION_DAYS, and nothing else', async () => {
    const row = async (tenant: string, label: string, readAgo: string | null, createdAgo: string) =>
      (
        await su.query<{ id: string }>(
          `INSERT INTO notifications (tenant_id, user_id, kind, subject_type, subject_id, org_id, occurrence, title, read_at, created_at)
           SELECT u.tenant_id, u.id, 'DEADLINE_REMINDER', 'Org', gen_random_uuid(), u.org_id, DATE '2031-01-01', $2,
                  now() - $3::interval, now() - $4::interval
             FROM users u WHERE u.tenant_id = $1 AND NOT u.disabled ORDER BY u.username LIMIT 1 RETURNING id`,
          [tenant, label, readAgo, createdAgo],
        )
      ).rows[0].id;
    const other = (await su.query<{ id: string }>(`SELECT id FROM tenants WHERE id <> $1 ORDER BY slug LIMIT 1`, [jtj])).rows[0].id;
    const gone = [await row(jtj, 'read 31 days ago', '31 days', '400 days'), await row(other, 'read 90 days ago', '90 days', '91 days')];
    const kept = [
      await row(jtj, 'read 29 days ago', '29 days', '400 days'),
      await row(jtj, 'unread, made 400 days ago', null, '400 days'),
      await row(other, 'read a minute ago', '1 minute', '2 days'),
    ];
    const sweep = notificationModule.sweeps.find((s) => s.name === 'notifications-prune')!;
    expect(sweep.schedule).toBe('40 3 * * *');
    const result = await sweep.run({ dataSource: server.database.dataSource, config: server.config }, {});
    expect(result.created).toBe(2);
    const left = (await su.query<{ id: string }>(`SELECT id FROM notifications WHERE id = ANY($1::uuid[])`, [[...gone, ...kept]])).rows;
    expect(left.map((r) => r.id).sort()).toEqual([...kept].sort());
    expect((await sweep.run({ dataSource: server.database.dataSource, config: server.config }, {})).created).toBe(0);
  });
});
