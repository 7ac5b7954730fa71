import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 领导小组 refusals: each reason with its code and its message in Chinese and English. */
export const leadingGroupError = defineErrors('leading-group', {
  NOT_GROUP_ADMIN: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有管辖该创建活动的管理员可以设置领导小组',
    en: 'Only a tenant admin over the campaign sets its leading group',
  },
  MEMBER_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '该人员不存在或不属于本单位', en: 'User not found' },
  MEMBER_DISABLED: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '该人员的账号已停用，不能进入领导小组',
    en: 'A disabled user sits in no leading group',
  },
  DUPLICATE_MEMBER: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '同一人在领导小组中只能占一个席位（此人已在 {seat}）',
    en: 'The same person already sits at {seat}',
  },
  LEADING_GROUP_TITLE_TOO_LONG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '职务最多{limit}个字',
    en: 'A title has at most {limit} characters',
  },
});
