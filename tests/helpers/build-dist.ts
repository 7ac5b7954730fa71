import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Builds `dist/` (the real entry point, `dist/src/main.js`) once per jest run, for the tests that
 * spawn the server as an operator would. Each such file used to run tsc itself: with three workers,
 * one rewrote `dist/` while another's server was loading it (a server failed to start with
 * "withTransaction is not a function", a module read half-written). A lock directory lets one worker
 * build; the others wait for it and find the run's stamp.
 */
export function buildDist(): void {
  const run = process.env.TEST_DB_PREFIX ?? `pid_${process.pid}`; // set once per run by the global setup
  const stamp = path.join(ROOT, 'dist', '.built-for-run');
  const lock = path.join(ROOT, '.dist-build.lock');
  const builtForRun = () => {
    try {
      return readFileSync(stamp, 'utf8') === run;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 300_000;
  while (!builtForRun()) {
    try {
      mkdirSync(lock);
    } catch {
      // another worker builds; a lock older than five minutes is a killed run's
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new Error('dist/ was not built within five minutes (lock held)');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      continue;
    }
    try {
      if (builtForRun()) return;
      try {
        execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
      } catch {
        /* type errors elsewhere still emit JavaScript; the spawn fails loudly if not */
      }
      mkdirSync(path.dirname(stamp), { recursive: true });
      writeFileSync(stamp, run);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
