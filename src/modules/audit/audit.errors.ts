import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 操作日志 refusals: each reason with its code and its message in Chinese and English. */
export const auditError = defineErrors('audit', {
  NOT_AUDIT_READER: { code: ErrorCode.FORBIDDEN, zh: '只有管理员可以查看操作日志', en: 'Only an admin reads the audit log' },
});
