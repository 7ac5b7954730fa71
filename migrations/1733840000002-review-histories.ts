import { MigrationInterface, QueryRunner } from 'typeorm';
import { forEachTenant, isolateTenantTables } from './tenant-isolation';

/**
 * Review histories that a later step no longer erases.
 * - Deadline submissions (创建工作方案, 自查总结) can be returned for revision with a reason and submitted
 *   again: `state` SUBMITTED | RETURNED, `first_submitted_at` (timeliness is judged by the first
 *   submission), and every submission, return and resubmission in `deadline_submission_events`.
 * - Evaluations keep every submission, return (with its reason) and acceptance in `evaluation_reviews`,
 *   so a resubmission no longer wipes the earlier return reason.
 * Existing rows get their history from the columns they carry (one event per recorded step).
 */
export class ReviewHistories1733840000002 implements MigrationInterface {
  name = 'ReviewHistories1733840000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deadline_submissions
      ADD COLUMN state text NOT NULL DEFAULT 'SUBMITTED' CHECK (state IN ('SUBMITTED', 'RETURNED')),
      ADD COLUMN first_submitted_at timestamptz,
      ADD COLUMN return_reason text CHECK (length(return_reason) <= 2000)`);
    await q.query(`
      CREATE TABLE deadline_submission_events (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        submission_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN ('SUBMITTED', 'RETURNED', 'RESUBMITTED')),
        reason text CHECK (length(reason) <= 2000),
        actor_id uuid NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, submission_id) REFERENCES deadline_submissions (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX deadline_submission_events_submission ON deadline_submission_events (tenant_id, submission_id, at)`);
    await q.query(`
      CREATE TABLE evaluation_reviews (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        evaluation_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN ('SUBMITTED', 'RETURNED', 'ACCEPTED')),
        reason text CHECK (length(reason) <= 2000),
        actor_id uuid NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, evaluation_id) REFERENCES evaluations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX evaluation_reviews_evaluation ON evaluation_reviews (tenant_id, evaluation_id, at)`);
    await isolateTenantTables(q, ['deadline_submission_events', 'evaluation_reviews']);
    // backfilled tenant by tenant (the same statements it ran before forEachTenant held the loop)
    await forEachTenant(
      q,
      `UPDATE deadline_submissions SET first_submitted_at = submitted_at WHERE tenant_id = t;
       INSERT INTO deadline_submission_events (tenant_id, submission_id, action, actor_id, at)
         SELECT tenant_id, id, 'SUBMITTED', submitted_by, submitted_at FROM deadline_submissions WHERE tenant_id = t;
       INSERT INTO evaluation_reviews (tenant_id, evaluation_id, action, actor_id, at)
         SELECT tenant_id, id, 'SUBMITTED', submitted_by, submitted_at FROM evaluations
          WHERE tenant_id = t AND submitted_at IS NOT NULL AND submitted_by IS NOT NULL;
       INSERT INTO evaluation_reviews (tenant_id, evaluation_id, action, reason, actor_id, at)
         SELECT tenant_id, id, CASE WHEN state = 'RETURNED' THEN 'RETURNED' ELSE 'ACCEPTED' END, return_reason, reviewed_by, reviewed_at FROM evaluations
          WHERE tenant_id = t AND reviewed_at IS NOT NULL AND reviewed_by IS NOT NULL AND state IN ('RETURNED', 'ACCEPTED');`,
    );
    await q.query(
      `ALTER TABLE deadline_submissions ALTER COLUMN first_submitted_at SET NOT NULL, ALTER COLUMN first_submitted_at SET DEFAULT now()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS evaluation_reviews`);
    await q.query(`DROP TABLE IF EXISTS deadline_submission_events`);
    await q.query(
      `ALTER TABLE deadline_submissions DROP COLUMN IF EXISTS state, DROP COLUMN IF EXISTS first_submitted_at, DROP COLUMN IF EXISTS return_reason`,
    );
  }
}
