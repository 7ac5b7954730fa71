import {
  GraphQLField,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { Client } from 'pg';
import { rawId } from '../helpers/ids';
import { TestServer, startTestServer } from '../helpers/server';

/**
 * A User object (its roles, its account) is for the user itself and for an admin over the user's org:
 * everyone else reads a person's display name only. Every field of the schema that answers a User is
 * found by introspection and reached from every object that carries it (a Node read by id, or a root
 * list), as each non-admin demo role: any User that comes back must be the viewer itself.
 */
const NON_ADMINS = ['leader', 'deputy', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'];
const USER_SELECTION = `{ id username roles { id role } }`;

describe('User objects reach only the user and admins over its org', () => {
  let server: TestServer;
  let su: Client;
  let schema: GraphQLSchema;
  let tenantId: string;
  const userIds = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    tenantId = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    for (const row of (await su.query(`SELECT id::text, username FROM users WHERE tenant_id = $1`, [tenantId])).rows)
      userIds.set(row.username, row.id);
    schema = buildClientSchema((await server.gql(getIntrospectionQuery(), {}, await server.token('jtj', 'admin'))).data);
  }, 120_000);
  afterAll(() => server.close());

  const requiredArgs = (field: GraphQLField<unknown, unknown>) =>
    field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const isUser = (t: GraphQLNamedType) => t.name === 'User';

  /** Selections (within `depth` object levels) that end in a User, without arguments that must be given. */
  function userPaths(type: GraphQLNamedType, depth: number): string[] {
    if (!isObjectType(type) && !isInterfaceType(type)) return [];
    const out: string[] = [];
    for (const field of Object.values(type.getFields())) {
      if (requiredArgs(field)) continue;
      const named = getNamedType(field.type);
      if (isUser(named)) out.push(`${field.name} ${USER_SELECTION}`);
      else if (depth > 0 && !named.name.startsWith('__') && named.name !== 'Org' && named.name !== 'Viewer') {
        const inner = named.name.endsWith('Connection')
          ? userPaths(schema.getType(named.name.replace(/Connection$/, '')) as GraphQLNamedType, depth - 1).map((p) => `nodes { ${p} }`)
          : userPaths(named, depth - 1);
        for (const p of inner) out.push(`${field.name} { ${p} }`);
      }
    }
    return out;
  }

  it('finds the User fields and reads each from every carrier as every non-admin role', async () => {
    const nodeTypes = (schema.getPossibleTypes(schema.getType('Node') as never) as GraphQLObjectType[]).filter((t) => t.name !== 'User');
    const checks: { what: string; query: string }[] = [];
    for (const type of nodeTypes) {
      const paths = userPaths(type, 2);
      if (!paths.length) continue;
      let meta;
      try {
        meta = server.database.dataSource.getMetadata(type.name);
      } catch {
        continue;
      }
      const key = meta.primaryColumns.map((c) => c.databaseName).find((c) => c !== 'tenant_id');
      const { rows } = await su.query(`SELECT ${key}::text AS id FROM ${meta.tableName} WHERE tenant_id = $1 ORDER BY 1 LIMIT 5`, [
        tenantId,
      ]);
      for (const row of rows) {
        const id = Buffer.from(`${type.name}:${row.id}`).toString('base64url');
        for (const p of paths)
          checks.push({ what: `${type.name}.${p.split(' ')[0]}`, query: `{ node(id: "${id}") { ... on ${type.name} { ${p} } } }` });
      }
    }
    for (const field of Object.values(schema.getQueryType()!.getFields())) {
      if (requiredArgs(field) || field.name === 'viewer') continue;
      const named = getNamedType(field.type);
      const paths = isUser(named)
        ? [USER_SELECTION.slice(1, -1)]
        : named.name === 'UserConnection'
          ? [`nodes ${USER_SELECTION}`]
          : named.name.endsWith('Connection')
            ? userPaths(schema.getType(named.name.replace(/Connection$/, '')) as GraphQLNamedType, 2).map((p) => `nodes { ${p} }`)
            : userPaths(named, 2);
      for (const p of paths) checks.push({ what: `Query.${field.name}`, query: `{ ${field.name} { ${p} } }` });
    }
    // the crawl must keep covering what it covers today
    const fields = new Set(checks.map((c) => c.what));
    console.log(`user-visibility crawl: ${checks.length} reads of ${fields.size} carriers: ${[...fields].sort().join(', ')}`);
    expect(fields.size).toBeGreaterThanOrEqual(15);

    const leaks: string[] = [];
    let usersSeen = 0;
    for (const username of NON_ADMINS) {
      const token = await server.token('jtj', username);
      const self = userIds.get(username);
      for (const check of checks) {
        const res = await server.gql(check.query, {}, token);
        expect({
          check: check.what,
          codes: (res.errors ?? []).map((e) => e.extensions?.code).filter((c) => c === 'INTERNAL_SERVER_ERROR'),
        }).toEqual({ check: check.what, codes: [] });
        const found: { id: string; username: string }[] = [];
        const walk = (v: unknown) => {
          if (Array.isArray(v)) v.forEach(walk);
          else if (v && typeof v === 'object') {
            const o = v as Record<string, unknown>;
            if (typeof o.username === 'string' && Array.isArray(o.roles)) found.push(o as never);
            Object.values(o).forEach(walk);
          }
        };
        walk(res.data);
        usersSeen += found.length;
        for (const u of found) if (rawId(u.id) !== self) leaks.push(`${username} read ${u.username} through ${check.what}`);
      }
    }
    expect(leaks).toEqual([]);
    // and the admin does read them (the crawl reaches real users, not only nulls)
    const admin = await server.token('jtj', 'admin');
    let adminSaw = 0;
    for (const check of checks)
      adminSaw += (JSON.stringify((await server.gql(check.query, {}, admin)).data).match(/"roles":/g) ?? []).length;
    expect(adminSaw).toBeGreaterThan(usersSeen);
    expect(adminSaw).toBeGreaterThan(5);
  });
});
