import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `app_save_scores_or_refuse`: saveScores' write as the request holds it back to go with its COMMIT
 * (RequestTransaction.hold): the statements after it in that round trip (the audit entry, COMMIT) must
 * not run when it refuses, so a refusal is an error, not an empty answer. It saves as app_save_scores
 * does and answers the new version; when the version check refuses (a save that committed since the
 * request read the evaluation, or a state no longer editable), it raises SQLSTATE AP010 with the
 * evaluation's state and version as it now stands (JSON in DETAIL), which the service turns into
 * VERSION_MISMATCH or NOT_EDITABLE. SECURITY INVOKER, under row-level security, as app_save_scores.
 */
export class SaveScoresOrRefuse1734290000000 implements MigrationInterface {
  name = 'SaveScoresOrRefuse1734290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_save_scores_or_refuse(p_tenant uuid, p_evaluation uuid, p_version integer, p_states text[],
                                                p_criteria uuid[], p_values numeric[], p_notes text[], p_evidence text[],
                                                p_note_given boolean[], p_evidence_given boolean[])
      RETURNS integer
      LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $$
      DECLARE
        saved integer;
        now_state text;
        now_version integer;
      BEGIN
        SELECT s.version INTO saved FROM app_save_scores(p_tenant, p_evaluation, p_version, p_states, p_criteria, p_values,
                                                         p_notes, p_evidence, p_note_given, p_evidence_given) s;
        IF FOUND THEN
          RETURN saved;
        END IF;
        SELECT e.state, e.version INTO now_state, now_version FROM evaluations e WHERE e.tenant_id = p_tenant AND e.id = p_evaluation;
        RAISE EXCEPTION 'saveScores refused: version or state changed' USING ERRCODE = 'AP010',
          DETAIL = json_build_object('state', now_state, 'version', now_version)::text;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION IF EXISTS app_save_scores_or_refuse(uuid, uuid, integer, text[], uuid[], numeric[], text[], text[], boolean[], boolean[])`,
    );
  }
}
