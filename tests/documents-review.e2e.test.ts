import { Client } from 'pg';
import { ARCHIVE_QUEUE, ARCHIVE_RETRY_SECONDS, ARCHIVE_SLOTS } from '../src/modules/document/document.routes';
import { TestServer, lockWaiters, startTestServer, tokens } from './helpers/server';
import { orgIds } from './helpers/story';

/**
 * The year archive's slots (at most ARCHIVE_SLOTS built at once) are taken only by a request whose token
 * and org are authorized, and only ARCHIVE_QUEUE such requests wait for one: a request without a token
 * is answered 401 while every slot is held, and one past the queue 503 ARCHIVE_BUSY with Retry-After.
 */
describe('the year archive’s slots', () => {
  let server: TestServer;
  let holder: Client;
  let t: Record<'secretary', string>;
  let foreign: string;
  let path: string;

  const get = async (token?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = Buffer.from(await res.arrayBuffer());
    let json: any;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json, reason: json?.errors?.[0]?.extensions?.reason };
  };

  beforeAll(async () => {
    server = await startTestServer();
    holder = await server.superuser({ own: true });
    t = await tokens(server, 'jtj', ['secretary']);
    foreign = await server.token('szjg', 'admin');
    const orgs = await orgIds(server, 'jtj');
    path = `/archives/orgs/${orgs['第一车队党支部']}/2013`;
  }, 60_000);
  afterAll(() => server.close());

  it('refuses 503 past the queue, and answers 401 and 404 at once while every slot and place is taken', async () => {
    expect((await get(t.secretary)).status).toBe(200);
    // the ledger locked: archives being built wait in their slots
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
    const building = Array.from({ length: ARCHIVE_SLOTS }, () => get(t.secretary));
    await lockWaiters(holder, 1);

    // more authorized requests: ARCHIVE_QUEUE of them wait for a slot, the others are refused at once
    const extra = 3;
    const settled: Awaited<ReturnType<typeof get>>[] = [];
    let done!: () => void;
    const refusedAll = new Promise<void>((resolve) => (done = resolve));
    const queued = Array.from({ length: ARCHIVE_QUEUE + extra }, () =>
      get(t.secretary).then((res) => {
        settled.push(res);
        if (settled.length === extra) done();
        return res;
      }),
    );
    await refusedAll;
    for (const res of settled) {
      expect(res).toMatchObject({ status: 503, reason: 'ARCHIVE_BUSY', retryAfter: String(ARCHIVE_RETRY_SECONDS) });
      expect(res.json.errors[0].message).toBe(`正在生成的归档过多，请 ${ARCHIVE_RETRY_SECONDS} 秒后重试`);
    }

    // every slot and place in the queue taken: no token, a bad token, another tenant's admin are answered
    // all the same, without waiting
    expect(await get()).toMatchObject({ status: 401 });
    expect(await get('not.a.token')).toMatchObject({ status: 401 });
    expect(await get(foreign)).toMatchObject({ status: 404 });

    await holder.query('COMMIT');
    const answers = await Promise.all([...building, ...queued]);
    expect(answers.filter((a) => a.status === 200).length).toBe(ARCHIVE_SLOTS + ARCHIVE_QUEUE);
    expect(answers.filter((a) => a.status === 503).length).toBe(extra);
    // the slots are all free again
    expect((await get(t.secretary)).status).toBe(200);
  }, 30_000);
});
