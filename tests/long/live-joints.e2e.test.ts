import { Client as Subscriber } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { withTransaction } from '../../src/db/request-transaction';
import { publishEvent } from '../../src/graphql/live';
import { NotificationKind } from '../../src/modules/notification/notification.entity';
import { insertNotifications } from '../../src/modules/notification/notification.service';
import { rawId } from '../helpers/ids';
import { Feed, Socket, connectLive } from '../helpers/live-socket';
import { TestServer, login, startTestServer } from '../helpers/server';
import { tenantId } from '../helpers/sql';
import { orgIds } from '../helpers/story';

const TASK_CHANGED = `subscription { taskChanged { kind subjectId } }`;
const NOTIFICATION_ADDED = `subscription { notificationAdded { id title org { name } } }`;

async function until<T>(probe: () => T | Promise<T>, ms = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The taskChanged events this file raised (not the probes, nor those of the mutations it runs). */
const changes = (feed: Feed) => feed.data.map((d) => d.taskChanged).filter((c) => c && c.kind !== 'PROBE' && /^[A-Z_]+$/.test(c.kind));

/**
 * The joints of an open subscription: what it receives once the subscriber's standing changed after it was
 * opened (a role revoked, the watched org moved out of its subtree, its sessions ended), and the bounds of one
 * socket (subscriptions held, operation ids, a flood of subscribe and complete).
 */
describe('an open subscription across changes of its subscriber’s standing', () => {
  let server: TestServer;
  let su: Client;
  let jtjId: string;
  let jtj: Record<string, string>;
  const sockets: Subscriber[] = [];
  const connect = async (user: string): Promise<Socket> =>
    connectLive(server.url, { authorization: `Bearer ${await server.token('jtj', user)}` }, sockets);

  const raise = (kind: string, subjects: string[]) =>
    withTransaction(server.database.dataSource, { tenantId: jtjId }, (tx) => publishEvent({ tx }, kind, subjects));

  async function ready(socket: Socket, subject: string, probe = socket.subscribe(TASK_CHANGED)): Promise<Feed> {
    await until(
      async () => {
        await raise('PROBE', [subject]);
        const deadline = Date.now() + 400;
        while (Date.now() < deadline && !probe.data.some((d) => d.taskChanged?.kind === 'PROBE'))
          await new Promise((r) => setTimeout(r, 20));
        return probe.data.some((d) => d.taskChanged?.kind === 'PROBE');
      },
      20_000,
      'the subscription to be live',
    );
    return probe;
  }

  async function userId(username: string): Promise<string> {
    const { rows } = await su.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = $2`, [jtjId, username]);
    return rows[0].id;
  }

  /** A notification for `username`, committed: what an own-only barrier looks like on notificationAdded. */
  async function notify(username: string, occurrence: string) {
    const branch = rawId(jtj['第一车队党支部']);
    const user = await userId(username);
    await withTransaction(server.database.dataSource, { tenantId: jtjId }, (tx) =>
      insertNotifications(tx, jtjId, [
        {
          userId: user,
          kind: NotificationKind.DEADLINE_REMINDER,
          subjectType: 'Org',
          subjectId: branch,
          orgId: branch,
          occurrence,
          title: `提醒 ${occurrence}`,
          body: '测试',
        },
      ]),
    );
  }

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    jtjId = await tenantId(su, 'jtj');
    jtj = await orgIds(server, 'jtj');
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server.close();
  });

  it('stops taskChanged about an org once it moved out of the subscriber’s subtree, and resumes when it is back', async () => {
    const admin = await server.token('jtj', 'admin');
    const socket = await connect('supervisor');
    const feed = await ready(socket, jtj['第一车队党支部']);
    const move = (parent: string) =>
      server.gql(
        `mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`,
        { id: jtj['第一车队党支部'], p: parent },
        admin,
      );
    expect((await move(jtj['市公路管理处党委'])).errors).toBeUndefined();
    try {
      await raise('MOVED_AWAY', [jtj['第一车队党支部']]);
      await raise('BARRIER', [jtj['第二车队党支部']]);
      await until(() => changes(feed).some((c) => c.kind === 'BARRIER'), 15_000, 'the barrier');
      expect(changes(feed).map((c) => c.kind)).toEqual(['BARRIER']);
    } finally {
      expect((await move(jtj['市公交集团党委'])).errors).toBeUndefined();
    }
    await raise('BACK', [jtj['第一车队党支部']]);
    await until(() => changes(feed).some((c) => c.kind === 'BACK'), 15_000, 'the change after the move back');
    expect(changes(feed).map((c) => c.kind)).toEqual(['BARRIER', 'BACK']);
    await socket.client.dispose();
  });

  it('stops taskChanged once the subscriber’s role is revoked; its own notifications still arrive', async () => {
    const admin = await server.token('jtj', 'admin');
    const socket = await connect('secretary');
    const notifications = socket.subscribe(NOTIFICATION_ADDED);
    const feed = await ready(socket, jtj['第一车队党支部']);
    const users = await server.gql(`{ users(first: 100) { nodes { id username roles { id role org { id } } } } }`, {}, admin);
    const secretary = users.data.users.nodes.find((u: { username: string }) => u.username === 'secretary');
    const [assignment] = secretary.roles;
    const revoked = await server.gql(`mutation($id: ID!) { revokeRole(input: { assignmentId: $id }) }`, { id: assignment.id }, admin);
    expect(revoked.errors).toBeUndefined();
    try {
      await raise('REVOKED', [jtj['第一车队党支部']]);
      await notify('secretary', '2031-02-01');
      await until(() => notifications.data.length >= 1, 15_000, 'the notification');
      // the notification's org is out of reach now: null, as `notifications` shows it
      expect(notifications.data.map((d) => [d.notificationAdded.title, d.notificationAdded.org])).toEqual([['提醒 2031-02-01', null]]);
      expect(changes(feed)).toEqual([]);
    } finally {
      const again = await server.gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId: secretary.id, role: assignment.role, orgId: assignment.org.id } },
        admin,
      );
      expect(again.errors).toBeUndefined();
    }
    await socket.client.dispose();
  });

  it.each([
    ['signOutEverywhere', 'member'],
    ['signOutUser', 'member'],
    ['changePassword', 'deputy'],
  ])('closes the socket at its next event after %s', async (how, user) => {
    // a token of its own: the sessions of the case before it were ended
    const token = await login(server.url, 'jtj', user);
    const socket = connectLive(server.url, { authorization: `Bearer ${token}` }, sockets);
    const feed = await ready(socket, jtj['第一车队党支部']);
    if (how === 'signOutEverywhere') {
      expect((await server.gql(`mutation { signOutEverywhere }`, {}, token)).errors).toBeUndefined();
    } else if (how === 'changePassword') {
      const changed = await server.gql(
        `mutation { changePassword(input: { currentPassword: "demo", newPassword: "Lian-dong-2031!" }) { accessToken } }`,
        {},
        token,
      );
      expect(changed.errors).toBeUndefined();
    } else {
      const admin = await server.token('jtj', 'admin');
      const id = (await server.gql(`{ users(first: 100) { nodes { id username } } }`, {}, admin)).data.users.nodes.find(
        (u: { username: string }) => u.username === user,
      ).id;
      expect((await server.gql(`mutation($id: ID!) { signOutUser(input: { userId: $id }) { id } }`, { id }, admin)).errors).toBeUndefined();
    }
    await raise('AFTER', [jtj['第一车队党支部']]);
    expect(await socket.closed).toEqual({ code: 4401, reason: 'TOKEN_INVALID' });
    expect(changes(feed)).toEqual([]);
  });

  it('holds at most 10 subscriptions on a socket, and none more through ids re-used while a subscribe is set up', async () => {
    const token = await server.token('jtj', 'leader');
    const raw = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: { id?: string; type: string; payload?: any }[] = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      raw.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    raw.on('message', (m) => messages.push(JSON.parse(m.toString())));
    await new Promise((r) => raw.once('open', r));
    raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await until(() => messages.some((m) => m.type === 'connection_ack'), 5_000, 'the ack');
    const subscribe = (id: string) => raw.send(JSON.stringify({ id, type: 'subscribe', payload: { query: TASK_CHANGED } }));
    const complete = (id: string) => raw.send(JSON.stringify({ id, type: 'complete' }));
    const refusals = () => messages.filter((m) => m.type === 'error').map((m) => [m.id, m.payload[0].extensions.reason]);
    /** Raises PROBE events until `id` receives one. */
    const probe = (id: string) =>
      until(
        async () => {
          await raise('PROBE', [jtj['第一车队党支部']]);
          await new Promise((r) => setTimeout(r, 300));
          return messages.some((m) => m.id === id && m.type === 'next');
        },
        20_000,
        `an event on ${id}`,
      );
    for (let i = 0; i < 11; i++) subscribe(`s${i}`);
    await until(() => messages.some((m) => m.id === 's10'), 5_000, 'the eleventh answer');
    expect(refusals()).toEqual([['s10', 'LIVE_TOO_MANY_SUBSCRIPTIONS']]);
    for (let i = 0; i < 10; i++) complete(`s${i}`);
    // subscribe and complete on one id, again and again, the last subscribe left open a moment: each subscribe
    // re-uses the id of a completed one still being set up (graphql-ws then holds only the last of them)
    for (let i = 0; i < 20; i++) {
      subscribe('flood');
      complete('flood');
    }
    subscribe('flood');
    await new Promise((r) => setTimeout(r, 1000));
    complete('flood');
    subscribe('t0');
    await probe('t0');
    // nothing comes under the completed id, and nothing of it holds a place: ten subscriptions again, not eleven
    expect(messages.filter((m) => m.id === 'flood' && m.type === 'next')).toEqual([]);
    messages.length = 0;
    for (let i = 1; i < 11; i++) subscribe(`t${i}`);
    await until(() => messages.some((m) => m.id === 't10'), 5_000, 'the answer to t10');
    await probe('t9');
    expect(refusals()).toEqual([['t10', 'LIVE_TOO_MANY_SUBSCRIPTIONS']]);
    // an id in use
    complete('t1');
    subscribe('t2');
    expect(await closed).toEqual({ code: 4409, reason: 'Subscriber for t2 already exists' });
  });

  it('closes a socket whose message passes 64 KB (1009, not logged as an internal error), and one that never sends connection_init (4408)', async () => {
    const token = await server.token('jtj', 'leader');
    const open = async () => {
      const raw = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      const closed = new Promise<{ code: number }>((resolve) => raw.on('close', (code) => resolve({ code })));
      const acked = new Promise<boolean>((resolve) =>
        raw.on('message', (m) => resolve(JSON.parse(m.toString()).type === 'connection_ack')),
      );
      await new Promise((r) => raw.once('open', r));
      return { raw, closed, acked };
    };
    const big = 'x'.repeat(65 * 1024);
    // the client's fault, closed with its code: never logged as an internal error of the server
    const logged = jest.spyOn(console, 'error');
    const early = await open();
    early.raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}`, padding: big } }));
    expect(await early.closed).toEqual({ code: 1009 });
    const late = await open();
    late.raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    expect(await late.acked).toBe(true);
    late.raw.send(JSON.stringify({ id: 'big', type: 'subscribe', payload: { query: `subscription { taskChanged { kind } } # ${big}` } }));
    expect(await late.closed).toEqual({ code: 1009 });
    const silent = await open();
    expect(await silent.closed).toEqual({ code: 4408 });
    try {
      expect(logged.mock.calls.filter(([first]) => /Internal error/.test(String(first)))).toEqual([]);
    } finally {
      logged.mockRestore();
    }
  }, 20_000);
});
