import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { day } from './helpers/dates';
import { globalId, unknownId } from './helpers/ids';
import { TestServer, codes, startTestServer, tokens, firstSignIn } from './helpers/server';
import { sheetXml, workbookParts, zip } from './helpers/crafted-files';
import { count } from './helpers/sql';
import { ASSESSMENT_RULE, SOURCE_CAMPAIGN, accept, criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const YEAR = Number(day(-2).slice(0, 4));

/** The values of a sheet row as exceljs reads them back (1-based columns dropped to 0-based). */
const rowValues = (sheet: ExcelJS.Worksheet, n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
const asDay = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v);

/**
 * 管理台帐 and 简报信息 through the API, then the Excel exports opened back with exceljs and checked
 * against what the API says, the download denials, and the .xlsx / .csv imports of orgs and users.
 */
describe('ledgers, briefings, exports and imports', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let admin: string,
    secretary: string,
    secretary2: string,
    supervisor: string,
    member: string,
    leader: string,
    inspector: string,
    foreign: string;
  let campaignId: string;
  let versionId: string;
  const gql = (q: string, v: Record<string, unknown>, t: string) => server.gql(q, v, t);

  const get = async (path: string, token?: string, language?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(language ? { 'accept-language': language } : {}) },
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      disposition: res.headers.get('content-disposition'),
      body,
      json: () => JSON.parse(body.toString('utf8')),
    };
  };
  const workbookOf = async (body: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as unknown as ArrayBuffer);
    return wb;
  };
  const post = async (path: string, body: Buffer | string, contentType: string, token?: string, language?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(language ? { 'accept-language': language } : {}),
      },
      body,
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const xlsxOf = async (rows: unknown[][]) => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('导入');
    for (const r of rows) sheet.addRow(r);
    return Buffer.from(await wb.xlsx.writeBuffer());
  };

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    ({ admin, secretary, secretary2, supervisor, member, leader, inspector } = await tokens(server, 'jtj', [
      'admin',
      'secretary',
      'secretary2',
      'supervisor',
      'member',
      'leader',
      'inspector',
    ]));
    foreign = await server.token('szjg', 'admin');
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

  // ── ledgers ──────────────────────────────────────────────────────────────────────────────────────
  const LEDGER = `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id occurredOn category categoryLabel title content participants attachmentRefs org { name } campaign { id } } }`;
  const entries: { id: string; occurredOn: string; title: string }[] = [];

  it('keeps an org’s ledger: its secretary writes, members read, siblings and foreign tenants never see it', async () => {
    const base = { orgId: ids['第一车队党支部'], campaignId };
    const inputs = [
      {
        ...base,
        occurredOn: day(-10),
        category: 'MEETING',
        title: '支部党员大会',
        content: '部署创建工作',
        participants: 23,
        attachmentRefs: ['会议记录-01.pdf'],
      },
      { ...base, occurredOn: day(-5), category: 'SERVICE', title: '便民服务日', content: '枢纽站咨询引导', participants: 12 },
      { ...base, occurredOn: day(-1), category: 'VISIT', title: '走访困难职工', content: '送去慰问', participants: 6 },
    ];
    for (const input of inputs) {
      const res = await gql(LEDGER, { input }, secretary);
      expect(res.errors).toBeUndefined();
      entries.push(res.data.createLedgerEntry);
    }
    expect(entries[0]).toMatchObject({
      occurredOn: day(-10),
      category: 'MEETING',
      categoryLabel: '会议',
      participants: 23,
      attachmentRefs: ['会议记录-01.pdf'],
      org: { name: '第一车队党支部' },
      campaign: { id: campaignId },
    });
    // an officer over it writes too; a member reads but does not write; a sibling's secretary sees nothing
    expect((await gql(LEDGER, { input: { ...inputs[0], title: '集团党委督促检查' } }, supervisor)).errors).toBeUndefined();
    expect(codes(await gql(LEDGER, { input: inputs[0] }, member))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(LEDGER, { input: inputs[0] }, secretary2))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(LEDGER, { input: inputs[0] }, foreign))).toEqual(['NOT_FOUND']);
    const before = await count(su, 'ledger_entries');
    const future = await gql(LEDGER, { input: { ...inputs[0], occurredOn: day(3) } }, secretary);
    expect(future.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.occurredOn' });
    const negative = await gql(LEDGER, { input: { ...inputs[0], participants: -1 } }, secretary);
    expect(negative.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'participants' });
    expect(await count(su, 'ledger_entries')).toBe(before);

    const page1 = await gql(
      `query($o: ID!) { ledgerEntries(orgId: $o, first: 2) { totalCount nodes { title occurredOn } pageInfo { hasNextPage endCursor } } }`,
      { o: ids['第一车队党支部'] },
      member,
    );
    expect(page1.data.ledgerEntries.totalCount).toBe(4);
    expect(page1.data.ledgerEntries.nodes.map((n: { title: string }) => n.title)).toEqual(['走访困难职工', '便民服务日']);
    const page2 = await gql(
      `query($o: ID!, $a: String) { ledgerEntries(orgId: $o, first: 2, after: $a) { nodes { title } pageInfo { hasNextPage } } }`,
      { o: ids['第一车队党支部'], a: page1.data.ledgerEntries.pageInfo.endCursor },
      member,
    );
    expect(page2.data.ledgerEntries.nodes.map((n: { title: string }) => n.title)).toEqual(['集团党委督促检查', '支部党员大会']);
    expect(page2.data.ledgerEntries.pageInfo.hasNextPage).toBe(false);
    const subtree = await gql(
      `query($o: ID!) { ledgerEntries(orgId: $o, subtree: true, category: SERVICE) { totalCount } }`,
      { o: ids['市公交集团党委'] },
      supervisor,
    );
    expect(subtree.data.ledgerEntries.totalCount).toBe(1);

    expect(
      codes(await gql(`query($o: ID!) { ledgerEntries(orgId: $o) { totalCount } }`, { o: ids['第一车队党支部'] }, secretary2)),
    ).toEqual(['NOT_FOUND']);
    expect(codes(await gql(`query($id: ID!) { ledgerEntry(id: $id) { id } }`, { id: entries[0].id }, foreign))).toEqual(['NOT_FOUND']);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: entries[0].id }, secretary2)).data.node).toBeNull();
    expect(codes(await gql(`mutation($id: ID!) { deleteLedgerEntry(input: { id: $id }) }`, { id: entries[0].id }, foreign))).toEqual([
      'NOT_FOUND',
    ]);
    expect(codes(await gql(`mutation($id: ID!) { deleteLedgerEntry(input: { id: $id }) }`, { id: entries[0].id }, member))).toEqual([
      'FORBIDDEN',
    ]);
    const updated = await gql(
      `mutation($id: ID!) { updateLedgerEntry(input: { id: $id, participants: 25, campaignId: null }) { participants campaign { id } } }`,
      { id: entries[0].id },
      secretary,
    );
    expect(updated.data.updateLedgerEntry).toEqual({ participants: 25, campaign: null });
  });

  // ── briefings ────────────────────────────────────────────────────────────────────────────────────
  const BRIEFINGS = `query($u: ID!) { briefings(under: $u) { totalCount nodes { id title state org { name } } } }`;
  let briefingId: string;

  it('publishes briefings up the hierarchy: drafts stay with the org, superiors read published ones, siblings and subordinates never', async () => {
    const drafted = await gql(
      `mutation($o: ID!, $d: Date) { createBriefing(input: { orgId: $o, title: "第一车队创建简报第1期", body: "支部设立党员示范岗3个。", briefingOn: $d }) { id state stateLabel briefingOn publishedAt } }`,
      { o: ids['第一车队党支部'], d: day(-3) },
      secretary,
    );
    expect(drafted.errors).toBeUndefined();
    briefingId = drafted.data.createBriefing.id;
    expect(drafted.data.createBriefing).toMatchObject({ state: 'DRAFT', stateLabel: '草稿', briefingOn: day(-3), publishedAt: null });
    expect(
      codes(
        await gql(
          `mutation($o: ID!) { createBriefing(input: { orgId: $o, title: "代写", body: "x" }) { id } }`,
          { o: ids['第一车队党支部'] },
          supervisor,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    expect((await gql(BRIEFINGS, { u: ids['市公交集团党委'] }, supervisor)).data.briefings.totalCount).toBe(0);
    expect(codes(await gql(`query($id: ID!) { briefing(id: $id) { id } }`, { id: briefingId }, supervisor))).toEqual(['NOT_FOUND']);
    expect(
      (await gql(BRIEFINGS, { u: ids['第一车队党支部'] }, secretary)).data.briefings.nodes.map((b: { state: string }) => b.state),
    ).toEqual(['DRAFT']);

    const published = await gql(
      `mutation($id: ID!) { publishBriefing(input: { id: $id }) { state publishedAt } }`,
      { id: briefingId },
      secretary,
    );
    expect(published.data.publishBriefing.state).toBe('PUBLISHED');
    expect(published.data.publishBriefing.publishedAt).toBeTruthy();
    expect(codes(await gql(`mutation($id: ID!) { publishBriefing(input: { id: $id }) { state } }`, { id: briefingId }, secretary))).toEqual(
      ['CONFLICT'],
    );
    expect(
      codes(await gql(`mutation($id: ID!) { updateBriefing(input: { id: $id, title: "改" }) { id } }`, { id: briefingId }, secretary)),
    ).toEqual(['CONFLICT']);

    // the superior's own briefing, newer: listed first for the superior, never shown to its subordinate
    const own = await gql(
      `mutation { createBriefing(input: { orgId: "${ids['市公交集团党委']}", title: "集团党委简报", body: "全集团推进情况。" }) { id } }`,
      {},
      supervisor,
    );
    await gql(`mutation($id: ID!) { publishBriefing(input: { id: $id }) { id } }`, { id: own.data.createBriefing.id }, supervisor);
    const forSupervisor = await gql(BRIEFINGS, { u: ids['市公交集团党委'] }, supervisor);
    expect(forSupervisor.data.briefings).toEqual({
      totalCount: 2,
      nodes: [
        { id: own.data.createBriefing.id, title: '集团党委简报', state: 'PUBLISHED', org: { name: '市公交集团党委' } },
        { id: briefingId, title: '第一车队创建简报第1期', state: 'PUBLISHED', org: { name: '第一车队党支部' } },
      ],
    });
    expect((await gql(BRIEFINGS, { u: ids['中共市交通运输局党委'] }, admin)).data.briefings.totalCount).toBe(2);
    expect((await gql(BRIEFINGS, { u: ids['第一车队党支部'] }, member)).data.briefings.nodes.map((b: { id: string }) => b.id)).toEqual([
      briefingId,
    ]);
    expect(codes(await gql(`query($id: ID!) { briefing(id: $id) { id } }`, { id: own.data.createBriefing.id }, secretary))).toEqual([
      'NOT_FOUND',
    ]);
    expect(codes(await gql(BRIEFINGS, { u: ids['第一车队党支部'] }, secretary2))).toEqual(['NOT_FOUND']);
    expect((await gql(BRIEFINGS, { u: ids['养护科党支部'] }, secretary2)).data.briefings.totalCount).toBe(0);
    expect(codes(await gql(`query($id: ID!) { briefing(id: $id) { id } }`, { id: briefingId }, secretary2))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(`query($id: ID!) { briefing(id: $id) { id } }`, { id: briefingId }, foreign))).toEqual(['NOT_FOUND']);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: briefingId }, foreign)).data.node).toBeNull();
    const bad = await gql(
      `mutation($o: ID!) { createBriefing(input: { orgId: $o, title: "", body: "x" }) { id } }`,
      { o: ids['第一车队党支部'] },
      secretary,
    );
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    expect(await count(su, 'briefings')).toBe(2);
  });

  // ── exports ──────────────────────────────────────────────────────────────────────────────────────
  it('exports an org’s ledger as a real .xlsx: Chinese headers, frozen header row, dates as dates, rows as the API lists them', async () => {
    const res = await get(`/exports/ledger/${ids['第一车队党支部']}`, supervisor);
    expect(res.status).toBe(200);
    expect(res.type).toBe(XLSX);
    expect(res.disposition).toBe(
      `attachment; filename="ledger.xlsx"; filename*=UTF-8''${encodeURIComponent('第一车队党支部-管理台帐.xlsx')}`,
    );
    const sheet = (await workbookOf(res.body)).getWorksheet('管理台帐')!;
    expect(rowValues(sheet, 1)).toEqual(['序号', '日期', '类别', '标题', '内容', '参加人数', '所属创建活动', '附件', '记录人']);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.rowCount).toBe(5);
    const api = await gql(
      `query($o: ID!) { ledgerEntries(orgId: $o, first: 10) { nodes { occurredOn categoryLabel title content participants campaign { name } } } }`,
      { o: ids['第一车队党支部'] },
      supervisor,
    );
    const oldestFirst = [...api.data.ledgerEntries.nodes].reverse();
    // row 2 is the oldest entry (updated to 25 participants, detached from the campaign)
    const row = rowValues(sheet, 2);
    expect(row[1]).toBeInstanceOf(Date);
    expect([row[0], asDay(row[1]), row[2], row[3], row[4], row[5], row[6], row[7], row[8]]).toEqual([
      1,
      oldestFirst[0].occurredOn,
      oldestFirst[0].categoryLabel,
      oldestFirst[0].title,
      oldestFirst[0].content,
      25,
      '',
      '会议记录-01.pdf',
      '第一车队党支部书记',
    ]);
    expect(oldestFirst[0].participants).toBe(25);
    expect(rowValues(sheet, 5).slice(1, 7).map(asDay)).toEqual([day(-1), '走访', '走访困难职工', '送去慰问', 6, '创建活动']);
    expect(sheet.getColumn(5).width).toBeGreaterThan(sheet.getColumn(1).width!);
  });

  it('refuses downloads like the API: no token 401, foreign tenant, sibling and unknown ids 404 with a JSON error', async () => {
    const path = `/exports/ledger/${ids['第一车队党支部']}`;
    const none = await get(path);
    expect(none.status).toBe(401);
    expect(none.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }],
    });
    for (const token of [foreign, secretary2]) {
      const denied = await get(path, token);
      expect(denied.status).toBe(404);
      expect(denied.type).toMatch(/application\/json/);
      expect(denied.json().errors[0].extensions.code).toBe('NOT_FOUND');
    }
    expect((await get('/exports/ledger/not-an-id', admin)).status).toBe(404);
    expect((await get(`/exports/ledger/${unknownId('Org')}`, admin)).status).toBe(404);
    expect((await get(path, 'garbage.token.here')).status).toBe(401);
  });

  it('exports a campaign’s progress by subtree (one row per direct child, a total, the lagging orgs) matching the API', async () => {
    const crit = await criteriaOf(server, supervisor, versionId);
    const sup = await evaluate(server, supervisor, { campaignId, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' }, scoresFor(crit));
    await accept(server, leader, sup.id);
    const api = (
      await gql(
        `query($c: ID!) { campaign(id: $c) { progress { eligible evaluated attained ratio byChild { org { name } eligible evaluated attained ratio } lagging(first: 100) { nodes { org { name } } } } } }`,
        { c: campaignId },
        admin,
      )
    ).data.campaign.progress;
    // hand count: 27 branches and 4 general branches in jtj are grassroots orgs; one attained
    expect([api.eligible, api.attained]).toEqual([31, 1]);
    const res = await get(`/exports/campaigns/${campaignId}/progress`, admin);
    expect(res.status).toBe(200);
    expect(res.disposition).toContain(`filename*=UTF-8''${encodeURIComponent('创建活动-中共市交通运输局党委-创建进度-')}`);
    const wb = await workbookOf(res.body);
    const sheet = wb.getWorksheet('创建进度')!;
    expect(rowValues(sheet, 1)).toEqual(['组织', '类型', '应创建数', '已评议数', '已建成数', '建成率']);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.rowCount).toBe(api.byChild.length + 2);
    api.byChild.forEach((c: { org: { name: string }; eligible: number; evaluated: number; attained: number; ratio: number }, i: number) => {
      const row = rowValues(sheet, i + 2);
      expect([row[0], row[2], row[3], row[4], row[5]]).toEqual([c.org.name, c.eligible, c.evaluated, c.attained, c.ratio]);
    });
    const bus = api.byChild.findIndex((c: { org: { name: string } }) => c.org.name === '市公交集团党委');
    expect(rowValues(sheet, bus + 2)).toEqual(['市公交集团党委', '党委', 5, 1, 1, 0.2]);
    expect(sheet.getCell(`F${bus + 2}`).numFmt).toBe('0.0%');
    expect(rowValues(sheet, sheet.rowCount)).toEqual(['合计', '', 31, 1, 1, api.ratio]);
    const lagging = wb.getWorksheet('工作不力单位')!;
    expect(rowValues(lagging, 1)).toEqual(['序号', '组织', '上级组织', '类型', '单位类别', '总分', '等级', '状态']);
    expect(lagging.rowCount - 1).toBe(api.lagging.nodes.length);
    expect(lagging.getRow(2).getCell(2).value).toBe(api.lagging.nodes[0].org.name);
    expect(lagging.getRow(2).getCell(8).value).toBe('未评议');

    const under = await get(`/exports/campaigns/${campaignId}/progress?under=${ids['市公交集团党委']}`, supervisor);
    const busSheet = (await workbookOf(under.body)).getWorksheet('创建进度')!;
    expect(rowValues(busSheet, busSheet.rowCount)).toEqual(['合计', '', 5, 1, 1, 0.2]);
    const busRows = Array.from({ length: busSheet.rowCount - 1 }, (_, i) => rowValues(busSheet, i + 2));
    expect(busRows.find((r) => r[0] === '第一车队党支部')).toEqual(['第一车队党支部', '党支部', 1, 1, 1, 1]);
    expect(busRows.filter((r) => r[0] !== '合计').map((r) => r[2])).toEqual([1, 1, 1, 1, 1]);
    expect((await get(`/exports/campaigns/${campaignId}/progress?under=${ids['市公交集团党委']}`, secretary2)).status).toBe(404);
    expect((await get(`/exports/campaigns/${campaignId}/progress`, foreign)).status).toBe(404);
    expect((await get(`/exports/campaigns/${campaignId}/progress?asOf=yesterday`, admin)).json().errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'asOf',
    });
  });

  let inspectionId: string;
  it('exports an inspection with its findings and rectifications, and the annual assessment table, as the API computes them', async () => {
    const inspectorId = (await gql(`{ users(search: "inspector") { nodes { id } } }`, {}, admin)).data.users.nodes[0].id;
    const team = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      { input: { name: '第一督导组', leaderId: inspectorId, scopeOrgIds: [ids['市公交集团党委']], campaignId } },
      leader,
    );
    const recorded = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      {
        input: {
          idempotencyKey: 'export-inspection-1',
          teamId: team.data.createSupervisionTeam.id,
          orgId: ids['第一车队党支部'],
          inspectedOn: day(-2),
          methods: ['BRIEFING', 'LEDGER_REVIEW'],
          summary: '听取汇报，查阅管理台帐。',
          findings: [
            { severity: 'SERIOUS', description: '管理台帐不全', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) },
            { severity: 'MINOR', description: '公开栏未更新', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(-2) },
          ],
        },
      },
      inspector,
    );
    inspectionId = recorded.data.recordInspection.id;
    const finalized = await gql(
      `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { findings { severityLabel description rectifyDueOn rectification { state overdue } } } }`,
      { id: inspectionId },
      inspector,
    );
    const findings = finalized.data.finalizeInspection.findings;

    const res = await get(`/exports/inspections/${inspectionId}`, supervisor);
    expect(res.status).toBe(200);
    const wb = await workbookOf(res.body);
    const info = wb.getWorksheet('督查记录')!;
    expect(rowValues(info, 2)).toEqual(['督查对象', '第一车队党支部']);
    expect(asDay(info.getCell('B4').value)).toBe(day(-2));
    expect(rowValues(info, 5)).toEqual(['督查方式', '听取汇报、查阅台帐']);
    const list = wb.getWorksheet('问题清单')!;
    expect(rowValues(list, 1)).toEqual(['序号', '严重程度', '问题描述', '整改单位', '整改期限', '整改状态', '是否逾期']);
    findings.forEach(
      (f: { severityLabel: string; description: string; rectifyDueOn: string; rectification: { overdue: boolean } }, i: number) => {
        expect(rowValues(list, i + 2).map(asDay)).toEqual([
          i + 1,
          f.severityLabel,
          f.description,
          '第一车队党支部',
          f.rectifyDueOn,
          '待整改',
          f.rectification.overdue ? '是' : '否',
        ]);
      },
    );
    expect(rowValues(list, 3)[6]).toBe('是');
    for (const token of [secretary2, foreign]) expect((await get(`/exports/inspections/${inspectionId}`, token)).status).toBe(404);

    await gql(
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
    const ranking = (
      await gql(
        `query($u: ID!, $y: Int!) { assessmentRanking(under: $u, year: $y) { nodes { rank total org { name } components { label points } } } }`,
        { u: ids['市公交集团党委'], y: YEAR },
        supervisor,
      )
    ).data.assessmentRanking.nodes;
    const table = await get(`/exports/assessments/${ids['市公交集团党委']}?year=${YEAR}`, supervisor);
    expect(table.status).toBe(200);
    expect(table.disposition).toContain(encodeURIComponent(`市公交集团党委-${YEAR}年度党建目标考核.xlsx`));
    const sheet = (await workbookOf(table.body)).worksheets[0];
    expect(rowValues(sheet, 1)).toEqual([
      '名次',
      '组织',
      '类型',
      '总分',
      '创建活动成绩',
      '基础分',
      '督查问题扣分',
      '整改逾期扣分',
      '通报批评扣分',
      '通报表扬加分',
      '计分说明',
    ]);
    expect(sheet.rowCount).toBe(ranking.length + 1);
    ranking.forEach((r: { rank: number; total: number; org: { name: string }; components: { points: number }[] }, i: number) => {
      expect(rowValues(sheet, i + 2).slice(0, 10)).toEqual([r.rank, r.org.name, '党支部', r.total, ...r.components.map((c) => c.points)]);
    });
    // 第一车队: 100 × 0.5 + 50 − (5 + 1) − 2 (the MINOR one is past due) = 92
    expect(rowValues(sheet, 2).slice(0, 4)).toEqual([1, '第一车队党支部', '党支部', 92]);
    expect((await get(`/exports/assessments/${ids['市公交集团党委']}?year=${YEAR}`, secretary)).status).toBe(404);
    expect((await get(`/exports/assessments/${ids['市公交集团党委']}?year=20x6`, supervisor)).json().errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'year',
    });
    expect((await get(`/exports/assessments/${ids['市公交集团党委']}?year=${YEAR}`)).status).toBe(401);
  });

  // ── imports ──────────────────────────────────────────────────────────────────────────────────────
  it('refuses a bad org file as a whole, reporting every bad row with its row number and column', async () => {
    const before = await count(su, 'orgs');
    const file = await xlsxOf([
      ['组织名称', '组织类型', '单位类别', '上级组织'],
      ['新能源车队党支部', '党支部', '企业', '市公交集团党委'],
      ['', '党支部', '企业', '市公交集团党委'],
      ['维修班党支部', '党小组', '企业', '市公交集团党委'],
      ['第二分队党支部', 'BRANCH', 'ENTERPRISE', '第一车队党支部'],
      ['乘务党支部', '党支部', '企业', '不存在的党委'],
      ['第二车队党支部', '党支部', '企业', '市公交集团党委'],
      ['调度党支部', '党支部', '国企', '市公交集团党委/第三车队党支部/x'],
    ]);
    const res = await post('/imports/orgs', file, XLSX, admin);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'IMPORT_INVALID' });
    const problems = res.json.errors[0].extensions.problems.map((p: { row: number; column: string }) => [p.row, p.column]);
    expect(problems).toEqual([
      [3, '组织名称'],
      [4, '组织类型'],
      [5, '组织类型'],
      [6, '上级组织'],
      [7, '组织名称'],
      [8, '单位类别'],
      [8, '上级组织'],
    ]);
    expect(await count(su, 'orgs')).toBe(before);
    // secretaries do not import; nor does anyone without a token
    expect((await post('/imports/orgs', file, XLSX, secretary)).status).toBe(403);
    expect((await post('/imports/orgs', file, XLSX)).status).toBe(401);
    const json = await post('/imports/orgs', '{"a":1}', 'application/json', admin);
    expect(json.status).toBe(415);
    expect(await count(su, 'orgs')).toBe(before);
  });

  it('validates a good file with dryRun=true without writing, then applies a good .xlsx in one transaction', async () => {
    const before = await count(su, 'orgs');
    const file = await xlsxOf([
      ['组织名称', '组织类型', '单位类别', '上级组织'],
      ['市公交集团新能源公司党委', '党委', '企业', '中共市交通运输局党委/市公交集团党委'],
      ['充电运维党支部', 'BRANCH', '企业', '市公交集团新能源公司党委'],
      ['新能源车队党总支', '党总支', 'ENTERPRISE', '市公交集团新能源公司党委'],
      ['新能源一车队党支部', '党支部', '企业单位', '新能源车队党总支'],
    ]);
    const dry = await post('/imports/orgs?dryRun=true', file, XLSX, admin);
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ dryRun: true, rows: 4, created: 0 });
    expect(await count(su, 'orgs')).toBe(before);
    const applied = await post('/imports/orgs', file, XLSX, admin);
    expect(applied.status).toBe(201);
    expect(applied.json).toMatchObject({ dryRun: false, rows: 4, created: 4 });
    expect(await count(su, 'orgs')).toBe(before + 4);
    const tree = await gql(
      `query($id: ID!) { org(id: $id) { name kind category parent { name } children { nodes { name kind children { nodes { name } } } } } }`,
      { id: applied.json.items[0].id },
      admin,
    );
    const { children: page, ...top } = tree.data.org;
    const children = page.nodes.map((c: { children: { nodes: unknown[] } }) => ({ ...c, children: c.children.nodes }));
    expect(top).toEqual({
      name: '市公交集团新能源公司党委',
      kind: 'COMMITTEE',
      category: 'ENTERPRISE',
      parent: { name: '市公交集团党委' },
    });
    expect(children.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name))).toEqual(
      [
        { name: '充电运维党支部', kind: 'BRANCH', children: [] },
        { name: '新能源车队党总支', kind: 'GENERAL_BRANCH', children: [{ name: '新能源一车队党支部' }] },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
    // the same file again: every row already exists, nothing changes
    const again = await post('/imports/orgs', file, XLSX, admin);
    expect(again.status).toBe(400);
    expect(again.json.errors[0].extensions.problems).toHaveLength(4);
    expect(await count(su, 'orgs')).toBe(before + 4);
    // one applied import; the dry run and the refused ones are recorded as such (issue 15)
    const appliedLog = await gql(`{ auditLog(action: "importOrgs", outcome: SUCCESS) { nodes { data } } }`, {}, admin);
    expect(appliedLog.data.auditLog.nodes.filter((n: { data: { input?: unknown } }) => n.data.input)).toHaveLength(1);
  });

  it('imports users from a .csv (UTF-8 with BOM, quoted fields): bad rows refused all together, a good file applied with roles and passwords', async () => {
    const before = await count(su, 'users');
    const bad =
      '\uFEFF用户名,姓名,所属组织,角色,初始密码\n' +
      'zhang.san,张三,第一车队党支部,书记,Passw0rd-1\n' +
      'secretary,重名,第一车队党支部,党员,Passw0rd-2\n' +
      'li si,李四,第一车队党支部,党员,Passw0rd-3\n' +
      'wang.wu,王五,第一车队党支部,队长,short\n' +
      'zhao.liu,,不存在,党员,Passw0rd-4\n';
    const refused = await post('/imports/users', bad, 'text/csv', admin);
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].extensions.problems.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([
      [3, '用户名'],
      [4, '用户名'],
      [5, '角色'],
      [5, '初始密码'],
      [6, '姓名'],
      [6, '所属组织'],
    ]);
    expect(await count(su, 'users')).toBe(before);

    const good =
      '\uFEFF用户名,姓名,所属组织,角色,初始密码\r\n' +
      'zhang.san,"张三（书记）",市公交集团党委/第二车队党支部,书记,Passw0rd-1\r\n' +
      'li.si,李四,充电运维党支部,MEMBER,"Pass,word""2"\r\n';
    expect((await post('/imports/users?dryRun=1', good, 'text/csv; charset=utf-8', admin)).json).toMatchObject({
      dryRun: true,
      created: 0,
    });
    expect(await count(su, 'users')).toBe(before);
    const applied = await post('/imports/users', good, 'text/csv; charset=utf-8', admin);
    expect(applied.status).toBe(201);
    expect(applied.json).toMatchObject({
      created: 2,
      items: [
        { row: 2, name: 'zhang.san' },
        { row: 3, name: 'li.si' },
      ],
    });
    expect(await count(su, 'users')).toBe(before + 2);
    // imported with an initial password, which is changed at the first sign-in
    const login = await firstSignIn<{ viewer: { username: string } }>(server.url, 'jtj', 'li.si', 'Pass,word"2', 'viewer { username }');
    expect(login.viewer.username).toBe('li.si');
    const user = await gql(
      `query($s: String) { users(search: $s) { nodes { displayName org { name } roles { role org { name } } } } }`,
      { s: 'zhang.san' },
      admin,
    );
    expect(user.data.users.nodes).toEqual([
      { displayName: '张三（书记）', org: { name: '第二车队党支部' }, roles: [{ role: 'SECRETARY', org: { name: '第二车队党支部' } }] },
    ]);
    // a foreign tenant's admin cannot reach jtj's orgs by name
    const foreignTry = await post(
      '/imports/users',
      '用户名,姓名,所属组织,角色,初始密码\nx.y,某,第一车队党支部,党员,Passw0rd-9\n',
      'text/csv',
      foreign,
    );
    expect(foreignTry.json.errors[0].extensions.problems).toEqual([expect.objectContaining({ row: 2, column: '所属组织' })]);
    expect(await count(su, 'users')).toBe(before + 2);
  });

  it('refuses a file with a field in two columns (a header twice, or a header and its alias), naming both, and writes nothing', async () => {
    const users = await count(su, 'users');
    const twice = '用户名,姓名,所属组织,角色,初始密码,初始密码\n' + 'dup.cols,重复列,第一车队党支部,党员,Passw0rd-1,Passw0rd-2\n';
    const res = await post('/imports/users', twice, 'text/csv', admin);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.problems).toEqual([
      expect.objectContaining({
        row: 1,
        column: '初始密码',
        reason: 'IMPORT_COLUMN_REPEATED',
        message: '“初始密码”列与“初始密码”列重复：每项只能有一列',
      }),
    ]);
    expect(await count(su, 'users')).toBe(users);
    const orgs = await count(su, 'orgs');
    const alias = await xlsxOf([
      ['组织名称', '组织类型', '单位类别', '上级组织', '上级党组织'],
      ['重复列党支部', '党支部', '企业', '市公交集团党委', '第一车队党支部'],
    ]);
    const refused = await post('/imports/orgs', alias, XLSX, admin);
    expect(refused.status).toBe(400);
    expect(
      refused.json.errors[0].extensions.problems.map((p: { row: number; column: string; reason: string }) => [p.row, p.column, p.reason]),
    ).toEqual([[1, '上级党组织', 'IMPORT_COLUMN_REPEATED']]);
    expect(await count(su, 'orgs')).toBe(orgs);
  });

  it('reads a GB18030 .csv, and refuses one mixing UTF-8 and GB18030 text with CSV_MIXED_ENCODING and its row, writing nothing', async () => {
    const before = await count(su, 'users');
    const gbk = (hex: string) => Buffer.from(hex, 'hex');
    // 用户名,姓名,所属组织,角色,初始密码 / 张三 / 第一车队党支部 / 党员, as a Chinese Excel saves "CSV"
    const header = gbk('d3c3bba7c3fb2cd0d5c3fb2ccbf9caf4d7e9d6af2cbdc7c9ab2cb3f5cabcc3dcc2eb0a');
    const pure = Buffer.concat([
      header,
      Buffer.from('gbk.user,'),
      gbk('d5c5c8fd'),
      Buffer.from(','),
      gbk('b5dad2bbb3b5b6d3b5b3d6a7b2bf'),
      Buffer.from(','),
      gbk('b5b3d4b1'),
      Buffer.from(',Passw0rd-9\n'),
    ]);
    const dry = await post('/imports/users?dryRun=true', pure, 'text/csv', admin);
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ dryRun: true, rows: 1, items: [{ row: 2, name: 'gbk.user' }] });
    // a UTF-8 name beside a GB18030 org in one file: read as GB18030 the name would be garbled
    const mixed = Buffer.concat([
      Buffer.from('username,displayName,org,role,password\nmixed.enc,编码混合测试,'),
      gbk('b5dad2bbb3b5b6d3b5b3d6a7b2bf'),
      Buffer.from(',MEMBER,Passw0rd-9\n'),
    ]);
    const refused = await post('/imports/users', mixed, 'text/csv', admin);
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CSV_MIXED_ENCODING', row: 2 });
    expect(refused.json.errors[0].message).toMatch(/^CSV 文件混用了不同的文字编码（第 2 行与其余部分不同）/);
    // a UTF-8 BOM, then a row that is not UTF-8
    const bom = Buffer.concat([
      Buffer.from('\uFEFFusername,displayName,org,role,password\nbom.user,x,'),
      gbk('b5dad2bbb3b5b6d3b5b3d6a7b2bf'),
      Buffer.from(',MEMBER,Passw0rd-9\n'),
    ]);
    const bomRefused = await post('/imports/users', bom, 'text/csv', admin);
    expect(bomRefused.status).toBe(400);
    expect(bomRefused.json.errors[0].extensions).toMatchObject({ reason: 'CSV_MIXED_ENCODING', row: 2 });
    expect(await count(su, 'users')).toBe(before);
  });

  it('refuses a cell holding a NUL or a lone surrogate (a .csv NUL, an .xlsx &#xD800;), naming its row and column, writing nothing', async () => {
    const before = await count(su, 'users');
    const nul = '用户名,姓名,所属组织,角色,初始密码\nnul.user,张\u0000三,第一车队党支部,党员,Passw0rd-9\n';
    const res = await post('/imports/users', nul, 'text/csv', admin);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CELL_INVALID_CHARACTER', row: 2, column: 'B' });
    expect(res.json.errors[0].message).toBe('第 2 行 B 列含有无法保存的字符（如空字符 NUL 或残缺的 Unicode 代理字符）');
    // written as a character reference, which no XML text may hold
    const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    const heads = ['用户名', '姓名', '所属组织', '角色', '初始密码'].map((h, c) => cell(`${'ABCDE'[c]}1`, h)).join('');
    const values = ['surrogate.user', '李&#xD800;四', '第一车队党支部', '党员', 'Passw0rd-9']
      .map((v, c) => cell(`${'ABCDE'[c]}2`, v))
      .join('');
    const xlsx = zip(workbookParts({ data: sheetXml(`<row r="1">${heads}</row><row r="2">${values}</row>`) }));
    const lone = await post('/imports/users', xlsx, XLSX, admin);
    expect(lone.status).toBe(400);
    expect(lone.json.errors[0].extensions).toMatchObject({ reason: 'CELL_INVALID_CHARACTER', row: 2, column: 'B' });
    expect(await count(su, 'users')).toBe(before);
  });

  it('answers the file routes in the asked language like /graphql, each import problem with its reason and parameters', async () => {
    const csv = '组织名称,组织类型,单位类别,上级组织\n维修班党支部,党小组,企业,市公交集团党委\n,党支部,企业,不存在的党委\n';
    const zh = await post('/imports/orgs', csv, 'text/csv', admin);
    expect(zh.status).toBe(400);
    expect(zh.json.errors[0]).toMatchObject({
      message: '导入文件有 3 处问题，未导入任何数据（逐行问题见 problems）',
      extensions: { code: 'BAD_USER_INPUT', reason: 'IMPORT_INVALID', count: 3 },
    });
    expect(zh.json.errors[0].extensions.problems).toEqual([
      {
        path: 'row 2, 组织类型',
        row: 2,
        column: '组织类型',
        reason: 'IMPORT_UNKNOWN_KIND',
        value: '党小组',
        labels: '党委、党总支、党支部',
        codes: 'COMMITTEE, GENERAL_BRANCH, BRANCH',
        message: '未知的组织类型“党小组”（应为党委、党总支、党支部，或 COMMITTEE, GENERAL_BRANCH, BRANCH）',
      },
      { path: 'row 3, 组织名称', row: 3, column: '组织名称', reason: 'IMPORT_VALUE_REQUIRED', message: '请填写“组织名称”' },
      {
        path: 'row 3, 上级组织',
        row: 3,
        column: '上级组织',
        reason: 'IMPORT_ORG_UNKNOWN',
        value: '不存在的党委',
        message: '您的权限范围内没有组织“不存在的党委”（上级组织须已存在，或在前面的行中）',
      },
    ]);
    const en = await post('/imports/orgs', csv, 'text/csv', admin, 'en-US,en;q=0.9');
    expect(en.json.errors[0].message).toBe('The file has 3 problem(s); nothing was imported (see problems, row by row)');
    expect(en.json.errors[0].extensions.problems.map((p: { message: string }) => p.message)).toEqual([
      'Unknown org kind “党小组” (one of COMMITTEE, GENERAL_BRANCH, BRANCH, or 党委、党总支、党支部)',
      '组织名称 is required',
      'No org “不存在的党委” in your scope (a parent must exist or come in an earlier row)',
    ]);
    // the upload gate, a download's query and a missing token speak the same language
    const media = await post('/imports/users', '{}', 'application/json', admin, 'en');
    expect(media.status).toBe(415);
    expect(media.json.errors[0].message).toBe(
      'Send the file itself with Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or text/csv',
    );
    expect((await post('/imports/users', '{}', 'application/json', admin)).json.errors[0].message).toMatch(
      /^请直接上传 \.xlsx 或 CSV 文件本身/,
    );
    const year = `/exports/assessments/${ids['市公交集团党委']}?year=20x6`;
    expect((await get(year, admin)).json().errors[0].message).toBe('年度须为 2000 至 2100 之间的四位数字');
    expect((await get(year, admin, 'en')).json().errors[0].message).toBe('year is a four-digit year between 2000 and 2100');
    expect((await get(year, undefined, 'en')).json().errors[0]).toMatchObject({
      message: 'Sign-in required',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await get(year)).json().errors[0].message).toBe('请先登录');
    expect((await get(year, secretary, 'en')).json().errors[0]).toMatchObject({
      message: 'Org not found',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('accepts import files up to 5 MB on the import routes only; the GraphQL body limit stays 1 MB', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 0x41);
    const tooBig = await post('/imports/orgs', big, 'text/csv', admin);
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    // 2 MB within every bound of the file's shape (5,000 rows of 400-character names) is read; its names are too long
    const twoMb = await post(
      '/imports/orgs',
      `组织名称,组织类型,单位类别,上级组织\n${`${'x'.repeat(400)},党支部,企业,市公交集团党委\n`.repeat(5000)}`,
      'text/csv',
      admin,
    );
    expect(twoMb.status).toBe(400);
    expect(twoMb.json.errors[0].extensions.problems).toHaveLength(5000);
    expect(twoMb.json.errors[0].extensions.problems[0]).toMatchObject({ row: 2, column: '组织名称' });
    const gqlBig = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(gqlBig.status).toBe(413);
  });

  it('refuses each import row deeper than 16 levels with IMPORT_ORG_TOO_DEEP (a 1,600-row chain, nothing written); 16 levels import; createOrg and moveOrg hold the bound', async () => {
    const HEADER = '组织名称,组织类型,单位类别,上级组织\n';
    const chain = (prefix: string, rows: number, top: string) =>
      HEADER + Array.from({ length: rows }, (_, i) => `${prefix}${i + 1},党委,机关,${i ? `${prefix}${i}` : top}\n`).join('');
    const depthOf = async (id: string) => (await su.query<{ depth: number }>(`SELECT depth FROM orgs WHERE id = $1`, [id])).rows[0].depth;
    const top = ids['市公交集团党委'];
    const d = await depthOf(Buffer.from(top, 'base64url').toString().split(':')[1]);
    expect(d).toBe(2);
    const orgsBefore = await count(su, 'orgs');
    // each row passes every other check: every org each row would put below level 16 is a problem of its row
    const deep = chain('n', 1600, '市公交集团党委');
    for (const path of ['/imports/orgs?dryRun=true', '/imports/orgs']) {
      const res = await post(path, deep, 'text/csv', admin);
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'IMPORT_INVALID', count: 1600 - (16 - d) });
      const problems = res.json.errors[0].extensions.problems;
      expect(problems[0]).toEqual({
        path: 'row 16, 上级组织',
        row: 16,
        column: '上级组织',
        reason: 'IMPORT_ORG_TOO_DEEP',
        limit: 16,
        parent: 'n14',
        message: '组织层级最多 16 级：n14下不能再设下级组织',
      });
      expect(problems.every((p: { reason: string }) => p.reason === 'IMPORT_ORG_TOO_DEEP')).toBe(true);
      expect(problems.at(-1)).toMatchObject({ row: 1601, parent: 'n1599' });
    }
    const en = await post('/imports/orgs?dryRun=true', deep, 'text/csv', admin, 'en');
    expect(en.json.errors[0].extensions.problems[0].message).toBe('The org tree has at most 16 levels: no org can sit under n14');
    expect(await count(su, 'orgs')).toBe(orgsBefore);

    // a chain down to level 16 imports (dry run first), its deepest org at 16
    const within = chain('m', 16 - d, '市公交集团党委');
    const dry = await post('/imports/orgs?dryRun=true', within, 'text/csv', admin);
    expect(dry.json).toMatchObject({ dryRun: true, rows: 14, created: 0 });
    const applied = await post('/imports/orgs', within, 'text/csv', admin);
    expect(applied.status).toBe(201);
    expect(applied.json).toMatchObject({ dryRun: false, rows: 14, created: 14 });
    expect(await count(su, 'orgs')).toBe(orgsBefore + 14);
    const [m1, m2, m14] = (
      await su.query<{ id: string; name: string; depth: number }>(`SELECT id, name, depth FROM orgs WHERE name = ANY($1) ORDER BY depth`, [
        ['m1', 'm2', 'm14'],
      ])
    ).rows;
    expect([m1.depth, m2.depth, m14.depth]).toEqual([3, 4, 16]);
    // one row under the level-16 org that exists now: refused the same way
    const below = await post('/imports/orgs', `${HEADER}m15,党支部,机关,m14\n`, 'text/csv', admin);
    expect(below.json.errors[0].extensions.problems).toEqual([
      expect.objectContaining({ row: 2, reason: 'IMPORT_ORG_TOO_DEEP', parent: 'm14' }),
    ]);

    // GraphQL: no org under level 16, and no move that would put the moved subtree's deepest org there
    const gid = (id: string) => globalId('Org', id);
    const CREATE = `mutation($p: ID!, $n: String!) { createOrg(input: { parentId: $p, name: $n, kind: COMMITTEE, category: ORGAN }) { id } }`;
    const tooDeep = await gql(CREATE, { p: gid(m14.id), n: 'm15' }, admin);
    expect(tooDeep.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'ORG_TOO_DEEP',
      limit: 16,
      field: 'input.parentId',
    });
    const side = await gql(CREATE, { p: gid(m1.id), n: 'm2b' }, admin);
    expect(side.errors).toBeUndefined();
    const MOVE = `mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { depth } }`;
    const moved = await gql(MOVE, { id: gid(m2.id), p: side.data.createOrg.id }, admin);
    expect(moved.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'ORG_TOO_DEEP',
      limit: 16,
      field: 'input.newParentId',
    });
    expect(await depthOf(m14.id)).toBe(16);
    // a move that keeps the deepest within 16 is made (m2's subtree one level up, under 市公交集团党委)
    const sideways = await gql(MOVE, { id: gid(m2.id), p: top }, admin);
    expect(sideways.errors).toBeUndefined();
    expect(sideways.data?.moveOrg).toEqual({ depth: 3 });
    expect(await depthOf(m14.id)).toBe(15);
    expect(await count(su, 'orgs')).toBe(orgsBefore + 15);
  });
  it('exports text that starts like a formula as text, and names with control characters as a file that opens', async () => {
    const hostile = [
      { title: '=HYPERLINK("http://evil.example","点此")', content: "+1+cmd|' /C calc'!A0", attachmentRefs: ['@SUM(A1:A9)'] },
      { title: '-2+3', content: '控制\u0001字符\u001f与', attachmentRefs: [] },
    ];
    for (const h of hostile) {
      const res = await gql(
        LEDGER,
        { input: { orgId: ids['第一车队党支部'], occurredOn: day(-1), category: 'OTHER', participants: 1, ...h } },
        secretary,
      );
      expect([h.title, res.errors]).toEqual([h.title, undefined]);
    }
    // a lone surrogate never gets in: refused as input
    const lone = await gql(
      LEDGER,
      { input: { orgId: ids['第一车队党支部'], occurredOn: day(-1), category: 'OTHER', title: '孤立\ud800代理' } },
      secretary,
    );
    expect(lone.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const res = await get(`/exports/ledger/${ids['第一车队党支部']}`, supervisor);
    expect(res.status).toBe(200);
    const sheet = (await workbookOf(res.body)).getWorksheet('管理台帐')!;
    const cells = [];
    for (let r = 2; r <= sheet.rowCount; r++) for (const c of [4, 5, 8]) cells.push(sheet.getRow(r).getCell(c));
    // no cell of the sheet is a formula; the hostile texts are strings as entered
    expect(cells.filter((c) => c.type === ExcelJS.ValueType.Formula)).toEqual([]);
    const texts = cells.map((c) => c.value);
    expect(texts).toEqual(
      expect.arrayContaining(['=HYPERLINK("http://evil.example","点此")', "+1+cmd|' /C calc'!A0", '@SUM(A1:A9)', '-2+3']),
    );
    for (const t of ['=HYPERLINK("http://evil.example","点此")', '-2+3'])
      expect(cells.find((c) => c.value === t)!.type).toBe(ExcelJS.ValueType.String);
    // control characters are stored but left out of the file, which opened above
    expect(texts).toContain('控制字符与');
  });
});
