import { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  SelectionNode,
  getNamedType,
  getVariableValues,
  isInterfaceType,
  isObjectType,
  valueFromAST,
  visit,
} from 'graphql';
import { pageSize } from './relay';

/**
 * The query cost limit: graphql-armor's cost (an object 2, a scalar 1, each level down ×1.5, a list field ×
 * its page size) with the page size a connection will really serve. graphql-armor's rule runs in validation,
 * where variables are unknown, and multiplies only by a literal `first`: `first: $n` or no `first` at all
 * counted as one row. Here `first`/`last` is the coerced variable or literal, and an absent one the field's
 * default (the argument's schema default, else PageArgs' page size), on /graphql once the operation is
 * resolved (didResolveOperation, with the request's variables) and over WebSocket before subscribing.
 */
// The limit is for rows as served: three levels of default pages (20 × 20 × 20) in every one of 20 aliases is
// 7.8 million; the broadest read of the scope and move crawls (every field of a type two levels down, default
// pages) 2.6 million; a campaign's deadlines with their submissions 21 thousand.
export const COST_LIMIT = { maxCost: 3_000_000, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5 };

type Fields = Record<string, GraphQLField<unknown, unknown>>;
const fieldsOf = (type: GraphQLNamedType | null | undefined): Fields | undefined =>
  type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : undefined;

const pageVariablesOf = new WeakMap<DocumentNode, Set<string>>();
/** The names of the variables given as a `first` or `last` anywhere in the document (once per parsed document). */
function pageVariables(document: DocumentNode): Set<string> {
  const known = pageVariablesOf.get(document);
  if (known) return known;
  const names = new Set<string>();
  pageVariablesOf.set(document, names);
  visit(document, {
    Argument(node) {
      if ((node.name.value === 'first' || node.name.value === 'last') && node.value.kind === Kind.VARIABLE)
        names.add(node.value.name.value);
    },
  });
  return names;
}

const fixedCosts = new WeakMap<OperationDefinitionNode, number>();

/** The cost of `operation` in `document` with `variables` as sent (coerced here; ones that do not coerce count as absent). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): number {
  const { objectCost, scalarCost, depthCostFactor } = COST_LIMIT;
  // only the variables a page size names are coerced (a mutation's large input is coerced once, by execution)
  const paging = pageVariables(document);
  const definitions = (operation.variableDefinitions ?? []).filter((d) => paging.has(d.variable.name.value));
  // a cost no variable changes is the document's own: computed once per parsed document (Apollo keeps them)
  if (!definitions.length) {
    const known = fixedCosts.get(operation);
    if (known !== undefined) return known;
  }
  const values = definitions.length
    ? (getVariableValues(schema, definitions, variables ?? {}, { maxErrors: 50 }).coerced ?? {})
    : ({} as Record<string, unknown>);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // a fragment costs the same wherever it is spread (variables are the operation's): counted once, as graphql-armor does
  const fragmentCosts = new Map<string, number>();

  const rows = (node: FieldNode, field: GraphQLField<unknown, unknown> | undefined): number => {
    let multiplier = 1;
    let asked = false;
    for (const name of ['first', 'last']) {
      const arg = node.arguments?.find((a) => a.name.value === name);
      const def = field?.args.find((a) => a.name === name);
      if (!arg) continue;
      let value: unknown;
      if (def) value = valueFromAST(arg.value, def.type, values);
      else if (arg.value.kind === Kind.INT) value = parseInt(arg.value.value, 10);
      else if (arg.value.kind === Kind.VARIABLE) value = values[arg.value.name.value];
      if (typeof value === 'number' && Number.isFinite(value)) {
        asked = true;
        multiplier = Math.max(multiplier, value);
      }
    }
    if (!asked) {
      const first = field?.args.find((a) => a.name === 'first');
      if (first) {
        const fallback = typeof first.defaultValue === 'number' ? first.defaultValue : pageSize({});
        multiplier = Math.max(multiplier, fallback);
      }
    }
    return multiplier;
  };

  const selectionsCost = (selections: readonly SelectionNode[], parent: GraphQLNamedType | null | undefined): number =>
    selections.reduce((sum, child) => sum + depthCostFactor * cost(child, parent), 0);

  const cost = (node: SelectionNode, parent: GraphQLNamedType | null | undefined): number => {
    switch (node.kind) {
      case Kind.FIELD: {
        if (node.name.value === '__schema') return 0;
        const field = fieldsOf(parent)?.[node.name.value];
        if (!node.selectionSet) return scalarCost;
        const type = field ? getNamedType(field.type) : undefined;
        return (objectCost + selectionsCost(node.selectionSet.selections, type)) * rows(node, field);
      }
      case Kind.INLINE_FRAGMENT: {
        const type = node.typeCondition ? schema.getType(node.typeCondition.name.value) : parent;
        return objectCost + selectionsCost(node.selectionSet.selections, type);
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = node.name.value;
        let spread = fragmentCosts.get(name);
        if (spread === undefined) {
          const fragment = fragments.get(name);
          spread = 0;
          fragmentCosts.set(name, spread); // a cycle (refused by validation) counts nothing
          if (fragment) {
            const type = schema.getType(fragment.typeCondition.name.value);
            spread = objectCost + selectionsCost(fragment.selectionSet.selections, type);
            fragmentCosts.set(name, spread);
          }
        }
        return scalarCost + depthCostFactor * spread;
      }
    }
  };

  const root = schema.getRootType(operation.operation);
  const total = operation.selectionSet.selections.reduce((sum, child) => sum + cost(child, root), 0);
  if (!definitions.length) fixedCosts.set(operation, total);
  return total;
}

/** The refusal of a query over the limit, in graphql-armor's words (graphql-errors.ts gives it QUERY_TOO_COSTLY); null within it. */
export function costRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): GraphQLError | null {
  const found = operationCost(schema, document, operation, variables);
  if (found <= COST_LIMIT.maxCost) return null;
  return new GraphQLError(`Syntax Error: Query Cost limit of ${COST_LIMIT.maxCost} exceeded, found ${found}.`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}

/** The cost limit on /graphql: once the operation is known, with the request's variables, before anything runs. */
export function costLimitPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const refusal = costRefusal(schema, document, operation, request.variables);
          // a 400 like graphql-armor's refusal in validation (an error thrown here would be a 500)
          if (refusal) throw new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
