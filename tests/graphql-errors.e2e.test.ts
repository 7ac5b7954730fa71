import { TestServer, startTestServer } from './helpers/server';

const CJK = /[\u3400-\u9fff]/;

interface Answer {
  status: number;
  errors: { message: string; locations?: { line: number; column: number }[]; extensions: Record<string, unknown> }[];
}

/**
 * GraphQL's own refusals (syntax, the schema, the query limits, variables, the operation to run, the
 * request's shape) read like every other error: Chinese by default, English when asked, with a reason to
 * switch on and the library's own text kept in `extensions.detail`. Over HTTP against the running server.
 */
describe("GraphQL's own errors", () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.token('jtj', 'admin');
  });
  afterAll(() => server.close());

  /** As the admin unless `token` says otherwise (null: no token at all). */
  const send = async (body: unknown, locale?: string, token: string | null = admin): Promise<Answer> => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(locale ? { 'accept-language': locale } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, ...((await res.json()) as { errors: Answer['errors'] }) };
  };

  const deep = (n: number): string => (n === 0 ? 'name' : `parent { ${deep(n - 1)} }`);
  const cases: {
    name: string;
    body: Record<string, unknown>;
    code: string;
    reason: string;
    zh: string;
    params?: Record<string, unknown>;
  }[] = [
    {
      name: 'a syntax error, at its place',
      body: { query: '{ viewer { username }' },
      code: 'GRAPHQL_PARSE_FAILED',
      reason: 'QUERY_SYNTAX',
      zh: '查询语句第 1 行第 22 列有语法错误',
      params: { line: 1, column: 22 },
    },
    {
      name: 'a document over the token limit',
      body: { query: `{ ${Array.from({ length: 1600 }, (_, i) => `a${i}: __typename`).join(' ')} }` },
      code: 'GRAPHQL_PARSE_FAILED',
      reason: 'QUERY_TOO_LONG',
      zh: '查询语句过长：最多 3000 个词法单元，请拆分为多个查询',
      params: { limit: 3000 },
    },
    {
      name: 'a query too deep',
      body: { query: `{ orgs(first: 1) { nodes { ${deep(15)} } } }` },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'QUERY_TOO_DEEP',
      zh: '查询嵌套过深：最多 12 层，此查询有 18 层',
      params: { limit: 12, found: 18 },
    },
    {
      name: 'too many aliases',
      body: { query: `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: viewer { username }`).join(' ')} }` },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'QUERY_TOO_MANY_ALIASES',
      zh: '查询中的别名过多：最多 20 个，此查询有 30 个',
      params: { limit: 20, found: 30 },
    },
    {
      name: 'a query too costly',
      body: {
        query: `{ orgs(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) { nodes { id name kind } } } } } } }`,
      },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'QUERY_TOO_COSTLY',
      zh: '查询过于复杂：复杂度上限为 3000000，此查询约为 {found}，请减少字段、嵌套或每页条数',
      params: { limit: 3000000 },
    },
    {
      name: 'a field the type does not have',
      body: { query: '{ viewer { nope } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'FIELD_UNKNOWN',
      zh: '类型 Viewer 没有字段 nope',
      params: { type: 'Viewer', fieldName: 'nope' },
    },
    {
      name: 'an argument the field does not take',
      body: { query: '{ viewer(x: 1) { username } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'ARGUMENT_UNKNOWN',
      zh: '字段 Query.viewer 没有参数 x',
      params: { fieldName: 'Query.viewer', argument: 'x' },
    },
    {
      name: 'a required argument left out',
      body: { query: '{ org { id } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'ARGUMENT_REQUIRED',
      zh: '字段 org 缺少必填参数 id（ID!）',
      params: { fieldName: 'org', argument: 'id', argumentType: 'ID!' },
    },
    {
      name: 'a literal of the wrong type',
      body: { query: '{ orgs(first: "x") { totalCount } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'LITERAL_INVALID',
      zh: '第 1 行第 15 列的值不是 Int 类型所能接受的',
      params: { expected: 'Int', line: 1, column: 15 },
    },
    {
      name: 'an enum value the enum does not have',
      body: { query: '{ campaigns(orderBy: { field: NOPE }) { totalCount } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'LITERAL_INVALID',
      zh: '第 1 行第 31 列的值不是 CampaignOrderField 类型所能接受的',
      params: { expected: 'CampaignOrderField', line: 1, column: 31 },
    },
    {
      name: 'an input field the input type does not have',
      body: { query: '{ campaigns(orderBy: { field: NAME, nope: 1 }) { totalCount } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'INPUT_FIELD_UNKNOWN',
      zh: '输入类型 CampaignOrder 没有字段 nope',
      params: { type: 'CampaignOrder', fieldName: 'nope' },
    },
    {
      name: 'a required input field left out',
      body: { query: '{ campaigns(orderBy: { direction: DESC }) { totalCount } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'INPUT_FIELD_REQUIRED',
      zh: '输入类型 CampaignOrder 缺少必填字段 field（CampaignOrderField!）',
      params: { type: 'CampaignOrder', fieldName: 'field', fieldType: 'CampaignOrderField!' },
    },
    {
      name: 'an object field without its selection',
      body: { query: '{ viewer }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'SELECTION_REQUIRED',
      zh: '字段 viewer（Viewer）须选择其子字段',
      params: { fieldName: 'viewer', fieldType: 'Viewer' },
    },
    {
      name: 'a selection under a scalar',
      body: { query: '{ viewer { username { x } } }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'SELECTION_NOT_ALLOWED',
      zh: '字段 username（String!）没有子字段，不能再选择',
      params: { fieldName: 'username', fieldType: 'String!' },
    },
    {
      name: 'a type the schema does not have',
      body: { query: 'query($x: Nope) { viewer { username } a: viewer { username @skip(if: false) } }', variables: {} },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'TYPE_UNKNOWN',
      zh: '接口中没有类型 Nope',
      params: { type: 'Nope' },
    },
    {
      name: 'anything else the schema refuses, at its place',
      body: { query: '{ viewer { ...A } } fragment A on Viewer { ...A }' },
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'QUERY_INVALID_AT',
      zh: '查询语句第 1 行第 44 列不符合接口定义',
      params: { line: 1, column: 44 },
    },
    {
      name: 'a required variable not sent',
      body: { query: 'query($id: ID!) { org(id: $id) { id } }' },
      code: 'BAD_USER_INPUT',
      reason: 'VARIABLE_REQUIRED',
      zh: '缺少必填变量 $id（ID!）',
      params: { variable: 'id', variableType: 'ID!' },
    },
    {
      name: 'a variable of the wrong type',
      body: { query: 'query($n: Int) { orgs(first: $n) { totalCount } }', variables: { n: 'abc' } },
      code: 'BAD_USER_INPUT',
      reason: 'VARIABLE_INVALID',
      zh: '变量 $n 的值不符合要求',
      params: { variable: 'n' },
    },
    {
      name: 'a bad value inside a variable, named by its path',
      body: {
        query: 'mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }',
        variables: {
          input: {
            evaluationId: 'e',
            expectedVersion: 1,
            scores: [
              { criterionId: 'a', value: 1 },
              { criterionId: 'b', value: 'high' },
            ],
          },
        },
      },
      code: 'BAD_USER_INPUT',
      reason: 'VARIABLE_FIELD_INVALID',
      zh: '变量 $input 中 input.scores[1].value 的值不符合要求',
      params: { variable: 'input', field: 'input.scores[1].value' },
    },
    {
      name: 'a date of year 0000 (PostgreSQL has none), named by its path',
      body: {
        query: 'mutation($input: IssueNoticeInput!) { issueNotice(input: $input) { id } }',
        variables: { input: { id: 'n', issuedOn: '0000-01-01' } },
      },
      code: 'BAD_USER_INPUT',
      reason: 'VARIABLE_FIELD_INVALID',
      zh: '变量 $input 中 input.issuedOn 的值不符合要求',
      params: { variable: 'input', field: 'input.issuedOn' },
    },
    {
      name: 'an operation name the document does not have',
      body: { query: 'query A { viewer { username } }', operationName: 'B' },
      code: 'OPERATION_RESOLUTION_FAILURE',
      reason: 'OPERATION_UNKNOWN',
      zh: '查询语句中没有名为 B 的操作',
      params: { operation: 'B' },
    },
    {
      name: 'several operations and no name',
      body: { query: 'query A { viewer { username } } query B { viewer { username } }' },
      code: 'OPERATION_RESOLUTION_FAILURE',
      reason: 'OPERATION_NAME_REQUIRED',
      zh: '查询语句含多个操作时须给出 operationName',
    },
    {
      name: 'a request without a query',
      body: { variables: {} },
      code: 'BAD_REQUEST',
      reason: 'GRAPHQL_REQUEST_INVALID',
      zh: 'GraphQL 请求格式不正确：须以 JSON 发送 query（及 variables、operationName）',
    },
  ];

  it.each(cases)('explains $name in Chinese, with its reason and the library’s text as detail', async (c) => {
    const answer = await send(c.body);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const [error] = answer.errors;
    expect(error.extensions).toMatchObject({ code: c.code, reason: c.reason, ...c.params });
    const found = error.extensions.found;
    expect(error.message).toBe(c.zh.replace('{found}', String(found)));
    expect(typeof error.extensions.detail).toBe('string');
    expect(error.extensions.detail).not.toMatch(CJK);
    expect(error.extensions).not.toHaveProperty('stacktrace');
  });

  it.each(cases)('explains $name in English when asked, with the same reason', async (c) => {
    const [zh, en] = [(await send(c.body)).errors[0], (await send(c.body, 'en-US,en;q=0.9')).errors[0]];
    expect(en.extensions.reason).toBe(c.reason);
    expect(en.message).not.toMatch(CJK);
    expect(en.message).not.toBe(zh.message);
    expect({ ...en.extensions }).toEqual({ ...zh.extensions });
  });

  it('explains every error of a document, each at its place', async () => {
    const answer = await send({ query: '{ viewer { nope also } }' });
    expect(answer.errors.map((e) => [e.extensions.reason, e.extensions.fieldName, e.message])).toEqual([
      ['FIELD_UNKNOWN', 'nope', '类型 Viewer 没有字段 nope'],
      ['FIELD_UNKNOWN', 'also', '类型 Viewer 没有字段 also'],
    ]);
  });

  it('lists the new reasons in the catalogue a frontend preloads, without a sign-in', async () => {
    const answer = await server.gql<{ errorReasons: { reason: string; code: string; message: string }[] }>(
      `{ errorReasons { reason code message } }`,
    );
    const listed = new Map(answer.data!.errorReasons.map((r) => [r.reason, r]));
    for (const c of cases) expect(listed.get(c.reason)?.code).toBe(c.code);
    expect(listed.get('QUERY_TOO_DEEP')?.message).toBe('查询嵌套过深：最多 {limit} 层，此查询有 {found} 层');
  });

  it('explains them alike to the least privileged role and to a request without a token', async () => {
    const member = await server.token('jtj', 'member');
    for (const c of cases.filter((x) => ['QUERY_SYNTAX', 'FIELD_UNKNOWN', 'QUERY_TOO_COSTLY', 'OPERATION_UNKNOWN'].includes(x.reason))) {
      const asAdmin = (await send(c.body)).errors[0];
      for (const token of [member, null]) {
        const answer = await send(c.body, undefined, token);
        expect(answer.errors[0]).toEqual(asAdmin);
      }
    }
  });

  it('keeps what it echoes of a crafted oversized input short', async () => {
    const name = 'N'.repeat(5000);
    const answer = await send({ query: 'query A { viewer { username } }', operationName: name });
    expect(answer.errors[0].extensions).toMatchObject({ reason: 'OPERATION_UNKNOWN', operation: `${'N'.repeat(100)}…` });
    expect(answer.errors[0].message).toBe(`查询语句中没有名为 ${'N'.repeat(100)}… 的操作`);
    const type = 'T'.repeat(3000);
    const typed = await send({ query: `query($x: ${type}) { viewer { username } }` });
    expect(typed.errors[0].extensions).toMatchObject({ reason: 'TYPE_UNKNOWN', type: `${'T'.repeat(100)}…` });
    expect(typed.errors[0].message).toBe(`接口中没有类型 ${'T'.repeat(100)}…`);
    expect(typed.errors[0].extensions.detail).toHaveLength(501); // the library's text, clipped too
    expect(JSON.stringify(typed.errors).length).toBeLessThan(1500);
  });

  it('answers 50 concurrent refusals of every kind each with its own reason, none as an internal error', async () => {
    const asked = Array.from({ length: 50 }, (_, i) => cases[i % cases.length]);
    const answers = await Promise.all(asked.map((c) => send(c.body)));
    expect(answers.map((a) => a.errors[0].extensions.reason)).toEqual(asked.map((c) => c.reason));
  });

  it('leaves an unknown persisted query as Apollo words it: clients retry with the text on its message', async () => {
    const answer = await send({ extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } });
    expect(answer.errors[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    expect(answer.errors[0].extensions).not.toHaveProperty('reason');
  });

  it('leaves errors that have a reason as they are', async () => {
    const answer = await send({ query: 'query($id: ID!) { org(id: $id) { id } }', variables: { id: 'not-an-id' } });
    expect(answer.errors[0].extensions.reason).not.toMatch(/^VARIABLE_|^QUERY_/);
    expect(answer.errors[0].extensions).not.toHaveProperty('detail');
  });
});
