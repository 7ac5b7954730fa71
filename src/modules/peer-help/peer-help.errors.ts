import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 同级党组织互帮互助 refusals: each reason with its code and its message in Chinese and English. */
export const peerHelpError = defineErrors('peer-help', {
  PEER_PAIRING_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '结对共建不存在或不在您的权限范围内', en: 'Pairing not found' },
  PEER_HELP_REQUEST_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '互助请求不存在或不在您的权限范围内', en: 'Help request not found' },
  PEER_NOT_PAIRING_MAKER: {
    code: ErrorCode.FORBIDDEN,
    zh: '结对共建由同时管理两个组织的上级负责人建立和调整',
    en: 'A pairing is set up and changed by an officer over both orgs',
  },
  PEER_PAIRING_SAME_ORG: { code: ErrorCode.BAD_USER_INPUT, zh: '不能与本组织结对', en: 'An org cannot pair with itself' },
  PEER_PAIRING_NOT_SAME_LEVEL: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}与{partner}不是同级党组织，不能结对共建',
    en: '{org} and {partner} are not at the same level',
  },
  PEER_ORG_ARCHIVED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}已撤销',
    en: '{org} is archived',
    deprecated: '不再使用：已撤销的组织一律答 ORG_ARCHIVED',
  },
  PEER_PAIRING_PERIOD_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '结束日期不能早于开始日期，共建期至多 10 年',
    en: 'A pairing ends on or after it starts and lasts at most 10 years',
  },
  PEER_PAIRING_GOALS_REQUIRED: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明共建目标（1 至 20 条）', en: 'Name 1 to 20 goals' },
  PEER_PAIRING_GOAL_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '共建目标不能为空', en: 'A goal says something' },
  PEER_PAIRING_OVERLAPS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}与{partner}在这段时期已有结对共建（{startsOn}至{endsOn}）',
    en: '{org} and {partner} are already paired from {startsOn} to {endsOn}',
  },
  PEER_PAIRING_ENDED: { code: ErrorCode.CONFLICT, zh: '该结对共建已结束', en: 'The pairing has ended' },
  PEER_PAIRING_END_REASON_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明提前结束的理由', en: 'Say why the pairing ends early' },
  PEER_NOT_REQUESTER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以代表它请求帮助',
    en: 'Only the org’s secretary or an officer over it asks for help for it',
  },
  PEER_NOT_A_PEER: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只能向结对共建中的组织或同一上级党组织下的兄弟组织请求帮助',
    en: 'Help is asked of a paired org or of a sibling under the same superior',
  },
  PEER_NOT_RESPONDER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有被请求组织的书记或其上级负责人可以答复',
    en: 'Only an officer of the org asked answers',
  },
  TOO_MANY_OPEN_PEER_HELP_REQUESTS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已有{open}个待答复的互助请求，达到上限{limit}个；请待对方答复后再提出',
    en: '{org} has {open} open help requests, the most it may have ({limit}); ask again once one is answered',
  },
  PEER_HELP_ALREADY_ANSWERED: { code: ErrorCode.CONFLICT, zh: '该互助请求已经答复', en: 'The help request is already answered' },
  PEER_PERIOD_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '统计期的结束日期不能早于开始日期，统计期至多 10 年',
    en: 'A period ends on or after it starts and spans at most 10 years',
  },
});
