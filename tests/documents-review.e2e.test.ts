import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { ARCHIVES_PER_TENANT, ARCHIVE_QUEUE, ARCHIVE_RETRY_SECONDS, ARCHIVE_SLOTS } from '../src/modules/document/document.routes';
import { MAX_LEDGER_EXPORT_ROWS } from '../src/modules/ledger/ledger.service';
import { EXPORT_RETRY_SECONDS, exportGate } from '../src/modules/report/export-gate';
import { unknownId } from './helpers/ids';
import { DEMO_ROLES, TestServer, lockWaiters, startTestServer, tokens } from './helpers/server';
import { orgIds } from './helpers/story';

/**
 * The year archive's slots (at most ARCHIVE_SLOTS built at once) are taken only by a request whose token
 * and org are authorized, and only ARCHIVE_QUEUE such requests wait for one: a request without a token
 * is answered 401 while every slot is held, and one past the queue 503 ARCHIVE_BUSY with Retry-After.
 */
/** A GET with the Bearer token: its status, Retry-After and body, and a refusal's JSON, reason and message. */
async function download(server: TestServer, path: string, token?: string) {
  const res = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = Buffer.from(await res.arrayBuffer());
  let json: any;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  const error = json?.errors?.[0];
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body,
    json,
    reason: error?.extensions?.reason,
    message: error?.message,
  };
}

describe('the year archive’s slots', () => {
  let server: TestServer;
  let holder: Client;
  let t: Record<'secretary' | 'admin', string>;
  let foreign: string;
  let path: string;
  /** An archive of the other tenant's. */
  let foreignPath: string;

  const get = (token?: string, at = path) => download(server, at, token);

  beforeAll(async () => {
    // one user may take every place of its tenant here (the turn per user has its own test below)
    server = await startTestServer({ env: { ARCHIVES_PER_USER: String(ARCHIVES_PER_TENANT) } });
    holder = await server.superuser({ own: true });
    t = await tokens(server, 'jtj', ['secretary', 'admin']);
    foreign = await server.token('szjg', 'admin');
    const orgs = await orgIds(server, 'jtj');
    path = `/archives/orgs/${orgs['第一车队党支部']}/2013`;
    const foreignOrg = (await server.gql(`{ orgs(first: 1) { nodes { id } } }`, {}, foreign)).data.orgs.nodes[0].id;
    foreignPath = `/archives/orgs/${foreignOrg}/2013`;
  }, 60_000);
  afterAll(() => server.close());

  it('holds one tenant to ARCHIVES_PER_TENANT places (429), the other finds the rest, then 503; 401 and 404 at once', async () => {
    expect((await get(t.secretary)).status).toBe(200);
    // the ledger locked: archives being built wait in their slots
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
    const building = [t.secretary, t.admin].map((token) => get(token));
    // both building (each holds its tenant's turn and a slot) before the next arrive, so the refusals are the next's
    expect(await lockWaiters(holder, ARCHIVE_SLOTS)).toBe(ARCHIVE_SLOTS);

    /** `count` requests; resolves once `refusals` of them are answered (the others wait for a place). */
    const burst = (count: number, refusals: number, ask: () => ReturnType<typeof get>) => {
      const settled: Awaited<ReturnType<typeof get>>[] = [];
      let done!: () => void;
      const refused = new Promise<void>((resolve) => (done = resolve));
      if (!refusals) done();
      const all = Array.from({ length: count }, () =>
        ask().then((res) => {
          settled.push(res);
          if (settled.length === refusals) done();
          return res;
        }),
      );
      return { all, settled: refused.then(() => settled) };
    };
    // the same tenant: its places (ARCHIVES_PER_TENANT, building or waiting) then refused at once for the tenant
    const extra = 3;
    const ours = burst(ARCHIVES_PER_TENANT - ARCHIVE_SLOTS + extra, extra, () => get(t.secretary));
    for (const res of await ours.settled) {
      expect(res).toMatchObject({ status: 429, reason: 'ARCHIVE_TENANT_BUSY', retryAfter: String(ARCHIVE_RETRY_SECONDS) });
      expect(res.json.errors[0].message).toBe(
        `本单位已有 ${ARCHIVES_PER_TENANT} 个归档正在生成或排队，请 ${ARCHIVE_RETRY_SECONDS} 秒后重试`,
      );
    }
    // the other tenant finds the places left, and past them every place is taken
    const free = ARCHIVE_SLOTS + ARCHIVE_QUEUE - ARCHIVES_PER_TENANT;
    const theirs = burst(free + 1, 1, () => get(foreign, foreignPath));
    for (const res of await theirs.settled) {
      expect(res).toMatchObject({ status: 503, reason: 'ARCHIVE_BUSY', retryAfter: String(ARCHIVE_RETRY_SECONDS) });
      expect(res.json.errors[0].message).toBe(`正在生成的归档过多，请 ${ARCHIVE_RETRY_SECONDS} 秒后重试`);
    }

    // the requests waiting for a place hold no database connection (the old code: a transaction each, doing nothing)
    const idle = (await server.superuser()).query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()
          AND pid NOT IN (SELECT pid FROM pg_locks WHERE relation = 'ledger_entries'::regclass AND mode = 'AccessExclusiveLock' AND granted)`,
    );
    expect((await idle).rows[0].n).toBe(0);

    // every slot and place in the queue taken: no token, a bad token, another tenant's admin are answered
    // all the same, without waiting
    expect(await get()).toMatchObject({ status: 401 });
    expect(await get('not.a.token')).toMatchObject({ status: 401 });
    expect(await get(foreign)).toMatchObject({ status: 404 });

    await holder.query('COMMIT');
    const answers = await Promise.all([...building, ...ours.all, ...theirs.all]);
    expect(answers.filter((a) => a.status === 200).length).toBe(ARCHIVE_SLOTS + ARCHIVE_QUEUE);
    expect(answers.filter((a) => a.status !== 200).length).toBe(extra + 1);
    // the slots are all free again
    expect((await get(t.secretary)).status).toBe(200);
  }, 30_000);
});

/** A user's turn among the year archives: ARCHIVES_PER_USER building or waiting, taken before its tenant's share. */
describe('the year archive’s turn per user', () => {
  let server: TestServer;
  let holder: Client;
  let t: Record<'secretary' | 'admin', string>;
  let path: string;
  const get = (token: string) => download(server, path, token);

  beforeAll(async () => {
    server = await startTestServer();
    holder = await server.superuser({ own: true });
    t = await tokens(server, 'jtj', ['secretary', 'admin']);
    path = `/archives/orgs/${(await orgIds(server, 'jtj'))['第一车队党支部']}/2013`;
  }, 60_000);
  afterAll(() => server.close());

  it('answers a user’s archive past ARCHIVES_PER_USER at once 429 ARCHIVE_IN_PROGRESS; another user of the tenant still has a place', async () => {
    const perUser = server.config.archivesPerUser;
    expect(perUser).toBe(1);
    await holder.query('BEGIN');
    const building: ReturnType<typeof get>[] = [];
    try {
      // the ledger locked: the user's archive is built up to the lock and waits there, holding its place
      await holder.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
      building.push(get(t.secretary));
      expect(await lockWaiters(holder, 1)).toBe(1);
      // the user's next one is refused at once (were it given a place, it would wait at the lock as the first does)
      const next = await Promise.race([get(t.secretary), lockWaiters(holder, 2).then(() => null)]);
      expect(next).toMatchObject({ status: 429, reason: 'ARCHIVE_IN_PROGRESS', retryAfter: String(ARCHIVE_RETRY_SECONDS) });
      expect(next!.message).toBe(`您已有 ${perUser} 个归档正在生成或排队，请待其完成后再下载（约 ${ARCHIVE_RETRY_SECONDS} 秒后重试）`);
      // another user of the same tenant takes a place of its own
      building.push(get(t.admin));
      expect(await lockWaiters(holder, 2)).toBe(2);
    } finally {
      await holder.query('COMMIT');
    }
    expect((await Promise.all(building)).map((a) => a.status)).toEqual([200, 200]);
    // the turn is given back with the archive
    expect((await get(t.secretary)).status).toBe(200);
  }, 30_000);
});

/**
 * The .xlsx exports and the .docx 公文 share one bound (EXPORT_SLOTS built at once, EXPORT_QUEUE waiting,
 * EXPORTS_PER_USER per user), taken only once the token and the record are authorized; a list past its
 * cap and a file past EXPORT_MAX_BYTES are refused with a reason telling what to narrow, never sent cut.
 */
describe('downloads: slots, row caps and the byte budget', () => {
  const SLOTS = 2;
  const QUEUE = 2;
  /** Of the four places, one tenant's users hold at most three: the other tenant finds the fourth. */
  const PER_TENANT = 3;
  const MAX_BYTES = 100_000;
  let server: TestServer;
  let holder: Client;
  let su: Client;
  let orgs: Record<string, string>;
  /** Each jtj demo user with an org it may read (its first). */
  let users: { name: string; token: string; org: string }[];
  let foreign: string;
  let foreignOrg: string;
  /** Another user of the other tenant. */
  let foreignLeader: string;

  const get = (path: string, token?: string) => download(server, path, token);
  /** The row ids of the jtj tenant, one of its orgs (by name) and its admin, to write rows as the admin's. */
  const adminAndOrg = async (orgName: string) =>
    (
      await su.query<{ tenant_id: string; org_id: string; user_id: string }>(
        `SELECT o.tenant_id, o.id AS org_id, u.id AS user_id FROM orgs o JOIN tenants t ON t.id = o.tenant_id
           JOIN users u ON u.tenant_id = o.tenant_id AND u.username = 'admin'
          WHERE t.slug = 'jtj' AND o.name = $1`,
        [orgName],
      )
    ).rows[0];
  const sheetOf = async (body: Buffer, name: string) => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(body as unknown as ArrayBuffer);
    return workbook.getWorksheet(name)!;
  };

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        EXPORT_SLOTS: String(SLOTS),
        EXPORT_QUEUE: String(QUEUE),
        EXPORTS_PER_USER: '1',
        EXPORTS_PER_TENANT: String(PER_TENANT),
        EXPORT_MAX_BYTES: String(MAX_BYTES),
      },
    });
    holder = await server.superuser({ own: true });
    su = await server.superuser();
    orgs = await orgIds(server, 'jtj');
    const t = await tokens(server, 'jtj');
    users = await Promise.all(
      DEMO_ROLES.map(async (name) => {
        const res = await server.gql(`{ orgs(first: 1) { nodes { id } } }`, {}, t[name]);
        return { name, token: t[name], org: res.data.orgs.nodes[0].id as string };
      }),
    );
    foreign = await server.token('szjg', 'admin');
    foreignOrg = (await server.gql(`{ orgs(first: 1) { nodes { id } } }`, {}, foreign)).data.orgs.nodes[0].id;
    foreignLeader = await server.token('szjg', 'leader');
  }, 60_000);
  // a failed test leaves no lock behind for the next
  afterEach(() => holder.query('ROLLBACK'));
  afterAll(() => server.close());

  it('30 at once: one tenant holds EXPORTS_PER_TENANT places, the rest 429 with Retry-After; the other tenant the last place, then 503; 401 and 404 never wait', async () => {
    expect(server.config).toMatchObject({ exportSlots: SLOTS, exportQueue: QUEUE, exportsPerUser: 1, exportsPerTenant: PER_TENANT });
    // the ledger locked: the exports that took a place wait in it
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
    const refused: Awaited<ReturnType<typeof get>>[] = [];
    let allRefused!: () => void;
    const refusedAll = new Promise<void>((resolve) => (allRefused = resolve));
    /** Each user's downloads not answered yet: one in a place (building or waiting), the user's turn. */
    const pending = new Map<string, number>();
    const burst = Array.from({ length: 30 }, (_, i) => users[i % users.length]).map((u) => {
      pending.set(u.name, (pending.get(u.name) ?? 0) + 1);
      return get(`/exports/ledger/${u.org}`, u.token).then((res) => {
        pending.set(u.name, pending.get(u.name)! - 1);
        if (res.status !== 200) refused.push(res);
        if (refused.length === 30 - PER_TENANT) allRefused();
        return res;
      });
    });
    // all but the places are answered at once (old code: none are, every export waits on the lock)
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([refusedAll, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    expect(refused.length).toBe(30 - PER_TENANT);
    expect(await lockWaiters(holder, SLOTS)).toBe(SLOTS);
    for (const res of refused) {
      expect(res).toMatchObject({ status: 429, retryAfter: String(EXPORT_RETRY_SECONDS) });
      if (res.reason === 'EXPORTS_IN_PROGRESS') {
        expect(res.message).toBe(`您已有 1 个导出文件正在生成，请待其完成后再下载（约 ${EXPORT_RETRY_SECONDS} 秒后重试）`);
      } else {
        expect(res.reason).toBe('EXPORTS_TENANT_BUSY');
        expect(res.message).toBe(`本单位已有 ${PER_TENANT} 个导出文件正在生成或排队，请 ${EXPORT_RETRY_SECONDS} 秒后重试`);
      }
    }
    // a user's second download while its first holds its turn: refused for the user; another user past the tenant's
    // places: refused for the tenant (a user refused for the tenant gives its turn back, so how they split depends on
    // the arrival order)
    expect(refused.some((r) => r.reason === 'EXPORTS_IN_PROGRESS')).toBe(true);
    expect(refused.some((r) => r.reason === 'EXPORTS_TENANT_BUSY')).toBe(true);

    // every place taken: who may not read the record is told so at once, before any place is asked for,
    // also a user whose own turn is taken (its download waits in a place)
    const secretary = users.find((u) => u.name === 'secretary')!;
    const held = users.find((u) => pending.get(u.name)! > 0)!;
    expect(users.filter((u) => pending.get(u.name)! > 0).length).toBe(PER_TENANT);
    expect(await get(`/exports/ledger/${held.org}`)).toMatchObject({ status: 401 });
    expect(await get(`/documents/assessments/${held.org}?year=2013`, 'not.a.token')).toMatchObject({ status: 401 });
    expect(await get(`/exports/ledger/${held.org}`, foreign)).toMatchObject({ status: 404 });
    expect(await get(`/documents/assessments/${held.org}?year=2013`, foreign)).toMatchObject({ status: 404 });
    expect(await get(`/exports/ledger/${orgs['养护科党支部']}`, secretary.token)).toMatchObject({ status: 404 });
    expect(await get(`/exports/ledger/${unknownId('Org')}`, held.token)).toMatchObject({ status: 404 });
    expect(await get(`/exports/ledger/${foreignOrg}`, held.token)).toMatchObject({ status: 404 });
    expect(await get(`/documents/assessments/${foreignOrg}?year=2013`, held.token)).toMatchObject({ status: 404 });
    // the same user in scope: its turn is taken
    expect(await get(`/exports/ledger/${held.org}`, held.token)).toMatchObject({ status: 429, reason: 'EXPORTS_IN_PROGRESS' });
    expect(await get(`/exports/ledger/${held.org}?from=2013-13-01`, held.token)).toMatchObject({
      status: 400,
      reason: 'EXPORT_DATE_INVALID',
    });
    // another user of the same tenant, with a turn of its own: the tenant's places are taken
    const idle = users.find((u) => !pending.get(u.name))!;
    expect(await get(`/exports/ledger/${idle.org}`, idle.token)).toMatchObject({ status: 429, reason: 'EXPORTS_TENANT_BUSY' });
    // the other tenant's two users each ask for a ledger export (each would wait on the lock once it holds a place):
    // one takes the last place, and the other is told the server is busy at once
    const theirs = [foreign, foreignLeader].map((token) => get(`/exports/ledger/${foreignOrg}`, token).then((res) => ({ token, res })));
    const first = await Promise.race(theirs);
    expect(first.res).toMatchObject({ status: 503, reason: 'EXPORTS_BUSY' });
    // and a .docx of that user (holding no turn now) shares the .xlsx's places
    expect(await get(`/documents/assessments/${foreignOrg}?year=2013`, first.token)).toMatchObject({ status: 503, reason: 'EXPORTS_BUSY' });

    await holder.query('COMMIT');
    const answers = await Promise.all(burst);
    expect(answers.filter((a) => a.status === 200).length).toBe(PER_TENANT);
    expect((await Promise.all(theirs)).map((a) => a.res.status).sort()).toEqual([200, 503]);
    expect(answers.every((a) => [200, 429, 503].includes(a.status))).toBe(true);
    for (const a of answers.filter((x) => x.status === 200))
      expect((await sheetOf(a.body, '管理台帐')).getRow(1).getCell(1).value).toBe('序号');
    // the places are all free again
    for (const u of users.slice(0, SLOTS + QUEUE + 1)) expect((await get(`/exports/ledger/${u.org}`, u.token)).status).toBe(200);
  }, 60_000);

  it('waits for its place holding no database connection, and is authorized again once it has one', async () => {
    const gate = exportGate(server.config);
    /** Sessions of the app's pool inside a transaction doing nothing (a request holding its connection while it waits). */
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const idleInTransaction = async () =>
      (
        await su.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle in transaction' AND pid NOT IN (pg_backend_pid(), $1)`,
          [holderPid],
        )
      ).rows[0].n;
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
      return done();
    };
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
    // two build (each waits on the lock in its place), two more wait for a place
    const [first, second] = users.filter((u) => u.name !== 'secretary2');
    const third = users.find((u) => u.name === 'secretary2')!;
    const building = [first, second].map((u) => get(`/exports/ledger/${u.org}`, u.token));
    expect(await lockWaiters(holder, SLOTS)).toBe(SLOTS);
    // the third user's and the other tenant's exports wait for a place
    const waiting = [get(`/exports/ledger/${third.org}`, third.token), get(`/exports/ledger/${foreignOrg}`, foreign)];
    expect(await until(() => gate.load === SLOTS + QUEUE)).toBe(true);
    // over half a second, no session of the app sits in a transaction doing nothing (the old code: one per waiting export)
    let most = 0;
    for (let i = 0; i < 25; i++) {
      most = Math.max(most, await idleInTransaction());
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(most).toBe(0);

    // the third user loses the role it read the org by while it waits: authorized again with its place, it is refused
    const revoked = await su.query(
      `DELETE FROM role_assignments ra USING users u, tenants t
        WHERE ra.user_id = u.id AND u.tenant_id = t.id AND t.slug = 'jtj' AND u.username = $1 RETURNING ra.*`,
      [third.name],
    );
    expect(revoked.rowCount).toBeGreaterThan(0);
    try {
      await holder.query('COMMIT');
      expect((await Promise.all(building)).map((a) => a.status)).toEqual([200, 200]);
      const [thirds, foreigns] = await Promise.all(waiting);
      expect(foreigns.status).toBe(200);
      expect(thirds.status).toBe(404);
    } finally {
      await su.query(`INSERT INTO role_assignments SELECT * FROM json_populate_recordset(NULL::role_assignments, $1)`, [
        JSON.stringify(revoked.rows),
      ]);
    }
  }, 60_000);

  it(`refuses a ledger past ${MAX_LEDGER_EXPORT_ROWS} entries (never a sheet cut short); narrowed by dates it is whole`, async () => {
    const org = orgs['第二车队党支部'];
    const { tenant_id, org_id, user_id } = await adminAndOrg('第二车队党支部');
    // 100 entries a day from 2011-01-01, one past the cap
    await su.query(
      `INSERT INTO ledger_entries (tenant_id, org_id, occurred_on, category, title, created_by)
       SELECT $1, $2, date '2011-01-01' + (i / 100), 'MEETING', '例会' || i, $3 FROM generate_series(0, $4::int) i`,
      [tenant_id, org_id, user_id, MAX_LEDGER_EXPORT_ROWS],
    );
    const admin = users.find((u) => u.name === 'admin')!.token;
    const whole = await get(`/exports/ledger/${org}?from=2011-01-01`, admin);
    expect(whole).toMatchObject({ status: 400, reason: 'LEDGER_EXPORT_TOO_LARGE' });
    expect(whole.message).toBe(
      `第二车队党支部所选范围内的台帐超过一次导出的上限 ${MAX_LEDGER_EXPORT_ROWS} 条，请缩小日期范围或按类别分批导出`,
    );
    // the year archive holds the ledger whole too, or is refused
    expect(await get(`/archives/orgs/${org}/2011`, admin)).toMatchObject({ status: 400, reason: 'LEDGER_EXPORT_TOO_LARGE' });

    const part = await get(`/exports/ledger/${org}?from=2011-01-01&to=2011-01-03`, admin);
    expect(part.status).toBe(200);
    const sheet = await sheetOf(part.body, '管理台帐');
    expect(sheet.rowCount).toBe(1 + 300);
    expect(sheet.getRow(301).getCell(4).value).toBe('例会299');
  }, 60_000);

  it('refuses an export or a document past EXPORT_MAX_BYTES, coded, rather than a part of it', async () => {
    const { tenant_id, org_id, user_id } = await adminAndOrg('第一车队党支部');
    // three entries of 20,000 characters (60 KB each), a day apart
    await su.query(
      `INSERT INTO ledger_entries (tenant_id, org_id, occurred_on, category, title, content, created_by)
       SELECT $1, $2, date '2010-06-01' + i, 'STUDY', '学习' || i, repeat('党', 20000), $3 FROM generate_series(0, 2) i`,
      [tenant_id, org_id, user_id],
    );
    const admin = users.find((u) => u.name === 'admin')!.token;
    const path = `/exports/ledger/${orgs['第一车队党支部']}`;
    const large = await get(`${path}?from=2010-06-01&to=2010-06-03`, admin);
    expect(large).toMatchObject({ status: 400, reason: 'EXPORT_TOO_LARGE' });
    expect(large.message).toBe('导出内容超过 97.7 KB 的上限，请缩小范围后分批导出');
    const one = await get(`${path}?from=2010-06-02&to=2010-06-02`, admin);
    expect(one.status).toBe(200);
    expect((await sheetOf(one.body, '管理台帐')).getRow(2).getCell(5).value).toBe('党'.repeat(20000));

    // a draft briefing of 40,000 characters (120 KB): its 简报 is refused whole
    const secretary = users.find((u) => u.name === 'secretary')!.token;
    const drafted = await server.gql(
      `mutation($o: ID!, $b: String!) { createBriefing(input: { orgId: $o, title: "长篇简报", body: $b }) { id } }`,
      { o: orgs['第一车队党支部'], b: '简'.repeat(40_000) },
      secretary,
    );
    const doc = await get(`/documents/briefings/${drafted.data.createBriefing.id}`, secretary);
    expect(doc).toMatchObject({ status: 400, reason: 'OFFICIAL_DOCUMENT_TOO_LARGE' });
    expect(doc.message).toBe('公文内容超过 97.7 KB 的上限，无法生成');
  }, 60_000);
});
