import { inScope } from '../../auth/scope';
import { scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { ErrorCode, errorFactory } from '../../graphql/errors';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { tenantService } from '../tenant/tenant.service';
import { Role } from '../../auth/roles';
import { ServiceRequest, ServiceRequestState } from './service-request.entity';

export enum ServiceRequestErrorReason {
  SERVICE_REQUEST_NOT_FOUND = 'SERVICE_REQUEST_NOT_FOUND',
  NO_SUPERIOR = 'NO_SUPERIOR',
  NOT_REQUESTER = 'NOT_REQUESTER',
  NOT_RESPONDER = 'NOT_RESPONDER',
  ALREADY_ANSWERED = 'ALREADY_ANSWERED',
}
export const serviceRequestError = errorFactory<ServiceRequestErrorReason>({
  SERVICE_REQUEST_NOT_FOUND: ErrorCode.NOT_FOUND,
  NO_SUPERIOR: ErrorCode.BAD_USER_INPUT,
  NOT_REQUESTER: ErrorCode.FORBIDDEN,
  NOT_RESPONDER: ErrorCode.FORBIDDEN,
  ALREADY_ANSWERED: ErrorCode.CONFLICT,
});

const OFFICERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

export const serviceRequestService = {
  /** Visible to whoever reads the asking org or the answering org. */
  async find(ctx: RequestContext, id: string): Promise<ServiceRequest | null> {
    const viewer = requireUser(ctx);
    const r = await ctx.tx.repository(ServiceRequest).findOneBy({ tenantId: viewer.tenantId, id });
    if (!r) return null;
    const [from, to] = await Promise.all([orgService.findById(ctx, r.fromOrgId), orgService.findById(ctx, r.toOrgId)]);
    return (from && inScope(viewer, from.path)) || (to && inScope(viewer, to.path)) ? r : null;
  },

  async raise(ctx: RequestContext, input: { fromOrgId: string; title: string; description: string }): Promise<ServiceRequest> {
    const viewer = requireUser(ctx);
    const from = await orgService.getInScopeOrThrow(ctx, input.fromOrgId);
    if (!inScope(viewer, from.path, OFFICERS))
      throw serviceRequestError(
        ServiceRequestErrorReason.NOT_REQUESTER,
        'Only the org’s secretary or an officer over it raises a request for it',
      );
    if (!from.parentId)
      throw serviceRequestError(ServiceRequestErrorReason.NO_SUPERIOR, 'The root org has no superior to ask', 'input.fromOrgId');
    const hours = (await tenantService.settings(ctx)).serviceRequestHours;
    const repo = ctx.tx.repository(ServiceRequest);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        fromOrgId: from.id,
        toOrgId: from.parentId,
        title: input.title,
        description: input.description,
        state: ServiceRequestState.OPEN,
        dueAt: new Date(Date.now() + hours * 3600_000),
        createdBy: viewer.userId,
      }),
    );
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** The superior answers: an officer whose scope covers the org asked. */
  async answer(ctx: RequestContext, id: string, answer: string): Promise<ServiceRequest> {
    const viewer = requireUser(ctx);
    const r = await this.find(ctx, id);
    if (!r) throw serviceRequestError(ServiceRequestErrorReason.SERVICE_REQUEST_NOT_FOUND, 'Service request not found');
    const to = (await orgService.findById(ctx, r.toOrgId))!;
    if (!to || !inScope(viewer, to.path, OFFICERS))
      throw serviceRequestError(ServiceRequestErrorReason.NOT_RESPONDER, 'Only an officer of the superior org answers');
    const [, changed] = await ctx.tx.query(
      `UPDATE service_requests SET state = 'ANSWERED', answer = $3, answered_by = $4, answered_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'OPEN'`,
      [viewer.tenantId, r.id, answer, viewer.userId],
    );
    if (!changed) throw serviceRequestError(ServiceRequestErrorReason.ALREADY_ANSWERED, 'The request is already answered');
    return ctx.tx.repository(ServiceRequest).findOneByOrFail({ tenantId: viewer.tenantId, id: r.id });
  },

  /** Requests asked of or by orgs in the subtree (within the viewer's scope), oldest due first. */
  async list(
    ctx: RequestContext,
    filter: { under?: Org | null; state?: ServiceRequestState; overdue?: boolean },
    first: number,
  ): Promise<ServiceRequest[]> {
    const viewer = requireUser(ctx);
    const roots = filter.under ? [filter.under.path] : scopePaths(viewer);
    const qb = ctx.tx
      .repository(ServiceRequest)
      .createQueryBuilder('r')
      .innerJoin('orgs', 't', 't.tenant_id = r.tenant_id AND t.id = r.to_org_id')
      .innerJoin('orgs', 'f', 'f.tenant_id = r.tenant_id AND f.id = r.from_org_id')
      .where('r.tenant_id = :t', { t: viewer.tenantId })
      .andWhere(
        `(${roots.map((_, i) => `t.path <@ CAST(:p${i} AS ltree) OR f.path <@ CAST(:p${i} AS ltree)`).join(' OR ') || 'false'})`,
        Object.fromEntries(roots.map((p, i) => [`p${i}`, p])),
      );
    if (filter.state) qb.andWhere('r.state = :state', { state: filter.state });
    if (filter.overdue) qb.andWhere(`r.state = 'OPEN' AND r.due_at < now()`);
    return qb.orderBy('r.due_at', 'ASC').limit(first).getMany();
  },
};
