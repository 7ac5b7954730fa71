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
import { campaignService } from './campaign.service';
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
} satisfies DomainModule;
