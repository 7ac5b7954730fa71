import { ErrorCode, errorFactory } from '../../graphql/errors';

export enum AssessmentErrorReason {
  NOT_RULE_ADMIN = 'NOT_RULE_ADMIN',
}

/** Every reason maps to one GraphQL code. */
export const assessmentError = errorFactory<AssessmentErrorReason>({
  NOT_RULE_ADMIN: ErrorCode.FORBIDDEN,
});
