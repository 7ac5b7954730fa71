import { GraphQLSchema } from 'graphql';
import { MiddlewareFn, buildSchema } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver';
import { CampaignDeadlineResolver, CampaignProgressResolver, CampaignResolver, CampaignResultResolver, DeadlineSubmissionResolver } from '../modules/campaign/campaign.resolver';
import { EvaluationResolver, OrgCampaignResolver } from '../modules/evaluation/evaluation.resolver';
import { CriterionResolver, FrameworkResolver, FrameworkVersionResolver } from '../modules/framework/framework.resolver';
import { OrgResolver } from '../modules/org/org.resolver';
import { TenantResolver } from '../modules/tenant/tenant.resolver';
import { RoleAssignmentResolver, UserResolver } from '../modules/user/user.resolver';
import { RequestContext } from './context';
import { NodeResolver } from './node.resolver';

export const resolvers = [
  NodeResolver,
  AuthResolver,
  TenantResolver,
  OrgResolver,
  UserResolver,
  RoleAssignmentResolver,
  FrameworkResolver,
  FrameworkVersionResolver,
  CriterionResolver,
  CampaignResolver,
  CampaignProgressResolver,
  CampaignDeadlineResolver,
  DeadlineSubmissionResolver,
  CampaignResultResolver,
  EvaluationResolver,
  OrgCampaignResolver,
] as const;

/** Each top-level mutation field runs in its own savepoint: a refused one leaves no trace. */
const mutationSavepoint: MiddlewareFn<RequestContext> = ({ info, context }, next) =>
  info.parentType.name === 'Mutation' && !info.path.prev ? context.tx.inSavepoint(next) : next();

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
