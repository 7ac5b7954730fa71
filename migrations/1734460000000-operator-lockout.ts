import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Platform operators are locked after failed sign-ins as tenant users are (`users.failed_sign_ins`, `locked_at`,
 * `locked_until`): the count of failures in a row, when the lock began and when it ends (null: until the CLI
 * resets the operator's password).
 */
export class OperatorLockout1734460000000 implements MigrationInterface {
  name = 'OperatorLockout1734460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE platform_operators
        ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
        ADD COLUMN locked_at timestamptz,
        ADD COLUMN locked_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform_operators DROP COLUMN locked_until, DROP COLUMN locked_at, DROP COLUMN failed_sign_ins`);
  }
}
