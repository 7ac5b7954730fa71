import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Service teams (issue 14): 党员学雷锋车队, 党员爱心车队 and the like, with their members and the service they
 * give (when, where, whom, what kind, how many hours, who served). Members and records carry their team's
 * org, bound to the team by a composite key, so that scope reads and the subtree totals need no join
 * through the team; a record's participants must be members of the record's own team (keys again).
 * Totals per team, member and org over a period are one statement over the (team | org, served_on) indexes.
 */
export class ServiceTeams1734140000002 implements MigrationInterface {
  name = 'ServiceTeams1734140000002';

  async up(q: QueryRunner): Promise<void> {
    const KINDS = `'DISABLED_ASSIST', 'STUDENT_AID', 'ELDERLY_CARE', 'MILITARY_SUPPORT', 'HOME_VISIT', 'GREEN_CHANNEL', 'OTHER'`;
    await q.query(`
      CREATE TABLE service_teams (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
        service_kinds text[] NOT NULL DEFAULT '{}' CHECK (service_kinds <@ ARRAY[${KINDS}]::text[] AND cardinality(service_kinds) <= 7),
        founded_on date,
        disbanded_on date,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, id, org_id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX service_teams_live_name ON service_teams (tenant_id, org_id, name) WHERE disbanded_on IS NULL`);
    await q.query(`
      CREATE TABLE service_team_members (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL,
        org_id uuid NOT NULL,
        user_id uuid,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
        role text NOT NULL CHECK (role IN ('CAPTAIN', 'MEMBER')),
        joined_on date NOT NULL,
        left_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, id, team_id),
        FOREIGN KEY (tenant_id, team_id, org_id) REFERENCES service_teams (tenant_id, id, org_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
        CHECK (left_on IS NULL OR left_on >= joined_on)
      )`);
    await q.query(`CREATE INDEX service_team_members_team ON service_team_members (tenant_id, team_id, joined_on)`);
    await q.query(`CREATE INDEX service_team_members_org ON service_team_members (tenant_id, org_id)`);
    // a person is in a team once at a time: by account, and by name among those without one
    await q.query(`CREATE UNIQUE INDEX service_team_members_live_user ON service_team_members (tenant_id, team_id, user_id)
                   WHERE left_on IS NULL AND user_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX service_team_members_live_name ON service_team_members (tenant_id, team_id, name)
                   WHERE left_on IS NULL AND user_id IS NULL`);
    await q.query(`
      CREATE TABLE service_records (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL,
        org_id uuid NOT NULL,
        served_on date NOT NULL CHECK (served_on >= '2000-01-01'),
        place text NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
        beneficiary text NOT NULL CHECK (length(beneficiary) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN (${KINDS})),
        kind_text text CHECK (length(kind_text) BETWEEN 1 AND 50),
        hours numeric(4, 1) NOT NULL CHECK (hours > 0 AND hours <= 24),
        participants integer NOT NULL CHECK (participants BETWEEN 1 AND 50),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, id, team_id),
        FOREIGN KEY (tenant_id, team_id, org_id) REFERENCES service_teams (tenant_id, id, org_id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        CHECK ((kind = 'OTHER') = (kind_text IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX service_records_team ON service_records (tenant_id, team_id, served_on)`);
    await q.query(`CREATE INDEX service_records_org ON service_records (tenant_id, org_id, served_on)`);
    await q.query(`
      CREATE TABLE service_record_members (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        record_id uuid NOT NULL,
        team_id uuid NOT NULL,
        member_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, record_id, member_id),
        FOREIGN KEY (tenant_id, record_id, team_id) REFERENCES service_records (tenant_id, id, team_id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, member_id, team_id) REFERENCES service_team_members (tenant_id, id, team_id)
      )`);
    await q.query(`CREATE INDEX service_record_members_member ON service_record_members (tenant_id, member_id)`);
    await isolateTenantTables(q, ['service_teams', 'service_team_members', 'service_records', 'service_record_members']);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['service_record_members', 'service_records', 'service_team_members', 'service_teams']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
