import { MigrationInterface, QueryRunner } from 'typeorm';
import { readFunction } from './read-function';

/**
 * Progress's two reads as PL/pgSQL functions, so that each database connection plans them once: the
 * kept counts of a root and its children, and the first page of the lagging list over a campaign's
 * whole scope. Sent as text they were planned on every request (~0.45 and ~0.5 ms of planning for
 * ~0.95 and ~0.37 ms of running, in PostgreSQL's statement log at 5,000 orgs). The statements are
 * those of progress-counts.ts `rootAndChildren` and campaign.service.ts `laggingPage`; the rows of
 * `orgs` and `campaign_results` come back whole (composite columns), so a column added to those
 * tables needs no change here. `app_read_*`: STABLE and SECURITY INVOKER, under row-level security;
 * they only read (request-transaction.ts counts them as reads).
 */
export class ProgressReadFunctions1734230000000 implements MigrationInterface {
  name = 'ProgressReadFunctions1734230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      readFunction(
        'app_read_progress_counts(p_tenant uuid, p_campaign uuid, p_root uuid)',
        'org_id uuid, category text, eligible integer, evaluated integer, attained integer, o orgs',
        `WITH k AS (SELECT p_root AS org_id UNION ALL SELECT c.id FROM orgs c WHERE c.tenant_id = p_tenant AND c.parent_id = p_root),
         sums AS (
           SELECT k.org_id, x.category, sum(x.eligible)::int AS eligible, sum(x.evaluated)::int AS evaluated, sum(x.attained)::int AS attained
             FROM k CROSS JOIN LATERAL (
                   SELECT c.category, c.eligible, c.evaluated, c.attained FROM progress_counts c
                    WHERE c.tenant_id = p_tenant AND c.campaign_id = p_campaign AND c.org_id = k.org_id
                   UNION ALL
                   SELECT d.category, d.eligible, d.evaluated, d.attained FROM progress_deltas d
                    WHERE d.tenant_id = p_tenant AND d.campaign_id = p_campaign AND d.org_id = k.org_id) x
            GROUP BY k.org_id, x.category)
         SELECT sums.org_id, sums.category::text, sums.eligible, sums.evaluated, sums.attained, o
           FROM sums LEFT JOIN orgs o ON o.tenant_id = p_tenant AND o.id = sums.org_id AND o.id <> p_root`,
      ),
    );
    await q.query(
      readFunction(
        'app_read_lagging(p_tenant uuid, p_campaign uuid, p_limit integer)',
        'org_id uuid, k_complete integer, k_total text, path_key text, o orgs, r campaign_results',
        `SELECT s.org_id, s.lag_rank::int, s.lag_total::text, s.path_key::text, o, r
           FROM (SELECT s.tenant_id, s.campaign_id, s.org_id, s.lag_rank, s.lag_total, s.path_key
                   FROM progress_standings s
                  WHERE s.tenant_id = p_tenant AND s.campaign_id = p_campaign AND NOT s.attained
                  ORDER BY s.lag_rank, s.lag_total, s.path_key LIMIT p_limit) s
           JOIN orgs o ON o.tenant_id = s.tenant_id AND o.id = s.org_id
           LEFT JOIN campaign_results r ON r.tenant_id = s.tenant_id AND r.campaign_id = s.campaign_id AND r.org_id = s.org_id
          ORDER BY s.lag_rank, s.lag_total, s.path_key`,
      ),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_read_lagging(uuid, uuid, integer)`);
    await q.query(`DROP FUNCTION IF EXISTS app_read_progress_counts(uuid, uuid, uuid)`);
  }
}
