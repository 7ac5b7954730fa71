import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 群众评议 refusals: de-duplication, daily limits, what a code rates, exclusions and the satisfaction score. */
export const publicReviewError = defineErrors('public-review', {
  REVIEW_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '评议不存在或不在您的权限范围内', en: 'Review not found' },
  // also the database's answer to a lost race (public_reviews_device_day, public_reviews_contact_day): the same text
  ALREADY_REVIEWED: {
    code: ErrorCode.CONFLICT,
    zh: '今天已从此设备或联系方式评价过，谢谢',
    en: 'Already rated from this device or contact today; thank you',
  },
  REVIEW_DEVICE_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '设备标识不能为空', en: 'deviceId is empty' },
  NOT_RATEABLE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '此二维码不能评价该承诺',
    en: 'Not a commitment that can be rated with this code',
  },
  REVIEW_RANGE_REVERSED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '截止日期（{to}）不能早于起始日期（{from}）',
    en: 'to ({to}) is before from ({from})',
  },
  SATISFACTION_CRITERION_NOT_FOUND: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该指标不属于此评议所在创建活动的指标体系',
    en: 'Not a criterion of this evaluation’s campaign',
  },
  NOT_PERCENT_CRITERION: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '指标 {criterion} 不是按百分比计分的指标',
    en: '{criterion} is not scored as a percentage',
  },
  NO_REVIEWS: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{org}在该创建活动中尚无群众评议',
    en: '{org} has no public reviews for this campaign yet',
  },
  ADDRESS_DAILY_LIMIT: {
    code: ErrorCode.RATE_LIMITED,
    zh: '今天从此网络提交的评议已达上限（每天 {limit} 条），请明天再来',
    en: 'This address has reached today’s limit of {limit} reviews; come back tomorrow',
  },
  CODE_DAILY_LIMIT: {
    code: ErrorCode.RATE_LIMITED,
    zh: '此二维码今天收到的评议已达上限（每天 {limit} 条），请明天再来',
    en: 'This code has reached today’s limit of {limit} reviews; come back tomorrow',
  },
  NOT_REVIEW_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的管理员可以查看疑似刷评或排除评议',
    en: 'Only a tenant admin over the org sees review clusters and excludes reviews',
  },
  EXCLUSION_REASON_REQUIRED: { code: ErrorCode.BAD_USER_INPUT, zh: '排除评议须写明理由', en: 'Say why the reviews are excluded' },
});
