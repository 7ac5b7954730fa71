import { timingSafeEqual } from 'node:crypto';
import { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';

/**
 * Prometheus metrics (prom-client) for `/metrics`, which exists only when METRICS_TOKEN is set and
 * answers only `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise; 404 without a token configured).
 * Per app: request durations by route, GraphQL operation and outcome, SQL statements per request, the
 * request pool's size, idle and waiting clients. Per process: job runs by queue and outcome, and
 * prom-client's process metrics (CPU, memory, event loop lag, handles).
 */

/** Shared by every app in the process (tests start several): counters of the job worker and process metrics. */
const processRegistry = new Registry();
let processMetricsOn = false;

export const jobRuns = new Counter({
  name: 'party_job_runs_total',
  help: 'Background job runs by queue and outcome (ok, failed)',
  labelNames: ['queue', 'outcome'] as const,
  registers: [processRegistry],
});

/** Operation names are the client's words: a bounded set of plausible ones, the rest counted as "other". */
const MAX_OPERATIONS = 200;

export interface AppMetrics {
  observe(sample: { route: string; operation?: string; status: number; errorCode?: string; seconds: number; statements?: number }): void;
  /** Reports the compiled query documents (src/graphql/compiled-queries.ts) from `read`, once the gateway exists. */
  watchCompiledQueries(read: () => { kept: number; total: number }): void;
}

export function registerMetrics(fastify: FastifyInstance, dataSource: DataSource, token: string | undefined): AppMetrics {
  const registry = new Registry();
  if (!processMetricsOn) {
    collectDefaultMetrics({ register: processRegistry });
    processMetricsOn = true;
  }
  const duration = new Histogram({
    name: 'party_http_request_duration_seconds',
    help: 'HTTP requests by route, GraphQL operation name and outcome (the first error code, or ok)',
    labelNames: ['route', 'operation', 'status', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const statements = new Histogram({
    name: 'party_sql_statements_per_request',
    help: 'SQL statements a GraphQL request sent on its connection (BEGIN and COMMIT included)',
    labelNames: ['operation'] as const,
    buckets: [0, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const pool = (dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
  const poolGauge = (name: string, help: string, read: (p: NonNullable<typeof pool>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pool ? read(pool) : 0);
      },
    });
  poolGauge('party_db_pool_connections', 'Connections of the request pool (open)', (p) => p.totalCount);
  poolGauge('party_db_pool_idle', 'Idle connections of the request pool', (p) => p.idleCount);
  poolGauge('party_db_pool_waiting', 'Requests waiting for a connection of the request pool', (p) => p.waitingCount);

  let compiledQueries: (() => { kept: number; total: number }) | undefined;
  new Gauge({
    name: 'party_compiled_query_documents',
    help: 'Query documents kept compiled (at most 500; the rest run on graphql-js)',
    registers: [registry],
    collect() {
      this.set(compiledQueries?.().kept ?? 0);
    },
  });
  new Gauge({
    name: 'party_compiled_query_compiles',
    help: 'Query documents compiled since the process started (at most 60 a minute); rising steadily: clients send ever new documents',
    registers: [registry],
    collect() {
      this.set(compiledQueries?.().total ?? 0);
    },
  });

  const operations = new Set<string>();
  const operationLabel = (name: string | undefined) => {
    if (!name) return '';
    if (operations.has(name)) return name;
    if (operations.size >= MAX_OPERATIONS || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
    operations.add(name);
    return name;
  };

  if (token) {
    const expected = Buffer.from(`Bearer ${token}`);
    fastify.get('/metrics', async (request, reply) => {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.status(401).header('www-authenticate', 'Bearer').send({ status: 'unauthorized' });
      }
      const merged = Registry.merge([registry, processRegistry]);
      return reply.header('content-type', merged.contentType).send(await merged.metrics());
    });
  }

  return {
    watchCompiledQueries(read) {
      compiledQueries = read;
    },
    observe(sample) {
      const operation = operationLabel(sample.operation);
      const outcome = sample.errorCode ?? (sample.status < 400 ? 'ok' : String(sample.status));
      duration.observe({ route: sample.route, operation, status: String(sample.status), outcome }, sample.seconds);
      if (sample.statements !== undefined) statements.observe({ operation }, sample.statements);
    },
  };
}
