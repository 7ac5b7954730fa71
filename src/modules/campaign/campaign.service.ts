import { UserViewer, hasRoleOver, isAncestorOrSelf } from '../../auth/viewer';
import { inScope, scopedRootsUnder, subtreeOf, visibleOrgSql } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { Problem } from '../../graphql/errors';
import { Order, OrderColumn, OrderDirection, OrderSpec, orderedPage } from '../../graphql/order';
import { Page, decodeTypedCursor, encodeCursor, pageFrom, rawIdOf } from '../../graphql/relay';
import { FileChanges, fileService } from '../file/file.service';
import { FrameworkVersion } from '../framework/framework.entity';
import { frameworkError } from '../framework/framework.errors';
import { frameworkService } from '../framework/framework.service';
import { Org, OrgCategory, OrgKind, orgCategoryLabels } from '../org/org.entity';
import { JoinedToPage, orgService } from '../org/org.service';
import { Alongside, findInScope } from '../org/scoped';
import { RequestTransaction, Statement } from '../../db/request-transaction';
import { tenantService } from '../tenant/tenant.service';
import { userService } from '../user/user.service';
import { Role } from '../../auth/roles';
import { CampaignResult } from '../evaluation/evaluation.entity';
import {
  Campaign,
  CampaignDeadline,
  CampaignOrderField,
  CampaignPhase,
  CampaignTarget,
  DeadlineSubmission,
  DeadlineSubmissionEvent,
  SubmissionAction,
  SubmissionStatus,
} from './campaign.entity';
import { campaignError, scheduleProblem } from './campaign.errors';
import { progressCounts } from './progress-counts';
import { columnsOf, hydrate } from '../../db/hydrate';
import { todayOf } from '../../graphql/today';
import { countUnderLock } from '../../db/advisory-lock';

export interface CreateCampaignInput {
  name: string;
  versionId: string;
  scopeOrgId: string;
  eligibleKinds: OrgKind[];
  startsOn: string;
  endsOn: string;
  phases: { name: string; startsOn: string; endsOn: string }[];
  deadlines: { code: string; name: string; dueOn: string; orgKinds: OrgKind[]; relativeDepth?: number | null }[];
  targets: { dueOn: string; ratio: number }[];
}

export interface ProgressCounts {
  eligible: number;
  evaluated: number;
  attained: number;
}

export interface ProgressFigures extends ProgressCounts {
  scope: Org;
  asOf: string;
  target: CampaignTarget | null;
  byCategory: (ProgressCounts & { category: OrgCategory })[];
  byChild: (ProgressCounts & { orgId: string })[];
}

/** The progress of a subtree as the API answers it: ratios, the target's verdict, labelled categories, child orgs. */
export interface ProgressView extends ProgressCounts {
  campaign: Campaign;
  scope: Org;
  asOf: string;
  ratio: number;
  target: CampaignTarget | null;
  onTrack: boolean;
  byCategory: (ProgressCounts & { category: OrgCategory; categoryLabel: string; ratio: number })[];
  byChild: (ProgressCounts & { org: Org; ratio: number })[];
}

export interface LaggingRow {
  org: Org;
  result: CampaignResult | null;
}

/** An org in a ranking (rank set) or among the lagging (rank null), with where its page cursor stands. */
export interface Standing extends LaggingRow {
  rank: number | null;
  cursor: string;
}

export interface DeadlineRow {
  org: Org;
  status: SubmissionStatus;
  submission: DeadlineSubmission | null;
  cursor: string;
}

export interface DeadlineSummary {
  owed: number;
  onTime: number;
  late: number;
  returned: number;
  missing: number;
}

export interface SubmissionStep {
  action: SubmissionAction;
  reason: string | null;
  byName: string | null;
  at: Date;
}

const ADMIN = [Role.TENANT_ADMIN];
/**
 * Campaigns one scope org may have: each one keeps counts and standings over every eligible org of its scope, and
 * every change of those orgs updates every campaign over them, so an admin (of a subtree too) starts a bounded number.
 */
export const MAX_CAMPAIGNS_PER_SCOPE_ORG = 100;
/** Officers who may return a submission of an org below them. */
const REVIEWERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

/**
 * The org's own officer: a SECRETARY or SUPERVISOR assigned to the org itself (a 直属党委's 书记 holds
 * SUPERVISOR over its committee and acts for it, as a branch secretary acts for its branch).
 */
export function isOwnOfficer(viewer: UserViewer, org: Org): boolean {
  return viewer.roles.some((r) => (r.role === Role.SECRETARY || r.role === Role.SUPERVISOR) && r.orgId === org.id);
}

export const toDateString = (d: Date | string): string => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));
const uuidOfLabel = (label: string) =>
  `${label.slice(0, 8)}-${label.slice(8, 12)}-${label.slice(12, 16)}-${label.slice(16, 20)}-${label.slice(20)}`;
const ratioOf = (c: ProgressCounts) => (c.eligible ? Math.round((c.attained / c.eligible) * 10000) / 10000 : 0);
const ZERO: ProgressCounts = { eligible: 0, evaluated: 0, attained: 0 };
const counts = (r: ProgressCounts): ProgressCounts => ({ eligible: r.eligible, evaluated: r.evaluated, attained: r.attained });
const CATEGORY_ORDER = Object.values(OrgCategory);
const sortCategories = <T extends { category: OrgCategory }>(rows: T[]) =>
  rows.sort((a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category));
/**
 * The maintained counts describe today: progress as of today (or later, whose figures are today's
 * too) reads them; a past date reads the tables (the scan).
 */
const countsApply = (ctx: RequestContext, asOf: string) => asOf >= todayOf(ctx);

/** A subtree's figures without the scope, date and target. */
type Figures = Omit<ProgressFigures, 'scope' | 'asOf' | 'target'>;

/**
 * The orgs of the campaign inside `under` that count: eligible kind, not archived, with their stored
 * result. One shared FROM/WHERE over $1 tenant, $2 campaign, $3 the subtree's path, $4 the kinds.
 */
const ELIGIBLE_SQL = `
  FROM orgs o
  LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = $2 AND r.org_id = o.id
 WHERE o.tenant_id = $1 AND ${subtreeOf('o', 3)} AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL`;

/**
 * Who owes a deadline inside a subtree, with each one's status: $1 tenant, $2 deadline, $3 the subtree's
 * path, $4 the kinds, $5 the relative depth, $6 the due date, $7 the tenant's time zone, $8 the scope
 * org's depth. Owed from the org's founding: one established after the due date does not owe it.
 */
const STATUS_SQL = `CASE WHEN s.id IS NULL THEN 'MISSING'
       WHEN s.state = 'RETURNED' THEN 'RETURNED'
       WHEN (s.first_submitted_at AT TIME ZONE $7)::date > $6::date THEN 'LATE' ELSE 'ON_TIME' END`;
const OWING_SQL = `
  FROM orgs o
  LEFT JOIN deadline_submissions s ON s.tenant_id = o.tenant_id AND s.deadline_id = $2 AND s.org_id = o.id
 WHERE o.tenant_id = $1 AND ${subtreeOf('o', 3)} AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL
   AND ($5::int IS NULL OR nlevel(o.path) = $8 + $5)
   AND (o.established_on IS NULL OR o.established_on <= $6::date)`;

export interface CampaignFilter {
  /** Only campaigns running on this day ('YYYY-MM-DD'): started and not yet ended. */
  activeOn?: string | null;
  /** Only campaigns on a version of this framework. */
  frameworkId?: string;
}

const CREATED: OrderColumn = { sql: 'c.created_at', type: 'timestamptz' };

export const CAMPAIGN_ORDER: OrderSpec<CampaignOrderField> = {
  list: 'campaigns',
  id: 'c.id',
  fields: {
    STARTS_ON: [{ sql: 'c.starts_on', type: 'date' }, CREATED],
    ENDS_ON: [{ sql: 'c.ends_on', type: 'date' }, CREATED],
    NAME: [{ sql: 'c.name', type: 'text' }, CREATED],
    CREATED_AT: [CREATED],
  },
  default: { field: CampaignOrderField.STARTS_ON, direction: OrderDirection.DESC },
};

export const campaignService = {
  /** Visible when its scope org is: inside the viewer's scope, or above it (the viewer's org takes part). */
  async findById(ctx: RequestContext, id: string): Promise<Campaign | null> {
    const campaign = await loadCampaign(ctx, id);
    if (!campaign || !(await orgService.findById(ctx, campaign.scopeOrgId))) return null;
    return campaign;
  },

  /**
   * The campaign a record the viewer already reads belongs to (an evaluation, a result), without the
   * viewer's campaign filter: for that record's own figures (criteria, grade bands) when its org moved
   * out of the campaign's scope. Never hand it to the client as the campaign itself.
   */
  async ofRecord(ctx: RequestContext, id: string): Promise<Campaign> {
    const campaign = await loadCampaign(ctx, id);
    if (!campaign) throw campaignError('CAMPAIGN_NOT_FOUND');
    return campaign;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Campaign> {
    const campaign = await this.findById(ctx, id);
    if (!campaign) throw campaignError('CAMPAIGN_NOT_FOUND');
    return campaign;
  },

  /**
   * A campaign the viewer reads (as getOrThrow), locked FOR UPDATE until the transaction ends and read again
   * as it stands under the lock: a change of the whole campaign (its version) against writes that hold it.
   */
  async lockOrThrow(ctx: RequestContext, id: string): Promise<Campaign> {
    const seen = await this.getOrThrow(ctx, id);
    await ctx.tx.query(`SELECT 1 AS one FROM campaigns WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [seen.tenantId, seen.id]);
    ctx.forget('campaign.byId');
    return this.getOrThrow(ctx, id);
  },

  /**
   * A campaign the viewer reads (as getOrThrow), held FOR SHARE until the transaction ends and read again as it
   * stands under the lock: a write that depends on the campaign's version (an inspection's score sheet) against a
   * version upgrade, which holds it FOR UPDATE (lockOrThrow) from its plan to its commit.
   */
  async holdOrThrow(ctx: RequestContext, id: string): Promise<Campaign> {
    const seen = await this.getOrThrow(ctx, id);
    await ctx.tx.query(`SELECT 1 AS one FROM campaigns WHERE tenant_id = $1 AND id = $2 FOR SHARE`, [seen.tenantId, seen.id]);
    ctx.forget('campaign.byId');
    return this.getOrThrow(ctx, id);
  },

  /**
   * Campaigns the viewer takes part in or oversees (its scope org visible), filtered and in the order
   * asked for (the latest start first by default).
   */
  async list(
    ctx: RequestContext,
    filter: CampaignFilter,
    first: number,
    after?: string | null,
    order?: Order<CampaignOrderField> | null,
  ): Promise<Page<Campaign>> {
    const viewer = requireUser(ctx);
    const visible = visibleOrgSql(viewer, 'o');
    const build = () => {
      const qb = ctx.tx
        .repository(Campaign)
        .createQueryBuilder('c')
        .innerJoin('orgs', 'o', 'o.tenant_id = c.tenant_id AND o.id = c.scope_org_id')
        .where('c.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(visible.sql, visible.params);
      if (filter.activeOn) qb.andWhere('c.starts_on <= CAST(:day AS date) AND c.ends_on >= CAST(:day AS date)', { day: filter.activeOn });
      if (filter.frameworkId) {
        qb.andWhere(
          'EXISTS (SELECT 1 FROM framework_versions v WHERE v.tenant_id = c.tenant_id AND v.id = c.version_id AND v.framework_id = :framework)',
          { framework: filter.frameworkId },
        );
      }
      return qb;
    };
    return orderedPage(build, CAMPAIGN_ORDER, order, first, after);
  },

  async version(ctx: RequestContext, campaign: Campaign): Promise<FrameworkVersion> {
    return frameworkService.getVersion(ctx, campaign.versionId);
  },

  /** The campaign's scope org (visible with the campaign). */
  async scopeOrg(ctx: RequestContext, campaign: Campaign): Promise<Org> {
    return orgService.getOrThrow(ctx, campaign.scopeOrgId);
  },

  async create(ctx: RequestContext, input: CreateCampaignInput): Promise<Campaign> {
    const viewer = requireUser(ctx);
    const scope = await orgService.getOrThrow(ctx, input.scopeOrgId);
    await orgService.lockLive(
      ctx,
      scope,
      (o) => {
        if (!inScope(viewer, o.path, ADMIN)) throw campaignError('NOT_CAMPAIGN_ADMIN');
      },
      'input.scopeOrgId',
    );
    // a scope org's campaigns are bounded: counted under a lock per scope org, so concurrent creates pass the count one at a time
    const { count } = await countUnderLock(
      ctx.tx,
      `campaigns:${viewer.tenantId}:${scope.id}`,
      `SELECT count(*)::int AS count FROM campaigns WHERE tenant_id = $1 AND scope_org_id = $2`,
      [viewer.tenantId, scope.id],
    );
    if (count >= MAX_CAMPAIGNS_PER_SCOPE_ORG)
      throw campaignError('TOO_MANY_CAMPAIGNS', {
        field: 'input.scopeOrgId',
        params: { org: scope.name, count, limit: MAX_CAMPAIGNS_PER_SCOPE_ORG },
      });
    const version = await frameworkService.holdPublished(ctx, input.versionId, () =>
      frameworkError('VERSION_NOT_PUBLISHED', 'input.versionId'),
    );
    const problems = scheduleProblems(input);
    if (problems.length) throw campaignError('INVALID_SCHEDULE', { field: problems[0].path, params: { count: problems.length }, problems });

    const repo = ctx.tx.repository(Campaign);
    const campaign = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        name: input.name,
        versionId: version.id,
        scopeOrgId: scope.id,
        eligibleKinds: [...new Set(input.eligibleKinds)],
        startsOn: input.startsOn,
        endsOn: input.endsOn,
      }),
    );
    const t = viewer.tenantId;
    if (input.phases.length) {
      await ctx.tx.execute(
        `INSERT INTO campaign_phases (tenant_id, campaign_id, position, name, starts_on, ends_on)
         SELECT $1, $2, p.ord - 1, p.name, p.starts_on, p.ends_on FROM unnest($3::text[], $4::date[], $5::date[]) WITH ORDINALITY AS p(name, starts_on, ends_on, ord)`,
        [t, campaign.id, input.phases.map((p) => p.name), input.phases.map((p) => p.startsOn), input.phases.map((p) => p.endsOn)],
      );
    }
    if (input.deadlines.length) {
      // all of them (up to 50) in one statement: each deadline's kinds are a list of their own, so they travel as JSON
      await ctx.tx.execute(
        `INSERT INTO campaign_deadlines (tenant_id, campaign_id, code, name, due_on, org_kinds, relative_depth)
         SELECT $1, $2, d.code, d.name, d.due_on, ARRAY(SELECT jsonb_array_elements_text(d.org_kinds)), d.relative_depth
           FROM jsonb_to_recordset($3::jsonb) AS d(code text, name text, due_on date, org_kinds jsonb, relative_depth integer)`,
        [
          t,
          campaign.id,
          JSON.stringify(
            input.deadlines.map((d) => ({
              code: d.code,
              name: d.name,
              due_on: d.dueOn,
              org_kinds: [...new Set(d.orgKinds)],
              relative_depth: d.relativeDepth ?? null,
            })),
          ),
        ],
      );
    }
    if (input.targets.length) {
      await ctx.tx.execute(
        `INSERT INTO campaign_targets (tenant_id, campaign_id, due_on, ratio) SELECT $1, $2, * FROM unnest($3::date[], $4::numeric[])`,
        [t, campaign.id, input.targets.map((x) => x.dueOn), input.targets.map((x) => x.ratio)],
      );
    }
    return repo.findOneByOrFail({ tenantId: t, id: campaign.id });
  },

  async phases(ctx: RequestContext, campaign: Campaign): Promise<CampaignPhase[]> {
    return ctx.tx
      .repository(CampaignPhase)
      .find({ where: { tenantId: campaign.tenantId, campaignId: campaign.id }, order: { position: 'ASC' } });
  },

  /** Every phase in force on `asOf` (default today): phases may overlap. */
  async currentPhases(ctx: RequestContext, campaign: Campaign, asOf?: string): Promise<CampaignPhase[]> {
    const day = asOf ?? todayOf(ctx);
    return (await this.phases(ctx, campaign)).filter((p) => p.startsOn <= day && day <= p.endsOn);
  },

  async deadlines(ctx: RequestContext, campaign: Campaign): Promise<CampaignDeadline[]> {
    return ctx.tx
      .repository(CampaignDeadline)
      .find({ where: { tenantId: campaign.tenantId, campaignId: campaign.id }, order: { dueOn: 'ASC', code: 'ASC' } });
  },

  /** The campaign's targets by date (read with the campaign itself; once per request). */
  async targets(ctx: RequestContext, campaign: Campaign): Promise<CampaignTarget[]> {
    return targetsLoader(ctx).load(campaign.id);
  },

  /** The target in force on `asOf`: the first one not yet due, else the last one. */
  async targetInForce(ctx: RequestContext, campaign: Campaign, asOf: string): Promise<CampaignTarget | null> {
    const targets = await this.targets(ctx, campaign);
    return targets.find((t) => t.dueOn >= asOf) ?? targets[targets.length - 1] ?? null;
  },

  async findDeadline(ctx: RequestContext, id: string): Promise<CampaignDeadline | null> {
    const viewer = requireUser(ctx);
    const deadline = await ctx.tx.repository(CampaignDeadline).findOneBy({ tenantId: viewer.tenantId, id });
    return deadline && (await this.findById(ctx, deadline.campaignId)) ? deadline : null;
  },

  /** The campaign of a deadline the viewer reads. */
  async campaignOf(ctx: RequestContext, deadline: CampaignDeadline): Promise<Campaign> {
    return this.getOrThrow(ctx, deadline.campaignId);
  },

  /**
   * The subtree a rollup covers, inside both the campaign and the viewer's scope: `under` when given
   * (an org the viewer reads fully, else NOT_FOUND like any unknown org), otherwise the viewer's own
   * part of the campaign: the campaign's scope org for an officer over it, else the viewer's scope
   * root inside the campaign (a secretary's branch, a supervisor's committee). A viewer holding
   * several separate scopes inside the campaign names one with `under`.
   */
  async rollupScope(ctx: RequestContext, campaign: Campaign, underId: string | null | undefined): Promise<Org> {
    const viewer = requireUser(ctx);
    const scope = await this.scopeOrg(ctx, campaign);
    if (underId) {
      const org = await orgService.getInScopeOrThrow(ctx, underId);
      if (!isAncestorOrSelf(scope.path, org.path)) throw campaignError('OUTSIDE_CAMPAIGN', 'under');
      return org;
    }
    const roots = scopedRootsUnder(viewer, scope.path);
    if (roots.length === 1)
      return roots[0] === scope.path
        ? scope
        : orgService.getInScopeOrThrow(ctx, uuidOfLabel(roots[0].slice(roots[0].lastIndexOf('.') + 1)));
    throw campaignError('UNDER_REQUIRED', { field: 'under', params: { count: roots.length } });
  },

  /**
   * Eligible, evaluated and attained orgs in the subtree, in total, by category and by each direct
   * child's subtree. Today's figures (asOf today or later) come from the maintained counts
   * (progress-counts.ts): the root's and its children's rows, one statement, O(children). A past date
   * reads the tables as they stand (`progressByScan`), as the counts describe today only.
   */
  async progress(ctx: RequestContext, campaign: Campaign, under: Org, asOf: string): Promise<ProgressFigures> {
    const figures = countsApply(ctx, asOf)
      ? await this.progressFromCounts(ctx, campaign, under)
      : await this.progressByScan(ctx, campaign, under);
    return { scope: under, asOf, ...figures, target: await this.targetInForce(ctx, campaign, asOf) };
  },

  /** The figures from the maintained counts: the root's rows by category, each child's summed. */
  async progressFromCounts(ctx: RequestContext, campaign: Campaign, under: Org): Promise<Figures> {
    const whole = under.id === campaign.scopeOrgId;
    const rows = await progressCounts.rootAndChildren(ctx.tx, campaign.tenantId, campaign.id, whole ? null : under.id);
    const add = (a: ProgressCounts, r: ProgressCounts) => ({
      eligible: a.eligible + r.eligible,
      evaluated: a.evaluated + r.evaluated,
      attained: a.attained + r.attained,
    });
    const byCategory = rows.filter((r) => r.org_id === under.id && r.eligible > 0).map((r) => ({ category: r.category, ...counts(r) }));
    const children = new Map<string, ProgressCounts>();
    for (const r of rows) {
      if (r.org_id === under.id) continue;
      if (!children.has(r.org_id)) {
        // a child's first row carries its org (rootAndChildrenStatement)
        const child = hydrate(ctx.tx, Org, 'o', r);
        if (child) orgService.primeIfVisible(ctx, child);
      }
      children.set(r.org_id, add(children.get(r.org_id) ?? ZERO, r));
    }
    return {
      ...byCategory.reduce(add, ZERO),
      byCategory: sortCategories(byCategory),
      byChild: [...children].flatMap(([orgId, c]) => (c.eligible > 0 ? [{ orgId, ...c }] : [])),
    };
  },

  /**
   * The figures by a scan of every eligible org in the subtree: one statement (GROUPING SETS) over the
   * path_key index and the results' key. The recomputation the maintained counts are checked against.
   */
  async progressByScan(ctx: RequestContext, campaign: Campaign, under: Org): Promise<Figures> {
    const rows = await ctx.tx.query<
      ProgressCounts & { g_cat: number; g_child: number; category: OrgCategory | null; child: string | null }
    >(
      `SELECT GROUPING(category) AS g_cat, GROUPING(child) AS g_child, category, child,
                count(*)::int AS eligible,
                count(*) FILTER (WHERE complete)::int AS evaluated,
                count(*) FILTER (WHERE attained)::int AS attained
           FROM (SELECT o.category, r.complete, r.attained,
                        CASE WHEN nlevel(o.path) > $5 THEN subpath(o.path, $5, 1)::text END AS child
                   ${ELIGIBLE_SQL}) e
          GROUP BY GROUPING SETS ((), (category), (child))`,
      [campaign.tenantId, campaign.id, under.path, campaign.eligibleKinds, under.depth],
    );
    const total = rows.find((r) => r.g_cat === 1 && r.g_child === 1) ?? ZERO;
    return {
      ...counts(total),
      byCategory: sortCategories(rows.flatMap((r) => (r.g_cat === 0 && r.category ? [{ category: r.category, ...counts(r) }] : []))),
      byChild: rows.flatMap((r) => (r.g_child === 0 && r.child ? [{ orgId: uuidOfLabel(r.child), ...counts(r) }] : [])),
    };
  },

  /** The progress as the API answers it (asOf defaults to today). */
  async progressView(ctx: RequestContext, campaign: Campaign, underId: string | null, asOf: string | null): Promise<ProgressView> {
    const scope = await this.rollupScope(ctx, campaign, underId);
    const figures = await this.progress(ctx, campaign, scope, asOf ?? todayOf(ctx));
    const children = await Promise.all(figures.byChild.map((c) => orgService.findById(ctx, c.orgId)));
    const ratio = ratioOf(figures);
    return {
      ...figures,
      campaign,
      ratio,
      onTrack: figures.target ? ratio >= figures.target.ratio : true,
      byCategory: figures.byCategory.map((c) => ({ ...c, categoryLabel: orgCategoryLabels[c.category], ratio: ratioOf(c) })),
      byChild: figures.byChild
        .flatMap((c, i) => {
          const org = children[i];
          return org ? [{ eligible: c.eligible, evaluated: c.evaluated, attained: c.attained, org, ratio: ratioOf(c) }] : [];
        })
        .sort((a, b) => a.org.path.localeCompare(b.org.path)),
    };
  },

  /** Eligible orgs that have not attained, the unevaluated first, then by lowest total (工作不力 candidates). */
  async lagging(ctx: RequestContext, campaign: Campaign, under: Org, first: number): Promise<LaggingRow[]> {
    return (await this.laggingPage(ctx, campaign, under, first)).nodes;
  },

  /**
   * The lagging orgs a page at a time: one statement over the maintained standings (one row per
   * eligible org, kept with its results), in the lagging order of their index; the count from the
   * maintained counts (eligible less attained).
   */
  async laggingPage(ctx: RequestContext, campaign: Campaign, under: Org, first: number, after?: string): Promise<Page<Standing>> {
    const params: unknown[] = [campaign.tenantId, campaign.id, under.path, first + 1];
    const cursor = decodeTypedCursor(after, ['smallint', 'numeric', 'text']);
    if (cursor) params.push(...cursor);
    // The campaign's whole scope (the standings hold only its orgs) walks the lagging index in order and
    // stops at the page; a subtree reads its range and sorts it, which the planner may misjudge for a root
    // when the table holds many tenants. Either way the page is cut before its orgs and results are joined.
    const whole = under.id === campaign.scopeOrgId;
    type Row = { org_id: string; k_complete: number; k_total: string; path_key: string } & Record<string, unknown>;
    // the first page over the whole scope (what a progress screen opens on) is the function app_read_lagging
    // (migration 1734230000000), planned once per connection; a subtree or a later page is planned here
    const statement: Statement =
      !cursor && whole
        ? laggingWholeStatement(ctx.tx, campaign.tenantId, campaign.id, first + 1)
        : {
            sql: `SELECT s.org_id, s.lag_rank::int AS k_complete, s.lag_total::text AS k_total, s.path_key,
              ${columnsOf(ctx.tx, Org, 'o')}, ${columnsOf(ctx.tx, CampaignResult, 'r')}
         FROM (SELECT s.tenant_id, s.campaign_id, s.org_id, s.lag_rank, s.lag_total, s.path_key
                 FROM progress_standings s
                WHERE s.tenant_id = $1 AND s.campaign_id = $2 AND NOT s.attained AND ${whole ? '$3::text IS NOT NULL' /* $3 stays in use: the cursor is $5–$7 */ : subtreeOf('s', 3)}
                  ${cursor ? 'AND (s.lag_rank, s.lag_total, s.path_key) > ($5::smallint, $6::numeric, $7::text)' : ''}
                ORDER BY s.lag_rank, s.lag_total, s.path_key LIMIT $4) s
         JOIN orgs o ON o.tenant_id = s.tenant_id AND o.id = s.org_id
         LEFT JOIN campaign_results r ON r.tenant_id = s.tenant_id AND r.campaign_id = s.campaign_id AND r.org_id = s.org_id
        ORDER BY s.lag_rank, s.lag_total, s.path_key`,
            params,
          };
    const rows = await ctx.tx.query<Row>(statement.sql, statement.params);
    // the orgs (inside the rollup's scope, so visible) and their results come with the page: prime their loaders
    for (const row of rows) {
      const org = hydrate(ctx.tx, Org, 'o', row);
      if (org) orgService.prime(ctx, org);
      this.primeResult(ctx, campaign.id, row.org_id, hydrate(ctx.tx, CampaignResult, 'r', row));
    }
    const page = pageFrom(
      rows,
      first,
      after,
      (r) => encodeCursor([r.k_complete, r.k_total, r.path_key]),
      async () => {
        const kept = await progressCounts.kept(ctx.tx, campaign.tenantId, campaign.id, [under.id]);
        return kept.reduce((n, r) => n + r.eligible - r.attained, 0);
      },
    );
    return this.standings(ctx, campaign, page, () => null);
  },

  /** Orgs with a result, best first, with rank (ties share a rank). */
  async ranking(ctx: RequestContext, campaign: Campaign, under: Org, first: number, after?: string): Promise<Page<Standing>> {
    const params: unknown[] = [campaign.tenantId, campaign.id, under.path, campaign.eligibleKinds, first + 1];
    const cursor = decodeTypedCursor(after, ['numeric', 'text']);
    if (cursor) params.push(...cursor);
    // the rank is over the whole subtree, so it is computed before the page is cut
    const rows = await ctx.tx.query<{ org_id: string; total: string; path_key: string; rank: number }>(
      `SELECT x.org_id, x.total::text AS total, x.path_key, x.rank
         FROM (SELECT o.id AS org_id, r.total, o.path_key, rank() OVER (ORDER BY r.total DESC)::int AS rank
                 ${ELIGIBLE_SQL} AND r.org_id IS NOT NULL) x
        ${cursor ? 'WHERE x.total < $6::numeric OR (x.total = $6::numeric AND x.path_key > $7::text)' : ''}
        ORDER BY x.total DESC, x.path_key LIMIT $5`,
      params,
    );
    const page = pageFrom(
      rows,
      first,
      after,
      (r) => encodeCursor([r.total, r.path_key]),
      async () => {
        const [{ n }] = await ctx.tx.query<{ n: number }>(
          `SELECT count(*)::int AS n ${ELIGIBLE_SQL} AND r.org_id IS NOT NULL`,
          params.slice(0, 4),
        );
        return n;
      },
    );
    return this.standings(ctx, campaign, page, (r) => r.rank);
  },

  /** A page of org rows as standings: each org (batched) with its stored result (batched). */
  async standings<R extends { org_id: string }>(
    ctx: RequestContext,
    campaign: Campaign,
    page: Page<R>,
    rankOf: (row: R) => number | null,
  ): Promise<Page<Standing>> {
    const [orgs, results] = await Promise.all([
      Promise.all(page.nodes.map((r) => orgService.findById(ctx, r.org_id))),
      Promise.all(page.nodes.map((r) => this.result(ctx, campaign.id, r.org_id))),
    ]);
    const nodes = page.nodes.flatMap((row, i) => {
      const org = orgs[i];
      return org ? [{ org, result: results[i], rank: rankOf(row), cursor: page.cursorOf(row) }] : [];
    });
    return { ...page, nodes, cursorOf: (s) => s.cursor };
  },

  /** An org's stored campaign result, batched per request. */
  async result(ctx: RequestContext, campaignId: string, orgId: string): Promise<CampaignResult | null> {
    return resultLoader(ctx, campaignId).load(orgId);
  },

  /** A result read with another statement (or its absence), for the loader of this request. */
  primeResult(ctx: RequestContext, campaignId: string, orgId: string, result: CampaignResult | null): void {
    resultLoader(ctx, campaignId).prime(orgId, result);
  },

  /**
   * An org's result in the campaign `campaignId`, as resultFor(getOrThrow(campaignId), org) answers it,
   * in one statement per request for every org that asks (a page of orgs each with its result): the
   * campaign, its scope org (its visibility) and the results come together.
   */
  resultInCampaign(ctx: RequestContext, campaignId: string, org: Org): CampaignResult | null | Promise<CampaignResult | null> {
    // answered at once when the page of orgs read it (a promise per node cost each node a turn)
    const known = ctx.known<string, CampaignResult | null>(resultsCheckedName(campaignId)).get(org.id);
    if (known !== undefined) {
      if (known instanceof Error) throw known;
      return inScope(requireUser(ctx), org.path) ? known : null;
    }
    return resultsCheckedLoader(ctx, campaignId)
      .load(org.id)
      .then((loaded) => (inScope(requireUser(ctx), org.path) ? loaded : null));
  },

  /**
   * A page of orgs asking for every node's result in a campaign reads them in its own statement
   * (OrgPageJoin): the results, and the campaign's scope org on the page's first row only, as
   * resultInCampaign's statement reads them; its loader is primed with what it would have answered.
   */
  resultsJoinedToPage(ctx: RequestContext, campaignId: unknown, params: unknown[]): JoinedToPage | null {
    const id = rawIdOf('Campaign', campaignId);
    if (!id) return null; // the field refuses it itself
    const t = `$${params.push(requireUser(ctx).tenantId)}::uuid`;
    const c = `$${params.push(id)}::uuid`;
    return {
      columns: `${columnsOf(ctx.tx, CampaignResult, 'r')}, ${columnsOf(ctx.tx, Org, 's')}`,
      from:
        `LEFT JOIN campaign_results r ON r.tenant_id = ${t} AND r.campaign_id = ${c} AND r.org_id = page.o_id ` +
        `LEFT JOIN (campaigns c JOIN orgs s ON s.tenant_id = c.tenant_id AND s.id = c.scope_org_id) ` +
        `ON page.page_n = 1 AND c.tenant_id = ${t} AND c.id = ${c}`,
      take: (rows) => {
        const orgIds = rows.map((r) => r.o_id as string);
        const loader = resultsCheckedLoader(ctx, id);
        const known = ctx.known<string, CampaignResult | null>(resultsCheckedName(id));
        resultsAnswered(ctx, rows, orgIds).forEach((answer, i) => {
          loader.prime(orgIds[i], answer);
          if (!known.has(orgIds[i])) known.set(orgIds[i], answer);
        });
      },
    };
  },

  /** An org's result, when the viewer reads the org fully (an ancestor shown as a breadcrumb keeps its figures private). */
  async resultFor(ctx: RequestContext, campaign: Campaign, org: Org): Promise<CampaignResult | null> {
    return inScope(requireUser(ctx), org.path) ? this.result(ctx, campaign.id, org.id) : null;
  },

  /** The positional parameters of OWING_SQL for a deadline inside `under`. */
  async owingParams(ctx: RequestContext, deadline: CampaignDeadline, under: Org): Promise<unknown[]> {
    const scope = await this.scopeOrg(ctx, await this.campaignOf(ctx, deadline));
    const { timezone } = await tenantService.settings(ctx);
    return [deadline.tenantId, deadline.id, under.path, deadline.orgKinds, deadline.relativeDepth, deadline.dueOn, timezone, scope.depth];
  },

  /**
   * Who owes the deadline inside `under` (orgs of its kinds and depth, live, established by its due date),
   * and whether each submitted on time, late or not at all: a page in tree order, one statement.
   */
  async deadlinePage(
    ctx: RequestContext,
    deadline: CampaignDeadline,
    under: Org,
    status: SubmissionStatus | null | undefined,
    first: number | null,
    after?: string,
  ): Promise<Page<DeadlineRow>> {
    const params = await this.owingParams(ctx, deadline, under);
    const where = status ? ` AND ${STATUS_SQL} = $${params.push(status)}` : '';
    const cursor = decodeTypedCursor(after, ['text']);
    const keyset = cursor ? ` AND o.path_key > $${params.push(cursor[0])}::text` : '';
    const limit = first === null ? '' : ` LIMIT $${params.push(first + 1)}`;
    const rows = await ctx.tx.query<{ org_id: string; path_key: string; submission_id: string | null; status: SubmissionStatus }>(
      `SELECT o.id AS org_id, o.path_key, s.id AS submission_id, ${STATUS_SQL} AS status ${OWING_SQL}${where}${keyset}
        ORDER BY o.path_key${limit}`,
      params,
    );
    const page = pageFrom(
      rows,
      first ?? rows.length,
      after,
      (r) => encodeCursor([r.path_key]),
      async () => {
        const [{ n }] = await ctx.tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT ${STATUS_SQL} AS status ${OWING_SQL}${where}) x`,
          params.slice(0, status ? 9 : 8),
        );
        return n;
      },
    );
    const ids = page.nodes.flatMap((r) => (r.submission_id ? [r.submission_id] : []));
    const [orgs, submissions] = await Promise.all([
      Promise.all(page.nodes.map((r) => orgService.findById(ctx, r.org_id))),
      ids.length ? ctx.tx.repository(DeadlineSubmission).findBy(ids.map((id) => ({ tenantId: deadline.tenantId, id }))) : [],
    ]);
    const nodes = page.nodes.flatMap((r, i) => {
      const org = orgs[i];
      const submission = submissions.find((s) => s.id === r.submission_id) ?? null;
      return org ? [{ org, status: r.status, submission, cursor: page.cursorOf(r) }] : [];
    });
    return { ...page, nodes, cursorOf: (row) => row.cursor };
  },

  /** Every org that owes the deadline inside `under` (for the reminder sweep), with its status. */
  async deadlineRows(
    ctx: RequestContext,
    deadline: CampaignDeadline,
    under: Org,
    status: SubmissionStatus | null | undefined,
  ): Promise<DeadlineRow[]> {
    return (await this.deadlinePage(ctx, deadline, under, status, null)).nodes;
  },

  /** How many owe the deadline inside `under`, and how many submitted on time, late, returned or not at all: one statement. */
  async deadlineSummary(ctx: RequestContext, deadline: CampaignDeadline, under: Org): Promise<DeadlineSummary> {
    const [row] = await ctx.tx.query<DeadlineSummary>(
      `SELECT count(*)::int AS owed,
              count(*) FILTER (WHERE status = 'ON_TIME')::int AS "onTime",
              count(*) FILTER (WHERE status = 'LATE')::int AS late,
              count(*) FILTER (WHERE status = 'RETURNED')::int AS returned,
              count(*) FILTER (WHERE status = 'MISSING')::int AS missing
         FROM (SELECT ${STATUS_SQL} AS status ${OWING_SQL}) x`,
      await this.owingParams(ctx, deadline, under),
    );
    return row;
  },

  /**
   * An org's submission for a deadline, by the org's own officer (a SECRETARY or SUPERVISOR assigned
   * to the org itself: a 直属党委's secretary submits for the committee) or a tenant admin over it.
   * Only a tenant admin may record an earlier `submittedAt` (补录 of a paper report received on that
   * date). A submission returned for revision is submitted again the same way (RESUBMITTED).
   */
  async submit(
    ctx: RequestContext,
    input: { deadlineId: string; orgId: string; text: string; attachmentRef?: string | null; submittedAt?: Date | null },
    files: FileChanges = {},
  ): Promise<DeadlineSubmission> {
    const viewer = requireUser(ctx);
    const deadline = await this.findDeadline(ctx, input.deadlineId);
    if (!deadline) throw campaignError('DEADLINE_NOT_FOUND', 'input.deadlineId');
    // an archived org owes nothing; where the org stands now decides what it owes
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, ADMIN) && !isOwnOfficer(viewer, o)) throw campaignError('NOT_SUBMITTER');
    });
    const isAdmin = inScope(viewer, org.path, ADMIN);
    const scope = await this.scopeOrg(ctx, await this.campaignOf(ctx, deadline));
    const owes =
      isAncestorOrSelf(scope.path, org.path) &&
      deadline.orgKinds.includes(org.kind) &&
      !org.archivedAt &&
      (deadline.relativeDepth === null || org.depth === scope.depth + deadline.relativeDepth) &&
      // owed as of the org's founding: a deadline already due when it was established is not its
      (!org.establishedOn || org.establishedOn <= deadline.dueOn);
    if (!owes) throw campaignError('NOT_OWED', { field: 'input.orgId', params: { org: org.name, deadline: deadline.name } });
    if (input.submittedAt && !isAdmin) throw campaignError('SUBMITTED_AT_ADMIN_ONLY', 'input.submittedAt');
    if (input.submittedAt && input.submittedAt.getTime() > Date.now()) throw campaignError('SUBMITTED_AT_IN_FUTURE', 'input.submittedAt');
    const at = input.submittedAt ?? new Date();
    // A first submission, or a resubmission of a returned one; a concurrent second submission loses.
    const [inserted] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO deadline_submissions (tenant_id, deadline_id, org_id, text, attachment_ref, submitted_at, first_submitted_at, submitted_by)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (tenant_id, deadline_id, org_id) DO NOTHING RETURNING id`,
      [viewer.tenantId, deadline.id, org.id, input.text, input.attachmentRef ?? null, at, viewer.userId],
    );
    const repo = ctx.tx.repository(DeadlineSubmission);
    if (inserted) {
      await recordSubmissionEvent(ctx, inserted.id, SubmissionAction.SUBMITTED, null, at);
      await fileService.attach(ctx, 'DeadlineSubmission', inserted.id, files.attach ?? [], 'input.fileIds');
      return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: inserted.id });
    }
    // a resubmission keeps the stored attachment reference unless it gives one (an explicit null clears it), as its files stay unless detached
    const resubmitted = await ctx.tx.execute(
      `UPDATE deadline_submissions SET text = $4, attachment_ref = CASE WHEN $8::boolean THEN $5 ELSE attachment_ref END, submitted_at = $6, submitted_by = $7,
              state = 'SUBMITTED', return_reason = NULL
        WHERE tenant_id = $1 AND deadline_id = $2 AND org_id = $3 AND state = 'RETURNED'`,
      [viewer.tenantId, deadline.id, org.id, input.text, input.attachmentRef ?? null, at, viewer.userId, input.attachmentRef !== undefined],
    );
    if (!resubmitted) throw campaignError('ALREADY_SUBMITTED', { params: { org: org.name, deadline: deadline.name } });
    const submission = await repo.findOneByOrFail({ tenantId: viewer.tenantId, deadlineId: deadline.id, orgId: org.id });
    await recordSubmissionEvent(ctx, submission.id, SubmissionAction.RESUBMITTED, null, at);
    // a returned submission is revised: its files may change with the resubmission
    await fileService.change(ctx, 'DeadlineSubmission', submission.id, files);
    return submission;
  },

  /**
   * Returns a submission to its org for revision (退回修改), with a reason: by an officer above the org
   * (tenant admin, leader, or the secretary or supervisor of a superior org). The org submits again;
   * every return keeps its reason, who and when in the submission's history.
   */
  async returnSubmission(ctx: RequestContext, input: { submissionId: string; reason: string }): Promise<DeadlineSubmission> {
    const viewer = requireUser(ctx);
    const submission = await this.findSubmission(ctx, input.submissionId);
    if (!submission) throw campaignError('SUBMISSION_NOT_FOUND', 'input.submissionId');
    // the org held to the commit, the reviewer checked where it stands after a concurrent move
    await orgService.holdForChange(
      ctx,
      submission.orgId,
      (org) => {
        if (!viewer.roles.some((r) => REVIEWERS.includes(r.role) && r.path !== org.path && isAncestorOrSelf(r.path, org.path))) {
          throw campaignError('NOT_SUBMISSION_REVIEWER');
        }
      },
      () => campaignError('SUBMISSION_NOT_FOUND', 'input.submissionId'),
    );
    const reason = input.reason.trim();
    if (!reason) throw campaignError('RETURN_REASON_REQUIRED', 'input.reason');
    const changed = await ctx.tx.execute(
      `UPDATE deadline_submissions SET state = 'RETURNED', return_reason = $3 WHERE tenant_id = $1 AND id = $2 AND state = 'SUBMITTED'`,
      [viewer.tenantId, submission.id, reason],
    );
    if (!changed) throw campaignError('NOT_RETURNABLE');
    await recordSubmissionEvent(ctx, submission.id, SubmissionAction.RETURNED, reason, new Date());
    return ctx.tx.repository(DeadlineSubmission).findOneByOrFail({ tenantId: viewer.tenantId, id: submission.id });
  },

  /** Every submission, return and resubmission, oldest first, with the actor's display name (batched). */
  async submissionHistory(ctx: RequestContext, submission: DeadlineSubmission): Promise<SubmissionStep[]> {
    const events = await ctx
      .loader<string, DeadlineSubmissionEvent[]>('campaign.submissionHistory', async (ids) => {
        const rows = await ctx.tx
          .repository(DeadlineSubmissionEvent)
          .createQueryBuilder('e')
          .where('e.tenant_id = :t AND e.submission_id = ANY(:ids)', { t: submission.tenantId, ids: [...ids] })
          .orderBy('e.at', 'ASC')
          .addOrderBy('e.id', 'ASC')
          .getMany();
        return ids.map((id) => rows.filter((e) => e.submissionId === id));
      })
      .load(submission.id);
    const names = await Promise.all(events.map((e) => userService.displayName(ctx, e.actorId)));
    return events.map((e, i) => ({ action: e.action, reason: e.reason, byName: names[i], at: e.at }));
  },

  /** A submission whose org lies inside the viewer's read scope. */
  async findSubmission(ctx: RequestContext, id: string): Promise<DeadlineSubmission | null> {
    return findInScope(ctx, DeadlineSubmission, id, (s) => s.orgId);
  },

  canAdminister(ctx: RequestContext, org: Org): boolean {
    return hasRoleOver(requireUser(ctx), org.path, ADMIN);
  },
};

async function recordSubmissionEvent(
  ctx: RequestContext,
  submissionId: string,
  action: SubmissionAction,
  reason: string | null,
  at: Date,
): Promise<void> {
  const viewer = requireUser(ctx);
  await ctx.tx.execute(
    `INSERT INTO deadline_submission_events (tenant_id, submission_id, action, reason, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [viewer.tenantId, submissionId, action, reason, viewer.userId, at],
  );
  ctx.forget('campaign.submissionHistory');
}

function resultLoader(ctx: RequestContext, campaignId: string) {
  const viewer = requireUser(ctx);
  return ctx.loader<string, CampaignResult | null>(`campaign.results:${campaignId}`, async (orgIds) => {
    const rows = await ctx.tx
      .repository(CampaignResult)
      .createQueryBuilder('r')
      .where('r.tenant_id = :t AND r.campaign_id = :c AND r.org_id = ANY(:ids)', {
        t: viewer.tenantId,
        c: campaignId,
        ids: [...orgIds],
      })
      .getMany();
    return orgIds.map((id) => rows.find((r) => r.orgId === id) ?? null);
  });
}

/**
 * A campaign joined as `c`, with its targets (a few rows, fixed at creation; progress reads them with it)
 * and its scope org as `cs` (findById's visibility check of it then needs no statement).
 */
const campaignColumns = (tx: RequestTransaction) =>
  `${columnsOf(tx, Campaign, 'c')}, ${columnsOf(tx, Org, 'cs')},
   (SELECT coalesce(json_agg(json_build_object('dueOn', t.due_on, 'ratio', t.ratio) ORDER BY t.due_on), '[]')
      FROM campaign_targets t WHERE t.tenant_id = c.tenant_id AND t.campaign_id = c.id) AS c_targets`;
const CAMPAIGN_SCOPE_JOIN = `LEFT JOIN orgs cs ON cs.tenant_id = c.tenant_id AND cs.id = c.scope_org_id`;

/** The campaign of a row read with `campaignColumns`, its scope org and targets primed for the request. */
function takeCampaign(ctx: RequestContext, raw: Record<string, unknown>): Campaign | null {
  const campaign = hydrate(ctx.tx, Campaign, 'c', raw);
  if (!campaign) return null;
  const scope = hydrate(ctx.tx, Org, 'cs', raw);
  if (scope) orgService.primeIfVisible(ctx, scope);
  const targets = (raw.c_targets as { dueOn: string; ratio: number | string }[]).map((t) =>
    Object.assign(new CampaignTarget(), { tenantId: campaign.tenantId, campaignId: campaign.id, dueOn: t.dueOn, ratio: Number(t.ratio) }),
  );
  targetsLoader(ctx).prime(campaign.id, targets);
  return campaign;
}

/** Campaigns by id with their scope orgs and targets (the campaign loader's statement; campaign(id:) reads it ahead). */
export function campaignsStatement(tx: RequestTransaction, tenantId: string, ids: string[]): Statement {
  return {
    sql: `SELECT ${campaignColumns(tx)} FROM campaigns c ${CAMPAIGN_SCOPE_JOIN} WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])`,
    params: [tenantId, ids],
  };
}

/**
 * Orgs' results in a campaign, batched per request: the campaign's scope org (its visibility) and the
 * results in one statement, the scope org on the first row only (a page of 50 results would carry it 50
 * times for the client to parse).
 */
const resultsCheckedName = (campaignId: string) => `campaign.resultsChecked:${campaignId}`;

function resultsCheckedLoader(ctx: RequestContext, campaignId: string) {
  return ctx.loader<string, CampaignResult | null>(resultsCheckedName(campaignId), async (orgIds) => {
    const rows = await ctx.tx.query<Record<string, unknown>>(
      `SELECT ${columnsOf(ctx.tx, Org, 's', '(CASE WHEN x.n = 1 THEN x.s END)')}, ${columnsOf(ctx.tx, CampaignResult, 'r', '(x.r)')}
         FROM (SELECT s, r, row_number() OVER () AS n
                 FROM campaigns c
                 JOIN orgs s ON s.tenant_id = c.tenant_id AND s.id = c.scope_org_id
                 LEFT JOIN campaign_results r ON r.tenant_id = c.tenant_id AND r.campaign_id = c.id AND r.org_id = ANY($3::uuid[])
                WHERE c.tenant_id = $1 AND c.id = $2) x
        ORDER BY x.n`,
      [requireUser(ctx).tenantId, campaignId, [...orgIds]],
    );
    return resultsAnswered(ctx, rows, orgIds);
  });
}

/** Each org's result from rows with the scope org (alias s) on the first and results (alias r): NOT_FOUND for all when the campaign is not the viewer's to see. */
function resultsAnswered(
  ctx: RequestContext,
  rows: Record<string, unknown>[],
  orgIds: readonly string[],
): (CampaignResult | null | Error)[] {
  const scope = rows.length ? hydrate(ctx.tx, Org, 's', rows[0]) : null;
  if (!scope || !orgService.primeIfVisible(ctx, scope)) return orgIds.map(() => campaignError('CAMPAIGN_NOT_FOUND'));
  const results = new Map<string, CampaignResult>();
  for (const row of rows) {
    const result = hydrate(ctx.tx, CampaignResult, 'r', row);
    if (result) results.set(result.orgId, result);
  }
  return orgIds.map((id) => results.get(id) ?? null);
}

function campaignLoader(ctx: RequestContext) {
  const viewer = requireUser(ctx);
  return ctx.loader<string, Campaign | null>('campaign.byId', async (ids) => {
    const statement = campaignsStatement(ctx.tx, viewer.tenantId, [...ids]);
    const rows = await ctx.tx.query<Record<string, unknown>>(statement.sql, statement.params);
    const campaigns = rows.map((r) => takeCampaign(ctx, r));
    return ids.map((i) => campaigns.find((c) => c?.id === i) ?? null);
  });
}

function loadCampaign(ctx: RequestContext, id: string): Promise<Campaign | null> {
  return campaignLoader(ctx).load(id);
}

/**
 * The first page of the lagging list over a campaign's whole scope, `limit` rows: the function
 * app_read_lagging (migration 1734230000000), planned once per connection; campaign(id:) { progress
 * { lagging } } reads it ahead.
 */
export function laggingWholeStatement(tx: RequestTransaction, tenantId: string, campaignId: string, limit: number): Statement {
  return {
    sql: `SELECT f.org_id, f.k_complete, f.k_total, f.path_key,
                 ${columnsOf(tx, Org, 'o', '(f.o)')}, ${columnsOf(tx, CampaignResult, 'r', '(f.r)')}
            FROM app_read_lagging($1, $2, $3) WITH ORDINALITY f ORDER BY f.ordinality`,
    params: [tenantId, campaignId, limit],
  };
}

/**
 * The campaign of a record read by `findInScope` (alias `x`, column `campaign_id`), in the same
 * statement: the campaign's later reads in the request need none. `fromFunction`: the record is read
 * through a function that returns the campaign whole (inScopeStatement's `via`).
 */
export function campaignAlongside(ctx: RequestContext, fromFunction = false): Alongside {
  return {
    ...campaignAlongsideSql(ctx.tx, fromFunction),
    take: (raw) => {
      const campaign = takeCampaign(ctx, raw);
      if (campaign) campaignLoader(ctx).prime(campaign.id, campaign);
    },
  };
}

/**
 * The columns and joins of `campaignAlongside`, for a statement planned before the request has a viewer
 * (read-ahead). `fromFunction`: the columns of a function's row `f` that holds the campaign `c`, its
 * scope org `cs` and its targets `c_targets` as campaignColumns reads them (no joins).
 */
export function campaignAlongsideSql(tx: RequestTransaction, fromFunction = false): Pick<Alongside, 'select' | 'join'> {
  if (fromFunction) {
    return {
      select: `${columnsOf(tx, Campaign, 'c', '(f.c)')}, ${columnsOf(tx, Org, 'cs', '(f.cs)')}, f.c_targets AS c_targets`,
      join: '',
    };
  }
  return {
    select: campaignColumns(tx),
    join: `LEFT JOIN campaigns c ON c.tenant_id = x.tenant_id AND c.id = x.campaign_id ${CAMPAIGN_SCOPE_JOIN}`,
  };
}

function targetsLoader(ctx: RequestContext) {
  const viewer = requireUser(ctx);
  return ctx.loader<string, CampaignTarget[]>('campaign.targets', async (ids) => {
    const rows = await ctx.tx
      .repository(CampaignTarget)
      .createQueryBuilder('t')
      .where('t.tenant_id = :t AND t.campaign_id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
      .orderBy('t.due_on', 'ASC')
      .getMany();
    return ids.map((i) => rows.filter((r) => r.campaignId === i));
  });
}

function scheduleProblems(input: CreateCampaignInput): Problem[] {
  const problems: Problem[] = [];
  const within = (d: string) => d >= input.startsOn && d <= input.endsOn;
  if (input.endsOn < input.startsOn) problems.push(scheduleProblem('input.endsOn', 'SCHEDULE_ENDS_BEFORE_START'));
  if (!input.eligibleKinds.length) problems.push(scheduleProblem('input.eligibleKinds', 'SCHEDULE_NO_ELIGIBLE_KINDS'));
  input.phases.forEach((p, i) => {
    if (p.endsOn < p.startsOn) problems.push(scheduleProblem(`input.phases[${i}].endsOn`, 'PHASE_ENDS_BEFORE_START', { phase: p.name }));
    if (!within(p.startsOn) || !within(p.endsOn))
      problems.push(scheduleProblem(`input.phases[${i}]`, 'PHASE_OUTSIDE_CAMPAIGN', { phase: p.name }));
  });
  const codes = new Set<string>();
  input.deadlines.forEach((d, i) => {
    if (codes.has(d.code)) problems.push(scheduleProblem(`input.deadlines[${i}].code`, 'DEADLINE_CODE_REPEATED', { deadlineCode: d.code }));
    codes.add(d.code);
    if (!within(d.dueOn)) problems.push(scheduleProblem(`input.deadlines[${i}].dueOn`, 'DEADLINE_OUTSIDE_CAMPAIGN', { deadline: d.name }));
    if (!d.orgKinds.length) problems.push(scheduleProblem(`input.deadlines[${i}].orgKinds`, 'DEADLINE_NO_KINDS', { deadline: d.name }));
  });
  const dates = new Set<string>();
  input.targets.forEach((t, i) => {
    // kept as numeric(5, 4): a finer ratio would be stored as another one (or as 0, which the table refuses)
    if (!(t.ratio > 0 && t.ratio <= 1) || Math.abs(Math.round(t.ratio * 10000) - t.ratio * 10000) > 1e-6)
      problems.push(scheduleProblem(`input.targets[${i}].ratio`, 'TARGET_RATIO_RANGE'));
    if (dates.has(t.dueOn)) problems.push(scheduleProblem(`input.targets[${i}].dueOn`, 'TARGET_DATE_REPEATED', { date: t.dueOn }));
    dates.add(t.dueOn);
  });
  return problems;
}
