import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The org tree held by the database itself, beside the service's locks (orgService.move, create and
 * the org import): every org's path is its parent's path and its own label (its id without dashes).
 *
 * - `parent_path`, stored and generated from the org's own path (all labels but the last);
 * - a foreign key `(tenant_id, parent_path) → orgs (tenant_id, path)`: the path above an org is an org's
 *   path, and a move that changes a path without its subtree's is refused at the end of its statement;
 * - a CHECK that the path ends in the org's label and, below the root, in its parent's label then its own.
 *
 * Together: the org at `parent_path` is the one `parent_id` names, so no two orgs are each other's
 * ancestors and no path repeats a label. Checked per row by PostgreSQL's own referential triggers on
 * a unique index (no planner choice over a whole tenant, as a statement trigger had). Both are validated
 * against the stored tree; where a tree was left broken before the service's locks, they stay NOT VALID
 * (they still hold for every write from now on) and the migration says so.
 */
export class OrgTreeInDatabase1734300000003 implements MigrationInterface {
  name = 'OrgTreeInDatabase1734300000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE orgs ADD COLUMN parent_path ltree GENERATED ALWAYS AS (CASE WHEN nlevel(path) > 1 THEN subpath(path, 0, nlevel(path) - 1) END) STORED`,
    );
    // the referencing side of the key: a move's check that no org still hangs under a path it left
    await q.query(`CREATE INDEX orgs_parent_path ON orgs (tenant_id, parent_path)`);
    await q.query(`
      ALTER TABLE orgs ADD CONSTRAINT orgs_path_labels CHECK (
        subpath(path, nlevel(path) - 1)::text = replace(id::text, '-', '')
        AND CASE WHEN parent_id IS NULL THEN nlevel(path) = 1
                 ELSE nlevel(path) > 1 AND subpath(path, nlevel(path) - 2, 1)::text = replace(parent_id::text, '-', '') END
      ) NOT VALID`);
    await q.query(
      `ALTER TABLE orgs ADD CONSTRAINT orgs_parent_path_fkey FOREIGN KEY (tenant_id, parent_path) REFERENCES orgs (tenant_id, path) NOT VALID`,
    );
    for (const constraint of ['orgs_path_labels', 'orgs_parent_path_fkey']) {
      await q.query(`SAVEPOINT org_tree`);
      try {
        await q.query(`ALTER TABLE orgs VALIDATE CONSTRAINT ${constraint}`);
        await q.query(`RELEASE SAVEPOINT org_tree`);
      } catch (error) {
        await q.query(`ROLLBACK TO SAVEPOINT org_tree`);
        console.warn(`[migration] ${constraint} left NOT VALID: the stored org tree breaks it (${(error as Error).message})`);
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orgs DROP CONSTRAINT IF EXISTS orgs_parent_path_fkey`);
    await q.query(`ALTER TABLE orgs DROP CONSTRAINT IF EXISTS orgs_path_labels`);
    await q.query(`DROP INDEX IF EXISTS orgs_parent_path`);
    await q.query(`ALTER TABLE orgs DROP COLUMN IF EXISTS parent_path`);
  }
}
