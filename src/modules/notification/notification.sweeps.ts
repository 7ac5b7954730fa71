import { Sweep, SweepDeps, SweepResult, sweepEachTenantInBatches } from '../domain-module';

/** Notifications deleted by one statement of the prune sweep (each batch its own transaction). */
export const NOTIFICATION_PRUNE_BATCH = 5000;

/**
 * Deletes every tenant's notifications read more than NOTIFICATION_RETENTION_DAYS ago, in batches, each in a
 * transaction of its own: the reminder sweeps write rows every hour and nothing else ever removes one. Unread ones
 * stay (marking all read takes 5,000 a call); what they were about (the deadline, the rectification, the notice)
 * never goes with them. `created` counts the rows deleted.
 */
export function sweepReadNotifications(deps: SweepDeps): Promise<SweepResult> {
  return sweepEachTenantInBatches(deps, 'notifications sweep', (tx, tenantId) =>
    tx.execute(
      `DELETE FROM notifications WHERE tenant_id = $1 AND id IN (
         SELECT id FROM notifications
          WHERE tenant_id = $1 AND read_at < now() - make_interval(days => $2)
          LIMIT $3)`,
      [tenantId, deps.config.notificationRetentionDays, NOTIFICATION_PRUNE_BATCH],
    ),
  );
}

export const notificationPruneSweeps: Sweep[] = [{ name: 'notifications-prune', schedule: '40 3 * * *', run: sweepReadNotifications }];
