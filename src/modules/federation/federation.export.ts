import { RequestContext } from '../../graphql/context';
import { ExportFile } from '../report/exports';
import { addTable, newWorkbook, toBuffer } from '../report/xlsx';
import { federationGrantService } from './federation-grant.service';

const yes = (b: boolean | null | undefined) => (b === null || b === undefined ? '' : b ? '是' : '否');

/**
 * 下级单位汇总 (.xlsx): the superior's consolidated view from the same service call the API answers
 * with: one row per bureau (progress against the target, assessment and supervision totals), the
 * lagging bureaus, progress by category and by org (to each grant's depth), the mean scores on the
 * dimensions of the framework this tenant handed down (where a bureau adopted it), and the year-end figure.
 */
export async function federationOverviewExport(
  ctx: RequestContext,
  args: { campaignId?: string | null; year?: number | null; asOf?: string | null },
): Promise<ExportFile> {
  const view = await federationGrantService.overview(ctx, args);
  const workbook = newWorkbook('下级单位汇总', ctx.config.exportMaxBytes);
  const bureauRow = (b: (typeof view.bureaus)[number], i: number) => ({
    n: i + 1,
    name: b.tenant.name,
    slug: b.tenant.slug,
    campaign: b.progress?.campaignName ?? '',
    eligible: b.progress?.eligible ?? null,
    evaluated: b.progress?.evaluated ?? null,
    attained: b.progress?.attained ?? null,
    ratio: b.progress?.ratio ?? null,
    target: b.progress?.targetRatio ?? null,
    onTrack: yes(b.progress?.onTrack),
    basis: b.progress ? (b.progress.againstOurFramework ? '本单位下发的标准' : '下级单位自己的标准') : '',
    averageTotal: b.progress?.averageTotal ?? null,
    assessed: b.assessment?.assessed ?? null,
    average: b.assessment?.average ?? null,
    inspections: b.supervision?.inspections ?? null,
    findings: b.supervision?.findings ?? null,
    overdue: b.supervision?.overdueRectifications ?? null,
  });
  const bureauColumns = [
    { header: '序号', key: 'n', kind: 'int' as const },
    { header: '下级单位', key: 'name' },
    { header: '简称', key: 'slug' },
    { header: '创建活动', key: 'campaign', maxWidth: 40 },
    { header: '应创建数', key: 'eligible', kind: 'int' as const },
    { header: '已评价数', key: 'evaluated', kind: 'int' as const },
    { header: '已建成数', key: 'attained', kind: 'int' as const },
    { header: '建成比例', key: 'ratio', kind: 'ratio' as const },
    { header: '目标比例', key: 'target', kind: 'ratio' as const },
    { header: '达到目标', key: 'onTrack' },
    { header: '计算依据', key: 'basis' },
    { header: '按本单位标准的平均分', key: 'averageTotal', kind: 'number' as const },
    { header: '考核组织数', key: 'assessed', kind: 'int' as const },
    { header: '考核平均分', key: 'average', kind: 'number' as const },
    { header: '督查记录数', key: 'inspections', kind: 'int' as const },
    { header: '问题数', key: 'findings', kind: 'int' as const },
    { header: '逾期整改数', key: 'overdue', kind: 'int' as const },
  ];
  addTable(workbook, '各单位汇总', bureauColumns, view.bureaus.map(bureauRow));
  addTable(workbook, '落后单位', bureauColumns, view.lagging.map(bureauRow));
  addTable(
    workbook,
    '分类进度',
    [
      { header: '下级单位', key: 'name' },
      { header: '组织类别', key: 'category' },
      { header: '应创建数', key: 'eligible', kind: 'int' },
      { header: '已评价数', key: 'evaluated', kind: 'int' },
      { header: '已建成数', key: 'attained', kind: 'int' },
      { header: '建成比例', key: 'ratio', kind: 'ratio' },
    ],
    view.bureaus.flatMap((b) => (b.progress?.byCategory ?? []).map((c) => ({ ...c, name: b.tenant.name, category: c.categoryLabel }))),
  );
  addTable(
    workbook,
    '组织进度',
    [
      { header: '下级单位', key: 'name' },
      { header: '层级', key: 'depth', kind: 'int' },
      { header: '组织', key: 'org', maxWidth: 60 },
      { header: '应创建数', key: 'eligible', kind: 'int' },
      { header: '已评价数', key: 'evaluated', kind: 'int' },
      { header: '已建成数', key: 'attained', kind: 'int' },
      { header: '建成比例', key: 'ratio', kind: 'ratio' },
    ],
    view.bureaus.flatMap((b) =>
      (b.progress?.byOrg ?? []).map((o) => ({
        name: b.tenant.name,
        depth: o.depth,
        org: o.path.join(' / '),
        eligible: o.eligible,
        evaluated: o.evaluated,
        attained: o.attained,
        ratio: o.ratio,
      })),
    ),
  );
  addTable(
    workbook,
    '标准各维度',
    [
      { header: '下级单位', key: 'name' },
      { header: '维度代码', key: 'code' },
      { header: '维度', key: 'title', maxWidth: 40 },
      { header: '已考评组织数', key: 'evaluated', kind: 'int' },
      { header: '平均得分', key: 'average', kind: 'number' },
      { header: '满分', key: 'maxPoints', kind: 'number' },
    ],
    view.bureaus.flatMap((b) => (b.progress?.items ?? []).map((i) => ({ ...i, name: b.tenant.name }))),
  );
  const y = view.yearEnd;
  addTable(
    workbook,
    '年终数字',
    [
      { header: '项目', key: 'item' },
      { header: '数值', key: 'value', kind: 'number' },
      { header: '说明', key: 'note', maxWidth: 40 },
    ],
    [
      { item: '统计日期', value: null, note: view.asOf },
      { item: '年度', value: y.year, note: '' },
      { item: '应创建数（合计）', value: y.eligible, note: '' },
      { item: '已建成数（合计）', value: y.attained, note: '' },
      { item: '建成比例（合计）', value: y.ratio, note: '' },
      { item: '年底目标比例', value: y.targetRatio, note: view.targetCampaignName ?? '' },
      { item: '达到年底目标', value: null, note: yes(y.onTrack) },
      { item: '达到目标的单位数', value: y.bureausOnTrack, note: '' },
      { item: '未达到目标的单位数', value: y.bureausLagging, note: '' },
      { item: '参加考核的组织数', value: y.assessed, note: '' },
      { item: '考核平均分', value: y.averageAssessment, note: '' },
      { item: '督查记录数', value: y.inspections, note: '' },
      { item: '问题数', value: y.findings, note: '' },
      { item: '逾期整改数', value: y.overdueRectifications, note: '' },
    ],
  );
  return { filename: `下级单位汇总-${view.asOf}.xlsx`, asciiName: 'federation-overview.xlsx', buffer: await toBuffer(workbook) };
}
