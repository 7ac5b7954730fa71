import { TestServer, startTestServer } from './helpers/server';

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
