import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Maintained progress (issue 17). A campaign's progress under any org is read from counts kept per
 * (campaign, ancestor org, category): how many eligible orgs of that category lie in the ancestor's
 * subtree (itself included), how many are evaluated (result complete) and how many attained.
 *
 * - `progress_deltas`: append-only signed changes, written by the triggers below in the same
 *   transaction (and statement) as their cause. Writers only ever INSERT here, so concurrent
 *   acceptances never wait on one another's counter rows (no hot row at the root).
 * - `progress_counts`: the compact sums; a sweep moves deltas into them (DELETE … FOR UPDATE SKIP LOCKED
 *   → upsert, one statement). Readers add a root's compact rows and its pending deltas.
 * - `progress_standings`: one row per eligible org per campaign, with its place in the lagging order
 *   (unevaluated, incomplete, complete; total; path) and whether it attained: the lagging list is an
 *   ordered index range instead of a scan of every org. One row per org, so updating it in place is
 *   no hot row either.
 *
 * Causes, each a statement-level trigger over its transition tables (set-based, so a subtree move or a
 * bulk insert nets to one delta per ancestor and category): orgs inserted; orgs whose path, kind,
 * category or archived state changed (the old image leaves its ancestors, the new one joins its own);
 * campaign results inserted or updated; campaigns inserted or whose scope or eligible kinds changed.
 *
 * Ordering against concurrent writers (READ COMMITTED; each statement in a trigger takes a fresh
 * snapshot): a per-tenant advisory lock, shared for result writes and org inserts, exclusive for org
 * changes and campaign changes, taken before the trigger reads the other side. An acceptance then never
 * computes its delta against an org path that a move is still rewriting, nor a move against results
 * it cannot see yet. Acceptances share the lock, so they never wait for each other.
 *
 * No foreign keys on these derived tables: a key check locks the referenced row (the campaign, the
 * root org) in every writing transaction, which is the hot row this design avoids.
 */
const LIVE_CHANGED = `(o.path_key IS DISTINCT FROM n.path_key OR o.kind IS DISTINCT FROM n.kind OR o.category IS DISTINCT FROM n.category
                       OR (o.archived_at IS NULL) <> (n.archived_at IS NULL))`;
const SCOPE_LABEL = (campaign: string) => `text2ltree(replace(${campaign}.scope_org_id::text, '-', ''))`;
const LAG_RANK = (r: string) => `CASE WHEN ${r}.complete IS NULL THEN 0 WHEN ${r}.complete THEN 2 ELSE 1 END`;

/** Signed deltas of org images `x(sign, tenant_id, org_id, path, kind, category)` (live orgs only), against every campaign. */
const orgImageDeltas = (images: string) => `
  INSERT INTO progress_deltas (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained)
  SELECT x.tenant_id, c.id, a.label::uuid, x.category, sum(x.sign)::int,
         sum(x.sign * coalesce(r.complete, false)::int)::int, sum(x.sign * coalesce(r.attained, false)::int)::int
    FROM (${images}) x
    JOIN campaigns c ON c.tenant_id = x.tenant_id AND x.kind = ANY (c.eligible_kinds)
   CROSS JOIN LATERAL (SELECT index(x.path, ${SCOPE_LABEL('c')}) AS at) s
    LEFT JOIN campaign_results r ON r.tenant_id = x.tenant_id AND r.campaign_id = c.id AND r.org_id = x.org_id
   CROSS JOIN LATERAL unnest(string_to_array(subpath(x.path, s.at)::text, '.')) AS a(label)
   WHERE s.at >= 0
   GROUP BY x.tenant_id, c.id, a.label, x.category
  HAVING sum(x.sign) <> 0 OR sum(x.sign * coalesce(r.complete, false)::int) <> 0 OR sum(x.sign * coalesce(r.attained, false)::int) <> 0`;

/** Standing rows of live org images `n` (a relation with the orgs' columns) for every campaign that counts them. */
const orgStandings = (from: string, where: string) => `
  INSERT INTO progress_standings (tenant_id, campaign_id, org_id, path_key, category, lag_rank, lag_total, attained)
  SELECT n.tenant_id, c.id, n.id, n.path_key, n.category, ${LAG_RANK('r')}, coalesce(r.total, -1), coalesce(r.attained, false)
    FROM ${from}
    JOIN campaigns c ON c.tenant_id = n.tenant_id AND n.kind = ANY (c.eligible_kinds) AND index(n.path, ${SCOPE_LABEL('c')}) >= 0
    LEFT JOIN campaign_results r ON r.tenant_id = n.tenant_id AND r.campaign_id = c.id AND r.org_id = n.id
   WHERE n.archived_at IS NULL AND ${where}`;

/** Signed deltas of result images `x(sign, tenant_id, campaign_id, org_id, complete, attained)` for the orgs as they stand. */
const resultImageDeltas = (images: string) => `
  INSERT INTO progress_deltas (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained)
  SELECT x.tenant_id, x.campaign_id, a.label::uuid, o.category, 0, sum(x.sign * x.complete::int)::int, sum(x.sign * x.attained::int)::int
    FROM (${images}) x
    JOIN campaigns c ON c.tenant_id = x.tenant_id AND c.id = x.campaign_id
    JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x.org_id AND o.archived_at IS NULL AND o.kind = ANY (c.eligible_kinds)
   CROSS JOIN LATERAL (SELECT index(o.path, ${SCOPE_LABEL('c')}) AS at) s
   CROSS JOIN LATERAL unnest(string_to_array(subpath(o.path, s.at)::text, '.')) AS a(label)
   WHERE s.at >= 0
   GROUP BY x.tenant_id, x.campaign_id, a.label, o.category
  HAVING sum(x.sign * x.complete::int) <> 0 OR sum(x.sign * x.attained::int) <> 0`;

/**
 * Signed sums of campaign images `x(sign, tenant_id, id, scope_org_id, eligible_kinds)` over every live
 * eligible org of the scope, into `target` (the deltas, or the compact counts when filling them).
 */
const campaignImageSums = (target: string, images: string) => `
  INSERT INTO ${target} (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained)
  SELECT x.tenant_id, x.id, a.label::uuid, o.category, sum(x.sign)::int,
         sum(x.sign * coalesce(r.complete, false)::int)::int, sum(x.sign * coalesce(r.attained, false)::int)::int
    FROM (${images}) x
    JOIN orgs s ON s.tenant_id = x.tenant_id AND s.id = x.scope_org_id
    JOIN orgs o ON o.tenant_id = x.tenant_id AND o.path_key >= s.path_key AND o.path_key < s.path_key || '/'
               AND o.kind = ANY (x.eligible_kinds) AND o.archived_at IS NULL
    LEFT JOIN campaign_results r ON r.tenant_id = x.tenant_id AND r.campaign_id = x.id AND r.org_id = o.id
   CROSS JOIN LATERAL unnest(string_to_array(subpath(o.path, nlevel(s.path) - 1)::text, '.')) AS a(label)
   GROUP BY x.tenant_id, x.id, a.label, o.category
  HAVING sum(x.sign) <> 0 OR sum(x.sign * coalesce(r.complete, false)::int) <> 0 OR sum(x.sign * coalesce(r.attained, false)::int) <> 0`;

/** Standing rows of campaigns `x(tenant_id, id, scope_org_id, eligible_kinds)`: every live eligible org of the scope. */
const campaignStandings = (images: string) => `
  INSERT INTO progress_standings (tenant_id, campaign_id, org_id, path_key, category, lag_rank, lag_total, attained)
  SELECT x.tenant_id, x.id, o.id, o.path_key, o.category, ${LAG_RANK('r')}, coalesce(r.total, -1), coalesce(r.attained, false)
    FROM (${images}) x
    JOIN orgs s ON s.tenant_id = x.tenant_id AND s.id = x.scope_org_id
    JOIN orgs o ON o.tenant_id = x.tenant_id AND o.path_key >= s.path_key AND o.path_key < s.path_key || '/'
               AND o.kind = ANY (x.eligible_kinds) AND o.archived_at IS NULL
    LEFT JOIN campaign_results r ON r.tenant_id = x.tenant_id AND r.campaign_id = x.id AND r.org_id = o.id`;

const lockTenants = (rows: string, shared: boolean) =>
  `PERFORM ${shared ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(progress_lock_key(t.tenant_id))
     FROM (SELECT DISTINCT tenant_id FROM ${rows} ORDER BY 1) t;`;

export class ProgressCounts1734170000000 implements MigrationInterface {
  name = 'ProgressCounts1734170000000';

  async up(q: QueryRunner): Promise<void> {
    const CATEGORY = `text NOT NULL CHECK (category IN ('ORGAN', 'INSTITUTION', 'ENTERPRISE'))`;
    await q.query(`
      CREATE TABLE progress_counts (
        tenant_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        org_id uuid NOT NULL,
        category ${CATEGORY},
        eligible integer NOT NULL,
        evaluated integer NOT NULL,
        attained integer NOT NULL,
        PRIMARY KEY (tenant_id, campaign_id, org_id, category)
      )`);
    await q.query(`
      CREATE TABLE progress_deltas (
        tenant_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        org_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        category ${CATEGORY},
        eligible integer NOT NULL,
        evaluated integer NOT NULL,
        attained integer NOT NULL,
        PRIMARY KEY (tenant_id, campaign_id, org_id, id)
      )`);
    await q.query(`
      CREATE TABLE progress_standings (
        tenant_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        org_id uuid NOT NULL,
        path_key text COLLATE "C" NOT NULL,
        category ${CATEGORY},
        lag_rank smallint NOT NULL CHECK (lag_rank IN (0, 1, 2)),
        lag_total numeric(12, 4) NOT NULL,
        attained boolean NOT NULL,
        PRIMARY KEY (tenant_id, campaign_id, org_id)
      )`);
    // the lagging order (the unevaluated, the incomplete, then by lowest total; campaignService.laggingPage) over the
    // orgs not attained; a subtree range besides
    await q.query(`CREATE INDEX progress_standings_lagging ON progress_standings (tenant_id, campaign_id, lag_rank, lag_total, path_key)
                   WHERE NOT attained`);
    await q.query(`CREATE INDEX progress_standings_subtree ON progress_standings (tenant_id, campaign_id, path_key)`);
    await isolateTenantTables(q, ['progress_counts', 'progress_deltas', 'progress_standings']);

    await q.query(`
      CREATE FUNCTION progress_lock_key(p_tenant uuid) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
      $$ SELECT hashtextextended('progress:' || p_tenant::text, 0) $$`);

    // ── orgs ──
    await q.query(`
      CREATE FUNCTION progress_orgs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${lockTenants('new_rows', true)}
        ${orgImageDeltas(`SELECT 1 AS sign, n.tenant_id, n.id AS org_id, n.path, n.kind, n.category FROM new_rows n WHERE n.archived_at IS NULL`)};
        ${orgStandings('new_rows n', 'true')};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION progress_orgs_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id WHERE ${LIVE_CHANGED}) THEN
          RETURN NULL;
        END IF;
        ${lockTenants('new_rows', false)}
        ${orgImageDeltas(`
          SELECT -1 AS sign, o.tenant_id, o.id AS org_id, o.path, o.kind, o.category
            FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id WHERE o.archived_at IS NULL AND ${LIVE_CHANGED}
          UNION ALL
          SELECT 1, n.tenant_id, n.id, n.path, n.kind, n.category
            FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id WHERE n.archived_at IS NULL AND ${LIVE_CHANGED}`)};
        DELETE FROM progress_standings p USING old_rows o, new_rows n, campaigns c
         WHERE n.tenant_id = o.tenant_id AND n.id = o.id AND ${LIVE_CHANGED}
           AND c.tenant_id = n.tenant_id AND p.tenant_id = n.tenant_id AND p.campaign_id = c.id AND p.org_id = n.id;
        ${orgStandings('old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id', LIVE_CHANGED)};
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER progress_orgs_inserted AFTER INSERT ON orgs REFERENCING NEW TABLE AS new_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION progress_orgs_inserted()`);
    await q.query(`CREATE TRIGGER progress_orgs_updated AFTER UPDATE ON orgs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION progress_orgs_updated()`);

    // ── campaign results ──
    await q.query(`
      CREATE FUNCTION progress_results_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${lockTenants('new_rows', true)}
        ${resultImageDeltas(`SELECT 1 AS sign, n.tenant_id, n.campaign_id, n.org_id, n.complete, n.attained FROM new_rows n`)};
        UPDATE progress_standings p SET lag_rank = CASE WHEN n.complete THEN 2 ELSE 1 END, lag_total = n.total, attained = n.attained
          FROM new_rows n WHERE p.tenant_id = n.tenant_id AND p.campaign_id = n.campaign_id AND p.org_id = n.org_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION progress_results_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.campaign_id = o.campaign_id AND n.org_id = o.org_id
                        WHERE (o.complete, o.attained, o.total) IS DISTINCT FROM (n.complete, n.attained, n.total)) THEN
          RETURN NULL;
        END IF;
        ${lockTenants('new_rows', true)}
        ${resultImageDeltas(`
          SELECT -1 AS sign, o.tenant_id, o.campaign_id, o.org_id, o.complete, o.attained FROM old_rows o
          UNION ALL
          SELECT 1, n.tenant_id, n.campaign_id, n.org_id, n.complete, n.attained FROM new_rows n`)};
        UPDATE progress_standings p SET lag_rank = CASE WHEN n.complete THEN 2 ELSE 1 END, lag_total = n.total, attained = n.attained
          FROM new_rows n WHERE p.tenant_id = n.tenant_id AND p.campaign_id = n.campaign_id AND p.org_id = n.org_id
           AND (p.lag_rank, p.lag_total, p.attained) IS DISTINCT FROM (CASE WHEN n.complete THEN 2 ELSE 1 END, n.total, n.attained);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER progress_results_inserted AFTER INSERT ON campaign_results REFERENCING NEW TABLE AS new_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION progress_results_inserted()`);
    await q.query(`CREATE TRIGGER progress_results_updated AFTER UPDATE ON campaign_results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION progress_results_updated()`);

    // ── campaigns ──
    const CAMPAIGN_CHANGED = `(o.scope_org_id, o.eligible_kinds) IS DISTINCT FROM (n.scope_org_id, n.eligible_kinds)`;
    await q.query(`
      CREATE FUNCTION progress_campaigns_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${lockTenants('new_rows', false)}
        ${campaignImageSums('progress_deltas', `SELECT 1 AS sign, n.tenant_id, n.id, n.scope_org_id, n.eligible_kinds FROM new_rows n`)};
        ${campaignStandings(`SELECT n.tenant_id, n.id, n.scope_org_id, n.eligible_kinds FROM new_rows n`)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION progress_campaigns_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id WHERE ${CAMPAIGN_CHANGED}) THEN
          RETURN NULL;
        END IF;
        ${lockTenants('new_rows', false)}
        ${campaignImageSums(
          'progress_deltas',
          `SELECT -1 AS sign, o.tenant_id, o.id, o.scope_org_id, o.eligible_kinds
             FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id WHERE ${CAMPAIGN_CHANGED}
           UNION ALL
           SELECT 1, n.tenant_id, n.id, n.scope_org_id, n.eligible_kinds
             FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id WHERE ${CAMPAIGN_CHANGED}`,
        )};
        DELETE FROM progress_standings p USING old_rows o, new_rows n
         WHERE n.tenant_id = o.tenant_id AND n.id = o.id AND ${CAMPAIGN_CHANGED} AND p.tenant_id = n.tenant_id AND p.campaign_id = n.id;
        ${campaignStandings(
          `SELECT n.tenant_id, n.id, n.scope_org_id, n.eligible_kinds
             FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id WHERE ${CAMPAIGN_CHANGED}`,
        )};
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER progress_campaigns_inserted AFTER INSERT ON campaigns REFERENCING NEW TABLE AS new_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION progress_campaigns_inserted()`);
    await q.query(`CREATE TRIGGER progress_campaigns_updated AFTER UPDATE ON campaigns REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION progress_campaigns_updated()`);

    // The campaigns that exist: their counts and standings, tenant by tenant (row-level security binds the owner too).
    const tenants: { id: string }[] = await q.query(`SELECT id FROM tenants`);
    for (const { id } of tenants) {
      await q.query(`SELECT set_config('app.tenant_id', $1, true)`, [id]);
      const images = `SELECT 1 AS sign, c.tenant_id, c.id, c.scope_org_id, c.eligible_kinds FROM campaigns c WHERE c.tenant_id = '${id}'::uuid`;
      await q.query(campaignImageSums('progress_counts', images));
      await q.query(campaignStandings(images));
    }
    await q.query(`SELECT set_config('app.tenant_id', '', true)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [trigger, table] of [
      ['progress_campaigns_updated', 'campaigns'],
      ['progress_campaigns_inserted', 'campaigns'],
      ['progress_results_updated', 'campaign_results'],
      ['progress_results_inserted', 'campaign_results'],
      ['progress_orgs_updated', 'orgs'],
      ['progress_orgs_inserted', 'orgs'],
    ]) {
      await q.query(`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`);
      await q.query(`DROP FUNCTION IF EXISTS ${trigger}()`);
    }
    await q.query(`DROP FUNCTION IF EXISTS progress_lock_key(uuid)`);
    await q.query(`DROP TABLE IF EXISTS progress_standings`);
    await q.query(`DROP TABLE IF EXISTS progress_deltas`);
    await q.query(`DROP TABLE IF EXISTS progress_counts`);
  }
}
