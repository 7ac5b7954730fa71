import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `app_save_scores_or_refuse` holds the evaluation's org against a move: given the org and its path as the request
 * authorized it, the function takes the org FOR SHARE before it saves (a move holds the moving subtree FOR UPDATE, so a
 * save and a move wait for each other) and, when the org stands elsewhere by then (a move committed while the save was
 * on its way), saves nothing and raises SQLSTATE AP011 with the org's path as it now stands (JSON in DETAIL): the
 * request authorizes that position again and answers NOT_FOUND, FORBIDDEN or CONFLICT ORG_MOVED. A null path (a
 * self-check, filled by the org's own secretary wherever it stands) holds nothing. One statement still: the save's
 * round trip is the one it had. It saves through the ten-argument function, which stays beside it (also for
 * instances of the previous release still running while a deployment rolls over).
 */
export class SaveScoresHoldOrg1734320000010 implements MigrationInterface {
  name = 'SaveScoresHoldOrg1734320000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_save_scores_or_refuse(p_tenant uuid, p_evaluation uuid, p_version integer, p_states text[],
                                                p_criteria uuid[], p_values numeric[], p_notes text[], p_evidence text[],
                                                p_note_given boolean[], p_evidence_given boolean[],
                                                p_org uuid, p_org_path ltree)
      RETURNS integer
      LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $$
      DECLARE
        now_path ltree;
      BEGIN
        IF p_org_path IS NOT NULL THEN
          SELECT o.path INTO now_path FROM orgs o WHERE o.tenant_id = p_tenant AND o.id = p_org FOR SHARE;
          IF now_path IS DISTINCT FROM p_org_path THEN
            RAISE EXCEPTION 'saveScores refused: the org moved' USING ERRCODE = 'AP011',
              DETAIL = json_build_object('path', now_path::text)::text;
          END IF;
        END IF;
        -- the save and its refusal (AP010) are the ten-argument function's
        RETURN app_save_scores_or_refuse(p_tenant, p_evaluation, p_version, p_states, p_criteria, p_values, p_notes,
                                         p_evidence, p_note_given, p_evidence_given);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION IF EXISTS app_save_scores_or_refuse(uuid, uuid, integer, text[], uuid[], numeric[], text[], text[], boolean[], boolean[], uuid, ltree)`,
    );
  }
}
