import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every tenant keeps at least one enabled TENANT_ADMIN assigned at its root org. The services check
 * this under a per-tenant advisory lock before revoking or disabling; these constraint triggers are the
 * wall behind them, for every writer: after a TENANT_ADMIN assignment is deleted or changed, or a user
 * is disabled, they take the same lock (so concurrent removals are serialized and each one counts what
 * the other committed) and refuse the change when no enabled root admin is left. DEFERRABLE INITIALLY
 * IMMEDIATE: checked at the end of each statement, so a refusal belongs to the mutation that caused it;
 * a future operation that swaps admins inside one transaction may SET CONSTRAINTS ... DEFERRED.
 * SQLSTATE LA001 is mapped to CONFLICT / LAST_ADMIN (src/graphql/errors.ts).
 */
export class KeepRootAdmin1733820000001 implements MigrationInterface {
  name = 'KeepRootAdmin1733820000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION keep_root_admin() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        t uuid := OLD.tenant_id;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('tenant-admins:' || t::text, 0));
        -- a tenant without a root org (none visible) has nobody to keep
        IF NOT EXISTS (SELECT 1 FROM orgs WHERE tenant_id = t AND parent_id IS NULL) THEN
          RETURN NULL;
        END IF;
        IF NOT EXISTS (
          SELECT 1 FROM role_assignments ra
            JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id AND o.parent_id IS NULL
            JOIN users u ON u.tenant_id = ra.tenant_id AND u.id = ra.user_id AND NOT u.disabled
           WHERE ra.tenant_id = t AND ra.role = 'TENANT_ADMIN'
        ) THEN
          RAISE EXCEPTION 'tenant % would keep no enabled TENANT_ADMIN at its root org', t USING ERRCODE = 'LA001';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER role_assignments_keep_root_admin AFTER UPDATE OR DELETE ON role_assignments
        DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW WHEN (OLD.role = 'TENANT_ADMIN') EXECUTE FUNCTION keep_root_admin()`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER users_keep_root_admin AFTER UPDATE OF disabled ON users
        DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW WHEN (NEW.disabled AND NOT OLD.disabled) EXECUTE FUNCTION keep_root_admin()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS users_keep_root_admin ON users`);
    await q.query(`DROP TRIGGER IF EXISTS role_assignments_keep_root_admin ON role_assignments`);
    await q.query(`DROP FUNCTION IF EXISTS keep_root_admin()`);
  }
}
