import { PlatformOperator, RefreshToken } from '../auth/auth.entities';
import { AssessmentRule } from '../modules/assessment/assessment.entity';
import { AuditEntry } from '../modules/audit/audit.entity';
import { Notice } from '../modules/notice/notice.entity';
import { ServiceRequest } from '../modules/service-request/service-request.entity';
import { Finding, FollowUpCheck, Inspection, Rectification, SupervisionTeam } from '../modules/supervision/supervision.entity';
import { Campaign, CampaignDeadline, CampaignPhase, CampaignTarget, DeadlineSubmission } from '../modules/campaign/campaign.entity';
import { CampaignResult, Evaluation, EvaluationScoreRow } from '../modules/evaluation/evaluation.entity';
import { Criterion, Framework, FrameworkVersion } from '../modules/framework/framework.entity';
import { Org } from '../modules/org/org.entity';
import { Tenant } from '../modules/tenant/tenant.entity';
import { RoleAssignment, User } from '../modules/user/user.entity';

export const entities = [Tenant, PlatformOperator, Org, User, RoleAssignment, RefreshToken, Framework, FrameworkVersion, Criterion,
  Campaign, CampaignPhase, CampaignDeadline, CampaignTarget, DeadlineSubmission, Evaluation, EvaluationScoreRow, CampaignResult, AuditEntry,
  SupervisionTeam, Inspection, Finding, FollowUpCheck, Rectification, ServiceRequest, Notice, AssessmentRule];
