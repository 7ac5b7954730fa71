import { hashPassword } from '../../auth/password';
import { DEFAULT_POLICY, assertPasswordPolicy } from '../../auth/policy';
import { Role } from '../../auth/roles';
import { holdsRoleAtRoot } from '../../auth/scope';
import { RequestTransaction } from '../../db/request-transaction';
import { RequestContext, requireOperator, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { insertDefaultExemplarKinds } from '../exemplar/exemplar-kind.defaults';
import { Org, OrgCategory, OrgKind } from '../org/org.entity';
import { insertOrg } from '../org/org.service';
import { assertPasswordStrength } from '../user/user.service';
import { Tenant } from './tenant.entity';
import { tenantError } from './tenant.errors';
import { DEFAULT_TIME_ZONE } from '../../graphql/today';

export interface ProvisionTenantInput {
  slug: string;
  name: string;
  rootOrgName: string;
  rootOrgCategory?: OrgCategory;
  adminUsername: string;
  adminDisplayName: string;
  adminPassword?: string;
  /** Pre-computed hash (the demo seed hashes its shared password once); else adminPassword is hashed. */
  adminPasswordHash?: string;
}

export interface ProvisionedTenant {
  tenant: Tenant;
  root: Org;
  /** The first admin's user id (a User object is read through userService, as anywhere else). */
  admin: { id: string };
}

/**
 * The first admin's initial password: the tenant's most powerful account, whose password is changed at the first
 * sign-in by whoever signs in first with it. Held to the default account policy (the new tenant has no other yet):
 * its length, classes and no username in it, so it is not among a guesser's first tries.
 */
function assertInitialAdminPassword(input: ProvisionTenantInput): void {
  const password = input.adminPassword ?? '';
  assertPasswordStrength(password, 'input.adminPassword');
  assertPasswordPolicy(DEFAULT_POLICY, password, input.adminUsername, 'input.adminPassword');
}

/**
 * Creates a tenant with its root org and first admin. The transaction must run with the platform flag
 * on; it is then scoped to the new tenant so the RLS policies accept the tenant's own rows.
 */
export async function provisionTenant(
  tx: RequestTransaction,
  input: ProvisionTenantInput,
  /** log2 of scrypt's N for the admin's password (config.passwordScryptCost); unused with adminPasswordHash */
  passwordCost: number,
): Promise<ProvisionedTenant> {
  await tx.setIdentity({ platform: true, tenantId: null });
  const exists = await tx.query<{ one: number }>(`SELECT 1 AS one FROM tenants WHERE slug = $1`, [input.slug]);
  if (exists.length) throw tenantError('TENANT_SLUG_TAKEN', 'input.slug');
  const [{ id }] = await tx.query<{ id: string }>(`INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id`, [
    input.slug,
    input.name,
  ]);
  await tx.setIdentity({ tenantId: id });
  const root = await insertOrg(tx, id, null, {
    name: input.rootOrgName,
    kind: OrgKind.COMMITTEE,
    category: input.rootOrgCategory ?? OrgCategory.ORGAN,
  });
  let passwordHash = input.adminPasswordHash;
  if (passwordHash === undefined) {
    const password = input.adminPassword ?? '';
    assertInitialAdminPassword(input);
    passwordHash = await hashPassword(password, passwordCost);
  }
  // an initial password the operator chose is changed at the first sign-in (the demo seed passes a hash)
  const [admin] = await tx.query<{ id: string }>(
    `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id, must_change_password)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [id, input.adminUsername, input.adminDisplayName, passwordHash, root.id, input.adminPasswordHash === undefined],
  );
  await tx.execute(`INSERT INTO role_assignments (tenant_id, user_id, role, org_id) VALUES ($1, $2, $3, $4)`, [
    id,
    admin.id,
    Role.TENANT_ADMIN,
    root.id,
  ]);
  // 选树典型: every tenant starts with the three default kinds (党员示范岗, 党员示范窗口, 重点培育)
  await insertDefaultExemplarKinds(tx, id);
  return { tenant: await tx.repository(Tenant).findOneByOrFail({ id }), root, admin: { id: admin.id } };
}

export interface TenantSettings {
  /** 限时办结: hours a superior has to answer a service request. */
  serviceRequestHours: number;
  /** 限时办结: hours to reply to a public opinion. */
  opinionHours: number;
  /** Dates (deadlines, overdue) are judged in this zone. */
  timezone: string;
  /** 群众评议: reviews accepted per day from one client address (whatever device ids it sends). */
  publicReviewsPerAddressPerDay: number;
  /** 群众评议: reviews accepted per day through one link code (however many addresses). */
  publicReviewsPerCodePerDay: number;
  /** 公文: the issuing organ's name in official documents (发文机关标志, 署名); '' for the root org's name. */
  documentIssuer: string;
  /** 公文: the issuing organ's code in document numbers (发文机关代字, 交党 in 交党〔2013〕5号). */
  documentCode: string;
}

export const DEFAULT_SETTINGS: TenantSettings = {
  serviceRequestHours: 72,
  opinionHours: 120,
  timezone: DEFAULT_TIME_ZONE,
  publicReviewsPerAddressPerDay: 50,
  publicReviewsPerCodePerDay: 300,
  documentIssuer: '',
  documentCode: '',
};

export const tenantService = {
  async settings(ctx: RequestContext): Promise<TenantSettings> {
    const [row] = await ctx.tx.query<{ settings: Partial<TenantSettings> | null }>(
      `SELECT settings FROM tenants WHERE id = app_tenant_id()`,
    );
    return { ...DEFAULT_SETTINGS, ...(row?.settings ?? {}) };
  },

  async updateSettings(ctx: RequestContext, patch: Partial<TenantSettings>): Promise<TenantSettings> {
    const viewer = requireUser(ctx);
    // Settings bind the whole tenant: a TENANT_ADMIN assigned over a subtree may not change them.
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw tenantError('NOT_SETTINGS_ADMIN');
    if (patch.timezone != null) {
      const known = await ctx.tx.query<{ one: number }>(`SELECT 1 AS one FROM pg_timezone_names WHERE name = $1`, [patch.timezone]);
      if (!known.length) throw tenantError('UNKNOWN_TIME_ZONE', { field: 'input.timezone', params: { timezone: patch.timezone } });
    }
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null));
    // Tenant rows are written by platform operators only; this one field set is the tenant's own. The
    // given keys are merged into what is stored in the one statement: a change of another setting at
    // the same moment stays.
    await ctx.tx.execute(`SELECT app_update_tenant_settings($1::jsonb)`, [JSON.stringify(given)]);
    return this.settings(ctx);
  },

  async create(ctx: RequestContext, input: ProvisionTenantInput): Promise<Tenant> {
    requireOperator(ctx);
    assertInitialAdminPassword(input);
    await ctx.tx.begin();
    const { tenant } = await provisionTenant(ctx.tx, input, ctx.config.passwordScryptCost);
    await ctx.tx.setIdentity({ tenantId: null, platform: true });
    return tenant;
  },

  /** Every tenant by slug (platform operators only: the platform flag lets them past row-level security). */
  async list(ctx: RequestContext, first: number, after?: string): Promise<Page<Tenant>> {
    requireOperator(ctx);
    return keysetPage(
      () => ctx.tx.repository(Tenant).createQueryBuilder('t'),
      [
        { sql: 't.slug', type: 'text', of: (t) => t.slug },
        { sql: 't.id', type: 'uuid', of: (t) => t.id },
      ],
      first,
      after,
    );
  },

  /** The viewer's own tenant, or any tenant for an operator; RLS hides the rest either way. */
  async findById(ctx: RequestContext, id: string): Promise<Tenant | null> {
    if (!ctx.viewer) return null;
    if (ctx.viewer.kind === 'user' && ctx.viewer.tenantId !== id) return null;
    return ctx.tx.repository(Tenant).findOneBy({ id });
  },
};
