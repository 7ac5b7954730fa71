import { subtreeOf } from '../../auth/scope';
import { RequestContext } from '../../graphql/context';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { frameworkService } from '../framework/framework.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { EvaluationState } from './evaluation.entity';
import { evaluationError } from './evaluation.errors';
import { evaluationService } from './evaluation.service';
import { CriterionMapping, leavesOf, sourcesOf } from './version-upgrade.service';

/** One campaign's column: the org's own stored result. */
export interface ComparisonColumn {
  campaign: Campaign;
  year: number;
  total: number | null;
  grade: string | null;
  gradeLabel: string | null;
  attained: boolean | null;
  complete: boolean | null;
}

/** One campaign's figures over the org's subtree (eligible orgs of the campaign's kinds, not archived). */
export interface SubtreeComparison {
  campaign: Campaign;
  eligible: number;
  evaluated: number;
  attained: number;
  meanTotal: number | null;
}

/** A criterion of the newest campaign's version, with the org's share of its maximum in each campaign. */
export interface CriterionComparison {
  code: string;
  title: string;
  dimension: boolean;
  ratios: (number | null)[];
}

export interface ResultComparison {
  org: Org;
  columns: ComparisonColumn[];
  subtree: SubtreeComparison[];
  criteria: CriterionComparison[];
}

const round4 = (n: number) => Math.round(n * 10000) / 10000;

export const resultComparisonService = {
  /**
   * An org's results compared across campaigns (oldest first; the source's 2013 and 2014 years):
   * total, grade and attainment; the subtree's eligible, evaluated and attained orgs and mean total;
   * and every criterion of the newest campaign's version with the org's share of its maximum in each,
   * an older version's criteria reached by code or through `mapping` (as for a version upgrade; an
   * old criterion nobody maps is simply not shown). The per-criterion share combines the org's
   * accepted evaluations (the latest of each kind) with the rule's kind weights, as its result does.
   * Read only by a viewer who reads the org fully.
   */
  async compare(ctx: RequestContext, orgId: string, campaignIds: string[], mapping: CriterionMapping[]): Promise<ResultComparison> {
    const org = await orgService.getInScopeOrThrow(ctx, orgId);
    const campaigns = (await Promise.all(campaignIds.map((id) => campaignService.getOrThrow(ctx, id)))).sort((a, b) =>
      a.startsOn === b.startsOn ? a.createdAt.getTime() - b.createdAt.getTime() : a.startsOn < b.startsOn ? -1 : 1,
    );
    const newest = campaigns[campaigns.length - 1];
    const newestCriteria = await frameworkService.criteriaOf(ctx, newest.versionId);
    const newestLeaves = leavesOf(newestCriteria);

    const columns: ComparisonColumn[] = [];
    const subtree: SubtreeComparison[] = [];
    const ratioColumns: Map<string, number | null>[] = [];
    for (const campaign of campaigns) {
      const version = await frameworkService.getVersion(ctx, campaign.versionId);
      const result = await campaignService.result(ctx, campaign.id, org.id);
      columns.push({
        campaign,
        year: Number(campaign.startsOn.slice(0, 4)),
        total: result?.total ?? null,
        grade: result?.grade ?? null,
        gradeLabel: result ? (version.rule.grades.find((g) => g.code === result.grade)?.label ?? result.grade) : null,
        attained: result?.attained ?? null,
        complete: result?.complete ?? null,
      });
      const [figures] = await ctx.tx.query<{ eligible: number; evaluated: number; attained: number; mean: number | null }>(
        `SELECT count(*)::int AS eligible, count(r.org_id)::int AS evaluated, count(*) FILTER (WHERE r.attained)::int AS attained,
                round(avg(r.total), 2)::float8 AS mean
           FROM orgs o
           LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = $2 AND r.org_id = o.id
          WHERE o.tenant_id = $1 AND ${subtreeOf('o', 3)} AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL`,
        [campaign.tenantId, campaign.id, org.path, campaign.eligibleKinds],
      );
      subtree.push({
        campaign,
        eligible: figures.eligible,
        evaluated: figures.evaluated,
        attained: figures.attained,
        meanTotal: figures.mean,
      });

      // the org's share of each criterion's maximum, by code, over its accepted evaluations
      const accepted = new Map<string, Awaited<ReturnType<typeof evaluationService.forOrg>>[number]>();
      for (const e of await evaluationService.forOrg(ctx, campaign.id, org.id)) {
        if (e.state !== EvaluationState.ACCEPTED) continue;
        const seen = accepted.get(e.kind);
        if (!seen || (e.reviewedAt?.getTime() ?? 0) > (seen.reviewedAt?.getTime() ?? 0)) accepted.set(e.kind, e);
      }
      const sums = new Map<string, { weighted: number; weight: number }>();
      for (const e of accepted.values()) {
        const weight = version.rule.kindWeights.find((w) => w.kind === e.kind)?.weight ?? 0;
        if (weight <= 0) continue;
        const [score, criteria] = await Promise.all([
          evaluationService.score(ctx, e),
          frameworkService.criteriaOf(ctx, e.versionId ?? campaign.versionId),
        ]);
        const scoredLeaves = leavesOf(criteria);
        for (const c of criteria) {
          const node = score.nodes.get(c.id);
          // a leaf counts once scored; a parent always (its share is its children's)
          if (!node?.scored && scoredLeaves.get(c.code) === c) continue;
          const sum = sums.get(c.code) ?? { weighted: 0, weight: 0 };
          sum.weighted += (node?.ratio ?? 0) * weight;
          sum.weight += weight;
          sums.set(c.code, sum);
        }
      }
      const ratios = new Map([...sums].map(([code, s]) => [code, s.weight > 0 ? round4(s.weighted / s.weight) : null]));

      if (campaign === newest) {
        ratioColumns.push(ratios);
        continue;
      }
      // an older version: leaves through the mapping (or the same code), dimensions and other nodes by code
      const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
      const leaves = leavesOf(criteria);
      const { problems, sources } = sourcesOf(mapping, leaves, newestLeaves);
      const wrong = problems.filter((p) => p.reason !== 'UPGRADE_UNMAPPED');
      if (wrong.length)
        throw evaluationError('UPGRADE_INVALID_MAPPING', { field: 'mapping', params: { count: wrong.length }, problems: wrong });
      const column = new Map<string, number | null>();
      for (const c of newestCriteria) {
        const from = newestLeaves.has(c.code) ? (sources.get(c.code) ?? []) : [c.code];
        const known = from.flatMap((code) => {
          const r = ratios.get(code);
          const weight = leaves.get(code)?.weight ?? 1;
          return r === null || r === undefined ? [] : [{ r, weight: weight > 0 ? weight : 1 }];
        });
        column.set(
          c.code,
          known.length ? round4(known.reduce((s, k) => s + k.r * k.weight, 0) / known.reduce((s, k) => s + k.weight, 0)) : null,
        );
      }
      ratioColumns.push(column);
    }
    return {
      org,
      columns,
      subtree,
      criteria: newestCriteria.map((c) => ({
        code: c.code,
        title: c.title,
        dimension: c.parentId === null,
        ratios: ratioColumns.map((column) => column.get(c.code) ?? null),
      })),
    };
  },
};
