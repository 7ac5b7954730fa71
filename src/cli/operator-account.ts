import { DEFAULT_POLICY, passwordClasses } from '../auth/policy';
import { RequestTransaction } from '../db/request-transaction';

/** An operator's password: at least 12 characters, and the default policy's classes, without the username in it. */
export function operatorPasswordProblem(username: string, password: string): string | null {
  if ([...password].length < 12) return 'OPERATOR_PASSWORD must hold at least 12 characters';
  if ([...password].length > 200) return 'OPERATOR_PASSWORD must hold at most 200 characters';
  if (passwordClasses(password) < DEFAULT_POLICY.minClasses) {
    return `OPERATOR_PASSWORD needs at least ${DEFAULT_POLICY.minClasses} of upper case, lower case, digits and symbols`;
  }
  if (password.normalize('NFKC').toLowerCase().includes(username.toLowerCase())) return 'OPERATOR_PASSWORD must not contain the username';
  return null;
}

/**
 * Creates a platform operator, or resets an existing one's password: enabled, its failures and lock cleared, its
 * sessions ended (its session epoch raised: the access tokens issued before are refused), and its sign-in throttle
 * cleared too: the way back in for an operator locked with OPERATOR_LOCKOUT_MINUTES at 0, or for every operator locked
 * at once. Recorded on the platform's audit log (action `operatorAccount`, no actor: a shell on the server), in the
 * same transaction. `tx` runs with the platform flag on. Answers whether the operator was created or reset.
 */
export async function createOrResetOperator(
  tx: RequestTransaction,
  username: string,
  displayName: string,
  passwordHash: string,
): Promise<'created' | 'reset'> {
  // Two statements, not INSERT … ON CONFLICT DO UPDATE: reading EXCLUDED.password_hash would need
  // SELECT on the column, which the app role does not hold.
  const reset = await tx.execute(
    `UPDATE platform_operators SET password_hash = $2, disabled = false, failed_sign_ins = 0, locked_at = NULL, locked_until = NULL,
            session_epoch = session_epoch + 1
      WHERE username = $1`,
    [username, passwordHash],
  );
  if (!reset) {
    await tx.execute(`INSERT INTO platform_operators (username, display_name, password_hash) VALUES ($1, $2, $3)`, [
      username,
      displayName,
      passwordHash,
    ]);
  }
  await tx.query(`SELECT app_throttle_forgive($1, true)`, [`login:account::${username.toLowerCase()}`]);
  const [operator] = await tx.query<{ id: string }>(`SELECT id FROM platform_operators WHERE username = $1`, [username]);
  const done = reset ? 'reset' : 'created';
  await tx.execute(
    `INSERT INTO platform_audit_log (action, entity_type, entity_id, data, outcome, account) VALUES ('operatorAccount', 'PlatformOperator', $1, $2, 'SUCCESS', $3)`,
    [operator.id, JSON.stringify({ done, via: 'cli' }), username],
  );
  return done;
}
