import { RequestContext, requireUser } from '../../graphql/context';
import { assessmentService } from '../assessment/assessment.service';
import { Campaign } from '../campaign/campaign.entity';
import { ProgressCounts, campaignService } from '../campaign/campaign.service';
import { ledgerCategoryLabels } from '../ledger/ledger.entity';
import { LedgerFilter, ledgerService, tenantToday } from '../ledger/ledger.service';
import { Org, orgCategoryLabels, orgKindLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { rectificationService } from '../supervision/rectification.service';
import {
  Inspection,
  SupervisionTeam,
  findingSeverityLabels,
  inspectionMethodLabels,
  rectificationStateLabels,
} from '../supervision/supervision.entity';
import { supervisionService } from '../supervision/supervision.service';
import { reportError } from './report.errors';
import { addTable, excelDate, newWorkbook, toBuffer } from './xlsx';

export interface ExportFile {
  filename: string;
  /** Plain ASCII name for clients that ignore filename*. */
  asciiName: string;
  buffer: Buffer;
}

/**
 * The most rows of one list in an export. Past it the export is refused with a reason telling what to
 * narrow (a lower org), never cut: a sheet that looks whole must be whole. (The ledger's bound,
 * MAX_LEDGER_EXPORT_ROWS, is the ledger service's; every export also holds EXPORT_MAX_BYTES.)
 */
export const MAX_LAGGING_ROWS = 5000;
export const MAX_ASSESSMENT_EXPORT_ROWS = 5000;

/** The same rounding as the API's CampaignProgress.ratio, so the sheet and the API agree to the digit. */
const ratio = (c: ProgressCounts) => (c.eligible ? Math.round((c.attained / c.eligible) * 10000) / 10000 : 0);

/** 管理台帐: every entry of one org, oldest first as a ledger reads. */
export async function ledgerExport(ctx: RequestContext, org: Org, filter: LedgerFilter): Promise<ExportFile> {
  const entries = await ledgerService.forExport(ctx, org, filter);
  const workbook = newWorkbook(`${org.name}管理台帐`, ctx.config.exportMaxBytes);
  addTable(
    workbook,
    '管理台帐',
    [
      { header: '序号', key: 'n', kind: 'int' },
      { header: '日期', key: 'occurredOn', kind: 'date', minWidth: 12 },
      { header: '类别', key: 'category' },
      { header: '标题', key: 'title', maxWidth: 40 },
      { header: '内容', key: 'content', kind: 'wrap', maxWidth: 60 },
      { header: '参加人数', key: 'participants', kind: 'int' },
      { header: '所属创建活动', key: 'campaign', maxWidth: 40 },
      { header: '附件', key: 'attachments', kind: 'wrap', maxWidth: 40 },
      { header: '记录人', key: 'author' },
    ],
    entries.map((e, i) => ({
      n: i + 1,
      occurredOn: excelDate(e.occurredOn),
      category: ledgerCategoryLabels[e.category],
      title: e.title,
      content: e.content,
      participants: e.participants,
      campaign: e.campaignName ?? '',
      attachments: e.attachmentRefs.join('\n'),
      author: e.authorName ?? '',
    })),
  );
  return { filename: `${org.name}-管理台帐.xlsx`, asciiName: 'ledger.xlsx', buffer: await toBuffer(workbook) };
}

/**
 * 创建进度: one row per direct child's subtree with eligible / evaluated / attained / ratio (as the
 * API's CampaignProgress.byChild), a total row, and a sheet of the lagging orgs (工作不力 candidates).
 */
export async function campaignProgressExport(
  ctx: RequestContext,
  campaign: Campaign,
  /** The subtree counted (campaignService.rollupScope). */
  scope: Org,
  asOf: string,
): Promise<ExportFile> {
  const [figures, laggingPage, version] = await Promise.all([
    campaignService.progress(ctx, campaign, scope, asOf),
    campaignService.laggingPage(ctx, campaign, scope, MAX_LAGGING_ROWS),
    campaignService.version(ctx, campaign),
  ]);
  if (laggingPage.hasNextPage)
    throw reportError('LAGGING_EXPORT_TOO_LARGE', {
      field: 'under',
      params: { org: scope.name, count: await laggingPage.totalCount(), limit: MAX_LAGGING_ROWS },
    });
  const lagging = laggingPage.nodes;
  const children = (await Promise.all(figures.byChild.map(async (c) => ({ ...c, org: await orgService.findById(ctx, c.orgId) }))))
    .filter((c): c is typeof c & { org: Org } => !!c.org)
    .sort((a, b) => a.org.path.localeCompare(b.org.path));
  const workbook = newWorkbook(`${campaign.name}创建进度`, ctx.config.exportMaxBytes);
  const columns = [
    { header: '组织', key: 'org', maxWidth: 40 },
    { header: '类型', key: 'kind' },
    { header: '应创建数', key: 'eligible', kind: 'int' as const },
    { header: '已评议数', key: 'evaluated', kind: 'int' as const },
    { header: '已建成数', key: 'attained', kind: 'int' as const },
    { header: '建成率', key: 'ratio', kind: 'ratio' as const },
  ];
  const sheet = addTable(workbook, '创建进度', columns, [
    ...children.map((c) => ({
      org: c.org.name,
      kind: orgKindLabels[c.org.kind],
      eligible: c.eligible,
      evaluated: c.evaluated,
      attained: c.attained,
      ratio: ratio(c),
    })),
    { org: '合计', kind: '', eligible: figures.eligible, evaluated: figures.evaluated, attained: figures.attained, ratio: ratio(figures) },
  ]);
  sheet.getRow(sheet.rowCount).font = { bold: true };
  const gradeLabel = (code: string | undefined) => (code ? (version.rule.grades.find((g) => g.code === code)?.label ?? code) : '');
  addTable(
    workbook,
    '工作不力单位',
    [
      { header: '序号', key: 'n', kind: 'int' },
      { header: '组织', key: 'org', maxWidth: 40 },
      { header: '上级组织', key: 'parent', maxWidth: 40 },
      { header: '类型', key: 'kind' },
      { header: '单位类别', key: 'category' },
      { header: '总分', key: 'total', kind: 'number' },
      { header: '等级', key: 'grade' },
      { header: '状态', key: 'status' },
    ],
    await Promise.all(
      lagging.map(async (l, i) => ({
        n: i + 1,
        org: l.org.name,
        parent: (await orgService.parent(ctx, l.org))?.name ?? '',
        kind: orgKindLabels[l.org.kind],
        category: orgCategoryLabels[l.org.category],
        total: l.result ? l.result.total : null,
        grade: gradeLabel(l.result?.grade),
        status: !l.result ? '未评议' : l.result.complete ? '未达标' : '评议未完成',
      })),
    ),
  );
  addTable(
    workbook,
    '说明',
    [
      { header: '项目', key: 'k' },
      { header: '内容', key: 'v', kind: 'wrap', maxWidth: 60 },
    ],
    [
      { k: '创建活动', v: campaign.name },
      { k: '统计范围', v: scope.name },
      { k: '统计日期', v: excelDate(asOf) },
      { k: '当前目标', v: figures.target ? `${figures.target.dueOn}前建成率达到${Math.round(figures.target.ratio * 100)}%` : '无' },
    ],
  ).getCell('B4').numFmt = 'yyyy-mm-dd';
  return {
    filename: `${campaign.name}-${scope.name}-创建进度-${asOf}.xlsx`,
    asciiName: `campaign-progress-${asOf}.xlsx`,
    buffer: await toBuffer(workbook),
  };
}

/** 年度党建目标考核: the orgs below `under` ranked, every component in its own column. */
export async function assessmentExport(ctx: RequestContext, under: Org, year: number): Promise<ExportFile> {
  const rows = await assessmentService.compute(ctx, year, { under }, MAX_ASSESSMENT_EXPORT_ROWS + 1);
  if (rows.length > MAX_ASSESSMENT_EXPORT_ROWS)
    throw reportError('ASSESSMENT_EXPORT_TOO_LARGE', { params: { org: under.name, limit: MAX_ASSESSMENT_EXPORT_ROWS } });
  const labels = rows[0]?.components.map((c) => ({ code: c.code, label: c.label })) ?? [
    { code: 'CAMPAIGN', label: '创建活动成绩' },
    { code: 'BASE', label: '基础分' },
    { code: 'FINDINGS', label: '督查问题扣分' },
    { code: 'OVERDUE_RECTIFICATIONS', label: '整改逾期扣分' },
    { code: 'CRITICISMS', label: '通报批评扣分' },
    { code: 'COMMENDATIONS', label: '通报表扬加分' },
  ];
  const workbook = newWorkbook(`${under.name}${year}年度党建目标考核`, ctx.config.exportMaxBytes);
  addTable(
    workbook,
    `${year}年度考核`,
    [
      { header: '名次', key: 'rank', kind: 'int' },
      { header: '组织', key: 'org', maxWidth: 40 },
      { header: '类型', key: 'kind' },
      { header: '总分', key: 'total', kind: 'number' },
      ...labels.map((l) => ({ header: l.label, key: l.code, kind: 'number' as const })),
      { header: '计分说明', key: 'detail', kind: 'wrap', maxWidth: 60 },
    ],
    rows.map((r) => ({
      rank: r.rank,
      org: r.org.name,
      kind: orgKindLabels[r.org.kind],
      total: r.total,
      ...Object.fromEntries(r.components.map((c) => [c.code, c.points || 0])), // no −0 in a sheet
      detail: r.components.map((c) => `${c.label}：${c.detail}`).join('；'),
    })),
  );
  return {
    filename: `${under.name}-${year}年度党建目标考核.xlsx`,
    asciiName: `annual-assessment-${year}.xlsx`,
    buffer: await toBuffer(workbook),
  };
}

/** 督查记录: the inspection's particulars, and its findings with the rectifications they ordered. */
export async function inspectionExport(ctx: RequestContext, inspection: Inspection): Promise<ExportFile> {
  const viewer = requireUser(ctx);
  const [org, team, findings] = await Promise.all([
    orgService.findById(ctx, inspection.orgId),
    ctx.tx.repository(SupervisionTeam).findOneBy({ tenantId: viewer.tenantId, id: inspection.teamId }),
    supervisionService.findings(ctx, inspection),
  ]);
  const today = await tenantToday(ctx);
  const rectifications = await Promise.all(findings.map((f) => rectificationService.byFinding(ctx, f)));
  const owners = await Promise.all(rectifications.map((r) => (r ? orgService.findById(ctx, r.ownerOrgId) : null)));
  const workbook = newWorkbook('督查记录', ctx.config.exportMaxBytes);
  const info = addTable(
    workbook,
    '督查记录',
    [
      { header: '项目', key: 'k' },
      { header: '内容', key: 'v', kind: 'wrap', maxWidth: 70 },
    ],
    [
      { k: '督查对象', v: org?.name ?? '' },
      { k: '督导组', v: team?.name ?? '' },
      { k: '督查日期', v: excelDate(inspection.inspectedOn) },
      { k: '督查方式', v: inspection.methods.map((m) => inspectionMethodLabels[m]).join('、') },
      { k: '情况摘要', v: inspection.summary },
      { k: '状态', v: inspection.state === 'FINALIZED' ? '已定稿' : '草稿' },
      { k: '问题数', v: findings.filter((f) => !f.withdrawnReason).length },
      { k: '记录哈希', v: inspection.recordHash ?? '' },
    ],
  );
  info.getCell('B4').numFmt = 'yyyy-mm-dd';
  addTable(
    workbook,
    '问题清单',
    [
      { header: '序号', key: 'n', kind: 'int' },
      { header: '严重程度', key: 'severity' },
      { header: '问题描述', key: 'description', kind: 'wrap', maxWidth: 60 },
      { header: '整改单位', key: 'owner', maxWidth: 40 },
      { header: '整改期限', key: 'due', kind: 'date', minWidth: 12 },
      { header: '整改状态', key: 'state' },
      { header: '是否逾期', key: 'overdue' },
    ],
    findings.map((f, i) => {
      const r = rectifications[i];
      return {
        n: f.position + 1,
        severity: findingSeverityLabels[f.severity],
        description: f.withdrawnReason ? `${f.description}（已撤回：${f.withdrawnReason}）` : f.description,
        owner: owners[i]?.name ?? '',
        due: excelDate(r?.dueOn ?? f.rectifyDueOn),
        state: r ? rectificationStateLabels[r.state] : f.rectifyOrgId ? '定稿后下达' : '无需整改',
        overdue: r ? (rectificationService.isOverdue(r, today) ? '是' : '否') : '',
      };
    }),
  );
  return {
    filename: `督查记录-${org?.name ?? ''}-${inspection.inspectedOn}.xlsx`,
    asciiName: `inspection-${inspection.inspectedOn}.xlsx`,
    buffer: await toBuffer(workbook),
  };
}

export function parseYear(raw: unknown): number {
  const year = Number(raw);
  if (typeof raw !== 'string' || !/^\d{4}$/.test(raw) || year < 2000 || year > 2100) throw reportError('EXPORT_YEAR_INVALID', 'year');
  return year;
}

export function parseDay(raw: unknown, field: string): string | null {
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`)))
    throw reportError('EXPORT_DATE_INVALID', { field, params: { field } });
  return raw;
}
