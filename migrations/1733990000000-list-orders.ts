import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the root lists' orders (orderBy on evaluations, inspections, service requests, pairings,
 * users): each is the order's columns as the service writes them (src/graphql/order.ts: every column in
 * one direction, ending in the id), so the first page of a tenant admin over 50,000 orgs reads a page's
 * worth of index entries in either direction, and a cursor starts the scan where the last page ended.
 * The expressions must stay exactly those of the services' OrderSpecs (a NULL sorted as the documented
 * end, nullsAsSql; a state by its rank in the enum, rankSql) or the planner cannot match them; both are
 * CASE expressions, which row-level security lets bound an index scan (COALESCE it does not). Lists of a subtree start from
 * the org instead: by (tenant_id, org_id) indexes.
 *
 * A pairing keeps the day of its latest visit (last_visit_on, set by logVisit), so that ordering by it
 * and "pairings without a visit in N days" read an index rather than every pairing's visits.
 */
const INDEXES: [name: string, definition: string][] = [
  ['evaluations_by_created', `evaluations (tenant_id, created_at, id)`],
  ['evaluations_by_updated', `evaluations (tenant_id, updated_at, created_at, id)`],
  [
    'evaluations_by_submitted',
    `evaluations (tenant_id, (CASE WHEN submitted_at IS NULL THEN 'infinity'::timestamptz ELSE submitted_at END), created_at, id)`,
  ],
  ['evaluations_by_total', `evaluations (tenant_id, (CASE WHEN total IS NULL THEN '-Infinity'::numeric ELSE total END), created_at, id)`],
  [
    'evaluations_by_state',
    `evaluations (tenant_id, (CASE state WHEN 'DRAFT' THEN 0 WHEN 'SUBMITTED' THEN 1 WHEN 'ACCEPTED' THEN 2 WHEN 'RETURNED' THEN 3 END), created_at, id)`,
  ],
  ['evaluations_by_org', `evaluations (tenant_id, org_id, created_at, id)`],
  // the review queue (awaitingMyReview) in its usual order, the longest waiting first
  [
    'evaluations_awaiting_review',
    `evaluations (tenant_id, (CASE WHEN submitted_at IS NULL THEN 'infinity'::timestamptz ELSE submitted_at END), created_at, id) WHERE state = 'SUBMITTED'`,
  ],
  ['inspections_by_date', `inspections (tenant_id, inspected_on, created_at, id)`],
  ['inspections_by_created', `inspections (tenant_id, created_at, id)`],
  [
    'inspections_by_finalized',
    `inspections (tenant_id, (CASE WHEN finalized_at IS NULL THEN 'infinity'::timestamptz ELSE finalized_at END), created_at, id)`,
  ],
  ['inspections_by_state', `inspections (tenant_id, (CASE state WHEN 'DRAFT' THEN 0 WHEN 'FINALIZED' THEN 1 END), created_at, id)`],
  ['service_requests_by_due', `service_requests (tenant_id, due_at, created_at, id)`],
  ['service_requests_by_created', `service_requests (tenant_id, created_at, id)`],
  [
    'service_requests_by_answered',
    `service_requests (tenant_id, (CASE WHEN answered_at IS NULL THEN 'infinity'::timestamptz ELSE answered_at END), created_at, id)`,
  ],
  ['service_requests_by_state', `service_requests (tenant_id, (CASE state WHEN 'OPEN' THEN 0 WHEN 'ANSWERED' THEN 1 END), created_at, id)`],
  ['service_requests_from', `service_requests (tenant_id, from_org_id)`],
  ['pairings_by_started', `pairings (tenant_id, started_on, created_at, id)`],
  ['pairings_by_created', `pairings (tenant_id, created_at, id)`],
  ['pairings_by_ended', `pairings (tenant_id, (CASE WHEN ended_on IS NULL THEN 'infinity'::date ELSE ended_on END), created_at, id)`],
  [
    'pairings_by_last_visit',
    `pairings (tenant_id, (CASE WHEN last_visit_on IS NULL THEN started_on ELSE last_visit_on END), created_at, id)`,
  ],
  ['pairings_cadre', `pairings (tenant_id, cadre_id)`],
  ['pairing_persons_by_name', `pairing_persons (tenant_id, name)`],
  ['users_by_display_name', `users (tenant_id, display_name, username, id)`],
  ['users_by_created', `users (tenant_id, created_at, username, id)`],
  ['users_by_org', `users (tenant_id, org_id, username, id)`],
];

export class ListOrders1733990000000 implements MigrationInterface {
  name = 'ListOrders1733990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pairings ADD COLUMN last_visit_on date`);
    // Row-level security binds the owner too (FORCE): backfill each tenant under its own identity.
    await q.query(`
      DO $$
      DECLARE t uuid;
      BEGIN
        FOR t IN SELECT id FROM tenants LOOP
          PERFORM set_config('app.tenant_id', t::text, true);
          UPDATE pairings p SET last_visit_on = v.last
            FROM (SELECT pairing_id, max(visited_on) AS last FROM pairing_visits WHERE tenant_id = t GROUP BY pairing_id) v
           WHERE p.tenant_id = t AND p.id = v.pairing_id;
        END LOOP;
        PERFORM set_config('app.tenant_id', '', true);
      END $$`);
    for (const [name, definition] of INDEXES) await q.query(`CREATE INDEX ${name} ON ${definition}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of [...INDEXES].reverse()) await q.query(`DROP INDEX IF EXISTS ${name}`);
    await q.query(`ALTER TABLE pairings DROP COLUMN IF EXISTS last_visit_on`);
  }
}
