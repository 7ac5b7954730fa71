import { Client } from 'pg';
import { TestServer, lockWaiters, startTestServer } from '../helpers/server';

/**
 * Tenant exports hold an owner connection and a REPEATABLE READ snapshot while the client reads: at most
 * TENANT_EXPORT_CONCURRENCY run at once per process and one per tenant; another is refused 429
 * TENANT_EXPORT_BUSY with Retry-After, and a place comes back when its export finishes.
 */
describe('tenant exports at once', () => {
  let server: TestServer;
  let holder: Client;
  let operator: string;
  let slugs: string[];

  const get = async (slug: string) => {
    const res = await fetch(`${server.baseUrl}/tenant-archives/${slug}`, { headers: { authorization: `Bearer ${operator}` } });
    return res;
  };
  const refusal = async (res: Response) => ({
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    error: ((await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] }).errors[0],
  });

  /**
   * The tenant's export once its place is free: a refused try (429) is read and tried again, up to 100 times,
   * since a failed export gives its place back as it settles, just after its client saw the stream end.
   */
  const exportOnceFree = async (slug: string) => {
    let next = await get(slug);
    for (let i = 0; i < 100 && next.status === 429; i++) {
      await next.arrayBuffer();
      await new Promise((r) => setTimeout(r, 20));
      next = await get(slug);
    }
    return next;
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { TENANT_EXPORT_CONCURRENCY: '1' } });
    holder = await server.superuser({ own: true });
    operator = await server.token('', 'operator');
    slugs = (await holder.query<{ slug: string }>(`SELECT slug FROM tenants ORDER BY slug`)).rows.map((r) => r.slug);
    expect(slugs.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
  afterAll(() => server.close());

  it('refuses a second export of a running tenant and another tenant’s past the cap, until an export finishes', async () => {
    // the ledger locked: exports that started wait inside their snapshot, holding their places
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
    const first = await get(slugs[0]);
    expect(first.status).toBe(200);
    expect(await lockWaiters(holder, 1)).toBeGreaterThanOrEqual(1);

    const again = await refusal(await get(slugs[0]));
    expect(again).toMatchObject({
      status: 429,
      retryAfter: '60',
      error: { extensions: { code: 'RATE_LIMITED', reason: 'TENANT_EXPORT_BUSY' } },
    });
    expect(again.error.message).toBe('单位数据导出正在进行（本单位同时只能有一个导出，系统同时最多 1 个），请 60 秒后重试');

    // another tenant is past the cap (1 here)
    expect((await refusal(await get(slugs[1]))).error.extensions.reason).toBe('TENANT_EXPORT_BUSY');

    // the export finishes once the lock goes: the place comes back
    await holder.query('COMMIT');
    expect((await first.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const next = await exportOnceFree(slugs[0]);
    expect(next.status).toBe(200);
    await next.arrayBuffer();
  }, 120_000);

  it('keeps serving when PostgreSQL ends a running export’s connection (the export fails alone)', async () => {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
    const running = await get(slugs[0]);
    expect(running.status).toBe(200);
    expect(await lockWaiters(holder, 1)).toBeGreaterThanOrEqual(1);
    // an administrator (or a restart) ends the export's connection
    const ended = await holder.query<{ ended: boolean }>(
      // this test's database only: another test file's export or restore may run in the same cluster
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE application_name = 'party-platform-archive' AND datname = current_database()`,
    );
    expect(ended.rows.map((r) => r.ended)).toContain(true);
    await holder.query('COMMIT');
    await running.arrayBuffer().catch(() => undefined);
    // the process is still here, and its place given back: the next export runs
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    const next = await exportOnceFree(slugs[0]);
    expect(next.status).toBe(200);
    expect((await next.arrayBuffer()).byteLength).toBeGreaterThan(0);
  }, 120_000);
});
