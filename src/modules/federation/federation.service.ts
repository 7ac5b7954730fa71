import { Role } from '../../auth/roles';
import { holdsRoleAtRoot } from '../../auth/scope';
import { UserViewer } from '../../auth/viewer';
import { RequestContext, requireOperator, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeGlobalId, decodeTypedCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { LinkedTenant, TenantLink, TenantLinkSide, TenantLinkState } from './federation.entity';
import { federationError } from './federation.errors';
import { countUnderLock } from '../../db/advisory-lock';

/** A link as the platform operator lists it: the two tenants and the state, nothing inside either. */
export interface PlatformLinkRow {
  id: string;
  superior: LinkedTenant;
  subordinate: LinkedTenant;
  state: TenantLinkState;
  invitedAt: Date;
  respondedAt: Date | null;
  endedAt: Date | null;
}

/** Links and grants bind the whole tenant: a TENANT_ADMIN at the root handles them. */
export function requireRootAdmin(ctx: RequestContext): UserViewer {
  const viewer = requireUser(ctx);
  if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw federationError('FEDERATION_NOT_ROOT_ADMIN');
  return viewer;
}

export const federationService = {
  /** The viewer tenant's links, newest first (a root admin's). */
  async links(ctx: RequestContext, first: number, after?: string, state?: TenantLinkState | null): Promise<Page<TenantLink>> {
    const viewer = requireRootAdmin(ctx);
    return keysetPage(
      () => {
        const qb = ctx.tx.repository(TenantLink).createQueryBuilder('l').where('l.tenant_id = :tenant', { tenant: viewer.tenantId });
        if (state) qb.andWhere('l.state = :state', { state });
        return qb;
      },
      [
        { sql: 'l.invited_at', type: 'timestamptz', desc: true },
        { sql: 'l.id', type: 'uuid', desc: true },
      ],
      first,
      after,
    );
  },

  /** One of the viewer tenant's links (null for another tenant's, a malformed and an unknown id alike). */
  async find(ctx: RequestContext, id: string): Promise<TenantLink | null> {
    const viewer = requireUser(ctx);
    return ctx.tx.repository(TenantLink).findOneBy({ tenantId: viewer.tenantId, id });
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<TenantLink> {
    const link = await this.find(ctx, id);
    if (!link) throw federationError('FEDERATION_LINK_NOT_FOUND', 'input.linkId');
    return link;
  },

  /** The other party's slug and name (batched: one definer call per request). */
  async peer(ctx: RequestContext, link: TenantLink): Promise<LinkedTenant | null> {
    return ctx
      .loader<string, LinkedTenant | null>('federation.peers', async (ids) => {
        const rows = await ctx.tx.query<{ tenant_id: string; slug: string; name: string }>(`SELECT * FROM app_federation_peers()`);
        const byId = new Map(rows.map((r) => [r.tenant_id, { slug: r.slug, name: r.name }]));
        return ids.map((id) => byId.get(id) ?? null);
      })
      .load(link.peerTenantId);
  },

  /** A superior invites a tenant by its slug: PENDING until the invited tenant's root admin answers. */
  async invite(ctx: RequestContext, slug: string): Promise<TenantLink> {
    const viewer = requireRootAdmin(ctx);
    if (!/^[a-z][a-z0-9-]{1,39}$/.test(slug))
      throw federationError('FEDERATION_TENANT_NOT_FOUND', { field: 'input.slug', params: { slug } });
    const [own] = await ctx.tx.query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = $1`, [viewer.tenantId]);
    if (own?.slug === slug) throw federationError('FEDERATION_SELF_LINK', 'input.slug');
    // each invitation writes into the invited tenant: bounded per day, withdrawn ones counted (an invitation withdrawn
    // and sent again is a new row there), under a lock of the inviting tenant so concurrent ones count one by one
    const { count: sent } = await countUnderLock(
      ctx.tx,
      `federation-invites:${viewer.tenantId}`,
      `SELECT count(*)::int AS count FROM tenant_links WHERE tenant_id = $1 AND invited_at > now() - interval '1 day' AND side = 'SUPERIOR'`,
      [viewer.tenantId],
    );
    const limit = ctx.config.federationInvitesPerDay;
    if (sent >= limit) throw federationError('FEDERATION_TOO_MANY_INVITATIONS', { field: 'input.slug', params: { count: sent, limit } });
    const [{ link }] = await ctx.tx.query<{ link: string | null }>(`SELECT app_federation_invite($1) AS link`, [slug]);
    if (!link) throw federationError('FEDERATION_TENANT_NOT_FOUND', { field: 'input.slug', params: { slug } });
    return this.getOrThrow(ctx, link);
  },

  /** A link of the viewer's tenant by its global id (after the role check: NOT_FOUND for anything else). */
  async byGlobalId(ctx: RequestContext, globalId: string): Promise<TenantLink> {
    requireRootAdmin(ctx);
    const decoded = decodeGlobalId(globalId);
    if (decoded?.type !== 'TenantLink') throw federationError('FEDERATION_LINK_NOT_FOUND', 'input.linkId');
    return this.getOrThrow(ctx, decoded.id);
  },

  /** The invited tenant accepts or declines a pending invitation. */
  async respond(ctx: RequestContext, globalId: string, accept: boolean): Promise<TenantLink> {
    const link = await this.byGlobalId(ctx, globalId);
    const id = link.id;
    if (link.side !== TenantLinkSide.SUBORDINATE) throw federationError('FEDERATION_NOT_INVITEE', 'input.linkId');
    if (link.state !== TenantLinkState.PENDING) throw federationError('FEDERATION_LINK_NOT_PENDING', 'input.linkId');
    const [{ state }] = await ctx.tx.query<{ state: string | null }>(`SELECT app_federation_respond($1, $2) AS state`, [id, accept]);
    // a concurrent answer or end got there first
    if (!state) throw federationError('FEDERATION_LINK_NOT_PENDING', 'input.linkId');
    return this.getOrThrow(ctx, id);
  },

  /** Either party ends a pending or active link; every grant over it goes with it. */
  async end(ctx: RequestContext, globalId: string): Promise<TenantLink> {
    const link = await this.byGlobalId(ctx, globalId);
    const id = link.id;
    if (link.state !== TenantLinkState.PENDING && link.state !== TenantLinkState.ACTIVE)
      throw federationError('FEDERATION_LINK_ENDED', 'input.linkId');
    const [{ state }] = await ctx.tx.query<{ state: string | null }>(`SELECT app_federation_end($1) AS state`, [id]);
    if (!state) throw federationError('FEDERATION_LINK_ENDED', 'input.linkId');
    return this.getOrThrow(ctx, id);
  },

  /** Every link of the platform (the superior's row of each), newest first: the operator's, names and states only. */
  async platformLinks(ctx: RequestContext, first: number, after?: string): Promise<Page<PlatformLinkRow>> {
    requireOperator(ctx);
    const cursor = decodeTypedCursor(after, ['timestamptz', 'uuid']);
    const rows = await ctx.tx.query<{
      id: string;
      state: TenantLinkState;
      invited_at: Date;
      invited_key: string;
      responded_at: Date | null;
      ended_at: Date | null;
      sup_slug: string;
      sup_name: string;
      sub_slug: string;
      sub_name: string;
    }>(
      `SELECT l.id, l.state, l.invited_at, l.invited_at::text AS invited_key, l.responded_at, l.ended_at,
              sup.slug AS sup_slug, sup.name AS sup_name, sub.slug AS sub_slug, sub.name AS sub_name
         FROM tenant_links l JOIN tenants sup ON sup.id = l.tenant_id JOIN tenants sub ON sub.id = l.peer_tenant_id
        WHERE l.side = 'SUPERIOR' ${cursor ? 'AND (l.invited_at, l.id) < ($2::timestamptz, $3::uuid)' : ''}
        ORDER BY l.invited_at DESC, l.id DESC LIMIT $1`,
      cursor ? [first + 1, ...cursor] : [first + 1],
    );
    const page = pageFrom(
      rows,
      first,
      after,
      (r) => encodeCursor([r.invited_key, r.id]),
      async () => {
        const [{ n }] = await ctx.tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenant_links WHERE side = 'SUPERIOR'`);
        return n;
      },
    );
    return {
      ...page,
      nodes: page.nodes.map((r) => ({
        id: r.id,
        state: r.state,
        invitedAt: r.invited_at,
        respondedAt: r.responded_at,
        endedAt: r.ended_at,
        superior: { slug: r.sup_slug, name: r.sup_name },
        subordinate: { slug: r.sub_slug, name: r.sub_name },
      })),
      cursorOf: (n) => {
        const row = rows.find((r) => r.id === n.id);
        return encodeCursor([row?.invited_key, n.id]);
      },
    };
  },
};
