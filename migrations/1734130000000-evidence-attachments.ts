import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evidence files on the records of the campaign (issue 13, part 2):
 * - `evaluation_scores.id`: a criterion score gets an id of its own, so files can be attached to it
 *   (record type `EvaluationScore`); it stays while the score is edited in place.
 * - Files on a finalized inspection or on its findings are part of the record (their hashes are in the
 *   chain): attaching to, detaching from or re-pointing such an attachment is refused for every role
 *   (AP001, as any other change of a finalized record), and so is detaching from a published briefing.
 * - A file's content never changes once catalogued: `files.content_id` cannot be updated.
 */
export class EvidenceAttachments1734130000000 implements MigrationInterface {
  name = 'EvidenceAttachments1734130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluation_scores ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid()`);
    await q.query(`CREATE UNIQUE INDEX evaluation_scores_id ON evaluation_scores (tenant_id, id)`);

    // The record an attachment row names is read FOR SHARE: an attachment racing a finalization either
    // lands before the finalization reads the record's content, or waits and sees FINALIZED.
    await q.query(`
      CREATE FUNCTION refuse_finalized_attachment() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        r record;
        parent_state text;
      BEGIN
        FOR r IN SELECT * FROM (VALUES (CASE WHEN TG_OP <> 'INSERT' THEN OLD.tenant_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.record_type END,
                                        CASE WHEN TG_OP <> 'INSERT' THEN OLD.record_id END, TG_OP <> 'INSERT'),
                                       (CASE WHEN TG_OP <> 'DELETE' THEN NEW.tenant_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.record_type END,
                                        CASE WHEN TG_OP <> 'DELETE' THEN NEW.record_id END, false)) AS v(tenant_id, record_type, record_id, leaving)
                  WHERE v.record_type IS NOT NULL LOOP
          parent_state := NULL;
          IF r.record_type = 'Inspection' THEN
            SELECT state INTO parent_state FROM inspections WHERE tenant_id = r.tenant_id AND id = r.record_id FOR SHARE;
          ELSIF r.record_type = 'Finding' THEN
            SELECT i.state INTO parent_state FROM findings f JOIN inspections i ON i.tenant_id = f.tenant_id AND i.id = f.inspection_id
             WHERE f.tenant_id = r.tenant_id AND f.id = r.record_id FOR SHARE OF i;
          ELSIF r.record_type = 'Briefing' AND r.leaving THEN
            SELECT CASE WHEN state = 'PUBLISHED' THEN 'FINALIZED' END INTO parent_state FROM briefings WHERE tenant_id = r.tenant_id AND id = r.record_id;
          END IF;
          IF parent_state = 'FINALIZED' THEN
            RAISE EXCEPTION 'the files of finalized record % % are part of it', r.record_type, r.record_id
              USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
          END IF;
        END LOOP;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(
      `CREATE TRIGGER file_attachments_finalized BEFORE INSERT OR UPDATE OR DELETE ON file_attachments FOR EACH ROW EXECUTE FUNCTION refuse_finalized_attachment()`,
    );

    await q.query(`
      CREATE FUNCTION refuse_file_repoint() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.content_id IS DISTINCT FROM OLD.content_id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
          RAISE EXCEPTION 'file % keeps its content', OLD.id USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER files_content_fixed BEFORE UPDATE ON files FOR EACH ROW EXECUTE FUNCTION refuse_file_repoint()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS files_content_fixed ON files`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_file_repoint()`);
    await q.query(`DROP TRIGGER IF EXISTS file_attachments_finalized ON file_attachments`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_finalized_attachment()`);
    await q.query(`DROP INDEX IF EXISTS evaluation_scores_id`);
    await q.query(`ALTER TABLE evaluation_scores DROP COLUMN IF EXISTS id`);
  }
}
