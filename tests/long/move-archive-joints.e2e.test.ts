import {
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
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
import { GqlResponse, TestServer, startTestServer } from '../helpers/server';

/**
 * Class guard for the joints between the org tree and every module (issue 10, item 9): the full demo
 * is seeded, every org that owns a record of any kind (found generically: every column of every table
 * that references orgs) is moved into another 直属党组织's subtree and then archived, and after each
 * step every demo role reads every root query and every Node by introspection.
 *
 * The rule for a related object the viewer may no longer see, the same everywhere: the record stays
 * visible by its own rule (its owning org, or for a record between two orgs either one of them), and a
 * field that points to an org the viewer may not read answers null (such fields are nullable), never a
 * stub and never an error. So: no INTERNAL_SERVER_ERROR anywhere, and no org outside the viewer's
 * visible set (its scope subtrees plus the ancestors of its scope roots) appears in any answer.
 */
const ROLES = ['admin', 'leader', 'deputy', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'];
const toGlobal = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');
const fromGlobal = (id: string) => Buffer.from(id, 'base64url').toString().split(':');
/** Wrappers that do not count as a level of the selection (connections and their edges). */
const transparent = (name: string) => /Connection$|Edge$/.test(name);

interface Crawl {
  requests: number;
  answered: number;
  internal: { op: string; role: string; errors: unknown }[];
  invisible: { op: string; role: string; org: string }[];
}

describe('moves and archives never break a read (class guard for related objects out of sight)', () => {
  let server: TestServer;
  let su: Client;
  let schema: GraphQLSchema;
  let tenant: string;
  /** Every (table, column) that refers to an org, with the orgs its rows name. */
  const owners: { table: string; column: string; orgs: string[] }[] = [];
  /** The orgs moved and then archived. */
  const moved: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true, env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    su = await server.superuser();
    tenant = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    const admin = await server.token('jtj', 'admin');
    schema = buildClientSchema((await server.gql(getIntrospectionQuery(), {}, admin)).data);

    // every column that references orgs: foreign keys to orgs, and uuid columns named *org_id
    const { rows: columns } = await su.query(`
      SELECT DISTINCT c.conrelid::regclass::text AS table, a.attname AS column
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
       WHERE c.contype = 'f' AND c.confrelid = 'orgs'::regclass AND a.attname <> 'tenant_id'
         -- an org's id (orgs_parent_path_fkey names the path above an org, not an org)
         AND a.atttypid IN ('uuid'::regtype, 'uuid[]'::regtype)
      UNION
      SELECT DISTINCT cl.relname, a.attname FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = 'public' AND cl.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attname LIKE '%org_id' AND a.atttypid IN ('uuid'::regtype, 'uuid[]'::regtype)
         -- tenant data only (the platform's own log names orgs of every tenant, read by the operator alone)
         AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = cl.oid AND t.attname = 'tenant_id')
       ORDER BY 1, 2`);
    const root = (await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL`, [tenant])).rows[0].id;
    for (const { table, column } of columns) {
      const { rows } = await su
        .query(
          `SELECT DISTINCT x.org::text AS id FROM (SELECT unnest(array[${column}]::uuid[]) AS org FROM ${table} WHERE tenant_id = $1) x
          WHERE x.org IS NOT NULL AND x.org <> $2 ORDER BY 1`,
          [tenant, root],
        )
        .catch(async (error: Error) =>
          su
            .query(`SELECT DISTINCT o AS id FROM ${table}, unnest(${column}) o WHERE tenant_id = $1 AND o <> $2 ORDER BY 1`, [tenant, root])
            .catch(() => {
              throw new Error(`${table}.${column}: ${error.message}`);
            }),
        );
      owners.push({ table, column, orgs: rows.map((r: { id: string }) => r.id) });
    }
  }, 180_000);
  afterAll(() => server.close());

  const orgRow = async (id: string) =>
    (await su.query(`SELECT id, name, kind, path::text, parent_id, archived_at FROM orgs WHERE tenant_id = $1 AND id = $2`, [tenant, id]))
      .rows[0];

  /** Orgs a demo user may see: its scope subtrees and the ancestors of its scope roots. */
  async function visibleTo(username: string): Promise<Set<string>> {
    const { rows } = await su.query(
      `WITH roots AS (SELECT o.path FROM role_assignments r JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.user_id
                        JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.org_id WHERE r.tenant_id = $1 AND u.username = $2)
       SELECT o.id::text AS id FROM orgs o WHERE o.tenant_id = $1 AND EXISTS (SELECT 1 FROM roots WHERE o.path <@ roots.path OR roots.path <@ o.path)`,
      [tenant, username],
    );
    return new Set(rows.map((r: { id: string }) => r.id));
  }

  /** Type name → global ids of instances, those tied to the moved orgs first. */
  async function instances(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const node = schema.getType('Node');
    for (const type of schema.getPossibleTypes(node as never)) {
      if (type.name === 'Tenant') {
        out.set(type.name, [toGlobal('Tenant', tenant)]);
        continue;
      }
      const meta = server.database.dataSource.getMetadata(type.name);
      const key = meta.primaryColumns.map((c) => c.databaseName).filter((c) => c !== 'tenant_id')[0];
      const orgColumns = type.name === 'Org' ? ['id'] : owners.filter((o) => o.table === meta.tableName).map((o) => o.column);
      const tied = orgColumns.length ? `(${orgColumns.map((c) => `array[${c}]::uuid[] && $2::uuid[]`).join(' OR ')}) DESC,` : '';
      const { rows } = await su
        .query(
          `SELECT ${key}::text AS id FROM ${meta.tableName} WHERE tenant_id = $1 ORDER BY ${tied} 1 LIMIT 3`,
          orgColumns.length ? [tenant, moved] : [tenant],
        )
        .catch(() => su.query(`SELECT ${key}::text AS id FROM ${meta.tableName} WHERE tenant_id = $1 ORDER BY 1 LIMIT 3`, [tenant]));
      out.set(
        type.name,
        rows.map((r: { id: string }) => toGlobal(type.name, r.id)),
      );
    }
    return out;
  }

  function typeForIdArg(name: string, owner: string, ids: Map<string, string[]>): string {
    if (name === 'under' || /org/i.test(name)) return 'Org';
    const base = name.replace(/Ids?$/, '');
    const candidate = (base.charAt(0).toUpperCase() + base.slice(1)).toLowerCase();
    return [...ids.keys()].find((t) => t.toLowerCase() === candidate || t.toLowerCase().endsWith(candidate)) ?? owner;
  }

  function valueFor(type: GraphQLInputType, name: string, ids: Map<string, string[]>, owner: string, depth = 0): unknown {
    if (isNonNullType(type)) return valueFor(type.ofType, name, ids, owner, depth);
    if (isListType(type)) return [valueFor(type.ofType, name, ids, owner, depth)];
    if (isEnumType(type)) return type.getValues()[0].value;
    if (isInputObjectType(type)) {
      const out: Record<string, unknown> = {};
      for (const f of Object.values(type.getFields()))
        if (isNonNullType(f.type) && depth < 4) out[f.name] = valueFor(f.type, f.name, ids, owner, depth + 1);
      return out;
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'ID':
          return (ids.get(typeForIdArg(name, owner, ids)) ?? ids.get('Org'))![0];
        case 'Int':
          return name === 'year' ? new Date().getFullYear() : 10;
        case 'Float':
          return 1;
        case 'Boolean':
          return false;
        case 'Date':
          return '2013-06-01';
        case 'DateTime':
          return '2013-06-01T00:00:00Z';
        default:
          return 'x';
      }
    }
    return null;
  }

  /** Every scalar of the type, and of the objects it points to, two levels deep (connections do not count). */
  function selection(type: GraphQLNamedType, depth = 0): string {
    if (isUnionType(type) || isInterfaceType(type)) return '{ __typename ... on Node { id } }';
    if (!isObjectType(type)) return '';
    const parts = Object.values(type.getFields())
      .filter((f) => f.args.every((a) => !isNonNullType(a.type)))
      .map((f) => {
        const named = getNamedType(f.type);
        if (isScalarType(named) || isEnumType(named)) return f.name;
        const next = transparent(type.name) ? depth : depth + 1;
        return next <= 2 ? `${f.name} ${selection(named, next)}` : '';
      })
      .filter((p) => p && !p.endsWith(' '));
    return `{ __typename ${parts.join(' ')} }`;
  }

  function rootOperation(field: GraphQLField<unknown, unknown>, ids: Map<string, string[]>, withOptionalIds: boolean) {
    const owner = getNamedType(field.type).name;
    const args = field.args.filter(
      (a) => isNonNullType(a.type) || (withOptionalIds && /id$|ids$|^under$/i.test(a.name) && a.type.toString() !== 'ID!'),
    );
    const variables = Object.fromEntries(args.map((a) => [a.name, valueFor(a.type, a.name, ids, owner)]));
    const decls = args.map((a) => `$${a.name}: ${a.type.toString()}`);
    const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
    return {
      query: `query${decls.length ? `(${decls.join(', ')})` : ''} { ${field.name}${call} ${selection(getNamedType(field.type))} }`,
      variables,
    };
  }

  /** Every Org object anywhere in an answer. */
  function orgsIn(value: unknown, out: string[] = []): string[] {
    if (Array.isArray(value)) value.forEach((v) => orgsIn(v, out));
    else if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (obj.__typename === 'Org' && typeof obj.id === 'string') out.push(fromGlobal(obj.id)[1]);
      Object.values(obj).forEach((v) => orgsIn(v, out));
    }
    return out;
  }

  async function crawl(): Promise<Crawl> {
    const ids = await instances();
    const result: Crawl = { requests: 0, answered: 0, internal: [], invisible: [] };
    const check = (op: string, role: string, res: GqlResponse, visible: Set<string>) => {
      result.requests += 1;
      if (res.data && Object.values(res.data).some((v) => v !== null)) result.answered += 1;
      const internal = (res.errors ?? []).filter((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR' || !e.extensions?.code);
      if (internal.length || res.status >= 500)
        result.internal.push({ op, role, errors: internal.map((e) => `${e.message} at ${e.path?.join('.')}`) });
      // validation or cost refusals would hide fields from the guard: the crawl's own queries must pass
      const refused = (res.errors ?? []).filter(
        (e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' || e.extensions?.code === 'GRAPHQL_PARSE_FAILED',
      );
      if (refused.length) result.internal.push({ op, role, errors: refused.map((e) => `refused: ${e.message}`) });
      for (const org of orgsIn(res.data)) if (!visible.has(org)) result.invisible.push({ op, role, org });
    };
    for (const role of ROLES) {
      const token = await server.token('jtj', role);
      const visible = await visibleTo(role);
      for (const field of Object.values(schema.getQueryType()!.getFields())) {
        if (field.name.startsWith('__') || field.name === 'node' || field.name === 'nodes') continue;
        for (const withIds of [false, true]) {
          const op = rootOperation(field, ids, withIds);
          check(`${field.name}${withIds ? ' (ids)' : ''}`, role, await server.gql(op.query, op.variables, token), visible);
        }
      }
      for (const [type, list] of ids) {
        const sel = selection(schema.getType(type)!);
        for (const id of list) {
          check(
            `node ${type} ${id}`,
            role,
            await server.gql(`query($id: ID!) { node(id: $id) { __typename ... on ${type} ${sel} } }`, { id }, token),
            visible,
          );
        }
      }
    }
    return result;
  }

  it('finds records of many kinds that belong to orgs below the root', () => {
    const withRecords = owners.filter((o) => o.orgs.length).map((o) => `${o.table}.${o.column}`);
    // the demo holds records of every module: a new org-bound table without demo rows shows up here
    expect(withRecords.length).toBeGreaterThanOrEqual(20);
    expect(withRecords).toEqual(
      expect.arrayContaining([
        'service_requests.from_org_id',
        'service_requests.to_org_id',
        'evaluations.org_id',
        'inspections.org_id',
        'rectifications.owner_org_id',
      ]),
    );
  });

  it('moves every org that owns a record into another 直属党组织 subtree, and every role reads everything without an error', async () => {
    const admin = await server.token('jtj', 'admin');
    const targets = ['市交通运输综合执法支队党委', '市高速公路建设开发公司党委', '局机关党委'];
    const targetIds = (
      await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND name = ANY($2) ORDER BY array_position($2, name)`, [tenant, targets])
    ).rows.map((r: { id: string }) => r.id);
    const candidates = [...new Set(owners.flatMap((o) => o.orgs.slice(0, 2)))];
    for (const id of candidates) {
      if (targetIds.includes(id)) continue;
      const org = await orgRow(id);
      // into the first target outside the org's own top-level subtree
      let done = false;
      for (const target of targetIds) {
        const t = await orgRow(target);
        const top = org.path.split('.').slice(0, 2).join('.');
        if (t.path === top || t.path.startsWith(`${top}.`) || t.id === org.parent_id) continue;
        const res = await server.gql(
          `mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`,
          { input: { id: toGlobal('Org', id), newParentId: toGlobal('Org', target) } },
          admin,
        );
        expect({ org: org.name, errors: res.errors }).toEqual({ org: org.name, errors: undefined });
        done = true;
        break;
      }
      if (done) moved.push(id);
    }
    expect(moved.length).toBeGreaterThan(5);
    // the case the walk found: 第一车队 left 公交集团 with an open service request, which goes with it
    expect(moved).toContain((await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND name = '第一车队党支部'`, [tenant])).rows[0].id);

    const result = await crawl();
    expect(result.internal).toEqual([]);
    expect(result.invisible).toEqual([]);
    expect(result.answered).toBeGreaterThan(300);
  }, 600_000);

  it('archives the moved orgs with their subtrees, and every role still reads everything without an error', async () => {
    const admin = await server.token('jtj', 'admin');
    // one statement at a time on the superuser's client
    const paths: string[] = [];
    for (const id of moved) paths.push((await orgRow(id)).path);
    const { rows } = await su.query(
      `SELECT id, name FROM orgs WHERE tenant_id = $1 AND archived_at IS NULL AND path <@ ANY($2::ltree[]) ORDER BY nlevel(path) DESC, path`,
      [tenant, paths],
    );
    for (const { id, name } of rows) {
      const res = await server.gql(
        `mutation($input: ArchiveOrgInput!) { archiveOrg(input: $input) { archivedAt } }`,
        { input: { id: toGlobal('Org', id) } },
        admin,
      );
      expect({ name, errors: res.errors }).toEqual({ name, errors: undefined });
    }
    expect(rows.length).toBeGreaterThanOrEqual(moved.length);

    const result = await crawl();
    expect(result.internal).toEqual([]);
    expect(result.invisible).toEqual([]);
    expect(result.answered).toBeGreaterThan(300);
  }, 600_000);

  it('moved the branch’s open service request to its new superior: off the bus group supervisor’s list, on the new one’s', async () => {
    const supervisor = await server.token('jtj', 'supervisor');
    const res = await server.gql(`{ serviceRequests { nodes { title fromOrg { name } toOrg { name } } } }`, {}, supervisor);
    expect(res.errors).toBeUndefined();
    expect(res.data.serviceRequests.nodes).toEqual([]);
    const [parent] = (
      await su.query<{ name: string }>(
        `SELECT p.name FROM orgs o JOIN orgs p ON p.tenant_id = o.tenant_id AND p.id = o.parent_id WHERE o.tenant_id = $1 AND o.name = '第一车队党支部'`,
        [tenant],
      )
    ).rows;
    const admin = await server.token('jtj', 'admin');
    const all = await server.gql(`{ serviceRequests { nodes { title fromOrg { name } toOrg { name } } } }`, {}, admin);
    expect(all.data.serviceRequests.nodes).toEqual([
      { title: '请求协调党员活动场地', fromOrg: { name: '第一车队党支部' }, toOrg: { name: parent.name } },
    ]);
  });
});
