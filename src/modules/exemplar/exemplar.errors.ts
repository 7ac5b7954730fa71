import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 选树典型 refusals: each reason with its code and its message in Chinese and English. */
export const exemplarError = defineErrors('exemplar', {
  EXEMPLAR_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '典型不存在或不在您的权限范围内', en: 'Exemplar not found' },
  OBJECTION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '异议不存在或不在您的权限范围内', en: 'Objection not found' },
  NOT_NOMINATOR: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以推荐典型',
    en: 'Only the org’s secretary or an officer over it nominates',
  },
  // declared alike in innovation.errors.ts: the same refusal of the bureau's own steps
  NOT_TENANT_OFFICER: {
    code: ErrorCode.FORBIDDEN,
    zh: '此项工作由本单位管理员或领导小组负责',
    en: 'This step is the tenant admin’s or the leading group’s',
  },
  NOT_TENANT_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以设置选树典型名额',
    en: 'Only an admin at the root org sets the exemplar limits',
  },
  NOT_DIRECT_ORG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}不是直属党组织；重点培育对象从直属党组织中选择',
    en: '{org} is not directly under the root org; key orgs for cultivation are chosen among those',
  },
  EXEMPLAR_ORG_ARCHIVED: { code: ErrorCode.BAD_USER_INPUT, zh: '{org}已撤销，不能推荐', en: '{org} is archived' },
  EXEMPLAR_TITLE_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '推荐{kindLabel}须写明岗位或窗口名称',
    en: 'A {kindLabel} names the post or window',
  },
  EXEMPLAR_KEY_ORG_TITLED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '重点培育直属党组织以组织本身推荐，不填岗位或窗口名称',
    en: 'A key org is nominated as the org itself, without a post or window title',
  },
  EXEMPLAR_KEY_ORG_MEMBER: { code: ErrorCode.BAD_USER_INPUT, zh: '重点培育直属党组织不填党员姓名', en: 'A key org names no member' },
  ALREADY_NOMINATED: {
    code: ErrorCode.CONFLICT,
    zh: '{year}年度该{kindLabel}已被推荐，不能重复推荐',
    en: 'This {kindLabel} is already nominated for {year}',
  },
  WRONG_EXEMPLAR_STATE: {
    code: ErrorCode.CONFLICT,
    zh: '该典型当前为“{stateLabel}”，不能进行此项操作',
    en: 'The exemplar is {stateLabel}; this step does not apply to it',
  },
  INVALID_NOTICE_WINDOW: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '公示期须从今天（{today}）或以后开始，结束日期不能早于开始日期',
    en: 'A public notice starts today ({today}) or later and does not end before it starts',
  },
  OUTSIDE_NOTICE_WINDOW: {
    code: ErrorCode.CONFLICT,
    zh: '不在公示期内，不受理异议',
    en: 'Objections are taken only while the public notice runs',
  },
  NOTICE_NOT_OVER: {
    code: ErrorCode.CONFLICT,
    zh: '公示期到{endsOn}结束，期满后方可命名',
    en: 'The public notice runs until {endsOn}; name it after that day',
  },
  OBJECTIONS_UNANSWERED: {
    code: ErrorCode.CONFLICT,
    zh: '还有{open}条异议未答复，全部答复后方可命名',
    en: '{open} objection(s) are not answered yet',
  },
  OBJECTION_UPHELD: {
    code: ErrorCode.CONFLICT,
    zh: '有{upheld}条异议经核实成立，不能命名，请作未通过处理',
    en: '{upheld} objection(s) were upheld; reject the nomination instead',
  },
  OBJECTION_ANSWERED: { code: ErrorCode.CONFLICT, zh: '该异议已答复', en: 'The objection is already answered' },
  EXEMPLAR_OBJECTION_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明异议内容', en: 'Say what the objection is' },
  EXEMPLAR_ANSWER_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明答复内容', en: 'An answer says something' },
  EXEMPLAR_REASON_BLANK: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '不予通过或撤销命名须写明理由',
    en: 'A rejection or a revocation says why',
  },
  REEVALUATION_IN_FUTURE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '复评日期不能晚于今天',
    en: 'A re-evaluation cannot be dated in the future',
  },
  REEVALUATION_BEFORE_NAMING: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '复评日期不能早于命名日期（{namedOn}）',
    en: 'A re-evaluation follows the naming ({namedOn})',
  },
  CATEGORY_LIMIT_REACHED: {
    code: ErrorCode.CONFLICT,
    zh: '{year}年{categoryLabel}类{kindLabel}已命名{named}个，达到上限{limit}个',
    en: 'The {year} limit of {limit} {kindLabel} in category {categoryLabel} is reached ({named} named)',
  },
  LIMIT_BELOW_NAMED: {
    code: ErrorCode.CONFLICT,
    zh: '该类别已命名{named}个，不能把上限降到{limit}个；请先撤销部分命名',
    en: '{named} are already named in this category; revoke some before lowering the limit to {limit}',
  },
  LIMIT_OUT_OF_BOUNDS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '名额上限须为{min}至{max}个（“按照机关、事业、企业的分类，筛选1-3个”）',
    en: 'A limit is {min} to {max}',
  },
});
