import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { SaxesParser } from 'saxes';
import { addDays } from './helpers/dates';
import { rawId } from './helpers/ids';
import { TestServer, codes, startTestServer, tokens } from './helpers/server';
import { count, tenantToday } from './helpers/sql';
import { orgIds } from './helpers/story';

/**
 * 舆论引导 (issue 14): an org marks records public, a tenant admin approves them, and they appear without an
 * account in the tenant's feed (JSON Feed and Atom, by slug, newest first, paged). Nothing unapproved, no
 * contact data, nothing of another tenant; withdrawing (or the record losing its standing) removes an item
 * at once; hostile text stays text in both formats.
 */
const ITEM = `id sourceType sourceTypeLabel sourceId category title summary body state stateLabel shown publishedAt reviewNote
  proposedByName reviewedByName withdrawnByName org { name }`;
const HOSTILE_TITLE = '<script>alert("x")</script> & \'引号\' ]]></title>';
const HOSTILE_BODY = [
  '第一车队开展“情溢旅途”文明服务月活动。</content></entry><entry><title>伪造条目</title>',
  '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">点此</a>',
  '联系人王师傅，手机13912345678，座机0311-87654321，邮箱wang.shifu@example.com，身份证130102199001011234。',
  '控制字符\u0001\u000b\ufffe结束\u2028行分隔',
].join('\n');

interface JsonFeed {
  title: string;
  next_url?: string;
  items: {
    id: string;
    title: string;
    summary: string;
    content_text: string;
    date_published: string;
    authors: { name: string }[];
    tags: string[];
  }[];
}

/** Parses XML strictly (XML 1.0 well-formedness, namespaces): throws on anything malformed. */
function parseXml(text: string): { entries: { title: string; content: string }[]; links: Record<string, string> } {
  const parser = new SaxesParser({ xmlns: true });
  const entries: { title: string; content: string }[] = [];
  const links: Record<string, string> = {};
  const path: string[] = [];
  let error: Error | undefined;
  parser.on('error', (e) => (error ??= e));
  parser.on('opentag', (tag) => {
    path.push(tag.local);
    if (tag.local === 'entry') entries.push({ title: '', content: '' });
    if (tag.local === 'link' && path.length === 2)
      links[String(tag.attributes.rel?.value ?? '')] = String(tag.attributes.href?.value ?? '');
  });
  parser.on('text', (t) => {
    const current = entries[entries.length - 1];
    if (current && path[path.length - 2] === 'entry' && (path[path.length - 1] === 'title' || path[path.length - 1] === 'content')) {
      current[path[path.length - 1] as 'title' | 'content'] += t;
    }
  });
  parser.on('closetag', () => path.pop());
  parser.write(text).close();
  if (error) throw error;
  return { entries, links };
}

describe('the public showcase (舆论引导)', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  let foreign: string;
  let TODAY: string;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const propose = (sourceId: string, token = t.secretary, extra: Record<string, unknown> = {}) =>
    gql(
      `mutation($input: ProposeShowcaseItemInput!) { proposeShowcaseItem(input: $input) { ${ITEM} } }`,
      { input: { sourceId, ...extra } },
      token,
    );
  const approve = (id: string, token = t.admin) =>
    gql(
      `mutation($input: ApproveShowcaseItemInput!) { approveShowcaseItem(input: $input) { ${ITEM} } }`,
      { input: { id, note: '同意公开' } },
      token,
    );
  const withdraw = (id: string, token = t.secretary) =>
    gql(
      `mutation($input: WithdrawShowcaseItemInput!) { withdrawShowcaseItem(input: $input) { ${ITEM} } }`,
      { input: { id, reason: '撤下' } },
      token,
    );
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.baseUrl}${path}`, { headers });
  const jsonFeed = async (slug = 'jtj', query = '') => {
    const res = await get(`/public/${slug}/showcase.json${query}`);
    expect(res.status).toBe(200);
    return { res, text: await res.text() };
  };
  const titles = async (slug = 'jtj') => (JSON.parse((await jsonFeed(slug)).text) as JsonFeed).items.map((i) => i.title);
  const briefing = async (title: string, body: string, publish = true, token = t.secretary, org = '第一车队党支部') => {
    const created = await gql(
      `mutation($input: CreateBriefingInput!) { createBriefing(input: $input) { id } }`,
      { input: { orgId: ids[org], title, body } },
      token,
    );
    const id = created.data.createBriefing.id as string;
    if (publish) await gql(`mutation($id: ID!) { publishBriefing(input: { id: $id }) { id } }`, { id }, token);
    return id;
  };

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj');
    foreign = await server.token('szjg', 'admin');
    TODAY = await tenantToday(su);
  });
  afterAll(() => server.close());

  let hostile: string;

  it('starts empty, for a known slug, with the headers a website embedding it needs; an unknown slug is 404', async () => {
    const { res, text } = await jsonFeed();
    expect(res.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, no-cache');
    expect(JSON.parse(text)).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: '市交通运输局 · 创建服务型党组织专栏',
      language: 'zh-CN',
      items: [],
    });
    const atom = await get('/public/jtj/showcase.atom');
    expect(atom.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(parseXml(await atom.text()).entries).toEqual([]);
    for (const slug of ['nope', 'JTJ', '..%2F..%2Fetc', 'a'.repeat(60)]) {
      const res404 = await get(`/public/${slug}/showcase.json`);
      expect({ slug, status: res404.status }).toEqual({ slug, status: 404 });
      expect(((await res404.json()) as { errors: { extensions: { reason: string } }[] }).errors[0].extensions.reason).toBe(
        'SHOWCASE_FEED_NOT_FOUND',
      );
    }
  });

  it('takes a proposal from the org’s officers only, of records fit to be shown, keeping the text as proposed with contacts masked', async () => {
    const draft = await briefing('草稿简报', '未报送', false);
    expect((await propose(draft)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'SHOWCASE_BRIEFING_NOT_PUBLISHED' });
    // one who may not propose hears so first, whatever the record's standing (a member's own pledge, not fulfilled)
    const pledge = await gql(
      `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`,
      { input: { orgId: ids['第一车队党支部'], text: `联系电话:${' '.repeat(300)}13912345678`, dueOn: addDays(TODAY, 10) } },
      t.member,
    );
    expect((await propose(pledge.data.pledgeCommitment.id, t.member)).errors![0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'SHOWCASE_NOT_PROPOSER',
    });
    hostile = await briefing(HOSTILE_TITLE, HOSTILE_BODY);
    expect(codes(await propose(hostile, t.member))).toEqual(['FORBIDDEN']);
    expect((await propose(hostile, t.secretary2)).errors![0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'SHOWCASE_SOURCE_NOT_FOUND',
    });
    expect(codes(await propose(hostile, foreign))).toEqual(['NOT_FOUND']);
    expect(codes(await propose(ids['第一车队党支部']))).toEqual(['NOT_FOUND']); // an org is no record to show
    expect(await count(su, 'showcase_items')).toBe(0);
    const res = await propose(hostile);
    expect(res.errors).toBeUndefined();
    const item = res.data.proposeShowcaseItem;
    expect(item).toMatchObject({
      sourceType: 'BRIEFING',
      sourceTypeLabel: '简报信息',
      sourceId: hostile,
      category: '简报信息',
      title: HOSTILE_TITLE,
      state: 'PROPOSED',
      stateLabel: '待审核',
      shown: false,
      publishedAt: null,
      proposedByName: '第一车队党支部书记',
      org: { name: '第一车队党支部' },
    });
    for (const secret of ['13912345678', '87654321', 'wang.shifu@example.com', '130102199001011234'])
      expect(item.body).not.toContain(secret);
    expect(item.body).toContain('联系人王师傅，手机[联系方式已隐去]，座机[联系方式已隐去]，邮箱[联系方式已隐去]，身份证[联系方式已隐去]。');
    // the record changed later: the item keeps what was proposed (and approved)
    await su.query(`UPDATE briefings SET title = '改过的标题' WHERE id = $1`, [rawId(hostile)]);
    // one live item per record, also in a race
    const again = await Promise.all(Array.from({ length: 10 }, () => propose(hostile, t.supervisor)));
    expect(again.flatMap((r) => (r.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`))).toEqual(
      Array(10).fill('CONFLICT/SHOWCASE_ALREADY_PROPOSED'),
    );
    hostile = item.id;
  });

  it('shows nothing unapproved; an admin at the root approves, once; the item appears at once with its text escaped', async () => {
    expect(await titles()).toEqual([]);
    for (const who of ['leader', 'supervisor', 'secretary', 'member', 'inspector'])
      expect({ who, codes: codes(await approve(hostile, t[who])) }).toEqual({ who, codes: ['FORBIDDEN'] });
    expect(codes(await approve(hostile, foreign))).toEqual(['NOT_FOUND']);
    const results = await Promise.all(Array.from({ length: 20 }, () => approve(hostile)));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.flatMap((r) => (r.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`))).toEqual(
      Array(19).fill('CONFLICT/SHOWCASE_WRONG_STATE'),
    );
    expect(results.find((r) => !r.errors)!.data.approveShowcaseItem).toMatchObject({
      state: 'PUBLISHED',
      shown: true,
      reviewedByName: '局组织科',
    });

    // JSON Feed: the text is data; no "<" reaches the wire, so a page may inline it anywhere
    const { text } = await jsonFeed();
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toContain('\u2028');
    const feed = JSON.parse(text) as JsonFeed;
    expect(feed.items).toHaveLength(1);
    expect(feed.items[0]).toMatchObject({ title: HOSTILE_TITLE, authors: [{ name: '第一车队党支部' }], tags: ['简报信息'] });
    expect(feed.items[0].content_text).toContain('<img src=x onerror=alert(1)>');
    // Atom: well-formed XML whatever the text held; one entry, its markup as text, characters XML cannot hold dropped
    const atom = await (await get('/public/jtj/showcase.atom')).text();
    expect(atom).not.toContain('<script');
    expect(atom).not.toContain('<img');
    const parsed = parseXml(atom);
    expect(parsed.entries).toHaveLength(1);
    expect(parsed.entries[0].title).toBe(HOSTILE_TITLE);
    expect(parsed.entries[0].content).toContain('</content></entry><entry><title>伪造条目</title>');
    expect(parsed.entries[0].content).toContain('控制字符结束\u2028行分隔');
    // no contact data in either format
    for (const body of [text, atom])
      for (const secret of ['13912345678', '87654321', 'wang.shifu', '130102199001011234']) expect(body).not.toContain(secret);
  });

  it('pages newest first with next links in both formats, and refuses bad paging', async () => {
    const brand = await gql(
      `mutation($input: CreateServiceBrandInput!) { createServiceBrand(input: $input) { id } }`,
      {
        input: {
          orgId: ids['第一车队党支部'],
          name: '温馨一路',
          slogan: '一路温馨',
          standards: [{ title: '文明用语', content: '请、您好、谢谢', aspect: 'WORK_REGULATED' }],
        },
      },
      t.secretary,
    );
    const item = (await propose(brand.data.createServiceBrand.id)).data.proposeShowcaseItem;
    expect(item).toMatchObject({ title: '服务品牌“温馨一路”', summary: '一路温馨', body: '服务标准：\n1. 文明用语：请、您好、谢谢' });
    await approve(item.id);
    const commitment = await gql(
      `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`,
      { input: { orgId: ids['第一车队党支部'], text: '早晚高峰加密发车', dueOn: addDays(TODAY, 10) } },
      t.secretary,
    );
    expect((await propose(commitment.data.pledgeCommitment.id)).errors![0].extensions).toMatchObject({
      reason: 'SHOWCASE_COMMITMENT_NOT_FULFILLED',
    });
    await gql(
      `mutation($id: ID!) { fulfilCommitment(input: { id: $id, report: "高峰发车间隔缩短至4分钟" }) { id } }`,
      { id: commitment.data.pledgeCommitment.id },
      t.secretary,
    );
    await approve((await propose(commitment.data.pledgeCommitment.id)).data.proposeShowcaseItem.id);
    expect(await titles()).toEqual(['承诺践诺：早晚高峰加密发车', '服务品牌“温馨一路”', HOSTILE_TITLE]);

    const page1 = JSON.parse((await jsonFeed('jtj', '?first=2')).text) as JsonFeed;
    expect(page1.items.map((i) => i.title)).toEqual(['承诺践诺：早晚高峰加密发车', '服务品牌“温馨一路”']);
    expect(page1.next_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/public\/jtj\/showcase\.json\?first=2&after=/);
    const page2 = JSON.parse(await (await fetch(page1.next_url!)).text()) as JsonFeed;
    expect(page2.items.map((i) => i.title)).toEqual([HOSTILE_TITLE]);
    expect(page2.next_url).toBeUndefined();
    const atom1 = parseXml(await (await get('/public/jtj/showcase.atom?first=1')).text());
    expect(atom1.links.self).toMatch(/\/public\/jtj\/showcase\.atom$/);
    const atom2 = parseXml(await (await fetch(atom1.links.next)).text());
    expect(atom2.entries.map((e) => e.title)).toEqual(['服务品牌“温馨一路”']);
    for (const query of ['?first=0', '?first=101', '?first=x', '?after=garbage', '?first=-1']) {
      const res = await get(`/public/jtj/showcase.json${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
    // an unchanged feed answers 304 to its ETag
    const { res } = await jsonFeed();
    expect((await get('/public/jtj/showcase.json', { 'if-none-match': res.headers.get('etag')! })).status).toBe(304);
  });

  it('keeps tenants apart: another tenant’s items are never in this feed, nor this one’s in theirs', async () => {
    const szjg = await orgIds(server, 'szjg');
    const secretary = await server.token('szjg', 'secretary');
    const created = await gql(
      `mutation($input: CreateBriefingInput!) { createBriefing(input: $input) { id } }`,
      { input: { orgId: szjg['内科党支部'], title: '内科义诊简报', body: '义诊' } },
      secretary,
    );
    await gql(`mutation($id: ID!) { publishBriefing(input: { id: $id }) { id } }`, { id: created.data.createBriefing.id }, secretary);
    const item = (await propose(created.data.createBriefing.id, secretary)).data.proposeShowcaseItem;
    // an admin of the other tenant neither reads nor approves this tenant's items
    expect(codes(await approve(item.id, t.admin))).toEqual(['NOT_FOUND']);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: item.id }, t.admin)).data.node).toBeNull();
    await approve(item.id, foreign);
    expect(await titles('szjg')).toEqual(['内科义诊简报']);
    expect(await titles()).not.toContain('内科义诊简报');
    expect((await gql(`{ showcaseItems { totalCount } }`, {}, foreign)).data.showcaseItems.totalCount).toBe(1);
  });

  it('removes an item at once when withdrawn, or when its record loses its standing or its org is archived', async () => {
    expect(codes(await withdraw(hostile, t.member))).toEqual(['FORBIDDEN']);
    expect(codes(await withdraw(hostile, t.secretary2))).toEqual(['NOT_FOUND']);
    expect(codes(await withdraw(hostile, foreign))).toEqual(['NOT_FOUND']);
    const out = await withdraw(hostile);
    expect(out.data.withdrawShowcaseItem).toMatchObject({ state: 'WITHDRAWN', shown: false, withdrawnByName: '第一车队党支部书记' });
    expect(await titles()).not.toContain(HOSTILE_TITLE);
    expect((await withdraw(hostile)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'SHOWCASE_WRONG_STATE' });
    expect((await approve(hostile)).errors![0].extensions).toMatchObject({ code: 'CONFLICT' });

    // a named 示范窗口, published, then revoked: out of the feed with its title
    const exemplar = (
      await gql(
        `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id } }`,
        {
          input: {
            kind: 'MODEL_WINDOW',
            orgId: ids['第二车队党支部'],
            year: Number(TODAY.slice(0, 4)),
            title: '第二车队调度窗口',
            reason: '一次性告知',
          },
        },
        t.supervisor,
      )
    ).data.nominateExemplar.id;
    await gql(`mutation($id: ID!) { startExemplarReview(input: { id: $id }) { id } }`, { id: exemplar }, t.admin);
    await gql(
      `mutation($id: ID!, $d: Date!) { startExemplarNotice(input: { id: $id, startsOn: $d, endsOn: $d }) { id } }`,
      { id: exemplar, d: TODAY },
      t.admin,
    );
    expect((await propose(exemplar, t.supervisor)).errors![0].extensions).toMatchObject({ reason: 'SHOWCASE_EXEMPLAR_NOT_NAMED' });
    await su.query(`UPDATE exemplars SET notice_starts_on = $2, notice_ends_on = $2 WHERE id = $1`, [rawId(exemplar), addDays(TODAY, -1)]);
    await gql(`mutation($id: ID!) { nameExemplar(input: { id: $id }) { id } }`, { id: exemplar }, t.admin);
    const shown = (await propose(exemplar, t.supervisor)).data.proposeShowcaseItem;
    expect(shown).toMatchObject({ category: '党员示范窗口', title: '党员示范窗口：第二车队调度窗口' });
    await approve(shown.id);
    expect((await titles())[0]).toBe('党员示范窗口：第二车队调度窗口');
    await gql(`mutation($id: ID!) { revokeExemplar(input: { id: $id, reason: "服务质量下滑" }) { id } }`, { id: exemplar }, t.admin);
    expect(await titles()).not.toContain('党员示范窗口：第二车队调度窗口');
    expect((await gql(`query($id: ID!) { showcaseItem(id: $id) { state shown } }`, { id: shown.id }, t.admin)).data.showcaseItem).toEqual({
      state: 'PUBLISHED',
      shown: false,
    });

    // a brand of a branch that is then archived
    const brand = await gql(
      `mutation($input: CreateServiceBrandInput!) { createServiceBrand(input: $input) { id } }`,
      { input: { orgId: ids['保修公司党支部'], name: '保修先锋', slogan: '修车更修心' } },
      t.supervisor,
    );
    await approve((await propose(brand.data.createServiceBrand.id, t.supervisor)).data.proposeShowcaseItem.id);
    expect(await titles()).toContain('服务品牌“保修先锋”');
    await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: ids['保修公司党支部'] }, t.admin);
    expect(await titles()).not.toContain('服务品牌“保修先锋”');
  });

  it('rejects with a reason; lists items to the readers of their org, with the feed paths for the website', async () => {
    const b = await briefing('待审简报', '内容');
    const item = (await propose(b)).data.proposeShowcaseItem.id;
    const reject = (reason: string, token = t.admin) =>
      gql(
        `mutation($input: RejectShowcaseItemInput!) { rejectShowcaseItem(input: $input) { state reviewNote } }`,
        { input: { id: item, reason } },
        token,
      );
    expect(codes(await reject('不宜公开', t.leader))).toEqual(['FORBIDDEN']);
    expect((await reject(' ')).errors![0].extensions).toMatchObject({ reason: 'SHOWCASE_REASON_BLANK' });
    expect((await reject('内容单薄')).data.rejectShowcaseItem).toEqual({ state: 'REJECTED', reviewNote: '内容单薄' });
    expect(await titles()).not.toContain('待审简报');
    const list = `{ showcaseItems(first: 50) { totalCount } pending: showcaseItems(state: PROPOSED) { totalCount } showcaseFeedPaths { json atom } }`;
    expect((await gql(list, {}, t.admin)).data).toEqual({
      showcaseItems: { totalCount: 6 },
      pending: { totalCount: 0 },
      showcaseFeedPaths: { json: '/public/jtj/showcase.json', atom: '/public/jtj/showcase.atom' },
    });
    expect((await gql(list, {}, t.secretary2)).data.showcaseItems.totalCount).toBe(0);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: item }, t.secretary2)).data.node).toBeNull();
  });
});

describe('the public feed’s rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '5', RATE_LIMIT_TENANT_PER_MINUTE: '100' } });
  });
  afterAll(() => server.close());

  it('answers 429 with Retry-After past the per-address limit, before the database is asked', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${server.baseUrl}/public/${i % 2 ? 'jtj' : 'no-such-tenant'}/showcase.json`);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited!.json()) as { errors: { extensions: { code: string; reason: string } }[] }).errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'RATE_LIMITED',
    });
  });
});

/** GET with a Host header of one's choosing (fetch will not send one): status, headers and body. */
function getWithHost(baseUrl: string, path: string, host: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the public feed’s own links and the Host header', () => {
  let plain: TestServer;
  let based: TestServer;
  beforeAll(async () => {
    [plain, based] = await Promise.all([
      startTestServer(),
      startTestServer({ env: { PUBLIC_BASE_URL: 'https://dangjian.example.gov.cn/portal/' } }),
    ]);
  });
  afterAll(() => Promise.all([plain.close(), based.close()]));

  it('writes them from PUBLIC_BASE_URL whatever host the request names', async () => {
    const json = await getWithHost(based.baseUrl, '/public/jtj/showcase.json', 'attacker.example');
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body).feed_url).toBe('https://dangjian.example.gov.cn/portal/public/jtj/showcase.json');
    expect(json.headers.vary ?? '').not.toMatch(/host/i);
    const atom = await getWithHost(based.baseUrl, '/public/jtj/showcase.atom', 'attacker.example');
    expect(atom.body).toContain('href="https://dangjian.example.gov.cn/portal/public/jtj/showcase.atom"');
    expect(atom.body).not.toContain('attacker.example');
  });

  it('without it, from the request’s host, varying by it; a Host that is no plain host name gives relative links', async () => {
    const json = await getWithHost(plain.baseUrl, '/public/jtj/showcase.json', 'portal.example:8443');
    expect(JSON.parse(json.body).feed_url).toBe('http://portal.example:8443/public/jtj/showcase.json');
    expect(json.headers.vary).toMatch(/host/i);
    expect(json.headers.vary).toBe(
      [(await getWithHost(based.baseUrl, '/public/jtj/showcase.json', 'x.example')).headers.vary, 'Host'].filter(Boolean).join(', '),
    );
    for (const host of ['evil.example/"><x', 'a b', 'evil.example@x']) {
      const crafted = await getWithHost(plain.baseUrl, '/public/jtj/showcase.json', host);
      if (crafted.status === 400) continue; // refused by the HTTP parser itself
      expect(crafted.status).toBe(200);
      expect(JSON.parse(crafted.body).feed_url).toBe('/public/jtj/showcase.json');
    }
  });
});
