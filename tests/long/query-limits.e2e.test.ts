import { TestServer, codes, startTestServer } from '../helpers/server';

describe('query limits and malformed requests', () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.token('jtj', 'admin');
  });
  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, ...headers },
      body,
    });

  it('refuses a depth bomb before executing it', async () => {
    let selection = 'name';
    for (let i = 0; i < 15; i++) selection = `parent { ${selection} }`;
    const res = await server.gql(`{ orgs(first: 1) { nodes { ${selection} } } }`, {}, admin);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors![0].extensions).toMatchObject({ reason: 'QUERY_TOO_DEEP', limit: 12 });
  });

  it('refuses depth hidden in a fragment reused deeper (the 2025 fragment-cache bypass)', async () => {
    const deep = (n: number, inner: string): string => (n === 0 ? inner : `parent { ${deep(n - 1, inner)} }`);
    const query = `{ a: viewer { user { org { ...F } } } b: viewer { user { org { ${deep(7, '...F')} } } } }
      fragment F on Org { ${deep(4, 'name')} }`;
    const res = await server.gql(query, {}, admin);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors![0].extensions).toMatchObject({ reason: 'QUERY_TOO_DEEP', limit: 12 });
  });

  it('refuses an alias bomb', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: viewer { username }`).join(' ');
    const res = await server.gql(`{ ${aliases} }`, {}, admin);
    expect(codes(res)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0].extensions).toMatchObject({ reason: 'QUERY_TOO_MANY_ALIASES', limit: 20, found: 50 });
  });

  describe('the cost limit counts the rows a connection will serve', () => {
    // 20 aliases of three nested pages: 100 × 100 × 100 orgs each
    const costly = (first: string, head = '') =>
      `${head}{ ${Array.from(
        { length: 20 },
        (_, i) =>
          `a${i}: orgs${first} { nodes { counts { total } descendants${first} { nodes { name descendants${first} { nodes { id name } } } } } }`,
      ).join(' ')} }`;
    const refusal = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await post(JSON.stringify({ query, variables }));
      const body = (await res.json()) as { data?: unknown; errors?: { extensions: Record<string, unknown> }[] };
      expect(body.data).toBeUndefined();
      return { status: res.status, codes: body.errors!.map((e) => e.extensions.code), extensions: body.errors![0].extensions };
    };

    it('refuses `first: $n` and an absent `first` as it refuses the literal page size', async () => {
      const literal = await refusal(costly('(first: 100)'));
      expect(literal).toMatchObject({ status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] });
      expect(literal.extensions).toMatchObject({ reason: 'QUERY_TOO_COSTLY', limit: 3000000 });
      const variable = await refusal(costly('(first: $n)', 'query Q($n: Int) '), { n: 100 });
      expect(variable).toEqual(literal);
      // a variable's default counts as it would be served
      expect(await refusal(costly('(first: $n)', 'query Q($n: Int = 100) '))).toEqual(literal);
      // an absent `first` serves the default page (20): 20 × 20 × 20 orgs each is still far too many
      const absent = await refusal(costly(''));
      expect(absent).toMatchObject({ status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] });
      expect(absent.extensions).toMatchObject({ reason: 'QUERY_TOO_COSTLY', limit: 3000000 });
    });

    it('still answers a modest query whose page sizes are variables', async () => {
      const res = await server.gql<{ orgs: { nodes: { name: string; children: { nodes: unknown[] } }[] } }>(
        `query Q($n: Int) { orgs(first: $n) { nodes { name children(first: $n) { nodes { name } } } } }`,
        { n: 5 },
        admin,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.orgs.nodes).toHaveLength(5);
    });
  });

  it('refuses fragment cycles', async () => {
    const res = await server.gql(`query { viewer { ...A } } fragment A on Viewer { user { ...B } } fragment B on User { ...A }`, {}, admin);
    expect(res.status).toBe(400);
    expect(codes(res)[0]).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses batched operations', async () => {
    const res = await post(JSON.stringify([{ query: '{ viewer { username } }' }, { query: '{ viewer { username } }' }]));
    expect(res.status).toBe(400);
  });

  it('refuses an oversized body with a coded error', async () => {
    const res = await post(JSON.stringify({ query: `{ viewer { username } }`, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      errors: [{ message: '请求内容过大', extensions: { code: 'PAYLOAD_TOO_LARGE', reason: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  it('refuses malformed JSON with a coded error and no stack', async () => {
    const res = await post('{"query": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js/);
  });

  it('keeps answering normal requests after all of that', async () => {
    expect((await server.gql(`{ viewer { username } }`, {}, admin)).data.viewer.username).toBe('admin');
  });

  it('reports health and readiness beside /graphql', async () => {
    expect(await (await fetch(`${server.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});

describe('production mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => server.close());

  it('turns introspection off and hides field suggestions', async () => {
    const intro = await server.gql(`{ __schema { types { name } } }`);
    expect(codes(intro)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const typo = await server.gql(`{ viewr { username } }`);
    expect(typo.errors![0].message).not.toMatch(/Did you mean/);
  });

  it('serves no GraphiQL page', async () => {
    const res = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });
});

describe('statement count header (benchmark only)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { EXPOSE_STATEMENT_COUNT: 'true' } });
  });
  afterAll(() => server.close());

  it('counts the statements of a request, and the count does not grow with the page size (DataLoader)', async () => {
    const admin = await server.token('jtj', 'admin');
    const count = async (first: number) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query: `{ orgs(first: ${first}) { nodes { name parent { name } children { nodes { name } } } } }` }),
      });
      expect(res.status).toBe(200);
      return Number(res.headers.get('x-sql-statements'));
    };
    const small = await count(2);
    expect(small).toBeGreaterThan(3);
    expect(await count(30)).toBe(small);
  });

  it('is absent unless enabled', async () => {
    const other = await startTestServer();
    try {
      const res = await fetch(other.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { username } }' }),
      });
      expect(res.headers.get('x-sql-statements')).toBeNull();
    } finally {
      await other.close();
    }
  });
});
