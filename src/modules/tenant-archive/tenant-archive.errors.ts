import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 单位数据导出与恢复 refusals (GET /tenant-archives/:slug, POST /tenant-archives). */
export const tenantArchiveError = defineErrors('tenant-archive', {
  TENANT_EXPORT_FORBIDDEN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有平台运营方，或本单位根组织的管理员（仅限本单位），可以导出单位的全部数据',
    en: 'Only a platform operator, or a root admin of the tenant itself, exports a whole tenant',
  },
  TENANT_ARCHIVE_UNKNOWN_TENANT: { code: ErrorCode.NOT_FOUND, zh: '没有代码为 {slug} 的单位', en: 'No tenant with the slug {slug}' },
  TENANT_EXPORT_BUSY: {
    code: ErrorCode.RATE_LIMITED,
    zh: '单位数据导出正在进行（本单位同时只能有一个导出，系统同时最多 {limit} 个），请 {retryAfterSeconds} 秒后重试',
    en: 'A tenant export is running (one per tenant, at most {limit} at once); retry in {retryAfterSeconds} s',
  },
  TENANT_RESTORE_OPERATOR_ONLY: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有平台运营方可以恢复单位数据',
    en: 'Only a platform operator restores a tenant',
  },
  TENANT_RESTORE_CONTENT_TYPE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请直接上传导出的 .tar 归档（Content-Type 为 application/x-tar）',
    en: 'Send the exported .tar archive itself with Content-Type application/x-tar',
  },
  TENANT_RESTORE_SLUG_FORMAT: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '单位代码须为 2 至 40 个小写字母、数字或连字符，以字母开头',
    en: 'A tenant slug is 2 to 40 lower-case letters, digits or hyphens, starting with a letter',
  },
  TENANT_RESTORE_SLUG_TAKEN: {
    code: ErrorCode.CONFLICT,
    zh: '单位代码 {slug} 已被使用：请以 ?slug= 指定一个新的单位代码恢复',
    en: 'The tenant slug {slug} is taken: restore under a new one with ?slug=',
  },
  TENANT_ARCHIVE_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '归档超过 {limit} 字节的上限',
    en: 'The archive is larger than the limit of {limit} bytes',
  },
  TENANT_ARCHIVE_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '这不是本系统导出的完整单位归档（{detail}），未恢复任何数据',
    en: 'This is not a complete tenant archive of this system ({detail}); nothing was restored',
  },
  TENANT_ARCHIVE_SCHEMA: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '归档的数据库结构版本为 {archive}，本系统为 {current}，版本不一致，无法恢复；请用与本系统相同版本导出的归档',
    en: 'The archive has schema version {archive} and this system {current}; restore an archive exported by the same version',
  },
  TENANT_ARCHIVE_TAMPERED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '归档内容与清单不符（{part}：{detail}），可能已被篡改或损坏，未恢复任何数据',
    en: 'The archive does not match its manifest ({part}: {detail}); it was altered or damaged and nothing was restored',
  },
  TENANT_ARCHIVE_CHAIN_BROKEN: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '归档中的督查记录链校验失败（第 {seq} 条记录），可能已被篡改，未恢复任何数据',
    en: 'The inspection record chain of the archive is broken (record {seq}); nothing was restored',
  },
});
