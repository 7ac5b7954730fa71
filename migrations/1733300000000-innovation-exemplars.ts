import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * "多彩服务" innovation projects with their goals and stage history, exemplars (示范岗 / 示范窗口 /
 * 重点培育) with public-notice objections, re-evaluations, history and per-category limits, the
 * campaign's leading group (领导小组), and service brands (服务品牌) with their standards.
 */
export class InnovationExemplars1733300000000 implements MigrationInterface {
  name = 'InnovationExemplars1733300000000';

  async up(q: QueryRunner): Promise<void> {
    // ── innovation projects ──────────────────────────────────────────────────────────────────────
    await q.query(`
      CREATE TABLE innovation_projects (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        theme text NOT NULL CHECK (length(theme) BETWEEN 1 AND 200),
        plan text NOT NULL DEFAULT '' CHECK (length(plan) <= 50000),
        stage text NOT NULL DEFAULT 'RESEARCH'
          CHECK (stage IN ('RESEARCH', 'IMPLEMENTING', 'SUPERVISED', 'EVALUATED', 'AWARDED', 'PROMOTED')),
        score numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
        evaluation_summary text CHECK (length(evaluation_summary) <= 20000),
        evaluated_by uuid,
        evaluated_at timestamptz,
        award_level text CHECK (award_level IN ('FIRST', 'SECOND', 'THIRD', 'EXCELLENCE')),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, evaluated_by) REFERENCES users (tenant_id, id),
        -- an evaluated project carries its evaluation, an awarded one its award
        CHECK (stage IN ('RESEARCH', 'IMPLEMENTING', 'SUPERVISED') OR score IS NOT NULL),
        CHECK (stage NOT IN ('AWARDED', 'PROMOTED') OR award_level IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX innovation_projects_year ON innovation_projects (tenant_id, year, stage)`);
    await q.query(`CREATE INDEX innovation_projects_org ON innovation_projects (tenant_id, org_id)`);
    await q.query(`
      CREATE TABLE innovation_goals (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        project_id uuid NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        kind text NOT NULL CHECK (kind IN ('REDUCE_APPROVALS', 'SHORTEN_APPROVAL_TIME', 'EXPAND_SERVICES', 'EXTEND_SERVICE_REACH',
                                           'RAISE_SERVICE_LEVEL', 'IMPROVE_SERVICE_ATTITUDE', 'OTHER')),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
        baseline numeric,
        target numeric,
        unit text CHECK (length(unit) BETWEEN 1 AND 50),
        PRIMARY KEY (tenant_id, project_id, position),
        FOREIGN KEY (tenant_id, project_id) REFERENCES innovation_projects (tenant_id, id) ON DELETE CASCADE,
        CHECK (baseline IS NULL OR target IS NOT NULL),
        CHECK (target IS NULL OR unit IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE innovation_stage_changes (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL,
        from_stage text,
        to_stage text NOT NULL,
        note text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
        moved_by uuid NOT NULL,
        moved_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, project_id) REFERENCES innovation_projects (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, moved_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX innovation_stage_changes_project ON innovation_stage_changes (tenant_id, project_id, moved_at)`);

    // ── exemplars ────────────────────────────────────────────────────────────────────────────────
    await q.query(`
      CREATE TABLE exemplars (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG')),
        org_id uuid NOT NULL,
        category text NOT NULL CHECK (category IN ('ORGAN', 'INSTITUTION', 'ENTERPRISE')),
        year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        title text CHECK (length(title) BETWEEN 1 AND 200),
        member_name text CHECK (length(member_name) BETWEEN 1 AND 100),
        reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 20000),
        state text NOT NULL DEFAULT 'NOMINATED'
          CHECK (state IN ('NOMINATED', 'UNDER_REVIEW', 'PUBLIC_NOTICE', 'NAMED', 'RE_EVALUATED', 'REVOKED', 'REJECTED')),
        notice_starts_on date,
        notice_ends_on date,
        named_on date,
        closing_reason text CHECK (length(closing_reason) <= 5000),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        CHECK (kind = 'KEY_ORG' OR title IS NOT NULL),
        CHECK (notice_ends_on >= notice_starts_on),
        CHECK (state IN ('NOMINATED', 'UNDER_REVIEW') OR state = 'REJECTED' OR notice_starts_on IS NOT NULL),
        CHECK (state NOT IN ('NAMED', 'RE_EVALUATED') OR named_on IS NOT NULL)
      )`);
    // One live nomination per post/window (or key org) and year; rejected and revoked ones may be nominated again.
    await q.query(`CREATE UNIQUE INDEX exemplars_live ON exemplars (tenant_id, kind, org_id, year, coalesce(title, ''))
                   WHERE state NOT IN ('REJECTED', 'REVOKED')`);
    await q.query(`CREATE INDEX exemplars_year ON exemplars (tenant_id, year, kind, category, state)`);
    await q.query(`CREATE INDEX exemplars_org ON exemplars (tenant_id, org_id)`);
    await q.query(`
      CREATE TABLE exemplar_objections (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        exemplar_id uuid NOT NULL,
        text text NOT NULL CHECK (length(text) BETWEEN 1 AND 5000),
        lodged_by uuid NOT NULL,
        lodged_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        answer text CHECK (length(answer) BETWEEN 1 AND 5000),
        upheld boolean,
        answered_by uuid,
        answered_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, exemplar_id) REFERENCES exemplars (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, lodged_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, answered_by) REFERENCES users (tenant_id, id),
        CHECK ((answer IS NULL) = (answered_at IS NULL) AND (answer IS NULL) = (upheld IS NULL))
      )`);
    await q.query(`CREATE INDEX exemplar_objections_exemplar ON exemplar_objections (tenant_id, exemplar_id, lodged_at)`);
    await q.query(`
      CREATE TABLE exemplar_reevaluations (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        exemplar_id uuid NOT NULL,
        evaluated_on date NOT NULL,
        result text NOT NULL CHECK (result IN ('KEEP', 'REVOKE')),
        note text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
        recorded_by uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, exemplar_id) REFERENCES exemplars (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, recorded_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX exemplar_reevaluations_exemplar ON exemplar_reevaluations (tenant_id, exemplar_id, evaluated_on)`);
    await q.query(`
      CREATE TABLE exemplar_state_changes (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        exemplar_id uuid NOT NULL,
        from_state text,
        to_state text NOT NULL,
        note text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
        moved_by uuid NOT NULL,
        moved_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, exemplar_id) REFERENCES exemplars (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, moved_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX exemplar_state_changes_exemplar ON exemplar_state_changes (tenant_id, exemplar_id, moved_at)`);
    // The tenant's limit per year, kind and category; a missing row means the default (3).
    await q.query(`
      CREATE TABLE exemplar_limits (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        kind text NOT NULL CHECK (kind IN ('MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG')),
        category text NOT NULL CHECK (category IN ('ORGAN', 'INSTITUTION', 'ENTERPRISE')),
        max_count integer NOT NULL CHECK (max_count BETWEEN 0 AND 100),
        updated_by uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, year, kind, category),
        FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id)
      )`);

    // ── leading group ────────────────────────────────────────────────────────────────────────────
    await q.query(`
      CREATE TABLE leading_groups (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        campaign_id uuid NOT NULL,
        office_org_id uuid NOT NULL,
        office_note text CHECK (length(office_note) <= 200),
        updated_by uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, campaign_id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, office_org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE leading_group_members (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        campaign_id uuid NOT NULL,
        user_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('LEADER', 'DEPUTY', 'MEMBER')),
        title text NOT NULL DEFAULT '' CHECK (length(title) <= 100),
        position integer NOT NULL CHECK (position >= 0),
        PRIMARY KEY (tenant_id, campaign_id, user_id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES leading_groups (tenant_id, campaign_id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX leading_group_one_leader ON leading_group_members (tenant_id, campaign_id) WHERE role = 'LEADER'`);

    // ── service brands ───────────────────────────────────────────────────────────────────────────
    await q.query(`
      CREATE TABLE service_brands (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        slogan text NOT NULL DEFAULT '' CHECK (length(slogan) <= 200),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, org_id, name),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE service_standards (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        brand_id uuid NOT NULL,
        position integer NOT NULL CHECK (position >= 1),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        content text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
        aspect text NOT NULL CHECK (aspect IN ('CONTENT_DEFINED', 'PROCESS_STANDARDIZED', 'WORK_REGULATED', 'EXEMPLAR_DEMONSTRATED', 'PROJECT_BRANDED', 'OTHER')),
        aspect_text text CHECK (length(aspect_text) BETWEEN 1 AND 100),
        PRIMARY KEY (tenant_id, brand_id, position),
        FOREIGN KEY (tenant_id, brand_id) REFERENCES service_brands (tenant_id, id) ON DELETE CASCADE,
        CHECK (aspect <> 'OTHER' OR aspect_text IS NOT NULL)
      )`);

    await isolateTenantTables(q, TABLES);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}

const TABLES = [
  'innovation_projects',
  'innovation_goals',
  'innovation_stage_changes',
  'exemplars',
  'exemplar_objections',
  'exemplar_reevaluations',
  'exemplar_state_changes',
  'exemplar_limits',
  'leading_groups',
  'leading_group_members',
  'service_brands',
  'service_standards',
];
