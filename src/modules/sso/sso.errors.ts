import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 单点登录 refusals: each reason with its code and its message in Chinese and English. */
export const ssoError = defineErrors('sso', {
  SSO_NOT_ROOT_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以设置单点登录',
    en: 'Only an admin at the root configures single sign-on',
  },
  SSO_NOT_USER_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有管理该用户所在组织的管理员可以关联其统一身份',
    en: 'Only an admin over the user links an identity',
  },
  SSO_NOT_CONFIGURED: { code: ErrorCode.NOT_FOUND, zh: '本单位未启用单点登录', en: 'Single sign-on is not set up for this tenant' },
  SSO_URL_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '{field} 应为 https 地址（仅本机可用 http）',
    en: '{field} must be an https URL (http only on this machine)',
  },
  SSO_REDIRECT_PATH: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '回调地址的路径应为 {path}',
    en: 'The redirect URI path must be {path}',
  },
  SSO_SECRET_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '首次设置单点登录时须填写客户端密钥',
    en: 'The client secret is required the first time',
  },
  SSO_SUBJECT_TAKEN: { code: ErrorCode.CONFLICT, zh: '该统一身份已关联到本单位的其他用户', en: 'That identity is linked to another user' },
  SSO_USER_LINKED: {
    code: ErrorCode.CONFLICT,
    zh: '该用户已关联了另一个统一身份，请先解除',
    en: 'The user is linked to another identity; unlink it first',
  },
  SSO_IDENTITY_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '该用户未关联统一身份', en: 'The user has no linked identity' },
  SSO_CODE_INVALID: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '单点登录凭据无效、已使用或已过期，请重新登录',
    en: 'Invalid, used or expired sign-on code',
  },
  SSO_STATE_INVALID: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '登录请求无效或已过期，请重新登录',
    en: 'Unknown, used or expired sign-in request',
  },
  SSO_BROWSER_MISMATCH: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '该登录请求不是在此浏览器中发起的，请在此浏览器中重新登录',
    en: 'The sign-in was not started in this browser; sign in again here',
  },
  SSO_PROVIDER_FAILED: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '统一身份认证平台的应答未通过校验',
    en: 'The identity provider’s answer failed verification',
  },
  SSO_PROVIDER_CHANGED: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '单点登录设置在登录过程中已变更或停用，请重新登录',
    en: 'Single sign-on was changed or disabled during the sign-in; sign in again',
  },
  SSO_SIGN_IN_REFUSED: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '该统一身份未关联本单位的可用账号',
    en: 'That identity is not linked to an enabled account of this tenant',
  },
});
