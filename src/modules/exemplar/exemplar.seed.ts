import { RequestContext } from '../../graphql/context';
import { orgIdByName } from '../innovation/innovation.seed';
import { tenantToday } from '../link-code/public';
import { ExemplarKind, ExemplarSubject } from './exemplar.entity';
import { exemplarKindService } from './exemplar-kind.service';
import { exemplarService } from './exemplar.service';

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

/** The titles the source names beyond the three defaults (二, 有高效化的服务队伍 and 有特色化的服务载体). */
const SOURCE_TITLES = [
  {
    code: 'IRON_MODEL',
    name: '铁人式标兵',
    subject: ExemplarSubject.PERSON,
    limitMin: 1,
    limitMax: 5,
    limitDefault: 3,
    needsPublicNotice: true,
    description: '开展“学铁人、做铁人、建铁军”活动，选树“铁人式”标兵，打造“铁人式”队伍',
  },
  {
    code: 'SERVICE_MODEL',
    name: '优秀服务标兵',
    subject: ExemplarSubject.PERSON,
    limitMin: 1,
    limitMax: 10,
    limitDefault: 5,
    needsPublicNotice: false,
    description: '争当优秀服务标兵：各单位年度评选，审核后命名',
  },
  {
    code: 'SATISFIED_WINDOW',
    name: '群众满意窗口',
    subject: ExemplarSubject.WINDOW,
    limitMin: 1,
    limitMax: 5,
    limitDefault: 3,
    needsPublicNotice: true,
    description: '争创群众满意窗口',
  },
  {
    code: 'QUALITY_BRAND',
    name: '优质服务品牌',
    subject: ExemplarSubject.ORG,
    limitMin: 1,
    limitMax: 3,
    limitDefault: 2,
    needsPublicNotice: true,
    description: '争创优质服务品牌：以服务品牌的所属单位推荐，推荐理由写明品牌及其服务标准',
  },
];

/**
 * The titles the source names beyond the three defaults (jtj all four, szjg two of them; their nominations
 * belong to the records they honour: the service-team demo names its captain 优秀服务标兵). A model window named in 2013 (the source's year: its notice and naming dates are moved back there
 * after the steps ran through the service), and for jtj a model post whose public notice runs now,
 * so objections can be tried.
 */
export async function seedExemplarDemo(ctx: RequestContext, demo: { slug: string }): Promise<void> {
  const today = await tenantToday(ctx);
  for (const title of SOURCE_TITLES) {
    if (demo.slug === 'szjg' && !['SERVICE_MODEL', 'SATISFIED_WINDOW'].includes(title.code)) continue;
    await exemplarKindService.create(ctx, title);
  }
  const named = async (orgName: string, title: string, reason: string) => {
    const e = await exemplarService.nominate(ctx, {
      kind: ExemplarKind.MODEL_WINDOW,
      orgId: await orgIdByName(ctx, orgName),
      year: 2013,
      title,
      reason,
    });
    await exemplarService.startReview(ctx, e.id, '');
    await exemplarService.startNotice(ctx, e.id, { startsOn: today, endsOn: today }, '');
    await ctx.tx.execute(
      `UPDATE exemplars SET notice_starts_on = '2013-05-20', notice_ends_on = '2013-05-26' WHERE tenant_id = app_tenant_id() AND id = $1`,
      [e.id],
    );
    await exemplarService.name(ctx, e.id, '公示期满无异议，予以命名');
    await ctx.tx.execute(`UPDATE exemplars SET named_on = '2013-05-31' WHERE tenant_id = app_tenant_id() AND id = $1`, [e.id]);
  };
  if (demo.slug === 'jtj') {
    await named('客运管理科党支部', '道路运输服务大厅党员示范窗口', '推行一站式受理、一次性告知，全年办件零投诉。');
    const post = await exemplarService.nominate(ctx, {
      kind: ExemplarKind.MODEL_POST,
      orgId: await orgIdByName(ctx, '党员学雷锋车队党支部'),
      year: Number(today.slice(0, 4)),
      title: '党员学雷锋车队1路车',
      memberName: '李红',
      reason: '常年开展助残、助老爱心服务，乘客满意率100%。',
    });
    await exemplarService.startReview(ctx, post.id, '');
    await exemplarService.startNotice(ctx, post.id, { startsOn: today, endsOn: addDays(today, 7) }, '公示七天');
    // an objection lodged during 公示, and its answer
    const objection = await exemplarService.lodgeObjection(ctx, post.id, '该车队今年曾有一次乘客投诉，请核实。');
    await exemplarService.answerObjection(ctx, objection.id, '经核实，投诉已调查处理并回访，不影响评选。', false);
  } else if (demo.slug === 'szjg') {
    await named('综合窗口党支部', '政务服务中心综合受理窗口', '首问负责、限时办结，群众满意度连续三年第一。');
  }
}
