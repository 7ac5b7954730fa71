import { TestServer, startTestServer } from './helpers/server';
import { withTransaction } from '../src/db/request-transaction';

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

  it('cannot update or delete another tenant’s rows even by primary key', async () => {
    const [jtj, szjg] = tenants;
    const su = await server.superuser();
    const { rows } = await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 LIMIT 1`, [szjg.id]);
    const changed = await withTransaction(server.database.dataSource, { tenantId: jtj.id }, async (tx) => {
      // TypeORM answers UPDATE/DELETE with [returned rows, affected count].
      const [, updated] = await tx.query(`UPDATE orgs SET name = 'hijacked' WHERE id = $1 RETURNING id`, [rows[0].id]);
      const [, deleted] = await tx.query(`DELETE FROM role_assignments WHERE tenant_id = $1 RETURNING id`, [szjg.id]);
      return Number(updated) + Number(deleted);
    });
    expect(changed).toBe(0);
    const after = await su.query(`SELECT name FROM orgs WHERE id = $1`, [rows[0].id]);
    expect(after.rows[0].name).not.toBe('hijacked');
  });
});
