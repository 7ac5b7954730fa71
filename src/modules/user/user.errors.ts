import { ErrorCode, defineErrors, mapConstraint } from '../../graphql/errors';

/** 用户与角色任命 refusals: each reason with its code and its message in Chinese and English. */
export const userError = defineErrors('user', {
  USER_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '用户不存在或不在您的管理范围内', en: 'User not found' },
  USERNAME_TAKEN: { code: ErrorCode.CONFLICT, zh: '该用户名已被本单位其他用户使用', en: 'The username is taken' },
  ROLE_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '角色任命不存在或不在您的管理范围内', en: 'Role assignment not found' },
  NOT_USER_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的管理员可以管理其用户和角色（您的管理员权限可能已被撤销或停用），操作未执行',
    en: 'Only a tenant admin over this org may manage its users and roles (yours may have been revoked or disabled); nothing was changed',
  },
  USER_ROLES_OUTSIDE_SCOPE: {
    code: ErrorCode.FORBIDDEN,
    zh: '该用户在您的管理范围以外担任角色，只有管理其全部任职组织的管理员可以更改其账号，操作未执行',
    en: 'The user holds roles outside your scope: only an admin over every org where it holds a role may change its account; nothing was changed',
  },
  WEAK_PASSWORD: { code: ErrorCode.BAD_USER_INPUT, zh: '密码须为 {min} 至 {max} 个字符', en: 'A password has {min} to {max} characters' },
  // the same refusal the database trigger keep_root_admin() raises (core's LAST_ADMIN), met first by the service
  LAST_ADMIN: {
    code: ErrorCode.CONFLICT,
    zh: '本单位至少要保留一名在根组织任职且未停用的管理员，操作未执行',
    en: 'The tenant must keep one enabled admin at its root org; nothing was changed',
  },
  SELF_DISABLE: { code: ErrorCode.BAD_USER_INPUT, zh: '不能停用自己的账号', en: 'You cannot disable your own account' },
});

// two admins creating the same username at once: the loser meets the unique key
mapConstraint('users_tenant_id_username_key', () => userError('USERNAME_TAKEN', 'input.username'));
