import { assessmentService } from '../assessment/assessment.service';
import { DomainModule } from '../domain-module';
import { tenantToday } from '../link-code/public';
import { FindingSeverity } from '../supervision/supervision.entity';
import { tenantService } from '../tenant/tenant.service';

/** The issuing organ each demo tenant's documents carry (发文机关标志, 署名, 发文机关代字). */
const ORGANS: Record<string, { documentIssuer: string; documentCode: string }> = {
  jtj: { documentIssuer: '中共市交通运输局委员会', documentCode: '交党' },
  szjg: { documentIssuer: '中共市直机关工作委员会', documentCode: '市直工委' },
};

/**
 * Each demo tenant names its issuing organ and sets this year's 年度党建目标考核 rule on its campaign,
 * so that every document (通报, 简报, 督查报告, 考核结果, 自查报告, 实施方案) can be produced from the demo.
 */
export const seedDocuments: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  const organ = ORGANS[demo.slug];
  if (organ) await tenantService.updateSettings(ctx, organ);
  const year = Number((await tenantToday(ctx)).slice(0, 4));
  await assessmentService.setRule(ctx, year, demo.campaignId, {
    campaignShare: 0.6,
    base: 100,
    findingPoints: [
      { severity: FindingSeverity.MINOR, points: 1 },
      { severity: FindingSeverity.MODERATE, points: 2 },
      { severity: FindingSeverity.SERIOUS, points: 5 },
      { severity: FindingSeverity.CRITICAL, points: 10 },
    ],
    overdueRectificationPoints: 2,
    criticismPoints: 3,
    commendationPoints: 2,
  });
};
