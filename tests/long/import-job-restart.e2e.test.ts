import { ChildProcess, spawn } from 'node:child_process';
import { buildDist } from '../helpers/build-dist';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/db/embedded';
import { TEST_JWT_SECRET, login } from '../helpers/server';
import { TEMPLATE_DEMO, clusterUrl, createTestDatabase, dropTestDatabase } from '../helpers/test-database';

const ROOT = path.join(__dirname, '..', '..');
const ROWS = 30_000;

/**
 * An import job whose server process is killed (SIGKILL, no shutdown) while it applies: nothing of the
 * file is in the database; a server started again claims the job once its lease has run out (its resume
 * sweep runs at start and every minute) and applies the whole file, once.
 */
describe('an import job survives the death of its server', () => {
  let dbName: string;
  let su: Client;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    buildDist();
    dbName = await createTestDatabase(TEMPLATE_DEMO());
    su = new Client({ connectionString: clusterUrl(dbName) });
    await su.connect();
  }, 180_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await su?.end().catch(() => undefined);
    if (dbName) await dropTestDatabase(dbName);
  });

  async function serve(): Promise<{ child: ChildProcess; base: string; exited: Promise<unknown>; output: () => string }> {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: clusterUrl(dbName),
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        SEED_DEMO: 'false',
        RATE_LIMIT_USER_PER_MINUTE: '0',
        IMPORT_JOB_LEASE_SECONDS: '3',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const output: string[] = [];
    child.stdout!.on('data', (d) => output.push(String(d)));
    child.stderr!.on('data', (d) => output.push(String(d)));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 300 && !output.join('').includes('ready at'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!output.join('').includes('ready at')) throw new Error(`server did not start:\n${output.join('')}`);
    return { child, base: `http://127.0.0.1:${port}`, exited, output: () => output.join('') };
  }

  const job = async () =>
    (await su.query(`SELECT state, attempts, rows_applied, rows_checked, lease_until < now() AS expired FROM import_jobs`)).rows[0];
  const orgs = async () => (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM orgs`)).rows[0].n;

  it('rolls the interrupted apply back, then resumes and applies the whole file once', async () => {
    const before = await orgs();
    const first = await serve();
    const token = await login(`${first.base}/graphql`, 'jtj', 'admin');
    const lines = ['组织名称,组织类型,单位类别,上级组织', '重启测试党委,党委,企业,市公交集团党委'];
    for (let i = 0; i < ROWS - 1; i++) lines.push(`重启${i}党支部,党支部,企业,重启测试党委`);
    const form = new FormData();
    form.append('file', new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), 'restart.csv');
    const res = await fetch(`${first.base}/imports/orgs/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(res.status).toBe(202);

    // kill the server while it writes: rows applied but not committed
    for (let i = 0; i < 600; i++) {
      const j = await job();
      if (j?.state === 'APPLYING' && j.rows_applied > 0) break;
      if (j?.state === 'DONE') throw new Error('the job finished before it could be interrupted');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const interrupted = await job();
    expect(interrupted).toMatchObject({ state: 'APPLYING', attempts: 1 });
    expect(interrupted.rows_applied).toBeGreaterThan(0);
    expect(await orgs()).toBe(before); // its transaction died with its connection

    // a new server: at start its resume sweep finds the lease run out and sends the job again
    const second = await serve();
    for (let i = 0; i < 1200 && (await job()).state !== 'DONE'; i++) await new Promise((r) => setTimeout(r, 100));
    // what the second run met, and what its server wrote, when it did not finish
    const ended = await job();
    if (ended.state !== 'DONE') {
      const why = (await su.query(`SELECT failure, problem_count FROM import_jobs`)).rows[0];
      console.log(`import job ended ${ended.state}: ${JSON.stringify(why)}\n${second.output().slice(-4000)}`);
    }
    expect(ended).toMatchObject({ state: 'DONE', attempts: 2, rows_applied: ROWS, rows_checked: ROWS });
    expect(await orgs()).toBe(before + ROWS);
    expect((await su.query(`SELECT count(*)::int AS n FROM orgs WHERE name = '重启测试党委'`)).rows[0].n).toBe(1);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 240_000);
});
