import 'reflect-metadata';
import { hashPassword } from '../auth/password';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { withTransaction } from '../db/request-transaction';

/**
 * Creates (or resets the password of) a platform operator: the way into a production deployment, where
 * no demo data is seeded. Usage: OPERATOR_PASSWORD=… npm run operator -- <username> [display name]
 */
async function main(): Promise<void> {
  const [username, displayName = username] = process.argv.slice(2);
  const password = process.env.OPERATOR_PASSWORD ?? '';
  if (!username || !/^[A-Za-z0-9_.-]{2,64}$/.test(username)) throw new ConfigError('usage: npm run operator -- <username> [display name]');
  if (password.length < 12) throw new ConfigError('OPERATOR_PASSWORD must hold at least 12 characters');
  const database = await openDatabase(loadConfig(), { quiet: true });
  try {
    const hash = await hashPassword(password);
    await withTransaction(database.dataSource, { platform: true }, (tx) =>
      tx.query(
        `INSERT INTO platform_operators (username, display_name, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, disabled = false`,
        [username, displayName, hash],
      ),
    );
    console.log(`Platform operator "${username}" is ready; sign in with login(input: { username, password }) and no tenant.`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : `Failed: ${(error as Error).message}`);
  process.exit(1);
});
