import { RequestContext, loadViewer, requireUser } from '../../graphql/context';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { evaluationService } from '../evaluation/evaluation.service';
import { PHOTO, demoPdf, uploadDemoFile } from '../file/file.seed';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind, ScoringType } from '../framework/pass-rule';
import { noticeService } from '../notice/notice.service';
import { prefillService } from '../prefill/prefill.service';
import { NoticeKind } from '../notice/notice.entity';
import { serviceRequestService } from '../service-request/service-request.service';
import { FindingSeverity, InspectionMethod } from './supervision.entity';
import { supervisionService } from './supervision.service';

const fullMarks = (c: { scoringType: ScoringType | null; maxScore: number | null; target: number | null }) =>
  c.scoringType === ScoringType.BOOLEAN
    ? 1
    : c.scoringType === ScoringType.PERCENT
      ? 100
      : c.scoringType === ScoringType.COUNT
        ? (c.target ?? 0)
        : c.scoringType === ScoringType.DEDUCTION
          ? 0
          : (c.maxScore ?? 0);

/**
 * A lived-in demo for 市交通运输局: a superior review accepted, a plan submitted, a finalized
 * inspection with a rectification order, a criticism notice and a service request, so that a newcomer
 * finds every kind of record in GraphiQL. Runs as the tenant admin, through the services.
 */
export async function seedSupervisionDemo(
  ctx: RequestContext,
  demo: { slug: string; campaignId: string; rootOrgId: string },
): Promise<void> {
  if (demo.slug !== 'jtj') return;
  const byName = async (name: string) => {
    const [org] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND name = $1`, [name]);
    return org.id;
  };
  const userNamed = async (username: string) => {
    const [user] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = app_tenant_id() AND username = $1`, [
      username,
    ]);
    return user.id;
  };
  const branch = await byName('第二车队党支部');
  const campaign = await campaignService.getOrThrow(ctx, demo.campaignId);
  const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
  const leaves = criteria.filter((c) => !criteria.some((k) => k.parentId === c.id) && !c.isBonus);

  const started = await evaluationService.start(ctx, { campaignId: campaign.id, orgId: branch, kind: EvaluationKind.SUPERIOR });
  // 一次录入 first: the bound criteria are counted from the branch's records (none of its people is paired yet,
  // so 结对帮扶 counts 0); the reviewer then scores every item by hand, correcting that figure from what the
  // visit found (the computed 0 stays beside the corrected value, `corrected: true`)
  const evaluation = await prefillService.prefill(ctx, { evaluationId: started.id, expectedVersion: started.version });
  // the first criterion that asks for evidence carries the file it was judged by
  const withFile = leaves.find((c) => c.evidenceRequired);
  const scores = await Promise.all(
    leaves.map(async (c) => ({
      criterionId: c.id,
      value: c.code === 'Q8.5' ? 85 : fullMarks(c),
      evidence: `台帐-${c.code}`,
      files: c === withFile ? { attach: [await uploadDemoFile(ctx, `${c.code}佐证材料.pdf`, demoPdf(`${c.code} ${c.title}`))] } : undefined,
    })),
  );
  const saved = await evaluationService.saveScores(ctx, { evaluationId: evaluation.id, expectedVersion: evaluation.version, scores });
  await evaluationService.submit(ctx, { evaluationId: evaluation.id, expectedVersion: saved.version });

  const [deadline] = await campaignService.deadlines(ctx, campaign);
  await campaignService.submit(
    ctx,
    {
      deadlineId: deadline.id,
      orgId: await byName('市公交集团党委'),
      text: '市公交集团党委“四强四有”创建工作方案',
      attachmentRef: 'file:gjjt-plan.docx',
      submittedAt: new Date('2013-05-15T09:00:00+08:00'),
    },
    { attach: [await uploadDemoFile(ctx, '市公交集团党委创建工作方案.pdf', demoPdf('市公交集团党委“四强四有”创建工作方案'))] },
  );

  const {
    nodes: [team],
  } = await supervisionService.teams(ctx, 1);
  const inspector = await userNamed('inspector');
  // The inspection is the inspector's own record: record and finalize it as the inspector.
  const admin = requireUser(ctx);
  await loadViewer(ctx, { kind: 'user', sub: inspector, tid: admin.tenantId });
  const today = toDateString(new Date());
  const inspection = await supervisionService.record(ctx, {
    idempotencyKey: 'demo-inspection-0001',
    teamId: team.id,
    orgId: branch,
    campaignId: campaign.id,
    inspectedOn: today,
    methods: [InspectionMethod.BRIEFING, InspectionMethod.LEDGER_REVIEW, InspectionMethod.PUBLIC_VISIT],
    summary: '听取支部书记汇报，查阅管理台帐，走访乘客和群众15人。',
    // the record's evidence: the visit's notes and a photo of what it found; both enter the record chain
    fileIds: [await uploadDemoFile(ctx, '督查座谈记录.pdf', demoPdf('第二车队党支部督查座谈记录'))],
    findings: [
      {
        severity: FindingSeverity.MODERATE,
        description: '党员示范岗标识不统一',
        rectifyOrgId: branch,
        rectifyDueOn: toDateString(new Date(Date.now() + 30 * 86400_000)),
        fileIds: [await uploadDemoFile(ctx, '示范岗标识现场照片.png', PHOTO)],
      },
      { severity: FindingSeverity.MINOR, description: '民意收集台帐记录不完整' },
    ],
  });
  await supervisionService.finalize(ctx, inspection.id);
  ctx.viewer = admin;

  const notice = await noticeService.create(ctx, {
    kind: NoticeKind.CRITICISM,
    title: '关于第二车队党支部督导问题的通报',
    body: '督导组检查发现党员示范岗标识不统一，请限期整改。',
    subjectOrgIds: [branch],
    recipientOrgIds: [await byName('市公交集团党委')],
    inspectionIds: [inspection.id],
  });
  await noticeService.issue(ctx, notice.id, today);
  const secretary = await userNamed('secretary');
  await loadViewer(ctx, { kind: 'user', sub: secretary, tid: admin.tenantId });
  await serviceRequestService.raise(ctx, {
    fromOrgId: await byName('第一车队党支部'),
    title: '请求协调党员活动场地',
    description: '车队党支部缺少固定的党员活动室，请集团党委协调。',
  });
  ctx.viewer = admin;
}
