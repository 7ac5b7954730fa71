import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { campaignService } from '../modules/campaign/campaign.service';
import { evaluationService } from '../modules/evaluation/evaluation.service';
import { frameworkService } from '../modules/framework/framework.service';
import { noticeService } from '../modules/notice/notice.service';
import { orgService } from '../modules/org/org.service';
import { serviceRequestService } from '../modules/service-request/service-request.service';
import { rectificationService } from '../modules/supervision/rectification.service';
import { supervisionService } from '../modules/supervision/supervision.service';
import { tenantService } from '../modules/tenant/tenant.service';
import { userService } from '../modules/user/user.service';
import { RequestContext } from './context';
import { badInput } from './errors';
import { decodeGlobalId, Node } from './relay';

type Fetcher = (ctx: RequestContext, id: string) => Promise<object | null>;

/** Every Node type and how to load one instance of it within the viewer's reach. */
const fetchers: Record<string, Fetcher> = {
  Org: (ctx, id) => orgService.findById(ctx, id),
  User: (ctx, id) => userService.findById(ctx, id),
  Tenant: (ctx, id) => tenantService.findById(ctx, id),
  Framework: (ctx, id) => frameworkService.findFramework(ctx, id),
  FrameworkVersion: (ctx, id) => frameworkService.findVersion(ctx, id),
  Criterion: (ctx, id) => frameworkService.findCriterion(ctx, id),
  Campaign: (ctx, id) => campaignService.findById(ctx, id),
  CampaignDeadline: (ctx, id) => campaignService.findDeadline(ctx, id),
  DeadlineSubmission: (ctx, id) => campaignService.findSubmission(ctx, id),
  RoleAssignment: (ctx, id) => userService.findAssignment(ctx, id),
  Evaluation: (ctx, id) => evaluationService.findById(ctx, id),
  SupervisionTeam: (ctx, id) => supervisionService.findTeam(ctx, id),
  Inspection: (ctx, id) => supervisionService.findInspection(ctx, id),
  Finding: (ctx, id) => supervisionService.findFinding(ctx, id),
  Rectification: (ctx, id) => rectificationService.find(ctx, id),
  ServiceRequest: (ctx, id) => serviceRequestService.find(ctx, id),
  Notice: (ctx, id) => noticeService.find(ctx, id),
};

export function registerNodeType(type: string, fetcher: Fetcher): void {
  fetchers[type] = fetcher;
}

async function fetchNode(ctx: RequestContext, globalId: string): Promise<object | null> {
  const decoded = decodeGlobalId(globalId);
  const fetcher = decoded && fetchers[decoded.type];
  if (!decoded || !fetcher || !ctx.viewer) return null;
  // Operators see tenants, never what is inside them.
  if (ctx.viewer.kind === 'operator' && decoded.type !== 'Tenant') return null;
  return fetcher(ctx, decoded.id);
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global ID; null when unknown or out of reach.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<object | null> {
    return fetchNode(ctx, id);
  }

  @Query(() => [Node], { nullable: 'items', description: 'Up to 100 objects by global ID, in order; null for each unknown one.' })
  async nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: RequestContext): Promise<(object | null)[]> {
    if (ids.length > 100) throw badInput('ids', 'At most 100 ids at once');
    return Promise.all(ids.map((id) => fetchNode(ctx, id)));
  }
}
