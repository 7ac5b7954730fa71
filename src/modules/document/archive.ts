import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { RequestContext, requireUser } from '../../graphql/context';
import { AppError } from '../../graphql/errors';
import { assessmentService } from '../assessment/assessment.service';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { evaluationStateLabels } from '../evaluation/evaluation.entity';
import { evaluationService } from '../evaluation/evaluation.service';
import { File } from '../file/file.entity';
import { sizeText } from '../file/file.errors';
import { fileService } from '../file/file.service';
import { FileStorage } from '../file/file.storage';
import { EvaluationKind, evaluationKindLabels } from '../framework/pass-rule';
import { Briefing, briefingStateLabels, ledgerCategoryLabels } from '../ledger/ledger.entity';
import { briefingService, ledgerService } from '../ledger/ledger.service';
import { NoticeState } from '../notice/notice.entity';
import { noticeService } from '../notice/notice.service';
import { Org } from '../org/org.entity';
import { ledgerExport } from '../report/exports';
import { addTable, excelDate, newWorkbook, toBuffer } from '../report/xlsx';
import { rectificationService } from '../supervision/rectification.service';
import { Inspection, inspectionStateLabels, rectificationStateLabels } from '../supervision/supervision.entity';
import { supervisionService } from '../supervision/supervision.service';
import { documentError } from './document.errors';
import {
  BuiltDocument,
  assessmentDocument,
  briefingDocument,
  inspectionDocument,
  noticeDocument,
  planDocument,
  selfCheckDocument,
} from './documents';
import { renderOfficialDocument } from './gbt9704';

/**
 * 台帐归档: an org's records of one year as one .zip, what a superior asks for at year end: the ledger
 * (a sheet and every entry's evidence files), its briefings, its evaluations with their evidence files,
 * the inspections of it with their findings, rectifications and files, and the official documents
 * built from them, with an index sheet (索引.xlsx) listing every part. Everything is read through the
 * services the API uses, as the viewer, so the archive holds exactly what the viewer may read; file
 * bytes are streamed from storage one file at a time after the read transaction has closed.
 */

/** Bounds of one archive: the files' bytes, and the parts. */
export const MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024;
export const MAX_ARCHIVE_PARTS = 5000;

/** One line of the index, and the part of the zip it names. */
interface Part {
  category: string;
  day: string | null;
  title: string;
  path: string;
  /** A stored file (streamed later) or a document to render. */
  file?: File;
  build?: BuiltDocument;
  buffer?: Buffer;
}

export interface ArchivePlan {
  filename: string;
  asciiName: string;
  parts: Part[];
}

/** A name usable as one segment of a path in the zip (no separators, no control characters, bounded). */
function segment(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').trim();
  return [...clean].slice(0, 80).join('') || '未命名';
}

class Paths {
  private readonly used = new Set<string>();
  /** A unique path: `dir/name`, numbered (2), (3) … when taken. */
  take(dir: string, name: string): string {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let path = `${dir}/${segment(stem)}${ext}`;
    for (let n = 2; this.used.has(path); n++) path = `${dir}/${segment(stem)}（${n}）${ext}`;
    this.used.add(path);
    return path;
  }
}

const inYear = (day: string | null | undefined, year: number) => !!day && Number(day.slice(0, 4)) === year;

/** Every page of a keyset list, to `limit` rows. */
async function all<T>(
  page: (first: number, after?: string) => Promise<{ nodes: T[]; hasNextPage: boolean; cursorOf: (t: T) => string }>,
  limit = MAX_ARCHIVE_PARTS,
) {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const p = await page(100, after);
    out.push(...p.nodes);
    if (!p.hasNextPage || !p.nodes.length || out.length >= limit) return out;
    after = p.cursorOf(p.nodes[p.nodes.length - 1]);
  }
}

/** What goes into an org's archive for a year (read in the request's transaction, as the viewer). */
export async function planArchive(ctx: RequestContext, org: Org, year: number): Promise<ArchivePlan> {
  const viewer = requireUser(ctx);
  const paths = new Paths();
  const parts: Part[] = [];
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const addFiles = (category: string, dir: string, day: string | null, files: File[]) => {
    for (const file of files) parts.push({ category, day, title: file.name, path: paths.take(dir, file.name), file });
  };

  // 一、管理台帐: the sheet the ledger export writes, and each entry's files
  const entries = await ledgerService.forExport(ctx, org, { from, to });
  const ledger = await ledgerExport(ctx, org, { from, to });
  parts.push({
    category: '管理台帐',
    day: null,
    title: `${org.name}${year}年管理台帐（${entries.length}条）`,
    path: paths.take('01-管理台帐', `${year}年管理台帐.xlsx`),
    buffer: ledger.buffer,
  });
  // every entry's files in one statement (the loader's batch), not one per entry
  const entryFiles = await Promise.all(entries.map((entry) => fileService.attachedTo(ctx, 'LedgerEntry', entry.id)));
  for (const [i, entry] of entries.entries()) {
    const files = entryFiles[i];
    addFiles(
      `管理台帐·${ledgerCategoryLabels[entry.category]}`,
      `01-管理台帐/${segment(`${entry.occurredOn}-${entry.title}`)}`,
      entry.occurredOn,
      files,
    );
  }

  // 二、简报: the org's own briefings of the year (the published ones, and drafts only for their writers)
  const briefings = (
    await all<Briefing>(async (first, after) => {
      const page = await briefingService.list(ctx, org, null, first, after);
      return { nodes: page.nodes, hasNextPage: page.hasNextPage, cursorOf: page.cursorOf };
    })
  ).filter((b) => b.orgId === org.id && inYear(b.briefingOn, year));
  for (const b of briefings.reverse()) {
    const dir = `02-简报/${segment(`${b.briefingOn}-${b.title}`)}`;
    parts.push({
      category: `简报（${briefingStateLabels[b.state]}）`,
      day: b.briefingOn,
      title: b.title,
      path: paths.take(dir, `${b.title}.docx`),
      build: await briefingDocument(ctx, b),
    });
    addFiles('简报附件', dir, b.briefingOn, await fileService.attachedTo(ctx, 'Briefing', b.id));
  }

  // 三、考评: the org's evaluations worked on that year (started, submitted or reviewed), each score's
  // evidence files, and its 自查报告 of each such campaign; the campaigns running that year or evaluated in it
  const campaigns: Campaign[] = [];
  for (const campaign of await all<Campaign>(async (first, after) => {
    const page = await campaignService.list(ctx, {}, first, after);
    return { nodes: page.nodes, hasNextPage: page.hasNextPage, cursorOf: page.cursorOf };
  })) {
    const evaluations = (await evaluationService.forOrg(ctx, campaign.id, org.id)).filter((e) =>
      [e.createdAt, e.submittedAt, e.reviewedAt].some((at) => at && inYear(toDateString(at), year)),
    );
    if (evaluations.length || (campaign.startsOn <= to && campaign.endsOn >= from)) campaigns.push(campaign);
    if (!evaluations.length) continue;
    const base = `03-考评/${segment(campaign.name)}`;
    for (const e of evaluations) {
      const view = await evaluationService.resultView(ctx, e);
      const dir = `${base}/${evaluationKindLabels[e.kind]}`;
      parts.push({
        category: `考评·${evaluationKindLabels[e.kind]}（${evaluationStateLabels[e.state]}）`,
        day: e.submittedAt ? toDateString(e.submittedAt) : null,
        title: `${campaign.name}${evaluationKindLabels[e.kind]}：总分${Math.round(view.total * 100) / 100}，${view.gradeLabel}`,
        path: paths.take(dir, `${evaluationKindLabels[e.kind]}评分表.xlsx`),
        buffer: await scoreSheet(campaign, e.kind, view),
      });
      for (const node of view.nodes) {
        if (!node.scoreId) continue;
        addFiles(
          `考评佐证·${node.criterion.code}`,
          `${dir}/佐证材料`,
          null,
          await fileService.attachedTo(ctx, 'EvaluationScore', node.scoreId),
        );
      }
    }
    parts.push({
      category: '公文·创建工作自查报告',
      day: null,
      title: `${org.name}关于${campaign.name}的自查报告`,
      path: paths.take(base, '创建工作自查报告.docx'),
      build: await selfCheckDocument(ctx, campaign, org),
    });
  }

  // 四、督查: inspections of the org that year, each with its report, its files and its findings' files, and the rectifications' files
  const inspections = (
    await all<Inspection>(async (first, after) => {
      const page = await supervisionService.listInspections(ctx, { orgId: org.id }, first, after);
      return { nodes: page.nodes, hasNextPage: page.hasNextPage, cursorOf: page.cursorOf };
    })
  ).filter((i) => inYear(i.inspectedOn, year));
  for (const inspection of inspections.reverse()) {
    const dir = `04-督查/${segment(`${inspection.inspectedOn}-${inspectionStateLabels[inspection.state]}`)}`;
    const built = await inspectionDocument(ctx, inspection);
    parts.push({
      category: `督查报告（${inspectionStateLabels[inspection.state]}）`,
      day: inspection.inspectedOn,
      title: built.doc.title,
      path: paths.take(dir, '督查报告.docx'),
      build: built,
    });
    addFiles('督查佐证', dir, inspection.inspectedOn, await fileService.attachedTo(ctx, 'Inspection', inspection.id));
    // the findings' files, their rectifications and those rectifications' files, each read for all findings at once
    const findings = await supervisionService.findings(ctx, inspection);
    const [findingFiles, rectifications] = await Promise.all([
      Promise.all(findings.map((finding) => fileService.attachedTo(ctx, 'Finding', finding.id))),
      Promise.all(findings.map((finding) => rectificationService.byFinding(ctx, finding))),
    ]);
    const shown = await Promise.all(rectifications.map((r) => (r ? rectificationService.visible(ctx, r) : false)));
    const rectificationFiles = await Promise.all(
      rectifications.map((r, i) => (r && shown[i] ? fileService.attachedTo(ctx, 'RectificationSubmission', r.id) : [])),
    );
    for (const [i, finding] of findings.entries()) {
      addFiles('问题佐证', `${dir}/问题${finding.position + 1}`, inspection.inspectedOn, findingFiles[i]);
      const r = rectifications[i];
      if (r && shown[i])
        addFiles(
          `整改佐证（${rectificationStateLabels[r.state]}）`,
          `${dir}/问题${finding.position + 1}/整改`,
          r.submittedAt ? toDateString(r.submittedAt) : null,
          rectificationFiles[i],
        );
    }
  }

  // 五、公文: the notices naming the org that year, its annual assessment, the plans of the campaigns
  const notices = await all(async (first, after) => {
    const page = await noticeService.list(ctx, { state: NoticeState.ISSUED }, first, after);
    return { nodes: page.nodes, hasNextPage: page.hasNextPage, cursorOf: page.cursorOf };
  });
  const ofYear = notices.filter((n) => inYear(n.issuedOn, year)).reverse();
  // which of the year's notices name the org, in one statement for all of them
  const naming = new Set(
    ofYear.length
      ? (
          await ctx.tx.query<{ notice_id: string }>(
            `SELECT notice_id FROM notice_subjects WHERE tenant_id = $1 AND org_id = $2 AND notice_id = ANY($3::uuid[])`,
            [viewer.tenantId, org.id, ofYear.map((n) => n.id)],
          )
        ).map((r) => r.notice_id)
      : [],
  );
  for (const notice of ofYear) {
    if (!naming.has(notice.id)) continue;
    parts.push({
      category: '公文·通报',
      day: notice.issuedOn,
      title: notice.title,
      path: paths.take('05-公文', `${notice.issuedOn}-${notice.title}.docx`),
      build: await noticeDocument(ctx, notice),
    });
  }
  if (await assessmentService.rule(ctx, year)) {
    try {
      const built = await assessmentDocument(ctx, org, year, false);
      parts.push({
        category: '公文·年度党建目标考核结果',
        day: null,
        title: built.doc.title,
        path: paths.take('05-公文', `${year}年度党建目标考核结果.docx`),
        build: built,
      });
    } catch (error) {
      // an org the rule does not score (none of its campaign's kinds) has no result to print
      if (!(error instanceof AppError)) throw error;
    }
  }
  for (const campaign of campaigns)
    parts.push({
      category: '公文·创建活动实施方案',
      day: toDateString(campaign.createdAt),
      title: `${campaign.name}实施方案`,
      path: paths.take('05-公文', `${campaign.name}实施方案.docx`),
      build: await planDocument(ctx, campaign),
    });

  const bytes = parts.reduce((sum, p) => sum + (p.file?.size ?? 0), 0);
  if (parts.length > MAX_ARCHIVE_PARTS || bytes > MAX_ARCHIVE_BYTES)
    throw documentError('ARCHIVE_TOO_LARGE', { params: { org: org.name, year, limitText: sizeText(MAX_ARCHIVE_BYTES) } });
  return { filename: `${org.name}-${year}年台帐.zip`, asciiName: `ledger-archive-${year}.zip`, parts };
}

/** An evaluation's score sheet: every node with its raw value, points and evidence, as the API's result shows. */
async function scoreSheet(
  campaign: Campaign,
  kind: EvaluationKind,
  view: Awaited<ReturnType<typeof evaluationService.resultView>>,
): Promise<Buffer> {
  const workbook = newWorkbook(`${campaign.name}${evaluationKindLabels[kind]}`);
  addTable(
    workbook,
    '评分表',
    [
      { header: '代码', key: 'code' },
      { header: '指标', key: 'title', kind: 'wrap', maxWidth: 50 },
      { header: '录入值', key: 'value', kind: 'number' },
      { header: '得分', key: 'points', kind: 'number' },
      { header: '满分', key: 'max', kind: 'number' },
      { header: '佐证', key: 'evidence', kind: 'wrap', maxWidth: 50 },
    ],
    [
      ...view.nodes.map((n) => ({
        code: n.criterion.code,
        title: n.criterion.title,
        value: n.value,
        points: n.scored ? Math.round(n.points * 100) / 100 : null,
        max: Math.round(n.maxPoints * 100) / 100,
        evidence: n.evidence ?? '',
      })),
      { code: '合计', title: view.gradeLabel, value: null, points: Math.round(view.total * 100) / 100, max: null, evidence: '' },
    ],
  );
  return toBuffer(workbook);
}

/** The index sheet: one row per part of the archive (category, date, title, path, size, SHA-256 of stored files). */
async function indexSheet(org: Org, year: number, parts: Part[], sizes: Map<Part, number>): Promise<Buffer> {
  const workbook = newWorkbook(`${org.name}${year}年台帐索引`);
  addTable(
    workbook,
    '索引',
    [
      { header: '序号', key: 'n', kind: 'int' },
      { header: '类别', key: 'category' },
      { header: '日期', key: 'day', kind: 'date', minWidth: 12 },
      { header: '名称', key: 'title', kind: 'wrap', maxWidth: 50 },
      { header: '归档路径', key: 'path', kind: 'wrap', maxWidth: 60 },
      { header: '大小（字节）', key: 'size', kind: 'int' },
      { header: 'SHA-256', key: 'sha256' },
    ],
    parts.map((p, i) => ({
      n: i + 1,
      category: p.category,
      day: excelDate(p.day),
      title: p.title,
      path: p.path,
      size: p.file?.size ?? sizes.get(p) ?? null,
      sha256: p.file?.sha256 ?? '',
    })),
  );
  return toBuffer(workbook);
}

/**
 * The zip as a stream: documents rendered and the index written first (small), then each stored file
 * streamed from storage in its turn (yazl opens the next read stream only when the previous one ended),
 * so memory stays at a few rows whatever the archive's size.
 */
export async function streamArchive(plan: ArchivePlan, org: Org, year: number, storage: FileStorage): Promise<Readable> {
  const zip = new ZipFile();
  const sizes = new Map<Part, number>();
  const rendered = new Map<Part, Buffer>();
  for (const part of plan.parts) {
    const buffer = part.buffer ?? (part.build ? await renderOfficialDocument(part.build.doc) : undefined);
    if (buffer) {
      rendered.set(part, buffer);
      sizes.set(part, buffer.length);
    }
  }
  zip.addBuffer(await indexSheet(org, year, plan.parts, sizes), '00-索引.xlsx');
  for (const part of plan.parts) {
    const buffer = rendered.get(part);
    if (buffer) zip.addBuffer(buffer, part.path);
    else if (part.file) {
      const file = part.file;
      // photos, PDFs and Office files are compressed already: stored as they are
      zip.addReadStreamLazy(part.path, { size: file.size, compress: false }, (cb) =>
        cb(null, storage.stream(file.tenantId, file.contentId, 0, file.size)),
      );
    }
  }
  zip.end();
  return Readable.from(zip.outputStream as AsyncIterable<Buffer>);
}
