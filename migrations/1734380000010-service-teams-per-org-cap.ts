import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counts behind SERVICE_TEAMS_PER_ORG and SERVICE_RECORDS_PER_TEAM_PER_YEAR, index ranges: an org's service teams
 * (disbanded ones too), and a team's service records written since a day.
 */
export class ServiceTeamsPerOrgCap1734380000010 implements MigrationInterface {
  name = 'ServiceTeamsPerOrgCap1734380000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX service_teams_org ON service_teams (tenant_id, org_id)`);
    await q.query(`CREATE INDEX service_records_team_created ON service_records (tenant_id, team_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS service_records_team_created`);
    await q.query(`DROP INDEX IF EXISTS service_teams_org`);
  }
}
