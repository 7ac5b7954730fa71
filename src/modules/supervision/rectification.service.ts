import { inScope } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { FileChanges, fileService } from '../file/file.service';
import { orgService } from '../org/org.service';
import { rootsFor, scopedQuery } from '../org/scoped';
import { Role } from '../../auth/roles';
import { CLOSED_RECTIFICATION_STATES, Finding, Rectification, RectificationState, rectificationStateLabels } from './supervision.entity';
import { supervisionError } from './supervision.errors';
import { supervisionService } from './supervision.service';
import { TENANT_TODAY_SQL } from '../../graphql/today';

export interface RectificationFilter {
  under?: Org | null;
  teamId?: string;
  ownerOrgId?: string;
  state?: RectificationState;
  overdue?: boolean;
}

/** Officers who may report a fix for an org they stand over (besides the org's own secretary). */
const REPORTERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR];
const OVERDUE_SQL = `r.state NOT IN ('VERIFIED', 'WITHDRAWN') AND r.due_on < ${TENANT_TODAY_SQL}`;

/** Refused in its current state (read after the refused write: a concurrent request may just have moved it). */
const wrongState = (r: Rectification) =>
  supervisionError('WRONG_RECTIFICATION_STATE', { params: { state: rectificationStateLabels[r.state] } });

export const rectificationService = {
  isOverdue(r: Rectification, today: string): boolean {
    return !CLOSED_RECTIFICATION_STATES.includes(r.state) && r.dueOn < today;
  },

  /**
   * Visible to whoever reads the owner org, and to the issuing team's people (whose scope may no longer
   * cover the org): more than the org's scope, so the module's own rule.
   */
  async find(ctx: RequestContext, id: string): Promise<Rectification | null> {
    const viewer = requireUser(ctx);
    const r = await ctx.tx.repository(Rectification).findOneBy({ tenantId: viewer.tenantId, id });
    return r && (await this.visible(ctx, r)) ? r : null;
  },

  /** Whether the viewer may read a rectification (find's rule); the org, team and members come from loaders. */
  async visible(ctx: RequestContext, r: Rectification): Promise<boolean> {
    const viewer = requireUser(ctx);
    const owner = await orgService.findById(ctx, r.ownerOrgId);
    if (owner && inScope(viewer, owner.path)) return true;
    const team = await supervisionService.teamById(ctx, r.teamId);
    return supervisionService.isMember(ctx, team, viewer);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Rectification> {
    const r = await this.find(ctx, id);
    if (!r) throw supervisionError('RECTIFICATION_NOT_FOUND');
    return r;
  },

  /**
   * The rectification a finding ordered: it belongs to the finding's first version, so every amended copy
   * finds it. Null when the viewer may not read it (find's rule): a finding is seen by whoever reads the
   * inspected org, while its rectification may be ordered to another org (a superior one) out of sight.
   */
  async byFinding(ctx: RequestContext, finding: Finding): Promise<Rectification | null> {
    const viewer = requireUser(ctx);
    const findingId = finding.originId ?? finding.id;
    const r = await ctx
      .loader<string, Rectification | null>('rectification.byFinding', async (ids) => {
        const rows = await ctx.tx
          .repository(Rectification)
          .createQueryBuilder('r')
          .where('r.tenant_id = :t AND r.finding_id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
          .getMany();
        return ids.map((id) => rows.find((r) => r.findingId === id) ?? null);
      })
      .load(findingId);
    return r && (await this.visible(ctx, r)) ? r : null;
  },

  /**
   * Open, overdue or any rectifications in a subtree, by team or by org, soonest due first: the viewer's
   * scope limits the owner orgs, except for a team's own people asking about their team.
   */
  async list(ctx: RequestContext, filter: RectificationFilter, first: number, after?: string): Promise<Page<Rectification>> {
    const viewer = requireUser(ctx);
    let roots = rootsFor(viewer, filter.under);
    if (filter.teamId) {
      const team = await supervisionService.getTeamOrThrow(ctx, filter.teamId);
      if (await supervisionService.isMember(ctx, team, viewer))
        roots = filter.under ? [filter.under.path] : (await supervisionService.scopeOrgs(ctx, team)).map((o) => o.path);
    }
    const build = () => {
      const qb = scopedQuery(ctx, Rectification, 'r', 'owner_org_id', roots);
      if (filter.teamId) qb.andWhere('r.team_id = :team', { team: filter.teamId });
      if (filter.ownerOrgId) qb.andWhere('r.owner_org_id = :owner', { owner: filter.ownerOrgId });
      if (filter.state) qb.andWhere('r.state = :state', { state: filter.state });
      if (filter.overdue === true) qb.andWhere(OVERDUE_SQL);
      if (filter.overdue === false) qb.andWhere(`NOT (${OVERDUE_SQL})`);
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'r.due_on', type: 'date', of: (r) => r.dueOn },
        { sql: 'r.id', type: 'uuid', of: (r) => r.id },
      ],
      first,
      after,
    );
  },

  /** The owner org reports what it did (with evidence references): OPEN or REOPENED → SUBMITTED. */
  async submit(
    ctx: RequestContext,
    id: string,
    report: string,
    evidenceRefs: string[] | null | undefined,
    files: FileChanges = {},
  ): Promise<Rectification> {
    const viewer = requireUser(ctx);
    const r = await this.getOrThrow(ctx, id);
    // null when only the issuing team sees it (the org moved out of the viewer's scope): no reporter then
    const owner = await orgService.findById(ctx, r.ownerOrgId);
    if (!owner) throw supervisionError('NOT_RECTIFIER');
    // the reporter's role first, then the owner org held for the report (a move that took it out of the
    // reporter's scope meanwhile is seen)
    await orgService.holdForChange(
      ctx,
      owner.id,
      (o) => {
        const reports = viewer.roles.some((x) => x.role === Role.SECRETARY && x.orgId === o.id) || inScope(viewer, o.path, REPORTERS);
        if (!reports) throw supervisionError('NOT_RECTIFIER');
      },
      () => supervisionError('RECTIFICATION_NOT_FOUND'),
    );
    if (!report.trim()) throw supervisionError('RECTIFICATION_REPORT_BLANK', 'input.report');
    // and still this org's: an amendment finalized meanwhile may have ordered it to another (RECTIFYING_ORG_FIXED
    // keeps a worked-on one where it is, an untouched one may move)
    const changed = await ctx.tx.execute(
      // references left out keep what an earlier report gave (as its files stay)
      `UPDATE rectifications SET state = 'SUBMITTED', report = $3, evidence_refs = coalesce($4, evidence_refs), submitted_by = $5, submitted_at = now()
        WHERE tenant_id = $1 AND id = $2 AND state IN ('OPEN', 'REOPENED') AND owner_org_id = $6`,
      [viewer.tenantId, r.id, report, evidenceRefs ?? null, viewer.userId, owner.id],
    );
    const current = await ctx.tx.repository(Rectification).findOneByOrFail({ tenantId: viewer.tenantId, id: r.id });
    if (!changed && current.ownerOrgId !== owner.id) throw supervisionError('NOT_RECTIFIER');
    if (!changed) throw wrongState(current);
    // its evidence files change with a (re)submission only: once submitted, what the team checks stays
    await fileService.change(ctx, 'RectificationSubmission', r.id, files);
    return current;
  },

  /** The issuing team signs it off (销号) or reopens it with a reason. */
  async verify(ctx: RequestContext, id: string, accept: boolean, reason?: string | null): Promise<Rectification> {
    const viewer = requireUser(ctx);
    const r = await this.getOrThrow(ctx, id);
    const team = await supervisionService.teamById(ctx, r.teamId);
    if (!(await supervisionService.isMember(ctx, team, viewer))) throw supervisionError('NOT_TEAM_MEMBER');
    // a report is checked by another than who made it (as an evaluation is reviewed by another than its submitter)
    if (r.state === RectificationState.SUBMITTED && r.submittedBy === viewer.userId) throw supervisionError('VERIFIER_IS_REPORTER');
    if (!accept && !reason?.trim()) throw supervisionError('REOPEN_REASON_REQUIRED', 'input.reason');
    // the state and the reporter checked again in the write: a report by the viewer may have come in since the read
    const changed = await ctx.tx.execute(
      accept
        ? `UPDATE rectifications SET state = 'VERIFIED', verified_by = $3, verified_at = now(), reopen_reason = NULL
            WHERE tenant_id = $1 AND id = $2 AND state = 'SUBMITTED' AND submitted_by IS DISTINCT FROM $3`
        : `UPDATE rectifications SET state = 'REOPENED', reopen_reason = $4, verified_by = NULL, verified_at = NULL
            WHERE tenant_id = $1 AND id = $2 AND state = 'SUBMITTED' AND submitted_by IS DISTINCT FROM $3::uuid`,
      accept ? [viewer.tenantId, r.id, viewer.userId] : [viewer.tenantId, r.id, viewer.userId, reason],
    );
    const current = await ctx.tx.repository(Rectification).findOneByOrFail({ tenantId: viewer.tenantId, id: r.id });
    if (!changed && current.state === RectificationState.SUBMITTED && current.submittedBy === viewer.userId)
      throw supervisionError('VERIFIER_IS_REPORTER');
    if (!changed) throw wrongState(current);
    return current;
  },
};
