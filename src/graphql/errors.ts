import type { FastifyReply } from 'fastify';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { Locale, MessageParam, ReasonMessages, ellipsis, registerReasons, renderReason } from './messages';
import { validationProblems } from './validation-messages';
import { explainGraphQLError } from './graphql-errors';

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

/** A reason: the code it answers with and its message in each locale (placeholders `{name}` from the params). */
export interface ReasonSpec extends ReasonMessages {
  code: ErrorCode;
  /** No longer answered, kept in the schema's enum for clients that switch on it: what answers instead. */
  deprecated?: string;
}

/** One problem of several reported at once (a row of an import, a path of a document). */
export interface Problem {
  path: string;
  message: string;
  reason?: string;
  [key: string]: unknown;
}

export interface ErrorOptions {
  /** The input field at fault, as a dotted path (input.name). */
  field?: string;
  /** Named values of the message (`{org}`, `{limit}`, `{date}`), also sent in `extensions`. */
  params?: Record<string, MessageParam>;
  problems?: Problem[];
}

const paramValue = (v: MessageParam) => (v instanceof Date ? v.toISOString() : (v ?? null));

/** An AppError of a declared reason, its message rendered in the default locale (re-rendered per request). */
export function reasonError(code: ErrorCode, reason: string, options: ErrorOptions = {}): AppError {
  const params = Object.fromEntries(Object.entries(options.params ?? {}).map(([k, v]) => [k, paramValue(v)]));
  const message = renderReason(reason, params, 'zh-CN') ?? reason;
  return new AppError(code, message, {
    reason,
    ...(options.field ? { field: options.field } : {}),
    ...params,
    ...(options.problems ? { problems: options.problems } : {}),
  });
}

/**
 * One problem of several (a path of a document, a row of an import) of a declared reason: its params
 * travel with it, and its message is rendered again in the request's locale (localizeError).
 */
export function reasonProblem(path: string, reason: string, params: Record<string, MessageParam> = {}): Problem {
  return { path, reason, ...params, message: renderReason(reason, params, 'zh-CN') ?? reason };
}

/**
 * The one way a module declares its errors (in `x.errors.ts`): every reason with its code and its
 * message in Chinese and English. The table is a Record over the reasons, so a reason without a code
 * or a message does not compile; declaring registers the messages in the catalogues.
 * `throw orgError('ORG_PARENT_KIND', { field: 'input.kind', params: { kind, parent } })`.
 */
export function defineErrors<R extends string>(owner: string, table: Record<R, ReasonSpec>) {
  registerReasons(owner, table);
  return (reason: R, options: ErrorOptions | string = {}): AppError =>
    reasonError(table[reason].code, reason, typeof options === 'string' ? { field: options } : options);
}

/** Reasons of the core itself (request, tokens, limits, the database's own refusals). */
export const coreError = defineErrors('core', {
  UNAUTHENTICATED: { code: ErrorCode.UNAUTHENTICATED, zh: '请先登录', en: 'Sign-in required' },
  TOKEN_INVALID: { code: ErrorCode.UNAUTHENTICATED, zh: '登录凭证无效或已过期，请重新登录', en: 'Invalid or expired access token' },
  AUTH_HEADER_MALFORMED: {
    code: ErrorCode.UNAUTHENTICATED,
    zh: 'Authorization 请求头格式不正确（应为 Bearer 令牌）',
    en: 'Malformed Authorization header',
  },
  IDENTITY_FIXED: {
    code: ErrorCode.FORBIDDEN,
    zh: '本次请求已以当前登录者的身份进行，不能在其中改用其他单位或用户的身份',
    en: 'A signed-in request keeps its identity; it cannot switch to another tenant or user',
  },
  SIGN_IN_ALONE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '登录、刷新令牌和退出须单独提交，不能与其他字段放在同一请求中',
    en: 'Sign-in, token refresh and logout must be the only field of their request',
  },
  TENANT_USER_REQUIRED: { code: ErrorCode.FORBIDDEN, zh: '此操作需要以本单位用户身份登录', en: 'Tenant data needs a tenant user' },
  OPERATOR_REQUIRED: { code: ErrorCode.FORBIDDEN, zh: '此操作需要平台运维人员登录', en: 'Platform operator sign-in required' },
  FORBIDDEN: { code: ErrorCode.FORBIDDEN, zh: '您没有执行此操作的权限', en: 'Not allowed' },
  NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '{what}不存在或不在您的权限范围内', en: '{what} not found' },
  INVALID_INPUT: { code: ErrorCode.BAD_USER_INPUT, zh: '输入不正确：{field}', en: 'Invalid input: {field}' },
  INVALID_CURSOR: { code: ErrorCode.BAD_USER_INPUT, zh: '分页游标无效，请从第一页重新查询', en: 'Invalid cursor' },
  TOO_MANY_IDS: { code: ErrorCode.BAD_USER_INPUT, zh: '一次最多查询 {limit} 个编号', en: 'At most {limit} ids at once' },
  NUL_CHARACTER: { code: ErrorCode.BAD_USER_INPUT, zh: '{field} 不能包含空字符（NUL）', en: '{field} must not contain NUL characters' },
  VALIDATION: { code: ErrorCode.BAD_USER_INPUT, zh: '输入不符合要求：{summary}', en: 'Invalid input: {summary}' },
  DUPLICATE: { code: ErrorCode.CONFLICT, zh: '已存在相同的记录', en: 'A record with the same key already exists' },
  EXCLUSION: { code: ErrorCode.CONFLICT, zh: '与已有记录冲突', en: 'Conflicts with an existing record' },
  REFERENCE: { code: ErrorCode.BAD_USER_INPUT, zh: '引用的记录不存在', en: 'A referenced record does not exist' },
  INVALID_VALUE: { code: ErrorCode.BAD_USER_INPUT, zh: '数值超出范围或格式不正确', en: 'A value is out of range or malformed' },
  SERIALIZATION: { code: ErrorCode.CONFLICT, zh: '数据正被同时修改，请重试', en: 'Concurrent update, retry the request' },
  REQUEST_ABORTED: {
    code: ErrorCode.CONFLICT,
    zh: '同一请求中此前的一步已失败，此项未能执行，请单独重试',
    en: 'An earlier step of this request failed, so this one could not run; retry it on its own',
  },
  STATEMENT_TIMEOUT: { code: ErrorCode.TIMEOUT, zh: '请求处理超时，请缩小范围后重试', en: 'The request took too long' },
  DATABASE_UNAVAILABLE: {
    code: ErrorCode.SERVICE_UNAVAILABLE,
    zh: '数据库暂时不可用，请稍后重试',
    en: 'The database is unavailable, retry later',
  },
  COMMIT_FAILED: { code: ErrorCode.SERVICE_UNAVAILABLE, zh: '提交未能完成，请重试', en: 'The request could not be committed, retry it' },
  RECORD_FINALIZED: {
    code: ErrorCode.CONFLICT,
    zh: '督查记录已定稿，不能修改、删除或增补内容；如需更正，请提交更正记录',
    en: 'A finalized record cannot be changed, deleted or added to; record an amendment instead',
  },
  AUDIT_APPEND_ONLY: { code: ErrorCode.CONFLICT, zh: '审计日志只能追加，不能修改或删除', en: 'The audit log is append-only' },
  CHAIN_HEAD_MOVED: { code: ErrorCode.CONFLICT, zh: '记录链已被其他定稿操作推进，请重试', en: 'The record chain moved on; retry' },
  ORG_TREE_CHANGED: {
    code: ErrorCode.CONFLICT,
    zh: '组织架构刚被他人调整，本次操作未作任何更改，请刷新后重试',
    en: 'The org tree changed meanwhile; nothing was changed, reload and retry',
  },
  RECORD_NOT_CHAINED: {
    code: ErrorCode.CONFLICT,
    zh: '督查记录只能通过定稿操作加入记录链',
    en: 'A record joins the chain only by being finalized',
  },
  INTEGRITY_RULE: {
    code: ErrorCode.CONFLICT,
    zh: '该操作违反了数据完整性规则，未作任何更改',
    en: 'The change breaks an integrity rule; nothing was changed',
  },
  ALREADY_AMENDED: {
    code: ErrorCode.CONFLICT,
    zh: '该记录已有更正记录，请在最新版本上更正',
    en: 'This record is already amended; amend the latest version',
  },
  ALREADY_REVIEWED: {
    code: ErrorCode.CONFLICT,
    zh: '今天已从此设备或联系方式评价过，谢谢',
    en: 'Already rated from this device or contact today; thank you',
  },
  LAST_ADMIN: {
    code: ErrorCode.CONFLICT,
    zh: '本单位至少要保留一名在根组织任职且未停用的管理员，操作未执行',
    en: 'The tenant must keep one enabled admin at its root org; nothing was changed',
  },
  RATE_LIMITED: {
    code: ErrorCode.RATE_LIMITED,
    zh: '请求过于频繁，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many requests; retry in {retryAfterSeconds} s',
  },
  USER_RATE_LIMITED: {
    code: ErrorCode.RATE_LIMITED,
    zh: '您的请求过于频繁，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many requests; retry in {retryAfterSeconds} s',
  },
  TENANT_RATE_LIMITED: {
    code: ErrorCode.RATE_LIMITED,
    zh: '本单位的请求过于频繁，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many requests for this agency; retry in {retryAfterSeconds} s',
  },
  SIGN_IN_RATE_LIMITED: {
    code: ErrorCode.RATE_LIMITED,
    zh: '登录尝试次数过多，请 {retryAfterSeconds} 秒后重试',
    en: 'Too many sign-in attempts; retry in {retryAfterSeconds} s',
  },
  INTERNAL: { code: ErrorCode.INTERNAL_SERVER_ERROR, zh: '服务器内部错误，请稍后重试', en: 'Internal server error' },
  PAYLOAD_TOO_LARGE: { code: ErrorCode.BAD_USER_INPUT, zh: '请求内容过大', en: 'Request body too large' },
  BAD_REQUEST: { code: ErrorCode.BAD_USER_INPUT, zh: '请求格式不正确', en: 'Malformed request' },
  ROUTE_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '没有这个地址：{method} {path}', en: 'No such address: {method} {path}' },
  GRAPHQL_POST_ONLY: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: 'GraphQL 请求须以 POST 发送（订阅用 WebSocket）',
    en: 'Send GraphQL requests by POST (subscriptions over WebSocket)',
  },
});

export const unauthenticated = (reason: 'UNAUTHENTICATED' | 'TOKEN_INVALID' | 'AUTH_HEADER_MALFORMED' = 'UNAUTHENTICATED') =>
  coreError(reason);

type CoreReason = Parameters<typeof coreError>[0];

/**
 * The project's own refusals raised in the database (migrations/1733830000000-records-integrity.ts):
 * SQLSTATE class AP, one code per rule. Any other AP code, or a bare RAISE EXCEPTION (P0001) of one of
 * our functions, is still a refusal by a rule of ours: CONFLICT, never an internal error.
 */
const PROJECT_SQLSTATES: Record<string, CoreReason> = {
  AP001: 'RECORD_FINALIZED',
  AP002: 'AUDIT_APPEND_ONLY',
  AP003: 'CHAIN_HEAD_MOVED',
  AP004: 'RECORD_NOT_CHAINED',
  // keep_root_admin() (migrations/1733820000001): the change would leave no enabled TENANT_ADMIN at the root
  LA001: 'LAST_ADMIN',
};

/** Constraints whose violation has a domain meaning finer than DUPLICATE or REFERENCE (a lost race, usually). */
const CONSTRAINT_REFUSALS: Record<string, CoreReason> = {
  inspections_one_amendment: 'ALREADY_AMENDED',
  inspections_tenant_id_chain_seq_key: 'CHAIN_HEAD_MOVED',
  public_reviews_device_day: 'ALREADY_REVIEWED',
  public_reviews_contact_day: 'ALREADY_REVIEWED',
  // the org tree held by the database (migration 1734300000003): a write that would leave an org off its parent's path
  orgs_path_labels: 'ORG_TREE_CHANGED',
  orgs_parent_path_fkey: 'ORG_TREE_CHANGED',
};

/**
 * Constraints a module maps to a reason of its own (orgs_live_sibling_name → ORG_NAME_TAKEN): modules
 * register them, so the core knows no module by name.
 */
const moduleConstraints = new Map<string, () => AppError>();
export function mapConstraint(constraint: string, toError: () => AppError): void {
  moduleConstraints.set(constraint, toError);
}

/** PostgreSQL SQLSTATEs that are the client's doing, mapped without repeating the SQL text. */
function fromPostgres(error: { code?: string; constraint?: string }): AppError | undefined {
  const code = error.code;
  if (typeof code !== 'string' || code.length !== 5) return undefined;
  if (PROJECT_SQLSTATES[code]) return coreError(PROJECT_SQLSTATES[code]);
  if (code.startsWith('AP') || code === 'P0001') return coreError('INTEGRITY_RULE');
  const byModule = error.constraint ? moduleConstraints.get(error.constraint) : undefined;
  if ((code === '23505' || code === '23P01') && byModule) return byModule();
  if (code.startsWith('23') && error.constraint && CONSTRAINT_REFUSALS[error.constraint])
    return coreError(CONSTRAINT_REFUSALS[error.constraint]);
  if (code === '23505') return coreError('DUPLICATE', { params: { constraint: error.constraint ?? null } });
  if (code === '23P01') return coreError('EXCLUSION', { params: { constraint: error.constraint ?? null } });
  if (code === '23503') return coreError('REFERENCE');
  if (code === '23514' || code === '23502' || code.startsWith('22')) return coreError('INVALID_VALUE');
  if (code === '40001' || code === '40P01') return coreError('SERIALIZATION');
  // in_failed_sql_transaction: a statement after another field's failed one (a query's fields share its transaction)
  if (code === '25P02') return coreError('REQUEST_ABORTED');
  if (code === '57014') return coreError('STATEMENT_TIMEOUT');
  if (code.startsWith('08') || code.startsWith('28') || code === '57P01' || code === '57P03') return coreError('DATABASE_UNAVAILABLE');
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
    const problems = validationProblems(error.extensions.validationErrors);
    return coreError('VALIDATION', { field: problems[0]?.path, params: { summary: problems.map((p) => p.message).join('；') }, problems });
  }
  const driverError = (error as { driverError?: unknown })?.driverError ?? error;
  if (isConnectionFault(driverError)) return coreError('DATABASE_UNAVAILABLE');
  if (driverError && typeof driverError === 'object') return fromPostgres(driverError as { code?: string });
  return undefined;
}

/**
 * An AppError as a REST answer: its HTTP status, a Retry-After when it carries a retry hint, and the body
 * `{ errors: [{ message, extensions }] }` in the request's locale (the shape /graphql answers).
 */
export function restError(
  error: AppError,
  locale: Locale = 'zh-CN',
): { status: number; headers: Record<string, string>; body: { errors: { message: string; extensions?: Record<string, unknown> }[] } } {
  const retry = error.details.retryAfterSeconds;
  const localized = localizeError({ message: error.message, extensions: { ...error.details, code: error.code } }, locale);
  return {
    status: httpStatus[error.code],
    headers: typeof retry === 'number' ? { 'retry-after': String(retry) } : {},
    body: { errors: [localized] },
  };
}

/** How a REST route answers what it could not do (sendRestError). */
export interface RestErrorOptions {
  /** Where an unknown error is logged from, as `[files]`. */
  scope: string;
  /** A status by reason where the code's does not fit (413 for a file over its limit, 415 for a type refused). */
  statusByReason?: Record<string, number>;
  /** The route's own faults that are not AppErrors (a multipart parser's codes). */
  recognize?: (error: unknown) => AppError | undefined;
}

/** What a route answers for `error`: what toAppError or the route knows, else INTERNAL (logged under its scope). */
export function routeError(error: unknown, options: Pick<RestErrorOptions, 'scope' | 'recognize'>): AppError {
  const known = toAppError(error) ?? options.recognize?.(error);
  if (known) return known;
  console.error(options.scope, forLog(error));
  return coreError('INTERNAL');
}

/**
 * A REST route's coded answer to `error`: what toAppError (or the route's `recognize`) knows, with its
 * code, status and Retry-After, in the request's locale; anything else logged under the route's scope
 * and masked as INTERNAL. The one way routes answer errors (CONTRIBUTING: Errors).
 */
export function sendRestError(reply: FastifyReply, error: unknown, locale: Locale, options: RestErrorOptions): FastifyReply {
  const known = routeError(error, options);
  const answer = restError(known, locale);
  return reply
    .status(options.statusByReason?.[String(known.details.reason)] ?? answer.status)
    .headers(answer.headers)
    .send(answer.body);
}

/** An AppError as a GraphQLError with its HTTP status (and Retry-After when it carries a retry hint). */
export function toGraphQLError(error: AppError, locale: Locale = 'zh-CN'): GraphQLError {
  const { status, headers, body } = restError(error, locale);
  const [localized] = body.errors;
  const http = Object.keys(headers).length ? { status, headers: new Map(Object.entries(headers)) } : { status };
  return new GraphQLError(localized.message, { extensions: { ...localized.extensions, http } });
}

/**
 * Apollo's formatError: known errors keep their code and message; GraphQL's own parse and validation
 * errors pass through; anything else is logged and masked so no stack or SQL reaches a client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  return maskError(formatted, error, true);
}

/**
 * formatError without its log line: `/graphql` logs internal errors itself, once, with the request id
 * (request-log.ts); `log` false is for that path.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown, log = false): GraphQLFormattedError {
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
  // GraphQL's own errors (syntax, validation, variable coercion) carry their code and a safe message,
  // given a reason and a Chinese message here (the library's text kept as `detail`)
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    const explained = explainGraphQLError(formatted);
    if (!explained) return { ...formatted, extensions };
    return {
      ...formatted,
      message: renderReason(explained.reason, explained.params, 'zh-CN') ?? formatted.message,
      extensions: { ...extensions, reason: explained.reason, ...explained.params, detail: ellipsis(formatted.message, 500) },
    };
  }
  if (log) console.error('[error]', forLog(original));
  return {
    message: renderReason('INTERNAL', {}, 'zh-CN') ?? 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, reason: 'INTERNAL' },
  };
}

/**
 * A formatted error's message in `locale`: errors of a declared reason are rendered again from the
 * catalogue with the parameters they carry (and so are their problems); anything else keeps its text.
 */
export function localizeError<E extends { message: string; extensions?: Record<string, unknown> }>(
  error: E,
  locale: Locale,
  timeZone?: string,
): E {
  const extensions = error.extensions ?? {};
  const reason = typeof extensions.reason === 'string' ? extensions.reason : undefined;
  const problems = Array.isArray(extensions.problems)
    ? (extensions.problems as Problem[]).map((p) =>
        p.reason ? { ...p, message: renderReason(p.reason, p, locale, timeZone) ?? p.message } : p,
      )
    : undefined;
  // a validation error's message lists its problems, so it follows their language
  const params =
    reason === 'VALIDATION' && problems
      ? { ...extensions, summary: problems.map((p) => p.message).join(locale === 'en' ? '; ' : '；') }
      : extensions;
  const message = reason ? renderReason(reason, params, locale, timeZone) : undefined;
  if (!message && !problems) return error;
  return { ...error, message: message ?? error.message, extensions: problems ? { ...extensions, problems } : extensions };
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
