import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh tokens are bounded: a user's live sessions (SESSIONS_PER_USER) are counted at each sign-in,
 * least recently refreshed first, through `refresh_tokens_live` (only the live tokens: one per session),
 * and the sweep `refresh-tokens-prune` deletes the tokens dead (expired, or revoked) for longer than
 * REFRESH_TOKEN_RETENTION_DAYS through `refresh_tokens_dead` (LEAST skips a NULL revoked_at).
 */
export class RefreshTokenSessions1734360000000 implements MigrationInterface {
  name = 'RefreshTokenSessions1734360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX refresh_tokens_live ON refresh_tokens (tenant_id, user_id, created_at)
       WHERE used_at IS NULL AND revoked_at IS NULL`);
    await q.query(`CREATE INDEX refresh_tokens_dead ON refresh_tokens (tenant_id, (LEAST(expires_at, revoked_at)))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS refresh_tokens_dead`);
    await q.query(`DROP INDEX IF EXISTS refresh_tokens_live`);
  }
}
