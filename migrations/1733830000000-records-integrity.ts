import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Records that must stay true, closed at the database for every role that is not the owner:
 *
 * - The project's own refusals carry their own SQLSTATEs (class AP), so the server maps each one to a
 *   coded error instead of an internal one: AP001 a finalized record (or anything inside it: findings,
 *   follow-up checks, score sheet) cannot change, and nothing can be added to it; AP002 the audit log is
 *   append-only; AP003 the chain head moved or the record is not ready to join the chain; AP004 a record
 *   became FINALIZED other than through the chain function.
 * - The chain heads (record_chains) change only through two SECURITY DEFINER functions: app_chain_head()
 *   locks (and creates) the tenant's head, app_finalize_record() appends one record after checking that
 *   it links to the head; the app role keeps SELECT on record_chains and nothing else (src/db/app-role.ts).
 * - Sign-in verifies passwords without the hash reaching the app role: app_password_params() answers the
 *   stored KDF parameters and salt (not secret), the server derives the key from the candidate password,
 *   app_password_check() compares the whole derived string with the stored one inside the database.
 * - Amendments: each record is amended at most once (a linear chain whose head is the current version);
 *   an amendment carries the findings of the record it amends (carried_from_id, origin_id) and may
 *   withdraw one with a reason; a withdrawn finding's rectification is WITHDRAWN.
 */
export class RecordsIntegrity1733830000000 implements MigrationInterface {
  name = 'RecordsIntegrity1733830000000';

  async up(q: QueryRunner): Promise<void> {
    // ── amendments carry findings ───────────────────────────────────────────────────────────────────
    await q.query(`
      ALTER TABLE findings
        ADD COLUMN carried_from_id uuid,
        ADD COLUMN origin_id uuid,
        ADD COLUMN withdrawn_reason text CHECK (length(withdrawn_reason) BETWEEN 1 AND 2000),
        ADD CONSTRAINT findings_carried_from_fk FOREIGN KEY (tenant_id, carried_from_id) REFERENCES findings (tenant_id, id),
        ADD CONSTRAINT findings_origin_fk FOREIGN KEY (tenant_id, origin_id) REFERENCES findings (tenant_id, id),
        ADD CONSTRAINT findings_withdrawn_carried CHECK (withdrawn_reason IS NULL OR carried_from_id IS NOT NULL),
        ADD CONSTRAINT findings_origin_carried CHECK ((origin_id IS NULL) = (carried_from_id IS NULL))`);
    await q.query(`CREATE INDEX findings_origin ON findings (tenant_id, origin_id) WHERE origin_id IS NOT NULL`);
    await q.query(`ALTER TABLE inspections ADD CONSTRAINT inspections_one_amendment UNIQUE (tenant_id, amends_id)`);
    await q.query(`CREATE INDEX inspections_evaluation ON inspections (tenant_id, evaluation_id) WHERE evaluation_id IS NOT NULL`);
    await q.query(`ALTER TABLE rectifications DROP CONSTRAINT rectifications_state_check`);
    await q.query(
      `ALTER TABLE rectifications ADD CONSTRAINT rectifications_state_check CHECK (state IN ('OPEN', 'SUBMITTED', 'VERIFIED', 'REOPENED', 'WITHDRAWN'))`,
    );

    // ── finalized records refuse every change, additions included ────────────────────────────────────
    // A child row's inspection is read FOR SHARE: an insert racing a finalization either lands before
    // the finalization reads the content, or waits and sees FINALIZED.
    await q.query(`
      CREATE OR REPLACE FUNCTION refuse_finalized_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        parent_state text;
      BEGIN
        IF TG_TABLE_NAME = 'inspections' THEN
          IF OLD.state = 'FINALIZED' THEN
            RAISE EXCEPTION 'finalized inspection % is immutable', OLD.id USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
          END IF;
        ELSE
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT state INTO parent_state FROM inspections WHERE tenant_id = OLD.tenant_id AND id = OLD.inspection_id FOR SHARE;
            IF parent_state = 'FINALIZED' THEN
              RAISE EXCEPTION 'records of finalized inspection % are immutable', OLD.inspection_id USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
            END IF;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            SELECT state INTO parent_state FROM inspections WHERE tenant_id = NEW.tenant_id AND id = NEW.inspection_id FOR SHARE;
            IF parent_state = 'FINALIZED' THEN
              RAISE EXCEPTION 'finalized inspection % is immutable: nothing can be added to it', NEW.inspection_id USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
            END IF;
          END IF;
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    for (const table of ['findings', 'follow_up_checks']) {
      await q.query(`DROP TRIGGER ${table}_immutable ON ${table}`);
      await q.query(
        `CREATE TRIGGER ${table}_immutable BEFORE INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_finalized_change()`,
      );
    }

    // The score sheet of a finalized inspection is part of the record (its scores are hashed into the chain).
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

    // Only the chain function (running as the owner) makes a record FINALIZED, so no record is final
    // without its link in the chain, and the head moves with every finalization.
    await q.query(`
      CREATE FUNCTION refuse_unchained_finalize() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.state = 'FINALIZED' AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM 'FINALIZED')
           AND NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
          RAISE EXCEPTION 'inspection % is finalized only through app_finalize_record()', NEW.id USING ERRCODE = 'AP004', CONSTRAINT = 'record_unchained';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(
      `CREATE TRIGGER inspections_chained BEFORE INSERT OR UPDATE ON inspections FOR EACH ROW EXECUTE FUNCTION refuse_unchained_finalize()`,
    );

    await q.query(`
      CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'AP002', CONSTRAINT = 'audit_append_only';
      END $$`);

    // ── the chain head, only through definer functions ───────────────────────────────────────────────
    await q.query(`
      CREATE FUNCTION app_chain_head() RETURNS TABLE (last_seq bigint, last_hash text)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        t uuid := app_tenant_id();
      BEGIN
        IF t IS NULL THEN
          RAISE EXCEPTION 'no tenant in this transaction' USING ERRCODE = 'AP003', CONSTRAINT = 'record_chain';
        END IF;
        INSERT INTO record_chains (tenant_id, last_seq, last_hash)
        VALUES (t, 0, encode(sha256(convert_to('genesis:' || t::text, 'UTF8')), 'hex'))
        ON CONFLICT (tenant_id) DO NOTHING;
        RETURN QUERY SELECT c.last_seq, c.last_hash FROM record_chains c WHERE c.tenant_id = t FOR UPDATE;
      END $$`);
    await q.query(`
      CREATE FUNCTION app_finalize_record(p_inspection uuid, p_seq bigint, p_prev_hash text, p_record_hash text)
      RETURNS TABLE (seq bigint, record_hash text)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        t uuid := app_tenant_id();
        head record_chains%ROWTYPE;
        changed integer;
      BEGIN
        SELECT * INTO head FROM record_chains c WHERE c.tenant_id = t FOR UPDATE;
        IF NOT FOUND OR head.last_seq + 1 <> p_seq OR head.last_hash <> p_prev_hash THEN
          RAISE EXCEPTION 'the chain head moved: record % does not follow it', p_inspection USING ERRCODE = 'AP003', CONSTRAINT = 'record_chain';
        END IF;
        IF p_record_hash IS NULL OR p_record_hash !~ '^[0-9a-f]{64}$' THEN
          RAISE EXCEPTION 'a record hash is 64 hex digits' USING ERRCODE = 'AP003', CONSTRAINT = 'record_chain';
        END IF;
        UPDATE inspections i SET state = 'FINALIZED', record_hash = p_record_hash
         WHERE i.tenant_id = t AND i.id = p_inspection AND i.state = 'DRAFT'
           AND i.chain_seq = p_seq AND i.prev_hash = p_prev_hash AND i.finalized_at IS NOT NULL AND i.finalized_by IS NOT NULL;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed <> 1 THEN
          RAISE EXCEPTION 'record % is not a draft prepared for chain position %', p_inspection, p_seq USING ERRCODE = 'AP003', CONSTRAINT = 'record_chain';
        END IF;
        UPDATE record_chains c SET last_seq = p_seq, last_hash = p_record_hash WHERE c.tenant_id = t;
        RETURN QUERY SELECT p_seq, p_record_hash;
      END $$`);

    // ── passwords are verified in the database, never read by the app role ─────────────────────────────
    // Stored format (src/auth/password.ts): scrypt$N$r$p$salt$key, salt and key base64url.
    await q.query(`
      CREATE FUNCTION app_password_params(p_kind text, p_tenant uuid, p_username text) RETURNS TABLE (params text, key_length integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT regexp_replace(h.password_hash, '\\$[^$]*$', ''), (length(substring(h.password_hash FROM '[^$]*$')) * 3 / 4)::integer
          FROM (SELECT u.password_hash FROM users u WHERE p_kind = 'user' AND u.tenant_id = p_tenant AND u.username = p_username
                UNION ALL
                SELECT o.password_hash FROM platform_operators o WHERE p_kind = 'operator' AND o.username = p_username) h
         LIMIT 1
      $$`);
    await q.query(`
      CREATE FUNCTION app_password_check(p_kind text, p_tenant uuid, p_username text, p_candidate text) RETURNS TABLE (id uuid, disabled boolean)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT h.id, h.disabled
          FROM (SELECT u.id, u.disabled, u.password_hash FROM users u WHERE p_kind = 'user' AND u.tenant_id = p_tenant AND u.username = p_username
                UNION ALL
                SELECT o.id, o.disabled, o.password_hash FROM platform_operators o WHERE p_kind = 'operator' AND o.username = p_username) h
         WHERE sha256(convert_to(h.password_hash, 'UTF8')) = sha256(convert_to(coalesce(p_candidate, ''), 'UTF8'))
         LIMIT 1
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_password_check(text, uuid, text, text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_password_params(text, uuid, text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_finalize_record(uuid, bigint, text, text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_chain_head()`);
    await q.query(`DROP TRIGGER IF EXISTS inspections_chained ON inspections`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_unchained_finalize()`);
    await q.query(`DROP TRIGGER IF EXISTS evaluation_scores_finalized ON evaluation_scores`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_finalized_scores()`);
    for (const table of ['findings', 'follow_up_checks']) {
      await q.query(`DROP TRIGGER IF EXISTS ${table}_immutable ON ${table}`);
      await q.query(
        `CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_finalized_change()`,
      );
    }
    await q.query(`UPDATE rectifications SET state = 'OPEN' WHERE state = 'WITHDRAWN'`);
    await q.query(`ALTER TABLE rectifications DROP CONSTRAINT rectifications_state_check`);
    await q.query(
      `ALTER TABLE rectifications ADD CONSTRAINT rectifications_state_check CHECK (state IN ('OPEN', 'SUBMITTED', 'VERIFIED', 'REOPENED'))`,
    );
    await q.query(`DROP INDEX IF EXISTS inspections_evaluation`);
    await q.query(`ALTER TABLE inspections DROP CONSTRAINT IF EXISTS inspections_one_amendment`);
    await q.query(`DROP INDEX IF EXISTS findings_origin`);
    await q.query(
      `ALTER TABLE findings DROP COLUMN IF EXISTS withdrawn_reason, DROP COLUMN IF EXISTS origin_id, DROP COLUMN IF EXISTS carried_from_id`,
    );
  }
}
