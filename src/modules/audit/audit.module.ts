import { withTransaction } from '../../db/request-transaction';
import { DomainModule, Sweep, SweepDeps } from '../domain-module';
import { AuditEntry, PlatformAuditEntry } from './audit.entity';
import { AuditResolver, PlatformAuditResolver } from './audit.resolver';
import { auditService } from './audit.service';

/** Seals (or prunes) every tenant's log, each in a transaction of its own, then the platform's. */
async function maintainAll(deps: SweepDeps, prune: boolean) {
  const tenants = await withTransaction(deps.dataSource, { platform: true }, (tx) =>
    tx.query<{ id: string }>(`SELECT id FROM tenants ORDER BY slug`),
  );
  let changed = 0;
  for (const tenant of tenants) {
    changed += await withTransaction(deps.dataSource, { tenantId: tenant.id }, (tx) =>
      auditService.maintain(tx, 'tenant', tenant.id, prune),
    );
  }
  changed += await withTransaction(deps.dataSource, { platform: true, tenantId: null }, (tx) =>
    auditService.maintain(tx, 'platform', null, prune),
  );
  return { tenants: tenants.length, created: changed };
}

const sweeps: Sweep[] = [
  /** Every entry joins its log's hash chain within a minute (verification seals first, too). */
  { name: 'audit-seal', schedule: '* * * * *', run: (deps) => maintainAll(deps, false) },
  /** Entries older than each log's retention (never under 180 days) leave, the chain's anchor moves. */
  { name: 'audit-prune', schedule: '40 3 * * *', run: (deps) => maintainAll(deps, true) },
];

export default {
  name: 'audit',
  resolvers: [AuditResolver, PlatformAuditResolver],
  entities: [AuditEntry, PlatformAuditEntry],
  nodes: {},
  /**
   * Every successful mutation leaves its entry in the same transaction; sign-ins, and refusals of the
   * operator's and of account-security mutations, are written on a connection of their own.
   */
  aroundMutation: (ctx, field, args, run) => auditService.around(ctx, field, args, run),
  sweeps,
} satisfies DomainModule;
