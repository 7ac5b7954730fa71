import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Accounts as an agency's assessor (等级保护) needs them: a password policy per tenant, password
 * history, lockout after consecutive failures, a per-user session epoch ("sign out everywhere" kills
 * access tokens too), and TOTP second factors with recovery codes.
 *
 * The wall of the password hashes holds for every new secret: the app role may write
 * `password_history.password_hash`, `user_totp.secret` and `recovery_codes.code_hash` but never read
 * them (column privileges, src/db/app-role.ts). They are compared inside the database by SECURITY
 * DEFINER functions: app_password_recent() / app_password_recent_match() (not one of the last N),
 * app_totp_check() (RFC 6238 with pgcrypto's HMAC-SHA1, replay refused by the last used time step,
 * under a row lock) and app_recovery_code_use() (each code once, under a row lock). Every table keeps
 * the tenant key and forced row-level security, so the definer functions see the request's tenant only.
 */
export class AccountSecurity1734150000000 implements MigrationInterface {
  name = 'AccountSecurity1734150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    // password_changed_at NULL: the password never expires (the demo seed only); existing accounts count from now
    await q.query(`
      ALTER TABLE users
        ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
        ADD COLUMN password_changed_at timestamptz DEFAULT now(),
        ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
        ADD COLUMN locked_at timestamptz,
        ADD COLUMN locked_until timestamptz,
        ADD COLUMN session_epoch integer NOT NULL DEFAULT 0,
        ADD CONSTRAINT users_locked_until_after CHECK (locked_until IS NULL OR locked_at IS NOT NULL)`);

    await q.query(`
      CREATE TABLE account_policies (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        min_length integer NOT NULL CHECK (min_length BETWEEN 8 AND 64),
        min_classes integer NOT NULL CHECK (min_classes BETWEEN 1 AND 4),
        history_count integer NOT NULL CHECK (history_count BETWEEN 0 AND 24),
        max_age_days integer NOT NULL CHECK (max_age_days BETWEEN 0 AND 3650),
        forbid_username boolean NOT NULL,
        lockout_threshold integer NOT NULL CHECK (lockout_threshold BETWEEN 0 AND 100),
        lockout_minutes integer NOT NULL CHECK (lockout_minutes BETWEEN 0 AND 10080),
        session_idle_minutes integer NOT NULL CHECK (session_idle_minutes BETWEEN 5 AND 43200),
        totp_roles text[] NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id)
      )`);
    await q.query(`
      CREATE TABLE password_history (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX password_history_user ON password_history (tenant_id, user_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE user_totp (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        secret bytea NOT NULL CHECK (length(secret) BETWEEN 16 AND 64),
        enabled_at timestamptz,
        last_step bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE recovery_codes (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        code_hash text NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX recovery_codes_user ON recovery_codes (tenant_id, user_id)`);
    await isolateTenantTables(q, ['account_policies', 'password_history', 'user_totp', 'recovery_codes']);

    // the replaced hash goes to the history (whoever writes the new one), the newest 24 kept
    await q.query(`
      CREATE FUNCTION app_keep_password_history() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        INSERT INTO password_history (tenant_id, user_id, password_hash) VALUES (OLD.tenant_id, OLD.id, OLD.password_hash);
        DELETE FROM password_history h WHERE h.tenant_id = OLD.tenant_id AND h.user_id = OLD.id
           AND h.id NOT IN (SELECT k.id FROM password_history k WHERE k.tenant_id = OLD.tenant_id AND k.user_id = OLD.id
                             ORDER BY k.created_at DESC, k.id LIMIT 24);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER users_password_history AFTER UPDATE OF password_hash ON users
        FOR EACH ROW WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash) EXECUTE FUNCTION app_keep_password_history()`);

    // the current hash and the n - 1 before it: their parameters (not secret), then a match of candidates
    const recent = `
      SELECT r.h FROM (
        SELECT u.password_hash AS h, 0 AS ord, u.created_at AS at FROM users u WHERE u.tenant_id = app_tenant_id() AND u.id = p_user AND p_n > 0
        UNION ALL
        (SELECT ph.password_hash, 1, ph.created_at FROM password_history ph
          WHERE ph.tenant_id = app_tenant_id() AND ph.user_id = p_user ORDER BY ph.created_at DESC, ph.id LIMIT greatest(p_n - 1, 0))
      ) r`;
    await q.query(`
      CREATE FUNCTION app_password_recent(p_user uuid, p_n integer) RETURNS TABLE (params text, key_length integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT regexp_replace(x.h, '\\$[^$]*$', ''), (length(substring(x.h FROM '[^$]*$')) * 3 / 4)::integer FROM (${recent}) x
      $$`);
    await q.query(`
      CREATE FUNCTION app_password_recent_match(p_user uuid, p_n integer, p_candidates text[]) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT EXISTS (SELECT 1 FROM (${recent}) x WHERE x.h = ANY (p_candidates))
      $$`);

    // RFC 4226 dynamic truncation over HMAC-SHA1 of the 8-byte big-endian time step (RFC 6238: 30 s, 6 digits)
    await q.query(`
      CREATE FUNCTION app_totp_code(p_secret bytea, p_step bigint) RETURNS text
      LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = public, pg_temp AS $$
      DECLARE
        h bytea := hmac(int8send(p_step), p_secret, 'sha1');
        o integer := get_byte(h, 19) & 15;
        bin bigint := ((get_byte(h, o) & 127)::bigint << 24) | (get_byte(h, o + 1) << 16) | (get_byte(h, o + 2) << 8) | get_byte(h, o + 3);
      BEGIN
        RETURN lpad((bin % 1000000)::text, 6, '0');
      END $$`);
    // a code of the step before, now or after, never one at or before the last step used (no replay);
    // p_pending: the enrolment being confirmed (it becomes enabled), else an enabled factor
    await q.query(`
      CREATE FUNCTION app_totp_check(p_user uuid, p_code text, p_pending boolean) RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        now_step bigint := floor(extract(epoch FROM clock_timestamp()) / 30)::bigint;
        f record;
      BEGIN
        IF p_code IS NULL OR p_code !~ '^[0-9]{6}$' THEN RETURN false; END IF;
        SELECT t.secret, t.last_step, t.enabled_at INTO f FROM user_totp t
         WHERE t.tenant_id = app_tenant_id() AND t.user_id = p_user FOR UPDATE;
        IF NOT FOUND OR (f.enabled_at IS NULL) <> p_pending THEN RETURN false; END IF;
        FOR s IN now_step - 1 .. now_step + 1 LOOP
          IF (f.last_step IS NULL OR s > f.last_step) AND app_totp_code(f.secret, s) = p_code THEN
            UPDATE user_totp t SET last_step = s, enabled_at = coalesce(t.enabled_at, clock_timestamp())
             WHERE t.tenant_id = app_tenant_id() AND t.user_id = p_user;
            RETURN true;
          END IF;
        END LOOP;
        RETURN false;
      END $$`);
    await q.query(`
      CREATE FUNCTION app_recovery_code_use(p_user uuid, p_hash text) RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        UPDATE recovery_codes c SET used_at = clock_timestamp()
         WHERE c.tenant_id = app_tenant_id() AND c.user_id = p_user AND c.code_hash = p_hash AND c.used_at IS NULL;
        RETURN FOUND;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_recovery_code_use(uuid, text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_totp_check(uuid, text, boolean)`);
    await q.query(`DROP FUNCTION IF EXISTS app_totp_code(bytea, bigint)`);
    await q.query(`DROP FUNCTION IF EXISTS app_password_recent_match(uuid, integer, text[])`);
    await q.query(`DROP FUNCTION IF EXISTS app_password_recent(uuid, integer)`);
    await q.query(`DROP TRIGGER IF EXISTS users_password_history ON users`);
    await q.query(`DROP FUNCTION IF EXISTS app_keep_password_history()`);
    await q.query(`DROP TABLE IF EXISTS recovery_codes, user_totp, password_history, account_policies`);
    await q.query(`
      ALTER TABLE users DROP CONSTRAINT IF EXISTS users_locked_until_after,
        DROP COLUMN IF EXISTS must_change_password, DROP COLUMN IF EXISTS password_changed_at, DROP COLUMN IF EXISTS failed_sign_ins,
        DROP COLUMN IF EXISTS locked_at, DROP COLUMN IF EXISTS locked_until, DROP COLUMN IF EXISTS session_epoch`);
  }
}
