import { inScope } from '../../auth/scope';
import { UserViewer } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { inTenantYearSql, yearOf } from '../../graphql/today';
import { Page } from '../../graphql/relay';
import { FIGURES_SQL, FigureRow, SatisfactionFigures, tenantToday, toFigures } from '../link-code/public';
import { Org } from '../org/org.entity';
import { fileService } from '../file/file.service';
import { orgService } from '../org/org.service';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { commitmentError } from './commitment.errors';
import { Role } from '../../auth/roles';
import { Commitment, CommitmentState } from './commitment.entity';
import { countUnderLock } from '../../db/advisory-lock';

/** The org's secretary, or an officer over it, pledges and reports for the org. */
export const COMMITMENT_OFFICERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

const isMemberOf = (viewer: UserViewer, org: Org) => viewer.roles.some((r) => r.role === Role.MEMBER && r.orgId === org.id);

export interface CommitmentFilter {
  under?: Org | null;
  orgId?: string;
  state?: CommitmentState;
}

export const commitmentService = {
  /** The state with OVERDUE computed against the tenant's today. */
  stateOf(c: Commitment, today: string): CommitmentState {
    if (c.storedState === CommitmentState.FULFILLED) return CommitmentState.FULFILLED;
    return c.dueOn < today ? CommitmentState.OVERDUE : CommitmentState.PLEDGED;
  },

  /** Visible to whoever reads its org. */
  async find(ctx: RequestContext, id: string): Promise<Commitment | null> {
    return findInScope(ctx, Commitment, id, (c) => c.orgId);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Commitment> {
    const c = await this.find(ctx, id);
    if (!c) throw commitmentError('COMMITMENT_NOT_FOUND');
    return c;
  },

  /**
   * 亮承诺. Officers over the org pledge for it (or for one of its members, named by memberUserId); a
   * MEMBER pledges its own (memberUserId defaults to itself and can name nobody else).
   */
  async pledge(
    ctx: RequestContext,
    input: { orgId: string; text: string; dueOn: string; memberUserId?: string | null },
  ): Promise<Commitment> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, COMMITMENT_OFFICERS) && !isMemberOf(viewer, o)) throw commitmentError('NOT_PLEDGER');
    });
    const officer = inScope(viewer, org.path, COMMITMENT_OFFICERS);
    let memberUserId = input.memberUserId ?? null;
    if (!officer) {
      if (!isMemberOf(viewer, org) || (memberUserId && memberUserId !== viewer.userId)) {
        throw commitmentError('NOT_PLEDGER');
      }
      memberUserId = viewer.userId;
    } else if (memberUserId) {
      const [member] = await ctx.tx.query<{ one: number }>(
        `SELECT 1 AS one FROM users WHERE tenant_id = $1 AND id = $2 AND org_id = $3 AND NOT disabled`,
        [viewer.tenantId, memberUserId, org.id],
      );
      if (!member) throw commitmentError('NOT_ORG_MEMBER', 'input.memberUserId');
    }
    if (!input.text.trim()) throw commitmentError('COMMITMENT_TEXT_BLANK', 'input.text');
    const today = await tenantToday(ctx);
    if (input.dueOn < today) throw commitmentError('DUE_IN_PAST', 'input.dueOn');
    // an org's pledges of the tenant's year are bounded: counted under a lock per org, so concurrent pledges pass the count one at a time
    const { year, start } = yearOf(today);
    const { count, member } = await countUnderLock<{ count: number; member: number }>(
      ctx.tx,
      `commitments:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count, count(*) FILTER (WHERE member_user_id = $4)::int AS member FROM commitments
        WHERE tenant_id = $1 AND org_id = $2 AND ${inTenantYearSql('created_at', '$3')}`,
      [viewer.tenantId, org.id, start, memberUserId],
    );
    const limit = ctx.config.commitmentsPerOrgPerYear;
    if (count >= limit)
      throw commitmentError('TOO_MANY_COMMITMENTS', { field: 'input.orgId', params: { org: org.name, year, count, limit } });
    // one member's pledges a year are bounded too, so that one member never takes the org's whole year
    const memberLimit = ctx.config.commitmentsPerMemberPerYear;
    if (memberUserId && member >= memberLimit)
      throw commitmentError('TOO_MANY_MEMBER_COMMITMENTS', {
        field: 'input.memberUserId',
        params: { year, count: member, limit: memberLimit },
      });
    const repo = ctx.tx.repository(Commitment);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        orgId: org.id,
        memberUserId,
        text: input.text.trim(),
        dueOn: input.dueOn,
        storedState: CommitmentState.PLEDGED,
        evidenceRefs: [],
        createdBy: viewer.userId,
      }),
    );
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** 践诺: the fulfilment report with evidence, by the pledger side (a member's own, or the org's officers). */
  async fulfil(ctx: RequestContext, id: string, report: string, evidenceRefs: string[], fileIds: string[] = []): Promise<Commitment> {
    const viewer = requireUser(ctx);
    const c = await this.getOrThrow(ctx, id);
    await orgService.holdForChange(
      ctx,
      c.orgId,
      (org) => {
        const mayReport = inScope(viewer, org.path, COMMITMENT_OFFICERS) || (c.memberUserId !== null && c.memberUserId === viewer.userId);
        if (!mayReport) throw commitmentError('NOT_PLEDGER');
      },
      () => commitmentError('COMMITMENT_NOT_FOUND'),
    );
    if (!report.trim()) throw commitmentError('REPORT_BLANK', 'input.report');
    if (evidenceRefs.some((e) => !e.trim())) throw commitmentError('EVIDENCE_BLANK', 'input.evidenceRefs');
    const changed = await ctx.tx.execute(
      `UPDATE commitments SET state = 'FULFILLED', report = $3, evidence_refs = $4, fulfilled_by = $5, fulfilled_at = now()
        WHERE tenant_id = $1 AND id = $2 AND state = 'PLEDGED'`,
      [viewer.tenantId, c.id, report.trim(), evidenceRefs.map((e) => e.trim()), viewer.userId],
    );
    if (!changed) throw commitmentError('ALREADY_FULFILLED');
    // the fulfilment's evidence, fixed with it (a fulfilled commitment is not edited)
    await fileService.attach(ctx, 'CommitmentFulfilment', c.id, fileIds, 'input.fileIds');
    return ctx.tx.repository(Commitment).findOneByOrFail({ tenantId: viewer.tenantId, id: c.id });
  },

  /** Commitments of orgs in the subtree (within the viewer's scope), soonest due first. */
  async list(ctx: RequestContext, filter: CommitmentFilter, first: number, after?: string): Promise<Page<Commitment>> {
    const roots = rootsFor(requireUser(ctx), filter.under);
    const today = await tenantToday(ctx);
    const build = () => {
      const qb = scopedQuery(ctx, Commitment, 'c', 'org_id', roots);
      if (filter.orgId) qb.andWhere('c.org_id = :org', { org: filter.orgId });
      if (filter.state === CommitmentState.FULFILLED) qb.andWhere(`c.state = 'FULFILLED'`);
      if (filter.state === CommitmentState.PLEDGED) qb.andWhere(`c.state = 'PLEDGED' AND c.due_on >= CAST(:today AS date)`, { today });
      if (filter.state === CommitmentState.OVERDUE) qb.andWhere(`c.state = 'PLEDGED' AND c.due_on < CAST(:today AS date)`, { today });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'c.due_on', type: 'date', of: (c) => c.dueOn },
        { sql: 'c.id', type: 'uuid', of: (c) => c.id },
      ],
      first,
      after,
    );
  },

  /** 评诺: the public's ratings of each commitment, batched per request. */
  async rating(ctx: RequestContext, c: Commitment): Promise<SatisfactionFigures> {
    return ctx
      .loader<string, SatisfactionFigures>('commitment.rating', async (ids) => {
        const rows = await ctx.tx.query<{ commitment_id: string } & FigureRow>(
          `SELECT r.commitment_id, ${FIGURES_SQL} FROM public_reviews r WHERE r.tenant_id = $1 AND r.commitment_id = ANY($2::uuid[]) AND r.excluded_at IS NULL GROUP BY r.commitment_id`,
          [c.tenantId, [...ids]],
        );
        return ids.map((id) => toFigures(rows.find((r) => r.commitment_id === id)));
      })
      .load(c.id);
  },
};
