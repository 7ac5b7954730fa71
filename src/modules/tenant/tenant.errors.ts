import { ErrorCode, errorFactory } from '../../graphql/errors';

export enum TenantErrorReason {
  NOT_SETTINGS_ADMIN = 'NOT_SETTINGS_ADMIN',
}

/** Every reason maps to one GraphQL code. */
export const tenantError = errorFactory<TenantErrorReason>({
  NOT_SETTINGS_ADMIN: ErrorCode.FORBIDDEN,
});
