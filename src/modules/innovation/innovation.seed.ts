import { RequestContext } from '../../graphql/context';
import { InnovationAwardLevel, InnovationGoalKind, InnovationStage } from './innovation.entity';
import { innovationService } from './innovation.service';

/** A demo org's id by its name (the demo tenants' names are unique). */
export async function orgIdByName(ctx: RequestContext, name: string): Promise<string> {
  const [row] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND name = $1`, [name]);
  if (!row) throw new Error(`demo data: unknown org ${name}`);
  return row.id;
}

/** "多彩服务" projects of the source's year: jtj one implementing and one awarded, szjg one under supervision. */
export async function seedInnovationDemo(ctx: RequestContext, demo: { slug: string }): Promise<void> {
  const walk = async (
    id: string,
    steps: { to: InnovationStage; note?: string; evaluation?: { score: number; summary: string }; awardLevel?: InnovationAwardLevel }[],
  ) => {
    for (const step of steps) await innovationService.move(ctx, id, step);
  };
  if (demo.slug === 'jtj') {
    const bus = await innovationService.register(ctx, {
      orgId: await orgIdByName(ctx, '市公交集团党委'),
      year: 2013,
      theme: '“党员先锋线路”多彩服务',
      plan: '以党员学雷锋车队为骨干，在10条主干线路设立党员先锋线路，推行首问负责、限时办结，开通老弱病残绿色通道。',
      goals: [
        { kind: InnovationGoalKind.EXPAND_SERVICES, description: '新增党员先锋线路', baseline: 0, target: 10, unit: '条' },
        { kind: InnovationGoalKind.IMPROVE_SERVICE_ATTITUDE, description: '乘客投诉量下降', baseline: 120, target: 60, unit: '件/年' },
      ],
    });
    await walk(bus.id, [{ to: InnovationStage.IMPLEMENTING, note: '调研完成，方案报局组织科' }]);
    const organ = await innovationService.register(ctx, {
      orgId: await orgIdByName(ctx, '局机关党委'),
      year: 2013,
      theme: '“一站式”审批服务提速',
      plan: '梳理机关审批事项，推行一站式受理、一次性告知，压缩审批时限。',
      goals: [
        { kind: InnovationGoalKind.REDUCE_APPROVALS, description: '精简行政审批事项', baseline: 46, target: 30, unit: '项' },
        {
          kind: InnovationGoalKind.SHORTEN_APPROVAL_TIME,
          description: '行政许可审批时限由20个工作日缩短至5个工作日',
          baseline: 20,
          target: 5,
          unit: '工作日',
        },
      ],
    });
    await walk(organ.id, [
      { to: InnovationStage.IMPLEMENTING, note: '调研完成' },
      { to: InnovationStage.SUPERVISED, note: '报请督查指导' },
      {
        to: InnovationStage.EVALUATED,
        evaluation: { score: 93.5, summary: '审批事项由46项精简至28项，平均时限缩短至4.5个工作日，群众满意度明显提升。' },
      },
      { to: InnovationStage.AWARDED, awardLevel: InnovationAwardLevel.FIRST, note: '年底评比表彰' },
    ]);
  } else if (demo.slug === 'szjg') {
    const hall = await innovationService.register(ctx, {
      orgId: await orgIdByName(ctx, '市政务服务中心党总支'),
      year: 2013,
      theme: '党员示范窗口“零距离”服务',
      plan: '窗口党员亮身份、亮承诺，推行预约上门、延时服务。',
      goals: [
        {
          kind: InnovationGoalKind.SHORTEN_APPROVAL_TIME,
          description: '投资项目审批平均时限压缩',
          baseline: 30,
          target: 12,
          unit: '工作日',
        },
      ],
    });
    await walk(hall.id, [{ to: InnovationStage.IMPLEMENTING }, { to: InnovationStage.SUPERVISED }]);
  }
}
