import { ErrorCode, errorFactory } from '../../graphql/errors';

export enum AuditErrorReason {
  NOT_AUDIT_READER = 'NOT_AUDIT_READER',
}

/** Every reason maps to one GraphQL code. */
export const auditError = errorFactory<AuditErrorReason>({
  NOT_AUDIT_READER: ErrorCode.FORBIDDEN,
});
