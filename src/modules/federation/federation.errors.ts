import { ErrorCode, defineErrors, mapConstraint } from '../../graphql/errors';

/** 上下级单位 refusals: each reason with its code and its message in Chinese and English. */
export const federationError = defineErrors('federation', {
  FEDERATION_NOT_ROOT_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '上下级单位的关系和报送授权由本单位根组织的管理员办理',
    en: 'Links between tenants and their grants are handled by an admin at the tenant’s root',
  },
  FEDERATION_TENANT_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '没有简称为{slug}的单位', en: 'No tenant has the slug {slug}' },
  FEDERATION_SELF_LINK: { code: ErrorCode.BAD_USER_INPUT, zh: '不能邀请本单位作为下级单位', en: 'A tenant cannot invite itself' },
  FEDERATION_LINK_EXISTS: {
    code: ErrorCode.CONFLICT,
    zh: '与该单位已有待答复或有效的上下级关系',
    en: 'A pending or active link with that tenant already exists',
  },
  FEDERATION_LINK_NOT_FOUND: {
    code: ErrorCode.NOT_FOUND,
    zh: '上下级关系不存在或不在您的权限范围内',
    en: 'Link not found',
  },
  FEDERATION_NOT_INVITEE: {
    code: ErrorCode.FORBIDDEN,
    zh: '邀请由被邀请的单位答复，发出邀请的单位不能自行接受',
    en: 'An invitation is answered by the tenant invited, not by the one that sent it',
  },
  FEDERATION_LINK_NOT_PENDING: {
    code: ErrorCode.CONFLICT,
    zh: '该邀请已经答复或已结束',
    en: 'The invitation has already been answered or ended',
  },
  FEDERATION_LINK_ENDED: { code: ErrorCode.CONFLICT, zh: '该上下级关系已经结束', en: 'The link has already ended' },
});

mapConstraint('tenant_links_live_pair', () => federationError('FEDERATION_LINK_EXISTS', 'input.slug'));
