import { ErrorCode, errorFactory } from '../../graphql/errors';

export enum UserErrorReason {
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  USERNAME_TAKEN = 'USERNAME_TAKEN',
  ROLE_NOT_FOUND = 'ROLE_NOT_FOUND',
  NOT_USER_ADMIN = 'NOT_USER_ADMIN',
  WEAK_PASSWORD = 'WEAK_PASSWORD',
  LAST_ADMIN = 'LAST_ADMIN',
  SELF_DISABLE = 'SELF_DISABLE',
}

/** Every reason maps to one GraphQL code. */
export const userError = errorFactory<UserErrorReason>({
  USER_NOT_FOUND: ErrorCode.NOT_FOUND,
  USERNAME_TAKEN: ErrorCode.CONFLICT,
  ROLE_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOT_USER_ADMIN: ErrorCode.FORBIDDEN,
  WEAK_PASSWORD: ErrorCode.BAD_USER_INPUT,
  LAST_ADMIN: ErrorCode.CONFLICT,
  SELF_DISABLE: ErrorCode.BAD_USER_INPUT,
});
