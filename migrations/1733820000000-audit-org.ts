import { MigrationInterface, QueryRunner } from 'typeorm';

/** Entity type (as the audit log names it) → the table and column holding its org, frozen for the backfill. */
const DIRECT: [type: string, table: string, column: string][] = [
  ['User', 'users', 'org_id'],
  ['RoleAssignment', 'role_assignments', 'org_id'],
  ['Briefing', 'briefings', 'org_id'],
  ['Commitment', 'commitments', 'org_id'],
  ['DeadlineSubmission', 'deadline_submissions', 'org_id'],
  ['Evaluation', 'evaluations', 'org_id'],
  ['Exemplar', 'exemplars', 'org_id'],
  ['InnovationProject', 'innovation_projects', 'org_id'],
  ['Inspection', 'inspections', 'org_id'],
  ['LedgerEntry', 'ledger_entries', 'org_id'],
  ['LinkCode', 'link_codes', 'org_id'],
  ['Opinion', 'opinions', 'org_id'],
  ['PairingPerson', 'pairing_persons', 'org_id'],
  ['PublicReview', 'public_reviews', 'org_id'],
  ['ServiceBrand', 'service_brands', 'org_id'],
  ['Notification', 'notifications', 'org_id'],
  ['Rectification', 'rectifications', 'owner_org_id'],
  ['ServiceRequest', 'service_requests', 'from_org_id'],
  ['Campaign', 'campaigns', 'scope_org_id'],
];

/** Records without an org column: the org of their parent (child table, its parent column, parent table, the parent's org column). */
const VIA_PARENT: [type: string, table: string, parentColumn: string, parentTable: string, orgColumn: string][] = [
  ['Finding', 'findings', 'inspection_id', 'inspections', 'org_id'],
  ['ExemplarObjection', 'exemplar_objections', 'exemplar_id', 'exemplars', 'org_id'],
  ['Pairing', 'pairings', 'person_id', 'pairing_persons', 'org_id'],
];

/**
 * The audit log learns the org of each record, so that an admin over a subtree reads the entries of
 * its subtree only (records with no org, such as frameworks and settings, stay with the admins at the
 * root). Existing entries are backfilled best-effort from the records they name; an entry whose record
 * is gone (a deleted ledger entry, a revoked role) keeps no org and so shows only at the root.
 */
export class AuditOrg1733820000000 implements MigrationInterface {
  name = 'AuditOrg1733820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ADD COLUMN org_id uuid`);
    // The log is append-only by trigger, the owner's writes included: the backfill steps past it once.
    await q.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    // FORCE ROW LEVEL SECURITY binds the owner too: fill tenant by tenant (the registry is not forced).
    const tenants: { id: string }[] = await q.query(`SELECT id FROM tenants`);
    for (const { id } of tenants) {
      await q.query(`SELECT set_config('app.tenant_id', $1, true)`, [id]);
      await q.query(`UPDATE audit_log SET org_id = entity_id WHERE tenant_id = $1 AND entity_type = 'Org' AND org_id IS NULL`, [id]);
      for (const [type, table, column] of DIRECT) {
        await q.query(
          `UPDATE audit_log a SET org_id = x.${column} FROM ${table} x
            WHERE a.tenant_id = $1 AND a.entity_type = $2 AND a.org_id IS NULL AND x.tenant_id = a.tenant_id AND x.id = a.entity_id`,
          [id, type],
        );
      }
      for (const [type, table, parentColumn, parentTable, orgColumn] of VIA_PARENT) {
        await q.query(
          `UPDATE audit_log a SET org_id = p.${orgColumn} FROM ${table} x JOIN ${parentTable} p ON p.tenant_id = x.tenant_id AND p.id = x.${parentColumn}
            WHERE a.tenant_id = $1 AND a.entity_type = $2 AND a.org_id IS NULL AND x.tenant_id = a.tenant_id AND x.id = a.entity_id`,
          [id, type],
        );
      }
      await q.query(
        `UPDATE audit_log a SET org_id = pp.org_id FROM pairing_visits v JOIN pairings p ON p.tenant_id = v.tenant_id AND p.id = v.pairing_id
           JOIN pairing_persons pp ON pp.tenant_id = p.tenant_id AND pp.id = p.person_id
          WHERE a.tenant_id = $1 AND a.entity_type = 'PairingVisit' AND a.org_id IS NULL AND v.tenant_id = a.tenant_id AND v.id = a.entity_id`,
        [id],
      );
    }
    await q.query(`SELECT set_config('app.tenant_id', '', true)`);
    await q.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    await q.query(`CREATE INDEX audit_log_org ON audit_log (tenant_id, org_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS audit_log_org`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN IF EXISTS org_id`);
  }
}
