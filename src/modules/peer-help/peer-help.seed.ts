import { RequestContext } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { orgIdByName } from '../innovation/innovation.seed';
import { tenantToday } from '../link-code/public';
import { peerHelpService } from './peer-help.service';

const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

async function pair(ctx: RequestContext, a: string, b: string, today: string, goals: string[]) {
  return peerHelpService.createPairing(ctx, {
    orgId: await orgIdByName(ctx, a),
    partnerOrgId: await orgIdByName(ctx, b),
    startsOn: shift(today, -90),
    endsOn: shift(today, 275),
    goals,
  });
}

async function ask(ctx: RequestContext, from: string, to: string, title: string, description: string) {
  return peerHelpService.raise(ctx, { fromOrgId: await orgIdByName(ctx, from), toOrgId: await orgIdByName(ctx, to), title, description });
}

/**
 * 同级党组织互帮互助. jtj: two 车队 branches of 公交集团 pair up (a third sibling stays outside), and two
 * branches under different superiors (客运管理科, 出租汽车公司第一分公司) pair across; one request
 * answered, one between siblings without a pairing, one across the pairing still open. szjg: 内科 and 外科.
 */
export const seedPeerHelp: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  const today = await tenantToday(ctx);
  if (demo.slug === 'jtj') {
    await pair(ctx, '第一车队党支部', '第二车队党支部', today, [
      '每季度联合开展一次主题党日，共建党员活动阵地',
      '互派党员骨干交流“情溢旅途”文明服务经验',
      '高峰时段互相支援运力，共同做好重大活动保障',
    ]);
    await pair(ctx, '客运管理科党支部', '第一分公司党支部', today, ['共同开展出租汽车行业文明服务承诺', '联合受理、限时办结乘客投诉']);
    const answered = await ask(
      ctx,
      '第一车队党支部',
      '第二车队党支部',
      '请求支援周末爱心接送',
      '本周六党员学雷锋车队接送残疾乘客就医，人手不足，请派两名党员驾驶员支援。',
    );
    await peerHelpService.answer(ctx, answered.id, '已安排党员驾驶员张强、刘洋周六全天支援。');
    await ask(
      ctx,
      '第二车队党支部',
      '第三车队党支部',
      '借用党员活动室',
      '下周三下午召开支部党员大会，本支部活动室维修，请借用贵支部活动室。',
    );
    await ask(
      ctx,
      '客运管理科党支部',
      '第一分公司党支部',
      '联合开展文明服务检查',
      '请派员参加本月出租汽车文明服务联合检查，共同制定整改清单。',
    );
  } else if (demo.slug === 'szjg') {
    await pair(ctx, '内科党支部', '外科党支部', today, ['联合开展义诊进社区，每月一次', '互相支援急诊高峰时段人力']);
    const answered = await ask(ctx, '内科党支部', '外科党支部', '请求支援义诊', '本月社区义诊需外科医生两名，请予支持。');
    await peerHelpService.answer(ctx, answered.id, '已安排两名党员医生参加。');
  }
};
