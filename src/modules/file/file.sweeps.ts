import { withTransaction } from '../../db/request-transaction';
import { Sweep, SweepDeps, SweepResult, sweepEachTenant } from '../domain-module';
import { sweepUnattachedFiles } from './file.service';

/**
 * Removes every tenant's files that have stayed on no record past FILE_UNATTACHED_TTL_HOURS (uploads
 * never attached, files left by deleted records), giving their room back to the tenant's quota.
 */
export function sweepUnattached(deps: SweepDeps): Promise<SweepResult> {
  return sweepEachTenant(deps, 'unattached files sweep', async (tenantId) => {
    let total = 0;
    for (;;) {
      const removed = await withTransaction(deps.dataSource, { tenantId }, (tx) =>
        sweepUnattachedFiles(tx, tenantId, deps.config.fileUnattachedTtlHours),
      );
      total += removed;
      if (removed === 0) return total;
    }
  });
}

export const fileSweeps: Sweep[] = [{ name: 'files-unattached', schedule: '17 * * * *', run: (deps) => sweepUnattached(deps) }];
