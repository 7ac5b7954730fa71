import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 管理台帐 and 简报信息 refusals. */
export const ledgerError = defineErrors('ledger', {
  LEDGER_ENTRY_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '台帐记录不存在或不在您的权限范围内', en: 'Ledger entry not found' },
  BRIEFING_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '简报不存在或不在您的权限范围内', en: 'Briefing not found' },
  NOT_LEDGER_WRITER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以记录其管理台帐',
    en: 'Only the org’s secretary or an officer over it keeps its ledger',
  },
  NOT_BRIEFING_WRITER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有本组织的负责人可以撰写和修改本组织的简报',
    en: 'Only the org’s own officers write and change its briefings',
  },
  BRIEFING_PUBLISHED: { code: ErrorCode.CONFLICT, zh: '简报已报送，不能再修改或删除', en: 'A published briefing cannot be changed' },
  TOO_MANY_BRIEFING_DRAFTS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已有{count}份简报草稿，达到上限{limit}份；请先报送或删除草稿',
    en: '{org} has {count} draft briefings, the most it may have ({limit}); publish or remove a draft first',
  },
  TOO_MANY_PUBLISHED_BRIEFINGS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}{year}年已报送{count}份简报，达到上限{limit}份；请将同类内容合并成一份简报报送，或于下一年度再报送',
    en: '{org} has published {count} briefings in {year}, the most in a year ({limit}); combine related news into one briefing, or publish next year',
  },
  TOO_MANY_LEDGER_ENTRIES: {
    code: ErrorCode.CONFLICT,
    zh: '{org}{year}年已记录{count}条台帐，达到上限{limit}条；请将同类活动合并记录',
    en: '{org} has written {count} ledger entries in {year}, the most it may write in a year ({limit}); record like activities together',
  },
  DATE_IN_FUTURE: { code: ErrorCode.BAD_USER_INPUT, zh: '日期不能晚于今天（{today}）', en: 'The date cannot be after today ({today})' },
  INVALID_RANGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '起始日期（{from}）不能晚于截止日期（{to}）',
    en: '`from` ({from}) is after `to` ({to})',
  },
  LEDGER_EXPORT_TOO_LARGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}所选范围内的台帐超过一次导出的上限 {limit} 条，请缩小日期范围或按类别分批导出',
    en: 'The ledger of {org} has more than {limit} entries in that range, the most per export; narrow the dates or pick a category',
  },
});
