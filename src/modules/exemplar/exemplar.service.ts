import { holdsRoleAtRoot, inScope, positional, underAnySql } from '../../auth/scope';
import { scopePaths } from '../../auth/viewer';
import { lockForUpdate } from '../../db/lock-for-update';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { inTenantYearSql, todayOf, yearOf } from '../../graphql/today';
import { tenantToday } from '../link-code/public';
import { Org, OrgCategory, orgCategoryLabels } from '../org/org.entity';
import { addRestoreGuard, orgService } from '../org/org.service';
import { rootsFor } from '../org/scoped';
import { Role } from '../../auth/roles';
import {
  Exemplar,
  ExemplarObjection,
  ExemplarReevaluation,
  ExemplarState,
  ExemplarStateChange,
  ExemplarSubject,
  HOLDING_STATES,
  PUBLIC_STATES,
  ReevaluationResult,
  exemplarStateLabels,
} from './exemplar.entity';
import { DEFAULT_KIND_LIMITS } from './exemplar-kind.defaults';
import { exemplarKindService } from './exemplar-kind.service';
import { exemplarError } from './exemplar.errors';
import { countUnderLock, holdLock } from '../../db/advisory-lock';

/** The source's "1–3 per category", the default kinds' bounds (each kind holds its own), shown by `exemplarLimitBounds`. */
export const EXEMPLAR_LIMIT_BOUNDS = DEFAULT_KIND_LIMITS;

/** The nominating side: the org's secretary or an officer over it. */
const NOMINATORS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
/** The bureau decides review, public notice, naming, re-evaluation and revocation. */
const TENANT = [Role.TENANT_ADMIN, Role.LEADER];
const CATEGORIES = [OrgCategory.ORGAN, OrgCategory.INSTITUTION, OrgCategory.ENTERPRISE];
/** Unanswered objections one user may have on one exemplar at a time. */
export const MAX_OPEN_OBJECTIONS = 3;
/** Re-evaluations that keep one title (ExemplarReevaluation is a plain list on the exemplar); a revocation comes on top. */
export const MAX_REEVALUATIONS = 20;
/** Titles that count against a limit: those of live orgs (an archived org's title no longer takes a place). */
const LIVE_ORG_SQL = `EXISTS (SELECT 1 FROM orgs lo WHERE lo.tenant_id = e.tenant_id AND lo.id = e.org_id AND lo.archived_at IS NULL)`;

export interface NominateInput {
  kind: string;
  orgId: string;
  year: number;
  title?: string | null;
  memberName?: string | null;
  reason: string;
}

export interface ExemplarFilter {
  under?: Org | null;
  kind?: string | null;
  category?: OrgCategory | null;
  state?: ExemplarState | null;
  year?: number | null;
}

export interface ExemplarCountRow {
  kind: string;
  kind_label: string;
  category: OrgCategory;
  limit: number;
  named: number;
  pending: number;
}

/** Serializes counting and changing the titles of one year, kind and category (naming, setting the limit). */
async function lockLimit(ctx: RequestContext, year: number, kind: string, category: OrgCategory): Promise<void> {
  const { tenantId } = requireUser(ctx);
  await holdLock(ctx.tx, `exemplar-limit:${tenantId}:${year}:${kind}:${category}`);
}

/**
 * An archived org's titles take no place (LIVE_ORG_SQL), so the bureau may have named others in their place:
 * its restore brings them back into their counts, and is refused (RESTORE_OVER_EXEMPLAR_LIMIT, naming the title,
 * the year, kind and category, and the limit) when one would not fit, rather than leave a category past its limit
 * or take a title away unasked. Each count under its (year, kind, category) lock, taken in one order, so a naming
 * at the same time waits for the restore and then counts the org as live, or the restore for the naming.
 */
addRestoreGuard(async (ctx, org) => {
  const { tenantId } = requireUser(ctx);
  const held = await ctx.tx.query<{ year: number; kind: string; category: OrgCategory; own: number; exemplar: string }>(
    `SELECT e.year, e.kind, e.category, count(*)::int AS own, min(coalesce(e.title, e.member_name, $4)) AS exemplar
       FROM exemplars e WHERE e.tenant_id = $1 AND e.org_id = $2 AND e.state = ANY($3::text[])
      GROUP BY e.year, e.kind, e.category ORDER BY e.year, e.kind, e.category`,
    [tenantId, org.id, HOLDING_STATES, org.name],
  );
  for (const group of held) {
    await lockLimit(ctx, group.year, group.kind, group.category);
    const [room] = await ctx.tx.query<{ limit: number; named: number; kind_label: string }>(
      `SELECT coalesce(l.max_count, k.limit_default)::int AS limit, k.name AS kind_label,
              (SELECT count(*) FROM exemplars e WHERE e.tenant_id = $1 AND e.year = $2 AND e.kind = $3 AND e.category = $4
                  AND e.org_id <> $5 AND e.state = ANY($6::text[]) AND ${LIVE_ORG_SQL})::int AS named
         FROM exemplar_kinds k
         LEFT JOIN exemplar_limits l ON l.tenant_id = k.tenant_id AND l.year = $2 AND l.kind = k.code AND l.category = $4
        WHERE k.tenant_id = $1 AND k.code = $3`,
      [tenantId, group.year, group.kind, group.category, org.id, HOLDING_STATES],
    );
    if (room && room.named + group.own > room.limit) {
      throw exemplarError('RESTORE_OVER_EXEMPLAR_LIMIT', {
        field: 'input.id',
        params: {
          org: org.name,
          exemplar: group.exemplar,
          year: group.year,
          kind: group.kind,
          kindLabel: room.kind_label,
          category: group.category,
          categoryLabel: orgCategoryLabels[group.category],
          named: room.named,
          limit: room.limit,
        },
      });
    }
  }
});

export const exemplarService = {
  /**
   * Visible to whoever reads the org; while in public notice and once named, to the whole tenant
   * (the module's own rule: more than the org's scope).
   */
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
    if (!exemplar) throw exemplarError('EXEMPLAR_NOT_FOUND');
    return exemplar;
  },

  /** The org's name as published: a public exemplar's org may lie outside the viewer's sight. Batched. */
  async orgName(ctx: RequestContext, exemplar: Exemplar): Promise<string> {
    return ctx
      .loader<string, string>('exemplar.orgName', async (ids) => {
        const rows = await ctx.tx.query<{ id: string; name: string }>(
          `SELECT id, name FROM orgs WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
          [exemplar.tenantId, [...ids]],
        );
        const byId = new Map(rows.map((r) => [r.id, r.name]));
        return ids.map((id) => byId.get(id) ?? '');
      })
      .load(exemplar.orgId);
  },

  /** Whether the viewer holds one of `roles` over the exemplar's org (an org out of sight is out of scope too). */
  async isOfficerOver(ctx: RequestContext, exemplar: Exemplar, roles = NOMINATORS): Promise<boolean> {
    const org = await orgService.findById(ctx, exemplar.orgId);
    return !!org && inScope(requireUser(ctx), org.path, roles);
  },

  async nominate(ctx: RequestContext, input: NominateInput): Promise<Exemplar> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, NOMINATORS)) throw exemplarError('NOT_NOMINATOR');
    });
    // the kind as it stands, held: a change of its subject waits for this nomination (or this one sees it)
    const kind = await exemplarKindService.holdByCode(ctx, input.kind);
    const kindLabel = kind.name;
    if (kind.retiredAt) throw exemplarError('EXEMPLAR_KIND_RETIRED', { field: 'input.kind', params: { kind: kind.code, kindLabel } });
    const title = input.title?.trim() || null;
    const memberName = input.memberName?.trim() || null;
    const labels = { kind: kind.code, kindLabel };
    if (kind.subject === ExemplarSubject.ORG) {
      // an org kind names the org itself; 重点培育 picks among the 直属党组织 (the orgs directly under the root)
      if (kind.directOrgsOnly && org.depth !== 2) {
        throw exemplarError('NOT_DIRECT_ORG', { field: 'input.orgId', params: { org: org.name, ...labels } });
      }
      if (title) throw exemplarError('EXEMPLAR_KEY_ORG_TITLED', { field: 'input.title', params: labels });
      if (memberName) throw exemplarError('EXEMPLAR_KEY_ORG_MEMBER', { field: 'input.memberName', params: labels });
    } else if (kind.subject === ExemplarSubject.PERSON) {
      if (!memberName) throw exemplarError('EXEMPLAR_MEMBER_REQUIRED', { field: 'input.memberName', params: labels });
    } else if (!title) {
      throw exemplarError('EXEMPLAR_TITLE_REQUIRED', { field: 'input.title', params: labels });
    }
    const nomineeKey = kind.subject === ExemplarSubject.PERSON ? (memberName ?? '') : '';
    const alreadyNominated = () => exemplarError('ALREADY_NOMINATED', { params: { ...labels, year: input.year } });
    const [dup] = await ctx.tx.query<{ state: ExemplarState }>(
      `SELECT state FROM exemplars WHERE tenant_id = $1 AND kind = $2 AND org_id = $3 AND year = $4 AND coalesce(title, '') = coalesce($5::text, '') AND nominee_key = $6 AND state NOT IN ('REJECTED', 'REVOKED')`,
      [viewer.tenantId, kind.code, org.id, input.year, title, nomineeKey],
    );
    if (dup) throw alreadyNominated();
    // an org's nominations made in the tenant's year are bounded (rejected ones too: they stay): counted under a lock per
    // org, so concurrent nominations pass the count one at a time
    const { year, start } = yearOf(todayOf(ctx));
    const { count } = await countUnderLock(
      ctx.tx,
      `nominations:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM exemplars
        WHERE tenant_id = $1 AND org_id = $2 AND ${inTenantYearSql('created_at', '$3')}`,
      [viewer.tenantId, org.id, start],
    );
    const limit = ctx.config.nominationsPerOrgPerYear;
    if (count >= limit)
      throw exemplarError('TOO_MANY_NOMINATIONS', { field: 'input.orgId', params: { org: org.name, year, count, limit } });
    const repo = ctx.tx.repository(Exemplar);
    let saved: Exemplar;
    try {
      saved = await repo.save(
        repo.create({
          tenantId: viewer.tenantId,
          kind: kind.code,
          orgId: org.id,
          category: org.category,
          year: input.year,
          title,
          memberName,
          nomineeKey,
          reason: input.reason,
          state: ExemplarState.NOMINATED,
          createdBy: viewer.userId,
        }),
      );
    } catch (error) {
      // a concurrent nomination of the same post won the live-nomination index (exemplars_live)
      if (violates(error, 'exemplars_live')) throw alreadyNominated();
      throw error;
    }
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
    if (window.startsOn < today) throw exemplarError('INVALID_NOTICE_WINDOW', { field: 'input.startsOn', params: { today } });
    if (window.endsOn < window.startsOn) throw exemplarError('INVALID_NOTICE_WINDOW', { field: 'input.endsOn', params: { today } });
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
    if (!reason.trim()) throw exemplarError('EXEMPLAR_REASON_BLANK', 'input.reason');
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
    if (!text.trim()) throw exemplarError('EXEMPLAR_OBJECTION_BLANK', 'input.text');
    const today = await tenantToday(ctx);
    // Locks the exemplar, so an objection cannot slip in while it is being named.
    const [row] = await ctx.tx.query<{ state: ExemplarState; starts_on: string | null; ends_on: string | null }>(
      `SELECT state, notice_starts_on::text AS starts_on, notice_ends_on::text AS ends_on FROM exemplars WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [viewer.tenantId, exemplar.id],
    );
    const open =
      row.state === ExemplarState.PUBLIC_NOTICE && !!row.starts_on && !!row.ends_on && row.starts_on <= today && today <= row.ends_on;
    if (!open) {
      throw exemplarError('OUTSIDE_NOTICE_WINDOW', {
        params: { state: row.state, stateLabel: exemplarStateLabels[row.state], startsOn: row.starts_on, endsOn: row.ends_on, today },
      });
    }
    // counted under the exemplar's lock: concurrent objections of one user pass the cap one at a time
    const [mine] = await ctx.tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM exemplar_objections WHERE tenant_id = $1 AND exemplar_id = $2 AND lodged_by = $3 AND answered_at IS NULL`,
      [viewer.tenantId, exemplar.id, viewer.userId],
    );
    if (mine.n >= MAX_OPEN_OBJECTIONS) throw exemplarError('TOO_MANY_OBJECTIONS', { params: { limit: MAX_OPEN_OBJECTIONS } });
    const [created] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO exemplar_objections (tenant_id, exemplar_id, text, lodged_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [viewer.tenantId, exemplar.id, text, viewer.userId],
    );
    return ctx.tx.repository(ExemplarObjection).findOneByOrFail({ tenantId: viewer.tenantId, id: created.id });
  },

  /** An objection, for the one who lodged it and the officers over the exemplar's org. */
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
    if (!objection) throw exemplarError('OBJECTION_NOT_FOUND');
    const exemplar = await this.tenantStep(ctx, objection.exemplarId);
    if (!answer.trim()) throw exemplarError('EXEMPLAR_ANSWER_BLANK', 'input.answer');
    if (exemplar.state !== ExemplarState.PUBLIC_NOTICE) throw wrongState(exemplar.state);
    const changed = await ctx.tx.execute(
      `UPDATE exemplar_objections SET answer = $3, upheld = $4, answered_by = $5, answered_at = now() WHERE tenant_id = $1 AND id = $2 AND answered_at IS NULL`,
      [viewer.tenantId, objection.id, answer, upheld, viewer.userId],
    );
    if (!changed) throw exemplarError('OBJECTION_ANSWERED');
    return ctx.tx.repository(ExemplarObjection).findOneByOrFail({ tenantId: viewer.tenantId, id: objection.id });
  },

  /**
   * 命名: for a kind that needs 公示, after the notice window has ended, with every objection answered
   * and none upheld; a kind without it may be named straight after review (or after a notice it chose
   * to hold, on the same terms). Always while the year's kind and category has room under the tenant's
   * limit: the count and the naming are serialized by an advisory lock on (tenant, year, kind, category).
   */
  async name(ctx: RequestContext, id: string, note: string): Promise<Exemplar> {
    const viewer = requireUser(ctx);
    const seen = await this.tenantStep(ctx, id);
    // the org held live to the commit: an archived org is named nothing (ORG_ARCHIVED), and an archive waits
    await orgService.lockLive(
      ctx,
      await orgService.getOrThrow(ctx, seen.orgId),
      (org) => {
        if (!inScope(viewer, org.path, TENANT)) throw exemplarError('NOT_TENANT_OFFICER');
      },
      'input.id',
    );
    const kind = await exemplarKindService.getByCode(ctx, seen.kind);
    const labels = { kind: kind.code, kindLabel: kind.name };
    const from = kind.needsPublicNotice ? [ExemplarState.PUBLIC_NOTICE] : [ExemplarState.UNDER_REVIEW, ExemplarState.PUBLIC_NOTICE];
    await lockLimit(ctx, seen.year, seen.kind, seen.category);
    // its state and notice as they stand under the lock: a notice started meanwhile is judged as a notice
    const exemplar = (await lockForUpdate(ctx.tx, Exemplar, viewer.tenantId, seen.id)) ?? seen;
    if (exemplar.state === ExemplarState.UNDER_REVIEW && kind.needsPublicNotice) {
      throw exemplarError('EXEMPLAR_NOTICE_REQUIRED', { params: labels });
    }
    if (!from.includes(exemplar.state)) throw wrongState(exemplar.state);
    const today = await tenantToday(ctx);
    if (exemplar.state === ExemplarState.PUBLIC_NOTICE) {
      if (!exemplar.noticeEndsOn || exemplar.noticeEndsOn >= today) {
        throw exemplarError('NOTICE_NOT_OVER', { params: { endsOn: exemplar.noticeEndsOn } });
      }
      const [objections] = await ctx.tx.query<{ open: number; upheld: number }>(
        `SELECT count(*) FILTER (WHERE answered_at IS NULL)::int AS open, count(*) FILTER (WHERE upheld)::int AS upheld FROM exemplar_objections WHERE tenant_id = $1 AND exemplar_id = $2`,
        [viewer.tenantId, exemplar.id],
      );
      if (objections.open) throw exemplarError('OBJECTIONS_UNANSWERED', { params: { open: objections.open } });
      if (objections.upheld) throw exemplarError('OBJECTION_UPHELD', { params: { upheld: objections.upheld } });
    }
    const [room] = await ctx.tx.query<{ limit: number; named: number }>(
      `SELECT coalesce((SELECT max_count FROM exemplar_limits WHERE tenant_id = $1 AND year = $2 AND kind = $3 AND category = $4), $5)::int AS limit,
              (SELECT count(*) FROM exemplars e WHERE e.tenant_id = $1 AND e.year = $2 AND e.kind = $3 AND e.category = $4
                  AND e.state = ANY($6::text[]) AND ${LIVE_ORG_SQL})::int AS named`,
      [viewer.tenantId, exemplar.year, exemplar.kind, exemplar.category, kind.limitDefault, HOLDING_STATES],
    );
    if (room.named >= room.limit) {
      throw exemplarError('CATEGORY_LIMIT_REACHED', {
        params: {
          year: exemplar.year,
          ...labels,
          category: exemplar.category,
          categoryLabel: orgCategoryLabels[exemplar.category],
          limit: room.limit,
          named: room.named,
        },
      });
    }
    return transition(ctx, exemplar, from, ExemplarState.NAMED, note, 'named_on = $5::date', [today]);
  },

  /** 复评: KEEP keeps the title (RE_EVALUATED), REVOKE takes it away (REVOKED, the note is the reason). */
  async reevaluate(
    ctx: RequestContext,
    id: string,
    input: { evaluatedOn: string; result: ReevaluationResult; note: string },
  ): Promise<Exemplar> {
    const viewer = requireUser(ctx);
    const exemplar = await this.tenantStep(ctx, id);
    if (!HOLDING_STATES.includes(exemplar.state)) throw wrongState(exemplar.state);
    const today = await tenantToday(ctx);
    if (input.evaluatedOn > today) throw exemplarError('REEVALUATION_IN_FUTURE', 'input.evaluatedOn');
    if (exemplar.namedOn && input.evaluatedOn < exemplar.namedOn) {
      throw exemplarError('REEVALUATION_BEFORE_NAMING', { field: 'input.evaluatedOn', params: { namedOn: exemplar.namedOn } });
    }
    const revoke = input.result === ReevaluationResult.REVOKE;
    if (revoke && !input.note.trim()) throw exemplarError('EXEMPLAR_REASON_BLANK', 'input.note');
    const updated = revoke
      ? await transition(ctx, exemplar, HOLDING_STATES, ExemplarState.REVOKED, input.note, 'closing_reason = $5', [input.note])
      : await transition(ctx, exemplar, HOLDING_STATES, ExemplarState.RE_EVALUATED, input.note);
    if (!revoke) {
      // a title is kept a bounded number of times (its re-evaluations are a plain list): counted under the row lock the
      // transition took; revoking stays possible
      const [{ n }] = await ctx.tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM exemplar_reevaluations WHERE tenant_id = $1 AND exemplar_id = $2`,
        [viewer.tenantId, exemplar.id],
      );
      if (n >= MAX_REEVALUATIONS) throw exemplarError('TOO_MANY_REEVALUATIONS', { params: { limit: MAX_REEVALUATIONS } });
    }
    await ctx.tx.execute(
      `INSERT INTO exemplar_reevaluations (tenant_id, exemplar_id, evaluated_on, result, note, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [viewer.tenantId, exemplar.id, input.evaluatedOn, input.result, input.note, viewer.userId],
    );
    ctx.forget('exemplar.reevaluations');
    return updated;
  },

  async revoke(ctx: RequestContext, id: string, reason: string): Promise<Exemplar> {
    const exemplar = await this.tenantStep(ctx, id);
    if (!reason.trim()) throw exemplarError('EXEMPLAR_REASON_BLANK', 'input.reason');
    return transition(ctx, exemplar, HOLDING_STATES, ExemplarState.REVOKED, reason, 'closing_reason = $5', [reason]);
  },

  /** Tenant admins set the limit per year, kind and category, within the kind's bounds (the source: 1–3). */
  async setLimit(
    ctx: RequestContext,
    input: { year: number; kind: string; category: OrgCategory; limit: number },
  ): Promise<ExemplarCountRow> {
    const viewer = requireUser(ctx);
    // The limit is the tenant's (per year, kind and category across every org): an admin at the root sets it.
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw exemplarError('NOT_TENANT_ADMIN');
    const kind = await exemplarKindService.getByCode(ctx, input.kind);
    const { limitMin: min, limitMax: max } = kind;
    if (!Number.isInteger(input.limit) || input.limit < min || input.limit > max) {
      throw exemplarError('LIMIT_OUT_OF_BOUNDS', { field: 'input.limit', params: { min, max } });
    }
    await lockLimit(ctx, input.year, kind.code, input.category);
    const [row] = await ctx.tx.query<{ named: number }>(
      `SELECT count(*)::int AS named FROM exemplars e
        WHERE e.tenant_id = $1 AND e.year = $2 AND e.kind = $3 AND e.category = $4 AND e.state = ANY($5::text[]) AND ${LIVE_ORG_SQL}`,
      [viewer.tenantId, input.year, kind.code, input.category, HOLDING_STATES],
    );
    if (input.limit < row.named) {
      throw exemplarError('LIMIT_BELOW_NAMED', { field: 'input.limit', params: { named: row.named, limit: input.limit } });
    }
    await ctx.tx.execute(
      `INSERT INTO exemplar_limits (tenant_id, year, kind, category, max_count, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, year, kind, category) DO UPDATE SET max_count = EXCLUDED.max_count, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [viewer.tenantId, input.year, kind.code, input.category, input.limit, viewer.userId],
    );
    const [counted] = await this.counts(ctx, input.year, kind.code, input.category);
    return counted;
  },

  /**
   * Per kind and category of a year (one kind, one category when given): the limit, how many hold the
   * title, how many are on the way. The tenant's kinds in use (a retired kind only when it has exemplars
   * that year, or is asked for by code), in their order. One statement.
   */
  async counts(ctx: RequestContext, year: number, kind?: string | null, category?: OrgCategory | null): Promise<ExemplarCountRow[]> {
    const viewer = requireUser(ctx);
    if (kind) await exemplarKindService.getByCode(ctx, kind, 'kind');
    const params: unknown[] = [viewer.tenantId, kind ?? null, category ? [category] : CATEGORIES, HOLDING_STATES, year];
    // the titles (public) of live orgs tenant-wide; the nominations on the way only of the orgs in the viewer's scope
    const inScopeSql = positional(underAnySql('eo', scopePaths(viewer)), params);
    return ctx.tx.query<ExemplarCountRow>(
      `SELECT k.code AS kind, k.name AS kind_label, c.category, coalesce(l.max_count, k.limit_default)::int AS limit,
              count(e.id) FILTER (WHERE e.state = ANY($4::text[]))::int AS named,
              count(e.id) FILTER (WHERE e.state IN ('NOMINATED', 'UNDER_REVIEW', 'PUBLIC_NOTICE') AND ${inScopeSql})::int AS pending
         FROM exemplar_kinds k
        CROSS JOIN unnest($3::text[]) WITH ORDINALITY AS c(category, co)
         LEFT JOIN exemplar_limits l ON l.tenant_id = k.tenant_id AND l.year = $5 AND l.kind = k.code AND l.category = c.category
         LEFT JOIN (exemplars e JOIN orgs eo ON eo.tenant_id = e.tenant_id AND eo.id = e.org_id AND eo.archived_at IS NULL)
           ON e.tenant_id = k.tenant_id AND e.year = $5 AND e.kind = k.code AND e.category = c.category
        WHERE k.tenant_id = $1
          AND ($2::text IS NULL OR k.code = $2)
          AND ($2::text IS NOT NULL OR k.retired_at IS NULL
               OR EXISTS (SELECT 1 FROM exemplars x WHERE x.tenant_id = k.tenant_id AND x.kind = k.code AND x.year = $5))
        GROUP BY k.code, k.name, k.position, c.category, c.co, l.max_count, k.limit_default
        ORDER BY k.position, k.code, c.co`,
      params,
    );
  },

  /**
   * Exemplars by kind, category, state and year, newest year first: those of orgs in the viewer's scope
   * (within `under`) in any state, plus public ones (公示 and named) anywhere in the tenant (under `under`).
   */
  async list(ctx: RequestContext, filter: ExemplarFilter, first: number, after?: string): Promise<Page<Exemplar>> {
    const viewer = requireUser(ctx);
    const roots = rootsFor(viewer, filter.under);
    const build = () => {
      const scope = underAnySql('o', roots);
      const publicUnder = filter.under ? underAnySql('o', [filter.under.path]) : { sql: 'true', params: {} };
      const qb = ctx.tx
        .repository(Exemplar)
        .createQueryBuilder('e')
        .innerJoin('orgs', 'o', 'o.tenant_id = e.tenant_id AND o.id = e.org_id')
        .where('e.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(`(${scope.sql} OR (e.state = ANY(:publicStates) AND ${publicUnder.sql}))`, {
          ...scope.params,
          ...publicUnder.params,
          publicStates: PUBLIC_STATES,
        });
      if (filter.kind) qb.andWhere('e.kind = :kind', { kind: filter.kind });
      if (filter.category) qb.andWhere('e.category = :category', { category: filter.category });
      if (filter.state) qb.andWhere('e.state = :state', { state: filter.state });
      if (filter.year) qb.andWhere('e.year = :year', { year: filter.year });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'e.year', type: 'int', of: (e) => e.year, desc: true },
        { sql: 'e.kind', type: 'text', of: (e) => e.kind },
        { sql: 'e.id', type: 'uuid', of: (e) => e.id },
      ],
      first,
      after,
    );
  },

  /** The objections, oldest first: all of them for the org's officers, their own for everyone else. */
  async objections(ctx: RequestContext, exemplar: Exemplar, first: number, after?: string): Promise<Page<ExemplarObjection>> {
    const viewer = requireUser(ctx);
    const all = await this.isOfficerOver(ctx, exemplar);
    const build = () => {
      const qb = ctx.tx
        .repository(ExemplarObjection)
        .createQueryBuilder('x')
        .where('x.tenant_id = :t AND x.exemplar_id = :exemplarId', { t: viewer.tenantId, exemplarId: exemplar.id });
      if (!all) qb.andWhere('x.lodged_by = :me', { me: viewer.userId });
      return qb;
    };
    // milliseconds: what a cursor (a JavaScript Date) holds of the microsecond timestamp
    return keysetPage(
      build,
      [
        { sql: `date_trunc('milliseconds', x.lodged_at)`, type: 'timestamptz', of: (x) => x.lodgedAt },
        { sql: 'x.id', type: 'uuid', of: (x) => x.id },
      ],
      first,
      after,
    );
  },

  async unansweredObjections(ctx: RequestContext, exemplar: Exemplar): Promise<number> {
    const [row] = await ctx.tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM exemplar_objections WHERE tenant_id = $1 AND exemplar_id = $2 AND answered_at IS NULL`,
      [exemplar.tenantId, exemplar.id],
    );
    return row.n;
  },

  /** The re-evaluations of an exemplar, oldest first (at most MAX_REEVALUATIONS keeps and one revocation). Batched. */
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

  /** Every step of an exemplar, oldest first. Batched. */
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
    if (!(await this.isOfficerOver(ctx, exemplar, TENANT))) throw exemplarError('NOT_TENANT_OFFICER');
    return exemplar;
  },
};

const wrongState = (state: ExemplarState) =>
  exemplarError('WRONG_EXEMPLAR_STATE', { params: { state, stateLabel: exemplarStateLabels[state] } });

/** Whether a write failed on the unique index `constraint`. */
function violates(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const pg = e.driverError ?? e;
  return pg.code === '23505' && pg.constraint === constraint;
}

/**
 * Moves the exemplar from one of `from` to `to` atomically (the state sits in the WHERE), sets the
 * step's columns ($5…) and records the step. CONFLICT, naming the state it is in now, when it is not
 * (or no longer) in `from`.
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
  if (!from.includes(exemplar.state)) throw wrongState(exemplar.state);
  const changed = await ctx.tx.execute(
    `UPDATE exemplars SET state = $3, updated_at = now()${set ? `, ${set}` : ''} WHERE tenant_id = $1 AND id = $2 AND state = ANY($4::text[])`,
    [viewer.tenantId, exemplar.id, to, from, ...extra],
  );
  if (!changed) {
    // another step won the race: say where it stands now
    const [now] = await ctx.tx.query<{ state: ExemplarState }>(`SELECT state FROM exemplars WHERE tenant_id = $1 AND id = $2`, [
      viewer.tenantId,
      exemplar.id,
    ]);
    throw wrongState(now?.state ?? exemplar.state);
  }
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
  await ctx.tx.execute(
    `INSERT INTO exemplar_state_changes (tenant_id, exemplar_id, from_state, to_state, note, moved_by) VALUES ($1, $2, $3, $4, $5, $6)`,
    [viewer.tenantId, exemplarId, from, to, note, viewer.userId],
  );
}
