import { ErrorCode, Problem, ReasonSpec, defineErrors, reasonProblem } from '../../graphql/errors';
import { MessageParam } from '../../graphql/messages';

const bad = (zh: string, en: string): ReasonSpec => ({ code: ErrorCode.BAD_USER_INPUT, zh, en });

/** What can be wrong with a campaign's schedule, each reported with its path (`input.phases[2].endsOn`). */
const SCHEDULE_PROBLEMS = {
  SCHEDULE_ENDS_BEFORE_START: bad('结束日期早于开始日期', 'endsOn is before startsOn'),
  SCHEDULE_NO_ELIGIBLE_KINDS: bad('请至少指定一种参加创建的组织类型', 'Name at least one eligible org kind'),
  PHASE_ENDS_BEFORE_START: bad('阶段“{phase}”的结束日期早于开始日期', 'Phase “{phase}” ends before it starts'),
  PHASE_OUTSIDE_CAMPAIGN: bad('阶段“{phase}”超出了创建活动的起止日期', 'Phase “{phase}” lies outside the campaign dates'),
  DEADLINE_CODE_REPEATED: bad('报送节点代码 {deadlineCode} 重复', 'Deadline code {deadlineCode} appears twice'),
  DEADLINE_OUTSIDE_CAMPAIGN: bad('报送节点“{deadline}”超出了创建活动的起止日期', 'Deadline “{deadline}” lies outside the campaign dates'),
  DEADLINE_NO_KINDS: bad('报送节点“{deadline}”须至少指定一种需报送的组织类型', 'Deadline “{deadline}” names no org kind that owes it'),
  TARGET_RATIO_RANGE: bad('目标比例须大于 0 且不超过 1，至多 4 位小数', 'A target ratio is above 0 and at most 1, with at most 4 decimals'),
  TARGET_DATE_REPEATED: bad('{date}设了两个目标', 'Two targets on {date}'),
} satisfies Record<string, ReasonSpec>;

/** 创建活动 (campaigns, their deadlines and submissions) refusals: each reason with its code and messages. */
export const campaignError = defineErrors('campaign', {
  CAMPAIGN_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '创建活动不存在或不在您的权限范围内', en: 'Campaign not found' },
  DEADLINE_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '报送节点不存在或不在您的权限范围内', en: 'Deadline not found' },
  SUBMISSION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '报送材料不存在或不在您的权限范围内', en: 'Submission not found' },
  INVALID_SCHEDULE: bad(
    '创建活动的日程安排有 {count} 处问题（逐项见 problems）',
    'The campaign schedule has {count} problem(s), each in problems',
  ),
  NOT_CAMPAIGN_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有活动范围组织的管理员可以发起创建活动',
    en: 'Only a tenant admin over the scope org starts a campaign',
  },
  TOO_MANY_CAMPAIGNS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已有{count}个创建活动，达到上限{limit}个',
    en: '{org} already has {count} campaigns, the most it may have ({limit})',
  },
  NOT_OWED: bad('{org}不需要报送“{deadline}”', '{org} does not owe “{deadline}”'),
  ALREADY_SUBMITTED: { code: ErrorCode.CONFLICT, zh: '{org}已报送“{deadline}”', en: '{org} has already submitted for “{deadline}”' },
  NOT_SUBMITTER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有本组织的书记（或管理员）可以代表本组织报送',
    en: 'Only the org’s own secretary (or a tenant admin) submits for it',
  },
  SUBMITTED_AT_ADMIN_ONLY: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有管理员可以补录纸质材料的报送时间',
    en: 'Only a tenant admin records when a paper submission arrived',
  },
  SUBMITTED_AT_IN_FUTURE: bad('补录的报送时间不能晚于现在', 'A recorded submission time cannot be in the future'),
  OUTSIDE_CAMPAIGN: bad('该组织不在本创建活动的范围内', 'The org is outside the campaign’s scope'),
  UNDER_REQUIRED: bad(
    '您在本创建活动中有 {count} 个负责范围，请用 under 指明统计哪一个',
    'You hold {count} separate scopes in this campaign; name one with under',
  ),
  NOT_SUBMISSION_REVIEWER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有上级组织的负责人可以退回报送材料',
    en: 'Only an officer above the org returns its submission',
  },
  RETURN_REASON_REQUIRED: bad('退回须说明理由', 'A return needs a reason'),
  NOT_RETURNABLE: {
    code: ErrorCode.CONFLICT,
    zh: '该材料已退回，尚未重新报送',
    en: 'The submission is already returned and not yet submitted again',
  },
  ...SCHEDULE_PROBLEMS,
});

export type ScheduleProblemReason = keyof typeof SCHEDULE_PROBLEMS;

/** One problem at `path`, its message rendered from the catalogue (again per request). */
export const scheduleProblem = (path: string, reason: ScheduleProblemReason, params: Record<string, MessageParam> = {}): Problem =>
  reasonProblem(path, reason, params);
