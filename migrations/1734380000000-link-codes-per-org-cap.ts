import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind LINK_CODES_PER_ORG_PER_YEAR, an index range: an org's link codes made since a day (disabled ones too). */
export class LinkCodesPerOrgCap1734380000000 implements MigrationInterface {
  name = 'LinkCodesPerOrgCap1734380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX link_codes_org_created ON link_codes (tenant_id, org_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS link_codes_org_created`);
  }
}
