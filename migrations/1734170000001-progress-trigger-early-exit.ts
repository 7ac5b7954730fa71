import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An upsert fires both statement triggers of campaign_results, the INSERT one with no inserted row when
 * the result existed: each insert trigger of the progress counts (1734170000000) now returns at once when
 * its statement inserted nothing, before taking its lock and running its three statements. The bodies are
 * otherwise unchanged: read from the catalog and given the early return after their BEGIN.
 */
const FUNCTIONS = ['progress_results_inserted', 'progress_orgs_inserted', 'progress_campaigns_inserted'];
const EARLY_EXIT = 'IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;';

export class ProgressTriggerEarlyExit1734170000001 implements MigrationInterface {
  name = 'ProgressTriggerEarlyExit1734170000001';

  async up(q: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS) {
      const [{ def }]: { def: string }[] = await q.query(`SELECT pg_get_functiondef($1::regproc) AS def`, [fn]);
      const at = def.indexOf('BEGIN');
      if (at < 0 || def.includes(EARLY_EXIT)) throw new Error(`unexpected body of ${fn}`);
      await q.query(`${def.slice(0, at)}BEGIN\n        ${EARLY_EXIT}${def.slice(at + 'BEGIN'.length)}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS) {
      const [{ def }]: { def: string }[] = await q.query(`SELECT pg_get_functiondef($1::regproc) AS def`, [fn]);
      await q.query(def.replace(`\n        ${EARLY_EXIT}`, ''));
    }
  }
}
