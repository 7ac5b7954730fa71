import { Client } from 'pg';
import { QueryRunner } from 'typeorm';
import { OnePublishedVersion1734300000001 } from '../migrations/1734300000001-one-published-version';
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
});
