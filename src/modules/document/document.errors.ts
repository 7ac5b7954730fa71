import { ErrorCode, defineErrors } from '../../graphql/errors';

/** Refusals of official documents (公文) and year archives (台帐归档). */
export const documentError = defineErrors('document', {
  DOCUMENT_SUBTREE_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: 'subtree 只能是 true 或 false',
    en: 'subtree is true or false',
  },
  ARCHIVE_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '归档文件过大：{org}{year}年的台帐超过了 {limitText} 的上限，请按月份或类别分批导出',
    en: 'The archive is too large: the {year} records of {org} exceed {limitText}; export them in parts',
  },
  ASSESSMENT_DOCUMENT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}下的党组织超过一份考核结果的上限 {limit} 个，请选择下级组织分别生成',
    en: '{org} has more than {limit} orgs below it, the most one assessment document lists; choose an org below it',
  },
  OFFICIAL_DOCUMENT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '公文内容超过 {limitText} 的上限，无法生成',
    en: 'The document is larger than {limitText} and cannot be built',
  },
  ARCHIVE_IN_PROGRESS: {
    code: ErrorCode.RATE_LIMITED,
    zh: '您已有 {limit} 个归档正在生成或排队，请待其完成后再下载（约 {retryAfterSeconds} 秒后重试）',
    en: 'You already have {limit} archive(s) being built or waiting; download again once done (retry in about {retryAfterSeconds} s)',
  },
  ARCHIVE_TENANT_BUSY: {
    code: ErrorCode.RATE_LIMITED,
    zh: '本单位已有 {limit} 个归档正在生成或排队，请 {retryAfterSeconds} 秒后重试',
    en: 'Your organization already has {limit} archives being built or waiting; retry in {retryAfterSeconds} s',
  },
  ARCHIVE_BUSY: {
    code: ErrorCode.SERVICE_UNAVAILABLE,
    zh: '正在生成的归档过多，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many archives are being built; retry in {retryAfterSeconds} s',
  },
});
