import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind NOMINATIONS_PER_ORG_PER_YEAR, an index range: an org's nominations made since a day (rejected ones too). */
export class NominationsPerOrgCap1734380000050 implements MigrationInterface {
  name = 'NominationsPerOrgCap1734380000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX exemplars_org_created ON exemplars (tenant_id, org_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS exemplars_org_created`);
  }
}
