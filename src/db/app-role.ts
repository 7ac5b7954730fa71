import { DataSource } from 'typeorm';
import { ensureLoginRole, roleUrl } from './login-role';

/**
 * The server's pool logs in as a role that owns nothing and cannot bypass RLS. Given only an owner or
 * superuser URL, we create that role (or reset its password) and grant it exactly the DML it needs.
 * The password comes from the configuration (`config.appDbPassword`: APP_DB_PASSWORD, or derived from
 * the JWT key every instance shares), never from the text of the owner URL: two spellings of one server
 * (localhost, 127.0.0.1) must not re-key a role other instances are logged in with. Callers hold the
 * start-up advisory lock (database.ts), so instances starting together do this one at a time.
 */
export async function ensureAppRole(owner: DataSource, ownerUrl: string, role: string, password: string): Promise<string> {
  const quoted = `"${role}"`;
  await ensureLoginRole(owner, role, password);
  const [{ db }] = await owner.query(`SELECT current_database() AS db`);
  await owner.query(`GRANT CONNECT ON DATABASE "${db}" TO ${quoted}`);
  await owner.query(`GRANT USAGE ON SCHEMA public TO ${quoted}`);
  await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${quoted}`);
  await owner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${quoted}`);
  await owner.query(`REVOKE ALL ON schema_migrations FROM ${quoted}`);
  // The tenant registry is written only by platform operators; audit-style tables get their own
  // narrower grants in the migrations that create them.
  await owner.query(`REVOKE DELETE ON tenants FROM ${quoted}`);
  // Append-only by privilege as well as by trigger.
  for (const log of ['audit_log', 'platform_audit_log']) {
    const audit = await owner.query(`SELECT 1 FROM pg_class WHERE relname = $1 AND relkind = 'r'`, [log]);
    if (audit.length) await owner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${log} FROM ${quoted}`);
  }
  await restrictSecrets(owner, quoted);
  // A definer function acts for whatever tenant the session's settings name, and any role may set
  // them: only the app role may call the functions here (PostgreSQL gives EXECUTE to PUBLIC by default).
  // Run after every migration, so a function a later migration adds is covered too.
  await owner.query(`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC`);
  await owner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`);
  const callable: { fn: string }[] = await owner.query(
    `SELECT p.oid::regprocedure::text AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'public' AND NOT (p.proname = ANY($1::text[])) ORDER BY 1`,
    [GATE_FUNCTIONS],
  );
  if (callable.length) await owner.query(`GRANT EXECUTE ON FUNCTION ${callable.map((c) => c.fn).join(', ')} TO ${quoted}`);
  return roleUrl(ownerUrl, role, password);
}

/**
 * Functions only other definer functions call (the federation's grant check): the app role gets EXECUTE
 * on every other function of the schema, and PUBLIC on none.
 */
const GATE_FUNCTIONS = ['app_federation_grant_of'];

/**
 * Columns the app role may write but never read: password hashes (current and past), TOTP secrets and
 * recovery codes are compared by definer functions inside the database.
 */
const WRITE_ONLY_COLUMNS: Record<string, string[]> = {
  users: ['password_hash'],
  platform_operators: ['password_hash'],
  password_history: ['password_hash'],
  user_totp: ['secret'],
  recovery_codes: ['code_hash'],
  /** A tenant's OpenID Connect client secret: read only by app_sso_client_secret() for the token exchange. */
  sso_providers: ['client_secret'],
};

/**
 * What the blanket grant above must not give: the password hashes (SELECT on every other column
 * instead, from the live catalog, so a new column is readable), any write to the chain heads,
 * which move only through app_chain_head() / app_finalize_record(), and any write to the links
 * between tenants, which change only through the app_federation_*() functions.
 */
async function restrictSecrets(owner: DataSource, quoted: string): Promise<void> {
  for (const [table, hidden] of Object.entries(WRITE_ONLY_COLUMNS)) {
    const columns: { name: string }[] = await owner.query(
      `SELECT a.attname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped AND NOT (a.attname = ANY($2::text[])) ORDER BY a.attnum`,
      [table, hidden],
    );
    if (!columns.length) continue;
    await owner.query(`REVOKE SELECT ON ${table} FROM ${quoted}`);
    await owner.query(`GRANT SELECT (${columns.map((c) => `"${c.name}"`).join(', ')}) ON ${table} TO ${quoted}`);
  }
  const chains = await owner.query(`SELECT 1 FROM pg_class WHERE relname = 'record_chains' AND relkind = 'r'`);
  if (chains.length) await owner.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON record_chains FROM ${quoted}`);
  // links between tenants: each party reads its own row; both rows change only through app_federation_*()
  const links = await owner.query(`SELECT 1 FROM pg_class WHERE relname = 'tenant_links' AND relkind = 'r'`);
  if (links.length) await owner.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tenant_links FROM ${quoted}`);
}
