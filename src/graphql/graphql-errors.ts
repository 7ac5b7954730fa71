import type { GraphQLFormattedError } from 'graphql';
import { ellipsis, registerReasons } from './messages';

/**
 * GraphQL's own refusals (a syntax error, a document the schema does not take, a query limit, a bad
 * variable) come from graphql-js, Apollo Server and graphql-armor with English text and no reason. They
 * are given one here, from the text those libraries write (pinned by tests/graphql-errors.e2e.test.ts),
 * so that they read in Chinese by default like every other error and a client can switch on the reason;
 * the library's own words stay in `extensions.detail` for the developer. A syntax or validation error
 * no pattern knows still gets a reason of its kind (QUERY_SYNTAX, QUERY_INVALID_AT) rather than an
 * English message.
 */
const REASONS = {
  QUERY_TOO_LONG: {
    code: 'GRAPHQL_PARSE_FAILED',
    zh: '查询语句过长：最多 {limit} 个词法单元，请拆分为多个查询',
    en: 'The document is too long: at most {limit} tokens; split it into several queries',
  },
  QUERY_SYNTAX: {
    code: 'GRAPHQL_PARSE_FAILED',
    zh: '查询语句第 {line} 行第 {column} 列有语法错误',
    en: 'Syntax error at line {line}, column {column}',
  },
  QUERY_TOO_DEEP: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '查询嵌套过深：最多 {limit} 层，此查询有 {found} 层',
    en: 'The query is too deep: at most {limit} levels, found {found}',
  },
  QUERY_TOO_MANY_ALIASES: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '查询中的别名过多：最多 {limit} 个，此查询有 {found} 个',
    en: 'Too many aliases: at most {limit}, found {found}',
  },
  QUERY_TOO_MANY_DIRECTIVES: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '查询中的指令过多：最多 {limit} 个，此查询有 {found} 个',
    en: 'Too many directives: at most {limit}, found {found}',
  },
  QUERY_TOO_COSTLY: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '查询过于复杂：复杂度上限为 {limit}，此查询约为 {found}，请减少字段、嵌套或每页条数',
    en: 'The query is too complex: the limit is {limit}, this one costs about {found}; ask for fewer fields, levels or rows',
  },
  FIELD_UNKNOWN: { code: 'GRAPHQL_VALIDATION_FAILED', zh: '类型 {type} 没有字段 {fieldName}', en: 'Type {type} has no field {fieldName}' },
  ARGUMENT_UNKNOWN: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '字段 {fieldName} 没有参数 {argument}',
    en: 'Field {fieldName} takes no argument {argument}',
  },
  ARGUMENT_REQUIRED: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '字段 {fieldName} 缺少必填参数 {argument}（{argumentType}）',
    en: 'Field {fieldName} needs its argument {argument} ({argumentType})',
  },
  LITERAL_INVALID: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '第 {line} 行第 {column} 列的值不是 {expected} 类型所能接受的',
    en: 'The value at line {line}, column {column} is not a valid {expected}',
  },
  INPUT_FIELD_UNKNOWN: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '输入类型 {type} 没有字段 {fieldName}',
    en: 'Input type {type} has no field {fieldName}',
  },
  INPUT_FIELD_REQUIRED: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '输入类型 {type} 缺少必填字段 {fieldName}（{fieldType}）',
    en: 'Input type {type} needs its field {fieldName} ({fieldType})',
  },
  SELECTION_REQUIRED: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '字段 {fieldName}（{fieldType}）须选择其子字段',
    en: 'Field {fieldName} ({fieldType}) needs a selection of its subfields',
  },
  SELECTION_NOT_ALLOWED: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '字段 {fieldName}（{fieldType}）没有子字段，不能再选择',
    en: 'Field {fieldName} ({fieldType}) has no subfields to select',
  },
  TYPE_UNKNOWN: { code: 'GRAPHQL_VALIDATION_FAILED', zh: '接口中没有类型 {type}', en: 'The schema has no type {type}' },
  QUERY_INVALID_AT: {
    code: 'GRAPHQL_VALIDATION_FAILED',
    zh: '查询语句第 {line} 行第 {column} 列不符合接口定义',
    en: 'The document does not fit the schema at line {line}, column {column}',
  },
  QUERY_INVALID: { code: 'GRAPHQL_VALIDATION_FAILED', zh: '查询语句不符合接口定义', en: 'The document does not fit the schema' },
  VARIABLE_REQUIRED: {
    code: 'BAD_USER_INPUT',
    zh: '缺少必填变量 ${variable}（{variableType}）',
    en: 'The required variable ${variable} ({variableType}) was not provided',
  },
  VARIABLE_INVALID: { code: 'BAD_USER_INPUT', zh: '变量 ${variable} 的值不符合要求', en: 'The variable ${variable} has an invalid value' },
  VARIABLE_FIELD_INVALID: {
    code: 'BAD_USER_INPUT',
    zh: '变量 ${variable} 中 {field} 的值不符合要求',
    en: 'The variable ${variable} has an invalid value at {field}',
  },
  OPERATION_UNKNOWN: {
    code: 'OPERATION_RESOLUTION_FAILURE',
    zh: '查询语句中没有名为 {operation} 的操作',
    en: 'The document has no operation named {operation}',
  },
  OPERATION_NAME_REQUIRED: {
    code: 'OPERATION_RESOLUTION_FAILURE',
    zh: '查询语句含多个操作时须给出 operationName',
    en: 'A document with several operations needs an operationName',
  },
  GRAPHQL_REQUEST_INVALID: {
    code: 'BAD_REQUEST',
    zh: 'GraphQL 请求格式不正确：须以 JSON 发送 query（及 variables、operationName）',
    en: 'Malformed GraphQL request: send query (and variables, operationName) as JSON',
  },
} as const;

registerReasons('graphql', REASONS);

type Reason = keyof typeof REASONS;
type Explained = { reason: Reason; params: Record<string, string | number> };

/** A literal its type refuses, at its place (the type from the pattern's first group). */
const literalInvalid = (m: RegExpExecArray, at: Record<string, number>): Explained | null =>
  at.line ? { reason: 'LITERAL_INVALID', params: { expected: m[1], ...at } } : null;

/** Patterns of the libraries' texts, most specific first, each with the reason and parameters it gives. */
const PATTERNS: { code: string; pattern: RegExp; explain: (m: RegExpExecArray, at: Record<string, number>) => Explained | null }[] = [
  {
    code: 'GRAPHQL_PARSE_FAILED',
    // graphql-js 16 writes "more that"
    pattern: /Document contains more th(?:an|at) (\d+) tokens/,
    explain: (m) => ({ reason: 'QUERY_TOO_LONG', params: { limit: Number(m[1]) } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /Query depth limit of (\d+) exceeded, found (\d+)/,
    explain: (m) => ({ reason: 'QUERY_TOO_DEEP', params: { limit: Number(m[1]), found: Number(m[2]) } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /Aliases limit of (\d+) exceeded, found (\d+)/,
    explain: (m) => ({ reason: 'QUERY_TOO_MANY_ALIASES', params: { limit: Number(m[1]), found: Number(m[2]) } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /Directives limit of (\d+) exceeded, found (\d+)/,
    explain: (m) => ({ reason: 'QUERY_TOO_MANY_DIRECTIVES', params: { limit: Number(m[1]), found: Number(m[2]) } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /Query Cost limit of (\d+) exceeded, found ([\d.e+]+)/,
    explain: (m) => ({ reason: 'QUERY_TOO_COSTLY', params: { limit: Number(m[1]), found: Math.round(Number(m[2])) } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Cannot query field "(\w+)" on type "(\w+)"/,
    explain: (m) => ({ reason: 'FIELD_UNKNOWN', params: { fieldName: m[1], type: m[2] } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Unknown argument "(\w+)" on field "([\w.]+)"/,
    explain: (m) => ({ reason: 'ARGUMENT_UNKNOWN', params: { argument: m[1], fieldName: m[2] } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Field "([\w.]+)" argument "(\w+)" of type "([^"]+)" is required/,
    explain: (m) => ({ reason: 'ARGUMENT_REQUIRED', params: { fieldName: m[1], argument: m[2], argumentType: m[3] } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Expected value of type "([^"]+)"/,
    explain: literalInvalid,
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^(?:Value "[^"]*" does not exist in|Enum) "(\w+)"/,
    explain: literalInvalid,
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Field "(\w+)\.(\w+)" of required type "([^"]+)" was not provided/,
    explain: (m) => ({ reason: 'INPUT_FIELD_REQUIRED', params: { type: m[1], fieldName: m[2], fieldType: m[3] } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Field "(\w+)" is not defined by type "(\w+)"/,
    explain: (m) => ({ reason: 'INPUT_FIELD_UNKNOWN', params: { fieldName: m[1], type: m[2] } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^(\w+) cannot represent /,
    explain: literalInvalid,
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Field "(\w+)" of type "([^"]+)" must have a selection of subfields/,
    explain: (m) => ({ reason: 'SELECTION_REQUIRED', params: { fieldName: m[1], fieldType: m[2] } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Field "(\w+)" must not have a selection since type "([^"]+)" has no subfields/,
    explain: (m) => ({ reason: 'SELECTION_NOT_ALLOWED', params: { fieldName: m[1], fieldType: m[2] } }),
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    pattern: /^Unknown type "(\w+)"/,
    explain: (m) => ({ reason: 'TYPE_UNKNOWN', params: { type: m[1] } }),
  },
  {
    code: 'BAD_USER_INPUT',
    pattern: /^Variable "\$(\w+)" of required type "([^"]+)" was not provided/,
    explain: (m) => ({ reason: 'VARIABLE_REQUIRED', params: { variable: m[1], variableType: m[2] } }),
  },
  {
    // graphql-js names where in the variable the bad value sits (`at "input.scores[3].value"`)
    code: 'BAD_USER_INPUT',
    pattern: /^Variable "\$(\w+)" got invalid value .* at "(\w+(?:\.\w+|\[\d+\])*)"; /,
    explain: (m) => ({ reason: 'VARIABLE_FIELD_INVALID', params: { variable: m[1], field: m[2] } }),
  },
  {
    code: 'BAD_USER_INPUT',
    pattern: /^Variable "\$(\w+)"/,
    explain: (m) => ({ reason: 'VARIABLE_INVALID', params: { variable: m[1] } }),
  },
  {
    code: 'OPERATION_RESOLUTION_FAILURE',
    pattern: /^Unknown operation named "([^"]*)"/,
    explain: (m) => ({ reason: 'OPERATION_UNKNOWN', params: { operation: m[1] } }),
  },
  {
    code: 'OPERATION_RESOLUTION_FAILURE',
    pattern: /^Must provide operation name/,
    explain: () => ({ reason: 'OPERATION_NAME_REQUIRED', params: {} }),
  },
];

/** What a code's text gives when no pattern knows it. */
function fallback(code: string, at: Record<string, number>): Explained | null {
  switch (code) {
    case 'GRAPHQL_PARSE_FAILED':
      return at.line ? { reason: 'QUERY_SYNTAX', params: at } : null;
    case 'GRAPHQL_VALIDATION_FAILED':
      return at.line ? { reason: 'QUERY_INVALID_AT', params: at } : { reason: 'QUERY_INVALID', params: {} };
    case 'BAD_REQUEST':
      return { reason: 'GRAPHQL_REQUEST_INVALID', params: {} };
    // PERSISTED_QUERY_NOT_FOUND keeps its text: Apollo Client's persisted-query link tells it by its message too
    default:
      return null;
  }
}

/**
 * The reason and parameters of one of GraphQL's own errors, from its code and text; null for an error
 * that has a reason already or a code this does not explain. A syntax error's text may start with
 * "Syntax Error: " (graphql-armor's refusals do too).
 */
export function explainGraphQLError(formatted: GraphQLFormattedError): Explained | null {
  const code = formatted.extensions?.code;
  if (typeof code !== 'string' || formatted.extensions?.reason !== undefined) return null;
  const text = formatted.message.replace(/^Syntax Error: /, '');
  const [first] = formatted.locations ?? [];
  const at: Record<string, number> = first ? { line: first.line, column: first.column } : {};
  for (const p of PATTERNS) {
    if (p.code !== code) continue;
    const m = p.pattern.exec(text);
    const explained = m && p.explain(m, at);
    // a name or a printed type is one token of any length: what travels in extensions and messages stays short
    if (explained)
      return {
        ...explained,
        params: Object.fromEntries(Object.entries(explained.params).map(([k, v]) => [k, typeof v === 'string' ? ellipsis(v, 100) : v])),
      };
  }
  return fallback(code, at);
}
