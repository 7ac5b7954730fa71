import { ErrorCode, errorFactory } from '../../graphql/errors';

export enum NotificationErrorReason {
  NOTIFICATION_NOT_FOUND = 'NOTIFICATION_NOT_FOUND',
  NOTHING_TO_MARK = 'NOTHING_TO_MARK',
}

export const notificationError = errorFactory<NotificationErrorReason>({
  NOTIFICATION_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOTHING_TO_MARK: ErrorCode.BAD_USER_INPUT,
});
