import 'reflect-metadata';
import { hashPassword } from '../auth/password';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { withTransaction } from '../db/request-transaction';
import { createOrResetOperator, operatorPasswordProblem } from './operator-account';

/**
 * Creates (or resets the password of, unlocking it) a platform operator: the way into a production deployment, where
 * no demo data is seeded. Usage: OPERATOR_PASSWORD=… npm run operator -- <username> [display name]
 */
async function main(): Promise<void> {
  const [username, displayName = username] = process.argv.slice(2);
  const password = process.env.OPERATOR_PASSWORD ?? '';
  if (!username || !/^[A-Za-z0-9_.-]{2,64}$/.test(username)) throw new ConfigError('usage: npm run operator -- <username> [display name]');
  const problem = operatorPasswordProblem(username, password);
  if (problem) throw new ConfigError(problem);
  const config = loadConfig();
  const database = await openDatabase(config, { quiet: true });
  try {
    const hash = await hashPassword(password, config.passwordScryptCost);
    await withTransaction(database.dataSource, { platform: true }, (tx) => createOrResetOperator(tx, username, displayName, hash));
    console.log(`Platform operator "${username}" is ready; sign in with login(input: { username, password }) and no tenant.`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : `Failed: ${(error as Error).message}`);
  process.exit(1);
});
