import { Client } from 'pg';
import { RequestTransaction, withTransaction } from '../src/db/request-transaction';
import { TestServer, startTestServer } from './helpers/server';
import { tenantId } from './helpers/sql';

type Row = Record<string, unknown>;

/**
 * The federation functions at the database, called with the server's own pool (the app role: no
 * superuser, no BYPASSRLS) and every tenant setting but the right one: no tenant, the subordinate
 * itself, a third tenant, the superior with an unknown link, with no grant, with a revoked grant, with
 * the link ended. Only the superior of an active link with a standing grant of that kind gets a row,
 * and the transaction's tenant is its own again afterwards. The same again with the functions owned by
 * a role bound by row-level security: the figures are the same, and the tenant policies held.
 */
describe('federation functions at the database', () => {
  let server: TestServer;
  let su: Client;
  let jtj: string;
  let szjg: string;
  let third: string;
  let link: string;
  let campaign: string;

  const as = <T>(tenant: string | null, work: (tx: RequestTransaction) => Promise<T>, platform = false) =>
    withTransaction(server.database.dataSource, tenant ? { tenantId: tenant, platform } : { platform }, work);

  /** Every read function's rows for one link, as a tenant. */
  const reads = (tenant: string | null, id = link, platform = false) =>
    as(
      tenant,
      async (tx) => ({
        granted: await tx.query<Row>(`SELECT * FROM app_federation_granted()`),
        progress: await tx.query<Row>(`SELECT * FROM app_federation_progress($1)`, [id]),
        items: await tx.query<Row>(`SELECT * FROM app_federation_items($1)`, [id]),
        assessment: await tx.query<Row>(`SELECT * FROM app_federation_assessment($1, 2026)`, [id]),
        supervision: await tx.query<Row>(`SELECT * FROM app_federation_supervision($1, 2026)`, [id]),
        tenantAfter: (await tx.query<{ t: string | null }>(`SELECT app_tenant_id()::text AS t`))[0].t,
      }),
      platform,
    );
  const nothing = (tenant: string | null) => ({
    granted: [],
    progress: [],
    items: [],
    assessment: [],
    supervision: [],
    tenantAfter: tenant,
  });

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    [jtj, szjg] = [await tenantId(su, 'jtj'), await tenantId(su, 'szjg')];
    third = (await su.query(`INSERT INTO tenants (slug, name) VALUES ('third', '第三单位') RETURNING id`)).rows[0].id;
    // a fresh link szjg → jtj (the demo's own, if any, ended first), through the functions as each party
    await as(jtj, (tx) => tx.query(`SELECT app_federation_end(id) FROM tenant_links WHERE state IN ('PENDING', 'ACTIVE')`));
    link = await as(szjg, async (tx) => (await tx.query<{ l: string }>(`SELECT app_federation_invite('jtj') AS l`))[0].l);
    await as(jtj, (tx) => tx.query(`SELECT app_federation_respond($1, true)`, [link]));
    campaign = (await su.query(`SELECT id FROM campaigns WHERE tenant_id = $1 LIMIT 1`, [jtj])).rows[0].id;
  }, 120_000);
  afterAll(() => server.close());

  const grantAll = () =>
    as(jtj, (tx) =>
      tx.query(
        `INSERT INTO tenant_link_grants (tenant_id, link_id, kind, depth, campaign_id)
         VALUES ($1, $2, 'PROGRESS', 1, $3), ($1, $2, 'ASSESSMENT', NULL, NULL), ($1, $2, 'SUPERVISION', NULL, NULL)
         ON CONFLICT DO NOTHING`,
        [jtj, link, campaign],
      ),
    );

  it('answers nothing over an active link without a grant', async () => {
    expect(await reads(szjg)).toEqual(nothing(szjg));
  });

  it('answers the superior alone once granted, and restores its tenant', async () => {
    await grantAll();
    const got = await reads(szjg);
    expect(got.granted).toEqual([
      expect.objectContaining({ link_id: link, slug: 'jtj', kinds: ['ASSESSMENT', 'PROGRESS', 'SUPERVISION'], depth: 1 }),
    ]);
    expect(got.progress.length).toBeGreaterThan(3);
    expect(got.progress[0]).toMatchObject({ grp: 'TOTAL' });
    expect(Number(got.progress[0].eligible)).toBeGreaterThan(10);
    // jtj's granted campaign runs its own 四强四有, not a framework szjg handed down: no item scores
    expect(got.items).toEqual([{ adopted: false, code: null, title: null, evaluated: 0, average: null, max_points: null }]);
    expect(got.assessment).toEqual([expect.objectContaining({ rule_set: true })]);
    expect(got.supervision).toHaveLength(1);
    expect(got.tenantAfter).toBe(szjg);
    // no id in any row
    expect(JSON.stringify(got.progress)).not.toMatch(/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/);

    // everyone else: no tenant, the subordinate itself, a third tenant, the operator's setting
    expect(await reads(null)).toEqual(nothing(null));
    expect(await reads(jtj)).toEqual(nothing(jtj));
    expect(await reads(third)).toEqual(nothing(third));
    expect(await reads(null, link, true)).toEqual(nothing(null));
    // the superior with an id that is no link of its own
    const unknown = await reads(szjg, '00000000-0000-4000-8000-000000000000');
    expect({ ...unknown, granted: [] }).toEqual(nothing(szjg));
  });

  it('keeps the gate and the tables out of the app role’s hands', async () => {
    await expect(as(szjg, (tx) => tx.query(`SELECT * FROM app_federation_grant_of($1, 'PROGRESS')`, [link]))).rejects.toThrow(
      /permission denied/,
    );
    // the superior cannot write the subordinate's grant, nor read it
    await expect(
      as(szjg, (tx) => tx.query(`INSERT INTO tenant_link_grants (tenant_id, link_id, kind) VALUES ($1, $2, 'ASSESSMENT')`, [jtj, link])),
    ).rejects.toThrow(/row-level security/);
    expect(await as(szjg, (tx) => tx.query(`SELECT * FROM tenant_link_grants`))).toEqual([]);
    // a third tenant making itself "superior" in its own rows is refused by privilege
    await expect(
      as(third, (tx) =>
        tx.query(`INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state) VALUES ($1, $2, $3, 'SUPERIOR', 'ACTIVE')`, [
          third,
          link,
          jtj,
        ]),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('answers the same with the functions owned by a role bound by row-level security', async () => {
    const owner = `fed_owner_${process.pid}`;
    const fns = [
      'app_federation_grant_of(uuid, text)',
      'app_federation_granted()',
      'app_federation_progress(uuid)',
      'app_federation_items(uuid)',
      'app_federation_assessment(uuid, integer)',
      'app_federation_supervision(uuid, integer)',
    ];
    const before = await reads(szjg);
    const migrator: string = (await su.query(`SELECT current_user AS u`)).rows[0].u;
    await su.query(`CREATE ROLE ${owner} NOLOGIN NOSUPERUSER NOBYPASSRLS`);
    try {
      await su.query(`GRANT USAGE ON SCHEMA public TO ${owner}`);
      await su.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${owner}`);
      for (const t of ['tenant_links', 'tenant_link_grants'])
        await su.query(`ALTER POLICY federation_definer ON ${t} TO "${migrator}", ${owner}`);
      for (const f of fns) await su.query(`ALTER FUNCTION ${f} OWNER TO ${owner}`);
      // as in a deployment whose migration role is no superuser: it owns the (unforced) tenant registry
      await su.query(`ALTER TABLE tenants OWNER TO ${owner}`);
      const bound = await reads(szjg);
      expect(bound).toEqual(before);
      expect(Number(bound.progress[0].eligible)).toBeGreaterThan(10);
      // and the owner, outside the functions, still sees one tenant at a time
      await su.query(`BEGIN`);
      await su.query(`SET LOCAL ROLE ${owner}`);
      await su.query(`SELECT set_config('app.tenant_id', $1, true)`, [szjg]);
      const seen = await su.query(`SELECT count(*)::int AS n FROM orgs WHERE tenant_id = $1`, [jtj]);
      await su.query(`ROLLBACK`);
      expect(seen.rows[0].n).toBe(0);
    } finally {
      await su.query(`ROLLBACK`).catch(() => undefined);
      await su.query(`ALTER TABLE tenants OWNER TO "${migrator}"`);
      for (const f of fns) await su.query(`ALTER FUNCTION ${f} OWNER TO "${migrator}"`);
      for (const t of ['tenant_links', 'tenant_link_grants']) await su.query(`ALTER POLICY federation_definer ON ${t} TO "${migrator}"`);
      await su.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${owner}`);
      await su.query(`REVOKE USAGE ON SCHEMA public FROM ${owner}`);
      await su.query(`DROP ROLE ${owner}`);
    }
  });

  it('answers nothing once a grant is revoked, and nothing at all once the link ends', async () => {
    await as(jtj, (tx) => tx.query(`DELETE FROM tenant_link_grants WHERE link_id = $1 AND kind = 'PROGRESS'`, [link]));
    const revoked = await reads(szjg);
    expect(revoked.progress).toEqual([]);
    expect(revoked.items).toEqual([]);
    expect(revoked.assessment).toHaveLength(1);
    await as(szjg, (tx) => tx.query(`SELECT app_federation_end($1)`, [link]));
    expect(await reads(szjg)).toEqual(nothing(szjg));
    // a grant written again over the ended link still opens nothing
    await grantAll();
    expect(await reads(szjg)).toEqual(nothing(szjg));
  });
});
