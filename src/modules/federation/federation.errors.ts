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
  FEDERATION_TOO_MANY_INVITATIONS: {
    code: ErrorCode.CONFLICT,
    zh: '本单位 24 小时内已发出 {count} 份邀请（含已撤回的），达到上限 {limit} 份，请稍后再邀请',
    en: 'The tenant has sent {count} invitations in the last 24 hours (withdrawn ones included), the most it may ({limit}); invite again later',
  },
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
  FEDERATION_NOT_SUBORDINATE: {
    code: ErrorCode.FORBIDDEN,
    zh: '报送授权由下级单位作出和撤回',
    en: 'Grants are made and withdrawn by the subordinate tenant',
  },
  FEDERATION_LINK_NOT_ACTIVE: {
    code: ErrorCode.CONFLICT,
    zh: '上下级关系尚未生效或已经结束，不能授权',
    en: 'The link is not active: nothing can be granted over it',
  },
  FEDERATION_CAMPAIGN_REQUIRED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '报送创建进度时请指明本单位的创建活动',
    en: 'Name the campaign whose progress is reported',
  },
  FEDERATION_CAMPAIGN_NOT_FOUND: {
    code: ErrorCode.NOT_FOUND,
    zh: '创建活动不存在或不在您的权限范围内',
    en: 'Campaign not found',
  },
  FEDERATION_DEPTH_OUT_OF_RANGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '报送的组织层级应为 0 至 {max} 级',
    en: 'The depth reported is 0 to {max} levels',
  },
  FEDERATION_PROGRESS_ONLY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只有创建进度的授权指明创建活动和组织层级',
    en: 'Only a progress grant names a campaign and a depth',
  },
  FEDERATION_GRANT_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '没有这项报送授权', en: 'No such grant' },
  FEDERATION_VERSION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '框架版本不存在或不在您的权限范围内', en: 'Framework version not found' },
  FEDERATION_VERSION_NOT_PUBLISHED: {
    code: ErrorCode.CONFLICT,
    zh: '只能下发已发布的框架版本',
    en: 'Only a published version is handed down',
  },
  FEDERATION_TOO_MANY_HANDED_DOWN: {
    code: ErrorCode.CONFLICT,
    zh: '24 小时内已向{tenant}下发 {count} 个框架版本，达到上限 {limit} 个，请稍后再下发；本次未下发给任何单位',
    en: '{count} framework versions were handed down to {tenant} in the last 24 hours, the most allowed ({limit}); none was handed down now',
  },
  FEDERATION_NO_SUBORDINATES: { code: ErrorCode.CONFLICT, zh: '本单位没有有效的下级单位', en: 'The tenant has no active subordinate' },
  FEDERATION_HANDED_DOWN_NOT_FOUND: {
    code: ErrorCode.NOT_FOUND,
    zh: '下发的框架不存在或不在您的权限范围内',
    en: 'Handed-down framework not found',
  },
  FEDERATION_ALREADY_ADOPTED: { code: ErrorCode.CONFLICT, zh: '该框架已经采用', en: 'The framework has already been adopted' },
  FEDERATION_NOT_ADOPTED_AS_BASE: {
    code: ErrorCode.CONFLICT,
    zh: '该框架未作为本单位版本的基础采用，没有待发布的版本',
    en: 'The framework was not adopted as a base: there is no draft to publish',
  },
  FEDERATION_BREACHES: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '本单位版本有{count}处删减、降低或改写了上级框架的条目',
    en: 'The version removes, weakens or rewords {count} of the superior’s items',
  },
  FEDERATION_ITEM_REMOVED: { code: ErrorCode.BAD_USER_INPUT, zh: '删去了上级框架的条目{code}', en: 'Removes the superior’s item {code}' },
  FEDERATION_ITEM_MOVED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '把上级框架的条目{code}移到了别的上级指标下',
    en: 'Moves the superior’s item {code}',
  },
  FEDERATION_ITEM_REWORDED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '改写了上级框架条目{code}的文字',
    en: 'Rewords the superior’s item {code}',
  },
  FEDERATION_ITEM_WEAKENED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '降低了上级框架条目{code}的要求',
    en: 'Weakens the superior’s item {code}',
  },
  FEDERATION_THRESHOLD_LOWERED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '降低了上级框架的达标线或等次线（{item}）',
    en: 'Lowers the superior’s threshold or grade line ({item})',
  },
  FEDERATION_YEAR_OUT_OF_RANGE: { code: ErrorCode.BAD_USER_INPUT, zh: '年度应在 2000 至 2100 之间', en: 'The year is 2000 to 2100' },
  FEDERATION_NOTHING_LAGGING: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '授权报送的下级单位中没有低于目标的单位，无需通报',
    en: 'No subordinate bureau that reports up lags behind the target',
  },
});

mapConstraint('tenant_links_live_pair', () => federationError('FEDERATION_LINK_EXISTS', 'input.slug'));
