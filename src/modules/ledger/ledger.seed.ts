import { RequestContext, createRequestContext, loadViewer } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { PHOTO, demoPdf, uploadDemoFile } from '../file/file.seed';
import { LedgerCategory } from './ledger.entity';
import { briefingService, ledgerService } from './ledger.service';

const daysAgo = (n: number) => new Date(Date.now() - n * 86400_000).toISOString().slice(0, 10);

async function orgIdByName(ctx: RequestContext, name: string): Promise<string | null> {
  const [row] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND name = $1`, [name]);
  return row?.id ?? null;
}

/** The seed's transaction seen as another demo user (fresh loaders, same transaction). */
async function asUser(ctx: RequestContext, username: string): Promise<RequestContext | null> {
  const [user] = await ctx.tx.query<{ id: string; tenant_id: string }>(
    `SELECT id, tenant_id FROM users WHERE tenant_id = app_tenant_id() AND username = $1`,
    [username],
  );
  if (!user) return null;
  // the seed's transaction stands in for the new context's own (its data source is never used)
  const other: RequestContext = { ...createRequestContext(ctx.config, null as never, ctx.ip), tx: ctx.tx };
  await loadViewer(other, { kind: 'user', sub: user.id, tid: user.tenant_id });
  return other;
}

/** jtj: a few ledger entries of 第一车队党支部 and 市公交集团党委, and two briefings of the branch (one published). */
export const seedLedger: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'jtj') return;
  const secretary = await asUser(ctx, 'secretary');
  const supervisor = await asUser(ctx, 'supervisor');
  const branchId = await orgIdByName(ctx, '第一车队党支部');
  const groupId = await orgIdByName(ctx, '市公交集团党委');
  if (!secretary || !supervisor || !branchId || !groupId) return;
  const entries = [
    {
      who: secretary,
      orgId: branchId,
      occurredOn: daysAgo(30),
      category: LedgerCategory.MEETING,
      title: '支部党员大会：部署创建服务型党组织',
      content: '传达局党委创建活动方案，讨论支部创建计划。',
      participants: 23,
    },
    {
      who: secretary,
      orgId: branchId,
      occurredOn: daysAgo(21),
      category: LedgerCategory.STUDY,
      title: '“三会一课”专题党课',
      content: '书记讲党课：立足岗位服务乘客。',
      participants: 21,
    },
    {
      who: secretary,
      orgId: branchId,
      occurredOn: daysAgo(14),
      category: LedgerCategory.SERVICE,
      title: '党员示范岗便民服务日',
      content: '在公交枢纽站开展咨询引导、失物招领服务。',
      participants: 12,
    },
    {
      who: secretary,
      orgId: branchId,
      occurredOn: daysAgo(7),
      category: LedgerCategory.VISIT,
      title: '走访困难党员和职工家庭',
      content: '结对帮扶，送去慰问金和生活用品。',
      participants: 6,
    },
    {
      who: supervisor,
      orgId: groupId,
      occurredOn: daysAgo(10),
      category: LedgerCategory.MEETING,
      title: '集团党委创建工作推进会',
      content: '听取各支部创建进展汇报，部署下一阶段工作。',
      participants: 35,
    },
  ];
  // each entry with its evidence: the minutes of the meetings, a photo of the activities
  for (const { who, ...input } of entries) {
    const evidence = [
      await uploadDemoFile(who, `${input.title}-记录.pdf`, demoPdf(input.title)),
      ...(input.category === LedgerCategory.MEETING ? [] : [await uploadDemoFile(who, `${input.title}-照片.png`, PHOTO)]),
    ];
    await ledgerService.create(who, { ...input, campaignId: demo.campaignId, attachmentRefs: [] }, { attach: evidence });
  }
  const published = await briefingService.create(
    secretary,
    {
      orgId: branchId,
      briefingOn: daysAgo(6),
      title: '第一车队党支部创建简报（第1期）',
      body: '支部召开党员大会部署创建工作，设立党员示范岗3个，开展便民服务日活动1次，走访困难家庭6户。',
    },
    { attach: [await uploadDemoFile(secretary, '便民服务日活动照片.png', PHOTO)] },
  );
  await briefingService.publish(secretary, published.id);
  await briefingService.create(secretary, {
    orgId: branchId,
    title: '第一车队党支部创建简报（第2期）',
    body: '（草稿）本月支部围绕“情溢旅途”服务品牌开展……',
  });
};
