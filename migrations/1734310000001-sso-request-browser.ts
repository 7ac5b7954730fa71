import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on's authorization requests bound to the browser that started them: `browser_hash`, the
 * SHA-256 of the random value of the `sso_browser` cookie set by `/sso/<slug>/start`. The callback takes a
 * request out of use only with that cookie, so a callback URL of someone else's sign-in at the provider
 * cannot sign another browser in (login CSRF). Requests started before this have none and are refused.
 */
export class SsoRequestBrowser1734310000001 implements MigrationInterface {
  name = 'SsoRequestBrowser1734310000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sso_requests ADD COLUMN browser_hash text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sso_requests DROP COLUMN IF EXISTS browser_hash`);
  }
}
