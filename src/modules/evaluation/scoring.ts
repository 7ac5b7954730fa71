import { Aggregation, EvaluationKind, PassRule, ScoringType } from '../framework/pass-rule';

/** What the scoring needs of a criterion (a row of `criteria`). */
export interface ScoringCriterion {
  id: string;
  parentId: string | null;
  code: string;
  position: number;
  weight: number;
  maxScore: number | null;
  scoringType: ScoringType | null;
  target: number | null;
  deductionPer: number | null;
  isBonus: boolean;
  isVeto: boolean;
}

export interface NodeScore {
  criterionId: string;
  /** Share of the node's maximum reached, 0..1 (0 where nothing is scored yet), to 4 decimals. */
  ratio: number;
  /** Points this node contributes to the total, and the most it could. */
  points: number;
  maxPoints: number;
  /** The raw input of a leaf, when scored. */
  value: number | null;
  scored: boolean;
  vetoFired: boolean;
}

export interface EvaluationScore {
  nodes: Map<string, NodeScore>;
  /** Weighted points plus capped bonus, rounded to 2 decimals. */
  total: number;
  bonus: number;
  grade: string;
  veto: boolean;
  attained: boolean;
  /** Every non-bonus leaf has a value. */
  complete: boolean;
}

const round2 = (n: number) => Math.round(n * 100 + Number.EPSILON * 100) / 100;
const round4 = (n: number) => Math.round(n * 10000) / 10000;
const clamp01 = (n: number) => Math.min(1, Math.max(0, n));

/** Ratio 0..1 of a leaf for a raw value; the value has been validated against the type already. */
export function leafRatio(c: ScoringCriterion, value: number): number {
  const max = c.maxScore ?? 0;
  switch (c.scoringType) {
    case ScoringType.SCALE:
      return max > 0 ? clamp01(value / max) : 0;
    case ScoringType.BOOLEAN:
      return value >= 1 ? 1 : 0;
    case ScoringType.PERCENT:
      return clamp01(value / 100);
    case ScoringType.COUNT:
      return c.target && c.target > 0 ? clamp01(value / c.target) : 0;
    case ScoringType.DEDUCTION:
      return max > 0 ? clamp01((max - value * (c.deductionPer ?? 0)) / max) : 0;
    default:
      return 0;
  }
}

/** Why a value does not fit its criterion (the reasons of evaluation.errors.ts, with their figures). */
export type ScoreRefusal =
  | { reason: 'SCORE_NOT_NUMBER' }
  | { reason: 'SCORE_OUT_OF_RANGE'; max: number }
  | { reason: 'SCORE_NOT_BOOLEAN' }
  | { reason: 'SCORE_NOT_PERCENT' }
  | { reason: 'SCORE_NOT_COUNT' }
  | { reason: 'SCORE_TOO_PRECISE' }
  | { reason: 'SCORE_NOT_A_CRITERION' };

/** Scores are kept as numeric(12, 4): a finer value would be stored, and scored, as another one. */
const tooPrecise = (value: number): ScoreRefusal | undefined =>
  Math.abs(Math.round(value * 10000) - value * 10000) > 1e-6 ? { reason: 'SCORE_TOO_PRECISE' } : undefined;

/** Refuses a value that its criterion's type cannot take; returns why, or undefined. */
export function invalidValue(c: ScoringCriterion, value: number): ScoreRefusal | undefined {
  if (!Number.isFinite(value)) return { reason: 'SCORE_NOT_NUMBER' };
  switch (c.scoringType) {
    case ScoringType.SCALE:
      return value < 0 || value > (c.maxScore ?? 0) ? { reason: 'SCORE_OUT_OF_RANGE', max: c.maxScore ?? 0 } : tooPrecise(value);
    case ScoringType.BOOLEAN:
      return value === 0 || value === 1 ? undefined : { reason: 'SCORE_NOT_BOOLEAN' };
    case ScoringType.PERCENT:
      return value < 0 || value > 100 ? { reason: 'SCORE_NOT_PERCENT' } : tooPrecise(value);
    case ScoringType.COUNT:
    case ScoringType.DEDUCTION:
      return value < 0 || !Number.isInteger(value) || value > 1_000_000 ? { reason: 'SCORE_NOT_COUNT' } : undefined;
    default:
      return { reason: 'SCORE_NOT_A_CRITERION' };
  }
}

export function gradeFor(rule: PassRule, total: number): string {
  const band = [...rule.grades].sort((a, b) => b.min - a.min).find((g) => total >= g.min);
  return band?.code ?? rule.grades[rule.grades.length - 1]?.code ?? '';
}

/**
 * Scores every node of a criteria tree from the leaves up. Under WEIGHTED_SUM a node's ratio is the
 * weighted sum of its non-bonus children's ratios (weights sum to 1 by the publishing rules); under
 * AVERAGE it is their mean. Points flow down from totalMax the same way. Bonus leaves stand outside
 * the weights: their own points (ratio × maxScore) add to the total up to bonusCap. A veto leaf that
 * scores 0 fires: the grade becomes vetoGrade and the org cannot attain.
 */
export function scoreEvaluation(rule: PassRule, criteria: ScoringCriterion[], values: Map<string, number>): EvaluationScore {
  const children = new Map<string | null, ScoringCriterion[]>();
  for (const c of criteria) {
    const list = children.get(c.parentId) ?? [];
    list.push(c);
    children.set(c.parentId, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.position - b.position || a.code.localeCompare(b.code));
  const nodes = new Map<string, NodeScore>();
  let complete = true;
  let veto = false;
  let bonus = 0;

  const shareOf = (siblings: ScoringCriterion[], c: ScoringCriterion) =>
    rule.aggregation === Aggregation.WEIGHTED_SUM ? c.weight : 1 / siblings.length;

  const visit = (c: ScoringCriterion, maxPoints: number): number => {
    const kids = children.get(c.id) ?? [];
    if (kids.length === 0) {
      const value = values.get(c.id);
      const scored = value !== undefined;
      const ratio = scored ? leafRatio(c, value) : 0;
      const vetoFired = c.isVeto && scored && ratio === 0;
      if (vetoFired) veto = true;
      if (!scored && !c.isBonus) complete = false;
      const points = c.isBonus ? ratio * (c.maxScore ?? 0) : ratio * maxPoints;
      if (c.isBonus) bonus += points;
      nodes.set(c.id, {
        criterionId: c.id,
        ratio: round4(ratio),
        points: round2(points),
        maxPoints: round2(c.isBonus ? (c.maxScore ?? 0) : maxPoints),
        value: value ?? null,
        scored,
        vetoFired,
      });
      return ratio;
    }
    const ratio = combine(kids, maxPoints);
    const anyScored = kids.some((k) => nodes.get(k.id)?.scored);
    nodes.set(c.id, {
      criterionId: c.id,
      ratio: round4(ratio),
      points: round2(ratio * maxPoints),
      maxPoints: round2(maxPoints),
      value: null,
      scored: anyScored,
      vetoFired: false,
    });
    return ratio;
  };

  const combine = (siblings: ScoringCriterion[], parentPoints: number): number => {
    const weighted = siblings.filter((s) => !s.isBonus);
    let ratio = 0;
    for (const s of siblings) {
      const share = s.isBonus ? 0 : shareOf(weighted, s);
      const r = visit(s, parentPoints * share);
      ratio += share * r;
    }
    return clamp01(ratio);
  };

  const rootRatio = combine(children.get(null) ?? [], rule.totalMax);
  const cappedBonus = Math.min(rule.bonusCap, bonus);
  const total = round2(rootRatio * rule.totalMax + cappedBonus);
  return {
    nodes,
    total,
    bonus: round2(cappedBonus),
    grade: veto ? rule.vetoGrade : gradeFor(rule, total),
    veto,
    attained: !veto && complete && total >= rule.threshold,
    complete,
  };
}

export interface KindResult {
  kind: EvaluationKind;
  total: number;
  veto: boolean;
}

export interface CombinedResult {
  total: number;
  grade: string;
  veto: boolean;
  attained: boolean;
  complete: boolean;
  components: { kind: EvaluationKind; total: number; weight: number }[];
}

/**
 * An org's campaign result from its accepted evaluations: the kinds' totals weighted by the rule and
 * renormalized over the kinds present; complete only when every required kind is there.
 */
export function combineKinds(rule: PassRule, results: KindResult[]): CombinedResult {
  const weightOf = (kind: EvaluationKind) => rule.kindWeights.find((w) => w.kind === kind)?.weight ?? 0;
  const counted = results.filter((r) => weightOf(r.kind) > 0);
  const weightSum = counted.reduce((s, r) => s + weightOf(r.kind), 0);
  const total = weightSum > 0 ? round2(counted.reduce((s, r) => s + r.total * weightOf(r.kind), 0) / weightSum) : 0;
  const veto = results.some((r) => r.veto);
  const complete = rule.requiredKinds.every((k) => results.some((r) => r.kind === k));
  return {
    total,
    grade: veto ? rule.vetoGrade : gradeFor(rule, total),
    veto,
    attained: complete && !veto && total >= rule.threshold,
    complete,
    components: counted.map((r) => ({ kind: r.kind, total: r.total, weight: Math.round((weightOf(r.kind) / weightSum) * 10000) / 10000 })),
  };
}
