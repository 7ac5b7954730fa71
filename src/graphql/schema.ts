import { GraphQLResolveInfo, GraphQLSchema, Kind, defaultFieldResolver, getNamedType, isLeafType } from 'graphql';
import { NonEmptyArray, buildSchema, getMetadataStorage } from 'type-graphql';
import { AccountResolver } from '../auth/account.resolver';
import { AuthResolver } from '../auth/auth.resolver';
import { moduleResolvers, mutationHooks } from '../modules';
import { RequestContext } from './context';
import { coreError } from './errors';
import { liveError, livePubSub } from './live';
import { NodeResolver } from './node.resolver';
import { ErrorReasonResolver, registerErrorReasonEnum } from './error-reasons.resolver';
import { keepValidationLookups } from './validation-messages';
import { validateArgument, validateScalarArgumentsInline } from './input-validation';
import { convertInputsWithKeptPlans } from './input-conversion';

/** The core resolvers, then every domain module's (src/modules/<name>/<name>.module.ts). */
export const resolvers = [
  NodeResolver,
  AuthResolver,
  AccountResolver,
  ErrorReasonResolver,
  ...moduleResolvers,
] as unknown as NonEmptyArray<Function>;

/** PostgreSQL text cannot hold NUL; refuse it up front, naming the argument, instead of failing in SQL. */
function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findNul(v, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      const found = findNul(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

function refuseNul(args: Record<string, unknown>): void {
  const field = findNul(args, '');
  if (field) throw coreError('NUL_CHARACTER', { field, params: { field } });
}

/** The root types, described like every other type (type-graphql leaves them bare). */
function describeRoots(schema: GraphQLSchema): void {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) query.description = '查询：读取数据（按您的权限范围）';
  if (mutation) mutation.description = '变更：每个变更在一个事务中完成，被拒绝时不改变任何数据，成功时记入审计日志';
  const subscription = schema.getSubscriptionType();
  if (subscription) subscription.description = '订阅：经 WebSocket（graphql-ws 协议，路径 /graphql）实时推送给当前登录者的事件';
}

/**
 * Wraps the root fields only (a global type-graphql middleware would run for every field of every
 * object, hundreds per response): each query field refuses NUL input; each mutation field runs in its
 * own savepoint (or, the operation's only field, in the request's transaction, rolled back when it is
 * refused), so a refused one leaves no trace, wrapped by the modules' mutation hooks (the audit
 * module appends who, when, what and which record in the same transaction); a subscription field
 * answers only over WebSocket.
 */
/** Whether the field is the operation's one root selection (no alias beside it, no fragment at the root). */
function soleRootField(info: GraphQLResolveInfo): boolean {
  const selections = info.operation.selectionSet.selections;
  return selections.length === 1 && selections[0].kind === Kind.FIELD;
}

function wrapRootFields(schema: GraphQLSchema): GraphQLSchema {
  describeRoots(schema);
  for (const field of Object.values(schema.getQueryType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) => {
      refuseNul(args);
      return resolve(source, args, context, info);
    };
  }
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    const mutation = { name: field.name, answersScalar: isLeafType(getNamedType(field.type)) };
    field.resolve = (source, args, context: RequestContext, info) => {
      refuseNul(args);
      // the modules' hooks (the audit trail) wrap the resolver, innermost last registered
      const run = mutationHooks.reduceRight<() => Promise<unknown>>(
        (next, hook) => () => hook(context, mutation, args, next),
        async () => resolve(source, args, context, info),
      );
      // the operation's only field: a refusal rolls the whole transaction back, no savepoint round trips
      if (soleRootField(info)) return run().catch((error: unknown) => context.tx.failed(error));
      return context.tx.inSavepoint(run);
    };
  }
  // A subscription's root is its event (src/graphql/live-server.ts); over HTTP there is none.
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) => {
      if (source === undefined || source === null) throw liveError('LIVE_WEBSOCKET_ONLY');
      return resolve(source, args, context, info);
    };
  }
  return schema;
}

/**
 * A plain property field (no @FieldResolver) is read by GraphQL's default resolver: type-graphql would
 * wrap each in a resolver that runs an empty middleware chain, hundreds of calls per response. That
 * chain is empty only while nothing uses field middlewares or @Authorized (neither is used: roots are
 * wrapped in wrapRootFields, authorization is in the services); should either appear, this refuses to
 * build rather than let a simple field skip it.
 */
function plainFieldsReadDirectly(): void {
  const storage = getMetadataStorage();
  if (
    storage.middlewares.length ||
    storage.resolverMiddlewares.length ||
    storage.authorizedFields.length ||
    storage.authorizedResolver.length
  ) {
    throw new Error('field middlewares or @Authorized are in use: plain fields must keep type-graphql resolvers (src/graphql/schema.ts)');
  }
  for (const type of storage.objectTypes) type.simpleResolvers ??= true;
}

let cached: Promise<GraphQLSchema> | undefined;

export function getSchema(): Promise<GraphQLSchema> {
  if (!cached) {
    registerErrorReasonEnum();
    plainFieldsReadDirectly();
    keepValidationLookups();
    convertInputsWithKeptPlans();
    const params = getMetadataStorage().params as { kind: string; options?: { arg?: unknown } }[];
    validateScalarArgumentsInline(params.some((p) => p.kind === 'custom' && p.options?.arg !== undefined));
  }
  cached ??= buildSchema({
    resolvers,
    // class-validator with the options input-validation.ts states, after a pass that only tells valid input
    validateFn: validateArgument,
    pubSub: livePubSub,
    emitSchemaFile: false,
  }).then(wrapRootFields);
  return cached;
}
