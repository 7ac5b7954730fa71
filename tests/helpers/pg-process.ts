import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';

/** An embedded PostgreSQL in a child process that the test can restart at will. */
export interface PgProcess {
  url: string;
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPgProcess(dir: string): Promise<PgProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'embedded-pg-runner.mjs'), dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((msg: Record<string, unknown>) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const next = () => new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve));
  const ready = await next();
  return {
    url: ready.url as string,
    async restart(downMs) {
      const done = next();
      child.stdin!.write(`restart ${downMs}\n`);
      await done;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.stdin!.write('stop\n');
      await done;
    },
  };
}
