import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Org names are trimmed and unique among live siblings: a second "第一车队党支部" under the same parent
 * is refused by the database itself (partial unique index, mapped to CONFLICT ORG_NAME_TAKEN by the org
 * service), while an archived org keeps its name out of the way until it is restored.
 * Existing names lose leading and trailing white space first; live siblings that then share a name stop
 * the migration with their names listed, for a tenant admin to rename (nothing is renamed silently).
 */
export class OrgLiveSiblingNames1733840000000 implements MigrationInterface {
  name = 'OrgLiveSiblingNames1733840000000';

  async up(q: QueryRunner): Promise<void> {
    // Row-level security binds the owner too (FORCE): visit each tenant under its own identity.
    await q.query(`
      DO $$
      DECLARE t uuid; clash text;
      BEGIN
        PERFORM set_config('app.platform', 'on', true);
        FOR t IN SELECT id FROM tenants LOOP
          PERFORM set_config('app.tenant_id', t::text, true);
          UPDATE orgs SET name = regexp_replace(name, '^[[:space:]\u3000]+|[[:space:]\u3000]+$', '', 'g')
           WHERE tenant_id = t AND name ~ '^[[:space:]\u3000]|[[:space:]\u3000]$'
             AND regexp_replace(name, '^[[:space:]\u3000]+|[[:space:]\u3000]+$', '', 'g') <> '';
          SELECT string_agg(format('%s (%s orgs)', name, n), '; ') INTO clash
            FROM (SELECT parent_id, name, count(*) AS n FROM orgs WHERE tenant_id = t AND archived_at IS NULL
                   GROUP BY 1, 2 HAVING count(*) > 1) d;
          IF clash IS NOT NULL THEN
            RAISE EXCEPTION 'Tenant %: live sibling orgs share a name; rename or archive one of each before migrating: %', t, clash;
          END IF;
        END LOOP;
        PERFORM set_config('app.tenant_id', '', true);
        PERFORM set_config('app.platform', '', true);
      END $$`);
    await q.query(`CREATE UNIQUE INDEX orgs_live_sibling_name ON orgs (tenant_id, parent_id, name) WHERE archived_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS orgs_live_sibling_name`);
  }
}
