import { ErrorCode, errorFactory } from '../../graphql/errors';

export enum OrgErrorReason {
  ORG_NOT_FOUND = 'ORG_NOT_FOUND',
  ORG_MOVE_CYCLE = 'ORG_MOVE_CYCLE',
  ORG_PARENT_KIND = 'ORG_PARENT_KIND',
  ORG_ROOT_IMMUTABLE = 'ORG_ROOT_IMMUTABLE',
  ORG_HAS_ACTIVE_CHILDREN = 'ORG_HAS_ACTIVE_CHILDREN',
  ORG_ARCHIVED = 'ORG_ARCHIVED',
  ORG_NOT_ADMIN = 'ORG_NOT_ADMIN',
}

/** Every reason maps to one GraphQL code. */
export const orgError = errorFactory<OrgErrorReason>({
  ORG_NOT_FOUND: ErrorCode.NOT_FOUND,
  ORG_MOVE_CYCLE: ErrorCode.BAD_USER_INPUT,
  ORG_PARENT_KIND: ErrorCode.BAD_USER_INPUT,
  ORG_ROOT_IMMUTABLE: ErrorCode.BAD_USER_INPUT,
  ORG_HAS_ACTIVE_CHILDREN: ErrorCode.CONFLICT,
  ORG_ARCHIVED: ErrorCode.CONFLICT,
  ORG_NOT_ADMIN: ErrorCode.FORBIDDEN,
});

