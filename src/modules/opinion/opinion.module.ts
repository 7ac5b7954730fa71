import { requireUser } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { LinkCode } from '../link-code/link-code.entity';
import { Opinion, OpinionTransfer } from './opinion.entity';
import { OpinionResolver, OpinionTransferResolver } from './opinion.resolver';
import { opinionService } from './opinion.service';

export default {
  name: 'opinion',
  resolvers: [OpinionResolver, OpinionTransferResolver],
  entities: [Opinion, OpinionTransfer],
  nodes: { Opinion: (ctx, id) => opinionService.find(ctx, id) },
  /** jtj: one opinion through 第一车队党支部's window code, left unanswered past its limit; one recorded and answered by staff. */
  async seedDemo(ctx, demo) {
    if (demo.slug !== 'jtj') return;
    const { tenantId } = requireUser(ctx);
    const [org] = await ctx.tx.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND name = '第一车队党支部'`, [tenantId]);
    const link =
      org &&
      (await ctx.tx.repository(LinkCode).findOne({ where: { tenantId, orgId: org.id, disabled: false }, order: { createdAt: 'DESC' } }));
    if (!link) return;
    const late = await opinionService.intake(
      ctx,
      { tenantId, orgId: org.id, linkCodeId: link.id },
      { content: '晚上九点以后的末班车间隔太长，希望增加夜班车次', contact: '13700001234' },
    );
    await ctx.tx.query(
      `UPDATE opinions SET created_at = now() - interval '6 days', due_at = now() - interval '1 day' WHERE tenant_id = $1 AND id = $2`,
      [tenantId, late.id],
    );
    const { opinion } = await opinionService.record(ctx, { orgId: org.id, content: '电话反映：12路公交站牌信息陈旧，线路调整后未更新' });
    await opinionService.reply(ctx, opinion.id, '已于当日更换站牌，并在车厢内张贴线路调整告示');
  },
} satisfies DomainModule;
