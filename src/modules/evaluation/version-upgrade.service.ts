import { Role } from '../../auth/roles';
import { holdsRoleAtRoot } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { Problem, reasonProblem } from '../../graphql/errors';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Criterion, FrameworkVersion, VersionStatus } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind, ScoringType } from '../framework/pass-rule';
import { EvaluationState } from './evaluation.entity';
import { evaluationError } from './evaluation.errors';
import { evaluationService } from './evaluation.service';
import { EvaluationScore, invalidValue, leafRatio, scoreEvaluation } from './scoring';

/** How criteria of the running version become criteria of the new one (a code in both is kept as it is). */
export enum CriterionMappingKind {
  RENAMED = 'RENAMED',
  SPLIT = 'SPLIT',
  MERGED = 'MERGED',
  REMOVED = 'REMOVED',
}
export const criterionMappingLabels: Record<CriterionMappingKind, string> = {
  RENAMED: '改名（一对一）',
  SPLIT: '拆分（一对多）',
  MERGED: '合并（多对一）',
  REMOVED: '删除',
};

export interface CriterionMapping {
  kind: CriterionMappingKind;
  from: string[];
  to: string[];
}

export interface UpgradeInput {
  campaignId: string;
  toVersionId: string;
  mapping: CriterionMapping[];
  note?: string | null;
}

/** An evaluation's figures under one version. */
export interface UpgradeFigures {
  total: number;
  grade: string;
  attained: boolean;
  complete: boolean;
}

export interface UpgradeRow {
  evaluationId: string;
  orgId: string;
  kind: EvaluationKind;
  state: EvaluationState;
  /** Its optimistic version when the plan was read (apply refuses if a save came in between). */
  version: number;
  /** A finalized inspection's score sheet: a record, left scored under the version it was made in. */
  kept: boolean;
  before: UpgradeFigures;
  after: UpgradeFigures;
}

export interface UpgradePlan {
  campaign: Campaign;
  from: FrameworkVersion;
  to: FrameworkVersion;
  rows: UpgradeRow[];
  /**
   * The new score rows of each moved evaluation, each with the old row whose files it takes over, and the old
   * criterion when the value is carried from it alone as it was (its last prefill's figure goes with it).
   */
  scores: {
    evaluationId: string;
    criterionId: string;
    value: number;
    note: string | null;
    evidence: string | null;
    fromRow: string;
    sameAs: string | null;
  }[];
}

const SHAPES: Record<CriterionMappingKind, { ok: (m: CriterionMapping) => boolean; zh: string }> = {
  RENAMED: { ok: (m) => m.from.length === 1 && m.to.length === 1, zh: '一项对一项' },
  SPLIT: { ok: (m) => m.from.length === 1 && m.to.length >= 2, zh: '一项对多项' },
  MERGED: { ok: (m) => m.from.length >= 2 && m.to.length === 1, zh: '多项对一项' },
  REMOVED: { ok: (m) => m.from.length >= 1 && m.to.length === 0, zh: '原版本的评分项，不对应新项' },
};

/** A version's scored criteria (leaves) by code. */
export const leavesOf = (criteria: Criterion[]) => {
  const parents = new Set(criteria.map((c) => c.parentId));
  return new Map(criteria.filter((c) => !parents.has(c.id)).map((c) => [c.code, c]));
};

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The raw value that gives `ratio` of a criterion (the inverse of leafRatio), or null when it cannot be stored. */
function valueForRatio(c: Criterion, ratio: number): number | null {
  const max = c.maxScore ?? 0;
  let value: number;
  switch (c.scoringType) {
    case ScoringType.SCALE:
      value = round2(ratio * max);
      break;
    case ScoringType.BOOLEAN:
      value = ratio >= 1 ? 1 : 0;
      break;
    case ScoringType.PERCENT:
      value = round2(ratio * 100);
      break;
    case ScoringType.COUNT:
      value = c.target && c.target > 0 ? Math.round(ratio * c.target) : 0;
      break;
    case ScoringType.DEDUCTION:
      value = c.deductionPer && c.deductionPer > 0 ? Math.round(((1 - ratio) * max) / c.deductionPer) : 0;
      break;
    default:
      return null;
  }
  return invalidValue(c, value) ? null : value;
}

const figures = (s: EvaluationScore): UpgradeFigures => ({ total: s.total, grade: s.grade, attained: s.attained, complete: s.complete });

/**
 * Checks the mapping against both versions' scored criteria (leaves) and answers, for every leaf of
 * the new version, the codes of the old leaves its value comes from. A code in both versions that no
 * entry names is kept; an old code missing from the new version must be mapped or removed; a new code
 * no entry names starts unscored.
 */
export function sourcesOf(mapping: CriterionMapping[], oldLeaves: Map<string, Criterion>, newLeaves: Map<string, Criterion>) {
  const problems: Problem[] = [];
  const sources = new Map<string, string[]>();
  const usedFrom = new Set<string>();
  const usedTo = new Set<string>();
  mapping.forEach((m, i) => {
    const shape = SHAPES[m.kind];
    if (!shape.ok(m))
      problems.push(
        reasonProblem(`input.mapping[${i}]`, 'UPGRADE_BAD_SHAPE', {
          kind: criterionMappingLabels[m.kind].replace(/（.*/, ''),
          shape: shape.zh,
        }),
      );
    m.from.forEach((code, j) => {
      if (!oldLeaves.has(code))
        problems.push(reasonProblem(`input.mapping[${i}].from[${j}]`, 'UPGRADE_UNKNOWN_CRITERION', { code, side: '原' }));
      else if (usedFrom.has(code)) problems.push(reasonProblem(`input.mapping[${i}].from[${j}]`, 'UPGRADE_MAPPED_TWICE', { code }));
      usedFrom.add(code);
    });
    m.to.forEach((code, j) => {
      if (!newLeaves.has(code))
        problems.push(reasonProblem(`input.mapping[${i}].to[${j}]`, 'UPGRADE_UNKNOWN_CRITERION', { code, side: '新' }));
      else if (usedTo.has(code)) problems.push(reasonProblem(`input.mapping[${i}].to[${j}]`, 'UPGRADE_MAPPED_TWICE', { code }));
      usedTo.add(code);
      sources.set(code, [...m.from]);
    });
  });
  for (const code of oldLeaves.keys()) {
    if (usedFrom.has(code)) continue;
    if (newLeaves.has(code) && !usedTo.has(code)) sources.set(code, [code]);
    else problems.push(reasonProblem('input.mapping', 'UPGRADE_UNMAPPED', { code }));
  }
  return { problems, sources };
}

/** A recorded upgrade (campaign_version_upgrades). */
export interface UpgradeRecord {
  id: string;
  fromVersionId: string;
  toVersionId: string;
  appliedBy: string;
  mapping: CriterionMapping[];
  moved: number;
  kept: number;
  changed: number;
  note: string | null;
  appliedAt: Date;
}

export const versionUpgradeService = {
  /** The campaign's upgrades (or the one `only` names), newest first (at most 100: a campaign changes its version a few times a year). */
  async history(ctx: RequestContext, campaignId: string, only?: string): Promise<UpgradeRecord[]> {
    const campaign = await campaignService.getOrThrow(ctx, campaignId);
    return ctx.tx.query<UpgradeRecord>(
      `SELECT id, from_version_id AS "fromVersionId", to_version_id AS "toVersionId", applied_by AS "appliedBy", mapping,
              moved, kept, changed, note, applied_at AS "appliedAt"
         FROM campaign_version_upgrades WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::uuid IS NULL OR id = $3)
        ORDER BY applied_at DESC, id DESC LIMIT 100`,
      [campaign.tenantId, campaign.id, only ?? null],
    );
  },

  /**
   * What moving the campaign's running evaluations to `toVersionId` through `mapping` would do, without
   * writing: every evaluation's figures before and after (a finalized inspection's sheet kept as it is),
   * and every problem of the mapping. Refused, before anything is read, to all but a root admin.
   */
  async plan(ctx: RequestContext, input: UpgradeInput, hold = false): Promise<{ plan: UpgradePlan; problems: Problem[] }> {
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw evaluationError('NOT_UPGRADE_ADMIN');
    // applying holds the campaign before the plan reads: an evaluation being started (its insert holds the
    // campaign FOR KEY SHARE) commits first and is planned, and a start after waits and begins on the new version
    const campaign = hold
      ? await campaignService.lockOrThrow(ctx, input.campaignId)
      : await campaignService.getOrThrow(ctx, input.campaignId);
    const to = await frameworkService.getVersion(ctx, input.toVersionId);
    if (to.id === campaign.versionId) throw evaluationError('UPGRADE_SAME_VERSION', 'input.toVersionId');
    const notPublished = () => evaluationError('UPGRADE_TARGET_NOT_PUBLISHED', 'input.toVersionId');
    if (to.status !== VersionStatus.PUBLISHED) throw notPublished();
    // applying holds the target too: a publication of another draft or a retirement that commits meanwhile is seen (or waits)
    if (hold) await frameworkService.holdPublished(ctx, to.id, notPublished);
    const from = await frameworkService.getVersion(ctx, campaign.versionId);
    const [oldCriteria, newCriteria] = await Promise.all([
      frameworkService.criteriaOf(ctx, from.id),
      frameworkService.criteriaOf(ctx, to.id),
    ]);
    const oldLeaves = leavesOf(oldCriteria);
    const newLeaves = leavesOf(newCriteria);
    const { problems, sources } = sourcesOf(input.mapping, oldLeaves, newLeaves);

    const evaluations = await ctx.tx.query<{
      id: string;
      org_id: string;
      kind: EvaluationKind;
      state: EvaluationState;
      version: number;
      kept: boolean;
    }>(
      `SELECT e.id, e.org_id, e.kind, e.state, e.version,
              EXISTS (SELECT 1 FROM inspections i WHERE i.tenant_id = e.tenant_id AND i.evaluation_id = e.id AND i.state = 'FINALIZED') AS kept
         FROM evaluations e
        WHERE e.tenant_id = $1 AND e.campaign_id = $2 AND e.version_id IS NULL
        ORDER BY e.org_id, e.kind, e.id`,
      [campaign.tenantId, campaign.id],
    );
    const scoreRows = await ctx.tx.query<{
      id: string;
      evaluation_id: string;
      criterion_id: string;
      value: number;
      note: string | null;
      evidence: string | null;
    }>(
      `SELECT id, evaluation_id, criterion_id, value::float8 AS value, note, evidence FROM evaluation_scores
        WHERE tenant_id = $1 AND evaluation_id = ANY($2::uuid[])`,
      [campaign.tenantId, evaluations.map((e) => e.id)],
    );
    const byEvaluation = new Map<string, typeof scoreRows>();
    for (const r of scoreRows) byEvaluation.set(r.evaluation_id, [...(byEvaluation.get(r.evaluation_id) ?? []), r]);
    const oldById = new Map(oldCriteria.map((c) => [c.id, c]));

    const rows: UpgradeRow[] = [];
    const scores: UpgradePlan['scores'] = [];
    for (const e of evaluations) {
      const own = byEvaluation.get(e.id) ?? [];
      const before = scoreEvaluation(from.rule, oldCriteria, new Map(own.map((r) => [r.criterion_id, r.value])));
      const row = { evaluationId: e.id, orgId: e.org_id, kind: e.kind, state: e.state, version: e.version, before: figures(before) };
      if (e.kept) {
        rows.push({ ...row, kept: true, after: row.before });
        continue;
      }
      const byCode = new Map(
        own.flatMap((r) => {
          const c = oldById.get(r.criterion_id);
          return c ? [[c.code, r] as const] : [];
        }),
      );
      const values = new Map<string, number>();
      for (const [code, fromCodes] of sources) {
        const target = newLeaves.get(code);
        if (!target) continue;
        const scored = fromCodes.flatMap((f) => {
          const row = byCode.get(f);
          const criterion = oldLeaves.get(f);
          return row && criterion ? [{ row, criterion }] : [];
        });
        if (!scored.length) continue;
        // the share of each source reached, weighted as the sources weighed in the old version
        const weights = scored.map((s) => (s.criterion.weight > 0 ? s.criterion.weight : 1));
        const ratio =
          scored.reduce((sum, s, i) => sum + leafRatio(s.criterion, s.row.value) * weights[i], 0) / weights.reduce((a, b) => a + b, 0);
        const value = valueForRatio(target, ratio);
        if (value === null) continue;
        values.set(target.id, value);
        const first = scored[0].row;
        scores.push({
          evaluationId: e.id,
          criterionId: target.id,
          value,
          note:
            scored.length === 1
              ? first.note
              : scored
                  .map((s) => s.row.note)
                  .filter(Boolean)
                  .join('；') || null,
          evidence:
            scored.length === 1
              ? first.evidence
              : scored
                  .map((s) => s.row.evidence)
                  .filter(Boolean)
                  .join('；')
                  .slice(0, 2000) || null,
          fromRow: first.id,
          sameAs: scored.length === 1 && value === first.value ? scored[0].criterion.id : null,
        });
      }
      const after = scoreEvaluation(to.rule, newCriteria, values);
      rows.push({ ...row, kept: false, after: figures(after) });
    }
    return { plan: { campaign, from, to, rows, scores }, problems };
  },

  /**
   * Applies the plan in the request's transaction: the campaign moves to the new version (first, so
   * that a concurrent upgrade waits on its row and then finds the version changed: CONFLICT), each
   * moved evaluation's scores are rewritten (their files follow them), stored totals and the campaign
   * results recomputed, finalized sheets pinned to the old version, and the upgrade recorded.
   */
  async apply(ctx: RequestContext, input: UpgradeInput): Promise<string> {
    const viewer = requireUser(ctx);
    const { plan, problems } = await this.plan(ctx, input, true);
    if (problems.length)
      throw evaluationError('UPGRADE_INVALID_MAPPING', { field: 'input.mapping', params: { count: problems.length }, problems });
    const { campaign, from, to, rows, scores } = plan;
    const t = campaign.tenantId;
    const moved = await ctx.tx.execute(`UPDATE campaigns SET version_id = $3 WHERE tenant_id = $1 AND id = $2 AND version_id = $4`, [
      t,
      campaign.id,
      to.id,
      from.id,
    ]);
    if (!moved) throw evaluationError('UPGRADE_STALE');
    const movedIds = rows.filter((r) => !r.kept).map((r) => r.evaluationId);
    const keptIds = rows.filter((r) => r.kept).map((r) => r.evaluationId);
    // an evaluation saved since the plan was read would lose that save: each is bumped only at the version
    // the plan read (as saveScores checks its expectedVersion), and a save racing this waits and then conflicts
    const moving = rows.filter((r) => !r.kept);
    const bumped = await ctx.tx.execute(
      `UPDATE evaluations e SET version = e.version + 1, updated_at = now()
         FROM unnest($2::uuid[], $3::int[]) AS p(id, version)
        WHERE e.tenant_id = $1 AND e.id = p.id AND e.version = p.version`,
      [t, moving.map((r) => r.evaluationId), moving.map((r) => r.version)],
    );
    if (bumped !== movedIds.length) throw evaluationError('UPGRADE_STALE');
    const oldRows = await ctx.tx.query<{ id: string }>(
      `DELETE FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = ANY($2::uuid[]) RETURNING id`,
      [t, movedIds],
    );
    const inserted = await ctx.tx.query<{ id: string; evaluation_id: string; criterion_id: string }>(
      `INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value, note, evidence)
       SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::numeric[], $5::text[], $6::text[])
       RETURNING id, evaluation_id, criterion_id`,
      [
        t,
        scores.map((s) => s.evaluationId),
        scores.map((s) => s.criterionId),
        scores.map((s) => s.value),
        scores.map((s) => s.note),
        scores.map((s) => s.evidence),
      ],
    );
    // evidence files follow their score to the criterion it now stands for
    const newIdOf = new Map(inserted.map((r) => [`${r.evaluation_id}:${r.criterion_id}`, r.id]));
    const pairs = scores.flatMap((s) => {
      const newId = newIdOf.get(`${s.evaluationId}:${s.criterionId}`);
      return newId ? [[s.fromRow, newId] as const] : [];
    });
    await ctx.tx.execute(
      `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by, attached_at)
       SELECT a.tenant_id, a.file_id, a.record_type, p.new_id, a.attached_by, a.attached_at
         FROM file_attachments a JOIN unnest($2::uuid[], $3::uuid[]) AS p(old_id, new_id) ON a.record_id = p.old_id
        WHERE a.tenant_id = $1 AND a.record_type = 'EvaluationScore'
       ON CONFLICT DO NOTHING`,
      [t, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    await ctx.tx.execute(
      `DELETE FROM file_attachments WHERE tenant_id = $1 AND record_type = 'EvaluationScore' AND record_id = ANY($2::uuid[])`,
      [t, oldRows.map((r) => r.id)],
    );
    // 一次录入: what the last prefill computed (and the records it counted) goes with a value carried as it was to a
    // criterion bound to the same records and scored the same way, so a correction stays one and the figure stays
    // beside it; the rest start anew at the next prefill. None is left on the old version's criteria.
    const same = scores.filter((s) => s.sameAs);
    const carriedPrefills = [t, same.map((s) => s.evaluationId), same.map((s) => s.sameAs), same.map((s) => s.criterionId)];
    await ctx.tx.execute(
      `INSERT INTO evaluation_prefills (tenant_id, evaluation_id, criterion_id, source, figure, record_count, note, period_from, period_to, computed_by, computed_at)
       SELECT p.tenant_id, p.evaluation_id, x.to_id, p.source, p.figure, p.record_count, p.note, p.period_from, p.period_to, p.computed_by, p.computed_at
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS x(evaluation_id, from_id, to_id)
         JOIN evaluation_prefills p ON p.tenant_id = $1 AND p.evaluation_id = x.evaluation_id AND p.criterion_id = x.from_id
         JOIN criteria o ON o.tenant_id = $1 AND o.id = x.from_id
         JOIN criteria n ON n.tenant_id = $1 AND n.id = x.to_id AND n.source = o.source AND n.scoring_type = o.scoring_type`,
      carriedPrefills,
    );
    await ctx.tx.execute(
      `INSERT INTO evaluation_prefill_records (tenant_id, evaluation_id, criterion_id, record_type, record_id, occurred_on, label)
       SELECT r.tenant_id, r.evaluation_id, x.to_id, r.record_type, r.record_id, r.occurred_on, r.label
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS x(evaluation_id, from_id, to_id)
         JOIN evaluation_prefills p ON p.tenant_id = $1 AND p.evaluation_id = x.evaluation_id AND p.criterion_id = x.to_id
         JOIN evaluation_prefill_records r ON r.tenant_id = $1 AND r.evaluation_id = x.evaluation_id AND r.criterion_id = x.from_id`,
      carriedPrefills,
    );
    await ctx.tx.execute(
      `DELETE FROM evaluation_prefills p USING criteria c
        WHERE p.tenant_id = $1 AND p.evaluation_id = ANY($2::uuid[]) AND c.tenant_id = p.tenant_id AND c.id = p.criterion_id AND c.version_id = $3`,
      [t, movedIds, from.id],
    );
    // the totals a submitted or accepted evaluation stores, as the new version scores it
    const stored = rows.filter((r) => !r.kept && (r.state === EvaluationState.SUBMITTED || r.state === EvaluationState.ACCEPTED));
    await ctx.tx.execute(
      `UPDATE evaluations e SET total = s.total, grade = s.grade
         FROM unnest($2::uuid[], $3::numeric[], $4::text[]) AS s(id, total, grade)
        WHERE e.tenant_id = $1 AND e.id = s.id`,
      [t, stored.map((r) => r.evaluationId), stored.map((r) => r.after.total), stored.map((r) => r.after.grade)],
    );
    await ctx.tx.execute(`UPDATE evaluations SET version_id = $3 WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [t, keptIds, from.id]);
    ctx.forget('evaluation.scores');
    ctx.forget('prefill.byEvaluation');
    const upgraded = { ...campaign, versionId: to.id } as Campaign;
    const acceptedOrgs = [...new Set(rows.filter((r) => r.state === EvaluationState.ACCEPTED).map((r) => r.orgId))];
    await evaluationService.storeResults(ctx, upgraded, acceptedOrgs);
    const changed = rows.filter((r) => r.before.total !== r.after.total || r.before.grade !== r.after.grade).length;
    const [record] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO campaign_version_upgrades (tenant_id, campaign_id, from_version_id, to_version_id, mapping, moved, kept, changed, note, applied_by)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10) RETURNING id`,
      [
        t,
        campaign.id,
        from.id,
        to.id,
        JSON.stringify(input.mapping),
        movedIds.length,
        keptIds.length,
        changed,
        input.note || null,
        viewer.userId,
      ],
    );
    // the campaign read before now runs another version: later fields of the request read it again
    ctx.forget('campaign.byId');
    ctx.forget('campaign.targets');
    return record.id;
  },
};
