import { hashPassword } from '../../auth/password';
import { RequestTransaction } from '../../db/request-transaction';
import { holdsRoleAtRoot } from '../../auth/scope';
import { RequestContext, requireOperator, requireUser } from '../../graphql/context';
import { AppError, ErrorCode, badInput } from '../../graphql/errors';
import { Page, decodeCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { Org, OrgCategory, OrgKind } from '../org/org.entity';
import { insertOrg } from '../org/org.service';
import { Role } from '../../auth/roles';
import { User } from '../user/user.entity';
import { assertPasswordStrength } from '../user/user.service';
import { Tenant } from './tenant.entity';
import { TenantErrorReason, tenantError } from './tenant.errors';

export interface ProvisionTenantInput {
  slug: string;
  name: string;
  rootOrgName: string;
  rootOrgCategory?: OrgCategory;
  adminUsername: string;
  adminDisplayName: string;
  adminPassword?: string;
  /** Pre-computed hash (the demo seed hashes its shared password once). */
  adminPasswordHash?: string;
}

export interface ProvisionedTenant {
  tenant: Tenant;
  root: Org;
  admin: User;
}

/**
 * Creates a tenant with its root org and first admin. The transaction must run with the platform flag
 * on; it is then scoped to the new tenant so the RLS policies accept the tenant's own rows.
 */
export async function provisionTenant(tx: RequestTransaction, input: ProvisionTenantInput): Promise<ProvisionedTenant> {
  await tx.setIdentity({ platform: true, tenantId: null });
  const exists = await tx.query(`SELECT 1 FROM tenants WHERE slug = $1`, [input.slug]);
  if (exists.length)
    throw new AppError(ErrorCode.CONFLICT, 'A tenant with this slug exists', { reason: 'TENANT_SLUG_TAKEN', field: 'input.slug' });
  const [{ id }] = await tx.query(`INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id`, [input.slug, input.name]);
  await tx.setIdentity({ tenantId: id });
  const root = await insertOrg(tx, id, null, {
    name: input.rootOrgName,
    kind: OrgKind.COMMITTEE,
    category: input.rootOrgCategory ?? OrgCategory.ORGAN,
  });
  const passwordHash = input.adminPasswordHash ?? (await hashPassword(input.adminPassword!));
  const [admin] = await tx.query(
    `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [id, input.adminUsername, input.adminDisplayName, passwordHash, root.id],
  );
  await tx.query(`INSERT INTO role_assignments (tenant_id, user_id, role, org_id) VALUES ($1, $2, $3, $4)`, [
    id,
    admin.id,
    Role.TENANT_ADMIN,
    root.id,
  ]);
  return {
    tenant: await tx.repository(Tenant).findOneByOrFail({ id }),
    root,
    admin: await tx.repository(User).findOneByOrFail({ tenantId: id, id: admin.id }),
  };
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
}

export const DEFAULT_SETTINGS: TenantSettings = {
  serviceRequestHours: 72,
  opinionHours: 120,
  timezone: 'Asia/Shanghai',
  publicReviewsPerAddressPerDay: 50,
  publicReviewsPerCodePerDay: 300,
};

export const tenantService = {
  async settings(ctx: RequestContext): Promise<TenantSettings> {
    const [row] = await ctx.tx.query(`SELECT settings FROM tenants WHERE id = app_tenant_id()`);
    return { ...DEFAULT_SETTINGS, ...(row?.settings ?? {}) };
  },

  async updateSettings(ctx: RequestContext, patch: Partial<TenantSettings>): Promise<TenantSettings> {
    const viewer = requireUser(ctx);
    // Settings bind the whole tenant: a TENANT_ADMIN assigned over a subtree may not change them.
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN]))
      throw tenantError(TenantErrorReason.NOT_SETTINGS_ADMIN, '只有根组织的管理员可以修改本单位的设置');
    if (patch.timezone !== undefined) {
      const [ok] = await ctx.tx.query(`SELECT count(*)::int AS n FROM pg_timezone_names WHERE name = $1`, [patch.timezone]);
      if (!ok.n) throw badInput('input.timezone', `Unknown time zone ${patch.timezone}`);
    }
    const next = {
      ...(await this.settings(ctx)),
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null)),
    };
    // Tenant rows are written by platform operators only; this one field set is the tenant's own.
    await ctx.tx.query(`SELECT app_update_tenant_settings($1::jsonb)`, [JSON.stringify(next)]);
    return next;
  },

  async create(ctx: RequestContext, input: ProvisionTenantInput): Promise<Tenant> {
    requireOperator(ctx);
    assertPasswordStrength(input.adminPassword ?? '', 'input.adminPassword');
    await ctx.tx.begin();
    const { tenant } = await provisionTenant(ctx.tx, input);
    await ctx.tx.setIdentity({ tenantId: null, platform: true });
    return tenant;
  },

  async list(ctx: RequestContext, first: number, after?: string): Promise<Page<Tenant>> {
    requireOperator(ctx);
    const qb = ctx.tx
      .repository(Tenant)
      .createQueryBuilder('t')
      .orderBy('t.slug')
      .limit(first + 1);
    const cursor = decodeCursor(after, 1);
    if (cursor) qb.where('t.slug > :slug', { slug: String(cursor[0]) });
    return pageFrom(
      await qb.getMany(),
      first,
      after,
      (t) => encodeCursor([t.slug]),
      () => ctx.tx.repository(Tenant).count(),
    );
  },

  /** The viewer's own tenant, or any tenant for an operator; RLS hides the rest either way. */
  async findById(ctx: RequestContext, id: string): Promise<Tenant | null> {
    if (!ctx.viewer) return null;
    if (ctx.viewer.kind === 'user' && ctx.viewer.tenantId !== id) return null;
    return ctx.tx.repository(Tenant).findOneBy({ id });
  },
};
