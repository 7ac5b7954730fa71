import { cpuMs, databaseCpu, rssMb } from './processes';

/* eslint-disable @typescript-eslint/no-require-imports */
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => AutocannonInstance;

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  stop(): void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
}

/** One request of an operation: the harness picks the next one for every request sent. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Called with each response body; false counts as an error (GraphQL errors, wrong shape, conflicts). */
  check?: (status: number, body: string) => boolean;
}

export interface LoadTarget {
  baseUrl: string;
  next(): RequestSpec;
}

export interface Measurement {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Largest RSS of the server process during the measured window, MB. */
  rssMax: number;
  rssEnd: number;
  /** CPU time of the server process per completed request, ms (robust to other load on the machine). */
  cpuPerRequest: number;
  /** CPU time of the database's backends per completed request, ms (when the harness names the database). */
  dbCpuPerRequest?: number;
  /** CPU (cores) used by processes outside the bench during the window (set by the harness). */
  foreignCores?: number;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;

/** Runs autocannon for `seconds` against the target; latencies are kept at full (sub-ms) resolution. */
export async function load(
  target: LoadTarget,
  options: {
    connections: number;
    seconds: number;
    pid?: number;
    database?: string;
    sampleEveryMs?: number;
    onSample?: (t: number, rss: number) => void;
  },
): Promise<Measurement> {
  const url = new URL(target.baseUrl);
  let errors = 0;
  const latencies: number[] = [];
  const requests = [
    {
      setupRequest(req: Record<string, unknown>, context: Record<string, unknown>) {
        const spec = target.next();
        context.spec = spec;
        req.method = spec.method;
        req.path = spec.path;
        req.body = spec.body ?? '';
        req.headers = { 'content-type': 'application/json', ...spec.headers };
        return req;
      },
      onResponse(status: number, body: string, context: Record<string, unknown>) {
        const spec = context.spec as RequestSpec | undefined;
        const ok = status >= 200 && status < 300 && (spec?.check ? spec.check(status, body) : !body.includes('"errors"'));
        if (!ok) errors++;
      },
    },
  ];
  let rssMax = 0;
  let rssEnd = NaN;
  const started = Date.now();
  const sample = () => {
    if (!options.pid) return;
    const rss = rssMb(options.pid);
    if (Number.isFinite(rss)) {
      rssMax = Math.max(rssMax, rss);
      rssEnd = rss;
      options.onSample?.((Date.now() - started) / 1000, rss);
    }
  };
  sample();
  const cpuBefore = options.pid ? cpuMs(options.pid) : NaN;
  const dbCpu = options.database ? databaseCpu(options.database) : undefined;
  const dbCpuMark = dbCpu?.mark();
  const timer = setInterval(sample, options.sampleEveryMs ?? 250);
  try {
    const instance = autocannon({
      url: `${url.protocol}//${url.host}`,
      connections: options.connections,
      pipelining: 1,
      duration: options.seconds,
      timeout: 30,
      requests,
      // nothing is printed: the harness prints its own table
    });
    instance.on('response', (_client, _status, _bytes, ms) => {
      latencies.push(ms);
    });
    const result = await instance;
    sample();
    const sorted = Float64Array.from(latencies).sort();
    const elapsed = result.duration || options.seconds;
    return {
      requests: result.requests.total,
      rps: result.requests.total / elapsed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      errors: errors + result.errors + result.timeouts,
      rssMax,
      rssEnd,
      cpuPerRequest: options.pid && result.requests.total ? (cpuMs(options.pid) - cpuBefore) / result.requests.total : NaN,
      dbCpuPerRequest: dbCpu && dbCpuMark && result.requests.total ? dbCpu.since(dbCpuMark) / result.requests.total : undefined,
    };
  } finally {
    clearInterval(timer);
  }
}
