import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 版本升级 (issue 18): a campaign's running evaluations move to a new framework version through an
 * explicit criterion mapping, previewed, applied in one transaction and recorded here. A finalized
 * inspection's score sheet is part of a hash-chained record and cannot move: it stays scored under the
 * version it was made in (evaluations.version_id; NULL is the campaign's version).
 */
export class VersionUpgrades1734200000000 implements MigrationInterface {
  name = 'VersionUpgrades1734200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluations ADD COLUMN version_id uuid`);
    await q.query(
      `ALTER TABLE evaluations ADD CONSTRAINT evaluations_version_fk FOREIGN KEY (tenant_id, version_id) REFERENCES framework_versions (tenant_id, id)`,
    );
    await q.query(`
      CREATE TABLE campaign_version_upgrades (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL,
        from_version_id uuid NOT NULL,
        to_version_id uuid NOT NULL,
        mapping jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'array' AND octet_length(mapping::text) <= 200000),
        moved int NOT NULL CHECK (moved >= 0),
        kept int NOT NULL CHECK (kept >= 0),
        changed int NOT NULL CHECK (changed >= 0),
        note text CHECK (length(note) BETWEEN 1 AND 2000),
        applied_by uuid NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        FOREIGN KEY (tenant_id, from_version_id) REFERENCES framework_versions (tenant_id, id),
        FOREIGN KEY (tenant_id, to_version_id) REFERENCES framework_versions (tenant_id, id),
        FOREIGN KEY (tenant_id, applied_by) REFERENCES users (tenant_id, id),
        CHECK (from_version_id <> to_version_id)
      )`);
    await q.query(`CREATE INDEX campaign_version_upgrades_campaign ON campaign_version_upgrades (tenant_id, campaign_id, applied_at)`);
    await isolateTenantTables(q, ['campaign_version_upgrades']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS campaign_version_upgrades`);
    await q.query(`ALTER TABLE evaluations DROP CONSTRAINT IF EXISTS evaluations_version_fk`);
    await q.query(`ALTER TABLE evaluations DROP COLUMN IF EXISTS version_id`);
  }
}
