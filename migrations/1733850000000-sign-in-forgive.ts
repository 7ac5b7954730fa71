import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in throttling counts failures, not sign-ins. Every attempt is still counted before its password
 * is checked (so a burst of concurrent guesses cannot all slip in before the first failure is
 * recorded); a successful sign-in then takes its hit back: it clears its account's count and refunds
 * its one hit on the address (an office behind one address signs in all morning).
 */
export class SignInForgive1733850000000 implements MigrationInterface {
  name = 'SignInForgive1733850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_throttle_forgive(p_key text, p_clear boolean) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = private, pg_temp AS $$
      BEGIN
        IF p_clear THEN
          DELETE FROM private.throttle WHERE key = p_key;
        ELSE
          UPDATE private.throttle SET hits = greatest(hits - 1, 0) WHERE key = p_key;
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_throttle_forgive(text, boolean)`);
  }
}
