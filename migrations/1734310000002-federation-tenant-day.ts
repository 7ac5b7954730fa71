import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The superior's figures of a subordinate bureau count its days as the bureau does: in the bureau's own
 * time zone (`tenants.settings.timezone`, Asia/Shanghai by default), as its own annual assessment and its
 * rectification lists do. `app_federation_assessment` judged "overdue" by `current_date` (the database
 * session's zone) and a late sign-off by `verified_at::date`; `app_federation_supervision` took today in
 * Asia/Shanghai whatever the bureau's zone. Both functions set `app.tenant_id` to the subordinate before
 * they read, so the zone is the subordinate's. The functions are rewritten from their stored definitions:
 * each replaced expression must be found, or the migration fails rather than leave a function half right.
 */
const ZONE = `coalesce((SELECT t.settings->>'timezone' FROM tenants t WHERE t.id = app_tenant_id()), 'Asia/Shanghai')`;
const TODAY = `(now() AT TIME ZONE ${ZONE})::date`;

const CHANGES: { fn: string; from: string; to: string }[] = [
  { fn: 'app_federation_assessment(uuid, integer)', from: 'x.due_on < current_date', to: `x.due_on < ${TODAY}` },
  {
    fn: 'app_federation_assessment(uuid, integer)',
    from: 'x.verified_at::date > x.due_on',
    to: `(x.verified_at AT TIME ZONE ${ZONE})::date > x.due_on`,
  },
  {
    fn: 'app_federation_supervision(uuid, integer)',
    from: `x.due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date`,
    to: `x.due_on < ${TODAY}`,
  },
];

async function rewrite(q: QueryRunner, changes: { fn: string; from: string; to: string }[]): Promise<void> {
  for (const fn of [...new Set(changes.map((c) => c.fn))]) {
    const [{ def }] = (await q.query(`SELECT pg_get_functiondef($1::regprocedure) AS def`, [fn])) as { def: string }[];
    let next = def;
    for (const change of changes.filter((c) => c.fn === fn)) {
      // pg_get_functiondef gives the body as written: match it whitespace- and case-insensitively
      const pattern = new RegExp(change.from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'), 'i');
      if (!pattern.test(next)) throw new Error(`${fn}: "${change.from}" not found in its definition`);
      next = next.replace(pattern, () => change.to);
    }
    await q.query(next);
  }
}

export class FederationTenantDay1734310000002 implements MigrationInterface {
  name = 'FederationTenantDay1734310000002';

  async up(q: QueryRunner): Promise<void> {
    await rewrite(q, CHANGES);
  }

  async down(q: QueryRunner): Promise<void> {
    await rewrite(
      q,
      CHANGES.map((c) => ({ fn: c.fn, from: c.to, to: c.from })),
    );
  }
}
