import ExcelJS from 'exceljs';
import { MAX_FRAMEWORK_DEPTH, MAX_FRAMEWORK_DOCUMENT_LENGTH, MAX_FRAMEWORK_TOKENS } from '../../src/modules/framework/framework.document';
import {
  IMPORT_BODY_LIMIT,
  MAX_XLSX_PARTS,
  MAX_XLSX_PART_BYTES,
  ORG_IMPORT_LIMITS,
  TableLimits,
  USER_IMPORT_LIMITS,
} from '../../src/modules/report/import-limits';
import { columnLetters, deflatedFill, sheetXml, workbookParts, xlsxOfCells, zip } from '../helpers/crafted-files';
import { TestServer, startTestServer, tokens, firstSignIn } from '../helpers/server';
import { count } from '../helpers/sql';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CSV = 'text/csv';
/** The bound the issue sets on every crafted request and on a small request sent meanwhile (generous: the files take milliseconds). */
const PROMPT_MS = 1000;

interface Crafted {
  name: string;
  body: Buffer | string;
  type: string;
  /** The reason an admin gets, and the figure it names. */
  reason: string;
  limit?: number;
}

/** Crafted .xlsx files for an import with these limits: sparse, wide, deep, many tiny cells, huge strings, zip bombs. */
async function craftedXlsx(limits: TableLimits, bomb: Buffer): Promise<Crafted[]> {
  const sparse = new ExcelJS.Workbook();
  const sheet = sparse.addWorksheet('导入');
  sheet.getCell('A1').value = '组织名称';
  sheet.getCell('XFD200').value = 'x';
  const tinyColumns = Math.ceil((limits.cells + 1) / (limits.rows + 1)) + 1;
  const tiny = new Map<number, [string, string][]>();
  for (let r = 1; r <= limits.rows + 1; r++)
    tiny.set(
      r,
      Array.from({ length: tinyColumns }, (_, c) => [columnLetters(c + 1), '1'] as [string, string]),
    );
  const tall = new Map<number, [string, string][]>();
  for (let r = 1; r <= limits.rows + 100; r++) tall.set(r, [['A', `行${r}`]]);
  return [
    {
      name: 'sparse .xlsx: A1 and XFD200, written by exceljs',
      body: Buffer.from(await sparse.xlsx.writeBuffer()),
      type: XLSX,
      reason: 'TOO_MANY_COLUMNS',
      limit: limits.columns,
    },
    {
      name: 'sparse .xlsx whose <dimension> lies (A1:A1)',
      body: xlsxOfCells(
        new Map([
          [1, [['A', '组织名称']]],
          [200, [['XFD', 'x']]],
        ]),
        'A1:A1',
      ),
      type: XLSX,
      reason: 'TOO_MANY_COLUMNS',
      limit: limits.columns,
    },
    {
      name: 'sparse .xlsx: A1 and A1048576',
      body: xlsxOfCells(
        new Map([
          [1, [['A', '组织名称']]],
          [1048576, [['A', 'x']]],
        ]),
      ),
      type: XLSX,
      reason: 'TOO_MANY_ROWS',
      limit: limits.rows,
    },
    {
      name: 'wide .xlsx: one row of 100 columns',
      body: xlsxOfCells(new Map([[1, Array.from({ length: 100 }, (_, c) => [columnLetters(c + 1), `列${c}`] as [string, string])]])),
      type: XLSX,
      reason: 'TOO_MANY_COLUMNS',
      limit: limits.columns,
    },
    { name: 'tall .xlsx: 100 rows past the limit', body: xlsxOfCells(tall), type: XLSX, reason: 'TOO_MANY_ROWS', limit: limits.rows },
    {
      name: 'deep .xlsx: a cell inside 200,000 nested elements',
      body: zip(
        workbookParts({
          data: sheetXml(
            `<row r="1"><c r="A1" t="inlineStr"><is>${'<r>'.repeat(200_000)}<t>组织名称</t>${'</r>'.repeat(200_000)}</is></c></row>`,
          ),
        }),
      ),
      type: XLSX,
      reason: 'IMPORT_INVALID', // read without recursion: a header and no data rows
    },
    {
      name: `many tiny cells .xlsx: ${limits.rows + 1} rows × ${tinyColumns}`,
      body: xlsxOfCells(tiny),
      type: XLSX,
      reason: 'TOO_MANY_CELLS',
      limit: limits.cells,
    },
    {
      name: 'huge string .xlsx: a 1,000,000-character shared string',
      body: zip(workbookParts({ data: sheetXml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>') }, ['长'.repeat(1_000_000)])),
      type: XLSX,
      reason: 'CELL_TOO_LONG',
      limit: limits.cellLength,
    },
    {
      name: 'zip bomb .xlsx: a sheet declared as 64 MB inflated',
      body: zip(workbookParts({ deflated: bomb, size: 64 * 1024 * 1024, crc: 0 })),
      type: XLSX,
      reason: 'INFLATED_TOO_LARGE',
      limit: MAX_XLSX_PART_BYTES,
    },
    {
      name: 'zip bomb .xlsx: a sheet declared as 1 KB that inflates to 64 MB',
      body: zip(workbookParts({ deflated: bomb, size: 1024, crc: 0 })),
      type: XLSX,
      reason: 'INFLATED_TOO_LARGE',
      limit: MAX_XLSX_PART_BYTES,
    },
    {
      name: `zip .xlsx with ${MAX_XLSX_PARTS + 1} parts`,
      body: zip([
        ...workbookParts({ data: sheetXml('') }),
        ...Array.from({ length: MAX_XLSX_PARTS }, (_, i) => ({ name: `x/${i}.xml`, data: '' })),
      ]),
      type: XLSX,
      reason: 'TOO_MANY_PARTS',
      limit: MAX_XLSX_PARTS,
    },
  ];
}

/** The same shapes as .csv. */
function craftedCsv(limits: TableLimits): Crafted[] {
  const tinyColumns = Math.ceil((limits.cells + 1) / (limits.rows + 1)) + 1;
  return [
    {
      name: 'sparse .csv: A1 and a 16,384th field in row 200',
      body: `组织名称\n${'\n'.repeat(198)}${','.repeat(16383)}x\n`,
      type: CSV,
      reason: 'TOO_MANY_COLUMNS',
      limit: limits.columns,
    },
    {
      name: 'wide .csv: one record of 100 fields',
      body: `${Array.from({ length: 100 }, (_, c) => `列${c}`).join(',')}\n`,
      type: CSV,
      reason: 'TOO_MANY_COLUMNS',
      limit: limits.columns,
    },
    {
      name: 'deep .csv: one quoted field of 2,000,000 escaped quotes',
      body: `组织名称\n"${'""'.repeat(2_000_000)}"\n`,
      type: CSV,
      reason: 'LINE_TOO_LONG',
      limit: limits.lineLength,
    },
    {
      name: `many tiny cells .csv: ${limits.rows + 1} records × ${tinyColumns}`,
      body: Array.from({ length: limits.rows + 1 }, () => Array(tinyColumns).fill('1').join(',')).join('\n'),
      type: CSV,
      reason: 'TOO_MANY_CELLS',
      limit: limits.cells,
    },
    {
      name: 'huge string .csv: a 5,000-character field',
      body: `组织名称\n${'长'.repeat(5000)}\n`,
      type: CSV,
      reason: 'CELL_TOO_LONG',
      limit: limits.cellLength,
    },
    {
      name: 'huge line .csv: 4 MB without a line break',
      body: `组织名称\n${'x'.repeat(4 * 1024 * 1024)}`,
      type: CSV,
      reason: 'LINE_TOO_LONG',
      limit: limits.lineLength,
    },
    { name: 'tall .csv: 4,000,000 empty lines', body: '\n'.repeat(4_000_000), type: CSV, reason: 'TOO_MANY_ROWS', limit: limits.rows },
  ];
}

/** Framework documents in both accepted syntaxes: deep, wide, many tiny nodes, huge strings, alias and error bombs. */
function craftedDocuments(): Crafted[] {
  const nestedMaps = Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
  return [
    {
      name: 'deep JSON: 600 KB of [ (the reported document)',
      body: '['.repeat(600 * 1024),
      type: 'JSON',
      reason: 'DOCUMENT_TOO_LARGE',
      limit: MAX_FRAMEWORK_DOCUMENT_LENGTH,
    },
    { name: 'deep JSON: 200 KB of [', body: '['.repeat(200 * 1024), type: 'JSON', reason: 'DOCUMENT_TOO_DEEP', limit: MAX_FRAMEWORK_DEPTH },
    {
      name: 'deep JSON: 40,000 nested objects',
      body: `${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}`,
      type: 'JSON',
      reason: 'DOCUMENT_TOO_DEEP',
      limit: MAX_FRAMEWORK_DEPTH,
    },
    { name: 'deep YAML: 600 nested block maps', body: nestedMaps, type: 'YAML', reason: 'DOCUMENT_TOO_DEEP', limit: MAX_FRAMEWORK_DEPTH },
    {
      name: 'deep YAML: 100,000 compact sequences (- - - …)',
      body: '- '.repeat(100_000),
      type: 'YAML',
      reason: 'DOCUMENT_TOO_DEEP',
      limit: MAX_FRAMEWORK_DEPTH,
    },
    {
      name: 'many tiny nodes JSON: [1,1,…] × 100,000',
      body: `[${Array(100_000).fill('1').join(',')}]`,
      type: 'JSON',
      reason: 'DOCUMENT_TOO_MANY_NODES',
      limit: MAX_FRAMEWORK_TOKENS,
    },
    {
      name: 'many tiny nodes YAML: 60,000 list items',
      body: '- 1\n'.repeat(60_000),
      type: 'YAML',
      reason: 'DOCUMENT_TOO_MANY_NODES',
      limit: MAX_FRAMEWORK_TOKENS,
    },
    {
      name: 'many comments YAML: 100,000 comment lines',
      body: '#\n'.repeat(100_000),
      type: 'YAML',
      reason: 'DOCUMENT_TOO_MANY_NODES',
      limit: MAX_FRAMEWORK_TOKENS,
    },
    // within the token bound: one map with 8,000 keys (yaml's own duplicate-key check is quadratic) and 40,000 stray commas
    {
      name: 'wide JSON: one object of 8,000 keys',
      body: `{${Array.from({ length: 8000 }, (_, i) => `"k${i}":1`).join(',')}}`,
      type: 'JSON',
      reason: 'INVALID_DOCUMENT',
    },
    { name: 'error bomb JSON: [ and 40,000 commas', body: `[${','.repeat(40_000)}]`, type: 'JSON', reason: 'INVALID_DOCUMENT' },
    {
      name: 'huge string JSON: a 300,000-character code',
      body: JSON.stringify({ format: 'party-framework/v1', code: 'X'.repeat(300_000) }),
      type: 'JSON',
      reason: 'DOCUMENT_TOO_LARGE',
      limit: MAX_FRAMEWORK_DOCUMENT_LENGTH,
    },
    {
      name: 'huge string YAML: a 250,000-character title',
      body: `format: party-framework/v1\ncode: HUGE\nname: ${'长'.repeat(250_000)}\n`,
      type: 'YAML',
      reason: 'INVALID_DOCUMENT',
    },
    {
      name: 'alias bomb YAML (billion laughs)',
      body: [
        'a: &a [x,x,x,x,x,x,x,x,x]',
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      ].join('\n'),
      type: 'YAML',
      reason: 'INVALID_DOCUMENT',
    },
  ];
}

/**
 * Issue 10, parsing and resource bounds. Every upload route and document import is authorized before
 * the file is parsed and is bounded in size, shape and CPU: crafted files of every accepted type, sent
 * as the least privileged role (member) and as the tenant admin, are each answered within a second with
 * a coded error (FORBIDDEN; BAD_USER_INPUT naming the bound), while a small request sent meanwhile is
 * answered within a second too.
 */
describe('uploads and framework documents: authorized before parsing, bounded in size, shape and CPU', () => {
  let server: TestServer;
  let admin: string, member: string, bystander: string;
  const files = new Map<string, Crafted[]>();

  beforeAll(async () => {
    server = await startTestServer();
    ({ admin, member, leader: bystander } = await tokens(server, 'jtj', ['admin', 'member', 'leader']));
    const bomb = deflatedFill(64 * 1024 * 1024);
    files.set('/imports/orgs', [...(await craftedXlsx(ORG_IMPORT_LIMITS, bomb)), ...craftedCsv(ORG_IMPORT_LIMITS)]);
    files.set('/imports/users', [...(await craftedXlsx(USER_IMPORT_LIMITS, bomb)), ...craftedCsv(USER_IMPORT_LIMITS)]);
  });
  afterAll(() => server.close());

  const upload = async (path: string, body: Buffer | string, type: string, token: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
      body,
    });
    const json = (await res.json()) as { errors?: { extensions: Record<string, unknown> }[] } & Record<string, unknown>;
    return { status: res.status, json, extensions: json.errors?.[0]?.extensions };
  };
  const importDocument = async (document: string, token: string) => {
    const res = await server.gql(`mutation($d: String!) { importFramework(input: { document: $d }) { id } }`, { d: document }, token);
    return { status: res.status, json: res, extensions: res.errors?.[0]?.extensions as Record<string, unknown> | undefined };
  };

  /** Sends `crafted` and, 10 ms later, `{ viewer { username } }` as a bystander; returns both answers with their wall times. */
  async function underAttack<T>(crafted: () => Promise<T>) {
    const timed = async <R>(work: () => Promise<R>) => {
      const start = performance.now();
      const value = await work();
      return { value, ms: performance.now() - start };
    };
    const once = async () => {
      const attack = timed(crafted);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const probe = timed(() => server.gql(`{ viewer { username } }`, {}, bystander));
      const [a, p] = await Promise.all([attack, probe]);
      expect(p.value.data).toEqual({ viewer: { username: 'leader' } });
      return { answer: a.value, ms: a.ms, probeMs: p.ms };
    };
    // Every crafted request is refused and changes nothing, so it is tried again when slow: a host that
    // stalled once (a VM's steal time, three test workers on two cores) is not an unbounded parse, which
    // is slow every time. The faster try stands.
    const first = await once();
    if (first.ms < PROMPT_MS && first.probeMs < PROMPT_MS) return first;
    const second = await once();
    return Math.max(second.ms, second.probeMs) < Math.max(first.ms, first.probeMs) ? second : first;
  }

  for (const path of ['/imports/orgs', '/imports/users']) {
    it(`${path}: a member is FORBIDDEN before the file is read, for every crafted file and even past the body limit`, async () => {
      for (const file of files.get(path)!) {
        const { answer, ms, probeMs } = await underAttack(() => upload(path, file.body, file.type, member));
        expect({ file: file.name, status: answer.status, code: answer.extensions?.code, reason: answer.extensions?.reason }).toEqual({
          file: file.name,
          status: 403,
          code: 'FORBIDDEN',
          reason: 'NOT_IMPORT_ADMIN',
        });
        expect({
          file: file.name,
          within: ms < PROMPT_MS,
          probeWithin: probeMs < PROMPT_MS,
          ms: Math.round(ms),
          probeMs: Math.round(probeMs),
        }).toMatchObject({ file: file.name, within: true, probeWithin: true });
      }
      // the gate runs before the body is read: a member's body over the upload limit is still FORBIDDEN, an admin's is 413
      const big = Buffer.alloc(IMPORT_BODY_LIMIT + 1024, 0x41);
      expect((await upload(path, big, CSV, member)).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_IMPORT_ADMIN' });
      expect((await upload(path, big, CSV, admin)).status).toBe(413);
    });

    it(`${path}: the admin gets BAD_USER_INPUT naming the bound for every crafted file, each within a second, while others are served`, async () => {
      for (const file of files.get(path)!) {
        const { answer, ms, probeMs } = await underAttack(() => upload(path, file.body, file.type, admin));
        expect({
          file: file.name,
          status: answer.status,
          code: answer.extensions?.code,
          reason: answer.extensions?.reason,
          limit: answer.extensions?.limit,
        }).toEqual({ file: file.name, status: 400, code: 'BAD_USER_INPUT', reason: file.reason, limit: file.limit });
        expect({
          file: file.name,
          within: ms < PROMPT_MS,
          probeWithin: probeMs < PROMPT_MS,
          ms: Math.round(ms),
          probeMs: Math.round(probeMs),
        }).toMatchObject({ file: file.name, within: true, probeWithin: true });
      }
    });
  }

  it('importFramework: a member is FORBIDDEN before the document is parsed, the admin gets BAD_USER_INPUT naming the bound, each within a second', async () => {
    for (const doc of craftedDocuments()) {
      const asMember = await underAttack(() => importDocument(String(doc.body), member));
      expect({ doc: doc.name, code: asMember.answer.extensions?.code, reason: asMember.answer.extensions?.reason }).toEqual({
        doc: doc.name,
        code: 'FORBIDDEN',
        reason: 'NOT_FRAMEWORK_ADMIN',
      });
      expect({
        doc: doc.name,
        within: asMember.ms < PROMPT_MS,
        probeWithin: asMember.probeMs < PROMPT_MS,
        ms: Math.round(asMember.ms),
      }).toMatchObject({ doc: doc.name, within: true, probeWithin: true });

      const asAdmin = await underAttack(() => importDocument(String(doc.body), admin));
      expect({
        doc: doc.name,
        code: asAdmin.answer.extensions?.code,
        reason: asAdmin.answer.extensions?.reason,
        limit: asAdmin.answer.extensions?.limit,
      }).toEqual({ doc: doc.name, code: 'BAD_USER_INPUT', reason: doc.reason, limit: doc.limit });
      expect({
        doc: doc.name,
        within: asAdmin.ms < PROMPT_MS,
        probeWithin: asAdmin.probeMs < PROMPT_MS,
        ms: Math.round(asAdmin.ms),
        probeMs: Math.round(asAdmin.probeMs),
      }).toMatchObject({ doc: doc.name, within: true, probeWithin: true });
    }
    // nothing was imported
    const su = await server.superuser();
    expect(await count(su, 'framework_versions')).toBe(0);
  });

  it('still imports a normal .xlsx and .csv, and a template and its exported document', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('导入');
    for (const row of [
      ['组织名称', '组织类型', '单位类别', '上级组织', '备注'],
      ['边界测试党支部', '党支部', '企业', '市公交集团党委', 12345],
      ['边界测试二支部', 'BRANCH', 'ENTERPRISE', '中共市交通运输局党委/市公交集团党委'],
    ])
      sheet.addRow(row);
    const xlsx = await upload('/imports/orgs?dryRun=true', Buffer.from(await workbook.xlsx.writeBuffer()), XLSX, admin);
    expect(xlsx.status).toBe(200);
    expect(xlsx.json).toMatchObject({
      dryRun: true,
      rows: 2,
      created: 0,
      items: [
        { row: 2, name: '边界测试党支部' },
        { row: 3, name: '边界测试二支部' },
      ],
    });
    const csv = await upload(
      '/imports/users',
      '\uFEFF用户名,姓名,所属组织,角色,初始密码\r\nbound.one,"边界, 一",第一车队党支部,党员,"Pass""word-1"\r\n',
      CSV,
      admin,
    );
    expect(csv.status).toBe(201);
    expect(csv.json).toMatchObject({ created: 1, items: [{ row: 2, name: 'bound.one' }] });
    const login = await firstSignIn<{ viewer: { username: string } }>(server.url, 'jtj', 'bound.one', 'Pass"word-1', 'viewer { username }');
    expect(login.viewer.username).toBe('bound.one');

    // cells as exceljs wrote them: a number (a numeric password), rich text, a formula's cached result
    const users = new ExcelJS.Workbook();
    const usersSheet = users.addWorksheet('用户');
    usersSheet.addRow(['用户名', '姓名', '所属组织', '角色', '初始密码']);
    usersSheet.addRow([
      'bound.two',
      { richText: [{ text: '边界' }, { text: '二', font: { bold: true } }] },
      { formula: '"第一车队"&"党支部"', result: '第一车队党支部' },
      '党员',
      12345678,
    ]);
    const applied = await upload('/imports/users', Buffer.from(await users.xlsx.writeBuffer()), XLSX, admin);
    expect(applied.status).toBe(201);
    const two = await firstSignIn<{ viewer: unknown }>(
      server.url,
      'jtj',
      'bound.two',
      '12345678',
      'viewer { username user { displayName } }',
    );
    expect(two.viewer).toEqual({ username: 'bound.two', user: { displayName: '边界二' } });

    const template = await server.gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, admin);
    expect(template.errors).toBeUndefined();
    for (const format of ['YAML', 'JSON']) {
      const exported = await server.gql(
        `query($v: ID!, $f: DocumentFormat!) { exportFramework(versionId: $v, format: $f) }`,
        { v: template.data.importFramework.id, f: format },
        admin,
      );
      const again = await importDocument(exported.data.exportFramework, admin);
      expect(again.json.errors).toBeUndefined();
    }
    const duplicate = await importDocument('format: party-framework/v1\ncode: DUP\ncode: DUP2\n', admin);
    expect(duplicate.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_DOCUMENT' });
    expect((duplicate.json.errors![0].extensions!.problems as { message: string }[])[0]).toMatchObject({
      reason: 'DOC_DUPLICATE_KEY',
      key: 'code',
      line: 3,
      message: '键“code”重复（第 3 行第 1 列）',
    });
  });
});
