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
  ARCHIVE_BUSY: {
    code: ErrorCode.SERVICE_UNAVAILABLE,
    zh: '正在生成的归档过多，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many archives are being built; retry in {retryAfterSeconds} s',
  },
});
