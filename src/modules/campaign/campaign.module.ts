import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { campaignError } from './campaign.errors';
import { Campaign, CampaignDeadline, CampaignPhase, CampaignTarget, DeadlineSubmission, DeadlineSubmissionEvent } from './campaign.entity';
import {
  CampaignDeadlineResolver,
  CampaignProgressResolver,
  CampaignResolver,
  CampaignResultResolver,
  DeadlineSubmissionResolver,
} from './campaign.resolver';
import { acceptedPageSize, rawIdOf } from '../../graphql/relay';
import { campaignService, campaignsStatement, laggingWholeStatement } from './campaign.service';
import { progressCounts } from './progress-counts';
import { progressSweeps } from './progress.sweeps';

registerAttachable(
  'DeadlineSubmission',
  visibleThrough((ctx, id) => campaignService.findSubmission(ctx, id), {
    entity: DeadlineSubmission,
    gone: () => campaignError('SUBMISSION_NOT_FOUND'),
  }),
);

export default {
  name: 'campaign',
  resolvers: [CampaignResolver, CampaignProgressResolver, CampaignDeadlineResolver, DeadlineSubmissionResolver, CampaignResultResolver],
  entities: [Campaign, CampaignPhase, CampaignDeadline, CampaignTarget, DeadlineSubmission, DeadlineSubmissionEvent],
  nodes: {
    Campaign: (ctx, id) => campaignService.findById(ctx, id),
    CampaignDeadline: (ctx, id) => campaignService.findDeadline(ctx, id),
    DeadlineSubmission: (ctx, id) => campaignService.findSubmission(ctx, id),
  },
  sweeps: progressSweeps,
  // campaign(id:) reads the campaign through its loader first, and its progress over the campaign's whole
  // scope today (no `under`, no `asOf`) its counts, then the lagging list's first page: those statements go
  // with the opening round trip. A viewer whose scope is a subtree reads other statements (these go unused).
  readAhead: {
    campaign: (tx, tenantId, args, field) => {
      const id = rawIdOf('Campaign', args.id);
      if (!id) return null;
      const ahead = [campaignsStatement(tx, tenantId, [id])];
      const progress = field.field('progress');
      if (!progress || progress.args.under != null || progress.args.asOf != null) return ahead;
      ahead.push(progressCounts.rootAndChildrenStatement(tx, tenantId, id, null));
      const lagging = progress.field('lagging');
      // only a page size the field accepts: a statement read ahead must not fail
      const first = lagging && lagging.args.after == null ? acceptedPageSize(lagging.args.first) : null;
      if (first !== null) ahead.push(laggingWholeStatement(tx, tenantId, id, first + 1));
      return ahead;
    },
  },
} satisfies DomainModule;
