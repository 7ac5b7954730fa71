import { inScope, underAnySql } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { Order, OrderColumn, OrderDirection, OrderSpec, nullsAsSql, orderedPage, rankSql } from '../../graphql/order';
import { Page } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { coversTenant, rootsFor } from '../org/scoped';
import { tenantService } from '../tenant/tenant.service';
import { Role } from '../../auth/roles';
import { ServiceRequest, ServiceRequestDirection, ServiceRequestOrderField, ServiceRequestState } from './service-request.entity';
import { serviceRequestError } from './service-request.errors';
import { countUnderLock } from '../../db/advisory-lock';

const OFFICERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

export interface ServiceRequestFilter {
  under?: Org | null;
  state?: ServiceRequestState;
  overdue?: boolean;
  /** Raised by orgs of the list's range, or asked of them; both when not given. */
  direction?: ServiceRequestDirection | null;
}

const RAISED_AT: OrderColumn = { sql: 'r.created_at', type: 'timestamptz' };

export const SERVICE_REQUEST_ORDER: OrderSpec<ServiceRequestOrderField> = {
  list: 'serviceRequests',
  id: 'r.id',
  fields: {
    DUE_AT: [{ sql: 'r.due_at', type: 'timestamptz' }, RAISED_AT],
    CREATED_AT: [RAISED_AT],
    ANSWERED_AT: [{ sql: nullsAsSql('r.answered_at', `'infinity'::timestamptz`), type: 'timestamptz' }, RAISED_AT],
    STATE: [{ sql: rankSql('r.state', Object.values(ServiceRequestState)), type: 'int' }, RAISED_AT],
  },
  default: { field: ServiceRequestOrderField.DUE_AT, direction: OrderDirection.ASC },
};

export const serviceRequestService = {
  /** Visible to whoever reads the asking org or the answering org: two orgs, so the module's own rule. */
  async find(ctx: RequestContext, id: string): Promise<ServiceRequest | null> {
    const viewer = requireUser(ctx);
    const r = await ctx.tx.repository(ServiceRequest).findOneBy({ tenantId: viewer.tenantId, id });
    if (!r) return null;
    const [from, to] = await Promise.all([orgService.findById(ctx, r.fromOrgId), orgService.findById(ctx, r.toOrgId)]);
    return (from && inScope(viewer, from.path)) || (to && inScope(viewer, to.path)) ? r : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<ServiceRequest> {
    const r = await this.find(ctx, id);
    if (!r) throw serviceRequestError('SERVICE_REQUEST_NOT_FOUND');
    return r;
  },

  async raise(ctx: RequestContext, input: { fromOrgId: string; title: string; description: string }): Promise<ServiceRequest> {
    const viewer = requireUser(ctx);
    const from = await orgService.getLiveInScopeOrThrow(
      ctx,
      input.fromOrgId,
      (o) => {
        if (!inScope(viewer, o.path, OFFICERS)) throw serviceRequestError('NOT_REQUESTER');
      },
      'input.fromOrgId',
    );
    if (!from.parentId) throw serviceRequestError('NO_SUPERIOR', 'input.fromOrgId');
    // an org's open requests are bounded: counted under a lock per asking org, so concurrent raises pass the count one at a time
    const { count: open } = await countUnderLock(
      ctx.tx,
      `service-requests-open:${viewer.tenantId}:${from.id}`,
      `SELECT count(*)::int AS count FROM service_requests WHERE tenant_id = $1 AND from_org_id = $2 AND state = 'OPEN'`,
      [viewer.tenantId, from.id],
    );
    const limit = ctx.config.openServiceRequestsPerOrg;
    if (open >= limit)
      throw serviceRequestError('TOO_MANY_OPEN_REQUESTS', { field: 'input.fromOrgId', params: { org: from.name, open, limit } });
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
    const r = await this.getOrThrow(ctx, id);
    // the org asked held to the commit, the responder checked where it stands after a concurrent move
    const to = await orgService.holdForChange(
      ctx,
      r.toOrgId,
      (org) => {
        if (!inScope(viewer, org.path, OFFICERS)) throw serviceRequestError('NOT_RESPONDER');
      },
      () => serviceRequestError('SERVICE_REQUEST_NOT_FOUND'),
    );
    // answered only as asked of the org checked: a move of the asking org re-addresses an open request (its trigger)
    const changed = await ctx.tx.execute(
      `UPDATE service_requests SET state = 'ANSWERED', answer = $3, answered_by = $4, answered_at = now()
        WHERE tenant_id = $1 AND id = $2 AND state = 'OPEN' AND to_org_id = $5`,
      [viewer.tenantId, r.id, answer, viewer.userId, to.id],
    );
    if (!changed) {
      const [now] = await ctx.tx.query<{ state: string }>(`SELECT state FROM service_requests WHERE tenant_id = $1 AND id = $2`, [
        viewer.tenantId,
        r.id,
      ]);
      throw serviceRequestError(now?.state === 'OPEN' ? 'NOT_RESPONDER' : 'ALREADY_ANSWERED');
    }
    return ctx.tx.repository(ServiceRequest).findOneByOrFail({ tenantId: viewer.tenantId, id: r.id });
  },

  /**
   * Requests asked of or by orgs in the subtree (within the viewer's scope), or only one direction,
   * soonest due first by default. A request concerns two orgs, so the scope is written here for both
   * (the union of a path_key range scan from each side) rather than through scopedQuery's one org column;
   * a scope over the whole tenant needs none.
   */
  async list(
    ctx: RequestContext,
    filter: ServiceRequestFilter,
    first: number,
    after?: string | null,
    order?: Order<ServiceRequestOrderField> | null,
  ): Promise<Page<ServiceRequest>> {
    const viewer = requireUser(ctx);
    const roots = rootsFor(viewer, filter.under);
    // asked by an org of the range, or of one: each an index scan from the orgs' path_key range, read
    // once into an array (never a semi-join the planner might rerun for every row of the order's index)
    const side = (column: string, side: string) => {
      const range = underAnySql(`${side}_o`, roots);
      return {
        sql: `SELECT ${side}_r.id FROM service_requests ${side}_r JOIN orgs ${side}_o ON ${side}_o.tenant_id = ${side}_r.tenant_id AND ${side}_o.id = ${side}_r.${column}
               WHERE ${side}_r.tenant_id = :t AND ${range.sql}`,
        params: range.params,
      };
    };
    const sides = [
      ...(filter.direction !== ServiceRequestDirection.RECEIVED ? [side('from_org_id', 'raised')] : []),
      ...(filter.direction !== ServiceRequestDirection.RAISED ? [side('to_org_id', 'received')] : []),
    ];
    const build = () => {
      const qb = ctx.tx.repository(ServiceRequest).createQueryBuilder('r').where('r.tenant_id = :t', { t: viewer.tenantId });
      if (!coversTenant(roots)) {
        qb.andWhere(
          `r.id = ANY(ARRAY(${sides.map((x) => x.sql).join(' UNION ALL ')}))`,
          sides.reduce((all, x) => ({ ...all, ...x.params }), {}),
        );
      }
      if (filter.state) qb.andWhere('r.state = :state', { state: filter.state });
      if (filter.overdue) qb.andWhere(`r.state = 'OPEN' AND r.due_at < now()`);
      return qb;
    };
    return orderedPage(build, SERVICE_REQUEST_ORDER, order, first, after);
  },
};
