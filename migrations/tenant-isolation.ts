import { QueryRunner } from 'typeorm';

/**
 * The second wall on tenant-owned tables: RLS enabled and forced (the owner too), with the one policy
 * keyed on the request's transaction-local tenant. Shared by the migrations (not a migration itself:
 * migrations/index.ts only collects `<timestamp>-<name>` files).
 */
export async function isolateTenantTables(q: QueryRunner, tables: string[]): Promise<void> {
  for (const table of tables) {
    await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON ${table}
                   USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
  }
}

/**
 * Runs `statements` (PL/pgSQL, `t` the tenant's id) once per tenant under that tenant's identity: row-level
 * security binds the owner too (FORCE), so a migration that changes rows visits each tenant in turn.
 */
export async function forEachTenant(q: QueryRunner, statements: string): Promise<void> {
  await q.query(`
    DO $$
    DECLARE t uuid;
    BEGIN
      PERFORM set_config('app.platform', 'on', true);
      FOR t IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        ${statements}
      END LOOP;
      PERFORM set_config('app.tenant_id', '', true);
      PERFORM set_config('app.platform', '', true);
    END $$`);
}
