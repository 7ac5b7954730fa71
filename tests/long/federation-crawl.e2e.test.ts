import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { GraphQLSchema, buildClientSchema, getIntrospectionQuery, isInterfaceType } from 'graphql';
import { Client } from 'pg';
import { operation, rootQueries, toGlobal } from '../helpers/crawl';
import { TestServer, codes, startTestServer } from '../helpers/server';
import { tenantId } from '../helpers/sql';

const FULL = `query($campaignId: ID, $asOf: Date) { federationOverview(campaignId: $campaignId, asOf: $asOf) {
  asOf year targetRatio bureaus { linkId tenant { slug name } grantedKinds
    progress { campaignName depth eligible evaluated attained ratio onTrack byCategory { category eligible attained ratio } byOrg { depth name path eligible evaluated attained ratio } }
    assessment { year ruleSet assessed average highest lowest } supervision { inspections findings overdueRectifications } }
  lagging { tenant { slug } } yearEnd { eligible attained ratio assessed averageAssessment inspections findings overdueRectifications } } }`;
const ROLES = ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'];

/**
 * The isolation proof with a link: in the demo, szjg (B) is the superior of jtj (A), and jtj granted it
 * progress (to depth 1), assessment totals and supervision counts. Every role of B reads every root query
 * of the schema (found by introspection, so a new query joins by itself) and the .xlsx export: B's admin
 * reads A's aggregates and nothing else of A (no org name below depth 1, no person, no id, no score
 * field); every other role of B reads nothing of A at all; once A revokes its grants, B's admin reads
 * nothing of A either. (tests/long/isolation-crawl.e2e.test.ts runs node, nodes, every query and every
 * mutation with A's ids on this same demo, link and grants included.)
 */
describe('isolation crawl across a link with an aggregate grant', () => {
  let server: TestServer;
  let su: Client;
  let schema: GraphQLSchema;
  let ids: Map<string, string>;
  /** A's org names at depth 1 (below its root): the only names a depth-1 grant lets through. */
  let shallow: string[];
  /** A's org names below depth 1, its root's name, its people's names: none may reach B. */
  let deep: string[];
  let people: string[];
  /** Raw and global ids of A's orgs, users, campaigns, evaluations, inspections, and A's tenant id. */
  let secretIds: string[];
  let tenantNames: string[];
  const tried = { roles: 0, queries: 0 };

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    const [a, b] = [await tenantId(su, 'jtj'), await tenantId(su, 'szjg')];
    const names = async (sql: string, tenant: string): Promise<string[]> => (await su.query(sql, [tenant])).rows.map((r) => r.n);
    // a string B's own rows hold (any column of any table) is no evidence either way
    const tables: string[] = (
      await su.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = c.oid AND x.attname = 'tenant_id')`)
    ).rows.map((r) => r.relname);
    const ownText: string[] = [(await su.query(`SELECT x::text AS t FROM tenants x WHERE id = $1`, [b])).rows[0].t];
    for (const t of tables)
      ownText.push(...(await su.query(`SELECT x::text AS t FROM ${t} x WHERE tenant_id = $1`, [b])).rows.map((r) => r.t));
    // and so is the text the platform ships to every tenant (the framework templates quote the source document)
    const dir = path.join(__dirname, '..', '..', 'templates');
    for (const f of readdirSync(dir)) ownText.push(readFileSync(path.join(dir, f), 'utf8'));
    const own = (name: string) => ownText.some((text) => text.includes(name));
    shallow = (await names(`SELECT name AS n FROM orgs WHERE tenant_id = $1 AND nlevel(path) = 2`, a)).filter((n) => !own(n));
    deep = (await names(`SELECT name AS n FROM orgs WHERE tenant_id = $1 AND nlevel(path) <> 2`, a)).filter(
      (n) => !own(n) && !shallow.some((x) => x.includes(n)),
    );
    people = (await names(`SELECT display_name AS n FROM users WHERE tenant_id = $1`, a)).filter((n) => !own(n));
    // A's name, unless the shipped templates (which quote the source: 市交通运输局) make it no evidence
    tenantNames = own('市交通运输局') ? [] : ['市交通运输局'];
    secretIds = [a, a.replace(/-/g, ''), toGlobal('Tenant', a)];
    for (const [table, type] of [
      ['orgs', 'Org'],
      ['users', 'User'],
      ['campaigns', 'Campaign'],
      ['evaluations', 'Evaluation'],
      ['inspections', 'Inspection'],
    ]) {
      for (const id of await names(`SELECT id::text AS n FROM ${table} WHERE tenant_id = $1`, a))
        secretIds.push(id, id.replace(/-/g, ''), toGlobal(type, id));
    }
    const admin = await server.token('szjg', 'admin');
    schema = buildClientSchema((await server.gql(getIntrospectionQuery(), {}, admin)).data);
    // B's own ids for the required arguments (its root org, its campaign), unknown ids for the rest
    ids = new Map();
    const node = schema.getType('Node');
    if (!node || !isInterfaceType(node)) throw new Error('no Node interface');
    for (const t of schema.getPossibleTypes(node)) ids.set(t.name, toGlobal(t.name, randomUUID()));
    ids.set('Org', toGlobal('Org', (await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL`, [b])).rows[0].id));
    ids.set('Campaign', toGlobal('Campaign', (await su.query(`SELECT id FROM campaigns WHERE tenant_id = $1 LIMIT 1`, [b])).rows[0].id));
    expect(shallow.length).toBeGreaterThan(3);
    expect(deep.length).toBeGreaterThan(10);
    expect(people.length).toBeGreaterThan(3);
  }, 180_000);
  afterAll(() => server.close());

  const found = (text: string, list: string[]) => list.filter((s) => text.includes(s));
  /** Keys of every object in an answer. */
  const keys = (value: unknown, out = new Set<string>()): Set<string> => {
    if (Array.isArray(value)) value.forEach((v) => keys(v, out));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) {
        out.add(k);
        keys(v, out);
      }
    return out;
  };

  /** Every root query as one role: the answers by field name. */
  async function crawl(token: string): Promise<Map<string, unknown>> {
    const answers = new Map<string, unknown>();
    for (const field of rootQueries(schema)) {
      const op = operation('query', field, ids);
      const res = await server.gql(op.query, op.variables, token);
      expect({ field: field.name, internal: codes(res).includes('INTERNAL_SERVER_ERROR') }).toEqual({ field: field.name, internal: false });
      answers.set(field.name, res);
      tried.queries++;
    }
    return answers;
  }

  const exportOf = async (token: string) => {
    const res = await fetch(`${server.baseUrl}/exports/federation/overview?asOf=2013-12-20`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) return { status: res.status, text: body.toString('utf8') };
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as unknown as ArrayBuffer);
    const cells: string[] = [];
    wb.eachSheet((sheet) => sheet.eachRow((row) => cells.push(JSON.stringify(row.values))));
    return { status: res.status, text: cells.join('\n') };
  };

  it('lets B’s admin read A’s aggregates and nothing else of A, in every root query and the export', async () => {
    const answers = await crawl(await server.token('szjg', 'admin'));
    tried.roles++;
    // the crawl's selection stops two levels down: the whole view is read once more in full
    const overview = await server.gql(FULL, { campaignId: ids.get('Campaign'), asOf: '2013-12-20' }, await server.token('szjg', 'admin'));
    answers.set('federationOverview (full)', overview);
    // the positive control: the aggregates do arrive, with the depth-1 names
    expect(overview.data.federationOverview.bureaus).toHaveLength(1);
    const overviewText = JSON.stringify(overview);
    expect(found(overviewText, shallow).length).toBe(shallow.length);
    // no field of the view is a score of an org or a person
    expect([...keys(overview)].filter((k) => /total|score|points|grade|rank|user|person|member|display/i.test(k))).toEqual([]);
    for (const [field, res] of answers) {
      const text = JSON.stringify(res);
      expect({ field, deep: found(text, deep), people: found(text, people), ids: found(text, secretIds) }).toEqual({
        field,
        deep: [],
        people: [],
        ids: [],
      });
      // A's depth-1 names only in the federation view itself
      if (!field.startsWith('federationOverview')) expect({ field, shallow: found(text, shallow) }).toEqual({ field, shallow: [] });
    }
    const file = await exportOf(await server.token('szjg', 'admin'));
    expect(file.status).toBe(200);
    expect(found(file.text, shallow).length).toBe(shallow.length);
    expect({ deep: found(file.text, deep), people: found(file.text, people), ids: found(file.text, secretIds) }).toEqual({
      deep: [],
      people: [],
      ids: [],
    });
  }, 300_000);

  it.each(ROLES.filter((r) => r !== 'admin'))(
    'gives B’s %s nothing of A: no aggregate, no name, no id',
    async (role) => {
      const token = await server.token('szjg', role);
      const answers = await crawl(token);
      tried.roles++;
      expect(codes(answers.get('federationOverview') as never)).toEqual(['FORBIDDEN']);
      expect(codes(answers.get('tenantLinks') as never)).toEqual(['FORBIDDEN']);
      for (const [field, res] of answers) {
        const text = JSON.stringify(res);
        expect({ field, found: found(text, [...shallow, ...deep, ...people, ...secretIds, ...tenantNames]) }).toEqual({ field, found: [] });
      }
      expect((await exportOf(token)).status).toBe(403);
    },
    300_000,
  );

  it('gives B’s admin nothing of A once A revokes its grants', async () => {
    const jtjAdmin = await server.token('jtj', 'admin');
    const links = await server.gql(`{ tenantLinks(first: 10) { nodes { id peer { slug } grants { kind } } } }`, {}, jtjAdmin);
    const link = links.data.tenantLinks.nodes.find((l: { peer: { slug: string } }) => l.peer.slug === 'szjg');
    expect(link.grants.map((g: { kind: string }) => g.kind)).toEqual(['ASSESSMENT', 'PROGRESS', 'SUPERVISION']);
    for (const { kind } of link.grants) {
      const res = await server.gql(
        `mutation($input: RevokeFederationAccessInput!) { revokeFederationAccess(input: $input) { id } }`,
        { input: { linkId: link.id, kind } },
        jtjAdmin,
      );
      expect(res.errors).toBeUndefined();
    }
    const answers = await crawl(await server.token('szjg', 'admin'));
    tried.roles++;
    expect(
      (answers.get('federationOverview') as { data: { federationOverview: { bureaus: unknown[] } } }).data.federationOverview.bureaus,
    ).toEqual([]);
    for (const [field, res] of answers) {
      const text = JSON.stringify(res);
      expect({ field, found: found(text, [...shallow, ...deep, ...people, ...secretIds]) }).toEqual({ field, found: [] });
    }
    const file = await exportOf(await server.token('szjg', 'admin'));
    expect(found(file.text, [...shallow, ...deep, ...people, ...secretIds])).toEqual([]);
  }, 300_000);

  it('tried every role and every root query (a lower bound, so the crawl cannot silently shrink)', () => {
    expect(tried.roles).toBe(ROLES.length + 1);
    expect(tried.queries).toBeGreaterThanOrEqual((ROLES.length + 1) * 70);
  });
});
