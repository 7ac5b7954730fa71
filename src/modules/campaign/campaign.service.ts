import { UserViewer, hasRoleOver, isAncestorOrSelf } from '../../auth/viewer';
import { inScope, scopedRootsUnder, subtreeOf } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { FrameworkVersion, VersionStatus } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { Org, OrgKind } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role } from '../../auth/roles';
import { CampaignResult } from '../evaluation/evaluation.entity';
import {
  Campaign,
  CampaignDeadline,
  CampaignPhase,
  CampaignTarget,
  DeadlineSubmission,
  DeadlineSubmissionEvent,
  SubmissionAction,
  SubmissionStatus,
} from './campaign.entity';
import { CampaignErrorReason, campaignError } from './campaign.errors';

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
  byCategory: (ProgressCounts & { category: string })[];
  byChild: (ProgressCounts & { orgId: string })[];
}

export interface LaggingRow {
  org: Org;
  result: CampaignResult | null;
}

export interface DeadlineRow {
  org: Org;
  status: SubmissionStatus;
  submission: DeadlineSubmission | null;
}

const TIMEZONE_DEFAULT = 'Asia/Shanghai';
const ADMIN = [Role.TENANT_ADMIN];
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

/** The orgs of the campaign inside `under` that count: eligible kind, not archived. One shared FROM/WHERE. */
const ELIGIBLE_SQL = `
  FROM orgs o
  LEFT JOIN campaign_results r ON r.tenant_id = o.tenant_id AND r.campaign_id = $2 AND r.org_id = o.id
 WHERE o.tenant_id = $1 AND ${subtreeOf('o', 3)} AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL`;

export const campaignService = {
  async findById(ctx: RequestContext, id: string): Promise<Campaign | null> {
    const campaign = await loadCampaign(ctx, id);
    // Visible when its scope org is: inside the viewer's scope, or above it (the viewer's org takes part).
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
    if (!campaign) throw campaignError(CampaignErrorReason.CAMPAIGN_NOT_FOUND, 'Campaign not found');
    return campaign;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Campaign> {
    const campaign = await this.findById(ctx, id);
    if (!campaign) throw campaignError(CampaignErrorReason.CAMPAIGN_NOT_FOUND, 'Campaign not found');
    return campaign;
  },

  async list(ctx: RequestContext): Promise<Campaign[]> {
    const viewer = requireUser(ctx);
    const all = await ctx.tx.repository(Campaign).find({ where: { tenantId: viewer.tenantId }, order: { startsOn: 'DESC', name: 'ASC' } });
    const visible = await Promise.all(all.map((c) => orgService.findById(ctx, c.scopeOrgId)));
    return all.filter((_, i) => visible[i]);
  },

  async version(ctx: RequestContext, campaign: Campaign): Promise<FrameworkVersion> {
    return (await frameworkService.findVersion(ctx, campaign.versionId))!;
  },

  async create(ctx: RequestContext, input: CreateCampaignInput): Promise<Campaign> {
    const viewer = requireUser(ctx);
    const scope = await orgService.getOrThrow(ctx, input.scopeOrgId);
    if (!inScope(viewer, scope.path, ADMIN))
      throw campaignError(CampaignErrorReason.NOT_CAMPAIGN_ADMIN, 'Only a tenant admin over the scope org starts a campaign');
    const version = await frameworkService.getVersion(ctx, input.versionId);
    if (version.status !== VersionStatus.PUBLISHED)
      throw campaignError(
        CampaignErrorReason.VERSION_NOT_PUBLISHED,
        'A campaign binds to a published framework version',
        'input.versionId',
      );
    const problems = scheduleProblems(input);
    if (problems.length) throw badInput(problems[0].field, problems.map((p) => p.message).join('; '), CampaignErrorReason.INVALID_SCHEDULE);

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
      await ctx.tx.query(
        `INSERT INTO campaign_phases (tenant_id, campaign_id, position, name, starts_on, ends_on)
         SELECT $1, $2, p.ord - 1, p.name, p.starts_on, p.ends_on FROM unnest($3::text[], $4::date[], $5::date[]) WITH ORDINALITY AS p(name, starts_on, ends_on, ord)`,
        [t, campaign.id, input.phases.map((p) => p.name), input.phases.map((p) => p.startsOn), input.phases.map((p) => p.endsOn)],
      );
    }
    for (const d of input.deadlines) {
      await ctx.tx.query(
        `INSERT INTO campaign_deadlines (tenant_id, campaign_id, code, name, due_on, org_kinds, relative_depth) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [t, campaign.id, d.code, d.name, d.dueOn, [...new Set(d.orgKinds)], d.relativeDepth ?? null],
      );
    }
    if (input.targets.length) {
      await ctx.tx.query(
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

  async deadlines(ctx: RequestContext, campaign: Campaign): Promise<CampaignDeadline[]> {
    return ctx.tx
      .repository(CampaignDeadline)
      .find({ where: { tenantId: campaign.tenantId, campaignId: campaign.id }, order: { dueOn: 'ASC', code: 'ASC' } });
  },

  async targets(ctx: RequestContext, campaign: Campaign): Promise<CampaignTarget[]> {
    return ctx.tx
      .repository(CampaignTarget)
      .find({ where: { tenantId: campaign.tenantId, campaignId: campaign.id }, order: { dueOn: 'ASC' } });
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

  /**
   * The subtree a rollup covers, inside both the campaign and the viewer's scope: `under` when given
   * (an org the viewer reads fully, else NOT_FOUND like any unknown org), otherwise the viewer's own
   * part of the campaign: the campaign's scope org for an officer over it, else the viewer's scope
   * root inside the campaign (a secretary's branch, a supervisor's committee). A viewer holding
   * several separate scopes inside the campaign names one with `under`.
   */
  async rollupScope(ctx: RequestContext, campaign: Campaign, underId: string | null | undefined): Promise<Org> {
    const viewer = requireUser(ctx);
    const scope = (await orgService.findById(ctx, campaign.scopeOrgId))!;
    if (underId) {
      const org = await orgService.getInScopeOrThrow(ctx, underId);
      if (!isAncestorOrSelf(scope.path, org.path))
        throw campaignError(CampaignErrorReason.OUTSIDE_CAMPAIGN, 'The org is outside the campaign’s scope', 'under');
      return org;
    }
    const roots = scopedRootsUnder(viewer, scope.path);
    if (roots.length === 1)
      return roots[0] === scope.path
        ? scope
        : orgService.getInScopeOrThrow(ctx, uuidOfLabel(roots[0].slice(roots[0].lastIndexOf('.') + 1)));
    throw campaignError(
      CampaignErrorReason.UNDER_REQUIRED,
      `你在本创建活动中有${roots.length}个负责范围，请用 under 指明统计哪一个`,
      'under',
    );
  },

  /**
   * Eligible, evaluated and attained orgs in the subtree, in total, by category and by each direct
   * child's subtree: one statement (GROUPING SETS) over the GiST-indexed path and the results' key.
   */
  async progress(ctx: RequestContext, campaign: Campaign, under: Org, asOf: string): Promise<ProgressFigures> {
    const rows: {
      g_cat: number;
      g_child: number;
      category: string | null;
      child: string | null;
      eligible: number;
      evaluated: number;
      attained: number;
    }[] = await ctx.tx.query(
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
    const total = rows.find((r) => r.g_cat === 1 && r.g_child === 1) ?? { eligible: 0, evaluated: 0, attained: 0 };
    return {
      scope: under,
      asOf,
      eligible: total.eligible,
      evaluated: total.evaluated,
      attained: total.attained,
      target: await this.targetInForce(ctx, campaign, asOf),
      byCategory: rows
        .filter((r) => r.g_cat === 0)
        .map((r) => ({ category: r.category!, eligible: r.eligible, evaluated: r.evaluated, attained: r.attained })),
      byChild: rows
        .filter((r) => r.g_child === 0 && r.child)
        .map((r) => ({ orgId: uuidOfLabel(r.child!), eligible: r.eligible, evaluated: r.evaluated, attained: r.attained })),
    };
  },

  /** Eligible orgs that have not attained, the unevaluated first, then by lowest total (工作不力 candidates). */
  async lagging(ctx: RequestContext, campaign: Campaign, under: Org, first: number): Promise<LaggingRow[]> {
    const rows = await ctx.tx.query(
      `SELECT o.id AS org_id, r.org_id AS result_org ${ELIGIBLE_SQL} AND NOT coalesce(r.attained, false)
        ORDER BY r.complete NULLS FIRST, r.total ASC NULLS FIRST, o.path LIMIT $5`,
      [campaign.tenantId, campaign.id, under.path, campaign.eligibleKinds, first],
    );
    return this.withResults(
      ctx,
      campaign,
      rows.map((r: { org_id: string }) => r.org_id),
    );
  },

  /** Orgs with a result, best first, with rank (ties share a rank). */
  async ranking(ctx: RequestContext, campaign: Campaign, under: Org, first: number): Promise<(LaggingRow & { rank: number })[]> {
    const rows: { org_id: string; rank: number }[] = await ctx.tx.query(
      `SELECT o.id AS org_id, rank() OVER (ORDER BY r.total DESC)::int AS rank ${ELIGIBLE_SQL} AND r.org_id IS NOT NULL
        ORDER BY r.total DESC, o.path LIMIT $5`,
      [campaign.tenantId, campaign.id, under.path, campaign.eligibleKinds, first],
    );
    const withResults = await this.withResults(
      ctx,
      campaign,
      rows.map((r) => r.org_id),
    );
    return withResults.map((row, i) => ({ ...row, rank: rows[i].rank }));
  },

  async withResults(ctx: RequestContext, campaign: Campaign, orgIds: string[]): Promise<LaggingRow[]> {
    const orgs = await Promise.all(orgIds.map((id) => orgService.findById(ctx, id)));
    const results = await Promise.all(orgIds.map((id) => this.result(ctx, campaign.id, id)));
    return orgIds.map((_, i) => ({ org: orgs[i]!, result: results[i] }));
  },

  /** An org's stored campaign result, batched per request. */
  async result(ctx: RequestContext, campaignId: string, orgId: string): Promise<CampaignResult | null> {
    const viewer = requireUser(ctx);
    return ctx
      .loader<string, CampaignResult | null>(`campaign.results:${campaignId}`, async (orgIds) => {
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
      })
      .load(orgId);
  },

  /**
   * Who owes the deadline inside `under` (orgs of its kinds and depth, live, established by its due date),
   * and whether each submitted on time, late or not at all.
   */
  async deadlineRows(
    ctx: RequestContext,
    deadline: CampaignDeadline,
    under: Org,
    status: SubmissionStatus | null | undefined,
  ): Promise<DeadlineRow[]> {
    const campaign = await this.getOrThrow(ctx, deadline.campaignId);
    const scope = (await orgService.findById(ctx, campaign.scopeOrgId))!;
    const rows: { org_id: string; submission_id: string | null; status: SubmissionStatus }[] = await ctx.tx.query(
      `SELECT o.id AS org_id, s.id AS submission_id,
              CASE WHEN s.id IS NULL THEN 'MISSING'
                   WHEN s.state = 'RETURNED' THEN 'RETURNED'
                   WHEN (s.first_submitted_at AT TIME ZONE $7)::date > $6::date THEN 'LATE' ELSE 'ON_TIME' END AS status
         FROM orgs o
         LEFT JOIN deadline_submissions s ON s.tenant_id = o.tenant_id AND s.deadline_id = $2 AND s.org_id = o.id
        WHERE o.tenant_id = $1 AND ${subtreeOf('o', 3)} AND o.kind = ANY($4::text[]) AND o.archived_at IS NULL
          AND ($5::int IS NULL OR nlevel(o.path) = $8 + $5)
          AND (o.established_on IS NULL OR o.established_on <= $6::date)
        ORDER BY o.path`,
      [
        deadline.tenantId,
        deadline.id,
        under.path,
        deadline.orgKinds,
        deadline.relativeDepth,
        deadline.dueOn,
        await timezone(ctx),
        scope.depth,
      ],
    );
    const filtered = status ? rows.filter((r) => r.status === status) : rows;
    const submissions = filtered.some((r) => r.submission_id)
      ? await ctx.tx
          .repository(DeadlineSubmission)
          .createQueryBuilder('s')
          .where('s.tenant_id = :t AND s.id = ANY(:ids)', {
            t: deadline.tenantId,
            ids: filtered.filter((r) => r.submission_id).map((r) => r.submission_id),
          })
          .getMany()
      : [];
    const orgs = await Promise.all(filtered.map((r) => orgService.findById(ctx, r.org_id)));
    return filtered.map((r, i) => ({
      org: orgs[i]!,
      status: r.status,
      submission: submissions.find((s) => s.id === r.submission_id) ?? null,
    }));
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
  ): Promise<DeadlineSubmission> {
    const viewer = requireUser(ctx);
    const deadline = await this.findDeadline(ctx, input.deadlineId);
    if (!deadline) throw campaignError(CampaignErrorReason.DEADLINE_NOT_FOUND, 'Deadline not found');
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    const isAdmin = inScope(viewer, org.path, ADMIN);
    if (!isAdmin && !isOwnOfficer(viewer, org))
      throw campaignError(CampaignErrorReason.NOT_SUBMITTER, 'Only the org’s secretary (or a tenant admin) submits for it');
    const campaign = await this.getOrThrow(ctx, deadline.campaignId);
    const scope = (await orgService.findById(ctx, campaign.scopeOrgId))!;
    const owes =
      isAncestorOrSelf(scope.path, org.path) &&
      deadline.orgKinds.includes(org.kind) &&
      !org.archivedAt &&
      (deadline.relativeDepth === null || org.depth === scope.depth + deadline.relativeDepth) &&
      // owed as of the org's founding: a deadline already due when it was established is not its
      (!org.establishedOn || org.establishedOn <= deadline.dueOn);
    if (!owes) throw campaignError(CampaignErrorReason.NOT_OWED, `${org.name} does not owe “${deadline.name}”`, 'input.orgId');
    if (input.submittedAt && !isAdmin)
      throw campaignError(CampaignErrorReason.NOT_SUBMITTER, 'Only a tenant admin records a past submission date');
    if (input.submittedAt && input.submittedAt.getTime() > Date.now())
      throw badInput('input.submittedAt', 'submittedAt cannot be in the future');
    const at = input.submittedAt ?? new Date();
    // A first submission, or a resubmission of a returned one; a concurrent second submission loses.
    const [inserted] = await ctx.tx.query(
      `INSERT INTO deadline_submissions (tenant_id, deadline_id, org_id, text, attachment_ref, submitted_at, first_submitted_at, submitted_by)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (tenant_id, deadline_id, org_id) DO NOTHING RETURNING id`,
      [viewer.tenantId, deadline.id, org.id, input.text, input.attachmentRef ?? null, at, viewer.userId],
    );
    let id: string | undefined = inserted?.id;
    let action = SubmissionAction.SUBMITTED;
    if (!id) {
      const [resubmitted] = (
        await ctx.tx.query(
          `UPDATE deadline_submissions SET text = $4, attachment_ref = $5, submitted_at = $6, submitted_by = $7, state = 'SUBMITTED', return_reason = NULL
          WHERE tenant_id = $1 AND deadline_id = $2 AND org_id = $3 AND state = 'RETURNED' RETURNING id`,
          [viewer.tenantId, deadline.id, org.id, input.text, input.attachmentRef ?? null, at, viewer.userId],
        )
      )[0] as { id: string }[];
      if (!resubmitted)
        throw campaignError(CampaignErrorReason.ALREADY_SUBMITTED, `${org.name} has already submitted for “${deadline.name}”`);
      id = resubmitted.id;
      action = SubmissionAction.RESUBMITTED;
    }
    await recordSubmissionEvent(ctx, id!, action, null, at);
    return ctx.tx.repository(DeadlineSubmission).findOneByOrFail({ tenantId: viewer.tenantId, id: id! });
  },

  /**
   * Returns a submission to its org for revision (退回修改), with a reason: by an officer above the org
   * (tenant admin, leader, or the secretary or supervisor of a superior org). The org submits again;
   * every return keeps its reason, who and when in the submission's history.
   */
  async returnSubmission(ctx: RequestContext, input: { submissionId: string; reason: string }): Promise<DeadlineSubmission> {
    const viewer = requireUser(ctx);
    const submission = await this.findSubmission(ctx, input.submissionId);
    if (!submission) throw campaignError(CampaignErrorReason.SUBMISSION_NOT_FOUND, 'Submission not found');
    const org = (await orgService.findById(ctx, submission.orgId))!;
    if (!viewer.roles.some((r) => REVIEWERS.includes(r.role) && r.path !== org.path && isAncestorOrSelf(r.path, org.path))) {
      throw campaignError(CampaignErrorReason.NOT_SUBMISSION_REVIEWER, '只有上级组织的负责人可以退回报送材料');
    }
    const reason = input.reason.trim();
    if (!reason) throw campaignError(CampaignErrorReason.RETURN_REASON_REQUIRED, '退回须说明理由', 'input.reason');
    const [, changed] = await ctx.tx.query(
      `UPDATE deadline_submissions SET state = 'RETURNED', return_reason = $3 WHERE tenant_id = $1 AND id = $2 AND state = 'SUBMITTED'`,
      [viewer.tenantId, submission.id, reason],
    );
    if (!changed) throw campaignError(CampaignErrorReason.NOT_RETURNABLE, '该材料已退回，尚未重新报送');
    await recordSubmissionEvent(ctx, submission.id, SubmissionAction.RETURNED, reason, new Date());
    return ctx.tx.repository(DeadlineSubmission).findOneByOrFail({ tenantId: viewer.tenantId, id: submission.id });
  },

  /** Every submission, return and resubmission, oldest first, with the actor's display name (batched). */
  async submissionHistory(ctx: RequestContext, submission: DeadlineSubmission): Promise<(DeadlineSubmissionEvent & { byName: string })[]> {
    return ctx
      .loader<string, (DeadlineSubmissionEvent & { byName: string })[]>('campaign.submissionHistory', async (ids) => {
        const rows = await ctx.tx
          .repository(DeadlineSubmissionEvent)
          .createQueryBuilder('e')
          .innerJoin('users', 'u', 'u.tenant_id = e.tenant_id AND u.id = e.actor_id')
          .addSelect('u.display_name', 'by_name')
          .where('e.tenant_id = :t AND e.submission_id = ANY(:ids)', { t: submission.tenantId, ids: [...ids] })
          .orderBy('e.at', 'ASC')
          .addOrderBy('e.id', 'ASC')
          .getRawAndEntities();
        const events = rows.entities.map((e, i) => Object.assign(e, { byName: String(rows.raw[i].by_name) }));
        return ids.map((id) => events.filter((e) => e.submissionId === id));
      })
      .load(submission.id);
  },

  async findSubmission(ctx: RequestContext, id: string): Promise<DeadlineSubmission | null> {
    const viewer = requireUser(ctx);
    const submission = await ctx.tx.repository(DeadlineSubmission).findOneBy({ tenantId: viewer.tenantId, id });
    const org = submission ? await orgService.findById(ctx, submission.orgId) : null;
    return org && inScope(viewer, org.path) ? submission : null;
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
  await ctx.tx.query(
    `INSERT INTO deadline_submission_events (tenant_id, submission_id, action, reason, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [viewer.tenantId, submissionId, action, reason, viewer.userId, at],
  );
  ctx.forget('campaign.submissionHistory');
}

function loadCampaign(ctx: RequestContext, id: string): Promise<Campaign | null> {
  const viewer = requireUser(ctx);
  return ctx
    .loader<string, Campaign | null>('campaign.byId', async (ids) => {
      const rows = await ctx.tx
        .repository(Campaign)
        .createQueryBuilder('c')
        .where('c.tenant_id = :t AND c.id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
        .getMany();
      return ids.map((i) => rows.find((r) => r.id === i) ?? null);
    })
    .load(id);
}

async function timezone(ctx: RequestContext): Promise<string> {
  const [row] = await ctx.tx.query(`SELECT settings->>'timezone' AS tz FROM tenants WHERE id = app_tenant_id()`);
  return row?.tz || TIMEZONE_DEFAULT;
}

function scheduleProblems(input: CreateCampaignInput): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const within = (d: string) => d >= input.startsOn && d <= input.endsOn;
  if (input.endsOn < input.startsOn) problems.push({ field: 'input.endsOn', message: 'endsOn is before startsOn' });
  if (!input.eligibleKinds.length) problems.push({ field: 'input.eligibleKinds', message: 'name at least one eligible org kind' });
  input.phases.forEach((p, i) => {
    if (p.endsOn < p.startsOn) problems.push({ field: `input.phases[${i}].endsOn`, message: `phase “${p.name}” ends before it starts` });
    if (!within(p.startsOn) || !within(p.endsOn))
      problems.push({ field: `input.phases[${i}]`, message: `phase “${p.name}” lies outside the campaign dates` });
  });
  const codes = new Set<string>();
  input.deadlines.forEach((d, i) => {
    if (codes.has(d.code)) problems.push({ field: `input.deadlines[${i}].code`, message: `deadline code ${d.code} appears twice` });
    codes.add(d.code);
    if (!within(d.dueOn))
      problems.push({ field: `input.deadlines[${i}].dueOn`, message: `deadline “${d.name}” lies outside the campaign dates` });
    if (!d.orgKinds.length) problems.push({ field: `input.deadlines[${i}].orgKinds`, message: 'name at least one org kind that owes it' });
  });
  const dates = new Set<string>();
  input.targets.forEach((t, i) => {
    if (!(t.ratio > 0 && t.ratio <= 1))
      problems.push({ field: `input.targets[${i}].ratio`, message: 'a target ratio is above 0 and at most 1' });
    if (dates.has(t.dueOn)) problems.push({ field: `input.targets[${i}].dueOn`, message: 'two targets on one date' });
    dates.add(t.dueOn);
  });
  return problems;
}
