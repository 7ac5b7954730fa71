import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { readDocument, unzip } from './helpers/docx';
import { TestServer, startTestServer, tokens } from './helpers/server';
import { tenantToday } from './helpers/sql';
import { doSelfCheck } from './helpers/self-check';
import { orgIds } from './helpers/story';

type Tokens = Record<'admin' | 'supervisor' | 'secretary' | 'secretary2' | 'inspector', string>;
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
  let t: Tokens;
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
});
