import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 督导组、督查记录、回头看与整改的 refusals: each reason with its code and its message in Chinese and English. */
export const supervisionError = defineErrors('supervision', {
  TEAM_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '督导组不存在或不在您的权限范围内', en: 'Supervision team not found' },
  INSPECTION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '督查记录不存在或不在您的权限范围内', en: 'Inspection not found' },
  RECTIFICATION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '整改事项不存在或不在您的权限范围内', en: 'Rectification not found' },
  NOT_TEAM_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员或领导小组可以组建督导组；核验记录链还可由根组织的督查人员办理',
    en: 'Only an admin or the leading group at the root org forms supervision teams; root inspectors may also verify the record chain',
  },
  NOT_INSPECTOR: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '督导组组长和成员须具有督查人员角色，有 {count} 人不具备',
    en: 'Every leader and member needs the INSPECTOR role ({count} do not)',
  },
  TEAM_SCOPE_EMPTY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请至少指定一个督导范围（党组织及其下级）',
    en: 'A team needs at least one org subtree to inspect',
  },
  NOT_TEAM_MEMBER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有本督导组具有督查人员角色的组长和成员可以记录、修改、更正本组的督查记录，或为本组下达的整改销号',
    en: 'Only the team’s leader and members holding the INSPECTOR role record and change its inspections and sign off its rectifications',
  },
  OUTSIDE_TEAM_SCOPE: {
    code: ErrorCode.FORBIDDEN,
    zh: '该党组织不在本督导组的督导范围内',
    en: 'The org is outside the team’s inspection scope',
  },
  INSPECTION_DATE_IN_FUTURE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '督查日期不能晚于今天',
    en: 'An inspection date cannot be in the future',
  },
  INSPECTION_FINALIZED: {
    code: ErrorCode.CONFLICT,
    zh: '督查记录已定稿，不能修改或删除；如需更正，请提交更正记录',
    en: 'A finalized inspection can never be edited or deleted; record an amendment instead',
  },
  NOT_FINALIZED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只有已定稿的督查记录才需更正；草稿请直接修改',
    en: 'Only a finalized inspection is amended; edit the draft instead',
  },
  /** Declared by the core too (the unique index inspections_one_amendment): the same text. */
  ALREADY_AMENDED: {
    code: ErrorCode.CONFLICT,
    zh: '该记录已有更正记录，请在最新版本上更正',
    en: 'This record is already amended; amend the latest version',
  },
  IDEMPOTENCY_KEY_REUSED: {
    code: ErrorCode.CONFLICT,
    zh: '该请求编号（idempotencyKey）已用于另一份内容不同的记录',
    en: 'This idempotency key was already used for a different inspection',
  },
  FOLLOW_UP_UNCHECKED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '本次回头看还有 {count} 个问题未填写核查结果，不能定稿',
    en: '{count} earlier finding(s) of this follow-up are not checked yet',
  },
  INVALID_FOLLOW_UP: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '回头看只能核查本组织已定稿督查记录中的问题',
    en: 'A follow-up checks findings of this org’s finalized inspections',
  },
  FOLLOW_UP_LISTED_TWICE: { code: ErrorCode.BAD_USER_INPUT, zh: '同一问题在回头看中只能列出一次', en: 'A finding is listed twice' },
  FOLLOW_UP_NOT_IN_INSPECTION: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '此督查记录的回头看中没有该问题',
    en: 'This inspection does not follow up that finding',
  },
  INVALID_RECTIFICATION_ORDER: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '下达整改须同时指定整改单位和整改期限',
    en: 'A rectification order needs both rectifyOrgId and rectifyDueOn',
  },
  RECTIFY_ORG_OUTSIDE_SCOPE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '整改单位须在本督导组的督导范围内',
    en: 'The rectifying org must lie in the team’s scope',
  },
  RECTIFICATION_DUE_BEFORE_INSPECTION: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '整改期限不能早于督查日期',
    en: 'A rectification is due on or after the inspection',
  },
  RECTIFICATION_ALREADY_ORDERED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该问题的整改已下达，不能取消整改要求；如确属误报，请说明理由撤回',
    en: 'This finding’s rectification was issued and cannot be cancelled; withdraw the finding with a reason',
  },
  RECTIFYING_ORG_FIXED: {
    code: ErrorCode.CONFLICT,
    zh: '该问题的整改已由原整改单位办理（当前为“{state}”），不能改由其他单位整改；如需改变整改单位，请说明理由撤回该问题，再新增一个问题下达给新的整改单位',
    en: 'The rectification is already under way at its org (“{state}”) and cannot move to another org; withdraw the finding with a reason and add a new one',
  },
  NO_CAMPAIGN: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '关联考核指标或填写评分表须先指定创建活动',
    en: 'Linking a criterion or scoring needs a campaign',
  },
  CRITERION_NOT_IN_FRAMEWORK: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该指标不属于本创建活动所用的指标体系',
    en: 'The criterion is not part of the campaign’s framework',
  },
  SCORE_SHEET_INCOMPLETE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '评分表未填完：请为每项指标评分，或不附评分表',
    en: 'The score sheet is incomplete: score every criterion or leave the sheet out',
  },
  SCORE_SHEET_CHANGED: {
    code: ErrorCode.CONFLICT,
    zh: '评分表已被他人修改（如考评标准版本升级），请重新加载后再定稿',
    en: 'The score sheet was changed meanwhile (a framework version upgrade, say); reload it before finalizing',
  },
  FINDING_NOT_IN_INSPECTION: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该问题不属于此督查记录',
    en: 'The finding is not part of this inspection',
  },
  TOO_MANY_FINDINGS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一份督查记录至多 {max} 个问题，修改后将有 {count} 个',
    en: 'An inspection holds at most {max} findings; this change would make {count}',
  },
  TOO_MANY_FOLLOW_UPS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一份督查记录的回头看至多核查 {max} 个问题，修改后将有 {count} 个',
    en: 'An inspection follows up at most {max} findings; this change would make {count}',
  },
  TOO_MANY_DRAFTS: {
    code: ErrorCode.CONFLICT,
    zh: '{team}已有{drafts}份督查记录草稿（含更正草稿），达到上限{limit}份；请先定稿或删除草稿',
    en: '{team} has {drafts} draft inspections (amendments included), the most it may have ({limit}); finalize or discard one first',
  },
  FINDING_LISTED_TWICE: { code: ErrorCode.BAD_USER_INPUT, zh: '同一问题在一次修改中只能出现一次', en: 'A finding is listed twice' },
  NEW_FINDING_INCOMPLETE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '新增问题须填写严重程度和问题描述',
    en: 'A new finding needs its severity and description',
  },
  FINDING_WITHDRAWN: { code: ErrorCode.CONFLICT, zh: '该问题已撤回，不能再修改', en: 'The finding is withdrawn and cannot change' },
  CARRIED_FINDING: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '更正记录沿用的问题不能删除；如确属误报，请说明理由撤回（withdrawFindings）',
    en: 'A finding carried over by an amendment is not deleted but withdrawn with a reason (withdrawFindings)',
  },
  NOT_CARRIED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只有更正记录沿用的问题可以撤回；草稿中新增的问题可直接删除（removeFindingIds）',
    en: 'Only a carried-over finding is withdrawn; one added in this draft is removed (removeFindingIds)',
  },
  WITHDRAWAL_REASON_REQUIRED: { code: ErrorCode.BAD_USER_INPUT, zh: '撤回问题须说明理由', en: 'Withdrawing a finding needs a reason' },
  NOT_RECTIFIER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有整改单位的书记或其上级负责人可以报送整改情况',
    en: 'Only the owner org’s secretary or an officer over it reports a rectification',
  },
  RECTIFICATION_REPORT_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明整改情况', en: 'Say what was done' },
  VERIFIER_IS_REPORTER: {
    code: ErrorCode.FORBIDDEN,
    zh: '报送整改情况的人不能为其销号或退回，请由督导组的其他成员验收',
    en: 'Who reported the fix neither signs it off nor reopens it; another of the team does',
  },
  REOPEN_REASON_REQUIRED: { code: ErrorCode.BAD_USER_INPUT, zh: '退回重新整改须说明理由', en: 'Reopening needs a reason' },
  WRONG_RECTIFICATION_STATE: {
    code: ErrorCode.CONFLICT,
    zh: '该整改事项当前为“{state}”，不能办理此操作（报送整改须为待整改或重新整改，销号或退回须为已报整改）',
    en: 'The rectification is “{state}”: a report needs it open or reopened, a sign-off or reopening needs it submitted',
  },
});
