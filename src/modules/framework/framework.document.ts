import { Composer, Document, LineCounter, Lexer, Parser, Scalar, isMap, isScalar, isSeq, stringify as toYaml } from 'yaml';
import { AppError } from '../../graphql/errors';
import { FrameworkErrorReason, frameworkError } from './framework.errors';
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

export interface Problem {
  path: string;
  message: string;
}

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
const MAX_CRITERIA = 2000;
const WEIGHT_TOLERANCE = 1e-4;

/** The parser's CST, refusing the document at the first token past a bound. */
function* boundedCst(text: string, parser: Parser) {
  let tokens = 0;
  for (const lexeme of new Lexer().lex(text)) {
    if (++tokens > MAX_FRAMEWORK_TOKENS) {
      throw frameworkError(FrameworkErrorReason.DOCUMENT_TOO_MANY_NODES, `框架文档的节点和符号超过 ${MAX_FRAMEWORK_TOKENS} 个的上限`, {
        field: 'input.document',
        limit: MAX_FRAMEWORK_TOKENS,
      });
    }
    yield* parser.next(lexeme);
    if (parser.stack.length > MAX_FRAMEWORK_DEPTH) {
      throw frameworkError(FrameworkErrorReason.DOCUMENT_TOO_DEEP, `框架文档的嵌套层数超过 ${MAX_FRAMEWORK_DEPTH} 层的上限`, {
        field: 'input.document',
        limit: MAX_FRAMEWORK_DEPTH,
      });
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
    throw frameworkError(FrameworkErrorReason.DOCUMENT_TOO_LARGE, `框架文档超过 ${MAX_FRAMEWORK_DOCUMENT_LENGTH} 个字符的上限`, {
      field: 'input.document',
      limit: MAX_FRAMEWORK_DOCUMENT_LENGTH,
    });
  }
  const lines = new LineCounter();
  lines.addNewLine(0); // as Parser.parse() does before the first token
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return ` at line ${line}, column ${col}`;
  };
  const invalid = (message: string) => ({ problems: [{ path: '', message: `Not valid YAML or JSON: ${message.split('\n')[0]}` }] });
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
      if (doc) return invalid('the text holds more than one document');
      doc = next;
    }
    if (!doc) return { raw: null, problems: [] };
    const [error] = doc.errors;
    if (error) return invalid(`${error.message.split('\n')[0]}${at(error.pos[0])}`);
    const duplicate = duplicateKey(doc.contents);
    if (duplicate) return invalid(`Map keys must be unique (${String(duplicate.value)})${at(duplicate.range?.[0] ?? 0)}`);
    return { raw: doc.toJS({ maxAliasCount: MAX_FRAMEWORK_ALIASES }), problems: [] };
  } catch (error) {
    if (error instanceof AppError) throw error;
    return invalid((error as Error).message);
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
  add(path: string, message: string) {
    this.problems.push({ path, message });
  }
  string(
    o: Obj,
    key: string,
    path: string,
    opts: { required?: boolean; max: number; pattern?: RegExp; patternText?: string },
  ): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (opts.required) this.add(`${path}${key}`, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') return void this.add(`${path}${key}`, 'must be a string');
    if (opts.required && v.trim() === '') return void this.add(`${path}${key}`, 'must not be empty');
    if (v.length > opts.max) return void this.add(`${path}${key}`, `must be at most ${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return void this.add(`${path}${key}`, opts.patternText ?? 'is malformed');
    return v;
  }
  number(o: Obj, key: string, path: string, required = false): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.add(`${path}${key}`, 'is required');
      return undefined;
    }
    if (!isNum(v)) return void this.add(`${path}${key}`, 'must be a number');
    return v;
  }
  bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return void this.add(`${path}${key}`, 'must be true or false');
    return v;
  }
  oneOf<T extends string>(o: Obj, key: string, path: string, values: T[], required = false): T | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.add(`${path}${key}`, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || !values.includes(v as T)) return void this.add(`${path}${key}`, `must be one of ${values.join(', ')}`);
    return v as T;
  }
}

function checkRule(c: Checker, raw: unknown): PassRule | undefined {
  if (!isObj(raw)) {
    c.add('rule', 'is required and must be an object');
    return undefined;
  }
  const p = 'rule.';
  const aggregation = c.oneOf(raw, 'aggregation', p, Object.values(Aggregation), true);
  const totalMax = c.number(raw, 'totalMax', p, true);
  const threshold = c.number(raw, 'threshold', p, true);
  const bonusCap = c.number(raw, 'bonusCap', p) ?? 0;
  const vetoGrade = c.string(raw, 'vetoGrade', p, { required: true, max: 40 });
  const discrepancyMargin = c.number(raw, 'discrepancyMargin', p) ?? 0.2;
  if (totalMax !== undefined && totalMax <= 0) c.add('rule.totalMax', 'must be greater than 0');
  if (threshold !== undefined && totalMax !== undefined && (threshold < 0 || threshold > totalMax))
    c.add('rule.threshold', `must be between 0 and totalMax (${totalMax})`);
  if (bonusCap < 0) c.add('rule.bonusCap', 'must not be negative');
  if (discrepancyMargin < 0 || discrepancyMargin > 1) c.add('rule.discrepancyMargin', 'must be between 0 and 1');

  const grades: PassRule['grades'] = [];
  if (!Array.isArray(raw.grades) || raw.grades.length === 0) c.add('rule.grades', 'must list at least one grade band');
  else {
    raw.grades.forEach((g, i) => {
      const gp = `rule.grades[${i}].`;
      if (!isObj(g)) return c.add(`rule.grades[${i}]`, 'must be an object');
      const code = c.string(g, 'code', gp, {
        required: true,
        max: 40,
        pattern: /^[A-Z0-9_]+$/,
        patternText: 'must be upper-case letters, digits or _',
      });
      const label = c.string(g, 'label', gp, { required: true, max: 40 });
      const min = c.number(g, 'min', gp, true);
      if (code && grades.some((x) => x.code === code)) c.add(`${gp}code`, `duplicate grade code ${code}`);
      if (min !== undefined && min < 0) c.add(`${gp}min`, 'must not be negative');
      if (code && label !== undefined && min !== undefined) grades.push({ code, label, min });
    });
    if (grades.length && !grades.some((g) => g.min === 0)) c.add('rule.grades', 'one band must start at 0 so every total gets a grade');
    if (vetoGrade && grades.length && !grades.some((g) => g.code === vetoGrade))
      c.add('rule.vetoGrade', `must be one of the grade codes (${grades.map((g) => g.code).join(', ')})`);
  }

  const kindWeights: PassRule['kindWeights'] = [];
  const kinds = Object.values(EvaluationKind);
  if (isObj(raw.kindWeights)) {
    for (const [kind, weight] of Object.entries(raw.kindWeights)) {
      if (!kinds.includes(kind as EvaluationKind)) c.add(`rule.kindWeights.${kind}`, `is not an evaluation kind (${kinds.join(', ')})`);
      else if (!isNum(weight) || weight < 0) c.add(`rule.kindWeights.${kind}`, 'must be a number, 0 or more');
      else kindWeights.push({ kind: kind as EvaluationKind, weight });
    }
  } else if (Array.isArray(raw.kindWeights)) {
    raw.kindWeights.forEach((w, i) => {
      if (!isObj(w)) return c.add(`rule.kindWeights[${i}]`, 'must be an object');
      const kind = c.oneOf(w, 'kind', `rule.kindWeights[${i}].`, kinds, true);
      const weight = c.number(w, 'weight', `rule.kindWeights[${i}].`, true);
      if (weight !== undefined && weight < 0) c.add(`rule.kindWeights[${i}].weight`, 'must not be negative');
      if (kind && weight !== undefined) kindWeights.push({ kind, weight });
    });
  } else c.add('rule.kindWeights', 'is required: the weight of each evaluation kind');
  const sum = kindWeights.reduce((s, w) => s + w.weight, 0);
  if (kindWeights.length && Math.abs(sum - 1) > WEIGHT_TOLERANCE) c.add('rule.kindWeights', `must sum to 1, not ${Number(sum.toFixed(6))}`);
  if (new Set(kindWeights.map((w) => w.kind)).size !== kindWeights.length) c.add('rule.kindWeights', 'lists a kind twice');

  let requiredKinds: EvaluationKind[] = [EvaluationKind.SUPERIOR];
  if (raw.requiredKinds !== undefined) {
    if (!Array.isArray(raw.requiredKinds) || raw.requiredKinds.some((k) => !kinds.includes(k)))
      c.add('rule.requiredKinds', `must list kinds among ${kinds.join(', ')}`);
    else requiredKinds = raw.requiredKinds as EvaluationKind[];
  }
  for (const kind of requiredKinds) {
    if (!kindWeights.some((w) => w.kind === kind && w.weight > 0)) c.add('rule.requiredKinds', `${kind} is required but has no weight`);
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
    c.add(path, 'must be a list');
    return [];
  }
  const out: { doc: CriterionDoc; i: number }[] = [];
  raw.forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(item)) return c.add(p, 'must be an object');
    if (++count.n > MAX_CRITERIA) {
      if (count.n === MAX_CRITERIA + 1) c.add(p, `a version holds at most ${MAX_CRITERIA} criteria`);
      return;
    }
    const code = c.string(item, 'code', `${p}.`, {
      required: true,
      max: 40,
      pattern: /^[A-Za-z0-9_.-]+$/,
      patternText: 'must be letters, digits or ._-',
    });
    if (code) {
      const first = codes.get(code);
      if (first) c.add(`${p}.code`, `duplicate code ${code} (first used at ${first})`);
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
    const hasChildren = Array.isArray(item.children) && item.children.length > 0;
    if (item.children !== undefined && !Array.isArray(item.children)) c.add(`${p}.children`, 'must be a list');
    if (depth === 0 && !hasChildren) c.add(p, `dimension ${code ?? i} has no criteria under it`);
    if (depth >= 5) c.add(p, 'criteria nest at most 5 levels deep');
    if (hasChildren && depth < 5) {
      doc.children = checkCriteria(c, item.children, `${p}.children`, rule, codes, count, depth + 1);
      if (doc.maxScore !== undefined || doc.scoringType !== undefined)
        c.add(p, 'a criterion with children takes its score from them: drop maxScore and scoringType');
      if (doc.veto || doc.bonus) c.add(p, 'only leaf criteria can be veto or bonus items');
      if (doc.children.length && doc.children.every((k) => k.bonus))
        c.add(`${p}.children`, 'needs at least one criterion that is not a bonus item');
    } else if (depth > 0 || !hasChildren) {
      if (doc.maxScore === undefined) c.add(`${p}.maxScore`, 'is required on a leaf');
      else if (doc.maxScore <= 0) c.add(`${p}.maxScore`, 'must be greater than 0');
      if (!doc.scoringType) c.add(`${p}.scoringType`, 'is required on a leaf');
      if (doc.scoringType === ScoringType.COUNT && !(doc.target! > 0))
        c.add(`${p}.target`, 'a COUNT criterion needs a target greater than 0');
      if (doc.scoringType === ScoringType.DEDUCTION && !(doc.deductionPer! > 0))
        c.add(`${p}.deductionPer`, 'a DEDUCTION criterion needs deductionPer greater than 0');
      if (doc.bonus && rule && rule.bonusCap <= 0) c.add(`${p}.bonus`, 'bonus items need rule.bonusCap greater than 0');
    }
    out.push({ doc, i });
  });
  if (rule?.aggregation === Aggregation.WEIGHTED_SUM) {
    const weighted = out.filter(({ doc }) => !doc.bonus);
    for (const { doc, i } of weighted) {
      if (doc.weight === undefined) c.add(`${path}[${i}].weight`, 'is required under WEIGHTED_SUM');
      // a veto item (一票否决) may weigh nothing: it gates attainment without adding points
      else if (doc.weight < 0 || (doc.weight === 0 && !doc.veto))
        c.add(`${path}[${i}].weight`, doc.veto ? 'must not be negative' : 'must be greater than 0 (only a veto item may weigh 0)');
    }
    const sum = weighted.reduce((s, { doc }) => s + (doc.weight ?? 0), 0);
    if (weighted.length && weighted.every(({ doc }) => doc.weight !== undefined) && Math.abs(sum - 1) > WEIGHT_TOLERANCE) {
      c.add(path, `weights of the non-bonus criteria here must sum to 1, not ${Number(sum.toFixed(6))}`);
    }
  }
  return out.map(({ doc }) => doc);
}

/** Checks a parsed document completely and reports every problem with its path. */
export function checkDocument(raw: unknown): { doc?: FrameworkDoc; problems: Problem[] } {
  const c = new Checker();
  if (!isObj(raw))
    return { problems: [{ path: '', message: 'The document must be an object with format, code, name, rule and criteria' }] };
  if (raw.format !== DOCUMENT_FORMAT) c.add('format', `must be "${DOCUMENT_FORMAT}"`);
  const code = c.string(raw, 'code', '', {
    required: true,
    max: 40,
    pattern: /^[A-Z0-9_-]{2,40}$/,
    patternText: 'must be 2 to 40 upper-case letters, digits, _ or -',
  });
  const name = c.string(raw, 'name', '', { required: true, max: 200 });
  const description = c.string(raw, 'description', '', { max: 5000 }) ?? '';
  const rule = checkRule(c, raw.rule);
  let criteria: CriterionDoc[] = [];
  if (!Array.isArray(raw.criteria) || raw.criteria.length === 0) c.add('criteria', 'must list at least one dimension');
  else criteria = checkCriteria(c, raw.criteria, 'criteria', rule, new Map(), { n: 0 }, 0);
  if (c.problems.length || !code || !name || !rule) return { problems: c.problems };
  return { doc: { format: DOCUMENT_FORMAT, code, name, description, rule, criteria }, problems: [] };
}
