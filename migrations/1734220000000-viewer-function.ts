import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The viewer's load (every request's first statement: the account, its role assignments with their
 * orgs' paths, the tenant's time zone) as a PL/pgSQL function. Its statement is planned once per
 * server connection and then runs on the cached plan, where the same SELECT sent as text was planned
 * on every request (~0.3 ms of the database's time against ~0.1 ms to run it, on the bench database).
 * SECURITY INVOKER and STABLE: it reads as the caller, under row-level security, and cannot write.
 * Plans live in each PostgreSQL backend, so this holds behind a pooler in transaction mode too.
 */
export class ViewerFunction1734220000000 implements MigrationInterface {
  name = 'ViewerFunction1734220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_viewer(p_tenant uuid, p_user uuid)
      RETURNS TABLE (username text, disabled boolean, session_epoch integer, assignment_id uuid, role text, org_id uuid,
                     path text, time_zone text)
      LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      BEGIN
        RETURN QUERY
        SELECT u.username, u.disabled, u.session_epoch, ra.id, ra.role, ra.org_id, o.path::text,
               (SELECT t.settings->>'timezone' FROM tenants t WHERE t.id = u.tenant_id)
          FROM users u
          LEFT JOIN role_assignments ra ON ra.tenant_id = u.tenant_id AND ra.user_id = u.id
          LEFT JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
         WHERE u.tenant_id = p_tenant AND u.id = p_user;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_viewer(uuid, uuid)`);
  }
}
