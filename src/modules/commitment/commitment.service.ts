import { inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { UserViewer, scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { ErrorCode, badInput, errorFactory } from '../../graphql/errors';
import { Page, decodeCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { FIGURES_SQL, SatisfactionFigures, tenantToday, toFigures } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role } from '../../auth/roles';
import { Commitment, CommitmentState } from './commitment.entity';

export enum CommitmentErrorReason {
  COMMITMENT_NOT_FOUND = 'COMMITMENT_NOT_FOUND',
  NOT_PLEDGER = 'NOT_PLEDGER',
  NOT_ORG_MEMBER = 'NOT_ORG_MEMBER',
  DUE_IN_PAST = 'DUE_IN_PAST',
  ALREADY_FULFILLED = 'ALREADY_FULFILLED',
}
export const commitmentError = errorFactory<CommitmentErrorReason>({
  COMMITMENT_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOT_PLEDGER: ErrorCode.FORBIDDEN,
  NOT_ORG_MEMBER: ErrorCode.BAD_USER_INPUT,
  DUE_IN_PAST: ErrorCode.BAD_USER_INPUT,
  ALREADY_FULFILLED: ErrorCode.CONFLICT,
});

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
    const viewer = requireUser(ctx);
    const c = await ctx.tx.repository(Commitment).findOneBy({ tenantId: viewer.tenantId, id });
    if (!c) return null;
    const org = await orgService.findById(ctx, c.orgId);
    return org && inScope(viewer, org.path) ? c : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Commitment> {
    const c = await this.find(ctx, id);
    if (!c) throw commitmentError(CommitmentErrorReason.COMMITMENT_NOT_FOUND, 'Commitment not found');
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
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    const officer = inScope(viewer, org.path, COMMITMENT_OFFICERS);
    let memberUserId = input.memberUserId ?? null;
    if (!officer) {
      if (!isMemberOf(viewer, org) || (memberUserId && memberUserId !== viewer.userId)) {
        throw commitmentError(
          CommitmentErrorReason.NOT_PLEDGER,
          'Only the org’s secretary or an officer over it pledges for the org; a member pledges its own',
        );
      }
      memberUserId = viewer.userId;
    } else if (memberUserId) {
      const [member] = await ctx.tx.query(`SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND org_id = $3 AND NOT disabled`, [
        viewer.tenantId,
        memberUserId,
        org.id,
      ]);
      if (!member) throw commitmentError(CommitmentErrorReason.NOT_ORG_MEMBER, 'The member must belong to the org', 'input.memberUserId');
    }
    if (!input.text.trim()) throw badInput('input.text', 'Say what is promised');
    if (input.dueOn < (await tenantToday(ctx)))
      throw commitmentError(CommitmentErrorReason.DUE_IN_PAST, 'A commitment is due today or later', 'input.dueOn');
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
  async fulfil(ctx: RequestContext, id: string, report: string, evidenceRefs: string[]): Promise<Commitment> {
    const viewer = requireUser(ctx);
    const c = await this.getOrThrow(ctx, id);
    const org = (await orgService.findById(ctx, c.orgId))!;
    const mayReport = inScope(viewer, org.path, COMMITMENT_OFFICERS) || (c.memberUserId !== null && c.memberUserId === viewer.userId);
    if (!mayReport)
      throw commitmentError(
        CommitmentErrorReason.NOT_PLEDGER,
        'Only the pledger (the member itself, or the org’s secretary or an officer over it) reports fulfilment',
      );
    if (!report.trim()) throw badInput('input.report', 'Say how the commitment was kept');
    if (evidenceRefs.some((e) => !e.trim())) throw badInput('input.evidenceRefs', 'An evidence reference is empty');
    const [, changed] = await ctx.tx.query(
      `UPDATE commitments SET state = 'FULFILLED', report = $3, evidence_refs = $4, fulfilled_by = $5, fulfilled_at = now()
        WHERE tenant_id = $1 AND id = $2 AND state = 'PLEDGED'`,
      [viewer.tenantId, c.id, report.trim(), evidenceRefs.map((e) => e.trim()), viewer.userId],
    );
    if (!changed) throw commitmentError(CommitmentErrorReason.ALREADY_FULFILLED, 'The commitment is already fulfilled');
    return ctx.tx.repository(Commitment).findOneByOrFail({ tenantId: viewer.tenantId, id: c.id });
  },

  /** Commitments of orgs in the subtree (within the viewer's scope), soonest due first. */
  async list(ctx: RequestContext, filter: CommitmentFilter, first: number, after?: string): Promise<Page<Commitment>> {
    const viewer = requireUser(ctx);
    const roots = filter.under ? scopedRootsUnder(viewer, filter.under.path) : scopePaths(viewer);
    const today = await tenantToday(ctx);
    const build = () => {
      const scope = underAnySql('o', roots);
      const qb = ctx.tx
        .repository(Commitment)
        .createQueryBuilder('c')
        .innerJoin('orgs', 'o', 'o.tenant_id = c.tenant_id AND o.id = c.org_id')
        .where('c.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(scope.sql, scope.params);
      if (filter.orgId) qb.andWhere('c.org_id = :org', { org: filter.orgId });
      if (filter.state === CommitmentState.FULFILLED) qb.andWhere(`c.state = 'FULFILLED'`);
      if (filter.state === CommitmentState.PLEDGED) qb.andWhere(`c.state = 'PLEDGED' AND c.due_on >= CAST(:today AS date)`, { today });
      if (filter.state === CommitmentState.OVERDUE) qb.andWhere(`c.state = 'PLEDGED' AND c.due_on < CAST(:today AS date)`, { today });
      return qb;
    };
    const qb = build()
      .orderBy('c.due_on', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .limit(first + 1);
    const cursor = decodeCursor(after, 2);
    if (cursor) qb.andWhere('(c.due_on, c.id) > (CAST(:d AS date), CAST(:i AS uuid))', { d: cursor[0], i: cursor[1] });
    return pageFrom(
      await qb.getMany(),
      first,
      after,
      (c) => encodeCursor([c.dueOn, c.id]),
      () => build().getCount(),
    );
  },

  /** 评诺: the public's ratings of each commitment, batched per request. */
  async rating(ctx: RequestContext, c: Commitment): Promise<SatisfactionFigures> {
    return ctx
      .loader<string, SatisfactionFigures>('commitment.rating', async (ids) => {
        const rows: ({ commitment_id: string } & Parameters<typeof toFigures>[0])[] = await ctx.tx.query(
          `SELECT r.commitment_id, ${FIGURES_SQL} FROM public_reviews r WHERE r.tenant_id = $1 AND r.commitment_id = ANY($2::uuid[]) AND r.excluded_at IS NULL GROUP BY r.commitment_id`,
          [c.tenantId, [...ids]],
        );
        return ids.map((id) => toFigures(rows.find((r) => r!.commitment_id === id)));
      })
      .load(c.id);
  },
};
