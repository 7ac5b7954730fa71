import { holdsRoleAtRoot, inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { Page, decodeCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { Org, OrgCategory, orgCategoryLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role } from '../../auth/roles';
import {
  Exemplar,
  ExemplarKind,
  ExemplarObjection,
  ExemplarReevaluation,
  ExemplarState,
  ExemplarStateChange,
  HOLDING_STATES,
  PUBLIC_STATES,
  ReevaluationResult,
  exemplarKindLabels,
  exemplarStateLabels,
} from './exemplar.entity';
import { ExemplarErrorReason, exemplarError } from './exemplar.errors';

/** The source's "1–3 per category": the limit when the tenant has not set one. */
export const DEFAULT_EXEMPLAR_LIMIT = 3;
/** The bounds a tenant may set the limit within (the source: 筛选1-3个), shown by `exemplarLimitBounds`. */
export const EXEMPLAR_LIMIT_BOUNDS = { min: 1, max: 3, default: DEFAULT_EXEMPLAR_LIMIT };

/** The nominating side: the org's secretary or an officer over it. */
const NOMINATORS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
/** The bureau decides review, public notice, naming, re-evaluation and revocation. */
const TENANT = [Role.TENANT_ADMIN, Role.LEADER];
const CATEGORIES = [OrgCategory.ORGAN, OrgCategory.INSTITUTION, OrgCategory.ENTERPRISE];
const KINDS = [ExemplarKind.MODEL_POST, ExemplarKind.MODEL_WINDOW, ExemplarKind.KEY_ORG];

export interface NominateInput {
  kind: ExemplarKind;
  orgId: string;
  year: number;
  title?: string | null;
  memberName?: string | null;
  reason: string;
}

export interface ExemplarFilter {
  under?: Org | null;
  kind?: ExemplarKind | null;
  category?: OrgCategory | null;
  state?: ExemplarState | null;
  year?: number | null;
}

export interface ExemplarCountRow {
  kind: ExemplarKind;
  category: OrgCategory;
  limit: number;
  named: number;
  pending: number;
}

/** The tenant's calendar day (its time zone): notice windows are whole days there. */
export async function tenantToday(ctx: RequestContext): Promise<string> {
  const [row] = await ctx.tx.query(
    `SELECT (now() AT TIME ZONE coalesce(settings->>'timezone', 'Asia/Shanghai'))::date::text AS d FROM tenants WHERE id = app_tenant_id()`,
  );
  return row.d;
}

export const exemplarService = {
  /** Visible to whoever reads the org; while in public notice and once named, to the whole tenant. */
  async find(ctx: RequestContext, id: string): Promise<Exemplar | null> {
    const viewer = requireUser(ctx);
    const exemplar = await ctx.tx.repository(Exemplar).findOneBy({ tenantId: viewer.tenantId, id });
    if (!exemplar) return null;
    if (PUBLIC_STATES.includes(exemplar.state)) return exemplar;
    const org = await orgService.findById(ctx, exemplar.orgId);
    return org && inScope(viewer, org.path) ? exemplar : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Exemplar> {
    const exemplar = await this.find(ctx, id);
    if (!exemplar) throw exemplarError(ExemplarErrorReason.EXEMPLAR_NOT_FOUND, 'Exemplar not found');
    return exemplar;
  },

  /** The org's path, read directly: a public exemplar's org may lie outside the viewer's sight. */
  async orgPath(ctx: RequestContext, exemplar: Exemplar): Promise<string> {
    const [row] = await ctx.tx.query(`SELECT path::text AS path FROM orgs WHERE tenant_id = $1 AND id = $2`, [
      exemplar.tenantId,
      exemplar.orgId,
    ]);
    return row.path;
  },

  async orgName(ctx: RequestContext, exemplar: Exemplar): Promise<string> {
    return ctx
      .loader<string, string>('exemplar.orgName', async (ids) => {
        const rows: { id: string; name: string }[] = await ctx.tx.query(
          `SELECT id, name FROM orgs WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
          [exemplar.tenantId, [...ids]],
        );
        return ids.map((id) => rows.find((r) => r.id === id)?.name ?? '');
      })
      .load(exemplar.orgId);
  },

  async isOfficerOver(ctx: RequestContext, exemplar: Exemplar, roles = NOMINATORS): Promise<boolean> {
    return inScope(requireUser(ctx), await this.orgPath(ctx, exemplar), roles);
  },

  async nominate(ctx: RequestContext, input: NominateInput): Promise<Exemplar> {
    const viewer = requireUser(ctx);
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    if (!inScope(viewer, org.path, NOMINATORS))
      throw exemplarError(ExemplarErrorReason.NOT_NOMINATOR, 'Only the org’s secretary or an officer over it nominates');
    if (org.archivedAt) throw badInput('input.orgId', 'The org is archived');
    const title = input.title?.trim() || null;
    const memberName = input.memberName?.trim() || null;
    if (input.kind === ExemplarKind.KEY_ORG) {
      // 重点培育 picks among the 直属党组织: the orgs directly under the tenant's root.
      if (org.depth !== 2)
        throw exemplarError(
          ExemplarErrorReason.NOT_DIRECT_ORG,
          `${org.name} is not a 直属党组织; key orgs for cultivation are chosen among them`,
          'input.orgId',
        );
      if (title) throw badInput('input.title', 'A key org is nominated as the org itself, without a post or window title');
      if (memberName) throw badInput('input.memberName', 'A key org names no member');
    } else if (!title) {
      throw badInput('input.title', `A ${exemplarKindLabels[input.kind]} names the post or window`);
    }
    const [dup] = await ctx.tx.query(
      `SELECT state FROM exemplars WHERE tenant_id = $1 AND kind = $2 AND org_id = $3 AND year = $4 AND coalesce(title, '') = coalesce($5::text, '') AND state NOT IN ('REJECTED', 'REVOKED')`,
      [viewer.tenantId, input.kind, org.id, input.year, title],
    );
    if (dup)
      throw exemplarError(
        ExemplarErrorReason.ALREADY_NOMINATED,
        `This ${exemplarKindLabels[input.kind]} is already ${exemplarStateLabels[dup.state as ExemplarState]} for ${input.year}`,
      );
    const repo = ctx.tx.repository(Exemplar);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        kind: input.kind,
        orgId: org.id,
        category: org.category,
        year: input.year,
        title,
        memberName,
        reason: input.reason,
        state: ExemplarState.NOMINATED,
        createdBy: viewer.userId,
      }),
    );
    await recordChange(ctx, saved.id, null, ExemplarState.NOMINATED, '');
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  async startReview(ctx: RequestContext, id: string, note: string): Promise<Exemplar> {
    const exemplar = await this.tenantStep(ctx, id);
    return transition(ctx, exemplar, [ExemplarState.NOMINATED], ExemplarState.UNDER_REVIEW, note);
  },

  /** 公示: the window opens today or later and ends on or after it starts. */
  async startNotice(ctx: RequestContext, id: string, window: { startsOn: string; endsOn: string }, note: string): Promise<Exemplar> {
    const exemplar = await this.tenantStep(ctx, id);
    const today = await tenantToday(ctx);
    if (window.startsOn < today)
      throw exemplarError(
        ExemplarErrorReason.INVALID_NOTICE_WINDOW,
        `A public notice cannot start in the past (today is ${today})`,
        'input.startsOn',
      );
    if (window.endsOn < window.startsOn)
      throw exemplarError(ExemplarErrorReason.INVALID_NOTICE_WINDOW, 'The notice ends before it starts', 'input.endsOn');
    return transition(
      ctx,
      exemplar,
      [ExemplarState.UNDER_REVIEW],
      ExemplarState.PUBLIC_NOTICE,
      note,
      'notice_starts_on = $5::date, notice_ends_on = $6::date',
      [window.startsOn, window.endsOn],
    );
  },

  async reject(ctx: RequestContext, id: string, reason: string): Promise<Exemplar> {
    const exemplar = await this.tenantStep(ctx, id);
    if (!reason.trim()) throw badInput('input.reason', 'A rejection says why');
    return transition(
      ctx,
      exemplar,
      [ExemplarState.UNDER_REVIEW, ExemplarState.PUBLIC_NOTICE],
      ExemplarState.REJECTED,
      reason,
      'closing_reason = $5',
      [reason],
    );
  },

  /** Anyone in the tenant may object while the notice runs. */
  async lodgeObjection(ctx: RequestContext, id: string, text: string): Promise<ExemplarObjection> {
    const viewer = requireUser(ctx);
    const exemplar = await this.getOrThrow(ctx, id);
    if (!text.trim()) throw badInput('input.text', 'Say what the objection is');
    const today = await tenantToday(ctx);
    // Locks the exemplar, so an objection cannot slip in while it is being named.
    const [row] = await ctx.tx.query(
      `SELECT state, notice_starts_on::text AS s, notice_ends_on::text AS e FROM exemplars WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [viewer.tenantId, exemplar.id],
    );
    if (row.state !== ExemplarState.PUBLIC_NOTICE || today < row.s || today > row.e) {
      throw exemplarError(
        ExemplarErrorReason.OUTSIDE_NOTICE_WINDOW,
        row.state === ExemplarState.PUBLIC_NOTICE
          ? `Objections are taken from ${row.s} to ${row.e} (today is ${today})`
          : `Objections are taken only during the public notice (this one is ${exemplarStateLabels[row.state as ExemplarState]})`,
      );
    }
    const [created] = await ctx.tx.query(
      `INSERT INTO exemplar_objections (tenant_id, exemplar_id, text, lodged_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [viewer.tenantId, exemplar.id, text, viewer.userId],
    );
    ctx.forget('exemplar.objections');
    return ctx.tx.repository(ExemplarObjection).findOneByOrFail({ tenantId: viewer.tenantId, id: created.id });
  },

  async findObjection(ctx: RequestContext, id: string): Promise<ExemplarObjection | null> {
    const viewer = requireUser(ctx);
    const objection = await ctx.tx.repository(ExemplarObjection).findOneBy({ tenantId: viewer.tenantId, id });
    if (!objection) return null;
    const exemplar = await this.find(ctx, objection.exemplarId);
    if (!exemplar) return null;
    return objection.lodgedBy === viewer.userId || (await this.isOfficerOver(ctx, exemplar)) ? objection : null;
  },

  /** The tenant answers each objection (upheld or not) before the exemplar may be named. */
  async answerObjection(ctx: RequestContext, objectionId: string, answer: string, upheld: boolean): Promise<ExemplarObjection> {
    const viewer = requireUser(ctx);
    const objection = await this.findObjection(ctx, objectionId);
    if (!objection) throw exemplarError(ExemplarErrorReason.OBJECTION_NOT_FOUND, 'Objection not found');
    const exemplar = await this.tenantStep(ctx, objection.exemplarId);
    if (!answer.trim()) throw badInput('input.answer', 'An answer says something');
    if (exemplar.state !== ExemplarState.PUBLIC_NOTICE)
      throw exemplarError(
        ExemplarErrorReason.WRONG_EXEMPLAR_STATE,
        `Objections are answered during the public notice (this one is ${exemplarStateLabels[exemplar.state]})`,
      );
    const [, changed] = await ctx.tx.query(
      `UPDATE exemplar_objections SET answer = $3, upheld = $4, answered_by = $5, answered_at = now() WHERE tenant_id = $1 AND id = $2 AND answered_at IS NULL`,
      [viewer.tenantId, objection.id, answer, upheld, viewer.userId],
    );
    if (!changed) throw exemplarError(ExemplarErrorReason.OBJECTION_ANSWERED, 'The objection is already answered');
    ctx.forget('exemplar.objections');
    return ctx.tx.repository(ExemplarObjection).findOneByOrFail({ tenantId: viewer.tenantId, id: objection.id });
  },

  /**
   * 命名: after the notice window has ended, with every objection answered and none upheld, and while
   * the year's kind and category still has room under the tenant's limit. The limit's count and
   * the naming are serialized by an advisory lock on (tenant, year, kind, category).
   */
  async name(ctx: RequestContext, id: string, note: string): Promise<Exemplar> {
    const viewer = requireUser(ctx);
    const exemplar = await this.tenantStep(ctx, id);
    if (exemplar.state !== ExemplarState.PUBLIC_NOTICE) throw wrongState(exemplar, 'named', [ExemplarState.PUBLIC_NOTICE]);
    await ctx.tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `exemplar-limit:${viewer.tenantId}:${exemplar.year}:${exemplar.kind}:${exemplar.category}`,
    ]);
    await ctx.tx.query(`SELECT 1 FROM exemplars WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [viewer.tenantId, exemplar.id]);
    const today = await tenantToday(ctx);
    if (exemplar.noticeEndsOn! >= today)
      throw exemplarError(
        ExemplarErrorReason.NOTICE_NOT_OVER,
        `The public notice runs until ${exemplar.noticeEndsOn}; name it after that day`,
      );
    const [objections] = await ctx.tx.query(
      `SELECT count(*) FILTER (WHERE answered_at IS NULL)::int AS open, count(*) FILTER (WHERE upheld)::int AS upheld FROM exemplar_objections WHERE tenant_id = $1 AND exemplar_id = $2`,
      [viewer.tenantId, exemplar.id],
    );
    if (objections.open)
      throw exemplarError(ExemplarErrorReason.OBJECTIONS_UNANSWERED, `${objections.open} objection(s) are not answered yet`);
    if (objections.upheld)
      throw exemplarError(
        ExemplarErrorReason.OBJECTION_UPHELD,
        `${objections.upheld} objection(s) were upheld; reject the nomination instead`,
      );
    const [room] = await ctx.tx.query(
      `SELECT coalesce((SELECT max_count FROM exemplar_limits WHERE tenant_id = $1 AND year = $2 AND kind = $3 AND category = $4), $5)::int AS limit,
              (SELECT count(*) FROM exemplars WHERE tenant_id = $1 AND year = $2 AND kind = $3 AND category = $4 AND state = ANY($6::text[]))::int AS named`,
      [viewer.tenantId, exemplar.year, exemplar.kind, exemplar.category, DEFAULT_EXEMPLAR_LIMIT, HOLDING_STATES],
    );
    if (room.named >= room.limit) {
      throw exemplarError(
        ExemplarErrorReason.CATEGORY_LIMIT_REACHED,
        `${exemplar.year}年${orgCategoryLabels[exemplar.category]}类${exemplarKindLabels[exemplar.kind]}已命名${room.named}个，达到上限${room.limit}个`,
        { limit: room.limit, named: room.named },
      );
    }
    return transition(ctx, exemplar, [ExemplarState.PUBLIC_NOTICE], ExemplarState.NAMED, note, 'named_on = $5::date', [today]);
  },

  /** 复评: KEEP keeps the title (RE_EVALUATED), REVOKE takes it away (REVOKED, the note is the reason). */
  async reevaluate(
    ctx: RequestContext,
    id: string,
    input: { evaluatedOn: string; result: ReevaluationResult; note: string },
  ): Promise<Exemplar> {
    const viewer = requireUser(ctx);
    const exemplar = await this.tenantStep(ctx, id);
    if (!HOLDING_STATES.includes(exemplar.state)) throw wrongState(exemplar, 're-evaluated', HOLDING_STATES);
    const today = await tenantToday(ctx);
    if (input.evaluatedOn > today) throw badInput('input.evaluatedOn', 'A re-evaluation cannot be dated in the future');
    if (input.evaluatedOn < exemplar.namedOn!)
      throw badInput('input.evaluatedOn', `A re-evaluation follows the naming (${exemplar.namedOn})`);
    const revoke = input.result === ReevaluationResult.REVOKE;
    if (revoke && !input.note.trim()) throw badInput('input.note', 'A revocation says why');
    const updated = revoke
      ? await transition(ctx, exemplar, HOLDING_STATES, ExemplarState.REVOKED, input.note, 'closing_reason = $5', [input.note])
      : await transition(ctx, exemplar, HOLDING_STATES, ExemplarState.RE_EVALUATED, input.note);
    await ctx.tx.query(
      `INSERT INTO exemplar_reevaluations (tenant_id, exemplar_id, evaluated_on, result, note, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [viewer.tenantId, exemplar.id, input.evaluatedOn, input.result, input.note, viewer.userId],
    );
    ctx.forget('exemplar.reevaluations');
    return updated;
  },

  async revoke(ctx: RequestContext, id: string, reason: string): Promise<Exemplar> {
    const exemplar = await this.tenantStep(ctx, id);
    if (!reason.trim()) throw badInput('input.reason', 'A revocation says why');
    return transition(ctx, exemplar, HOLDING_STATES, ExemplarState.REVOKED, reason, 'closing_reason = $5', [reason]);
  },

  /** Tenant admins set the limit per year, kind and category (the source: 1–3). */
  async setLimit(
    ctx: RequestContext,
    input: { year: number; kind: ExemplarKind; category: OrgCategory; limit: number },
  ): Promise<ExemplarCountRow> {
    const viewer = requireUser(ctx);
    // The limit is the tenant's (per year, kind and category across every org): an admin at the root sets it.
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN]))
      throw exemplarError(ExemplarErrorReason.NOT_TENANT_ADMIN, '只有根组织的管理员可以设置选树典型名额');
    const { min, max } = EXEMPLAR_LIMIT_BOUNDS;
    if (!Number.isInteger(input.limit) || input.limit < min || input.limit > max) {
      throw exemplarError(ExemplarErrorReason.LIMIT_OUT_OF_BOUNDS, `上限须为${min}至${max}个（“筛选1-3个”）`, {
        field: 'input.limit',
        min,
        max,
      });
    }
    await ctx.tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `exemplar-limit:${viewer.tenantId}:${input.year}:${input.kind}:${input.category}`,
    ]);
    const [row] = await ctx.tx.query(
      `SELECT count(*)::int AS named FROM exemplars WHERE tenant_id = $1 AND year = $2 AND kind = $3 AND category = $4 AND state = ANY($5::text[])`,
      [viewer.tenantId, input.year, input.kind, input.category, HOLDING_STATES],
    );
    if (input.limit < row.named) {
      throw exemplarError(
        ExemplarErrorReason.LIMIT_BELOW_NAMED,
        `${row.named} are already named in this category; revoke some before lowering the limit to ${input.limit}`,
        'input.limit',
      );
    }
    await ctx.tx.query(
      `INSERT INTO exemplar_limits (tenant_id, year, kind, category, max_count, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, year, kind, category) DO UPDATE SET max_count = EXCLUDED.max_count, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [viewer.tenantId, input.year, input.kind, input.category, input.limit, viewer.userId],
    );
    return (await this.counts(ctx, input.year, input.kind)).find((r) => r.category === input.category)!;
  },

  /** Per kind and category of a year: the limit, how many hold the title, how many are on the way. One statement. */
  async counts(ctx: RequestContext, year: number, kind?: ExemplarKind | null): Promise<ExemplarCountRow[]> {
    const viewer = requireUser(ctx);
    const kinds = kind ? [kind] : KINDS;
    const rows = await ctx.tx.query(
      `SELECT k.kind, c.category, coalesce(l.max_count, $4)::int AS limit,
              count(e.id) FILTER (WHERE e.state = ANY($5::text[]))::int AS named,
              count(e.id) FILTER (WHERE e.state IN ('NOMINATED', 'UNDER_REVIEW', 'PUBLIC_NOTICE'))::int AS pending
         FROM unnest($2::text[]) WITH ORDINALITY AS k(kind, ko)
        CROSS JOIN unnest($3::text[]) WITH ORDINALITY AS c(category, co)
         LEFT JOIN exemplar_limits l ON l.tenant_id = $1 AND l.year = $6 AND l.kind = k.kind AND l.category = c.category
         LEFT JOIN exemplars e ON e.tenant_id = $1 AND e.year = $6 AND e.kind = k.kind AND e.category = c.category
        GROUP BY k.kind, k.ko, c.category, c.co, l.max_count
        ORDER BY k.ko, c.co`,
      [viewer.tenantId, kinds, CATEGORIES, DEFAULT_EXEMPLAR_LIMIT, HOLDING_STATES, year],
    );
    return rows;
  },

  /**
   * Exemplars by kind, category, state and year: those of orgs in the viewer's scope (within `under`)
   * in any state, plus public ones (公示 and named) anywhere in the tenant (under `under`).
   */
  async list(ctx: RequestContext, filter: ExemplarFilter, first: number, after?: string): Promise<Page<Exemplar>> {
    const viewer = requireUser(ctx);
    const roots = filter.under ? scopedRootsUnder(viewer, filter.under.path) : scopePaths(viewer);
    const build = () => {
      const scope = underAnySql('o', roots);
      const qb = ctx.tx
        .repository(Exemplar)
        .createQueryBuilder('e')
        .innerJoin('orgs', 'o', 'o.tenant_id = e.tenant_id AND o.id = e.org_id')
        .where('e.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(`(${scope.sql} OR (e.state = ANY(:publicStates) ${filter.under ? 'AND o.path <@ CAST(:underPath AS ltree)' : ''}))`, {
          ...scope.params,
          publicStates: PUBLIC_STATES,
          underPath: filter.under?.path,
        });
      if (filter.kind) qb.andWhere('e.kind = :kind', { kind: filter.kind });
      if (filter.category) qb.andWhere('e.category = :category', { category: filter.category });
      if (filter.state) qb.andWhere('e.state = :state', { state: filter.state });
      if (filter.year) qb.andWhere('e.year = :year', { year: filter.year });
      return qb;
    };
    const qb = build()
      .orderBy('e.year', 'DESC')
      .addOrderBy('e.kind', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(first + 1);
    const cursor = decodeCursor(after, 3);
    if (cursor) {
      qb.andWhere('(e.year < :cy OR (e.year = :cy AND (e.kind, e.id) > (CAST(:ck AS text), CAST(:ci AS uuid))))', {
        cy: Number(cursor[0]),
        ck: String(cursor[1]),
        ci: String(cursor[2]),
      });
    }
    return pageFrom(
      await qb.getMany(),
      first,
      after,
      (e) => encodeCursor([e.year, e.kind, e.id]),
      () => build().getCount(),
    );
  },

  /** All objections for the org's officers; everyone else sees their own. */
  async objections(ctx: RequestContext, exemplar: Exemplar): Promise<ExemplarObjection[]> {
    const viewer = requireUser(ctx);
    const all = await ctx
      .loader<string, ExemplarObjection[]>('exemplar.objections', async (ids) => {
        const rows = await ctx.tx
          .repository(ExemplarObjection)
          .createQueryBuilder('x')
          .where('x.tenant_id = :t AND x.exemplar_id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
          .orderBy('x.lodged_at')
          .addOrderBy('x.id')
          .getMany();
        return ids.map((id) => rows.filter((r) => r.exemplarId === id));
      })
      .load(exemplar.id);
    return (await this.isOfficerOver(ctx, exemplar)) ? all : all.filter((o) => o.lodgedBy === viewer.userId);
  },

  async unansweredObjections(ctx: RequestContext, exemplar: Exemplar): Promise<number> {
    const [row] = await ctx.tx.query(
      `SELECT count(*)::int AS n FROM exemplar_objections WHERE tenant_id = $1 AND exemplar_id = $2 AND answered_at IS NULL`,
      [exemplar.tenantId, exemplar.id],
    );
    return row.n;
  },

  async reevaluations(ctx: RequestContext, exemplar: Exemplar): Promise<ExemplarReevaluation[]> {
    return ctx
      .loader<string, ExemplarReevaluation[]>('exemplar.reevaluations', async (ids) => {
        const rows = await ctx.tx
          .repository(ExemplarReevaluation)
          .createQueryBuilder('r')
          .where('r.tenant_id = :t AND r.exemplar_id = ANY(:ids)', { t: exemplar.tenantId, ids: [...ids] })
          .orderBy('r.evaluated_on')
          .addOrderBy('r.recorded_at')
          .getMany();
        return ids.map((id) => rows.filter((r) => r.exemplarId === id));
      })
      .load(exemplar.id);
  },

  async history(ctx: RequestContext, exemplar: Exemplar): Promise<ExemplarStateChange[]> {
    return ctx
      .loader<string, ExemplarStateChange[]>('exemplar.history', async (ids) => {
        const rows = await ctx.tx
          .repository(ExemplarStateChange)
          .createQueryBuilder('c')
          .where('c.tenant_id = :t AND c.exemplar_id = ANY(:ids)', { t: exemplar.tenantId, ids: [...ids] })
          .orderBy('c.moved_at')
          .addOrderBy('c.id')
          .getMany();
        return ids.map((id) => rows.filter((r) => r.exemplarId === id));
      })
      .load(exemplar.id);
  },

  /** Loads an exemplar for a step only the tenant (admin or leading group over its org) takes. */
  async tenantStep(ctx: RequestContext, id: string): Promise<Exemplar> {
    const exemplar = await this.getOrThrow(ctx, id);
    if (!(await this.isOfficerOver(ctx, exemplar, TENANT)))
      throw exemplarError(
        ExemplarErrorReason.NOT_TENANT_OFFICER,
        'Review, public notice, naming and re-evaluation are the tenant admin’s or the leading group’s',
      );
    return exemplar;
  },
};

function wrongState(exemplar: Exemplar, verb: string, from: ExemplarState[]) {
  return exemplarError(
    ExemplarErrorReason.WRONG_EXEMPLAR_STATE,
    `An exemplar ${exemplarStateLabels[exemplar.state]} (${exemplar.state}) cannot be ${verb}; it must be ${from.join(' or ')}`,
    { state: exemplar.state },
  );
}

/**
 * Moves the exemplar from one of `from` to `to` atomically (the state sits in the WHERE), sets the
 * step's columns ($5…) and records the step. CONFLICT when it is not in `from`.
 */
async function transition(
  ctx: RequestContext,
  exemplar: Exemplar,
  from: ExemplarState[],
  to: ExemplarState,
  note: string,
  set = '',
  extra: unknown[] = [],
): Promise<Exemplar> {
  const viewer = requireUser(ctx);
  if (!from.includes(exemplar.state)) throw wrongState(exemplar, `moved to ${to}`, from);
  const [, changed] = await ctx.tx.query(
    `UPDATE exemplars SET state = $3, updated_at = now()${set ? `, ${set}` : ''} WHERE tenant_id = $1 AND id = $2 AND state = ANY($4::text[])`,
    [viewer.tenantId, exemplar.id, to, from, ...extra],
  );
  if (!changed) throw exemplarError(ExemplarErrorReason.WRONG_EXEMPLAR_STATE, 'The exemplar changed meanwhile; reload it');
  await recordChange(ctx, exemplar.id, exemplar.state, to, note);
  ctx.forget('exemplar.history');
  return ctx.tx.repository(Exemplar).findOneByOrFail({ tenantId: viewer.tenantId, id: exemplar.id });
}

async function recordChange(
  ctx: RequestContext,
  exemplarId: string,
  from: ExemplarState | null,
  to: ExemplarState,
  note: string,
): Promise<void> {
  const viewer = requireUser(ctx);
  await ctx.tx.query(
    `INSERT INTO exemplar_state_changes (tenant_id, exemplar_id, from_state, to_state, note, moved_by) VALUES ($1, $2, $3, $4, $5, $6)`,
    [viewer.tenantId, exemplarId, from, to, note, viewer.userId],
  );
}
