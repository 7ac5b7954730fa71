import { PlatformOperator, RefreshToken } from '../auth/auth.entities';
import { Campaign, CampaignDeadline, CampaignPhase, CampaignTarget, DeadlineSubmission } from '../modules/campaign/campaign.entity';
import { CampaignResult, Evaluation, EvaluationScoreRow } from '../modules/evaluation/evaluation.entity';
import { Criterion, Framework, FrameworkVersion } from '../modules/framework/framework.entity';
import { Org } from '../modules/org/org.entity';
import { Tenant } from '../modules/tenant/tenant.entity';
import { RoleAssignment, User } from '../modules/user/user.entity';

export const entities = [Tenant, PlatformOperator, Org, User, RoleAssignment, RefreshToken, Framework, FrameworkVersion, Criterion,
  Campaign, CampaignPhase, CampaignDeadline, CampaignTarget, DeadlineSubmission, Evaluation, EvaluationScoreRow, CampaignResult];
