import PgBoss from 'pg-boss';
import { ConfigError } from '../config';
import { JOB_SCHEMA } from '../db/jobs-role';
import { jobRuns } from '../metrics';
import { moduleJobs, moduleSweeps } from '../modules';
import { Job, JobQueue, Sweep, SweepDeps, SweepOptions, SweepResult } from '../modules/domain-module';

/**
 * Background work on a PostgreSQL-backed queue (pg-boss 10), so no other infrastructure is needed.
 * The work itself is the modules' own: each registers its `sweeps` (name, cron, run) in its module
 * definition, and this worker keeps a queue and a schedule per sweep, knowing no module by name.
 *
 * Connections: pg-boss keeps its own small pool (max 2) logged in as the jobs role (`database.jobsUrl`,
 * src/db/jobs-role.ts), which owns the `pgboss` schema and nothing else and cannot read tenant tables
 * (the RLS-bound app role may not create pg-boss's tables: it owns nothing by design). The sweeps
 * themselves read and write tenant data through the app role's pool, one transaction per tenant, under
 * row-level security.
 *
 * Exactly once per occurrence: every queue is `stately` with a singleton key per sweep (at most one
 * queued and one running), the cron schedules live in pg-boss's tables (they survive restarts, and
 * several instances do not multiply them), and every notification a sweep writes has a unique key
 * (kind, subject, org, occurrence, recipient) inserted with ON CONFLICT DO NOTHING.
 */
export { JOB_SCHEMA };
export const queueName = (sweep: string) => `sweep-${sweep}`;
/** The queue of a module's on-demand job (DomainModule.jobs). */
export const jobQueueName = (job: string) => `job-${job}`;

export interface JobWorkerOptions extends SweepDeps {
  /** The jobs role's connection string: see the note above. `database.jobsUrl`. */
  jobsUrl: string;
  /** Take jobs from the queues (default true). false: only enqueue (a producer). */
  work?: boolean;
  /** Keep the cron schedules and run the clock (default true). */
  schedule?: boolean;
  pollingIntervalSeconds?: number;
  /** Options every sweep run by this worker gets (tests pin the reminder days). */
  sweepOptions?: Omit<SweepOptions, 'asOf'>;
  /** The sweeps to run (default: every module's, from the registry). */
  sweeps?: Sweep[];
  /** The on-demand jobs to run (default: every module's, from the registry). */
  jobs?: Job[];
}

export interface SweepJobData {
  asOf?: string;
}

export interface JobWorker extends JobQueue {
  boss: PgBoss;
  /** Queues a sweep now (or after `startAfterSeconds`); null when an identical one is already waiting. */
  enqueue(sweep: string, data?: SweepJobData, options?: { startAfterSeconds?: number }): Promise<string | null>;
  stop(): Promise<void>;
}

/**
 * A sweep's schedule (cron in Asia/Shanghai, UTC+8 all year: China keeps no daylight saving) as the same
 * cron in UTC. pg-boss evaluates every schedule every 30 s with cron-parser, whose `prev()` in a named
 * zone took 4–13 ms per schedule against 1.4–4.4 ms in UTC (this machine), blocking the event loop
 * meanwhile. Only a fixed hour moves; a schedule with a day field (which would move with it) is refused.
 */
export function shanghaiCronInUtc(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`sweep schedule "${cron}": five cron fields expected`);
  const [minute, hour, ...days] = fields;
  if (days.some((d) => d !== '*')) throw new Error(`sweep schedule "${cron}": a day field would fall on another day in UTC`);
  // every hour, or every n hours where n divides 8: the same hours in UTC
  if (hour === '*' || (/^\*\/\d+$/.test(hour) && 8 % Number(hour.slice(2)) === 0)) return cron;
  if (!/^\d{1,2}$/.test(hour) || Number(hour) > 23) throw new Error(`sweep schedule "${cron}": an hour of *, */n or one number expected`);
  return [minute, String((Number(hour) + 16) % 24), ...days].join(' ');
}

/** JOBS=off (or false/0/no) disables the worker; anything else unknown is a configuration error. */
export function jobsEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const raw = (env.JOBS ?? '').trim().toLowerCase();
  if (raw === '' || ['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`JOBS must be on or off, got "${env.JOBS}"`);
}

/** Runs a job and counts it in `party_job_runs_total` by queue and outcome (/metrics). */
async function counted<T>(queue: string, run: () => Promise<T>): Promise<T> {
  try {
    const result = await run();
    jobRuns.inc({ queue, outcome: 'ok' });
    return result;
  } catch (error) {
    jobRuns.inc({ queue, outcome: 'failed' });
    throw error;
  }
}

export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const schedule = options.schedule ?? true;
  const sweeps = options.sweeps ?? moduleSweeps;
  const jobs = options.jobs ?? moduleJobs;
  const send: JobQueue['send'] = (name, data) => {
    if (!jobs.some((j) => j.name === name)) throw new Error(`No module registers a job named ${name}`);
    return boss.send(jobQueueName(name), data);
  };
  const deps: SweepDeps = { dataSource: options.dataSource, config: options.config, queue: { send } };
  const boss = new PgBoss({
    connectionString: options.jobsUrl,
    schema: JOB_SCHEMA,
    max: 2,
    application_name: 'party-platform-jobs',
    schedule,
  });
  let stopping = false;
  boss.on('error', (error) => {
    // On shutdown the (embedded) database may close our connections first: expected, not worth a line.
    if (stopping && (error as { code?: string }).code === '57P01') return;
    console.error('[jobs]', error.message);
  });
  await boss.start();
  try {
    for (const sweep of sweeps) {
      await boss.createQueue(queueName(sweep.name), {
        name: queueName(sweep.name),
        policy: 'stately',
        retryLimit: 3,
        retryDelay: 60,
        retryBackoff: true,
        expireInSeconds: 15 * 60,
      });
      if (schedule)
        await boss.schedule(queueName(sweep.name), shanghaiCronInUtc(sweep.schedule), {}, { tz: 'UTC', singletonKey: sweep.name });
    }
    for (const job of jobs) {
      // no retries here: a job's own lease decides whether an interrupted run resumes (import jobs)
      await boss.createQueue(jobQueueName(job.name), {
        name: jobQueueName(job.name),
        policy: 'standard',
        retryLimit: 0,
        expireInSeconds: job.expireInSeconds ?? 3600,
      });
    }
    if (options.work ?? true) {
      for (const sweep of sweeps) {
        await boss.work<SweepJobData>(
          queueName(sweep.name),
          { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
          async ([job]): Promise<SweepResult> =>
            counted(queueName(sweep.name), () => sweep.run(deps, { ...options.sweepOptions, asOf: job.data?.asOf })),
        );
      }
      for (const sweep of sweeps.filter((s) => s.runAtStart)) await boss.send(queueName(sweep.name), {}, { singletonKey: sweep.name });
      for (const job of jobs) {
        await boss.work<Record<string, unknown>>(
          jobQueueName(job.name),
          { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
          async ([message]) => counted(jobQueueName(job.name), () => job.run(deps, message.data ?? {})),
        );
      }
    }
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw error;
  }
  return {
    boss,
    send,
    async enqueue(name, data = {}, opts = {}) {
      if (!sweeps.some((s) => s.name === name)) throw new Error(`No module registers a sweep named ${name}`);
      return boss.send(queueName(name), data, {
        singletonKey: name,
        ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
      });
    },
    async stop() {
      stopping = true;
      // Graceful: a running sweep finishes (or is retried later: it is idempotent), then the pool closes.
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
