import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { Campaign, CampaignDeadline, CampaignPhase, CampaignTarget, DeadlineSubmission, DeadlineSubmissionEvent } from './campaign.entity';
import {
  CampaignDeadlineResolver,
  CampaignProgressResolver,
  CampaignResolver,
  CampaignResultResolver,
  DeadlineSubmissionResolver,
} from './campaign.resolver';
import { rawIdOf } from '../../graphql/relay';
import { campaignService, campaignsStatement } from './campaign.service';
import { progressSweeps } from './progress.sweeps';

registerAttachable(
  'DeadlineSubmission',
  visibleThrough((ctx, id) => campaignService.findSubmission(ctx, id)),
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
  // campaign(id:) reads the campaign through its loader first: that statement goes with the opening round trip
  readAhead: {
    campaign: (tx, tenantId, args) => {
      const id = rawIdOf('Campaign', args.id);
      return id ? campaignsStatement(tx, tenantId, [id]) : null;
    },
  },
} satisfies DomainModule;
