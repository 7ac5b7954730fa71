import { pruneRefreshTokens } from '../../auth/auth.service';
import { Sweep, SweepDeps, SweepResult, sweepEachTenantInBatches } from '../domain-module';

/**
 * Deletes every tenant's refresh tokens dead (expired or revoked) for longer than
 * REFRESH_TOKEN_RETENTION_DAYS, in batches, each in a transaction of its own: every sign-in and every
 * refresh writes a row, and nothing else ever removes one. `created` counts the rows deleted.
 */
export function sweepRefreshTokens(deps: SweepDeps): Promise<SweepResult> {
  return sweepEachTenantInBatches(deps, 'refresh tokens sweep', (tx, tenantId) =>
    pruneRefreshTokens(tx, tenantId, deps.config.refreshTokenRetentionDays),
  );
}

export const userSweeps: Sweep[] = [{ name: 'refresh-tokens-prune', schedule: '50 3 * * *', run: (deps) => sweepRefreshTokens(deps) }];
