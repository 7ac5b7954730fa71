import { RequestContext } from '../../graphql/context';
import { decodeGlobalId } from '../../graphql/relay';
import { Notice, NoticeKind } from '../notice/notice.entity';
import { noticeService } from '../notice/notice.service';
import { federationGrantService } from './federation-grant.service';
import { federationError } from './federation.errors';
import { requireRootAdmin } from './federation.service';

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

export const federationNoticeService = {
  /**
   * The superior's 通报 naming its lagging bureaus: from the consolidated view (the bureaus that report
   * up, against the target of the superior's campaign in force on `asOf`), a draft criticism notice to
   * the superior's own root org, the bureaus named by name with their figures, the figures kept as its
   * basis. Issued like any notice; the bureaus are other tenants, so they are named, not addressed.
   */
  async draftFromLagging(
    ctx: RequestContext,
    input: { campaignId?: string | null; asOf?: string | null; first: number; title?: string | null },
  ): Promise<Notice> {
    const viewer = requireRootAdmin(ctx);
    const view = await federationGrantService.overview(ctx, { campaignId: input.campaignId, asOf: input.asOf });
    const lagging = view.lagging.slice(0, input.first);
    if (!lagging.length || view.targetRatio === null) throw federationError('FEDERATION_NOTHING_LAGGING');
    const [root] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL LIMIT 1`, [
      viewer.tenantId,
    ]);
    // every reporting bureau together (the view's own sums, as of the view's day)
    const all = view.yearEnd;
    const names = lagging.map((b) => `${b.tenant.name}（${percent(b.progress?.ratio ?? 0)}）`);
    const body =
      `截至${view.asOf}，报送创建进度的${view.bureaus.length}个下级单位应创建基层党组织${all.eligible}个，已建成${all.attained}个（${percent(all.ratio)}）` +
      `，${view.targetCampaignName ?? '创建活动'}的目标为${percent(view.targetRatio)}（${view.targetDueOn}前）。` +
      `以下单位创建工作推进不力，低于目标，予以通报：${names.join('、')}。请上述单位认真整改，按时报送整改情况。`;
    const campaign = input.campaignId ? decodeGlobalId(input.campaignId) : null;
    return noticeService.create(ctx, {
      kind: NoticeKind.CRITICISM,
      title: input.title ?? `关于${view.targetCampaignName ?? '创建活动'}推进不力单位的通报`,
      body,
      campaignId: campaign?.type === 'Campaign' ? campaign.id : null,
      subjectOrgIds: [],
      recipientOrgIds: root ? [root.id] : [],
      inspectionIds: [],
      namedBureaus: lagging.map((b) => ({ slug: b.tenant.slug, name: b.tenant.name })),
      basis: {
        asOf: view.asOf,
        targetRatio: view.targetRatio,
        targetDueOn: view.targetDueOn,
        lagging: lagging.map((b) => ({ slug: b.tenant.slug, eligible: b.progress?.eligible ?? 0, attained: b.progress?.attained ?? 0 })),
      },
    });
  },
};
