import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The count behind LEDGER_ENTRIES_PER_ORG_PER_YEAR, an index range: an org's ledger entries written since a day
 * (BRIEFING_DRAFTS_PER_ORG counts on briefings_org).
 */
export class LedgerEntriesPerOrgCap1734380000030 implements MigrationInterface {
  name = 'LedgerEntriesPerOrgCap1734380000030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ledger_entries_org_created ON ledger_entries (tenant_id, org_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ledger_entries_org_created`);
  }
}
