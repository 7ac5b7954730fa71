import { requireUser } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { PHOTO, demoPdf, uploadDemoFile } from '../file/file.seed';
import { tenantToday } from '../link-code/public';
import { commitmentService } from './commitment.service';

const inDays = (today: string, days: number) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

/** jtj: 第一车队党支部 pledges (and keeps) one promise; its member pledges another, still open. */
export const seedCommitments: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'jtj') return;
  const { tenantId } = requireUser(ctx);
  const [org] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = $1 AND name = '第一车队党支部'`, [tenantId]);
  const [member] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'member'`, [tenantId]);
  if (!org || !member) return;
  const today = await tenantToday(ctx);
  const kept = await commitmentService.pledge(ctx, {
    orgId: org.id,
    text: '高峰时段加密发车，早晚高峰发车间隔不超过5分钟',
    dueOn: inDays(today, 30),
  });
  await commitmentService.fulfil(
    ctx,
    kept.id,
    '自本月起早晚高峰加开区间车8班次，实测平均发车间隔4.2分钟',
    ['调度日志-高峰时段.xlsx', '乘客满意度回访记录.pdf'],
    [
      await uploadDemoFile(ctx, '乘客满意度回访记录.pdf', demoPdf('乘客满意度回访记录')),
      await uploadDemoFile(ctx, '高峰发车现场.png', PHOTO),
    ],
  );
  await commitmentService.pledge(ctx, {
    orgId: org.id,
    memberUserId: member.id,
    text: '每月开展一次“党员学雷锋车队”爱心接送，服务行动不便乘客',
    dueOn: inDays(today, 90),
  });
};
