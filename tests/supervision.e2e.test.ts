import { RequestTransaction, withTransaction } from '../src/db/request-transaction';
import { verifyChain } from '../src/modules/supervision/record-chain';
import { day } from './helpers/dates';
import { globalId, rawId, unknownId } from './helpers/ids';
import { TestServer, codes, startTestServer, tokens } from './helpers/server';
import { count } from './helpers/sql';
import { png } from './helpers/evidence-files';
import { ASSESSMENT_RULE, SOURCE_CAMPAIGN, accept, criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';
import { toAppError } from '../src/graphql/errors';
import { authenticate, createRequestContext } from '../src/graphql/context';
import { supervisionService } from '../src/modules/supervision/supervision.service';
import { inspectionDocument } from '../src/modules/document/documents';

/**
 * 督导 (issues 5 and 10): teams, inspections, rectification, notices and the annual assessment; then the
 * inspection records' partial updates, amendments that carry findings, and the database wall. Each part
 * with its own server.
 */

/** Every date of the story sits on one day, two days back, so the annual assessment's year is unambiguous. */
const INSPECTED_ON = day(-2);
const YEAR = Number(INSPECTED_ON.slice(0, 4));

const INSPECTION_FIELDS = `id state chainSeq recordHash prevHash summary methods methodLabels inspectedOn
  findings { id severity severityLabel description rectifyDueOn rectification { id state overdue } }
  scoreSheet { kind state total result { total } }`;

/**
 * 督导组 through the API: form a team, inspect a branch, finalize, amend, order and verify a
 * rectification, let one go overdue, follow up (回头看), issue a criticism notice from lagging orgs,
 * compute an annual assessment by hand-worked numbers, detect a tampered record.
 */
describe('supervision: teams, inspections, rectification, notices, annual assessment', () => {
  let server: TestServer;
  let ids: Record<string, string>;
  let admin: string;
  let inspector: string;
  let secretary: string;
  let supervisor: string;
  let leader: string;
  let campaignId: string;
  let versionId: string;
  let teamId: string;
  let firstId: string;
  let amendmentId: string;
  let seriousRectification: string;
  let minorRectification: string;
  const gql = (q: string, v: Record<string, unknown>, t: string) => server.gql(q, v, t);
  const userId = async (username: string) =>
    (await gql(`query($s: String) { users(search: $s) { nodes { id username } } }`, { s: username }, admin)).data.users.nodes.find(
      (u: { username: string }) => u.username === username,
    ).id;

  beforeAll(async () => {
    server = await startTestServer();
    ids = await orgIds(server, 'jtj');
    ({ admin, inspector, secretary, supervisor, leader } = await tokens(server, 'jtj', [
      'admin',
      'inspector',
      'secretary',
      'supervisor',
      'leader',
    ]));
    const imported = await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, admin);
    versionId = imported.data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, admin);
    const campaign = await gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { input: { name: '创建活动', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN, endsOn: '2030-12-31' } },
      admin,
    );
    campaignId = campaign.data.createCampaign.id;
  });
  afterAll(() => server.close());

  const record = (input: Record<string, unknown>, token = inspector) =>
    gql(`mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { ${INSPECTION_FIELDS} } }`, { input }, token);
  const finalize = (id: string, token = inspector) =>
    gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { ${INSPECTION_FIELDS} } }`, { id }, token);

  it('forms a team of inspectors over a subtree, and refuses members without the INSPECTOR role', async () => {
    const notInspector = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      {
        input: {
          name: 'x',
          leaderId: await userId('inspector'),
          memberIds: [await userId('secretary')],
          scopeOrgIds: [ids['市公交集团党委']],
        },
      },
      admin,
    );
    expect(notInspector.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_INSPECTOR' });
    const bySecretary = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      { input: { name: 'x', leaderId: await userId('inspector'), scopeOrgIds: [ids['市公交集团党委']] } },
      secretary,
    );
    expect(codes(bySecretary)).toEqual(['FORBIDDEN']);
    const TEAM = `id name leaderName leader { username } members { leader displayName user { username } } scope { name } campaign { id }`;
    const res = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { ${TEAM} } }`,
      { input: { name: '第一督导组', leaderId: await userId('inspector'), scopeOrgIds: [ids['市公交集团党委']], campaignId } },
      leader,
    );
    expect(res.errors).toBeUndefined();
    teamId = res.data.createSupervisionTeam.id;
    // the leading group sees who leads and belongs to the team by name; their accounts are admin business
    expect(res.data.createSupervisionTeam).toMatchObject({
      name: '第一督导组',
      leaderName: '督导组成员',
      leader: null,
      members: [{ leader: true, displayName: '督导组成员', user: null }],
      scope: [{ name: '市公交集团党委' }],
      campaign: { id: campaignId },
    });
    // the account is the user's own and its admin's
    const team = `query($id: ID!) { node(id: $id) { ... on SupervisionTeam { ${TEAM} } } }`;
    for (const token of [admin, inspector]) {
      expect((await gql(team, { id: teamId }, token)).data.node).toMatchObject({
        leaderName: '督导组成员',
        leader: { username: 'inspector' },
        members: [{ leader: true, displayName: '督导组成员', user: { username: 'inspector' } }],
      });
    }
    expect((await gql(team, { id: teamId }, supervisor)).data.node).toMatchObject({
      leaderName: '督导组成员',
      leader: null,
      members: [{ leader: true, displayName: '督导组成员', user: null }],
    });
  });

  it('records an inspection with findings and a score sheet, idempotently', async () => {
    const crit = await criteriaOf(server, inspector, versionId);
    const input = {
      idempotencyKey: 'insp-0001-first-visit',
      teamId,
      orgId: ids['第一车队党支部'],
      inspectedOn: INSPECTED_ON,
      methods: ['BRIEFING', 'LEDGER_REVIEW', 'PUBLIC_VISIT'],
      summary: '听取支部书记汇报，查阅管理台帐，走访群众12人。',
      findings: [
        {
          severity: 'SERIOUS',
          description: '管理台帐不全，缺少三季度活动记录',
          rectifyOrgId: ids['第一车队党支部'],
          rectifyDueOn: day(10),
        },
        { severity: 'MINOR', description: '党务公开栏未及时更新', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: INSPECTED_ON },
      ],
      scores: scoresFor(crit, { 'Q8.5': 70 }).map(({ criterionId, value }) => ({ criterionId, value })),
    };
    const first = await record(input);
    expect(first.errors).toBeUndefined();
    firstId = first.data.recordInspection.id;
    expect(first.data.recordInspection).toMatchObject({
      state: 'DRAFT',
      chainSeq: null,
      methodLabels: ['听取汇报', '查阅台帐', '走访群众'],
    });
    // Q8.5 70% → Q8 = 1 − 0.2·0.3 = 0.94 of 12.5 → −0.75
    expect(first.data.recordInspection.scoreSheet).toMatchObject({ kind: 'INSPECTION', state: 'DRAFT', result: { total: 99.25 } });

    const retried = await record(input);
    expect(retried.data.recordInspection.id).toBe(firstId);
    const concurrent = await Promise.all([record(input), record(input)]);
    expect(concurrent.map((r) => r.data.recordInspection.id)).toEqual([firstId, firstId]);
    const su = await server.superuser();
    expect(await count(su, 'inspections')).toBe(1);
    const reused = await record({ ...input, summary: 'different' });
    expect(reused.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED' });
    // someone outside the team who sends the same request with the same key learns nothing of it
    for (const asked of [input, { ...input, summary: 'different' }]) {
      const outsider = await record(asked, supervisor);
      expect(outsider.data).toBeNull();
      expect(outsider.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_TEAM_MEMBER' });
    }
  });

  it('keeps inspectors inside their team and its scope', async () => {
    const base = { teamId, inspectedOn: INSPECTED_ON, methods: ['SYMPOSIUM'], summary: 'x', findings: [] };
    const outside = await record({ ...base, idempotencyKey: 'insp-outside-scope', orgId: ids['养护科党支部'] });
    expect(outside.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OUTSIDE_TEAM_SCOPE' });
    const bySupervisor = await record({ ...base, idempotencyKey: 'insp-not-member', orgId: ids['第二车队党支部'] }, supervisor);
    expect(bySupervisor.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_TEAM_MEMBER' });
    const future = await record({ ...base, idempotencyKey: 'insp-in-future', orgId: ids['第二车队党支部'], inspectedOn: day(5) });
    expect(codes(future)).toEqual(['BAD_USER_INPUT']);
    const su = await server.superuser();
    expect(await count(su, 'inspections')).toBe(1);
  });

  it('finalizes: the record joins the hash chain, opens its rectifications and accepts its score sheet', async () => {
    const res = await finalize(firstId);
    expect(res.errors).toBeUndefined();
    const i = res.data.finalizeInspection;
    expect(i).toMatchObject({ state: 'FINALIZED', chainSeq: 1, scoreSheet: { state: 'ACCEPTED', total: 99.25 } });
    expect(i.recordHash).toMatch(/^[0-9a-f]{64}$/);
    expect(i.findings.map((f: { rectification: { state: string; overdue: boolean } }) => f.rectification)).toEqual([
      { id: expect.any(String), state: 'OPEN', overdue: false },
      { id: expect.any(String), state: 'OPEN', overdue: true },
    ]);
    [seriousRectification, minorRectification] = i.findings.map((f: { rectification: { id: string } }) => f.rectification.id);
  });

  it('never edits or deletes a finalized inspection, through the API or under it', async () => {
    const edit = await gql(
      `mutation($id: ID!) { updateInspection(input: { id: $id, summary: "改写" }) { id } }`,
      { id: firstId },
      inspector,
    );
    expect(edit.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'INSPECTION_FINALIZED' });
    const discard = await gql(`mutation($id: ID!) { discardInspection(input: { id: $id }) }`, { id: firstId }, inspector);
    expect(codes(discard)).toEqual(['CONFLICT']);
    const su = await server.superuser();
    const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    const raw = rawId(firstId);
    await expect(
      withTransaction(server.database.dataSource, { tenantId }, (tx) =>
        tx.query(`UPDATE inspections SET summary = 'x' WHERE id = $1`, [raw]),
      ),
    ).rejects.toThrow(/immutable/);
    await expect(
      withTransaction(server.database.dataSource, { tenantId }, (tx) => tx.query(`DELETE FROM findings WHERE inspection_id = $1`, [raw])),
    ).rejects.toThrow(/immutable/);
    // nothing can be added to it either
    await expect(
      withTransaction(server.database.dataSource, { tenantId }, (tx) =>
        tx.query(
          `INSERT INTO findings (tenant_id, inspection_id, position, severity, description) VALUES ($1, $2, 9, 'MINOR', '事后补记')`,
          [tenantId, raw],
        ),
      ),
    ).rejects.toThrow(/immutable/);
    expect(
      (await gql(`query($id: ID!) { inspection(id: $id) { summary findings { id } } }`, { id: firstId }, inspector)).data.inspection
        .findings,
    ).toHaveLength(2);
  });

  it('corrects a finalized record with an amendment that points to it and carries its findings over', async () => {
    const before = (await gql(`query($id: ID!) { inspection(id: $id) { findings { id severity } } }`, { id: firstId }, inspector)).data
      .inspection.findings;
    const [serious, minor] = ['SERIOUS', 'MINOR'].map((s) => before.find((f: { severity: string }) => f.severity === s).id);
    const amendment = {
      inspectionId: firstId,
      idempotencyKey: 'insp-0001-amendment',
      reason: '第二项问题定性有误',
      summary: '听取支部书记汇报，查阅管理台帐，走访群众12人。（更正）',
      findings: [{ id: minor, severity: 'MODERATE', description: '党务公开栏长期未更新，群众反映较多' }],
    };
    const res = await gql(
      `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id state amendmentReason amends { id } summary
        findings { id severity description carriedFrom { id } withdrawn rectification { id } } } }`,
      { input: amendment },
      inspector,
    );
    expect(res.errors).toBeUndefined();
    amendmentId = res.data.amendInspection.id;
    // the same request with the same key from outside the team: refused, and given nothing by the key
    const outsider = await gql(
      `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id } }`,
      { input: amendment },
      supervisor,
    );
    expect(outsider.data).toBeNull();
    expect(['NOT_TEAM_MEMBER', 'INSPECTION_NOT_FOUND']).toContain(outsider.errors![0].extensions?.reason);
    expect(res.data.amendInspection).toMatchObject({
      state: 'DRAFT',
      amendmentReason: '第二项问题定性有误',
      amends: { id: firstId },
      summary: '听取支部书记汇报，查阅管理台帐，走访群众12人。（更正）',
    });
    // both findings carried over (new ids, linked to their first version), the same rectifications
    expect(res.data.amendInspection.findings).toEqual([
      {
        id: expect.any(String),
        severity: 'SERIOUS',
        description: '管理台帐不全，缺少三季度活动记录',
        carriedFrom: { id: serious },
        withdrawn: false,
        rectification: { id: seriousRectification },
      },
      {
        id: expect.any(String),
        severity: 'MODERATE',
        description: '党务公开栏长期未更新，群众反映较多',
        carriedFrom: { id: minor },
        withdrawn: false,
        rectification: { id: minorRectification },
      },
    ]);
    expect((await finalize(amendmentId)).data.finalizeInspection.chainSeq).toBe(2);
    const original = await gql(
      `query($id: ID!) { inspection(id: $id) { state summary amendments { id chainSeq } } }`,
      { id: firstId },
      inspector,
    );
    expect(original.data.inspection).toEqual({
      state: 'FINALIZED',
      summary: '听取支部书记汇报，查阅管理台帐，走访群众12人。',
      amendments: [{ id: amendmentId, chainSeq: 2 }],
    });
    // a record is amended once: the next correction amends the amendment
    const again = await gql(
      `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id } }`,
      { input: { inspectionId: firstId, idempotencyKey: 'insp-0001-amendment-2', reason: '再次更正' } },
      inspector,
    );
    expect(again.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_AMENDED' });
  });

  it('walks a rectification OPEN → SUBMITTED → VERIFIED, reopens another, and lists the overdue one', async () => {
    const submit = (id: string, token: string) =>
      gql(
        `mutation($id: ID!) { submitRectification(input: { id: $id, report: "已补齐三季度活动记录", evidenceRefs: ["台帐-2026-Q3.pdf"] }) { state report evidenceRefs } }`,
        { id },
        token,
      );
    const verify = (id: string, accept: boolean, token: string) =>
      gql(
        `mutation($id: ID!, $a: Boolean!) { verifyRectification(input: { id: $id, accept: $a, reason: "证据不足" }) { state verifiedAt reopenReason } }`,
        { id, a: accept },
        token,
      );
    expect(codes(await submit(seriousRectification, inspector))).toEqual(['FORBIDDEN']);
    expect((await submit(seriousRectification, secretary)).data.submitRectification).toEqual({
      state: 'SUBMITTED',
      report: '已补齐三季度活动记录',
      evidenceRefs: ['台帐-2026-Q3.pdf'],
    });
    expect(codes(await verify(seriousRectification, true, secretary))).toEqual(['FORBIDDEN']);
    // refused in its state, named in Chinese (and in English when asked for)
    const again = await submit(seriousRectification, secretary);
    expect(again.errors![0]).toMatchObject({
      message: '该整改事项当前为“已报整改”，不能办理此操作（报送整改须为待整改或重新整改，销号或退回须为已报整改）',
      extensions: { code: 'CONFLICT', reason: 'WRONG_RECTIFICATION_STATE', state: '已报整改' },
    });
    const english = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'en', authorization: `Bearer ${secretary}` },
      body: JSON.stringify({
        query: `mutation($id: ID!) { submitRectification(input: { id: $id, report: "x" }) { state } }`,
        variables: { id: seriousRectification },
      }),
    });
    expect(((await english.json()) as { errors: { message: string }[] }).errors[0].message).toBe(
      'The rectification is “已报整改”: a report needs it open or reopened, a sign-off or reopening needs it submitted',
    );
    const verified = await verify(seriousRectification, true, inspector);
    expect(verified.data.verifyRectification).toMatchObject({ state: 'VERIFIED', reopenReason: null });
    expect(verified.data.verifyRectification.verifiedAt).toBeTruthy();

    await submit(minorRectification, supervisor);
    expect((await verify(minorRectification, false, inspector)).data.verifyRectification).toMatchObject({
      state: 'REOPENED',
      reopenReason: '证据不足',
    });

    const overdue = await gql(
      `query($u: ID!) { rectifications(under: $u, overdue: true) { totalCount nodes { id state overdue ownerOrg { name } finding { severity } } } }`,
      { u: ids['市公交集团党委'] },
      supervisor,
    );
    // the finding as the current record (the amendment) states it
    expect(overdue.data.rectifications).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: minorRectification,
          state: 'REOPENED',
          overdue: true,
          ownerOrg: { name: '第一车队党支部' },
          finding: { severity: 'MODERATE' },
        },
      ],
    });
    const byTeam = await gql(`query($t: ID!) { rectifications(teamId: $t) { totalCount } }`, { t: teamId }, inspector);
    expect(byTeam.data.rectifications.totalCount).toBe(2);
    const secretary2 = await server.token('jtj', 'secretary2');
    expect((await gql(`{ rectifications { totalCount } }`, {}, secretary2)).data.rectifications.totalCount).toBe(0);
    expect(codes(await submit(minorRectification, secretary2))).toEqual(['NOT_FOUND']);
  });

  it('follows up (回头看): reports which findings were truly fixed and reopens what was not', async () => {
    const findings = (await gql(`query($id: ID!) { inspection(id: $id) { findings { id severity } } }`, { id: firstId }, inspector)).data
      .inspection.findings;
    const serious = findings.find((f: { severity: string }) => f.severity === 'SERIOUS').id;
    const minor = findings.find((f: { severity: string }) => f.severity === 'MINOR').id;
    const scheduled = await record({
      idempotencyKey: 'insp-0002-follow-up',
      teamId,
      orgId: ids['第一车队党支部'],
      inspectedOn: INSPECTED_ON,
      methods: ['FIELD_CHECK'],
      summary: '回头看',
      findings: [],
      followUps: [{ findingId: serious }, { findingId: minor }],
    });
    expect(scheduled.errors).toBeUndefined();
    const id = scheduled.data.recordInspection.id;
    const early = await finalize(id);
    expect(early.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FOLLOW_UP_UNCHECKED' });
    const foreign = await gql(
      `mutation($id: ID!, $f: ID!) { updateInspection(input: { id: $id, followUps: [{ findingId: $f, fixed: true }] }) { id } }`,
      { id, f: unknownId('Finding') },
      inspector,
    );
    expect(foreign.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_FOLLOW_UP' });
    const checked = await gql(
      `mutation($id: ID!, $s: ID!, $m: ID!) { updateInspection(input: { id: $id, followUps: [{ findingId: $s, fixed: false, note: "台帐仍缺十月记录" }, { findingId: $m, fixed: true }] }) { id } }`,
      { id, s: serious, m: minor },
      inspector,
    );
    expect(checked.errors).toBeUndefined();
    expect((await finalize(id)).data.finalizeInspection.chainSeq).toBe(3);
    const report = await gql(
      `query($id: ID!) { inspection(id: $id) { followUps { fixed note finding { severity rectification { state } } } } }`,
      { id },
      inspector,
    );
    expect(report.data.inspection.followUps).toEqual(
      expect.arrayContaining([
        { fixed: false, note: '台帐仍缺十月记录', finding: { severity: 'SERIOUS', rectification: { state: 'REOPENED' } } },
        { fixed: true, note: null, finding: { severity: 'MINOR', rectification: { state: 'REOPENED' } } },
      ]),
    );
  });

  it('lets a subordinate org ask its superior for help and lists what is overdue', async () => {
    const raised = await gql(
      `mutation($o: ID!) { raiseServiceRequest(input: { fromOrgId: $o, title: "请求协调活动场地", description: "支部缺少固定活动场所" }) { id state dueAt overdue toOrg { name } } }`,
      { o: ids['第一车队党支部'] },
      secretary,
    );
    expect(raised.data.raiseServiceRequest).toMatchObject({ state: 'OPEN', overdue: false, toOrg: { name: '市公交集团党委' } });
    const hours = (new Date(raised.data.raiseServiceRequest.dueAt).getTime() - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(71);
    expect(hours).toBeLessThanOrEqual(72);
    const secretary2 = await server.token('jtj', 'secretary2');
    expect(
      codes(
        await gql(
          `mutation($id: ID!) { answerServiceRequest(input: { id: $id, answer: "x" }) { id } }`,
          { id: raised.data.raiseServiceRequest.id },
          secretary2,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    const answered = await gql(
      `mutation($id: ID!) { answerServiceRequest(input: { id: $id, answer: "已协调集团活动中心每周二使用" }) { state answer } }`,
      { id: raised.data.raiseServiceRequest.id },
      supervisor,
    );
    expect(answered.data.answerServiceRequest).toEqual({ state: 'ANSWERED', answer: '已协调集团活动中心每周二使用' });

    await gql(`mutation { updateTenantSettings(input: { serviceRequestHours: 1 }) { serviceRequestHours } }`, {}, admin);
    const late = await gql(
      `mutation($o: ID!) { raiseServiceRequest(input: { fromOrgId: $o, title: "请求培训", description: "新任支委需要培训" }) { id dueAt } }`,
      { o: ids['第一车队党支部'] },
      secretary,
    );
    expect(new Date(late.data.raiseServiceRequest.dueAt).getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    // an hour passes (moved under the API: the clock is the database's)
    const su = await server.superuser();
    await su.query(`UPDATE service_requests SET due_at = now() - interval '1 minute' WHERE id = $1`, [
      rawId(late.data.raiseServiceRequest.id),
    ]);
    const overdue = await gql(
      `query($u: ID!) { serviceRequests(under: $u, overdue: true) { totalCount nodes { title overdue stateLabel fromOrg { name } } } }`,
      { u: ids['市公交集团党委'] },
      supervisor,
    );
    expect(overdue.data.serviceRequests).toEqual({
      totalCount: 1,
      nodes: [{ title: '请求培训', overdue: true, stateLabel: '待办理', fromOrg: { name: '第一车队党支部' } }],
    });
  });

  it('turns lagging orgs into a draft criticism notice, issues it and tracks its reading', async () => {
    // a caller who may not issue notices is refused before any campaign figure is read (an org outside its sight included)
    for (const under of [ids['市公交集团党委'], ids['市公路管理处党委']]) {
      const refused = await gql(
        `mutation($c: ID!, $u: ID!) { draftNoticeFromLagging(input: { campaignId: $c, under: $u, first: 3 }) { id } }`,
        { c: campaignId, u: under },
        supervisor,
      );
      expect(refused.errors?.map((e) => e.extensions?.reason)).toEqual(['NOT_NOTICE_ISSUER']);
    }
    const drafted = await gql(
      `mutation($c: ID!, $u: ID!) { draftNoticeFromLagging(input: { campaignId: $c, under: $u, first: 3 }) { id kind state title body basis subjects { name } recipients { org { name } readAt } } }`,
      { c: campaignId, u: ids['市公交集团党委'] },
      leader,
    );
    expect(drafted.errors).toBeUndefined();
    const n = drafted.data.draftNoticeFromLagging;
    expect(n).toMatchObject({ kind: 'CRITICISM', state: 'DRAFT', basis: { eligible: 5, attained: 0 } });
    expect(n.subjects).toHaveLength(3);
    expect(n.subjects.map((s: { name: string }) => s.name)).not.toContain('第一车队党支部'); // it has a (partial) result, so it ranks after the unevaluated
    expect(n.body).toContain('予以通报批评');
    expect(n.recipients).toHaveLength(4);
    expect(codes(await gql(`query($id: ID!) { notice(id: $id) { id } }`, { id: n.id }, secretary))).toEqual(['NOT_FOUND']); // drafts stay with issuers
    const issued = await gql(
      `mutation($id: ID!, $d: Date) { issueNotice(input: { id: $id, issuedOn: $d }) { state issuedOn } }`,
      { id: n.id, d: INSPECTED_ON },
      leader,
    );
    expect(issued.data.issueNotice).toEqual({ state: 'ISSUED', issuedOn: INSPECTED_ON });
    expect(codes(await gql(`mutation($id: ID!) { issueNotice(input: { id: $id }) { state } }`, { id: n.id }, leader))).toEqual([
      'CONFLICT',
    ]);
    // a reader of the recipient org without an officer's role over it (the root's inspector) signs nothing
    const unsigned = await gql(
      `mutation($id: ID!, $o: ID!) { markNoticeRead(input: { noticeId: $id, orgId: $o }) { readAt } }`,
      { id: n.id, o: ids['市公交集团党委'] },
      inspector,
    );
    expect(unsigned.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual(['FORBIDDEN/NOT_NOTICE_READER']);
    expect(unsigned.errors?.[0].message).toBe('只有市公交集团党委的书记或其上级负责人可以签收通报');
    const read = await gql(
      `mutation($id: ID!, $o: ID!) { markNoticeRead(input: { noticeId: $id, orgId: $o }) { org { name } readAt } }`,
      { id: n.id, o: ids['市公交集团党委'] },
      supervisor,
    );
    expect(read.data.markNoticeRead.readAt).toBeTruthy();
    expect(
      codes(
        await gql(
          `mutation($id: ID!, $o: ID!) { markNoticeRead(input: { noticeId: $id, orgId: $o }) { readAt } }`,
          { id: n.id, o: ids['第一车队党支部'] },
          secretary,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    const after = await gql(`query($id: ID!) { notice(id: $id) { recipients { org { name } readAt } } }`, { id: n.id }, leader);
    expect(
      after.data.notice.recipients.filter((r: { readAt: string | null }) => r.readAt).map((r: { org: { name: string } }) => r.org.name),
    ).toEqual(['市公交集团党委']);

    const manual = await gql(
      `mutation($o: ID!, $i: ID!) { createNotice(input: { kind: CRITICISM, title: "关于第一车队党支部台帐问题的通报", body: "督导发现台帐不全。", subjectOrgIds: [$o], inspectionIds: [$i] }) { id inspections { id } } }`,
      { o: ids['第一车队党支部'], i: firstId },
      admin,
    );
    expect(manual.data.createNotice.inspections).toEqual([{ id: firstId }]);
    await gql(
      `mutation($id: ID!, $d: Date) { issueNotice(input: { id: $id, issuedOn: $d }) { state } }`,
      { id: manual.data.createNotice.id, d: INSPECTED_ON },
      admin,
    );
  });

  it('computes the annual assessment from its components (hand-worked: 50 + 50 − 7 − 2 − 3 = 88) and ranks the subtree', async () => {
    const crit = await criteriaOf(server, supervisor, versionId);
    const sup = await evaluate(server, supervisor, { campaignId, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' }, scoresFor(crit));
    await accept(server, leader, sup.id);
    const rule = await gql(
      `mutation($input: SetAssessmentRuleInput!) { setAssessmentRule(input: $input) { year rule { campaignShare } } }`,
      {
        input: {
          year: YEAR,
          campaignId,
          rule: ASSESSMENT_RULE,
        },
      },
      admin,
    );
    expect(rule.errors).toBeUndefined();
    const res = await gql(
      `query($o: ID!, $y: Int!) { annualAssessment(orgId: $o, year: $y) { total components { code points detail } } }`,
      { o: ids['第一车队党支部'], y: YEAR },
      leader,
    );
    expect(res.errors).toBeUndefined();
    // campaign result 100 (SUPERIOR only) × 0.5 = 50; base 100 × 0.5 = 50;
    // findings count through the amendment: one SERIOUS (5) + one MODERATE (2) = 7; the follow-up found none;
    // one rectification past due and not signed off: 2; one criticism notice: 3.
    expect(res.data.annualAssessment.components).toEqual([
      { code: 'CAMPAIGN', points: 50, detail: '100 × 0.5' },
      { code: 'BASE', points: 50, detail: '100 × 0.5' },
      { code: 'FINDINGS', points: -7, detail: '较重1项×2，严重1项×5' },
      { code: 'OVERDUE_RECTIFICATIONS', points: -2, detail: '1项×2' },
      { code: 'CRITICISMS', points: -3, detail: '1次×3' },
      { code: 'COMMENDATIONS', points: 0, detail: '0次×2' },
    ]);
    expect(res.data.annualAssessment.total).toBe(88);
    const ranking = await gql(
      `query($u: ID!, $y: Int!) { assessmentRanking(under: $u, year: $y) { totalCount nodes { rank total org { name } } } }`,
      { u: ids['市公交集团党委'], y: YEAR },
      supervisor,
    );
    expect(ranking.data.assessmentRanking.totalCount).toBe(5);
    // paged two at a time, through the ties, the same ranking
    const paged: { rank: number; total: number; org: { name: string } }[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { assessmentRanking: { nodes: typeof paged; pageInfo: { hasNextPage: boolean; endCursor: string } } } } =
        await gql(
          `query($u: ID!, $y: Int!, $a: String) { assessmentRanking(under: $u, year: $y, first: 2, after: $a) { nodes { rank total org { name } } pageInfo { hasNextPage endCursor } } }`,
          { u: ids['市公交集团党委'], y: YEAR, a: after },
          supervisor,
        );
      paged.push(...page.data!.assessmentRanking.nodes);
      after = page.data!.assessmentRanking.pageInfo.hasNextPage ? page.data!.assessmentRanking.pageInfo.endCursor : null;
    } while (after);
    expect(paged).toEqual(ranking.data.assessmentRanking.nodes);
    // the three criticised by the lagging notice lose 3 from the base 50; the fourth keeps 50
    expect(ranking.data.assessmentRanking.nodes.map((r: { rank: number; total: number }) => [r.rank, r.total])).toEqual([
      [1, 88],
      [2, 50],
      [3, 47],
      [3, 47],
      [3, 47],
    ]);
    expect(
      codes(
        await gql(
          `query($u: ID!, $y: Int!) { assessmentRanking(under: $u, year: $y) { nodes { rank } } }`,
          { u: ids['中共市交通运输局党委'], y: YEAR },
          supervisor,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it('verifies the chain of finalized records and reports a tampered row', async () => {
    const ok = await gql(`{ verifyRecords { ok checked brokenAt { seq } } }`, {}, admin);
    expect(ok.data.verifyRecords).toEqual({ ok: true, checked: 3, brokenAt: null });
    expect(codes(await gql(`{ verifyRecords { ok } }`, {}, secretary))).toEqual(['FORBIDDEN']);
    // tamper directly in the database, past the immutability triggers, as only a superuser could
    const su = await server.superuser({ own: true }); // a session setting of its own
    await su.query(`SET session_replication_role = replica`);
    await su.query(`UPDATE findings SET severity = 'MINOR' WHERE inspection_id = $1 AND severity = 'MODERATE'`, [rawId(amendmentId)]);
    await su.query(`SET session_replication_role = DEFAULT`);
    const broken = await gql(`{ verifyRecords { ok checked brokenAt { seq reason inspection { id } } } }`, {}, admin);
    const withKind = await gql(
      `{ verifyRecords { ok checked brokenAt { seq expectedSeq kind kindLabel reason inspection { id } } } }`,
      {},
      admin,
    );
    expect(withKind.data.verifyRecords).toEqual({
      ok: false,
      checked: 1,
      brokenAt: {
        seq: 2,
        expectedSeq: null,
        kind: 'CONTENT_CHANGED',
        kindLabel: '内容与哈希不符',
        reason: '该记录的内容与其哈希不符：定稿后被改动',
        inspection: { id: amendmentId },
      },
    });
    expect(broken.data.verifyRecords).toEqual({
      ok: false,
      checked: 1,
      brokenAt: { seq: 2, reason: '该记录的内容与其哈希不符：定稿后被改动', inspection: { id: amendmentId } },
    });
  });

  it('audits every mutation (who, when, what, which record) and keeps the log append-only', async () => {
    const log = await gql(
      `query($e: ID!) { auditLog(entityId: $e, first: 10) { totalCount nodes { action actor entityType entityId data } } }`,
      { e: firstId },
      admin,
    );
    const actions = log.data.auditLog.nodes.map((n: { action: string; actor: string }) => [n.action, n.actor]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['recordInspection', 'inspector'],
        ['finalizeInspection', 'inspector'],
      ]),
    );
    expect(log.data.auditLog.nodes.every((n: { entityId: string }) => n.entityId === firstId)).toBe(true);
    const logins = await gql(`{ auditLog(action: "login", first: 100) { totalCount nodes { data } } }`, {}, admin);
    expect(logins.data.auditLog.totalCount).toBeGreaterThan(0);
    expect(JSON.stringify(logins.data.auditLog.nodes)).not.toContain('"demo"');
    expect(codes(await gql(`{ auditLog { totalCount } }`, {}, inspector))).toEqual(['FORBIDDEN']);
    const su = await server.superuser();
    const [{ id: tenantId }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    await expect(
      withTransaction(server.database.dataSource, { tenantId }, (tx) => tx.query(`UPDATE audit_log SET action = 'x'`)),
    ).rejects.toThrow(/permission denied|append-only/);
    await expect(withTransaction(server.database.dataSource, { tenantId }, (tx) => tx.query(`DELETE FROM audit_log`))).rejects.toThrow(
      /permission denied|append-only/,
    );
  });

  it('pages every supervision list as a connection, one statement per page, within what each viewer may see', async () => {
    /** Every node of a root list, `first: 1` at a time. */
    const crawl = async (field: string, args: string, select: string, token: string) => {
      const seen: Record<string, unknown>[] = [];
      let after: string | null = null;
      do {
        const res: { data?: Record<string, { nodes: Record<string, unknown>[]; pageInfo: { hasNextPage: boolean; endCursor: string } }> } =
          await gql(
            `query($a: String) { ${field}(${args}${args ? ', ' : ''}first: 1, after: $a) { nodes { ${select} } pageInfo { hasNextPage endCursor } } }`,
            { a: after },
            token,
          );
        seen.push(...res.data![field].nodes);
        after = res.data![field].pageInfo.hasNextPage ? res.data![field].pageInfo.endCursor : null;
      } while (after);
      return seen;
    };
    const whole = async (query: string, token: string) => (await gql(query, {}, token)).data;

    // inspections: the team's people and the officers over the org see the three records, newest first
    const byInspector = await crawl('inspections', '', 'id stateLabel', inspector);
    expect(byInspector).toHaveLength(3);
    expect(new Set(byInspector.map((i) => i.id)).size).toBe(3);
    expect(byInspector.map((i) => i.id)).toEqual(expect.arrayContaining([firstId, amendmentId]));
    expect(byInspector.every((i) => i.stateLabel === '已定稿')).toBe(true);
    expect(await crawl('inspections', '', 'id stateLabel', secretary)).toEqual(byInspector);
    const secretary2 = await server.token('jtj', 'secretary2');
    expect((await whole(`{ inspections { totalCount nodes { id } } }`, secretary2)).inspections).toEqual({ totalCount: 0, nodes: [] });
    const ofTeam = await gql(
      `query($t: ID!) { node(id: $t) { ... on SupervisionTeam { inspections(state: FINALIZED, first: 2) { totalCount nodes { id } } } } }`,
      { t: teamId },
      inspector,
    );
    expect(ofTeam.data.node.inspections.totalCount).toBe(3);
    expect(ofTeam.data.node.inspections.nodes.map((i: { id: string }) => i.id)).toEqual(byInspector.slice(0, 2).map((i) => i.id));

    // teams: its people, the root's admins, and officers whose scope holds one of its subtrees
    for (const [token, n] of [
      [inspector, 1],
      [admin, 1],
      [supervisor, 1],
      [secretary2, 0],
    ] as const) {
      expect((await whole(`{ supervisionTeams { totalCount } }`, token)).supervisionTeams.totalCount).toBe(n);
    }

    // notices: two issued, newest first, for the issuers and the branches alike
    const notices = await crawl('notices', '', 'id kind kindLabel state stateLabel issuedByName', leader);
    expect(notices.map((n) => [n.kindLabel, n.stateLabel])).toEqual([
      ['通报批评', '已印发'],
      ['通报批评', '已印发'],
    ]);
    expect(await crawl('notices', '', 'id kind kindLabel state stateLabel issuedByName', secretary)).toEqual(notices);

    // service requests: both of 第一车队, soonest due first
    const requests = await crawl('serviceRequests', '', 'title stateLabel raisedByName answeredByName', supervisor);
    expect(requests.map((r) => [r.title, r.stateLabel])).toEqual([
      ['请求培训', '待办理'],
      ['请求协调活动场地', '已答复'],
    ]);
    expect(requests[1].answeredByName).toBeTruthy();
  });

  it('keeps every supervision record from another tenant, even its admin', async () => {
    const foreign = await server.token('szjg', 'admin');
    expect(codes(await gql(`query($id: ID!) { inspection(id: $id) { id } }`, { id: firstId }, foreign))).toEqual(['NOT_FOUND']);
    expect(
      (await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [firstId, teamId, seriousRectification, amendmentId] }, foreign))
        .data.nodes,
    ).toEqual([null, null, null, null]);
    expect(
      (
        await gql(
          `{ supervisionTeams { totalCount nodes { id } } inspections { totalCount } notices { totalCount nodes { id } } serviceRequests { totalCount } rectifications { totalCount } verifyRecords { checked } }`,
          {},
          foreign,
        )
      ).data,
    ).toEqual({
      supervisionTeams: { totalCount: 0, nodes: [] },
      inspections: { totalCount: 0 },
      notices: { totalCount: 0, nodes: [] },
      serviceRequests: { totalCount: 0 },
      rectifications: { totalCount: 0 },
      verifyRecords: { checked: 0 },
    });
    expect(
      codes(
        await gql(
          `mutation($id: ID!) { verifyRectification(input: { id: $id, accept: true }) { id } }`,
          { id: seriousRectification },
          foreign,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      codes(
        await gql(
          `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id } }`,
          {
            input: {
              inspectionId: firstId,
              idempotencyKey: 'foreign-amendment',
              reason: 'x',
              inspectedOn: INSPECTED_ON,
              methods: [],
              summary: '',
              findings: [],
            },
          },
          foreign,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
  });
});

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
    server = await startTestServer({ env: { EXPOSE_STATEMENT_COUNT: 'true' } });
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
          rule: ASSESSMENT_RULE,
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

  it('keeps a score’s stored note when an update sends the score without one', async () => {
    const leaf = scoresFor(crit).find((s) => crit.find((c) => c.id === s.criterionId)?.code !== 'Q8.5')!;
    const noted = await update({ id: recordId, scores: [{ criterionId: leaf.criterionId, value: leaf.value, note: '缺三季度记录' }] });
    expect(noted.errors).toBeUndefined();
    const again = await update({ id: recordId, scores: [{ criterionId: leaf.criterionId, value: leaf.value }] });
    expect(again.errors).toBeUndefined();
    const su = await server.superuser();
    const { rows } = await su.query<{ note: string | null }>(
      `SELECT s.note FROM evaluation_scores s JOIN inspections i ON i.tenant_id = s.tenant_id AND i.evaluation_id = s.evaluation_id
        WHERE i.id = $1 AND s.criterion_id = $2`,
      [rawId(recordId), rawId(leaf.criterionId)],
    );
    expect(rows).toEqual([{ note: '缺三季度记录' }]);
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
    // checked per statement: a row added, an upsert that updates, and a statement over many sheets of which one is final
    expect(
      await asApp(
        `INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value)
         SELECT $1, $2, k.parent_id, 1 FROM criteria k WHERE k.tenant_id = $1 AND k.id = $3`,
        [tenantId, finalized.evaluation_id, criterion.criterion_id],
      ),
    ).toBe('AP001');
    expect(
      await asApp(
        `INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value) VALUES ($1, $2, $3, 0)
         ON CONFLICT (tenant_id, evaluation_id, criterion_id) DO UPDATE SET value = EXCLUDED.value`,
        [tenantId, finalized.evaluation_id, criterion.criterion_id],
      ),
    ).toBe('AP001');
    const sheets = async () =>
      (
        await su.query(`SELECT evaluation_id, criterion_id, value::text FROM evaluation_scores WHERE tenant_id = $1 ORDER BY 1, 2`, [
          tenantId,
        ])
      ).rows;
    // a second, open sheet of the tenant: a self-assessment draft with the final one's scores
    const [open] = (
      await su.query(
        `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, state, version, created_by)
         SELECT tenant_id, campaign_id, org_id, 'SELF', 'DRAFT', 1, created_by FROM evaluations WHERE id = $1 RETURNING id`,
        [finalized.evaluation_id],
      )
    ).rows;
    await su.query(
      `INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value)
       SELECT tenant_id, $2, criterion_id, value FROM evaluation_scores WHERE evaluation_id = $1`,
      [finalized.evaluation_id, open.id],
    );
    const before = await sheets();
    expect(new Set(before.map((r) => r.evaluation_id))).toEqual(new Set([finalized.evaluation_id, open.id]));
    expect(await asApp(`UPDATE evaluation_scores SET value = value + 0 WHERE tenant_id = $1`, [tenantId])).toBe('AP001');
    expect(await sheets()).toEqual(before);
    // the same statement over the other sheets alone goes through
    expect(
      await asApp(`UPDATE evaluation_scores SET value = value + 0 WHERE tenant_id = $1 AND evaluation_id <> $2`, [
        tenantId,
        finalized.evaluation_id,
      ]),
    ).toBeUndefined();
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

  it('verifies each chain once however many aliases ask, and never takes a record finalized meanwhile for a broken head', async () => {
    /** The statements a query sends (its third send: what a document's first sends learn is then settled). */
    const statements = async (query: string) => {
      let sent = 0;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
          body: JSON.stringify({ query }),
        });
        const body = (await res.json()) as { errors?: unknown };
        expect(body.errors).toBeUndefined();
        sent = Number(res.headers.get('x-sql-statements'));
      }
      return sent;
    };
    const aliases = (field: string, n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
    for (const field of ['verifyRecords { ok checked }', 'verifyAuditLog { ok checked }']) {
      const once = await statements(aliases(field, 1));
      expect(await statements(aliases(field, 20))).toBe(once);
    }

    // a record finalized between the verification's reads: the chain read is the one up to the head read first
    const draft = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      {
        input: {
          idempotencyKey: 'records-race-0001',
          teamId,
          orgId: ids['第二车队党支部'],
          inspectedOn: INSPECTED_ON,
          methods: ['SYMPOSIUM'],
          summary: '校验期间定稿',
          findings: [],
        },
      },
      inspector,
    );
    expect(draft.errors).toBeUndefined();
    const su = await server.superuser();
    const [{ id: tenant }] = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows;
    let meanwhile: (() => Promise<unknown>) | undefined = async () => {
      const finalized = await finalize(draft.data.recordInspection.id);
      expect(finalized.errors).toBeUndefined();
    };
    const result = await withTransaction(server.database.dataSource, { tenantId: tenant }, (tx) =>
      verifyChain(
        {
          query: async (sql: string, params?: unknown[]) => {
            const rows = await tx.query(sql, params);
            const step = meanwhile;
            meanwhile = undefined;
            await step?.();
            return rows;
          },
        } as unknown as RequestTransaction,
        tenant,
      ),
    );
    expect(meanwhile).toBeUndefined();
    expect(result).toEqual({ ok: true, checked: 3, brokenAt: null });
    expect((await gql(`{ verifyRecords { ok checked } }`, {}, admin)).data.verifyRecords).toEqual({ ok: true, checked: 4 });
  });

  it('reads 100 of a notice’s orgs and records, a team’s scope orgs, rectifying orgs, looked-back findings or a file’s findings in as many statements as 5', async () => {
    const su = await server.superuser();
    // 100 branches beside 第一车队党支部, and one more that is archived
    const made = await su.query<{ id: string; name: string; archived: boolean }>(
      `INSERT INTO orgs (tenant_id, id, parent_id, name, kind, category, path, archived_at)
       SELECT s.tenant_id, g.id, s.parent_id, '批量支部' || g.n, s.kind, s.category,
              subpath(s.path, 0, nlevel(s.path) - 1) || replace(g.id::text, '-', ''), CASE WHEN g.n = 101 THEN now() END
         FROM (SELECT * FROM orgs WHERE id = $1) s, (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 101) n) g
       RETURNING id, name, archived_at IS NOT NULL AS archived`,
      [rawId(ids['第一车队党支部'])],
    );
    const live = made.rows.filter((r) => !r.archived).map((r) => globalId('Org', r.id));
    const archived = made.rows.find((r) => r.archived)!;
    expect(live).toHaveLength(100);
    const unknown = unknownId('Org');

    const NOTICE = `mutation($input: CreateNoticeInput!) { createNotice(input: $input) { id } }`;
    const notice = (subjectOrgIds: string[], inspectionIds: string[] = []) =>
      gql(
        NOTICE,
        { input: { kind: 'COMMENDATION', title: '批量表扬', body: '表扬', subjectOrgIds, recipientOrgIds: subjectOrgIds, inspectionIds } },
        admin,
      );
    const few = await notice(live.slice(0, 5), Array(5).fill(recordId));
    expect(few.errors).toBeUndefined();
    const many = await notice(live, Array(100).fill(recordId));
    expect(many.errors).toBeUndefined();
    expect(many.statements).toBe(few.statements);
    // the first bad id in the order given decides: an unknown org, then a draft record before an unknown one
    const refusal = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0].extensions;
    expect(refusal(await notice([...live.slice(0, 60), unknown, ...live.slice(60)]))).toMatchObject({ reason: 'ORG_NOT_FOUND' });
    const draft = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      {
        input: {
          idempotencyKey: 'bulk-draft-0001',
          teamId,
          orgId: ids['第一车队党支部'],
          inspectedOn: INSPECTED_ON,
          methods: ['SYMPOSIUM'],
          summary: '草稿',
          findings: [],
        },
      },
      inspector,
    );
    const draftId = draft.data.recordInspection.id;
    const records = [...Array(40).fill(recordId), draftId, unknownId('Inspection')];
    expect(refusal(await notice(live.slice(0, 3), records))).toMatchObject({
      reason: 'INSPECTION_NOT_FINALIZED',
      field: 'input.inspectionIds[40]',
    });
    expect(refusal(await notice(live.slice(0, 3), [recordId, unknownId('Inspection'), draftId]))).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'INSPECTION_NOT_FOUND',
    });

    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, admin)).data.users.nodes;
    const inspectorId = users.find((u: { username: string }) => u.username === 'inspector').id;
    const TEAM = `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`;
    const team = (name: string, scopeOrgIds: string[]) => gql(TEAM, { input: { name, leaderId: inspectorId, scopeOrgIds } }, admin);
    const small = await team('批量督导组一', live.slice(0, 5));
    expect(small.errors).toBeUndefined();
    const large = await team('批量督导组二', live);
    expect(large.errors).toBeUndefined();
    expect(large.statements).toBe(small.statements);
    const archivedId = globalId('Org', archived.id);
    expect(refusal(await team('批量督导组三', [...live.slice(0, 50), archivedId, unknown]))).toMatchObject({
      reason: 'ORG_ARCHIVED',
      field: 'input.scopeOrgIds',
    });
    expect((await team('批量督导组三', [live[0], archivedId])).errors?.[0].message).toContain(archived.name);
    expect(refusal(await team('批量督导组三', [...live.slice(0, 50), unknown, archivedId]))).toMatchObject({ reason: 'ORG_NOT_FOUND' });
    expect(await count(su, 'supervision_teams', `name = '批量督导组三'`)).toBe(0);

    // a record whose findings give 100 orgs a rectification finalizes in as many statements as one giving 5
    const withOrders = async (key: string, orgsGiven: string[]) => {
      const recorded = await gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: key,
            teamId,
            orgId: ids['第一车队党支部'],
            inspectedOn: INSPECTED_ON,
            methods: ['SYMPOSIUM'],
            summary: '批量整改',
            findings: orgsGiven.map((o, i) => ({ severity: 'MINOR', description: `问题${i}`, rectifyOrgId: o, rectifyDueOn: day(20) })),
          },
        },
        inspector,
      );
      expect(recorded.errors).toBeUndefined();
      return { id: recorded.data.recordInspection.id as string, statements: recorded.statements };
    };
    const five = await withOrders('bulk-orders-0005', live.slice(0, 5));
    const hundred = await withOrders('bulk-orders-0100', live);
    expect(hundred.statements).toBe(five.statements);
    const fiveOrders = await finalize(five.id);
    expect(fiveOrders.errors).toBeUndefined();
    const hundredOrders = await finalize(hundred.id);
    expect(hundredOrders.errors).toBeUndefined();
    expect(hundredOrders.statements).toBe(fiveOrders.statements);
    // 回头看 of those 100 findings: the record's document reads the findings looked back at in as many statements as 5
    const earlier = (
      await su.query<{ id: string }>(`SELECT id FROM findings WHERE inspection_id = $1 ORDER BY position`, [rawId(hundred.id)])
    ).rows.map((r) => globalId('Finding', r.id));
    const lookBack = async (key: string, findingIds: string[]) => {
      const recorded = await gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: key,
            teamId,
            orgId: ids['第一车队党支部'],
            inspectedOn: INSPECTED_ON,
            methods: ['SYMPOSIUM'],
            summary: '回头看',
            findings: [],
            followUps: findingIds.map((findingId) => ({ findingId, fixed: true })),
          },
        },
        inspector,
      );
      expect(recorded.errors).toBeUndefined();
      const ctx = createRequestContext(server.config, server.database.dataSource, '127.0.0.1');
      await authenticate(ctx, `Bearer ${admin}`);
      try {
        const record = await supervisionService.getInspectionOrThrow(ctx, rawId(recorded.data.recordInspection.id));
        const before = ctx.tx.statements;
        const built = await inspectionDocument(ctx, record);
        expect(JSON.stringify(built.doc)).toContain('问题99：已整改到位');
        return ctx.tx.statements - before;
      } finally {
        await ctx.tx.finish(false);
      }
    };
    expect(earlier).toHaveLength(100);
    expect(await lookBack('bulk-lookback-100', earlier)).toBe(await lookBack('bulk-lookback-005', [...earlier.slice(0, 4), earlier[99]]));
    // a file on 100 findings is read (its readers checked through every finding it is on) in as many statements as on 5
    const onFindings = async (key: string, n: number) => {
      const form = new FormData();
      form.append('file', new Blob([png()]), '共用佐证.png');
      const res = await fetch(`${server.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${inspector}` } });
      const file = ((await res.json()) as { files: { id: string }[] }).files[0].id;
      const recorded = await gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: key,
            teamId,
            orgId: ids['第一车队党支部'],
            inspectedOn: INSPECTED_ON,
            methods: ['SYMPOSIUM'],
            summary: '共用佐证',
            findings: Array.from({ length: n }, (_, i) => ({ severity: 'MINOR', description: `佐证${i}`, fileIds: [file] })),
          },
        },
        inspector,
      );
      expect(recorded.errors).toBeUndefined();
      const read = await gql(`query($id: ID!) { file(id: $id) { id } }`, { id: file }, admin);
      expect(read.data.file).toEqual({ id: file });
      return read.statements;
    };
    expect(await onFindings('bulk-files-0100', 100)).toBe(await onFindings('bulk-files-0005', 5));
    // an archived org among them: ORG_ARCHIVED naming it, nothing finalized
    const stuck = (await withOrders('bulk-orders-0003', [live[0], live[1], live[2]])).id;
    await su.query(`UPDATE orgs SET archived_at = now() WHERE id = $1`, [rawId(live[1])]);
    const archivedOrder = await finalize(stuck);
    expect(archivedOrder.errors?.[0].extensions).toMatchObject({ reason: 'ORG_ARCHIVED', field: 'findings' });
    expect(await count(su, 'inspections', `id = $1 AND state = 'DRAFT'`, [rawId(stuck)])).toBe(1);
    // recording: the first finding in the order given that is refused decides, with its own path
    const record = (key: string, findings: Record<string, unknown>[]) =>
      gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: key,
            teamId,
            orgId: ids['第一车队党支部'],
            inspectedOn: INSPECTED_ON,
            methods: ['SYMPOSIUM'],
            summary: '次序',
            findings,
          },
        },
        inspector,
      );
    const ok = { severity: 'MINOR', description: '正常', rectifyOrgId: live[0], rectifyDueOn: day(20) };
    const onArchived = { severity: 'MINOR', description: '已撤销', rectifyOrgId: live[1], rectifyDueOn: day(20) };
    const noDue = { severity: 'MINOR', description: '缺期限', rectifyOrgId: live[2] };
    expect(refusal(await record('bulk-order-first-1', [ok, noDue, onArchived]))).toMatchObject({
      reason: 'INVALID_RECTIFICATION_ORDER',
      field: 'input.findings[1]',
    });
    expect(refusal(await record('bulk-order-first-2', [ok, onArchived, noDue]))).toMatchObject({
      reason: 'ORG_ARCHIVED',
      field: 'input.findings[1].rectifyOrgId',
    });
  });
});
