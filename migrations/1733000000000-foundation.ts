import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Tenants, platform operators, orgs (ltree materialized path), users, role assignments, refresh tokens.
 * Every tenant-owned table leads its primary key and foreign keys with tenant_id (Citus-ready) and
 * has FORCE ROW LEVEL SECURITY keyed on the transaction-local setting app.tenant_id.
 */
export class Foundation1733000000000 implements MigrationInterface {
  name = 'Foundation1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS ltree`);

    // Identity of the request, as set by the server in each transaction (set_config(..., true)).
    await q.query(`
      CREATE FUNCTION app_tenant_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
      $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$`);
    await q.query(`
      CREATE FUNCTION app_is_platform() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
      $$ SELECT coalesce(current_setting('app.platform', true), '') = 'on' $$`);

    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,39}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        settings jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The tenant registry is the one table a request may not be scoped to yet (sign-in resolves a slug).
    // RLS is enabled but not forced, so only the owner-defined lookup function below reads across it.
    await q.query(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_self ON tenants USING (id = app_tenant_id() OR app_is_platform())
                   WITH CHECK (app_is_platform())`);
    await q.query(`
      CREATE FUNCTION app_tenant_by_slug(p_slug text) RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public, pg_temp AS $$ SELECT id FROM tenants WHERE slug = p_slug $$`);

    await q.query(`
      CREATE TABLE platform_operators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE platform_operators ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE platform_operators FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY platform_only ON platform_operators USING (app_is_platform()) WITH CHECK (app_is_platform())`);

    await q.query(`
      CREATE TABLE orgs (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        parent_id uuid,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('COMMITTEE', 'GENERAL_BRANCH', 'BRANCH')),
        category text NOT NULL CHECK (category IN ('ORGAN', 'INSTITUTION', 'ENTERPRISE')),
        path ltree NOT NULL,
        depth integer GENERATED ALWAYS AS (nlevel(path)) STORED,
        archived_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, parent_id) REFERENCES orgs (tenant_id, id),
        UNIQUE (tenant_id, path)
      )`);
    await q.query(`CREATE INDEX orgs_path_gist ON orgs USING gist (path)`);
    await q.query(`CREATE INDEX orgs_parent ON orgs (tenant_id, parent_id)`);
    await q.query(`CREATE INDEX orgs_kind ON orgs (tenant_id, kind)`);

    await q.query(`
      CREATE TABLE users (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
        password_hash text NOT NULL,
        org_id uuid,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, username),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id)
      )`);

    await q.query(`
      CREATE TABLE role_assignments (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('TENANT_ADMIN', 'LEADER', 'SECRETARY', 'SUPERVISOR', 'INSPECTOR', 'MEMBER')),
        org_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, user_id, role, org_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id)
      )`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        family_id uuid NOT NULL,
        token_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id)`);

    await isolateTenantTables(q, ['orgs', 'users', 'role_assignments', 'refresh_tokens']);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['refresh_tokens', 'role_assignments', 'users', 'orgs', 'platform_operators', 'tenants']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS app_tenant_by_slug(text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_is_platform()`);
    await q.query(`DROP FUNCTION IF EXISTS app_tenant_id()`);
  }
}
