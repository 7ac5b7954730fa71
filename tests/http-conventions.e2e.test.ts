import { TestServer, startTestServer } from './helpers/server';

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
