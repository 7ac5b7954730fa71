import { GraphQLSchema } from 'graphql';
import { MiddlewareFn, NonEmptyArray, buildSchema } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver';
import { moduleResolvers } from '../modules';
import { auditService } from '../modules/audit/audit.service';
import { RequestContext } from './context';
import { badInput } from './errors';
import { NodeResolver } from './node.resolver';

/** The core resolvers, then every domain module's (src/modules/<name>/<name>.module.ts). */
export const resolvers = [NodeResolver, AuthResolver, ...moduleResolvers] as unknown as NonEmptyArray<Function>;

/**
 * Each top-level mutation field runs in its own savepoint, so a refused one leaves no trace, and a
 * successful one leaves an audit entry (who, when, what, which record) in the same transaction.
 */
const mutationSavepoint: MiddlewareFn<RequestContext> = ({ info, context, args }, next) => {
  if (info.parentType.name !== 'Mutation' || info.path.prev) return next();
  return context.tx.inSavepoint(async () => {
    const result = await next();
    await auditService.record(context, info.fieldName, args, result);
    return result;
  });
};

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

const refuseNul: MiddlewareFn<RequestContext> = ({ info, args }, next) => {
  if (!info.path.prev) {
    const field = findNul(args, '');
    if (field) throw badInput(field, `${field} must not contain NUL characters`, 'NUL_CHARACTER');
  }
  return next();
};

let cached: Promise<GraphQLSchema> | undefined;

export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers,
    globalMiddlewares: [refuseNul, mutationSavepoint],
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
    emitSchemaFile: false,
  });
  return cached;
}
