import { Aggregation, DEFAULT_RULE, EvaluationKind, PassRule, ScoringType } from '../src/modules/framework/pass-rule';
import { ScoringCriterion, combineKinds, invalidValue, scoreEvaluation } from '../src/modules/evaluation/scoring';

const c = (id: string, parentId: string | null, weight: number, extra: Partial<ScoringCriterion> = {}): ScoringCriterion => ({
  id,
  parentId,
  code: id,
  position: 0,
  weight,
  maxScore: null,
  scoringType: null,
  target: null,
  deductionPer: null,
  isBonus: false,
  isVeto: false,
  ...extra,
});

// A small tree worked by hand (see each expectation's comment).
const tree: ScoringCriterion[] = [
  c('D1', null, 0.6),
  c('L1', 'D1', 0.5, { maxScore: 10, scoringType: ScoringType.SCALE }),
  c('L2', 'D1', 0.5, { maxScore: 1, scoringType: ScoringType.BOOLEAN, isVeto: true }),
  c('D2', null, 0.4),
  c('L3', 'D2', 0.25, { maxScore: 10, scoringType: ScoringType.PERCENT }),
  c('L4', 'D2', 0.25, { maxScore: 5, scoringType: ScoringType.COUNT, target: 2 }),
  c('L5', 'D2', 0.5, { maxScore: 10, scoringType: ScoringType.DEDUCTION, deductionPer: 2 }),
  c('B1', 'D2', 0, { maxScore: 3, scoringType: ScoringType.SCALE, isBonus: true }),
];
const values = (v: Record<string, number>) => new Map(Object.entries(v));
const full = { L1: 8, L2: 1, L3: 90, L4: 1, L5: 1, B1: 3 };
const rule: PassRule = { ...DEFAULT_RULE, aggregation: Aggregation.WEIGHTED_SUM, totalMax: 100, threshold: 80, bonusCap: 5 };

describe('scoring', () => {
  it('weights every node up from the leaves (hand-worked: 54 + 30 + bonus 3 = 87, 良好, attained)', () => {
    const s = scoreEvaluation(rule, tree, values(full));
    // D1 = 0.5·(8/10) + 0.5·1 = 0.9 of 60 points; D2 = 0.25·0.9 + 0.25·(1/2) + 0.5·((10−2)/10) = 0.75 of 40
    expect(s.nodes.get('D1')).toMatchObject({ ratio: 0.9, points: 54, maxPoints: 60 });
    expect(s.nodes.get('D2')!.ratio).toBeCloseTo(0.75, 10);
    expect(s.nodes.get('D2')).toMatchObject({ points: 30, maxPoints: 40 });
    expect(s.nodes.get('L1')).toMatchObject({ ratio: 0.8, points: 24, maxPoints: 30, value: 8 });
    expect(s.nodes.get('L4')).toMatchObject({ ratio: 0.5, points: 5, maxPoints: 10 });
    expect(s.nodes.get('L5')).toMatchObject({ ratio: 0.8, points: 16, maxPoints: 20 });
    expect(s.nodes.get('B1')).toMatchObject({ ratio: 1, points: 3, maxPoints: 3 });
    expect(s).toMatchObject({ total: 87, bonus: 3, grade: 'GOOD', veto: false, attained: true, complete: true });
  });

  it('fires a veto item that scores 0: grade forced, not attained (24 + 30 + 3 = 57)', () => {
    const s = scoreEvaluation(rule, tree, values({ ...full, L2: 0 }));
    expect(s).toMatchObject({ total: 57, grade: 'FAIL', veto: true, attained: false });
    expect(s.nodes.get('L2')!.vetoFired).toBe(true);
  });

  it('caps bonus points at bonusCap', () => {
    const s = scoreEvaluation({ ...rule, bonusCap: 2 }, tree, values(full));
    expect(s).toMatchObject({ total: 86, bonus: 2 });
  });

  it('averages children under AVERAGE (45 + 36.67 + 3 = 84.67)', () => {
    const s = scoreEvaluation({ ...rule, aggregation: Aggregation.AVERAGE }, tree, values(full));
    // D1 = mean(0.8, 1) = 0.9 of 50; D2 = mean(0.9, 0.5, 0.8) = 0.7333 of 50
    expect(s.nodes.get('D1')).toMatchObject({ points: 45, maxPoints: 50 });
    expect(s.nodes.get('D2')).toMatchObject({ points: 36.67, maxPoints: 50 });
    expect(s.total).toBe(84.67);
  });

  it('is incomplete, and cannot attain, while a non-bonus leaf is unscored', () => {
    const { L5: _omit, ...partial } = full;
    const s = scoreEvaluation(rule, tree, values(partial));
    expect(s).toMatchObject({ complete: false, attained: false, total: 71 });
  });

  it('validates raw values against each scoring type', () => {
    const byId = Object.fromEntries(tree.map((t) => [t.id, t]));
    expect(invalidValue(byId.L1, 10)).toBeUndefined();
    expect(invalidValue(byId.L1, 10.5)).toEqual({ reason: 'SCORE_OUT_OF_RANGE', max: 10 });
    expect(invalidValue(byId.L2, 0.5)).toEqual({ reason: 'SCORE_NOT_BOOLEAN' });
    expect(invalidValue(byId.L3, 101)).toEqual({ reason: 'SCORE_NOT_PERCENT' });
    expect(invalidValue(byId.L4, 1.5)).toEqual({ reason: 'SCORE_NOT_COUNT' });
    expect(invalidValue(byId.L5, -1)).toEqual({ reason: 'SCORE_NOT_COUNT' });
    expect(invalidValue(byId.L1, Number.NaN)).toEqual({ reason: 'SCORE_NOT_NUMBER' });
    expect(invalidValue(byId.D1, 1)).toEqual({ reason: 'SCORE_NOT_A_CRITERION' });
  });

  it('combines kinds by the rule’s weights, renormalized over the kinds present', () => {
    const r = combineKinds(rule, [
      { kind: EvaluationKind.SELF, total: 90, veto: false },
      { kind: EvaluationKind.SUPERIOR, total: 80, veto: false },
    ]);
    // (0.2·90 + 0.5·80) / 0.7 = 82.857…
    expect(r).toMatchObject({ total: 82.86, grade: 'GOOD', complete: true, attained: true });
    expect(r.components).toEqual([
      { kind: 'SELF', total: 90, weight: 0.2857 },
      { kind: 'SUPERIOR', total: 80, weight: 0.7143 },
    ]);
    expect(combineKinds(rule, [{ kind: EvaluationKind.SELF, total: 95, veto: false }])).toMatchObject({
      complete: false,
      attained: false,
      total: 95,
    });
    expect(combineKinds(rule, [{ kind: EvaluationKind.SUPERIOR, total: 95, veto: true }])).toMatchObject({
      attained: false,
      grade: 'FAIL',
    });
  });
});
