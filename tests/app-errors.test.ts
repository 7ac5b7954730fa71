import Fastify, { FastifyInstance } from 'fastify';
import { answerUnhandledError } from '../src/app';
import { toAppError } from '../src/graphql/errors';

/**
 * The app-wide error handler, over real HTTP on a bare Fastify: what reaches it from a route's hook is
 * answered with a code, never a stack; a fault the API knows (the database unreachable, a refusal by
 * SQLSTATE) keeps its own code and status, as from /graphql, instead of becoming a 500.
 */
describe('the app-wide error handler', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = Fastify({ logger: false, bodyLimit: 100 });
    app.setErrorHandler(answerUnhandledError);
    const thrower = (error: () => Error) => ({
      preHandler: async () => {
        throw error();
      },
      handler: async () => ({ ok: true }),
    });
    app.get(
      '/pool',
      thrower(() => new Error('timeout exceeded when trying to connect')),
    );
    app.get(
      '/refused',
      thrower(() => Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'some_key' })),
    );
    app.get(
      '/tree',
      thrower(() =>
        Object.assign(new Error('insert or update violates foreign key'), { code: '23503', constraint: 'orgs_parent_path_fkey' }),
      ),
    );
    app.get(
      '/down',
      thrower(() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    );
    app.get(
      '/aborted',
      thrower(() =>
        Object.assign(new Error('current transaction is aborted, commands ignored until end of transaction block'), { code: '25P02' }),
      ),
    );
    app.get(
      '/bug',
      thrower(() => new Error('something nobody expected')),
    );
    app.post('/body', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(() => app.close());

  const get = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] } };
  };

  it('answers a pool that cannot connect, or a database that refuses connections, with 503 DATABASE_UNAVAILABLE in Chinese', async () => {
    for (const path of ['/pool', '/down']) {
      const { status, body, text } = await get(path);
      expect(status).toBe(503);
      expect(body.errors[0]).toEqual({
        message: '数据库暂时不可用，请稍后重试',
        extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE' },
      });
      // nothing of the fault itself reaches the client
      expect(text).not.toMatch(/ECONNREFUSED|5432|timeout exceeded/);
    }
    expect((await get('/pool', { headers: { 'accept-language': 'en' } })).body.errors[0].message).toBe(
      'The database is unavailable, retry later',
    );
  });

  it('keeps a refusal by SQLSTATE its own code (a duplicate is a CONFLICT, 409)', async () => {
    const { status, body } = await get('/refused');
    expect(status).toBe(409);
    expect(body.errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE' });
  });

  it('answers a statement sent after a failed one (25P02) as a coded refusal to retry, never INTERNAL', async () => {
    const { status, body } = await get('/aborted');
    expect(status).toBe(409);
    expect(body.errors[0]).toEqual({
      message: '同一请求中此前的一步已失败，此项未能执行，请单独重试',
      extensions: { code: 'CONFLICT', reason: 'REQUEST_ABORTED' },
    });
    const sqlstate = (code: string) => toAppError(Object.assign(new Error(code), { code }))?.details.reason;
    expect(['40001', '40P01', '25P02'].map(sqlstate)).toEqual(['SERIALIZATION', 'SERIALIZATION', 'REQUEST_ABORTED']);
    // as TypeORM wraps it
    expect(toAppError({ driverError: Object.assign(new Error('aborted'), { code: '25P02' }) })?.code).toBe('CONFLICT');
  });

  it('answers a write the database’s org tree refuses as the lost race it is: CONFLICT ORG_TREE_CHANGED', async () => {
    const { status, body } = await get('/tree');
    expect(status).toBe(409);
    expect(body.errors[0]).toEqual({
      message: '组织架构刚被他人调整，本次操作未作任何更改，请刷新后重试',
      extensions: { code: 'CONFLICT', reason: 'ORG_TREE_CHANGED' },
    });
  });

  it('masks anything else as INTERNAL with the request id, and keeps Fastify’s own statuses coded', async () => {
    const bug = await get('/bug');
    expect(bug.status).toBe(500);
    expect(bug.body.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'INTERNAL' });
    expect(typeof bug.body.errors[0].extensions.requestId).toBe('string');
    expect(bug.text).not.toContain('something nobody expected');
    const big = await get('/body', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x: 'y'.repeat(200) }),
    });
    expect(big.status).toBe(413);
    expect(big.body.errors[0].extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', reason: 'PAYLOAD_TOO_LARGE' });
  });
});
