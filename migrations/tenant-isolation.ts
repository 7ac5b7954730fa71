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
