import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 公开展示 refusals, and those of the anonymous feed. */
export const showcaseError = defineErrors('showcase', {
  SHOWCASE_ITEM_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '公开展示不存在或不在您的权限范围内', en: 'Showcase item not found' },
  SHOWCASE_SOURCE_NOT_FOUND: {
    code: ErrorCode.NOT_FOUND,
    zh: '要公开的记录不存在或不在您的权限范围内',
    en: 'The record to show is unknown or out of your reach',
  },
  SHOWCASE_BRIEFING_NOT_PUBLISHED: { code: ErrorCode.CONFLICT, zh: '简报须报送后方可公开', en: 'A briefing is shown once published' },
  SHOWCASE_EXEMPLAR_NOT_NAMED: {
    code: ErrorCode.CONFLICT,
    zh: '典型须命名后（已命名或复评保留）方可公开',
    en: 'An exemplar is shown once named (and while it keeps its title)',
  },
  SHOWCASE_COMMITMENT_NOT_FULFILLED: { code: ErrorCode.CONFLICT, zh: '承诺须践诺后方可公开', en: 'A commitment is shown once fulfilled' },
  SHOWCASE_PROJECT_NOT_AWARDED: {
    code: ErrorCode.CONFLICT,
    zh: '创新项目须评比表彰（获奖）后方可公开',
    en: 'An innovation project is shown once awarded',
  },
  SHOWCASE_TEAM_DISBANDED: { code: ErrorCode.CONFLICT, zh: '已解散的服务队伍不能公开', en: 'A disbanded team is not shown' },
  SHOWCASE_NOT_PROPOSER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以提交公开',
    en: 'Only the org’s secretary or an officer over it proposes its records',
  },
  SHOWCASE_NOT_APPROVER: {
    code: ErrorCode.FORBIDDEN,
    zh: '公开展示由根组织的管理员审核',
    en: 'An admin at the root org reviews what is shown to the public',
  },
  SHOWCASE_NOT_WITHDRAWER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记、上级负责人或根组织的管理员可以撤下',
    en: 'The org’s officers or an admin at the root take an item down',
  },
  SHOWCASE_ALREADY_PROPOSED: {
    code: ErrorCode.CONFLICT,
    zh: '该记录已提交公开（待审核或已公开），不能重复提交',
    en: 'This record is already proposed or shown',
  },
  SHOWCASE_WRONG_STATE: {
    code: ErrorCode.CONFLICT,
    zh: '该公开展示当前为“{stateLabel}”，不能进行此项操作',
    en: 'The item is {stateLabel}; this step does not apply to it',
  },
  SHOWCASE_TITLE_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '标题不能为空', en: 'A title says something' },
  SHOWCASE_REASON_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明理由', en: 'Say why' },
  SHOWCASE_FEED_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '没有这个公开专栏', en: 'No such public feed' },
  SHOWCASE_PAGE_SIZE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '每页条数须为 1 至 {limit}',
    en: 'A page holds 1 to {limit} items',
  },
});
