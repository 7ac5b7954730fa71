import { MigrationInterface, QueryRunner } from 'typeorm';
import { forEachTenant } from './tenant-isolation';

/**
 * An open service request (服务需求) is asked of the org's superior as it stands: when the asking org moves
 * under another parent, its open requests move to the new one in the move's own statement (a row trigger on
 * `orgs` whose parent changed); answered ones keep who answered them. Requests left with a former superior by
 * moves before this are re-addressed once.
 */
export class ServiceRequestFollowsMove1734320000001 implements MigrationInterface {
  name = 'ServiceRequestFollowsMove1734320000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION readdress_service_requests() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE service_requests SET to_org_id = NEW.parent_id
         WHERE tenant_id = NEW.tenant_id AND from_org_id = NEW.id AND state = 'OPEN' AND to_org_id IS DISTINCT FROM NEW.parent_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER orgs_service_requests_follow AFTER UPDATE OF parent_id ON orgs
        FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id AND NEW.parent_id IS NOT NULL)
        EXECUTE FUNCTION readdress_service_requests()`);
    await forEachTenant(
      q,
      `UPDATE service_requests r SET to_org_id = o.parent_id FROM orgs o
        WHERE r.tenant_id = t AND o.tenant_id = t AND o.id = r.from_org_id AND r.state = 'OPEN'
          AND o.parent_id IS NOT NULL AND r.to_org_id <> o.parent_id;`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS orgs_service_requests_follow ON orgs`);
    await q.query(`DROP FUNCTION IF EXISTS readdress_service_requests()`);
  }
}
