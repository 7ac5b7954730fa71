import { OrgCategory, OrgKind } from '../modules/org/org.entity';
import { Role } from '../auth/roles';

/** A node of a demo org tree: [name, kind, category, children]. */
export type OrgSpec = [string, OrgKind, OrgCategory, OrgSpec[]?];

const { COMMITTEE: C, GENERAL_BRANCH: G, BRANCH: B } = OrgKind;
const { ORGAN: O, INSTITUTION: I, ENTERPRISE: E } = OrgCategory;

export interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  /** Name of the scope org (and home org). */
  org: string;
}

export interface DemoTenant {
  slug: string;
  name: string;
  root: OrgSpec;
  users: DemoUser[];
}

/** 市交通运输局: the bureau of the source document, with its 直属党组织 and their grassroots branches. */
const jtj: DemoTenant = {
  slug: 'jtj',
  name: '市交通运输局',
  root: [
    '中共市交通运输局党委',
    C,
    O,
    [
      [
        '局机关党委',
        C,
        O,
        [
          ['办公室党支部', B, O],
          ['组织科党支部', B, O],
          ['规划建设科党支部', B, O],
          ['财务审计科党支部', B, O],
        ],
      ],
      [
        '市公路管理处党委',
        C,
        I,
        [
          ['养护科党支部', B, I],
          ['路政大队党支部', B, I],
          ['第一公路站党支部', B, I],
          ['第二公路站党支部', B, I],
        ],
      ],
      [
        '市道路运输管理处党总支',
        G,
        I,
        [
          ['客运管理科党支部', B, I],
          ['货运管理科党支部', B, I],
          ['驾培维修管理科党支部', B, I],
        ],
      ],
      ['市交通工程质量监督站党支部', B, I],
      [
        '市公交集团党委',
        C,
        E,
        [
          ['第一车队党支部', B, E],
          ['第二车队党支部', B, E],
          ['第三车队党支部', B, E],
          ['保修公司党支部', B, E],
          ['党员学雷锋车队党支部', B, E],
        ],
      ],
      [
        '市出租汽车公司党总支',
        G,
        E,
        [
          ['第一分公司党支部', B, E],
          ['第二分公司党支部', B, E],
          ['党员爱心车队党支部', B, E],
        ],
      ],
      [
        '市港航管理局党总支',
        G,
        I,
        [
          ['港政科党支部', B, I],
          ['航道站党支部', B, I],
        ],
      ],
      [
        '市交通运输综合执法支队党委',
        C,
        O,
        [
          ['执法一大队党支部', B, O],
          ['执法二大队党支部', B, O],
          ['执法三大队党支部', B, O],
        ],
      ],
      [
        '市高速公路建设开发公司党委',
        C,
        E,
        [
          ['工程管理部党支部', B, E],
          ['经营开发部党支部', B, E],
          ['收费管理所党支部', B, E],
        ],
      ],
    ],
  ],
  users: [
    { username: 'admin', displayName: '局组织科', role: Role.TENANT_ADMIN, org: '中共市交通运输局党委' },
    { username: 'leader', displayName: '鞠世闻(领导小组组长)', role: Role.LEADER, org: '中共市交通运输局党委' },
    { username: 'deputy', displayName: '陈莉莉(领导小组副组长)', role: Role.LEADER, org: '中共市交通运输局党委' },
    { username: 'supervisor', displayName: '公交集团党委书记', role: Role.SUPERVISOR, org: '市公交集团党委' },
    { username: 'secretary', displayName: '第一车队党支部书记', role: Role.SECRETARY, org: '第一车队党支部' },
    { username: 'secretary2', displayName: '养护科党支部书记', role: Role.SECRETARY, org: '养护科党支部' },
    { username: 'inspector', displayName: '督导组成员', role: Role.INSPECTOR, org: '中共市交通运输局党委' },
    { username: 'member', displayName: '第一车队党员', role: Role.MEMBER, org: '第一车队党支部' },
  ],
};

/** 市直机关工委: the municipal organs' working committee, whose variant is 五强五化. */
const szjg: DemoTenant = {
  slug: 'szjg',
  name: '市直机关工委',
  root: [
    '中共市直机关工委',
    C,
    O,
    [
      [
        '市财政局机关党委',
        C,
        O,
        [
          ['预算科党支部', B, O],
          ['国库科党支部', B, O],
          ['综合科党支部', B, O],
        ],
      ],
      [
        '市人力资源和社会保障局机关党委',
        C,
        O,
        [
          ['就业促进科党支部', B, O],
          ['社会保险科党支部', B, O],
          ['劳动监察支队党支部', B, O],
        ],
      ],
      [
        '市卫生健康委员会党委',
        C,
        I,
        [
          [
            '市第一人民医院党总支',
            G,
            I,
            [
              ['内科党支部', B, I],
              ['外科党支部', B, I],
              ['行政后勤党支部', B, I],
            ],
          ],
          ['市疾病预防控制中心党支部', B, I],
          ['市急救中心党支部', B, I],
        ],
      ],
      [
        '市教育局党委',
        C,
        I,
        [
          [
            '市第一中学党总支',
            G,
            I,
            [
              ['高一年级党支部', B, I],
              ['高二年级党支部', B, I],
            ],
          ],
          ['市实验小学党支部', B, I],
          ['局机关党支部', B, O],
        ],
      ],
      [
        '市政务服务中心党总支',
        G,
        O,
        [
          ['综合窗口党支部', B, O],
          ['投资项目审批党支部', B, O],
        ],
      ],
      [
        '市国资委党委',
        C,
        E,
        [
          [
            '市城投集团党委',
            C,
            E,
            [
              ['工程公司党支部', B, E],
              ['物业公司党支部', B, E],
            ],
          ],
          ['市水务集团党支部', B, E],
          ['市燃气公司党支部', B, E],
        ],
      ],
    ],
  ],
  users: [
    { username: 'admin', displayName: '工委组织部', role: Role.TENANT_ADMIN, org: '中共市直机关工委' },
    { username: 'leader', displayName: '工委书记(领导小组组长)', role: Role.LEADER, org: '中共市直机关工委' },
    { username: 'supervisor', displayName: '卫健委党委书记', role: Role.SUPERVISOR, org: '市卫生健康委员会党委' },
    { username: 'secretary', displayName: '内科党支部书记', role: Role.SECRETARY, org: '内科党支部' },
    { username: 'secretary2', displayName: '预算科党支部书记', role: Role.SECRETARY, org: '预算科党支部' },
    { username: 'inspector', displayName: '督导组成员', role: Role.INSPECTOR, org: '中共市直机关工委' },
    { username: 'member', displayName: '内科党员', role: Role.MEMBER, org: '内科党支部' },
  ],
};

export const demoTenants: DemoTenant[] = [jtj, szjg];
