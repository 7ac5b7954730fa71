import { DomainModule } from '../domain-module';
import { demoWindowCode } from '../link-code/link-code.seed';
import { keyedHash, protectContact, tenantToday } from '../link-code/public';
import { publicReviewService } from './public-review.service';

/** 16 demo ratings of 第一车队党支部 over the last week: 10 of them 4 or 5 (62.5% satisfied), mean 59/16 ≈ 3.69. */
const DEMO_RATINGS = [5, 5, 4, 3, 5, 4, 2, 4, 5, 1, 4, 5, 3, 4, 2, 3];
const DEMO_COMMENTS = [
  '司机师傅很耐心',
  '车厢干净整洁',
  '',
  '高峰期等车时间长',
  '党员示范岗服务热情',
  '',
  '报站不清楚',
  '',
  '帮老人上下车，点赞',
  '态度差',
  '',
  '学雷锋车队很暖心',
  '发车间隔不稳定',
  '',
  '空调太冷',
  '',
];

/** jtj: varied public ratings through 第一车队党支部's window code, and one rating of each of its commitments (评诺). */
export const seedPublicReviews: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'jtj') return;
  const link = await demoWindowCode(ctx);
  if (!link) return;
  const today = await tenantToday(ctx);
  const day = (offset: number) => new Date(Date.parse(`${today}T00:00:00Z`) - offset * 86400_000).toISOString().slice(0, 10);
  for (const [i, rating] of DEMO_RATINGS.entries()) {
    const contact = i % 4 === 0 ? protectContact(ctx, link.tenantId, `1380000${String(1000 + i)}`) : { hash: null, masked: null };
    await publicReviewService.insert(ctx, link, {
      rating,
      comment: DEMO_COMMENTS[i],
      deviceHash: keyedHash(ctx, 'device', link.tenantId, `demo-device-${i}`),
      clientHash: null,
      contact,
      commitmentId: null,
      day: day(i % 7),
    });
  }
  const commitments = await ctx.tx.query<{ id: string }>(
    `SELECT id FROM commitments WHERE tenant_id = $1 AND org_id = $2 ORDER BY created_at, id`,
    [link.tenantId, link.orgId],
  );
  for (const [i, c] of commitments.entries()) {
    await publicReviewService.insert(ctx, link, {
      rating: 5 - i,
      comment: '',
      deviceHash: keyedHash(ctx, 'device', link.tenantId, 'demo-device-0'),
      clientHash: null,
      contact: { hash: null, masked: null },
      commitmentId: c.id,
      day: day(0),
    });
  }
};
