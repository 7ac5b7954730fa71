import { chineseDate } from '../src/graphql/messages';
import { Para, attrOf, readDocument, unzip } from './helpers/docx';
import { globalId, rawId, unknownId } from './helpers/ids';
import { authenticate, createRequestContext } from '../src/graphql/context';
import { orgService } from '../src/modules/org/org.service';
import { planArchive } from '../src/modules/document/archive';
import { TestServer, startTestServer, tokens } from './helpers/server';
import { tenantToday } from './helpers/sql';
import { doSelfCheck } from './helpers/self-check';
import { orgIds } from './helpers/story';
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';

/**
 * What the server writes for people to file and print (issue 14): official documents (.docx) and an
 * org's year archive (.zip with its index). Each part with its own server.
 */

type Tokens = Record<'admin' | 'leader' | 'supervisor' | 'secretary' | 'secretary2' | 'member' | 'inspector', string>;

/** A figure as the API gives it, written as a person reads it: two decimals at most, no trailing zeros. */
const fig = (n: number) => String(Math.round(n * 100) / 100 || 0);
const CN_DATE = /^[〇一二三四五六七八九]{4}年[一二三四五六七八九十]+月[一二三四五六七八九十]+日$/;
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * 公文 (issue 13, part 2): each document is downloaded over HTTP as the API's own users, opened (unzipped,
 * its XML parsed) and checked against GB/T 9704-2012 (A4, margins, 22 lines of 28 characters, fonts and
 * sizes, the red 发文机关标志 and rule, the 发文字号, the date in Chinese numerals, page numbers) and
 * against the API: every figure in it equals the API's figure for the same record. Denied as the data is.
 */
describe('official documents', () => {
  let server: TestServer;
  let t: Tokens;
  let foreign: string;
  let orgs: Record<string, string>;
  let campaignId: string;
  let today: string;

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      disposition: res.headers.get('content-disposition'),
      body: Buffer.from(await res.arrayBuffer()),
    };
  };
  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await server.gql(query, variables, token);
    if (!res.data || res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };

  /** Downloads and opens a document, and checks the layout every document shares. */
  async function open(path: string, token: string, mark = '中共市交通运输局委员会文件') {
    const res = await get(path, token);
    expect(res.status).toBe(200);
    expect(res.type).toBe(DOCX);
    const parts = unzip(res.body);
    const documentXml = parts.get('word/document.xml')!.toString('utf8');
    const doc = readDocument(documentXml);
    // A4 and the margins in twips: 37 mm top, 35 bottom, 28 left, 26 right
    expect(attrOf(doc.sectPr, 'w:pgSz', 'w:w')).toBe('11906');
    expect(attrOf(doc.sectPr, 'w:pgSz', 'w:h')).toBe('16838');
    expect(attrOf(doc.sectPr, 'w:pgMar', 'w:top')).toBe('2098');
    expect(attrOf(doc.sectPr, 'w:pgMar', 'w:bottom')).toBe('1984');
    expect(attrOf(doc.sectPr, 'w:pgMar', 'w:left')).toBe('1587');
    expect(attrOf(doc.sectPr, 'w:pgMar', 'w:right')).toBe('1474');
    // 22 lines of 28 characters: line pitch 225 mm / 22, character pitch 156 mm / 28 against 3号 (16 pt)
    expect(attrOf(doc.sectPr, 'w:docGrid', 'w:type')).toBe('linesAndChars');
    const linePitch = Number(attrOf(doc.sectPr, 'w:docGrid', 'w:linePitch'));
    expect(Math.floor(((297 - 37 - 35) * 1440) / 25.4 / linePitch)).toBe(22);
    const charPitch = 16 + Number(attrOf(doc.sectPr, 'w:docGrid', 'w:charSpace')) / 4096; // points
    expect(Math.round((((210 - 28 - 26) / 25.4) * 72) / charPitch)).toBe(28);
    // the 发文机关标志 in red 方正小标宋简体, the red rule below the 发文字号
    const first = doc.paragraphs[0];
    expect(first.text).toBe(mark);
    expect(first.runs[0]).toMatchObject({ font: '方正小标宋简体', color: 'FF0000' });
    const rule = doc.paragraphs.find((p) => /<w:bottom [^>]*w:color="FF0000"/.test(p.pPr));
    expect(rule).toBeDefined();
    // the title in 2号 (22 pt) 方正小标宋简体, the body in 3号 (16 pt) 仿宋_GB2312
    const title = doc.paragraphs.find((p) => p.runs.some((r) => r.size === 44))!;
    expect(title.runs.every((r) => r.font === '方正小标宋简体')).toBe(true);
    // the body runs from the title to the 成文日期 (the 版记 below it is 4号 by the standard)
    const dated = doc.paragraphs.findIndex((p) => CN_DATE.test(p.text));
    expect(dated).toBeGreaterThan(doc.paragraphs.indexOf(title));
    const bodyRuns = doc.paragraphs
      .slice(doc.paragraphs.indexOf(title) + 1, dated + 1)
      .flatMap((p) => p.runs)
      .filter((r) => r.text.trim());
    expect(bodyRuns.length).toBeGreaterThan(0);
    expect(bodyRuns.every((r) => r.size === 32)).toBe(true);
    expect(new Set(bodyRuns.map((r) => r.font))).toEqual(
      new Set([
        '仿宋_GB2312',
        ...(bodyRuns.some((r) => r.font === '黑体') ? ['黑体'] : []),
        ...(bodyRuns.some((r) => r.font === '楷体_GB2312') ? ['楷体_GB2312'] : []),
      ]),
    );
    // level-1 headings in 黑体, level-2 in 楷体_GB2312
    for (const p of doc.paragraphs) {
      if (/^[一二三四五六七八九十]+、/.test(p.text)) expect(p.runs[0].font).toBe('黑体');
      if (/^（[一二三四五六七八九十]+）/.test(p.text)) expect(p.runs[0].font).toBe('楷体_GB2312');
    }
    // page numbers: 4号 半角 宋体, — N — , odd pages right and even pages left, one character in
    expect(parts.get('word/settings.xml')!.toString('utf8')).toContain('<w:evenAndOddHeaders/>');
    const footers = [...parts.keys()].filter((k) => /^word\/footer\d+\.xml$/.test(k)).map((k) => parts.get(k)!.toString('utf8'));
    expect(footers).toHaveLength(2);
    const sides = footers.map((f) => attrOf(f, 'w:jc', 'w:val')).sort();
    expect(sides).toEqual(['left', 'right']);
    for (const footer of footers) {
      expect(footer).toContain('<w:instrText xml:space="preserve">PAGE</w:instrText>');
      expect(attrOf(footer, 'w:rFonts', 'w:ascii')).toBe('宋体');
      expect(attrOf(footer, 'w:sz', 'w:val')).toBe('28');
      expect(footer).toMatch(/>— <\/w:t>[\s\S]*PAGE[\s\S]*> —<\/w:t>/);
    }
    // fonts are named, not embedded
    expect([...parts.keys()].some((k) => /\.(odttf|ttf)$/i.test(k))).toBe(false);
    return { ...doc, parts, title: title.text, find: (re: RegExp) => doc.paragraphs.find((p: Para) => re.test(p.text)) };
  }

  const dateLine = (doc: { paragraphs: Para[] }) => doc.paragraphs.filter((p) => CN_DATE.test(p.text));

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    t = await tokens(server, 'jtj', ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'member', 'inspector']);
    foreign = await server.token('szjg', 'admin');
    orgs = await orgIds(server, 'jtj');
    campaignId = (await gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, t.admin)).campaigns.nodes[0].id;
    today = await tenantToday(await server.superuser());
  }, 90_000);
  afterAll(() => server.close());

  it('通报: from a notice drafted from the lagging orgs, with every org it names and its figures as the API has them', async () => {
    const drafted = await gql(
      `mutation($input: DraftNoticeFromLaggingInput!) { draftNoticeFromLagging(input: $input) { id } }`,
      { input: { campaignId, first: 5 } },
      t.admin,
    );
    const id = drafted.draftNoticeFromLagging.id;
    await gql(`mutation($input: IssueNoticeInput!) { issueNotice(input: $input) { state } }`, { input: { id } }, t.admin);
    const read = async (token: string) =>
      (await gql(`query($id: ID!) { notice(id: $id) { title body issuedOn basis subjects { id name } } }`, { id }, token)).notice;
    const notice = await read(t.admin);
    const doc = await open(`/documents/notices/${id}`, t.admin);
    expect(doc.title).toBe(notice.title);
    // the demo issued one notice this year before: this is the second (发文字号 交党〔year〕2号)
    expect(doc.find(/〔\d{4}〕/)!.text).toBe(`交党〔${today.slice(0, 4)}〕2号`);
    expect(doc.text).toContain(notice.body);
    expect(doc.find(/^通报依据/)!.text).toContain(`应创建基层党组织${notice.basis.eligible}个，已建成${notice.basis.attained}个`);
    const names = new Map(notice.subjects.map((o: { id: string; name: string }) => [o.id, o.name]));
    const rows = doc.tables[0].slice(1);
    expect(rows.map((r) => [r[1], r[2]])).toEqual(
      notice.basis.lagging.map((l: { orgId: string; total: number | null }) => [
        names.get(globalId('Org', l.orgId)),
        l.total === null ? '未评议' : fig(l.total),
      ]),
    );
    expect(dateLine(doc).map((p) => p.text)).toEqual([chineseDate(notice.issuedOn, true)]);
    expect(doc.find(/印发$/)!.text).toContain(`${chineseDate(notice.issuedOn)}印发`);
    // a member reads the issued notice, but of the orgs it names only those in its own sight: so does its copy
    const seen = await read(t.member);
    const copy = await open(`/documents/notices/${id}`, t.member);
    expect(copy.tables[0].slice(1).map((r) => r[1])).toEqual(seen.subjects.map((o: { name: string }) => o.name));
  });

  it('简报: the published briefing, numbered by issue, its attachments listed', async () => {
    const briefing = (
      await gql(
        `query($under: ID!) { briefings(under: $under, first: 5, state: PUBLISHED) { nodes { id title body briefingOn files { name } } } }`,
        { under: orgs['第一车队党支部'] },
        t.supervisor,
      )
    ).briefings.nodes[0];
    const doc = await open(`/documents/briefings/${briefing.id}`, t.supervisor, '第一车队党支部简报');
    expect(doc.title).toBe(briefing.title);
    expect(doc.find(/期$/)!.text).toBe(`${briefing.briefingOn.slice(0, 4)}年第1期`);
    expect(doc.text).toContain(briefing.body);
    expect(doc.find(/^附件：/)!.text).toBe(`附件：${briefing.files[0].name}`);
    expect(dateLine(doc).map((p) => p.text)).toContain(chineseDate(briefing.briefingOn, true));
    expect(doc.find(/^报：/)!.text).toBe('报：市公交集团党委。');
  });

  it('督查报告: the finalized inspection, its findings, the rectifications they ordered and its record hash', async () => {
    const inspection = (
      await gql(
        `{ inspections(first: 5, state: FINALIZED) { nodes { id inspectedOn summary recordHash methodLabels team { name } org { name }
             findings { description severityLabel files { name } rectification { dueOn stateLabel ownerOrg { name } } } files { name } } } }`,
        {},
        t.inspector,
      )
    ).inspections.nodes[0];
    const doc = await open(`/documents/inspections/${inspection.id}`, t.inspector);
    expect(doc.title).toBe(`关于对${inspection.org.name}开展督查情况的报告`);
    expect(doc.find(/〔\d{4}〕/)!.text).toBe(`交党督〔${inspection.inspectedOn.slice(0, 4)}〕1号`);
    expect(doc.text).toContain(
      `${chineseDate(inspection.inspectedOn)}，${inspection.team.name}采取${inspection.methodLabels.join('、')}等方式`,
    );
    expect(doc.text).toContain(`共发现问题${inspection.findings.length}个`);
    inspection.findings.forEach((f: { description: string; severityLabel: string }, i: number) =>
      expect(doc.text).toContain(`${i + 1}.【${f.severityLabel}】${f.description}`),
    );
    const ordered = inspection.findings.filter((f: { rectification: unknown }) => f.rectification);
    expect(doc.tables[0].slice(1)).toEqual(
      ordered.map(
        (f: { description: string; rectification: { dueOn: string; stateLabel: string; ownerOrg: { name: string } } }, i: number) => [
          String(i + 1),
          f.description,
          f.rectification.ownerOrg.name,
          chineseDate(f.rectification.dueOn),
          f.rectification.stateLabel,
        ],
      ),
    );
    expect(doc.text).toContain(`记录哈希${inspection.recordHash}`);
    expect(doc.find(/^附件：/)!.text).toBe(`附件：${inspection.files[0].name}`);
    expect(doc.paragraphs.some((p) => p.text === '第一督导组')).toBe(true);
  });

  it('年度党建目标考核结果: every org of a subtree ranked, every component, each equal to assessmentRanking', async () => {
    const year = Number(today.slice(0, 4));
    const under = orgs['市公交集团党委'];
    const ranking = (
      await gql(
        `query($under: ID!, $year: Int!) { assessmentRanking(under: $under, year: $year, first: 100) { nodes { rank total org { name } components { label points detail } } } }`,
        { under, year },
        t.supervisor,
      )
    ).assessmentRanking.nodes;
    expect(ranking.length).toBeGreaterThan(1);
    const doc = await open(`/documents/assessments/${under}?year=${year}&subtree=true`, t.supervisor);
    expect(doc.title).toBe(`关于${year}年度党建目标考核结果的通报`);
    const [header, ...rows] = doc.tables[0];
    expect(header).toEqual(['名次', '单位', '总分', ...ranking[0].components.map((c: { label: string }) => c.label)]);
    expect(rows).toEqual(
      ranking.map((r: { rank: number; total: number; org: { name: string }; components: { points: number }[] }) => [
        String(r.rank),
        r.org.name,
        fig(r.total),
        ...r.components.map((c) => fig(c.points)),
      ]),
    );
    for (const r of ranking) expect(doc.text).toContain(`${r.org.name}（`);
    expect(dateLine(doc).map((p) => p.text)).toEqual([chineseDate(today, true)]);
    // one org alone
    const single = await open(`/documents/assessments/${orgs['第一车队党支部']}?year=${year}`, t.secretary);
    const own = ranking.find((r: { org: { name: string } }) => r.org.name === '第一车队党支部');
    expect(single.tables[0][1].slice(1, 3)).toEqual(['第一车队党支部', fig(own.total)]);
  });

  it('创建工作自查报告: the SELF evaluation per criterion with its evidence files and its discrepancies, each equal to the API', async () => {
    // 第一车队党支部's self-check: prefilled from its records, the rest entered with evidence files, submitted
    await doSelfCheck(server, t.secretary, t.admin, campaignId, orgs['第一车队党支部']);
    const evaluation = (
      await gql(
        `query($org: ID!, $c: ID!) { node(id: $org) { ... on Org { evaluations(campaignId: $c, kind: SELF, first: 1) { nodes {
            submittedAt result { total gradeLabel attained nodes { criterion { code title } value points maxPoints scored evidence files { name } } } } } } } }`,
        { org: orgs['第一车队党支部'], c: campaignId },
        t.secretary,
      )
    ).node.evaluations.nodes[0];
    const doc = await open(`/documents/campaigns/${campaignId}/self-checks/${orgs['第一车队党支部']}`, t.supervisor, '第一车队党支部文件');
    expect(doc.title).toBe(`第一车队党支部关于“四强四有”基层服务型党组织创建活动的自查报告`);
    expect(doc.text).toContain(`自查总分${fig(evaluation.result.total)}分`);
    expect(doc.text).toContain(`等次为${evaluation.result.gradeLabel}`);
    expect(doc.tables[0].slice(1)).toEqual(
      evaluation.result.nodes.map(
        (n: { criterion: { code: string; title: string }; value: number | null; points: number; maxPoints: number; scored: boolean }) => [
          n.criterion.code,
          n.criterion.title,
          n.value === null ? '' : fig(n.value),
          n.scored ? fig(n.points) : '未评',
          fig(n.maxPoints),
        ],
      ),
    );
    // the evidence of every criterion, its text and its files, as the API lists them; the files are the attachments
    const withEvidence = evaluation.result.nodes.filter((n: { evidence: string | null; files: unknown[] }) => n.evidence || n.files.length);
    expect(withEvidence.length).toBeGreaterThan(0);
    for (const n of withEvidence)
      expect(doc.text).toContain(
        `${n.criterion.code} ${n.criterion.title}：${[n.evidence, ...n.files.map((f: { name: string }) => f.name)].filter(Boolean).join('；')}。`,
      );
    const files = withEvidence.flatMap((n: { criterion: { code: string }; files: { name: string }[] }) =>
      n.files.map((f) => `${n.criterion.code} ${f.name}`),
    );
    expect(files.length).toBeGreaterThan(0);
    const from = doc.paragraphs.findIndex((p) => p.text.startsWith('附件：'));
    const listed = doc.paragraphs.slice(from, from + files.length);
    expect(listed.map((p) => p.text.replace(/^附件：/, '').replace(/^\d+\./, ''))).toEqual(files);
    // the discrepancies with the superior review and inspections, as the API finds them
    const discrepancies = (
      await gql(
        `query($id: ID!, $c: ID!) { node(id: $id) { ... on Org { discrepancies(campaignId: $c) { criterion { code } } } } }`,
        { id: orgs['第一车队党支部'], c: campaignId },
        t.supervisor,
      )
    ).node.discrepancies;
    if (discrepancies.length)
      expect(doc.tables[1].slice(1).map((r) => r[0])).toEqual(discrepancies.map((d: { criterion: { code: string } }) => d.criterion.code));
    else expect(doc.text).toContain('均不超过');
    expect(dateLine(doc).map((p) => p.text)).toEqual([chineseDate(evaluation.submittedAt.slice(0, 10), true)]);
  });

  it('创建活动实施方案: the campaign reads like the source (its phases with dates, targets, criteria and leading group)', async () => {
    const campaign = await gql(
      `query($id: ID!) { campaign(id: $id) { name createdAt phases { name startsOn endsOn } targets { dueOn ratio } deadlines { name dueOn }
            version { dimensions { code title weight } } } leadingGroup(campaignId: $id) { officeNote leader { displayName } deputies { displayName } } }`,
      { id: campaignId },
      t.member,
    );
    const doc = await open(`/documents/campaigns/${campaignId}/plan`, t.member);
    expect(doc.title).toBe(`${campaign.campaign.name}实施方案`);
    expect(doc.find(/^（一）制定方案、动员部署/)!.text).toBe('（一）制定方案、动员部署（5月5日至5月15日）。');
    for (const p of campaign.campaign.phases) expect(doc.text).toContain(`${p.name}（`);
    for (const d of campaign.campaign.deadlines) expect(doc.text).toContain(`${d.name}，于${chineseDate(d.dueOn)}前完成。`);
    expect(doc.text).toContain(
      '至2013年12月31日，80%以上的基层党组织建成服务型党组织；至2014年12月31日，90%以上的基层党组织建成服务型党组织。',
    );
    const dims = doc.tables[0].slice(1).filter((r) => /^Q\d+$/.test(r[0]));
    expect(dims).toEqual(
      campaign.campaign.version.dimensions.map((d: { code: string; title: string; weight: number }) => [
        d.code,
        d.title,
        fig(d.weight),
        '',
        '',
      ]),
    );
    const leader = campaign.leadingGroup.leader.displayName.replace(/[（(].*$/, '');
    expect(doc.text).toContain(`${leader}任组长`);
    for (const d of campaign.leadingGroup.deputies) expect(doc.text).toContain(d.displayName.replace(/[（(].*$/, ''));
    expect(doc.text).toContain(`办公室设在${campaign.leadingGroup.officeNote}`);
    expect(dateLine(doc).map((p) => p.text)).toEqual([chineseDate(campaign.campaign.createdAt.slice(0, 10), true)]);
  });

  it('is denied as the data is: no token, another tenant, a sibling branch, a member for a draft notice, unknown ids', async () => {
    const briefing = (
      await gql(
        `query($under: ID!) { briefings(under: $under, first: 1, state: PUBLISHED) { nodes { id } } }`,
        { under: orgs['第一车队党支部'] },
        t.secretary,
      )
    ).briefings.nodes[0].id;
    const inspection = (await gql(`{ inspections(first: 1, state: FINALIZED) { nodes { id } } }`, {}, t.inspector)).inspections.nodes[0].id;
    const draft = (
      await gql(
        `mutation($input: CreateNoticeInput!) { createNotice(input: $input) { id } }`,
        { input: { kind: 'COMMENDATION', title: '表扬草稿', body: '草稿', subjectOrgIds: [orgs['第一车队党支部']] } },
        t.admin,
      )
    ).createNotice.id;
    const year = today.slice(0, 4);
    const branch = orgs['第一车队党支部'];
    const paths = {
      briefing: `/documents/briefings/${briefing}`,
      inspection: `/documents/inspections/${inspection}`,
      assessment: `/documents/assessments/${branch}?year=${year}`,
      selfCheck: `/documents/campaigns/${campaignId}/self-checks/${branch}`,
      plan: `/documents/campaigns/${campaignId}/plan`,
      draftNotice: `/documents/notices/${draft}`,
    };
    for (const path of Object.values(paths)) {
      expect((await get(path)).status).toBe(401);
      expect((await get(path, foreign)).status).toBe(404);
    }
    // the sibling branch's secretary (养护科党支部) reads nothing of 第一车队党支部 nor of the inspected 第二车队党支部
    for (const path of [paths.briefing, paths.inspection, paths.assessment, paths.selfCheck]) {
      const res = await get(path, t.secretary2);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body.toString('utf8')).errors[0].extensions.code).toBe('NOT_FOUND');
    }
    expect((await get(paths.draftNotice, t.member)).status).toBe(404);
    expect((await get(paths.draftNotice, t.leader)).status).toBe(200);
    expect((await get(`/documents/notices/${unknownId('Notice')}`, t.admin)).status).toBe(404);
    expect((await get(`/documents/assessments/${branch}?year=20x3`, t.admin)).status).toBe(400);
    expect((await get(`/documents/assessments/${branch}?year=${year}&subtree=maybe`, t.admin)).status).toBe(400);
    // a malformed token is 401 as on /graphql
    expect((await get(paths.plan, 'not-a-token')).status).toBe(401);
  });
});

type ArchiveTokens = Record<'admin' | 'supervisor' | 'secretary' | 'secretary2' | 'inspector', string>;
interface IndexRow {
  n: number;
  category: string;
  day: string | null;
  title: string;
  path: string;
  size: number;
  sha256: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * 台帐归档 (issue 13, part 3): an org's year as one streamed .zip: unzipped, its index sheet read and
 * checked against the zip itself and against the API (the ledger, the briefings, the evaluations with
 * their evidence files, the inspections with their findings' files, the documents), and denied as the
 * data is.
 */
describe('the year archive of an org', () => {
  let server: TestServer;
  let t: ArchiveTokens;
  let foreign: string;
  let orgs: Record<string, string>;
  let year: number;

  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await server.gql(query, variables, token);
    if (!res.data || res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };
  const get = async (path: string, token?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  };

  async function archive(org: string, token: string) {
    const res = await get(`/archives/orgs/${orgs[org]}/${year}`, token);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/zip');
    const parts = unzip(res.body);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(parts.get('00-索引.xlsx')! as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('索引')!;
    const rows: IndexRow[] = [];
    sheet.eachRow((row, i) => {
      if (i === 1) return;
      const v = row.values as unknown[];
      const day = v[3] instanceof Date ? (v[3] as Date).toISOString().slice(0, 10) : null;
      rows.push({
        n: Number(v[1]),
        category: String(v[2]),
        day,
        title: String(v[4]),
        path: String(v[5]),
        size: Number(v[6] ?? 0),
        sha256: String(v[7] ?? ''),
      });
    });
    // the index and the zip name the same parts, with the same sizes; stored files with their content's hash
    expect([...parts.keys()].filter((k) => k !== '00-索引.xlsx').sort()).toEqual(rows.map((r) => r.path).sort());
    for (const r of rows) {
      expect(parts.get(r.path)!.length).toBe(r.size);
      if (r.sha256) expect(sha256(parts.get(r.path)!)).toBe(r.sha256);
    }
    return { rows, parts };
  }

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    t = await tokens(server, 'jtj', ['admin', 'supervisor', 'secretary', 'secretary2', 'inspector']);
    foreign = await server.token('szjg', 'admin');
    orgs = await orgIds(server, 'jtj');
    year = Number((await tenantToday(await server.superuser())).slice(0, 4));
    const campaignId = (await gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, t.admin)).campaigns.nodes[0].id;
    await doSelfCheck(server, await server.token('jtj', 'secretary'), t.admin, campaignId, orgs['第一车队党支部']);
  }, 90_000);
  afterAll(() => server.close());

  it('holds the branch’s ledger, briefings and evaluations with every evidence file, as the API lists them', async () => {
    const { rows, parts } = await archive('第一车队党支部', t.secretary);
    const branch = orgs['第一车队党支部'];

    // 管理台帐: the sheet (as GET /exports/ledger writes it) and every entry's files
    const entries = (
      await gql(
        `query($o: ID!, $from: Date, $to: Date) { ledgerEntries(orgId: $o, from: $from, to: $to, first: 100) { totalCount nodes { title files { name sha256 } } } }`,
        { o: branch, from: `${year}-01-01`, to: `${year}-12-31` },
        t.secretary,
      )
    ).ledgerEntries;
    expect(rows.find((r) => r.path.endsWith('年管理台帐.xlsx'))!.title).toContain(`（${entries.totalCount}条）`);
    const ledgerFiles = rows.filter((r) => r.category.startsWith('管理台帐·'));
    expect(ledgerFiles.map((r) => r.sha256).sort()).toEqual(
      entries.nodes.flatMap((e: { files: { sha256: string }[] }) => e.files.map((f) => f.sha256)).sort(),
    );
    const ledgerSheet = new ExcelJS.Workbook();
    await ledgerSheet.xlsx.load(parts.get(rows.find((r) => r.path.endsWith('年管理台帐.xlsx'))!.path)! as unknown as ArrayBuffer);
    expect(ledgerSheet.worksheets[0].rowCount - 1).toBe(entries.totalCount);

    // 简报: the branch's own briefings of the year (the secretary writes them, so its drafts too), each as a 简报 .docx
    const briefings = (
      await gql(
        `query($o: ID!) { briefings(under: $o, first: 100) { nodes { title briefingOn org { id } files { sha256 } } } }`,
        { o: branch },
        t.secretary,
      )
    ).briefings.nodes.filter(
      (b: { org: { id: string }; briefingOn: string }) => b.org.id === branch && b.briefingOn.startsWith(String(year)),
    );
    const briefingDocs = rows.filter((r) => r.category.startsWith('简报（'));
    expect(briefingDocs.map((r) => r.title).sort()).toEqual(briefings.map((b: { title: string }) => b.title).sort());
    for (const r of briefingDocs)
      expect(readDocument(unzip(parts.get(r.path)!).get('word/document.xml')!.toString('utf8')).text).toContain(r.title);
    expect(
      rows
        .filter((r) => r.category === '简报附件')
        .map((r) => r.sha256)
        .sort(),
    ).toEqual(briefings.flatMap((b: { files: { sha256: string }[] }) => b.files.map((f) => f.sha256)).sort());

    // 考评: each evaluation's score sheet and every score's evidence file
    const campaignId = (await gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, t.admin)).campaigns.nodes[0].id;
    const evaluations = (
      await gql(
        `query($o: ID!, $c: ID!) { node(id: $o) { ... on Org { evaluations(campaignId: $c, first: 10) { nodes { kind result { total nodes { files { sha256 } } } } } } } }`,
        { o: branch, c: campaignId },
        t.secretary,
      )
    ).node.evaluations.nodes;
    expect(evaluations.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.category.startsWith('考评·')).length).toBe(evaluations.length);
    for (const e of evaluations)
      expect(rows.some((r) => r.category.startsWith('考评·') && r.title.includes(`总分${Math.round(e.result.total * 100) / 100}`))).toBe(
        true,
      );
    expect(
      rows
        .filter((r) => r.category.startsWith('考评佐证·'))
        .map((r) => r.sha256)
        .sort(),
    ).toEqual(
      evaluations
        .flatMap((e: { result: { nodes: { files: { sha256: string }[] }[] } }) =>
          e.result.nodes.flatMap((n) => n.files.map((f) => f.sha256)),
        )
        .sort(),
    );
    // the documents: its 自查报告, its annual assessment, the campaign's plan, and each notice of the year naming it
    const notices = (
      await gql(`{ notices(first: 100, state: ISSUED) { nodes { title issuedOn subjects { id } } } }`, {}, t.admin)
    ).notices.nodes.filter(
      (n: { issuedOn: string; subjects: { id: string }[] }) =>
        n.issuedOn.startsWith(String(year)) && n.subjects.some((s) => s.id === branch),
    );
    expect(
      rows
        .filter((r) => r.category === '公文·通报')
        .map((r) => r.title)
        .sort(),
    ).toEqual(notices.map((n: { title: string }) => n.title).sort());
    expect(
      rows
        .filter((r) => r.category.startsWith('公文·') && r.category !== '公文·通报')
        .map((r) => r.category)
        .sort(),
    ).toEqual(['公文·创建工作自查报告', '公文·创建活动实施方案', '公文·年度党建目标考核结果'].sort());
  });

  it('holds the inspections of an org with their report, the record’s and the findings’ files, and the notices naming it', async () => {
    const { rows } = await archive('第二车队党支部', t.admin);
    const inspections = (
      await gql(
        `query($o: ID!) { inspections(orgId: $o, first: 20) { nodes { inspectedOn files { sha256 } findings { files { sha256 } } } } }`,
        { o: orgs['第二车队党支部'] },
        t.admin,
      )
    ).inspections.nodes.filter((i: { inspectedOn: string }) => i.inspectedOn.startsWith(String(year)));
    expect(rows.filter((r) => r.category.startsWith('督查报告')).length).toBe(inspections.length);
    expect(
      rows
        .filter((r) => r.category === '督查佐证' || r.category === '问题佐证')
        .map((r) => r.sha256)
        .sort(),
    ).toEqual(
      inspections
        .flatMap((i: { files: { sha256: string }[]; findings: { files: { sha256: string }[] }[] }) => [
          ...i.files,
          ...i.findings.flatMap((f) => f.files),
        ])
        .map((f: { sha256: string }) => f.sha256)
        .sort(),
    );
    expect(rows.filter((r) => r.category === '公文·通报').map((r) => r.title)).toEqual(['关于第二车队党支部督导问题的通报']);
  });

  it('is denied as the data is, and a bad year is refused', async () => {
    const path = `/archives/orgs/${orgs['第一车队党支部']}/${year}`;
    expect((await get(path)).status).toBe(401);
    expect((await get(path, foreign)).status).toBe(404);
    expect((await get(path, t.secretary2)).status).toBe(404);
    expect((await get(`/archives/orgs/${orgs['第一车队党支部']}/20x4`, t.secretary)).status).toBe(400);
  });

  it('plans a year of 100 ledger entries and 100 notices in as many statements as a year of 5', async () => {
    const su = await server.superuser();
    const branch = orgs['第二车队党支部'];
    const [{ tenant_id: tenant, id: branchId }] = (
      await su.query<{ tenant_id: string; id: string }>(`SELECT tenant_id, id FROM orgs WHERE id = $1`, [rawId(branch)])
    ).rows;
    const [{ id: writer }] = (await su.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'admin'`, [tenant]))
      .rows;
    // 5 entries and 5 tenant notices (naming another org) in 2001, 100 of each in 2002
    for (const [y, n] of [
      [2001, 5],
      [2002, 100],
    ]) {
      await su.query(
        `INSERT INTO ledger_entries (tenant_id, org_id, occurred_on, category, title, created_by)
         SELECT $1, $2, make_date($3, 3, 1), 'MEETING', '批量台帐' || g, $4 FROM generate_series(1, $5) g`,
        [tenant, branchId, y, writer, n],
      );
      await su.query(
        `WITH made AS (
           INSERT INTO notices (tenant_id, kind, title, body, issued_on, state, created_by, issued_by, issued_at)
           SELECT $1, 'COMMENDATION', '批量通报' || g, '表扬', make_date($2, 4, 1), 'ISSUED', $3, $3, make_date($2, 4, 1) FROM generate_series(1, $4) g
           RETURNING id)
         INSERT INTO notice_subjects (tenant_id, notice_id, org_id) SELECT $1, made.id, $5 FROM made`,
        [tenant, y, writer, n, rawId(orgs['第一车队党支部'])],
      );
    }
    const planned = async (y: number) => {
      const ctx = createRequestContext(server.config, server.database.dataSource, '127.0.0.1');
      await authenticate(ctx, `Bearer ${t.admin}`);
      try {
        const org = await orgService.getInScopeOrThrow(ctx, rawId(branch));
        const before = ctx.tx.statements;
        const plan = await planArchive(ctx, org, y);
        expect(plan.parts.filter((p) => p.category === '管理台帐')).toHaveLength(1);
        return ctx.tx.statements - before;
      } finally {
        await ctx.tx.finish(false);
      }
    };
    expect(await planned(2002)).toBe(await planned(2001));
  });

  it('plans an inspection of 100 findings and rectifications in as many statements as one of 5', async () => {
    const su = await server.superuser();
    const branch = orgs['第二车队党支部'];
    // two records beside the demo one of 第二车队党支部, in 2003 (5 findings) and 2004 (100), each finding with its rectification
    for (const [y, n] of [
      [2003, 5],
      [2004, 100],
    ]) {
      await su.query(
        `WITH made AS (
           INSERT INTO inspections (tenant_id, team_id, org_id, inspected_on, summary, idempotency_key, request_hash, created_by)
           SELECT tenant_id, team_id, org_id, make_date($2, 3, 1), '批量问题', 'bulk-findings-' || $2, 'x', created_by
             FROM inspections WHERE org_id = $1 ORDER BY created_at LIMIT 1
           RETURNING tenant_id, id)
         , found AS (
           INSERT INTO findings (tenant_id, inspection_id, position, severity, description)
           SELECT made.tenant_id, made.id, g - 1, 'MINOR', '批量问题' || g FROM made, generate_series(1, $3) g
           RETURNING tenant_id, id)
         INSERT INTO rectifications (tenant_id, finding_id, team_id, owner_org_id, due_on)
         SELECT found.tenant_id, found.id, i.team_id, i.org_id, make_date($2, 6, 1)
           FROM found, (SELECT team_id, org_id FROM inspections WHERE org_id = $1 ORDER BY created_at LIMIT 1) i`,
        [rawId(branch), y, n],
      );
    }
    const planned = async (y: number) => {
      const ctx = createRequestContext(server.config, server.database.dataSource, '127.0.0.1');
      await authenticate(ctx, `Bearer ${t.admin}`);
      try {
        const org = await orgService.getInScopeOrThrow(ctx, rawId(branch));
        const before = ctx.tx.statements;
        const plan = await planArchive(ctx, org, y);
        expect(plan.parts.filter((p) => p.category.startsWith('督查报告'))).toHaveLength(1);
        return ctx.tx.statements - before;
      } finally {
        await ctx.tx.finish(false);
      }
    };
    expect(await planned(2004)).toBe(await planned(2003));
  });
});
