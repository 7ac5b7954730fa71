import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { hashPassword } from '../../src/auth/password';
import { TarReader, TarWriter } from '../../src/modules/tenant-archive/tar';
import { Manifest, SKIPPED_TABLES } from '../../src/modules/tenant-archive/tenant-archive.service';
import { pdf, png } from '../helpers/evidence-files';
import { TestServer, firstSignIn, login, startTestServer, tokens } from '../helpers/server';
import { tenantId as tenantIdOf } from '../helpers/sql';
import { orgIds } from '../helpers/story';
import { PassThrough } from 'node:stream';

/** The archive's entries, in order. */
async function entries(archive: Buffer): Promise<{ name: string; body: Buffer }[]> {
  const reader = new TarReader(
    (async function* () {
      yield archive;
    })(),
    Infinity,
    () => new Error('too large'),
  );
  const out: { name: string; body: Buffer }[] = [];
  for (let e = await reader.next(); e; e = await reader.next()) {
    const pieces: Buffer[] = [];
    for await (const piece of e.content) pieces.push(piece);
    out.push({ name: e.name, body: Buffer.concat(pieces) });
  }
  return out;
}

/** An archive rebuilt from entries (a tampered copy). */
async function pack(list: { name: string; body: Buffer }[]): Promise<Buffer> {
  const out = new PassThrough();
  const pieces: Buffer[] = [];
  out.on('data', (d: Buffer) => pieces.push(d));
  const tar = new TarWriter(out);
  for (const e of list) await tar.entry(e.name, e.body.length, [e.body]);
  await tar.end();
  return Buffer.concat(pieces);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every tenant table's rows of one tenant, as text, ordered: for comparing two databases (tenant_id left out). */
async function snapshot(su: Client, tenant: string, skip: string[] = SKIPPED_TABLES): Promise<Record<string, string[]>> {
  const tables = (
    await su.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
        ORDER BY 1`,
    )
  ).rows.map((r) => r.name);
  const out: Record<string, string[]> = {};
  for (const table of tables.filter((t) => !skip.includes(t))) {
    out[table] = (
      await su.query<{ j: string }>(`SELECT (to_jsonb(t) - 'tenant_id')::text AS j FROM "${table}" t WHERE tenant_id = $1 ORDER BY 1`, [
        tenant,
      ])
    ).rows.map((r) => r.j);
  }
  return out;
}

/**
 * A whole tenant out and back: the export streamed as tar (manifest, hashes, counts), refused to
 * anyone but an operator or the tenant's own root admin; restored into an empty deployment with every
 * row, file and chain as it was; tampered archives and another schema version refused with nothing
 * left behind; restored beside the original under a new slug, isolated from it.
 */
describe('tenant export and restore', () => {
  let a: TestServer;
  let b: TestServer;
  let suA: Client;
  let suB: Client;
  let operator: string;
  let archive: Buffer;
  let manifest: Manifest;
  let jtj: string;

  const get = async (server: TestServer, path: string, token?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  };
  const restore = async (server: TestServer, body: Buffer, token: string, query = '', type = 'application/x-tar') => {
    const res = await fetch(`${server.baseUrl}/tenant-archives${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const reason = (res: { json: any }) => res.json.errors?.[0]?.extensions?.reason;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestServer(), startTestServer({ seed: false })]);
    [suA, suB] = await Promise.all([a.superuser(), b.superuser()]);
    operator = await a.token('', 'operator');
    jtj = await tenantIdOf(suA, 'jtj');
    // evidence and finalized inspections: two records with files, both finalized, one amended
    const t = await tokens(a, 'jtj', ['inspector', 'secretary']);
    const ids = await orgIds(a, 'jtj');
    const upload = async (name: string, bytes: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      const res = await fetch(`${a.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${t.inspector}` } });
      return ((await res.json()) as { files: { id: string }[] }).files[0].id;
    };
    const admin = await a.token('jtj', 'admin');
    const users = (await a.gql(`{ users(first: 50) { nodes { id username } } }`, {}, admin)).data.users.nodes;
    const created = await a.gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      {
        input: {
          name: '归档督导组',
          leaderId: users.find((u: { username: string }) => u.username === 'inspector').id,
          scopeOrgIds: [ids['市公交集团党委']],
        },
      },
      admin,
    );
    const team = created.data.createSupervisionTeam.id;
    for (const [i, org] of ['第一车队党支部', '第二车队党支部'].entries()) {
      const notes = await upload(`座谈记录${i}.pdf`, pdf());
      const photo = await upload(`现场照片${i}.png`, png());
      const recorded = await a.gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: `archive-${i}`,
            teamId: team,
            orgId: ids[org],
            inspectedOn: '2013-09-10',
            methods: ['BRIEFING'],
            summary: `督查${i}`,
            fileIds: [notes],
            findings: [{ severity: 'MINOR', description: '台帐不全', fileIds: [photo] }],
          },
        },
        t.inspector,
      );
      const id = recorded.data.recordInspection.id;
      const done = await a.gql(
        `mutation($input: InspectionRefInput!) { finalizeInspection(input: $input) { state } }`,
        { input: { id } },
        t.inspector,
      );
      expect(done.data.finalizeInspection.state).toBe('FINALIZED');
    }
    // a federation link of jtj's (as its superior szjg's invitation, accepted): it does not travel
    const szjg = await tenantIdOf(suA, 'szjg');
    await suA.query(
      `INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state, responded_at)
       VALUES ($1, $3, $2, 'SUBORDINATE', 'ACTIVE', now()), ($2, $3, $1, 'SUPERIOR', 'ACTIVE', now())`,
      [jtj, szjg, randomUUID()],
    );
    // an operator for the empty deployment
    await suB.query(`INSERT INTO platform_operators (username, display_name, password_hash) VALUES ('operator', '平台运维', $1)`, [
      await hashPassword('demo', 10),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('exports only to an operator or the tenant’s own root admin, refusals before anything is read', async () => {
    const t = await tokens(a, 'jtj', ['admin', 'secretary']);
    expect((await get(a, '/tenant-archives/jtj')).status).toBe(401);
    const bySecretary = await get(a, '/tenant-archives/jtj', t.secretary);
    expect(bySecretary.status).toBe(403);
    expect(JSON.parse(bySecretary.body.toString()).errors[0].extensions.reason).toBe('TENANT_EXPORT_FORBIDDEN');
    const foreign = await a.token('szjg', 'admin');
    expect((await get(a, '/tenant-archives/jtj', foreign)).status).toBe(404);
    expect((await get(a, '/tenant-archives/nope', operator)).status).toBe(404);
    const own = await get(a, '/tenant-archives/jtj', t.admin);
    expect(own.status).toBe(200);
    expect(own.type).toBe('application/x-tar');
    // restore: operators only, refused before the body is read
    const byAdmin = await restore(a, own.body, t.admin, '?slug=jtj-copy');
    expect(byAdmin.status).toBe(403);
    expect(reason(byAdmin)).toBe('TENANT_RESTORE_OPERATOR_ONLY');
    expect(reason(await restore(a, own.body, operator, '?slug=jtj-copy', 'application/octet-stream'))).toBe('TENANT_RESTORE_CONTENT_TYPE');
  });

  it('refuses a tenant admin whose role is below the root: nothing exported, no place taken, the refusal audited', async () => {
    const root = await a.token('jtj', 'admin');
    const ids = await orgIds(a, 'jtj');
    const created = await a.gql(
      `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`,
      { i: { username: 'bus-export-admin', displayName: '公交集团管理员', password: 'bus-export-password', orgId: ids['市公交集团党委'] } },
      root,
    );
    expect(created.errors).toBeUndefined();
    const assigned = await a.gql(
      `mutation($i: AssignRoleInput!) { assignRole(input: $i) { id } }`,
      { i: { userId: created.data.createUser.id, role: 'TENANT_ADMIN', orgId: ids['市公交集团党委'] } },
      root,
    );
    expect(assigned.errors).toBeUndefined();
    const busAdmin = (await firstSignIn(a.url, 'jtj', 'bus-export-admin', 'bus-export-password')).accessToken;
    const [{ id: busAdminId }] = (await suA.query(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'bus-export-admin'`, [jtj]))
      .rows;

    const refused = await get(a, '/tenant-archives/jtj', busAdmin);
    expect(refused.status).toBe(403);
    expect(refused.type).toMatch(/^application\/json/);
    const body = JSON.parse(refused.body.toString());
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'TENANT_EXPORT_FORBIDDEN' });
    expect(body.errors[0].message).toBe('只有平台运营方，或本单位根组织的管理员（仅限本单位），可以导出单位的全部数据');
    // the refusal is in the tenant's trail under the admin who asked, naming no tenant as exported
    const trail = await suA.query(
      `SELECT outcome, reason, entity_id FROM audit_log WHERE tenant_id = $1 AND action = 'exportTenant' AND actor_id = $2`,
      [jtj, busAdminId],
    );
    expect(trail.rows).toEqual([{ outcome: 'FAILURE', reason: 'TENANT_EXPORT_FORBIDDEN', entity_id: null }]);
    // it took no place among the exports: the root admin's export right after runs
    const own = await get(a, '/tenant-archives/jtj', root);
    expect(own.status).toBe(200);
    expect(own.type).toBe('application/x-tar');
  });

  it('gives the tenant’s own root admin an archive without second factors, SSO secret or pending import files; an operator’s has them; both audited', async () => {
    const t = await tokens(a, 'jtj', ['admin']);
    const [user] = (await suA.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'secretary2'`, [jtj])).rows;
    const [org] = (await suA.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL`, [jtj])).rows;
    await suA.query(`INSERT INTO user_totp (tenant_id, user_id, secret) VALUES ($1, $2, $3)`, [jtj, user.id, randomBytes(20)]);
    await suA.query(`INSERT INTO recovery_codes (tenant_id, user_id, code_hash) VALUES ($1, $2, 'recovery-code-hash')`, [jtj, user.id]);
    await suA.query(
      `INSERT INTO sso_providers (tenant_id, issuer, client_id, client_secret, redirect_uri, return_url)
       VALUES ($1, 'https://idp.example.org', 'party', 'sso-client-secret', 'https://api.example.org/sso/jtj/callback', 'https://app.example.org/')`,
      [jtj],
    );
    await suA.query(
      `INSERT INTO import_jobs (tenant_id, kind, dry_run, org_id, created_by, file_name, content_type, size, content)
       VALUES ($1, 'USERS', true, $2, $3, 'users.csv', 'text/csv', 25, convert_to('用户名,初始密码' || chr(10) || 'zhang,Init-Pass-1', 'UTF8'))`,
      [jtj, org.id, user.id],
    );
    try {
      const rowsOf = (list: { name: string; body: Buffer }[], table: string) =>
        list
          .find((e) => e.name === `tables/${table}.ndjson`)!
          .body.toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      const own = await entries((await get(a, '/tenant-archives/jtj', t.admin)).body);
      expect(rowsOf(own, 'user_totp')).toEqual([]);
      expect(rowsOf(own, 'recovery_codes')).toEqual([]);
      expect(rowsOf(own, 'password_history')).toEqual([]);
      expect(rowsOf(own, 'sso_providers')).toEqual([expect.objectContaining({ client_id: 'party', client_secret: null })]);
      expect(rowsOf(own, 'import_jobs')).toEqual([expect.objectContaining({ file_name: 'users.csv', content: null })]);
      expect(own.map((e) => e.body.toString('latin1')).join('')).not.toContain('sso-client-secret');
      const ownManifest = JSON.parse(own.find((e) => e.name === 'manifest.json')!.body.toString()) as Manifest;
      expect(ownManifest.withheld?.tables).toEqual(['user_totp', 'recovery_codes', 'password_history']);
      // the users and their password hashes travel: a tenant restored from it signs in as before
      expect(rowsOf(own, 'users').every((u) => typeof u.password_hash === 'string' && u.password_hash.length > 20)).toBe(true);

      const full = await entries((await get(a, '/tenant-archives/jtj', operator)).body);
      expect(rowsOf(full, 'user_totp')).toHaveLength(1);
      expect(rowsOf(full, 'recovery_codes')).toHaveLength(1);
      expect(rowsOf(full, 'sso_providers')).toEqual([expect.objectContaining({ client_secret: 'sso-client-secret' })]);
      expect(rowsOf(full, 'import_jobs')[0].content).not.toBeNull();
      expect((JSON.parse(full.find((e) => e.name === 'manifest.json')!.body.toString()) as Manifest).withheld).toBeUndefined();

      // who exported: the tenant's log for its admin, the platform's for the operator; a refused restore too
      const exported = await suA.query(
        `SELECT outcome, entity_id FROM audit_log WHERE tenant_id = $1 AND action = 'exportTenant' ORDER BY id`,
        [jtj],
      );
      expect(exported.rows).toEqual(expect.arrayContaining([{ outcome: 'SUCCESS', entity_id: jtj }]));
      const byOperator = await suA.query(`SELECT outcome, org_id FROM platform_audit_log WHERE action = 'exportTenant'`);
      expect(byOperator.rows).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: 'SUCCESS' })]));
      const refused = await suA.query(`SELECT outcome, reason FROM audit_log WHERE tenant_id = $1 AND action = 'restoreTenant'`, [jtj]);
      expect(refused.rows).toEqual(expect.arrayContaining([{ outcome: 'FAILURE', reason: 'TENANT_RESTORE_OPERATOR_ONLY' }]));
    } finally {
      for (const table of ['user_totp', 'recovery_codes', 'sso_providers', 'import_jobs'])
        await suA.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [jtj]);
    }
  });

  it('streams one tar: version first, every tenant table and file, a manifest of counts and hashes last', async () => {
    const res = await get(a, '/tenant-archives/jtj', operator);
    expect(res.status).toBe(200);
    archive = res.body;
    const list = await entries(archive);
    expect(list[0].name).toBe('version.json');
    expect(list[list.length - 1].name).toBe('manifest.json');
    manifest = JSON.parse(list[list.length - 1].body.toString());
    const latest = (await suA.query(`SELECT name FROM schema_migrations ORDER BY timestamp DESC LIMIT 1`)).rows[0].name;
    expect(manifest).toMatchObject({ schemaVersion: latest, tenant: { id: jtj, slug: 'jtj' }, chain: { records: 2 } });
    for (const part of manifest.parts) {
      const entry = list.find((e) => e.name === part.name)!;
      expect(sha(entry.body)).toBe(part.sha256);
      expect(entry.body.length).toBe(part.bytes);
    }
    const counts: Record<string, number> = {};
    for (const t of Object.keys(manifest.counts))
      counts[t] = (await suA.query(`SELECT count(*)::int AS n FROM "${t}" WHERE tenant_id = $1`, [jtj])).rows[0].n;
    expect(manifest.counts).toEqual(counts);
    expect(manifest.counts.inspections).toBeGreaterThanOrEqual(2);
    expect(manifest.counts.file_attachments).toBeGreaterThanOrEqual(4);
    for (const skipped of SKIPPED_TABLES) expect(manifest.counts).not.toHaveProperty(skipped);
    expect(manifest.files).toBe((await suA.query(`SELECT count(*)::int AS n FROM file_contents WHERE tenant_id = $1`, [jtj])).rows[0].n);
    expect(list.filter((e) => e.name.startsWith('files/'))).toHaveLength(manifest.files);
    // another tenant's rows never appear
    const szjg = await tenantIdOf(suA, 'szjg');
    expect(archive.includes(Buffer.from(szjg))).toBe(false);
  });

  it('refuses a tampered archive (a changed row, a missing file, a truncated one) and another schema version, leaving nothing', async () => {
    const opB = await login(b.url, '', 'operator');
    const list = await entries(archive);
    const tenants = async () => (await suB.query(`SELECT count(*)::int AS n FROM tenants`)).rows[0].n;
    const users = list.findIndex((e) => e.name === 'tables/users.ndjson');
    const changed = list.map((e, i) => (i === users ? { ...e, body: Buffer.from(e.body.toString().replace('"admin"', '"admln"')) } : e));
    const row = await restore(b, await pack(changed), opB);
    expect(row.status).toBe(400);
    expect(reason(row)).toBe('TENANT_ARCHIVE_TAMPERED');
    expect(row.json.errors[0].message).toContain('tables/users.ndjson');
    const missing = await restore(b, await pack(list.filter((e) => e.name !== list.find((x) => x.name.startsWith('files/'))!.name)), opB);
    expect(reason(missing)).toBe('TENANT_ARCHIVE_TAMPERED');
    expect(missing.json.errors[0].message).toMatch(/files\/[0-9a-f]{64}：missing/);
    const truncated = await restore(b, await pack(list.slice(0, -1)), opB);
    expect(reason(truncated)).toBe('TENANT_ARCHIVE_INVALID');
    const version = JSON.parse(list[0].body.toString());
    const older = await restore(
      b,
      await pack([
        { name: 'version.json', body: Buffer.from(JSON.stringify({ ...version, schemaVersion: 'Foundation1733000000000' })) },
        ...list.slice(1),
      ]),
      opB,
    );
    expect(reason(older)).toBe('TENANT_ARCHIVE_SCHEMA');
    expect(older.json.errors[0].message).toMatch(/^归档的数据库结构版本为 Foundation1733000000000，本系统为 .+版本不一致，无法恢复/);
    expect(reason(await restore(b, Buffer.from('not a tar at all'.repeat(64)), opB))).toBe('TENANT_ARCHIVE_INVALID');
    expect(await tenants()).toBe(0);
    expect((await suB.query(`SELECT count(*)::int AS n FROM orgs`)).rows[0].n).toBe(0);
  });

  it('refuses a forged archive whose manifest agrees (a duplicated org row, a bad slug) with a code, leaving nothing', async () => {
    const opB = await login(b.url, '', 'operator');
    const list = await entries(archive);
    const forged = JSON.parse(list[list.length - 1].body.toString()) as Manifest;
    const orgs = list.find((e) => e.name === 'tables/orgs.ndjson')!;
    const lines = orgs.body.toString().split('\n').filter(Boolean);
    const body = Buffer.from([...lines, lines[0]].join('\n') + '\n');
    const part = forged.parts.find((p) => p.name === orgs.name)!;
    Object.assign(part, { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), rows: lines.length + 1 });
    forged.counts.orgs = lines.length + 1;
    const doubled = list.map((e) =>
      e.name === orgs.name ? { ...e, body } : e.name === 'manifest.json' ? { ...e, body: Buffer.from(JSON.stringify(forged)) } : e,
    );
    const res = await restore(b, await pack(doubled), opB);
    expect(res.status).toBe(409);
    expect(reason(res)).toBe('DUPLICATE');
    expect(reason(await restore(b, archive, opB, '?slug=Bad_Slug'))).toBe('TENANT_RESTORE_SLUG_FORMAT');
    expect((await suB.query(`SELECT count(*)::int AS n FROM tenants`)).rows[0].n).toBe(0);
    expect((await suB.query(`SELECT count(*)::int AS n FROM orgs`)).rows[0].n).toBe(0);
  });

  it('restores into an empty deployment: every row, file and chain as exported, ids kept, verifyRecords intact', async () => {
    const opB = await login(b.url, '', 'operator');
    const res = await restore(b, archive, opB);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ tenantId: jtj, slug: 'jtj', remapped: false, files: manifest.files, chainRecords: 2 });
    expect(res.json.counts).toEqual(manifest.counts);
    // its federation link stayed behind (its peer is not in this deployment)
    expect((await suB.query(`SELECT count(*)::int AS n FROM tenant_links WHERE tenant_id = $1`, [jtj])).rows[0].n).toBe(0);
    const [before, after] = await Promise.all([snapshot(suA, jtj), snapshot(suB, jtj)]);
    for (const table of Object.keys(before)) expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    // users sign in with their own passwords; global ids of the original resolve; the chain verifies
    const inspector = await login(b.url, 'jtj', 'inspector');
    const verified = await b.gql(`{ verifyRecords { ok checked } }`, {}, inspector);
    expect(verified.data.verifyRecords).toEqual({ ok: true, checked: 2 });
    const ids = await orgIds(a, 'jtj');
    const org = await b.gql(
      `query($id: ID!) { node(id: $id) { ... on Org { name } } }`,
      { id: ids['第一车队党支部'] },
      await login(b.url, 'jtj', 'admin'),
    );
    expect(org.data.node).toEqual({ name: '第一车队党支部' });
    // a file reads back byte for byte
    const file = (await suB.query(`SELECT id FROM files WHERE tenant_id = $1 AND name = '现场照片0.png'`, [jtj])).rows[0].id;
    const download = await get(b, `/files/${Buffer.from(`File:${file}`).toString('base64url')}`, inspector);
    expect(download.status).toBe(200);
    const original = await get(a, `/files/${Buffer.from(`File:${file}`).toString('base64url')}`, await a.token('jtj', 'inspector'));
    expect(download.body.length).toBeGreaterThan(0);
    expect(download.body.equals(original.body)).toBe(true);
    // the same archive again: the slug is taken
    const again = await restore(b, archive, opB);
    expect(again.status).toBe(409);
    expect(reason(again)).toBe('TENANT_RESTORE_SLUG_TAKEN');
  });

  it('restores beside the original under a new slug: a new tenant id, other ids kept, chain intact, the two isolated', async () => {
    const res = await restore(a, archive, operator, '?slug=jtj-copy');
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ slug: 'jtj-copy', remapped: true, chainRecords: 2 });
    const copy = res.json.tenantId as string;
    expect(copy).not.toBe(jtj);
    const [original, restored] = await Promise.all([
      snapshot(suA, jtj, [...SKIPPED_TABLES, 'link_codes', 'record_chains']),
      snapshot(suA, copy, [...SKIPPED_TABLES, 'link_codes', 'record_chains']),
    ]);
    const changedByThisTest = ['audit_log', 'notifications'];
    for (const table of Object.keys(original).filter((t) => !changedByThisTest.includes(t)))
      expect({ table, rows: restored[table] }).toEqual({ table, rows: original[table] });
    const copyInspector = await login(a.url, 'jtj-copy', 'inspector');
    expect((await a.gql(`{ verifyRecords { ok checked } }`, {}, copyInspector)).data.verifyRecords).toEqual({ ok: true, checked: 2 });
    // isolation: each sees its own rows only; the same global id resolves in each tenant to its own row
    const copyAdmin = await login(a.url, 'jtj-copy', 'admin');
    const admin = await a.token('jtj', 'admin');
    const orgCount = async (token: string) => (await a.gql(`{ orgs(first: 1) { totalCount } }`, {}, token)).data.orgs.totalCount;
    expect(await orgCount(copyAdmin)).toBe(await orgCount(admin));
    const created = await a.gql(
      `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id name } }`,
      {
        input: { parentId: (await orgIds(a, 'jtj'))['市公交集团党委'], name: '只在副本中的党支部', kind: 'BRANCH', category: 'ENTERPRISE' },
      },
      copyAdmin,
    );
    expect(created.data.createOrg.name).toBe('只在副本中的党支部');
    expect(await orgCount(copyAdmin)).toBe((await orgCount(admin)) + 1);
    expect((await a.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: created.data.createOrg.id }, admin)).data.node).toBeNull();
    const szjg = await a.token('szjg', 'admin');
    expect((await a.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: created.data.createOrg.id }, szjg)).data.node).toBeNull();
    // public link codes were issued anew in the copy: printed codes keep leading to the original
    const codes = (await suA.query(`SELECT tenant_id, code FROM link_codes WHERE tenant_id = ANY($1::uuid[])`, [[jtj, copy]])).rows;
    const ofCopy = new Set(codes.filter((c) => c.tenant_id === copy).map((c) => c.code));
    expect(codes.filter((c) => c.tenant_id === jtj).some((c) => ofCopy.has(c.code))).toBe(false);
  });
});
