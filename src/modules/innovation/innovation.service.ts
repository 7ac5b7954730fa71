import { inScope, subtreeOf } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeTypedCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { inTenantYearSql, todayOf, yearOf } from '../../graphql/today';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { Role } from '../../auth/roles';
import {
  InnovationAwardLevel,
  InnovationGoal,
  InnovationGoalKind,
  InnovationProject,
  InnovationStage,
  InnovationStageChange,
  innovationStageLabels,
} from './innovation.entity';
import { innovationError } from './innovation.errors';
import { countUnderLock } from '../../db/advisory-lock';

export interface GoalInput {
  kind: InnovationGoalKind;
  description: string;
  baseline?: number | null;
  target?: number | null;
  unit?: string | null;
}

export interface RegisterProjectInput {
  orgId: string;
  year: number;
  theme: string;
  plan: string;
  goals: GoalInput[];
}

export interface MoveProjectInput {
  to: InnovationStage;
  note?: string | null;
  evaluation?: { score: number; summary: string } | null;
  awardLevel?: InnovationAwardLevel | null;
}

export interface ProjectFilter {
  under?: Org | null;
  stage?: InnovationStage | null;
  year?: number | null;
}

export interface RankingRow {
  rank: number;
  project: InnovationProject;
}

/** The unit itself: its secretary, or an officer over it. */
const UNIT = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
/** Those who supervise the unit and may send a project back to implementation. */
const OVERSEERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR];
/** The bureau: evaluation, awards and promotion are its decisions. */
const TENANT = [Role.TENANT_ADMIN, Role.LEADER];
/** 督查指导 is the bureau's step: the 组织科, the leading group, or the 督导组 over the unit. */
const SUPERVISION = [Role.TENANT_ADMIN, Role.LEADER, Role.INSPECTOR];

/**
 * Who moves a project forward into each stage ("市局将加强对…调研、实施、督查指导、成效评估、评比表彰、
 * 总结推广等工作流程管理"): the unit starts implementing; supervision, evaluation, award and promotion
 * belong to the bureau. The way back from SUPERVISED to IMPLEMENTING is the overseers' (OVERSEERS).
 */
const FORWARD: Record<
  InnovationStage,
  { roles: Role[]; reason: 'NOT_PROJECT_OFFICER' | 'NOT_SUPERVISION_OFFICER' | 'NOT_TENANT_OFFICER' }
> = {
  RESEARCH: { roles: [], reason: 'NOT_PROJECT_OFFICER' },
  IMPLEMENTING: { roles: UNIT, reason: 'NOT_PROJECT_OFFICER' },
  SUPERVISED: { roles: SUPERVISION, reason: 'NOT_SUPERVISION_OFFICER' },
  EVALUATED: { roles: TENANT, reason: 'NOT_TENANT_OFFICER' },
  AWARDED: { roles: TENANT, reason: 'NOT_TENANT_OFFICER' },
  PROMOTED: { roles: TENANT, reason: 'NOT_TENANT_OFFICER' },
};

const ORDER: InnovationStage[] = [
  InnovationStage.RESEARCH,
  InnovationStage.IMPLEMENTING,
  InnovationStage.SUPERVISED,
  InnovationStage.EVALUATED,
  InnovationStage.AWARDED,
  InnovationStage.PROMOTED,
];
export const EVALUATED_STAGES = [InnovationStage.EVALUATED, InnovationStage.AWARDED, InnovationStage.PROMOTED];
/** Stages in which the unit still edits its theme, plan and goals. */
const EDITABLE = [InnovationStage.RESEARCH, InnovationStage.IMPLEMENTING];

const MAX_GOALS = 50;
/** Returns from SUPERVISED to IMPLEMENTING one project may have (its history is a plain list). */
export const MAX_RETURNS = 10;
const MAX_GOAL_DESCRIPTION = 2000;
const MAX_GOAL_UNIT = 50;
const MAX_SUMMARY = 20000;

/** The stages one move can reach: the next one, and back to IMPLEMENTING from SUPERVISED. */
export function nextStages(stage: InnovationStage): InnovationStage[] {
  const next = ORDER[ORDER.indexOf(stage) + 1];
  return [...(next ? [next] : []), ...(stage === InnovationStage.SUPERVISED ? [InnovationStage.IMPLEMENTING] : [])];
}

/** CONFLICT for a move the flow does not allow from `from` (or for any move once the flow is complete). */
function illegalMove(from: InnovationStage, to: InnovationStage) {
  const next = nextStages(from);
  const stages = { from, to, fromLabel: innovationStageLabels[from], toLabel: innovationStageLabels[to] };
  if (!next.length) return innovationError('INNOVATION_FLOW_COMPLETE', { field: 'input.to', params: stages });
  return innovationError('ILLEGAL_STAGE_MOVE', {
    field: 'input.to',
    params: { ...stages, next: next.join(','), nextLabels: next.map((n) => innovationStageLabels[n]).join('、') },
  });
}

function checkGoals(goals: GoalInput[], field = 'input.goals'): void {
  if (goals.length > MAX_GOALS) throw innovationError('INNOVATION_TOO_MANY_GOALS', { field, params: { limit: MAX_GOALS } });
  goals.forEach((g, i) => {
    const at = `${field}[${i}]`;
    if (!g.description?.trim() || g.description.length > MAX_GOAL_DESCRIPTION)
      throw innovationError('GOAL_DESCRIPTION_INVALID', { field: `${at}.description`, params: { max: MAX_GOAL_DESCRIPTION } });
    if (g.unit !== undefined && g.unit !== null && (!g.unit.trim() || g.unit.length > MAX_GOAL_UNIT))
      throw innovationError('GOAL_UNIT_INVALID', { field: `${at}.unit`, params: { max: MAX_GOAL_UNIT } });
    if (g.baseline !== undefined && g.baseline !== null && (g.target === undefined || g.target === null))
      throw innovationError('GOAL_BASELINE_WITHOUT_TARGET', `${at}.target`);
    if (g.target !== undefined && g.target !== null && !g.unit) throw innovationError('GOAL_TARGET_WITHOUT_UNIT', `${at}.unit`);
    for (const key of ['baseline', 'target'] as const) {
      const v = g[key];
      if (v !== undefined && v !== null && (!Number.isFinite(v) || Math.abs(v) > 1e12))
        throw innovationError('GOAL_VALUE_OUT_OF_RANGE', `${at}.${key}`);
    }
  });
}

export const innovationService = {
  /** Visible to whoever reads the project's org. */
  async find(ctx: RequestContext, id: string): Promise<InnovationProject | null> {
    return findInScope(ctx, InnovationProject, id, (p) => p.orgId);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<InnovationProject> {
    const project = await this.find(ctx, id);
    if (!project) throw innovationError('INNOVATION_PROJECT_NOT_FOUND');
    return project;
  },

  async register(ctx: RequestContext, input: RegisterProjectInput): Promise<InnovationProject> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, UNIT)) throw innovationError('NOT_PROJECT_OFFICER');
    });
    checkGoals(input.goals);
    // an org's projects registered in the tenant's year are bounded: counted under a lock per org, so concurrent
    // registrations pass the count one at a time
    const { year, start } = yearOf(todayOf(ctx));
    const { count } = await countUnderLock(
      ctx.tx,
      `innovation-projects:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM innovation_projects
        WHERE tenant_id = $1 AND org_id = $2 AND ${inTenantYearSql('created_at', '$3')}`,
      [viewer.tenantId, org.id, start],
    );
    const limit = ctx.config.innovationProjectsPerOrgPerYear;
    if (count >= limit)
      throw innovationError('TOO_MANY_INNOVATION_PROJECTS', { field: 'input.orgId', params: { org: org.name, year, count, limit } });
    const repo = ctx.tx.repository(InnovationProject);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        orgId: org.id,
        year: input.year,
        theme: input.theme,
        plan: input.plan,
        stage: InnovationStage.RESEARCH,
        createdBy: viewer.userId,
      }),
    );
    await writeGoals(ctx, saved.id, input.goals);
    await recordChange(ctx, saved.id, null, InnovationStage.RESEARCH, '立项');
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** The unit revises its theme, plan or goals while researching or implementing. */
  async update(
    ctx: RequestContext,
    id: string,
    patch: { theme?: string | null; plan?: string | null; goals?: GoalInput[] | null },
  ): Promise<InnovationProject> {
    const viewer = requireUser(ctx);
    const project = await this.getOrThrow(ctx, id);
    await orgService.holdForChange(
      ctx,
      project.orgId,
      (org) => {
        if (!inScope(viewer, org.path, UNIT)) throw innovationError('NOT_PROJECT_OFFICER');
      },
      () => innovationError('INNOVATION_PROJECT_NOT_FOUND'),
    );
    if (patch.goals) checkGoals(patch.goals);
    const changed = await ctx.tx.execute(
      `UPDATE innovation_projects SET theme = coalesce($3, theme), plan = coalesce($4, plan), updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND stage = ANY($5::text[])`,
      [viewer.tenantId, project.id, patch.theme ?? null, patch.plan ?? null, EDITABLE],
    );
    if (!changed) {
      throw innovationError('PROJECT_LOCKED', { params: { stage: project.stage, stageLabel: innovationStageLabels[project.stage] } });
    }
    if (patch.goals) {
      await ctx.tx.execute(`DELETE FROM innovation_goals WHERE tenant_id = $1 AND project_id = $2`, [viewer.tenantId, project.id]);
      await writeGoals(ctx, project.id, patch.goals);
    }
    ctx.forget('innovation.goals');
    return ctx.tx.repository(InnovationProject).findOneByOrFail({ tenantId: viewer.tenantId, id: project.id });
  },

  /**
   * One step along the flow. The move must be legal from the current stage (CONFLICT otherwise),
   * made by someone allowed that step (FORBIDDEN), and carry the step's data: an evaluation for
   * EVALUATED, an award level for AWARDED, a reason for a return to IMPLEMENTING.
   */
  async move(ctx: RequestContext, id: string, input: MoveProjectInput): Promise<InnovationProject> {
    const viewer = requireUser(ctx);
    const project = await this.getOrThrow(ctx, id);
    const from = project.stage;
    const to = input.to;
    if (!nextStages(from).includes(to)) throw illegalMove(from, to);
    const isReturn = from === InnovationStage.SUPERVISED && to === InnovationStage.IMPLEMENTING;
    await orgService.holdForChange(
      ctx,
      project.orgId,
      (org) => {
        if (isReturn) {
          if (!inScope(viewer, org.path, OVERSEERS)) throw innovationError('NOT_PROJECT_OVERSEER');
        } else if (!inScope(viewer, org.path, FORWARD[to].roles)) {
          throw innovationError(FORWARD[to].reason);
        }
      },
      () => innovationError('INNOVATION_PROJECT_NOT_FOUND'),
    );
    const note = input.note?.trim() ?? '';
    if (isReturn && !note) throw innovationError('STAGE_DATA_MISSING', 'input.note');
    if (to === InnovationStage.EVALUATED && !input.evaluation) throw innovationError('STAGE_DATA_MISSING', 'input.evaluation');
    if (to !== InnovationStage.EVALUATED && input.evaluation) throw innovationError('STAGE_DATA_UNEXPECTED', 'input.evaluation');
    if (to === InnovationStage.AWARDED && !input.awardLevel) throw innovationError('STAGE_DATA_MISSING', 'input.awardLevel');
    if (to !== InnovationStage.AWARDED && input.awardLevel) throw innovationError('STAGE_DATA_UNEXPECTED', 'input.awardLevel');
    if (input.evaluation) {
      const { score, summary } = input.evaluation;
      if (!Number.isFinite(score) || score < 0 || score > 100 || Math.abs(Math.round(score * 100) - score * 100) > 1e-6)
        throw innovationError('INNOVATION_SCORE_INVALID', 'input.evaluation.score');
      if (!summary.trim() || summary.length > MAX_SUMMARY)
        throw innovationError('INNOVATION_SUMMARY_INVALID', { field: 'input.evaluation.summary', params: { max: MAX_SUMMARY } });
    }
    // The stage in the WHERE makes the step atomic: a concurrent move of the same project loses.
    const changed = await ctx.tx.execute(
      `UPDATE innovation_projects
          SET stage = $4, updated_at = now(),
              score = CASE WHEN $5::numeric IS NULL THEN score ELSE $5::numeric END,
              evaluation_summary = coalesce($6, evaluation_summary),
              evaluated_by = CASE WHEN $5::numeric IS NULL THEN evaluated_by ELSE $8::uuid END,
              evaluated_at = CASE WHEN $5::numeric IS NULL THEN evaluated_at ELSE now() END,
              award_level = coalesce($7, award_level)
        WHERE tenant_id = $1 AND id = $2 AND stage = $3`,
      [
        viewer.tenantId,
        project.id,
        from,
        to,
        input.evaluation?.score ?? null,
        input.evaluation?.summary ?? null,
        input.awardLevel ?? null,
        viewer.userId,
      ],
    );
    if (!changed) {
      // another move won the race: refuse from the stage it stands at now
      const [now] = await ctx.tx.query<{ stage: InnovationStage }>(
        `SELECT stage FROM innovation_projects WHERE tenant_id = $1 AND id = $2`,
        [viewer.tenantId, project.id],
      );
      throw illegalMove(now?.stage ?? from, to);
    }
    if (isReturn) {
      // the returns are bounded (the history is a plain list): counted under the row lock the update took
      const [{ returns }] = await ctx.tx.query<{ returns: number }>(
        `SELECT count(*)::int AS returns FROM innovation_stage_changes
          WHERE tenant_id = $1 AND project_id = $2 AND from_stage = $3 AND to_stage = $4`,
        [viewer.tenantId, project.id, InnovationStage.SUPERVISED, InnovationStage.IMPLEMENTING],
      );
      if (returns >= MAX_RETURNS)
        throw innovationError('TOO_MANY_RETURNS', { field: 'input.to', params: { count: returns, limit: MAX_RETURNS } });
    }
    await recordChange(ctx, project.id, from, to, note);
    ctx.forget('innovation.history');
    return ctx.tx.repository(InnovationProject).findOneByOrFail({ tenantId: viewer.tenantId, id: project.id });
  },

  /** Projects in a subtree (within the viewer's scope), by stage and year, in tree order. */
  async list(ctx: RequestContext, filter: ProjectFilter, first: number, after?: string): Promise<Page<InnovationProject>> {
    const roots = rootsFor(requireUser(ctx), filter.under);
    const build = () => {
      const qb = scopedQuery(ctx, InnovationProject, 'p', 'org_id', roots)
        // the org again, mapped onto the row, for its cursor in tree order
        .innerJoinAndMapOne('p.listedOrg', Org, 'po', 'po.tenant_id = p.tenant_id AND po.id = p.org_id');
      if (filter.stage) qb.andWhere('p.stage = :stage', { stage: filter.stage });
      if (filter.year) qb.andWhere('p.year = :year', { year: filter.year });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'o.path_key', type: 'text', of: (p) => p.listedOrg?.path ?? null },
        { sql: 'p.id', type: 'uuid', of: (p) => p.id },
      ],
      first,
      after,
    );
  },

  /**
   * 评比表彰: a year's evaluated projects (EVALUATED, AWARDED or PROMOTED) in the subtree ranked by
   * score, ties sharing a rank (1, 2, 2, 4), then in tree order. One statement per page: the ranks are
   * taken over the whole set, the page after the cursor (score, org path, id).
   */
  async ranking(ctx: RequestContext, year: number, under: Org | null, first: number, after?: string): Promise<Page<RankingRow>> {
    const viewer = requireUser(ctx);
    const roots = rootsFor(viewer, under);
    const params: unknown[] = [viewer.tenantId, year, EVALUATED_STAGES, ...roots];
    const subtrees = roots.length ? roots.map((_, i) => subtreeOf('o', 4 + i)).join(' OR ') : 'false';
    const evaluated = `FROM innovation_projects p JOIN orgs o ON o.tenant_id = p.tenant_id AND o.id = p.org_id
        WHERE p.tenant_id = $1 AND p.year = $2 AND p.stage = ANY($3::text[]) AND (${subtrees})`;
    const cursor = decodeTypedCursor(after, ['numeric', 'text', 'uuid']);
    const at = params.length;
    const rows = await ctx.tx.query<{ id: string; rank: number; score: string; path_key: string }>(
      `WITH ranked AS (SELECT p.id, p.score, o.path_key, rank() OVER (ORDER BY p.score DESC)::int AS rank ${evaluated})
       SELECT id, rank, score::text AS score, path_key FROM ranked
        WHERE $${at + 1}::numeric IS NULL OR score < $${at + 1}::numeric
           OR (score = $${at + 1}::numeric AND (path_key, id) > ($${at + 2}::text, $${at + 3}::uuid))
        ORDER BY score DESC, path_key, id
        LIMIT $${at + 4}`,
      [...params, cursor?.[0] ?? null, cursor?.[1] ?? null, cursor?.[2] ?? null, first + 1],
    );
    const projects = rows.length
      ? await ctx.tx
          .repository(InnovationProject)
          .createQueryBuilder('p')
          .where('p.tenant_id = :t AND p.id = ANY(:ids)', { t: viewer.tenantId, ids: rows.map((r) => r.id) })
          .getMany()
      : [];
    const byId = new Map(projects.map((p) => [p.id, p]));
    const keys = new Map(rows.map((r) => [r.id, [r.score, r.path_key, r.id]]));
    const entries = rows.flatMap((r) => {
      const project = byId.get(r.id);
      return project ? [{ rank: r.rank, project }] : [];
    });
    return pageFrom(
      entries,
      first,
      after,
      (e) => encodeCursor(keys.get(e.project.id) ?? []),
      async () => {
        const [row] = await ctx.tx.query<{ total: number }>(`SELECT count(*)::int AS total ${evaluated}`, params);
        return row.total;
      },
    );
  },

  async goals(ctx: RequestContext, project: InnovationProject): Promise<InnovationGoal[]> {
    return ctx
      .loader<string, InnovationGoal[]>('innovation.goals', async (ids) => {
        const rows = await ctx.tx
          .repository(InnovationGoal)
          .createQueryBuilder('g')
          .where('g.tenant_id = :t AND g.project_id = ANY(:ids)', { t: project.tenantId, ids: [...ids] })
          .orderBy('g.position')
          .getMany();
        return ids.map((id) => rows.filter((g) => g.projectId === id));
      })
      .load(project.id);
  },

  async history(ctx: RequestContext, project: InnovationProject): Promise<InnovationStageChange[]> {
    return ctx
      .loader<string, InnovationStageChange[]>('innovation.history', async (ids) => {
        const rows = await ctx.tx
          .repository(InnovationStageChange)
          .createQueryBuilder('c')
          .where('c.tenant_id = :t AND c.project_id = ANY(:ids)', { t: project.tenantId, ids: [...ids] })
          .orderBy('c.moved_at')
          .addOrderBy('c.id')
          .getMany();
        return ids.map((id) => rows.filter((c) => c.projectId === id));
      })
      .load(project.id);
  },
};

async function writeGoals(ctx: RequestContext, projectId: string, goals: GoalInput[]): Promise<void> {
  if (!goals.length) return;
  await ctx.tx.execute(
    `INSERT INTO innovation_goals (tenant_id, project_id, position, kind, description, baseline, target, unit)
     SELECT app_tenant_id(), $1, x.ord - 1, x.kind, x.description, x.baseline, x.target, x.unit
       FROM unnest($2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::text[]) WITH ORDINALITY AS x(kind, description, baseline, target, unit, ord)`,
    [
      projectId,
      goals.map((g) => g.kind),
      goals.map((g) => g.description.trim()),
      goals.map((g) => g.baseline ?? null),
      goals.map((g) => g.target ?? null),
      goals.map((g) => g.unit?.trim() || null),
    ],
  );
}

async function recordChange(
  ctx: RequestContext,
  projectId: string,
  from: InnovationStage | null,
  to: InnovationStage,
  note: string,
): Promise<void> {
  const viewer = requireUser(ctx);
  await ctx.tx.execute(
    `INSERT INTO innovation_stage_changes (tenant_id, project_id, from_stage, to_stage, note, moved_by) VALUES ($1, $2, $3, $4, $5, $6)`,
    [viewer.tenantId, projectId, from, to, note, viewer.userId],
  );
}
