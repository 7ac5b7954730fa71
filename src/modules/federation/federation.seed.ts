import { RequestContext, loadViewer, requireUser } from '../../graphql/context';
import { toGlobalId } from '../../graphql/relay';
import { DomainModule } from '../domain-module';
import { frameworkService } from '../framework/framework.service';
import { ScoringType } from '../framework/pass-rule';
import { FederationGrantKind } from './federation.entity';
import { federationFrameworkService } from './federation-framework.service';
import { federationGrantService } from './federation-grant.service';
import { federationService } from './federation.service';

/** The per-request loaders this seed's services use: their batches close over the viewer they began with. */
const LOADERS = [
  'campaign.byId',
  'org.byId',
  'federation.peers',
  'federation.granted',
  'framework.version',
  'frameworkVersion.byId',
  'framework.criteria',
  'framework.byId',
  'framework.published',
];

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
 * 直属党组织), the year's assessment totals and the supervision counts; szjg hands its 五强五化 down, and
 * jtj adopts it as the base of its own version with one item of its own.
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

  // 五强五化 handed down; jtj builds its own version on it "结合我局实际" (its own bonus item) and keeps 四强四有
  const [wqwh] = await ctx.tx.query<{ id: string }>(
    `SELECT v.id FROM framework_versions v JOIN frameworks f ON f.tenant_id = v.tenant_id AND f.id = v.framework_id
      WHERE v.tenant_id = app_tenant_id() AND f.code = 'WQWH' AND v.status = 'PUBLISHED'`,
  );
  if (!wqwh) return;
  await federationFrameworkService.handDown(ctx, { versionId: toGlobalId('FrameworkVersion', wqwh.id), linkIds: [linkId] });
  await asAdminOf(ctx, 'jtj', async () => {
    const [handed] = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM handed_down_frameworks WHERE tenant_id = app_tenant_id() AND code = 'WQWH' ORDER BY handed_at DESC LIMIT 1`,
    );
    const handedId = toGlobalId('HandedDownFramework', handed.id);
    const adopted = await federationFrameworkService.adopt(ctx, { handedDownId: handedId, asBase: true });
    const draftId = adopted.adoptedVersionId ?? '';
    const w2 = (await frameworkService.criteriaOf(ctx, draftId)).find((c) => c.code === 'W2');
    await frameworkService.addCriterion(ctx, {
      versionId: draftId,
      parentId: w2?.id ?? null,
      code: 'J1',
      title: '结合我局实际：“彩虹坦途”服务品牌（加分项）',
      guidance: '市交通运输局自设的加分项：服务品牌创建有标准、有成效、群众认可。',
      bonus: true,
      maxScore: 5,
      scoringType: ScoringType.SCALE,
    });
    await federationFrameworkService.publishAdopted(ctx, handedId);
  });
};
