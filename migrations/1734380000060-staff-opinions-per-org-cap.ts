import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind STAFF_OPINIONS_PER_ORG_PER_YEAR, an index range: an org's opinions recorded by staff since a day. */
export class StaffOpinionsPerOrgCap1734380000060 implements MigrationInterface {
  name = 'StaffOpinionsPerOrgCap1734380000060';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX opinions_staff_org_created ON opinions (tenant_id, org_id, created_at) WHERE channel = 'STAFF'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS opinions_staff_org_created`);
  }
}
