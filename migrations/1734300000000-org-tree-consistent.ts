import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The org tree stays a tree whatever races: after every statement that inserts orgs or changes an org's
 * `path` or `parent_id`, each such org's path is its parent's path and its own label (its id without
 * dashes; a root's path is its label alone), and each child of such an org still follows it. A move
 * written from paths read before a concurrent move committed (two admins moving A under B and B under A
 * at once made each the other's parent) is refused with SQLSTATE AP011, which the API answers as
 * CONFLICT ORG_TREE_CHANGED. The service itself re-reads the paths under its locks (org.service.ts,
 * move and create); this is the database's own guard behind it.
 *
 * The checks read `orgs` as the statement left it, with what other transactions committed meanwhile
 * (an AFTER trigger's query takes a fresh snapshot under READ COMMITTED). SECURITY INVOKER, under
 * row-level security: a statement that could write a tenant's org sees that tenant's orgs.
 */
export class OrgTreeConsistent1734300000000 implements MigrationInterface {
  name = 'OrgTreeConsistent1734300000000';

  async up(q: QueryRunner): Promise<void> {
    // one check for both events, over the orgs a statement placed: every inserted one, every updated one whose path or
    // parent changed (transition tables cannot go with a column list, so the update trigger fires on every UPDATE)
    const placedWrong = (placed: string) => `
      EXISTS (WITH n AS (${placed})
              SELECT 1 FROM n LEFT JOIN orgs p ON p.tenant_id = n.tenant_id AND p.id = n.parent_id
               WHERE n.path IS DISTINCT FROM
                     CASE WHEN n.parent_id IS NULL THEN text2ltree(replace(n.id::text, '-', ''))
                          ELSE p.path || text2ltree(replace(n.id::text, '-', '')) END)
      OR EXISTS (WITH n AS (${placed})
                 SELECT 1 FROM n JOIN orgs m ON m.tenant_id = n.tenant_id AND m.id = n.id
                   JOIN orgs c ON c.tenant_id = n.tenant_id AND c.parent_id = n.id
                  WHERE c.path IS DISTINCT FROM m.path || text2ltree(replace(c.id::text, '-', '')))`;
    await q.query(`
      CREATE FUNCTION app_org_tree_consistent() RETURNS trigger
      LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp AS $$
      BEGIN
        -- separate statements: PL/pgSQL parses each when it first runs, and each names only tables this event has
        IF TG_OP = 'INSERT' THEN
          IF ${placedWrong('SELECT tenant_id, id, parent_id, path FROM new_rows')} THEN
            RAISE EXCEPTION 'the org tree changed meanwhile: an org''s path no longer follows its parent''s' USING ERRCODE = 'AP011';
          END IF;
        ELSIF ${placedWrong(`SELECT n.tenant_id, n.id, n.parent_id, n.path FROM new_rows n
                               JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
                              WHERE o.path IS DISTINCT FROM n.path OR o.parent_id IS DISTINCT FROM n.parent_id`)} THEN
          RAISE EXCEPTION 'the org tree changed meanwhile: an org''s path no longer follows its parent''s' USING ERRCODE = 'AP011';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER orgs_tree_consistent_insert AFTER INSERT ON orgs REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION app_org_tree_consistent()`);
    await q.query(`
      CREATE TRIGGER orgs_tree_consistent_update AFTER UPDATE ON orgs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION app_org_tree_consistent()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS orgs_tree_consistent_update ON orgs`);
    await q.query(`DROP TRIGGER IF EXISTS orgs_tree_consistent_insert ON orgs`);
    await q.query(`DROP FUNCTION IF EXISTS app_org_tree_consistent()`);
  }
}
