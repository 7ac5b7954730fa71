import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Single sign-on with a tenant's own OpenID Connect provider:
 *
 * - sso_providers: one per tenant (issuer, client id, the redirect URI registered at the provider, the
 *   page the browser returns to, the claim matched against usernames). The client secret is written by
 *   the app role but never read by it (column privileges, src/db/app-role.ts): the token exchange gets
 *   it from app_sso_client_secret(), and no API field returns it.
 * - sso_identities: the provider's subject linked to one user, by an admin or on a first sign-in whose
 *   matched claim names the user; never a user created.
 * - sso_requests: each authorization request's state (stored as its SHA-256), nonce and PKCE verifier,
 *   used at most once and within ten minutes.
 * - sso_codes: the one-time code the callback hands the browser (as its SHA-256), exchanged once within
 *   a minute by the signInWithSso mutation for the platform's own tokens.
 */
export class SingleSignOn1734155000001 implements MigrationInterface {
  name = 'SingleSignOn1734155000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sso_providers (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        enabled boolean NOT NULL DEFAULT true,
        issuer text NOT NULL CHECK (length(issuer) BETWEEN 8 AND 500),
        client_id text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 200),
        client_secret text CHECK (length(client_secret) BETWEEN 1 AND 500),
        redirect_uri text NOT NULL CHECK (length(redirect_uri) BETWEEN 8 AND 500),
        return_url text NOT NULL CHECK (length(return_url) BETWEEN 8 AND 500),
        match_claim text CHECK (match_claim ~ '^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$'),
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id)
      )`);
    await q.query(`
      CREATE TABLE sso_identities (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        provider_id uuid NOT NULL,
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
        user_id uuid NOT NULL,
        linked_by uuid,
        linked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, provider_id, subject),
        UNIQUE (tenant_id, provider_id, user_id),
        FOREIGN KEY (tenant_id, provider_id) REFERENCES sso_providers (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE sso_requests (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        state_hash text NOT NULL,
        provider_id uuid NOT NULL,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (tenant_id, state_hash),
        FOREIGN KEY (tenant_id, provider_id) REFERENCES sso_providers (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX sso_requests_expiry ON sso_requests (tenant_id, expires_at)`);
    await q.query(`
      CREATE TABLE sso_codes (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        code_hash text NOT NULL,
        user_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (tenant_id, code_hash),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX sso_codes_expiry ON sso_codes (tenant_id, expires_at)`);
    await isolateTenantTables(q, ['sso_providers', 'sso_identities', 'sso_requests', 'sso_codes']);

    // The secret for the token exchange, of the transaction's tenant only.
    await q.query(`
      CREATE FUNCTION app_sso_client_secret() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public, pg_temp AS $$ SELECT client_secret FROM sso_providers WHERE tenant_id = app_tenant_id() $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_sso_client_secret()`);
    for (const table of ['sso_codes', 'sso_requests', 'sso_identities', 'sso_providers']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
