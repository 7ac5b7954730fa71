import { ErrorCode, Problem, ReasonSpec, coreError, defineErrors, mapConstraint, reasonProblem } from '../../graphql/errors';
import { MessageParam } from '../../graphql/messages';

const bad = (zh: string, en: string): ReasonSpec => ({ code: ErrorCode.BAD_USER_INPUT, zh, en });

/**
 * The problems a framework document (or a draft being published) can have, each reported with the
 * path it sits at (`criteria[3].children`, `rule.kindWeights`); the message leaves the path out.
 */
const DOCUMENT_PROBLEMS = {
  DOC_NOT_YAML: bad(
    '不是有效的 YAML 或 JSON（第 {line} 行第 {column} 列）：{detail}',
    'Not valid YAML or JSON: {detail} at line {line}, column {column}',
  ),
  DOC_UNREADABLE: bad('无法读取为 YAML 或 JSON：{detail}', 'Not valid YAML or JSON: {detail}'),
  DOC_SEVERAL_DOCUMENTS: bad('文本中包含不止一个文档', 'The text holds more than one document'),
  DOC_DUPLICATE_KEY: bad('键“{key}”重复（第 {line} 行第 {column} 列）', 'Map keys must be unique ({key}) at line {line}, column {column}'),
  DOC_NOT_OBJECT: bad(
    '文档须为包含 format、code、name、rule 和 criteria 的对象',
    'The document must be an object with format, code, name, rule and criteria',
  ),
  DOC_FORMAT: bad('须为“{expected}”', 'must be "{expected}"'),
  DOC_REQUIRED: bad('必填', 'is required'),
  DOC_NOT_STRING: bad('须为文本', 'must be a string'),
  DOC_BLANK: bad('不能为空', 'must not be empty'),
  DOC_TOO_LONG: bad('最多 {max} 个字符', 'must be at most {max} characters'),
  DOC_NOT_NUMBER: bad('须为数字', 'must be a number'),
  DOC_NOT_BOOLEAN: bad('须为 true 或 false', 'must be true or false'),
  DOC_NOT_ONE_OF: bad('须为以下之一：{values}', 'must be one of {values}'),
  DOC_NOT_MAP: bad('须为对象', 'must be an object'),
  DOC_NOT_LIST: bad('须为列表', 'must be a list'),
  DOC_FRAMEWORK_CODE_FORMAT: bad('须为 2 到 40 个大写字母、数字、_ 或 -', 'must be 2 to 40 upper-case letters, digits, _ or -'),
  DOC_GRADE_CODE_FORMAT: bad('须由大写字母、数字或 _ 组成', 'must be upper-case letters, digits or _'),
  DOC_CRITERION_CODE_FORMAT: bad('须由字母、数字或 ._- 组成', 'must be letters, digits or ._-'),
  DOC_RULE_REQUIRED: bad('必填，且须为对象', 'is required and must be an object'),
  DOC_NOT_POSITIVE: bad('须大于 0', 'must be greater than 0'),
  DOC_THRESHOLD_RANGE: bad('须在 0 到总分（{totalMax}）之间', 'must be between 0 and totalMax ({totalMax})'),
  DOC_NEGATIVE: bad('不能为负数', 'must not be negative'),
  DOC_FIGURE_RANGE: bad('至多为 {max}，且至多 {decimals} 位小数', 'must be at most {max}, with at most {decimals} decimals'),
  DOC_MARGIN_RANGE: bad('须在 0 到 1 之间', 'must be between 0 and 1'),
  DOC_NO_GRADES: bad('须至少列出一个等次', 'must list at least one grade band'),
  DOC_GRADE_CODE_REPEATED: bad('等次代码 {grade} 重复', 'duplicate grade code {grade}'),
  DOC_NO_ZERO_GRADE: bad('须有一个等次从 0 分起，使每个总分都有等次', 'one band must start at 0 so every total gets a grade'),
  DOC_VETO_GRADE_UNKNOWN: bad('须为等次代码之一（{grades}）', 'must be one of the grade codes ({grades})'),
  DOC_NOT_KIND: bad('不是考评类型（{kinds}）', 'is not an evaluation kind ({kinds})'),
  DOC_KIND_WEIGHT: bad('须为 0 或正数', 'must be a number, 0 or more'),
  DOC_KIND_WEIGHTS_REQUIRED: bad('必填：各考评类型在最终结果中的权重', 'is required: the weight of each evaluation kind'),
  DOC_KIND_WEIGHTS_SUM: bad('各考评类型的权重之和须为 1，现为 {sum}', 'must sum to 1, not {sum}'),
  DOC_KIND_REPEATED: bad('同一考评类型列了两次', 'lists a kind twice'),
  DOC_REQUIRED_KINDS: bad('须从以下考评类型中选列：{kinds}', 'must list kinds among {kinds}'),
  DOC_REQUIRED_KIND_UNWEIGHTED: bad('{kind} 是必需的考评类型，但没有权重', '{kind} is required but has no weight'),
  DOC_TOO_MANY_CRITERIA: bad('一个版本最多 {max} 个指标', 'a version holds at most {max} criteria'),
  DOC_CRITERION_CODE_REPEATED: bad(
    '指标代码 {criterionCode} 重复（首次出现在 {first}）',
    'duplicate code {criterionCode} (first used at {first})',
  ),
  DOC_EMPTY_DIMENSION: bad('维度 {dimension} 下没有指标', 'dimension {dimension} has no criteria under it'),
  DOC_CRITERIA_TOO_DEEP: bad('指标最多嵌套 {max} 层', 'criteria nest at most {max} levels deep'),
  DOC_PARENT_SCORED: bad(
    '有下级的指标由下级计分：请删去 maxScore 和 scoringType',
    'a criterion with children takes its score from them: drop maxScore and scoringType',
  ),
  DOC_PARENT_FLAGGED: bad('只有末级指标可以是一票否决项或加分项', 'only leaf criteria can be veto or bonus items'),
  DOC_ONLY_BONUS: bad('须至少有一个不是加分项的指标', 'needs at least one criterion that is not a bonus item'),
  DOC_LEAF_REQUIRED: bad('末级指标必填', 'is required on a leaf'),
  DOC_COUNT_TARGET: bad('计数型（COUNT）指标须有大于 0 的目标数', 'a COUNT criterion needs a target greater than 0'),
  DOC_DEDUCTION_PER: bad('扣分型（DEDUCTION）指标须有大于 0 的每次扣分', 'a DEDUCTION criterion needs deductionPer greater than 0'),
  DOC_BONUS_CAP: bad('设加分项须使 rule.bonusCap 大于 0', 'bonus items need rule.bonusCap greater than 0'),
  DOC_WEIGHT_REQUIRED: bad('加权求和（WEIGHTED_SUM）时必填', 'is required under WEIGHTED_SUM'),
  DOC_WEIGHT_POSITIVE: bad('须大于 0（只有一票否决项可以为 0）', 'must be greater than 0 (only a veto item may weigh 0)'),
  DOC_SIBLING_WEIGHTS: bad(
    '此处非加分项指标的权重之和须为 1，现为 {sum}',
    'weights of the non-bonus criteria here must sum to 1, not {sum}',
  ),
  DOC_NO_DIMENSIONS: bad('须至少列出一个维度', 'must list at least one dimension'),
  DOC_SOURCE_NOT_LEAF: bad('只有末级指标（评分项）可以绑定数据来源', 'only a leaf criterion can be bound to a source'),
  DOC_SOURCE_SCORING_TYPE: bad(
    '数据来源“{source}”只能绑定{scoringTypes}指标',
    'the source {source} can only fill a {scoringTypes} criterion',
  ),
  DOC_SOURCE_OPTION: bad(
    'ledgerCategory 只能用于来源为管理台帐（LEDGER_ENTRIES）的绑定',
    'ledgerCategory belongs to a LEDGER_ENTRIES source only',
  ),
} satisfies Record<string, ReasonSpec>;

/** 考评标准 (frameworks, versions, criteria, documents) refusals: each reason with its code and messages. */
export const frameworkError = defineErrors('framework', {
  FRAMEWORK_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '考评标准不存在', en: 'Framework not found' },
  VERSION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '考评标准版本不存在', en: 'Framework version not found' },
  CRITERION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '考评指标不存在或不属于该版本', en: 'Criterion not found in this version' },
  TEMPLATE_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '没有名为“{template}”的考评标准模板', en: 'No template named {template}' },
  VERSION_NOT_DRAFT: {
    code: ErrorCode.CONFLICT,
    zh: '第 {number} 版不是草稿：已发布的版本不能修改，请由它创建新草稿',
    en: 'Version {number} is not a draft: published versions are immutable, create a draft from it',
  },
  VERSION_NOT_PUBLISHED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该考评标准版本不是已发布状态',
    en: 'The framework version is not published',
  },
  INVALID_DOCUMENT: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '考评标准文档有 {count} 处问题（逐项见 problems）',
    en: 'The framework document has {count} problem(s), each in problems',
  },
  INVALID_VERSION: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该版本有 {count} 处问题，不能发布（逐项见 problems）',
    en: 'The version cannot be published: {count} problem(s), each in problems',
  },
  CRITERION_CODE_TAKEN: {
    code: ErrorCode.CONFLICT,
    zh: '本版本中已有代码为 {criterionCode} 的指标',
    en: 'Code {criterionCode} is already used in this version',
  },
  CRITERION_FIELDS_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '新增指标须填写代码和名称',
    en: 'A new criterion needs a code and a title',
  },
  CRITERIA_TOO_MANY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一个版本最多 {max} 个指标',
    en: 'A version holds at most {max} criteria',
  },
  CRITERIA_TOO_DEEP: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '指标最多嵌套 {max} 层',
    en: 'Criteria nest at most {max} levels deep',
  },
  CRITERION_MOVE_CYCLE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '指标不能移到它自己或其下级指标之下',
    en: 'A criterion cannot move under itself',
  },
  NOT_FRAMEWORK_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以编辑考评标准',
    en: 'Only an admin at the root org edits frameworks',
  },
  IMPORT_SOURCE: { code: ErrorCode.BAD_USER_INPUT, zh: '模板和文档须二选一', en: 'Give exactly one of template or document' },
  DOCUMENT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '考评标准文档超过 {limit} 个字符的上限',
    en: 'The framework document is longer than {limit} characters',
  },
  DOCUMENT_TOO_DEEP: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '考评标准文档的嵌套超过 {limit} 层的上限',
    en: 'The framework document nests deeper than {limit} levels',
  },
  DOCUMENT_TOO_MANY_NODES: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '考评标准文档的节点和符号超过 {limit} 个的上限',
    en: 'The framework document has more than {limit} nodes and symbols',
  },
  ...DOCUMENT_PROBLEMS,
});

export type DocumentProblemReason = keyof typeof DOCUMENT_PROBLEMS;

/** One problem at `path`, its message rendered from the catalogue (again per request). */
export const documentProblem = (path: string, reason: DocumentProblemReason, params: Record<string, MessageParam> = {}): Problem =>
  reasonProblem(path, reason, params);

// the framework is locked for a publish (framework.service.ts): the index refusing is a race that lock did not cover
mapConstraint('framework_versions_one_published', () => coreError('SERIALIZATION'));
