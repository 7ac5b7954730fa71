import { DataSource } from 'typeorm';
import { hashPassword } from '../auth/password';
import { Config } from '../config';
import { RequestTransaction, withTransaction } from '../db/request-transaction';
import { Org } from '../modules/org/org.entity';
import { insertOrg } from '../modules/org/org.service';
import { provisionTenant } from '../modules/tenant/tenant.service';
import { seedDemoCampaigns } from './demo-campaigns';
import { OrgSpec, demoTenants } from './demo-data';

export const DEMO_SIGN_INS = demoTenants.flatMap((t) => t.users.map((u) => `${t.slug}/${u.username}`));

async function insertTree(tx: RequestTransaction, tenantId: string, parent: Org, specs: OrgSpec[], byName: Map<string, Org>) {
  for (const [name, kind, category, children] of specs) {
    const org = await insertOrg(tx, tenantId, parent, { name, kind, category });
    byName.set(name, org);
    if (children) await insertTree(tx, tenantId, org, children, byName);
  }
}

/**
 * Seeds the two demo tenants of the source document, their org trees and a user per role, plus a
 * platform operator, when no tenant exists yet; then (unless told not to) each tenant's framework
 * variant and campaign. Runs through the app role, under RLS like a request.
 */
export async function seedDemoIfEmpty(dataSource: DataSource, config: Config, options: { campaigns?: boolean } = {}): Promise<boolean> {
  const passwordHash = await hashPassword(config.demoPassword, config.passwordScryptCost);
  const seeded = await withTransaction(dataSource, { platform: true }, async (tx) => {
    // One seeder at a time, even with several instances starting together.
    await tx.query(`SELECT pg_advisory_xact_lock(7301521)`);
    const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM tenants`);
    if (n > 0) return false;
    await tx.query(`INSERT INTO platform_operators (username, display_name, password_hash) VALUES ('operator', '平台运维', $1)`, [
      passwordHash,
    ]);
    for (const spec of demoTenants) {
      const [rootName, , rootCategory, children] = spec.root;
      const admin = spec.users[0];
      const { tenant, root } = await provisionTenant(
        tx,
        {
          slug: spec.slug,
          name: spec.name,
          rootOrgName: rootName,
          rootOrgCategory: rootCategory,
          adminUsername: admin.username,
          adminDisplayName: admin.displayName,
          adminPasswordHash: passwordHash,
        },
        config.passwordScryptCost,
      );
      const byName = new Map<string, Org>([[rootName, root]]);
      await insertTree(tx, tenant.id, root, children ?? [], byName);
      for (const user of spec.users.slice(1)) {
        const org = byName.get(user.org);
        if (!org) throw new Error(`demo data: unknown org ${user.org}`);
        const [row] = await tx.query<{ id: string }>(
          `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [tenant.id, user.username, user.displayName, passwordHash, org.id],
        );
        await tx.query(`INSERT INTO role_assignments (tenant_id, user_id, role, org_id) VALUES ($1, $2, $3, $4)`, [
          tenant.id,
          row.id,
          user.role,
          org.id,
        ]);
      }
      // demo passwords ('demo') never expire and need no change: the demo bypasses the account policy
      await tx.execute(`UPDATE users SET password_changed_at = NULL, must_change_password = false WHERE tenant_id = $1`, [tenant.id]);
      await tx.setIdentity({ platform: true, tenantId: null });
    }
    return true;
  });
  if (seeded && options.campaigns !== false) await seedDemoCampaigns(dataSource, config);
  return seeded;
}
