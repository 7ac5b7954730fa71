import { ErrorCode, defineErrors } from '../../graphql/errors';

/** Refusals of 一次录入 (prefilling an evaluation from the records the platform holds). */
export const prefillError = defineErrors('prefill', {
  PREFILL_NOTHING_BOUND: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该考评所用的指标体系中没有绑定数据来源的指标，无可预填',
    en: 'No criterion of this evaluation’s framework is bound to a source: nothing to prefill',
  },
  PREFILL_PERIOD_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '统计期间的起始日期（{from}）晚于截止日期（{to}）',
    en: 'The counting period starts ({from}) after it ends ({to})',
  },
});
