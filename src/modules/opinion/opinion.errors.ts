import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 民意收集 refusals: who takes, hands on and answers an opinion (首问负责), and in which state. */
export const opinionError = defineErrors('opinion', {
  OPINION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '民意不存在或不在您的权限范围内', en: 'Opinion not found' },
  OPINION_CONTENT_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明反映的事项', en: 'Say what the matter is' },
  TOO_MANY_STAFF_OPINIONS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}{year}年已登记{count}条民意，达到上限{limit}条；请将同一事项合并登记，或请群众扫码反映',
    en: 'Staff have recorded {count} opinions for {org} in {year}, the most in a year ({limit}); record one matter once, or let people use the link code',
  },
  NOT_HANDLER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以受理其民意',
    en: 'Only the org’s secretary or an officer over it takes its opinions',
  },
  ALREADY_ACCEPTED: {
    code: ErrorCode.CONFLICT,
    zh: '该民意已由他人受理，除非其移交，仍由其负责（首问负责）',
    en: 'Someone has already taken this opinion; it stays with them unless they transfer it',
  },
  NOT_RESPONSIBLE: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有首问负责人可以答复或移交（移交也可由该组织的管理员或领导小组成员办理）',
    en: 'Only the responsible person replies or hands it on (an admin or leader over the org may hand it on too)',
  },
  WRONG_OPINION_STATE: {
    code: ErrorCode.CONFLICT,
    zh: '该民意当前为“{state}”，不能办理此项操作',
    en: 'The opinion is {state}; this step does not apply',
  },
  OPINION_CHANGED: {
    code: ErrorCode.CONFLICT,
    zh: '该民意刚被他人办理，请刷新后重试',
    en: 'The opinion changed meanwhile; reload it',
  },
  TOO_MANY_TRANSFERS: {
    code: ErrorCode.CONFLICT,
    zh: '该民意已移交{limit}次，达到上限；请由现任首问负责人办结',
    en: 'The opinion has been handed on {limit} times, the most it may be; the person now responsible sees it through',
  },
  TRANSFER_REASON_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明移交理由', en: 'Say why it is handed on' },
  TRANSFER_USER_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '接收人不存在', en: 'User not found' },
  INVALID_TRANSFER: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只能移交给该组织的书记或其上级负责人（未停用的账号）',
    en: 'Hand it to an enabled secretary or officer over the opinion’s org',
  },
  ALREADY_RESPONSIBLE: { code: ErrorCode.BAD_USER_INPUT, zh: '接收人已是首问负责人', en: 'They are already responsible' },
  REPLY_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '答复内容不能为空', en: 'The reply is empty' },
});
