import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 导入任务 refusals: the upload route's, and a job's refusal of a whole file (kept on the job, rendered per request). */
export const importJobError = defineErrors('import-job', {
  IMPORT_JOB_NOT_MULTIPART: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请以 multipart/form-data 上传文件（字段 file，.xlsx 或 .csv）',
    en: 'Upload the file as multipart/form-data (field file, .xlsx or .csv)',
  },
  IMPORT_JOB_NO_FILE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请求中没有文件，或文件是空的',
    en: 'The request holds no file, or the file is empty',
  },
  IMPORT_JOB_FILE_TYPE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只接受 .xlsx 或 .csv 文件（“{name}”不是）',
    en: 'Only .xlsx or .csv files are accepted (“{name}” is neither)',
  },
  IMPORT_JOB_FILE_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '导入文件最大 {limit} 字节',
    en: 'An import file has at most {limit} bytes',
  },
  IMPORT_JOB_INTERRUPTED: {
    code: ErrorCode.INTERNAL_SERVER_ERROR,
    zh: '导入任务连续 {attempts} 次因服务中断未能完成，已回滚，未导入任何数据，请重新上传',
    en: 'The import was interrupted {attempts} times and rolled back; nothing was imported. Upload the file again',
  },
  IMPORT_JOB_NOT_ALLOWED: {
    code: ErrorCode.FORBIDDEN,
    zh: '上传者已不是管理员（或账号已停用），导入未执行',
    en: 'The uploader is no longer an admin (or the account is disabled); nothing was imported',
  },
  IMPORT_JOBS_BUSY: {
    code: ErrorCode.RATE_LIMITED,
    zh: '本单位已有 {limit} 个导入任务尚未完成，请待其完成后再上传（约 {retryAfterSeconds} 秒后重试）',
    en: 'The tenant has {limit} imports not yet finished; upload again once one is done (retry in about {retryAfterSeconds} s)',
  },
  IMPORT_JOBS_USER_BUSY: {
    code: ErrorCode.RATE_LIMITED,
    zh: '您已有 {limit} 个导入任务尚未完成，请待其完成后再上传（约 {retryAfterSeconds} 秒后重试）',
    en: 'You have {limit} imports not yet finished; upload again once one is done (retry in about {retryAfterSeconds} s)',
  },
  IMPORT_JOB_ERROR: {
    code: ErrorCode.INTERNAL_SERVER_ERROR,
    zh: '导入任务出错，已回滚，未导入任何数据',
    en: 'The import failed and was rolled back; nothing was imported',
  },
});
