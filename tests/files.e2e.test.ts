import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Client } from 'pg';
import { authenticate, createRequestContext } from '../src/graphql/context';
import { Org } from '../src/modules/org/org.entity';
import { orgError } from '../src/modules/org/org.errors';
import { orgService } from '../src/modules/org/org.service';
import { cleanName, fileService, registerAttachable } from '../src/modules/file/file.service';
import { globalId, rawId, unknownId } from './helpers/ids';
import { compoundFile, gif, jpeg, ooxml, pdf, plainZip, png, webp } from './helpers/evidence-files';
import { TestServer, codes, login, startTestServer, tokens } from './helpers/server';
import { count } from './helpers/sql';
import { criteriaOf, orgIds, scoresFor } from './helpers/story';

/**
 * Evidence files: uploads, limits, quotas, signed links, and files attached to records with exactly their
 * record's visibility. Each part with its own server.
 */

const MB = 1024 * 1024;
const CHUNK = 256 * 1024;

interface Part {
  name: string;
  bytes: Buffer;
  /** The type the client declares (never believed). */
  type?: string;
}
interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  json: any;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A PDF of `size` bytes of pseudo-random content (so it neither compresses nor repeats another). */
const pdfOf = (size: number) => pdf(randomBytes(size - pdf(Buffer.alloc(0)).length));

async function answer(res: Response): Promise<Answer> {
  const body = Buffer.from(await res.arrayBuffer());
  let json: any;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body, json };
}

/**
 * 佐证材料 files (issue 13, part 1) over real HTTP: multipart uploads streamed into PostgreSQL,
 * downloads with ranges and signed links, content deduplicated per tenant, every refusal coded and
 * leaving nothing stored, and a file's visibility: its uploader's while on no record, its records'
 * once attached (through the per-record-type hook a module registers).
 */
describe('evidence files', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<'admin' | 'supervisor' | 'secretary' | 'secretary2' | 'member' | 'leader', string>;
  let foreign: string;

  const upload = async (parts: Part[], token?: string, base = server.baseUrl, headers: Record<string, string> = {}) => {
    const form = new FormData();
    for (const p of parts) form.append('file', new Blob([p.bytes], { type: p.type ?? 'application/octet-stream' }), p.name);
    return answer(
      await fetch(`${base}/files`, {
        method: 'POST',
        body: form,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      }),
    );
  };
  const uploadOne = async (part: Part, token: string, base = server.baseUrl) => {
    const res = await upload([part], token, base);
    if (res.status !== 201) throw new Error(`upload ${part.name}: ${res.status} ${res.body.toString('utf8')}`);
    return res.json.files[0] as { id: string; name: string; size: number; format: string; contentType: string; sha256: string };
  };
  const download = async (path: string, token?: string, headers: Record<string, string> = {}, base = server.baseUrl) =>
    answer(await fetch(`${base}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } }));
  const reasonOf = (res: Answer) => res.json?.errors?.[0]?.extensions?.reason;
  /** Rows of the file tables, to show that a refused upload stored nothing. */
  const stored = async (client = su) => ({
    files: await count(client, 'files'),
    contents: await count(client, 'file_contents'),
    chunks: await count(client, 'file_chunks'),
  });

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['admin', 'supervisor', 'secretary', 'secretary2', 'member', 'leader']);
    foreign = await server.token('szjg', 'admin');
  }, 60_000);
  afterAll(() => server.close());

  it('takes every accepted format in one request, judged by the bytes, and answers File ids', async () => {
    const parts: Part[] = [
      { name: '主题党日.jpg', bytes: jpeg(), type: 'image/jpeg' },
      { name: '合影.png', bytes: png() },
      { name: '动图.gif', bytes: gif() },
      { name: '照片.webp', bytes: webp() },
      { name: '会议记录.pdf', bytes: pdf() },
      { name: '自查报告.docx', bytes: ooxml('docx') },
      { name: '台帐.xlsx', bytes: ooxml('xlsx') },
      { name: '汇报.pptx', bytes: ooxml('pptx') },
      { name: '旧版通知.doc', bytes: compoundFile(['WordDocument']) },
      { name: '旧版台帐.xls', bytes: compoundFile(['Workbook']) },
    ];
    const res = await upload(parts, t.member);
    expect(res.status).toBe(201);
    expect(res.json.files.map((f: { format: string }) => f.format)).toEqual([
      'JPEG',
      'PNG',
      'GIF',
      'WEBP',
      'PDF',
      'DOCX',
      'XLSX',
      'PPTX',
      'DOC',
      'XLS',
    ]);
    expect(res.json.files[9]).toEqual({
      id: expect.any(String),
      name: '旧版台帐.xls',
      size: parts[9].bytes.length,
      format: 'XLS',
      contentType: 'application/vnd.ms-excel',
      sha256: sha256(parts[9].bytes),
    });

    const docx = res.json.files[5];
    const q = await server.gql(
      `query($id: ID!) { file(id: $id) { id name size format formatLabel contentType sha256 uploadedByName createdAt }
                         node(id: $id) { ... on File { name } } }`,
      { id: docx.id },
      t.member,
    );
    expect(q.errors).toBeUndefined();
    expect(q.data.file).toEqual({
      id: docx.id,
      name: '自查报告.docx',
      size: parts[5].bytes.length,
      format: 'DOCX',
      formatLabel: 'Word 文档',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      sha256: sha256(parts[5].bytes),
      uploadedByName: '第一车队党员',
      createdAt: expect.any(String),
    });
    expect(q.data.node).toEqual({ name: '自查报告.docx' });
  });

  it('streams a download back byte for byte, typed by its content, with the UTF-8 name', async () => {
    const bytes = pdfOf(3 * MB + 12345);
    const file = await uploadOne({ name: '2024年 述职报告（终稿）.pdf', bytes, type: 'application/octet-stream' }, t.secretary);
    expect(file.name).toBe('2024年 述职报告（终稿）.pdf');
    expect(await count(su, 'file_chunks', 'content_id = (SELECT content_id FROM files WHERE id = $1)', [rawId(file.id)])).toBe(
      Math.ceil(bytes.length / CHUNK),
    );
    const res = await download(`/files/${file.id}`, t.secretary);
    expect(res.status).toBe(200);
    expect(res.body.equals(bytes)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const head = await fetch(`${server.baseUrl}/files/${file.id}`, { method: 'HEAD', headers: { authorization: `Bearer ${t.secretary}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="2024_ ________.pdf"; filename*=UTF-8''${encodeURIComponent('2024年 述职报告（终稿）.pdf')}`,
    );
  });

  it('answers byte ranges with 206 across row boundaries, and 416 outside the file', async () => {
    const bytes = pdfOf(CHUNK * 3 + 1000);
    const file = await uploadOne({ name: 'range.pdf', bytes }, t.secretary);
    const get = (range: string, extra: Record<string, string> = {}) => download(`/files/${file.id}`, t.secretary, { range, ...extra });

    const middle = await get(`bytes=${CHUNK - 10}-${2 * CHUNK + 9}`);
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes ${CHUNK - 10}-${2 * CHUNK + 9}/${bytes.length}`);
    expect(middle.headers.get('content-length')).toBe(String(CHUNK + 20));
    expect(middle.body.equals(bytes.subarray(CHUNK - 10, 2 * CHUNK + 10))).toBe(true);

    const open = await get(`bytes=${3 * CHUNK + 500}-`);
    expect(open.status).toBe(206);
    expect(open.body.equals(bytes.subarray(3 * CHUNK + 500))).toBe(true);
    const suffix = await get('bytes=-100');
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(bytes.subarray(bytes.length - 100))).toBe(true);
    const past = await get(`bytes=0-${bytes.length + 5000}`);
    expect(past.status).toBe(206);
    expect(past.body.equals(bytes)).toBe(true);

    const outside = await get(`bytes=${bytes.length}-`);
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(reasonOf(outside)).toBe('RANGE_NOT_SATISFIABLE');

    // several ranges, another unit, a stale If-Range: the whole file (RFC 9110 lets a server ignore Range)
    for (const whole of [await get('bytes=0-1,5-6'), await get('items=0-1'), await get('bytes=0-9', { 'if-range': '"stale"' })]) {
      expect(whole.status).toBe(200);
      expect(whole.body.equals(bytes)).toBe(true);
    }
    const current = await get('bytes=0-9', { 'if-range': `"${sha256(bytes)}"` });
    expect(current.status).toBe(206);
    expect(current.body.equals(bytes.subarray(0, 10))).toBe(true);
  });

  it('stores identical content once per tenant: sequential and concurrent uploads share one content row', async () => {
    const bytes = pdfOf(600 * 1024);
    const hash = Buffer.from(sha256(bytes), 'hex');
    const first = await uploadOne({ name: '一.pdf', bytes }, t.secretary);
    const second = await uploadOne({ name: '二.pdf', bytes }, t.member);
    expect(second.id).not.toBe(first.id);
    expect(await count(su, 'file_contents', 'sha256 = $1', [hash])).toBe(1);
    expect(await count(su, 'files', 'content_id = (SELECT id FROM file_contents WHERE sha256 = $1)', [hash])).toBe(2);

    // new bytes uploaded by 8 clients at once: every upload succeeds, one content is stored
    const fresh = pdfOf(700 * 1024);
    const freshHash = Buffer.from(sha256(fresh), 'hex');
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => upload([{ name: `同时${i}.pdf`, bytes: fresh }], t.secretary)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(await count(su, 'file_contents', 'sha256 = $1', [freshHash])).toBe(1);
    expect(await count(su, 'files', 'content_id = (SELECT id FROM file_contents WHERE sha256 = $1)', [freshHash])).toBe(8);
    // no bytes left behind by the uploads that found the content stored
    expect(
      await count(
        su,
        'file_chunks ch',
        'NOT EXISTS (SELECT 1 FROM file_contents c WHERE c.tenant_id = ch.tenant_id AND c.id = ch.content_id)',
      ),
    ).toBe(0);
    expect(await count(su, 'file_chunks', 'content_id = (SELECT id FROM file_contents WHERE sha256 = $1)', [freshHash])).toBe(
      Math.ceil(fresh.length / CHUNK),
    );

    // another tenant keeps its own copy (nothing is shared across tenants)
    await uploadOne({ name: 'copy.pdf', bytes }, foreign);
    expect(await count(su, 'file_contents', 'sha256 = $1', [hash])).toBe(2);

    // twice in one request: one content, two files
    const twice = pdfOf(1000);
    const res = await upload(
      [
        { name: 'a.pdf', bytes: twice },
        { name: 'b.pdf', bytes: twice },
      ],
      t.secretary,
    );
    expect(res.status).toBe(201);
    expect(await count(su, 'file_contents', 'sha256 = $1', [Buffer.from(sha256(twice), 'hex')])).toBe(1);
  });

  it('cleans file names: no path, no control or invisible characters, bounded length, Chinese kept', async () => {
    const cases: [string, string][] = [
      ['C:\\Users\\张三\\Desktop\\述职报告.pdf', '述职报告.pdf'],
      ['../../etc/passwd.pdf', 'passwd.pdf'],
      ['\u202Efdp.exe\u200B.pdf', 'fdp.exe.pdf'],
      ['  党建\t\t工作   总结 .pdf  ', '党建 工作 总结 .pdf'],
      ['...隐藏.pdf', '隐藏.pdf'],
      ['a<b>c:d|e?f*g.pdf', 'a_b_c_d_e_f_g.pdf'],
      [`${'很长的文件名'.repeat(60)}.pdf`, `${'很长的文件名'.repeat(60).slice(0, 196)}.pdf`],
      ['...', '未命名文件.pdf'],
      // a long run of dots and spaces (once quadratic to strip) is cut like any long name
      [`a${'. '.repeat(3000)}b.pdf`, `a${'. '.repeat(97)}.pdf`],
    ];
    for (const [raw, clean] of cases) {
      const file = await uploadOne({ name: raw, bytes: pdf() }, t.secretary);
      expect({ raw, name: file.name }).toEqual({ raw, name: clean });
    }
  });

  it('reads at most 8 KB of a part’s headers: a file name of 20,000 characters is stored under a bounded name', async () => {
    const file = await uploadOne({ name: `a${'. '.repeat(10_000)}b.pdf`, bytes: pdf() }, t.secretary);
    expect(file.format).toBe('PDF');
    expect([...file.name].length).toBeLessThanOrEqual(200);
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  });

  it('cleans a name of a million dots and spaces in one pass (the server never works on more than a few hundred of them)', () => {
    const raw = `a${'. '.repeat(500_000)}b.pdf`;
    expect(cleanName(raw)).toBe(`a${'. '.repeat(97)}.pdf`);
    expect(cleanName(`${'. '.repeat(500_000)}`)).toBe('');
  });

  describe('refusals, each storing nothing', () => {
    let before: Awaited<ReturnType<typeof stored>>;
    beforeEach(async () => {
      before = await stored();
    });
    afterEach(async () => {
      expect(await stored()).toEqual(before);
    });

    it('refuses a file over the size limit (20 MB) while it streams, and the whole request with it', async () => {
      const res = await upload(
        [
          { name: '正常.pdf', bytes: pdf() },
          { name: '过大.pdf', bytes: pdfOf(20 * MB + 1) },
        ],
        t.secretary,
      );
      expect(res.status).toBe(413);
      expect(res.json.errors[0]).toMatchObject({
        message: '文件“过大.pdf”超过了单个文件 20 MB 的上限',
        extensions: { code: 'BAD_USER_INPUT', reason: 'FILE_TOO_LARGE', limit: 20 * MB, field: 'file' },
      });
      // exactly at the limit is accepted (then removed again, so the afterEach finds nothing new)
      const exact = await uploadOne({ name: '正好.pdf', bytes: pdfOf(20 * MB) }, t.secretary);
      expect(exact.size).toBe(20 * MB);
      await su.query(`DELETE FROM files WHERE id = $1`, [rawId(exact.id)]);
      await su.query(`DELETE FROM file_contents WHERE sha256 = $1`, [Buffer.from(exact.sha256, 'hex')]);
    }, 60_000);

    it('refuses by content, whatever the name and declared type say', async () => {
      const disguised: Part[] = [
        { name: '报告.pdf', bytes: Buffer.concat([Buffer.from('MZ'), randomBytes(4000)]), type: 'application/pdf' },
        { name: '报告.pdf', bytes: Buffer.from('<html><script>alert(document.cookie)</script></html>'), type: 'application/pdf' },
        { name: '图.png', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), type: 'image/png' },
        { name: '宏.docx', bytes: ooxml('docm') },
        { name: '压缩包.docx', bytes: plainZip() },
        { name: '演示.ppt', bytes: compoundFile(['PowerPoint Document']) },
        { name: '短.pdf', bytes: Buffer.from('%PD') },
      ];
      for (const part of disguised) {
        const res = await upload([part], t.secretary);
        expect({ name: part.name, status: res.status, reason: reasonOf(res) }).toEqual({
          name: part.name,
          status: 415,
          reason: 'FILE_TYPE_NOT_ALLOWED',
        });
      }
      const en = await upload([disguised[0]], t.secretary, server.baseUrl, { 'accept-language': 'en' });
      expect(en.json.errors[0].message).toMatch(/^The file “报告.pdf” is of a type not accepted/);
    });

    it('refuses a program disguised as a PDF after its first bytes, without reading it to the end into storage', async () => {
      const res = await upload(
        [{ name: '大.pdf', bytes: Buffer.concat([Buffer.from('MZ'), randomBytes(8 * MB)]), type: 'application/pdf' }],
        t.member,
      );
      expect(res.status).toBe(415);
      expect(reasonOf(res)).toBe('FILE_TYPE_NOT_ALLOWED');
    });

    it('refuses without a token, with a bad token, and a platform operator', async () => {
      const anonymous = await upload([{ name: 'a.pdf', bytes: pdf() }]);
      expect(anonymous.status).toBe(401);
      expect(anonymous.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'UNAUTHENTICATED' });
      const forged = await upload([{ name: 'a.pdf', bytes: pdf() }], `${t.member.slice(0, -4)}AAAA`);
      expect(forged.status).toBe(401);
      const operator = await upload([{ name: 'a.pdf', bytes: pdf() }], await login(server.url, '', 'operator'));
      expect(operator.status).toBe(403);
      expect(reasonOf(operator)).toBe('TENANT_USER_REQUIRED');
    });

    it('refuses what is not a multipart upload of files', async () => {
      const raw = await answer(
        await fetch(`${server.baseUrl}/files`, {
          method: 'POST',
          body: pdf(),
          headers: { authorization: `Bearer ${t.member}`, 'content-type': 'application/pdf' },
        }),
      );
      expect(raw.status).toBe(415);
      expect(reasonOf(raw)).toBe('NOT_MULTIPART');

      const noBoundary = await answer(
        await fetch(`${server.baseUrl}/files`, {
          method: 'POST',
          body: 'garbage',
          headers: { authorization: `Bearer ${t.member}`, 'content-type': 'multipart/form-data' },
        }),
      );
      expect(noBoundary.status).toBe(400);
      expect(reasonOf(noBoundary)).toBe('UPLOAD_MALFORMED');

      const form = new FormData();
      form.append('note', '只有文字');
      const fieldsOnly = await answer(
        await fetch(`${server.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${t.member}` } }),
      );
      expect(fieldsOnly.status).toBe(400);
      expect(reasonOf(fieldsOnly)).toBe('NO_FILE');

      const empty = await upload([{ name: '空.pdf', bytes: Buffer.alloc(0) }], t.member);
      expect(empty.status).toBe(400);
      expect(empty.json.errors[0]).toMatchObject({ message: '文件“空.pdf”是空文件', extensions: { reason: 'UPLOAD_EMPTY' } });

      const eleven = await upload(
        Array.from({ length: 11 }, (_, i) => ({ name: `${i}.png`, bytes: png() })),
        t.member,
      );
      expect(eleven.status).toBe(400);
      expect(eleven.json.errors[0].extensions).toMatchObject({ reason: 'TOO_MANY_FILES', limit: 10 });
    });

    it('rolls back an upload whose body breaks off half way', async () => {
      const boundary = 'x-boundary-x';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="断开.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      );
      const body = pdfOf(2 * MB);
      const { port } = new URL(server.baseUrl);
      await new Promise<void>((resolve) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/files',
          headers: {
            authorization: `Bearer ${t.member}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': String(head.length + body.length + 100),
          },
        });
        req.on('error', () => resolve());
        req.on('response', (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.write(head);
        req.write(body.subarray(0, MB), () => setTimeout(() => req.destroy(), 300));
      });
      // the server notices the client is gone and rolls back: no transaction stays open (and afterEach finds nothing stored)
      const open = () => count(su, 'pg_stat_activity', `datname = $1 AND state LIKE 'idle in transaction%'`, [server.dbName]);
      for (let i = 0; i < 50 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await open()).toBe(0);
      // and the server takes the next upload as usual
      expect((await upload([{ name: '之后.png', bytes: png() }], t.member)).status).toBe(201);
      await su.query(`DELETE FROM files WHERE name = '之后.png'`);
      await su.query(`DELETE FROM file_contents c WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.content_id = c.id)`);
    });
  });

  describe('who sees a file', () => {
    let secretaryFile: { id: string };
    const TYPE = 'TestOrgRecord';
    /** A test record type: records are orgs, readable by whoever reads the org. */
    beforeAll(async () => {
      registerAttachable(TYPE, {
        async visible(ctx, ids) {
          const seen = new Set<string>();
          for (const id of ids) if (await orgService.getInScopeOrThrow(ctx, id).catch(() => null)) seen.add(id);
          return seen;
        },
        entity: Org,
        gone: () => orgError('ORG_NOT_FOUND'),
      });
      secretaryFile = await uploadOne({ name: '支部照片.png', bytes: png() }, t.secretary);
    });
    /** Runs a file service call as a demo user, in a transaction of its own, as a module's mutation would. */
    const as = async <T>(token: string, work: (ctx: ReturnType<typeof createRequestContext>) => Promise<T>): Promise<T> => {
      const ctx = createRequestContext(server.config, server.database.dataSource, '127.0.0.1');
      await authenticate(ctx, `Bearer ${token}`);
      try {
        const result = await work(ctx);
        await ctx.tx.finish(true);
        return result;
      } catch (error) {
        await ctx.tx.finish(false);
        throw error;
      }
    };
    const orgId = async (name: string) => (await su.query(`SELECT id FROM orgs WHERE name = $1 LIMIT 1`, [name])).rows[0].id as string;
    const status = async (id: string, token: string) => (await download(`/files/${id}`, token)).status;

    it('another tenant’s file is NOT_FOUND everywhere, like an unknown id', async () => {
      const gone = unknownId('File');
      for (const id of [secretaryFile.id, gone]) {
        const res = await download(`/files/${id}`, foreign);
        expect(res.status).toBe(404);
        expect(res.json.errors[0].extensions).toEqual({ code: 'NOT_FOUND', reason: 'FILE_NOT_FOUND', field: 'id' });
        const q = await server.gql(`query($id: ID!) { file(id: $id) { name } node(id: $id) { id } }`, { id }, foreign);
        expect(codes(q)).toEqual(['NOT_FOUND']);
        const link = await server.gql(`query($id: ID!) { fileDownloadLink(fileId: $id) { url } }`, { id }, foreign);
        expect(codes(link)).toEqual(['NOT_FOUND']);
      }
      expect((await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: secretaryFile.id }, foreign)).data.node).toBeNull();
      // an Org's id in the File's place, and garbage
      for (const id of [globalId('Org', rawId(secretaryFile.id)), 'not-an-id']) expect(await status(id, t.secretary)).toBe(404);
    });

    it('an unattached file is its uploader’s alone, even to the tenant’s admin', async () => {
      expect(await status(secretaryFile.id, t.secretary)).toBe(200);
      for (const other of [t.admin, t.member, t.supervisor, t.secretary2]) expect(await status(secretaryFile.id, other)).toBe(404);
      expect(codes(await server.gql(`query($id: ID!) { file(id: $id) { name } }`, { id: secretaryFile.id }, t.admin))).toEqual([
        'NOT_FOUND',
      ]);
    });

    it('an attached file has exactly its record’s visibility, through the record type’s hook', async () => {
      const branch = await orgId('第一车队党支部');
      const file = await uploadOne({ name: '践诺佐证.jpg', bytes: jpeg() }, t.secretary);
      // only what the attacher may read can be attached: the sibling secretary cannot attach another's upload
      await expect(as(t.secretary2, (ctx) => fileService.attach(ctx, TYPE, branch, [rawId(file.id)]))).rejects.toMatchObject({
        details: { reason: 'FILE_NOT_FOUND' },
      });
      await as(t.secretary, (ctx) => fileService.attach(ctx, TYPE, branch, [rawId(file.id)]));
      await as(t.secretary, (ctx) => fileService.attach(ctx, TYPE, branch, [rawId(file.id)])); // twice is once
      expect(await count(su, 'file_attachments', 'file_id = $1', [rawId(file.id)])).toBe(1);
      // the branch's readers: its secretary, the supervisor over its 党委, the admin; not the sibling branch
      for (const reader of [t.secretary, t.supervisor, t.admin, t.leader]) expect(await status(file.id, reader)).toBe(200);
      expect(await status(file.id, t.secretary2)).toBe(404);
      expect(await status(file.id, foreign)).toBe(404);
      const listed = await as(t.admin, (ctx) => fileService.attachedTo(ctx, TYPE, branch));
      expect(listed.map((f) => f.name)).toEqual(['践诺佐证.jpg']);

      // attached to a record its uploader cannot read: the uploader no longer sees it either
      const road = await orgId('养护科党支部');
      const moved = await uploadOne({ name: '转交.pdf', bytes: pdf() }, t.admin);
      await as(t.admin, (ctx) => fileService.attach(ctx, TYPE, road, [rawId(moved.id)]));
      expect(await status(moved.id, t.secretary2)).toBe(200);
      expect(await status(moved.id, t.secretary)).toBe(404);

      // detached from its last record, it is its uploader's alone again
      expect(await as(t.secretary, (ctx) => fileService.detach(ctx, TYPE, branch, [rawId(file.id)]))).toBe(1);
      expect(await status(file.id, t.secretary)).toBe(200);
      expect(await status(file.id, t.supervisor)).toBe(404);
    });
  });

  describe('signed download links', () => {
    let file: { id: string };
    let bytes: Buffer;
    const linkFor = async (id: string, token: string) => {
      const res = await server.gql(`query($id: ID!) { fileDownloadLink(fileId: $id) { url expiresAt } }`, { id }, token);
      expect(res.errors).toBeUndefined();
      return res.data.fileDownloadLink as { url: string; expiresAt: string };
    };
    beforeAll(async () => {
      bytes = pdfOf(CHUNK + 77);
      file = await uploadOne({ name: '链接下载.pdf', bytes }, t.secretary);
    });

    it('opens the file without the Authorization header, for a few minutes, ranges included', async () => {
      const link = await linkFor(file.id, t.secretary);
      expect(link.url).toMatch(new RegExp(`^/files/${file.id}\\?link=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
      const ttl = Date.parse(link.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(250_000);
      // at least the 300 s TTL from when it was signed, up to a second more (the expiry is a whole second, rounded up)
      expect(ttl).toBeLessThanOrEqual(301_000);
      const res = await download(link.url);
      expect(res.status).toBe(200);
      expect(res.body.equals(bytes)).toBe(true);
      const part = await download(link.url, undefined, { range: 'bytes=10-19' });
      expect(part.status).toBe(206);
      expect(part.body.equals(bytes.subarray(10, 20))).toBe(true);
      // the same user's own token beside it is fine
      expect((await download(link.url, t.secretary)).status).toBe(200);
    });

    it('refuses a tampered link, a link moved to another file, and one presented by another user', async () => {
      const link = await linkFor(file.id, t.secretary);
      const [path, token] = link.url.split('?link=');
      const [payload, mac] = token.split('.');
      const flipped = `${path}?link=${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BA' : 'AA'}`;
      const [tenantId, , expires] = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const { rows } = await su.query(`SELECT id FROM users WHERE username = 'admin' AND tenant_id = $1`, [tenantId]);
      const otherUser = `${path}?link=${Buffer.from(JSON.stringify([tenantId, rows[0].id, expires])).toString('base64url')}.${mac}`;
      const later = `${path}?link=${Buffer.from(JSON.stringify([tenantId, JSON.parse(Buffer.from(payload, 'base64url').toString())[1], expires + 86400])).toString('base64url')}.${mac}`;
      const other = await uploadOne({ name: '别的.pdf', bytes: pdf() }, t.secretary);
      const elsewhere = `/files/${other.id}?link=${token}`;
      for (const url of [flipped, otherUser, later, elsewhere, `${path}?link=garbage`, `${path}?link=`]) {
        const res = await download(url);
        expect({ url, status: res.status, reason: reasonOf(res) }).toEqual({ url, status: 401, reason: 'FILE_LINK_INVALID' });
      }
      const wrongUser = await download(link.url, t.admin);
      expect(wrongUser.status).toBe(403);
      expect(reasonOf(wrongUser)).toBe('FILE_LINK_OTHER_USER');
    });

    it('is refused for a file the user may not see, and stops working when the user can no longer see it', async () => {
      expect(codes(await server.gql(`query($id: ID!) { fileDownloadLink(fileId: $id) { url } }`, { id: file.id }, t.member))).toEqual([
        'NOT_FOUND',
      ]);
      const own = await uploadOne({ name: '暂存.pdf', bytes: pdf() }, t.member);
      const link = await linkFor(own.id, t.member);
      await su.query(
        `UPDATE users SET disabled = true WHERE username = 'member' AND tenant_id = (SELECT tenant_id FROM files WHERE id = $1)`,
        [rawId(own.id)],
      );
      try {
        const res = await download(link.url);
        expect(res.status).toBe(401);
      } finally {
        await su.query(`UPDATE users SET disabled = false WHERE username = 'member'`);
      }
    });

    it('stops working once the user signs out everywhere, as its tokens do', async () => {
      const signedIn = await server.gql(
        `mutation { login(input: { tenant: "jtj", username: "member", password: "demo" }) { accessToken } }`,
      );
      const session = signedIn.data.login.accessToken as string;
      const own = await uploadOne({ name: '退出前的链接.pdf', bytes: pdf() }, session);
      const link = await linkFor(own.id, session);
      expect((await download(link.url)).status).toBe(200);
      const tenant = `(SELECT tenant_id FROM files WHERE id = $1)`;
      const [{ epoch }] = (
        await su.query(`SELECT session_epoch AS epoch FROM users WHERE username = 'member' AND tenant_id = ${tenant}`, [rawId(own.id)])
      ).rows;
      expect((await server.gql(`mutation { signOutEverywhere }`, {}, session)).data.signOutEverywhere).toBe(true);
      try {
        expect(codes(await server.gql(`{ viewer { username } }`, {}, session))).toEqual(['UNAUTHENTICATED']);
        const res = await download(link.url);
        expect({ status: res.status, reason: reasonOf(res) }).toEqual({ status: 401, reason: 'TOKEN_INVALID' });
      } finally {
        // the file's other tests go on with the member's cached token
        await su.query(`UPDATE users SET session_epoch = $2 WHERE username = 'member' AND tenant_id = ${tenant}`, [rawId(own.id), epoch]);
      }
    });
  });

  describe('with tight limits (a 1 MB quota, 1 s links)', () => {
    let tight: TestServer;
    let tsu: Client;
    let secretary: string;
    let other: string;
    beforeAll(async () => {
      tight = await startTestServer({ env: { FILE_TENANT_QUOTA_BYTES: String(MB), FILE_LINK_TTL_SECONDS: '1' } });
      tsu = await tight.superuser();
      secretary = await tight.token('jtj', 'secretary');
      other = await tight.token('szjg', 'secretary');
    }, 60_000);
    afterAll(() => tight.close());

    it('keeps a tenant under its quota, concurrent uploads included, and counts shared content once', async () => {
      const base = tight.baseUrl;
      const first = pdfOf(400 * 1024);
      await uploadOne({ name: '一.pdf', bytes: first }, secretary, base);
      // two uploads of 350 KB at once: each fits the room left when it starts (600 KB), not both together
      const racers = await Promise.all([0, 1].map((i) => upload([{ name: `并发${i}.pdf`, bytes: pdfOf(350 * 1024) }], secretary, base)));
      expect(racers.map((r) => r.status).sort()).toEqual([201, 413]);
      const refused = racers.find((r) => r.status === 413) as Answer;
      expect(refused.json.errors[0]).toMatchObject({
        message: expect.stringMatching(/^本单位的文件存储空间（1 MB）已用完，文件“并发[01].pdf”未能保存$/),
        extensions: { code: 'BAD_USER_INPUT', reason: 'FILE_QUOTA_EXCEEDED', quota: MB },
      });
      const before = await stored(tsu);
      // 250 KB left: a 300 KB file is refused as it streams, and nothing of it stays
      const over = await upload([{ name: '超额.pdf', bytes: pdfOf(300 * 1024) }], secretary, base);
      expect(over.status).toBe(413);
      expect(reasonOf(over)).toBe('FILE_QUOTA_EXCEEDED');
      expect(await stored(tsu)).toEqual(before);
      // the same bytes again take no room
      expect((await upload([{ name: '再传一次.pdf', bytes: first }], secretary, base)).status).toBe(201);
      // filled to the brim: refused before the body is read
      await uploadOne(
        { name: '填满.pdf', bytes: pdfOf(MB - (await tsu.query(`SELECT sum(size)::int AS n FROM file_contents`)).rows[0].n) },
        secretary,
        base,
      );
      const full = await upload([{ name: 'x.pdf', bytes: pdf() }], secretary, base);
      expect(full.status).toBe(413);
      expect(full.json.errors[0]).toMatchObject({
        message: '本单位的文件存储空间（1 MB）已用完，不能再上传文件',
        extensions: { reason: 'FILE_QUOTA_FULL', quota: MB },
      });
    });

    it('lets a signed link expire', async () => {
      // (in the other tenant: the first test filled jtj's quota)
      const file = await uploadOne({ name: '过期.png', bytes: png() }, other, tight.baseUrl);
      const res = await tight.gql(`query($id: ID!) { fileDownloadLink(fileId: $id) { url } }`, { id: file.id }, other);
      const url = res.data.fileDownloadLink.url;
      expect((await download(url, undefined, {}, tight.baseUrl)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const expired = await download(url, undefined, {}, tight.baseUrl);
      expect(expired.status).toBe(401);
      expect(expired.json.errors[0]).toMatchObject({ message: '下载链接已过期，请重新获取', extensions: { reason: 'FILE_LINK_EXPIRED' } });
    });
  });
});

type Tokens = Record<'admin' | 'supervisor' | 'secretary' | 'secretary2' | 'member' | 'inspector' | 'leader', string>;

/**
 * Evidence files on the records of the campaign (issue 13, part 2) over real HTTP: each record type
 * takes `fileIds` in its mutations and shows `files`; files come off while the record is editable and
 * never after; a file is read exactly as its record; files of a finalized inspection are part of its
 * record (refused at the API and at the database, hashed into the chain, a changed byte found).
 */
describe('evidence files on records', () => {
  let server: TestServer;
  let su: Client;
  let t: Tokens;
  let foreign: string;
  let orgs: Record<string, string>;

  const gql = (query: string, variables: Record<string, unknown>, token: string) => server.gql(query, variables, token);
  const upload = async (token: string, name: string, bytes: Buffer): Promise<string> => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), name);
    const res = await fetch(`${server.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    const json = (await res.json()) as { files: { id: string }[] };
    if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(json)}`);
    return json.files[0].id;
  };
  const download = async (id: string, token: string) =>
    (await fetch(`${server.baseUrl}/files/${id}`, { headers: { authorization: `Bearer ${token}` } })).status;
  const names = (files: { name: string }[]) => files.map((f) => f.name);
  const error = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions;

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true, env: { EXPOSE_STATEMENT_COUNT: 'true' } });
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['admin', 'supervisor', 'secretary', 'secretary2', 'member', 'inspector', 'leader']);
    foreign = await server.token('szjg', 'admin');
    orgs = await orgIds(server, 'jtj');
  }, 60_000);
  afterAll(() => server.close());

  describe('ledger entries', () => {
    const create = (input: Record<string, unknown>, token = t.secretary) =>
      gql(
        `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id files { id name format } } }`,
        { input: { orgId: orgs['第一车队党支部'], occurredOn: '2013-06-01', category: 'MEETING', title: '支部委员会', ...input } },
        token,
      );

    it('take files at creation; the record’s readers see them, a sibling branch and another tenant do not', async () => {
      const minutes = await upload(t.secretary, '支委会记录.pdf', pdf());
      const photo = await upload(t.secretary, '会场照片.png', png());
      const res = await create({ fileIds: [minutes, photo] });
      expect(names(res.data.createLedgerEntry.files)).toEqual(['支委会记录.pdf', '会场照片.png']);
      const entry = res.data.createLedgerEntry.id;
      const read = (token: string) =>
        gql(`query($id: ID!) { node(id: $id) { ... on LedgerEntry { files { name } } } }`, { id: entry }, token);
      // the supervisor of the group above the branch reads the entry, so its files
      expect(names((await read(t.supervisor)).data.node.files)).toEqual(['支委会记录.pdf', '会场照片.png']);
      expect(await download(minutes, t.supervisor)).toBe(200);
      // the sibling branch's secretary and another tenant read neither the entry nor its files
      expect((await read(t.secretary2)).data.node).toBeNull();
      expect(await download(minutes, t.secretary2)).toBe(404);
      expect(await download(minutes, foreign)).toBe(404);
    });

    it('let files come off by update (a detached file is its uploader’s alone again), and off with the entry when it is deleted', async () => {
      const a = await upload(t.secretary, '签到表.pdf', pdf());
      const b = await upload(t.secretary, '活动照片.png', png());
      const entry = (await create({ fileIds: [a, b] })).data.createLedgerEntry.id;
      const updated = await gql(
        `mutation($input: UpdateLedgerEntryInput!) { updateLedgerEntry(input: $input) { title files { name } } }`,
        { input: { id: entry, detachFileIds: [a] } },
        t.secretary,
      );
      // a partial update: the title stays, one file went
      expect(updated.data.updateLedgerEntry).toEqual({ title: '支部委员会', files: [{ name: '活动照片.png' }] });
      expect(await download(a, t.supervisor)).toBe(404);
      expect(await download(a, t.secretary)).toBe(200);
      expect(await download(b, t.supervisor)).toBe(200);
      const deleted = await gql(
        `mutation($input: DeleteLedgerEntryInput!) { deleteLedgerEntry(input: $input) }`,
        { input: { id: entry } },
        t.secretary,
      );
      expect(deleted.data.deleteLedgerEntry).toBe(true);
      expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(entry)])).toBe(0);
      expect(await download(b, t.supervisor)).toBe(404);
      expect(await download(b, t.secretary)).toBe(200);
    });

    it('refuse a file the writer may not read (another user’s upload, another tenant’s, an unknown id) and more than 50, storing nothing', async () => {
      const before = await count(su, 'ledger_entries');
      const others = await upload(t.secretary2, '他人的文件.pdf', pdf());
      const tenants = await upload(foreign, '另一单位的文件.pdf', pdf());
      for (const id of [others, tenants, unknownId('File'), unknownId('Org')]) {
        const res = await create({ fileIds: [id] });
        expect(error(res)).toMatchObject({ code: 'NOT_FOUND', reason: 'FILE_NOT_FOUND', field: 'input.fileIds' });
      }
      const many = await Promise.all(Array.from({ length: 51 }, (_, i) => upload(t.secretary, `照片${i}.png`, png())));
      expect(error(await create({ fileIds: many }))).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await count(su, 'ledger_entries')).toBe(before);
      // 50 is the most a record holds, also when they come in two mutations
      const entry = (await create({ fileIds: many.slice(0, 30) })).data.createLedgerEntry.id;
      const more = await gql(
        `mutation($input: UpdateLedgerEntryInput!) { updateLedgerEntry(input: $input) { id } }`,
        { input: { id: entry, fileIds: many.slice(30) } },
        t.secretary,
      );
      expect(error(more)).toMatchObject({ reason: 'TOO_MANY_ATTACHMENTS', limit: 50, field: 'input.fileIds' });
      expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(entry)])).toBe(30);
    });

    it('take no files from a member, who may not write the ledger (nothing attached)', async () => {
      const mine = await upload(t.member, '党员的照片.png', png());
      const res = await create({ fileIds: [mine] }, t.member);
      expect(error(res)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await count(su, 'file_attachments', 'file_id = $1', [rawId(mine)])).toBe(0);
    });
  });

  it('briefings: files change while a draft; once published they are fixed, at the API and at the database', async () => {
    const a = await upload(t.secretary, '简报配图一.png', png());
    const b = await upload(t.secretary, '简报配图二.png', png());
    const created = await gql(
      `mutation($input: CreateBriefingInput!) { createBriefing(input: $input) { id files { name } } }`,
      { input: { orgId: orgs['第一车队党支部'], title: '创建简报（第3期）', body: '本月开展活动两次。', fileIds: [a, b] } },
      t.secretary,
    );
    const id = created.data.createBriefing.id;
    const update = (input: Record<string, unknown>) =>
      gql(
        `mutation($input: UpdateBriefingInput!) { updateBriefing(input: $input) { files { name } } }`,
        { input: { id, ...input } },
        t.secretary,
      );
    expect((await update({ detachFileIds: [a] })).data.updateBriefing.files).toEqual([{ name: '简报配图二.png' }]);
    // the draft is its writers' alone: the supervisor above reads neither it nor its files yet
    expect(await download(b, t.supervisor)).toBe(404);
    await gql(`mutation($input: BriefingIdInput!) { publishBriefing(input: $input) { state } }`, { input: { id } }, t.secretary);
    expect(await download(b, t.supervisor)).toBe(200);
    expect(error(await update({ detachFileIds: [b] }))).toMatchObject({ reason: 'BRIEFING_PUBLISHED' });
    const refused = await su
      .query(`DELETE FROM file_attachments WHERE record_type = 'Briefing' AND record_id = $1`, [rawId(id)])
      .catch((e) => e);
    expect(refused.code).toBe('AP001');
    expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(id)])).toBe(1);
  });

  it('a criterion score, a deadline submission, a rectification report, a fulfilled commitment and an opinion reply carry their files', async () => {
    // 上级评议 by the group's supervisor: a score's files, detachable while the evaluation is a draft
    const cres = await gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, t.admin);
    if (!cres.data) throw new Error(JSON.stringify(cres));
    const campaignId = cres.data.campaigns.nodes[0].id;
    const started = await gql(
      `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
      { input: { campaignId, orgId: orgs['第一车队党支部'], kind: 'SUPERIOR' } },
      t.supervisor,
    );
    const criteria = (
      await gql(`query($id: ID!) { campaign(id: $id) { version { criteria { id code isLeaf } } } }`, { id: campaignId }, t.supervisor)
    ).data.campaign.version.criteria.filter((c: { isLeaf: boolean }) => c.isLeaf);
    const scan = await upload(t.supervisor, '联系点制度.pdf', pdf());
    const extra = await upload(t.supervisor, '联系点照片.png', png());
    const q22 = criteria.find((c: { code: string }) => c.code === 'Q2.2').id;
    const save = (version: number, score: Record<string, unknown>) =>
      gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version result { nodes { criterion { code } value files { name } } } } }`,
        {
          input: {
            evaluationId: started.data.startEvaluation.id,
            expectedVersion: version,
            scores: [{ criterionId: q22, value: 1, ...score }],
          },
        },
        t.supervisor,
      );
    const saved = await save(started.data.startEvaluation.version, { fileIds: [scan, extra] });
    const node = (res: typeof saved) =>
      res.data.saveScores.result.nodes.find((n: { criterion: { code: string } }) => n.criterion.code === 'Q2.2');
    expect(names(node(saved).files)).toEqual(['联系点制度.pdf', '联系点照片.png']);
    const kept = await save(saved.data.saveScores.version, { detachFileIds: [extra] });
    expect(names(node(kept).files)).toEqual(['联系点制度.pdf']);
    expect(await download(scan, t.secretary)).toBe(200); // the evaluation's readers: the branch's own secretary
    expect(await download(scan, t.secretary2)).toBe(404);

    // 报送: the committee's self-check summary, by its supervisor
    const deadlines = (await gql(`query($id: ID!) { campaign(id: $id) { deadlines { id name } } }`, { id: campaignId }, t.supervisor)).data
      .campaign.deadlines;
    const selfCheck = deadlines.find((d: { name: string }) => d.name.includes('自查')).id;
    const summary = await upload(t.supervisor, '自查总结.pdf', pdf());
    const submitted = await gql(
      `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { files { name } } }`,
      { input: { deadlineId: selfCheck, orgId: orgs['市公交集团党委'], text: '自查总结', fileIds: [summary] } },
      t.supervisor,
    );
    expect(names(submitted.data.submitForDeadline.files)).toEqual(['自查总结.pdf']);

    // 整改: the demo rectification of 第二车队党支部, reported by the group's supervisor
    const rect = (await gql(`{ rectifications(first: 5) { nodes { id state } } }`, {}, t.supervisor)).data.rectifications.nodes[0];
    const after = await upload(t.supervisor, '整改后照片.png', png());
    const reported = await gql(
      `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state files { name } } }`,
      { input: { id: rect.id, report: '已统一示范岗标识', fileIds: [after] } },
      t.supervisor,
    );
    expect(reported.data.submitRectification).toEqual({ state: 'SUBMITTED', files: [{ name: '整改后照片.png' }] });
    // the issuing team reads it (its inspector), as it reads the rectification
    expect(await download(after, t.inspector)).toBe(200);

    // 践诺
    const pledged = await gql(
      `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`,
      { input: { orgId: orgs['第一车队党支部'], text: '为老年乘客提供上下车帮扶', dueOn: '2099-01-01' } },
      t.secretary,
    );
    const proof = await upload(t.secretary, '帮扶记录.pdf', pdf());
    const fulfilled = await gql(
      `mutation($input: FulfilCommitmentInput!) { fulfilCommitment(input: $input) { state files { name } } }`,
      { input: { id: pledged.data.pledgeCommitment.id, report: '已帮扶120人次', fileIds: [proof] } },
      t.secretary,
    );
    expect(fulfilled.data.fulfilCommitment).toEqual({ state: 'FULFILLED', files: [{ name: '帮扶记录.pdf' }] });

    // 答复民意
    const recorded = await gql(
      `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { opinion { id } } }`,
      { input: { orgId: orgs['第一车队党支部'], content: '车厢空调不制冷' } },
      t.secretary,
    );
    const answer = await upload(t.secretary, '维修单.pdf', pdf());
    const replied = await gql(
      `mutation($input: ReplyOpinionInput!) { replyOpinion(input: $input) { state files { name } } }`,
      { input: { id: recorded.data.recordOpinion.opinion.id, reply: '已维修', fileIds: [answer] } },
      t.secretary,
    );
    expect(replied.data.replyOpinion).toEqual({ state: 'REPLIED', files: [{ name: '维修单.pdf' }] });
    expect(await download(answer, t.secretary2)).toBe(404);
  });

  it('attaches files to every score of a sheet in as many statements as to 5, and refuses the first score whose file is not found', async () => {
    const campaign = (await gql(`{ campaigns(first: 1) { nodes { id version { id } } } }`, {}, t.admin)).data.campaigns.nodes[0];
    const started = await gql(
      `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
      { input: { campaignId: campaign.id, orgId: orgs['第一车队党支部'], kind: 'SUPERIOR' } },
      t.supervisor,
    );
    expect(started.errors).toBeUndefined();
    const leaves = scoresFor(await criteriaOf(server, t.supervisor, campaign.version.id));
    expect(leaves.length).toBeGreaterThanOrEqual(30);
    const proof = await upload(t.supervisor, '逐项佐证.pdf', pdf());
    const save = (version: number, scores: Record<string, unknown>[]) =>
      gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        { input: { evaluationId: started.data.startEvaluation.id, expectedVersion: version, scores } },
        t.supervisor,
      );
    // on one score first, so that both saves below check the file's readers through the scores it is on
    const one = await save(started.data.startEvaluation.version, [
      { criterionId: leaves[0].criterionId, value: leaves[0].value, fileIds: [proof] },
    ]);
    expect(one.errors).toBeUndefined();
    const few = await save(
      one.data.saveScores.version,
      leaves.slice(0, 5).map((l) => ({ criterionId: l.criterionId, value: l.value, fileIds: [proof] })),
    );
    expect(few.errors).toBeUndefined();
    const all = await save(
      few.data.saveScores.version,
      leaves.map((l) => ({ criterionId: l.criterionId, value: l.value, fileIds: [proof] })),
    );
    expect(all.errors).toBeUndefined();
    expect(all.statements).toBe(few.statements);
    const evaluationId = rawId(started.data.startEvaluation.id);
    const onScores = `file_id = $2 AND record_type = 'EvaluationScore' AND record_id IN (SELECT id FROM evaluation_scores WHERE evaluation_id = $1)`;
    expect(await count(su, 'file_attachments', onScores, [evaluationId, rawId(proof)])).toBe(leaves.length);
    // detached from every score in one save, and a file nobody may read on the 7th: FILE_NOT_FOUND there, nothing changes
    const secret = await upload(t.secretary2, '别人的.pdf', pdf());
    const refused = await save(
      all.data.saveScores.version,
      leaves.map((l, i) => ({ criterionId: l.criterionId, value: l.value, detachFileIds: [proof], fileIds: i === 6 ? [secret] : [] })),
    );
    expect(error(refused)).toMatchObject({ reason: 'FILE_NOT_FOUND', field: 'input.scores[6].fileIds' });
    expect(await count(su, 'file_attachments', onScores, [evaluationId, rawId(proof)])).toBe(leaves.length);
    const cleared = await save(
      all.data.saveScores.version,
      leaves.map((l) => ({ criterionId: l.criterionId, value: l.value, detachFileIds: [proof] })),
    );
    expect(cleared.errors).toBeUndefined();
    expect(await count(su, 'file_attachments', onScores, [evaluationId, rawId(proof)])).toBe(0);
  });

  describe('inspections', () => {
    let inspectionId: string;
    let findingId: string;
    let notes: string;
    let photo: string;

    it('take files on the record and on each finding, detachable while a draft', async () => {
      const teams = await gql(`{ supervisionTeams(first: 1) { nodes { id } } }`, {}, t.inspector);
      if (!teams.data?.supervisionTeams.nodes.length) throw new Error(JSON.stringify(teams));
      const team = teams.data.supervisionTeams.nodes[0].id;
      notes = await upload(t.inspector, '座谈记录.pdf', pdf());
      photo = await upload(t.inspector, '现场照片.png', png());
      const spare = await upload(t.inspector, '多余的照片.png', png());
      const res = await gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id files { name } findings { id files { name } } } }`,
        {
          input: {
            idempotencyKey: 'attachments-inspection-1',
            teamId: team,
            orgId: orgs['第一车队党支部'],
            inspectedOn: '2013-09-10',
            methods: ['BRIEFING'],
            summary: '听取汇报',
            fileIds: [notes, spare],
            findings: [{ severity: 'MINOR', description: '台帐不全', fileIds: [photo] }],
          },
        },
        t.inspector,
      );
      inspectionId = res.data.recordInspection.id;
      findingId = res.data.recordInspection.findings[0].id;
      expect(names(res.data.recordInspection.files)).toEqual(['座谈记录.pdf', '多余的照片.png']);
      expect(names(res.data.recordInspection.findings[0].files)).toEqual(['现场照片.png']);
      const updated = await gql(
        `mutation($input: UpdateInspectionInput!) { updateInspection(input: $input) { summary files { name } findings { id files { name } } } }`,
        { input: { id: inspectionId, detachFileIds: [spare], findings: [{ id: findingId, description: '台帐记录不全' }] } },
        t.inspector,
      );
      expect(updated.data.updateInspection).toMatchObject({
        summary: '听取汇报',
        files: [{ name: '座谈记录.pdf' }],
        findings: [{ id: findingId, files: [{ name: '现场照片.png' }] }],
      });
      // the inspected branch's secretary reads the record, so its files
      expect(await download(photo, t.secretary)).toBe(200);
      expect(await download(photo, t.secretary2)).toBe(404);
    });

    it('once finalized cannot lose or gain a file (API and database), and the chain covers their bytes', async () => {
      const finalized = await gql(
        `mutation($input: InspectionRefInput!) { finalizeInspection(input: $input) { state recordHash } }`,
        { input: { id: inspectionId } },
        t.inspector,
      );
      expect(finalized.data.finalizeInspection.state).toBe('FINALIZED');
      const more = await upload(t.inspector, '补充照片.png', png());
      for (const input of [
        { id: inspectionId, detachFileIds: [notes] },
        { id: inspectionId, fileIds: [more] },
        { id: inspectionId, findings: [{ id: findingId, detachFileIds: [photo] }] },
      ]) {
        const res = await gql(
          `mutation($input: UpdateInspectionInput!) { updateInspection(input: $input) { id } }`,
          { input },
          t.inspector,
        );
        expect(error(res)).toMatchObject({ code: 'CONFLICT', reason: 'INSPECTION_FINALIZED' });
      }
      // at the database, for every role (the owner here): detaching, attaching, re-pointing a file
      for (const sql of [
        [`DELETE FROM file_attachments WHERE record_type = 'Inspection' AND record_id = $1`, [rawId(inspectionId)]],
        [`DELETE FROM file_attachments WHERE record_type = 'Finding' AND record_id = $1`, [rawId(findingId)]],
        [
          `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by) SELECT tenant_id, $2, 'Inspection', $1, uploaded_by FROM files WHERE id = $2`,
          [rawId(inspectionId), rawId(more)],
        ],
        [`UPDATE files SET content_id = (SELECT content_id FROM files WHERE id = $2) WHERE id = $1`, [rawId(notes), rawId(more)]],
        [`DELETE FROM files WHERE id = $1`, [rawId(photo)]],
      ] as const) {
        const refused = await su.query(sql[0], [...sql[1]]).catch((e) => e);
        expect(refused.code).toBe('AP001');
      }
      expect((await gql(`{ verifyRecords { ok checked } }`, {}, t.admin)).data.verifyRecords.ok).toBe(true);
    });

    it('records finalized before files existed still verify, and an amendment starts with the record’s files', async () => {
      const amended = await gql(
        `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id files { name } findings { files { name } } } }`,
        { input: { inspectionId, idempotencyKey: 'attachments-amend-1', reason: '补充说明' } },
        t.inspector,
      );
      expect(amended.data.amendInspection).toMatchObject({
        files: [{ name: '座谈记录.pdf' }],
        findings: [{ files: [{ name: '现场照片.png' }] }],
      });
      // the demo's records and this one verify together (a record without files has no files key in its content)
      expect((await gql(`{ verifyRecords { ok checked brokenAt { kind } } }`, {}, t.admin)).data.verifyRecords).toMatchObject({
        ok: true,
        brokenAt: null,
      });
    });

    it('verifyRecords finds one changed byte in a file of a finalized record', async () => {
      const [{ content_id: contentId }] = (await su.query(`SELECT content_id FROM files WHERE id = $1`, [rawId(photo)])).rows;
      await su.query(`UPDATE file_chunks SET data = set_byte(data, 3, get_byte(data, 3) # 1) WHERE content_id = $1 AND seq = 0`, [
        contentId,
      ]);
      const res = await gql(`{ verifyRecords { ok brokenAt { kind inspection { id } } } }`, {}, t.admin);
      expect(res.data.verifyRecords).toEqual({ ok: false, brokenAt: { kind: 'CONTENT_CHANGED', inspection: { id: inspectionId } } });
    });
  });
});
