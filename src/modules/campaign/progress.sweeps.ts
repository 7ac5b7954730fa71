import { withTransaction } from '../../db/request-transaction';
import { Sweep, SweepDeps, SweepResult } from '../domain-module';
import { progressCounts } from './progress-counts';

/** Each tenant in transactions of its own, scoped to it (row-level security applies), as requests are. */
async function forEachTenant(deps: SweepDeps, work: (tenantId: string, slug: string) => Promise<number>): Promise<SweepResult> {
  const tenants = await withTransaction(deps.dataSource, { platform: true }, (tx) =>
    tx.query<{ id: string; slug: string }>(`SELECT id, slug FROM tenants ORDER BY slug`),
  );
  let created = 0;
  const failed: string[] = [];
  for (const tenant of tenants) {
    try {
      created += await work(tenant.id, tenant.slug);
    } catch (error) {
      console.error(`[jobs] progress sweep failed for tenant ${tenant.slug}:`, error instanceof Error ? error.message : error);
      failed.push(tenant.slug);
    }
  }
  if (failed.length) throw new Error(`progress sweep failed for tenant(s) ${failed.join(', ')}`);
  return { tenants: tenants.length, created };
}

/** Folds every tenant's pending progress deltas into the compact counts, a short transaction per batch. */
export function sweepProgressMerge(deps: SweepDeps): Promise<SweepResult> {
  return forEachTenant(deps, async (tenantId) => {
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
  return forEachTenant(deps, async (tenantId, slug) => {
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
