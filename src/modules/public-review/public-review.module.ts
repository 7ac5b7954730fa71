import { DomainModule } from '../domain-module';
import { LinkCode } from '../link-code/link-code.entity';
import { requireUser } from '../../graphql/context';
import { keyedHash, protectContact, tenantToday } from '../link-code/public';
import { PublicReview } from './public-review.entity';
import { PublicReviewResolver, ReviewClusterResolver } from './public-review.resolver';
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

export default {
  name: 'public-review',
  resolvers: [PublicReviewResolver, ReviewClusterResolver],
  entities: [PublicReview],
  nodes: { PublicReview: (ctx, id) => publicReviewService.find(ctx, id) },
  /** jtj: varied public ratings through 第一车队党支部's window code, and two ratings of its commitments (评诺). */
  async seedDemo(ctx, demo) {
    if (demo.slug !== 'jtj') return;
    const { tenantId } = requireUser(ctx);
    const [org] = await ctx.tx.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND name = '第一车队党支部'`, [tenantId]);
    const link =
      org &&
      (await ctx.tx.repository(LinkCode).findOne({ where: { tenantId, orgId: org.id, disabled: false }, order: { createdAt: 'DESC' } }));
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
    const commitments: { id: string }[] = await ctx.tx.query(
      `SELECT id FROM commitments WHERE tenant_id = $1 AND org_id = $2 ORDER BY created_at`,
      [link.tenantId, org.id],
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
  },
} satisfies DomainModule;
