import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind INNOVATION_PROJECTS_PER_ORG_PER_YEAR, an index range: an org's projects registered since a day. */
export class InnovationProjectsPerOrgCap1734380000020 implements MigrationInterface {
  name = 'InnovationProjectsPerOrgCap1734380000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX innovation_projects_org_created ON innovation_projects (tenant_id, org_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS innovation_projects_org_created`);
  }
}
