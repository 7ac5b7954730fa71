import { ChildProcess, spawn } from 'node:child_process';
import { buildDist } from '../helpers/build-dist';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';
import { pdf } from '../helpers/evidence-files';
import { TEST_JWT_SECRET, login } from '../helpers/server';
import { TEMPLATE_DEMO, clusterUrl, createTestDatabase, dropTestDatabase } from '../helpers/test-database';

const MB = 1024 * 1024;
const FILES = 10;
const SIZE = 20 * MB;

/** VmRSS and VmHWM (peak RSS since the last reset) of a process, in MB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * The benchmark line of issue 13: the server's resident memory while ten 20 MB files are uploaded at
 * once. The server is the built entry point in a process of its own (so the figure is the server's
 * alone, not the test runner's, which holds the 200 MB it sends). Reported, not judged by time; the one
 * assertion is that the server's memory grows by less than the files it received (it streams them into
 * PostgreSQL in 256 KiB rows instead of holding them).
 */
describe('upload memory', () => {
  let child: ChildProcess | undefined;
  let dbName: string | undefined;

  beforeAll(async () => {
    buildDist();
    dbName = await createTestDatabase(TEMPLATE_DEMO());
  }, 180_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dbName) await dropTestDatabase(dbName);
  });

  it('reports the server’s RSS while ten 20 MB files upload concurrently', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: path.join(__dirname, '..', '..'),
      env: {
        ...process.env,
        DATABASE_URL: clusterUrl(dbName as string),
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        SEED_DEMO: 'false',
        JOBS: 'off',
        RATE_LIMIT_USER_PER_MINUTE: '0',
        RATE_LIMIT_TENANT_PER_MINUTE: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (d) => output.push(String(d)));
    child.stderr?.on('data', (d) => output.push(String(d)));
    for (let i = 0; i < 300 && !output.join('').includes('ready at'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output.join('')).toContain('ready at');
    const pid = child.pid as number;
    const base = `http://127.0.0.1:${port}`;
    const token = await login(`${base}/graphql`, 'jtj', 'secretary');
    const send = async (name: string, bytes: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'application/pdf' }), name);
      const res = await fetch(`${base}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, json: (await res.json()) as any };
    };

    // warm the path once (modules loaded, JIT, pools), then measure from a settled process
    expect((await send('warm-up.pdf', pdf(randomBytes(MB)))).status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    const files = Array.from({ length: FILES }, () => pdf(randomBytes(SIZE - pdf(Buffer.alloc(0)).length)));
    const before = memoryOf(pid);
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // reset VmHWM: the peak from here on
    let sampledPeak = before.rss;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, memoryOf(pid).rss);
    }, 20);
    const started = Date.now();
    const answers = await Promise.all(files.map((bytes, i) => send(`证据材料-${i}.pdf`, bytes)));
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const after = memoryOf(pid);

    expect(answers.map((a) => a.status)).toEqual(Array(FILES).fill(201));
    expect(answers.map((a) => a.json.files[0].sha256)).toEqual(files.map((b) => createHash('sha256').update(b).digest('hex')));
    const peak = Math.max(after.peak, sampledPeak);
    const line =
      `upload memory: ${FILES} × ${SIZE / MB} MB uploaded concurrently in ${seconds.toFixed(1)} s; server RSS ` +
      `${before.rss.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (+${(peak - before.rss).toFixed(0)} MB), ` +
      `${after.rss.toFixed(0)} MB after`;
    process.stdout.write(`\n${line}\n`);
    expect(peak - before.rss).toBeLessThan((FILES * SIZE) / MB);
  }, 240_000);
});
