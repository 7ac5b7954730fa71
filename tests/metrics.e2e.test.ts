import { TestServer, startTestServer } from './helpers/server';

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
    expect(text).not.toContain(admin);
  });
});
