import { FastifyInstance } from 'fastify';
import { DataSource } from 'typeorm';
import { Config } from '../config';
import { RequestTransaction, Statement, withTransaction } from '../db/request-transaction';
import { RequestContext } from '../graphql/context';
import { RequestLimiter } from '../graphql/rate-limit';
import { LiveEvent } from '../graphql/live';

/** Loads one instance of a Node type within the viewer's reach (null when unknown or out of reach). */
export type NodeFetcher = (ctx: RequestContext, id: string) => Promise<object | null>;

/**
 * Re-reads a live event's objects for one subscriber, under its identity (ctx: its tenant, viewer
 * and transaction): the roots of the results it may receive (none: it receives nothing).
 */
export type LiveReread = (ctx: RequestContext, event: LiveEvent) => Promise<unknown[]>;

/**
 * A root field's first statements (src/graphql/read-ahead.ts), for the token's tenant and the field as
 * sent (its arguments, and the fields selected under it, for statements its sub-fields send next):
 * exactly the statements the resolvers will send; null or none when the arguments could not find
 * anything (a malformed id). It must not fail on any input, nor send a statement that can fail.
 */
export type ReadAhead = (
  tx: RequestTransaction,
  tenantId: string,
  args: Record<string, unknown>,
  field: AheadField,
) => Statement | Statement[] | null;

/** A field of the request as read ahead: its arguments (variables applied), and a field selected directly under it. */
export interface AheadField {
  args: Record<string, unknown>;
  /** The one field of that name selected directly under this one, without alias or directive; else null. */
  field(name: string): AheadField | null;
}

/** A root mutation field as the mutation hooks see it. */
export interface MutationField {
  name: string;
  /** It answers a scalar (deleteLedgerEntry, revokeRole): the record it names may be gone afterwards. */
  answersScalar: boolean;
}

/**
 * Runs around every root mutation, inside its savepoint: `run` performs the mutation; a hook's own
 * writes commit or roll back with it (the audit trail).
 */
export type MutationHook = (
  ctx: RequestContext,
  field: MutationField,
  args: Record<string, unknown>,
  run: () => Promise<unknown>,
) => Promise<unknown>;

/** What a sweep runs with: the RLS-bound pool (each tenant in a transaction of its own, as requests) and the configuration. */
export interface SweepDeps {
  dataSource: DataSource;
  config: Config;
  /** The job queue (absent when sweeps are run directly, without a worker). */
  queue?: JobQueue;
}

/** Sends work to a module's job (DomainModule.jobs) through the job worker's queue (pg-boss). */
export interface JobQueue {
  /** Queues one run of the job `name` with `data`; the pg-boss id, or null when refused as a duplicate. */
  send(name: string, data: object): Promise<string | null>;
}

/**
 * On-demand background work a module registers (an import file, a tenant export): the job worker keeps
 * a queue `job-<name>` and runs `run` for each message, one at a time per process. A message may be
 * delivered again (a restart, a re-send): `run` must be idempotent (the import jobs claim a lease first).
 */
export interface Job {
  /** Unique across modules; the queue is `job-<name>`. */
  name: string;
  /** How long one run may take before pg-boss gives it up (default an hour). */
  expireInSeconds?: number;
  run(deps: SweepDeps, data: Record<string, unknown>): Promise<void>;
}

/** One run's options: `asOf` judges dates as of that day ('YYYY-MM-DD'); a module's sweeps may take more of their own. */
export interface SweepOptions {
  asOf?: string;
  [option: string]: unknown;
}

export interface SweepResult {
  tenants: number;
  /** Records newly written (a repeated run writes 0: sweeps are idempotent). */
  created: number;
}

/**
 * Runs `work` for every tenant, each in transactions of its own that `work` opens scoped to it (row-level
 * security applies, as to requests). One tenant's failure does not hold up the others; the run fails
 * afterwards, naming them, so pg-boss retries it (sweeps are idempotent). `created` sums what work returns.
 */
export async function sweepEachTenant(
  deps: SweepDeps,
  sweep: string,
  work: (tenantId: string, slug: string) => Promise<number>,
): Promise<SweepResult> {
  const tenants = await withTransaction(deps.dataSource, { platform: true }, (tx) =>
    tx.query<{ id: string; slug: string }>(`SELECT id, slug FROM tenants ORDER BY slug`),
  );
  let created = 0;
  const failed: string[] = [];
  for (const tenant of tenants) {
    try {
      created += await work(tenant.id, tenant.slug);
    } catch (error) {
      console.error(`[jobs] ${sweep} failed for tenant ${tenant.slug}:`, error instanceof Error ? error.message : error);
      failed.push(tenant.slug);
    }
  }
  if (failed.length) throw new Error(`${sweep} failed for tenant(s) ${failed.join(', ')}`);
  return { tenants: tenants.length, created };
}

/**
 * `sweepEachTenant` for a sweep that works in batches: `batch` runs in a transaction of its own, scoped to the tenant,
 * again and again until it answers 0 (the rows it handled); `created` counts them all.
 */
export function sweepEachTenantInBatches(
  deps: SweepDeps,
  sweep: string,
  batch: (tx: RequestTransaction, tenantId: string) => Promise<number>,
): Promise<SweepResult> {
  return sweepEachTenant(deps, sweep, async (tenantId) => {
    let total = 0;
    for (;;) {
      const handled = await withTransaction(deps.dataSource, { tenantId }, (tx) => batch(tx, tenantId));
      total += handled;
      if (handled === 0) return total;
    }
  });
}

/**
 * Background work a module registers: the job worker (src/jobs/worker.ts) keeps one queue per sweep,
 * schedules it and runs it, knowing no module by name.
 */
export interface Sweep {
  /** Unique across modules; the queue is `sweep-<name>`. */
  name: string;
  /** Cron (in Asia/Shanghai). Sweeps are idempotent, so running often only shortens the delay. */
  schedule: string;
  /** Also queued once when a worker starts (the import jobs' resume: work a restart interrupted picks up at once). */
  runAtStart?: boolean;
  run(deps: SweepDeps, options: SweepOptions): Promise<SweepResult>;
}

/** What a module's own HTTP routes get from the app besides the Fastify instance. */
export interface RouteDeps {
  config: Config;
  dataSource: DataSource;
  /** The per-user and per-tenant request limits /graphql counts against, shared with these routes. */
  limiter: RequestLimiter;
  /** The job queue, when this process has a job worker (or producer). */
  queue?: JobQueue;
  /**
   * The owner's connection string, for the few routes that must read or write every column of a
   * tenant (the tenant archive: password hashes, chain heads). They open a short-lived connection of
   * their own and still set the tenant, so row-level security (forced on the owner too) applies.
   */
  ownerUrl?: string;
}

/**
 * What a domain folder contributes: its resolvers, TypeORM entities and Node types. Each folder
 * `src/modules/<name>/` exports one as `<name>.module.ts`; src/modules/index.ts collects them, so a new
 * domain plugs in without touching shared files.
 */
export interface DomainModule {
  name: string;
  resolvers: Function[];
  entities: Function[];
  nodes: Record<string, NodeFetcher>;
  /**
   * HTTP routes beside /graphql (report exports and imports, file uploads and downloads), registered at
   * start-up, before the server listens. Register them as an encapsulated plugin (`fastify.register`),
   * so their body parsers and error handler never apply to /graphql.
   */
  routes?: (fastify: FastifyInstance, deps: RouteDeps) => void;
  /** Background sweeps (reminders, overdue alerts) the job worker schedules and runs. */
  sweeps?: Sweep[];
  /** On-demand background jobs (imports as jobs) the job worker runs when a message is sent to them. */
  jobs?: Job[];
  /** Wraps every root mutation (core knows no module by name; the audit module registers its trail here). */
  aroundMutation?: MutationHook;
  /** Root fields (queries or mutations) whose first read goes with the request's opening round trip, by field name. */
  readAhead?: Record<string, ReadAhead>;
  /** What each live topic this module serves lets a subscriber see (src/graphql/live.ts), by topic. */
  liveTopics?: Record<string, LiveReread>;
  /**
   * Demo data for `npm start`: called once per demo tenant, as that tenant's admin (ctx.viewer), after
   * the tenant's framework, campaign and supervision team exist. Runs through the same services a
   * request uses, in the seed's transaction.
   */
  seedDemo?: (ctx: RequestContext, demo: { slug: string; campaignId: string; rootOrgId: string }) => Promise<void>;
}
