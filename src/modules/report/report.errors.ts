import { ErrorCode, errorFactory } from '../../graphql/errors';

export enum ReportErrorReason {
  IMPORT_INVALID = 'IMPORT_INVALID',
  UNREADABLE_FILE = 'UNREADABLE_FILE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  TOO_MANY_ROWS = 'TOO_MANY_ROWS',
  NOT_IMPORT_ADMIN = 'NOT_IMPORT_ADMIN',
}

export const reportError = errorFactory<ReportErrorReason>({
  IMPORT_INVALID: ErrorCode.BAD_USER_INPUT,
  UNREADABLE_FILE: ErrorCode.BAD_USER_INPUT,
  UNSUPPORTED_MEDIA_TYPE: ErrorCode.BAD_USER_INPUT,
  TOO_MANY_ROWS: ErrorCode.BAD_USER_INPUT,
  NOT_IMPORT_ADMIN: ErrorCode.FORBIDDEN,
});
