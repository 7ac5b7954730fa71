import { Client } from 'pg';

/**
 * Looking under the API with the superuser client of `server.superuser()`. `table` and `where` are
 * SQL written by the test, never input; values go in `params`.
 */
export async function count(client: Client, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n;
}

/** The id of the tenant with this slug. */
export async function tenantId(client: Client, slug: string): Promise<string> {
  return (await client.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [slug])).rows[0].id;
}

/** Today in the demo tenants' zone (Asia/Shanghai), by the database's clock: the day the API's windows use. */
export async function tenantToday(client: Client): Promise<string> {
  return (await client.query<{ d: string }>(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS d`)).rows[0].d;
}
