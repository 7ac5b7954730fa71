import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 承诺践诺 refusals. */
export const commitmentError = defineErrors('commitment', {
  COMMITMENT_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '承诺不存在或不在您的权限范围内', en: 'Commitment not found' },
  NOT_PLEDGER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以代表组织承诺、报告践诺；党员只能报告自己的承诺',
    en: 'Only the org’s secretary or an officer over it pledges and reports for the org; a member only its own',
  },
  NOT_ORG_MEMBER: { code: ErrorCode.BAD_USER_INPUT, zh: '承诺人必须是该组织的党员', en: 'The member must belong to the org' },
  COMMITMENT_TEXT_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明承诺内容', en: 'Say what is promised' },
  DUE_IN_PAST: { code: ErrorCode.BAD_USER_INPUT, zh: '践诺期限不能早于今天', en: 'A commitment is due today or later' },
  REPORT_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明践诺情况', en: 'Say how the commitment was kept' },
  EVIDENCE_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '佐证材料的名称不能为空', en: 'An evidence reference is empty' },
  TOO_MANY_COMMITMENTS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}{year}年已作出{count}项承诺，达到上限{limit}项',
    en: '{org} has made {count} commitments in {year}, the most it may make in a year ({limit})',
  },
  TOO_MANY_MEMBER_COMMITMENTS: {
    code: ErrorCode.CONFLICT,
    zh: '该党员{year}年已作出{count}项个人承诺，达到上限{limit}项',
    en: 'The member has made {count} commitments in {year}, the most a member may make in a year ({limit})',
  },
  ALREADY_FULFILLED: { code: ErrorCode.CONFLICT, zh: '该承诺已经践诺', en: 'The commitment is already fulfilled' },
});
