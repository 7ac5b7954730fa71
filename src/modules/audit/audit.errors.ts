import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 操作日志 refusals: each reason with its code and its message in Chinese and English. */
export const auditError = defineErrors('audit', {
  NOT_AUDIT_READER: { code: ErrorCode.FORBIDDEN, zh: '只有管理员可以查看操作日志', en: 'Only an admin reads the audit log' },
  NOT_AUDIT_ROOT_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以核验日志链或设置日志保存期限',
    en: 'Only an admin at the root verifies the audit chain or sets its retention',
  },
  AUDIT_RETENTION_RANGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '日志保存天数应在 {min} 到 {max} 天之间（等保要求至少 6 个月）',
    en: 'Audit retention must be between {min} and {max} days',
  },
  AUDIT_EXPORT_DAY: { code: ErrorCode.BAD_USER_INPUT, zh: '{field} 应为 YYYY-MM-DD 格式的日期', en: '{field} must be a YYYY-MM-DD day' },
  AUDIT_EXPORT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一次最多导出 {limit} 条日志，请缩小时间范围',
    en: 'At most {limit} entries per export; narrow the dates',
  },
});
