import { Client as Subscriber } from 'graphql-ws';
import WebSocket from 'ws';
import { Socket, connectLive } from '../helpers/live-socket';
import { TestServer, login, startTestServer } from '../helpers/server';

/**
 * Open sockets per user and per tenant (LIVE_SOCKETS_PER_USER, LIVE_SOCKETS_PER_TENANT): every event is
 * rendered once per subscription behind a few render slots, so a user's sockets without bound would stall
 * live delivery for everyone on the process. One more than the cap is closed with 4429 and a coded reason;
 * closing one frees its place.
 */
describe('live sockets held at once, per user and per tenant', () => {
  let server: TestServer;
  const sockets: Subscriber[] = [];

  /** A graphql-ws client over `ws` with `token` (tests/helpers/live-socket.ts). */
  function connect(token: string): Socket {
    return connectLive(server.url, { authorization: `Bearer ${token}` }, sockets);
  }

  /** `n` sockets of one token, each acknowledged. */
  async function open(token: string, n: number): Promise<Socket[]> {
    const opened = Array.from({ length: n }, () => connect(token));
    expect(await Promise.all(opened.map((s) => s.acked))).toEqual(opened.map(() => true));
    return opened;
  }

  /** One socket past a cap: refused before its acknowledgement, with the close code and reason. */
  async function refused(token: string) {
    const socket = connect(token);
    expect(await socket.acked).toBe(false);
    return socket.closed;
  }

  /**
   * Closes a socket and connects again until the server has seen the close (its close handler runs when the
   * TCP connection ends, which the client may see first): each try either is acknowledged or refused at once.
   */
  async function closeAndReconnect(socket: Socket, token: string): Promise<Socket> {
    await socket.client.dispose();
    await socket.closed;
    for (let attempt = 0; attempt < 50; attempt++) {
      const again = connect(token);
      if (await again.acked) return again;
      expect(await again.closed).toEqual({ code: 4429, reason: expect.stringMatching(/^LIVE_(TENANT_)?TOO_MANY_SOCKETS$/) });
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the closed socket never freed its place');
  }

  beforeAll(async () => {
    server = await startTestServer({ env: { LIVE_SOCKETS_PER_USER: '3', LIVE_SOCKETS_PER_TENANT: '5' } });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server.close();
  });

  it('refuses a user’s socket past the cap with 4429 LIVE_TOO_MANY_SOCKETS, a tenant’s with LIVE_TENANT_TOO_MANY_SOCKETS; closing one lets one in', async () => {
    const [admin, member, other] = await Promise.all([
      server.token('jtj', 'admin'),
      server.token('jtj', 'member'),
      server.token('szjg', 'admin'),
    ]);
    const admins = await open(admin, 3);
    expect(await refused(admin)).toEqual({ code: 4429, reason: 'LIVE_TOO_MANY_SOCKETS' });
    // another user of the tenant is not held by the first one's cap, up to the tenant's (5)
    await open(member, 2);
    expect(await refused(member)).toEqual({ code: 4429, reason: 'LIVE_TENANT_TOO_MANY_SOCKETS' });
    // another tenant is not held by this one's
    await open(other, 3);
    expect(await refused(other)).toEqual({ code: 4429, reason: 'LIVE_TOO_MANY_SOCKETS' });
    // the refused sockets took no place; a closed one gives its place back, once
    await closeAndReconnect(admins[0], admin);
    expect(await refused(admin)).toEqual({ code: 4429, reason: 'LIVE_TOO_MANY_SOCKETS' });
  });
});

/**
 * A subscribe message is a request of the user's (parsed, validated and costed like one on /graphql): it spends the
 * user's request budget, so a socket that subscribes and completes in a loop is held to RATE_LIMIT_USER_PER_MINUTE.
 */
describe('subscribe messages, per user', () => {
  let server: TestServer;
  const sockets: Subscriber[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '6' } });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server.close();
  });

  it('refuses a subscribe past the user’s request budget with RATE_LIMITED, and nothing more is subscribed', async () => {
    const token = await server.token('jtj', 'secretary'); // the sign-in is anonymous: no part of the user's budget
    const socket = connectLive(server.url, { authorization: `Bearer ${token}` }, sockets);
    expect(await socket.acked).toBe(true); // the connection spends one
    const outcome = (): Promise<string> =>
      new Promise((resolve) => {
        const stop = socket.client.subscribe(
          { query: 'subscription { taskChanged { kind } }' },
          {
            next: () => undefined,
            error: (error) => resolve(`${(error as any[])[0]?.extensions?.code}/${(error as any[])[0]?.extensions?.reason}`),
            complete: () => resolve('completed'),
          },
        );
        // a subscription taken stays open: completed by the client after a moment
        setTimeout(() => {
          stop();
          resolve('subscribed');
        }, 150);
      });
    const answers: string[] = [];
    for (let i = 0; i < 8; i++) answers.push(await outcome());
    expect(answers.slice(0, 5)).toEqual(Array(5).fill('subscribed'));
    expect(answers.slice(5)).toEqual(Array(3).fill('RATE_LIMITED/USER_RATE_LIMITED'));
  });
});

/**
 * A user's sockets of a session ended since (signed out everywhere, a password changed or reset) would close at their
 * next event; until then they held the user's places, so whoever held the old token kept the user's new sockets out
 * (4429) for up to the token's lifetime in a quiet tenant. They close when the user connects again, and free their places.
 */
describe('live sockets of an ended session', () => {
  let server: TestServer;
  const sockets: Subscriber[] = [];
  const connect = (token: string) => connectLive(server.url, { authorization: `Bearer ${token}` }, sockets);

  beforeAll(async () => {
    server = await startTestServer({ env: { LIVE_SOCKETS_PER_USER: '2' } });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server.close();
  });

  it('close when the user connects with a token of its new session, which takes their places', async () => {
    const old = await login(server.url, 'jtj', 'leader');
    const held = [connect(old), connect(old)];
    expect(await Promise.all(held.map((s) => s.acked))).toEqual([true, true]);
    const third = connect(old);
    expect(await third.acked).toBe(false);
    expect(await third.closed).toEqual({ code: 4429, reason: 'LIVE_TOO_MANY_SOCKETS' });
    expect((await server.gql(`mutation { signOutEverywhere }`, {}, old)).errors).toBeUndefined();

    const fresh = await login(server.url, 'jtj', 'leader');
    const mine = [connect(fresh), connect(fresh)];
    expect(await Promise.all(mine.map((s) => s.acked))).toEqual([true, true]);
    expect(await Promise.all(held.map((s) => s.closed))).toEqual(held.map(() => ({ code: 4401, reason: 'TOKEN_INVALID' })));
    // the new session is held to the cap as before
    const past = connect(fresh);
    expect(await past.acked).toBe(false);
    expect(await past.closed).toEqual({ code: 4429, reason: 'LIVE_TOO_MANY_SOCKETS' });
  });
});

/**
 * A socket may wait 5 s for its connection_init (connectionInitWaitTimeout): without a bound one address could hold
 * thousands at once. LIVE_PENDING_SOCKETS_PER_ADDRESS of one client address (behind TRUST_PROXY, its X-Forwarded-For)
 * wait at once; one more is refused at the upgrade with HTTP 429 and the coded reason, before any handshake. A socket
 * gives its place back at its connection_init, or when it closes.
 */
describe('live sockets waiting for their connection_init, per address', () => {
  let server: TestServer;
  const raws: WebSocket[] = [];

  /** A raw socket from `address` (as the trusted proxy forwards it) that sends nothing: open, or refused with its answer. */
  function raw(address: string): Promise<{ socket: WebSocket; opened: true } | { opened: false; status: number; body: any }> {
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: { 'x-forwarded-for': address, 'accept-language': 'zh-CN' },
    });
    raws.push(socket);
    socket.on('error', () => undefined);
    return new Promise((resolve) => {
      socket.once('open', () => resolve({ socket, opened: true }));
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ opened: false, status: response.statusCode ?? 0, body: JSON.parse(text) }));
      });
    });
  }

  /** Tries `address` until a socket opens (the server sees a close when the TCP connection ends, maybe after the client). */
  async function opensAgain(address: string) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const again = await raw(address);
      if (again.opened) return again.socket;
      expect(again.status).toBe(429);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the closed socket never freed its place');
  }

  beforeAll(async () => {
    server = await startTestServer({ env: { LIVE_PENDING_SOCKETS_PER_ADDRESS: '3', TRUST_PROXY: '127.0.0.1,::1' } });
  });
  afterAll(async () => {
    raws.forEach((s) => s.terminate());
    await server.close();
  });

  it('refuses one more with HTTP 429 LIVE_TOO_MANY_PENDING_SOCKETS; another address has its own; connection_init or a close frees the place', async () => {
    const waiting = await Promise.all([raw('203.0.113.7'), raw('203.0.113.7'), raw('203.0.113.7')]);
    expect(waiting.map((w) => w.opened)).toEqual([true, true, true]);
    const past = await raw('203.0.113.7');
    expect(past).toMatchObject({ opened: false, status: 429 });
    expect(!past.opened && past.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/尚未完成初始化/),
      extensions: { code: 'RATE_LIMITED', reason: 'LIVE_TOO_MANY_PENDING_SOCKETS' },
    });
    // another client address has its own cap
    expect((await raw('203.0.113.8')).opened).toBe(true);
    // a connection_init gives the place back (the socket is then held to the per-user caps)
    const [first, second] = waiting.map((w) => (w.opened ? w.socket : undefined!));
    const token = await server.token('jtj', 'leader');
    const acked = new Promise((r) => first.once('message', (m) => r(JSON.parse(m.toString()).type)));
    first.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    expect(await acked).toBe('connection_ack');
    const fourth = await raw('203.0.113.7');
    expect(fourth.opened).toBe(true);
    expect((await raw('203.0.113.7')).opened).toBe(false);
    // so does a socket that closes before it
    second.terminate();
    await opensAgain('203.0.113.7');
    expect((await raw('203.0.113.7')).opened).toBe(false);
  });
});

/**
 * A session's end (here signOutEverywhere) closes its sockets at once on every process (SESSION_ENDED through NOTIFY):
 * they no longer hold the tenant's places (LIVE_SOCKETS_PER_TENANT) until the same user connects again.
 */
describe('live sockets of a session that ends', () => {
  let server: TestServer;
  const sockets: Subscriber[] = [];
  const connect = (token: string) => connectLive(server.url, { authorization: `Bearer ${token}` }, sockets);

  beforeAll(async () => {
    server = await startTestServer({ env: { LIVE_SOCKETS_PER_TENANT: '2' } });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server.close();
  });

  it('close with 4401 TOKEN_INVALID when it ends, and give the tenant’s places to another user', async () => {
    const old = await login(server.url, 'jtj', 'leader');
    const member = await server.token('jtj', 'member');
    const held = [connect(old), connect(old)];
    expect(await Promise.all(held.map((s) => s.acked))).toEqual([true, true]);
    const kept = connect(member);
    expect(await kept.acked).toBe(false);
    expect(await kept.closed).toEqual({ code: 4429, reason: 'LIVE_TENANT_TOO_MANY_SOCKETS' });

    expect((await server.gql(`mutation { signOutEverywhere }`, {}, old)).errors).toBeUndefined();
    expect(await Promise.all(held.map((s) => s.closed))).toEqual(held.map(() => ({ code: 4401, reason: 'TOKEN_INVALID' })));
    // their places are free (the server may see the closes just after the client): the other user's sockets get in
    for (let attempt = 0; ; attempt++) {
      const again = connect(member);
      if (await again.acked) break;
      expect(await again.closed).toEqual({ code: 4429, reason: 'LIVE_TENANT_TOO_MANY_SOCKETS' });
      if (attempt > 50) throw new Error('the ended session kept the tenant’s places');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await connect(member).acked).toBe(true);
  });
});
