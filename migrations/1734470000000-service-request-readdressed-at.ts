import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a move of the asking org last re-addressed an open service request to its new superior (null: never), set in
 * the move's own statement by the trigger of 1734320000001: the move's notification tells the new superior's officers
 * of the requests re-addressed in its transaction (`readdressed_at = now()`), and of no other.
 */
export class ServiceRequestReaddressedAt1734470000000 implements MigrationInterface {
  name = 'ServiceRequestReaddressedAt1734470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_requests ADD COLUMN readdressed_at timestamptz`);
    await q.query(`
      CREATE OR REPLACE FUNCTION readdress_service_requests() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE service_requests SET to_org_id = NEW.parent_id, readdressed_at = now()
         WHERE tenant_id = NEW.tenant_id AND from_org_id = NEW.id AND state = 'OPEN' AND to_org_id IS DISTINCT FROM NEW.parent_id;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION readdress_service_requests() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE service_requests SET to_org_id = NEW.parent_id
         WHERE tenant_id = NEW.tenant_id AND from_org_id = NEW.id AND state = 'OPEN' AND to_org_id IS DISTINCT FROM NEW.parent_id;
        RETURN NULL;
      END $$`);
    await q.query(`ALTER TABLE service_requests DROP COLUMN readdressed_at`);
  }
}
