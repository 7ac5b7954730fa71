import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind MAX_DRAFTS_PER_TEAM: a team's drafts as one index range, however many records it has finalized. */
export class InspectionDraftsPerTeam1734340000000 implements MigrationInterface {
  name = 'InspectionDraftsPerTeam1734340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX inspections_team_drafts ON inspections (tenant_id, team_id) WHERE state = 'DRAFT'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS inspections_team_drafts`);
  }
}
