import { Client } from 'pg';
import { sweepUnattached } from '../src/modules/file/file.sweeps';
import { globalId, rawId, unknownId } from './helpers/ids';
import { png } from './helpers/evidence-files';
import { GqlResponse, TestServer, codes, startTestServer, tokens } from './helpers/server';
import { orgIds } from './helpers/story';

/**
 * Uploads on no record are bounded per user (files and bytes, counted under the tenant's quota lock,
 * so concurrent uploads cannot pass the bound together), can be deleted by their uploader
 * (`discardFiles`), and are swept once they have stayed on no record past FILE_UNATTACHED_TTL_HOURS,
 * with the contents only they named, so the tenant's quota comes back.
 */
describe('files on no record', () => {
  const LIMIT_FILES = 12;
  let server: TestServer;
  let su: Client;
  let t: Record<'secretary' | 'member' | 'admin', string>;
  let orgs: Record<string, string>;

  /** POSTs files to /files as `token`: the status and the ids stored. */
  const upload = async (token: string, contents: Buffer[]): Promise<{ status: number; ids: string[]; reason?: string }> => {
    const form = new FormData();
    contents.forEach((c, i) => form.append('file', new Blob([c]), `暂存${i}.png`));
    const res = await fetch(`${server.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    const json = (await res.json()) as { files?: { id: string }[]; errors?: { extensions: { reason?: string; code: string } }[] };
    const refusal = json.errors?.[0]?.extensions;
    return { status: res.status, ids: (json.files ?? []).map((f) => f.id), reason: refusal?.reason ?? refusal?.code };
  };
  const pngs = (n: number) => Array.from({ length: n }, () => png());
  const unattachedOf = async (username: string): Promise<number> => {
    const { rows } = await su.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM files f JOIN users u ON u.tenant_id = f.tenant_id AND u.id = f.uploaded_by
        WHERE u.username = $1 AND NOT EXISTS (SELECT 1 FROM file_attachments a WHERE a.tenant_id = f.tenant_id AND a.file_id = f.id)`,
      [username],
    );
    return rows[0].n;
  };
  const discard = (token: string, ids: string[]) => server.gql(`mutation($ids: [ID!]!) { discardFiles(ids: $ids) }`, { ids }, token);
  const createEntry = async (fileIds: string[] = []): Promise<GqlResponse> =>
    server.gql(
      `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id files { id } } }`,
      { input: { orgId: orgs['第一车队党支部'], occurredOn: '2013-06-01', category: 'MEETING', title: '暂存文件', fileIds } },
      t.secretary,
    );
  const attach = (entry: string, fileIds: string[]) =>
    server.gql(
      `mutation($input: UpdateLedgerEntryInput!) { updateLedgerEntry(input: $input) { id } }`,
      { input: { id: entry, fileIds } },
      t.secretary,
    );
  const reasons = (answers: GqlResponse[]) =>
    answers.flatMap((a) => (a.errors ?? []).map((e) => e.extensions?.reason ?? e.extensions?.code));
  /** Deletes the secretary's files on no record, so each test starts from none. */
  const clearSecretary = () =>
    su.query(
      `DELETE FROM files f USING users u WHERE u.tenant_id = f.tenant_id AND u.id = f.uploaded_by AND u.username = 'secretary'
          AND NOT EXISTS (SELECT 1 FROM file_attachments a WHERE a.tenant_id = f.tenant_id AND a.file_id = f.id)`,
    );

  beforeAll(async () => {
    server = await startTestServer({
      env: { FILE_UNATTACHED_USER_FILES: String(LIMIT_FILES), FILE_UNATTACHED_TTL_HOURS: '24', EXPOSE_STATEMENT_COUNT: 'true' },
    });
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['secretary', 'member', 'admin']);
    orgs = await orgIds(server, 'jtj');
  }, 60_000);
  afterAll(() => server.close());
  beforeEach(() => clearSecretary());

  it('refuses an upload past the per-user bound with FILE_UNATTACHED_FULL (413), storing nothing; attaching makes room again', async () => {
    expect((await upload(t.secretary, pngs(10))).status).toBe(201);
    const over = await upload(t.secretary, pngs(3));
    expect(over).toMatchObject({ status: 413, reason: 'FILE_UNATTACHED_FULL', ids: [] });
    expect(await unattachedOf('secretary')).toBe(10);
    // another user of the tenant is not held by the secretary's files
    expect((await upload(t.member, pngs(3))).status).toBe(201);

    const two = await upload(t.secretary, pngs(2));
    expect(two.status).toBe(201);
    // at the bound now: refused before the body is read
    expect(await upload(t.secretary, pngs(1))).toMatchObject({ status: 413, reason: 'FILE_UNATTACHED_FULL' });
    const entry = await createEntry(two.ids);
    expect(entry.errors).toBeUndefined();
    expect(await unattachedOf('secretary')).toBe(10);
    expect((await upload(t.secretary, pngs(2))).status).toBe(201);
  }, 60_000);

  it('holds the bound against 20 concurrent uploads of one user: exactly as many stored as answered 201', async () => {
    expect((await upload(t.secretary, pngs(4))).status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 20 }, () => upload(t.secretary, pngs(1))));
    const stored = answers.filter((a) => a.status === 201).length;
    expect(stored).toBe(LIMIT_FILES - 4);
    expect(new Set(answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.reason}`))).toEqual(
      new Set(['413 FILE_UNATTACHED_FULL']),
    );
    expect(await unattachedOf('secretary')).toBe(LIMIT_FILES);
  }, 60_000);

  it('discardFiles deletes the uploader’s own files on no record and their contents, giving the quota back', async () => {
    const shared = png();
    const up = await upload(t.secretary, [png(), png(), shared]);
    const mine = await upload(t.member, [shared]);
    const contentsBefore = (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM file_contents`)).rows[0].n;

    const res = await discard(t.secretary, up.ids);
    expect(res.errors).toBeUndefined();
    expect(res.data.discardFiles).toBe(3);
    expect(await unattachedOf('secretary')).toBe(0);
    // two contents gone; the one the member's file also names stays, and the member still reads it
    expect((await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM file_contents`)).rows[0].n).toBe(contentsBefore - 2);
    const still = await fetch(`${server.baseUrl}/files/${mine.ids[0]}`, { headers: { authorization: `Bearer ${t.member}` } });
    expect(Buffer.from(await still.arrayBuffer()).equals(shared)).toBe(true);
    const gone = await server.gql(`query($id: ID!) { file(id: $id) { id } }`, { id: up.ids[0] }, t.secretary);
    expect(codes(gone)).toEqual(['NOT_FOUND']);
  }, 60_000);

  it('refuses discarding an attached file, another user’s file, too many ids or without signing in, deleting nothing', async () => {
    const up = await upload(t.secretary, pngs(3));
    const entry = await createEntry([up.ids[0]]);
    expect(entry.errors).toBeUndefined();
    const others = await upload(t.member, pngs(1));

    const attached = await discard(t.secretary, [up.ids[1], up.ids[0]]);
    expect(reasons([attached])).toEqual(['FILE_NOT_DISCARDABLE']);
    expect(attached.errors?.[0].message).toContain('不能删除');
    const foreign = await discard(t.secretary, [up.ids[1], others.ids[0]]);
    expect(reasons([foreign])).toEqual(['FILE_NOT_FOUND']);
    // the admin sees the ledger entry's file but did not upload it
    const admins = await discard(t.admin, [up.ids[0]]);
    expect(reasons([admins])).toEqual(['FILE_NOT_DISCARDABLE']);
    const many = await discard(
      t.secretary,
      Array.from({ length: 101 }, () => up.ids[1]),
    );
    expect(reasons([many])).toEqual(['TOO_MANY_FILE_IDS']);
    const anonymous = await server.gql(`mutation($ids: [ID!]!) { discardFiles(ids: $ids) }`, { ids: [up.ids[1]] });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);

    expect(await unattachedOf('secretary')).toBe(2);
    const { rows } = await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM files WHERE id = ANY($1::uuid[])`, [
      [...up.ids, ...others.ids].map(rawId),
    ]);
    expect(rows[0].n).toBe(4);
  }, 60_000);

  it('reads the files named by a discard or an attach in as many statements for 100 (50) as for 5, refusing at the first bad id', async () => {
    const up = await upload(t.secretary, pngs(1));
    expect(up.status).toBe(201);
    // 161 more of the secretary's files on no record, by SQL (past the per-user bound an upload keeps)
    const copies = (
      await su.query<{ id: string }>(
        `INSERT INTO files (tenant_id, content_id, name, uploaded_by)
         SELECT f.tenant_id, f.content_id, '批量' || g || '.png', f.uploaded_by FROM files f, generate_series(1, 161) g WHERE f.id = $1
         RETURNING id`,
        [rawId(up.ids[0])],
      )
    ).rows.map((r) => globalId('File', r.id));
    const few = await discard(t.secretary, copies.slice(0, 5));
    expect(few.data.discardFiles).toBe(5);
    // the first bad id in the order given decides: for the admin, who sees the entry's file (not theirs to discard)
    const held = await createEntry([copies[5]]);
    expect(held.errors).toBeUndefined();
    const mixed = (...odd: string[]) => discard(t.admin, [...odd, ...copies.slice(6, 60)]);
    expect(reasons([await mixed(unknownId('File'), copies[5])])).toEqual(['FILE_NOT_FOUND']);
    const notTheirs = await mixed(copies[5], unknownId('File'));
    expect(reasons([notTheirs])).toEqual(['FILE_NOT_DISCARDABLE']);
    expect(notTheirs.errors?.[0].message).toContain('批量6.png');
    const many = await discard(t.secretary, copies.slice(6, 106));
    expect(many.data.discardFiles).toBe(100);
    expect(many.statements).toBe(few.statements);

    const small = await createEntry(copies.slice(106, 111));
    expect(small.errors).toBeUndefined();
    const large = await createEntry(copies.slice(111, 161));
    expect(large.errors).toBeUndefined();
    expect(large.data.createLedgerEntry.files).toHaveLength(50);
    expect(large.statements).toBe(small.statements);
  }, 60_000);

  it('discards racing attaches of the same files: each file ends either attached or deleted, never both, never a 500', async () => {
    const entry = (await createEntry()).data.createLedgerEntry.id as string;
    const up = await upload(t.secretary, pngs(10));
    const answers = await Promise.all(
      up.ids.flatMap((id, i) =>
        i % 2 ? [attach(entry, [id]), discard(t.secretary, [id])] : [discard(t.secretary, [id]), attach(entry, [id])],
      ),
    );
    expect(answers.filter((a) => (a.errors ?? []).some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'))).toEqual([]);
    for (const r of reasons(answers)) expect(['FILE_NOT_FOUND', 'FILE_NOT_DISCARDABLE']).toContain(r);
    const { rows } = await su.query<{ id: string; attached: boolean }>(
      `SELECT f.id, EXISTS (SELECT 1 FROM file_attachments a WHERE a.tenant_id = f.tenant_id AND a.file_id = f.id) AS attached
         FROM files f WHERE f.id = ANY($1::uuid[])`,
      [up.ids.map(rawId)],
    );
    // every file that is left is attached (a discard that lost the race refused); the rest were discarded
    expect(rows.every((r) => r.attached)).toBe(true);
    const discarded = answers.filter((a) => a.data?.discardFiles === 1).length;
    const attached = answers.filter((a) => a.data?.updateLedgerEntry).length;
    expect(discarded + rows.length).toBe(10);
    expect(attached).toBe(rows.length);
  }, 60_000);

  it('sweeps files on no record past the hours allowed, also those a deleted record left, and keeps younger and attached ones', async () => {
    const old = await upload(t.secretary, pngs(2));
    const young = await upload(t.secretary, pngs(1));
    const onRecord = await upload(t.secretary, pngs(1));
    const left = await upload(t.secretary, pngs(2));
    const kept = (await createEntry(onRecord.ids)).data.createLedgerEntry.id as string;
    const doomed = (await createEntry(left.ids)).data.createLedgerEntry.id as string;
    const ago = (ids: string[], hours: number) =>
      su.query(`UPDATE files SET created_at = now() - make_interval(hours => $2) WHERE id = ANY($1::uuid[])`, [ids.map(rawId), hours]);
    await ago([...old.ids, ...onRecord.ids, ...left.ids], 48);
    await ago(young.ids, 2);
    // the record goes today: its files come off now, so they get their full hours from today
    const del = await server.gql(
      `mutation($input: DeleteLedgerEntryInput!) { deleteLedgerEntry(input: $input) }`,
      { input: { id: doomed } },
      t.secretary,
    );
    expect(del.errors).toBeUndefined();
    const contentsBefore = (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM file_contents`)).rows[0].n;

    const deps = { dataSource: server.database.dataSource, config: server.config };
    const first = await sweepUnattached(deps);
    expect(first.created).toBe(2);
    expect((await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM file_contents`)).rows[0].n).toBe(contentsBefore - 2);
    const stays = async (ids: string[]) =>
      (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM files WHERE id = ANY($1::uuid[])`, [ids.map(rawId)])).rows[0].n;
    expect(await stays(old.ids)).toBe(0);
    expect(await stays([...young.ids, ...onRecord.ids, ...left.ids])).toBe(4);
    // a second run finds nothing; once the detached files' hours pass, they go too
    expect((await sweepUnattached(deps)).created).toBe(0);
    await su.query(`UPDATE files SET detached_at = now() - interval '25 hours' WHERE id = ANY($1::uuid[])`, [left.ids.map(rawId)]);
    expect((await sweepUnattached(deps)).created).toBe(2);
    expect(await stays([...young.ids, ...onRecord.ids])).toBe(2);
    const entry = await server.gql(`query($id: ID!) { node(id: $id) { ... on LedgerEntry { files { id } } } }`, { id: kept }, t.secretary);
    expect(entry.data.node.files).toEqual([{ id: onRecord.ids[0] }]);
  }, 60_000);
});
