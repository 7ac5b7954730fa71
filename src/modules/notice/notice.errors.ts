import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 通报 refusals: each reason with its code and its message in Chinese and English. */
export const noticeError = defineErrors('notice', {
  NOTICE_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '通报不存在或不在您的权限范围内', en: 'Notice not found' },
  NOT_NOTICE_ISSUER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员或领导小组可以起草和印发通报',
    en: 'Only an admin or the leading group at the root org drafts and issues notices',
  },
  TOO_MANY_ISSUED_NOTICES: {
    code: ErrorCode.CONFLICT,
    zh: '本单位{year}年已印发{count}份通报，达到上限{limit}份；请将同类事项合并通报，或于下一年度再印发',
    en: 'The bureau has issued {count} notices in {year}, the most in a year ({limit}); combine related matters into one notice, or issue next year',
  },
  NOTICE_ISSUED: { code: ErrorCode.CONFLICT, zh: '该通报已印发', en: 'The notice is already issued' },
  NOTICE_NOT_ISSUED: { code: ErrorCode.CONFLICT, zh: '该通报尚未印发，不能签收', en: 'Only an issued notice is read' },
  NOT_NOTICE_READER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有{org}的书记或其上级负责人可以签收通报',
    en: 'Only the secretary of {org} or an officer over it signs for a notice',
  },
  NOT_RECIPIENT: {
    code: ErrorCode.FORBIDDEN,
    zh: '{org}不在该通报的发送范围内',
    en: '{org} is not on the notice’s distribution list',
  },
  NOTICE_SUBJECTS_EMPTY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '通报须至少指明一个被表扬或批评的党组织（或下级单位）',
    en: 'A notice names at least one org',
  },
  INSPECTION_NOT_FINALIZED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '通报只能引用已定稿的督查记录；该记录仍是草稿，请先定稿',
    en: 'A notice cites finalized inspections only; this one is still a draft',
  },
  NOTHING_TO_CRITICISE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该范围内没有创建工作推进不力的党组织，无需通报批评',
    en: 'No org lags in this subtree',
  },
});
