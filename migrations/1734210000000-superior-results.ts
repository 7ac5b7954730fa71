import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Results against the superior's framework (issue 18): a bureau whose campaign runs a framework adopted
 * from a superior's handed-down version stores, beside each org's own result, the result its accepted
 * evaluations give under the superior's items, weights and rule (campaign_results.superior, written by
 * storeResult with the result itself). The superior's consolidated view counts those: its PROGRESS
 * figures and, new, app_federation_items: the mean score of the bureau's evaluated orgs on each of the
 * superior's dimensions. Results stored before this migration get theirs at their next store.
 */
export class SuperiorResults1734210000000 implements MigrationInterface {
  name = 'SuperiorResults1734210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE campaign_results ADD COLUMN superior jsonb CHECK (superior IS NULL OR (jsonb_typeof(superior) = 'object' AND octet_length(superior::text) <= 100000))`,
    );

    // PROGRESS, counted against the caller's framework where the bureau adopted it (else its own).
    await q.query(`
      CREATE OR REPLACE FUNCTION app_federation_progress(p_link uuid)
      RETURNS TABLE (grp text, category text, depth integer, names text[], eligible integer, evaluated integer, attained integer)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        g record;
      BEGIN
        SELECT * INTO g FROM app_federation_grant_of(p_link, 'PROGRESS');
        IF NOT FOUND THEN RETURN; END IF;
        PERFORM set_config('app.tenant_id', g.subordinate::text, true);
        RETURN QUERY
        WITH c AS (
          SELECT c.id, c.eligible_kinds, o.path AS scope_path, o.path_key AS scope_key, nlevel(o.path) AS lvl
            FROM campaigns c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.scope_org_id
           WHERE c.tenant_id = g.subordinate AND c.id = g.campaign_id
        ), e AS (
          -- against the caller's own framework where the bureau's campaign runs one it handed down
          SELECT o.path, o.category,
                 coalesce(CASE WHEN r.superior->>'superiorTenantId' = me::text THEN (r.superior->>'complete')::boolean ELSE r.complete END, false) AS complete,
                 coalesce(CASE WHEN r.superior->>'superiorTenantId' = me::text THEN (r.superior->>'attained')::boolean ELSE r.attained END, false) AS attained
            FROM c JOIN orgs o ON o.tenant_id = g.subordinate AND o.path_key >= c.scope_key AND o.path_key < c.scope_key || '/'
            LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = c.id AND r.org_id = o.id
           WHERE o.kind = ANY(c.eligible_kinds) AND o.archived_at IS NULL
        ), byorg AS (
          SELECT k, subpath(e.path, 0, c.lvl + k) AS anc, count(*)::int AS n,
                 count(*) FILTER (WHERE e.complete)::int AS ev, count(*) FILTER (WHERE e.attained)::int AS at
            FROM e, c, generate_series(1, g.depth) k
           WHERE nlevel(e.path) >= c.lvl + k
           GROUP BY k, subpath(e.path, 0, c.lvl + k)
        )
        SELECT x.grp, x.category, x.depth, x.names, x.eligible, x.evaluated, x.attained FROM (
          SELECT 'TOTAL'::text AS grp, NULL::text AS category, 0 AS depth, NULL::text[] AS names,
                 count(*)::int AS eligible, count(*) FILTER (WHERE e.complete)::int AS evaluated,
                 count(*) FILTER (WHERE e.attained)::int AS attained, ''::text AS ord
            FROM e
          UNION ALL
          SELECT 'CATEGORY', e.category, 0, NULL, count(*)::int, count(*) FILTER (WHERE e.complete)::int,
                 count(*) FILTER (WHERE e.attained)::int, e.category
            FROM e GROUP BY e.category
          UNION ALL
          SELECT 'ORG', NULL, b.k,
                 ARRAY(SELECT x.name FROM unnest(string_to_array(subpath(b.anc, c.lvl)::text, '.')) WITH ORDINALITY u(label, i)
                         JOIN orgs x ON x.tenant_id = g.subordinate AND x.id = u.label::uuid ORDER BY u.i),
                 b.n, b.ev, b.at, (SELECT o.path_key FROM orgs o WHERE o.tenant_id = g.subordinate AND o.id = subpath(b.anc, -1)::text::uuid)
            FROM byorg b, c
        ) x ORDER BY CASE x.grp WHEN 'TOTAL' THEN 0 WHEN 'CATEGORY' THEN 1 ELSE 2 END, x.ord;
        PERFORM set_config('app.tenant_id', coalesce(me::text, ''), true);
      END $$`);

    // The caller's dimensions as the bureau's evaluated orgs score on them: one row with code NULL (is
    // the granted campaign run on a framework adopted from the caller; the mean total), then one per
    // dimension in the handed-down order. Under the PROGRESS grant: aggregates only, no org.
    await q.query(`
      CREATE FUNCTION app_federation_items(p_link uuid)
      RETURNS TABLE (adopted boolean, code text, title text, evaluated integer, average double precision, max_points double precision)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        g record;
        is_adopted boolean;
      BEGIN
        SELECT * INTO g FROM app_federation_grant_of(p_link, 'PROGRESS');
        IF NOT FOUND THEN RETURN; END IF;
        PERFORM set_config('app.tenant_id', g.subordinate::text, true);
        SELECT EXISTS (
          SELECT 1 FROM campaigns c
            JOIN framework_versions v ON v.tenant_id = c.tenant_id AND v.id = c.version_id
            JOIN frameworks f ON f.tenant_id = v.tenant_id AND f.id = v.framework_id
            JOIN handed_down_frameworks h ON h.tenant_id = f.tenant_id AND h.code = f.code AND h.adopted_as IS NOT NULL
            JOIN tenant_links l ON l.tenant_id = h.tenant_id AND l.id = h.link_id AND l.peer_tenant_id = me
           WHERE c.tenant_id = g.subordinate AND c.id = g.campaign_id) INTO is_adopted;
        RETURN QUERY
        WITH c AS (
          SELECT c.id, c.eligible_kinds, o.path_key AS scope_key
            FROM campaigns c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.scope_org_id
           WHERE c.tenant_id = g.subordinate AND c.id = g.campaign_id
        ), r AS (
          SELECT r.superior FROM c
            JOIN orgs o ON o.tenant_id = g.subordinate AND o.path_key >= c.scope_key AND o.path_key < c.scope_key || '/'
            JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = c.id AND r.org_id = o.id
           WHERE o.kind = ANY(c.eligible_kinds) AND o.archived_at IS NULL
             AND r.superior->>'superiorTenantId' = me::text AND (r.superior->>'complete')::boolean
        ), d AS (
          SELECT x.ord, x.dim->>'code' AS code, x.dim->>'title' AS title, (x.dim->>'points')::float8 AS points,
                 (x.dim->>'maxPoints')::float8 AS max_points
            FROM r, jsonb_array_elements(r.superior->'dimensions') WITH ORDINALITY x(dim, ord)
        )
        SELECT y.adopted, y.code, y.title, y.evaluated, y.average, y.max_points FROM (
          SELECT is_adopted AS adopted, NULL::text AS code, NULL::text AS title, count(*)::int AS evaluated,
                 round(avg((r.superior->>'total')::numeric), 2)::float8 AS average, NULL::float8 AS max_points, 0::bigint AS ord
            FROM r
          UNION ALL
          SELECT is_adopted, d.code, min(d.title), count(*)::int, round(avg(d.points)::numeric, 2)::float8, max(d.max_points), min(d.ord)
            FROM d GROUP BY d.code
        ) y ORDER BY y.code IS NOT NULL, y.ord;
        PERFORM set_config('app.tenant_id', coalesce(me::text, ''), true);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_federation_items(uuid)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION app_federation_progress(p_link uuid)
      RETURNS TABLE (grp text, category text, depth integer, names text[], eligible integer, evaluated integer, attained integer)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        g record;
      BEGIN
        SELECT * INTO g FROM app_federation_grant_of(p_link, 'PROGRESS');
        IF NOT FOUND THEN RETURN; END IF;
        PERFORM set_config('app.tenant_id', g.subordinate::text, true);
        RETURN QUERY
        WITH c AS (
          SELECT c.id, c.eligible_kinds, o.path AS scope_path, o.path_key AS scope_key, nlevel(o.path) AS lvl
            FROM campaigns c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.scope_org_id
           WHERE c.tenant_id = g.subordinate AND c.id = g.campaign_id
        ), e AS (
          SELECT o.path, o.category, coalesce(r.complete, false) AS complete, coalesce(r.attained, false) AS attained
            FROM c JOIN orgs o ON o.tenant_id = g.subordinate AND o.path_key >= c.scope_key AND o.path_key < c.scope_key || '/'
            LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = c.id AND r.org_id = o.id
           WHERE o.kind = ANY(c.eligible_kinds) AND o.archived_at IS NULL
        ), byorg AS (
          SELECT k, subpath(e.path, 0, c.lvl + k) AS anc, count(*)::int AS n,
                 count(*) FILTER (WHERE e.complete)::int AS ev, count(*) FILTER (WHERE e.attained)::int AS at
            FROM e, c, generate_series(1, g.depth) k
           WHERE nlevel(e.path) >= c.lvl + k
           GROUP BY k, subpath(e.path, 0, c.lvl + k)
        )
        SELECT x.grp, x.category, x.depth, x.names, x.eligible, x.evaluated, x.attained FROM (
          SELECT 'TOTAL'::text AS grp, NULL::text AS category, 0 AS depth, NULL::text[] AS names,
                 count(*)::int AS eligible, count(*) FILTER (WHERE e.complete)::int AS evaluated,
                 count(*) FILTER (WHERE e.attained)::int AS attained, ''::text AS ord
            FROM e
          UNION ALL
          SELECT 'CATEGORY', e.category, 0, NULL, count(*)::int, count(*) FILTER (WHERE e.complete)::int,
                 count(*) FILTER (WHERE e.attained)::int, e.category
            FROM e GROUP BY e.category
          UNION ALL
          SELECT 'ORG', NULL, b.k,
                 ARRAY(SELECT x.name FROM unnest(string_to_array(subpath(b.anc, c.lvl)::text, '.')) WITH ORDINALITY u(label, i)
                         JOIN orgs x ON x.tenant_id = g.subordinate AND x.id = u.label::uuid ORDER BY u.i),
                 b.n, b.ev, b.at, (SELECT o.path_key FROM orgs o WHERE o.tenant_id = g.subordinate AND o.id = subpath(b.anc, -1)::text::uuid)
            FROM byorg b, c
        ) x ORDER BY CASE x.grp WHEN 'TOTAL' THEN 0 WHEN 'CATEGORY' THEN 1 ELSE 2 END, x.ord;
        PERFORM set_config('app.tenant_id', coalesce(me::text, ''), true);
      END $$`);
    await q.query(`ALTER TABLE campaign_results DROP COLUMN IF EXISTS superior`);
  }
}
