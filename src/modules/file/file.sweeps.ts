import { Sweep, SweepDeps, SweepResult, sweepEachTenantInBatches } from '../domain-module';
import { sweepUnattachedFiles } from './file.service';

/**
 * Removes every tenant's files that have stayed on no record past FILE_UNATTACHED_TTL_HOURS (uploads
 * never attached, files left by deleted records), giving their room back to the tenant's quota.
 */
export function sweepUnattached(deps: SweepDeps): Promise<SweepResult> {
  return sweepEachTenantInBatches(deps, 'unattached files sweep', (tx, tenantId) =>
    sweepUnattachedFiles(tx, tenantId, deps.config.fileUnattachedTtlHours),
  );
}

export const fileSweeps: Sweep[] = [{ name: 'files-unattached', schedule: '17 * * * *', run: (deps) => sweepUnattached(deps) }];
