import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Criteria as data (frameworks, versions, criteria trees), campaigns with phases, deadlines, targets
 * and submissions, evaluations with their scores, and the stored per-org campaign results that the
 * progress rollups read.
 */
export class CriteriaCampaigns1733100000000 implements MigrationInterface {
  name = 'CriteriaCampaigns1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE frameworks (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        code text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{2,40}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, code)
      )`);
    await q.query(`
      CREATE TABLE framework_versions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        framework_id uuid NOT NULL,
        number integer NOT NULL CHECK (number > 0),
        status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'RETIRED')),
        rule jsonb NOT NULL,
        created_from_id uuid,
        published_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, framework_id, number),
        FOREIGN KEY (tenant_id, framework_id) REFERENCES frameworks (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, created_from_id) REFERENCES framework_versions (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE criteria (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        version_id uuid NOT NULL,
        parent_id uuid,
        code text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
        guidance text NOT NULL DEFAULT '',
        position integer NOT NULL DEFAULT 0,
        weight numeric(12, 6) NOT NULL DEFAULT 1,
        max_score numeric(12, 4),
        scoring_type text CHECK (scoring_type IN ('SCALE', 'BOOLEAN', 'PERCENT', 'COUNT', 'DEDUCTION')),
        target numeric(12, 4),
        deduction_per numeric(12, 4),
        is_bonus boolean NOT NULL DEFAULT false,
        is_veto boolean NOT NULL DEFAULT false,
        evidence_required boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, version_id) REFERENCES framework_versions (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, parent_id) REFERENCES criteria (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX criteria_version ON criteria (tenant_id, version_id, parent_id, position)`);

    await q.query(`
      CREATE TABLE campaigns (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        version_id uuid NOT NULL,
        scope_org_id uuid NOT NULL,
        eligible_kinds text[] NOT NULL CHECK (cardinality(eligible_kinds) > 0),
        starts_on date NOT NULL,
        ends_on date NOT NULL CHECK (ends_on >= starts_on),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, version_id) REFERENCES framework_versions (tenant_id, id),
        FOREIGN KEY (tenant_id, scope_org_id) REFERENCES orgs (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE campaign_phases (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL,
        position integer NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        starts_on date NOT NULL,
        ends_on date NOT NULL CHECK (ends_on >= starts_on),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE campaign_deadlines (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL,
        code text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{1,40}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        due_on date NOT NULL,
        org_kinds text[] NOT NULL CHECK (cardinality(org_kinds) > 0),
        relative_depth integer CHECK (relative_depth > 0),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, campaign_id, code),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE campaign_targets (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        campaign_id uuid NOT NULL,
        due_on date NOT NULL,
        ratio numeric(5, 4) NOT NULL CHECK (ratio > 0 AND ratio <= 1),
        PRIMARY KEY (tenant_id, campaign_id, due_on),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE deadline_submissions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        deadline_id uuid NOT NULL,
        org_id uuid NOT NULL,
        text text NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
        attachment_ref text CHECK (length(attachment_ref) <= 500),
        submitted_at timestamptz NOT NULL DEFAULT now(),
        submitted_by uuid NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, deadline_id, org_id),
        FOREIGN KEY (tenant_id, deadline_id) REFERENCES campaign_deadlines (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, submitted_by) REFERENCES users (tenant_id, id)
      )`);

    await q.query(`
      CREATE TABLE evaluations (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL,
        org_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('SELF', 'SUPERIOR', 'PUBLIC', 'INSPECTION')),
        state text NOT NULL DEFAULT 'DRAFT' CHECK (state IN ('DRAFT', 'SUBMITTED', 'ACCEPTED', 'RETURNED')),
        version integer NOT NULL DEFAULT 1,
        total numeric(12, 4),
        grade text,
        veto boolean,
        return_reason text,
        created_by uuid NOT NULL,
        submitted_by uuid,
        submitted_at timestamptz,
        reviewed_by uuid,
        reviewed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, submitted_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, reviewed_by) REFERENCES users (tenant_id, id)
      )`);
    // One SELF, SUPERIOR and PUBLIC evaluation per org and campaign; inspections may score many times.
    await q.query(
      `CREATE UNIQUE INDEX evaluations_one_per_kind ON evaluations (tenant_id, campaign_id, org_id, kind) WHERE kind <> 'INSPECTION'`,
    );
    await q.query(`CREATE INDEX evaluations_campaign_state ON evaluations (tenant_id, campaign_id, state)`);
    await q.query(`
      CREATE TABLE evaluation_scores (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        evaluation_id uuid NOT NULL,
        criterion_id uuid NOT NULL,
        value numeric(12, 4) NOT NULL,
        note text CHECK (length(note) <= 2000),
        evidence text CHECK (length(evidence) <= 2000),
        PRIMARY KEY (tenant_id, evaluation_id, criterion_id),
        FOREIGN KEY (tenant_id, evaluation_id) REFERENCES evaluations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, criterion_id) REFERENCES criteria (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE campaign_results (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        campaign_id uuid NOT NULL,
        org_id uuid NOT NULL,
        total numeric(12, 4) NOT NULL,
        grade text NOT NULL,
        attained boolean NOT NULL,
        veto boolean NOT NULL,
        complete boolean NOT NULL,
        components jsonb NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, campaign_id, org_id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id)
      )`);

    const tables = [
      'frameworks',
      'framework_versions',
      'criteria',
      'campaigns',
      'campaign_phases',
      'campaign_deadlines',
      'campaign_targets',
      'deadline_submissions',
      'evaluations',
      'evaluation_scores',
      'campaign_results',
    ];
    await isolateTenantTables(q, tables);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'campaign_results',
      'evaluation_scores',
      'evaluations',
      'deadline_submissions',
      'campaign_targets',
      'campaign_deadlines',
      'campaign_phases',
      'campaigns',
      'criteria',
      'framework_versions',
      'frameworks',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
