import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 舆论引导 (issue 14): a public showcase. An org proposes one of its records for the public (a briefing, a
 * named exemplar, a service brand, a fulfilled commitment, an awarded innovation project, a service team
 * or one of its services); the item holds the text as proposed (what the approver reads is what the public
 * will read), a tenant admin approves it, and it appears in the tenant's anonymous feed until withdrawn.
 * One live item per record; the feed pages the published items of one tenant, newest first, by index.
 */
export class Showcase1734140000003 implements MigrationInterface {
  name = 'Showcase1734140000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE showcase_items (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        source_type text NOT NULL
          CHECK (source_type IN ('BRIEFING', 'EXEMPLAR', 'SERVICE_BRAND', 'COMMITMENT', 'INNOVATION_PROJECT', 'SERVICE_TEAM', 'SERVICE_RECORD')),
        source_id uuid NOT NULL,
        category text NOT NULL CHECK (length(category) BETWEEN 1 AND 50),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 1000),
        body text NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
        state text NOT NULL DEFAULT 'PROPOSED' CHECK (state IN ('PROPOSED', 'PUBLISHED', 'REJECTED', 'WITHDRAWN')),
        proposed_by uuid NOT NULL,
        proposed_at timestamptz NOT NULL DEFAULT now(),
        reviewed_by uuid,
        reviewed_at timestamptz,
        review_note text CHECK (length(review_note) <= 2000),
        published_at timestamptz,
        withdrawn_by uuid,
        withdrawn_at timestamptz,
        withdraw_reason text CHECK (length(withdraw_reason) <= 2000),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, proposed_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, reviewed_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, withdrawn_by) REFERENCES users (tenant_id, id),
        CHECK (state <> 'PUBLISHED' OR published_at IS NOT NULL),
        CHECK (state <> 'WITHDRAWN' OR withdrawn_at IS NOT NULL)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX showcase_items_live ON showcase_items (tenant_id, source_type, source_id) WHERE state IN ('PROPOSED', 'PUBLISHED')`,
    );
    await q.query(`CREATE INDEX showcase_items_feed ON showcase_items (tenant_id, published_at DESC, id DESC) WHERE state = 'PUBLISHED'`);
    await q.query(`CREATE INDEX showcase_items_org ON showcase_items (tenant_id, org_id, proposed_at)`);
    await isolateTenantTables(q, ['showcase_items']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS showcase_items`);
  }
}
