import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 管理台帐 (ledger entries) and 简报信息 (briefings) of each org, and the in-app notifications the
 * background sweeps write. A notification's unique key (kind, subject, org, occurrence, recipient)
 * makes every reminder idempotent: a sweep that runs twice inserts nothing the second time.
 * The job queue itself (pg-boss) lives in its own schema, created by pg-boss at start-up.
 */
export class LedgersReportsJobs1733500000000 implements MigrationInterface {
  name = 'LedgersReportsJobs1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_entries (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        org_id uuid NOT NULL,
        occurred_on date NOT NULL,
        category text NOT NULL CHECK (category IN ('MEETING', 'STUDY', 'SERVICE', 'VISIT', 'OTHER')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        content text NOT NULL DEFAULT '' CHECK (length(content) <= 20000),
        participants integer NOT NULL DEFAULT 0 CHECK (participants BETWEEN 0 AND 100000),
        campaign_id uuid,
        attachment_refs text[] NOT NULL DEFAULT '{}',
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX ledger_entries_org ON ledger_entries (tenant_id, org_id, occurred_on DESC, seq DESC)`);

    await q.query(`
      CREATE TABLE briefings (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        org_id uuid NOT NULL,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        body text NOT NULL CHECK (length(body) <= 50000),
        briefing_on date NOT NULL,
        state text NOT NULL DEFAULT 'DRAFT' CHECK (state IN ('DRAFT', 'PUBLISHED')),
        created_by uuid NOT NULL,
        published_by uuid,
        published_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, published_by) REFERENCES users (tenant_id, id),
        CHECK ((state = 'PUBLISHED') = (published_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX briefings_org ON briefings (tenant_id, org_id, state, briefing_on DESC, seq DESC)`);

    await q.query(`
      CREATE TABLE notifications (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        user_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('DEADLINE_REMINDER', 'RECTIFICATION_OVERDUE', 'SERVICE_REQUEST_OVERDUE', 'NOTICE_UNREAD')),
        subject_type text NOT NULL,
        subject_id uuid NOT NULL,
        org_id uuid NOT NULL,
        occurrence date NOT NULL,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
        body text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, kind, subject_id, org_id, occurrence, user_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX notifications_user ON notifications (tenant_id, user_id, seq DESC)`);
    await q.query(`CREATE INDEX notifications_unread ON notifications (tenant_id, user_id) WHERE read_at IS NULL`);

    await isolateTenantTables(q, ['ledger_entries', 'briefings', 'notifications']);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['notifications', 'briefings', 'ledger_entries']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
