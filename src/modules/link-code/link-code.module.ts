import { DomainModule } from '../domain-module';
import { LinkCode } from './link-code.entity';
import { LinkCodeResolver } from './link-code.resolver';
import { linkCodeService } from './link-code.service';

export default {
  name: 'link-code',
  resolvers: [LinkCodeResolver],
  entities: [LinkCode],
  nodes: { LinkCode: (ctx, id) => linkCodeService.find(ctx, id) },
  /** jtj: a campaign code for 第一车队党支部's service window (the reviews and opinions seeded later use it). */
  async seedDemo(ctx, demo) {
    if (demo.slug !== 'jtj') return;
    const [org] = await ctx.tx.query(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND name = '第一车队党支部'`);
    await linkCodeService.create(ctx, { orgId: org.id, campaignId: demo.campaignId, label: '第一车队调度室服务窗口' });
  },
} satisfies DomainModule;
