import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A signed-in user's request opens with `app_open_request`: the request's identity as transaction-local
 * settings (what row-level security reads) and then the viewer's load (app_viewer), one statement where
 * they were two (a SELECT of set_config, then the load). VOLATILE (it sets) and SECURITY INVOKER: the
 * load reads as the caller, under the identity the function has just set and nothing else. The settings
 * are the ones the app sends (the tenant's id, and no platform); a local setting made inside a function
 * lasts for the transaction, as SET LOCAL's does (only a variable in the function's own SET clause,
 * search_path here, reverts when it returns).
 */
export class OpenRequestFunction1734280000000 implements MigrationInterface {
  name = 'OpenRequestFunction1734280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_open_request(p_tenant uuid, p_user uuid)
      RETURNS TABLE (username text, disabled boolean, session_epoch integer, assignment_id uuid, role text, org_id uuid,
                     path text, time_zone text)
      LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $$
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant::text, true), set_config('app.platform', '', true);
        RETURN QUERY SELECT * FROM app_viewer(p_tenant, p_user);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_open_request(uuid, uuid)`);
  }
}
