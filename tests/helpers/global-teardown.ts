import { rmSync } from 'node:fs';
import { TEMPLATE_CAMPAIGNS, TEMPLATE_DEMO, TEMPLATE_EMPTY, adminQuery } from './test-database';

export default async function globalTeardown(): Promise<void> {
  if (globalThis.__EMBEDDED_PG__) {
    await globalThis.__EMBEDDED_PG__.stop();
    if (process.env.TEST_EMBEDDED_DIR) rmSync(process.env.TEST_EMBEDDED_DIR, { recursive: true, force: true });
    return;
  }
  const leftovers = [TEMPLATE_EMPTY(), TEMPLATE_DEMO(), TEMPLATE_CAMPAIGNS()];
  for (const name of leftovers) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
