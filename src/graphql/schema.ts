import { GraphQLSchema } from 'graphql';
import { MiddlewareFn, buildSchema } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver';
import { AssessmentResolver } from '../modules/assessment/assessment.resolver';
import { AuditResolver } from '../modules/audit/audit.resolver';
import { NoticeResolver } from '../modules/notice/notice.resolver';
import { ServiceRequestResolver } from '../modules/service-request/service-request.resolver';
import { FindingResolver, FollowUpCheckResolver, InspectionResolver, RectificationResolver, SupervisionTeamResolver } from '../modules/supervision/supervision.resolver';
import { auditService } from '../modules/audit/audit.service';
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
  AuditResolver,
  SupervisionTeamResolver,
  InspectionResolver,
  FindingResolver,
  FollowUpCheckResolver,
  RectificationResolver,
  ServiceRequestResolver,
  NoticeResolver,
  AssessmentResolver,
] as const;

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
