import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant restored under a new id (issue 19: restore beside the original, under a new slug) keeps its
 * inspection record chain as it was hashed: the chain's first link follows the genesis of the tenant id
 * it was written under, kept here. Empty for every tenant whose chain began in this deployment under its
 * own id (the genesis is then sha256('genesis:' || tenant_id), as before).
 */
export class ChainGenesis1734190000001 implements MigrationInterface {
  name = 'ChainGenesis1734190000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE record_chains ADD COLUMN genesis_hash text CHECK (genesis_hash ~ '^[0-9a-f]{64}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE record_chains DROP COLUMN IF EXISTS genesis_hash`);
  }
}
