import { withTransaction } from '../src/db/request-transaction';
import { toAppError } from '../src/graphql/errors';
import { TestServer, codes, startTestServer } from './helpers/server';
import { SOURCE_CAMPAIGN, criteriaOf, orgIds, scoresFor } from './helpers/story';
import { day } from './helpers/dates';

const INSPECTED_ON = day(-2);
const YEAR = Number(INSPECTED_ON.slice(0, 4));
const raw = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

const FINDING = `id severity description rectifyDueOn rectifyOrg { name } withdrawn withdrawnReason carriedFrom { id } rectification { id state overdue }`;
const INSPECTION = `id state chainSeq summary findings { ${FINDING} } scoreSheet { id state result { total complete } }`;

/** The SQLSTATE of a database error thrown through the pool (TypeORM's QueryFailedError). */
async function sqlstate(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    return (error as { driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
  }
}

/**
 * Inspection records as evidence (issue 10, items 5, 6, 10, 15): partial updates keep findings and
 * their ids; an amendment carries its record's findings (and their rectifications) over, so the annual
 * assessment counts each once, and withdraws one only with a reason; and under the API, the app role
 * cannot add to a finalized record, move a chain head, finalize outside the chain or read a password hash.
 */
describe('inspection records: partial updates, amendments that carry findings, the database wall', () => {
  let server: TestServer;
  let ids: Record<string, string>;
  let admin: string;
  let inspector: string;
  let leader: string;
  let secretary: string;
  let campaignId: string;
  let teamId: string;
  let crit: Awaited<ReturnType<typeof criteriaOf>>;
  let recordId: string;
  let firstAmendment: string;
  let findingIds: Record<string, string>;
  let rectificationIds: Record<string, string>;
  const gql = (q: string, v: Record<string, unknown>, t?: string) => server.gql(q, v, t);
  const inspection = async (id: string) =>
    (await gql(`query($id: ID!) { inspection(id: $id) { ${INSPECTION} } }`, { id }, inspector)).data.inspection;
  const finalize = (id: string) =>
    gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { ${INSPECTION} } }`, { id }, inspector);
  const update = (input: Record<string, unknown>) =>
    gql(`mutation($input: UpdateInspectionInput!) { updateInspection(input: $input) { ${INSPECTION} } }`, { input }, inspector);
  const amend = (input: Record<string, unknown>) =>
    gql(`mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { ${INSPECTION} amends { id } } }`, { input }, inspector);
  const findingsComponent = async () => {
    const res = await gql(
      `query($o: ID!, $y: Int!) { annualAssessment(orgId: $o, year: $y) { components { code points detail } } }`,
      { o: ids['第一车队党支部'], y: YEAR },
      leader,
    );
    expect(res.errors).toBeUndefined();
    return res.data.annualAssessment.components.find((c: { code: string }) => c.code === 'FINDINGS');
  };

  beforeAll(async () => {
    server = await startTestServer();
    ids = await orgIds(server, 'jtj');
    [admin, inspector, leader, secretary] = await Promise.all(
      ['admin', 'inspector', 'leader', 'secretary'].map((u) => server.token('jtj', u)),
    );
    const versionId = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, admin)).data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, admin);
    campaignId = (
      await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { name: '创建活动', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN, endsOn: '2030-12-31' } },
        admin,
      )
    ).data.createCampaign.id;
    crit = await criteriaOf(server, admin, versionId);
    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, admin)).data.users.nodes;
    const team = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      {
        input: {
          name: '第二督导组',
          leaderId: users.find((u: { username: string }) => u.username === 'inspector').id,
          scopeOrgIds: [ids['市公交集团党委']],
          campaignId,
        },
      },
      leader,
    );
    teamId = team.data.createSupervisionTeam.id;
    const rule = await gql(
      `mutation($input: SetAssessmentRuleInput!) { setAssessmentRule(input: $input) { year } }`,
      {
        input: {
          year: YEAR,
          campaignId,
          rule: {
            campaignShare: 0.5,
            base: 100,
            overdueRectificationPoints: 2,
            criticismPoints: 3,
            commendationPoints: 2,
            findingPoints: [
              { severity: 'MINOR', points: 1 },
              { severity: 'MODERATE', points: 2 },
              { severity: 'SERIOUS', points: 5 },
              { severity: 'CRITICAL', points: 10 },
            ],
          },
        },
      },
      admin,
    );
    expect(rule.errors).toBeUndefined();
  }, 60_000);
  afterAll(() => server.close());

  it('updateInspection with only a new summary keeps every finding, its id and its rectification order', async () => {
    const recorded = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { ${INSPECTION} } }`,
      {
        input: {
          idempotencyKey: 'records-0001',
          teamId,
          orgId: ids['第一车队党支部'],
          inspectedOn: INSPECTED_ON,
          methods: ['BRIEFING', 'LEDGER_REVIEW'],
          summary: '初稿',
          findings: [
            { severity: 'SERIOUS', description: '三会一课记录缺失', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(20) },
            { severity: 'MINOR', description: '公开栏未更新' },
            { severity: 'MODERATE', description: '误记的问题' },
          ],
          scores: scoresFor(crit).map(({ criterionId, value }) => ({ criterionId, value })),
        },
      },
      inspector,
    );
    expect(recorded.errors).toBeUndefined();
    recordId = recorded.data.recordInspection.id;
    const before = recorded.data.recordInspection.findings;
    expect(recorded.data.recordInspection.scoreSheet.result).toEqual({ total: 100, complete: true });

    const summaryOnly = await update({ id: recordId, summary: '听取汇报，查阅台帐' });
    expect(summaryOnly.errors).toBeUndefined();
    expect(summaryOnly.data.updateInspection.summary).toBe('听取汇报，查阅台帐');
    expect(summaryOnly.data.updateInspection.findings).toEqual(before);
    expect(summaryOnly.data.updateInspection.scoreSheet.result).toEqual({ total: 100, complete: true });
  });

  it('edits findings in place by id, adds those without id, removes only those named, and sets only the scores sent', async () => {
    const [serious, minor, wrong] = (await inspection(recordId)).findings;
    const res = await update({
      id: recordId,
      findings: [
        { id: minor.id, severity: 'MODERATE' },
        { id: serious.id, description: '三会一课记录缺失（第三季度）' },
        { severity: 'MINOR', description: '新增：民意台帐不全' },
      ],
      removeFindingIds: [wrong.id],
      scores: [{ criterionId: crit.find((c) => c.code === 'Q8.5')!.id, value: 70 }],
    });
    expect(res.errors).toBeUndefined();
    const after = res.data.updateInspection;
    expect(after.findings).toEqual([
      // the edited description; severity and the rectification order left alone
      { ...serious, description: '三会一课记录缺失（第三季度）' },
      { ...minor, severity: 'MODERATE' },
      { ...minor, id: expect.any(String), severity: 'MINOR', description: '新增：民意台帐不全' },
    ]);
    expect(after.findings[2].id).not.toBe(wrong.id);
    // Q8.5 at 70%: 99.25, every other criterion still scored
    expect(after.scoreSheet.result).toEqual({ total: 99.25, complete: true });
    expect(codes(await update({ id: recordId, findings: [{ id: wrong.id, severity: 'MINOR' }] }))).toEqual(['BAD_USER_INPUT']);
    expect((await update({ id: recordId, findings: [{ description: '缺严重程度' }] })).errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.findings[0]',
    });
    expect((await inspection(recordId)).findings).toEqual(after.findings);

    const finalized = await finalize(recordId);
    expect(finalized.errors).toBeUndefined();
    findingIds = Object.fromEntries(
      finalized.data.finalizeInspection.findings.map((f: { id: string; description: string }) => [f.description, f.id]),
    );
    rectificationIds = Object.fromEntries(
      finalized.data.finalizeInspection.findings
        .filter((f: { rectification: unknown }) => f.rectification)
        .map((f: { description: string; rectification: { id: string } }) => [f.description, f.rectification.id]),
    );
    expect(Object.keys(rectificationIds)).toEqual(['三会一课记录缺失（第三季度）']);
  });

  it('amending only the summary keeps the findings in the annual assessment and their rectifications open and listed', async () => {
    const before = await findingsComponent();
    expect(before).toEqual({ code: 'FINDINGS', points: -8, detail: '一般1项×1，较重1项×2，严重1项×5' });
    const listed = async () =>
      (
        await gql(
          `query($o: ID!) { rectifications(orgId: $o) { totalCount nodes { id state finding { description withdrawn } } } }`,
          { o: ids['第一车队党支部'] },
          secretary,
        )
      ).data.rectifications;
    const rectificationsBefore = await listed();

    const res = await amend({
      inspectionId: recordId,
      idempotencyKey: 'records-0001-a1',
      reason: '摘要有笔误',
      summary: '听取汇报，查阅台帐（更正）',
    });
    expect(res.errors).toBeUndefined();
    firstAmendment = res.data.amendInspection.id;
    const draft = res.data.amendInspection;
    expect(draft).toMatchObject({ state: 'DRAFT', summary: '听取汇报，查阅台帐（更正）', amends: { id: recordId } });
    expect(draft.findings.map((f: { description: string; carriedFrom: { id: string } }) => [f.description, f.carriedFrom.id])).toEqual(
      Object.entries(findingIds),
    );
    // the score sheet is the amended record's own until the amendment changes a score
    expect(draft.scoreSheet).toMatchObject({ state: 'ACCEPTED', result: { total: 99.25 } });
    expect((await finalize(firstAmendment)).errors).toBeUndefined();

    expect(await findingsComponent()).toEqual(before);
    const after = await inspection(firstAmendment);
    expect(after.findings.find((f: { description: string }) => f.description === '三会一课记录缺失（第三季度）').rectification).toEqual({
      id: rectificationIds['三会一课记录缺失（第三季度）'],
      state: 'OPEN',
      overdue: false,
    });
    expect(await listed()).toEqual(rectificationsBefore);
    expect(rectificationsBefore).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: rectificationIds['三会一课记录缺失（第三季度）'],
          state: 'OPEN',
          finding: { description: '三会一课记录缺失（第三季度）', withdrawn: false },
        },
      ],
    });
    expect((await gql(`{ verifyRecords { ok checked } }`, {}, admin)).data.verifyRecords).toEqual({ ok: true, checked: 2 });
  });

  it('withdraws a carried-over finding only with a reason: it counts no more, its rectification is withdrawn, the reason shows', async () => {
    const current = await inspection(firstAmendment);
    const serious = current.findings.find((f: { severity: string }) => f.severity === 'SERIOUS');
    const added = current.findings.find((f: { description: string }) => f.description === '新增：民意台帐不全');
    const bare = await amend({
      inspectionId: firstAmendment,
      idempotencyKey: 'records-0001-a2-y',
      reason: '撤回',
      withdrawFindings: [{ id: serious.id, reason: ' ' }],
    });
    expect(bare.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.withdrawFindings[0].reason' });

    const res = await amend({
      inspectionId: firstAmendment,
      idempotencyKey: 'records-0001-a2',
      reason: '复核：第一项不属实',
      withdrawFindings: [{ id: serious.id, reason: '经复核，三会一课记录已在党建系统中补录，不属实' }],
    });
    expect(res.errors).toBeUndefined();
    const second = res.data.amendInspection.id;
    // a carried-over finding is withdrawn, never silently deleted
    expect((await update({ id: second, removeFindingIds: [added.id] })).errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'CARRIED_FINDING',
    });
    // a withdrawal is for carried-over findings; one added in this draft is simply removed
    const newOne = await update({ id: second, findings: [{ severity: 'MINOR', description: '草稿中新增' }] });
    const draftOnly = newOne.data.updateInspection.findings.find((f: { description: string }) => f.description === '草稿中新增');
    expect((await update({ id: second, withdrawFindings: [{ id: draftOnly.id, reason: 'x' }] })).errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'NOT_CARRIED',
    });
    expect((await update({ id: second, removeFindingIds: [draftOnly.id] })).errors).toBeUndefined();
    // a record is amended once: a second draft amendment of the same record is refused
    expect(
      (await amend({ inspectionId: firstAmendment, idempotencyKey: 'records-0001-a3', reason: '另一份' })).errors![0].extensions,
    ).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_AMENDED' });

    const finalized = await finalize(second);
    expect(finalized.errors).toBeUndefined();
    const withdrawn = finalized.data.finalizeInspection.findings.find((f: { severity: string }) => f.severity === 'SERIOUS');
    expect(withdrawn).toMatchObject({
      withdrawn: true,
      withdrawnReason: '经复核，三会一课记录已在党建系统中补录，不属实',
      rectification: { state: 'WITHDRAWN', overdue: false },
    });
    expect(
      finalized.data.finalizeInspection.findings.find((f: { description: string }) => f.description === added.description),
    ).toMatchObject({ withdrawn: false });
    expect(await findingsComponent()).toEqual({ code: 'FINDINGS', points: -3, detail: '一般1项×1，较重1项×2' });
    const open = await gql(
      `query($o: ID!) { rectifications(orgId: $o, state: OPEN) { totalCount } all: rectifications(orgId: $o) { nodes { state finding { withdrawnReason } } } }`,
      { o: ids['第一车队党支部'] },
      secretary,
    );
    expect(open.data.rectifications.totalCount).toBe(0);
    expect(open.data.all.nodes).toEqual([
      { state: 'WITHDRAWN', finding: { withdrawnReason: '经复核，三会一课记录已在党建系统中补录，不属实' } },
    ]);
    expect(
      codes(
        await gql(
          `mutation($id: ID!) { submitRectification(input: { id: $id, report: "已整改" }) { state } }`,
          { id: rectificationIds['三会一课记录缺失（第三季度）'] },
          secretary,
        ),
      ),
    ).toEqual(['CONFLICT']);
    expect((await gql(`{ verifyRecords { ok checked } }`, {}, admin)).data.verifyRecords).toEqual({ ok: true, checked: 3 });
  });

  it('maps every refusal of the project’s own triggers to a coded CONFLICT', async () => {
    const su = await server.superuser();
    const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    const error = await withTransaction(server.database.dataSource, { tenantId }, (tx) =>
      tx.query(`UPDATE inspections SET summary = 'x' WHERE id = $1`, [raw(recordId)]),
    ).catch((e) => e);
    expect(toAppError(error)).toMatchObject({ code: 'CONFLICT', details: { reason: 'RECORD_FINALIZED' } });
    const audit = await withTransaction(server.database.dataSource, { tenantId }, async (tx) => {
      const [row] = await tx.query<{ id: string }>(`SELECT id FROM audit_log LIMIT 1`);
      // the app role has no UPDATE on the audit log; as the owner the trigger answers AP002
      return row;
    });
    expect(audit).toBeTruthy();
    const ownerError = await su.query(`UPDATE audit_log SET action = 'x' WHERE id = $1`, [audit.id]).catch((e) => e);
    expect(ownerError.code).toBe('AP002');
    expect(toAppError(ownerError)).toMatchObject({ code: 'CONFLICT', details: { reason: 'AUDIT_APPEND_ONLY' } });
  });

  it('lets the app role add nothing to a finalized record, move no chain head, finalize nothing outside the chain', async () => {
    const su = await server.superuser();
    const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    const [finalized] = (await su.query(`SELECT id, evaluation_id FROM inspections WHERE id = $1`, [raw(recordId)])).rows;
    const [someFinding] = (await su.query(`SELECT id FROM findings WHERE inspection_id = $1 LIMIT 1`, [finalized.id])).rows;
    const [criterion] = (
      await su.query(`SELECT criterion_id FROM evaluation_scores WHERE evaluation_id = $1 LIMIT 1`, [finalized.evaluation_id])
    ).rows;
    const pool = server.database.dataSource;
    const asApp = (sql: string, params: unknown[] = []) => sqlstate(withTransaction(pool, { tenantId }, (tx) => tx.query(sql, params)));

    expect(
      await asApp(
        `INSERT INTO findings (tenant_id, inspection_id, position, severity, description) VALUES ($1, $2, 9, 'CRITICAL', '事后补记')`,
        [tenantId, finalized.id],
      ),
    ).toBe('AP001');
    expect(
      await asApp(`INSERT INTO follow_up_checks (tenant_id, inspection_id, finding_id, fixed) VALUES ($1, $2, $3, true)`, [
        tenantId,
        finalized.id,
        someFinding.id,
      ]),
    ).toBe('AP001');
    expect(await asApp(`UPDATE evaluation_scores SET value = 0 WHERE evaluation_id = $1`, [finalized.evaluation_id])).toBe('AP001');
    expect(
      await asApp(`DELETE FROM evaluation_scores WHERE evaluation_id = $1 AND criterion_id = $2`, [
        finalized.evaluation_id,
        criterion.criterion_id,
      ]),
    ).toBe('AP001');
    // the chain heads: readable, never writable
    expect(await asApp(`UPDATE record_chains SET last_seq = 0`)).toBe('42501');
    expect(await asApp(`DELETE FROM record_chains`)).toBe('42501');
    expect(
      await asApp(`INSERT INTO record_chains (tenant_id, last_seq, last_hash) VALUES ($1, 0, 'x') ON CONFLICT DO NOTHING`, [tenantId]),
    ).toBe('42501');
    expect(await asApp(`SELECT 1 FROM record_chains FOR UPDATE`)).toBe('42501');
    const head = await withTransaction(pool, { tenantId }, (tx) => tx.query(`SELECT last_seq::int AS seq FROM record_chains`));
    expect(head).toEqual([{ seq: 3 }]);
    // a record becomes FINALIZED only through the chain function, which checks the link to the head
    const draft = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      {
        input: {
          idempotencyKey: 'records-0002',
          teamId,
          orgId: ids['第二车队党支部'],
          inspectedOn: INSPECTED_ON,
          methods: ['SYMPOSIUM'],
          summary: '草稿',
          findings: [],
        },
      },
      inspector,
    );
    const draftId = raw(draft.data.recordInspection.id);
    expect(await asApp(`UPDATE inspections SET state = 'FINALIZED' WHERE id = $1`, [draftId])).toBe('AP004');
    expect(await asApp(`SELECT * FROM app_finalize_record($1, 99, 'x', repeat('0', 64))`, [draftId])).toBe('AP003');
    expect(await asApp(`SELECT * FROM app_finalize_record($1, 4, (SELECT last_hash FROM record_chains), repeat('0', 64))`, [draftId])).toBe(
      'AP003',
    ); // not prepared for the position
    expect((await gql(`{ verifyRecords { ok checked } }`, {}, admin)).data.verifyRecords).toEqual({ ok: true, checked: 3 });
  });

  it('never lets the pool’s role read a password hash, whatever it sets, while sign-in and refresh still work', async () => {
    const su = await server.superuser();
    const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    const pool = server.database.dataSource;
    const as = (identity: { tenantId?: string; platform?: boolean }, sql: string, params: unknown[] = []) =>
      sqlstate(withTransaction(pool, identity, (tx) => tx.query(sql, params)));
    for (const identity of [{ tenantId }, { platform: true }, { tenantId, platform: true }]) {
      expect(await as(identity, `SELECT password_hash FROM users`)).toBe('42501');
      expect(await as(identity, `SELECT * FROM users`)).toBe('42501');
      expect(await as(identity, `SELECT password_hash FROM platform_operators`)).toBe('42501');
      expect(await as(identity, `SELECT * FROM platform_operators`)).toBe('42501');
      expect(await as(identity, `SELECT set_config('app.platform', 'on', true), (SELECT max(password_hash) FROM platform_operators)`)).toBe(
        '42501',
      );
    }
    // the other columns stay readable where the row is visible
    const operators = await withTransaction(pool, { platform: true }, (tx) =>
      tx.query(`SELECT username, disabled FROM platform_operators`),
    );
    expect(operators).toEqual([{ username: 'operator', disabled: false }]);
    // the definer function answers the salt and parameters, never the derived key
    const [stored] = (await su.query(`SELECT password_hash FROM users WHERE tenant_id = $1 AND username = 'admin'`, [tenantId])).rows;
    const params = await withTransaction(pool, { tenantId }, (tx) =>
      tx.query(`SELECT params, key_length FROM app_password_params('user', $1, 'admin')`, [tenantId]),
    );
    expect(params).toEqual([{ params: stored.password_hash.slice(0, stored.password_hash.lastIndexOf('$')), key_length: 32 }]);
    expect(JSON.stringify(params)).not.toContain(stored.password_hash.slice(stored.password_hash.lastIndexOf('$') + 1));

    const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken viewer { kind username } } }`;
    const user = await gql(LOGIN, { input: { tenant: 'jtj', username: 'member', password: 'demo' } });
    expect(user.data.login.viewer).toEqual({ kind: 'USER', username: 'member' });
    const operator = await gql(LOGIN, { input: { username: 'operator', password: 'demo' } });
    expect(operator.data.login.viewer).toMatchObject({ username: 'operator' });
    expect(codes(await gql(LOGIN, { input: { tenant: 'jtj', username: 'member', password: 'wrong-password' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(codes(await gql(LOGIN, { input: { tenant: 'jtj', username: 'nobody', password: 'demo' } }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(LOGIN, { input: { username: 'operator', password: 'wrong-password' } }))).toEqual(['UNAUTHENTICATED']);
    const refreshed = await gql(`mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }`, {
      t: user.data.login.refreshToken,
    });
    expect(refreshed.errors).toBeUndefined();
    expect((await gql(`{ viewer { username } }`, {}, refreshed.data.refreshToken.accessToken)).data.viewer.username).toBe('member');
  });
});
