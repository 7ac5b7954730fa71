import { Client } from 'pg';
import { QueryRunner } from 'typeorm';
import { OnePublishedVersion1734300000001 } from '../migrations/1734300000001-one-published-version';
import { OrgTreeInDatabase1734300000003 } from '../migrations/1734300000003-org-tree-in-database';
import { TEMPLATE_CAMPAIGNS, clusterUrl, createTestDatabase, dropTestDatabase } from './helpers/test-database';

/**
 * Migrations that repair what an earlier race could leave behind, run against that state: a database
 * as the demo seeds it, put back as the race left it, then the migration's `up`.
 */
describe('migrations that repair data', () => {
  let dbName: string;
  let su: Client;
  beforeAll(async () => {
    dbName = await createTestDatabase(TEMPLATE_CAMPAIGNS());
    su = new Client({ connectionString: clusterUrl(dbName) });
    await su.connect();
  }, 60_000);
  afterAll(async () => {
    await su?.end().catch(() => undefined);
    if (dbName) await dropTestDatabase(dbName);
  });

  it('leaves one published version a framework, the one published last, and then holds it with an index', async () => {
    // as two concurrent publishes left a framework before the index: its published version and an older one both PUBLISHED
    await su.query(`DROP INDEX framework_versions_one_published`);
    const [framework] = (
      await su.query<{ tenant_id: string; framework_id: string; id: string; number: number }>(
        `SELECT tenant_id, framework_id, id, number FROM framework_versions WHERE status = 'PUBLISHED' ORDER BY number LIMIT 1`,
      )
    ).rows;
    const older = (
      await su.query<{ id: string }>(
        `INSERT INTO framework_versions (tenant_id, framework_id, number, status, rule, published_at)
         SELECT tenant_id, framework_id, (SELECT max(number) + 1 FROM framework_versions WHERE framework_id = $1), 'PUBLISHED', rule,
                published_at - interval '1 day'
           FROM framework_versions WHERE id = $2 RETURNING id`,
        [framework.framework_id, framework.id],
      )
    ).rows[0].id;
    const twice = await su.query(`SELECT count(*)::int AS n FROM framework_versions WHERE framework_id = $1 AND status = 'PUBLISHED'`, [
      framework.framework_id,
    ]);
    expect(twice.rows[0].n).toBe(2);

    await new OnePublishedVersion1734300000001().up({ query: (sql: string) => su.query(sql) } as unknown as QueryRunner);

    const status = async (id: string) =>
      (await su.query<{ status: string }>(`SELECT status FROM framework_versions WHERE id = $1`, [id])).rows[0].status;
    expect(await status(framework.id)).toBe('PUBLISHED'); // published last, though its number is lower
    expect(await status(older)).toBe('RETIRED');
    const perFramework = await su.query(
      `SELECT framework_id FROM framework_versions WHERE status = 'PUBLISHED' GROUP BY framework_id HAVING count(*) > 1`,
    );
    expect(perFramework.rows).toEqual([]);
    await expect(su.query(`UPDATE framework_versions SET status = 'PUBLISHED' WHERE id = $1`, [older])).rejects.toMatchObject({
      code: '23505',
      constraint: 'framework_versions_one_published',
    });
  });

  it('holds the org tree from then on where a race had broken it, and validates it where it holds', async () => {
    const runner = { query: (sql: string) => su.query(sql) } as unknown as QueryRunner;
    const migration = new OrgTreeInDatabase1734300000003();
    const validated = async () =>
      Object.fromEntries(
        (
          await su.query<{ conname: string; convalidated: boolean }>(
            `SELECT conname, convalidated FROM pg_constraint WHERE conname IN ('orgs_path_labels', 'orgs_parent_path_fkey')`,
          )
        ).rows.map((r) => [r.conname, r.convalidated]),
      );
    const committee = async (name: string) =>
      (await su.query<{ id: string; path: string }>(`SELECT id, path::text AS path FROM orgs WHERE name = $1 LIMIT 1`, [name])).rows[0];
    const [bus, road] = await Promise.all([committee('市公交集团党委'), committee('市高速公路建设开发公司党委')]);
    // as two crossed moves left the tree before the service locked them: each committee under the other
    const cross = `UPDATE orgs o SET path = CASE WHEN o.path <@ $2::ltree THEN $3::ltree || subpath(o.path, nlevel($2::ltree) - 1)
                                                ELSE $2::ltree || subpath(o.path, nlevel($3::ltree) - 1) END,
                                    parent_id = CASE WHEN o.id = $1 THEN $4::uuid WHEN o.id = $4 THEN $1::uuid ELSE o.parent_id END
                   WHERE o.path <@ $2::ltree OR o.path <@ $3::ltree`;
    const tree = (await su.query(`SELECT id, parent_id, path::text AS path FROM orgs`)).rows;
    await migration.down(runner);
    await su.query(cross, [bus.id, bus.path, road.path, road.id]);

    const warned: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((message: unknown) => void warned.push(String(message).split(':')[0]));
    try {
      await su.query('BEGIN');
      await migration.up(runner);
      await su.query('COMMIT');
    } finally {
      warn.mockRestore();
    }
    expect(warned).toEqual(['[migration] orgs_parent_path_fkey left NOT VALID']);
    expect(await validated()).toEqual({ orgs_path_labels: true, orgs_parent_path_fkey: false });
    // still held for every write from now on: the same crossing again is refused
    await expect(su.query(cross, [bus.id, bus.path, road.path, road.id])).rejects.toMatchObject({ code: '23503' });

    // on a tree that holds, both are validated
    await migration.down(runner);
    await su.query(
      `UPDATE orgs o SET path = b.path::ltree, parent_id = b.parent_id
         FROM jsonb_to_recordset($1::jsonb) AS b(id uuid, parent_id uuid, path text) WHERE o.id = b.id`,
      [JSON.stringify(tree)],
    );
    expect(await committee('市公交集团党委')).toEqual(bus);
    await su.query('BEGIN');
    await migration.up(runner);
    await su.query('COMMIT');
    expect(await validated()).toEqual({ orgs_path_labels: true, orgs_parent_path_fkey: true });
  });
});
