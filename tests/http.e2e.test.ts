import { randomUUID } from 'node:crypto';
import { globalId } from './helpers/ids';
import { TestServer, codes, startTestServer } from './helpers/server';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { serverAudits } from 'graphql-http';

/**
 * The HTTP surface, whatever the domain (issue 16 and the global-id defect): global ids from the client,
 * the request log, /metrics, HTTP conventions (headers, CORS, compression, status codes) and the
 * GraphQL-over-HTTP audit. One file, each part with its own server and environment, so the app loads once.
 */

/**
 * Global ids come from the client: whatever type name one decodes to, the answer is the answer for an
 * unknown id, never an internal error (node() once looked fetchers up in a plain object, where
 * `constructor` and `__proto__` exist).
 */
describe('global ids of types that do not exist', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const names = [
    'constructor',
    '__proto__',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'prototype',
    '__defineGetter__',
    'isPrototypeOf',
    'Nope',
  ];

  it.each(['admin', 'member'])('node(id:) answers null, like an unknown id, as %s', async (username) => {
    const token = await server.token('jtj', username);
    const unknownOrg = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId('Org', randomUUID()) }, token);
    expect(unknownOrg).toEqual({ status: 200, data: { node: null } });
    for (const name of names) {
      const res = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId(name, randomUUID()) }, token);
      expect({ name, res }).toEqual({ name, res: unknownOrg });
    }
    const many = await server.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: names.map((n) => globalId(n, randomUUID())) },
      token,
    );
    expect(many).toEqual({ status: 200, data: { nodes: names.map(() => null) } });
  });

  it('an id argument of another type answers NOT_FOUND, never an internal error', async () => {
    const token = await server.token('jtj', 'admin');
    for (const name of names) {
      const res = await server.gql(`query($id: ID!) { org(id: $id) { id } }`, { id: globalId(name, randomUUID()) }, token);
      expect({ name, codes: codes(res), org: res.data?.org ?? null }).toEqual({ name, codes: ['NOT_FOUND'], org: null });
    }
  });
});

/** One JSON line per request, request ids, redaction and internal errors (issue 16). */
describe('request log', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const post = async (body: object, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as any };
  };
  const lines = () => server.logs.map((l) => JSON.parse(l) as Record<string, any>);
  /** The request line of `reqId`, once the response hook has written it. */
  const lineOf = async (reqId: string) => {
    for (let i = 0; i < 50; i++) {
      const found = lines().filter((l) => l.reqId === reqId && l.msg === 'request');
      if (found.length) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no request line for ${reqId}`);
  };

  it('writes one line per request with its id, operation, tenant, user, status and duration; no password or token', async () => {
    const signIn = await post(
      {
        query: `mutation SignIn($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`,
        variables: { input: { tenant: 'jtj', username: 'admin', password: 'demo' } },
      },
      { 'x-request-id': 'req-sign-in-1' },
    );
    expect(signIn.requestId).toBe('req-sign-in-1');
    const { accessToken, refreshToken } = signIn.body.data.login;
    const [line] = await lineOf('req-sign-in-1');
    expect(line).toMatchObject({ level: 30, method: 'POST', path: '/graphql', status: 200, operation: 'SignIn' });
    expect(typeof line!.durationMs).toBe('number');
    expect(await lineOf('req-sign-in-1')).toHaveLength(1);

    const me = await post(
      { query: `query Me { viewer { username } }` },
      { authorization: `Bearer ${accessToken}`, 'x-request-id': 'req-me-1' },
    );
    expect(me.body.data.viewer.username).toBe('admin');
    const [meLine] = await lineOf('req-me-1');
    expect(meLine).toMatchObject({ operation: 'Me', status: 200 });
    expect(meLine!.tenant).toMatch(/^[0-9a-f-]{36}$/);
    expect(meLine!.user).toMatch(/^[0-9a-f-]{36}$/);

    // a wrong password, a refresh: none of the secrets is anywhere in the log
    await post({
      query: `mutation { login(input: { tenant: "jtj", username: "leader", password: "Wrong-Secret-Pw-123" }) { accessToken } }`,
    });
    await post({
      query: `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken } }`,
      variables: { t: refreshToken },
    });
    const text = server.logs.join('\n');
    for (const secret of ['"demo"', 'Wrong-Secret-Pw-123', accessToken, refreshToken, 'Bearer']) expect(text).not.toContain(secret);
  });

  it('makes an id when none (or an implausible one) is given, and writes the error code on the line', async () => {
    const a = await post({ query: `{ viewer { username } }` });
    expect(a.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const b = await post({ query: `{ orgs(first: 5) { totalCount } }` }, { 'x-request-id': 'has spaces and "quotes"' });
    expect(b.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'UNAUTHENTICATED' });
    const [line] = await lineOf(b.requestId!);
    expect(line).toMatchObject({ errorCode: 'UNAUTHENTICATED' });
    // refused before execution (a bad token, in the context function): a line all the same
    const c = await post({ query: `{ viewer { username } }` }, { authorization: 'Bearer not-a-token', 'x-request-id': 'req-bad-token' });
    expect(c.requestId).toBe('req-bad-token');
    expect((await lineOf('req-bad-token'))[0]).toMatchObject({ status: 401 });
  });

  it('logs an INTERNAL_SERVER_ERROR once, with its stack and the request id the client sees', async () => {
    const admin = await server.token('jtj', 'admin');
    const su = await server.superuser();
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await su.query(`ALTER TABLE orgs RENAME COLUMN name TO name_gone`);
    try {
      const res = await post({ query: `query Broken { orgs(first: 1) { nodes { name } } }` }, { authorization: `Bearer ${admin}` });
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: res.requestId });
      expect(JSON.stringify(res.body)).not.toContain('name_gone');
      await lineOf(res.requestId!);
      const internal = lines().filter((l) => l.msg === 'internal error');
      expect(internal).toHaveLength(1);
      expect(internal[0]).toMatchObject({ level: 50, reqId: res.requestId });
      expect(internal[0]!.err.stack).toMatch(/name/);
      expect(error).toHaveBeenCalledTimes(1); // the test helper's echo of that one line
    } finally {
      await su.query(`ALTER TABLE orgs RENAME COLUMN name_gone TO name`);
      error.mockRestore();
    }
  });
});

/** /metrics (issue 16): absent without METRICS_TOKEN, behind its bearer token with it, in Prometheus text format. */
describe('metrics', () => {
  const TOKEN = 'metrics-token-0123456789';
  let plain: TestServer;
  let watched: TestServer;
  beforeAll(async () => {
    [plain, watched] = await Promise.all([startTestServer(), startTestServer({ env: { METRICS_TOKEN: TOKEN } })]);
  });
  afterAll(() => Promise.all([plain?.close(), watched?.close()]));

  it('is not there without a configured token', async () => {
    expect((await fetch(`${plain.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${plain.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it('answers only its bearer token', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, TOKEN, 'Basic abc']) {
      const res = await fetch(`${watched.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('party_');
    }
  });

  it('counts requests by route, operation and outcome, SQL statements per request, the pool, jobs and the process', async () => {
    const admin = await watched.token('jtj', 'admin');
    await fetch(watched.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: `query OrgPage { orgs(first: 5) { nodes { name } } }` }),
    });
    await watched.gql(`query Refused { orgs(first: 5) { totalCount } }`); // no token: UNAUTHENTICATED (HTTP 200: a field error)
    await new Promise((r) => setTimeout(r, 50)); // the response hook runs after the answer
    const res = await fetch(`${watched.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      'party_http_request_duration_seconds_bucket',
      'party_sql_statements_per_request_bucket',
      'party_db_pool_connections',
      'party_db_pool_idle',
      'party_db_pool_waiting',
      'party_job_runs_total',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(text).toContain(name);
    expect(text).toMatch(/party_http_request_duration_seconds_count\{route="\/graphql",operation="OrgPage",status="200",outcome="ok"\} 1/);
    expect(text).toMatch(
      /party_http_request_duration_seconds_count\{route="\/graphql",operation="Refused",status="200",outcome="UNAUTHENTICATED"\} 1/,
    );
    expect(text).toMatch(/party_sql_statements_per_request_count\{operation="OrgPage"\} 1/);
    // the test servers compile a query document on its first request: OrgPage and Refused
    expect(text).toMatch(/^party_compiled_query_documents 2$/m);
    expect(text).toMatch(/^party_compiled_query_compiles 2$/m);
    expect(text).not.toContain(admin);
  });
});

/** Security headers, CORS from an allow-list, compression and GraphQL-over-HTTP status codes (issue 16). */
describe('HTTP conventions', () => {
  const FRONTEND = 'https://app.example.org';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: `${FRONTEND},http://localhost:5173` } });
  });
  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers a syntax error with 400 and GRAPHQL_PARSE_FAILED, as stock Apollo Server does', async () => {
    for (const query of ['{', '{ viewer { username }', 'query { viewer { ...on } }', '}}}}']) {
      const res = await post(JSON.stringify({ query }));
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(body.data).toBeUndefined();
    }
    // a query over the token limit is still refused, as a bad request
    const huge = `{ ${Array.from({ length: 1600 }, () => '__typename').join(' ')} }`;
    const res = await post(JSON.stringify({ query: huge }));
    expect(res.status).toBe(400);
  });

  it('sends security headers on every response', async () => {
    for (const res of [await fetch(`${server.baseUrl}/healthz`), await post(JSON.stringify({ query: '{ __typename }' }))]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    // GraphiQL keeps its own policy (nonces), which the browser test exercises
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-/);
  });

  it('answers an address no route serves with a coded error in the client’s language, /graphql by another method with 405', async () => {
    const unknown = await fetch(`${server.baseUrl}/nope/${'x'.repeat(300)}?token=secret`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-content-type-options')).toBe('nosniff');
    const [error] = ((await unknown.json()) as any).errors;
    expect(error.extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'ROUTE_NOT_FOUND', method: 'GET' });
    expect(error.extensions.path).toBe(`/nope/${'x'.repeat(194)}…`); // clipped, and never the query string
    expect(error.message).toBe(`没有这个地址：GET ${error.extensions.path}`);
    const en = await fetch(`${server.baseUrl}/nope`, { method: 'DELETE', headers: { 'accept-language': 'en' } });
    expect(((await en.json()) as any).errors[0].message).toBe('No such address: DELETE /nope');
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
        method,
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST, OPTIONS');
      expect(((await res.json()) as any).errors[0]).toMatchObject({
        message: 'GraphQL 请求须以 POST 发送（订阅用 WebSocket）',
        extensions: { reason: 'GRAPHQL_POST_ONLY' },
      });
    }
  });

  it('answers a preflight from a listed origin, and gives an unlisted one nothing to read', async () => {
    const preflight = (origin: string) =>
      fetch(server.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
    const ok = await preflight(FRONTEND);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(FRONTEND);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();

    const other = await preflight('https://evil.example.net');
    expect(other.status).toBeLessThan(300);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const real = await post(JSON.stringify({ query: '{ __typename }' }), { origin: FRONTEND });
    expect(real.status).toBe(200);
    expect(real.headers.get('access-control-allow-origin')).toBe(FRONTEND);
    expect(real.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
    const unlisted = await post(JSON.stringify({ query: '{ __typename }' }), { origin: 'https://evil.example.net' });
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('compresses large answers for clients that accept it, and not small ones', async () => {
    const admin = await server.token('jtj', 'admin');
    const big = await post(JSON.stringify({ query: `{ orgs(first: 100) { nodes { id name kindLabel categoryLabel depth } } }` }), {
      authorization: `Bearer ${admin}`,
      'accept-encoding': 'gzip',
    });
    expect(big.headers.get('content-encoding')).toBe('gzip');
    expect(((await big.json()) as any).data.orgs.nodes.length).toBeGreaterThan(5);
    const small = await post(JSON.stringify({ query: '{ __typename }' }), { 'accept-encoding': 'gzip' });
    expect(small.headers.get('content-encoding')).toBeNull();
    const plain = await post(JSON.stringify({ query: `{ orgs(first: 100) { nodes { id name } } }` }), {
      authorization: `Bearer ${admin}`,
      'accept-encoding': 'identity',
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
  });
});

/**
 * The GraphQL-over-HTTP audit of graphql-http (issue 16): no error, and no warning that stock Apollo
 * Server 5 (standalone, a one-field schema) does not also show. Prints both tallies.
 */
interface Tally {
  ok: number;
  notice: string[];
  warn: string[];
  error: string[];
}

async function audit(url: string): Promise<Tally> {
  const tally: Tally = { ok: 0, notice: [], warn: [], error: [] };
  for (const { fn } of serverAudits({ url })) {
    const result = await fn();
    if (result.status === 'ok') tally.ok++;
    else tally[result.status].push(`${result.name}: ${result.reason}`);
  }
  return tally;
}

const names = (lines: string[]) => lines.map((l) => l.slice(0, l.indexOf(': '))).sort();

describe('GraphQL over HTTP audit', () => {
  let server: TestServer;
  let stock: ApolloServer;
  let stockUrl: string;
  beforeAll(async () => {
    server = await startTestServer();
    stock = new ApolloServer({ typeDefs: `type Query { hello: String }`, resolvers: { Query: { hello: () => 'world' } } });
    ({ url: stockUrl } = await startStandaloneServer(stock, { listen: { port: 0, host: '127.0.0.1' } }));
  });
  afterAll(async () => {
    await stock?.stop();
    await server?.close();
  });

  it('shows no error, and no warning stock Apollo Server 5 does not show', async () => {
    const ours = await audit(server.url);
    const theirs = await audit(stockUrl);
    const summary = (t: Tally) => `${t.ok} ok, ${t.notice.length} notices, ${t.warn.length} warnings, ${t.error.length} errors`;
    console.log(
      `graphql-http audit: ours ${summary(ours)}; stock Apollo Server 5 ${summary(theirs)}\n` +
        `ours:\n  ${[...ours.error, ...ours.warn, ...ours.notice].join('\n  ')}`,
    );
    expect(ours.error).toEqual([]);
    const extra = names(ours.warn).filter((w) => !names(theirs.warn).includes(w));
    expect(extra).toEqual([]);
  }, 60_000);
});
