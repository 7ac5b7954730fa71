import { holdsRoleAtRoot, inScope, subtreeOf } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { Page, decodeTypedCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { campaignService } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { FindingSeverity, findingSeverityLabels } from '../supervision/supervision.entity';
import { Role } from '../../auth/roles';
import { AssessmentComponent, AssessmentRule, AssessmentRuleValues } from './assessment.entity';
import { assessmentError } from './assessment.errors';
import { TENANT_TODAY_SQL, TENANT_ZONE_SQL } from '../../graphql/today';

export interface AssessmentRow {
  org: Org;
  year: number;
  total: number;
  rank: number;
  components: AssessmentComponent[];
  /** The org's place in tree order: ties of total are ranked alike and listed in tree order. */
  pathKey: string;
}

/** The orgs assessed: one org, or the orgs below `under` (itself excluded). */
export type AssessmentScope = { org: Org; under?: undefined } | { under: Org; org?: undefined };

const SEVERITIES = [FindingSeverity.MINOR, FindingSeverity.MODERATE, FindingSeverity.SERIOUS, FindingSeverity.CRITICAL];

/** A row of ASSESSMENT_SQL: the org, its counts, the points of each component, its total and rank. */
interface ScoreRow {
  id: string;
  path_key: string;
  campaign_total: number | null;
  minor: number;
  moderate: number;
  serious: number;
  critical: number;
  overdue: number;
  crit: number;
  comm: number;
  campaign_points: number;
  base_points: number;
  finding_points: number;
  overdue_points: number;
  criticism_points: number;
  commendation_points: number;
  total: number;
  rank: number;
}

const severityCount: Record<FindingSeverity, (r: ScoreRow) => number> = {
  MINOR: (r) => r.minor,
  MODERATE: (r) => r.moderate,
  SERIOUS: (r) => r.serious,
  CRITICAL: (r) => r.critical,
};

/** The limits of a rule's values, with the name a message gives each. */
const RANGES = {
  campaignShare: { item: '创建活动成绩所占比例', min: 0, max: 1 },
  base: { item: '基础分', min: 0, max: 1000 },
  overdueRectificationPoints: { item: '逾期整改扣分', min: 0, max: 1000 },
  criticismPoints: { item: '通报批评扣分', min: 0, max: 1000 },
  commendationPoints: { item: '通报表扬加分', min: 0, max: 1000 },
  findingPoints: { item: '督查问题扣分', min: 0, max: 1000 },
} as const;

/**
 * Every component of every org's score in a subtree, in one statement: campaign result, findings of
 * the current version of each of the year's finalized inspections (the last finalized record of its
 * amendment chain; an amendment carries the findings over, so each counts once, and a finding it
 * withdrew counts no more), rectifications not signed off by their due date (a withdrawn one never),
 * and issued notices naming the org.
 */
const ASSESSMENT_SQL = `
WITH t AS (
  SELECT o.id, o.path_key FROM orgs o
   WHERE o.tenant_id = $1 AND ${subtreeOf('o', 2)} AND o.archived_at IS NULL AND ($14::uuid IS NULL OR o.id = $14) AND ($16::uuid IS NULL OR o.id <> $16)
), f AS (
  SELECT i.org_id,
         count(*) FILTER (WHERE f.severity = 'MINOR')::int AS minor, count(*) FILTER (WHERE f.severity = 'MODERATE')::int AS moderate,
         count(*) FILTER (WHERE f.severity = 'SERIOUS')::int AS serious, count(*) FILTER (WHERE f.severity = 'CRITICAL')::int AS critical
    FROM inspections i JOIN findings f ON f.tenant_id = i.tenant_id AND f.inspection_id = i.id
   WHERE i.tenant_id = $1 AND i.state = 'FINALIZED' AND i.inspected_on >= make_date($3, 1, 1) AND i.inspected_on < make_date($3 + 1, 1, 1)
     AND NOT EXISTS (SELECT 1 FROM inspections a WHERE a.tenant_id = i.tenant_id AND a.amends_id = i.id AND a.state = 'FINALIZED')
     AND f.withdrawn_reason IS NULL
     AND i.org_id IN (SELECT id FROM t)
   GROUP BY i.org_id
), r AS (
  SELECT owner_org_id AS org_id, count(*)::int AS n FROM rectifications
   WHERE tenant_id = $1 AND due_on >= make_date($3, 1, 1) AND due_on < make_date($3 + 1, 1, 1)
     AND state <> 'WITHDRAWN' AND ((verified_at IS NULL AND due_on < ${TENANT_TODAY_SQL}) OR (verified_at AT TIME ZONE ${TENANT_ZONE_SQL})::date > due_on)
     AND owner_org_id IN (SELECT id FROM t)
   GROUP BY 1
), n AS (
  SELECT s.org_id, count(*) FILTER (WHERE x.kind = 'CRITICISM')::int AS crit, count(*) FILTER (WHERE x.kind = 'COMMENDATION')::int AS comm
    FROM notice_subjects s JOIN notices x ON x.tenant_id = s.tenant_id AND x.id = s.notice_id
   WHERE s.tenant_id = $1 AND x.state = 'ISSUED' AND x.issued_on >= make_date($3, 1, 1) AND x.issued_on < make_date($3 + 1, 1, 1)
     AND s.org_id IN (SELECT id FROM t)
   GROUP BY 1
), p AS (
  SELECT t.id, t.path_key, cr.total::float8 AS campaign_total,
         coalesce(f.minor, 0) AS minor, coalesce(f.moderate, 0) AS moderate, coalesce(f.serious, 0) AS serious, coalesce(f.critical, 0) AS critical,
         coalesce(r.n, 0) AS overdue, coalesce(n.crit, 0) AS crit, coalesce(n.comm, 0) AS comm,
         round(($5::numeric * coalesce(cr.total, 0)), 2)::float8 AS campaign_points,
         round(((1 - $5::numeric) * $6::numeric), 2)::float8 AS base_points,
         (coalesce(f.minor, 0) * $7::numeric + coalesce(f.moderate, 0) * $8::numeric + coalesce(f.serious, 0) * $9::numeric + coalesce(f.critical, 0) * $10::numeric)::float8 AS finding_points,
         (coalesce(r.n, 0) * $11::numeric)::float8 AS overdue_points,
         (coalesce(n.crit, 0) * $12::numeric)::float8 AS criticism_points,
         (coalesce(n.comm, 0) * $13::numeric)::float8 AS commendation_points
    FROM t
    LEFT JOIN campaign_results cr ON cr.tenant_id = $1 AND cr.campaign_id = $4 AND cr.org_id = t.id
    LEFT JOIN f ON f.org_id = t.id LEFT JOIN r ON r.org_id = t.id LEFT JOIN n ON n.org_id = t.id
), s AS (
  SELECT p.*, round(greatest(0, campaign_points + base_points - finding_points - overdue_points - criticism_points + commendation_points)::numeric, 2)::float8 AS total FROM p
)
SELECT * FROM (SELECT s.*, rank() OVER (ORDER BY total DESC)::int AS rank FROM s) ranked
 WHERE $17::float8 IS NULL OR total < $17::float8 OR (total = $17::float8 AND path_key > $18::text)
 ORDER BY total DESC, path_key LIMIT $15`;

export const assessmentService = {
  async rule(ctx: RequestContext, year: number): Promise<AssessmentRule | null> {
    const viewer = requireUser(ctx);
    return ctx.tx.repository(AssessmentRule).findOneBy({ tenantId: viewer.tenantId, year });
  },

  async setRule(ctx: RequestContext, year: number, campaignId: string | null, values: AssessmentRuleValues): Promise<AssessmentRule> {
    const viewer = requireUser(ctx);
    // One rule per year scores every org of the tenant: an admin at the root sets it.
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw assessmentError('NOT_RULE_ADMIN');
    const outOfRange = (key: keyof typeof RANGES, value: number) => {
      const range = RANGES[key];
      if (value < range.min || value > range.max)
        throw assessmentError('RULE_VALUE_OUT_OF_RANGE', { field: `input.rule.${key}`, params: { ...range } });
    };
    outOfRange('campaignShare', values.campaignShare);
    outOfRange('base', values.base);
    const severities = values.findingPoints.map((p) => p.severity);
    if (new Set(severities).size !== severities.length) throw assessmentError('SEVERITY_LISTED_TWICE', 'input.rule.findingPoints');
    outOfRange('overdueRectificationPoints', values.overdueRectificationPoints);
    outOfRange('criticismPoints', values.criticismPoints);
    outOfRange('commendationPoints', values.commendationPoints);
    for (const p of values.findingPoints) outOfRange('findingPoints', p.points);
    if (campaignId) await campaignService.getOrThrow(ctx, campaignId);
    await ctx.tx.execute(
      `INSERT INTO assessment_rules (tenant_id, year, campaign_id, rule) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, year) DO UPDATE SET campaign_id = EXCLUDED.campaign_id, rule = EXCLUDED.rule, updated_at = now()`,
      [viewer.tenantId, year, campaignId, JSON.stringify({ ...values })],
    );
    return ctx.tx.repository(AssessmentRule).findOneByOrFail({ tenantId: viewer.tenantId, year });
  },

  /** One org's score for a year, every component shown (rank 1: it is ranked among itself). */
  async forOrg(ctx: RequestContext, year: number, org: Org): Promise<AssessmentRow> {
    const [row] = await this.compute(ctx, year, { org }, 1);
    if (!row) throw assessmentError('ORG_NOT_ASSESSED', { params: { org: org.name } });
    return row;
  },

  /** The orgs below `under` ranked by their score for a year, best first, as a page. */
  async ranking(ctx: RequestContext, year: number, under: Org, first: number, after?: string): Promise<Page<AssessmentRow>> {
    const viewer = requireUser(ctx);
    const cursor = decodeTypedCursor(after, ['numeric', 'text']);
    const rows = await this.compute(ctx, year, { under }, first + 1, cursor ? { total: Number(cursor[0]), pathKey: cursor[1] } : null);
    return pageFrom(
      rows,
      first,
      after,
      (r) => encodeCursor([r.total, r.pathKey]),
      async () => {
        const [{ n }] = await ctx.tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM orgs o WHERE o.tenant_id = $1 AND ${subtreeOf('o', 2)} AND o.archived_at IS NULL AND o.id <> $3`,
          [viewer.tenantId, under.path, under.id],
        );
        return n;
      },
    );
  },

  /**
   * Scores of the orgs in a subtree (or one org) for a year, best first (after `from`, in that order),
   * every component shown.
   */
  async compute(
    ctx: RequestContext,
    year: number,
    scope: AssessmentScope,
    first: number,
    from: { total: number; pathKey: string } | null = null,
  ): Promise<AssessmentRow[]> {
    const viewer = requireUser(ctx);
    const target = scope.org ?? scope.under;
    if (!inScope(viewer, target.path)) throw assessmentError('ASSESSMENT_OUTSIDE_SCOPE');
    const rule = await this.rule(ctx, year);
    if (!rule) throw assessmentError('NO_ASSESSMENT_RULE', { field: 'year', params: { year } });
    const v = rule.rule;
    const points = (s: FindingSeverity) => v.findingPoints.find((p) => p.severity === s)?.points ?? 0;
    const rows = await ctx.tx.query<ScoreRow>(ASSESSMENT_SQL, [
      viewer.tenantId,
      target.path,
      year,
      rule.campaignId,
      v.campaignShare,
      v.base,
      points(FindingSeverity.MINOR),
      points(FindingSeverity.MODERATE),
      points(FindingSeverity.SERIOUS),
      points(FindingSeverity.CRITICAL),
      v.overdueRectificationPoints,
      v.criticismPoints,
      v.commendationPoints,
      scope.org?.id ?? null,
      first,
      scope.under ? scope.under.id : null,
      from?.total ?? null,
      from?.pathKey ?? null,
    ]);
    // every org of the subtree lies in the viewer's scope (checked above), so each is found
    const orgs = await Promise.all(rows.map((r) => orgService.findById(ctx, r.id)));
    return rows.flatMap((r, i) => {
      const org = orgs[i];
      return org ? [toAssessment(r, org, year, v, points)] : [];
    });
  },
};

/** A score row as the API shows it: every component with its points and how they were reached. */
function toAssessment(r: ScoreRow, org: Org, year: number, v: AssessmentRuleValues, points: (s: FindingSeverity) => number): AssessmentRow {
  return {
    org,
    year,
    total: r.total,
    rank: r.rank,
    pathKey: r.path_key,
    components: [
      {
        code: 'CAMPAIGN',
        label: '创建活动成绩',
        points: r.campaign_points,
        detail: r.campaign_total === null ? '无创建活动成绩' : `${r.campaign_total} × ${v.campaignShare}`,
      },
      {
        code: 'BASE',
        label: '基础分',
        points: r.base_points,
        detail: `${v.base} × ${Math.round((1 - v.campaignShare) * 10000) / 10000}`,
      },
      {
        code: 'FINDINGS',
        label: '督查问题扣分',
        points: -r.finding_points,
        detail:
          SEVERITIES.map((s) => [s, severityCount[s](r)] as const)
            .filter(([, n]) => n > 0)
            .map(([s, n]) => `${findingSeverityLabels[s]}${n}项×${points(s)}`)
            .join('，') || '无',
      },
      {
        code: 'OVERDUE_RECTIFICATIONS',
        label: '整改逾期扣分',
        points: -r.overdue_points,
        detail: `${r.overdue}项×${v.overdueRectificationPoints}`,
      },
      { code: 'CRITICISMS', label: '通报批评扣分', points: -r.criticism_points, detail: `${r.crit}次×${v.criticismPoints}` },
      { code: 'COMMENDATIONS', label: '通报表扬加分', points: r.commendation_points, detail: `${r.comm}次×${v.commendationPoints}` },
    ],
  };
}
