import { RequestContext } from '../../graphql/context';
import { decodeGlobalId } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { OrgCategory, orgCategoryLabels } from '../org/org.entity';
import { FederationGrantKind, LinkedTenant, TenantLink, TenantLinkSide, TenantLinkState } from './federation.entity';
import { federationError } from './federation.errors';
import { federationService, requireRootAdmin } from './federation.service';
import { todayOf } from '../../graphql/today';

export const MAX_GRANT_DEPTH = 5;

/** A grant as either party reads it. */
export interface GrantView {
  kind: FederationGrantKind;
  depth: number | null;
  campaignName: string | null;
  grantedAt: Date | null;
}

export interface Counts {
  eligible: number;
  evaluated: number;
  attained: number;
}

export interface FederatedProgress extends Counts {
  campaignName: string | null;
  depth: number;
  ratio: number;
  targetRatio: number | null;
  onTrack: boolean | null;
  byCategory: (Counts & { category: OrgCategory; categoryLabel: string; ratio: number })[];
  byOrg: (Counts & { depth: number; name: string; path: string[]; ratio: number })[];
  againstOurFramework: boolean;
  averageTotal: number | null;
  items: { code: string; title: string; evaluated: number; average: number | null; maxPoints: number | null }[];
}

export interface FederatedAssessment {
  year: number;
  ruleSet: boolean;
  assessed: number;
  average: number | null;
  highest: number | null;
  lowest: number | null;
}

export interface FederatedSupervision {
  year: number;
  inspections: number;
  findings: number;
  overdueRectifications: number;
}

export interface FederatedBureau {
  linkId: string;
  tenant: LinkedTenant;
  grantedKinds: FederationGrantKind[];
  progress: FederatedProgress | null;
  assessment: FederatedAssessment | null;
  supervision: FederatedSupervision | null;
}

export interface FederationYearEnd extends Counts {
  year: number;
  targetRatio: number | null;
  ratio: number;
  onTrack: boolean | null;
  bureausOnTrack: number;
  bureausLagging: number;
  assessed: number;
  averageAssessment: number | null;
  inspections: number;
  findings: number;
  overdueRectifications: number;
}

export interface FederationOverview {
  asOf: string;
  year: number;
  targetCampaignName: string | null;
  targetRatio: number | null;
  targetDueOn: string | null;
  bureaus: FederatedBureau[];
  lagging: FederatedBureau[];
  yearEnd: FederationYearEnd;
}

export const ratioOf = (c: Counts) => (c.eligible ? Math.round((c.attained / c.eligible) * 10000) / 10000 : 0);

export const federationGrantService = {
  /** What the link carries: the subordinate reads its own grants; the superior what it was granted. */
  async grants(ctx: RequestContext, link: TenantLink): Promise<GrantView[]> {
    if (link.side === TenantLinkSide.SUBORDINATE) {
      const rows = await ctx.tx.query<{ kind: FederationGrantKind; depth: number | null; granted_at: Date; campaign_name: string | null }>(
        `SELECT g.kind, g.depth, g.granted_at, c.name AS campaign_name FROM tenant_link_grants g
           LEFT JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
          WHERE g.tenant_id = $1 AND g.link_id = $2 ORDER BY g.kind`,
        [link.tenantId, link.id],
      );
      return rows.map((r) => ({ kind: r.kind, depth: r.depth, campaignName: r.campaign_name, grantedAt: r.granted_at }));
    }
    const granted = await this.granted(ctx);
    const mine = granted.find((g) => g.link_id === link.id);
    return (mine?.kinds ?? []).map((kind) => ({
      kind,
      depth: kind === FederationGrantKind.PROGRESS ? (mine?.depth ?? null) : null,
      campaignName: kind === FederationGrantKind.PROGRESS ? (mine?.campaign_name ?? null) : null,
      grantedAt: null,
    }));
  },

  /** The caller's subordinates that granted it something (one definer call per request). */
  async granted(ctx: RequestContext) {
    return ctx
      .loader<string, GrantedRow[]>('federation.granted', async (keys) => {
        const rows = await ctx.tx.query<GrantedRow>(`SELECT * FROM app_federation_granted()`);
        return keys.map(() => rows);
      })
      .load('all');
  },

  /** The subordinate's root admin grants (or changes) one kind of aggregates over an active link. */
  async grant(
    ctx: RequestContext,
    input: { linkId: string; kind: FederationGrantKind; campaignId?: string | null; depth?: number | null },
  ): Promise<TenantLink> {
    const viewer = requireRootAdmin(ctx);
    const link = await federationService.byGlobalId(ctx, input.linkId);
    if (link.side !== TenantLinkSide.SUBORDINATE) throw federationError('FEDERATION_NOT_SUBORDINATE', 'input.linkId');
    if (link.state !== TenantLinkState.ACTIVE) throw federationError('FEDERATION_LINK_NOT_ACTIVE', 'input.linkId');
    let campaign: Campaign | null = null;
    let depth: number | null = null;
    if (input.kind === FederationGrantKind.PROGRESS) {
      if (!input.campaignId) throw federationError('FEDERATION_CAMPAIGN_REQUIRED', 'input.campaignId');
      const decoded = decodeGlobalId(input.campaignId);
      campaign = decoded?.type === 'Campaign' ? await campaignService.findById(ctx, decoded.id) : null;
      if (!campaign) throw federationError('FEDERATION_CAMPAIGN_NOT_FOUND', 'input.campaignId');
      depth = input.depth ?? 1;
      if (!Number.isInteger(depth) || depth < 0 || depth > MAX_GRANT_DEPTH)
        throw federationError('FEDERATION_DEPTH_OUT_OF_RANGE', { field: 'input.depth', params: { max: MAX_GRANT_DEPTH } });
    } else if (input.campaignId || (input.depth !== undefined && input.depth !== null)) {
      throw federationError('FEDERATION_PROGRESS_ONLY', input.campaignId ? 'input.campaignId' : 'input.depth');
    }
    await ctx.tx.execute(
      `INSERT INTO tenant_link_grants (tenant_id, link_id, kind, depth, campaign_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, link_id, kind) DO UPDATE SET depth = EXCLUDED.depth, campaign_id = EXCLUDED.campaign_id, granted_at = now()`,
      [viewer.tenantId, link.id, input.kind, depth, campaign?.id ?? null],
    );
    return link;
  },

  /** The subordinate withdraws a grant: the superior's next request reads nothing of that kind. */
  async revoke(ctx: RequestContext, input: { linkId: string; kind: FederationGrantKind }): Promise<TenantLink> {
    const viewer = requireRootAdmin(ctx);
    const link = await federationService.byGlobalId(ctx, input.linkId);
    if (link.side !== TenantLinkSide.SUBORDINATE) throw federationError('FEDERATION_NOT_SUBORDINATE', 'input.linkId');
    const removed = await ctx.tx.execute(`DELETE FROM tenant_link_grants WHERE tenant_id = $1 AND link_id = $2 AND kind = $3`, [
      viewer.tenantId,
      link.id,
      input.kind,
    ]);
    if (!removed) throw federationError('FEDERATION_GRANT_NOT_FOUND', 'input.kind');
    return link;
  },

  /**
   * The superior's consolidated view over every subordinate that granted it something: each bureau's
   * progress against the superior's target (a campaign of its own: its target in force on `asOf`), the
   * lagging bureaus (below that target, lowest first), the year's assessment and supervision totals,
   * and the year-end figure (every bureau together against the target in force at the year's end).
   * Where a bureau's campaign runs a framework this tenant handed down, its figures are counted
   * against that framework (campaign_results.superior), with the mean score on each of its dimensions.
   * Five statements whatever the number of bureaus: each definer function once per granted link.
   */
  async overview(
    ctx: RequestContext,
    args: { campaignId?: string | null; year?: number | null; asOf?: string | null },
  ): Promise<FederationOverview> {
    const viewer = requireRootAdmin(ctx);
    const asOf = args.asOf ?? todayOf(ctx);
    const year = args.year ?? Number(asOf.slice(0, 4));
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw federationError('FEDERATION_YEAR_OUT_OF_RANGE', 'year');
    let campaign: Campaign | null;
    if (args.campaignId) {
      const decoded = decodeGlobalId(args.campaignId);
      campaign = decoded?.type === 'Campaign' ? await campaignService.findById(ctx, decoded.id) : null;
      if (!campaign) throw federationError('FEDERATION_CAMPAIGN_NOT_FOUND', 'campaignId');
    } else {
      const [latest] = await ctx.tx.query<{ id: string }>(
        `SELECT id FROM campaigns WHERE tenant_id = $1 AND starts_on <= $2::date ORDER BY (ends_on >= $2::date) DESC, starts_on DESC, id LIMIT 1`,
        [viewer.tenantId, asOf],
      );
      campaign = latest ? await campaignService.findById(ctx, latest.id) : null;
    }
    const target = campaign ? await campaignService.targetInForce(ctx, campaign, asOf) : null;
    const yearEndTarget = campaign ? await campaignService.targetInForce(ctx, campaign, `${year}-12-31`) : null;

    const granted = await this.granted(ctx);
    const [progressRows, itemRows, assessmentRows, supervisionRows] = granted.length
      ? await Promise.all([
          ctx.tx.query<ProgressRow>(
            `SELECT g.link_id, p.* FROM app_federation_granted() g, LATERAL app_federation_progress(g.link_id) p WHERE 'PROGRESS' = ANY(g.kinds)`,
          ),
          ctx.tx.query<ItemRow>(
            `SELECT g.link_id, i.* FROM app_federation_granted() g, LATERAL app_federation_items(g.link_id) i WHERE 'PROGRESS' = ANY(g.kinds)`,
          ),
          ctx.tx.query<AssessmentRow>(
            `SELECT g.link_id, a.* FROM app_federation_granted() g, LATERAL app_federation_assessment(g.link_id, $1) a WHERE 'ASSESSMENT' = ANY(g.kinds)`,
            [year],
          ),
          ctx.tx.query<SupervisionRow>(
            `SELECT g.link_id, s.* FROM app_federation_granted() g, LATERAL app_federation_supervision(g.link_id, $1) s WHERE 'SUPERVISION' = ANY(g.kinds)`,
            [year],
          ),
        ])
      : [[], [], [], []];

    const targetRatio = target ? Number(target.ratio) : null;
    const bureaus: FederatedBureau[] = granted.map((g) => {
      const rows = progressRows.filter((r) => r.link_id === g.link_id);
      const total = rows.find((r) => r.grp === 'TOTAL');
      const items = itemRows.filter((r) => r.link_id === g.link_id);
      const adopted = items.find((r) => r.code === null)?.adopted ?? false;
      const a = assessmentRows.find((r) => r.link_id === g.link_id);
      const s = supervisionRows.find((r) => r.link_id === g.link_id);
      const counts = (r: ProgressRow): Counts => ({ eligible: r.eligible, evaluated: r.evaluated, attained: r.attained });
      const progress: FederatedProgress | null = total
        ? {
            campaignName: g.campaign_name,
            depth: g.depth ?? 0,
            ...counts(total),
            ratio: ratioOf(total),
            targetRatio,
            onTrack: targetRatio === null ? null : ratioOf(total) >= targetRatio,
            byCategory: rows
              .filter((r) => r.grp === 'CATEGORY' && r.category)
              .map((r) => ({
                ...counts(r),
                category: r.category as OrgCategory,
                categoryLabel: orgCategoryLabels[r.category as OrgCategory],
                ratio: ratioOf(r),
              })),
            byOrg: rows
              .filter((r) => r.grp === 'ORG')
              .map((r) => ({ ...counts(r), depth: r.depth, path: r.names ?? [], name: (r.names ?? []).at(-1) ?? '', ratio: ratioOf(r) })),
            againstOurFramework: adopted,
            averageTotal: adopted ? (items.find((r) => r.code === null)?.average ?? null) : null,
            items: adopted
              ? items
                  .filter((r): r is ItemRow & { code: string } => r.code !== null)
                  .map((r) => ({
                    code: r.code,
                    title: r.title ?? r.code,
                    evaluated: r.evaluated,
                    average: r.average,
                    maxPoints: r.max_points,
                  }))
              : [],
          }
        : null;
      return {
        linkId: g.link_id,
        tenant: { slug: g.slug, name: g.name },
        grantedKinds: g.kinds,
        progress,
        assessment: a
          ? { year, ruleSet: a.rule_set, assessed: a.assessed, average: a.average, highest: a.highest, lowest: a.lowest }
          : null,
        supervision: s ? { year, inspections: s.inspections, findings: s.findings, overdueRectifications: s.overdue_rectifications } : null,
      };
    });
    const lagging = bureaus
      .filter((b) => b.progress?.onTrack === false)
      .sort((x, y) => (x.progress?.ratio ?? 0) - (y.progress?.ratio ?? 0) || x.tenant.slug.localeCompare(y.tenant.slug));
    const sum = (f: (b: FederatedBureau) => number) => bureaus.reduce((n, b) => n + f(b), 0);
    const all: Counts = {
      eligible: sum((b) => b.progress?.eligible ?? 0),
      evaluated: sum((b) => b.progress?.evaluated ?? 0),
      attained: sum((b) => b.progress?.attained ?? 0),
    };
    const yearEndRatio = yearEndTarget ? Number(yearEndTarget.ratio) : null;
    const assessed = sum((b) => b.assessment?.assessed ?? 0);
    const weighted = sum((b) => (b.assessment?.average ?? 0) * (b.assessment?.assessed ?? 0));
    return {
      asOf,
      year,
      targetCampaignName: campaign?.name ?? null,
      targetRatio,
      targetDueOn: target ? toDateString(target.dueOn) : null,
      bureaus,
      lagging,
      yearEnd: {
        year,
        ...all,
        ratio: ratioOf(all),
        targetRatio: yearEndRatio,
        onTrack: yearEndRatio === null ? null : ratioOf(all) >= yearEndRatio,
        bureausOnTrack: bureaus.filter((b) => b.progress && yearEndRatio !== null && b.progress.ratio >= yearEndRatio).length,
        bureausLagging: bureaus.filter((b) => b.progress && yearEndRatio !== null && b.progress.ratio < yearEndRatio).length,
        assessed,
        averageAssessment: assessed ? Math.round((weighted / assessed) * 100) / 100 : null,
        inspections: sum((b) => b.supervision?.inspections ?? 0),
        findings: sum((b) => b.supervision?.findings ?? 0),
        overdueRectifications: sum((b) => b.supervision?.overdueRectifications ?? 0),
      },
    };
  },
};

interface GrantedRow {
  link_id: string;
  slug: string;
  name: string;
  kinds: FederationGrantKind[];
  depth: number | null;
  campaign_name: string | null;
}

interface ProgressRow extends Counts {
  link_id: string;
  grp: 'TOTAL' | 'CATEGORY' | 'ORG';
  category: string | null;
  depth: number;
  names: string[] | null;
}

interface ItemRow {
  link_id: string;
  adopted: boolean;
  code: string | null;
  title: string | null;
  evaluated: number;
  average: number | null;
  max_points: number | null;
}

interface AssessmentRow {
  link_id: string;
  rule_set: boolean;
  assessed: number;
  average: number | null;
  highest: number | null;
  lowest: number | null;
}

interface SupervisionRow {
  link_id: string;
  inspections: number;
  findings: number;
  overdue_rectifications: number;
}
