import os from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { hashPassword } from '../src/auth/password';
import { loadConfig, Config } from '../src/config';
import { openDatabase } from '../src/db/database';
import { oneAtATime } from '../src/db/one-at-a-time';
import { RequestTransaction, withTransaction } from '../src/db/request-transaction';
import { createRequestContext, loadViewer, RequestContext } from '../src/graphql/context';
import { campaignService } from '../src/modules/campaign/campaign.service';
import { combineKinds, scoreEvaluation, ScoringCriterion } from '../src/modules/evaluation/scoring';
import { frameworkService } from '../src/modules/framework/framework.service';
import { Aggregation, EvaluationKind, PassRule, ScoringType } from '../src/modules/framework/pass-rule';
import { OrgCategory } from '../src/modules/org/org.entity';
import { progressCounts } from '../src/modules/campaign/progress-counts';
import { canonicalContents, genesisHash, linkHash } from '../src/modules/supervision/record-chain';
import { provisionTenant } from '../src/modules/tenant/tenant.service';
import { SOURCE_SCHEDULE } from '../src/seed/demo-campaigns';

export const BENCH_PASSWORD = 'bench-password-0123456789';
export const BENCH_JWT_SECRET = 'bench-jwt-secret-'.padEnd(48, 'x');

export interface GenerateOptions {
  /** Orgs in the large tenant. */
  orgs: number;
  smallTenants: number;
  smallOrgs: number;
  /** Share of eligible (grassroots) orgs with an accepted evaluation. */
  evaluatedShare: number;
  /** Most accepted evaluations of the large tenant that get raw scores (the others carry stored totals only). */
  scoreBudget: number;
  /** Draft PUBLIC evaluations for the write test. */
  draftPool: number;
  /** Finalized inspections (with findings) in the large tenant. */
  inspections: number;
  /** SUBMITTED 自查 evaluations of the large tenant awaiting acceptance (the acceptance cell consumes them). */
  acceptPool: number;
}

export interface TenantInfo {
  id: string;
  slug: string;
  rootId: string;
  adminId: string;
  reviewerId: string;
  campaignId: string;
  versionId: string;
  orgs: number;
  evaluations: number;
}

export interface Leaf {
  id: string;
  code: string;
  scoringType: ScoringType;
  maxScore: number | null;
  target: number | null;
  isBonus: boolean;
  isVeto: boolean;
  evidenceRequired: boolean;
}

export interface GeneratedData {
  large: TenantInfo;
  small: TenantInfo[];
  steps: { step: string; ms: number; detail: string }[];
  shape: { levels: number; directOrgs: number; fanout: [number, number, number] };
  /** Level-2 orgs of the large tenant (the mid-level subtrees of read 2). */
  midOrgs: string[];
  /** Accepted evaluations with raw scores (read 3). */
  scoredEvaluations: string[];
  drafts: string[];
  /** SUBMITTED evaluations (by the reviewer) that the admin may accept, each once. */
  acceptPool: string[];
  leaves: Leaf[];
  counts: Record<string, number>;
  consistency: string;
  /** Subordinate tenants linked to the first small tenant (the consolidated view's cell). */
  federationSubordinates: number;
}

const CATEGORIES = [OrgCategory.ORGAN, OrgCategory.INSTITUTION, OrgCategory.ENTERPRISE];

// The tree shape: 局党委 (1) → 直属党委 (2, COMMITTEE) → level 3 by i % 10: 6 in 10 党委, 3 in 10 党总支,
// 1 in 10 党支部 → level 4: under a 党委 every 5th child a 党总支 and the rest 党支部, under a 党总支 only
// 党支部 → level 5: 党支部 under each level-4 党总支. A 党支部 never has children.
const kind3 = (i: number) => (i % 10 === 0 ? 'B' : i % 10 >= 7 ? 'G' : 'C');
const kind4 = (parent: string, j: number) => (parent === 'C' && j % 5 === 1 ? 'G' : 'B');

function subtreeSize(f3: number, f4: number, f5: number): number {
  let n = 1;
  for (let i = 1; i <= f3; i++) {
    n++;
    const k = kind3(i);
    if (k === 'B') continue;
    for (let j = 1; j <= f4; j++) n += 1 + (kind4(k, j) === 'G' ? f5 : 0);
  }
  return n;
}

/** Direct orgs ≈ √N / 4.5 and the three fan-outs (within a factor 2 of each other) that land closest to N. */
export function treeShape(total: number): { directOrgs: number; fanout: [number, number, number]; orgs: number } {
  const directOrgs = Math.max(2, Math.round(Math.sqrt(total) / 4.5));
  let best = { fanout: [2, 2, 2] as [number, number, number], err: Infinity, orgs: 0 };
  for (let a = 2; a <= 48; a++) {
    for (let b = 2; b <= 48; b++) {
      for (let c = 2; c <= 48; c++) {
        if (Math.max(a, b, c) > 2 * Math.min(a, b, c)) continue;
        const orgs = 1 + directOrgs * subtreeSize(a, b, c);
        const err = Math.abs(orgs - total);
        if (err < best.err) best = { fanout: [a, b, c], err, orgs };
      }
    }
  }
  return { directOrgs, fanout: best.fanout, orgs: best.orgs };
}

/** Runs `work` as the tenant's admin through the services a request uses (the seed's asAdmin pattern). */
async function asAdmin(
  dataSource: DataSource,
  config: Config,
  tenantId: string,
  adminId: string,
  work: (ctx: RequestContext) => Promise<void>,
) {
  const ctx = createRequestContext(config, dataSource, 'bench');
  await ctx.tx.setIdentity({ tenantId, platform: false });
  await ctx.tx.begin();
  try {
    await loadViewer(ctx, { kind: 'user', sub: adminId, tid: tenantId });
    await work(ctx);
    await ctx.tx.finish(true);
  } catch (error) {
    await ctx.tx.finish(false).catch(() => undefined);
    throw error;
  }
}

/** One transaction of the owner connection, scoped to a tenant (RLS is forced even for a non-superuser owner). */
/**
 * Finalized inspections of grassroots orgs by one 督导组, two findings each and a rectification order on
 * every third, inserted set-based as drafts; then the tenant's hash chain is computed with the server's
 * own canonical form (record-chain.ts) and the records finalized in one statement.
 */
async function generateInspections(client: Client, t: TenantInfo, count: number) {
  return inTenant(client, t.id, async () => {
    const [inspector] = (
      await client.query(
        `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id) VALUES ($1, 'bench-inspector', '督导组组长', 'x', $2) RETURNING id`,
        [t.id, t.rootId],
      )
    ).rows;
    await client.query(`INSERT INTO role_assignments (tenant_id, user_id, role, org_id) VALUES ($1, $2, 'INSPECTOR', $3)`, [
      t.id,
      inspector.id,
      t.rootId,
    ]);
    const [team] = (
      await client.query(
        `INSERT INTO supervision_teams (tenant_id, name, leader_id, campaign_id) VALUES ($1, '第一督导组', $2, $3) RETURNING id`,
        [t.id, inspector.id, t.campaignId],
      )
    ).rows;
    await client.query(`INSERT INTO supervision_team_scopes (tenant_id, team_id, org_id) VALUES ($1, $2, $3)`, [t.id, team.id, t.rootId]);
    await client.query(
      `INSERT INTO inspections (tenant_id, team_id, org_id, campaign_id, inspected_on, methods, summary, idempotency_key, request_hash, created_by, finalized_by, finalized_at, chain_seq)
       SELECT $1, $2, o.id, $3, date '2013-06-01' + (o.n % 500)::int, ARRAY['BRIEFING', 'LEDGER_REVIEW', 'PUBLIC_VISIT'], '督导检查记录 ' || o.n,
              'bench-inspection-' || o.n, 'bench', $4, $4, date_trunc('milliseconds', now()), o.n
         FROM (SELECT id, row_number() OVER (ORDER BY random()) AS n FROM orgs WHERE tenant_id = $1 AND kind = 'BRANCH') o WHERE o.n <= $5`,
      [t.id, team.id, t.campaignId, inspector.id, count],
    );
    const findings = await client.query(
      `INSERT INTO findings (tenant_id, inspection_id, position, severity, description, rectify_org_id, rectify_due_on)
       SELECT i.tenant_id, i.id, k, (ARRAY['MINOR', 'MODERATE', 'SERIOUS'])[1 + (i.chain_seq + k) % 3], '问题 ' || k || '：管理台帐记录不完整',
              CASE WHEN k = 0 AND i.chain_seq % 3 = 0 THEN i.org_id END, CASE WHEN k = 0 AND i.chain_seq % 3 = 0 THEN i.inspected_on + 30 END
         FROM inspections i CROSS JOIN generate_series(0, 1) k WHERE i.tenant_id = $1`,
      [t.id],
    );
    const rectifications = await client.query(
      `INSERT INTO rectifications (tenant_id, finding_id, team_id, owner_org_id, due_on, state, verified_by, verified_at)
       SELECT f.tenant_id, f.id, $2, f.rectify_org_id, f.rectify_due_on, CASE WHEN random() < 0.8 THEN 'VERIFIED' ELSE 'OPEN' END, NULL, NULL
         FROM findings f WHERE f.tenant_id = $1 AND f.rectify_org_id IS NOT NULL`,
      [t.id, team.id],
    );
    await client.query(`UPDATE rectifications SET verified_by = $2, verified_at = due_on - 5 WHERE tenant_id = $1 AND state = 'VERIFIED'`, [
      t.id,
      inspector.id,
    ]);
    // The chain, in the server's canonical form: one pass in seq order.
    const ids: { id: string }[] = (await client.query(`SELECT id FROM inspections WHERE tenant_id = $1 ORDER BY chain_seq`, [t.id])).rows;
    // one statement at a time on the client, as the request transaction queues them (canonicalContents reads in parallel)
    const shim = {
      query: oneAtATime(async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows),
    } as unknown as RequestTransaction;
    let prev = genesisHash(t.id);
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (let start = 0; start < ids.length; start += 500) {
      const batch = ids.slice(start, start + 500).map((r) => r.id);
      const contents = await canonicalContents(shim, t.id, batch);
      for (const id of batch) {
        prevs.push(prev);
        prev = linkHash(prev, contents.get(id)!);
        hashes.push(prev);
      }
    }
    await client.query(
      `UPDATE inspections i SET state = 'FINALIZED', prev_hash = u.prev, record_hash = u.hash FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(id, prev, hash)
        WHERE i.tenant_id = $1 AND i.id = u.id`,
      [t.id, ids.map((r) => r.id), prevs, hashes],
    );
    await client.query(`INSERT INTO record_chains (tenant_id, last_seq, last_hash) VALUES ($1, $2, $3)`, [t.id, ids.length, prev]);
    return { inspections: ids.length, findings: findings.rowCount ?? 0, rectifications: rectifications.rowCount ?? 0 };
  });
}

async function inTenant<T>(client: Client, tenantId: string, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The owner client as the few RequestTransaction methods a service helper uses (inside inTenant). */
const shimOf = (client: Client) =>
  ({
    query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows,
    execute: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rowCount ?? 0,
  }) as unknown as RequestTransaction;

/** Folds the tenant's pending progress deltas (the bulk inserts' triggers wrote them) into the compact counts. */
export async function mergeProgress(client: Client, tenantId: string): Promise<number> {
  let total = 0;
  for (;;) {
    const merged = await inTenant(client, tenantId, () => progressCounts.merge(shimOf(client), tenantId));
    total += merged;
    if (merged < 10_000) return total;
  }
}

const kindSql = (expr: string) => `CASE ${expr} WHEN 'C' THEN 'COMMITTEE' WHEN 'G' THEN 'GENERAL_BRANCH' ELSE 'BRANCH' END`;
const suffixSql = (kind: string) => `CASE ${kind} WHEN 'COMMITTEE' THEN '党委' WHEN 'GENERAL_BRANCH' THEN '党总支' ELSE '党支部' END`;

/** The org tree below the root, level by level into a temp table, then one ordered INSERT into orgs. */
async function generateOrgs(
  client: Client,
  tenant: { id: string; rootId: string },
  total: number,
): Promise<{ orgs: number; directOrgs: number; fanout: [number, number, number] }> {
  const shape = treeShape(total);
  const [f3, f4, f5] = shape.fanout;
  return inTenant(client, tenant.id, async () => {
    const [{ path: rootPath }] = (
      await client.query(`SELECT path::text AS path FROM orgs WHERE tenant_id = $1 AND id = $2`, [tenant.id, tenant.rootId])
    ).rows;
    await client.query(
      `CREATE TEMP TABLE gen_orgs (id uuid PRIMARY KEY, parent_id uuid, lvl int, ord int, l2 int, kind text, category text, name text, path ltree) ON COMMIT DROP`,
    );
    await client.query(
      `INSERT INTO gen_orgs
       SELECT s.id, $2::uuid, 2, s.i, s.i, 'COMMITTEE', ($4::text[])[1 + s.i % 3], '直属党委' || lpad(s.i::text, 3, '0'),
              $3::ltree || replace(s.id::text, '-', '')
         FROM (SELECT gen_random_uuid() AS id, i FROM generate_series(1, $1::int) AS i) s`,
      [shape.directOrgs, tenant.rootId, rootPath, CATEGORIES],
    );
    // Level 3: by position among siblings; about one in seven takes another category than its parent (mixed).
    await client.query(
      `INSERT INTO gen_orgs
       SELECT s.id, s.pid, 3, s.i, s.l2, s.kind, s.category, s.pname || '·第' || s.i || ${suffixSql('s.kind')}, s.ppath || replace(s.id::text, '-', '')
         FROM (SELECT gen_random_uuid() AS id, p.id AS pid, p.path AS ppath, p.name AS pname, p.l2, i,
                      ${kindSql(`CASE WHEN i % 10 = 0 THEN 'B' WHEN i % 10 >= 7 THEN 'G' ELSE 'C' END`)} AS kind,
                      CASE WHEN i % 7 = 0 THEN ($2::text[])[1 + (p.l2 + 1) % 3] ELSE p.category END AS category
                 FROM gen_orgs p CROSS JOIN generate_series(1, $1::int) AS i WHERE p.lvl = 2) s`,
      [f3, CATEGORIES],
    );
    await client.query(
      `INSERT INTO gen_orgs
       SELECT s.id, s.pid, 4, s.i, s.l2, s.kind, s.category, s.pname || '·' || s.i || ${suffixSql('s.kind')}, s.ppath || replace(s.id::text, '-', '')
         FROM (SELECT gen_random_uuid() AS id, p.id AS pid, p.path AS ppath, p.name AS pname, p.l2, i, p.category,
                      CASE WHEN p.kind = 'COMMITTEE' AND i % 5 = 1 THEN 'GENERAL_BRANCH' ELSE 'BRANCH' END AS kind
                 FROM gen_orgs p CROSS JOIN generate_series(1, $1::int) AS i WHERE p.lvl = 3 AND p.kind <> 'BRANCH') s`,
      [f4],
    );
    await client.query(
      `INSERT INTO gen_orgs
       SELECT s.id, s.pid, 5, s.i, s.l2, 'BRANCH', s.category, s.pname || '·' || s.i || '党支部', s.ppath || replace(s.id::text, '-', '')
         FROM (SELECT gen_random_uuid() AS id, p.id AS pid, p.path AS ppath, p.name AS pname, p.l2, i, p.category
                 FROM gen_orgs p CROSS JOIN generate_series(1, $1::int) AS i WHERE p.lvl = 4 AND p.kind = 'GENERAL_BRANCH') s`,
      [f5],
    );
    const inserted = await client.query(
      `INSERT INTO orgs (tenant_id, id, parent_id, name, kind, category, path, created_at, updated_at)
       SELECT $1, id, parent_id, name, kind, category, path, timestamptz '2013-05-01', timestamptz '2013-05-01' FROM gen_orgs ORDER BY path`,
      [tenant.id],
    );
    return { orgs: 1 + (inserted.rowCount ?? 0), directOrgs: shape.directOrgs, fanout: shape.fanout };
  });
}

/** grade_for(total, veto) as SQL over the rule's bands. */
function gradeSql(rule: PassRule, total: string, veto: string): string {
  const bands = [...rule.grades].sort((a, b) => b.min - a.min);
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return `CASE WHEN ${veto} THEN ${lit(rule.vetoGrade)} ${bands.map((g) => `WHEN ${total} >= ${Number(g.min)} THEN ${lit(g.code)}`).join(' ')} ELSE ${lit(bands[bands.length - 1]?.code ?? '')} END`;
}

/** leafRatio (src/modules/evaluation/scoring.ts) in SQL, over gen_leaves l and a score s. */
const RATIO_SQL = `CASE l.scoring_type
    WHEN 'SCALE' THEN CASE WHEN l.max_score > 0 THEN least(1, greatest(0, s.value / l.max_score)) ELSE 0 END
    WHEN 'BOOLEAN' THEN CASE WHEN s.value >= 1 THEN 1 ELSE 0 END
    WHEN 'PERCENT' THEN least(1, greatest(0, s.value / 100))
    WHEN 'COUNT' THEN CASE WHEN l.target > 0 THEN least(1, greatest(0, s.value / l.target)) ELSE 0 END
    WHEN 'DEDUCTION' THEN CASE WHEN l.max_score > 0 THEN least(1, greatest(0, (l.max_score - s.value * coalesce(l.deduction_per, 0)) / l.max_score)) ELSE 0 END
    ELSE 0 END`;

/**
 * Accepted SUPERIOR evaluations for `share` of the eligible orgs, raw scores for the first `scoreBudget`
 * of them (totals, grade and veto then computed from those scores by the scoring rules), and every
 * evaluated org's campaign_results row combined from its accepted evaluation as combineKinds does.
 */
async function generateEvaluations(
  client: Client,
  t: TenantInfo,
  rule: PassRule,
  eligibleKinds: string[],
  share: number,
  scoreBudget: number,
) {
  return inTenant(client, t.id, async () => {
    await client.query(
      `CREATE TEMP TABLE gen_ev ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, o.id AS org_id, (row_number() OVER (ORDER BY random()))::int AS n,
              0.55 + random() * 0.45 AS q, random() < 0.01 AS veto
         FROM orgs o WHERE o.tenant_id = $1 AND o.kind = ANY($2::text[]) AND o.archived_at IS NULL AND random() < $3`,
      [t.id, eligibleKinds, share],
    );
    const evaluations = await client.query(
      `INSERT INTO evaluations (tenant_id, id, campaign_id, org_id, kind, state, version, total, grade, veto,
                                created_by, submitted_by, submitted_at, reviewed_by, reviewed_at, created_at, updated_at)
       SELECT $1, e.id, $2, e.org_id, 'SUPERIOR', 'ACCEPTED', 4, x.total, ${gradeSql(rule, 'x.total', 'e.veto')}, e.veto,
              $3, $3, x.at, $4, x.at + interval '2 days', x.at - interval '20 days', x.at + interval '2 days'
         FROM gen_ev e
        CROSS JOIN LATERAL (SELECT round((e.q * $5)::numeric, 2) AS total, timestamptz '2013-11-01' + (e.n % 50) * interval '1 day' AS at) x`,
      [t.id, t.campaignId, t.adminId, t.reviewerId, rule.totalMax],
    );
    let scores = 0;
    let scored: string[] = [];
    if (scoreBudget > 0) {
      if (rule.aggregation !== Aggregation.WEIGHTED_SUM) throw new Error('bench scores assume a WEIGHTED_SUM framework');
      // Leaves with their effective weight (the product of the weights on the way down).
      await client.query(
        `CREATE TEMP TABLE gen_leaves ON COMMIT DROP AS
         WITH RECURSIVE t AS (
           SELECT c.id, c.weight::numeric AS w FROM criteria c WHERE c.tenant_id = $1 AND c.version_id = $2 AND c.parent_id IS NULL
           UNION ALL
           SELECT c.id, t.w * c.weight FROM criteria c JOIN t ON c.tenant_id = $1 AND c.parent_id = t.id)
         SELECT c.id, c.code, c.scoring_type, c.max_score, c.target, c.deduction_per, c.is_bonus, c.is_veto, c.evidence_required, t.w
           FROM criteria c JOIN t ON t.id = c.id
          WHERE c.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM criteria k WHERE k.tenant_id = $1 AND k.parent_id = c.id)`,
        [t.id, t.versionId],
      );
      // Values valid for each type; quality q per evaluation with ±15% noise per criterion; bonus items
      // won by one in five; the veto item fails where the evaluation was drawn as vetoed (1%).
      const inserted = await client.query(
        `INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value, note, evidence)
         SELECT $1, e.id, l.id,
                CASE WHEN l.is_veto THEN CASE WHEN e.veto THEN 0 ELSE 1 END
                     WHEN l.is_bonus THEN CASE WHEN l.scoring_type = 'BOOLEAN' AND random() < 0.2 THEN 1 ELSE 0 END
                     WHEN l.scoring_type = 'SCALE' THEN round(l.max_score * least(1, greatest(0, e.q + (random() - 0.5) * 0.3))::numeric)
                     WHEN l.scoring_type = 'PERCENT' THEN round((100 * least(1, greatest(0, e.q + (random() - 0.5) * 0.3)))::numeric)
                     WHEN l.scoring_type = 'BOOLEAN' THEN CASE WHEN random() < e.q + 0.1 THEN 1 ELSE 0 END
                     WHEN l.scoring_type = 'COUNT' THEN CASE WHEN random() < e.q THEN l.target ELSE floor(l.target * random()) END
                     WHEN l.scoring_type = 'DEDUCTION' THEN CASE WHEN random() < e.q THEN 0 ELSE 1 + floor(random() * 3) END
                     ELSE 0 END,
                NULL, CASE WHEN l.evidence_required THEN '台帐-' || l.code END
           FROM gen_ev e CROSS JOIN gen_leaves l WHERE e.n <= $2`,
        [t.id, scoreBudget],
      );
      scores = inserted.rowCount ?? 0;
      await client.query(
        `UPDATE evaluations ev SET total = a.total, veto = a.veto, grade = ${gradeSql(rule, 'a.total', 'a.veto')}
           FROM (SELECT s.evaluation_id,
                        round(least(1, sum(l.w * x.ratio)) * $2 + least($3, sum(CASE WHEN l.is_bonus THEN x.ratio * l.max_score ELSE 0 END)), 2) AS total,
                        bool_or(l.is_veto AND x.ratio = 0) AS veto
                   FROM evaluation_scores s JOIN gen_leaves l ON l.id = s.criterion_id
                  CROSS JOIN LATERAL (SELECT ${RATIO_SQL} AS ratio) x
                  WHERE s.tenant_id = $1 GROUP BY s.evaluation_id) a
          WHERE ev.tenant_id = $1 AND ev.id = a.evaluation_id`,
        [t.id, rule.totalMax, rule.bonusCap],
      );
      scored = (await client.query(`SELECT id FROM gen_ev WHERE n <= least($1::int, 200) ORDER BY n`, [scoreBudget])).rows.map(
        (r: { id: string }) => r.id,
      );
    }
    // combineKinds with one accepted kind: its total, renormalized weight 1, complete when it is the
    // required kind, attained when complete, not vetoed and at the threshold.
    const weightOf = (kind: string) => rule.kindWeights.find((w) => w.kind === kind)?.weight ?? 0;
    const complete = rule.requiredKinds.every((k) => k === EvaluationKind.SUPERIOR);
    const counted = weightOf(EvaluationKind.SUPERIOR) > 0;
    await client.query(
      `INSERT INTO campaign_results (tenant_id, campaign_id, org_id, total, grade, attained, veto, complete, components, computed_at)
       SELECT tenant_id, campaign_id, org_id, ${counted ? 'total' : '0'}, ${gradeSql(rule, counted ? 'total' : '0', 'veto')},
              $3 AND NOT veto AND ${counted ? 'total' : '0'} >= $4, veto, $3,
              ${counted ? `jsonb_build_array(jsonb_build_object('kind', 'SUPERIOR', 'total', total::float8, 'weight', 1))` : `'[]'::jsonb`}, reviewed_at
         FROM evaluations WHERE tenant_id = $1 AND campaign_id = $2 AND kind = 'SUPERIOR' AND state = 'ACCEPTED'`,
      [t.id, t.campaignId, complete, rule.threshold],
    );
    return { evaluations: evaluations.rowCount ?? 0, scores, scored };
  });
}

/** Re-scores a sample with the server's own scoring code and compares with what was generated. */
async function checkConsistency(client: Client, t: TenantInfo, rule: PassRule, scored: string[]): Promise<string> {
  return inTenant(client, t.id, async () => {
    const criteria: ScoringCriterion[] = (
      await client.query(
        `SELECT id, parent_id, code, position, weight::float8 AS weight, max_score::float8 AS max_score, scoring_type, target::float8 AS target,
                deduction_per::float8 AS deduction_per, is_bonus, is_veto FROM criteria WHERE tenant_id = $1 AND version_id = $2`,
        [t.id, t.versionId],
      )
    ).rows.map((r) => ({
      id: r.id,
      parentId: r.parent_id,
      code: r.code,
      position: r.position,
      weight: r.weight,
      maxScore: r.max_score,
      scoringType: r.scoring_type,
      target: r.target,
      deductionPer: r.deduction_per,
      isBonus: r.is_bonus,
      isVeto: r.is_veto,
    }));
    let evalMismatch = 0;
    const sample = scored.slice(0, 50);
    for (const id of sample) {
      const [ev] = (
        await client.query(`SELECT total::float8 AS total, grade, veto FROM evaluations WHERE tenant_id = $1 AND id = $2`, [t.id, id])
      ).rows;
      const values = new Map<string, number>(
        (
          await client.query(
            `SELECT criterion_id, value::float8 AS value FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2`,
            [t.id, id],
          )
        ).rows.map((r: { criterion_id: string; value: number }) => [r.criterion_id, r.value]),
      );
      const score = scoreEvaluation(rule, criteria, values);
      if (Math.abs(score.total - ev.total) > 0.011 || score.grade !== ev.grade || score.veto !== ev.veto || !score.complete) evalMismatch++;
    }
    const results = (
      await client.query(
        `SELECT e.total::float8 AS e_total, e.veto AS e_veto, r.total::float8 AS total, r.grade, r.attained, r.veto, r.complete, r.components
           FROM campaign_results r JOIN evaluations e ON e.tenant_id = r.tenant_id AND e.campaign_id = r.campaign_id AND e.org_id = r.org_id AND e.kind = 'SUPERIOR'
          WHERE r.tenant_id = $1 AND r.campaign_id = $2 ORDER BY random() LIMIT 300`,
        [t.id, t.campaignId],
      )
    ).rows;
    let resultMismatch = 0;
    for (const r of results) {
      const c = combineKinds(rule, [{ kind: EvaluationKind.SUPERIOR, total: r.e_total, veto: r.e_veto }]);
      if (
        c.total !== r.total ||
        c.grade !== r.grade ||
        c.attained !== r.attained ||
        c.veto !== r.veto ||
        c.complete !== r.complete ||
        JSON.stringify(c.components) !== JSON.stringify(r.components)
      )
        resultMismatch++;
    }
    return (
      `${sample.length - evalMismatch}/${sample.length} scored evaluations re-score to their stored total (server scoring code); ` +
      `${results.length - resultMismatch}/${results.length} campaign_results match combineKinds`
    );
  });
}

export async function generate(ownerUrl: string, options: GenerateOptions, log: (line: string) => void): Promise<GeneratedData> {
  const steps: GeneratedData['steps'] = [];
  const step = async <T>(name: string, work: () => Promise<T>, detail: (r: T) => string): Promise<T> => {
    const started = Date.now();
    const result = await work();
    const ms = Date.now() - started;
    const d = detail(result);
    steps.push({ step: name, ms, detail: d });
    log(`  ${name.padEnd(24)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${d}`);
    return result;
  };

  const config = loadConfig({ DATABASE_URL: ownerUrl, JWT_SECRET: BENCH_JWT_SECRET, DATA_DIR: os.tmpdir(), SEED_DEMO: 'false' });
  const database = await step(
    'migrate',
    () => openDatabase(config, { quiet: true }),
    () => 'migrations as owner, app role',
  );
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // Service layer: tenants with root org and admin, the 四强四有 framework imported and published, one campaign each.
    const specs = [
      { slug: 'bench-large', name: '市大型系统局(基准)', root: '中共市大型系统局党委', orgs: options.orgs },
      ...Array.from({ length: options.smallTenants }, (_, i) => ({
        slug: `bench-small-${String(i + 1).padStart(2, '0')}`,
        name: `小型单位${i + 1}(基准)`,
        root: `中共小型单位${i + 1}党委`,
        orgs: options.smallOrgs,
      })),
    ];
    const passwordHash = await hashPassword(BENCH_PASSWORD, config.passwordScryptCost);
    let rule!: PassRule;
    let eligibleKinds!: string[];
    const tenants: TenantInfo[] = await step(
      'tenants (services)',
      async () => {
        const out: TenantInfo[] = [];
        for (const spec of specs) {
          const p = await withTransaction(database.dataSource, { platform: true }, (tx) =>
            provisionTenant(
              tx,
              {
                slug: spec.slug,
                name: spec.name,
                rootOrgName: spec.root,
                rootOrgCategory: OrgCategory.ORGAN,
                adminUsername: 'admin',
                adminDisplayName: '组织部',
                adminPasswordHash: passwordHash,
              },
              config.passwordScryptCost,
            ),
          );
          const info: Partial<TenantInfo> = { id: p.tenant.id, slug: spec.slug, rootId: p.root.id, adminId: p.admin.id, orgs: spec.orgs };
          await asAdmin(database.dataSource, config, p.tenant.id, p.admin.id, async (ctx) => {
            const draft = await frameworkService.import(ctx, { template: 'sqsy' });
            const version = await frameworkService.publish(ctx, draft.id);
            const campaign = await campaignService.create(ctx, {
              name: '“四强四有”基层服务型党组织创建活动',
              versionId: version.id,
              scopeOrgId: p.root.id,
              ...SOURCE_SCHEDULE,
            });
            info.versionId = version.id;
            info.campaignId = campaign.id;
            rule = version.rule;
            eligibleKinds = campaign.eligibleKinds;
          });
          // A second officer who reviewed the accepted evaluations (the reviewer is never the submitter).
          const reviewer = await inTenant(client, p.tenant.id, async () => {
            const [row] = (
              await client.query(
                `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id) VALUES ($1, 'leader', '领导小组组长', $2, $3) RETURNING id`,
                [p.tenant.id, passwordHash, p.root.id],
              )
            ).rows;
            await client.query(`INSERT INTO role_assignments (tenant_id, user_id, role, org_id) VALUES ($1, $2, 'LEADER', $3)`, [
              p.tenant.id,
              row.id,
              p.root.id,
            ]);
            return row.id as string;
          });
          info.reviewerId = reviewer;
          out.push(info as TenantInfo);
        }
        return out;
      },
      (r) => `${r.length} tenants, sqsy framework published, 1 campaign each`,
    );
    await database.close();

    const [large, ...small] = tenants;
    const shape = await step(
      'orgs (large tenant)',
      () => generateOrgs(client, large, options.orgs),
      (r) => `${r.orgs} orgs, ${r.directOrgs} direct, fan-out ${r.fanout.join('/')}`,
    );
    large.orgs = shape.orgs;
    await step(
      'orgs (small tenants)',
      async () => {
        let n = 0;
        for (const t of small) {
          const r = await generateOrgs(client, t, options.smallOrgs);
          t.orgs = r.orgs;
          n += r.orgs;
        }
        return n;
      },
      (n) => `${n} orgs in ${small.length} tenants`,
    );

    const largeEval = await step(
      'evaluations (large)',
      () => generateEvaluations(client, large, rule, eligibleKinds, options.evaluatedShare, options.scoreBudget),
      (r) => `${r.evaluations} accepted, ${r.scores} scores for ${Math.min(r.evaluations, options.scoreBudget)} of them, results`,
    );
    large.evaluations = largeEval.evaluations;
    await step(
      'evaluations (small)',
      async () => {
        let n = 0;
        for (const t of small) {
          t.evaluations = (await generateEvaluations(client, t, rule, eligibleKinds, options.evaluatedShare, 0)).evaluations;
          n += t.evaluations;
        }
        return n;
      },
      (n) => `${n} accepted (stored totals, no raw scores), results`,
    );

    // 上下级单位: the first small tenant is the superior of all the others (active links), each granting it
    // progress (its campaign, by org to depth 1), the year's assessment and the supervision counts: the
    // consolidated view's cell reads them all through the definer functions.
    const federation = await step(
      'federation (links and grants)',
      async () => {
        const [superior, ...subordinates] = small;
        if (!superior) return 0;
        for (const sub of subordinates) {
          const [{ id: linkId }] = (await client.query(`SELECT gen_random_uuid() AS id`)).rows as { id: string }[];
          await inTenant(client, superior.id, () =>
            client.query(
              `INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state, responded_at) VALUES ($1, $2, $3, 'SUPERIOR', 'ACTIVE', now())`,
              [superior.id, linkId, sub.id],
            ),
          );
          await inTenant(client, sub.id, async () => {
            await client.query(
              `INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state, responded_at) VALUES ($1, $2, $3, 'SUBORDINATE', 'ACTIVE', now())`,
              [sub.id, linkId, superior.id],
            );
            await client.query(
              `INSERT INTO tenant_link_grants (tenant_id, link_id, kind, depth, campaign_id)
               VALUES ($1, $2, 'PROGRESS', 1, $3), ($1, $2, 'ASSESSMENT', NULL, NULL), ($1, $2, 'SUPERVISION', NULL, NULL)`,
              [sub.id, linkId, sub.campaignId],
            );
          });
        }
        return subordinates.length;
      },
      (n) => `${n} subordinate tenants of ${small[0]?.slug ?? '-'}, each granting progress (depth 1), assessment and supervision`,
    );

    const drafts: string[] = await step(
      'drafts (write pool)',
      () =>
        inTenant(client, large.id, async () =>
          (
            await client.query(
              `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, state, version, created_by, created_at, updated_at)
         SELECT $1, $2, o.id, 'PUBLIC', 'DRAFT', 1, $3, now(), now()
           FROM orgs o WHERE o.tenant_id = $1 AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL ORDER BY random() LIMIT $5 RETURNING id`,
              [large.id, large.campaignId, large.adminId, eligibleKinds, options.draftPool],
            )
          ).rows.map((r: { id: string }) => r.id),
        ),
      (r) => `${r.length} PUBLIC drafts by the admin`,
    );

    const acceptPool: string[] = await step(
      'submitted (accept pool)',
      () =>
        inTenant(client, large.id, async () =>
          (
            await client.query(
              `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, state, version, total, grade, veto, created_by, submitted_by, submitted_at, created_at, updated_at)
               SELECT $1, $2, o.id, 'SELF', 'SUBMITTED', 3, t.total, ${gradeSql(rule, 't.total', 'false')}, false, $3, $3, now(), now(), now()
                 FROM orgs o CROSS JOIN LATERAL (SELECT round((50 + random() * 50)::numeric, 2) AS total) t
                WHERE o.tenant_id = $1 AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL ORDER BY random() LIMIT $5 RETURNING id`,
              [large.id, large.campaignId, large.reviewerId, eligibleKinds, options.acceptPool],
            )
          ).rows.map((r: { id: string }) => r.id),
        ),
      (r) => `${r.length} SELF evaluations submitted by the reviewer, for the admin to accept`,
    );

    await step(
      'progress merge',
      async () => {
        let n = 0;
        for (const t of tenants) n += await mergeProgress(client, t.id);
        return n;
      },
      (n) => `${n} progress deltas folded into the compact counts`,
    );

    await step(
      'inspections',
      () => generateInspections(client, large, options.inspections),
      (r) => `${r.inspections} finalized (hash-chained), ${r.findings} findings, ${r.rectifications} rectifications`,
    );

    await step(
      'vacuum analyze',
      () => client.query('VACUUM ANALYZE'),
      () => 'whole database',
    );

    const consistency = await step(
      'consistency check',
      () => checkConsistency(client, large, rule, largeEval.scored),
      (r) => r,
    );

    const midOrgs = (
      await inTenant(client, large.id, () =>
        client.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id = $2 ORDER BY path`, [large.id, large.rootId]),
      )
    ).rows.map((r: { id: string }) => r.id);
    const leaves: Leaf[] = (
      await inTenant(client, large.id, () =>
        client.query(
          `SELECT c.id, c.code, c.scoring_type, c.max_score::float8 AS max_score, c.target::float8 AS target, c.is_bonus, c.is_veto, c.evidence_required
         FROM criteria c WHERE c.tenant_id = $1 AND c.version_id = $2
          AND NOT EXISTS (SELECT 1 FROM criteria k WHERE k.tenant_id = $1 AND k.parent_id = c.id) ORDER BY c.code`,
          [large.id, large.versionId],
        ),
      )
    ).rows.map((r) => ({
      id: r.id,
      code: r.code,
      scoringType: r.scoring_type,
      maxScore: r.max_score,
      target: r.target,
      isBonus: r.is_bonus,
      isVeto: r.is_veto,
      evidenceRequired: r.evidence_required,
    }));
    const counts: Record<string, number> = {};
    for (const table of ['tenants', 'orgs', 'users', 'criteria', 'campaigns', 'evaluations', 'evaluation_scores', 'campaign_results']) {
      // The owner may be subject to forced RLS (a non-superuser DATABASE_URL): count as the superuser would, per tenant otherwise.
      counts[table] = Number(
        (await client.query(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass`, [table])).rows[0].n,
      );
    }
    counts.largeOrgs = large.orgs;
    counts.largeEligible = Number(
      (
        await inTenant(client, large.id, () =>
          client.query(`SELECT count(*)::int AS n FROM orgs WHERE tenant_id = $1 AND kind = ANY($2::text[])`, [large.id, eligibleKinds]),
        )
      ).rows[0].n,
    );
    counts.largeEvaluations = large.evaluations;
    counts.scoredEvaluations = Math.min(large.evaluations, options.scoreBudget);
    return {
      large,
      small,
      steps,
      shape: { levels: 5, directOrgs: shape.directOrgs, fanout: shape.fanout },
      midOrgs,
      scoredEvaluations: largeEval.scored,
      drafts,
      acceptPool,
      leaves,
      counts,
      consistency,
      federationSubordinates: federation,
    };
  } finally {
    await client.end().catch(() => undefined);
    await database.close().catch(() => undefined);
  }
}
