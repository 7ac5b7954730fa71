import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The finalized-score-sheet check (1733830000000-records-integrity) once per statement instead of once
 * per row. A form save upserts every leaf of the framework (44 rows in the bench's), and an upsert
 * that updates fires the row trigger twice per row (BEFORE INSERT, then BEFORE UPDATE): 88 lookups of
 * `inspections`, 1.2 of the 2.7 ms the save's statement took (pgbench on the bench database). The
 * statement triggers look at the rows the statement wrote (transition tables, the old rows and the
 * new), all at once; AFTER, so a refusal undoes the whole statement, as before. Same error, same code.
 */
export class ScoreSheetCheckPerStatement1734240000000 implements MigrationInterface {
  name = 'ScoreSheetCheckPerStatement1734240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER evaluation_scores_finalized ON evaluation_scores`);
    await q.query(`DROP FUNCTION refuse_finalized_scores()`);
    // One function for the three triggers.
    await q.query(`
      CREATE FUNCTION refuse_finalized_score_rows() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- separate statements: PL/pgSQL parses each when it first runs, and each names only tables this event has
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          IF EXISTS (SELECT 1 FROM new_rows r JOIN inspections i ON i.tenant_id = r.tenant_id AND i.evaluation_id = r.evaluation_id
                      WHERE i.state = 'FINALIZED') THEN
            RAISE EXCEPTION 'the score sheet of a finalized inspection is immutable' USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
          END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          IF EXISTS (SELECT 1 FROM old_rows r JOIN inspections i ON i.tenant_id = r.tenant_id AND i.evaluation_id = r.evaluation_id
                      WHERE i.state = 'FINALIZED') THEN
            RAISE EXCEPTION 'the score sheet of a finalized inspection is immutable' USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER evaluation_scores_finalized_insert AFTER INSERT ON evaluation_scores
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION refuse_finalized_score_rows()`);
    await q.query(`
      CREATE TRIGGER evaluation_scores_finalized_update AFTER UPDATE ON evaluation_scores
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION refuse_finalized_score_rows()`);
    await q.query(`
      CREATE TRIGGER evaluation_scores_finalized_delete AFTER DELETE ON evaluation_scores
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION refuse_finalized_score_rows()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const event of ['insert', 'update', 'delete'])
      await q.query(`DROP TRIGGER evaluation_scores_finalized_${event} ON evaluation_scores`);
    await q.query(`DROP FUNCTION refuse_finalized_score_rows()`);
    await q.query(`
      CREATE FUNCTION refuse_finalized_scores() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        row_tenant uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
      BEGIN
        IF EXISTS (SELECT 1 FROM inspections WHERE tenant_id = row_tenant AND state = 'FINALIZED'
                     AND evaluation_id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.evaluation_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.evaluation_id END)) THEN
          RAISE EXCEPTION 'the score sheet of a finalized inspection is immutable' USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(
      `CREATE TRIGGER evaluation_scores_finalized BEFORE INSERT OR UPDATE OR DELETE ON evaluation_scores FOR EACH ROW EXECUTE FUNCTION refuse_finalized_scores()`,
    );
  }
}
