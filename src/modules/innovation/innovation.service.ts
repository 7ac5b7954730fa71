import { inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { Page, decodeCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
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
import { InnovationErrorReason, innovationError } from './innovation.errors';

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
const FORWARD: Record<InnovationStage, { roles: Role[]; reason: InnovationErrorReason; message: string }> = {
  RESEARCH: { roles: [], reason: InnovationErrorReason.NOT_PROJECT_OFFICER, message: 'A project starts in research' },
  IMPLEMENTING: {
    roles: UNIT,
    reason: InnovationErrorReason.NOT_PROJECT_OFFICER,
    message: 'Only the org’s secretary or an officer over it moves its project',
  },
  SUPERVISED: {
    roles: SUPERVISION,
    reason: InnovationErrorReason.NOT_SUPERVISION_OFFICER,
    message: '督查指导由局组织科、领导小组或督导组开展，单位不能自行转入',
  },
  EVALUATED: {
    roles: TENANT,
    reason: InnovationErrorReason.NOT_TENANT_OFFICER,
    message: 'Evaluation, awards and promotion are decided by the tenant admin or the leading group',
  },
  AWARDED: {
    roles: TENANT,
    reason: InnovationErrorReason.NOT_TENANT_OFFICER,
    message: 'Evaluation, awards and promotion are decided by the tenant admin or the leading group',
  },
  PROMOTED: {
    roles: TENANT,
    reason: InnovationErrorReason.NOT_TENANT_OFFICER,
    message: 'Evaluation, awards and promotion are decided by the tenant admin or the leading group',
  },
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

/** The stages one move can reach: the next one, and back to IMPLEMENTING from SUPERVISED. */
export function nextStages(stage: InnovationStage): InnovationStage[] {
  const next = ORDER[ORDER.indexOf(stage) + 1];
  return [...(next ? [next] : []), ...(stage === InnovationStage.SUPERVISED ? [InnovationStage.IMPLEMENTING] : [])];
}

function checkGoals(goals: GoalInput[], field = 'input.goals'): void {
  if (goals.length > 50) throw badInput(field, 'At most 50 goals');
  goals.forEach((g, i) => {
    const at = `${field}[${i}]`;
    if (!g.description?.trim() || g.description.length > 2000)
      throw badInput(`${at}.description`, 'A goal has a description of 1 to 2000 characters');
    if (g.unit !== undefined && g.unit !== null && (!g.unit.trim() || g.unit.length > 50))
      throw badInput(`${at}.unit`, 'A unit has 1 to 50 characters');
    if (g.baseline !== undefined && g.baseline !== null && (g.target === undefined || g.target === null))
      throw badInput(`${at}.target`, 'A baseline needs a target to measure against');
    if (g.target !== undefined && g.target !== null && !g.unit)
      throw badInput(`${at}.unit`, 'A measurable target needs its unit (e.g. 工作日)');
    for (const key of ['baseline', 'target'] as const) {
      const v = g[key];
      if (v !== undefined && v !== null && (!Number.isFinite(v) || Math.abs(v) > 1e12))
        throw badInput(`${at}.${key}`, `${key} is out of range`);
    }
  });
}

export const innovationService = {
  /** Visible to whoever reads the project's org. */
  async find(ctx: RequestContext, id: string): Promise<InnovationProject | null> {
    const viewer = requireUser(ctx);
    const project = await ctx.tx.repository(InnovationProject).findOneBy({ tenantId: viewer.tenantId, id });
    if (!project) return null;
    const org = await orgService.findById(ctx, project.orgId);
    return org && inScope(viewer, org.path) ? project : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<InnovationProject> {
    const project = await this.find(ctx, id);
    if (!project) throw innovationError(InnovationErrorReason.INNOVATION_PROJECT_NOT_FOUND, 'Innovation project not found');
    return project;
  },

  async register(ctx: RequestContext, input: RegisterProjectInput): Promise<InnovationProject> {
    const viewer = requireUser(ctx);
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    if (!inScope(viewer, org.path, UNIT))
      throw innovationError(
        InnovationErrorReason.NOT_PROJECT_OFFICER,
        'Only the org’s secretary or an officer over it registers its projects',
      );
    if (org.archivedAt) throw badInput('input.orgId', 'The org is archived');
    checkGoals(input.goals);
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
    const org = (await orgService.findById(ctx, project.orgId))!;
    if (!inScope(viewer, org.path, UNIT))
      throw innovationError(InnovationErrorReason.NOT_PROJECT_OFFICER, 'Only the org’s secretary or an officer over it edits its projects');
    if (patch.goals) checkGoals(patch.goals);
    const [, changed] = await ctx.tx.query(
      `UPDATE innovation_projects SET theme = coalesce($3, theme), plan = coalesce($4, plan), updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND stage = ANY($5::text[])`,
      [viewer.tenantId, project.id, patch.theme ?? null, patch.plan ?? null, EDITABLE],
    );
    if (!changed)
      throw innovationError(
        InnovationErrorReason.PROJECT_LOCKED,
        `A project at ${innovationStageLabels[project.stage]} is no longer edited`,
      );
    if (patch.goals) {
      await ctx.tx.query(`DELETE FROM innovation_goals WHERE tenant_id = $1 AND project_id = $2`, [viewer.tenantId, project.id]);
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
    const org = (await orgService.findById(ctx, project.orgId))!;
    const from = project.stage;
    const to = input.to;
    if (!nextStages(from).includes(to)) {
      const allowed =
        nextStages(from)
          .map((s) => `${s} ${innovationStageLabels[s]}`)
          .join(' or ') || 'nothing (the flow is complete)';
      throw innovationError(
        InnovationErrorReason.ILLEGAL_STAGE_MOVE,
        `A project at ${from} ${innovationStageLabels[from]} cannot move to ${to} ${innovationStageLabels[to]}; next is ${allowed}`,
        { field: 'input.to', from, to },
      );
    }
    const isReturn = from === InnovationStage.SUPERVISED && to === InnovationStage.IMPLEMENTING;
    const step = isReturn
      ? {
          roles: OVERSEERS,
          reason: InnovationErrorReason.NOT_PROJECT_OFFICER,
          message: 'Only an officer over the org sends a project back to implementation',
        }
      : FORWARD[to];
    if (!inScope(viewer, org.path, step.roles)) throw innovationError(step.reason, step.message);
    const note = input.note?.trim() ?? '';
    if (isReturn && !note)
      throw innovationError(InnovationErrorReason.STAGE_DATA_MISSING, 'A return to implementation needs a reason', 'input.note');
    if (to === InnovationStage.EVALUATED && !input.evaluation)
      throw innovationError(InnovationErrorReason.STAGE_DATA_MISSING, 'An evaluation records a score and a summary', 'input.evaluation');
    if (to !== InnovationStage.EVALUATED && input.evaluation)
      throw innovationError(
        InnovationErrorReason.STAGE_DATA_UNEXPECTED,
        'An evaluation is recorded only on the move to EVALUATED',
        'input.evaluation',
      );
    if (to === InnovationStage.AWARDED && !input.awardLevel)
      throw innovationError(InnovationErrorReason.STAGE_DATA_MISSING, 'An award names its level', 'input.awardLevel');
    if (to !== InnovationStage.AWARDED && input.awardLevel)
      throw innovationError(
        InnovationErrorReason.STAGE_DATA_UNEXPECTED,
        'An award level is given only on the move to AWARDED',
        'input.awardLevel',
      );
    if (input.evaluation) {
      const { score, summary } = input.evaluation;
      if (!Number.isFinite(score) || score < 0 || score > 100 || Math.abs(Math.round(score * 100) - score * 100) > 1e-6)
        throw badInput('input.evaluation.score', 'A score is 0 to 100 with at most two decimals');
      if (!summary.trim() || summary.length > 20000) throw badInput('input.evaluation.summary', 'A summary has 1 to 20000 characters');
    }
    // The stage in the WHERE makes the step atomic: a concurrent move of the same project loses.
    const [, changed] = await ctx.tx.query(
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
    if (!changed)
      throw innovationError(InnovationErrorReason.ILLEGAL_STAGE_MOVE, 'The project moved meanwhile; reload it', {
        field: 'input.to',
        from,
        to,
      });
    await recordChange(ctx, project.id, from, to, note);
    ctx.forget('innovation.history');
    return ctx.tx.repository(InnovationProject).findOneByOrFail({ tenantId: viewer.tenantId, id: project.id });
  },

  /** Projects in a subtree (within the viewer's scope), by stage and year, in tree order. */
  async list(ctx: RequestContext, filter: ProjectFilter, first: number, after?: string): Promise<Page<InnovationProject>> {
    const viewer = requireUser(ctx);
    const roots = filter.under ? scopedRootsUnder(viewer, filter.under.path) : scopePaths(viewer);
    const build = () => {
      const scope = underAnySql('o', roots);
      const qb = ctx.tx
        .repository(InnovationProject)
        .createQueryBuilder('p')
        .innerJoin('orgs', 'o', 'o.tenant_id = p.tenant_id AND o.id = p.org_id')
        .where('p.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(scope.sql, scope.params);
      if (filter.stage) qb.andWhere('p.stage = :stage', { stage: filter.stage });
      if (filter.year) qb.andWhere('p.year = :year', { year: filter.year });
      return qb;
    };
    const qb = build()
      .addSelect('o.path::text', 'o_path')
      .orderBy('o.path', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(first + 1);
    const cursor = decodeCursor(after, 2);
    if (cursor) qb.andWhere('(o.path, p.id) > (CAST(:cp AS ltree), CAST(:ci AS uuid))', { cp: String(cursor[0]), ci: String(cursor[1]) });
    const { entities, raw } = await qb.getRawAndEntities();
    const paths = new Map(raw.map((r: { p_id: string; o_path: string }) => [r.p_id, r.o_path]));
    return pageFrom(
      entities,
      first,
      after,
      (p) => encodeCursor([paths.get(p.id), p.id]),
      () => build().getCount(),
    );
  },

  /**
   * 评比表彰: a year's evaluated projects (EVALUATED, AWARDED or PROMOTED) in the subtree ranked by
   * score, ties sharing a rank (1, 2, 2, 4). One statement.
   */
  async ranking(ctx: RequestContext, year: number, under: Org | null, first: number): Promise<RankingRow[]> {
    const viewer = requireUser(ctx);
    const roots = under ? scopedRootsUnder(viewer, under.path) : scopePaths(viewer);
    if (!roots.length) return [];
    const rows: { id: string; rank: number }[] = await ctx.tx.query(
      `SELECT p.id, rank() OVER (ORDER BY p.score DESC)::int AS rank
         FROM innovation_projects p JOIN orgs o ON o.tenant_id = p.tenant_id AND o.id = p.org_id
        WHERE p.tenant_id = $1 AND p.year = $2 AND p.stage = ANY($3::text[]) AND o.path <@ ANY($4::ltree[])
        ORDER BY p.score DESC, o.path, p.id
        LIMIT $5`,
      [viewer.tenantId, year, EVALUATED_STAGES, roots, first],
    );
    if (!rows.length) return [];
    const projects = await ctx.tx
      .repository(InnovationProject)
      .createQueryBuilder('p')
      .where('p.tenant_id = :t AND p.id = ANY(:ids)', { t: viewer.tenantId, ids: rows.map((r) => r.id) })
      .getMany();
    const byId = new Map(projects.map((p) => [p.id, p]));
    return rows.map((r) => ({ rank: r.rank, project: byId.get(r.id)! }));
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
  await ctx.tx.query(
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
  await ctx.tx.query(
    `INSERT INTO innovation_stage_changes (tenant_id, project_id, from_stage, to_stage, note, moved_by) VALUES ($1, $2, $3, $4, $5, $6)`,
    [viewer.tenantId, projectId, from, to, note, viewer.userId],
  );
}
