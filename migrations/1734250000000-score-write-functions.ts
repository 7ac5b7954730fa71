import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Writing raw scores as PL/pgSQL functions, so that each database connection plans the upsert once
 * (sent as text, a form save's statement was planned on every request: ~0.25 of its ~2.9 ms in pgbench
 * on the bench database). SECURITY INVOKER, under row-level security: a tenant other than the
 * transaction's own writes nothing. The app counts them as writes (request-transaction.ts).
 *
 * - `app_write_scores`: upserts the scores given as parallel arrays. A partial update: where a score's
 *   `*_given` flag is false, the stored note (evidence) is kept; given as null, it is cleared. Where every
 *   score gives the field, or none does (a form save), no row looks its flag up.
 * - `app_save_scores`: saveScores' write: the optimistic version check and bump (only in one of
 *   `p_states`), then the scores; the evaluation as it now stands, or no row when the check refused.
 */
export class ScoreWriteFunctions1734250000000 implements MigrationInterface {
  name = 'ScoreWriteFunctions1734250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_write_scores(p_tenant uuid, p_evaluation uuid, p_criteria uuid[], p_values numeric[],
                                       p_notes text[], p_evidence text[], p_note_given boolean[], p_evidence_given boolean[])
      RETURNS integer
      LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $$
      DECLARE
        note_all boolean := true = ALL(p_note_given);
        note_none boolean := NOT (true = ANY(p_note_given));
        evidence_all boolean := true = ALL(p_evidence_given);
        evidence_none boolean := NOT (true = ANY(p_evidence_given));
        written integer;
      BEGIN
        WITH x AS (SELECT * FROM unnest(p_criteria, p_values, p_notes, p_evidence, p_note_given, p_evidence_given)
                     AS x(criterion_id, value, note, evidence, note_given, evidence_given))
        INSERT INTO evaluation_scores AS s (tenant_id, evaluation_id, criterion_id, value, note, evidence)
        SELECT p_tenant, p_evaluation, x.criterion_id, x.value, x.note, x.evidence FROM x
        ON CONFLICT (tenant_id, evaluation_id, criterion_id) DO UPDATE SET value = EXCLUDED.value,
          note = CASE WHEN note_all THEN EXCLUDED.note WHEN note_none THEN s.note
                      WHEN (SELECT x.note_given FROM x WHERE x.criterion_id = EXCLUDED.criterion_id) THEN EXCLUDED.note
                      ELSE s.note END,
          evidence = CASE WHEN evidence_all THEN EXCLUDED.evidence WHEN evidence_none THEN s.evidence
                          WHEN (SELECT x.evidence_given FROM x WHERE x.criterion_id = EXCLUDED.criterion_id) THEN EXCLUDED.evidence
                          ELSE s.evidence END;
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN written;
      END $$`);
    await q.query(`
      CREATE FUNCTION app_save_scores(p_tenant uuid, p_evaluation uuid, p_version integer, p_states text[],
                                      p_criteria uuid[], p_values numeric[], p_notes text[], p_evidence text[],
                                      p_note_given boolean[], p_evidence_given boolean[])
      RETURNS SETOF evaluations
      LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $$
      DECLARE
        saved evaluations;
      BEGIN
        UPDATE evaluations e SET version = e.version + 1, updated_at = now()
         WHERE e.tenant_id = p_tenant AND e.id = p_evaluation AND e.version = p_version AND e.state = ANY(p_states)
        RETURNING e.* INTO saved;
        IF NOT FOUND THEN
          RETURN;
        END IF;
        PERFORM app_write_scores(p_tenant, p_evaluation, p_criteria, p_values, p_notes, p_evidence, p_note_given, p_evidence_given);
        RETURN NEXT saved;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION IF EXISTS app_save_scores(uuid, uuid, integer, text[], uuid[], numeric[], text[], text[], boolean[], boolean[])`,
    );
    await q.query(`DROP FUNCTION IF EXISTS app_write_scores(uuid, uuid, uuid[], numeric[], text[], text[], boolean[], boolean[])`);
  }
}
