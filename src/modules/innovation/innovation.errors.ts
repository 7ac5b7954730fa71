import { ErrorCode, defineErrors } from '../../graphql/errors';

/** "多彩服务"党建创新活动 refusals: each reason with its code and its message in Chinese and English. */
export const innovationError = defineErrors('innovation', {
  INNOVATION_PROJECT_NOT_FOUND: {
    code: ErrorCode.NOT_FOUND,
    zh: '创新项目不存在或不在您的权限范围内',
    en: 'Innovation project not found',
  },
  TOO_MANY_INNOVATION_PROJECTS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}{year}年已立项{count}个创新项目，达到上限{limit}个；请于下一年度再立项',
    en: '{org} has registered {count} innovation projects in {year}, the most it may register in a year ({limit}); register more next year',
  },
  NOT_PROJECT_OFFICER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以立项、修改和推进其创新项目',
    en: 'Only the org’s secretary or an officer over it registers, edits and moves its projects',
  },
  NOT_PROJECT_OVERSEER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的上级负责人可以把项目退回实施阶段',
    en: 'Only an officer over the org sends a project back to implementation',
  },
  NOT_SUPERVISION_OFFICER: {
    code: ErrorCode.FORBIDDEN,
    zh: '督查指导由本单位管理员、领导小组或督导组开展，单位不能自行转入',
    en: 'Supervision is the step of the tenant admin, the leading group or the supervision team; a unit does not move into it itself',
  },
  // declared alike in exemplar.errors.ts: the same refusal of the bureau's own steps
  NOT_TENANT_OFFICER: {
    code: ErrorCode.FORBIDDEN,
    zh: '此项工作由本单位管理员或领导小组负责',
    en: 'This step is the tenant admin’s or the leading group’s',
  },
  ILLEGAL_STAGE_MOVE: {
    code: ErrorCode.CONFLICT,
    zh: '项目处于“{fromLabel}”阶段，不能转入“{toLabel}”；下一步可转入：{nextLabels}',
    en: 'A project at {fromLabel} cannot move to {toLabel}; next is {nextLabels}',
  },
  INNOVATION_FLOW_COMPLETE: {
    code: ErrorCode.CONFLICT,
    zh: '项目已到“{fromLabel}”阶段，工作流程已全部完成',
    en: 'The project is at {fromLabel}: the flow is complete',
  },
  TOO_MANY_RETURNS: {
    code: ErrorCode.CONFLICT,
    zh: '该项目已退回实施{count}次，达到上限{limit}次；请继续推进到成效评估',
    en: 'The project has been sent back to implementation {count} times, the most it may be ({limit}); move it on to evaluation',
  },
  PROJECT_LOCKED: {
    code: ErrorCode.CONFLICT,
    zh: '项目已进入“{stageLabel}”阶段，不能再修改主题、方案和目标',
    en: 'A project at {stageLabel} is no longer edited',
  },
  STAGE_DATA_MISSING: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '此步骤缺少必填内容：退回实施须写明理由，转入成效评估须填写评分和评估意见，转入评比表彰须选定奖项等级',
    en: 'The step lacks its data: a return needs a reason, an evaluation a score and a summary, an award its level',
  },
  STAGE_DATA_UNEXPECTED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '成效评估只在转入“成效评估”时填写，奖项等级只在转入“评比表彰”时填写',
    en: 'An evaluation is recorded only on the move to EVALUATED, an award level only on the move to AWARDED',
  },
  INNOVATION_ORG_ARCHIVED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}已撤销，不能立项',
    en: '{org} is archived',
    deprecated: '不再使用：已撤销的组织一律答 ORG_ARCHIVED',
  },
  INNOVATION_TOO_MANY_GOALS: { code: ErrorCode.BAD_USER_INPUT, zh: '目标最多{limit}项', en: 'At most {limit} goals' },
  GOAL_DESCRIPTION_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '目标说明须为1至{max}个字',
    en: 'A goal has a description of 1 to {max} characters',
  },
  GOAL_UNIT_INVALID: { code: ErrorCode.BAD_USER_INPUT, zh: '计量单位须为1至{max}个字', en: 'A unit has 1 to {max} characters' },
  GOAL_BASELINE_WITHOUT_TARGET: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '填写了现状值，须同时填写目标值',
    en: 'A baseline needs a target to measure against',
  },
  GOAL_TARGET_WITHOUT_UNIT: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '可量化的目标须写明计量单位（如“工作日”）',
    en: 'A measurable target needs its unit',
  },
  GOAL_VALUE_OUT_OF_RANGE: { code: ErrorCode.BAD_USER_INPUT, zh: '数值超出范围', en: 'The value is out of range' },
  INNOVATION_SCORE_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '评分须在0至100之间，最多保留两位小数',
    en: 'A score is 0 to 100 with at most two decimals',
  },
  INNOVATION_SUMMARY_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '评估意见须为1至{max}个字',
    en: 'A summary has 1 to {max} characters',
  },
});
