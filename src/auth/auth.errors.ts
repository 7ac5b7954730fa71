import { ErrorCode, defineErrors } from '../graphql/errors';

/** Sign-in and tokens: one generic answer for a wrong tenant, username or password. */
export const authError = defineErrors('auth', {
  INVALID_CREDENTIALS: { code: ErrorCode.UNAUTHENTICATED, zh: '单位、用户名或密码不正确', en: 'Invalid tenant, username or password' },
  INVALID_REFRESH_TOKEN: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '刷新令牌无效或已过期，请重新登录',
    en: 'Invalid or expired refresh token',
  },
  // ── the steps of a sign-in (challenge token) ──
  SIGN_IN_CHALLENGE_INVALID: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '登录验证已失效或不属于此步骤，请重新登录',
    en: 'The sign-in challenge is invalid, expired or not for this step; sign in again',
  },
  SIGN_IN_STEP_INPUT: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '此登录步骤需要填写：{expected}',
    en: 'This sign-in step needs: {expected}',
  },
  TOTP_CODE_INVALID: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '动态验证码或恢复码不正确（每个验证码和恢复码只能使用一次）',
    en: 'Wrong one-time code or recovery code (each works once)',
  },
  ACCOUNT_LOCKED: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: '账号因连续登录失败已被锁定，锁定期间不能验证动态验证码；请等锁定期满或联系管理员解锁后再登录',
    en: 'The account is locked after failed sign-ins, and its one-time code cannot be checked while locked; wait for the lock to end or ask an admin to unlock it',
  },
  TOTP_RATE_LIMITED: {
    code: ErrorCode.RATE_LIMITED,
    zh: '动态验证码尝试次数过多，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many one-time code attempts; retry in {retryAfterSeconds} s',
  },
  // ── passwords: which rule of the tenant's policy failed ──
  PASSWORD_TOO_SHORT: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '密码不符合本单位的密码策略：长度至少 {min} 个字符',
    en: 'The password breaks the policy: at least {min} characters',
  },
  PASSWORD_TOO_LONG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '密码不符合要求：长度最多 {max} 个字符',
    en: 'The password is too long: at most {max} characters',
  },
  PASSWORD_CLASSES: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '密码不符合本单位的密码策略：须包含大写字母、小写字母、数字、符号中的至少 {min} 类（现有 {found} 类）',
    en: 'The password breaks the policy: it needs at least {min} of upper case, lower case, digits and symbols (it has {found})',
  },
  PASSWORD_CONTAINS_USERNAME: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '密码不符合本单位的密码策略：不能包含用户名',
    en: 'The password breaks the policy: it must not contain the username',
  },
  PASSWORD_REUSED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '密码不符合本单位的密码策略：不能与最近 {count} 次使用过的密码相同',
    en: 'The password breaks the policy: it must differ from the last {count} passwords',
  },
  WRONG_CURRENT_PASSWORD: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '当前密码不正确，密码未修改',
    en: 'The current password is wrong; nothing was changed',
  },
  // ── the second factor ──
  TOTP_ALREADY_ENABLED: {
    code: ErrorCode.CONFLICT,
    zh: '已启用动态验证码；如需更换，请先停用',
    en: 'A one-time code factor is already enabled; disable it first',
  },
  TOTP_NOT_ENROLLED: {
    code: ErrorCode.CONFLICT,
    zh: '尚未绑定动态验证码，或绑定已完成',
    en: 'No one-time code factor is being enrolled',
  },
  TOTP_ENROL_PASSWORD_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '绑定动态验证码须填写本账号的当前密码',
    en: 'Enrolling a one-time code factor needs the account’s current password',
  },
  REAUTHENTICATION_FAILED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '当前密码不正确，操作未执行',
    en: 'The current password is wrong; nothing was done',
  },
  TOTP_NOT_ENABLED: { code: ErrorCode.CONFLICT, zh: '未启用动态验证码', en: 'No one-time code factor is enabled' },
  TOTP_REQUIRED_BY_POLICY: {
    code: ErrorCode.CONFLICT,
    zh: '本单位要求您的角色使用动态验证码，不能自行停用；如手机遗失，请联系管理员',
    en: 'The tenant’s policy requires a one-time code for your role; ask an admin if your device is lost',
  },
  // ── the policy itself ──
  NOT_POLICY_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以修改本单位的账号安全策略',
    en: 'Only a tenant admin at the root org may change the account policy',
  },
});
