import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 框架下发 (issue 18): a superior hands a published framework version down to its linked tenants. The
 * version's document (the party-framework/v1 format of exportFramework) lands as a row of the
 * subordinate's own tenant, written by one owner-defined function that checks the caller is the SUPERIOR
 * party of an ACTIVE link (both rows); the subordinate then adopts it as it is or as the base of its own
 * version, under the ordinary tenant policy. Nothing of the subordinate is read by this path.
 */
export class FederationFrameworks1734180000003 implements MigrationInterface {
  name = 'FederationFrameworks1734180000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE handed_down_frameworks (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        link_id uuid NOT NULL,
        code text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        document jsonb NOT NULL CHECK (length(document::text) <= 524288),
        handed_at timestamptz NOT NULL DEFAULT now(),
        adopted_as text CHECK (adopted_as IN ('AS_IS', 'BASE')),
        adopted_version_id uuid,
        adopted_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, link_id) REFERENCES tenant_links (tenant_id, id),
        FOREIGN KEY (tenant_id, adopted_version_id) REFERENCES framework_versions (tenant_id, id),
        CHECK ((adopted_as IS NULL) = (adopted_version_id IS NULL) AND (adopted_as IS NULL) = (adopted_at IS NULL))
      )`);
    await q.query(`CREATE INDEX handed_down_frameworks_order ON handed_down_frameworks (tenant_id, handed_at, id)`);
    await isolateTenantTables(q, ['handed_down_frameworks']);
    await q.query(`DO $$ BEGIN
      EXECUTE format('CREATE POLICY federation_definer ON handed_down_frameworks TO %I USING (true) WITH CHECK (true)', current_user);
    END $$`);
    await q.query(`
      CREATE FUNCTION app_federation_hand_down(p_link uuid, p_code text, p_name text, p_document jsonb) RETURNS uuid
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        sub uuid;
        made uuid;
      BEGIN
        SELECT b.tenant_id INTO sub
          FROM tenant_links s JOIN tenant_links b ON b.tenant_id = s.peer_tenant_id AND b.id = s.id
         WHERE s.tenant_id = me AND s.id = p_link AND s.side = 'SUPERIOR' AND s.state = 'ACTIVE'
           AND b.peer_tenant_id = me AND b.side = 'SUBORDINATE' AND b.state = 'ACTIVE';
        IF sub IS NULL THEN RETURN NULL; END IF;
        PERFORM set_config('app.tenant_id', sub::text, true);
        INSERT INTO handed_down_frameworks (tenant_id, link_id, code, name, document)
        VALUES (sub, p_link, p_code, p_name, p_document) RETURNING id INTO made;
        PERFORM set_config('app.tenant_id', me::text, true);
        RETURN made;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_federation_hand_down(uuid, text, text, jsonb)`);
    await q.query(`DROP TABLE IF EXISTS handed_down_frameworks`);
  }
}
