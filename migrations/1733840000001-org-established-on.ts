import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 成立日期: the day an org came into being. A campaign deadline due before it is not owed (an org founded
 * after the plan was due does not owe the plan). Null for orgs entered as existing structure (seeded,
 * imported, created before this column): they owe every deadline of their campaign.
 */
export class OrgEstablishedOn1733840000001 implements MigrationInterface {
  name = 'OrgEstablishedOn1733840000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orgs ADD COLUMN established_on date`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orgs DROP COLUMN IF EXISTS established_on`);
  }
}
