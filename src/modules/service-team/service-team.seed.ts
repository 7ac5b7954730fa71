import { requireUser } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { exemplarService } from '../exemplar/exemplar.service';
import { orgIdByName } from '../innovation/innovation.seed';
import { tenantToday } from '../link-code/public';
import { ServiceKind as K, ServiceTeamMember, ServiceTeamRole } from './service-team.entity';
import { serviceTeamService } from './service-team.service';

const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

interface TeamSpec {
  org: string;
  name: string;
  description: string;
  kinds: K[];
  members: { name?: string; username?: string; captain?: boolean }[];
  records: { daysAgo: number; place: string; beneficiary: string; kind: K; hours: number; description: string; who: number[] }[];
}

/**
 * Service teams of the source (组建"党员学雷锋车队"、"党员爱心车队"，广泛开展助残、助学、助老、拥军等爱心服务;
 * 预约上门、绿色通道). jtj: both fleets with their service of the last weeks, a volunteer team of 第一车队
 * whose member account records service itself, and the 爱心车队's captain named 优秀服务标兵 (a title of
 * the tenant's, named after review without 公示). szjg: the 内科 volunteer medical team.
 */
export const seedServiceTeams: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  const today = await tenantToday(ctx);
  const { tenantId } = requireUser(ctx);
  const teams: TeamSpec[] =
    demo.slug === 'jtj'
      ? [
          {
            org: '党员学雷锋车队党支部',
            name: '党员学雷锋车队',
            description: '以党员驾驶员为骨干，常年开展助残、助老、助学爱心接送服务。',
            kinds: [K.DISABLED_ASSIST, K.ELDERLY_CARE, K.STUDENT_AID],
            members: [{ name: '李红', captain: true }, { name: '张强' }, { name: '刘洋' }],
            records: [
              {
                daysAgo: 3,
                place: '市残疾人康复中心',
                beneficiary: '残疾乘客12人',
                kind: K.DISABLED_ASSIST,
                hours: 4,
                description: '接送残疾乘客往返康复中心',
                who: [0, 1],
              },
              {
                daysAgo: 10,
                place: '光明社区',
                beneficiary: '独居老人8人',
                kind: K.ELDERLY_CARE,
                hours: 3.5,
                description: '重阳节爱心接送老人赏菊',
                who: [0, 1, 2],
              },
              {
                daysAgo: 40,
                place: '市第三中学',
                beneficiary: '留守学生20人',
                kind: K.STUDENT_AID,
                hours: 2,
                description: '开学日爱心送考送学',
                who: [2],
              },
            ],
          },
          {
            org: '党员爱心车队党支部',
            name: '党员爱心车队',
            description: '出租汽车党员爱心车队：预约上门接送行动不便乘客，节假日开通绿色通道，关爱军烈属。',
            kinds: [K.HOME_VISIT, K.GREEN_CHANNEL, K.MILITARY_SUPPORT],
            members: [{ name: '赵爱民', captain: true }, { name: '孙丽' }, { name: '周伟' }],
            records: [
              {
                daysAgo: 1,
                place: '城南片区',
                beneficiary: '行动不便乘客5人',
                kind: K.HOME_VISIT,
                hours: 6,
                description: '预约上门接送就医',
                who: [0, 2],
              },
              {
                daysAgo: 20,
                place: '火车站',
                beneficiary: '返乡旅客',
                kind: K.GREEN_CHANNEL,
                hours: 8,
                description: '春运绿色通道免费接驳',
                who: [0, 1, 2],
              },
              {
                daysAgo: 25,
                place: '市军休所',
                beneficiary: '军烈属10户',
                kind: K.MILITARY_SUPPORT,
                hours: 3,
                description: '八一慰问接送军烈属',
                who: [1],
              },
            ],
          },
          {
            org: '第一车队党支部',
            name: '第一车队党员志愿服务队',
            description: '第一车队党员利用休息时间开展志愿服务。',
            kinds: [K.ELDERLY_CARE],
            members: [{ username: 'member', captain: true }, { name: '陈刚' }],
            records: [
              {
                daysAgo: 5,
                place: '公交1路沿线',
                beneficiary: '老年乘客',
                kind: K.ELDERLY_CARE,
                hours: 2,
                description: '早高峰引导老年乘客安全上下车',
                who: [0, 1],
              },
            ],
          },
        ]
      : demo.slug === 'szjg'
        ? [
            {
              org: '内科党支部',
              name: '党员志愿医疗服务队',
              description: '内科党员医生进社区义诊、送医上门。',
              kinds: [K.ELDERLY_CARE, K.HOME_VISIT],
              members: [{ username: 'member', captain: true }, { name: '王医生' }],
              records: [
                {
                  daysAgo: 7,
                  place: '幸福社区卫生站',
                  beneficiary: '社区老人30人',
                  kind: K.ELDERLY_CARE,
                  hours: 4,
                  description: '义诊、测血压血糖',
                  who: [0, 1],
                },
              ],
            },
          ]
        : [];
  for (const spec of teams) {
    const team = await serviceTeamService.createTeam(ctx, {
      orgId: await orgIdByName(ctx, spec.org),
      name: spec.name,
      description: spec.description,
      serviceKinds: spec.kinds,
      foundedOn: shift(today, -400),
    });
    const members: ServiceTeamMember[] = [];
    for (const m of spec.members) {
      const [user] = m.username
        ? await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = $2`, [tenantId, m.username])
        : [];
      members.push(
        await serviceTeamService.addMember(ctx, {
          teamId: team.id,
          userId: user?.id ?? null,
          name: m.name ?? null,
          role: m.captain ? ServiceTeamRole.CAPTAIN : ServiceTeamRole.MEMBER,
          joinedOn: shift(today, -400),
        }),
      );
    }
    for (const r of spec.records) {
      await serviceTeamService.record(ctx, {
        teamId: team.id,
        servedOn: shift(today, -r.daysAgo),
        place: r.place,
        beneficiary: r.beneficiary,
        kind: r.kind,
        hours: r.hours,
        description: r.description,
        participantIds: r.who.map((i) => members[i].id),
      });
    }
  }
  if (demo.slug === 'jtj') {
    const star = await exemplarService.nominate(ctx, {
      kind: 'SERVICE_MODEL',
      orgId: await orgIdByName(ctx, '党员爱心车队党支部'),
      year: Number(today.slice(0, 4)),
      memberName: '赵爱民',
      reason: '党员爱心车队队长，带领车队预约上门接送行动不便乘客，节假日坚守绿色通道。',
    });
    await exemplarService.startReview(ctx, star.id, '');
    await exemplarService.name(ctx, star.id, '审核通过，予以命名');
  }
};
