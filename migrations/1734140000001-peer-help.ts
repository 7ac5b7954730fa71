import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 同级党组织互帮互助 (issue 14): pairings of orgs of the same level (结对共建: two orgs, a period, goals) and
 * the help one org asks of a paired or sibling org, answered within the tenant's time limit (限时办结).
 * Both tables name two orgs; each is read by whoever reads either org, and lists take both org columns
 * through the orgs' path_key ranges, hence an index on each.
 */
export class PeerHelp1734140000001 implements MigrationInterface {
  name = 'PeerHelp1734140000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE peer_pairings (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        partner_org_id uuid NOT NULL,
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        goals text[] NOT NULL CHECK (cardinality(goals) BETWEEN 1 AND 20 AND length(array_to_string(goals, '')) <= 20000),
        ended_on date,
        end_reason text CHECK (length(end_reason) BETWEEN 1 AND 2000),
        ended_by uuid,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, partner_org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, ended_by) REFERENCES users (tenant_id, id),
        CHECK (org_id <> partner_org_id),
        CHECK (ends_on >= starts_on AND ends_on - starts_on <= 3660),
        CHECK ((ended_on IS NULL) = (end_reason IS NULL) AND (ended_on IS NULL) = (ended_by IS NULL))
      )`);
    await q.query(`CREATE INDEX peer_pairings_org ON peer_pairings (tenant_id, org_id, starts_on)`);
    await q.query(`CREATE INDEX peer_pairings_partner ON peer_pairings (tenant_id, partner_org_id, starts_on)`);
    await q.query(`
      CREATE TABLE peer_help_requests (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        from_org_id uuid NOT NULL,
        to_org_id uuid NOT NULL,
        pairing_id uuid,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
        state text NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'ANSWERED')),
        due_at timestamptz NOT NULL,
        answer text CHECK (length(answer) BETWEEN 1 AND 20000),
        answered_by uuid,
        answered_at timestamptz,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, from_org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, to_org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, pairing_id) REFERENCES peer_pairings (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, answered_by) REFERENCES users (tenant_id, id),
        CHECK (from_org_id <> to_org_id),
        CHECK ((state = 'ANSWERED') = (answer IS NOT NULL) AND (answer IS NULL) = (answered_at IS NULL) AND (answer IS NULL) = (answered_by IS NULL))
      )`);
    await q.query(`CREATE INDEX peer_help_requests_from ON peer_help_requests (tenant_id, from_org_id, created_at)`);
    await q.query(`CREATE INDEX peer_help_requests_to ON peer_help_requests (tenant_id, to_org_id, created_at)`);
    await q.query(`CREATE INDEX peer_help_requests_pairing ON peer_help_requests (tenant_id, pairing_id) WHERE pairing_id IS NOT NULL`);
    await q.query(`CREATE INDEX peer_help_requests_open ON peer_help_requests (tenant_id, due_at) WHERE state = 'OPEN'`);
    await isolateTenantTables(q, ['peer_pairings', 'peer_help_requests']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS peer_help_requests`);
    await q.query(`DROP TABLE IF EXISTS peer_pairings`);
  }
}
