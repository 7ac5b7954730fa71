import { ErrorCode, defineErrors } from '../../graphql/errors';

/**
 * 报表导入导出 refusals: each reason with its code and its message in Chinese and English. The file
 * routes render them in the request's language like /graphql does. An import refused as a whole
 * (IMPORT_INVALID) lists its problems row by row, each with a reason of its own below (IMPORT_*), so
 * a problem too is rendered per locale from its parameters.
 */
export const reportError = defineErrors('report', {
  IMPORT_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '导入文件有 {count} 处问题，未导入任何数据（逐行问题见 problems）',
    en: 'The file has {count} problem(s); nothing was imported (see problems, row by row)',
  },
  UNREADABLE_FILE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '无法读取该 .xlsx 文件：文件已损坏或格式不受支持（{detail}）',
    en: 'The .xlsx file cannot be read: it is damaged or in an unsupported format ({detail})',
  },
  FILE_EMPTY: { code: ErrorCode.BAD_USER_INPUT, zh: '上传的文件是空的', en: 'The file is empty' },
  XLSX_ENCRYPTED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该 .xlsx 文件设有密码，请另存为不加密的文件后再上传',
    en: 'The .xlsx file is encrypted; save it without a password and upload it again',
  },
  CELL_INVALID_CHARACTER: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '第 {row} 行 {column} 列含有无法保存的字符（如空字符 NUL 或残缺的 Unicode 代理字符）',
    en: 'The cell in row {row}, column {column} holds a character that cannot be stored (a NUL or half a Unicode surrogate pair)',
  },
  CSV_MIXED_ENCODING: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: 'CSV 文件混用了不同的文字编码（第 {row} 行与其余部分不同）：请将整个文件另存为“CSV UTF-8”后再导入',
    en: 'The CSV file mixes text encodings (row {row} differs from the rest): save the whole file as "CSV UTF-8" and import it again',
  },
  CSV_UNCLOSED_QUOTE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: 'CSV 文件第 {row} 行起的引号没有闭合',
    en: 'A quote opened in row {row} of the CSV file is never closed',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请直接上传 .xlsx 或 CSV 文件本身（Content-Type 为 {xlsx} 或 {csv}）',
    en: 'Send the file itself with Content-Type {xlsx} or {csv}',
  },
  NOT_IMPORT_ADMIN: { code: ErrorCode.FORBIDDEN, zh: '只有管理员可以导入组织和用户', en: 'Only a tenant admin imports orgs and users' },
  // each bound of an import file, the figure in `extensions.limit`
  TOO_MANY_ROWS: { code: ErrorCode.BAD_USER_INPUT, zh: '每个文件最多 {limit} 行数据', en: 'A file has at most {limit} data rows' },
  TOO_MANY_COLUMNS: { code: ErrorCode.BAD_USER_INPUT, zh: '每行最多 {limit} 列', en: 'A row has at most {limit} columns' },
  TOO_MANY_CELLS: { code: ErrorCode.BAD_USER_INPUT, zh: '每个文件最多 {limit} 个单元格', en: 'A file has at most {limit} cells' },
  CELL_TOO_LONG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '第 {row} 行 {column} 列的内容超过 {limit} 个字符',
    en: 'The cell in row {row}, column {column} has more than {limit} characters',
  },
  LINE_TOO_LONG: { code: ErrorCode.BAD_USER_INPUT, zh: '第 {row} 行超过 {limit} 个字符', en: 'Row {row} has more than {limit} characters' },
  TOO_MANY_PARTS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '.xlsx 文件包含 {count} 个部件，超过 {limit} 个的上限',
    en: 'The .xlsx file has {count} parts, more than the limit of {limit}',
  },
  INFLATED_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '.xlsx 文件解压后超过 {limit} 字节的上限',
    en: 'The .xlsx file inflates to more than {limit} bytes',
  },
  // the problems of an import, one per bad cell (or row)
  IMPORT_COLUMN_MISSING: { code: ErrorCode.BAD_USER_INPUT, zh: '缺少“{column}”列', en: 'Missing column {column}' },
  IMPORT_COLUMN_REPEATED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '“{column}”列与“{first}”列重复：每项只能有一列',
    en: 'Column {column} repeats column {first}: each field takes one column',
  },
  IMPORT_NO_ROWS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '文件中没有数据：第 1 行为表头，数据从第 2 行开始',
    en: 'The file has no data rows: row 1 holds the headers, the data starts in row 2',
  },
  IMPORT_VALUE_REQUIRED: { code: ErrorCode.BAD_USER_INPUT, zh: '请填写“{column}”', en: '{column} is required' },
  IMPORT_VALUE_TOO_LONG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '“{column}”最多 {limit} 个字符',
    en: '{column} has at most {limit} characters',
  },
  IMPORT_UNKNOWN_KIND: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '未知的组织类型“{value}”（应为{labels}，或 {codes}）',
    en: 'Unknown org kind “{value}” (one of {codes}, or {labels})',
  },
  IMPORT_UNKNOWN_CATEGORY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '未知的单位类别“{value}”（应为{labels}，或 {codes}）',
    en: 'Unknown category “{value}” (one of {codes}, or {labels})',
  },
  IMPORT_UNKNOWN_ROLE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '未知的角色“{value}”（应为{labels}，或 {codes}）',
    en: 'Unknown role “{value}” (one of {codes}, or {labels})',
  },
  IMPORT_ORG_PATH_EMPTY: { code: ErrorCode.BAD_USER_INPUT, zh: '“{value}”没有写出组织名称', en: '“{value}” names no org' },
  IMPORT_ORG_UNKNOWN: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '您的权限范围内没有组织“{value}”（上级组织须已存在，或在前面的行中）',
    en: 'No org “{value}” in your scope (a parent must exist or come in an earlier row)',
  },
  IMPORT_ORG_AMBIGUOUS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '有多个组织名为“{value}”，请写出路径，如 {example}',
    en: 'Several orgs are named “{value}”: give the path, e.g. {example}',
  },
  IMPORT_PARENT_NOT_ADMIN: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只有上级组织的管理员可以在其下增设组织',
    en: 'Only a tenant admin over the parent org may add orgs under it',
  },
  IMPORT_PARENT_ARCHIVED: { code: ErrorCode.BAD_USER_INPUT, zh: '上级组织已撤销', en: 'The parent org is archived' },
  IMPORT_ORG_EXISTS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{parent}下已有组织“{name}”',
    en: '“{name}” already exists under {parent}',
  },
  IMPORT_ORG_REPEATED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '与第 {earlierRow} 行重复：{parent}下的“{name}”',
    en: 'Repeats row {earlierRow}: “{name}” under {parent}',
  },
  IMPORT_ORG_TOO_DEEP: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '组织层级最多 {limit} 级：{parent}下不能再设下级组织',
    en: 'The org tree has at most {limit} levels: no org can sit under {parent}',
  },
  IMPORT_USERNAME_FORMAT: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '用户名须为 2 至 64 个字母、数字或 ._-',
    en: 'A username has 2 to 64 letters, digits or ._-',
  },
  IMPORT_USERNAME_TAKEN: { code: ErrorCode.BAD_USER_INPUT, zh: '用户名 {username} 已被使用', en: 'The username {username} is taken' },
  IMPORT_USERNAME_REPEATED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '用户名 {username} 与第 {earlierRow} 行重复',
    en: 'The username {username} is also in row {earlierRow}',
  },
  IMPORT_ORG_NOT_ADMIN: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只有该组织的管理员可以为其添加用户',
    en: 'Only a tenant admin over the org may add its users',
  },
  IMPORT_ORG_ARCHIVED: { code: ErrorCode.BAD_USER_INPUT, zh: '该组织已撤销', en: 'The org is archived' },
  IMPORT_PASSWORD_LENGTH: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '初始密码须为 {min} 至 {max} 个字符',
    en: 'An initial password has {min} to {max} characters',
  },
  // the query of a download
  EXPORT_YEAR_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '年度须为 2000 至 2100 之间的四位数字',
    en: 'year is a four-digit year between 2000 and 2100',
  },
  EXPORT_DATE_INVALID: { code: ErrorCode.BAD_USER_INPUT, zh: '{field} 须为日期，格式 YYYY-MM-DD', en: '{field} is a date YYYY-MM-DD' },
  // the bounds of a download (.xlsx exports and .docx documents alike): a file is whole or refused, never cut
  EXPORTS_BUSY: {
    code: ErrorCode.SERVICE_UNAVAILABLE,
    zh: '正在生成的导出文件过多，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many exports are being built; retry in {retryAfterSeconds} s',
  },
  EXPORTS_TENANT_BUSY: {
    code: ErrorCode.RATE_LIMITED,
    zh: '本单位已有 {limit} 个导出文件正在生成或排队，请 {retryAfterSeconds} 秒后重试',
    en: 'Your organization already has {limit} exports being built or waiting; retry in {retryAfterSeconds} s',
  },
  EXPORTS_IN_PROGRESS: {
    code: ErrorCode.RATE_LIMITED,
    zh: '您已有 {limit} 个导出文件正在生成，请待其完成后再下载（约 {retryAfterSeconds} 秒后重试）',
    en: 'You already have {limit} export(s) being built; download again once done (retry in about {retryAfterSeconds} s)',
  },
  EXPORT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '导出内容超过 {limitText} 的上限，请缩小范围后分批导出',
    en: 'The export is larger than {limitText}; narrow it and export it in parts',
  },
  LAGGING_EXPORT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}下有 {count} 个工作不力单位，一次最多导出 {limit} 个，请选择下级组织（under）分批导出',
    en: '{org} has {count} lagging orgs, more than {limit} per export; choose an org below it (under)',
  },
  ASSESSMENT_EXPORT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}下的党组织超过一次导出的上限 {limit} 个，请选择下级组织分批导出',
    en: '{org} has more than {limit} orgs below it, the most per export; export an org below it at a time',
  },
});

export type ReportReason = Parameters<typeof reportError>[0];
