import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 进展上报 (issue 18): a subordinate tenant grants a superior, per link, read of aggregates of one kind
 * (PROGRESS: a campaign's progress by category and by org down to a depth; ASSESSMENT: the year's
 * assessment totals; SUPERVISION: counts of inspections, findings and overdue rectifications). A grant is
 * a row of the subordinate's own tenant, written by it under the ordinary tenant policy.
 *
 * Nothing crosses through a policy: the superior reads only through the definer functions below, owned
 * by this migration's role, each with a fixed search_path. Each one first checks, in
 * app_federation_grant_of(), that the calling tenant (app.tenant_id) is the SUPERIOR party of an ACTIVE
 * link whose SUBORDINATE row (written only by the subordinate and the link functions) is ACTIVE too, and
 * that the subordinate holds a grant of that kind on it; with no link, no grant, a revoked grant or any
 * other tenant setting it returns no row. It then reads the subordinate's tables with every statement
 * filtered on the subordinate's id and, for an owner bound by row-level security, with app.tenant_id
 * switched to the subordinate for those statements only (and back before returning), so the tenant
 * policies stay exactly as they are. They return counts and sums only: org names only down to the depth
 * the grant names, never an id, a score of an org, or a person.
 */
export class FederationGrants1734180000001 implements MigrationInterface {
  name = 'FederationGrants1734180000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_link_grants (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        link_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('PROGRESS', 'ASSESSMENT', 'SUPERVISION')),
        depth integer CHECK (depth BETWEEN 0 AND 5),
        campaign_id uuid,
        granted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, link_id, kind),
        FOREIGN KEY (tenant_id, link_id) REFERENCES tenant_links (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        CHECK ((kind = 'PROGRESS') = (campaign_id IS NOT NULL) AND (kind = 'PROGRESS') = (depth IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX tenant_link_grants_campaign ON tenant_link_grants (tenant_id, campaign_id) WHERE campaign_id IS NOT NULL`);
    await isolateTenantTables(q, ['tenant_link_grants']);
    // the definer functions read the grant (as the superior) and drop it when a link ends (either party)
    await q.query(`DO $$ BEGIN
      EXECUTE format('CREATE POLICY federation_definer ON tenant_link_grants TO %I USING (true) WITH CHECK (true)', current_user);
    END $$`);

    // Ending a link now drops every grant made over it (it could never be used again: a link does not come back).
    await q.query(`
      CREATE OR REPLACE FUNCTION app_federation_end(p_link uuid) RETURNS text
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        me uuid := app_tenant_id();
        mine tenant_links%ROWTYPE;
        changed integer;
      BEGIN
        SELECT * INTO mine FROM tenant_links l WHERE l.tenant_id = me AND l.id = p_link AND l.state IN ('PENDING', 'ACTIVE');
        IF NOT FOUND THEN RETURN NULL; END IF;
        PERFORM 1 FROM tenant_links l WHERE l.id = p_link AND l.tenant_id IN (me, mine.peer_tenant_id) ORDER BY l.tenant_id FOR UPDATE;
        UPDATE tenant_links l SET state = 'ENDED', ended_at = now(), ended_by_side = mine.side
         WHERE l.id = p_link AND ((l.tenant_id = me AND l.peer_tenant_id = mine.peer_tenant_id) OR (l.tenant_id = mine.peer_tenant_id AND l.peer_tenant_id = me))
           AND l.state IN ('PENDING', 'ACTIVE');
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed = 0 THEN RETURN NULL; END IF;
        IF changed <> 2 THEN
          RAISE EXCEPTION 'link % has one row', p_link USING ERRCODE = 'AP010', CONSTRAINT = 'tenant_link_mirror';
        END IF;
        DELETE FROM tenant_link_grants g
         WHERE g.tenant_id = CASE WHEN mine.side = 'SUBORDINATE' THEN me ELSE mine.peer_tenant_id END AND g.link_id = p_link;
        RETURN 'ENDED';
      END $$`);

    // The gate of every read: the subordinate and its grant of this kind, when the caller is the
    // superior of an active link (both rows) and the grant stands; else no row. Not callable by the app role.
    await q.query(`
      CREATE FUNCTION app_federation_grant_of(p_link uuid, p_kind text)
      RETURNS TABLE (subordinate uuid, depth integer, campaign_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT g.tenant_id, g.depth, g.campaign_id
          FROM tenant_links s
          JOIN tenant_links b ON b.tenant_id = s.peer_tenant_id AND b.id = s.id
          JOIN tenant_link_grants g ON g.tenant_id = b.tenant_id AND g.link_id = b.id AND g.kind = p_kind
         WHERE s.tenant_id = app_tenant_id() AND s.id = p_link AND s.side = 'SUPERIOR' AND s.state = 'ACTIVE'
           AND b.peer_tenant_id = s.tenant_id AND b.side = 'SUBORDINATE' AND b.state = 'ACTIVE'
      $$`);
    await q.query(`REVOKE EXECUTE ON FUNCTION app_federation_grant_of(uuid, text) FROM PUBLIC`);

    // The caller's subordinates that granted it anything: the link, the tenant's name and what is granted.
    await q.query(`
      CREATE FUNCTION app_federation_granted()
      RETURNS TABLE (link_id uuid, slug text, name text, kinds text[], depth integer, campaign_name text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT s.id, t.slug, t.name, array_agg(g.kind ORDER BY g.kind), max(g.depth), max(c.name)
          FROM tenant_links s
          JOIN tenant_links b ON b.tenant_id = s.peer_tenant_id AND b.id = s.id
          JOIN tenant_link_grants g ON g.tenant_id = b.tenant_id AND g.link_id = b.id
          JOIN tenants t ON t.id = b.tenant_id
          LEFT JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
         WHERE s.tenant_id = app_tenant_id() AND s.side = 'SUPERIOR' AND s.state = 'ACTIVE'
           AND b.peer_tenant_id = s.tenant_id AND b.side = 'SUBORDINATE' AND b.state = 'ACTIVE'
         GROUP BY s.id, t.slug, t.name
         ORDER BY t.slug
      $$`);

    // PROGRESS: the granted campaign over its scope subtree, as campaign.progress counts it (eligible
    // kinds, live orgs, stored results): the total, by category, and by org at each level down to the
    // granted depth (each org's subtree; its name and its ancestors' names below the scope, no id).
    await q.query(`
      CREATE FUNCTION app_federation_progress(p_link uuid)
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

    // ASSESSMENT: the year's 年度党建目标考核 of every live org below the root, as assessment.compute scores
    // it under the subordinate's own rule of that year: how many, the mean, the highest and the lowest total.
    await q.query(`
      CREATE FUNCTION app_federation_assessment(p_link uuid, p_year integer)
      RETURNS TABLE (rule_set boolean, assessed integer, average double precision, highest double precision, lowest double precision)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        g record;
        ar record;
        pts jsonb;
      BEGIN
        SELECT * INTO g FROM app_federation_grant_of(p_link, 'ASSESSMENT');
        IF NOT FOUND THEN RETURN; END IF;
        PERFORM set_config('app.tenant_id', g.subordinate::text, true);
        SELECT * INTO ar FROM assessment_rules a WHERE a.tenant_id = g.subordinate AND a.year = p_year;
        IF NOT FOUND THEN
          PERFORM set_config('app.tenant_id', coalesce(me::text, ''), true);
          RETURN QUERY SELECT false, 0, NULL::float8, NULL::float8, NULL::float8;
          RETURN;
        END IF;
        pts := coalesce((SELECT jsonb_object_agg(p->>'severity', (p->>'points')::numeric) FROM jsonb_array_elements(ar.rule->'findingPoints') p), '{}');
        RETURN QUERY
        WITH t AS (
          SELECT o.id FROM orgs o WHERE o.tenant_id = g.subordinate AND o.archived_at IS NULL AND o.parent_id IS NOT NULL
        ), f AS (
          SELECT i.org_id,
                 sum(coalesce((pts->>f.severity)::numeric, 0)) AS points
            FROM inspections i JOIN findings f ON f.tenant_id = i.tenant_id AND f.inspection_id = i.id
           WHERE i.tenant_id = g.subordinate AND i.state = 'FINALIZED' AND i.inspected_on >= make_date(p_year, 1, 1) AND i.inspected_on < make_date(p_year + 1, 1, 1)
             AND NOT EXISTS (SELECT 1 FROM inspections a WHERE a.tenant_id = i.tenant_id AND a.amends_id = i.id AND a.state = 'FINALIZED')
             AND f.withdrawn_reason IS NULL AND i.org_id IN (SELECT id FROM t)
           GROUP BY i.org_id
        ), r AS (
          SELECT x.owner_org_id AS org_id, count(*)::int AS n FROM rectifications x
           WHERE x.tenant_id = g.subordinate AND x.due_on >= make_date(p_year, 1, 1) AND x.due_on < make_date(p_year + 1, 1, 1)
             AND x.state <> 'WITHDRAWN' AND ((x.verified_at IS NULL AND x.due_on < current_date) OR x.verified_at::date > x.due_on)
             AND x.owner_org_id IN (SELECT id FROM t)
           GROUP BY 1
        ), n AS (
          SELECT s.org_id, count(*) FILTER (WHERE x.kind = 'CRITICISM')::int AS crit, count(*) FILTER (WHERE x.kind = 'COMMENDATION')::int AS comm
            FROM notice_subjects s JOIN notices x ON x.tenant_id = s.tenant_id AND x.id = s.notice_id
           WHERE s.tenant_id = g.subordinate AND x.state = 'ISSUED' AND x.issued_on >= make_date(p_year, 1, 1) AND x.issued_on < make_date(p_year + 1, 1, 1)
             AND s.org_id IN (SELECT id FROM t)
           GROUP BY 1
        ), s AS (
          SELECT round(greatest(0,
                   round((ar.rule->>'campaignShare')::numeric * coalesce(cr.total, 0), 2)
                 + round((1 - (ar.rule->>'campaignShare')::numeric) * (ar.rule->>'base')::numeric, 2)
                 - coalesce(f.points, 0)
                 - coalesce(r.n, 0) * (ar.rule->>'overdueRectificationPoints')::numeric
                 - coalesce(n.crit, 0) * (ar.rule->>'criticismPoints')::numeric
                 + coalesce(n.comm, 0) * (ar.rule->>'commendationPoints')::numeric), 2)::float8 AS total
            FROM t
            LEFT JOIN campaign_results cr ON cr.tenant_id = g.subordinate AND cr.campaign_id = ar.campaign_id AND cr.org_id = t.id
            LEFT JOIN f ON f.org_id = t.id LEFT JOIN r ON r.org_id = t.id LEFT JOIN n ON n.org_id = t.id
        )
        SELECT true, count(*)::int, round(avg(s.total)::numeric, 2)::float8, max(s.total), min(s.total) FROM s;
        PERFORM set_config('app.tenant_id', coalesce(me::text, ''), true);
      END $$`);

    // SUPERVISION: the year's finalized inspections (current versions), their standing findings, and the
    // rectifications overdue today (not signed off, past due; withdrawn ones never).
    await q.query(`
      CREATE FUNCTION app_federation_supervision(p_link uuid, p_year integer)
      RETURNS TABLE (inspections integer, findings integer, overdue_rectifications integer)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        g record;
      BEGIN
        SELECT * INTO g FROM app_federation_grant_of(p_link, 'SUPERVISION');
        IF NOT FOUND THEN RETURN; END IF;
        PERFORM set_config('app.tenant_id', g.subordinate::text, true);
        RETURN QUERY
        WITH i AS (
          SELECT i.id FROM inspections i
           WHERE i.tenant_id = g.subordinate AND i.state = 'FINALIZED' AND i.inspected_on >= make_date(p_year, 1, 1) AND i.inspected_on < make_date(p_year + 1, 1, 1)
             AND NOT EXISTS (SELECT 1 FROM inspections a WHERE a.tenant_id = i.tenant_id AND a.amends_id = i.id AND a.state = 'FINALIZED')
        )
        SELECT (SELECT count(*)::int FROM i),
               (SELECT count(*)::int FROM findings f WHERE f.tenant_id = g.subordinate AND f.inspection_id IN (SELECT id FROM i) AND f.withdrawn_reason IS NULL),
               (SELECT count(*)::int FROM rectifications x WHERE x.tenant_id = g.subordinate AND x.state NOT IN ('VERIFIED', 'WITHDRAWN')
                   AND x.due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date);
        PERFORM set_config('app.tenant_id', coalesce(me::text, ''), true);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_federation_supervision(uuid, integer)`);
    await q.query(`DROP FUNCTION IF EXISTS app_federation_assessment(uuid, integer)`);
    await q.query(`DROP FUNCTION IF EXISTS app_federation_progress(uuid)`);
    await q.query(`DROP FUNCTION IF EXISTS app_federation_granted()`);
    await q.query(`DROP FUNCTION IF EXISTS app_federation_grant_of(uuid, text)`);
    await q.query(`DROP TABLE IF EXISTS tenant_link_grants`);
  }
}
