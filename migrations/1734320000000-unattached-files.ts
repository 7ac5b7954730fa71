import { MigrationInterface, QueryRunner } from 'typeorm';
import { forEachTenant } from './tenant-isolation';

/**
 * Uploads on no record are bounded and swept:
 * - `files.detached_at`: when the file last came off a record (set by a statement trigger on
 *   `file_attachments`), so a file taken off a deleted record gets the same grace as a fresh upload
 *   before the sweep removes it;
 * - `files_unattached_sweep`: the sweep's index, files by age.
 * Contents no file names any more are deleted with the files (their chunks cascade), giving the
 * tenant's quota back.
 * Also drops the attachments a version upgrade left naming the scores it replaced (it copied them to
 * the new scores but, reading its DELETE … RETURNING wrongly, never removed the old rows), which would
 * have kept their files from ever counting as on no record.
 */
export class UnattachedFiles1734320000000 implements MigrationInterface {
  name = 'UnattachedFiles1734320000000';

  async up(q: QueryRunner): Promise<void> {
    await forEachTenant(
      q,
      `DELETE FROM file_attachments a WHERE a.tenant_id = t AND a.record_type = 'EvaluationScore'
          AND NOT EXISTS (SELECT 1 FROM evaluation_scores s WHERE s.tenant_id = a.tenant_id AND s.id = a.record_id);`,
    );
    await q.query(`ALTER TABLE files ADD COLUMN detached_at timestamptz`);
    await q.query(`CREATE INDEX files_unattached_sweep ON files (tenant_id, (GREATEST(created_at, detached_at)))`);
    await q.query(`
      CREATE FUNCTION note_file_detached() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE files f SET detached_at = now()
          FROM (SELECT DISTINCT tenant_id, file_id FROM gone) g
         WHERE f.tenant_id = g.tenant_id AND f.id = g.file_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER file_attachments_detached AFTER DELETE ON file_attachments
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION note_file_detached()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS file_attachments_detached ON file_attachments`);
    await q.query(`DROP FUNCTION IF EXISTS note_file_detached()`);
    await q.query(`DROP INDEX IF EXISTS files_unattached_sweep`);
    await q.query(`ALTER TABLE files DROP COLUMN IF EXISTS detached_at`);
  }
}
