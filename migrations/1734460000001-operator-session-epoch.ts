import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A platform operator's session epoch, as `users.session_epoch`: its access tokens carry the epoch they were issued
 * under, and a reset of its password (the operator CLI) raises it, so the tokens issued before are refused at their
 * next request instead of living out their 15 minutes.
 */
export class OperatorSessionEpoch1734460000001 implements MigrationInterface {
  name = 'OperatorSessionEpoch1734460000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform_operators ADD COLUMN session_epoch integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform_operators DROP COLUMN session_epoch`);
  }
}
