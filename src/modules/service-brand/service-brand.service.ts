import { inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { ErrorCode, badInput, errorFactory } from '../../graphql/errors';
import { Page, decodeCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role } from '../../auth/roles';
import { ServiceBrand, ServiceStandard, ServiceStandardAspect } from './service-brand.entity';

export enum ServiceBrandErrorReason {
  SERVICE_BRAND_NOT_FOUND = 'SERVICE_BRAND_NOT_FOUND',
  NOT_BRAND_OWNER = 'NOT_BRAND_OWNER',
  BRAND_NAME_TAKEN = 'BRAND_NAME_TAKEN',
}
export const serviceBrandError = errorFactory<ServiceBrandErrorReason>({
  SERVICE_BRAND_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOT_BRAND_OWNER: ErrorCode.FORBIDDEN,
  BRAND_NAME_TAKEN: ErrorCode.CONFLICT,
});

export interface StandardInput {
  title: string;
  content: string;
  aspect: ServiceStandardAspect;
  aspectText?: string | null;
  order?: number | null;
}

/** The org's secretary or an officer over it shapes its brands. */
const OWNERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

/** Checks the standards and puts them in order: by `order` where given, else as listed. */
function orderedStandards(standards: StandardInput[], field = 'input.standards'): StandardInput[] {
  if (standards.length > 100) throw badInput(field, 'At most 100 standards');
  standards.forEach((s, i) => {
    const at = `${field}[${i}]`;
    if (!s.title?.trim() || s.title.length > 200) throw badInput(`${at}.title`, 'A standard has a title of 1 to 200 characters');
    if (!s.content?.trim() || s.content.length > 20000) throw badInput(`${at}.content`, 'A standard has content of 1 to 20000 characters');
    const text = s.aspectText?.trim();
    if (s.aspect === ServiceStandardAspect.OTHER && !text) throw badInput(`${at}.aspectText`, 'An OTHER aspect is named in words');
    if (text && text.length > 100) throw badInput(`${at}.aspectText`, 'An aspect has at most 100 characters');
  });
  return standards
    .map((s, i) => ({ s, key: s.order ?? i, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.s);
}

export const serviceBrandService = {
  async find(ctx: RequestContext, id: string): Promise<ServiceBrand | null> {
    const viewer = requireUser(ctx);
    const brand = await ctx.tx.repository(ServiceBrand).findOneBy({ tenantId: viewer.tenantId, id });
    if (!brand) return null;
    const org = await orgService.findById(ctx, brand.orgId);
    return org && inScope(viewer, org.path) ? brand : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<ServiceBrand> {
    const brand = await this.find(ctx, id);
    if (!brand) throw serviceBrandError(ServiceBrandErrorReason.SERVICE_BRAND_NOT_FOUND, 'Service brand not found');
    return brand;
  },

  async create(
    ctx: RequestContext,
    input: { orgId: string; name: string; slogan: string; description: string; standards: StandardInput[] },
  ): Promise<ServiceBrand> {
    const viewer = requireUser(ctx);
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    if (!inScope(viewer, org.path, OWNERS))
      throw serviceBrandError(ServiceBrandErrorReason.NOT_BRAND_OWNER, 'Only the org’s secretary or an officer over it creates its brands');
    const standards = orderedStandards(input.standards);
    await assertNameFree(ctx, org.id, input.name.trim());
    const repo = ctx.tx.repository(ServiceBrand);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        orgId: org.id,
        name: input.name.trim(),
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
    const name = patch.name?.trim();
    if (name && name !== brand.name) await assertNameFree(ctx, brand.orgId, name);
    await ctx.tx.query(
      `UPDATE service_brands SET name = coalesce($3, name), slogan = coalesce($4, slogan), description = coalesce($5, description), updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [viewer.tenantId, brand.id, name || null, patch.slogan ?? null, patch.description ?? null],
    );
    if (standards) {
      await ctx.tx.query(`DELETE FROM service_standards WHERE tenant_id = $1 AND brand_id = $2`, [viewer.tenantId, brand.id]);
      await writeStandards(ctx, brand.id, standards);
    }
    ctx.forget('serviceBrand.standards');
    return ctx.tx.repository(ServiceBrand).findOneByOrFail({ tenantId: viewer.tenantId, id: brand.id });
  },

  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    const brand = await this.ownedOrThrow(ctx, id);
    await ctx.tx.query(`DELETE FROM service_brands WHERE tenant_id = $1 AND id = $2`, [brand.tenantId, brand.id]);
    return true;
  },

  async ownedOrThrow(ctx: RequestContext, id: string): Promise<ServiceBrand> {
    const brand = await this.getOrThrow(ctx, id);
    const org = (await orgService.findById(ctx, brand.orgId))!;
    if (!inScope(requireUser(ctx), org.path, OWNERS))
      throw serviceBrandError(ServiceBrandErrorReason.NOT_BRAND_OWNER, 'Only the org’s secretary or an officer over it edits its brands');
    return brand;
  },

  /** Brands of the orgs in a subtree (within the viewer's scope), in tree order. */
  async list(ctx: RequestContext, under: Org | null, first: number, after?: string): Promise<Page<ServiceBrand>> {
    const viewer = requireUser(ctx);
    const roots = under ? scopedRootsUnder(viewer, under.path) : scopePaths(viewer);
    const build = () => {
      const scope = underAnySql('o', roots);
      return ctx.tx
        .repository(ServiceBrand)
        .createQueryBuilder('b')
        .innerJoin('orgs', 'o', 'o.tenant_id = b.tenant_id AND o.id = b.org_id')
        .where('b.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(scope.sql, scope.params);
    };
    const qb = build()
      .addSelect('o.path::text', 'o_path')
      .orderBy('o.path', 'ASC')
      .addOrderBy('b.name', 'ASC')
      .addOrderBy('b.id', 'ASC')
      .limit(first + 1);
    const cursor = decodeCursor(after, 3);
    if (cursor)
      qb.andWhere('(o.path, b.name, b.id) > (CAST(:cp AS ltree), CAST(:cn AS text), CAST(:ci AS uuid))', {
        cp: String(cursor[0]),
        cn: String(cursor[1]),
        ci: String(cursor[2]),
      });
    const { entities, raw } = await qb.getRawAndEntities();
    const paths = new Map(raw.map((r: { b_id: string; o_path: string }) => [r.b_id, r.o_path]));
    return pageFrom(
      entities,
      first,
      after,
      (b) => encodeCursor([paths.get(b.id), b.name, b.id]),
      () => build().getCount(),
    );
  },

  /** One org's own brands. */
  async ofOrg(ctx: RequestContext, org: Org): Promise<ServiceBrand[]> {
    return ctx.tx.repository(ServiceBrand).find({ where: { tenantId: org.tenantId, orgId: org.id }, order: { name: 'ASC' } });
  },

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

async function assertNameFree(ctx: RequestContext, orgId: string, name: string): Promise<void> {
  const [taken] = await ctx.tx.query(`SELECT 1 FROM service_brands WHERE tenant_id = app_tenant_id() AND org_id = $1 AND name = $2`, [
    orgId,
    name,
  ]);
  if (taken) throw serviceBrandError(ServiceBrandErrorReason.BRAND_NAME_TAKEN, `The org already has a brand named ${name}`, 'input.name');
}

async function writeStandards(ctx: RequestContext, brandId: string, standards: StandardInput[]): Promise<void> {
  if (!standards.length) return;
  await ctx.tx.query(
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
