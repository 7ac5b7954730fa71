import { pruneRefreshTokens } from '../../auth/auth.service';
import { withTransaction } from '../../db/request-transaction';
import { Sweep, SweepDeps, SweepResult, sweepEachTenant } from '../domain-module';

/**
 * Deletes every tenant's refresh tokens dead (expired or revoked) for longer than
 * REFRESH_TOKEN_RETENTION_DAYS, in batches, each in a transaction of its own: every sign-in and every
 * refresh writes a row, and nothing else ever removes one. `created` counts the rows deleted.
 */
export function sweepRefreshTokens(deps: SweepDeps): Promise<SweepResult> {
  return sweepEachTenant(deps, 'refresh tokens sweep', async (tenantId) => {
    let total = 0;
    for (;;) {
      const removed = await withTransaction(deps.dataSource, { tenantId }, (tx) =>
        pruneRefreshTokens(tx, tenantId, deps.config.refreshTokenRetentionDays),
      );
      total += removed;
      if (removed === 0) return total;
    }
  });
}

export const userSweeps: Sweep[] = [{ name: 'refresh-tokens-prune', schedule: '50 3 * * *', run: (deps) => sweepRefreshTokens(deps) }];
