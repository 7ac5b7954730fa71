import { Client } from 'pg';
import {
  PREPARE_AFTER,
  PREPARED_PER_CONNECTION,
  prepareRepeatedStatements,
  prepareRepeatedStatementsOf,
} from '../src/db/prepared-statements';
import { TestServer, startTestServer } from './helpers/server';
import { LEARNABLE_READS, RequestTransaction, Statement, withTransaction } from '../src/db/request-transaction';
import { createDataSource } from '../src/db/data-source';
import { tenantId } from './helpers/sql';
import { LIVE_CHANNEL, LiveTopic, notifyLive } from '../src/graphql/live';
import { columnsOf, hydrate } from '../src/db/hydrate';
import { Org } from '../src/modules/org/org.entity';
import { Campaign } from '../src/modules/campaign/campaign.entity';
import { Evaluation } from '../src/modules/evaluation/evaluation.entity';

/**
 * The database wall, read at the database (issues 2, 10 and 18): the catalog (tenant-leading keys, forced
 * row-level security on every tenant table), row-level security with the server's own pool, and the
 * federation definer functions. Each part with its own server, so the app loads once for the three.
 */

/** The live catalog, read as superuser: the multi-tenancy invariants hold for every table, not a sample. */
describe('database catalog', () => {
  let server: TestServer;
  let db: Client;
  beforeAll(async () => {
    server = await startTestServer();
    db = await server.superuser();
  });
  afterAll(() => server.close());

  const tenantTables = async (): Promise<string[]> =>
    (
      await db.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                      WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`)
    ).rows.map((r) => r.relname);

  it('has tenant-owned tables', async () => {
    expect(await tenantTables()).toEqual(expect.arrayContaining(['orgs', 'users', 'role_assignments', 'refresh_tokens']));
  });

  it('lists every table without tenant_id explicitly (registry tables only)', async () => {
    const { rows } = await db.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') ORDER BY 1`);
    expect(rows.map((r) => r.relname)).toEqual(['platform_audit_log', 'platform_operators', 'schema_migrations', 'tenants']);
  });

  it('leads every primary key and every foreign key of a tenant-owned table with tenant_id', async () => {
    const { rows } = await db.query(`
      SELECT c.relname AS table, con.conname AS constraint, con.contype AS type,
             (SELECT attname FROM pg_attribute WHERE attrelid = con.conrelid AND attnum = con.conkey[1]) AS first_column,
             confrelid::regclass::text AS referenced
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND con.contype IN ('p', 'f')
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')`);
    const broken = rows.filter((r) => r.first_column !== 'tenant_id' && !(r.type === 'f' && r.referenced === 'tenants'));
    expect(broken).toEqual([]);
    // and each of those tables has a primary key at all
    const tables = await tenantTables();
    const withPk = new Set(rows.filter((r) => r.type === 'p').map((r) => r.table));
    expect(tables.filter((t) => !withPk.has(t))).toEqual([]);
  });

  it('forces row-level security with a tenant policy on every tenant-owned table', async () => {
    const { rows } = await db.query(`
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
             (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')`);
    expect(rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity || Number(r.policies) === 0)).toEqual([]);
  });

  it('runs the server pool as a role that is no superuser, cannot bypass RLS and owns nothing', async () => {
    const role = server.config.appDbRole;
    const { rows } = await db.query(`SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1`, [role]);
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false }]);
    const owned = await db.query(`SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)`, [role]);
    expect(owned.rows).toEqual([]);
    const [{ current_user: current }] = await server.database.dataSource.query(`SELECT current_user`);
    expect(current).toBe(role);
  });

  it('keeps no owner connection open after migrations', async () => {
    const { rows } = await db.query(
      `SELECT usename, application_name FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.usename === server.config.appDbRole)).toBe(true);
  });

  it('opens no more request connections than DATABASE_POOL_SIZE, however many requests come at once', async () => {
    expect(server.config.databasePoolSize).toBe(8); // the tests' servers (tests/helpers/server.ts)
    const token = await server.token('jtj', 'admin');
    const open = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'party-platform'`,
        )
      ).rows[0].n as number;
    let most = 0;
    let done = false;
    const watching = (async () => {
      while (!done) most = Math.max(most, await open());
    })();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => server.gql<{ orgs: { totalCount: number } }>(`{ orgs(first: 20) { totalCount } }`, {}, token)),
    );
    done = true;
    await watching;
    expect(answers.filter((a) => a.errors || !(a.data!.orgs.totalCount > 0))).toEqual([]);
    // the pool grew under 40 requests at once, up to its size and no further (idle connections stay 10 s)
    most = Math.max(most, await open());
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
  });
});

/** The second wall: with the server's own pool, a query that forgets its tenant filter still sees one tenant. */
describe('row-level security', () => {
  let server: TestServer;
  let tenants: { id: string; slug: string }[];
  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    const su = await server.superuser();
    tenants = (await su.query(`SELECT id, slug FROM tenants ORDER BY slug`)).rows;
  });
  afterAll(() => server.close());

  /** Every tenant-owned table in the live catalog, not a list kept by hand. */
  let tables: string[];
  beforeAll(async () => {
    const su = await server.superuser();
    tables = (
      await su.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')`)
    ).rows.map((r) => r.relname);
  });

  it('loads a viewer (app_viewer, planned once per connection) only inside the transaction’s own tenant', async () => {
    const su = await server.superuser();
    const [other] = (
      await su.query(`SELECT u.tenant_id, u.id FROM users u JOIN role_assignments ra ON ra.user_id = u.id WHERE u.tenant_id = $1 LIMIT 1`, [
        tenants[1].id,
      ])
    ).rows;
    const load = (tenant: string) =>
      withTransaction(server.database.dataSource, { tenantId: tenant }, (tx) =>
        tx.query<{ username: string; role: string }>(`SELECT username, role FROM app_viewer($1, $2)`, [other.tenant_id, other.id]),
      );
    // its own tenant: the account with its roles, every call (the cached plan answers as the first did)
    for (let i = 0; i < 8; i++) expect((await load(tenants[1].id)).length).toBeGreaterThan(0);
    // another tenant's identity, or none, naming this tenant's ids: nothing (row-level security applies inside)
    expect(await load(tenants[0].id)).toEqual([]);
    expect(
      await withTransaction(server.database.dataSource, { tenantId: null }, (tx) =>
        tx.query(`SELECT * FROM app_viewer($1, $2)`, [other.tenant_id, other.id]),
      ),
    ).toEqual([]);
    // app_open_request (every signed-in request's opening): sets the identity it is given, then loads under it
    const opened = (tenant: string, user: string) =>
      withTransaction(server.database.dataSource, { tenantId: null, platform: true }, async (tx) => ({
        rows: await tx.query<{ username: string }>(`SELECT username FROM app_open_request($1, $2)`, [tenant, user]),
        identity: (
          await tx.query<{ t: string; p: string; n: number }>(
            `SELECT current_setting('app.tenant_id') AS t, current_setting('app.platform') AS p, (SELECT count(DISTINCT tenant_id)::int FROM orgs) AS n`,
          )
        )[0],
      }));
    const own = await opened(other.tenant_id, other.id);
    expect(own.rows.length).toBeGreaterThan(0);
    expect(own.identity).toEqual({ t: other.tenant_id, p: '', n: 1 }); // the platform setting is cleared: one tenant's rows
    // a user of another tenant named with this one: nothing, and the identity is the tenant named
    const crossed = await opened(tenants[0].id, other.id);
    expect(crossed.rows).toEqual([]);
    expect(crossed.identity.t).toBe(tenants[0].id);
  });

  it('maps a hand-written statement’s rows (columnsOf, hydrate) exactly as TypeORM maps its own', async () => {
    const su = await server.superuser();
    const [{ tenant_id: tenant }] = (await su.query(`SELECT tenant_id FROM evaluations GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1`))
      .rows;
    // dates, timestamps (some null), booleans, numerics, arrays, ltree text, enums: every column of these entities
    const entities = [
      [Org, 'orgs'],
      [Campaign, 'campaigns'],
      [Evaluation, 'evaluations'],
    ] as const;
    await withTransaction(server.database.dataSource, { tenantId: tenant }, async (tx) => {
      for (const [entity, table] of entities) {
        const rows = await tx.query<Record<string, unknown>>(
          `SELECT ${columnsOf(tx, entity, 'x')} FROM ${table} x WHERE x.tenant_id = $1 ORDER BY x.id LIMIT 20`,
          [tenant],
        );
        expect(rows.length).toBeGreaterThan(0);
        const own = await tx.repository<object>(entity).find({ where: { tenantId: tenant }, order: { id: 'ASC' }, take: 20 });
        const mapped = rows.map((r) => hydrate<object>(tx, entity, 'x', r));
        expect(mapped).toEqual(own);
        mapped.forEach((m) => expect(m).toBeInstanceOf(entity));
      }
      // a row without the alias's key (a LEFT JOIN that found nothing) is no entity
      expect(hydrate(tx, Org, 'missing', { x_id: 'not this alias' })).toBeNull();
    });
  });

  it('answers progress through app_read_* only inside the transaction’s own tenant, as reads', async () => {
    const su = await server.superuser();
    const [c] = (await su.query(`SELECT tenant_id, id, scope_org_id FROM campaigns ORDER BY created_at LIMIT 1`)).rows;
    const lagging = (
      await su.query(`SELECT count(*)::int AS n FROM progress_standings WHERE tenant_id = $1 AND campaign_id = $2 AND NOT attained`, [
        c.tenant_id,
        c.id,
      ])
    ).rows[0].n;
    const read = (tenant: string | null) =>
      withTransaction(server.database.dataSource, { tenantId: tenant }, async (tx) => ({
        counts: await tx.query(`SELECT org_id FROM app_read_progress_counts($1, $2, $3)`, [c.tenant_id, c.id, c.scope_org_id]),
        lagging: await tx.query(`SELECT org_id FROM app_read_lagging($1, $2, 500)`, [c.tenant_id, c.id]),
        readOnly: !tx.mayHaveWritten,
      }));
    const own = await read(c.tenant_id);
    expect(own.counts.length).toBeGreaterThan(0);
    // in the order of org (and category), each child's org on its first row only (the root's on none); a
    // delta of nothing in another category gives one child a second row
    const root = c.scope_org_id;
    const countsOf = () =>
      withTransaction(server.database.dataSource, { tenantId: c.tenant_id }, (tx) =>
        tx.query<{ org_id: string; category: string; o_id: string | null }>(
          `SELECT f.org_id, f.category, (f.o).id AS o_id FROM app_read_progress_counts($1, $2, $3) f`,
          [c.tenant_id, c.id, root],
        ),
      );
    const before = await countsOf();
    const child = before.find((r) => r.org_id !== root)!.org_id;
    const otherCategory = before.find(
      (r) => r.org_id === root && !before.some((k) => k.org_id === child && k.category === r.category),
    )!.category;
    await su.query(
      `INSERT INTO progress_deltas (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained) VALUES ($1, $2, $3, $4, 0, 0, 0)`,
      [c.tenant_id, c.id, child, otherCategory],
    );
    const rows = await countsOf();
    await su.query(`DELETE FROM progress_deltas WHERE tenant_id = $1 AND org_id = $2 AND eligible = 0 AND evaluated = 0 AND attained = 0`, [
      c.tenant_id,
      child,
    ]);
    const orgs = rows.map((r) => r.org_id);
    expect(orgs).toEqual([...orgs].sort());
    const children = [...new Set(orgs.filter((o) => o !== root))];
    expect(children.some((o) => orgs.filter((x) => x === o).length > 1)).toBe(true);
    expect(rows.filter((r) => r.o_id !== null).map((r) => r.o_id)).toEqual(children);
    rows.forEach((r, i) => expect(r.o_id).toBe(r.org_id !== root && rows[i - 1]?.org_id !== r.org_id ? r.org_id : null));
    expect(own.lagging).toHaveLength(Math.min(lagging, 500));
    expect(own.readOnly).toBe(true);
    const other = tenants.find((t) => t.id !== c.tenant_id)!.id;
    expect(await read(other)).toEqual({ counts: [], lagging: [], readOnly: true });
    expect(await read(null)).toEqual({ counts: [], lagging: [], readOnly: true });
  });

  it('writes scores through app_save_scores and app_write_scores only inside the transaction’s own tenant, as writes', async () => {
    const su = await server.superuser();
    const [e] = (
      await su.query(
        `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, state, version, created_by)
         SELECT c.tenant_id, c.id, c.scope_org_id, 'SUPERIOR', 'DRAFT', 4, (SELECT u.id FROM users u WHERE u.tenant_id = c.tenant_id LIMIT 1)
           FROM campaigns c ORDER BY c.created_at LIMIT 1
         RETURNING tenant_id, id, campaign_id`,
      )
    ).rows;
    const [leaf] = (
      await su.query(
        `SELECT k.id FROM criteria k JOIN campaigns c ON c.tenant_id = k.tenant_id AND c.version_id = k.version_id
          WHERE c.id = $1 AND NOT EXISTS (SELECT 1 FROM criteria ch WHERE ch.tenant_id = k.tenant_id AND ch.parent_id = k.id) LIMIT 1`,
        [e.campaign_id],
      )
    ).rows;
    const arrays = [[leaf.id], [1], ['依据'], [null], [true], [false]];
    const save = (tenant: string | null, version: number) =>
      withTransaction(server.database.dataSource, { tenantId: tenant }, async (tx) => ({
        saved: await tx.query<{ version: number }>(
          `SELECT version FROM app_save_scores($1, $2, $3, $4::text[], $5::uuid[], $6::numeric[], $7::text[], $8::text[], $9::boolean[], $10::boolean[])`,
          [e.tenant_id, e.id, version, ['DRAFT', 'RETURNED'], ...arrays],
        ),
        wrote: tx.mayHaveWritten,
      }));
    const stored = async () =>
      (
        await su.query(
          `SELECT e.version, s.value::int, s.note FROM evaluations e LEFT JOIN evaluation_scores s ON s.evaluation_id = e.id WHERE e.id = $1`,
          [e.id],
        )
      ).rows;
    const other = tenants.find((t) => t.id !== e.tenant_id)!.id;
    // another tenant's identity or none, naming this tenant's evaluation: nothing bumped, nothing written
    expect(await save(other, 4)).toEqual({ saved: [], wrote: true });
    expect(await save(null, 4)).toEqual({ saved: [], wrote: true });
    const written = (tenant: string) =>
      withTransaction(server.database.dataSource, { tenantId: tenant }, (tx) =>
        tx.query(`SELECT app_write_scores($1, $2, $3::uuid[], $4::numeric[], $5::text[], $6::text[], $7::boolean[], $8::boolean[])`, [
          e.tenant_id,
          e.id,
          ...arrays,
        ]),
      );
    await expect(written(other)).rejects.toThrow(/row-level security/);
    expect(await stored()).toEqual([{ version: 4, value: null, note: null }]);
    // its own tenant: a stale version bumps and writes nothing; the current one both, once
    expect(await save(e.tenant_id, 3)).toEqual({ saved: [], wrote: true });
    expect(await stored()).toEqual([{ version: 4, value: null, note: null }]);
    expect(await save(e.tenant_id, 4)).toEqual({ saved: [{ version: 5 }], wrote: true });
    expect(await stored()).toEqual([{ version: 5, value: 1, note: '依据' }]);
    await su.query(`DELETE FROM evaluation_scores WHERE evaluation_id = $1`, [e.id]);
    await su.query(`DELETE FROM evaluations WHERE id = $1`, [e.id]);
  });

  it('shows only the current tenant’s rows to an unfiltered query on every tenant-owned table', async () => {
    expect(tables.length).toBeGreaterThan(25);
    const [jtj, szjg] = tenants.sort((a, b) => a.slug.localeCompare(b.slug));
    for (const tenant of [jtj, szjg]) {
      await withTransaction(server.database.dataSource, { tenantId: tenant.id }, async (tx) => {
        let populated = 0;
        for (const table of tables) {
          const rows = await tx.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM ${table}`);
          expect({ table, tenants: rows.map((r) => r.tenant_id) }).toEqual({ table, tenants: rows.length ? [tenant.id] : [] });
          if (rows.length) populated++;
        }
        // not a vacuous pass: most tables hold rows of this tenant
        expect(populated).toBeGreaterThan(15);
        const orgs = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM orgs`);
        expect(orgs[0].n).toBeGreaterThanOrEqual(30);
        const others = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenants`);
        expect(others[0].n).toBe(1);
      });
    }
  });

  it('answers a prepared statement under each request’s own tenant, its generic plan included', async () => {
    const [a, b] = tenants.sort((x, y) => x.slug.localeCompare(y.slug));
    const su = await server.superuser();
    const expected = async (tenant: string) =>
      (await su.query(`SELECT count(*)::int AS n FROM orgs WHERE tenant_id = $1 AND archived_at IS NULL AND depth >= $2`, [tenant, 0]))
        .rows[0].n;
    const text = `SELECT count(*)::int AS n, count(DISTINCT tenant_id)::int AS t, min(tenant_id::text) AS tenant FROM orgs WHERE archived_at IS NULL AND depth >= $1`;
    // one connection, its identity switched between statements; the plan cache made to use one plan for all
    await withTransaction(server.database.dataSource, { tenantId: a.id }, async (tx) => {
      await tx.query(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`);
      for (let i = 0; i < PREPARE_AFTER + 8; i++) {
        const tenant = i % 3 === 2 ? b : a;
        await tx.setIdentity({ tenantId: tenant.id });
        const [row] = await tx.query<{ n: number; t: number; tenant: string }>(text, [0]);
        expect(row).toEqual({ n: await expected(tenant.id), t: 1, tenant: tenant.id });
      }
      const [statement] = await tx.query<{ generic_plans: string }>(
        `SELECT generic_plans FROM pg_prepared_statements WHERE statement = '${text}'`,
      );
      expect(Number(statement.generic_plans)).toBeGreaterThan(3);
    });
  });

  it('prepares a connection’s repeated parameterized statements, never its plain ones, and at most so many', async () => {
    const extra = await server.superuser({ own: true }); // closed with the server
    prepareRepeatedStatements(extra as unknown as { query: (...args: unknown[]) => unknown });
    const prepared = async () =>
      new Set((await extra.query(`SELECT statement FROM pg_prepared_statements`)).rows.map((r: { statement: string }) => r.statement));
    const text = `SELECT $1::int + 5 AS n`;
    for (let i = 1; i < PREPARE_AFTER; i++) expect((await extra.query(text, [i])).rows).toEqual([{ n: i + 5 }]);
    expect((await prepared()).has(text)).toBe(false);
    expect((await extra.query(text, [7])).rows).toEqual([{ n: 12 }]);
    expect((await prepared()).has(text)).toBe(true);
    expect((await extra.query(text, [8])).rows).toEqual([{ n: 13 }]);
    // without parameters (simple protocol, where several statements may share a string): never
    for (let i = 0; i < PREPARE_AFTER + 1; i++) await extra.query(`SELECT 41 AS plain; SELECT 42 AS plain`);
    expect([...(await prepared())].some((s) => s.includes('plain'))).toBe(false);
    // a text that fails to parse is never recorded as prepared: each use fails the same way, the connection goes on
    for (let i = 0; i < PREPARE_AFTER + 2; i++) await expect(extra.query(`SELECT $1::int + nope AS n`, [1])).rejects.toThrow(/nope/);
    expect((await extra.query(text, [9])).rows).toEqual([{ n: 14 }]);
    // at most PREPARED_PER_CONNECTION texts; later texts still answer, unnamed
    for (let k = 0; k < PREPARED_PER_CONNECTION + 5; k++)
      for (let i = 0; i < PREPARE_AFTER; i++) expect((await extra.query(`SELECT $1::int * ${k + 2} AS m`, [1])).rows[0].m).toBe(k + 2);
    expect((await prepared()).size).toBe(PREPARED_PER_CONNECTION);
  });

  it('reads ahead in the opening through statements prepared on its connection, and forgets them when it fails', async () => {
    const su = await server.superuser();
    const dataSource = createDataSource(server.config.databaseUrl!, { poolSize: 1 }); // one connection, as the owner
    await dataSource.initialize();
    prepareRepeatedStatementsOf(dataSource);
    try {
      const ids = tenants.map((t) => t.id);
      const sql = `SELECT id, slug FROM tenants WHERE id = ANY($1::uuid[]) ORDER BY slug`;
      const expected = (await su.query(sql, [ids])).rows;
      const open = async (first = 'SELECT 1 AS one', twice = false) => {
        const tx = new RequestTransaction(dataSource);
        await tx.setIdentity({ tenantId: null, platform: true });
        try {
          // twice: the same text again (another tenant alone), which an opening that prepares it prepares once
          await tx.begin(first, [{ sql, params: [ids] }, ...(twice ? [{ sql, params: [ids.slice(1)] }] : [])]);
          const sent = tx.statements;
          const rows = await tx.query(sql, [ids]); // answered from the opening's rows
          expect(tx.statements).toBe(sent);
          const names = (await tx.query<{ name: string; statement: string }>(`SELECT name, statement FROM pg_prepared_statements`)).filter(
            (p) => p.statement.includes(sql),
          );
          return { rows, names };
        } finally {
          await tx.finish(true).catch(() => undefined);
        }
      };
      for (let i = 1; i < PREPARE_AFTER; i++) expect(await open()).toEqual({ rows: expected, names: [] });
      // the opening that prepares it fails after its PREPARE ran: the connection forgets it
      await expect(open('SELECT 1 / 0 AS never')).rejects.toThrow(/division by zero/);
      const prepared = await open(undefined, true);
      expect(prepared.rows).toEqual(expected);
      expect(prepared.names).toHaveLength(1);
      expect(prepared.names[0].name).toMatch(/^q_[0-9a-f]{40}$/);
      // (pg_prepared_statements shows the whole string the PREPARE came in)
      expect(prepared.names[0].statement.startsWith(`PREPARE ${prepared.names[0].name} AS ${sql};`)).toBe(true);
      // and from then on executed as prepared, with the same answer
      expect(await open()).toEqual(prepared);
    } finally {
      await dataSource.destroy();
    }
  });

  it('prepares nothing in the opening on a connection that does not prepare (PREPARED_STATEMENTS=false)', async () => {
    const dataSource = createDataSource(server.config.databaseUrl!, { poolSize: 1 }); // one connection, never prepareRepeatedStatementsOf
    await dataSource.initialize();
    try {
      const sql = `SELECT slug FROM tenants WHERE id = ANY($1::uuid[]) ORDER BY slug`;
      for (let i = 0; i < PREPARE_AFTER + 3; i++) {
        const tx = new RequestTransaction(dataSource);
        await tx.setIdentity({ tenantId: null, platform: true });
        await tx.begin('SELECT 1 AS one', [{ sql, params: [tenants.map((t) => t.id)] }]);
        expect((await tx.query<{ slug: string }>(sql, [tenants.map((t) => t.id)])).length).toBe(tenants.length);
        expect(await tx.query(`SELECT name FROM pg_prepared_statements`)).toEqual([]);
        await tx.finish(true);
      }
    } finally {
      await dataSource.destroy();
    }
  });

  it('shows nothing when no tenant is set', async () => {
    await withTransaction(server.database.dataSource, {}, async (tx) => {
      for (const table of [...tables, 'tenants', 'platform_operators']) {
        const rows = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
      }
    });
  });

  it('refuses to write a row into another tenant', async () => {
    const [jtj, szjg] = tenants;
    await expect(
      withTransaction(server.database.dataSource, { tenantId: jtj.id }, (tx) =>
        tx.query(`INSERT INTO users (tenant_id, username, display_name, password_hash) VALUES ($1, 'intruder', 'x', 'x')`, [szjg.id]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('lets no role but the app role call the definer functions (the jobs role naming a tenant gets nothing)', async () => {
    const jobs = new Client({ connectionString: server.database.jobsUrl });
    await jobs.connect();
    try {
      await jobs.query(`SELECT set_config('app.tenant_id', $1, false)`, [tenants[0].id]);
      for (const call of [`SELECT app_sso_client_secret()`, `SELECT app_update_tenant_settings('{}'::jsonb)`, `SELECT app_tenant_id()`]) {
        await expect(jobs.query(call)).rejects.toMatchObject({ code: '42501' });
      }
    } finally {
      await jobs.end();
    }
    // the app role still calls them
    const secret = await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, (tx) =>
      tx.query<{ s: string | null }>(`SELECT app_sso_client_secret() AS s`),
    );
    expect(secret).toHaveLength(1);
  });

  it('cannot update or delete another tenant’s rows even by primary key', async () => {
    const [jtj, szjg] = tenants;
    const su = await server.superuser();
    const { rows } = await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 LIMIT 1`, [szjg.id]);
    const changed = await withTransaction(server.database.dataSource, { tenantId: jtj.id }, async (tx) => {
      const updated = await tx.query<{ id: string }>(`UPDATE orgs SET name = 'hijacked' WHERE id = $1 RETURNING id`, [rows[0].id]);
      const deleted = await tx.query<{ id: string }>(`DELETE FROM role_assignments WHERE tenant_id = $1 RETURNING id`, [szjg.id]);
      return updated.length + deleted.length;
    });
    expect(changed).toBe(0);
    const after = await su.query(`SELECT name FROM orgs WHERE id = $1`, [rows[0].id]);
    expect(after.rows[0].name).not.toBe('hijacked');
  });
  /**
   * Writes nobody waits on (audit entries) go with COMMIT in one round trip, their parameters
   * inlined as literals: they must land exactly as the same statement with parameters does, go with a
   * rollback or a rolled-back savepoint, and fail the commit when they fail.
   */
  describe('deferred statements', () => {
    const probe = `INSERT INTO defer_probe (label, t, a, j, n, d, b, q) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
    const values = [
      `it's \\ "quoted" 党建 $1`,
      ['a"b', 'c\\d', null, '', 'NULL', "e'f", '{g,h}'],
      { k: "v'\\", n: [1, null], 中: '文' },
      12.5,
      new Date('2026-12-04T10:00:00.123Z'),
      Buffer.from([0, 255, 39, 92]),
      // quotes without a backslash: a plain '' literal rather than an E'' one
      `it's ''党建'' $2`,
    ];
    const rows = async () =>
      (await (await server.superuser()).query(`SELECT label, t, a, j, n::float8 AS n, d, b, q FROM defer_probe ORDER BY label`))
        .rows as Row[];
    beforeAll(async () => {
      const su = await server.superuser();
      await su.query(
        `CREATE TABLE defer_probe (label text NOT NULL, t text, a text[], j jsonb, n numeric, d timestamptz, b bytea, q text)`,
      );
      await su.query(`GRANT SELECT, INSERT ON defer_probe TO ${server.config.appDbRole}`);
    });

    it('writes with COMMIT exactly what the statement with parameters writes', async () => {
      await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
        await tx.execute(probe, ['with parameters', ...values]);
        tx.defer(probe, ['deferred', ...values]);
        // not sent before COMMIT
        expect(await tx.query<Row>(`SELECT label FROM defer_probe`)).toEqual([{ label: 'with parameters' }]);
      });
      const [deferred, direct] = await rows();
      expect(deferred.label).toBe('deferred');
      expect({ ...deferred, label: null }).toEqual({ ...direct, label: null });
      expect(direct.a).toEqual(values[1]);
      expect([direct.t, direct.q]).toEqual([values[0], values[6]]);
    });

    it('drops them with a rollback and with a rolled-back savepoint, keeps them with a released one', async () => {
      await expect(
        withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
          tx.defer(probe, ['rolled back', ...values]);
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
        await expect(
          tx.inSavepoint(async () => {
            tx.defer(probe, ['savepoint rolled back', ...values]);
            throw new Error('field refused');
          }),
        ).rejects.toThrow('field refused');
        await tx.inSavepoint(async () => tx.defer(probe, ['savepoint released', ...values]));
      });
      expect((await rows()).map((r) => r.label)).toEqual(['deferred', 'savepoint released', 'with parameters']);
    });

    it('keeps what was deferred before a refused savepoint whose field changed the identity (which sent it), under its identity', async () => {
      await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
        tx.defer(probe, ['deferred before a switch', ...values]);
        await expect(
          tx.inSavepoint(async () => {
            await tx.setIdentity({ tenantId: tenants[1].id });
            tx.defer(probe, ['deferred after the switch', ...values]);
            throw new Error('field refused');
          }),
        ).rejects.toThrow('field refused');
        expect(tx.identityTenantId).toBe(tenants[0].id);
        expect(await tx.query(`SELECT app_tenant_id() AS t`)).toEqual([{ t: tenants[0].id }]);
      });
      const labels = (await rows()).map((r) => r.label);
      expect(labels).toContain('deferred before a switch');
      expect(labels).not.toContain('deferred after the switch');
    });

    it('sends once what a released savepoint deferred before a field that ended the transaction itself (a refused re-authentication)', async () => {
      await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
        await tx.inSavepoint(async () => tx.defer(probe, ['before a field that committed', ...values]));
        await expect(
          tx.inSavepoint(async () => {
            await tx.finish(true);
            throw new Error('refused, its count kept');
          }),
        ).rejects.toThrow('refused, its count kept');
        await tx.inSavepoint(async () => tx.defer(probe, ['after it, in a transaction of its own', ...values]));
      });
      const labels = (await rows()).map((r) => r.label);
      expect(labels.filter((l) => l === 'before a field that committed')).toHaveLength(1);
      expect(labels).toContain('after it, in a transaction of its own');
    });

    it('tells a transaction that only read from one that may have written (a read’s response does not wait for COMMIT)', async () => {
      const judged = async (work: (tx: RequestTransaction) => Promise<unknown>) =>
        withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
          await work(tx);
          return tx.mayHaveWritten;
        });
      // reads: plain, joined, through the repository, the tenant lookups, a column named like a verb
      expect(await judged((tx) => tx.query(`SELECT label, t FROM defer_probe WHERE label <> $1`, ['x']))).toBe(false);
      expect(await judged((tx) => tx.query(`SELECT app_tenant_id() AS t, count(*) FROM orgs WHERE updated_at IS NOT NULL`))).toBe(false);
      expect(await judged((tx) => tx.query(`SELECT username FROM app_viewer($1, $2)`, [tenants[0].id, tenants[0].id]))).toBe(false);
      // writes, however they are sent
      expect(await judged((tx) => tx.execute(probe, ['judged', ...values]))).toBe(true);
      expect(
        await judged((tx) => tx.query(`WITH w AS (INSERT INTO defer_probe (label) VALUES ('cte') RETURNING label) SELECT * FROM w`)),
      ).toBe(true);
      expect(await judged((tx) => tx.query(`SELECT id FROM orgs LIMIT 1 FOR UPDATE`))).toBe(true);
      expect(await judged((tx) => tx.query(`SELECT pg_advisory_xact_lock(1)`))).toBe(true);
      expect(await judged((tx) => tx.query(`SELECT app_throttle_forgive($1, true)`, ['judged']))).toBe(true);
      expect(await judged(async (tx) => tx.defer(probe, ['judged deferred', ...values]))).toBe(true);
    });

    it('fails the commit when one fails, and nothing of the transaction stays', async () => {
      await expect(
        withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
          await tx.execute(probe, ['before the failure', ...values]);
          tx.defer(probe, [null, ...values]); // label NOT NULL
        }),
      ).rejects.toThrow(/null value/);
      expect((await rows()).map((r) => r.label)).not.toContain('before the failure');
    });

    /**
     * A write held back (saveScores' save when its answer needs nothing the write returns) goes with COMMIT,
     * or before the next statement, which must see it; its refusal is the request's error, and nothing stands.
     */
    describe('held writes', () => {
      const refusing = `INSERT INTO defer_probe (label) VALUES ($1)`; // label NOT NULL: given null, it refuses
      const translate = (error: unknown) => ((error as { code?: string }).code === '23502' ? new Error('translated refusal') : undefined);
      const labels = async () => (await rows()).map((r) => r.label);

      it('sends one with COMMIT, in its round trip, or before the next statement, which sees it', async () => {
        const tx = new RequestTransaction(server.database.dataSource);
        await tx.setIdentity({ tenantId: tenants[0].id });
        await tx.begin();
        const opened = tx.roundTrips;
        tx.hold(probe, ['held, then read', ...values]);
        expect(tx.mayHaveWritten).toBe(true);
        const read = await tx.query<Row>(`SELECT label, t, a, j, n::float8 AS n, d, b, q FROM defer_probe WHERE label = $1`, [
          'held, then read',
        ]);
        expect(read).toHaveLength(1);
        expect({ ...read[0], label: null }).toEqual({ ...(await rows()).find((r) => r.label === 'with parameters'), label: null });
        expect(tx.roundTrips - opened).toBe(2); // the held write, then the read
        tx.hold(probe, ['held to COMMIT', ...values]);
        const beforeCommit = tx.roundTrips;
        await tx.finish(true);
        expect(tx.roundTrips - beforeCommit).toBe(1);
        expect(await labels()).toEqual(expect.arrayContaining(['held, then read', 'held to COMMIT']));
      });

      it('answers a refusal at COMMIT as the request’s error, skipping the deferred writes; nothing stands', async () => {
        await expect(
          withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
            await tx.execute(probe, ['before a refused hold', ...values]);
            tx.hold(refusing, [null], translate);
            tx.defer(probe, ['deferred after a refused hold', ...values]);
          }),
        ).rejects.toThrow('translated refusal');
        expect(await labels()).not.toEqual(expect.arrayContaining(['before a refused hold']));
        expect(await labels()).not.toEqual(expect.arrayContaining(['deferred after a refused hold']));
      });

      it('fails the whole transaction when a later statement’s round trip carries the refusal, even when asked to commit', async () => {
        await expect(
          withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
            await tx.execute(probe, ['before a refusal sent early', ...values]);
            tx.hold(refusing, [null], translate);
            // the statement after it fails with the refusal; even if the caller goes on, the transaction answers it
            await expect(tx.query(`SELECT 1 AS one`)).rejects.toThrow('translated refusal');
          }),
        ).rejects.toThrow('translated refusal');
        expect(await labels()).not.toEqual(expect.arrayContaining(['before a refusal sent early']));
      });

      it('fails only its savepoint when refused inside one; drops it with a rollback', async () => {
        await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
          await tx.execute(probe, ['beside a refused field', ...values]);
          await expect(tx.inSavepoint(async () => tx.hold(refusing, [null], translate))).rejects.toThrow('translated refusal');
          await tx.inSavepoint(async () => tx.hold(probe, ['held in a released savepoint', ...values]));
        });
        await expect(
          withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
            tx.hold(probe, ['held, rolled back', ...values]);
            throw new Error('refused');
          }),
        ).rejects.toThrow('refused');
        const now = await labels();
        expect(now).toEqual(expect.arrayContaining(['beside a refused field', 'held in a released savepoint']));
        expect(now).not.toEqual(expect.arrayContaining(['held, rolled back']));
      });
    });

    it('answers a read sent ahead in the opening round trip as the statement would, once, and never after a write', async () => {
      const read = {
        sql: `SELECT label, t, a, j, n::float8 AS n, d, b FROM defer_probe WHERE label = $1 OR $2::text = 'all' ORDER BY label`,
        params: ['with parameters', 'one'],
      };
      const direct = await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, (tx) =>
        tx.query<Row>(read.sql, read.params),
      );
      expect(direct).toHaveLength(1);
      const opened = async (ahead: { sql: string; params: unknown[] }[]) => {
        const tx = new RequestTransaction(server.database.dataSource);
        await tx.setIdentity({ tenantId: tenants[0].id });
        expect(await tx.begin(`SELECT 'first' AS first`, ahead)).toEqual([{ first: 'first' }]);
        expect(tx.roundTrips).toBe(1);
        return tx;
      };
      const tx = await opened([read]);
      try {
        // the same rows, parsed alike (text, arrays, JSON, numbers, instants, bytea), without a round trip
        expect(await tx.query<Row>(read.sql, read.params)).toEqual(direct);
        expect(tx.roundTrips).toBe(1);
        // once: asked again, it is read again
        expect(await tx.query<Row>(read.sql, read.params)).toEqual(direct);
        expect(tx.roundTrips).toBe(2);
        // other parameters are another statement
        expect((await tx.query<Row>(read.sql, ['with parameters', 'all'])).length).toBeGreaterThan(1);
        expect(tx.roundTrips).toBe(3);
      } finally {
        await tx.finish(false);
      }
      // after a write in the transaction, what was read ahead may be stale: read afresh
      const probeRead = { sql: `SELECT label FROM defer_probe WHERE label = $1`, params: ['read ahead'] };
      const writer = await opened([probeRead]);
      try {
        await writer.execute(probe, ['read ahead', ...values]);
        expect(await writer.query<Row>(probeRead.sql, probeRead.params)).toEqual([{ label: 'read ahead' }]);
        expect(writer.roundTrips).toBe(3);
      } finally {
        await writer.finish(false);
      }
      // a failure of the opening string (a read ahead that fails) leaves no transaction and no connection behind
      const failing = new RequestTransaction(server.database.dataSource);
      await failing.setIdentity({ tenantId: tenants[0].id });
      await expect(failing.begin(`SELECT 1`, [{ sql: `SELECT $1::int AS n`, params: ['not a number'] }])).rejects.toThrow(/invalid input/);
      expect(failing.isOpen).toBe(false);
    });

    it('ends a read’s opening as a transaction of its own when told, and opens again for whatever comes after', async () => {
      const su = await server.superuser();
      const tenant = tenants[0].id;
      const [{ n: own }] = (await su.query(`SELECT count(*)::int AS n FROM orgs WHERE tenant_id = $1`, [tenant])).rows;
      // the state of a transaction's connection, as PostgreSQL sees it
      const stateOf = async (pid: number) =>
        (await su.query(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [pid])).rows[0]?.state as string | undefined;
      const orgsRead = { sql: `SELECT count(*)::int AS n FROM orgs WHERE updated_at > $1`, params: ['2000-01-01'] };
      const opened = async (commit: boolean) => {
        const learned: boolean[] = [];
        const tx = new RequestTransaction(server.database.dataSource);
        await tx.setIdentity({ tenantId: tenant });
        const [first] = await tx.begin(`SELECT current_setting('app.tenant_id') AS t, pg_backend_pid() AS pid`, [orgsRead], {
          end: { commit, learn: (a) => learned.push(a) },
        });
        expect(first.t).toBe(tenant);
        return { tx, learned, pid: first.pid as number };
      };

      // answered whole: the settings, the first statement and the read, in one round trip with no BEGIN or COMMIT
      const whole = await opened(true);
      expect(whole.tx.endedWithOpening).toBe(true);
      expect(await whole.tx.query(orgsRead.sql, orgsRead.params)).toEqual([{ n: own }]); // row-level security held
      expect(await stateOf(whole.pid)).toBe('idle'); // the connection is held, in no transaction
      await whole.tx.finish(true);
      expect([whole.tx.roundTrips, whole.tx.statements, whole.learned]).toEqual([1, 3, [true]]);
      // told not to: BEGIN … COMMIT as before, and it learns the request needed nothing more
      const plain = await opened(false);
      expect(plain.tx.endedWithOpening).toBe(false);
      expect(await stateOf(plain.pid)).toBe('idle in transaction');
      await plain.tx.finish(true);
      expect([plain.tx.roundTrips, plain.tx.statements, plain.learned]).toEqual([2, 5, [true]]);

      // a statement after the ended opening opens again (BEGIN and the same identity), then runs inside it
      const more = await opened(true);
      const [again] = await more.tx.query<{ t: string; n: number; open: boolean }>(
        `SELECT current_setting('app.tenant_id') AS t, (SELECT count(*)::int FROM orgs) AS n, now() = statement_timestamp() AS open`,
      );
      expect(again).toEqual({ t: tenant, n: own, open: false }); // now() is the new transaction's start, before this statement
      await more.tx.execute(probe, ['after the opening, rolled back', ...values]);
      await more.tx.finish(false);
      expect((await rows()).map((r) => r.label)).not.toContain('after the opening, rolled back');
      expect([more.tx.roundTrips, more.learned]).toEqual([5, [false]]); // opening, BEGIN again, 2 statements, ROLLBACK
      // … and commits what it wrote
      const write = await opened(true);
      await write.tx.execute(probe, ['after the opening, committed', ...values]);
      await write.tx.finish(true);
      // a deferred write alone opens it again with the COMMIT's round trip
      const deferred = await opened(true);
      deferred.tx.defer(probe, ['deferred after the opening', ...values]);
      await deferred.tx.finish(true);
      expect([deferred.tx.roundTrips, deferred.learned]).toEqual([3, [false]]);
      expect((await rows()).map((r) => r.label)).toEqual(
        expect.arrayContaining(['after the opening, committed', 'deferred after the opening']),
      );
      // a savepoint after it, and a rollback with nothing sent since
      const savepoint = await opened(true);
      await savepoint.tx.inSavepoint(async () => savepoint.tx.execute(probe, ['in a savepoint after the opening', ...values]));
      await savepoint.tx.finish(true);
      const nothing = await opened(true);
      await nothing.tx.finish(false);
      expect([nothing.tx.roundTrips, nothing.learned]).toEqual([1, [true]]);
      expect((await rows()).map((r) => r.label)).toContain('in a savepoint after the opening');

      // dozens at once, half of them going on after the opening: each its own answer, nothing left open
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const { tx, pid } = await opened(true);
          const [row] = await tx.query<{ n: number }>(orgsRead.sql, orgsRead.params);
          const after = i % 2 ? (await tx.query<{ t: string }>(`SELECT current_setting('app.tenant_id') AS t`))[0].t : null;
          await tx.finish(true);
          return { n: row.n, after, roundTrips: tx.roundTrips, pid };
        }),
      );
      answers.forEach((a, i) =>
        expect(a).toEqual({
          n: own,
          pid: expect.any(Number),
          ...(i % 2 ? { after: tenant, roundTrips: 4 } : { after: null, roundTrips: 1 }),
        }),
      );
      // every connection back in the pool, in no transaction
      for (const pid of new Set(answers.map((a) => a.pid))) expect(await stateOf(pid)).toBe('idle');
    });

    it('tells a read’s plan which reads it asked for after its opening, never after a write, and nothing when the opening fails', async () => {
      const told: [boolean, Statement[] | null][] = [];
      const open = async (ahead: Statement[]) => {
        const tx = new RequestTransaction(server.database.dataSource);
        await tx.setIdentity({ tenantId: tenants[0].id });
        await tx.begin(`SELECT 1 AS one`, ahead, { end: { commit: false, learn: (a, reads) => told.push([a, reads]) } });
        return tx;
      };
      const read = { sql: `SELECT count(*)::int AS n FROM orgs WHERE updated_at > $1`, params: ['2000-01-01'] };
      const other = { sql: `SELECT $1::text AS t`, params: ['x'] };
      // one answered by what was read ahead, one sent: both, in the order asked
      let tx = await open([read]);
      await tx.query(read.sql, read.params);
      await tx.query(other.sql, other.params);
      await tx.finish(true);
      expect(told.pop()).toEqual([false, [read, other]]);
      // all answered by the opening
      tx = await open([read]);
      await tx.query(read.sql, read.params);
      await tx.finish(true);
      expect(told.pop()).toEqual([true, [read]]);
      // a read after a write, a locking read, more reads than LEARNABLE_READS: none of them
      tx = await open([]);
      await tx.execute(probe, ['learn probe', ...values]);
      await tx.query(read.sql, read.params);
      await tx.finish(false);
      expect(told.pop()).toEqual([false, null]);
      tx = await open([]);
      await tx.query(`SELECT id FROM orgs WHERE updated_at > $1 LIMIT 1 FOR UPDATE`, ['2000-01-01']);
      await tx.finish(false);
      expect(told.pop()).toEqual([false, null]);
      tx = await open([]);
      for (let i = 0; i <= LEARNABLE_READS; i++) await tx.query(other.sql, [String(i)]);
      await tx.finish(true);
      expect(told.pop()).toEqual([false, null]);
      // reads past 16,000 characters of text and parameters in all
      tx = await open([]);
      await tx.query(other.sql, ['x'.repeat(9000)]);
      await tx.query(other.sql, ['y'.repeat(9000)]);
      await tx.finish(true);
      expect(told.pop()).toEqual([false, null]);
      // an opening whose read fails: the error stands, and what it read ahead is not to be read again
      await expect(open([{ sql: `SELECT 1 / $1::int AS x`, params: [0] }])).rejects.toThrow(/division by zero/);
      expect(told.pop()).toEqual([false, null]);
      expect((await rows()).map((r) => r.label)).not.toContain('learn probe');
    });
  });

  /**
   * Live events leave with NOTIFY after their transaction commits, batched on the side channel: a
   * NOTIFY inside the transaction would hold PostgreSQL's database-wide notification lock through the
   * commit and serialize every notifying commit (src/db/live-publisher.ts).
   */
  describe('live events after commit', () => {
    const received = async () => {
      const listener = await server.superuser({ own: true });
      const events: { t: string; kind: string | null; ids: string[]; users: string[] | null }[] = [];
      listener.on('notification', (m) => m.channel === LIVE_CHANNEL && events.push(JSON.parse(m.payload ?? 'null')));
      await listener.query(`LISTEN ${LIVE_CHANNEL}`);
      return events;
    };
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    };

    it('sends a committed event, under the transaction’s tenant, only once it has committed', async () => {
      const events = await received();
      const sent = async (notify: boolean) => {
        let done: RequestTransaction | undefined;
        await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
          done = tx;
          await tx.query(`SELECT 1`);
          if (!notify) return;
          await notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, kind: 'probe', ids: ['committed'] });
          await new Promise((r) => setTimeout(r, 100));
          expect(events).toEqual([]); // nothing before COMMIT
        });
        return done!.statements;
      };
      // nothing more on the transaction's own connection, COMMIT included: its commit takes no notification lock
      expect(await sent(true)).toBe(await sent(false));
      await until(() => events.length > 0);
      expect(events).toEqual([expect.objectContaining({ t: tenants[0].id, topic: 'TASK_CHANGED', kind: 'probe', ids: ['committed'] })]);
    });

    it('sends nothing for a rollback or a rolled-back savepoint, and nothing without a tenant', async () => {
      const events = await received();
      await expect(
        withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
          await notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, ids: ['rolled back'] });
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      await withTransaction(server.database.dataSource, { tenantId: null }, async (tx) => {
        await notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, ids: ['no tenant'] });
      });
      await withTransaction(server.database.dataSource, { tenantId: tenants[1].id }, async (tx) => {
        await expect(
          tx.inSavepoint(async () => {
            await notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, ids: ['savepoint rolled back'] });
            throw new Error('field refused');
          }),
        ).rejects.toThrow('field refused');
        await tx.inSavepoint(() => notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, ids: ['savepoint released'] }));
      });
      await until(() => events.length > 0);
      await new Promise((r) => setTimeout(r, 200));
      expect(events.map((e) => [e.t, e.ids])).toEqual([[tenants[1].id, ['savepoint released']]]);
    });

    it('delivers every event of 40 concurrent transactions, long ones in chunks with their recipients aligned', async () => {
      const events = await received();
      const ids = (n: number, k: number) => Array.from({ length: n }, (_, i) => `${k}-${i}`);
      await Promise.all(
        Array.from({ length: 40 }, (_, k) =>
          withTransaction(server.database.dataSource, { tenantId: tenants[k % 2].id }, (tx) =>
            notifyLive(tx, {
              topic: LiveTopic.NOTIFICATION_ADDED,
              ids: ids(k === 0 ? 130 : 1, k),
              users: ids(k === 0 ? 130 : 1, k).map((id) => `user-${id}`),
            }),
          ),
        ),
      );
      await until(() => events.length >= 42);
      await new Promise((r) => setTimeout(r, 100));
      expect(events).toHaveLength(42); // 39 single ids, and 130 ids in chunks of 60
      const all = events.flatMap((e) => e.ids.map((id, i) => ({ id, user: e.users?.[i], t: e.t })));
      expect(all).toHaveLength(169);
      expect(all.every(({ id, user, t }) => user === `user-${id}` && t === tenants[Number(id.split('-')[0]) % 2].id)).toBe(true);
      expect(events.filter((e) => e.ids[0].startsWith('0-')).map((e) => e.ids.length)).toEqual([60, 60, 10]);
    });

    it('splits long ids into payloads NOTIFY takes, and one refused payload loses no other event', async () => {
      const events = await received();
      const long = Array.from({ length: 60 }, (_, i) => `${'长'.repeat(50)}-${i}`); // ~155 bytes each: 60 do not fit in one
      const tooLong = 'x'.repeat(9000); // alone over NOTIFY's limit: refused, and logged
      const refused = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await withTransaction(server.database.dataSource, { tenantId: tenants[0].id }, async (tx) => {
          await notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, kind: 'long', ids: long });
          await notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, kind: 'refused', ids: [tooLong] });
          await notifyLive(tx, { topic: LiveTopic.TASK_CHANGED, kind: 'after', ids: ['after'] });
        });
        await until(() => events.some((e) => e.kind === 'after'));
        await new Promise((r) => setTimeout(r, 100));
        expect(events.filter((e) => e.kind === 'long').flatMap((e) => e.ids)).toEqual(long);
        expect(events.filter((e) => e.kind === 'long').length).toBeGreaterThan(1);
        expect(events.map((e) => e.kind)).not.toContain('refused');
        expect(refused).toHaveBeenCalledWith(expect.stringContaining('[live] an event was not sent'));
      } finally {
        refused.mockRestore();
      }
    });
  });
});

type Row = Record<string, unknown>;

/**
 * The federation functions at the database, called with the server's own pool (the app role: no
 * superuser, no BYPASSRLS) and every tenant setting but the right one: no tenant, the subordinate
 * itself, a third tenant, the superior with an unknown link, with no grant, with a revoked grant, with
 * the link ended. Only the superior of an active link with a standing grant of that kind gets a row,
 * and the transaction's tenant is its own again afterwards. The same again with the functions owned by
 * a role bound by row-level security: the figures are the same, and the tenant policies held.
 */
describe('federation functions at the database', () => {
  let server: TestServer;
  let su: Client;
  let jtj: string;
  let szjg: string;
  let third: string;
  let link: string;
  let campaign: string;

  const as = <T>(tenant: string | null, work: (tx: RequestTransaction) => Promise<T>, platform = false) =>
    withTransaction(server.database.dataSource, tenant ? { tenantId: tenant, platform } : { platform }, work);

  /** Every read function's rows for one link, as a tenant. */
  const reads = (tenant: string | null, id = link, platform = false) =>
    as(
      tenant,
      async (tx) => ({
        granted: await tx.query<Row>(`SELECT * FROM app_federation_granted()`),
        progress: await tx.query<Row>(`SELECT * FROM app_federation_progress($1)`, [id]),
        items: await tx.query<Row>(`SELECT * FROM app_federation_items($1)`, [id]),
        assessment: await tx.query<Row>(`SELECT * FROM app_federation_assessment($1, 2026)`, [id]),
        supervision: await tx.query<Row>(`SELECT * FROM app_federation_supervision($1, 2026)`, [id]),
        tenantAfter: (await tx.query<{ t: string | null }>(`SELECT app_tenant_id()::text AS t`))[0].t,
      }),
      platform,
    );
  const nothing = (tenant: string | null) => ({
    granted: [],
    progress: [],
    items: [],
    assessment: [],
    supervision: [],
    tenantAfter: tenant,
  });

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    [jtj, szjg] = [await tenantId(su, 'jtj'), await tenantId(su, 'szjg')];
    third = (await su.query(`INSERT INTO tenants (slug, name) VALUES ('third', '第三单位') RETURNING id`)).rows[0].id;
    // a fresh link szjg → jtj (the demo's own, if any, ended first), through the functions as each party
    await as(jtj, (tx) => tx.query(`SELECT app_federation_end(id) FROM tenant_links WHERE state IN ('PENDING', 'ACTIVE')`));
    link = await as(szjg, async (tx) => (await tx.query<{ l: string }>(`SELECT app_federation_invite('jtj') AS l`))[0].l);
    await as(jtj, (tx) => tx.query(`SELECT app_federation_respond($1, true)`, [link]));
    campaign = (await su.query(`SELECT id FROM campaigns WHERE tenant_id = $1 LIMIT 1`, [jtj])).rows[0].id;
  }, 120_000);
  afterAll(() => server.close());

  const grantAll = () =>
    as(jtj, (tx) =>
      tx.query(
        `INSERT INTO tenant_link_grants (tenant_id, link_id, kind, depth, campaign_id)
         VALUES ($1, $2, 'PROGRESS', 1, $3), ($1, $2, 'ASSESSMENT', NULL, NULL), ($1, $2, 'SUPERVISION', NULL, NULL)
         ON CONFLICT DO NOTHING`,
        [jtj, link, campaign],
      ),
    );

  it('answers nothing over an active link without a grant', async () => {
    expect(await reads(szjg)).toEqual(nothing(szjg));
  });

  it('answers the superior alone once granted, and restores its tenant', async () => {
    await grantAll();
    const got = await reads(szjg);
    expect(got.granted).toEqual([
      expect.objectContaining({ link_id: link, slug: 'jtj', kinds: ['ASSESSMENT', 'PROGRESS', 'SUPERVISION'], depth: 1 }),
    ]);
    expect(got.progress.length).toBeGreaterThan(3);
    expect(got.progress[0]).toMatchObject({ grp: 'TOTAL' });
    expect(Number(got.progress[0].eligible)).toBeGreaterThan(10);
    // jtj's granted campaign runs its own 四强四有, not a framework szjg handed down: no item scores
    expect(got.items).toEqual([{ adopted: false, code: null, title: null, evaluated: 0, average: null, max_points: null }]);
    expect(got.assessment).toEqual([expect.objectContaining({ rule_set: true })]);
    expect(got.supervision).toHaveLength(1);
    expect(got.tenantAfter).toBe(szjg);
    // no id in any row
    expect(JSON.stringify(got.progress)).not.toMatch(/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/);

    // everyone else: no tenant, the subordinate itself, a third tenant, the operator's setting
    expect(await reads(null)).toEqual(nothing(null));
    expect(await reads(jtj)).toEqual(nothing(jtj));
    expect(await reads(third)).toEqual(nothing(third));
    expect(await reads(null, link, true)).toEqual(nothing(null));
    // the superior with an id that is no link of its own
    const unknown = await reads(szjg, '00000000-0000-4000-8000-000000000000');
    expect({ ...unknown, granted: [] }).toEqual(nothing(szjg));
  });

  it('keeps the gate and the tables out of the app role’s hands', async () => {
    await expect(as(szjg, (tx) => tx.query(`SELECT * FROM app_federation_grant_of($1, 'PROGRESS')`, [link]))).rejects.toThrow(
      /permission denied/,
    );
    // the superior cannot write the subordinate's grant, nor read it
    await expect(
      as(szjg, (tx) => tx.query(`INSERT INTO tenant_link_grants (tenant_id, link_id, kind) VALUES ($1, $2, 'ASSESSMENT')`, [jtj, link])),
    ).rejects.toThrow(/row-level security/);
    expect(await as(szjg, (tx) => tx.query(`SELECT * FROM tenant_link_grants`))).toEqual([]);
    // a third tenant making itself "superior" in its own rows is refused by privilege
    await expect(
      as(third, (tx) =>
        tx.query(`INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state) VALUES ($1, $2, $3, 'SUPERIOR', 'ACTIVE')`, [
          third,
          link,
          jtj,
        ]),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('answers the same with the functions owned by a role bound by row-level security', async () => {
    const owner = `fed_owner_${process.pid}`;
    const fns = [
      'app_federation_grant_of(uuid, text)',
      'app_federation_granted()',
      'app_federation_progress(uuid)',
      'app_federation_items(uuid)',
      'app_federation_assessment(uuid, integer)',
      'app_federation_supervision(uuid, integer)',
    ];
    const before = await reads(szjg);
    const migrator: string = (await su.query(`SELECT current_user AS u`)).rows[0].u;
    await su.query(`CREATE ROLE ${owner} NOLOGIN NOSUPERUSER NOBYPASSRLS`);
    try {
      await su.query(`GRANT USAGE ON SCHEMA public TO ${owner}`);
      await su.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${owner}`);
      // the helpers they call (app_tenant_id()…), which a deployment's owner role owns too
      await su.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${owner}`);
      for (const t of ['tenant_links', 'tenant_link_grants'])
        await su.query(`ALTER POLICY federation_definer ON ${t} TO "${migrator}", ${owner}`);
      for (const f of fns) await su.query(`ALTER FUNCTION ${f} OWNER TO ${owner}`);
      // as in a deployment whose migration role is no superuser: it owns the (unforced) tenant registry
      await su.query(`ALTER TABLE tenants OWNER TO ${owner}`);
      const bound = await reads(szjg);
      expect(bound).toEqual(before);
      expect(Number(bound.progress[0].eligible)).toBeGreaterThan(10);
      // and the owner, outside the functions, still sees one tenant at a time
      await su.query(`BEGIN`);
      await su.query(`SET LOCAL ROLE ${owner}`);
      await su.query(`SELECT set_config('app.tenant_id', $1, true)`, [szjg]);
      const seen = await su.query(`SELECT count(*)::int AS n FROM orgs WHERE tenant_id = $1`, [jtj]);
      await su.query(`ROLLBACK`);
      expect(seen.rows[0].n).toBe(0);
    } finally {
      await su.query(`ROLLBACK`).catch(() => undefined);
      await su.query(`ALTER TABLE tenants OWNER TO "${migrator}"`);
      for (const f of fns) await su.query(`ALTER FUNCTION ${f} OWNER TO "${migrator}"`);
      for (const t of ['tenant_links', 'tenant_link_grants']) await su.query(`ALTER POLICY federation_definer ON ${t} TO "${migrator}"`);
      await su.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${owner}`);
      await su.query(`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM ${owner}`);
      await su.query(`REVOKE USAGE ON SCHEMA public FROM ${owner}`);
      await su.query(`DROP ROLE ${owner}`);
    }
  });

  it('answers nothing once a grant is revoked, and nothing at all once the link ends', async () => {
    await as(jtj, (tx) => tx.query(`DELETE FROM tenant_link_grants WHERE link_id = $1 AND kind = 'PROGRESS'`, [link]));
    const revoked = await reads(szjg);
    expect(revoked.progress).toEqual([]);
    expect(revoked.items).toEqual([]);
    expect(revoked.assessment).toHaveLength(1);
    await as(szjg, (tx) => tx.query(`SELECT app_federation_end($1)`, [link]));
    expect(await reads(szjg)).toEqual(nothing(szjg));
    // a grant written again over the ended link still opens nothing
    await grantAll();
    expect(await reads(szjg)).toEqual(nothing(szjg));
  });
});
