import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counts behind the per-org caps, each an index range: an org's open service requests
 * (OPEN_SERVICE_REQUESTS_PER_ORG; the move trigger that re-addresses them reads the same range) and an
 * org's pledges made since a day (COMMITMENTS_PER_ORG_PER_YEAR).
 */
export class PerOrgCaps1734320000020 implements MigrationInterface {
  name = 'PerOrgCaps1734320000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX service_requests_from_open ON service_requests (tenant_id, from_org_id) WHERE state = 'OPEN'`);
    await q.query(`CREATE INDEX commitments_org_created ON commitments (tenant_id, org_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS commitments_org_created`);
    await q.query(`DROP INDEX IF EXISTS service_requests_from_open`);
  }
}
