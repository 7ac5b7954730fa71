import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Public reviews keep the keyed hash of the address they came from, so that daily limits per address
 * and per code hold against a client that rotates its device id, and a tenant admin can see clusters of
 * reviews from one address. An admin may exclude reviews that look stuffed, with a reason: they stay
 * stored (evidence) but no longer count in satisfaction figures.
 */
export class ReviewStuffing1733860000000 implements MigrationInterface {
  name = 'ReviewStuffing1733860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public_reviews
      ADD COLUMN client_hash text,
      ADD COLUMN excluded_at timestamptz,
      ADD COLUMN excluded_by uuid,
      ADD COLUMN excluded_reason text CHECK (length(excluded_reason) <= 500),
      ADD CONSTRAINT public_reviews_exclusion CHECK ((excluded_at IS NULL) = (excluded_reason IS NULL))`);
    await q.query(
      `CREATE INDEX public_reviews_client_day ON public_reviews (tenant_id, client_hash, review_day) WHERE client_hash IS NOT NULL`,
    );
    await q.query(`CREATE INDEX public_reviews_code_day ON public_reviews (tenant_id, link_code_id, review_day)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS public_reviews_code_day`);
    await q.query(`DROP INDEX IF EXISTS public_reviews_client_day`);
    await q.query(`ALTER TABLE public_reviews DROP CONSTRAINT IF EXISTS public_reviews_exclusion,
      DROP COLUMN excluded_reason, DROP COLUMN excluded_by, DROP COLUMN excluded_at, DROP COLUMN client_hash`);
  }
}
