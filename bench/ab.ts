/**
 * `npm run bench:ab -- --a <checkout> [--b <checkout>] [--op orgsPage] [--orgs 5000] [--rounds 8] [--seconds 3] [--conns 1,32]`
 *
 * Two builds of our server side by side on one generated database, loaded in turn in short bursts (A then B, then B
 * then A, round after round) so that a host whose speed drifts by tens of percent from minute to minute (see the
 * README's ninth session) weighs on both alike. Prints, per build and concurrency, the median of the rounds' req/s,
 * our server's CPU per request and p50. `--a` and `--b` are checkouts that have been built (`npm run build`); B is this
 * one by default. Nothing is written; the database is created and dropped as `npm run bench` does.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/db/embedded';
import { projectRoot } from '../src/paths';
import { openBenchCluster } from './cluster';
import { generate } from './generate';
import { load } from './load';
import { OPS, OpId, Versions, oursTarget, probe } from './operations';
import { ServerProcess, V8_FLAGS, httpOk, ourServerEnv, signInAdmin, startServer } from './processes';

const log = (line = '') => process.stdout.write(`${line}\n`);

function argument(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const a = argument(argv, '--a');
  if (!a) throw new Error('--a <checkout> is required: a built checkout to compare with');
  const builds = { A: path.resolve(a), B: path.resolve(argument(argv, '--b') ?? projectRoot) };
  const op = (argument(argv, '--op') ?? 'orgsPage') as OpId;
  if (!OPS.some((o) => o.id === op)) throw new Error(`--op must be one of ${OPS.map((o) => o.id).join(', ')}`);
  const orgs = Number(argument(argv, '--orgs') ?? 5000);
  const rounds = Number(argument(argv, '--rounds') ?? 8);
  const seconds = Number(argument(argv, '--seconds') ?? 3);
  const conns = (argument(argv, '--conns') ?? '1,32').split(',').map(Number);
  if (![orgs, rounds, seconds, ...conns].every((n) => Number.isInteger(n) && n > 0))
    throw new Error('--orgs, --rounds, --seconds and --conns take whole positive numbers');

  const cluster = await openBenchCluster(log);
  const servers: ServerProcess[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'party-bench-ab-'));
  try {
    const data = await generate(
      cluster.ownerUrl,
      {
        orgs,
        smallTenants: 2,
        smallOrgs: 200,
        evaluatedShare: 0.85,
        scoreBudget: 2000,
        draftPool: 2000,
        inspections: 100,
        acceptPool: 100,
      },
      log,
    );
    const started: Record<string, ServerProcess> = {};
    for (const [name, dir] of Object.entries(builds)) {
      const port = await freePort();
      const server = await startServer({
        name: `build ${name}`,
        binary: process.execPath,
        args: [...V8_FLAGS, path.join(dir, 'dist', 'src', 'main.js')],
        env: ourServerEnv(process.env, { databaseUrl: cluster.ownerUrl, port, dataDir: tmp }),
        url: `http://127.0.0.1:${port}`,
        ready: () => httpOk(`http://127.0.0.1:${port}/healthz`),
      });
      servers.push(server);
      started[name] = server;
    }
    const token = await signInAdmin(started.A.url, data.large.slug);
    const versions: Versions = new Map();
    const target = (server: ServerProcess) => oursTarget(server.url, token, data, versions, op);
    // warm: the caches and learned reads as a deployment's, and the JIT past its first tiers
    for (const server of servers) {
      for (let i = 0; i < 5; i++) if (!(await probe(target(server))).ok) throw new Error(`${op} answered wrongly`);
      await load(target(server), { connections: 32, seconds: 4 });
    }
    const seen = new Map<string, { rps: number; cpu: number; p50: number }[]>();
    for (let round = 0; round < rounds; round++) {
      for (const connections of conns) {
        for (const name of round % 2 ? ['B', 'A'] : ['A', 'B']) {
          const server = started[name];
          const m = await load(target(server), { connections, seconds, pid: server.pid });
          const key = `${name} c${connections}`;
          seen.set(key, [...(seen.get(key) ?? []), { rps: m.rps, cpu: m.cpuPerRequest, p50: m.p50 }]);
        }
      }
    }
    log(`${op} at ${orgs} orgs, ${rounds} rounds of ${seconds} s; A ${builds.A}, B ${builds.B}; medians:`);
    for (const [key, runs] of seen) {
      log(
        `  ${key.padEnd(6)} ${median(runs.map((r) => r.rps)).toFixed(0)} req/s, CPU ${median(runs.map((r) => r.cpu)).toFixed(3)} ms/req ` +
          `(rounds: ${runs.map((r) => r.cpu.toFixed(2)).join(' ')}), p50 ${median(runs.map((r) => r.p50)).toFixed(2)} ms`,
      );
    }
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await cluster.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
