import { Composer, Document, LineCounter, Lexer, Parser, Scalar, isMap, isScalar, isSeq, stringify as toYaml } from 'yaml';
import { AppError, Problem } from '../../graphql/errors';
import { MessageParam } from '../../graphql/messages';
import { DocumentProblemReason, documentProblem, frameworkError } from './framework.errors';
import { LedgerCategory } from '../ledger/ledger.entity';
import { CriterionSource, CriterionSourceKind, criterionSourceKindLabels, normalizeSource, sourceFits } from './criterion-source';
import { Aggregation, EvaluationKind, PassRule, ScoringType } from './pass-rule';

/**
 * The exchange format of a framework version (templates/, importFramework, exportFramework). One
 * validator serves import and publishing, so a document that imports is one that publishes.
 */
export const DOCUMENT_FORMAT = 'party-framework/v1';

export interface CriterionDoc {
  code: string;
  title: string;
  guidance?: string;
  weight?: number;
  maxScore?: number;
  scoringType?: ScoringType;
  target?: number;
  deductionPer?: number;
  bonus?: boolean;
  veto?: boolean;
  evidenceRequired?: boolean;
  /** 一次录入: the records prefillEvaluation counts for this criterion (see criterion-source.ts). */
  source?: CriterionSource;
  children?: CriterionDoc[];
}

export interface FrameworkDoc {
  format: string;
  code: string;
  name: string;
  description?: string;
  rule: PassRule;
  criteria: CriterionDoc[];
}

export type { Problem };

/**
 * The bounds of a framework document (importFramework), checked before and while it is parsed: its
 * length first, then, as the YAML lexer hands each token to the parser, the parser's nesting (its
 * stack of open collections) and the number of tokens so far. A document past a bound is refused at
 * that token, BAD_USER_INPUT with a reason naming the bound and the figure in `extensions.limit`, so a
 * crafted document costs at most what a legitimate one at the limits costs and never exhausts the stack.
 */
export const MAX_FRAMEWORK_DOCUMENT_LENGTH = 256 * 1024;
/** Collections open at once (四强四有 needs 12: criteria nest at most 5 levels, a list and a map each). */
export const MAX_FRAMEWORK_DEPTH = 32;
/**
 * YAML tokens: every node (scalar, alias, collection) is at least one, as is every indicator, comma,
 * comment and line break, so this bounds the node count and the parser's work (四强四有 has 2,961).
 */
export const MAX_FRAMEWORK_TOKENS = 50_000;
/** Alias expansions (yaml's own guard against billion-laughs documents). */
export const MAX_FRAMEWORK_ALIASES = 100;
/** Criteria a version holds at most, and the levels they nest (import, publish and each edit of a draft hold to both). */
export const MAX_CRITERIA = 2000;
export const MAX_CRITERIA_DEPTH = 5;
const WEIGHT_TOLERANCE = 1e-4;
/** A criterion's figures as the criteria table keeps them (numeric(12, 6) and (12, 4)), capped as CriterionInput caps them. */
const FIGURE_LIMITS = { weight: [1000, 6], maxScore: [100000, 4], target: [1_000_000, 4], deductionPer: [100000, 4] } as const;

/** The parser's CST, refusing the document at the first token past a bound. */
function* boundedCst(text: string, parser: Parser) {
  let tokens = 0;
  for (const lexeme of new Lexer().lex(text)) {
    if (++tokens > MAX_FRAMEWORK_TOKENS) {
      throw frameworkError('DOCUMENT_TOO_MANY_NODES', { field: 'input.document', params: { limit: MAX_FRAMEWORK_TOKENS } });
    }
    yield* parser.next(lexeme);
    if (parser.stack.length > MAX_FRAMEWORK_DEPTH) {
      throw frameworkError('DOCUMENT_TOO_DEEP', { field: 'input.document', params: { limit: MAX_FRAMEWORK_DEPTH } });
    }
  }
  yield* parser.end();
}

/**
 * The first duplicate key of any map, found in one pass (yaml's own check compares each key with every
 * earlier one, quadratic in a map's size, so it is switched off and this one runs instead). Iterative:
 * the depth is already bounded, but nothing here needs the stack.
 */
function duplicateKey(root: unknown): Scalar | undefined {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (seen.has(pair.key.value)) return pair.key;
          seen.add(pair.key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return undefined;
}

/**
 * A YAML or JSON document (JSON is YAML, so one parser reads both) within the bounds above: a bound
 * passed throws its coded error; a syntax error is a problem of the document.
 */
export function parseDocument(text: string): { raw?: unknown; problems: Problem[] } {
  if (text.length > MAX_FRAMEWORK_DOCUMENT_LENGTH) {
    throw frameworkError('DOCUMENT_TOO_LARGE', { field: 'input.document', params: { limit: MAX_FRAMEWORK_DOCUMENT_LENGTH } });
  }
  const lines = new LineCounter();
  lines.addNewLine(0); // as Parser.parse() does before the first token
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const invalid = (reason: DocumentProblemReason, params: Record<string, MessageParam> = {}) => ({
    problems: [documentProblem('', reason, params)],
  });
  const firstLine = (message: string) => message.split('\n')[0];
  // yaml builds an Error for every syntax error it meets; a document of 50,000 stray commas would spend
  // most of a second capturing stack traces nobody reads. The parse is synchronous, so nothing else runs
  // while the limit is lowered.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // what yaml's parse() does, with the parser fed token by token through the bounds
    const parser = new Parser(lines.addNewLine);
    const composer = new Composer({ uniqueKeys: false, logLevel: 'error' });
    let doc: Document.Parsed | undefined;
    for (const next of composer.compose(boundedCst(text, parser), true, text.length)) {
      if (doc) return invalid('DOC_SEVERAL_DOCUMENTS');
      doc = next;
    }
    if (!doc) return { raw: null, problems: [] };
    const [error] = doc.errors;
    if (error) return invalid('DOC_NOT_YAML', { detail: firstLine(error.message), ...at(error.pos[0]) });
    const duplicate = duplicateKey(doc.contents);
    if (duplicate) return invalid('DOC_DUPLICATE_KEY', { key: String(duplicate.value), ...at(duplicate.range?.[0] ?? 0) });
    return { raw: doc.toJS({ maxAliasCount: MAX_FRAMEWORK_ALIASES }), problems: [] };
  } catch (error) {
    if (error instanceof AppError) throw error;
    return invalid('DOC_UNREADABLE', { detail: firstLine((error as Error).message) });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

export function formatDocument(doc: FrameworkDoc, format: 'YAML' | 'JSON'): string {
  return format === 'JSON' ? `${JSON.stringify(doc, null, 2)}\n` : toYaml(doc, { lineWidth: 0 });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Checker {
  problems: Problem[] = [];
  add(path: string, reason: DocumentProblemReason, params: Record<string, MessageParam> = {}) {
    this.problems.push(documentProblem(path, reason, params));
  }
  string(
    o: Obj,
    key: string,
    path: string,
    opts: { required?: boolean; max: number; pattern?: RegExp; patternReason?: DocumentProblemReason },
  ): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (opts.required) this.add(`${path}${key}`, 'DOC_REQUIRED');
      return undefined;
    }
    if (typeof v !== 'string') return void this.add(`${path}${key}`, 'DOC_NOT_STRING');
    if (opts.required && v.trim() === '') return void this.add(`${path}${key}`, 'DOC_BLANK');
    if (v.length > opts.max) return void this.add(`${path}${key}`, 'DOC_TOO_LONG', { max: opts.max });
    if (opts.pattern && !opts.pattern.test(v)) return void this.add(`${path}${key}`, opts.patternReason ?? 'DOC_NOT_STRING');
    return v;
  }
  number(o: Obj, key: string, path: string, required = false): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.add(`${path}${key}`, 'DOC_REQUIRED');
      return undefined;
    }
    if (!isNum(v)) return void this.add(`${path}${key}`, 'DOC_NOT_NUMBER');
    return v;
  }
  bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return void this.add(`${path}${key}`, 'DOC_NOT_BOOLEAN');
    return v;
  }
  oneOf<T extends string>(o: Obj, key: string, path: string, values: T[], required = false): T | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.add(`${path}${key}`, 'DOC_REQUIRED');
      return undefined;
    }
    if (typeof v !== 'string' || !values.includes(v as T))
      return void this.add(`${path}${key}`, 'DOC_NOT_ONE_OF', { values: values.join(', ') });
    return v as T;
  }
}

function checkRule(c: Checker, raw: unknown): PassRule | undefined {
  if (!isObj(raw)) {
    c.add('rule', 'DOC_RULE_REQUIRED');
    return undefined;
  }
  const p = 'rule.';
  const aggregation = c.oneOf(raw, 'aggregation', p, Object.values(Aggregation), true);
  const totalMax = c.number(raw, 'totalMax', p, true);
  const threshold = c.number(raw, 'threshold', p, true);
  const bonusCap = c.number(raw, 'bonusCap', p) ?? 0;
  const vetoGrade = c.string(raw, 'vetoGrade', p, { required: true, max: 40 });
  const discrepancyMargin = c.number(raw, 'discrepancyMargin', p) ?? 0.2;
  if (totalMax !== undefined && totalMax <= 0) c.add('rule.totalMax', 'DOC_NOT_POSITIVE');
  if (threshold !== undefined && totalMax !== undefined && (threshold < 0 || threshold > totalMax))
    c.add('rule.threshold', 'DOC_THRESHOLD_RANGE', { totalMax });
  if (bonusCap < 0) c.add('rule.bonusCap', 'DOC_NEGATIVE');
  if (discrepancyMargin < 0 || discrepancyMargin > 1) c.add('rule.discrepancyMargin', 'DOC_MARGIN_RANGE');

  const grades: PassRule['grades'] = [];
  if (!Array.isArray(raw.grades) || raw.grades.length === 0) c.add('rule.grades', 'DOC_NO_GRADES');
  else {
    raw.grades.forEach((g, i) => {
      const gp = `rule.grades[${i}].`;
      if (!isObj(g)) return c.add(`rule.grades[${i}]`, 'DOC_NOT_MAP');
      const code = c.string(g, 'code', gp, {
        required: true,
        max: 40,
        pattern: /^[A-Z0-9_]+$/,
        patternReason: 'DOC_GRADE_CODE_FORMAT',
      });
      const label = c.string(g, 'label', gp, { required: true, max: 40 });
      const min = c.number(g, 'min', gp, true);
      if (code && grades.some((x) => x.code === code)) c.add(`${gp}code`, 'DOC_GRADE_CODE_REPEATED', { grade: code });
      if (min !== undefined && min < 0) c.add(`${gp}min`, 'DOC_NEGATIVE');
      if (code && label !== undefined && min !== undefined) grades.push({ code, label, min });
    });
    if (grades.length && !grades.some((g) => g.min === 0)) c.add('rule.grades', 'DOC_NO_ZERO_GRADE');
    if (vetoGrade && grades.length && !grades.some((g) => g.code === vetoGrade))
      c.add('rule.vetoGrade', 'DOC_VETO_GRADE_UNKNOWN', { grades: grades.map((g) => g.code).join(', ') });
  }

  const kindWeights: PassRule['kindWeights'] = [];
  const kinds = Object.values(EvaluationKind);
  if (isObj(raw.kindWeights)) {
    for (const [kind, weight] of Object.entries(raw.kindWeights)) {
      if (!kinds.includes(kind as EvaluationKind)) c.add(`rule.kindWeights.${kind}`, 'DOC_NOT_KIND', { kinds: kinds.join(', ') });
      else if (!isNum(weight) || weight < 0) c.add(`rule.kindWeights.${kind}`, 'DOC_KIND_WEIGHT');
      else kindWeights.push({ kind: kind as EvaluationKind, weight });
    }
  } else if (Array.isArray(raw.kindWeights)) {
    raw.kindWeights.forEach((w, i) => {
      if (!isObj(w)) return c.add(`rule.kindWeights[${i}]`, 'DOC_NOT_MAP');
      const kind = c.oneOf(w, 'kind', `rule.kindWeights[${i}].`, kinds, true);
      const weight = c.number(w, 'weight', `rule.kindWeights[${i}].`, true);
      if (weight !== undefined && weight < 0) c.add(`rule.kindWeights[${i}].weight`, 'DOC_NEGATIVE');
      if (kind && weight !== undefined) kindWeights.push({ kind, weight });
    });
  } else c.add('rule.kindWeights', 'DOC_KIND_WEIGHTS_REQUIRED');
  const sum = kindWeights.reduce((s, w) => s + w.weight, 0);
  if (kindWeights.length && Math.abs(sum - 1) > WEIGHT_TOLERANCE)
    c.add('rule.kindWeights', 'DOC_KIND_WEIGHTS_SUM', { sum: Number(sum.toFixed(6)) });
  if (new Set(kindWeights.map((w) => w.kind)).size !== kindWeights.length) c.add('rule.kindWeights', 'DOC_KIND_REPEATED');

  let requiredKinds: EvaluationKind[] = [EvaluationKind.SUPERIOR];
  if (raw.requiredKinds !== undefined) {
    if (!Array.isArray(raw.requiredKinds) || raw.requiredKinds.some((k) => !kinds.includes(k)))
      c.add('rule.requiredKinds', 'DOC_REQUIRED_KINDS', { kinds: kinds.join(', ') });
    else requiredKinds = raw.requiredKinds as EvaluationKind[];
  }
  for (const kind of requiredKinds) {
    if (!kindWeights.some((w) => w.kind === kind && w.weight > 0)) c.add('rule.requiredKinds', 'DOC_REQUIRED_KIND_UNWEIGHTED', { kind });
  }
  if (!aggregation || totalMax === undefined || threshold === undefined || !vetoGrade) return undefined;
  return {
    aggregation,
    totalMax,
    threshold,
    bonusCap,
    grades: [...grades].sort((a, b) => b.min - a.min),
    vetoGrade,
    kindWeights,
    requiredKinds,
    discrepancyMargin,
  };
}

function checkCriteria(
  c: Checker,
  raw: unknown,
  path: string,
  rule: PassRule | undefined,
  codes: Map<string, string>,
  count: { n: number },
  depth: number,
): CriterionDoc[] {
  if (!Array.isArray(raw)) {
    c.add(path, 'DOC_NOT_LIST');
    return [];
  }
  const out: { doc: CriterionDoc; i: number }[] = [];
  raw.forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(item)) return c.add(p, 'DOC_NOT_MAP');
    if (++count.n > MAX_CRITERIA) {
      if (count.n === MAX_CRITERIA + 1) c.add(p, 'DOC_TOO_MANY_CRITERIA', { max: MAX_CRITERIA });
      return;
    }
    const code = c.string(item, 'code', `${p}.`, {
      required: true,
      max: 40,
      pattern: /^[A-Za-z0-9_.-]+$/,
      patternReason: 'DOC_CRITERION_CODE_FORMAT',
    });
    if (code) {
      const first = codes.get(code);
      if (first) c.add(`${p}.code`, 'DOC_CRITERION_CODE_REPEATED', { criterionCode: code, first });
      else codes.set(code, `${p}.code`);
    }
    const doc: CriterionDoc = {
      code: code ?? '',
      title: c.string(item, 'title', `${p}.`, { required: true, max: 500 }) ?? '',
      guidance: c.string(item, 'guidance', `${p}.`, { max: 20000 }),
      weight: c.number(item, 'weight', `${p}.`),
      maxScore: c.number(item, 'maxScore', `${p}.`),
      scoringType: c.oneOf(item, 'scoringType', `${p}.`, Object.values(ScoringType)),
      target: c.number(item, 'target', `${p}.`),
      deductionPer: c.number(item, 'deductionPer', `${p}.`),
      bonus: c.bool(item, 'bonus', `${p}.`),
      veto: c.bool(item, 'veto', `${p}.`),
      evidenceRequired: c.bool(item, 'evidenceRequired', `${p}.`),
    };
    for (const [key, [max, decimals]] of Object.entries(FIGURE_LIMITS)) {
      const v = doc[key as keyof typeof FIGURE_LIMITS];
      const scaled = (v ?? 0) * 10 ** decimals;
      if (v !== undefined && (v > max || Math.abs(Math.round(scaled) - scaled) > 1e-6))
        c.add(`${p}.${key}`, 'DOC_FIGURE_RANGE', { max, decimals });
    }
    if (item.source !== undefined && item.source !== null) {
      const raw = item.source;
      if (!isObj(raw)) c.add(`${p}.source`, 'DOC_NOT_MAP');
      else {
        const kind = c.oneOf(raw, 'kind', `${p}.source.`, Object.values(CriterionSourceKind), true);
        const ledgerCategory = c.oneOf(raw, 'ledgerCategory', `${p}.source.`, Object.values(LedgerCategory));
        if (ledgerCategory && kind && kind !== CriterionSourceKind.LEDGER_ENTRIES) c.add(`${p}.source.ledgerCategory`, 'DOC_SOURCE_OPTION');
        if (kind) doc.source = normalizeSource({ kind, ledgerCategory }) ?? undefined;
      }
    }
    const hasChildren = Array.isArray(item.children) && item.children.length > 0;
    if (item.children !== undefined && !Array.isArray(item.children)) c.add(`${p}.children`, 'DOC_NOT_LIST');
    if (depth === 0 && !hasChildren) c.add(p, 'DOC_EMPTY_DIMENSION', { dimension: code ?? String(i) });
    if (depth >= MAX_CRITERIA_DEPTH) c.add(p, 'DOC_CRITERIA_TOO_DEEP', { max: MAX_CRITERIA_DEPTH });
    if (doc.source && hasChildren) c.add(`${p}.source`, 'DOC_SOURCE_NOT_LEAF');
    else if (doc.source && doc.scoringType && !sourceFits(doc.source.kind, doc.scoringType))
      c.add(`${p}.source`, 'DOC_SOURCE_SCORING_TYPE', {
        source: criterionSourceKindLabels[doc.source.kind],
        scoringTypes:
          doc.source.kind === CriterionSourceKind.PUBLIC_SATISFACTION ? '百分比型（PERCENT）' : '计数型（COUNT）或是否型（BOOLEAN）',
      });
    if (hasChildren && depth < MAX_CRITERIA_DEPTH) {
      doc.children = checkCriteria(c, item.children, `${p}.children`, rule, codes, count, depth + 1);
      if (doc.maxScore !== undefined || doc.scoringType !== undefined) c.add(p, 'DOC_PARENT_SCORED');
      if (doc.veto || doc.bonus) c.add(p, 'DOC_PARENT_FLAGGED');
      if (doc.children.length && doc.children.every((k) => k.bonus)) c.add(`${p}.children`, 'DOC_ONLY_BONUS');
    } else if (depth > 0 || !hasChildren) {
      if (doc.maxScore === undefined) c.add(`${p}.maxScore`, 'DOC_LEAF_REQUIRED');
      else if (doc.maxScore <= 0) c.add(`${p}.maxScore`, 'DOC_NOT_POSITIVE');
      if (!doc.scoringType) c.add(`${p}.scoringType`, 'DOC_LEAF_REQUIRED');
      if (doc.scoringType === ScoringType.COUNT && !((doc.target ?? 0) > 0)) c.add(`${p}.target`, 'DOC_COUNT_TARGET');
      if (doc.scoringType === ScoringType.DEDUCTION && !((doc.deductionPer ?? 0) > 0)) c.add(`${p}.deductionPer`, 'DOC_DEDUCTION_PER');
      if (doc.bonus && rule && rule.bonusCap <= 0) c.add(`${p}.bonus`, 'DOC_BONUS_CAP');
    }
    out.push({ doc, i });
  });
  if (rule?.aggregation === Aggregation.WEIGHTED_SUM) {
    const weighted = out.filter(({ doc }) => !doc.bonus);
    for (const { doc, i } of weighted) {
      if (doc.weight === undefined) c.add(`${path}[${i}].weight`, 'DOC_WEIGHT_REQUIRED');
      // a veto item (一票否决) may weigh nothing: it gates attainment without adding points
      else if (doc.weight < 0 || (doc.weight === 0 && !doc.veto))
        c.add(`${path}[${i}].weight`, doc.veto ? 'DOC_NEGATIVE' : 'DOC_WEIGHT_POSITIVE');
    }
    const sum = weighted.reduce((s, { doc }) => s + (doc.weight ?? 0), 0);
    if (weighted.length && weighted.every(({ doc }) => doc.weight !== undefined) && Math.abs(sum - 1) > WEIGHT_TOLERANCE) {
      c.add(path, 'DOC_SIBLING_WEIGHTS', { sum: Number(sum.toFixed(6)) });
    }
  }
  return out.map(({ doc }) => doc);
}

/** Checks a parsed document completely and reports every problem with its path. */
export function checkDocument(raw: unknown): { doc?: FrameworkDoc; problems: Problem[] } {
  const c = new Checker();
  if (!isObj(raw)) return { problems: [documentProblem('', 'DOC_NOT_OBJECT')] };
  if (raw.format !== DOCUMENT_FORMAT) c.add('format', 'DOC_FORMAT', { expected: DOCUMENT_FORMAT });
  const code = c.string(raw, 'code', '', {
    required: true,
    max: 40,
    pattern: /^[A-Z0-9_-]{2,40}$/,
    patternReason: 'DOC_FRAMEWORK_CODE_FORMAT',
  });
  const name = c.string(raw, 'name', '', { required: true, max: 200 });
  const description = c.string(raw, 'description', '', { max: 5000 }) ?? '';
  const rule = checkRule(c, raw.rule);
  let criteria: CriterionDoc[] = [];
  if (!Array.isArray(raw.criteria) || raw.criteria.length === 0) c.add('criteria', 'DOC_NO_DIMENSIONS');
  else criteria = checkCriteria(c, raw.criteria, 'criteria', rule, new Map(), { n: 0 }, 0);
  if (c.problems.length || !code || !name || !rule) return { problems: c.problems };
  return { doc: { format: DOCUMENT_FORMAT, code, name, description, rule, criteria }, problems: [] };
}
