import { request } from 'node:http';
import { Client } from 'pg';
import { rawId } from './helpers/ids';
import { png } from './helpers/evidence-files';
import { GqlResponse, TestServer, startTestServer, tokens } from './helpers/server';
import { count } from './helpers/sql';
import { orgIds } from './helpers/story';

/**
 * Evidence files on records under concurrent changes: a record's attachments are counted under the
 * record's lock, so the limit of 50 holds against dozens of attaches at once, and an attach that lost a
 * race with the record's delete answers the record's NOT_FOUND (never a 500, never a row left behind).
 */
describe('evidence files on a record, concurrently', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<'secretary', string>;
  let orgs: Record<string, string>;

  const gql = (query: string, variables: Record<string, unknown>) => server.gql(query, variables, t.secretary);
  /** Uploads `n` files (10 a request) and answers their ids. */
  const uploadMany = async (n: number, prefix: string): Promise<string[]> => {
    const ids: string[] = [];
    for (let from = 0; from < n; from += 10) {
      const form = new FormData();
      for (let i = from; i < Math.min(n, from + 10); i++) form.append('file', new Blob([png()]), `${prefix}${i}.png`);
      const res = await fetch(`${server.baseUrl}/files`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${t.secretary}` },
      });
      const json = (await res.json()) as { files: { id: string }[] };
      if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(json)}`);
      ids.push(...json.files.map((f) => f.id));
    }
    return ids;
  };
  const createEntry = async (): Promise<string> => {
    const res = await gql(`mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id } }`, {
      input: { orgId: orgs['第一车队党支部'], occurredOn: '2013-06-01', category: 'MEETING', title: '并发附件' },
    });
    return res.data.createLedgerEntry.id;
  };
  const attach = (entry: string, fileIds: string[]) =>
    gql(`mutation($input: UpdateLedgerEntryInput!) { updateLedgerEntry(input: $input) { id } }`, { input: { id: entry, fileIds } });
  const reasons = (answers: GqlResponse[]) =>
    answers.flatMap((a) => (a.errors ?? []).map((e) => e.extensions?.reason ?? e.extensions?.code));

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['secretary']);
    orgs = await orgIds(server, 'jtj');
  }, 60_000);
  afterAll(() => server.close());

  it('24 concurrent attaches of 3 files each to one ledger entry: at most 50 stay, the rest refused TOO_MANY_ATTACHMENTS', async () => {
    const entry = await createEntry();
    const files = await uploadMany(72, '并发');
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => attach(entry, files.slice(3 * i, 3 * i + 3))));
    const held = await count(su, 'file_attachments', 'record_id = $1', [rawId(entry)]);
    const refused = reasons(answers);
    expect(held).toBeLessThanOrEqual(50);
    expect(new Set(refused)).toEqual(new Set(['TOO_MANY_ATTACHMENTS']));
    // every answer is either the attach done or the coded refusal, and what stays is exactly what was answered done
    expect(answers.filter((a) => a.data?.updateLedgerEntry).length * 3).toBe(held);
    expect(refused.length).toBe(24 - held / 3);
    expect(held).toBe(48);
  }, 60_000);

  it('attaches racing the entry’s delete: done before it or refused LEDGER_ENTRY_NOT_FOUND, no 500, no row left behind', async () => {
    for (let round = 0; round < 3; round++) {
      const entry = await createEntry();
      const files = await uploadMany(40, `删除${round}-`);
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => attach(entry, files.slice(2 * i, 2 * i + 2))),
        gql(`mutation($input: DeleteLedgerEntryInput!) { deleteLedgerEntry(input: $input) }`, { input: { id: entry } }),
        ...Array.from({ length: 10 }, (_, i) => attach(entry, files.slice(20 + 2 * i, 22 + 2 * i))),
      ]);
      expect(answers[10].data?.deleteLedgerEntry).toBe(true);
      for (const reason of reasons(answers)) expect(reason).toBe('LEDGER_ENTRY_NOT_FOUND');
      expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(entry)])).toBe(0);
    }
  }, 60_000);
});

/**
 * Uploads in progress per user: one user's slow uploads (each holding a pooled connection while its body
 * trickles in) take at most UPLOADS_PER_USER of the instance's slots; another user uploads meanwhile.
 */
describe('uploads one user holds in progress at once', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<'secretary' | 'secretary2' | 'leader', string>;
  let otherTenant: string;

  /** An upload whose body never ends: its headers and the start of its one part, then nothing. */
  const stalled = (token: string) => {
    const boundary = 'stalledboundary';
    const url = new URL(`${server.baseUrl}/files`);
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'transfer-encoding': 'chunked',
      },
    });
    req.on('error', () => undefined);
    req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="慢.png"\r\ncontent-type: image/png\r\n\r\n`);
    req.write(png().subarray(0, 16));
    return req;
  };
  const upload = async (token: string) => {
    const form = new FormData();
    form.append('file', new Blob([png()]), '快.png');
    const res = await fetch(`${server.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as any };
  };
  /** Uploads whose transaction is open (each took a slot and its connection), once `n` of them are. */
  const openNow = async () =>
    (
      await su.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
      )
    ).rows[0].n;
  const open = async (n: number) => {
    let seen = 0;
    for (let i = 0; i < 500 && seen < n; i++) {
      seen = await openNow();
      if (seen < n) await new Promise((r) => setTimeout(r, 10));
    }
    return seen;
  };
  /**
   * The open transactions once they have been `n` for 200 ms running: an upload's own authorization opens and
   * ends a transaction of its own just before its upload's begins, so one sample of `n` may count that one.
   */
  const steady = async (n: number) => {
    let seen = 0;
    for (let i = 0, run = 0; i < 500 && run < 10; i++) {
      seen = await openNow();
      run = seen === n ? run + 1 : 0;
      await new Promise((r) => setTimeout(r, 20));
    }
    return seen;
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['secretary', 'secretary2', 'leader']);
    otherTenant = await server.token('szjg', 'admin');
  }, 60_000);
  afterAll(() => server.close());

  it('lets one user have two uploads in progress, the next wait their turn without a connection, and refuses past 66', async () => {
    const slow = [stalled(t.secretary), stalled(t.secretary)];
    const answered = (req: ReturnType<typeof stalled>) =>
      new Promise<number>((resolve) => req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0))));
    let waiting: ReturnType<typeof stalled>[] = [];
    try {
      expect(await open(2)).toBe(2);
      // a third upload of the same user waits its turn: it opens no transaction (holds no connection)
      const third = upload(t.secretary);
      // another user's upload is not held by this one's
      expect((await upload(t.secretary2)).status).toBe(201);
      expect(await open(3)).toBe(2);
      // 63 more wait beside it (66 in all: UPLOADS_PER_USER in progress, UPLOADS_WAITING_PER_USER waiting); past them the user is refused at once
      waiting = Array.from({ length: 64 }, () => stalled(t.secretary));
      const refusals = await Promise.race(waiting.map(answered));
      expect(refusals).toBe(429);
      // the two in progress end: the third gets its turn and is stored
      for (const req of slow) req.destroy();
      expect((await third).status).toBe(201);
    } finally {
      for (const req of [...slow, ...waiting]) req.destroy();
    }
    // every place and turn comes back once the server has seen the connections close: none is held by a client gone
    let after = await upload(t.secretary);
    for (let i = 0; i < 50 && after.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await upload(t.secretary);
    }
    expect(after.status).toBe(201);
    expect(await Promise.all(Array.from({ length: 4 }, () => upload(t.secretary).then((r) => r.status)))).toEqual([201, 201, 201, 201]);
  });

  it('lets one tenant’s users hold at most half the slots: its next upload waits, another tenant’s goes through', async () => {
    // two users of one tenant, two slow uploads each: UPLOADS_PER_TENANT (4) in progress
    const slow = [stalled(t.secretary), stalled(t.secretary), stalled(t.secretary2), stalled(t.secretary2)];
    try {
      expect(await steady(4)).toBe(4);
      // a third user of the same tenant has turns of its own, but not the tenant's: its whole upload waits
      let settled = false;
      const fifth = upload(t.leader).finally(() => (settled = true));
      // the open transactions over half a second, at their fewest (a request's own authorization opens one for a moment)
      let fewest = Infinity;
      for (let i = 0; i < 25; i++) {
        fewest = Math.min(fewest, await openNow());
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(fewest).toBe(4);
      // another tenant's upload is not held by them
      expect((await upload(otherTenant)).status).toBe(201);
      expect(settled).toBe(false);
      // one of the four ends: the waiting upload takes the tenant's turn and is stored
      slow[0].destroy();
      expect((await fifth).status).toBe(201);
    } finally {
      for (const req of slow) req.destroy();
    }
  });
});
