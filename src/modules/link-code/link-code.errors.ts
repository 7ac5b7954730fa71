import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 评议二维码 (link codes) and the anonymous path through them: refusals and limits. */
export const linkCodeError = defineErrors('link-code', {
  LINK_NOT_FOUND: {
    code: ErrorCode.NOT_FOUND,
    zh: '二维码不存在或已停用',
    en: 'This link is unknown or no longer in use',
  },
  NOT_LINK_MANAGER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以管理其评议二维码',
    en: 'Only the org’s secretary or an officer over it manages its public links',
  },
  ORG_NOT_IN_CAMPAIGN: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}不在该创建活动的范围内',
    en: '{org} is not in the campaign’s scope',
  },
  COMMITMENT_OF_OTHER_ORG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该承诺属于其他组织',
    en: 'The commitment belongs to another org',
  },
  NOTHING_TO_RATE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请指定二维码评议的组织（orgId）或承诺（commitmentId）',
    en: 'Name the org (orgId) or the commitment (commitmentId) the code rates',
  },
  TOO_MANY_LINK_CODES: {
    code: ErrorCode.CONFLICT,
    zh: '{org}{year}年已生成{count}个评议二维码，达到上限{limit}个；请继续使用已有的二维码',
    en: '{org} has made {count} link codes in {year}, the most it may make in a year ({limit}); keep using the codes it has',
  },
  CLIENT_RATE_LIMITED: {
    code: ErrorCode.RATE_LIMITED,
    zh: '从此网络提交过于频繁，请 {retryAfterSeconds} 秒后再试',
    en: 'Too many submissions from this address; try again in {retryAfterSeconds} s',
  },
  CODE_RATE_LIMITED: {
    code: ErrorCode.RATE_LIMITED,
    zh: '通过此二维码提交过于频繁，请 {retryAfterSeconds} 秒后再试',
    en: 'Too many submissions through this code; try again in {retryAfterSeconds} s',
  },
});
