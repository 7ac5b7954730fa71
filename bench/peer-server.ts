/**
 * The peer: PostGraphile v5 (amber preset) over the bench database, schema public, as the RLS-bound app
 * role, with pgSettings putting the large tenant into app.tenant_id for every request (PostGraphile then
 * wraps each request in a transaction with set_config, as our server does). Runs on Node 22: PostGraphile 5
 * needs it. Loaded with require() so that the project's tsc never type-checks PostGraphile's typings.
 *
 * env: PEER_DATABASE_URL (app role), PEER_TENANT_ID, PORT, PEER_SCHEMA_OUT (optional: write the SDL there).
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

/* eslint-disable @typescript-eslint/no-require-imports */
const { postgraphile } = require('postgraphile');
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber');
const { makePgService } = require('postgraphile/adaptors/pg');
const { grafserv } = require('postgraphile/grafserv/node');
const { printSchema } = require('postgraphile/graphql');

const tenantId = process.env.PEER_TENANT_ID!;
const port = Number(process.env.PORT);

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.PEER_DATABASE_URL,
      schemas: ['public'],
      poolConfig: { max: 20 },
      pgSettings: () => ({ 'app.tenant_id': tenantId }),
    }),
  ],
  grafserv: { port, host: '127.0.0.1', graphiql: false, watch: false },
  grafast: { explain: false },
};

async function main(): Promise<void> {
  const pgl = postgraphile(preset);
  if (process.env.PEER_SCHEMA_OUT) writeFileSync(process.env.PEER_SCHEMA_OUT, printSchema(await pgl.getSchema()));
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.keepAliveTimeout = 65000;
  server.on('error', (e) => console.error('[peer]', e));
  await serv.addTo(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  console.log(`peer ready on ${port}`);
  const stop = () => {
    server.close();
    void Promise.resolve(pgl.release()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error('[peer] failed to start:', e);
  process.exit(1);
});
