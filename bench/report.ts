import { Measurement } from './load';
import { OPS, OpId } from './operations';

export type Side = 'ours' | 'floor' | 'peer';

export interface Row {
  op: OpId;
  connections: number;
  ours?: Measurement;
  floor?: Measurement;
  peer?: Measurement;
  /** Our server's SQL statements per request (x-sql-statements). */
  statements?: number | null;
  notes?: Partial<Record<Side, string>>;
}

export interface Soak {
  seconds: number;
  connections: number;
  samples: { t: number; rss: number }[];
  start: number;
  end: number;
  max: number;
  /** Seconds of the same load before the judged window: caches fill to their bounds, the heap to its working size. */
  warmup: number;
  /** Least-squares slope over the samples after the warm-up, MB per minute (the judged figure). */
  slope: number;
  /** The same over the samples after the first 10 s, warm-up included (shown, not judged). */
  slopeFrom10: number;
  /** The lowest RSS of each 30 s after the warm-up (where collection brings it back), and their slope (shown, not judged). */
  floors: number[];
  floorSlope: number;
  /** The lowest V8 heap in use of each 30 s after the warm-up, MB, and their slope (shown, not judged). */
  heapFloors: number[];
  heapFloorSlope: number;
  requests: number;
  errors: number;
  foreignCores?: number;
}

export interface Target {
  name: string;
  status: 'PASS' | 'MISS' | 'n/a';
  detail: string;
}

const f = (n: number | undefined, digits = 1) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const rps = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n >= 100 ? Math.round(n).toString() : n.toFixed(1));
/** Cells during which other processes used more than this much CPU are marked † (unreliable). */
export const NOISY_CORES = 0.25;
const mrps = (m?: Measurement) => (m ? `${rps(m.rps)}${(m.foreignCores ?? 0) > NOISY_CORES ? ' †' : ''}` : '–');
const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n >= 10 ? n.toFixed(1) : n.toFixed(2));
/** The server's CPU per request and, when measured, its database backends' (`1.83 + 2.40`). */
const cpu = (m?: Measurement) =>
  m === undefined ? '–' : m.dbCpuPerRequest === undefined ? f(m.cpuPerRequest, 2) : `${f(m.cpuPerRequest, 2)} + ${f(m.dbCpuPerRequest, 2)}`;
const ratio = (a?: Measurement, b?: Measurement) => (a && b && b.rps > 0 ? `${(a.rps / b.rps).toFixed(2)}×` : '–');

export function slope(samples: { t: number; rss: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mr = samples.reduce((s, x) => s + x.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.rss - mr);
    den += (x.t - mt) ** 2;
  }
  return den > 0 ? (num / den) * 60 : 0;
}

export function resultsTable(rows: Row[], peerNote: string | null): string {
  const head = [
    '| operation | conc. | ours req/s | p50 ms | p99 ms | errors | RSS MB | SQL/req | CPU ms/req server + DB | floor req/s | p50 ms | p99 ms | CPU ms/req server + DB | peer req/s | p50 ms | p99 ms | CPU ms/req server + DB | ours/floor | ours/peer |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const label = (op: OpId) => OPS.find((o) => o.id === op)!.label;
  const body = rows.map((r) => {
    const peer = r.peer ? [mrps(r.peer), ms(r.peer.p50), ms(r.peer.p99), cpu(r.peer)] : [r.notes?.peer ?? peerNote ?? 'n/a', '', '', ''];
    return (
      `| ${label(r.op)} | ${r.connections} | ${mrps(r.ours)} | ${ms(r.ours?.p50)} | ${ms(r.ours?.p99)} | ${r.ours?.errors ?? '–'} | ${f(r.ours?.rssMax, 0)} | ${r.statements ?? '–'} | ${cpu(r.ours)} | ` +
      `${mrps(r.floor)} | ${ms(r.floor?.p50)} | ${ms(r.floor?.p99)} | ${cpu(r.floor)} | ${peer.join(' | ')} | ${ratio(r.ours, r.floor)} | ${ratio(r.ours, r.peer)} |`
    );
  });
  return [...head, ...body].join('\n');
}

export function errorsLine(rows: Row[]): string {
  const sum = (side: Side) => rows.reduce((s, r) => s + (r[side]?.errors ?? 0), 0);
  const rss = (side: Side) => Math.max(0, ...rows.map((r) => r[side]?.rssMax ?? 0));
  return `Errors: ours ${sum('ours')}, floor ${sum('floor')}, peer ${sum('peer')}. Largest RSS during a run: ours ${f(rss('ours'), 0)} MB, floor ${f(rss('floor'), 0)} MB, peer ${f(rss('peer'), 0)} MB.`;
}

export function targetsTable(targets: Target[]): string {
  return [
    '| target | result | where it stands |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.name} | ${t.status} | ${t.detail} |`),
  ].join('\n');
}

export function soakLine(soak: Soak | null): string {
  if (!soak) return 'Memory soak: skipped (smoke mode or --soak 0).';
  return (
    `Memory soak (${soak.seconds} s mixed ops 1–4, ${soak.connections} connections, RSS of our server every second): ` +
    `start ${f(soak.start)} MB, end ${f(soak.end)} MB, max ${f(soak.max)} MB, slope ${soak.slope >= 0 ? '+' : ''}${f(soak.slope, 2)} MB/min after a ${soak.warmup} s warm-up ` +
    `(${soak.slopeFrom10 >= 0 ? '+' : ''}${f(soak.slopeFrom10, 2)} MB/min from 10 s, warm-up included; lowest RSS of each 30 s ` +
    `after the warm-up ${soak.floors.map((x) => f(x)).join(', ')} MB, slope ${soak.floorSlope >= 0 ? '+' : ''}${f(soak.floorSlope, 2)} MB/min; ` +
    `V8 heap in use, lowest of each 30 s, ${soak.heapFloors.map((x) => f(x)).join(', ')} MB, slope ${soak.heapFloorSlope >= 0 ? '+' : ''}${f(soak.heapFloorSlope, 2)} MB/min); ` +
    `${soak.requests} requests, ${soak.errors} errors; other processes used ${f(soak.foreignCores, 2)} cores meanwhile.`
  );
}

export function noiseLine(noise: { cell: string; cores: number }[]): string {
  if (!noise.length) return '';
  const mean = noise.reduce((s, n) => s + n.cores, 0) / noise.length;
  const worst = noise.reduce((a, b) => (b.cores > a.cores ? b : a));
  const noisy = noise.filter((n) => n.cores > NOISY_CORES);
  return (
    `CPU used by other processes on the machine during the measured windows: mean ${mean.toFixed(2)} cores, max ${worst.cores.toFixed(2)} (${worst.cell}); ` +
    (noisy.length
      ? `${noisy.length} of ${noise.length} cells above ${NOISY_CORES} cores are marked † (their figures are disturbed).`
      : `no cell above ${NOISY_CORES} cores.`)
  );
}
