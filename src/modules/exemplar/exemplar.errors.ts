import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 选树典型 refusals: each reason with its code and its message in Chinese and English. */
export const exemplarError = defineErrors('exemplar', {
  EXEMPLAR_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '典型不存在或不在您的权限范围内', en: 'Exemplar not found' },
  OBJECTION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '异议不存在或不在您的权限范围内', en: 'Objection not found' },
  TOO_MANY_NOMINATIONS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}{year}年已推荐{count}个典型（含未通过的），达到上限{limit}个；请于下一年度再推荐',
    en: '{org} has made {count} nominations in {year} (rejected ones included), the most it may make in a year ({limit}); nominate again next year',
  },
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
    zh: '{org}不是直属党组织；{kindLabel}从直属党组织中选择',
    en: '{org} is not directly under the root org; a {kindLabel} is chosen among those',
  },
  EXEMPLAR_ORG_ARCHIVED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}已撤销，不能推荐',
    en: '{org} is archived',
    deprecated: '不再使用：已撤销的组织一律答 ORG_ARCHIVED',
  },
  EXEMPLAR_TITLE_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '推荐{kindLabel}须写明岗位或窗口名称',
    en: 'A {kindLabel} names the post or window',
  },
  EXEMPLAR_KEY_ORG_TITLED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{kindLabel}以组织本身推荐，不填岗位或窗口名称',
    en: 'A {kindLabel} is nominated as the org itself, without a post or window title',
  },
  EXEMPLAR_KEY_ORG_MEMBER: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{kindLabel}以组织本身推荐，不填党员姓名',
    en: 'A {kindLabel} names no member',
  },
  EXEMPLAR_MEMBER_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '推荐{kindLabel}须写明党员姓名',
    en: 'A {kindLabel} names the member',
  },
  EXEMPLAR_KIND_NOT_FOUND: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '本单位没有代码为{kind}的典型类别',
    en: 'The tenant has no exemplar kind {kind}',
  },
  EXEMPLAR_KIND_DEFINITION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '典型类别不存在', en: 'Exemplar kind not found' },
  EXEMPLAR_KIND_RETIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '“{kindLabel}”已停用，不再受理推荐',
    en: '{kindLabel} is retired and takes no nominations',
  },
  NOT_KIND_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以设立和修改典型类别',
    en: 'Only an admin at the root org sets up exemplar kinds',
  },
  EXEMPLAR_KIND_NAME_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请填写典型类别的名称', en: 'An exemplar kind has a name' },
  EXEMPLAR_KIND_NAME_TAKEN: {
    code: ErrorCode.CONFLICT,
    zh: '本单位已有名为“{name}”的典型类别',
    en: 'The tenant already has an exemplar kind named {name}',
  },
  EXEMPLAR_KIND_CODE_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '类别代码须以大写字母开头，由 2 至 40 个大写字母、数字或下划线组成，如 IRON_MODEL',
    en: 'A kind code is 2 to 40 capital letters, digits or underscores, starting with a letter (IRON_MODEL)',
  },
  EXEMPLAR_KIND_CODE_TAKEN: {
    code: ErrorCode.CONFLICT,
    zh: '本单位已有代码为{code}的典型类别',
    en: 'The tenant already has an exemplar kind with code {code}',
  },
  EXEMPLAR_KIND_LIMITS_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '名额范围须满足 1 ≤ 最小值 ≤ 默认名额 ≤ 最大值 ≤ {ceiling}',
    en: 'Limits satisfy 1 ≤ minimum ≤ default ≤ maximum ≤ {ceiling}',
  },
  EXEMPLAR_KIND_DIRECT_NOT_ORG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只有组织类典型可以限定从直属党组织中选择',
    en: 'Only a kind naming orgs may be limited to the orgs directly under the root',
  },
  EXEMPLAR_KIND_IN_USE: {
    code: ErrorCode.CONFLICT,
    zh: '“{kindLabel}”已有{count}个典型，不能再改变其对象',
    en: '{kindLabel} has {count} exemplar(s); its subject can no longer change',
  },
  TOO_MANY_EXEMPLAR_KINDS: {
    code: ErrorCode.CONFLICT,
    zh: '本单位已设立{limit}个典型类别，达到上限',
    en: 'The tenant has {limit} exemplar kinds, the most it may have',
  },
  EXEMPLAR_NOTICE_REQUIRED: {
    code: ErrorCode.CONFLICT,
    zh: '“{kindLabel}”须经公示后方可命名',
    en: 'A {kindLabel} is named only after a public notice',
  },
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
  TOO_MANY_REEVALUATIONS: {
    code: ErrorCode.CONFLICT,
    zh: '该典型已复评保留{limit}次，达到上限；如需变更，请撤销称号',
    en: 'The title has been kept on re-evaluation {limit} times, the most it may be; revoke it to change it',
  },
  TOO_MANY_OBJECTIONS: {
    code: ErrorCode.CONFLICT,
    zh: '您对该典型已有{limit}条异议未答复，答复后方可再提',
    en: 'You have {limit} unanswered objections to this exemplar; wait for an answer before lodging another',
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
  RESTORE_OVER_EXEMPLAR_LIMIT: {
    code: ErrorCode.CONFLICT,
    zh: '{org}撤销期间，其“{exemplar}”（{year}年{categoryLabel}类{kindLabel}）不占名额，该类别现已命名{named}个，上限{limit}个；恢复该组织将超出上限，请先撤销一个命名或调高名额后再恢复',
    en: 'While {org} was archived its “{exemplar}” ({kindLabel}, {categoryLabel}, {year}) took no place; {named} of {limit} are named now, so restoring the org would exceed the limit: revoke a title or raise the limit first',
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
