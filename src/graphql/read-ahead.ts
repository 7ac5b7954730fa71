import { FieldNode, Kind, OperationDefinitionNode, parse, valueFromASTUntyped } from 'graphql';
import { Kept } from '../db/kept';
import { OpeningEnd, Statement, statementKey } from '../db/request-transaction';
import { moduleReadAheads } from '../modules';
import type { ReadAheadPlan } from './context';
import type { AheadField } from '../modules/domain-module';

/**
 * Reading ahead: an operation whose only root field starts with a by-id read (`evaluation(id:)`, or
 * `saveScores`, which reads the evaluation it changes first) has that read sent with the request's
 * opening round trip (BEGIN, the tenant, the viewer's load), so the field's resolver finds its rows
 * waiting instead of making a second round trip. The plan is taken from the request body once the
 * token is verified, before Apollo parses it (parsed documents are kept, bounded); anything unusual
 * (several operations or root fields, a subscription, a directive at the root, a document too long,
 * an id of another type) plans nothing, and the request runs as it would without. Nothing read ahead
 * reaches a client unless the resolver, which authorizes as always, asks for exactly that statement,
 * and never after the transaction may have written (RequestTransaction.query).
 *
 * A query also learns: the reads it asked for after its opening (at most LEARNABLE_READS, plain reads
 * before anything wrote, bounded in length) are kept for the same user, tenant, document and
 * variables, and the next such request sends them with its opening too. A page of orgs
 * (`orgs(under:)`) is built from the viewer's scope, which is loaded in that same round trip: its
 * statement cannot be planned from the request, but the same user asking the same page again sends the
 * same statement, unless the viewer's scope, the org or the data it depends on changed; then the
 * resolver asks for another statement, what was read ahead goes unused, and the request learns what it
 * sent instead. What is kept is statements, never rows.
 */

/** A field node with its arguments' values; a field under it only where exactly one is selected plainly. */
function aheadField(node: FieldNode, vars: Record<string, unknown>): AheadField {
  return {
    args: Object.fromEntries((node.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, vars)])),
    field: (name) => {
      const found = (node.selectionSet?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === name);
      const [only] = found;
      return found.length === 1 && !only.alias && !only.directives?.length ? aheadField(only, vars) : null;
    },
  };
}

interface Plan {
  field: string;
  node: FieldNode;
  /** A query: only a read's opening may end as its own transaction. */
  read: boolean;
  /**
   * How many of this document's last requests needed nothing after their opening (0–3, a miss resets it):
   * from 2 on, the opening ends as its own transaction (OpeningEnd). A miss costs one round trip more.
   */
  answered: number;
  /** A number for this document in the keys of learned reads (its text stays out of them). */
  id: number;
}

const ANSWERED_ENOUGH = 2;

/** Documents longer than this are never planned (a by-id read's document is short). */
const MAX_PLANNED_QUERY = 4000;
const plans = new Kept<Plan | null>(500);
/**
 * Reads learned per user, document and variables (see above): kept only when seen twice, so a scan of
 * pages read once does not push out what a user reads again and again.
 */
const learned = new Kept<Statement[]>(1000, { secondSight: true });
/** Variables longer than this (as JSON) are not learned from. */
const MAX_LEARNED_VARIABLES = 1000;
let planNumber = 0;

function planOf(query: string, operationName: unknown): Plan | null {
  let document;
  try {
    document = parse(query, { maxTokens: 1000 });
  } catch {
    return null;
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation =
    typeof operationName === 'string'
      ? operations.find((o) => o.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!operation || operation.operation === 'subscription' || operation.selectionSet.selections.length !== 1) return null;
  const node = operation.selectionSet.selections[0];
  if (node.kind !== Kind.FIELD || node.directives?.length || !moduleReadAheads[node.name.value]) return null;
  return { field: node.name.value, node, read: operation.operation === 'query', answered: 0, id: ++planNumber };
}

/**
 * What to read ahead for a /graphql request body, once the token is verified and its tenant known
 * (the body is parsed only then: never for a request without a valid token); undefined for a body
 * that cannot be planned.
 */
export function readAheadOf(body: unknown): ReadAheadPlan | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { query, variables, operationName } = body as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof query !== 'string' || query.length > MAX_PLANNED_QUERY) return undefined;
  return (tx, tenantId, userId) => {
    const key = `${typeof operationName === 'string' ? operationName : ''}\u0000${query}`;
    let plan = plans.get(key);
    if (plan === undefined) {
      plan = planOf(query, operationName);
      plans.set(key, plan);
    }
    if (!plan) return { statements: [] };
    const { field, node } = plan;
    const vars = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
    let statements: Statement[];
    try {
      const root = aheadField(node, vars);
      const read = moduleReadAheads[field](tx, tenantId, root.args, root);
      statements = read === null ? [] : Array.isArray(read) ? read : [read];
    } catch {
      return { statements: [] };
    }
    if (!plan.read || !statements.length) return { statements };
    const variablesText = JSON.stringify(vars);
    const readsKey =
      variablesText.length <= MAX_LEARNED_VARIABLES ? `${tenantId}\u0000${userId}\u0000${plan.id}\u0000${variablesText}` : null;
    const reads = readsKey ? learned.get(readsKey) : undefined;
    const learning = plan;
    const end: OpeningEnd = {
      commit: learning.answered >= ANSWERED_ENOUGH,
      learn: (answered, readsAfter) => {
        learning.answered = answered ? Math.min(learning.answered + 1, 3) : 0;
        if (!readsKey) return;
        // the reads this request asked for after its opening, but those its plan reads ahead anyway
        const planned = readsAfter?.length ? new Set(statements.map((p) => statementKey(p.sql, p.params))) : undefined;
        const more = readsAfter?.filter((r) => !planned?.has(statementKey(r.sql, r.params)));
        if (more?.length) learned.set(readsKey, more);
        else learned.delete(readsKey);
      },
    };
    return { statements: reads ? [...statements, ...reads] : statements, end };
  };
}
