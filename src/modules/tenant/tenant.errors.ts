import { ErrorCode, defineErrors, mapConstraint } from '../../graphql/errors';

/** 单位（租户）refusals: each reason with its code and its message in Chinese and English. */
export const tenantError = defineErrors('tenant', {
  TENANT_SLUG_TAKEN: { code: ErrorCode.CONFLICT, zh: '该单位简称已被其他单位使用', en: 'A tenant with this slug exists' },
  NOT_SETTINGS_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有根组织的管理员可以修改本单位的设置',
    en: 'Only a tenant admin at the root org may change the tenant’s settings',
  },
  UNKNOWN_TIME_ZONE: { code: ErrorCode.BAD_USER_INPUT, zh: '未知的时区“{timezone}”', en: 'Unknown time zone {timezone}' },
});

// two operators creating the same slug at once: the loser meets the unique key
mapConstraint('tenants_slug_key', () => tenantError('TENANT_SLUG_TAKEN', 'input.slug'));
