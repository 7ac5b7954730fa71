import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail an assessor accepts (等保: who, when, what, from where, with what outcome, protected
 * from change):
 *
 * - Each entry says its outcome (SUCCESS / FAILURE with a reason code), the source address, the user
 *   agent and the account name tried (a failed sign-in names an account that may not exist).
 * - The platform operator's actions, and sign-in attempts naming no known tenant, go to
 *   platform_audit_log (platform-only, append-only like audit_log).
 * - Both logs are hash chains: a row is sealed (seq, prev_hash, row_hash, hash_alg) after it commits,
 *   in order, by the server through app_audit_seal(), which checks the link to the chain head and may
 *   only fill the hash columns of an unsealed row; verification recomputes every link.
 * - The chain heads live in the private schema (the app role cannot reach it): per chain the hash
 *   algorithm for new links (sha256 or sm3), the retention in days (at least 180, the 等保 minimum), the
 *   head, and the anchor left by pruning, from which verification starts.
 * - Pruning (app_audit_prune) deletes only sealed rows older than the retention, a prefix of the
 *   chain, and moves the anchor; the guard trigger refuses any delete of a row younger than 180 days,
 *   whoever asks.
 * - Sign-in events are written by app_audit_auth_event() on a connection of their own, so a failed
 *   attempt stays recorded when its request rolls back; app_audit_append() does the same for a refused
 *   download or import.
 */
export class AuditTrail1734155000000 implements MigrationInterface {
  name = 'AuditTrail1734155000000';

  async up(q: QueryRunner): Promise<void> {
    const eventColumns = `
        ADD COLUMN outcome text NOT NULL DEFAULT 'SUCCESS' CHECK (outcome IN ('SUCCESS', 'FAILURE')),
        ADD COLUMN reason text CHECK (length(reason) <= 100),
        ADD COLUMN address text CHECK (length(address) <= 100),
        ADD COLUMN user_agent text CHECK (length(user_agent) <= 500),
        ADD COLUMN account text CHECK (length(account) <= 200),
        ADD COLUMN seq bigint,
        ADD COLUMN prev_hash text,
        ADD COLUMN row_hash text,
        ADD COLUMN hash_alg text CHECK (hash_alg IN ('sha256', 'sm3'))`;
    await q.query(`ALTER TABLE audit_log ${eventColumns}`);
    await q.query(`CREATE UNIQUE INDEX audit_log_seq ON audit_log (tenant_id, seq) WHERE seq IS NOT NULL`);
    await q.query(`CREATE INDEX audit_log_unsealed ON audit_log (tenant_id, id) WHERE row_hash IS NULL`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, id)`);

    await q.query(`
      CREATE TABLE platform_audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        action text NOT NULL,
        entity_type text,
        entity_id uuid,
        org_id uuid,
        data jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`ALTER TABLE platform_audit_log ${eventColumns}`);
    await q.query(`COMMENT ON COLUMN platform_audit_log.org_id IS 'the tenant the action concerned (for the platform log)'`);
    await q.query(`CREATE UNIQUE INDEX platform_audit_log_seq ON platform_audit_log (seq) WHERE seq IS NOT NULL`);
    await q.query(`CREATE INDEX platform_audit_log_unsealed ON platform_audit_log (id) WHERE row_hash IS NULL`);
    await q.query(`ALTER TABLE platform_audit_log ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE platform_audit_log FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY platform_only ON platform_audit_log USING (app_is_platform()) WITH CHECK (app_is_platform())`);

    // ── the chain heads: reachable only through the functions below ──────────────────────────────────
    await q.query(`CREATE SCHEMA IF NOT EXISTS private`);
    await q.query(`
      CREATE TABLE private.audit_chains (
        chain text PRIMARY KEY,
        algorithm text NOT NULL DEFAULT 'sha256' CHECK (algorithm IN ('sha256', 'sm3')),
        retention_days integer NOT NULL DEFAULT 180 CHECK (retention_days BETWEEN 180 AND 36500),
        last_seq bigint NOT NULL DEFAULT 0,
        last_hash text NOT NULL,
        anchor_seq bigint NOT NULL DEFAULT 0,
        anchor_hash text NOT NULL,
        pruned_at timestamptz
      )`);

    // The chain of the transaction's identity: its tenant's, or the platform's.
    await q.query(`
      CREATE FUNCTION app_audit_chain_key() RETURNS text LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
      BEGIN
        IF app_tenant_id() IS NOT NULL THEN RETURN app_tenant_id()::text; END IF;
        IF app_is_platform() THEN RETURN 'platform'; END IF;
        RAISE EXCEPTION 'no tenant in this transaction' USING ERRCODE = 'AP003', CONSTRAINT = 'audit_chain';
      END $$`);
    await q.query(`
      CREATE FUNCTION app_audit_chain(p_lock boolean DEFAULT false)
      RETURNS TABLE (chain text, algorithm text, retention_days integer, last_seq bigint, last_hash text, anchor_seq bigint, anchor_hash text, pruned_at timestamptz)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = private, public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        k text := app_audit_chain_key();
        genesis text := encode(sha256(convert_to('audit-genesis:' || k, 'UTF8')), 'hex');
      BEGIN
        INSERT INTO private.audit_chains AS c (chain, last_hash, anchor_hash) VALUES (k, genesis, genesis) ON CONFLICT (chain) DO NOTHING;
        IF p_lock THEN
          RETURN QUERY SELECT c.chain, c.algorithm, c.retention_days, c.last_seq, c.last_hash, c.anchor_seq, c.anchor_hash, c.pruned_at
                         FROM private.audit_chains c WHERE c.chain = k FOR UPDATE;
        ELSE
          RETURN QUERY SELECT c.chain, c.algorithm, c.retention_days, c.last_seq, c.last_hash, c.anchor_seq, c.anchor_hash, c.pruned_at
                         FROM private.audit_chains c WHERE c.chain = k;
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION app_audit_set_policy(p_algorithm text, p_retention_days integer) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = private, public, pg_temp AS $$
      BEGIN
        PERFORM app_audit_chain(true);
        UPDATE private.audit_chains c SET algorithm = coalesce(p_algorithm, c.algorithm), retention_days = coalesce(p_retention_days, c.retention_days)
         WHERE c.chain = app_audit_chain_key();
      END $$`);

    // Seals rows in the order given: each must be unsealed, and the batch must follow the locked head.
    await q.query(`
      CREATE FUNCTION app_audit_seal(p_after_seq bigint, p_after_hash text, p_ids bigint[], p_hashes text[], p_algorithm text) RETURNS bigint
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = private, public, pg_temp AS $$
      DECLARE
        k text := app_audit_chain_key();
        head private.audit_chains%ROWTYPE;
        prev text;
        n bigint;
        changed integer;
      BEGIN
        SELECT * INTO head FROM private.audit_chains c WHERE c.chain = k FOR UPDATE;
        IF NOT FOUND OR head.last_seq <> p_after_seq OR head.last_hash <> p_after_hash THEN
          RAISE EXCEPTION 'the audit chain head moved' USING ERRCODE = 'AP003', CONSTRAINT = 'audit_chain';
        END IF;
        IF coalesce(array_length(p_ids, 1), 0) <> coalesce(array_length(p_hashes, 1), 0) OR p_algorithm NOT IN ('sha256', 'sm3') THEN
          RAISE EXCEPTION 'a seal names each row with its hash' USING ERRCODE = 'AP003', CONSTRAINT = 'audit_chain';
        END IF;
        PERFORM set_config('app.audit_seal', 'on', true);
        prev := head.last_hash;
        n := head.last_seq;
        FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
          IF p_hashes[i] !~ '^[0-9a-f]{64}$' THEN
            RAISE EXCEPTION 'a row hash is 64 hex digits' USING ERRCODE = 'AP003', CONSTRAINT = 'audit_chain';
          END IF;
          n := n + 1;
          IF k = 'platform' THEN
            UPDATE platform_audit_log SET seq = n, prev_hash = prev, row_hash = p_hashes[i], hash_alg = p_algorithm
             WHERE id = p_ids[i] AND row_hash IS NULL;
          ELSE
            UPDATE audit_log SET seq = n, prev_hash = prev, row_hash = p_hashes[i], hash_alg = p_algorithm
             WHERE tenant_id = k::uuid AND id = p_ids[i] AND row_hash IS NULL;
          END IF;
          GET DIAGNOSTICS changed = ROW_COUNT;
          IF changed <> 1 THEN
            RAISE EXCEPTION 'audit row % is not waiting to be sealed', p_ids[i] USING ERRCODE = 'AP003', CONSTRAINT = 'audit_chain';
          END IF;
          prev := p_hashes[i];
        END LOOP;
        PERFORM set_config('app.audit_seal', '', true);
        UPDATE private.audit_chains c SET last_seq = n, last_hash = prev WHERE c.chain = k;
        RETURN n;
      END $$`);

    // Drops the sealed prefix of the chain older than the retention (never younger than 180 days) and
    // leaves its last hash as the anchor verification starts from.
    await q.query(`
      CREATE FUNCTION app_audit_prune() RETURNS bigint
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = private, public, pg_temp AS $$
      DECLARE
        k text := app_audit_chain_key();
        head private.audit_chains%ROWTYPE;
        cutoff timestamptz;
        keep_from bigint;
        upto bigint;
        upto_hash text;
        removed bigint;
      BEGIN
        PERFORM app_audit_chain(true);
        SELECT * INTO head FROM private.audit_chains c WHERE c.chain = k FOR UPDATE;
        cutoff := now() - make_interval(days => greatest(head.retention_days, 180));
        IF k = 'platform' THEN
          SELECT min(seq) INTO keep_from FROM platform_audit_log WHERE seq > head.anchor_seq AND at >= cutoff;
        ELSE
          SELECT min(seq) INTO keep_from FROM audit_log WHERE tenant_id = k::uuid AND seq > head.anchor_seq AND at >= cutoff;
        END IF;
        upto := coalesce(keep_from - 1, head.last_seq);
        IF upto <= head.anchor_seq THEN RETURN 0; END IF;
        PERFORM set_config('app.audit_prune', 'on', true);
        IF k = 'platform' THEN
          SELECT row_hash INTO upto_hash FROM platform_audit_log WHERE seq = upto;
          DELETE FROM platform_audit_log WHERE seq > head.anchor_seq AND seq <= upto;
        ELSE
          SELECT row_hash INTO upto_hash FROM audit_log WHERE tenant_id = k::uuid AND seq = upto;
          DELETE FROM audit_log WHERE tenant_id = k::uuid AND seq > head.anchor_seq AND seq <= upto;
        END IF;
        GET DIAGNOSTICS removed = ROW_COUNT;
        PERFORM set_config('app.audit_prune', '', true);
        IF upto_hash IS NULL THEN
          RAISE EXCEPTION 'audit chain % has no row at %', k, upto USING ERRCODE = 'AP003', CONSTRAINT = 'audit_chain';
        END IF;
        UPDATE private.audit_chains c SET anchor_seq = upto, anchor_hash = upto_hash, pruned_at = now() WHERE c.chain = k;
        RETURN removed;
      END $$`);

    // Append-only for every role, the owner's included, with two narrow exceptions made by the
    // functions above: filling the hash columns of an unsealed row, and deleting a sealed row older
    // than 180 days while pruning.
    await q.query(`
      CREATE FUNCTION guard_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        hashed text[] := ARRAY['seq', 'prev_hash', 'row_hash', 'hash_alg'];
      BEGIN
        IF TG_OP = 'UPDATE' AND coalesce(current_setting('app.audit_seal', true), '') = 'on' AND OLD.row_hash IS NULL
           AND NEW.row_hash IS NOT NULL AND (to_jsonb(NEW) - hashed) = (to_jsonb(OLD) - hashed) THEN
          RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' AND coalesce(current_setting('app.audit_prune', true), '') = 'on' AND OLD.row_hash IS NOT NULL
           AND OLD.at < now() - interval '180 days' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'AP002', CONSTRAINT = 'audit_append_only';
      END $$`);
    await q.query(`DROP TRIGGER audit_log_append_only ON audit_log`);
    await q.query(
      `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION guard_audit_change()`,
    );
    await q.query(
      `CREATE TRIGGER platform_audit_log_append_only BEFORE UPDATE OR DELETE ON platform_audit_log FOR EACH ROW EXECUTE FUNCTION guard_audit_change()`,
    );
    await q.query(`
      CREATE FUNCTION refuse_audit_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'AP002', CONSTRAINT = 'audit_append_only';
      END $$`);
    for (const table of ['audit_log', 'platform_audit_log']) {
      await q.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_truncate()`,
      );
    }

    // ── events written outside the request's transaction ─────────────────────────────────────────────
    // A sign-in event: the tenant by slug (or id, for a token), the account by name (or by the refresh
    // token's row); a tenant nobody knows, or none (an operator), goes to the platform log.
    await q.query(`
      CREATE FUNCTION app_audit_auth_event(p_tenant_slug text, p_tenant uuid, p_account text, p_token uuid, p_action text,
                                           p_outcome text, p_reason text, p_address text, p_user_agent text, p_data jsonb DEFAULT '{}')
      RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        t uuid;
        u record;
        op uuid;
        was_tenant text := coalesce(current_setting('app.tenant_id', true), '');
        was_platform text := coalesce(current_setting('app.platform', true), '');
      BEGIN
        IF p_tenant IS NOT NULL THEN
          SELECT id INTO t FROM tenants WHERE id = p_tenant;
        ELSIF coalesce(p_tenant_slug, '') <> '' THEN
          SELECT id INTO t FROM tenants WHERE slug = p_tenant_slug;
        END IF;
        IF t IS NULL THEN
          PERFORM set_config('app.platform', 'on', true);
          IF coalesce(p_tenant_slug, '') = '' AND p_tenant IS NULL THEN
            SELECT id INTO op FROM platform_operators WHERE username = p_account;
          END IF;
          INSERT INTO platform_audit_log (actor_id, action, data, outcome, reason, address, user_agent, account)
          VALUES (op, p_action, coalesce(p_data, '{}') || CASE WHEN coalesce(p_tenant_slug, '') <> '' THEN jsonb_build_object('tenant', left(p_tenant_slug, 100)) ELSE '{}' END,
                  p_outcome, left(p_reason, 100), left(p_address, 100), left(p_user_agent, 500), left(p_account, 200));
          PERFORM set_config('app.platform', was_platform, true);
          RETURN;
        END IF;
        PERFORM set_config('app.tenant_id', t::text, true);
        IF p_token IS NOT NULL THEN
          SELECT us.id, us.org_id, us.username INTO u FROM refresh_tokens rt JOIN users us ON us.tenant_id = rt.tenant_id AND us.id = rt.user_id
           WHERE rt.tenant_id = t AND rt.id = p_token;
        ELSE
          SELECT us.id, us.org_id, us.username INTO u FROM users us WHERE us.tenant_id = t AND us.username = p_account;
        END IF;
        INSERT INTO audit_log (tenant_id, actor_id, action, entity_type, entity_id, org_id, data, outcome, reason, address, user_agent, account)
        VALUES (t, u.id, p_action, CASE WHEN u.id IS NULL THEN NULL ELSE 'User' END, u.id, u.org_id, coalesce(p_data, '{}'),
                p_outcome, left(p_reason, 100), left(p_address, 100), left(p_user_agent, 500), left(coalesce(p_account, u.username), 200));
        PERFORM set_config('app.tenant_id', was_tenant, true);
      END $$`);
    // Any other event that must outlive its request (a refused download or import): the tenant's log,
    // or the platform's when no tenant is named.
    await q.query(`
      CREATE FUNCTION app_audit_append(p_tenant uuid, p_actor uuid, p_action text, p_entity_type text, p_entity_id uuid, p_org uuid,
                                       p_data jsonb, p_outcome text, p_reason text, p_address text, p_user_agent text, p_account text)
      RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        was_tenant text := coalesce(current_setting('app.tenant_id', true), '');
        was_platform text := coalesce(current_setting('app.platform', true), '');
      BEGIN
        IF p_tenant IS NULL THEN
          PERFORM set_config('app.platform', 'on', true);
          INSERT INTO platform_audit_log (actor_id, action, entity_type, entity_id, org_id, data, outcome, reason, address, user_agent, account)
          VALUES (p_actor, p_action, p_entity_type, p_entity_id, p_org, coalesce(p_data, '{}'), p_outcome, left(p_reason, 100), left(p_address, 100),
                  left(p_user_agent, 500), left(p_account, 200));
          PERFORM set_config('app.platform', was_platform, true);
        ELSE
          PERFORM set_config('app.tenant_id', p_tenant::text, true);
          INSERT INTO audit_log (tenant_id, actor_id, action, entity_type, entity_id, org_id, data, outcome, reason, address, user_agent, account)
          VALUES (p_tenant, p_actor, p_action, p_entity_type, p_entity_id, p_org, coalesce(p_data, '{}'), p_outcome, left(p_reason, 100),
                  left(p_address, 100), left(p_user_agent, 500), left(p_account, 200));
          PERFORM set_config('app.tenant_id', was_tenant, true);
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_audit_append(uuid, uuid, text, text, uuid, uuid, jsonb, text, text, text, text, text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_audit_auth_event(text, uuid, text, uuid, text, text, text, text, text, jsonb)`);
    await q.query(`DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`);
    await q.query(`DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log`);
    await q.query(
      `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()`,
    );
    await q.query(`DROP TABLE IF EXISTS platform_audit_log`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_audit_truncate()`);
    await q.query(`DROP FUNCTION IF EXISTS guard_audit_change()`);
    await q.query(`DROP FUNCTION IF EXISTS app_audit_prune()`);
    await q.query(`DROP FUNCTION IF EXISTS app_audit_seal(bigint, text, bigint[], text[], text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_audit_set_policy(text, integer)`);
    await q.query(`DROP FUNCTION IF EXISTS app_audit_chain(boolean)`);
    await q.query(`DROP FUNCTION IF EXISTS app_audit_chain_key()`);
    await q.query(`DROP TABLE IF EXISTS private.audit_chains`);
    await q.query(`DROP INDEX IF EXISTS audit_log_actor`);
    await q.query(`DROP INDEX IF EXISTS audit_log_unsealed`);
    await q.query(`DROP INDEX IF EXISTS audit_log_seq`);
    await q.query(
      `ALTER TABLE audit_log DROP COLUMN IF EXISTS outcome, DROP COLUMN IF EXISTS reason, DROP COLUMN IF EXISTS address,
         DROP COLUMN IF EXISTS user_agent, DROP COLUMN IF EXISTS account, DROP COLUMN IF EXISTS seq, DROP COLUMN IF EXISTS prev_hash,
         DROP COLUMN IF EXISTS row_hash, DROP COLUMN IF EXISTS hash_alg`,
    );
  }
}
