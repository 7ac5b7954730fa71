import { TestServer, codes, lockWaiters, startTestServer } from '../helpers/server';

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`;

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        LOGIN_LIMIT_PER_ACCOUNT: '3',
        LOGIN_LIMIT_PER_ADDRESS: '12',
        RATE_LIMIT_USER_PER_MINUTE: '5',
        RATE_LIMIT_TENANT_PER_MINUTE: '12',
      },
    });
  });
  afterAll(() => server.close());

  const post = async (body: object, token?: string) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  };
  const login = (tenant: string, username: string, password: string) =>
    post({ query: LOGIN, variables: { input: { tenant, username, password } } });

  it('limits sign-in attempts per account, the same way for an account that does not exist', async () => {
    for (const username of ['leader', 'no-such-user']) {
      const attempts = [];
      for (let i = 0; i < 4; i++) attempts.push(await login('jtj', username, 'wrong-password'));
      expect(attempts.slice(0, 3).map((a) => a.body.errors[0].extensions.code)).toEqual([
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
      ]);
      const limited = attempts[3];
      expect(limited.status).toBe(429);
      expect(limited.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'SIGN_IN_RATE_LIMITED' });
      expect(limited.body.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(800);
      expect(Number(limited.retryAfter)).toBe(limited.body.errors[0].extensions.retryAfterSeconds);
    }
    // even the right password waits now: the limit is checked before any password
    const right = await login('jtj', 'leader', 'demo');
    expect(right.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    // another account is not affected (until the address limit)
    expect((await login('jtj', 'deputy', 'demo')).body.data.login.accessToken).toBeTruthy();
  });

  it('limits sign-in attempts per client address across accounts', async () => {
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await login('szjg', `guess-${i}`, 'x'));
    expect(results.some((r) => r.body.errors[0].extensions.reason === 'SIGN_IN_RATE_LIMITED')).toBe(true);
  });

  it('counts failed sign-ins only: good sign-ins never lock an account, and a success clears its failures', async () => {
    const fresh = await startTestServer({ env: { LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_LIMIT_PER_ADDRESS: '7' } });
    try {
      const attempt = async (username: string, password: string) => {
        const res = await fetch(fresh.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: LOGIN, variables: { input: { tenant: 'jtj', username, password } } }),
        });
        const body = (await res.json()) as any;
        return body.data?.login?.accessToken ? 'OK' : body.errors[0].extensions.code;
      };
      // twelve good sign-ins of one account, then of several: above both limits, none refused
      const good: string[] = [];
      for (let i = 0; i < 12; i++) good.push(await attempt('admin', 'demo'));
      for (const username of ['leader', 'deputy', 'secretary', 'secretary2', 'inspector', 'member'])
        good.push(await attempt(username, 'demo'));
      expect(good).toEqual(Array(18).fill('OK'));
      // two failures, a success that clears them, then the full three failures before the lock
      const story: string[] = [];
      for (const password of ['bad', 'bad', 'demo', 'bad', 'bad']) story.push(await attempt('leader', password));
      expect(story).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'OK', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
      // the third failure in a row locks the account, even for the right password
      expect(await attempt('leader', 'bad')).toBe('UNAUTHENTICATED');
      expect(await attempt('leader', 'demo')).toBe('RATE_LIMITED');
      // the address (limit seven) has counted the five failures and the refused attempt, none of the 19
      // successes: one more failure is the seventh, and the next attempt from it waits
      expect(await attempt('deputy', 'bad')).toBe('UNAUTHENTICATED');
      expect(await attempt('deputy', 'demo')).toBe('RATE_LIMITED');
    } finally {
      await fresh.close();
    }
  });

  it('a burst of concurrent guesses is held to the account limit', async () => {
    const fresh = await startTestServer({ env: { LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_LIMIT_PER_ADDRESS: '100' } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          fresh.gql(LOGIN, { input: { tenant: 'jtj', username: 'leader', password: 'guess' } }).then((r) => codes(r)[0]),
        ),
      );
      const tally = answers.reduce<Record<string, number>>((acc, c) => ({ ...acc, [String(c)]: (acc[String(c)] ?? 0) + 1 }), {});
      expect(tally).toEqual({ UNAUTHENTICATED: 3, RATE_LIMITED: 27 });
    } finally {
      await fresh.close();
    }
  });

  it('limits requests per user and per tenant with a retry hint, and keeps serving other tenants', async () => {
    const fresh = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '5', RATE_LIMIT_TENANT_PER_MINUTE: '8' } });
    try {
      const [a, b, other] = await Promise.all([fresh.token('jtj', 'admin'), fresh.token('jtj', 'leader'), fresh.token('szjg', 'admin')]);
      const ask = (t: string) => fresh.gql(`{ viewer { username } }`, {}, t);
      const first = [];
      for (let i = 0; i < 6; i++) first.push(await ask(a));
      expect(first.slice(0, 5).every((r) => r.data?.viewer.username === 'admin')).toBe(true);
      expect(first[5].status).toBe(429);
      expect(first[5].errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'USER_RATE_LIMITED' });
      // the tenant has used 6 of 8: the second user gets two more, then the tenant is limited
      const second = [await ask(b), await ask(b), await ask(b)];
      expect(codes(second[2])).toEqual(['RATE_LIMITED']);
      expect(second[2].errors![0].extensions!.reason).toBe('TENANT_RATE_LIMITED');
      expect((await ask(other)).data.viewer.username).toBe('admin');
    } finally {
      await fresh.close();
    }
  });

  it('refuses a user over its limit before its request sends anything to the database (no opening, nothing read ahead)', async () => {
    const fresh = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '2', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    const locker = await fresh.superuser({ own: true });
    try {
      const admin = await fresh.token('jtj', 'admin');
      const ask = () => fresh.gql(`query($id: ID!) { org(id: $id) { name } }`, { id: org }, admin);
      const org = (await fresh.gql(`{ orgs(first: 1) { nodes { id } } }`, {}, admin)).data.orgs.nodes[0].id;
      expect((await ask()).data.org.name).toEqual(expect.any(String));
      // every read of the org tree now waits: a request that opened its transaction (the viewer's load, the org read ahead) would
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE orgs IN ACCESS EXCLUSIVE MODE');
      const limited = ask();
      const su = await fresh.superuser();
      expect(await lockWaiters(su, 1)).toBe(0);
      const answer = await limited;
      expect(answer.status).toBe(429);
      expect(answer.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'USER_RATE_LIMITED' });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await fresh.close();
    }
  });

  it('counts file downloads against the same per-user limit', async () => {
    const fresh = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '2' } });
    try {
      const admin = await fresh.token('jtj', 'admin');
      const org = (await fresh.gql(`{ orgs(first: 1) { nodes { id } } }`, {}, admin)).data.orgs.nodes[0].id;
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${fresh.baseUrl}/exports/ledger/${org}`, { headers: { authorization: `Bearer ${admin}` } });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }
      // the org query above was the first request of the minute
      expect(statuses).toEqual([200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});

describe('requests without a token', () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '4', LOGIN_LIMIT_PER_ADDRESS: '100' } });
    // its sign-in is the first request of the address's four
    admin = await server.token('jtj', 'admin');
  });
  afterAll(() => server.close());

  const post = async (body: object) => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  };

  it('are limited per client address: past the budget a 429 with Retry-After, and nothing runs (no sign-in attempt counted)', async () => {
    const su = await server.superuser();
    const attempts = async () => (await su.query<{ n: number }>(`SELECT coalesce(sum(hits), 0)::int AS n FROM private.throttle`)).rows[0].n;
    const before = await attempts();
    const within = [];
    for (let i = 0; i < 3; i++) within.push(await post({ query: '{ errorReasons { reason } }' }));
    expect(within.map((r) => r.status)).toEqual([200, 200, 200]);
    const past = [
      await post({ query: '{ errorReasons { reason } }' }),
      await post({ query: LOGIN, variables: { input: { tenant: 'jtj', username: 'leader', password: 'wrong-password' } } }),
      await post({ query: LOGIN, variables: { input: { tenant: 'jtj', username: 'leader', password: 'demo' } } }),
    ];
    for (const answer of past) {
      expect(answer.status).toBe(429);
      expect(answer.body.data ?? null).toBeNull();
      expect(answer.body.errors.map((e: any) => e.extensions.code)).toEqual(['RATE_LIMITED']);
      expect(answer.body.errors[0].extensions.reason).toBe('RATE_LIMITED');
      expect(Number(answer.retryAfter)).toBe(answer.body.errors[0].extensions.retryAfterSeconds);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    // neither sign-in reached its own throttle: nothing of it ran
    expect(await attempts()).toBe(before);
    // a signed-in user from the same address is counted by its own budget, not the address's
    expect((await server.gql(`{ viewer { username } }`, {}, admin)).data.viewer.username).toBe('admin');
  });
});
