import PgBoss from 'pg-boss';
import { ConfigError } from '../config';
import { JobDeps, SWEEP_KINDS, SweepKind, SweepOptions, SweepResult, sweeps } from './sweeps';

/**
 * Background work on a PostgreSQL-backed queue (pg-boss 10), so no other infrastructure is needed.
 *
 * Connections: pg-boss keeps its own small pool (max 2) logged in with the OWNER url, in its own schema
 * `pgboss`: it creates that schema and one table per queue, which the RLS-bound app role may not do
 * (it owns nothing by design). That pool touches only `pgboss.*`; the sweeps themselves read and write
 * tenant data through the app role's pool, one transaction per tenant, under row-level security.
 *
 * Exactly once per occurrence: every queue is `stately` with a singleton key per sweep (at most one
 * queued and one running), the cron schedules live in pg-boss's tables (they survive restarts, and
 * several instances do not multiply them), and every notification a sweep writes has a unique key
 * (kind, subject, org, occurrence, recipient) inserted with ON CONFLICT DO NOTHING.
 */
export const JOB_SCHEMA = 'pgboss';
export const queueName = (kind: SweepKind) => `sweep-${kind}`;

/** Cron (in Asia/Shanghai) per sweep. The sweeps are idempotent, so running often only shortens the delay. */
export const SCHEDULES: Record<SweepKind, string> = {
  'deadline-reminders': '5 * * * *',
  'rectifications-overdue': '15 * * * *',
  'service-requests-overdue': '*/10 * * * *',
  'notices-unread': '25 * * * *',
};

export interface JobWorkerOptions extends JobDeps {
  /** Owner (or superuser) connection string: see the note above. `database.ownerUrl`. */
  ownerUrl: string;
  /** Take jobs from the queues (default true). false: only enqueue (a producer). */
  work?: boolean;
  /** Keep the cron schedules and run the clock (default true). */
  schedule?: boolean;
  pollingIntervalSeconds?: number;
  /** Options every sweep run by this worker gets (tests pin the reminder days). */
  sweepOptions?: Omit<SweepOptions, 'asOf'>;
}

export interface SweepJobData {
  asOf?: string;
}

export interface JobWorker {
  boss: PgBoss;
  /** Queues a sweep now (or after `startAfterSeconds`); null when an identical one is already waiting. */
  enqueue(kind: SweepKind, data?: SweepJobData, options?: { startAfterSeconds?: number }): Promise<string | null>;
  stop(): Promise<void>;
}

/** JOBS=off (or false/0/no) disables the worker; anything else unknown is a configuration error. */
export function jobsEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const raw = (env.JOBS ?? '').trim().toLowerCase();
  if (raw === '' || ['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`JOBS must be on or off, got "${env.JOBS}"`);
}

export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const schedule = options.schedule ?? true;
  const boss = new PgBoss({
    connectionString: options.ownerUrl,
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
    for (const kind of SWEEP_KINDS) {
      await boss.createQueue(queueName(kind), {
        name: queueName(kind),
        policy: 'stately',
        retryLimit: 3,
        retryDelay: 60,
        retryBackoff: true,
        expireInSeconds: 15 * 60,
      });
      if (schedule) await boss.schedule(queueName(kind), SCHEDULES[kind], {}, { tz: 'Asia/Shanghai', singletonKey: kind });
    }
    if (options.work ?? true) {
      for (const kind of SWEEP_KINDS) {
        await boss.work<SweepJobData>(
          queueName(kind),
          { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
          async ([job]): Promise<SweepResult> => sweeps[kind](options, { ...options.sweepOptions, asOf: job.data?.asOf }),
        );
      }
    }
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw error;
  }
  return {
    boss,
    enqueue(kind, data = {}, opts = {}) {
      return boss.send(queueName(kind), data, {
        singletonKey: kind,
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
