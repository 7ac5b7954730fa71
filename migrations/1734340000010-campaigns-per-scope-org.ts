import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind MAX_CAMPAIGNS_PER_SCOPE_ORG: a scope org's campaigns as one index range. */
export class CampaignsPerScopeOrg1734340000010 implements MigrationInterface {
  name = 'CampaignsPerScopeOrg1734340000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX campaigns_scope_org ON campaigns (tenant_id, scope_org_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS campaigns_scope_org`);
  }
}
