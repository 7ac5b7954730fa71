import { RequestTransaction, Statement } from '../../db/request-transaction';
import { columnsOf } from '../../db/hydrate';
import { Org, OrgCategory } from '../org/org.entity';

/**
 * Maintained progress counts (migrations/1734170000000-progress-counts.ts): per campaign, per org (as the
 * root of its subtree) and per category, the eligible, evaluated and attained orgs below it. Triggers
 * append signed deltas in the transaction of each cause; `merge` folds them into the compact table;
 * readers add both. `truth` is the full recomputation (the old scan), which `reconcile` compares with
 * what is kept and repairs.
 */
export interface CountRow {
  org_id: string;
  category: OrgCategory;
  eligible: number;
  evaluated: number;
  attained: number;
}

export interface Drift {
  campaignId: string;
  /** (org, category) count rows that differ from the recomputation. */
  counts: number;
  /** Standing rows (lagging order) missing, extra or different. */
  standings: number;
}

/** What is kept for (campaign, org): compact rows plus pending deltas, summed per category. `$3` an array of org ids. */
const KEPT_SQL = `
  SELECT x.org_id, x.category, sum(x.eligible)::int AS eligible, sum(x.evaluated)::int AS evaluated, sum(x.attained)::int AS attained
    FROM (SELECT c.org_id, c.category, c.eligible, c.evaluated, c.attained FROM progress_counts c
           WHERE c.tenant_id = $1 AND c.campaign_id = $2 AND c.org_id = ANY($3::uuid[])
          UNION ALL
          SELECT d.org_id, d.category, d.eligible, d.evaluated, d.attained FROM progress_deltas d
           WHERE d.tenant_id = $1 AND d.campaign_id = $2 AND d.org_id = ANY($3::uuid[])) x
   GROUP BY x.org_id, x.category`;

/** The recomputation for a whole campaign: every live eligible org of the scope counted at each of its ancestors inside the scope. */
const TRUTH_SQL = `
  SELECT a.label::uuid AS org_id, o.category, count(*)::int AS eligible,
         count(*) FILTER (WHERE r.complete)::int AS evaluated, count(*) FILTER (WHERE r.attained)::int AS attained
    FROM campaigns c
    JOIN orgs s ON s.tenant_id = c.tenant_id AND s.id = c.scope_org_id
    JOIN orgs o ON o.tenant_id = c.tenant_id AND o.path_key >= s.path_key AND o.path_key < s.path_key || '/'
               AND o.kind = ANY (c.eligible_kinds) AND o.archived_at IS NULL
    LEFT JOIN campaign_results r ON r.tenant_id = c.tenant_id AND r.campaign_id = c.id AND r.org_id = o.id
   CROSS JOIN LATERAL unnest(string_to_array(subpath(o.path, nlevel(s.path) - 1)::text, '.')) AS a(label)
   WHERE c.tenant_id = $1 AND c.id = $2
   GROUP BY a.label, o.category`;

/** Everything kept for a campaign, summed per (org, category). */
const ALL_KEPT_SQL = `
  SELECT x.org_id, x.category, sum(x.eligible)::int AS eligible, sum(x.evaluated)::int AS evaluated, sum(x.attained)::int AS attained
    FROM (SELECT org_id, category, eligible, evaluated, attained FROM progress_counts WHERE tenant_id = $1 AND campaign_id = $2
          UNION ALL
          SELECT org_id, category, eligible, evaluated, attained FROM progress_deltas WHERE tenant_id = $1 AND campaign_id = $2) x
   GROUP BY x.org_id, x.category`;

/** Where kept and recomputed counts differ (a missing side is zero): the correction each needs. */
const COUNT_DRIFT_SQL = `
  WITH t AS (${TRUTH_SQL}), k AS (${ALL_KEPT_SQL})
  SELECT coalesce(t.org_id, k.org_id) AS org_id, coalesce(t.category, k.category) AS category,
         coalesce(t.eligible, 0) - coalesce(k.eligible, 0) AS eligible,
         coalesce(t.evaluated, 0) - coalesce(k.evaluated, 0) AS evaluated,
         coalesce(t.attained, 0) - coalesce(k.attained, 0) AS attained
    FROM t FULL JOIN k ON k.org_id = t.org_id AND k.category = t.category
   WHERE (coalesce(t.eligible, 0), coalesce(t.evaluated, 0), coalesce(t.attained, 0))
         IS DISTINCT FROM (coalesce(k.eligible, 0), coalesce(k.evaluated, 0), coalesce(k.attained, 0))`;

/** The standing rows a campaign should have: one per live eligible org of its scope. */
const STANDINGS_TRUTH_SQL = `
  SELECT o.id AS org_id, o.path_key, o.category,
         (CASE WHEN r.complete IS NULL THEN 0 WHEN r.complete THEN 2 ELSE 1 END)::smallint AS lag_rank,
         coalesce(r.total, -1)::numeric(12, 4) AS lag_total, coalesce(r.attained, false) AS attained
    FROM campaigns c
    JOIN orgs s ON s.tenant_id = c.tenant_id AND s.id = c.scope_org_id
    JOIN orgs o ON o.tenant_id = c.tenant_id AND o.path_key >= s.path_key AND o.path_key < s.path_key || '/'
               AND o.kind = ANY (c.eligible_kinds) AND o.archived_at IS NULL
    LEFT JOIN campaign_results r ON r.tenant_id = c.tenant_id AND r.campaign_id = c.id AND r.org_id = o.id
   WHERE c.tenant_id = $1 AND c.id = $2`;

const STANDINGS_DRIFT_SQL = `
  WITH t AS (${STANDINGS_TRUTH_SQL}),
       k AS (SELECT org_id, path_key, category, lag_rank, lag_total, attained FROM progress_standings WHERE tenant_id = $1 AND campaign_id = $2)
  SELECT coalesce(t.org_id, k.org_id) AS org_id, t.org_id IS NOT NULL AS wanted
    FROM t FULL JOIN k ON k.org_id = t.org_id
   WHERE (t.path_key, t.category, t.lag_rank, t.lag_total, t.attained) IS DISTINCT FROM (k.path_key, k.category, k.lag_rank, k.lag_total, k.attained)`;

export const progressCounts = {
  /** Kept counts for these orgs (each as a subtree root) in one statement: compact rows plus pending deltas. */
  async kept(tx: RequestTransaction, tenantId: string, campaignId: string, orgIds: string[]): Promise<CountRow[]> {
    return tx.query<CountRow>(KEPT_SQL, [tenantId, campaignId, orgIds]);
  },

  /**
   * Kept counts of `rootId` and of each of its direct children, in one statement: O(children), whatever
   * the size of the subtree below them.
   */
  async rootAndChildren(
    tx: RequestTransaction,
    tenantId: string,
    campaignId: string,
    /** null: the campaign's scope org (the statement is then the one campaign(id:) { progress } reads ahead). */
    rootId: string | null,
  ): Promise<(CountRow & Record<string, unknown>)[]> {
    const statement = this.rootAndChildrenStatement(tx, tenantId, campaignId, rootId);
    return tx.query<CountRow & Record<string, unknown>>(statement.sql, statement.params);
  },

  /**
   * rootAndChildren's statement, in the order of org and category. Each child's org row comes along
   * (columns `o_…`) on its first category's row only (migration 1734270000000): the view names them.
   * It is the function app_read_progress_counts (migration 1734230000000), planned once per connection;
   * the campaign's scope is looked up in the statement, so it is known before the campaign is.
   */
  rootAndChildrenStatement(tx: RequestTransaction, tenantId: string, campaignId: string, rootId: string | null): Statement {
    const root = rootId ? '$3' : '(SELECT c.scope_org_id FROM campaigns c WHERE c.tenant_id = $1 AND c.id = $2)';
    return {
      sql: `SELECT f.org_id, f.category, f.eligible, f.evaluated, f.attained, ${columnsOf(tx, Org, 'o', '(f.o)')}
              FROM app_read_progress_counts($1, $2, ${root}) f`,
      params: rootId ? [tenantId, campaignId, rootId] : [tenantId, campaignId],
    };
  },

  /**
   * Folds up to `limit` pending deltas of the tenant into the compact counts, in one statement: the
   * deltas taken (FOR UPDATE SKIP LOCKED, so concurrent merges take disjoint sets and writers, who only
   * insert, never wait) are deleted and their sums added to their rows. Readers see either the deltas
   * or the sums, never both. Answers how many deltas were folded.
   */
  async merge(tx: RequestTransaction, tenantId: string, limit = 10_000): Promise<number> {
    const [row] = await tx.query<{ merged: number }>(
      `WITH taken AS (
         DELETE FROM progress_deltas d
          WHERE (d.tenant_id, d.campaign_id, d.org_id, d.id) IN (
                SELECT tenant_id, campaign_id, org_id, id FROM progress_deltas WHERE tenant_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING d.tenant_id, d.campaign_id, d.org_id, d.category, d.eligible, d.evaluated, d.attained),
       sums AS (
         SELECT tenant_id, campaign_id, org_id, category, sum(eligible)::int AS eligible, sum(evaluated)::int AS evaluated,
                sum(attained)::int AS attained, count(*)::int AS n
           FROM taken GROUP BY tenant_id, campaign_id, org_id, category),
       folded AS (
         INSERT INTO progress_counts AS p (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained)
         SELECT tenant_id, campaign_id, org_id, category, eligible, evaluated, attained FROM sums
         ON CONFLICT (tenant_id, campaign_id, org_id, category) DO UPDATE
            SET eligible = p.eligible + EXCLUDED.eligible, evaluated = p.evaluated + EXCLUDED.evaluated, attained = p.attained + EXCLUDED.attained
         RETURNING 1)
       SELECT coalesce((SELECT sum(n) FROM sums), 0)::int AS merged`,
      [tenantId, limit],
    );
    return row.merged;
  },

  /** The full recomputation of a campaign's counts (what a scan of every org would say). */
  async truth(tx: RequestTransaction, tenantId: string, campaignId: string): Promise<CountRow[]> {
    return tx.query<CountRow>(TRUTH_SQL, [tenantId, campaignId]);
  },

  /** Everything kept for a campaign (compact plus pending), per (org, category). */
  async allKept(tx: RequestTransaction, tenantId: string, campaignId: string): Promise<CountRow[]> {
    return tx.query<CountRow>(ALL_KEPT_SQL, [tenantId, campaignId]);
  },

  /**
   * Compares what is kept for each campaign of the tenant with the recomputation and, where they
   * differ, repairs it: a correcting delta per (org, category) (append-only, like every change) and
   * the standing rows rewritten. The comparison runs first without a lock; only a campaign found
   * drifting is compared again under the tenant's exclusive progress lock (no writer in flight), so
   * that what is repaired is exact. Answers the drift found (empty: nothing to repair).
   */
  async reconcile(tx: RequestTransaction, tenantId: string, repair = true): Promise<Drift[]> {
    const campaigns = await tx.query<{ id: string }>(`SELECT id FROM campaigns WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
    const drifts: Drift[] = [];
    for (const { id } of campaigns) {
      const [{ counts, standings }] = await tx.query<{ counts: number; standings: number }>(
        `SELECT (SELECT count(*) FROM (${COUNT_DRIFT_SQL}) a)::int AS counts, (SELECT count(*) FROM (${STANDINGS_DRIFT_SQL}) b)::int AS standings`,
        [tenantId, id],
      );
      if (!counts && !standings) continue;
      if (!repair) {
        drifts.push({ campaignId: id, counts, standings });
        continue;
      }
      await tx.query<{ locked: string }>(`SELECT pg_advisory_xact_lock(progress_lock_key($1::uuid))::text AS locked`, [tenantId]);
      const fixedCounts = await tx.execute(
        `INSERT INTO progress_deltas (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained)
         SELECT $1, $2, org_id, category, eligible, evaluated, attained FROM (${COUNT_DRIFT_SQL}) d`,
        [tenantId, id],
      );
      const wrong = await tx.query<{ org_id: string; wanted: boolean }>(STANDINGS_DRIFT_SQL, [tenantId, id]);
      if (wrong.length) {
        const ids = wrong.map((w) => w.org_id);
        await tx.execute(`DELETE FROM progress_standings WHERE tenant_id = $1 AND campaign_id = $2 AND org_id = ANY($3::uuid[])`, [
          tenantId,
          id,
          ids,
        ]);
        await tx.execute(
          `INSERT INTO progress_standings (tenant_id, campaign_id, org_id, path_key, category, lag_rank, lag_total, attained)
           SELECT $1, $2, t.* FROM (${STANDINGS_TRUTH_SQL}) t WHERE t.org_id = ANY($3::uuid[])`,
          [tenantId, id, ids.filter((_, i) => wrong[i].wanted)],
        );
      }
      if (fixedCounts || wrong.length) drifts.push({ campaignId: id, counts: fixedCounts, standings: wrong.length });
    }
    return drifts;
  },
};
