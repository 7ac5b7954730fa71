import { GraphQLSchema } from 'graphql';
import { MiddlewareFn, NonEmptyArray, buildSchema } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver';
import { moduleResolvers } from '../modules';
import { auditService } from '../modules/audit/audit.service';
import { RequestContext } from './context';
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

let cached: Promise<GraphQLSchema> | undefined;

export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers,
    globalMiddlewares: [mutationSavepoint],
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
    emitSchemaFile: false,
  });
  return cached;
}
