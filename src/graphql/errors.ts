import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';

/** The stable codes clients switch on, in `extensions.code`. */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  TIMEOUT = 'TIMEOUT',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** The HTTP status each code answers with (GraphQL responses and the file routes alike). */
export const httpStatus: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  TIMEOUT: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

export interface AppErrorDetails {
  /** A domain-specific reason such as ORG_MOVE_CYCLE, finer than the code. */
  reason?: string;
  /** The input field at fault, as a dotted path (input.name). */
  field?: string;
  /** Several problems reported at once (validation of a whole document). */
  problems?: { path: string; message: string }[];
  [key: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: AppErrorDetails = {},
  ) {
    super(message);
  }
}

/**
 * A domain's error factory from its reason → code table (one per `x.errors.ts`). The table is a
 * Record over the reason enum, so a reason without a code does not compile.
 */
export function errorFactory<R extends string>(codes: Record<R, ErrorCode>) {
  return (reason: R, message: string, details: string | Omit<AppErrorDetails, 'reason'> = {}): AppError =>
    new AppError(codes[reason], message, { reason, ...(typeof details === 'string' ? { field: details } : details) });
}

export const badInput = (field: string, message: string, reason = 'INVALID_INPUT') =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, { field, reason });
export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found`, { reason: 'NOT_FOUND' });
export const forbidden = (message = 'Not allowed') => new AppError(ErrorCode.FORBIDDEN, message, { reason: 'FORBIDDEN' });
export const unauthenticated = (message = 'Sign-in required') =>
  new AppError(ErrorCode.UNAUTHENTICATED, message, { reason: 'UNAUTHENTICATED' });

interface DatabaseRefusal {
  code: ErrorCode;
  reason: string;
  message: string;
}

/**
 * The project's own refusals raised in the database (migrations/1733830000000-records-integrity.ts):
 * SQLSTATE class AP, one code per rule. Any other AP code, or a bare RAISE EXCEPTION (P0001) of one of
 * our functions, is still a refusal by a rule of ours: CONFLICT, never an internal error.
 */
const PROJECT_SQLSTATES: Record<string, DatabaseRefusal> = {
  AP001: {
    code: ErrorCode.CONFLICT,
    reason: 'RECORD_FINALIZED',
    message: '督查记录已定稿，不能修改、删除或增补内容；如需更正，请提交更正记录',
  },
  AP002: { code: ErrorCode.CONFLICT, reason: 'AUDIT_APPEND_ONLY', message: '审计日志只能追加，不能修改或删除' },
  AP003: { code: ErrorCode.CONFLICT, reason: 'CHAIN_HEAD_MOVED', message: '记录链已被其他定稿操作推进，请重试' },
  AP004: { code: ErrorCode.CONFLICT, reason: 'RECORD_NOT_CHAINED', message: '督查记录只能通过定稿操作加入记录链' },
};
const OTHER_RULE: DatabaseRefusal = {
  code: ErrorCode.CONFLICT,
  reason: 'INTEGRITY_RULE',
  message: '该操作违反了数据完整性规则，未作任何更改',
};

/** Unique constraints whose violation has a domain meaning finer than DUPLICATE (a lost race, usually). */
const CONSTRAINT_REFUSALS: Record<string, DatabaseRefusal> = {
  inspections_one_amendment: { code: ErrorCode.CONFLICT, reason: 'ALREADY_AMENDED', message: '该记录已有更正记录，请在最新版本上更正' },
  inspections_tenant_id_chain_seq_key: {
    code: ErrorCode.CONFLICT,
    reason: 'CHAIN_HEAD_MOVED',
    message: '记录链已被其他定稿操作推进，请重试',
  },
  public_reviews_device_day: { code: ErrorCode.CONFLICT, reason: 'ALREADY_REVIEWED', message: '今天已从此设备或联系方式评价过，谢谢' },
  public_reviews_contact_day: { code: ErrorCode.CONFLICT, reason: 'ALREADY_REVIEWED', message: '今天已从此设备或联系方式评价过，谢谢' },
};

const refusal = (r: DatabaseRefusal) => new AppError(r.code, r.message, { reason: r.reason });

/** PostgreSQL SQLSTATEs that are the client's doing, mapped without repeating the SQL text. */
function fromPostgres(error: { code?: string; constraint?: string }): AppError | undefined {
  const code = error.code;
  if (typeof code !== 'string' || code.length !== 5) return undefined;
  if (code.startsWith('AP') || code === 'P0001') return refusal(PROJECT_SQLSTATES[code] ?? OTHER_RULE);
  if (code === '23505' && error.constraint && CONSTRAINT_REFUSALS[error.constraint]) return refusal(CONSTRAINT_REFUSALS[error.constraint]);
  if (code === '23505')
    return new AppError(ErrorCode.CONFLICT, 'A record with the same key already exists', {
      reason: 'DUPLICATE',
      constraint: error.constraint,
    });
  if (code === '23P01') return new AppError(ErrorCode.CONFLICT, '与已有记录冲突', { reason: 'EXCLUSION', constraint: error.constraint });
  if (code === '23503') return new AppError(ErrorCode.BAD_USER_INPUT, 'A referenced record does not exist', { reason: 'REFERENCE' });
  if (code === '23514' || code === '23502' || code.startsWith('22'))
    return new AppError(ErrorCode.BAD_USER_INPUT, 'A value is out of range or malformed', { reason: 'INVALID_VALUE' });
  // keep_root_admin() (migrations/1733820000001): the change would leave no enabled TENANT_ADMIN at the root
  if (code === 'LA001')
    return new AppError(ErrorCode.CONFLICT, '本单位至少要保留一名在根组织任职且未停用的管理员，操作未执行', { reason: 'LAST_ADMIN' });
  if (code === '40001' || code === '40P01')
    return new AppError(ErrorCode.CONFLICT, 'Concurrent update, retry the request', { reason: 'SERIALIZATION' });
  if (code === '57014') return new AppError(ErrorCode.TIMEOUT, 'The request took too long', { reason: 'STATEMENT_TIMEOUT' });
  if (code.startsWith('08') || code.startsWith('28') || code === '57P01' || code === '57P03')
    return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The database is unavailable, retry later', { reason: 'DATABASE_UNAVAILABLE' });
  return undefined;
}

/** The socket-level faults of a database that is restarting or unreachable. */
const CONNECTION_FAULTS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const isConnectionFault = (error: unknown) => {
  const e = error as { code?: string; message?: string };
  return (
    (typeof e?.code === 'string' && CONNECTION_FAULTS.has(e.code)) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      String(e?.message ?? ''),
    )
  );
};

/** Normalizes anything thrown in a resolver to an AppError, or undefined for an unknown fault. */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof ArgumentValidationError) {
    const problems = error.extensions.validationErrors.flatMap((v) =>
      Object.values(v.constraints ?? {}).map((message) => ({ path: v.property, message })),
    );
    return new AppError(ErrorCode.BAD_USER_INPUT, problems.map((p) => p.message).join('; ') || 'Invalid input', {
      reason: 'VALIDATION',
      field: problems[0]?.path,
      problems,
    });
  }
  const driverError = (error as { driverError?: unknown })?.driverError ?? error;
  if (isConnectionFault(driverError))
    return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The database is unavailable, retry later', { reason: 'DATABASE_UNAVAILABLE' });
  if (driverError && typeof driverError === 'object') return fromPostgres(driverError as { code?: string });
  return undefined;
}

/** An AppError as a GraphQLError with its HTTP status (and Retry-After when it carries a retry hint). */
export function toGraphQLError(error: AppError): GraphQLError {
  const retry = error.details.retryAfterSeconds;
  const http =
    typeof retry === 'number'
      ? { status: httpStatus[error.code], headers: new Map([['retry-after', String(retry)]]) }
      : { status: httpStatus[error.code] };
  return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details, http } });
}

/**
 * Apollo's formatError: known errors keep their code and message; GraphQL's own parse and validation
 * errors pass through; anything else is logged and masked so no stack or SQL reaches a client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const known = toAppError(original);
  if (known) {
    return {
      message: known.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...known.details, code: known.code },
    };
  }
  // GraphQL's own errors (syntax, validation, variable coercion) carry their code and a safe message.
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  console.error('[error]', forLog(original));
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/**
 * What the log keeps of an unknown fault: a database error's SQLSTATE, message, table and constraint
 * and the statement's text, never its parameters (they carry personal data and secrets) nor the
 * driver's `detail` (which quotes key values).
 */
export function forLog(error: unknown): unknown {
  const e = error as {
    name?: string;
    message?: string;
    query?: string;
    parameters?: unknown;
    driverError?: Record<string, unknown>;
    stack?: string;
  };
  if (!e || typeof e !== 'object' || !('driverError' in e || 'parameters' in e)) return error;
  const d = (e.driverError ?? {}) as { code?: string; table?: string; constraint?: string; routine?: string; where?: string };
  return {
    name: e.name,
    message: e.message,
    code: d.code,
    table: d.table,
    constraint: d.constraint,
    where: d.where,
    query: e.query,
    stack: e.stack,
  };
}
