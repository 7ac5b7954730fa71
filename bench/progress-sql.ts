/**
 * `npm run build && DATABASE_URL=postgres://… node dist/bench/progress-sql.js [--orgs 50000]`
 *
 * The progress statements alone, on a database the bench's generator fills (created on DATABASE_URL's
 * server as `party_progress_<pid>` and dropped afterwards): the maintained counts' read of the root and its
 * children, the old scan it replaced, and the first lagging page from the standings, each timed 20 times
 * from the client as the RLS-bound app role, with EXPLAIN ANALYZE's figures. Then 2,000 result upserts
 * in one transaction with the progress triggers and without them (rolled back). The full bench
 * (`npm run bench`) measures the requests; this isolates the SQL.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { generate } from './generate';

async function main() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL (an owner or superuser URL) is required');
  const i = process.argv.indexOf('--orgs');
  const orgs = i > 0 ? Number(process.argv[i + 1]) : 50000;
  const db = `party_progress_${process.pid}`;
  const url = new URL(adminUrl);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${db}"`);
  url.pathname = `/${db}`;
  try {
    const started = Date.now();
    const data = await generate(
      url.toString(),
      { orgs, smallTenants: 2, smallOrgs: 200, evaluatedShare: 0.85, scoreBudget: 500, draftPool: 100, inspections: 0, acceptPool: 100 },
      (line) => console.log(line),
    );
    console.log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const c = new Client({ connectionString: url.toString() });
    await c.connect();
    await c.query(`SET ROLE party_app`);
    const inTenant = async <T>(work: () => Promise<T>) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [data.large.id]);
      try {
        return await work();
      } finally {
        await c.query('ROLLBACK');
      }
    };
    const time = (label: string, sql: string, params: unknown[]) =>
      inTenant(async () => {
        for (let k = 0; k < 3; k++) await c.query(sql, params);
        const ms: number[] = [];
        for (let k = 0; k < 20; k++) {
          const s = process.hrtime.bigint();
          await c.query(sql, params);
          ms.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
        ms.sort((a, b) => a - b);
        const plan = (await c.query(`EXPLAIN (ANALYZE) ${sql}`, params)).rows.map((r: Record<string, string>) => r['QUERY PLAN']);
        console.log(
          `${label}: client p50 ${ms[10].toFixed(2)} ms (min ${ms[0].toFixed(2)}); ${plan.filter((l) => /Planning Time|Execution Time/.test(l)).join(', ')}`,
        );
      });
    const root = await inTenant(
      async () =>
        (await c.query(`SELECT path::text AS path FROM orgs WHERE tenant_id = $1 AND id = $2`, [data.large.id, data.large.rootId])).rows[0]
          .path as string,
    );
    const t = data.large.id;
    const campaign = data.large.campaignId;
    await time(
      'counts: root and its children',
      `WITH k AS (SELECT $3::uuid AS org_id UNION ALL SELECT o.id FROM orgs o WHERE o.tenant_id = $1 AND o.parent_id = $3)
       SELECT k.org_id, x.category, sum(x.eligible)::int, sum(x.evaluated)::int, sum(x.attained)::int
         FROM k CROSS JOIN LATERAL (
              SELECT c.category, c.eligible, c.evaluated, c.attained FROM progress_counts c WHERE c.tenant_id = $1 AND c.campaign_id = $2 AND c.org_id = k.org_id
              UNION ALL
              SELECT d.category, d.eligible, d.evaluated, d.attained FROM progress_deltas d WHERE d.tenant_id = $1 AND d.campaign_id = $2 AND d.org_id = k.org_id) x
        GROUP BY k.org_id, x.category`,
      [t, campaign, data.large.rootId],
    );
    await time(
      'scan (the old rollup)',
      `SELECT GROUPING(category), GROUPING(child), category, child, count(*)::int, count(*) FILTER (WHERE complete)::int, count(*) FILTER (WHERE attained)::int
         FROM (SELECT o.category, r.complete, r.attained, CASE WHEN nlevel(o.path) > 1 THEN subpath(o.path, 1, 1)::text END AS child
                 FROM orgs o LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = $2 AND r.org_id = o.id
                WHERE o.tenant_id = $1 AND o.path_key >= $3::text AND o.path_key < $3::text || '/' AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL) e
        GROUP BY GROUPING SETS ((), (category), (child))`,
      [t, campaign, root, ['GENERAL_BRANCH', 'BRANCH']],
    );
    await time(
      'lagging: first page of 20 (standings)',
      `SELECT s.org_id, s.lag_rank, s.lag_total, s.path_key, o.name, r.total
         FROM progress_standings s JOIN orgs o ON o.tenant_id = s.tenant_id AND o.id = s.org_id
         LEFT JOIN campaign_results r ON r.tenant_id = s.tenant_id AND r.campaign_id = s.campaign_id AND r.org_id = s.org_id
        WHERE s.tenant_id = $1 AND s.campaign_id = $2 AND NOT s.attained AND s.path_key >= $3::text AND s.path_key < $3::text || '/'
        ORDER BY s.lag_rank, s.lag_total, s.path_key LIMIT 21`,
      [t, campaign, root],
    );
    await c.query('RESET ROLE');
    // 2,000 acceptances' result upserts, one client, with the triggers and without them
    for (const on of [true, false]) {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [t]);
      if (!on)
        await c.query(`ALTER TABLE campaign_results DISABLE TRIGGER progress_results_inserted, DISABLE TRIGGER progress_results_updated`);
      const s = Date.now();
      await c.query(
        `DO $$ DECLARE r record; BEGIN
           FOR r IN SELECT id FROM orgs WHERE tenant_id = '${t}' AND kind = 'BRANCH' ORDER BY id LIMIT 2000 LOOP
             INSERT INTO campaign_results (tenant_id, campaign_id, org_id, total, grade, attained, veto, complete, components)
             VALUES ('${t}', '${campaign}', r.id, 95, 'EXCELLENT', true, false, true, '[]')
             ON CONFLICT (tenant_id, campaign_id, org_id) DO UPDATE SET total = EXCLUDED.total - 1, attained = NOT campaign_results.attained, complete = true;
           END LOOP; END $$`,
      );
      console.log(`2,000 result upserts ${on ? 'with' : 'without'} the progress triggers: ${Date.now() - s} ms`);
      await c.query('ROLLBACK');
    }
    await c.end();
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
