import { RequestContext, loadViewer, requireUser } from '../../graphql/context';
import { campaignService } from '../campaign/campaign.service';
import { evaluationService } from '../evaluation/evaluation.service';
import { demoPdf, uploadDemoFile } from '../file/file.seed';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind, ScoringType } from '../framework/pass-rule';
import { DomainModule } from '../domain-module';
import { prefillService } from './prefill.service';

const fullMarks = (c: { scoringType: ScoringType | null; maxScore: number | null; target: number | null }) =>
  c.scoringType === ScoringType.BOOLEAN
    ? 1
    : c.scoringType === ScoringType.PERCENT
      ? 90
      : c.scoringType === ScoringType.COUNT
        ? (c.target ?? 0)
        : c.scoringType === ScoringType.DEDUCTION
          ? 0
          : (c.maxScore ?? 0);

/**
 * jtj: 第一车队党支部's secretary does the branch's 自查 the way the platform means it: prefill first (the
 * criteria bound to records are counted, not typed), then the rest by hand with evidence files, and
 * submits, so the demo holds a self-check with its figures' sources and produces its 自查报告.
 */
export const seedPrefill: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'jtj') return;
  const admin = requireUser(ctx);
  const [secretary] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'secretary'`, [
    admin.tenantId,
  ]);
  const [branch] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = $1 AND name = '第一车队党支部'`, [
    admin.tenantId,
  ]);
  if (!secretary || !branch) return;
  await loadViewer(ctx, { kind: 'user', sub: secretary.id, tid: admin.tenantId });
  try {
    await selfCheck(ctx, demo.campaignId, branch.id);
  } finally {
    ctx.viewer = admin;
    ctx.forget('file.visible');
  }
};

async function selfCheck(ctx: RequestContext, campaignId: string, orgId: string) {
  const campaign = await campaignService.getOrThrow(ctx, campaignId);
  const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
  const leaves = criteria.filter((c) => !criteria.some((k) => k.parentId === c.id) && !c.isBonus);
  const started = await evaluationService.start(ctx, { campaignId, orgId, kind: EvaluationKind.SELF });
  const prefilled = await prefillService.prefill(ctx, { evaluationId: started.id, expectedVersion: started.version });
  const scored = await evaluationService.scoreRows(ctx, started.id);
  const scores = await Promise.all(
    leaves
      .filter((c) => !scored.has(c.id))
      .map(async (c) => ({
        criterionId: c.id,
        value: fullMarks(c),
        evidence: `台帐-${c.code}`,
        files: c.evidenceRequired
          ? { attach: [await uploadDemoFile(ctx, `${c.code}自查佐证.pdf`, demoPdf(`${c.code} ${c.title} 自查佐证`))] }
          : undefined,
      })),
  );
  const saved = await evaluationService.saveScores(ctx, { evaluationId: started.id, expectedVersion: prefilled.version, scores });
  await evaluationService.submit(ctx, { evaluationId: started.id, expectedVersion: saved.version });
}
