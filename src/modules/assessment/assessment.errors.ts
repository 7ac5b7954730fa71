import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 年度党建目标考核 refusals: each reason with its code and its message in Chinese and English. */
export const assessmentError = defineErrors('assessment', {
  NOT_RULE_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以设置年度考核规则',
    en: 'Only an admin at the root org sets the annual assessment rule',
  },
  RULE_VALUE_OUT_OF_RANGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{item}应在 {min} 到 {max} 之间',
    en: '{item} is between {min} and {max}',
  },
  SEVERITY_LISTED_TWICE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '同一严重程度的扣分只能设置一次',
    en: 'A severity is listed twice',
  },
  NO_ASSESSMENT_RULE: { code: ErrorCode.BAD_USER_INPUT, zh: '{year}年度尚未设置考核规则', en: 'No assessment rule is set for {year}' },
  ASSESSMENT_OUTSIDE_SCOPE: { code: ErrorCode.FORBIDDEN, zh: '该党组织不在您的权限范围内', en: 'The org is outside your scope' },
  ORG_NOT_ASSESSED: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已撤销，不参加年度考核',
    en: '{org} is archived and not assessed',
  },
});
