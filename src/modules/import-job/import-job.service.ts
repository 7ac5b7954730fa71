import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Role } from '../../auth/roles';
import { scopePaths } from '../../auth/viewer';
import { RequestTransaction, withTransaction } from '../../db/request-transaction';
import { RequestContext, createRequestContext, loadViewer, requireUser } from '../../graphql/context';
import { forLog, toAppError } from '../../graphql/errors';
import { keysetPage } from '../../graphql/keyset';
import { publishEvent } from '../../graphql/live';
import { renderReason } from '../../graphql/messages';
import { Page, decodeTypedCursor, encodeCursor, pageFrom, toGlobalId } from '../../graphql/relay';
import { auditService } from '../audit/audit.service';
import { SweepDeps, SweepResult } from '../domain-module';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { jobImportLimits } from '../report/import-limits';
import {
  Checked,
  ImportProblem,
  PlannedOrg,
  PlannedUser,
  applyOrgs,
  applyUsers,
  checkOrgs,
  checkUsers,
  requireImportAdmin,
} from '../report/imports';
import { Table, readTableOffThread } from '../report/table';
import { ImportJob, ImportJobKind, ImportJobProblem, ImportJobState } from './import-job.entity';
import { importJobError } from './import-job.errors';
import { holdLock } from '../../db/advisory-lock';

const ADMIN = [Role.TENANT_ADMIN];
/** The problems kept per job (problemCount counts them all). */
export const MAX_STORED_PROBLEMS = 10_000;
/** Runs of one job (the first and the resumptions after an interruption) before it is given up as ROLLED_BACK. */
export const MAX_ATTEMPTS = 3;
/** The pg-boss job (DomainModule.jobs) and the sweep that resumes interrupted jobs. */
export const IMPORT_JOB = 'import';
/** The live event kind sent (on taskChanged) whenever a job's progress or state changes. */
export const IMPORT_JOB_EVENT = 'IMPORT_JOB';

/** This process, as a job's lease holder. */
const WORKER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** The Retry-After of IMPORT_JOBS_BUSY: a job of a typical file finishes within a minute. */
const IMPORT_JOBS_RETRY_SECONDS = 60;

export interface ImportJobMessage {
  tenantId: string;
  jobId: string;
}

/**
 * Imports as background jobs. The upload route stores the file as a QUEUED job (in the request's
 * transaction) and sends a message to the job worker; the worker claims the job's lease, reads and
 * checks the file (CHECKING, rows checked counted), then applies it in ONE transaction (APPLYING,
 * rows applied counted; the job's DONE is written in that same transaction, so it commits with the
 * rows or not at all). Progress and the lease's heartbeat are written beside it in short
 * transactions of their own, each with a live event. A process that dies leaves its lease to run out;
 * the resume sweep sends the job again, and the next claim runs it from the start (its interrupted
 * transaction left nothing), up to MAX_ATTEMPTS runs.
 */
export const importJobService = {
  /** Stores an uploaded file as a queued job of the viewer (an admin), in the request's transaction. */
  async create(
    ctx: RequestContext,
    input: { kind: ImportJobKind; dryRun: boolean; fileName: string; contentType: string; content: Buffer },
  ): Promise<ImportJob> {
    const viewer = requireUser(ctx);
    requireImportAdmin(viewer);
    // readable by the admins over the uploader's (top) import scope
    const top = scopePaths(viewer, ADMIN)[0];
    const orgId = viewer.roles.find((r) => r.role === Role.TENANT_ADMIN && r.path === top)?.orgId;
    if (!orgId) throw importJobError('IMPORT_JOB_NOT_ALLOWED');
    // a tenant's unfinished jobs are bounded (one worker serves every tenant in turn, and each job keeps its
    // file): counted under a per-tenant lock, so concurrent uploads cannot all pass the count
    await holdLock(ctx.tx, `import-jobs:${viewer.tenantId}`);
    await this.requireRoom(ctx, viewer);
    const [{ id }] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO import_jobs (tenant_id, kind, dry_run, org_id, created_by, file_name, content_type, size, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        viewer.tenantId,
        input.kind,
        input.dryRun,
        orgId,
        viewer.userId,
        input.fileName,
        input.contentType,
        input.content.length,
        input.content,
      ],
    );
    return ctx.tx.repository(ImportJob).findOneByOrFail({ tenantId: viewer.tenantId, id });
  },

  /**
   * Refuses (IMPORT_JOBS_BUSY) when the tenant has IMPORT_JOBS_PER_TENANT unfinished jobs, and (IMPORT_JOBS_USER_BUSY)
   * when the uploader has IMPORT_JOBS_PER_USER of them. The upload's gate asks it before the body is read (a busy
   * tenant's or user's file is never received); `create` asks it again under the lock.
   */
  async requireRoom(ctx: RequestContext, uploader: { tenantId: string; userId: string }): Promise<void> {
    const [{ pending, own }] = await ctx.tx.query<{ pending: number; own: number }>(
      `SELECT count(*)::int AS pending, count(*) FILTER (WHERE created_by = $2)::int AS own
         FROM import_jobs WHERE tenant_id = $1 AND state IN ('QUEUED', 'CHECKING', 'APPLYING')`,
      [uploader.tenantId, uploader.userId],
    );
    const retryAfterSeconds = IMPORT_JOBS_RETRY_SECONDS;
    const userLimit = ctx.config.importJobsPerUser;
    if (own >= userLimit) throw importJobError('IMPORT_JOBS_USER_BUSY', { params: { limit: userLimit, retryAfterSeconds } });
    const limit = ctx.config.importJobsPerTenant;
    if (pending >= limit) throw importJobError('IMPORT_JOBS_BUSY', { params: { limit, retryAfterSeconds } });
  },

  /** A job, for an admin over the uploader's scope; null otherwise (foreign, out of scope, unknown alike). */
  find(ctx: RequestContext, id: string): Promise<ImportJob | null> {
    return findInScope(ctx, ImportJob, id, (j) => j.orgId, ADMIN);
  },

  /** The jobs the viewer may read, newest first. */
  list(ctx: RequestContext, first: number, after?: string): Promise<Page<ImportJob>> {
    const viewer = requireUser(ctx);
    return keysetPage(
      () => scopedQuery(ctx, ImportJob, 'j', 'org_id', rootsFor(viewer, null, ADMIN)),
      [
        { sql: 'j.created_at', type: 'timestamptz', desc: true },
        { sql: 'j.id', type: 'uuid', desc: true },
      ],
      first,
      after,
    );
  },

  /** A job's problems in file order, rendered in the request's language. */
  async problems(ctx: RequestContext, job: ImportJob, first: number, after?: string): Promise<Page<ImportJobProblem>> {
    const cursor = decodeTypedCursor(after, ['int']);
    const rows = await ctx.tx.query<{
      seq: number;
      row_number: number;
      column_name: string;
      reason: string;
      params: Record<string, unknown>;
    }>(
      `SELECT seq, row_number, column_name, reason, params FROM import_job_problems
        WHERE tenant_id = $1 AND job_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
      [job.tenantId, job.id, cursor ? Number(cursor[0]) : -1, first + 1],
    );
    const problems = rows.map((r) =>
      Object.assign(new ImportJobProblem(), {
        seq: r.seq,
        row: r.row_number,
        column: r.column_name,
        reason: r.reason,
        message: renderReason(r.reason, { ...r.params, row: r.row_number, column: r.column_name }, ctx.locale, ctx.timeZone) ?? r.reason,
      }),
    );
    return pageFrom(
      problems,
      first,
      after,
      (p) => encodeCursor([String(p.seq)]),
      async () => Math.min(job.problemCount, MAX_STORED_PROBLEMS),
    );
  },

  /** Why a whole file was refused (a bound, an unreadable file, an interruption), in the request's language. */
  failureMessage(ctx: RequestContext, job: ImportJob): string | null {
    if (!job.failure) return null;
    return renderReason(job.failure.reason, job.failure.params, ctx.locale, ctx.timeZone) ?? job.failure.reason;
  },

  run: runImportJob,

  /**
   * The resume sweep: in every tenant, the unfinished jobs whose lease ran out (their process died) or
   * that were never picked up (queued without a worker, or their message lost) are sent again.
   */
  async resume(deps: SweepDeps): Promise<SweepResult> {
    const lease = deps.config.importJobLeaseSeconds;
    const tenants = await withTransaction(deps.dataSource, { platform: true }, (tx) =>
      tx.query<{ id: string }>(`SELECT id FROM tenants ORDER BY id`),
    );
    let sent = 0;
    for (const tenant of tenants) {
      const stale = await withTransaction(deps.dataSource, { tenantId: tenant.id }, (tx) =>
        tx.query<{ id: string }>(
          `SELECT id FROM import_jobs WHERE tenant_id = $1 AND finished_at IS NULL
              AND (lease_until < now() OR (lease_until IS NULL AND created_at < now() - make_interval(secs => $2)))`,
          [tenant.id, lease],
        ),
      );
      for (const job of stale) {
        if (!deps.queue) break;
        await deps.queue.send(IMPORT_JOB, { tenantId: tenant.id, jobId: job.id } satisfies ImportJobMessage);
        sent++;
      }
    }
    return { tenants: tenants.length, created: sent };
  },
};

interface Claimed {
  kind: ImportJobKind;
  dry_run: boolean;
  content_bytes: number | null;
  content_type: string;
  created_by: string;
  attempts: number;
}

class LeaseLost extends Error {}

/** Bytes of the stored file read per statement. */
const CONTENT_SLICE = 256 * 1024;

/** One run of a job (a pg-boss message): claim, read, check, apply or refuse; never half-applied. */
async function runImportJob(deps: SweepDeps, data: Record<string, unknown>): Promise<void> {
  const { tenantId, jobId } = data as unknown as ImportJobMessage;
  const { dataSource, config } = deps;
  const lease = config.importJobLeaseSeconds;
  const gid = toGlobalId('ImportJob', jobId);
  const inTenant = <T>(work: (tx: RequestTransaction) => Promise<T>) => withTransaction(dataSource, { tenantId }, work);

  const [claimed] = await inTenant(async (tx) => {
    const rows = await tx.query<Claimed>(
      `WITH claimed AS (
         UPDATE import_jobs SET worker = $3, lease_until = now() + make_interval(secs => $4), heartbeat_at = now(),
                attempts = attempts + 1, state = 'CHECKING', rows_checked = 0, rows_applied = 0, started_at = coalesce(started_at, now())
          WHERE tenant_id = $1 AND id = $2 AND finished_at IS NULL AND (lease_until IS NULL OR lease_until < now())
          RETURNING kind, dry_run, octet_length(content) AS content_bytes, content_type, created_by, attempts)
       SELECT * FROM claimed`,
      [tenantId, jobId, WORKER, lease],
    );
    if (rows.length) await publishEvent({ tx }, IMPORT_JOB_EVENT, [gid]);
    return rows;
  });
  if (!claimed) return; // finished, or another worker holds it

  const progress = { checked: 0, applied: 0, total: null as number | null, lost: false };
  /** Ends the job (not DONE-applied: that commits with the rows), keeping the first MAX_STORED_PROBLEMS problems. */
  const finish = (state: ImportJobState, outcome: { problems?: ImportProblem[]; failure?: { reason: string; params: object } } = {}) =>
    inTenant(async (tx) => {
      const problems = outcome.problems ?? [];
      const done = await tx.execute(
        `UPDATE import_jobs SET state = $3, failure = $4, problem_count = $5, rows_total = coalesce($6, rows_total), rows_checked = $7,
                rows_applied = 0, content = NULL, finished_at = now(), lease_until = NULL, worker = NULL
          WHERE tenant_id = $1 AND id = $2 AND worker = $8`,
        [tenantId, jobId, state, outcome.failure ?? null, problems.length, progress.total, progress.checked, WORKER],
      );
      if (!done) return;
      const kept = problems.slice(0, MAX_STORED_PROBLEMS);
      await tx.execute(
        `INSERT INTO import_job_problems (tenant_id, job_id, seq, row_number, column_name, reason, params)
         SELECT $1, $2, p.seq, p.row_number, p.column_name, p.reason, p.params
           FROM unnest($3::int[], $4::int[], $5::text[], $6::text[], $7::jsonb[]) AS p(seq, row_number, column_name, reason, params)`,
        [
          tenantId,
          jobId,
          kept.map((_, i) => i),
          kept.map((p) => p.row),
          kept.map((p) => p.column),
          kept.map((p) => p.reason ?? 'IMPORT_INVALID'),
          kept.map(({ path: _path, row: _row, column: _column, reason: _reason, message: _message, ...params }) => JSON.stringify(params)),
        ],
      );
      await publishEvent({ tx }, IMPORT_JOB_EVENT, [gid]);
    });

  if (claimed.attempts > MAX_ATTEMPTS || !claimed.content_bytes) {
    await finish(ImportJobState.ROLLED_BACK, { failure: { reason: 'IMPORT_JOB_INTERRUPTED', params: { attempts: claimed.attempts - 1 } } });
    return;
  }

  // the heartbeat: renews the lease and writes the progress (with a live event) about every second
  let state: ImportJobState = ImportJobState.CHECKING;
  let beating: Promise<void> | null = null;
  const beat = () =>
    inTenant(async (tx) => {
      const kept = await tx.execute(
        `UPDATE import_jobs SET lease_until = now() + make_interval(secs => $3), heartbeat_at = now(), state = $4,
                rows_total = $5, rows_checked = $6, rows_applied = $7
          WHERE tenant_id = $1 AND id = $2 AND worker = $8 AND finished_at IS NULL`,
        [tenantId, jobId, lease, state, progress.total, progress.checked, progress.applied, WORKER],
      );
      if (!kept) progress.lost = true;
      else await publishEvent({ tx }, IMPORT_JOB_EVENT, [gid]);
    });
  const timer = setInterval(
    () => {
      beating ??= beat()
        .catch((error: unknown) => console.error('[import-job] heartbeat failed:', forLog(error)))
        .finally(() => (beating = null));
    },
    Math.min(1000, (lease * 1000) / 3),
  );
  const alive = () => {
    if (progress.lost) throw new LeaseLost(jobId);
  };

  /** The stored file, a slice at a time (decoding megabytes of bytea in one piece would stall the process). */
  const readContent = async () => {
    const size = claimed.content_bytes ?? 0;
    const out = Buffer.allocUnsafe(size);
    for (let at = 0; at < size; at += CONTENT_SLICE) {
      const [{ part }] = await inTenant((tx) =>
        tx.query<{ part: Buffer }>(`SELECT substring(content FROM $3 FOR $4) AS part FROM import_jobs WHERE tenant_id = $1 AND id = $2`, [
          tenantId,
          jobId,
          at + 1,
          CONTENT_SLICE,
        ]),
      );
      part.copy(out, at);
    }
    return out;
  };

  const ctx = createRequestContext(config, dataSource, 'jobs');
  try {
    let table: Table;
    try {
      table = await readTableOffThread(await readContent(), claimed.content_type, jobImportLimits(config.importJobMaxRows));
    } catch (error) {
      const known = toAppError(error);
      if (!known) throw error;
      const { reason, field: _field, problems: _problems, ...params } = known.details;
      return await finish(ImportJobState.FAILED, { failure: { reason: reason ?? 'UNREADABLE_FILE', params } });
    }
    progress.total = table.rows.length;
    if (!table.rows.length) return await finish(ImportJobState.FAILED, { failure: { reason: 'IMPORT_NO_ROWS', params: {} } });

    try {
      await loadViewer(ctx, { kind: 'user', sub: claimed.created_by, tid: tenantId });
      requireImportAdmin(requireUser(ctx));
    } catch (error) {
      if (!toAppError(error)) throw error;
      return await finish(ImportJobState.FAILED, { failure: { reason: 'IMPORT_JOB_NOT_ALLOWED', params: {} } });
    }

    const onChecked = async (n: number) => (alive(), (progress.checked = n), undefined);
    const checked: Checked<PlannedOrg | PlannedUser> =
      claimed.kind === ImportJobKind.ORGS ? await checkOrgs(ctx, table, onChecked) : await checkUsers(ctx, table, onChecked);
    progress.checked = table.rows.length;
    alive();
    if (checked.problems.length) {
      await ctx.tx.finish(false);
      return await finish(ImportJobState.FAILED, { problems: checked.problems });
    }
    if (claimed.dry_run) {
      await ctx.tx.finish(false);
      return await finish(ImportJobState.DONE);
    }

    state = ImportJobState.APPLYING;
    await beating;
    await beat();
    const onApplied = async (n: number) => (alive(), (progress.applied = n), undefined);
    const refused =
      claimed.kind === ImportJobKind.ORGS
        ? await applyOrgs(ctx, checked.planned as PlannedOrg[], onApplied)
        : await applyUsers(ctx, checked.planned as PlannedUser[], onApplied);
    alive();
    if (refused.length) {
      await ctx.tx.finish(false);
      return await finish(ImportJobState.ROLLED_BACK, { problems: refused });
    }
    await auditService.record(
      ctx,
      claimed.kind === ImportJobKind.ORGS ? 'importOrgs' : 'importUsers',
      { input: { job: gid, rows: table.rows.length, created: checked.planned.length, contentType: claimed.content_type } },
      null,
    );
    // DONE commits with the rows (or neither does), and only while this worker still holds the lease
    const done = await ctx.tx.execute(
      `UPDATE import_jobs SET state = 'DONE', rows_total = $3, rows_checked = $3, rows_applied = $4, content = NULL,
              finished_at = now(), lease_until = NULL, worker = NULL
        WHERE tenant_id = $1 AND id = $2 AND worker = $5 AND finished_at IS NULL`,
      [tenantId, jobId, table.rows.length, checked.planned.length, WORKER],
    );
    if (!done) throw new LeaseLost(jobId);
    await publishEvent(ctx, IMPORT_JOB_EVENT, [gid]);
    await ctx.tx.finish(true);
  } catch (error) {
    await ctx.tx.finish(false).catch(() => undefined);
    if (error instanceof LeaseLost) return; // another run owns the job now
    console.error('[import-job] failed:', forLog(error));
    await finish(state === ImportJobState.APPLYING ? ImportJobState.ROLLED_BACK : ImportJobState.FAILED, {
      failure: { reason: 'IMPORT_JOB_ERROR', params: {} },
    }).catch(() => undefined); // the database may be gone: the lease then runs out and the job resumes
  } finally {
    clearInterval(timer);
    await ctx.tx.finish(false).catch(() => undefined);
    await beating;
  }
}
