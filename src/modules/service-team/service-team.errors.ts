import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 服务队伍 refusals: each reason with its code and its message in Chinese and English. */
export const serviceTeamError = defineErrors('service-team', {
  SERVICE_TEAM_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '服务队伍不存在或不在您的权限范围内', en: 'Service team not found' },
  SERVICE_TEAM_MEMBER_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '服务队员不存在或不在您的权限范围内', en: 'Team member not found' },
  SERVICE_RECORD_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '服务记录不存在或不在您的权限范围内', en: 'Service record not found' },
  NOT_SERVICE_TEAM_MANAGER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以管理其服务队伍',
    en: 'Only the org’s secretary or an officer over it manages its service teams',
  },
  NOT_SERVICE_RECORDER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有队伍所在组织的书记、上级负责人或在队的队员可以登记服务记录',
    en: 'Service is recorded by the team org’s officers or a member of the team',
  },
  SERVICE_TEAM_NAME_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请填写队伍名称', en: 'A team has a name' },
  SERVICE_TEAM_NAME_TAKEN: { code: ErrorCode.CONFLICT, zh: '{org}已有名为“{name}”的服务队伍', en: '{org} already has a team named {name}' },
  SERVICE_TEAM_ORG_ARCHIVED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}已撤销，不能组建服务队伍',
    en: '{org} is archived',
    deprecated: '不再使用：已撤销的组织一律答 ORG_ARCHIVED',
  },
  SERVICE_TEAM_DISBANDED: { code: ErrorCode.CONFLICT, zh: '“{team}”已解散', en: '{team} is disbanded' },
  TOO_MANY_SERVICE_RECORDS: {
    code: ErrorCode.CONFLICT,
    zh: '“{team}”{year}年已登记{count}条服务记录，达到上限{limit}条；请将同一次服务合并登记',
    en: '{team} has recorded {count} services in {year}, the most it may record in a year ({limit}); record one outing once',
  },
  TOO_MANY_SERVICE_TEAMS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已组建{count}支服务队伍（含已解散的），达到上限{limit}支；请在已有队伍中开展服务',
    en: '{org} has formed {count} service teams (disbanded ones included), the most it may form ({limit}); serve through a team it has',
  },
  SERVICE_TEAM_FOUNDED_IN_FUTURE: { code: ErrorCode.BAD_USER_INPUT, zh: '组建日期不能晚于今天', en: 'A team is founded today or before' },
  SERVICE_MEMBER_NAME_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请填写队员姓名，或选择队员的账号',
    en: 'Name the member or choose the member’s account',
  },
  SERVICE_MEMBER_USER_OUTSIDE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该账号不属于队伍所在组织或其下级组织',
    en: 'The account belongs to no org of the team’s subtree',
  },
  SERVICE_MEMBER_ALREADY: { code: ErrorCode.CONFLICT, zh: '{name}已在队中', en: '{name} is already in the team' },
  SERVICE_MEMBER_LEFT: { code: ErrorCode.CONFLICT, zh: '{name}已离队', en: '{name} has left the team' },
  TOO_MANY_SERVICE_TEAM_MEMBERS: {
    code: ErrorCode.CONFLICT,
    zh: '“{team}”已吸收{count}名队员（含已离队的），达到上限{limit}名；请另行组建服务队伍',
    en: '“{team}” has taken {count} members (those who left included), the most a team may take ({limit}); form another team',
  },
  SERVICE_TEAM_FULL: { code: ErrorCode.CONFLICT, zh: '一支队伍至多{limit}名在队队员', en: 'A team has at most {limit} members' },
  SERVICE_DATE_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '日期须在 2000 年以后且不晚于今天（{today}）',
    en: 'A date lies after 2000 and no later than today ({today})',
  },
  SERVICE_LEFT_BEFORE_JOINED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '离队日期不能早于入队日期（{joinedOn}）',
    en: 'A member leaves after joining ({joinedOn})',
  },
  SERVICE_LEFT_BEFORE_SERVED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '离队日期不能早于该队员最近一次参加服务的日期（{servedOn}）',
    en: 'A member leaves on or after the last service it took part in ({servedOn})',
  },
  SERVICE_HOURS_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '服务时长须大于 0 且不超过 24 小时，至多一位小数',
    en: 'Hours are more than 0 and at most 24, with one decimal at most',
  },
  SERVICE_TEXT_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请填写{what}', en: '{what} is required' },
  SERVICE_KIND_TEXT_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '服务类别为“其他”时须写明类别，其他类别不填',
    en: 'Name the kind when it is OTHER, and only then',
  },
  SERVICE_PARTICIPANTS_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请选择参加服务的队员（1 至 {limit} 名）',
    en: 'Choose 1 to {limit} members who served',
  },
  SERVICE_PARTICIPANT_NOT_MEMBER: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '参加服务的须是服务当天在队的本队队员',
    en: 'Every participant is a member of this team on the day of service',
  },
  SERVICE_PERIOD_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '统计期的结束日期不能早于开始日期，统计期至多 10 年',
    en: 'A period ends on or after it starts and spans at most 10 years',
  },
});
