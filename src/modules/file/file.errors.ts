import { ErrorCode, defineErrors } from '../../graphql/errors';

/**
 * Refusals of evidence files (佐证材料): uploads, downloads and signed links. Sizes are passed as
 * figures with their unit (`20 MB`), so a message reads the same in both languages.
 */
export const fileError = defineErrors('file', {
  FILE_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '文件不存在或不在您的权限范围内', en: 'File not found' },
  NOT_MULTIPART: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请以 multipart/form-data 格式上传文件',
    en: 'Send the files as multipart/form-data',
  },
  NO_FILE: { code: ErrorCode.BAD_USER_INPUT, zh: '请求中没有文件', en: 'The request holds no file' },
  TOO_MANY_FILES: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一次最多上传 {limit} 个文件',
    en: 'At most {limit} files per upload',
  },
  UPLOADS_IN_PROGRESS: {
    code: ErrorCode.RATE_LIMITED,
    zh: '您已有 {limit} 个文件正在上传，请待其完成后再上传（约 {retryAfterSeconds} 秒后重试）',
    en: 'You already have {limit} uploads in progress; upload again once one is done (retry in about {retryAfterSeconds} s)',
  },
  UPLOAD_MALFORMED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '上传的内容不完整或格式不正确，请重新上传',
    en: 'The upload is incomplete or malformed; send it again',
  },
  UPLOAD_EMPTY: { code: ErrorCode.BAD_USER_INPUT, zh: '文件“{name}”是空文件', en: 'The file “{name}” is empty' },
  FILE_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '文件“{name}”超过了单个文件 {limitText} 的上限',
    en: 'The file “{name}” is larger than the limit of {limitText}',
  },
  FILE_TYPE_NOT_ALLOWED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '文件“{name}”的格式不在允许范围内：只能上传 JPEG、PNG、GIF、WebP 图片，PDF 文档，Word、Excel、PowerPoint 文件（按文件内容识别，与文件名无关）',
    en: 'The file “{name}” is of a type not accepted: JPEG, PNG, GIF and WebP images, PDF, Word, Excel and PowerPoint files only (judged by its content, not its name)',
  },
  FILE_QUOTA_EXCEEDED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '本单位的文件存储空间（{quotaText}）已用完，文件“{name}”未能保存',
    en: 'Your agency’s file storage ({quotaText}) is full; the file “{name}” was not stored',
  },
  FILE_QUOTA_FULL: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '本单位的文件存储空间（{quotaText}）已用完，不能再上传文件',
    en: 'Your agency’s file storage ({quotaText}) is full; no more files can be uploaded',
  },
  FILE_UNATTACHED_FULL: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '您上传后尚未附到记录的文件已达上限（每人 {limitFiles} 个、共 {limitText}）：请先把已上传的文件附到记录上，或删除不再需要的，再继续上传',
    en: 'You hold the most uploads on no record allowed ({limitFiles} files, {limitText} per person): attach the files you uploaded to their records, or delete those you no longer need, then upload again',
  },
  FILE_NOT_DISCARDABLE: {
    code: ErrorCode.FORBIDDEN,
    zh: '文件“{name}”不能删除：只能删除您本人上传、且尚未附到任何记录的文件（已附的文件请在记录中移除）',
    en: 'The file “{name}” cannot be deleted: only files you uploaded that are on no record can be (take an attached file off its record instead)',
  },
  TOO_MANY_FILE_IDS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一次最多删除 {limit} 个文件',
    en: 'At most {limit} files at once',
  },
  TOO_MANY_ATTACHMENTS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '一条记录最多附 {limit} 个文件',
    en: 'At most {limit} files per record',
  },
  FILE_LINK_INVALID: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '下载链接无效，请重新获取',
    en: 'Invalid download link; ask for a new one',
  },
  FILE_LINK_EXPIRED: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '下载链接已过期，请重新获取',
    en: 'The download link has expired; ask for a new one',
  },
  FILE_LINK_OTHER_USER: {
    code: ErrorCode.FORBIDDEN,
    zh: '此下载链接属于其他用户，请用您自己的账号重新获取',
    en: 'This download link belongs to another user; ask for your own',
  },
  RANGE_NOT_SATISFIABLE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请求的字节范围超出了文件大小（{size} 字节）',
    en: 'The requested range lies outside the file ({size} bytes)',
  },
});

/** 20 MB, 512 KB, 100 B: a size as a figure with its unit, for messages. */
export function sizeText(bytes: number): string {
  const MB = 1024 * 1024;
  if (bytes >= 1024 * MB) return `${Number((bytes / (1024 * MB)).toFixed(1))} GB`;
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} B`;
}
