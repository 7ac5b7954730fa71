import { ErrorCode, Problem, ReasonSpec, defineErrors, reasonProblem } from '../../graphql/errors';
import { MessageParam } from '../../graphql/messages';

const bad = (zh: string, en: string): ReasonSpec => ({ code: ErrorCode.BAD_USER_INPUT, zh, en });

/** What can be wrong with the scores of an evaluation, each reported with its path (`input.scores[2].value`). */
const SCORE_PROBLEMS = {
  SCORE_NOT_A_CRITERION: bad('不是本创建活动的评分项', 'is not a scored criterion of this campaign'),
  SCORE_TWICE: bad('{criterion} 重复评分', '{criterion} is scored twice'),
  SCORE_NOT_NUMBER: bad('{criterion} 的分值须为数字', '{criterion} must be a number'),
  SCORE_OUT_OF_RANGE: bad('{criterion} 的分值须在 0 到 {max} 之间', '{criterion} must be between 0 and {max}'),
  SCORE_NOT_BOOLEAN: bad('{criterion} 只能填 0（否）或 1（是）', '{criterion} must be 0 (no) or 1 (yes)'),
  SCORE_NOT_PERCENT: bad('{criterion} 须为 0 到 100 之间的百分数', '{criterion} must be a percentage between 0 and 100'),
  SCORE_NOT_COUNT: bad('{criterion} 须为次数：0 或正整数', '{criterion} must be a whole number of occurrences, 0 or more'),
  SCORE_TOO_PRECISE: bad('{criterion} 的分值至多保留 4 位小数', '{criterion} takes at most 4 decimals'),
  SCORE_MISSING: bad('{criterion}“{title}”尚未评分', '{criterion} {title} is not scored'),
  EVIDENCE_MISSING: bad('{criterion} 须附佐证材料', '{criterion} needs evidence'),
} satisfies Record<string, ReasonSpec>;

/** 考评 (self-checks, superior and public reviews) refusals: each reason with its code and messages. */
export const evaluationError = defineErrors('evaluation', {
  EVALUATION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '考评不存在或不在您的权限范围内', en: 'Evaluation not found' },
  NOT_EVALUATOR: {
    code: ErrorCode.FORBIDDEN,
    zh: '您不能填报这份考评：自查由本组织书记填报，上级评议由上级组织的负责人填报',
    en: 'You do not fill in this evaluation: a self-check is by the org’s own secretary, a review by an officer above the org',
  },
  NOT_REVIEWER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有上级组织的负责人可以审核该组织的考评',
    en: 'Only an officer above the org reviews its evaluations',
  },
  REVIEWER_IS_SUBMITTER: {
    code: ErrorCode.FORBIDDEN,
    zh: '考评须由提交人以外的人审核',
    en: 'An evaluation is reviewed by someone other than its submitter',
  },
  NOT_ELIGIBLE: bad('{org}不参加本创建活动的考评', '{org} is not evaluated in this campaign'),
  WRONG_KIND: bad('督导检查的评分随督查记录填报，不能单独发起', 'Inspection score sheets are recorded with their inspection'),
  INVALID_SCORE: bad('评分不符合要求（逐项见 problems）', 'Invalid scores, each problem in problems'),
  INCOMPLETE: bad(
    '考评尚未填完：{count} 处问题（逐项见 problems）',
    'The evaluation is not complete: {count} problem(s), each in problems',
  ),
  NOT_EDITABLE: {
    code: ErrorCode.CONFLICT,
    zh: '该考评已提交或已通过，不能再修改',
    en: 'The evaluation is submitted or accepted and can no longer be changed',
  },
  ORG_MOVED: {
    code: ErrorCode.CONFLICT,
    zh: '保存时该组织的隶属关系刚刚调整，评分未保存，请重新加载后再保存',
    en: 'The org moved while the scores were being saved; nothing was saved, reload and save again',
  },
  NOT_SUBMITTED: { code: ErrorCode.CONFLICT, zh: '只有已提交的考评可以审核', en: 'Only a submitted evaluation can be reviewed' },
  VERSION_MISMATCH: {
    code: ErrorCode.CONFLICT,
    zh: '该考评已被他人修改（现为第 {currentVersion} 版，您的是第 {expectedVersion} 版），请重新加载',
    en: 'The evaluation was changed by someone else (now version {currentVersion}, you had {expectedVersion}); reload it',
  },
  REASON_REQUIRED: bad('退回须说明理由', 'A return needs a reason'),
  NOT_UPGRADE_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以升级创建活动的考评标准版本',
    en: 'Only an admin at the root org upgrades a campaign’s framework version',
  },
  UPGRADE_TARGET_NOT_PUBLISHED: bad('升级的目标须为已发布的考评标准版本', 'The target of an upgrade must be a published version'),
  UPGRADE_SAME_VERSION: bad('创建活动已在使用该版本', 'The campaign already uses this version'),
  UPGRADE_INVALID_MAPPING: bad(
    '指标对应关系有 {count} 处问题（逐项见 problems）',
    'The criterion mapping has {count} problem(s), each in problems',
  ),
  UPGRADE_STALE: {
    code: ErrorCode.CONFLICT,
    zh: '创建活动的考评标准版本已被他人改变，请重新预览后再升级',
    en: 'The campaign’s version was changed by someone else; preview again before upgrading',
  },
  COMPARISON_NEEDS_TWO: bad('请选择至少两个不同的创建活动进行比较', 'Choose at least two different campaigns to compare'),
  UPGRADE_UNKNOWN_CRITERION: bad('{code} 不是{side}版本的评分项', '{code} is not a scored criterion of the {side} version'),
  UPGRADE_UNMAPPED: bad(
    '原版本的评分项 {code} 在新版本中没有对应项：请对应到新版本的评分项，或标为删除',
    'Criterion {code} of the current version has no counterpart: map it to the new version, or mark it removed',
  ),
  UPGRADE_MAPPED_TWICE: bad('{code} 出现在多条对应关系中', '{code} appears in more than one mapping'),
  UPGRADE_BAD_SHAPE: bad('{kind}的对应关系须为{shape}', 'A {kind} mapping must be {shape}'),
  ...SCORE_PROBLEMS,
});

export type ScoreProblemReason = keyof typeof SCORE_PROBLEMS;

/** One problem at `path`, its message rendered from the catalogue (again per request). */
export const scoreProblem = (path: string, reason: ScoreProblemReason, params: Record<string, MessageParam> = {}): Problem =>
  reasonProblem(path, reason, params);

/**
 * @deprecated the reason names as an enum, for public-review until it declares its own reasons; use
 * evaluationError.
 */
export enum EvaluationErrorReason {
  INVALID_SCORE = 'INVALID_SCORE',
}
