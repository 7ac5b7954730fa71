import { Role } from '../../auth/roles';
import { holdsRoleAtRoot } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { mapConstraint } from '../../graphql/errors';
import { columnsOf, hydrate } from '../../db/hydrate';
import { ExemplarKindDefinition, ExemplarSubject } from './exemplar.entity';
import { exemplarError } from './exemplar.errors';
import { holdLock } from '../../db/advisory-lock';

/** Kinds a tenant may hold in all (retired ones count: their exemplars keep them). */
export const MAX_EXEMPLAR_KINDS = 30;
/** The highest per-category limit any kind may allow. */
export const LIMIT_CEILING = 100;
const CODE = /^[A-Z][A-Z0-9_]{1,39}$/;

mapConstraint('exemplar_kinds_name', () => exemplarError('EXEMPLAR_KIND_NAME_TAKEN', 'input.name'));
mapConstraint('exemplar_kinds_code', () => exemplarError('EXEMPLAR_KIND_CODE_TAKEN', 'input.code'));

export interface ExemplarKindInput {
  code?: string | null;
  name: string;
  subject: ExemplarSubject;
  directOrgsOnly?: boolean | null;
  limitMin: number;
  limitMax: number;
  limitDefault: number;
  needsPublicNotice: boolean;
  description?: string | null;
  position?: number | null;
}

export interface ExemplarKindPatch {
  name?: string | null;
  subject?: ExemplarSubject | null;
  directOrgsOnly?: boolean | null;
  limitMin?: number | null;
  limitMax?: number | null;
  limitDefault?: number | null;
  needsPublicNotice?: boolean | null;
  description?: string | null;
  position?: number | null;
  retired?: boolean | null;
}

/** The tenant's kinds by code, once per request (every user of the tenant reads them). */
function byCode(ctx: RequestContext) {
  return ctx.loader<string, ExemplarKindDefinition | null>('exemplarKind.byCode', async (codes) => {
    const viewer = requireUser(ctx);
    const rows = await ctx.tx
      .repository(ExemplarKindDefinition)
      .createQueryBuilder('k')
      .where('k.tenant_id = :t AND k.code = ANY(:codes)', { t: viewer.tenantId, codes: [...codes] })
      .getMany();
    return codes.map((code) => rows.find((k) => k.code === code) ?? null);
  });
}

function assertAdmin(ctx: RequestContext): void {
  // the tenant's titles bind every org: an admin at the root sets them up
  if (!holdsRoleAtRoot(requireUser(ctx), [Role.TENANT_ADMIN])) throw exemplarError('NOT_KIND_ADMIN');
}

function checkLimits(k: { limitMin: number; limitMax: number; limitDefault: number }, field: string): void {
  const ok =
    [k.limitMin, k.limitMax, k.limitDefault].every(Number.isInteger) &&
    1 <= k.limitMin &&
    k.limitMin <= k.limitDefault &&
    k.limitDefault <= k.limitMax &&
    k.limitMax <= LIMIT_CEILING;
  if (!ok) throw exemplarError('EXEMPLAR_KIND_LIMITS_INVALID', { field, params: { ceiling: LIMIT_CEILING } });
}

function kindName(raw: string): string {
  const name = raw.trim();
  if (!name) throw exemplarError('EXEMPLAR_KIND_NAME_BLANK', 'input.name');
  return name;
}

export const exemplarKindService = {
  /** A kind by code (retired ones too), or null. */
  async byCode(ctx: RequestContext, code: string): Promise<ExemplarKindDefinition | null> {
    return byCode(ctx).load(code);
  },

  /** A kind a request names by code: BAD_USER_INPUT when the tenant has none such. */
  async getByCode(ctx: RequestContext, code: string, field = 'input.kind'): Promise<ExemplarKindDefinition> {
    const kind = await byCode(ctx).load(code);
    if (!kind) throw exemplarError('EXEMPLAR_KIND_NOT_FOUND', { field, params: { kind: code } });
    return kind;
  },

  /**
   * A kind a nomination is checked against, held FOR SHARE to the commit: a change of its subject waits for
   * the nomination and then counts it (EXEMPLAR_KIND_IN_USE), or the nomination is checked on the changed row.
   */
  async holdByCode(ctx: RequestContext, code: string, field = 'input.kind'): Promise<ExemplarKindDefinition> {
    const viewer = requireUser(ctx);
    const [row] = await ctx.tx.query<Record<string, unknown>>(
      `SELECT ${columnsOf(ctx.tx, ExemplarKindDefinition, 'k')} FROM exemplar_kinds k WHERE k.tenant_id = $1 AND k.code = $2 FOR SHARE`,
      [viewer.tenantId, code],
    );
    if (!row) throw exemplarError('EXEMPLAR_KIND_NOT_FOUND', { field, params: { kind: code } });
    return hydrate(ctx.tx, ExemplarKindDefinition, 'k', row) as ExemplarKindDefinition;
  },

  /** The kind's name (its title), for labels; the code itself when unknown. */
  async label(ctx: RequestContext, code: string): Promise<string> {
    return (await byCode(ctx).load(code))?.name ?? code;
  },

  /** Tenant-wide: every user of the tenant reads the kinds (the titles any org may be nominated for). */
  async find(ctx: RequestContext, id: string): Promise<ExemplarKindDefinition | null> {
    const viewer = requireUser(ctx);
    return ctx.tx.repository(ExemplarKindDefinition).findOneBy({ tenantId: viewer.tenantId, id });
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<ExemplarKindDefinition> {
    const kind = await this.find(ctx, id);
    if (!kind) throw exemplarError('EXEMPLAR_KIND_DEFINITION_NOT_FOUND');
    return kind;
  },

  /** The tenant's kinds in their order (at most MAX_EXEMPLAR_KINDS); retired ones only when asked for. */
  async list(ctx: RequestContext, includeRetired: boolean): Promise<ExemplarKindDefinition[]> {
    const viewer = requireUser(ctx);
    const qb = ctx.tx.repository(ExemplarKindDefinition).createQueryBuilder('k').where('k.tenant_id = :t', { t: viewer.tenantId });
    if (!includeRetired) qb.andWhere('k.retired_at IS NULL');
    return qb.orderBy('k.position').addOrderBy('k.code').getMany();
  },

  /** 设立典型类别 (root admin): a code given or made up (CUSTOM_n), at most MAX_EXEMPLAR_KINDS per tenant. */
  async create(ctx: RequestContext, input: ExemplarKindInput): Promise<ExemplarKindDefinition> {
    const viewer = requireUser(ctx);
    assertAdmin(ctx);
    const name = kindName(input.name);
    checkLimits(input, 'input.limitDefault');
    const directOrgsOnly = !!input.directOrgsOnly;
    if (directOrgsOnly && input.subject !== ExemplarSubject.ORG)
      throw exemplarError('EXEMPLAR_KIND_DIRECT_NOT_ORG', 'input.directOrgsOnly');
    const given = input.code?.trim() || null;
    if (given !== null && !CODE.test(given)) throw exemplarError('EXEMPLAR_KIND_CODE_INVALID', 'input.code');
    // one creation at a time per tenant: the count, the made-up code and the position are then exact
    await holdLock(ctx.tx, `exemplar-kinds:${viewer.tenantId}`);
    const [stats] = await ctx.tx.query<{ n: number; next_custom: number; next_position: number }>(
      `SELECT count(*)::int AS n,
              coalesce(max(substring(code FROM '^CUSTOM_([0-9]{1,9})$')::int), 0) + 1 AS next_custom,
              coalesce(max(position), 0) + 1 AS next_position
         FROM exemplar_kinds WHERE tenant_id = $1`,
      [viewer.tenantId],
    );
    if (stats.n >= MAX_EXEMPLAR_KINDS) throw exemplarError('TOO_MANY_EXEMPLAR_KINDS', { params: { limit: MAX_EXEMPLAR_KINDS } });
    const code = given ?? `CUSTOM_${stats.next_custom}`;
    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO exemplar_kinds (tenant_id, code, name, subject, direct_orgs_only, limit_min, limit_max, limit_default, needs_public_notice, description, position, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        viewer.tenantId,
        code,
        name,
        input.subject,
        directOrgsOnly,
        input.limitMin,
        input.limitMax,
        input.limitDefault,
        input.needsPublicNotice,
        input.description?.trim() ?? '',
        input.position ?? stats.next_position,
        viewer.userId,
      ],
    );
    ctx.forget('exemplarKind.byCode');
    return this.getOrThrow(ctx, row.id);
  },

  /**
   * A partial update (root admin): a field left out keeps its value. The subject changes only while no
   * exemplar of the kind exists; the limits apply to limits set and titles named from now on; retiring
   * stops new nominations while the kind's exemplars go on through their steps.
   */
  async update(ctx: RequestContext, id: string, patch: ExemplarKindPatch): Promise<ExemplarKindDefinition> {
    const viewer = requireUser(ctx);
    const kind = await this.getOrThrow(ctx, id);
    assertAdmin(ctx);
    // the row locked first, so two updates of one kind apply one after the other
    await ctx.tx.query<{ one: number }>(`SELECT 1 AS one FROM exemplar_kinds WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      viewer.tenantId,
      kind.id,
    ]);
    const current = await this.getOrThrow(ctx, id);
    const next = {
      name: patch.name != null ? kindName(patch.name) : current.name,
      subject: patch.subject ?? current.subject,
      directOrgsOnly: patch.directOrgsOnly ?? current.directOrgsOnly,
      limitMin: patch.limitMin ?? current.limitMin,
      limitMax: patch.limitMax ?? current.limitMax,
      limitDefault: patch.limitDefault ?? current.limitDefault,
      needsPublicNotice: patch.needsPublicNotice ?? current.needsPublicNotice,
      description: patch.description != null ? patch.description.trim() : current.description,
      position: patch.position ?? current.position,
      retiredAt: patch.retired == null ? current.retiredAt : patch.retired ? (current.retiredAt ?? new Date()) : null,
    };
    // a subject change alone clears "direct orgs only" when the new subject is no org
    if (patch.subject && patch.subject !== ExemplarSubject.ORG && patch.directOrgsOnly == null) next.directOrgsOnly = false;
    checkLimits(next, 'input.limitDefault');
    if (next.directOrgsOnly && next.subject !== ExemplarSubject.ORG)
      throw exemplarError('EXEMPLAR_KIND_DIRECT_NOT_ORG', 'input.directOrgsOnly');
    if (next.subject !== current.subject) {
      const [used] = await ctx.tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM exemplars WHERE tenant_id = $1 AND kind = $2`, [
        viewer.tenantId,
        current.code,
      ]);
      if (used.n > 0) {
        throw exemplarError('EXEMPLAR_KIND_IN_USE', { field: 'input.subject', params: { kindLabel: current.name, count: used.n } });
      }
    }
    await ctx.tx.execute(
      `UPDATE exemplar_kinds SET name = $3, subject = $4, direct_orgs_only = $5, limit_min = $6, limit_max = $7, limit_default = $8,
              needs_public_notice = $9, description = $10, position = $11, retired_at = $12, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [
        viewer.tenantId,
        current.id,
        next.name,
        next.subject,
        next.directOrgsOnly,
        next.limitMin,
        next.limitMax,
        next.limitDefault,
        next.needsPublicNotice,
        next.description,
        next.position,
        next.retiredAt,
      ],
    );
    ctx.forget('exemplarKind.byCode');
    return this.getOrThrow(ctx, id);
  },
};
