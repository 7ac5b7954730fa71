import type { GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  DocumentNode,
  ExecutionResult,
  GraphQLError,
  GraphQLSchema,
  OperationDefinitionNode,
  TypeInfo,
  execute,
  getNamedType,
  isInputObjectType,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { RequestContext } from './context';

/**
 * Hot query documents executed by code compiled for them (graphql-jit), behind Apollo's executor
 * hook: graphql-js walks a response's few hundred fields one call and one promise at a time, which
 * was the largest part of a read's CPU after the database (README "Compiled queries"). Measured
 * against graphql-js on the bench: the evaluation tree 1.24× and the page of 50 orgs 1.33× the
 * throughput at 32 clients.
 *
 * graphql-jit is not graphql-js, so it runs only where the two were shown to answer alike (the tests'
 * servers compile every query document on its first request, so the whole suite checks compiled answers):
 * - queries only: a mutation (its fields one after another, each in a savepoint) and anything else
 *   is executed by graphql-js as before;
 * - variables are coerced by graphql-js first, so a bad one is answered exactly as before (400
 *   BAD_USER_INPUT); a document with an input object anywhere in its arguments stays with graphql-js
 *   (graphql-jit 0.8 leaves an input field's default unset, as in `orderBy: { field: NAME }`);
 * - errors come back as graphql-js's GraphQLError around the resolver's own error, so they are
 *   masked and coded as every other (formatError).
 *
 * Bounded: a document is compiled only once the same one was asked for `hotAfter` times (a one-off
 * document never costs a compile), at most `compilesPerMinute` compiles a minute per process (a
 * client sending ever new documents cannot turn compiling into its CPU), and `maxDocuments` compiled
 * documents kept, least recently used first out (the count of documents not yet hot is kept apart,
 * four times as many, so one-off documents never push out a compiled one).
 */
export interface CompiledQueriesOptions {
  hotAfter: number;
  maxDocuments: number;
  compilesPerMinute: number;
}

export const COMPILED_QUERIES_DEFAULTS: CompiledQueriesOptions = { hotAfter: 2, maxDocuments: 500, compilesPerMinute: 60 };

/** A document by Apollo's hash of its text, and the operation's name. */
const keyOf = (rc: GatewayGraphQLRequestContext<RequestContext>) => `${rc.queryHash}\u0000${rc.operationName ?? ''}`;

export interface CompiledQueriesGateway extends GatewayInterface {
  /** How many documents are kept compiled now, and how many were compiled in all (for the tests). */
  compiled(): { kept: number; total: number };
}

export function compiledQueriesGateway(
  schema: GraphQLSchema,
  options: CompiledQueriesOptions = COMPILED_QUERIES_DEFAULTS,
): CompiledQueriesGateway {
  // keyed by the document's hash (Apollo's, of the query text) and the operation's name. Documents not
  // yet hot are counted apart, so a stream of one-off documents never pushes a compiled one out.
  const asked = new LRUCache<string, number>({ max: options.maxDocuments * 4 });
  const kept = new LRUCache<string, CompiledQuery | 'interpreted'>({ max: options.maxDocuments });
  let budget = { minute: 0, left: options.compilesPerMinute };
  let total = 0;

  const interpreted = (rc: GatewayGraphQLRequestContext<RequestContext>) =>
    execute({
      schema,
      document: rc.document,
      contextValue: rc.context,
      variableValues: rc.request.variables,
      // the name asked for: rc.operationName is the resolved operation's, null when the name resolved to none
      operationName: rc.request.operationName,
    });

  const compiledFor = (rc: GatewayGraphQLRequestContext<RequestContext>, key: string): CompiledQuery | null => {
    const known = kept.get(key);
    if (known) return known === 'interpreted' ? null : known;
    const times = (asked.get(key) ?? 0) + 1;
    if (times < options.hotAfter) {
      asked.set(key, times);
      return null;
    }
    // a document graphql-jit must not run is known without a compile, and spends none of the budget
    if (takesInputObjects(schema, rc.document, rc.operation)) {
      asked.delete(key);
      kept.set(key, 'interpreted');
      return null;
    }
    const minute = Math.floor(Date.now() / 60_000);
    if (budget.minute !== minute) budget = { minute, left: options.compilesPerMinute };
    if (budget.left <= 0) return null; // asked again next minute
    budget.left--;
    asked.delete(key);
    const compiled = compileQuery(schema, rc.document, rc.operationName ?? undefined);
    if (!isCompiledQuery(compiled)) {
      kept.set(key, 'interpreted');
      return null;
    }
    total++;
    kept.set(key, compiled);
    return compiled;
  };

  const executor = async (rc: GatewayGraphQLRequestContext<RequestContext>): Promise<ExecutionResult> => {
    // typed as always there, but undefined for an operation name the document lacks: graphql-js answers
    // that, and Apollo makes it OPERATION_RESOLUTION_FAILURE
    const operation = rc.operation as GatewayGraphQLRequestContext<RequestContext>['operation'] | undefined;
    if (operation?.operation !== 'query') return interpreted(rc);
    const key = keyOf(rc);
    const compiled = compiledFor(rc, key);
    if (!compiled) return interpreted(rc);
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rc.request.variables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const result = (await compiled.query(undefined, rc.context, rc.request.variables ?? {})) as ExecutionResult;
    if (!result.errors) return result;
    // An error no resolver threw (a value its type cannot represent, such as a promise in a plain field,
    // which graphql-js awaits and compiled code does not): the document goes back to graphql-js for good,
    // which answers it again in the same transaction (a query's resolvers read; the few that write, such
    // as a sign-in's, are mutations)
    if (result.errors.some((e) => !e.originalError)) {
      kept.set(key, 'interpreted');
      return interpreted(rc);
    }
    return { ...result, errors: result.errors.map(asGraphQLJsError) };
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return { executor: executor as never };
    },
    async stop() {},
    compiled() {
      let now = 0;
      for (const entry of kept.values()) if (entry !== 'interpreted') now++;
      return { kept: now, total };
    },
  };
}

/** Whether any argument of the operation (given literally or by a variable) is of an input object type. */
function takesInputObjects(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  const visitor = visitWithTypeInfo(typeInfo, {
    Argument() {
      const arg = typeInfo.getArgument();
      if (arg && isInputObjectType(getNamedType(arg.type))) found = true;
    },
  });
  // the operation and the fragments it may spread
  visit(operation, visitor);
  for (const definition of document.definitions) if (definition.kind === 'FragmentDefinition') visit(definition, visitor);
  return found;
}

/** graphql-jit's error as graphql-js's, around the resolver's own error (which formatError codes and masks). */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
  if (error.locations) Object.assign(rebuilt, { locations: error.locations });
  return rebuilt;
}
