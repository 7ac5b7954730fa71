import { inScope } from '../../auth/scope';
import { lockForUpdate } from '../../db/lock-for-update';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { Role } from '../../auth/roles';
import { ServiceBrand, ServiceStandard, ServiceStandardAspect } from './service-brand.entity';
import { serviceBrandError } from './service-brand.errors';
import { countUnderLock } from '../../db/advisory-lock';

export interface StandardInput {
  title: string;
  content: string;
  aspect: ServiceStandardAspect;
  aspectText?: string | null;
  order?: number | null;
}

export interface BrandFilter {
  /** Brands of the orgs in this subtree (within the viewer's scope); the whole scope when absent. */
  under?: Org | null;
  /** Only this org's own brands. */
  orgId?: string;
}

/** The org's secretary or an officer over it shapes its brands. */
const OWNERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
const MAX_STANDARDS = 100;
const MAX_TITLE = 200;
const MAX_CONTENT = 20000;
const MAX_ASPECT = 100;

/** Checks the standards and puts them in order: by `order` where given, else as listed. */
function orderedStandards(standards: StandardInput[], field = 'input.standards'): StandardInput[] {
  if (standards.length > MAX_STANDARDS) throw serviceBrandError('BRAND_TOO_MANY_STANDARDS', { field, params: { limit: MAX_STANDARDS } });
  standards.forEach((s, i) => {
    const at = `${field}[${i}]`;
    if (!s.title?.trim() || s.title.length > MAX_TITLE)
      throw serviceBrandError('BRAND_STANDARD_TITLE_INVALID', { field: `${at}.title`, params: { max: MAX_TITLE } });
    if (!s.content?.trim() || s.content.length > MAX_CONTENT)
      throw serviceBrandError('BRAND_STANDARD_CONTENT_INVALID', { field: `${at}.content`, params: { max: MAX_CONTENT } });
    const text = s.aspectText?.trim();
    if (s.aspect === ServiceStandardAspect.OTHER && !text) throw serviceBrandError('BRAND_ASPECT_TEXT_MISSING', `${at}.aspectText`);
    if (text && text.length > MAX_ASPECT)
      throw serviceBrandError('BRAND_ASPECT_TEXT_TOO_LONG', { field: `${at}.aspectText`, params: { max: MAX_ASPECT } });
  });
  return standards
    .map((s, i) => ({ s, key: s.order ?? i, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.s);
}

export const serviceBrandService = {
  /** Visible to whoever reads the brand's org. */
  async find(ctx: RequestContext, id: string): Promise<ServiceBrand | null> {
    return findInScope(ctx, ServiceBrand, id, (b) => b.orgId);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<ServiceBrand> {
    const brand = await this.find(ctx, id);
    if (!brand) throw serviceBrandError('SERVICE_BRAND_NOT_FOUND');
    return brand;
  },

  async create(
    ctx: RequestContext,
    input: { orgId: string; name: string; slogan: string; description: string; standards: StandardInput[] },
  ): Promise<ServiceBrand> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, OWNERS)) throw serviceBrandError('NOT_BRAND_OWNER');
    });
    const name = brandName(input.name);
    const standards = orderedStandards(input.standards);
    await assertNameFree(ctx, org.id, name);
    // an org's brands are bounded: counted under a lock per org, so concurrent creates pass the count one at a time
    const { count } = await countUnderLock(
      ctx.tx,
      `service-brands:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM service_brands WHERE tenant_id = $1 AND org_id = $2`,
      [viewer.tenantId, org.id],
    );
    const limit = ctx.config.serviceBrandsPerOrg;
    if (count >= limit)
      throw serviceBrandError('TOO_MANY_SERVICE_BRANDS', { field: 'input.orgId', params: { org: org.name, count, limit } });
    const repo = ctx.tx.repository(ServiceBrand);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        orgId: org.id,
        name,
        slogan: input.slogan,
        description: input.description,
        createdBy: viewer.userId,
      }),
    );
    await writeStandards(ctx, saved.id, standards);
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  async update(
    ctx: RequestContext,
    id: string,
    patch: { name?: string | null; slogan?: string | null; description?: string | null; standards?: StandardInput[] | null },
  ): Promise<ServiceBrand> {
    const viewer = requireUser(ctx);
    const brand = await this.ownedOrThrow(ctx, id);
    const standards = patch.standards ? orderedStandards(patch.standards) : null;
    const name = patch.name === undefined || patch.name === null ? null : brandName(patch.name);
    if (name && name !== brand.name) await assertNameFree(ctx, brand.orgId, name);
    await ctx.tx.execute(
      `UPDATE service_brands SET name = coalesce($3, name), slogan = coalesce($4, slogan), description = coalesce($5, description), updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [viewer.tenantId, brand.id, name, patch.slogan ?? null, patch.description ?? null],
    );
    if (standards) {
      await ctx.tx.execute(`DELETE FROM service_standards WHERE tenant_id = $1 AND brand_id = $2`, [viewer.tenantId, brand.id]);
      await writeStandards(ctx, brand.id, standards);
    }
    ctx.forget('serviceBrand.standards');
    return ctx.tx.repository(ServiceBrand).findOneByOrFail({ tenantId: viewer.tenantId, id: brand.id });
  },

  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    const brand = await this.ownedOrThrow(ctx, id);
    await ctx.tx.execute(`DELETE FROM service_brands WHERE tenant_id = $1 AND id = $2`, [brand.tenantId, brand.id]);
    return true;
  },

  /** A brand the viewer may change: NOT_FOUND out of sight, FORBIDDEN for a reader who owns nothing over it. */
  async ownedOrThrow(ctx: RequestContext, id: string): Promise<ServiceBrand> {
    const seen = await this.getOrThrow(ctx, id);
    await orgService.holdForChange(
      ctx,
      seen.orgId,
      (org) => {
        if (!inScope(requireUser(ctx), org.path, OWNERS)) throw serviceBrandError('NOT_BRAND_OWNER');
      },
      () => serviceBrandError('SERVICE_BRAND_NOT_FOUND'),
    );
    // the brand locked as it stands: a delete that committed meanwhile leaves nothing to change
    const brand = await lockForUpdate(ctx.tx, ServiceBrand, seen.tenantId, seen.id);
    if (!brand) throw serviceBrandError('SERVICE_BRAND_NOT_FOUND');
    return brand;
  },

  /** Brands of the orgs in a subtree, or of one org (within the viewer's scope), in tree order, then by name. */
  async list(ctx: RequestContext, filter: BrandFilter, first: number, after?: string): Promise<Page<ServiceBrand>> {
    const roots = rootsFor(requireUser(ctx), filter.under);
    const build = () => {
      const qb = scopedQuery(ctx, ServiceBrand, 'b', 'org_id', roots)
        // the org again, mapped onto the row, for its cursor in tree order
        .innerJoinAndMapOne('b.listedOrg', Org, 'bo', 'bo.tenant_id = b.tenant_id AND bo.id = b.org_id');
      if (filter.orgId) qb.andWhere('b.org_id = :orgId', { orgId: filter.orgId });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'o.path_key', type: 'text', of: (b) => b.listedOrg?.path ?? null },
        { sql: 'b.name', type: 'text', of: (b) => b.name },
        { sql: 'b.id', type: 'uuid', of: (b) => b.id },
      ],
      first,
      after,
    );
  },

  /** A brand's standards in order (at most 100). Batched. */
  async standards(ctx: RequestContext, brand: ServiceBrand): Promise<ServiceStandard[]> {
    return ctx
      .loader<string, ServiceStandard[]>('serviceBrand.standards', async (ids) => {
        const rows = await ctx.tx
          .repository(ServiceStandard)
          .createQueryBuilder('s')
          .where('s.tenant_id = :t AND s.brand_id = ANY(:ids)', { t: brand.tenantId, ids: [...ids] })
          .orderBy('s.position')
          .getMany();
        return ids.map((id) => rows.filter((s) => s.brandId === id));
      })
      .load(brand.id);
  },
};

/** A brand name as stored: trimmed, never blank. */
function brandName(raw: string): string {
  const name = raw.trim();
  if (!name) throw serviceBrandError('BRAND_NAME_BLANK', 'input.name');
  return name;
}

async function assertNameFree(ctx: RequestContext, orgId: string, name: string): Promise<void> {
  const [taken] = await ctx.tx.query<{ one: number }>(
    `SELECT 1 AS one FROM service_brands WHERE tenant_id = app_tenant_id() AND org_id = $1 AND name = $2`,
    [orgId, name],
  );
  if (taken) throw serviceBrandError('BRAND_NAME_TAKEN', 'input.name');
}

async function writeStandards(ctx: RequestContext, brandId: string, standards: StandardInput[]): Promise<void> {
  if (!standards.length) return;
  await ctx.tx.execute(
    `INSERT INTO service_standards (tenant_id, brand_id, position, title, content, aspect, aspect_text)
     SELECT app_tenant_id(), $1, x.ord, x.title, x.content, x.aspect, x.aspect_text
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS x(title, content, aspect, aspect_text, ord)`,
    [
      brandId,
      standards.map((s) => s.title.trim()),
      standards.map((s) => s.content),
      standards.map((s) => s.aspect),
      standards.map((s) => s.aspectText?.trim() || null),
    ],
  );
}
