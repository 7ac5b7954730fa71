import { ErrorCode, defineErrors } from '../../graphql/errors';

/** The org tree's refusals: each reason with its code and its message in Chinese and English. */
export const orgError = defineErrors('org', {
  ORG_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '党组织不存在或不在您的权限范围内', en: 'Org not found' },
  ORG_MOVE_CYCLE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '不能把党组织移到它自己的下级组织之下',
    en: 'An org cannot move into its own subtree',
  },
  ORG_PARENT_KIND: { code: ErrorCode.BAD_USER_INPUT, zh: '{parentKind}下不能设立{kind}', en: 'A {kind} cannot sit under a {parentKind}' },
  ORG_TOO_DEEP: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '组织层级最多 {limit} 级，此操作会超出',
    en: 'The org tree has at most {limit} levels; this would go deeper',
  },
  ORG_ROOT_IMMUTABLE: { code: ErrorCode.BAD_USER_INPUT, zh: '根党组织不能移动或撤销', en: 'The root org cannot be moved or archived' },
  ORG_HAS_ACTIVE_CHILDREN: {
    code: ErrorCode.CONFLICT,
    zh: '该组织还有 {active} 个未撤销的下级组织，请先撤销下级组织',
    en: 'The org still has {active} active sub-organizations',
  },
  ORG_ARCHIVED: { code: ErrorCode.CONFLICT, zh: '{org}已撤销；如需继续，请先恢复该组织', en: '{org} is archived; restore it first' },
  ORG_NOT_ADMIN: { code: ErrorCode.FORBIDDEN, zh: '只有该组织的管理员可以修改它', en: 'Only a tenant admin over this org may change it' },
  ORG_NAME_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '组织名称不能为空白', en: 'An org name must not be blank' },
  ORG_NAME_TAKEN: {
    code: ErrorCode.CONFLICT,
    zh: '同一上级组织下已有名为“{name}”的组织',
    en: 'Another live org under the same parent is named “{name}”',
  },
  ORG_PARENT_ARCHIVED: {
    code: ErrorCode.CONFLICT,
    zh: '上级组织已撤销，请先恢复上级组织',
    en: 'The parent org is archived; restore it first',
  },
  ORG_ESTABLISHED_IN_FUTURE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '成立日期不能晚于今天',
    en: 'The founding date cannot be in the future',
  },
  ORG_SEARCH_TOO_LONG: { code: ErrorCode.BAD_USER_INPUT, zh: '搜索词最多 {limit} 个字符', en: 'A search has at most {limit} characters' },
});
