import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's settings are changed by merging the given keys into what is stored, in the statement that
 * writes them. The function wrote the whole settings object the service had read and merged before, so
 * two changes of different settings at once left only the second (the first's key read before it
 * committed).
 */
export class TenantSettingsMerge1734300000002 implements MigrationInterface {
  name = 'TenantSettingsMerge1734300000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION app_update_tenant_settings(p_settings jsonb) RETURNS void LANGUAGE sql SECURITY DEFINER
      SET search_path = public, pg_temp AS $$
        UPDATE tenants SET settings = coalesce(settings, '{}'::jsonb) || p_settings WHERE id = app_tenant_id() $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION app_update_tenant_settings(p_settings jsonb) RETURNS void LANGUAGE sql SECURITY DEFINER
      SET search_path = public, pg_temp AS $$ UPDATE tenants SET settings = p_settings WHERE id = app_tenant_id() $$`);
  }
}
