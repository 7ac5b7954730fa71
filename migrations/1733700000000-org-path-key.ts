import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Under row-level security PostgreSQL only uses leakproof operators as index conditions, and ltree's
 * `<@` / `@>` are not leakproof: a subtree filter then walked the tenant's whole index. The same path as
 * C-collated text turns a subtree into a btree range (`key >= p || '.' AND key < p || '/'`) and an
 * ancestor into an equality, both leakproof.
 */
export class OrgPathKey1733700000000 implements MigrationInterface {
  name = 'OrgPathKey1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orgs ADD COLUMN path_key text COLLATE "C" GENERATED ALWAYS AS (path::text) STORED`);
    await q.query(`CREATE INDEX orgs_path_key ON orgs (tenant_id, path_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS orgs_path_key`);
    await q.query(`ALTER TABLE orgs DROP COLUMN IF EXISTS path_key`);
  }
}
