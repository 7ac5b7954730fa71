import { RequestContext, loadViewer, requireUser } from '../../graphql/context';
import { toGlobalId } from '../../graphql/relay';
import { DomainModule } from '../domain-module';
import { FederationGrantKind } from './federation.entity';
import { federationGrantService } from './federation-grant.service';
import { federationService } from './federation.service';

/** The per-request loaders this seed's services use: their batches close over the viewer they began with. */
const LOADERS = ['campaign.byId', 'org.byId', 'federation.peers', 'federation.granted'];

/** Acts as another demo tenant's admin inside the seed's transaction, then as the seed's own admin again. */
async function asAdminOf(ctx: RequestContext, slug: string, work: () => Promise<void>): Promise<void> {
  const own = requireUser(ctx);
  for (const loader of LOADERS) ctx.forget(loader);
  await ctx.tx.setIdentity({ platform: true, tenantId: null });
  const [tenant] = await ctx.tx.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [slug]);
  await ctx.tx.setIdentity({ platform: false, tenantId: tenant.id });
  const [admin] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'admin'`, [tenant.id]);
  await loadViewer(ctx, { kind: 'user', sub: admin.id, tid: tenant.id });
  try {
    await work();
  } finally {
    for (const loader of LOADERS) ctx.forget(loader);
    await ctx.tx.setIdentity({ platform: false, tenantId: own.tenantId });
    await loadViewer(ctx, { kind: 'user', sub: own.userId, tid: own.tenantId });
  }
}

/**
 * 上下级单位: szjg (市直机关工委) is the superior of jtj (市交通运输局). Seeded with szjg, after jtj's own demo
 * data: szjg's admin invites jtj, jtj's admin accepts and grants progress (its 四强四有 campaign, by
 * 直属党组织), the year's assessment totals and the supervision counts.
 */
export const seedFederation: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'szjg') return;
  const link = await federationService.invite(ctx, 'jtj');
  const linkId = toGlobalId('TenantLink', link.id);
  await asAdminOf(ctx, 'jtj', async () => {
    await federationService.respond(ctx, linkId, true);
    const [campaign] = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM campaigns WHERE tenant_id = app_tenant_id() ORDER BY created_at, id LIMIT 1`,
    );
    await federationGrantService.grant(ctx, {
      linkId,
      kind: FederationGrantKind.PROGRESS,
      campaignId: toGlobalId('Campaign', campaign.id),
      depth: 1,
    });
    await federationGrantService.grant(ctx, { linkId, kind: FederationGrantKind.ASSESSMENT });
    await federationGrantService.grant(ctx, { linkId, kind: FederationGrantKind.SUPERVISION });
  });
};
