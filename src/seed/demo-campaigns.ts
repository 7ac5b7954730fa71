import { DataSource } from 'typeorm';
import { Config } from '../config';
import { RequestContext, createRequestContext, loadViewer } from '../graphql/context';
import { domainModules } from '../modules';
import { campaignService } from '../modules/campaign/campaign.service';
import { frameworkService } from '../modules/framework/framework.service';
import { OrgKind } from '../modules/org/org.entity';
import { supervisionService } from '../modules/supervision/supervision.service';

/** The source's timeline (2013-05-05 to 2014-12-31), its two deadlines and its 80% / 90% targets. */
export const SOURCE_SCHEDULE = {
  startsOn: '2013-05-05',
  endsOn: '2014-12-31',
  phases: [
    { name: '制定方案、动员部署', startsOn: '2013-05-05', endsOn: '2013-05-15' },
    { name: '立项创新、组织实施', startsOn: '2013-05-15', endsOn: '2013-05-31' },
    { name: '选树典型、示范带动', startsOn: '2013-05-15', endsOn: '2013-05-31' },
    { name: '梳理做法、总结经验', startsOn: '2013-06-01', endsOn: '2013-07-31' },
    { name: '完善内容、巩固成果', startsOn: '2013-08-01', endsOn: '2013-12-31' },
    { name: '全面完成、形成品牌', startsOn: '2014-01-01', endsOn: '2014-12-31' },
  ],
  deadlines: [
    {
      code: 'PLAN',
      name: '创建工作方案报局组织科',
      dueOn: '2013-05-16',
      orgKinds: [OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH],
      relativeDepth: 1,
    },
    {
      code: 'SELF_CHECK',
      name: '直属党组织自查总结报局组织科',
      dueOn: '2013-12-25',
      orgKinds: [OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH],
      relativeDepth: 1,
    },
  ],
  targets: [
    { dueOn: '2013-12-31', ratio: 0.8 },
    { dueOn: '2014-12-31', ratio: 0.9 },
  ],
  eligibleKinds: [OrgKind.GENERAL_BRANCH, OrgKind.BRANCH],
};

const demoCampaigns = [
  { slug: 'jtj', template: 'sqsy', name: '“四强四有”基层服务型党组织创建活动' },
  { slug: 'szjg', template: 'wqwh', name: '“五强五化”基层服务型党组织创建活动' },
];

/** Runs `work` as the tenant's admin through the same services a request uses, in one transaction. */
async function asAdmin(dataSource: DataSource, config: Config, slug: string, work: (ctx: RequestContext) => Promise<void>) {
  const ctx = createRequestContext(config, dataSource, 'seed');
  await ctx.tx.setIdentity({ platform: true });
  await ctx.tx.begin();
  try {
    const [tenant] = await ctx.tx.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [slug]);
    await ctx.tx.setIdentity({ tenantId: tenant.id, platform: false });
    const [admin] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'admin'`, [tenant.id]);
    await loadViewer(ctx, { kind: 'user', sub: admin.id, tid: tenant.id });
    await work(ctx);
    await ctx.tx.finish(true);
  } catch (error) {
    await ctx.tx.finish(false).catch(() => undefined);
    throw error;
  }
}

/** Each demo tenant gets its framework variant, published, a campaign on the source's schedule and a 督导组. */
export async function seedDemoCampaigns(dataSource: DataSource, config: Config): Promise<void> {
  for (const demo of demoCampaigns) {
    await asAdmin(dataSource, config, demo.slug, async (ctx) => {
      const draft = await frameworkService.import(ctx, { template: demo.template });
      const version = await frameworkService.publish(ctx, draft.id);
      const [root] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND parent_id IS NULL`);
      const campaign = await campaignService.create(ctx, {
        name: demo.name,
        versionId: version.id,
        scopeOrgId: root.id,
        ...SOURCE_SCHEDULE,
      });
      // The bureau's supervision team (督导组), led by the demo inspector, over the whole tree.
      const [inspector] = await ctx.tx.query<{ id: string }>(
        `SELECT id FROM users WHERE tenant_id = app_tenant_id() AND username = 'inspector'`,
      );
      await supervisionService.createTeam(ctx, {
        name: '第一督导组',
        leaderId: inspector.id,
        memberIds: [],
        scopeOrgIds: [root.id],
        campaignId: campaign.id,
      });
      for (const module of domainModules) await module.seedDemo?.(ctx, { slug: demo.slug, campaignId: campaign.id, rootOrgId: root.id });
    });
  }
}
