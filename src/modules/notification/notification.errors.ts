import { ErrorCode, defineErrors } from '../../graphql/errors';

/** In-app notification refusals. */
export const notificationError = defineErrors('notification', {
  NOTIFICATION_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '通知不存在或不是发给您的', en: 'Notification not found' },
  NOTHING_TO_MARK: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请指定要标为已读的通知（ids），或选择全部（all: true）',
    en: 'Give ids or all: true',
  },
  IDS_AND_ALL: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '请只选一种：指定要标为已读的通知（ids），或全部（all: true），不要同时给出',
    en: 'Give either ids or all: true, not both',
  },
});
