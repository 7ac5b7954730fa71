import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * app_read_progress_counts returns each child's org row once, on its first category's row (the rest
 * carry a null org), in the order of org and category: the server hydrates a child's org from its first
 * row only, and the pg client parses every column of every row it receives (at 500,000 orgs the root's
 * 157 children came with ~630 rows, each with the whole org and its timestamps). Same signature, same
 * counts; see 1734230000000-progress-read-functions for the rest.
 */
const body = (orgOnce: boolean) => `
  CREATE OR REPLACE FUNCTION app_read_progress_counts(p_tenant uuid, p_campaign uuid, p_root uuid)
  RETURNS TABLE (org_id uuid, category text, eligible integer, evaluated integer, attained integer, o orgs)
  LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY WITH k AS (SELECT p_root AS org_id UNION ALL SELECT c.id FROM orgs c WHERE c.tenant_id = p_tenant AND c.parent_id = p_root),
     sums AS (
       SELECT k.org_id, x.category, sum(x.eligible)::int AS eligible, sum(x.evaluated)::int AS evaluated, sum(x.attained)::int AS attained
         FROM k CROSS JOIN LATERAL (
               SELECT c.category, c.eligible, c.evaluated, c.attained FROM progress_counts c
                WHERE c.tenant_id = p_tenant AND c.campaign_id = p_campaign AND c.org_id = k.org_id
               UNION ALL
               SELECT d.category, d.eligible, d.evaluated, d.attained FROM progress_deltas d
                WHERE d.tenant_id = p_tenant AND d.campaign_id = p_campaign AND d.org_id = k.org_id) x
        GROUP BY k.org_id, x.category)
     SELECT sums.org_id, sums.category::text, sums.eligible, sums.evaluated, sums.attained, ${
       orgOnce
         ? `CASE WHEN row_number() OVER (PARTITION BY sums.org_id ORDER BY sums.category) = 1 THEN o END
       FROM sums LEFT JOIN orgs o ON o.tenant_id = p_tenant AND o.id = sums.org_id AND o.id <> p_root
      ORDER BY sums.org_id, sums.category`
         : `o
       FROM sums LEFT JOIN orgs o ON o.tenant_id = p_tenant AND o.id = sums.org_id AND o.id <> p_root`
     };
  END $$`;

export class ProgressCountsOrgOnce1734270000000 implements MigrationInterface {
  name = 'ProgressCountsOrgOnce1734270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(body(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(body(false));
  }
}
