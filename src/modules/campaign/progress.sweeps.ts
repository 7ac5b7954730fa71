import { withTransaction } from '../../db/request-transaction';
import { Sweep, SweepDeps, SweepResult, sweepEachTenant } from '../domain-module';
import { progressCounts } from './progress-counts';

/** Folds every tenant's pending progress deltas into the compact counts, a short transaction per batch. */
export function sweepProgressMerge(deps: SweepDeps): Promise<SweepResult> {
  return sweepEachTenant(deps, 'progress sweep', async (tenantId) => {
    let total = 0;
    for (;;) {
      const merged = await withTransaction(deps.dataSource, { tenantId }, (tx) => progressCounts.merge(tx, tenantId));
      total += merged;
      if (merged < 10_000) return total;
    }
  });
}

/**
 * Compares every campaign's kept counts and standings with a full recomputation, reports any drift
 * (a line per campaign) and repairs it; `created` is the number of rows repaired (0 when nothing drifted).
 */
export function sweepProgressReconcile(deps: SweepDeps): Promise<SweepResult> {
  return sweepEachTenant(deps, 'progress sweep', async (tenantId, slug) => {
    const drifts = await withTransaction(deps.dataSource, { tenantId }, (tx) => progressCounts.reconcile(tx, tenantId));
    for (const d of drifts) {
      console.warn(
        `[jobs] progress drift repaired in tenant ${slug}, campaign ${d.campaignId}: ${d.counts} count rows, ${d.standings} standings`,
      );
    }
    return drifts.reduce((n, d) => n + d.counts + d.standings, 0);
  });
}

export const progressSweeps: Sweep[] = [
  // every minute: readers add pending deltas, so the merge only keeps their number small
  { name: 'progress-merge', schedule: '* * * * *', run: (deps) => sweepProgressMerge(deps) },
  { name: 'progress-reconcile', schedule: '40 2 * * *', run: (deps) => sweepProgressReconcile(deps) },
];
