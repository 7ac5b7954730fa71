/**
 * The hand-written SQL of the floor server, also installed (in the bench database only, never in the
 * migrations) as functions for the PostGraphile peer where it cannot express an operation itself.
 * Every statement reads the tenant from app_tenant_id(), so row-level security applies as for our server.
 */

/** Relay global id, as src/graphql/relay.ts toGlobalId: base64url of `Type:uuid`. */
const gid = (type: string, column: string) => `translate(encode(convert_to('${type}:' || ${column}::text, 'UTF8'), 'base64'), '+/=', '-_')`;
const ratio = (attained: string, eligible: string) =>
  `CASE WHEN ${eligible} > 0 THEN round(${attained}::numeric / ${eligible}, 4)::float8 ELSE 0 END`;

/** Operation 1, first round trip: the subtree root's path and depth and the campaign's eligible kinds ($1 campaign, $2 root or NULL). */
export const PROGRESS_SCOPE_SQL = `
SELECT o.path::text AS path, nlevel(o.path) AS depth, c.eligible_kinds
  FROM campaigns c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = coalesce($2, c.scope_org_id)
 WHERE c.tenant_id = app_tenant_id() AND c.id = $1`;

/**
 * Operation 1: the rollup (totals, by category and by direct child in one GROUPING SETS pass, and the
 * target in force) and the 20 lagging orgs, as two json statements that the floor runs at the same
 * time on two connections. Sent unprepared with the path as a value, so that the planner estimates
 * the subtree from the statistics (a root subtree is the whole tenant: hash join, not 50,000 probes).
 */
const eligibleFrom = (p: { campaign: string; path: string; kinds: string; tenant: string }) => `
    FROM orgs o
    LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = ${p.campaign} AND r.org_id = o.id
   WHERE o.tenant_id = ${p.tenant} AND (o.path_key >= ${p.path}::text AND o.path_key < ${p.path}::text || '/')
     AND o.kind = ANY(${p.kinds}::text[]) AND o.archived_at IS NULL`;
const progressParts = {
  rollup: `
WITH g AS (
  SELECT GROUPING(category) AS g_cat, GROUPING(child) AS g_child, category, child,
         count(*)::int AS eligible, count(*) FILTER (WHERE complete)::int AS evaluated, count(*) FILTER (WHERE attained)::int AS attained
    FROM (SELECT o.category, r.complete, r.attained, CASE WHEN nlevel(o.path) > $3 THEN subpath(o.path, $3, 1)::text END AS child ${eligibleFrom({ campaign: '$1', path: '$2', kinds: '$4', tenant: '$5' })}) e
   GROUP BY GROUPING SETS ((), (category), (child))
), t AS (
  SELECT ratio::float8 AS ratio FROM campaign_targets WHERE tenant_id = $5 AND campaign_id = $1
   ORDER BY due_on < current_date, CASE WHEN due_on >= current_date THEN due_on END, due_on DESC LIMIT 1
)
SELECT json_build_object(
  'eligible', tot.eligible, 'evaluated', tot.evaluated, 'attained', tot.attained,
  'ratio', ${ratio('tot.attained', 'tot.eligible')},
  'onTrack', coalesce((SELECT ${ratio('tot.attained', 'tot.eligible')} >= t.ratio FROM t), true),
  'target', (SELECT json_build_object('ratio', t.ratio) FROM t),
  'byCategory', (SELECT coalesce(json_agg(json_build_object('category', g.category, 'eligible', g.eligible, 'attained', g.attained,
                   'ratio', ${ratio('g.attained', 'g.eligible')}) ORDER BY g.category), '[]') FROM g WHERE g.g_cat = 0),
  'byChild', (SELECT coalesce(json_agg(json_build_object('org', json_build_object('id', ${gid('Org', 'o.id')}, 'name', o.name),
                'eligible', g.eligible, 'attained', g.attained, 'ratio', ${ratio('g.attained', 'g.eligible')}) ORDER BY o.path), '[]')
                FROM g JOIN orgs o ON o.tenant_id = $5 AND o.id = g.child::uuid WHERE g.g_child = 0 AND g.child IS NOT NULL)
)::text AS progress
FROM g tot WHERE tot.g_cat = 1 AND tot.g_child = 1`,
  lagging: `
SELECT coalesce(json_agg(json_build_object('org', json_build_object('id', ${gid('Org', 'l.id')}, 'name', l.name),
         'result', CASE WHEN l.total IS NULL THEN NULL ELSE json_build_object('total', l.total::float8, 'grade', l.grade) END)
         ORDER BY l.complete NULLS FIRST, l.total NULLS FIRST, l.path), '[]')::text AS lagging
  FROM (SELECT o.id, o.name, o.path, r.complete, r.total, r.grade ${eligibleFrom({ campaign: '$1', path: '$2', kinds: '$3', tenant: '$4' })} AND NOT coalesce(r.attained, false)
         ORDER BY r.complete NULLS FIRST, r.total ASC NULLS FIRST, o.path LIMIT 20) l`,
};
/** The rollup without the lagging list ($1 campaign, $2 path, $3 depth, $4 kinds, $5 tenant). */
export const PROGRESS_ROLLUP_SQL = progressParts.rollup;
/** The 20 lagging orgs ($1 campaign, $2 path, $3 kinds, $4 tenant). */
export const PROGRESS_LAGGING_SQL = progressParts.lagging;

/**
 * Operation 2: a page of orgs under $1 in tree order with their results in campaign $3 ($2 = page size).
 * The subtree is a range on the C-collated path_key (leakproof, so usable as an index condition under
 * row-level security, where ltree's <@ is not), read in key order from the (tenant_id, path_key) index.
 */
export const ORGS_PAGE_SQL = `
SELECT coalesce(json_agg(json_build_object('id', ${gid('Org', 'o.id')}, 'name', o.name, 'kind', o.kind, 'category', o.category,
         'campaignResult', CASE WHEN r.org_id IS NULL THEN NULL ELSE json_build_object('total', r.total::float8, 'grade', r.grade, 'attained', r.attained) END)
         ORDER BY o.path_key), '[]')::text AS nodes
  FROM (SELECT path_key FROM orgs WHERE tenant_id = app_tenant_id() AND id = $1) u
  CROSS JOIN LATERAL (
        SELECT o.* FROM orgs o
         WHERE o.tenant_id = app_tenant_id() AND (o.path_key >= u.path_key AND o.path_key < u.path_key || '/')
           AND o.archived_at IS NULL
         ORDER BY o.path_key LIMIT $2) o
  LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = $3 AND r.org_id = o.id`;

/** Operation 3: an evaluation, its version's rule and criteria and its raw scores, in one round trip. */
export const EVALUATION_SQL = `
SELECT e.id, e.state, v.rule,
       (SELECT json_agg(json_build_array(c.id, c.parent_id, c.code, c.title, c.position, c.weight, c.max_score, c.scoring_type,
                                         c.target, c.deduction_per, c.is_bonus, c.is_veto))
          FROM criteria c WHERE c.tenant_id = e.tenant_id AND c.version_id = k.version_id) AS criteria,
       (SELECT json_agg(json_build_array(s.criterion_id, s.value))
          FROM evaluation_scores s WHERE s.tenant_id = e.tenant_id AND s.evaluation_id = e.id) AS scores
  FROM evaluations e
  JOIN campaigns k ON k.tenant_id = e.tenant_id AND k.id = e.campaign_id
  JOIN framework_versions v ON v.tenant_id = e.tenant_id AND v.id = k.version_id
 WHERE e.tenant_id = app_tenant_id() AND e.id = $1`;

/**
 * Operation 4: optimistic version bump and score upsert as one statement (one implicit transaction);
 * no row back means a stale version or a non-editable state. No score validation (the floor trusts its input).
 */
export const SAVE_SCORES_SQL = `
WITH b AS (
  UPDATE evaluations SET version = version + 1, updated_at = now()
   WHERE tenant_id = app_tenant_id() AND id = $1 AND version = $2 AND state IN ('DRAFT', 'RETURNED')
  RETURNING tenant_id, id, version
), ins AS (
  INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value, note, evidence)
  SELECT b.tenant_id, b.id, u.c, u.v, NULL, u.e FROM b, unnest($3::uuid[], $4::numeric[], $5::text[]) AS u(c, v, e)
  ON CONFLICT (tenant_id, evaluation_id, criterion_id) DO UPDATE SET value = EXCLUDED.value, note = EXCLUDED.note, evidence = EXCLUDED.evidence
)
SELECT version FROM b`;

/** Functions the PostGraphile peer exposes as fields (created in the bench database only). */
export const PEER_FUNCTIONS_SQL = [
  // The floor's statements in sequence; EXECUTE plans them with the path as a value on every call.
  `CREATE FUNCTION bench_progress(campaign uuid) RETURNS json LANGUAGE plpgsql STABLE AS $fn$
   DECLARE s record; rollup text; lagging text;
   BEGIN
     EXECUTE $q$${PROGRESS_SCOPE_SQL}$q$ INTO s USING campaign, NULL::uuid;
     IF s IS NULL THEN RETURN NULL; END IF;
     EXECUTE $q$${PROGRESS_ROLLUP_SQL}$q$ INTO rollup USING campaign, s.path, s.depth, s.eligible_kinds, app_tenant_id();
     EXECUTE $q$${PROGRESS_LAGGING_SQL}$q$ INTO lagging USING campaign, s.path, s.eligible_kinds, app_tenant_id();
     RETURN (left(rollup, -1) || ', "lagging" : ' || lagging || '}')::json;
   END $fn$`,
  // Same predicate as our server's orgs(under:) (src/auth/scope.ts underAnySql): a path_key range, tree order.
  `CREATE FUNCTION bench_orgs_under(under uuid) RETURNS SETOF orgs LANGUAGE sql STABLE AS $fn$
     SELECT o.* FROM orgs o, (SELECT path_key FROM orgs WHERE tenant_id = app_tenant_id() AND id = under) u
      WHERE o.tenant_id = app_tenant_id() AND o.archived_at IS NULL
        AND (o.path_key >= u.path_key AND o.path_key < u.path_key || '/')
      ORDER BY o.path_key $fn$`,
  // A computed column: Org.campaignResult(campaign:).
  `CREATE FUNCTION orgs_campaign_result(o orgs, campaign uuid) RETURNS campaign_results LANGUAGE sql STABLE AS $fn$
     SELECT r.* FROM campaign_results r WHERE r.tenant_id = o.tenant_id AND r.campaign_id = campaign AND r.org_id = o.id $fn$`,
  `CREATE FUNCTION bench_save_scores(evaluation uuid, expected_version integer, criterion_ids uuid[], vals numeric[], evidences text[])
     RETURNS integer LANGUAGE sql VOLATILE AS $fn$
     ${SAVE_SCORES_SQL.replace('$1', 'evaluation').replace('$2', 'expected_version').replace('$3', 'criterion_ids').replace('$4', 'vals').replace('$5', 'evidences')} $fn$`,
];
