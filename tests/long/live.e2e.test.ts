import { ChildProcess, spawn } from 'node:child_process';
import { createSecretKey } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client as Subscriber } from 'graphql-ws';
import { Client } from 'pg';
import { signAccessToken } from '../../src/auth/jwt';
import { withTransaction } from '../../src/db/request-transaction';
import { publishEvent } from '../../src/graphql/live';
import { sweepDeadlineReminders } from '../../src/modules/notification/sweeps';
import { NotificationKind } from '../../src/modules/notification/notification.entity';
import { insertNotifications } from '../../src/modules/notification/notification.service';
import { day } from '../helpers/dates';
import { globalId, rawId } from '../helpers/ids';
import { trackOpen } from '../helpers/leftovers';
import { Feed, Socket, connectLive } from '../helpers/live-socket';
import WebSocket from 'ws';
import { TEST_JWT_SECRET, TestServer, startTestServer } from '../helpers/server';
import { tenantId } from '../helpers/sql';
import { orgIds } from '../helpers/story';
import { clusterUrl } from '../helpers/test-database';

const NOTIFICATION_ADDED = `subscription { notificationAdded { id kind kindLabel title occurrence read org { name } } }`;
const TASK_CHANGED = `subscription { taskChanged { kind subjectId } }`;

/** Polls `probe` until it returns something truthy. */
async function until<T>(probe: () => T | Promise<T>, ms = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A graphql-ws client over `ws` (tests/helpers/live-socket.ts), disposed of after the file. */
function connect(url: string, connectionParams: Record<string, unknown>): Socket {
  return connectLive(url, connectionParams, sockets);
}
const sockets: Subscriber[] = [];

/** The taskChanged events of a feed, without the readiness probes. */
const changes = (feed: Feed) => feed.data.map((d) => d.taskChanged).filter((c) => c && c.kind !== 'PROBE');

describe('live updates over WebSocket (graphql-ws), through PostgreSQL LISTEN/NOTIFY', () => {
  let server: TestServer;
  let su: Client;
  let tenants: Record<'jtj' | 'szjg', string>;
  let jtj: Record<string, string>;
  let szjg: Record<string, string>;
  const token = (tenant: string, user: string) => server.token(tenant, user);
  const bearer = async (tenant: string, user: string) => ({ authorization: `Bearer ${await token(tenant, user)}` });

  /** Sends taskChanged for `subjects` in a committed transaction of `tenant`, as a mutation calling publishEvent would. */
  const raise = (tenant: 'jtj' | 'szjg', kind: string, subjects: string[]) =>
    withTransaction(server.database.dataSource, { tenantId: tenants[tenant] }, (tx) => publishEvent({ tx }, kind, subjects));

  /**
   * Waits until the socket's subscriptions are live: subscribes to taskChanged (after the others) and
   * raises PROBE events about an object the user sees until one arrives. Subscribing involves no I/O
   * on the server, so subscriptions sent before the probe's are registered once it is.
   */
  async function ready(socket: Socket, tenant: 'jtj' | 'szjg', subject: string, probe = socket.subscribe(TASK_CHANGED)): Promise<Feed> {
    await until(
      async () => {
        await raise(tenant, 'PROBE', [subject]);
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

  /** A campaign over the whole tree whose branches owe a plan in three days: the deadline sweep then notifies their officers. */
  async function campaignWithDeadline(tenant: 'jtj' | 'szjg', root: string) {
    const admin = await token(tenant, 'admin');
    const imported = await server.gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, admin);
    const versionId = imported.data.importFramework.id;
    await server.gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, admin);
    const campaign = await server.gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      {
        input: {
          name: '创建活动（实时推送测试）',
          versionId,
          scopeOrgId: root,
          eligibleKinds: ['GENERAL_BRANCH', 'BRANCH'],
          startsOn: day(-30),
          endsOn: '2030-12-31',
          deadlines: [{ code: 'BRANCH_PLAN', name: '党支部创建计划', dueOn: day(3), orgKinds: ['BRANCH'] }],
        },
      },
      admin,
    );
    expect(campaign.errors).toBeUndefined();
  }

  /** The ids (global) of a user's notifications, under the API. */
  async function notificationsOf(tenant: string, username: string): Promise<string[]> {
    const { rows } = await su.query<{ id: string }>(
      `SELECT n.id FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.user_id JOIN tenants t ON t.id = n.tenant_id
        WHERE t.slug = $1 AND u.username = $2`,
      [tenant, username],
    );
    return rows.map((r) => globalId('Notification', r.id)).sort();
  }

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    tenants = { jtj: await tenantId(su, 'jtj'), szjg: await tenantId(su, 'szjg') };
    jtj = await orgIds(server, 'jtj');
    szjg = await orgIds(server, 'szjg');
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server.close();
  });

  it('listens on one dedicated connection per process, outside the request pool', async () => {
    const { rows } = await su.query<{ application_name: string; query: string }>(
      `SELECT application_name, query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'party-platform-live'`,
    );
    expect(rows).toEqual([{ application_name: 'party-platform-live', query: 'LISTEN party_live' }]);
    expect(server.database.dataSource.options).toMatchObject({ applicationName: 'party-platform' });
  });

  it('refuses a connection without a valid token, with a coded close', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{}, 4401, 'UNAUTHENTICATED'],
      [{ authorization: 'Basic YWRtaW46ZGVtbw==' }, 4401, 'AUTH_HEADER_MALFORMED'],
      [{ authorization: 'Bearer not.a.token' }, 4401, 'TOKEN_INVALID'],
      // signed with another key
      [
        {
          authorization: `Bearer ${
            signAccessToken(
              {
                ...server.config,
                jwt: { ...server.config.jwt, signingKey: createSecretKey(Buffer.from('x'.repeat(48))) },
              },
              { sub: '00000000-0000-4000-8000-000000000000', tid: tenants.jtj, kind: 'user' },
            ).token
          }`,
        },
        4401,
        'TOKEN_INVALID',
      ],
      // a platform operator has no tenant to be told about
      [await bearer('', 'operator'), 4403, 'TENANT_USER_REQUIRED'],
    ];
    for (const [params, code, reason] of cases) {
      const socket = connect(server.url, params);
      expect(await socket.acked).toBe(false);
      expect(await socket.closed).toEqual({ code, reason });
    }
    // only /graphql upgrades
    const stray = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/elsewhere`, 'graphql-transport-ws');
    const status = await new Promise((resolve) => {
      stray.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      stray.once('error', () => resolve('error'));
    });
    expect(status).toBe(404);
    // a user's token is acknowledged
    const ok = connect(server.url, await bearer('jtj', 'secretary'));
    expect(await ok.acked).toBe(true);
    await ok.client.dispose();
  });

  it('carries subscriptions only, and subscriptions only over WebSocket', async () => {
    const socket = connect(server.url, await bearer('jtj', 'secretary'));
    expect(await socket.acked).toBe(true);
    const query = socket.subscribe(`{ viewer { username } }`);
    await until(() => query.errors.length, 5000, 'the refusal');
    expect((query.errors[0] as any[])[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'LIVE_SUBSCRIPTIONS_ONLY' });
    const http = await server.gql(TASK_CHANGED, {}, await token('jtj', 'secretary'));
    expect(http.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'LIVE_WEBSOCKET_ONLY' });
    await socket.client.dispose();
  });

  it('holds a subscription to the cost limit with its variables, as /graphql does', async () => {
    const socket = connect(server.url, await bearer('jtj', 'secretary'));
    expect(await socket.acked).toBe(true);
    const query = `subscription S($n: Int) { notificationAdded { org { descendants(first: $n) { nodes { name
      descendants(first: $n) { nodes { name descendants(first: $n) { nodes { id name } } } } } } } } }`;
    const answer = (variables: Record<string, unknown>) =>
      new Promise<any>((resolve) => {
        socket.client.subscribe(
          { query, variables },
          {
            next: (result) => resolve(result.errors?.[0]),
            error: (error) => resolve((error as any[])[0]),
            complete: () => resolve(undefined),
          },
        );
      });
    expect((await answer({ n: 100 }))?.extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'QUERY_TOO_COSTLY',
      limit: 3000000,
    });
    expect((await answer({ n: 50 }))?.extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'QUERY_TOO_COSTLY',
      limit: 3000000,
    });
    await socket.client.dispose();
  });

  it("explains GraphQL's own refusals of a subscription as /graphql does, in the socket's language, never as internal errors", async () => {
    const refusals = async (headers: Record<string, unknown>) => {
      const socket = connect(server.url, headers);
      expect(await socket.acked).toBe(true);
      const asked: { query: string; variables?: Record<string, unknown>; operationName?: string }[] = [
        { query: 'subscription { taskChanged { kind }' },
        { query: 'subscription { taskChanged { nope } }' },
        { query: 'subscription($s: Boolean!) { taskChanged { kind @skip(if: $s) } }' },
        { query: 'subscription A { taskChanged { kind } }', operationName: 'B' },
      ];
      const answers = await Promise.all(
        asked.map(
          (payload) =>
            new Promise<any>((resolve) => {
              socket.client.subscribe(payload, {
                next: (result) => resolve(result.errors?.[0]),
                error: (error) => resolve((error as any[])[0]),
                complete: () => resolve(undefined),
              });
            }),
        ),
      );
      await socket.client.dispose();
      return answers.map((e) => ({ reason: e?.extensions?.reason, code: e?.extensions?.code, message: e?.message }));
    };
    const zh = await refusals(await bearer('jtj', 'secretary'));
    expect(zh).toEqual([
      { reason: 'QUERY_SYNTAX', code: 'GRAPHQL_PARSE_FAILED', message: '查询语句第 1 行第 36 列有语法错误' },
      { reason: 'FIELD_UNKNOWN', code: 'GRAPHQL_VALIDATION_FAILED', message: '类型 TaskChange 没有字段 nope' },
      { reason: 'VARIABLE_REQUIRED', code: 'BAD_USER_INPUT', message: '缺少必填变量 $s（Boolean!）' },
      { reason: 'OPERATION_UNKNOWN', code: 'OPERATION_RESOLUTION_FAILURE', message: '查询语句中没有名为 B 的操作' },
    ]);
    const en = await refusals({ ...(await bearer('jtj', 'secretary')), 'accept-language': 'en' });
    expect(en.map((e) => e.reason)).toEqual(zh.map((e) => e.reason));
    expect(en.map((e) => e.message)).toEqual([
      'Syntax error at line 1, column 36',
      'Type TaskChange has no field nope',
      'The required variable $s (Boolean!) was not provided',
      'The document has no operation named B',
    ]);
  });

  it('sends each user its own new notifications and nothing of another tenant or user', async () => {
    const subscribers = {
      secretary: connect(server.url, await bearer('jtj', 'secretary')),
      secretary2: connect(server.url, await bearer('jtj', 'secretary2')),
      szjg: connect(server.url, await bearer('szjg', 'secretary')),
    };
    const feeds = {
      secretary: subscribers.secretary.subscribe(NOTIFICATION_ADDED),
      secretary2: subscribers.secretary2.subscribe(NOTIFICATION_ADDED),
      szjg: subscribers.szjg.subscribe(NOTIFICATION_ADDED),
    };
    await ready(subscribers.secretary, 'jtj', jtj['第一车队党支部']);
    await ready(subscribers.secretary2, 'jtj', jtj['养护科党支部']);
    await ready(subscribers.szjg, 'szjg', szjg['内科党支部']);

    await campaignWithDeadline('jtj', jtj['中共市交通运输局党委']);
    await campaignWithDeadline('szjg', szjg['中共市直机关工委']);
    // the reminder sweep writes the notifications (tenant by tenant, jtj first), as the job worker does
    const swept = await sweepDeadlineReminders({ dataSource: server.database.dataSource, config: server.config });
    expect(swept.created).toBeGreaterThan(3);

    const expected = {
      secretary: await notificationsOf('jtj', 'secretary'),
      secretary2: await notificationsOf('jtj', 'secretary2'),
      szjg: await notificationsOf('szjg', 'secretary'),
    };
    for (const [who, feed] of Object.entries(feeds)) {
      const mine = expected[who as keyof typeof expected];
      expect(mine.length).toBeGreaterThan(0);
      await until(() => feed.data.length >= mine.length, 15_000, `${who}'s notifications`);
      // exactly its own: szjg's arrived after jtj's were sent, so none of jtj's is still on its way
      expect(feed.data.map((d) => d.notificationAdded.id).sort()).toEqual(mine);
      expect(feed.errors).toEqual([]);
    }
    expect(feeds.secretary.data[0].notificationAdded).toMatchObject({
      kind: 'DEADLINE_REMINDER',
      kindLabel: '报送截止提醒',
      read: false,
      org: { name: '第一车队党支部' },
    });
    expect(feeds.secretary2.data.map((d) => d.notificationAdded.org.name)).toEqual(['养护科党支部']);
    expect(feeds.szjg.data.every((d) => d.notificationAdded.org.name === '内科党支部')).toBe(true);
    // the same ones are in the list, with or without a socket
    const listed = await server.gql(`{ notifications(first: 50) { nodes { id } } }`, {}, await token('jtj', 'secretary'));
    expect(listed.data.notifications.nodes.map((n: { id: string }) => n.id).sort()).toEqual(expected.secretary);
    await Promise.all(Object.values(subscribers).map((s) => s.client.dispose()));
  });

  it('sends taskChanged to those who may see its subject: not to a sibling subtree nor to another tenant', async () => {
    const admin = connect(server.url, await bearer('jtj', 'admin'));
    const secretary = connect(server.url, await bearer('jtj', 'secretary'));
    const sibling = connect(server.url, await bearer('jtj', 'secretary2'));
    const foreign = connect(server.url, await bearer('szjg', 'admin'));
    const feeds = {
      admin: await ready(admin, 'jtj', jtj['第一车队党支部']),
      secretary: await ready(secretary, 'jtj', jtj['第一车队党支部']),
      sibling: await ready(sibling, 'jtj', jtj['养护科党支部']),
      foreign: await ready(foreign, 'szjg', szjg['内科党支部']),
    };
    const subject = jtj['第一车队党支部'];
    await raise('jtj', 'PLAN_DUE', [subject]);
    // then one each for the two who must not see the first: their first change must be this one
    await raise('jtj', 'BARRIER', [jtj['养护科党支部']]);
    await raise('szjg', 'BARRIER', [szjg['内科党支部']]);

    await until(() => changes(feeds.admin).length >= 2 && changes(feeds.secretary).length >= 1, 15_000, 'the changes');
    await until(() => changes(feeds.sibling).length >= 1 && changes(feeds.foreign).length >= 1, 15_000, 'the barriers');
    expect(changes(feeds.secretary)).toEqual([{ kind: 'PLAN_DUE', subjectId: subject }]);
    expect(changes(feeds.admin)).toEqual([
      { kind: 'PLAN_DUE', subjectId: subject },
      { kind: 'BARRIER', subjectId: jtj['养护科党支部'] },
    ]);
    expect(changes(feeds.sibling)).toEqual([{ kind: 'BARRIER', subjectId: jtj['养护科党支部'] }]);
    expect(changes(feeds.foreign)).toEqual([{ kind: 'BARRIER', subjectId: szjg['内科党支部'] }]);
    // an event cannot reach into another tenant: its tenant is the sending transaction's own, and a
    // jtj object named in szjg's transaction is nobody's to see there
    await raise('szjg', 'FOREIGN', [subject]);
    await raise('jtj', 'AFTER', [subject]);
    await raise('szjg', 'AFTER', [szjg['内科党支部']]);
    await until(() => changes(feeds.secretary).length >= 2 && changes(feeds.foreign).length >= 2, 15_000, 'the last changes');
    expect(changes(feeds.secretary).map((c) => c.kind)).toEqual(['PLAN_DUE', 'AFTER']);
    expect(changes(feeds.foreign).map((c) => c.kind)).toEqual(['BARRIER', 'AFTER']);
    await Promise.all([admin, secretary, sibling, foreign].map((s) => s.client.dispose()));
  });

  it('sends nothing for a rolled-back transaction or a refused mutation field', async () => {
    const socket = connect(server.url, await bearer('jtj', 'secretary'));
    const notifications = socket.subscribe(NOTIFICATION_ADDED);
    const feed = await ready(socket, 'jtj', jtj['第一车队党支部']);
    const { rows } = await su.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'secretary'`, [tenants.jtj]);
    const branch = rawId(jtj['第一车队党支部']);
    const draft = (occurrence: string) => ({
      userId: rows[0].id,
      kind: NotificationKind.DEADLINE_REMINDER,
      subjectType: 'Org',
      subjectId: branch,
      orgId: branch,
      occurrence,
      title: `提醒 ${occurrence}`,
      body: '测试',
    });
    const dataSource = server.database.dataSource;
    const subject = jtj['第一车队党支部'];
    // a request that fails as a whole rolls its transaction back
    await expect(
      withTransaction(dataSource, { tenantId: tenants.jtj }, async (tx) => {
        await publishEvent({ tx }, 'ROLLED_BACK', [subject]);
        await insertNotifications(tx, tenants.jtj, [draft('2031-01-01')]);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    // a refused mutation field rolls back to its savepoint (src/graphql/schema.ts) and the request commits
    await withTransaction(dataSource, { tenantId: tenants.jtj }, async (tx) => {
      await tx
        .inSavepoint(async () => {
          await publishEvent({ tx }, 'ROLLED_BACK', [subject]);
          await insertNotifications(tx, tenants.jtj, [draft('2031-01-02')]);
          throw new Error('refused');
        })
        .catch(() => undefined);
      await publishEvent({ tx }, 'COMMITTED', [subject]);
      await insertNotifications(tx, tenants.jtj, [draft('2031-01-03')]);
    });
    await until(() => changes(feed).length >= 1 && notifications.data.length >= 1, 15_000, 'the committed events');
    await raise('jtj', 'AFTER', [subject]);
    await until(() => changes(feed).length >= 2, 15_000, 'the last change');
    expect(changes(feed).map((c) => c.kind)).toEqual(['COMMITTED', 'AFTER']);
    expect(notifications.data.map((d) => d.notificationAdded.title)).toEqual(['提醒 2031-01-03']);
    // under the API too: only the committed one was written
    const written = await su.query<{ occurrence: string }>(
      `SELECT occurrence::text AS occurrence FROM notifications WHERE tenant_id = $1 AND occurrence >= '2031-01-01' ORDER BY occurrence`,
      [tenants.jtj],
    );
    expect(written.rows).toEqual([{ occurrence: '2031-01-03' }]);
    await socket.client.dispose();
  });

  it('closes the socket with 4401 when the access token expires', async () => {
    const { rows } = await su.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'secretary'`, [tenants.jtj]);
    const short = signAccessToken({ ...server.config, accessTokenTtlSeconds: 3 }, { sub: rows[0].id, tid: tenants.jtj, kind: 'user' });
    const socket = connect(server.url, { authorization: `Bearer ${short.token}` });
    expect(await socket.acked).toBe(true);
    const feed = socket.subscribe(TASK_CHANGED);
    const closed = await socket.closed;
    expect(closed).toEqual({ code: 4401, reason: 'LIVE_TOKEN_EXPIRED' });
    expect(Date.now()).toBeGreaterThanOrEqual(short.expiresAt.getTime());
    expect(feed.data).toEqual([]);
    // and the expired token is refused at connection_init
    const again = connect(server.url, { authorization: `Bearer ${short.token}` });
    expect(await again.acked).toBe(false);
    expect((await again.closed).code).toBe(4401);
  }, 30_000);

  it("closes a disabled user's socket at its next event", async () => {
    const socket = connect(server.url, await bearer('jtj', 'member'));
    const feed = await ready(socket, 'jtj', jtj['第一车队党支部']);
    const admin = await token('jtj', 'admin');
    const users = await server.gql(`{ users(first: 100) { nodes { id username } } }`, {}, admin);
    const member = users.data.users.nodes.find((u: { username: string }) => u.username === 'member');
    const disabled = await server.gql(
      `mutation($id: ID!) { setUserDisabled(input: { userId: $id, disabled: true }) { id } }`,
      { id: member.id },
      admin,
    );
    expect(disabled.errors).toBeUndefined();
    try {
      await raise('jtj', 'PLAN_DUE', [jtj['第一车队党支部']]);
      expect(await socket.closed).toEqual({ code: 4401, reason: 'TOKEN_INVALID' });
      expect(changes(feed)).toEqual([]);
    } finally {
      await server.gql(`mutation($id: ID!) { setUserDisabled(input: { userId: $id, disabled: false }) { id } }`, { id: member.id }, admin);
    }
  });

  it('listens again when its connection is cut, and tells taskChanged subscribers to re-read', async () => {
    const socket = connect(server.url, await bearer('jtj', 'secretary'));
    const feed = await ready(socket, 'jtj', jtj['第一车队党支部']);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const cut = await su.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'party-platform-live'`,
      );
      expect(cut.rowCount).toBe(1);
      await until(() => changes(feed).some((c) => c.kind === 'RESYNC'), 15_000, 'the resync');
      expect(changes(feed)).toEqual([{ kind: 'RESYNC', subjectId: null }]);
      expect(error).toHaveBeenCalledWith('[live] the LISTEN connection was lost; reconnecting');
    } finally {
      error.mockRestore();
    }
    await raise('jtj', 'AFTER', [jtj['第一车队党支部']]);
    await until(() => changes(feed).length >= 2, 15_000, 'an event after the cut');
    expect(changes(feed)[1]).toEqual({ kind: 'AFTER', subjectId: jtj['第一车队党支部'] });
    await socket.client.dispose();
  });

  describe('two server processes on one database', () => {
    let child: ChildProcess | undefined;
    let url2: string;

    beforeAll(async () => {
      // The real entry point (src/main.ts) in a child process, compiled on the fly by swc as jest does.
      const hook = `
        const { transformSync } = require('@swc/core');
        const fs = require('node:fs');
        require.extensions['.ts'] = (module, filename) => {
          const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
            filename,
            jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
            module: { type: 'commonjs' },
          });
          module._compile(code, filename);
        };
        require('./src/main.ts');`;
      child = spawn(process.execPath, ['-e', hook], {
        cwd: path.join(__dirname, '..', '..'),
        env: {
          ...process.env,
          DATABASE_URL: clusterUrl(server.dbName),
          PORT: '0',
          HOST: '127.0.0.1',
          JWT_SECRET: TEST_JWT_SECRET,
          DATA_DIR: os.tmpdir(),
          SEED_DEMO: 'false',
          JOBS: 'off',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const untrack = trackOpen({ close: async () => void child?.kill('SIGKILL') });
      child.once('exit', untrack);
      let output = '';
      child.stdout!.on('data', (d) => (output += String(d)));
      child.stderr!.on('data', (d) => (output += String(d)));
      const started = await until(
        () => /ready at (http:\/\/\S+\/graphql)/.exec(output)?.[1] ?? (child!.exitCode !== null ? Error(output) : null),
        60_000,
        'server 2',
      );
      if (started instanceof Error) throw started;
      url2 = started;
    }, 90_000);

    afterAll(async () => {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    });

    it('delivers an event sent by process 1 to a subscriber of process 2', async () => {
      const { rows } = await su.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'party-platform-live'`,
      );
      expect(rows[0].n).toBe(2); // one LISTEN connection per process
      const there = connect(url2, await bearer('jtj', 'secretary2'));
      const here = connect(server.url, await bearer('jtj', 'secretary2'));
      const notifications = { there: there.subscribe(NOTIFICATION_ADDED), here: here.subscribe(NOTIFICATION_ADDED) };
      const tasks = { there: await ready(there, 'jtj', jtj['养护科党支部']), here: await ready(here, 'jtj', jtj['养护科党支部']) };
      const before = await notificationsOf('jtj', 'secretary2');
      // process 1 (this one) writes a reminder a day later, as its job worker would, and a change
      const swept = await sweepDeadlineReminders({ dataSource: server.database.dataSource, config: server.config }, { asOf: day(2) });
      expect(swept.created).toBeGreaterThan(0);
      await raise('jtj', 'PLAN_DUE', [jtj['养护科党支部']]);
      const added = (await notificationsOf('jtj', 'secretary2')).filter((id) => !before.includes(id));
      expect(added).toHaveLength(1);
      for (const side of ['there', 'here'] as const) {
        await until(() => notifications[side].data.length >= 1 && changes(tasks[side]).length >= 1, 15_000, `delivery ${side}`);
        expect(notifications[side].data.map((d) => d.notificationAdded.id)).toEqual(added);
        expect(changes(tasks[side])).toEqual([{ kind: 'PLAN_DUE', subjectId: jtj['养护科党支部'] }]);
      }
      // process 2 answers HTTP as well, with the same tokens
      const viewer = await fetch(url2, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('jtj', 'secretary2')}` },
        body: JSON.stringify({ query: '{ viewer { username } }' }),
      });
      expect(((await viewer.json()) as any).data.viewer.username).toBe('secretary2');
      await there.client.dispose();
      await here.client.dispose();
    }, 60_000);
  });
});
