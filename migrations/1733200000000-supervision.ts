import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Supervision (督导组): teams and their scopes, inspections with findings, rectification orders,
 * follow-up checks (回头看), service requests to superiors, notices (通报) with tracked reading,
 * the annual assessment rule, the per-tenant hash chain of finalized records, and the audit log.
 */
export class Supervision1733200000000 implements MigrationInterface {
  name = 'Supervision1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE supervision_teams (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        leader_id uuid NOT NULL,
        campaign_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, leader_id) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE supervision_team_members (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        team_id uuid NOT NULL,
        user_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, team_id, user_id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES supervision_teams (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE supervision_team_scopes (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        team_id uuid NOT NULL,
        org_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, team_id, org_id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES supervision_teams (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id)
      )`);

    await q.query(`
      CREATE TABLE inspections (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL,
        org_id uuid NOT NULL,
        campaign_id uuid,
        inspected_on date NOT NULL,
        methods text[] NOT NULL DEFAULT '{}',
        summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 20000),
        state text NOT NULL DEFAULT 'DRAFT' CHECK (state IN ('DRAFT', 'FINALIZED')),
        evaluation_id uuid,
        amends_id uuid,
        amendment_reason text CHECK (length(amendment_reason) <= 2000),
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 100),
        request_hash text NOT NULL,
        created_by uuid NOT NULL,
        finalized_by uuid,
        finalized_at timestamptz,
        chain_seq bigint,
        prev_hash text,
        record_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, idempotency_key),
        UNIQUE (tenant_id, chain_seq),
        FOREIGN KEY (tenant_id, team_id) REFERENCES supervision_teams (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        FOREIGN KEY (tenant_id, evaluation_id) REFERENCES evaluations (tenant_id, id),
        FOREIGN KEY (tenant_id, amends_id) REFERENCES inspections (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, finalized_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX inspections_org ON inspections (tenant_id, org_id, inspected_on)`);
    await q.query(`CREATE INDEX inspections_team ON inspections (tenant_id, team_id)`);

    await q.query(`
      CREATE TABLE findings (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        inspection_id uuid NOT NULL,
        position integer NOT NULL,
        severity text NOT NULL CHECK (severity IN ('MINOR', 'MODERATE', 'SERIOUS', 'CRITICAL')),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
        criterion_id uuid,
        rectify_org_id uuid,
        rectify_due_on date,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, inspection_id) REFERENCES inspections (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, criterion_id) REFERENCES criteria (tenant_id, id),
        FOREIGN KEY (tenant_id, rectify_org_id) REFERENCES orgs (tenant_id, id),
        CHECK ((rectify_org_id IS NULL) = (rectify_due_on IS NULL))
      )`);
    await q.query(`CREATE INDEX findings_inspection ON findings (tenant_id, inspection_id, position)`);

    await q.query(`
      CREATE TABLE follow_up_checks (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        inspection_id uuid NOT NULL,
        finding_id uuid NOT NULL,
        fixed boolean,
        note text CHECK (length(note) <= 2000),
        PRIMARY KEY (tenant_id, inspection_id, finding_id),
        FOREIGN KEY (tenant_id, inspection_id) REFERENCES inspections (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id)
      )`);

    await q.query(`
      CREATE TABLE rectifications (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        finding_id uuid NOT NULL,
        team_id uuid NOT NULL,
        owner_org_id uuid NOT NULL,
        due_on date NOT NULL,
        state text NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'SUBMITTED', 'VERIFIED', 'REOPENED')),
        report text CHECK (length(report) <= 20000),
        evidence_refs text[] NOT NULL DEFAULT '{}',
        submitted_by uuid,
        submitted_at timestamptz,
        verified_by uuid,
        verified_at timestamptz,
        reopen_reason text CHECK (length(reopen_reason) <= 2000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, finding_id),
        FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES supervision_teams (tenant_id, id),
        FOREIGN KEY (tenant_id, owner_org_id) REFERENCES orgs (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX rectifications_owner ON rectifications (tenant_id, owner_org_id, state, due_on)`);

    await q.query(`
      CREATE TABLE service_requests (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        from_org_id uuid NOT NULL,
        to_org_id uuid NOT NULL,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
        state text NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'ANSWERED')),
        due_at timestamptz NOT NULL,
        answer text CHECK (length(answer) <= 20000),
        answered_by uuid,
        answered_at timestamptz,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, from_org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, to_org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, answered_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX service_requests_to ON service_requests (tenant_id, to_org_id, state, due_at)`);

    await q.query(`
      CREATE TABLE notices (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('COMMENDATION', 'CRITICISM')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        body text NOT NULL CHECK (length(body) <= 50000),
        issued_on date,
        state text NOT NULL DEFAULT 'DRAFT' CHECK (state IN ('DRAFT', 'ISSUED')),
        campaign_id uuid,
        basis jsonb NOT NULL DEFAULT '{}',
        created_by uuid NOT NULL,
        issued_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE notice_subjects (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        notice_id uuid NOT NULL,
        org_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, notice_id, org_id),
        FOREIGN KEY (tenant_id, notice_id) REFERENCES notices (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX notice_subjects_org ON notice_subjects (tenant_id, org_id)`);
    await q.query(`
      CREATE TABLE notice_recipients (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        notice_id uuid NOT NULL,
        org_id uuid NOT NULL,
        read_at timestamptz,
        read_by uuid,
        PRIMARY KEY (tenant_id, notice_id, org_id),
        FOREIGN KEY (tenant_id, notice_id) REFERENCES notices (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, read_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE notice_inspections (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        notice_id uuid NOT NULL,
        inspection_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, notice_id, inspection_id),
        FOREIGN KEY (tenant_id, notice_id) REFERENCES notices (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, inspection_id) REFERENCES inspections (tenant_id, id)
      )`);

    await q.query(`
      CREATE TABLE assessment_rules (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        campaign_id uuid,
        rule jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, year),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id)
      )`);

    // The head of each tenant's chain of finalized records; locking it serializes finalization.
    await q.query(`
      CREATE TABLE record_chains (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        last_seq bigint NOT NULL DEFAULT 0,
        last_hash text NOT NULL,
        PRIMARY KEY (tenant_id)
      )`);

    await q.query(`
      CREATE TABLE audit_log (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id bigint GENERATED ALWAYS AS IDENTITY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        action text NOT NULL,
        entity_type text,
        entity_id uuid,
        data jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity_id)`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (tenant_id, at)`);

    // Evidence stays evidence: a finalized inspection, its findings and follow-up checks cannot change,
    // and the audit log only grows. These hold for every role, the owner's included.
    await q.query(`
      CREATE FUNCTION refuse_finalized_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        parent_state text;
      BEGIN
        IF TG_TABLE_NAME = 'inspections' THEN
          IF OLD.state = 'FINALIZED' THEN
            RAISE EXCEPTION 'finalized inspection % is immutable', OLD.id USING ERRCODE = 'P0001';
          END IF;
        ELSE
          SELECT state INTO parent_state FROM inspections WHERE tenant_id = OLD.tenant_id AND id = OLD.inspection_id;
          IF parent_state = 'FINALIZED' THEN
            RAISE EXCEPTION 'records of finalized inspection % are immutable', OLD.inspection_id USING ERRCODE = 'P0001';
          END IF;
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    for (const table of ['inspections', 'findings', 'follow_up_checks']) {
      await q.query(
        `CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_finalized_change()`,
      );
    }
    await q.query(`
      CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'P0001';
      END $$`);
    await q.query(
      `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()`,
    );

    // A tenant's own settings (service-request time limit, time zone): the one tenant-row write that
    // is not the platform operator's, and only ever of the request's own tenant.
    await q.query(`
      CREATE FUNCTION app_update_tenant_settings(p_settings jsonb) RETURNS void LANGUAGE sql SECURITY DEFINER
      SET search_path = public, pg_temp AS $$ UPDATE tenants SET settings = p_settings WHERE id = app_tenant_id() $$`);

    const tables = [
      'supervision_teams',
      'supervision_team_members',
      'supervision_team_scopes',
      'inspections',
      'findings',
      'follow_up_checks',
      'rectifications',
      'service_requests',
      'notices',
      'notice_subjects',
      'notice_recipients',
      'notice_inspections',
      'assessment_rules',
      'record_chains',
      'audit_log',
    ];
    await isolateTenantTables(q, tables);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_log',
      'record_chains',
      'assessment_rules',
      'notice_inspections',
      'notice_recipients',
      'notice_subjects',
      'notices',
      'service_requests',
      'rectifications',
      'follow_up_checks',
      'findings',
      'inspections',
      'supervision_team_scopes',
      'supervision_team_members',
      'supervision_teams',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS refuse_finalized_change()`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_audit_change()`);
    await q.query(`DROP FUNCTION IF EXISTS app_update_tenant_settings(jsonb)`);
  }
}
