import { RequestContext, requireUser } from '../../graphql/context';
import { NoticeKind } from '../notice/notice.entity';
import { noticeService } from '../notice/notice.service';
import { sweepInTransaction } from './sweeps';

/**
 * jtj: a commendation issued five days ago that 第一车队党支部 has not read, and the reminder the
 * notice sweep writes for it (run here on the seed's transaction, exactly as the job would).
 */
export async function seedNotifications(ctx: RequestContext, demo: { slug: string }): Promise<void> {
  if (demo.slug !== 'jtj') return;
  const [branch] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND name = '第一车队党支部'`);
  const notice = await noticeService.create(ctx, {
    kind: NoticeKind.COMMENDATION,
    title: '关于表扬第一车队党支部开展便民服务日活动的通报',
    body: '第一车队党支部组织党员示范岗开展便民服务日活动，群众反映良好，予以通报表扬。',
    subjectOrgIds: [branch.id],
    recipientOrgIds: [],
    inspectionIds: [],
  });
  await noticeService.issue(ctx, notice.id, new Date(Date.now() - 5 * 86400_000).toISOString().slice(0, 10));
  await sweepInTransaction('notices-unread', ctx.config, ctx.tx, requireUser(ctx).tenantId);
}
