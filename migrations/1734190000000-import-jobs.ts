import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Imports as background jobs (issue 19): an uploaded org or user file of any size, kept here until the
 * job has run, with its state, progress and problems. A worker holds a job by its lease (`worker`,
 * `lease_until`, renewed by a heartbeat); a job whose lease ran out (its process died) is claimed again
 * and runs from the start (the apply is one transaction, so nothing of the interrupted run remains).
 * The problems of a refused file are rows of their own, paged like any list.
 */
export class ImportJobs1734190000000 implements MigrationInterface {
  name = 'ImportJobs1734190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE import_jobs (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('ORGS', 'USERS')),
        dry_run boolean NOT NULL,
        state text NOT NULL DEFAULT 'QUEUED' CHECK (state IN ('QUEUED', 'CHECKING', 'APPLYING', 'DONE', 'FAILED', 'ROLLED_BACK')),
        org_id uuid NOT NULL,
        created_by uuid NOT NULL,
        file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
        content_type text NOT NULL,
        size integer NOT NULL CHECK (size > 0),
        content bytea,
        rows_total integer,
        rows_checked integer NOT NULL DEFAULT 0,
        rows_applied integer NOT NULL DEFAULT 0,
        problem_count integer NOT NULL DEFAULT 0,
        failure jsonb,
        attempts integer NOT NULL DEFAULT 0,
        worker text,
        lease_until timestamptz,
        heartbeat_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        CHECK ((state IN ('DONE', 'FAILED', 'ROLLED_BACK')) = (finished_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX import_jobs_created ON import_jobs (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX import_jobs_unfinished ON import_jobs (tenant_id, lease_until) WHERE finished_at IS NULL`);
    await q.query(`
      CREATE TABLE import_job_problems (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        job_id uuid NOT NULL,
        seq integer NOT NULL,
        row_number integer NOT NULL,
        column_name text NOT NULL,
        reason text NOT NULL,
        params jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, job_id, seq),
        FOREIGN KEY (tenant_id, job_id) REFERENCES import_jobs (tenant_id, id) ON DELETE CASCADE
      )`);
    await isolateTenantTables(q, ['import_jobs', 'import_job_problems']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS import_job_problems`);
    await q.query(`DROP TABLE IF EXISTS import_jobs`);
  }
}
