import { createHash } from 'node:crypto';
import { Client } from 'pg';
import auditModule from '../src/modules/audit/audit.module';
import { GqlResponse, TestServer, firstSignIn, startTestServer, reasons } from './helpers/server';
import { globalId } from './helpers/ids';
import { orgIds } from './helpers/story';

/**
 * Issue 15, the audit an assessor accepts, through HTTP: sign-ins (failures too, written although the
 * request rolls back), sign-outs, refresh failures, exports, downloads and refused imports, the
 * operator's actions on the platform log; who reads what (a member nothing, a subtree admin its subtree's
 * users, another tenant nothing); each log a hash chain whose verification catches a row changed in the
 * database; SM3 per tenant; pruning only beyond 180 days, with the chain still verifiable.
 */
const NO_LIMITS = {
  RATE_LIMIT_USER_PER_MINUTE: '0',
  RATE_LIMIT_TENANT_PER_MINUTE: '0',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
  LOGIN_LIMIT_PER_ACCOUNT: '1000',
  LOGIN_LIMIT_PER_ADDRESS: '10000',
};
const AGENT = 'audit-test-agent/1.0 (dengbao)';

interface Entry {
  action: string;
  outcome: string;
  outcomeLabel: string;
  reason: string | null;
  address: string | null;
  userAgent: string | null;
  account: string | null;
  actor: string | null;
  chainSeq: number | null;
}
const ENTRY = `action outcome outcomeLabel reason address userAgent account actor chainSeq`;

describe('audit trail', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let jtj: string;
  let szjg: string;
  let root: string;
  let member: string;
  let secretary: string;
  let otherRoot: string;
  let operator: string;
  let busAdmin: string;

  /** POSTs with our user agent, as a browser would. */
  const post = async (query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResponse> => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as object) };
  };
  const signIn = (tenant: string | null, username: string, password: string) =>
    post(`mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }`, { i: { tenant, username, password } });
  const log = async (token: string, filter: string): Promise<{ totalCount: number; nodes: Entry[] }> => {
    const res = await post(`{ auditLog(first: 100, ${filter}) { totalCount nodes { ${ENTRY} } } }`, {}, token);
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    return res.data.auditLog;
  };

  beforeAll(async () => {
    server = await startTestServer({ env: NO_LIMITS });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    jtj = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    szjg = (await su.query(`SELECT id FROM tenants WHERE slug = 'szjg'`)).rows[0].id;
    [root, member, secretary, otherRoot, operator] = await Promise.all([
      server.token('jtj', 'admin'),
      server.token('jtj', 'member'),
      server.token('jtj', 'secretary'),
      server.token('szjg', 'admin'),
      server.token('', 'operator'),
    ]);
    // an admin over 市公交集团党委 only
    const created = await server.gql(
      `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`,
      { i: { username: 'bus-admin', displayName: '公交集团管理员', password: 'bus-admin-password', orgId: ids['市公交集团党委'] } },
      root,
    );
    await server.gql(
      `mutation($i: AssignRoleInput!) { assignRole(input: $i) { id } }`,
      { i: { userId: created.data.createUser.id, role: 'TENANT_ADMIN', orgId: ids['市公交集团党委'] } },
      root,
    );
    busAdmin = (await firstSignIn(server.url, 'jtj', 'bus-admin', 'bus-admin-password')).accessToken;
  });
  afterAll(() => server.close());

  it('refuses the log to every viewer who is no admin, the chain check to a subtree admin, and each log to the other kind of viewer', async () => {
    for (const token of [member, secretary]) {
      expect(reasons(await post(`{ auditLog(first: 1) { totalCount } }`, {}, token))).toEqual(['FORBIDDEN/NOT_AUDIT_READER']);
      expect(reasons(await post(`{ verifyAuditLog { ok } }`, {}, token))).toEqual(['FORBIDDEN/NOT_AUDIT_ROOT_ADMIN']);
      const exported = await fetch(`${server.baseUrl}/exports/audit`, { headers: { authorization: `Bearer ${token}` } });
      expect(exported.status).toBe(403);
    }
    expect(reasons(await post(`{ verifyAuditLog { ok } }`, {}, busAdmin))).toEqual(['FORBIDDEN/NOT_AUDIT_ROOT_ADMIN']);
    expect(reasons(await post(`mutation { setAuditPolicy(input: { retentionDays: 365 }) { retentionDays } }`, {}, busAdmin))).toEqual([
      'FORBIDDEN/NOT_AUDIT_ROOT_ADMIN',
    ]);
    expect(reasons(await post(`{ auditLog(first: 1) { totalCount } }`))).toEqual(['UNAUTHENTICATED/UNAUTHENTICATED']);
    expect(reasons(await post(`{ auditLog(first: 1) { totalCount } }`, {}, operator))).toEqual(['FORBIDDEN/TENANT_USER_REQUIRED']);
    expect(reasons(await post(`{ platformAuditLog(first: 1) { totalCount } }`, {}, root))).toEqual(['FORBIDDEN/OPERATOR_REQUIRED']);
    expect(reasons(await post(`{ verifyPlatformAuditLog { ok } }`, {}, root))).toEqual(['FORBIDDEN/OPERATOR_REQUIRED']);
    // the app role can neither change nor remove an entry, nor reach the chain heads
    const app = new Client({ connectionString: (server.database.dataSource.options as { url: string }).url });
    await app.connect();
    try {
      await app.query(`SELECT set_config('app.tenant_id', $1, false)`, [jtj]);
      await expect(app.query(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/permission denied/);
      await expect(app.query(`DELETE FROM audit_log`)).rejects.toThrow(/permission denied/);
      await expect(app.query(`SELECT * FROM private.audit_chains`)).rejects.toThrow(/permission denied/);
      await app.query(`SELECT set_config('app.platform', 'on', false)`);
      await expect(app.query(`DELETE FROM platform_audit_log`)).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
  });

  it('records failed sign-ins with the account tried, the address, the client and the reason, though the sign-in rolls back', async () => {
    expect(reasons(await signIn('jtj', 'secretary', 'wrong-password'))).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
    expect(reasons(await signIn('jtj', 'no-such-person', 'whatever'))).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
    expect(reasons(await signIn('no-such-tenant', 'admin', 'whatever'))).toEqual(['UNAUTHENTICATED/INVALID_CREDENTIALS']);
    expect((await signIn('jtj', 'secretary', 'demo')).data.login.accessToken).toBeTruthy();

    const failed = await log(root, `action: "login", outcome: FAILURE`);
    expect(failed.nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          account: 'secretary',
          actor: 'secretary',
          outcome: 'FAILURE',
          outcomeLabel: '失败',
          reason: 'INVALID_CREDENTIALS',
          address: '127.0.0.1',
          userAgent: AGENT,
        }),
        expect.objectContaining({ account: 'no-such-person', actor: null, reason: 'INVALID_CREDENTIALS', userAgent: AGENT }),
      ]),
    );
    const succeeded = await log(root, `action: "login", outcome: SUCCESS, account: "secretary"`);
    expect(succeeded.nodes[0]).toEqual(expect.objectContaining({ reason: null, address: '127.0.0.1', userAgent: AGENT }));
    // the filters: by address and by the account's user
    const [secretaryId] = (await su.query(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'secretary'`, [jtj])).rows.map((r) =>
      globalId('User', r.id),
    );
    const byActor = await log(root, `actorId: "${secretaryId}", action: "login"`);
    expect(byActor.nodes.every((n) => n.account === 'secretary')).toBe(true);
    expect(byActor.totalCount).toBeGreaterThanOrEqual(2);
    expect((await log(root, `address: "10.9.9.9"`)).totalCount).toBe(0);
    expect((await log(root, `from: "${new Date(Date.now() + 3600_000).toISOString()}"`)).totalCount).toBe(0);
    expect(reasons(await post(`{ auditLog(first: 1, address: "not an address") { totalCount } }`, {}, root))).toEqual([
      'BAD_USER_INPUT/VALIDATION',
    ]);

    // a subtree admin: its users' sign-ins (the secretary's), not an unknown account's
    const subtree = await log(busAdmin, `action: "login"`);
    expect(subtree.nodes.map((n) => n.account)).toContain('secretary');
    expect(subtree.nodes.map((n) => n.account)).not.toContain('no-such-person');
    expect(subtree.nodes.map((n) => n.account)).not.toContain('admin');
    // another tenant: nothing of it
    const other = JSON.stringify(await log(otherRoot, `action: "login"`));
    expect(other).not.toContain('no-such-person');
    expect(other).not.toContain('"secretary"');
    // a tenant nobody knows: the platform's log, for the operator
    const platform = await post(
      `{ platformAuditLog(first: 20, action: "login", outcome: FAILURE) { nodes { account reason address userAgent data } } }`,
      {},
      operator,
    );
    expect(platform.data.platformAuditLog.nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ account: 'admin', reason: 'INVALID_CREDENTIALS', data: { tenant: 'no-such-tenant' }, userAgent: AGENT }),
      ]),
    );
  });

  it('records sign-outs and refused refreshes (a replayed refresh token)', async () => {
    const session = (await signIn('jtj', 'member', 'demo')).data.login;
    const first = await post(`mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { refreshToken } }`, {
      i: { refreshToken: session.refreshToken },
    });
    expect(first.errors).toBeUndefined();
    const replay = await post(`mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { refreshToken } }`, {
      i: { refreshToken: session.refreshToken },
    });
    expect(reasons(replay)).toEqual(['UNAUTHENTICATED/INVALID_REFRESH_TOKEN']);
    expect(
      (await post(`mutation($i: RefreshTokenInput!) { logout(input: $i) }`, { i: { refreshToken: first.data.refreshToken.refreshToken } }))
        .errors,
    ).toBeUndefined();
    const refreshes = await log(root, `action: "refreshToken", account: "member"`);
    expect(refreshes.nodes.map((n) => [n.outcome, n.reason])).toEqual([
      ['FAILURE', 'INVALID_REFRESH_TOKEN'],
      ['SUCCESS', null],
    ]);
    const outs = await log(root, `action: "logout", account: "member"`);
    expect(outs.nodes).toEqual([expect.objectContaining({ outcome: 'SUCCESS', userAgent: AGENT })]);
    // the entry keeps no token
    const { rows } = await su.query(
      `SELECT data::text AS data FROM audit_log WHERE tenant_id = $1 AND action IN ('refreshToken', 'logout', 'login')`,
      [jtj],
    );
    expect(rows.map((r) => r.data).join()).not.toMatch(/demo|[A-Za-z0-9_-]{43}/);
  });

  it('records exports (the audit export too), file downloads, refused downloads and refused imports', async () => {
    const ledger = await fetch(`${server.baseUrl}/exports/ledger/${ids['第一车队党支部']}`, {
      headers: { authorization: `Bearer ${secretary}`, 'user-agent': AGENT },
    });
    expect(ledger.status).toBe(200);
    const sibling = await fetch(`${server.baseUrl}/exports/ledger/${ids['养护科党支部']}`, {
      headers: { authorization: `Bearer ${secretary}`, 'user-agent': AGENT },
    });
    expect(sibling.status).toBe(404);
    const refusedImport = await fetch(`${server.baseUrl}/imports/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'text/csv' },
      body: 'username\nx\n',
    });
    expect(refusedImport.status).toBe(403);
    const audit = await fetch(`${server.baseUrl}/exports/audit?action=login&outcome=FAILURE`, {
      headers: { authorization: `Bearer ${root}`, 'user-agent': AGENT },
    });
    expect(audit.status).toBe(200);
    expect(audit.headers.get('content-type')).toContain('spreadsheetml');
    const ExcelJS = (await import('exceljs')).default;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await audit.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(expect.arrayContaining(['账号', '操作', '结果', '原因代码', '来源地址', '客户端']));
    const accounts = sheet.getColumn(header.indexOf('账号') + 1).values as unknown[];
    expect(accounts).toEqual(expect.arrayContaining(['secretary', 'no-such-person']));
    expect(sheet.rowCount - 1).toBe((await log(root, `action: "login", outcome: FAILURE`)).totalCount);
    // a bad day is refused, and recorded as refused
    expect((await fetch(`${server.baseUrl}/exports/audit?from=2024-13-01`, { headers: { authorization: `Bearer ${root}` } })).status).toBe(
      400,
    );

    const exports = await post(`{ auditLog(first: 20, action: "export") { nodes { outcome reason account data } } }`, {}, root);
    const rows = exports.data.auditLog.nodes as { outcome: string; reason: string | null; account: string; data: { path: string } }[];
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          outcome: 'SUCCESS',
          account: 'secretary',
          data: expect.objectContaining({ path: expect.stringMatching(/^\/exports\/ledger\//) }),
        }),
        expect.objectContaining({ outcome: 'FAILURE', reason: 'ORG_NOT_FOUND', account: 'secretary' }),
        expect.objectContaining({
          outcome: 'SUCCESS',
          account: 'admin',
          data: { path: '/exports/audit', query: { action: 'login', outcome: 'FAILURE' } },
        }),
        expect.objectContaining({ outcome: 'FAILURE', reason: 'AUDIT_EXPORT_DAY', account: 'admin' }),
      ]),
    );
    const imports = await log(root, `action: "importUsers"`);
    expect(imports.nodes).toEqual([expect.objectContaining({ outcome: 'FAILURE', account: 'member', reason: 'NOT_IMPORT_ADMIN' })]);
  });

  it('exports an entry whose data passes what a cell holds cut visibly, saying how long it is', async () => {
    const tenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    const data = { text: '长'.repeat(40_000) };
    await su.query(`INSERT INTO audit_log (tenant_id, at, action, data) VALUES ($1, now(), 'longEntry', $2)`, [tenant, data]);
    const exported = await fetch(`${server.baseUrl}/exports/audit?action=longEntry`, { headers: { authorization: `Bearer ${root}` } });
    expect(exported.status).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await exported.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet.rowCount).toBe(2);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const cell = String(sheet.getRow(2).getCell(header.indexOf('内容') + 1).value);
    const whole = JSON.stringify(data);
    // Excel's 32,767 characters a cell: the first 30,000 of the entry, then what was left out
    expect(cell.length).toBeLessThanOrEqual(32_767);
    expect(cell.startsWith(whole.slice(0, 30_000))).toBe(true);
    expect(cell.slice(30_000)).toBe(`…（内容过长，仅导出前 30000 个字符，共 ${whole.length} 个）`);
  });

  it('records the operator’s actions, and refusals, on the platform log', async () => {
    const created = await post(
      `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id slug } }`,
      {
        i: {
          slug: 'audit-new',
          name: '审计测试单位',
          rootOrgName: '审计测试党委',
          adminUsername: 'admin',
          adminDisplayName: '管理员',
          adminPassword: 'Audit-New-Password',
        },
      },
      operator,
    );
    expect(created.errors).toBeUndefined();
    const duplicate = await post(
      `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`,
      {
        i: {
          slug: 'audit-new',
          name: '重复',
          rootOrgName: '重复',
          adminUsername: 'admin',
          adminDisplayName: '管理员',
          adminPassword: 'Audit-New-Password',
        },
      },
      operator,
    );
    expect(duplicate.errors).toBeDefined();
    const platform = await post(
      `{ platformAuditLog(first: 10, action: "createTenant") { nodes { outcome reason account tenantId userAgent data } } }`,
      {},
      operator,
    );
    const nodes = platform.data.platformAuditLog.nodes;
    expect(nodes).toHaveLength(2);
    expect(nodes[1]).toEqual(
      expect.objectContaining({ outcome: 'SUCCESS', account: 'operator', tenantId: created.data.createTenant.id, userAgent: AGENT }),
    );
    expect(nodes[1].data.input.adminPassword).toBe('[redacted]');
    expect(nodes[0]).toEqual(expect.objectContaining({ outcome: 'FAILURE', account: 'operator' }));
    const signIns = await post(`{ platformAuditLog(first: 50, action: "login", account: "operator") { totalCount } }`, {}, operator);
    expect(signIns.data.platformAuditLog.totalCount).toBeGreaterThanOrEqual(1);
    const verified = await post(`{ verifyPlatformAuditLog { ok checked brokenAt { kind } } }`, {}, operator);
    expect(verified.data.verifyPlatformAuditLog).toEqual(expect.objectContaining({ ok: true, brokenAt: null }));
    expect(verified.data.verifyPlatformAuditLog.checked).toBeGreaterThanOrEqual(3);
  });

  it('seals each tenant’s log into a hash chain and finds an entry changed in the database, naming the first broken link', async () => {
    const ok = await post(`{ verifyAuditLog { ok checked anchorSeq headHash brokenAt { seq } } }`, {}, otherRoot);
    expect(ok.data.verifyAuditLog).toEqual(expect.objectContaining({ ok: true, anchorSeq: 0, brokenAt: null }));
    const checked = ok.data.verifyAuditLog.checked;
    expect(checked).toBeGreaterThan(0);
    // every entry is sealed now, with consecutive numbers
    const { rows: sealed } = await su.query(
      `SELECT count(*)::int AS n, max(seq)::int AS top, count(*) FILTER (WHERE row_hash IS NULL)::int AS open FROM audit_log WHERE tenant_id = $1`,
      [szjg],
    );
    expect(sealed[0]).toEqual({ n: checked, top: checked, open: 0 });
    // the owner can still change a row past the triggers; the chain shows where
    const target = Math.max(1, Math.floor(checked / 2));
    await su.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await su.query(`UPDATE audit_log SET address = '203.0.113.9' WHERE tenant_id = $1 AND seq = $2`, [szjg, target]);
    } finally {
      await su.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    }
    const broken = await post(`{ verifyAuditLog { ok checked brokenAt { seq entryId kind kindLabel reason } } }`, {}, otherRoot);
    expect(broken.data.verifyAuditLog).toEqual({
      ok: false,
      checked: target - 1,
      brokenAt: expect.objectContaining({ seq: target, kind: 'CONTENT_CHANGED', kindLabel: '内容与哈希不符' }),
    });
    // the triggers hold for the owner too: no update, no delete of a young row, no truncate
    await expect(su.query(`UPDATE audit_log SET action = 'x' WHERE tenant_id = $1 AND seq = 1`, [szjg])).rejects.toThrow(/append-only/);
    await expect(su.query(`DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 1`, [szjg])).rejects.toThrow(/append-only/);
    await expect(
      su.query(
        `BEGIN; SELECT set_config('app.audit_prune', 'on', true); DELETE FROM audit_log WHERE tenant_id = '${szjg}' AND seq = 1; COMMIT`,
      ),
    ).rejects.toThrow(/append-only/);
    await su.query(`ROLLBACK`).catch(() => undefined);
    await expect(su.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    // jtj's chain is untouched by szjg's break
    expect((await post(`{ verifyAuditLog { ok } }`, {}, root)).data.verifyAuditLog.ok).toBe(true);
  });

  it('hashes with SM3 once a tenant chooses it, and verification follows each entry’s algorithm', async () => {
    expect(reasons(await post(`mutation { setAuditPolicy(input: { retentionDays: 90 }) { retentionDays } }`, {}, root))).toEqual([
      'BAD_USER_INPUT/VALIDATION',
    ]);
    const set = await post(
      `mutation { setAuditPolicy(input: { hashAlgorithm: SM3 }) { hashAlgorithm hashAlgorithmLabel retentionDays } }`,
      {},
      root,
    );
    expect(set.data.setAuditPolicy).toEqual({ hashAlgorithm: 'SM3', hashAlgorithmLabel: 'SM3（国密）', retentionDays: 180 });
    await signIn('jtj', 'leader', 'wrong');
    const verified = await post(`{ verifyAuditLog { ok checked } }`, {}, root);
    expect(verified.data.verifyAuditLog.ok).toBe(true);
    const { rows } = await su.query(
      `SELECT hash_alg, prev_hash, row_hash FROM audit_log WHERE tenant_id = $1 AND action = 'login' AND account = 'leader' ORDER BY seq DESC LIMIT 1`,
      [jtj],
    );
    expect(rows[0].hash_alg).toBe('sm3');
    // the earlier entries keep SHA-256
    const { rows: first } = await su.query(`SELECT hash_alg FROM audit_log WHERE tenant_id = $1 AND seq = 1`, [jtj]);
    expect(first[0].hash_alg).toBe('sha256');
    expect(createHash('sm3').update('abc').digest('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const policy = await post(`{ auditPolicy { hashAlgorithm retentionDays sealedCount } }`, {}, root);
    expect(policy.data.auditPolicy).toEqual({
      hashAlgorithm: 'SM3',
      retentionDays: 180,
      sealedCount: verified.data.verifyAuditLog.checked,
    });
  });

  it('prunes only entries older than the retention (never under 180 days), and the chain verifies from its anchor', async () => {
    const tenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'audit-new'`)).rows[0].id;
    // entries from long ago (written before this tenant's first sign-in)
    for (const days of [400, 300, 200, 100]) {
      await su.query(
        `INSERT INTO audit_log (tenant_id, at, action, data) VALUES ($1, now() - make_interval(days => $2), 'oldAction', '{}')`,
        [tenant, days],
      );
    }
    // the first admin chooses its own password at its first sign-in (two entries: the sign-in and the change)
    const admin = (await firstSignIn(server.url, 'audit-new', 'admin', 'Audit-New-Password')).accessToken;
    const written = (await su.query(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1`, [tenant])).rows[0].n;
    expect(written).toBeGreaterThanOrEqual(6);
    const before = await post(`{ verifyAuditLog { ok checked } }`, {}, admin);
    expect(before.data.verifyAuditLog).toEqual({ ok: true, checked: written });
    expect((await post(`mutation { setAuditPolicy(input: { retentionDays: 250 }) { retentionDays } }`, {}, admin)).errors).toBeUndefined();
    const prune = auditModule.sweeps!.find((s) => s.name === 'audit-prune')!;
    await prune.run({ dataSource: server.database.dataSource, config: server.config }, {});
    const { rows } = await su.query(`SELECT seq::int AS seq, action FROM audit_log WHERE tenant_id = $1 ORDER BY seq`, [tenant]);
    // 400 and 300 days old go (beyond 250); 200 days stays (within the retention), and so does all after it
    // (what was written before, less the two pruned, and the policy change)
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: written - 2 + 1 }, (_, i) => i + 3));
    const after = await post(`{ verifyAuditLog { ok checked anchorSeq } }`, {}, admin);
    expect(after.data.verifyAuditLog).toEqual({ ok: true, checked: rows.length, anchorSeq: 2 });
    // the floor holds whatever the policy: with 180 days, the 200-day entry goes, the 100-day one stays
    await post(`mutation { setAuditPolicy(input: { retentionDays: 180 }) { retentionDays } }`, {}, admin);
    await prune.run({ dataSource: server.database.dataSource, config: server.config }, {});
    const { rows: left } = await su.query(`SELECT seq::int AS seq FROM audit_log WHERE tenant_id = $1 ORDER BY seq`, [tenant]);
    expect(left[0].seq).toBe(4);
    expect((await post(`{ verifyAuditLog { ok anchorSeq } }`, {}, admin)).data.verifyAuditLog).toEqual({ ok: true, anchorSeq: 3 });
    // deleting the first kept row breaks the chain at the next one
    await su.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await su.query(`DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 4`, [tenant]);
    } finally {
      await su.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    }
    expect((await post(`{ verifyAuditLog { ok brokenAt { seq kind } } }`, {}, admin)).data.verifyAuditLog).toEqual({
      ok: false,
      brokenAt: { seq: 5, kind: 'SEQUENCE_GAP' },
    });
  });
});
