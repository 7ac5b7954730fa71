import { Client } from 'pg';
import { TestServer, startTestServer } from './helpers/server';

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
});
