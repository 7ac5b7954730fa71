import { randomUUID } from 'node:crypto';
import {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLSchema,
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';
import { Client } from 'pg';
import { globalId, rawId } from '../helpers/ids';
import { TestServer, startTestServer } from '../helpers/server';
import { tenantId } from '../helpers/sql';

/**
 * Every Node type, not a sample: the schema is read by introspection, an instance of each type is
 * found in tenant A (jtj) through the entity metadata, and every role of tenant B (szjg) tries node,
 * nodes, every root query and every mutation that takes an id. Nothing of A may come back, change,
 * or even be confirmed to exist: the answer for A's id must be the answer for an unknown id.
 */
/** Types the whole tenant reads by design, with the reason; everything else bound to an org is scoped. */
const TENANT_WIDE: Record<string, string> = {
  Exemplar: '选树典型 in 公示 or named is public within the agency, so anyone may object',
};
const ROLES = ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'];

describe('isolation crawl over every Node type', () => {
  let server: TestServer;
  let su: Client;
  let schema: GraphQLSchema;
  let tenantA: string;
  /** Type name → global id of one of tenant A's instances. */
  const instances = new Map<string, string>();
  /** Type name → a global id of the same type that exists nowhere. */
  const unknown = new Map<string, string>();
  let snapshotA: () => Promise<string>;

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    tenantA = await tenantId(su, 'jtj');
    const admin = await server.token('jtj', 'admin');
    const intro = await server.gql(getIntrospectionQuery(), {}, admin);
    schema = buildClientSchema(intro.data);
    const node = schema.getType('Node');
    if (!node || !isInterfaceType(node)) throw new Error('no Node interface');
    for (const type of schema.getPossibleTypes(node)) {
      const name = type.name;
      unknown.set(name, globalId(name, randomUUID()));
      if (name === 'Tenant') {
        instances.set(name, globalId(name, tenantA));
        continue;
      }
      const meta = server.database.dataSource.getMetadata(name);
      // the Node's own id: the primary key column besides tenant_id
      const key = meta.primaryColumns.map((c) => c.databaseName).filter((c) => c !== 'tenant_id');
      if (key.length !== 1) throw new Error(`${name}: a Node needs one id column besides tenant_id, found ${key.join(', ')}`);
      const { rows } = await su.query(`SELECT ${key[0]}::text AS id FROM ${meta.tableName} WHERE tenant_id = $1 ORDER BY 1 LIMIT 1`, [
        tenantA,
      ]);
      if (rows.length) instances.set(name, globalId(name, rows[0].id));
    }
    // a fingerprint of every row tenant A owns, to prove nothing changed
    const tables: string[] = (
      await su.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') ORDER BY 1`)
    ).rows.map((r) => r.relname);
    snapshotA = async () => {
      const parts: string[] = [];
      for (const t of tables) {
        const { rows } = await su.query(
          `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x WHERE tenant_id = $1`,
          [tenantA],
        );
        parts.push(`${t}:${rows[0].n}:${rows[0].h}`);
      }
      return parts.join('\n');
    };
  }, 120_000);
  afterAll(() => server.close());

  it('finds an instance of every Node type in tenant A (a new type needs demo data)', () => {
    const node = schema.getType('Node');
    const missing = schema
      .getPossibleTypes(node as never)
      .map((t) => t.name)
      .filter((n) => !instances.has(n));
    expect(missing).toEqual([]);
    expect(instances.size).toBeGreaterThan(15);
  });

  /** The type an id argument or input field most likely names (orgId → Org, under → Org, id → the field's type). */
  function typeForIdArg(name: string, fallback: string): string {
    if (name === 'under' || name === 'scopeOrgId' || /org/i.test(name)) return 'Org';
    const base = name.replace(/Ids?$/, '');
    const candidate = base.charAt(0).toUpperCase() + base.slice(1);
    const match = [...instances.keys()].find(
      (t) => t.toLowerCase() === candidate.toLowerCase() || t.toLowerCase().endsWith(candidate.toLowerCase()),
    );
    return match ?? fallback;
  }

  /** A value of the input type, with every ID filled from `ids` (type name → global id). */
  function valueFor(type: GraphQLInputType, name: string, ids: Map<string, string>, owner: string, depth = 0): unknown {
    if (isNonNullType(type)) return valueFor(type.ofType, name, ids, owner, depth);
    if (isListType(type)) return [valueFor(type.ofType, name, ids, owner, depth)];
    if (isEnumType(type)) return type.getValues()[0].value;
    if (isInputObjectType(type)) {
      if (depth > 4) return {};
      const out: Record<string, unknown> = {};
      for (const f of Object.values(type.getFields())) {
        if (!isNonNullType(f.type) && !/id$|ids$/i.test(f.name)) continue;
        out[f.name] = valueFor(f.type, f.name, ids, owner, depth + 1);
      }
      return out;
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'ID':
          return ids.get(typeForIdArg(name, owner)) ?? ids.get('Org');
        case 'Int':
          return 1;
        case 'Float':
          return 1;
        case 'Boolean':
          return true;
        case 'Date':
          return '2026-01-15';
        case 'DateTime':
          return '2026-01-15T00:00:00Z';
        default:
          return name.toLowerCase().includes('key') ? `crawl-${randomUUID()}` : 'x';
      }
    }
    return null;
  }

  /** A selection that reaches every scalar of the type, two levels deep, so ids would show up. */
  function selection(type: ReturnType<typeof getNamedType>, depth = 0): string {
    if (!isObjectType(type) && !isInterfaceType(type) && !isUnionType(type)) return '';
    if (isUnionType(type) || isInterfaceType(type)) return '{ __typename ... on Node { id } }';
    const fields = Object.values(type.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
    const parts = fields
      .map((f) => {
        const named = getNamedType(f.type);
        if (isScalarType(named) || isEnumType(named)) return f.name;
        return depth < 1 ? `${f.name} ${selection(named, depth + 1)}` : '';
      })
      .filter(Boolean);
    return `{ __typename ${parts.join(' ')} }`;
  }

  function operation(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, ids: Map<string, string>) {
    const owner = getNamedType(field.type).name;
    const variables: Record<string, unknown> = {};
    const decls: string[] = [];
    const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) || /id$|ids$|^under$/i.test(a.name));
    for (const a of args) {
      variables[a.name] = valueFor(a.type, a.name, ids, owner);
      decls.push(`$${a.name}: ${a.type.toString()}`);
    }
    const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
    const sel = selection(getNamedType(field.type));
    return { query: `${kind}${decls.length ? `(${decls.join(', ')})` : ''} { ${field.name}${call} ${sel} }`, variables };
  }

  const rawIdsOfA = () => [...instances.values()].flatMap((g) => [g, rawId(g)]);
  const strip = (body: unknown) => JSON.stringify(body).replace(/"(id|__typename)":"[^"]*"/g, '');

  it.each(ROLES)(
    'gives tenant B’s %s nothing of tenant A through node, nodes and every root query',
    async (role) => {
      const token = await server.token('szjg', role);
      for (const [type, id] of instances) {
        const one = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, token);
        expect({ type, node: one.data?.node ?? null }).toEqual({ type, node: null });
      }
      const many = await server.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [...instances.values()] }, token);
      expect(many.data.nodes.every((n: unknown) => n === null)).toBe(true);

      const secrets = rawIdsOfA();
      for (const field of Object.values(schema.getQueryType()!.getFields())) {
        if (field.name.startsWith('__') || field.name === 'node' || field.name === 'nodes') continue;
        const foreign = operation('query', field, instances);
        const control = operation('query', field, unknown);
        const [a, b] = [
          await server.gql(foreign.query, foreign.variables, token),
          await server.gql(control.query, control.variables, token),
        ];
        const text = JSON.stringify(a);
        const leaked = secrets.filter((s) => text.includes(s));
        expect({ field: field.name, leaked }).toEqual({ field: field.name, leaked: [] });
        // the same answer as for ids that exist nowhere: nothing confirmed
        expect({ field: field.name, codes: (a.errors ?? []).map((e) => e.extensions?.code) }).toEqual({
          field: field.name,
          codes: (b.errors ?? []).map((e) => e.extensions?.code),
        });
      }
    },
    240_000,
  );

  it.each(ROLES)(
    'lets tenant B’s %s change nothing of tenant A through any mutation that takes an id',
    async (role) => {
      const token = await server.token('szjg', role);
      const before = await snapshotA();
      const mutations = Object.values(schema.getMutationType()!.getFields()).filter(
        (f) =>
          JSON.stringify(f.args.map((a) => a.type.toString())).includes('ID') ||
          f.args.some(
            (a) =>
              isInputObjectType(getNamedType(a.type)) &&
              /ID/.test(
                JSON.stringify(
                  Object.values((getNamedType(a.type) as never as { getFields(): Record<string, { type: unknown }> }).getFields()).map(
                    (x) => String(x.type),
                  ),
                ),
              ),
          ),
      );
      expect(mutations.length).toBeGreaterThan(20);
      for (const field of mutations) {
        const foreign = operation('mutation', field, instances);
        const control = operation('mutation', field, unknown);
        const a = await server.gql(foreign.query, foreign.variables, token);
        const b = await server.gql(control.query, control.variables, token);
        expect({ field: field.name, leaked: rawIdsOfA().filter((s) => JSON.stringify(a).includes(s)) }).toEqual({
          field: field.name,
          leaked: [],
        });
        expect({ field: field.name, codes: (a.errors ?? []).map((e) => e.extensions?.code), data: strip(a.data) }).toEqual({
          field: field.name,
          codes: (b.errors ?? []).map((e) => e.extensions?.code),
          data: strip(b.data),
        });
      }
      expect(await snapshotA()).toBe(before);
    },
    240_000,
  );

  it('keeps a scoped role out of a sibling subtree for every org-bound Node type', async () => {
    // secretary2 (养护科党支部, under 市公路管理处党委) against records of the 市公交集团党委 subtree
    const token = await server.token('jtj', 'secretary2');
    const [{ path: busPath }] = (await su.query(`SELECT path::text FROM orgs WHERE tenant_id = $1 AND name = '市公交集团党委'`, [tenantA]))
      .rows;
    const checked: string[] = [];
    for (const type of instances.keys()) {
      if (type === 'Tenant' || TENANT_WIDE[type]) continue;
      const meta = server.database.dataSource.getMetadata(type);
      const column =
        type === 'Org' ? 'id' : ['org_id', 'owner_org_id', 'from_org_id'].find((c) => meta.columns.some((col) => col.databaseName === c));
      if (!column) continue;
      const { rows } = await su.query(
        `SELECT x.id::text AS id FROM ${meta.tableName} x JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x.${column}
          WHERE x.tenant_id = $1 AND o.path <@ $2::ltree AND o.path <> $2::ltree LIMIT 1`,
        [tenantA, busPath],
      );
      if (!rows.length) continue;
      const res = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId(type, rows[0].id) }, token);
      expect({ type, node: res.data.node }).toEqual({ type, node: null });
      checked.push(type);
    }
    expect(checked).toEqual(expect.arrayContaining(['Org', 'Evaluation', 'Inspection', 'Rectification', 'User']));
  });
});
