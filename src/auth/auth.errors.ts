import { ErrorCode, defineErrors } from '../graphql/errors';

/** Sign-in and tokens: one generic answer for a wrong tenant, username or password. */
export const authError = defineErrors('auth', {
  INVALID_CREDENTIALS: { code: ErrorCode.UNAUTHENTICATED, zh: '单位、用户名或密码不正确', en: 'Invalid tenant, username or password' },
  INVALID_REFRESH_TOKEN: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '刷新令牌无效或已过期，请重新登录',
    en: 'Invalid or expired refresh token',
  },
});
