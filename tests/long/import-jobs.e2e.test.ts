import { IncomingMessage, request } from 'node:http';
import { Client } from 'pg';
import { Client as Subscriber, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { importJobService } from '../../src/modules/import-job/import-job.service';
import { TestServer, firstSignIn, login, startTestServer, tokens } from '../helpers/server';
import { count } from '../helpers/sql';
import { orgIds } from '../helpers/story';

const JOB = `query($id: ID!) { node(id: $id) { ... on ImportJob { id kind kindLabel state stateLabel dryRun fileName rowsTotal rowsChecked rowsApplied
  problemCount attempts failure failureReason uploadedByName scope { name } problems(first: 100) { totalCount nodes { row column reason message } } } } }`;

/** Polls `probe` until it returns something truthy, for at most `ms`. */
async function until<T>(probe: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const csv = (rows: string[][]) => `${rows.map((r) => r.join(',')).join('\n')}\n`;
const ORG_HEAD = ['组织名称', '组织类型', '单位类别', '上级组织'];

/**
 * Imports as background jobs: multipart upload (authorized before the body is read), the ImportJob
 * Node with state, progress and problems, dry runs, all-or-nothing, files past the 5,000-row cap of the
 * synchronous route, races between jobs and live progress over graphql-ws.
 */
describe('imports as jobs', () => {
  let server: TestServer;
  let su: Client;
  let admin: string, secretary: string, foreign: string;
  let ids: Record<string, string>;
  const sockets: Subscriber[] = [];

  const upload = async (path: string, body: string | Buffer, name: string, token?: string, type = 'text/csv') => {
    const form = new FormData();
    form.append('file', new Blob([body], { type }), name);
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body: form,
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const job = async (id: string, token = admin) => (await server.gql(JOB, { id }, token)).data?.node;
  const settled = (id: string) =>
    until(async () => ((j) => (['DONE', 'FAILED', 'ROLLED_BACK'].includes(j?.state) ? j : null))(await job(id)));

  beforeAll(async () => {
    // the racing jobs below are one admin's six: its own cap (IMPORT_JOBS_PER_USER, 5 by default) raised to the tenant's
    server = await startTestServer({ jobs: {}, env: { IMPORT_JOB_MAX_BYTES: String(2 * 1024 * 1024), IMPORT_JOBS_PER_USER: '10' } });
    su = await server.superuser();
    ({ admin, secretary } = await tokens(server, 'jtj', ['admin', 'secretary']));
    foreign = await server.token('szjg', 'admin');
    ids = await orgIds(server, 'jtj');
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server?.close();
  });

  it('refuses uploads before reading them: no token, a secretary, not multipart, a file too large or of another kind', async () => {
    const file = csv([ORG_HEAD, ['x党支部', '党支部', '企业', '市公交集团党委']]);
    expect((await upload('/imports/orgs/jobs', file, 'a.csv')).status).toBe(401);
    const bySecretary = await upload('/imports/orgs/jobs', file, 'a.csv', secretary);
    expect(bySecretary.status).toBe(403);
    expect(bySecretary.json.errors[0].extensions.reason).toBe('NOT_IMPORT_ADMIN');
    const raw = await fetch(`${server.baseUrl}/imports/orgs/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
      body: file,
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as any).errors[0].extensions.reason).toBe('IMPORT_JOB_NOT_MULTIPART');
    const big = await upload('/imports/orgs/jobs', Buffer.alloc(3 * 1024 * 1024, 0x41), 'big.csv', admin);
    expect(big.status).toBe(413);
    expect(big.json.errors[0].extensions).toMatchObject({ reason: 'IMPORT_JOB_FILE_TOO_LARGE', limit: 2 * 1024 * 1024 });
    const pdf = await upload('/imports/orgs/jobs', file, 'a.pdf', admin);
    expect(pdf.json.errors[0].extensions.reason).toBe('IMPORT_JOB_FILE_TYPE');
    expect(await count(su, 'import_jobs')).toBe(0);
  });

  it('keeps a tenant’s unfinished jobs to IMPORT_JOBS_PER_TENANT, concurrent uploads included; other tenants upload meanwhile', async () => {
    // no worker: the jobs stay queued
    const held = await startTestServer({ env: { IMPORT_JOBS_PER_TENANT: '2' } });
    try {
      const [jtjAdmin, szjgAdmin] = await Promise.all([held.token('jtj', 'admin'), held.token('szjg', 'admin')]);
      const send = async (token: string, i: number) => {
        const form = new FormData();
        form.append('file', new Blob([`名称,类型,类别,上级组织\n排队党支部${i},党支部,机关,\n`], { type: 'text/csv' }), `排队${i}.csv`);
        const res = await fetch(`${held.baseUrl}/imports/orgs/jobs?dryRun=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as any };
      };
      const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => send(jtjAdmin, i)));
      expect(burst.filter((r) => r.status === 202)).toHaveLength(2);
      const busy = burst.filter((r) => r.status !== 202);
      expect(busy.map((r) => [r.status, r.json.errors[0].extensions.reason])).toEqual(busy.map(() => [429, 'IMPORT_JOBS_BUSY']));
      expect(busy[0].json.errors[0].message).toBe('本单位已有 2 个导入任务尚未完成，请待其完成后再上传（约 60 秒后重试）');
      expect(Number(busy[0].retryAfter)).toBe(60);
      const su2 = await held.superuser();
      expect(await count(su2, 'import_jobs', `tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`)).toBe(2);
      // a busy tenant's next upload is refused before its body is read: answered while the body has not ended
      const boundary = 'busyboundary';
      const stalled = request(`${held.baseUrl}/imports/orgs/jobs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${jtjAdmin}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(60 * 1024 * 1024),
        },
      });
      stalled.on('error', () => undefined);
      stalled.write(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="大.csv"\r\ncontent-type: text/csv\r\n\r\n名称`,
      );
      const answer = await new Promise<IncomingMessage>((resolve) => stalled.on('response', resolve));
      const body = await new Promise<any>((resolve) => {
        let text = '';
        answer.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        answer.on('end', () => resolve(JSON.parse(text)));
      });
      stalled.destroy();
      expect(answer.statusCode).toBe(429);
      expect(answer.headers.connection).toBe('close');
      expect(answer.headers['retry-after']).toBe('60');
      expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'IMPORT_JOBS_BUSY', limit: 2 });
      expect(await count(su2, 'import_jobs', `tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`)).toBe(2);
      // another tenant's upload is not held by this one's
      expect((await send(szjgAdmin, 100)).status).toBe(202);
    } finally {
      await held.close();
    }
  });

  it('keeps one user to IMPORT_JOBS_PER_USER of its tenant’s places: the tenant’s other admins still upload', async () => {
    // no worker: the jobs stay queued
    const held = await startTestServer({ env: { IMPORT_JOBS_PER_TENANT: '4', IMPORT_JOBS_PER_USER: '2' } });
    try {
      const root = await held.token('jtj', 'admin');
      const heldIds = await orgIds(held, 'jtj');
      const created = await held.gql(
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        {
          input: {
            username: 'bus-importer',
            displayName: '公交集团组织干事',
            password: 'Init#Pass-2013-bus',
            orgId: heldIds['市公交集团党委'],
          },
        },
        root,
      );
      const assigned = await held.gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId: created.data.createUser.id, role: 'TENANT_ADMIN', orgId: heldIds['市公交集团党委'] } },
        root,
      );
      expect(assigned.errors).toBeUndefined();
      const other = (await firstSignIn(held.url, 'jtj', 'bus-importer', 'Init#Pass-2013-bus')).accessToken;
      const send = async (token: string, i: number) => {
        const form = new FormData();
        form.append('file', new Blob([`名称,类型,类别,上级组织\n排队党支部${i},党支部,机关,\n`], { type: 'text/csv' }), `排队${i}.csv`);
        const res = await fetch(`${held.baseUrl}/imports/orgs/jobs?dryRun=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as any };
      };
      const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => send(root, i)));
      expect(burst.filter((r) => r.status === 202)).toHaveLength(2);
      const busy = burst.filter((r) => r.status !== 202);
      expect(busy.map((r) => [r.status, r.json.errors[0].extensions.reason])).toEqual(busy.map(() => [429, 'IMPORT_JOBS_USER_BUSY']));
      expect(busy[0].json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 2 });
      expect(Number(busy[0].retryAfter)).toBe(60);
      // one admin's uploads never take every place: the tenant's other admin finds the rest
      const others = await Promise.all([10, 11].map((i) => send(other, i)));
      expect(others.map((r) => r.status)).toEqual([202, 202]);
      expect(await count(await held.superuser(), 'import_jobs')).toBe(4);
    } finally {
      await held.close();
    }
  });

  it('imports 6,000 orgs (past the synchronous cap) as one job: checked, applied in one transaction, audited once', async () => {
    const before = await count(su, 'orgs');
    const rows = [ORG_HEAD, ['导入测试党委', '党委', '企业', '市公交集团党委']];
    for (let g = 0; g < 60; g++) {
      rows.push([`第${g}党总支`, '党总支', '企业', '导入测试党委']);
      for (let b = 0; b < 99; b++) rows.push([`第${b}党支部`, '党支部', '企业', `导入测试党委/第${g}党总支`]);
    }
    expect(rows.length - 1).toBe(6001);
    const dry = await upload('/imports/orgs/jobs?dryRun=true', csv(rows), 'orgs.csv', admin);
    expect(dry.status).toBe(202);
    const dryDone = await settled(dry.json.job.id);
    expect(dryDone).toMatchObject({ state: 'DONE', dryRun: true, rowsTotal: 6001, rowsChecked: 6001, rowsApplied: 0, problemCount: 0 });
    expect(await count(su, 'orgs')).toBe(before);

    const res = await upload('/imports/orgs/jobs', csv(rows), 'orgs.csv', admin);
    expect(res.json.job).toMatchObject({ kind: 'ORGS', state: 'QUEUED', dryRun: false, fileName: 'orgs.csv' });
    const done = await settled(res.json.job.id);
    expect(done).toMatchObject({
      state: 'DONE',
      stateLabel: '已完成',
      kindLabel: '组织导入',
      rowsTotal: 6001,
      rowsChecked: 6001,
      rowsApplied: 6001,
      attempts: 1,
      failure: null,
      scope: { name: '中共市交通运输局党委' },
      problems: { totalCount: 0, nodes: [] },
    });
    expect(await count(su, 'orgs')).toBe(before + 6001);
    // the tree is as named: 99 branches under each general branch, paths under their parents
    expect(
      await count(
        su,
        'orgs o JOIN orgs p ON p.tenant_id = o.tenant_id AND p.id = o.parent_id',
        `p.name = '第7党总支' AND o.path <@ p.path`,
      ),
    ).toBe(99);
    expect(await count(su, 'import_jobs', 'content IS NOT NULL')).toBe(0);
    const log = await server.gql(`{ auditLog(action: "importOrgs") { totalCount } }`, {}, admin);
    expect(log.data.auditLog.totalCount).toBe(1);
    // the same file again: every row exists, nothing changes; the problems are paged with row and column
    const again = await settled((await upload('/imports/orgs/jobs', csv(rows), 'orgs.csv', admin)).json.job.id);
    expect(again).toMatchObject({ state: 'FAILED', problemCount: 6001, rowsApplied: 0 });
    expect(again.problems.totalCount).toBe(6001);
    expect(again.problems.nodes[0]).toMatchObject({ row: 2, column: '组织名称', reason: 'IMPORT_ORG_EXISTS' });
    expect(again.problems.nodes[0].message).toContain('导入测试党委');
    expect(await count(su, 'orgs')).toBe(before + 6001);
  });

  it('reports every bad row with its row and column and writes nothing; the job is read by admins of its scope only', async () => {
    const before = await count(su, 'orgs');
    const res = await upload(
      '/imports/orgs/jobs',
      csv([
        ORG_HEAD,
        ['好党支部', '党支部', '企业', '市公交集团党委'],
        ['', '党支部', '企业', '市公交集团党委'],
        ['坏党支部', '党小组', '企业', '不存在'],
      ]),
      'bad.csv',
      admin,
    );
    const failed = await settled(res.json.job.id);
    expect(failed.state).toBe('FAILED');
    expect(failed.problems.nodes.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([
      [3, '组织名称'],
      [4, '组织类型'],
      [4, '上级组织'],
    ]);
    const en = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'accept-language': 'en' },
      body: JSON.stringify({ query: JOB, variables: { id: res.json.job.id } }),
    });
    expect(((await en.json()) as any).data.node.problems.nodes[0].message).toBe('组织名称 is required');
    expect(await count(su, 'orgs')).toBe(before);
    // another tenant's admin and a secretary see nothing; the list shows the admin's jobs newest first
    expect(await job(res.json.job.id, foreign)).toBeNull();
    expect(await job(res.json.job.id, secretary)).toBeNull();
    const list = await server.gql(`{ importJobs(first: 2) { totalCount nodes { id state } } }`, {}, admin);
    expect(list.data.importJobs.nodes[0]).toEqual({ id: res.json.job.id, state: 'FAILED' });
    expect((await server.gql(`{ importJobs(first: 2) { totalCount } }`, {}, foreign)).data.importJobs.totalCount).toBe(0);
  });

  it('refuses a whole file past a bound (no data rows, unreadable) as the job failure, in the asked language', async () => {
    const empty = await settled((await upload('/imports/orgs/jobs', csv([ORG_HEAD]), 'empty.csv', admin)).json.job.id);
    expect(empty).toMatchObject({ state: 'FAILED', failureReason: 'IMPORT_NO_ROWS' });
    const broken = await settled((await upload('/imports/orgs/jobs', 'not a zip', 'x.xlsx', admin)).json.job.id);
    expect(broken).toMatchObject({ state: 'FAILED', failureReason: 'UNREADABLE_FILE' });
    expect(broken.failure).toMatch(/无法读取/);
  });

  it('imports users as a job, and a sub-tree admin imports only under its own subtree', async () => {
    const before = await count(su, 'users');
    const file = csv([
      ['用户名', '姓名', '所属组织', '角色', '初始密码'],
      ['job.a', '甲', '第一车队党支部', '书记', 'Passw0rd-1'],
      ['job.b', '乙', '市公交集团党委/第二车队党支部', '党员', 'Passw0rd-2'],
    ]);
    const done = await settled((await upload('/imports/users/jobs', file, 'users.csv', admin)).json.job.id);
    expect(done).toMatchObject({ state: 'DONE', kind: 'USERS', rowsApplied: 2 });
    expect(await count(su, 'users')).toBe(before + 2);
    expect(await login(server.url, 'jtj', 'job.a').catch(() => 'refused')).toBe('refused'); // demo password is not theirs
    // an imported user's initial password works once, to choose its own
    const signIn = await firstSignIn<{ viewer: { username: string } }>(server.url, 'jtj', 'job.b', 'Passw0rd-2', 'viewer { username }');
    expect(signIn.viewer.username).toBe('job.b');

    // an admin over 第一车队党支部 only: its job names an org outside, refused per row; jtj's root admin reads its job, it does not read the root's
    const sub = await server.gql(
      `mutation($o: ID!) { createUser(input: { username: "sub.admin", displayName: "子管理员", password: "Passw0rd-9", orgId: $o }) { id } }`,
      { o: ids['第一车队党支部'] },
      admin,
    );
    await server.gql(
      `mutation($u: ID!, $o: ID!) { assignRole(input: { userId: $u, role: TENANT_ADMIN, orgId: $o }) { id } }`,
      { u: sub.data.createUser.id, o: ids['第一车队党支部'] },
      admin,
    );
    const subToken = (await firstSignIn(server.url, 'jtj', 'sub.admin', 'Passw0rd-9')).accessToken;
    const outside = await upload(
      '/imports/users/jobs',
      csv([
        ['用户名', '姓名', '所属组织', '角色', '初始密码'],
        ['job.c', '丙', '第二车队党支部', '党员', 'Passw0rd-3'],
      ]),
      'u.csv',
      subToken,
    );
    const refused = await settled(outside.json.job.id);
    expect(refused.state).toBe('FAILED');
    expect(refused.scope).toEqual({ name: '第一车队党支部' });
    expect(await job(outside.json.job.id, subToken)).toMatchObject({ state: 'FAILED' });
    expect(await job(done.id, subToken)).toBeNull();
  });

  it('runs racing jobs over the same names: exactly one applies, the others refuse with problems, never half-applied', async () => {
    const before = await count(su, 'orgs');
    const rows = [ORG_HEAD, ['竞争党委', '党委', '企业', '市公交集团党委']];
    for (let b = 0; b < 300; b++) rows.push([`竞争${b}党支部`, '党支部', '企业', '竞争党委']);
    const sent = await Promise.all(Array.from({ length: 6 }, () => upload('/imports/orgs/jobs', csv(rows), 'race.csv', admin)));
    expect(sent.map((s) => s.status)).toEqual(Array(6).fill(202));
    const states = await Promise.all(sent.map((s) => settled(s.json.job.id)));
    expect(states.filter((s) => s.state === 'DONE')).toHaveLength(1);
    for (const s of states.filter((j) => j.state !== 'DONE')) {
      expect(['FAILED', 'ROLLED_BACK']).toContain(s.state);
      expect(s.problems.nodes[0]).toMatchObject({ row: 2, column: '组织名称' });
      expect(s.rowsApplied).toBe(0);
    }
    expect(await count(su, 'orgs')).toBe(before + 301);
  });

  it('answers two dozen racing synchronous imports of the same names with one 201 and the rest refused per row, never a 500', async () => {
    const before = await count(su, 'orgs');
    const rows = [ORG_HEAD, ['并发党委', '党委', '企业', '市公交集团党委']];
    for (let b = 0; b < 200; b++) rows.push([`并发${b}党支部`, '党支部', '企业', '并发党委']);
    const answers = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const res = await fetch(`${server.baseUrl}/imports/orgs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
          body: csv(rows),
        });
        return { status: res.status, json: (await res.json()) as any };
      }),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a.status).toBe(400);
      expect(a.json.errors[0].extensions.reason).toBe('IMPORT_INVALID');
      expect(a.json.errors[0].extensions.problems[0]).toMatchObject({ row: 2, column: '组织名称', reason: 'IMPORT_ORG_EXISTS' });
    }
    expect(await count(su, 'orgs')).toBe(before + 201);
  });

  it('resumes a job whose lease ran out (its worker died) and applies it once; gives one interrupted too often up, rolled back', async () => {
    const before = await count(su, 'orgs');
    const file = (name: string) => csv([ORG_HEAD, [name, '党支部', '企业', '市公交集团党委']]);
    const { jobs } = server;
    const queued = await upload('/imports/orgs/jobs', file('模板党支部'), 'resume.csv', admin);
    await settled(queued.json.job.id);
    // jobs as a dead worker leaves them: mid-apply, the lease run out, nothing of their transaction committed
    const tenant = (await su.query(`SELECT tenant_id FROM import_jobs LIMIT 1`)).rows[0].tenant_id;
    const dead = async (attempts: number, name: string) =>
      (
        await su.query(
          `INSERT INTO import_jobs (tenant_id, kind, dry_run, state, org_id, created_by, file_name, content_type, size, content, attempts, worker, lease_until, started_at)
           SELECT tenant_id, kind, false, 'APPLYING', org_id, created_by, 'dead.csv', content_type, $2, $3, $4, 'gone:1', now() - interval '1 minute', now()
             FROM import_jobs WHERE tenant_id = $1 LIMIT 1 RETURNING id`,
          [tenant, Buffer.byteLength(file(name)), Buffer.from(file(name)), attempts],
        )
      ).rows[0].id as string;
    const resumed = await dead(1, '续跑党支部');
    const givenUp = await dead(3, '放弃党支部');
    const sweep = await importJobService.resume({ dataSource: server.database.dataSource, config: server.config, queue: jobs });
    expect(sweep.created).toBe(2);
    const gid = (id: string) => Buffer.from(`ImportJob:${id}`).toString('base64url');
    expect(await settled(gid(resumed))).toMatchObject({ state: 'DONE', attempts: 2, rowsApplied: 1 });
    expect(await settled(gid(givenUp))).toMatchObject({ state: 'ROLLED_BACK', attempts: 4, failureReason: 'IMPORT_JOB_INTERRUPTED' });
    expect(await count(su, 'orgs', `name = '续跑党支部'`)).toBe(1);
    expect(await count(su, 'orgs', `name = '放弃党支部'`)).toBe(0);
    expect(await count(su, 'orgs')).toBe(before + 2);
    // a second sweep finds nothing left to resume
    expect((await importJobService.resume({ dataSource: server.database.dataSource, config: server.config, queue: jobs })).created).toBe(0);
  });

  it('shows progress live: taskChanged sends IMPORT_JOB events to admins who may read the job, never to another tenant', async () => {
    const connect = (token: string) => {
      const client = createClient({
        url: server.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      sockets.push(client);
      const seen: { kind: string; subjectId: string }[] = [];
      let ready!: () => void;
      const subscribed = new Promise<void>((r) => (ready = r));
      client.on('connected', () => setTimeout(ready, 300));
      client.subscribe(
        { query: `subscription { taskChanged { kind subjectId } }` },
        { next: (r) => seen.push((r.data as any).taskChanged), error: () => undefined, complete: () => undefined },
      );
      return { seen, subscribed };
    };
    const mine = connect(admin);
    const theirs = connect(foreign);
    await Promise.all([mine.subscribed, theirs.subscribed]);
    const rows = [ORG_HEAD, ['直播党委', '党委', '企业', '市公交集团党委']];
    for (let b = 0; b < 2000; b++) rows.push([`直播${b}党支部`, '党支部', '企业', '直播党委']);
    const res = await upload('/imports/orgs/jobs', csv(rows), 'live.csv', admin);
    await settled(res.json.job.id);
    await until(async () => mine.seen.filter((e) => e.subjectId === res.json.job.id).length >= 2, 10_000);
    expect(mine.seen.every((e) => e.kind === 'IMPORT_JOB')).toBe(true);
    expect(theirs.seen).toEqual([]);
  });
});
