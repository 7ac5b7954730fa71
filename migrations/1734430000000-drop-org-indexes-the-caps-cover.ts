import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `link_codes_org` and `innovation_projects_org` (tenant_id, org_id) are prefixes of the caps' indexes
 * `link_codes_org_created` and `innovation_projects_org_created` (tenant_id, org_id, created_at), which serve every
 * query they served: two indexes fewer to write on each insert.
 */
export class DropOrgIndexesTheCapsCover1734430000000 implements MigrationInterface {
  name = 'DropOrgIndexesTheCapsCover1734430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS link_codes_org`);
    await q.query(`DROP INDEX IF EXISTS innovation_projects_org`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS link_codes_org ON link_codes (tenant_id, org_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS innovation_projects_org ON innovation_projects (tenant_id, org_id)`);
  }
}
