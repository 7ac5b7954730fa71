import { DomainModule } from '../domain-module';
import { PHOTO, uploadDemoFile } from '../file/file.seed';
import { demoWindowCode } from '../link-code/link-code.seed';
import { opinionService } from './opinion.service';

/** jtj: one opinion through 第一车队党支部's window code, left unanswered past its limit; one recorded and answered by staff. */
export const seedOpinions: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'jtj') return;
  const link = await demoWindowCode(ctx);
  if (!link) return;
  const late = await opinionService.intake(
    ctx,
    { tenantId: link.tenantId, orgId: link.orgId, linkCodeId: link.id },
    { content: '晚上九点以后的末班车间隔太长，希望增加夜班车次', contact: '13700001234' },
  );
  await ctx.tx.execute(
    `UPDATE opinions SET created_at = now() - interval '6 days', due_at = now() - interval '1 day' WHERE tenant_id = $1 AND id = $2`,
    [link.tenantId, late.id],
  );
  const { opinion } = await opinionService.record(ctx, { orgId: link.orgId, content: '电话反映：12路公交站牌信息陈旧，线路调整后未更新' });
  await opinionService.reply(ctx, opinion.id, '已于当日更换站牌，并在车厢内张贴线路调整告示', [
    await uploadDemoFile(ctx, '更换后的站牌.png', PHOTO),
  ]);
};
