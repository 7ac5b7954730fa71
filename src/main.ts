import 'reflect-metadata';
import { startApp } from './app';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/database';
import { jobsEnabled, startJobWorker } from './jobs/worker';
import { DEMO_SIGN_INS, seedDemoIfEmpty } from './seed/demo';

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  const runJobs = jobsEnabled(); // JOBS=off disables the background worker
  let seeded = false;
  // The demo seed runs under the start-up lock too: instances starting together seed once.
  const database = await openDatabase(config, {
    whileLocked: async (dataSource) => {
      if (config.seedDemo) seeded = await seedDemoIfEmpty(dataSource, config);
    },
  });
  // the worker first, so the routes can send it work (imports as jobs); with JOBS=off a queued import
  // waits for an instance that runs jobs (its resume sweep sends it)
  const jobs = runJobs ? await startJobWorker({ jobsUrl: database.jobsUrl, dataSource: database.dataSource, config }) : null;
  // the owner URL reaches only the tenant archive's routes (an export or restore opens its own short connection)
  const app = await startApp(
    config,
    database.dataSource,
    { port: config.port, host: config.host },
    { queue: jobs ?? undefined, ownerUrl: database.ownerUrl },
  );

  console.log(
    `GraphQL API ready at ${app.url} (${Date.now() - started} ms, Node ${process.version}${database.embedded ? ', embedded PostgreSQL' : ''})`,
  );
  if (config.seedDemo) {
    console.log(seeded ? 'Demo data seeded.' : 'Demo data present.');
    console.log(`Demo sign-ins (password "${config.demoPassword}"): ${DEMO_SIGN_INS.join(', ')}`);
    console.log(`Platform operator: username "operator" with no tenant, same password.`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining requests and shutting down`);
    let step = 'draining';
    const timer = setTimeout(
      () => {
        // say where it hung, so that an operator (or a test) sees which part would not let go
        console.error(`${signal}: shutdown did not finish in time (at: ${step}); exiting`);
        process.exit(1);
      },
      15000 + config.drainDelaySeconds * 1000,
    );
    timer.unref();
    // /readyz answers 503 from now on; a balancer polling it stops sending before the listener closes.
    app.startDraining();
    if (config.drainDelaySeconds) await new Promise((r) => setTimeout(r, config.drainDelaySeconds * 1000));
    step = 'stopping the job worker';
    await jobs?.stop().catch(() => undefined);
    step = 'closing the server';
    await app.close().catch(() => undefined);
    step = 'closing the database';
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
  } else {
    console.error('Failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
