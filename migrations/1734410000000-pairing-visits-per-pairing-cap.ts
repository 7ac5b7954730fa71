import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind PAIRING_VISITS_PER_PAIRING_PER_YEAR, an index range: a pairing's visits logged since a day. */
export class PairingVisitsPerPairingCap1734410000000 implements MigrationInterface {
  name = 'PairingVisitsPerPairingCap1734410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX pairing_visits_pairing_created ON pairing_visits (tenant_id, pairing_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS pairing_visits_pairing_created`);
  }
}
