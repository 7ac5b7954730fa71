import { RequestContext, requireUser } from '../../graphql/context';
import { chineseDate } from '../../graphql/messages';
import { assessmentService } from '../assessment/assessment.service';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { EvaluationState } from '../evaluation/evaluation.entity';
import { evaluationService } from '../evaluation/evaluation.service';
import { File } from '../file/file.entity';
import { fileService } from '../file/file.service';
import { Criterion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind, evaluationKindLabels, scoringTypeLabels } from '../framework/pass-rule';
import { LeadingGroupRole } from '../leading-group/leading-group.entity';
import { leadingGroupService } from '../leading-group/leading-group.service';
import { Briefing, BriefingState } from '../ledger/ledger.entity';
import { tenantToday } from '../link-code/public';
import { Notice, NoticeKind, NoticeState } from '../notice/notice.entity';
import { noticeService } from '../notice/notice.service';
import { Org, orgKindLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { rectificationService } from '../supervision/rectification.service';
import {
  Inspection,
  InspectionState,
  findingSeverityLabels,
  inspectionMethodLabels,
  rectificationStateLabels,
} from '../supervision/supervision.entity';
import { supervisionService } from '../supervision/supervision.service';
import { tenantService } from '../tenant/tenant.service';
import { userService } from '../user/user.service';
import { documentError } from './document.errors';
import { Block, OfficialDocument } from './gbt9704';

/**
 * The official documents the campaign produces, built from the same service calls the API answers
 * with (never a query of their own for a figure), so every figure in a document is the API's. Each
 * builder is handed a record the caller has already found visible to the viewer.
 */
export interface BuiltDocument {
  /** The download's name (Chinese) and its ASCII fallback. */
  filename: string;
  asciiName: string;
  doc: OfficialDocument;
}

/** A figure as the API gives it, in a document: up to two decimals, no trailing zeros, no −0. */
export const figure = (n: number) => String(Math.round(n * 100) / 100 || 0);
/** 2013年5月14日 (the body's dates; the 成文日期 alone is written in Chinese numerals). */
const day = (d: string) => chineseDate(d);
const yearOf = (d: string) => Number(d.slice(0, 4));
const paragraphs = (text: string): Block[] =>
  text
    .split(/\n+/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => ({ kind: 'p' as const, text: p }));
const ordinal = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const h1 = (i: number, text: string): Block => ({ kind: 'h1', text: `${ordinal[i] ?? i + 1}、${text}` });
const h2 = (i: number, text: string, after?: string): Block => ({ kind: 'h2', text: `（${ordinal[i] ?? i + 1}）${text}`, after });

/** The tenant's issuing organ: its configured name (else the root org's), and its code for document numbers. */
async function issuer(ctx: RequestContext): Promise<{ name: string; code: string }> {
  const settings = await tenantService.settings(ctx);
  let name = settings.documentIssuer.trim();
  if (!name) {
    const [root] = await ctx.tx.query<{ name: string }>(`SELECT name FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL`, [
      requireUser(ctx).tenantId,
    ]);
    name = root?.name ?? '';
  }
  return { name, code: settings.documentCode.trim() };
}

/** 发文字号: 交党〔2013〕5号; without a number yet (a draft), the space the registry fills in. */
const documentNumber = (code: string, year: number, n: number | null) => `${code}〔${year}〕${n ?? '　'}号`;

const fileList = (files: File[]) => files.map((f) => f.name);

// ── 通报 ─────────────────────────────────────────────────────────────────────────────────────────────

interface LaggingBasis {
  asOf?: string;
  eligible?: number;
  attained?: number;
  target?: { dueOn: string; ratio: number } | null;
  lagging?: { orgId: string; total: number | null; grade: string | null }[];
}

/** 通报: a commendation or criticism, the orgs it names and the figures it was drafted from. */
export async function noticeDocument(ctx: RequestContext, notice: Notice): Promise<BuiltDocument> {
  const organ = await issuer(ctx);
  const [subjects, recipients, inspections, today] = await Promise.all([
    noticeService.subjects(ctx, notice),
    noticeService.recipients(ctx, notice),
    noticeService.inspections(ctx, notice),
    tenantToday(ctx),
  ]);
  const issuedOn = notice.issuedOn ?? today;
  const year = yearOf(issuedOn);
  const [{ n }] =
    notice.state === NoticeState.ISSUED
      ? await ctx.tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM notices WHERE tenant_id = $1 AND state = 'ISSUED'
              AND issued_on BETWEEN make_date($2, 1, 1) AND make_date($2, 12, 31) AND (issued_on, created_at, id) <= ($3::date, $4::timestamptz, $5::uuid)`,
          [notice.tenantId, year, notice.issuedOn, notice.createdAt, notice.id],
        )
      : [{ n: 0 }];
  const basis = notice.basis as LaggingBasis;
  const body: Block[] = paragraphs(notice.body);
  const campaign = notice.campaignId ? await campaignService.findById(ctx, notice.campaignId) : null;
  const grades = campaign ? (await campaignService.version(ctx, campaign)).rule.grades : [];
  const gradeLabel = (code: string | null) => (code ? (grades.find((g) => g.code === code)?.label ?? code) : '—');
  const attachments: string[] = [];
  if (basis.lagging?.length) {
    // the figures the notice was drafted from (its `basis`), one row per org it names
    const names = new Map(subjects.map((o) => [o.id, o.name]));
    attachments.push(`${notice.kind === NoticeKind.CRITICISM ? '被通报批评单位' : '被通报表扬单位'}得分情况`);
    body.push({ kind: 'blank' });
    if (basis.eligible !== undefined && basis.attained !== undefined)
      body.push({
        kind: 'p',
        text: `通报依据：截至${day(basis.asOf ?? issuedOn)}，应创建基层党组织${basis.eligible}个，已建成${basis.attained}个${
          basis.target ? `，目标为${figure(basis.target.ratio * 100)}%（${day(basis.target.dueOn)}前）` : ''
        }。`,
      });
    body.push({
      kind: 'table',
      header: ['序号', '单位', '总分', '等次'],
      widths: [1, 5, 2, 2],
      rows: basis.lagging
        .filter((l) => names.has(l.orgId))
        .map((l, i) => [
          i + 1,
          names.get(l.orgId) ?? '',
          l.total === null ? '未评议' : figure(l.total),
          l.total === null ? '—' : gradeLabel(l.grade),
        ]),
    });
  } else if (subjects.length) {
    body.push({
      kind: 'p',
      text: `${notice.kind === NoticeKind.CRITICISM ? '通报批评' : '通报表扬'}单位：${subjects.map((o) => o.name).join('、')}。`,
    });
  }
  if (inspections.length) {
    const orgNames = await Promise.all(inspections.map(async (i) => (await orgService.findById(ctx, i.orgId))?.name ?? ''));
    body.push({
      kind: 'p',
      text: `督查依据：${inspections.map((i, k) => `${day(i.inspectedOn)}对${orgNames[k]}的督查记录`).join('；')}。`,
    });
  }
  return {
    filename: `${notice.title}.docx`,
    asciiName: 'notice.docx',
    doc: {
      mark: `${organ.name}文件`,
      number: documentNumber(organ.code, year, notice.state === NoticeState.ISSUED ? n : null),
      title: notice.title,
      addressee: recipients.length && recipients.length <= 6 ? recipients.map((r) => r.org.name).join('、') : '各有关党组织',
      body,
      attachments,
      signature: organ.name,
      day: issuedOn,
      printed: { by: organ.name, day: issuedOn },
    },
  };
}

// ── 简报 ─────────────────────────────────────────────────────────────────────────────────────────────

/** 简报: the org's bulletin, numbered by issue within its year (第N期), with its attachments listed. */
export async function briefingDocument(ctx: RequestContext, briefing: Briefing): Promise<BuiltDocument> {
  const org = await orgService.getOrThrow(ctx, briefing.orgId);
  const [parent, files] = await Promise.all([orgService.parent(ctx, org), fileService.attachedTo(ctx, 'Briefing', briefing.id)]);
  const year = yearOf(briefing.briefingOn);
  const [{ n }] = await ctx.tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM briefings WHERE tenant_id = $1 AND org_id = $2 AND briefing_on BETWEEN make_date($3, 1, 1) AND make_date($3, 12, 31)
        AND (state = 'PUBLISHED' OR id = $4) AND (briefing_on, seq) <= ($5::date, $6::bigint)`,
    [briefing.tenantId, org.id, year, briefing.id, briefing.briefingOn, briefing.seq],
  );
  const draft = briefing.state !== BriefingState.PUBLISHED;
  return {
    filename: `${briefing.title}.docx`,
    asciiName: 'briefing.docx',
    doc: {
      mark: `${org.name}简报`,
      number: `${year}年第${n}期${draft ? '（草稿）' : ''}`,
      bulletinLine: { editor: `${org.name}编`, day: briefing.briefingOn },
      title: briefing.title,
      addressee: null,
      body: paragraphs(briefing.body),
      attachments: fileList(files),
      signature: org.name,
      day: briefing.briefingOn,
      distribution: parent ? `报：${parent.name}。` : null,
      printed: { by: org.name, day: briefing.publishedAt ? toDateString(briefing.publishedAt) : briefing.briefingOn },
    },
  };
}

// ── 督查报告 ─────────────────────────────────────────────────────────────────────────────────────────

/** 督查报告: an inspection with its findings, the rectifications they ordered and its evidence. */
export async function inspectionDocument(ctx: RequestContext, inspection: Inspection): Promise<BuiltDocument> {
  const organ = await issuer(ctx);
  const [org, team, findings, followUps, files, today] = await Promise.all([
    orgService.findById(ctx, inspection.orgId),
    supervisionService.teamOf(ctx, inspection),
    supervisionService.findings(ctx, inspection),
    supervisionService.followUps(ctx, inspection),
    fileService.attachedTo(ctx, 'Inspection', inspection.id),
    tenantToday(ctx),
  ]);
  const orgName = org?.name ?? '被督查单位';
  const rectifications = await Promise.all(findings.map((f) => rectificationService.byFinding(ctx, f)));
  // the orders as this record gives them (an amendment may have sent a rectification elsewhere since); their state as it stands
  const owners = await Promise.all(findings.map((f) => (f.rectifyOrgId ? orgService.findById(ctx, f.rectifyOrgId) : null)));
  const findingFiles = await Promise.all(findings.map((f) => fileService.attachedTo(ctx, 'Finding', f.id)));
  const finalized = inspection.state === InspectionState.FINALIZED;
  const dated = inspection.finalizedAt ? toDateString(inspection.finalizedAt) : today;
  const year = yearOf(inspection.inspectedOn);
  const [{ n }] = finalized
    ? await ctx.tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM inspections WHERE tenant_id = $1 AND state = 'FINALIZED'
            AND inspected_on BETWEEN make_date($2, 1, 1) AND make_date($2, 12, 31) AND chain_seq <= $3`,
        [inspection.tenantId, year, inspection.chainSeq],
      )
    : [{ n: 0 }];
  const standing = findings.filter((f) => !f.withdrawnReason);
  const bySeverity = Object.entries(findingSeverityLabels)
    .map(([s, label]) => [label, standing.filter((f) => f.severity === s).length] as const)
    .filter(([, k]) => k > 0)
    .map(([label, k]) => `${label}${k}个`)
    .join('、');
  const body: Block[] = [
    h1(0, '督查基本情况'),
    {
      kind: 'p',
      text: `${day(inspection.inspectedOn)}，${team.name}采取${inspection.methods.map((m) => inspectionMethodLabels[m]).join('、')}等方式，对${orgName}开展督查。`,
    },
    ...paragraphs(inspection.summary),
    h1(1, '发现的问题'),
    standing.length
      ? { kind: 'p', text: `共发现问题${standing.length}个${bySeverity ? `，其中${bySeverity}` : ''}。` }
      : { kind: 'p', text: '未发现问题。' },
    ...findings.map((f, i): Block => ({
      kind: 'p',
      text: `${i + 1}.【${findingSeverityLabels[f.severity]}】${f.description}${f.withdrawnReason ? `（已撤回：${f.withdrawnReason}）` : ''}${
        findingFiles[i].length ? `（佐证：${fileList(findingFiles[i]).join('、')}）` : ''
      }`,
    })),
    h1(2, '整改要求'),
  ];
  const orders = findings
    .map((f, i) => ({ f, r: rectifications[i], owner: owners[i] }))
    .filter((x) => x.f.rectifyOrgId && !x.f.withdrawnReason);
  if (!orders.length) body.push({ kind: 'p', text: '本次督查未下达整改。' });
  else
    body.push({
      kind: 'table',
      header: ['序号', '问题', '整改单位', '整改期限', '整改状态'],
      widths: [1, 5, 3, 3, 2],
      rows: orders.map((x, i) => [
        i + 1,
        x.f.description,
        x.owner?.name ?? '',
        day(x.f.rectifyDueOn ?? ''),
        // none yet on a draft; on a finalized record, one the reader may not read (its org is out of sight)
        x.r ? rectificationStateLabels[x.r.state] : finalized ? '' : '定稿后下达',
      ]),
    });
  let section = 3;
  if (followUps.length) {
    body.push(h1(section++, '回头看'));
    // the findings looked back at (up to 2,000) read at once
    const earlierOnes = await supervisionService.findFindings(
      ctx,
      followUps.map((check) => check.findingId),
    );
    for (const [i, check] of followUps.entries()) {
      const earlier = earlierOnes[i];
      body.push({
        kind: 'p',
        text: `${earlier?.description ?? '此前问题'}：${check.fixed === true ? '已整改到位' : check.fixed === false ? '整改未到位' : '尚未核查'}${check.note ? `（${check.note}）` : ''}。`,
      });
    }
  }
  body.push(h1(section, '记录与佐证'));
  body.push({
    kind: 'p',
    text: finalized
      ? `本督查记录已于${day(dated)}定稿，列入记录链第${inspection.chainSeq}号，记录哈希${inspection.recordHash}；所附佐证文件的内容摘要一并计入记录链。`
      : '本督查记录尚未定稿（草稿）。',
  });
  return {
    filename: `督查报告-${orgName}-${inspection.inspectedOn}.docx`,
    asciiName: `inspection-report-${inspection.inspectedOn}.docx`,
    doc: {
      mark: `${organ.name}文件`,
      number: documentNumber(`${organ.code}督`, year, finalized ? n : null),
      title: `关于对${orgName}开展督查情况的报告`,
      addressee: organ.name,
      body,
      attachments: fileList(files),
      signature: team.name,
      day: dated,
      printed: { by: organ.name, day: dated },
    },
  };
}

// ── 年度党建目标考核结果 ─────────────────────────────────────────────────────────────────────────────

/** At most this many orgs in one 考核结果: a larger subtree is refused (ASSESSMENT_DOCUMENT_TOO_LARGE) and asked for in parts. */
export const MAX_ASSESSMENT_ROWS = 2000;

/** 年度党建目标考核结果: one org, or every org below `org` ranked, every component in its column. */
export async function assessmentDocument(ctx: RequestContext, org: Org, year: number, subtree: boolean): Promise<BuiltDocument> {
  const organ = await issuer(ctx);
  const rows = subtree
    ? await assessmentService.compute(ctx, year, { under: org }, MAX_ASSESSMENT_ROWS + 1)
    : [await assessmentService.forOrg(ctx, year, org)];
  // an official document that names "所属N个党组织" lists them all, or is not issued
  if (rows.length > MAX_ASSESSMENT_ROWS)
    throw documentError('ASSESSMENT_DOCUMENT_TOO_LARGE', { params: { org: org.name, limit: MAX_ASSESSMENT_ROWS } });
  const [rule, today] = await Promise.all([assessmentService.rule(ctx, year), tenantToday(ctx)]);
  const labels = rows[0]?.components.map((c) => c.label) ?? [];
  const v = rule?.rule;
  const body: Block[] = [
    {
      kind: 'p',
      text: `根据${year}年度党建目标考核规则${
        v
          ? `（创建活动成绩占${figure(v.campaignShare * 100)}%，基础分${figure(v.base)}分，督查问题、整改逾期和通报批评扣分，通报表扬加分）`
          : ''
      }，现将${subtree ? `${org.name}所属${rows.length}个党组织` : org.name}的${year}年度党建目标考核结果通报如下。`,
    },
    h1(0, '考核结果'),
    {
      kind: 'table',
      header: ['名次', '单位', '总分', ...labels],
      widths: [2, 6, 3, ...labels.map(() => 3)],
      size: 21,
      rows: rows.map((r) => [r.rank, r.org.name, figure(r.total), ...r.components.map((c) => figure(c.points))]),
    },
    h1(1, '计分说明'),
    ...rows.map((r): Block => ({
      kind: 'p',
      text: `${r.org.name}（${orgKindLabels[r.org.kind]}）：${r.components.map((c) => `${c.label}${figure(c.points)}分（${c.detail}）`).join('；')}。`,
    })),
  ];
  return {
    filename: `${org.name}-${year}年度党建目标考核结果.docx`,
    asciiName: `annual-assessment-${year}.docx`,
    doc: {
      mark: `${organ.name}文件`,
      number: documentNumber(organ.code, year, null),
      title: `关于${year}年度党建目标考核结果的通报`,
      addressee: subtree ? `${org.name}所属各党组织` : org.name,
      body,
      signature: organ.name,
      day: today,
      printed: { by: organ.name, day: today },
    },
  };
}

// ── 创建工作自查报告 ─────────────────────────────────────────────────────────────────────────────────

/** 创建工作自查报告: an org's SELF evaluation in a campaign, per criterion, its evidence and its discrepancies. */
export async function selfCheckDocument(ctx: RequestContext, campaign: Campaign, org: Org): Promise<BuiltDocument> {
  const [version, scope, evaluations, today] = await Promise.all([
    campaignService.version(ctx, campaign),
    campaignService.scopeOrg(ctx, campaign),
    evaluationService.forOrg(ctx, campaign.id, org.id),
    tenantToday(ctx),
  ]);
  const framework = await frameworkService.frameworkOf(ctx, version);
  const self = evaluations.find((e) => e.kind === EvaluationKind.SELF) ?? null;
  const dated = self?.submittedAt ? toDateString(self.submittedAt) : today;
  const body: Block[] = [];
  const attachments: string[] = [];
  if (!self) {
    body.push({ kind: 'p', text: `按照《${campaign.name}实施方案》要求，${org.name}尚未开展自查。` });
  } else {
    const [view, discrepancies] = await Promise.all([
      evaluationService.resultView(ctx, self),
      evaluationService.discrepancies(ctx, campaign, org),
    ]);
    body.push(h1(0, '自查总体情况'));
    body.push({
      kind: 'p',
      text: `按照《${campaign.name}实施方案》要求，我单位对照“${framework.name}”考评标准逐项开展了自查。自查总分${figure(view.total)}分（满分${figure(
        version.rule.totalMax,
      )}分，达标线${figure(version.rule.threshold)}分），等次为${view.gradeLabel}，${view.attained ? '达到' : '未达到'}建成服务型党组织的标准${
        view.veto ? '（触发一票否决）' : ''
      }。${view.complete ? '' : '部分指标尚未评分。'}自查${self.state === EvaluationState.ACCEPTED ? '已经上级审核通过' : self.state === EvaluationState.SUBMITTED ? '已报上级审核' : '尚未提交'}。`,
    });
    body.push(h1(1, '各项指标自查得分'));
    body.push({
      kind: 'table',
      header: ['代码', '指标', '录入值', '得分', '满分'],
      widths: [2, 8, 2, 2, 2],
      rows: view.nodes.map((node) => [
        node.criterion.code,
        node.criterion.title,
        node.value === null ? '' : figure(node.value),
        node.scored ? figure(node.points) : '未评',
        figure(node.maxPoints),
      ]),
    });
    body.push(h1(2, '佐证材料'));
    const evidence = await Promise.all(
      view.nodes.map(async (node) => ({
        node,
        files: node.scoreId ? await fileService.attachedTo(ctx, 'EvaluationScore', node.scoreId) : [],
      })),
    );
    const listed = evidence.filter(({ node, files }) => node.evidence || files.length);
    if (!listed.length) body.push({ kind: 'p', text: '未附佐证材料。' });
    for (const { node, files } of listed) {
      body.push({
        kind: 'p',
        text: `${node.criterion.code} ${node.criterion.title}：${[node.evidence, ...fileList(files)].filter(Boolean).join('；')}。`,
      });
      attachments.push(...fileList(files).map((name) => `${node.criterion.code} ${name}`));
    }
    body.push(h1(3, '与上级评议、督查评分的差异'));
    if (!discrepancies.length)
      body.push({
        kind: 'p',
        text: `各项指标自查得分率与上级评议、督查评分之差均不超过${figure(version.rule.discrepancyMargin * 100)}个百分点。`,
      });
    else
      body.push({
        kind: 'table',
        header: ['代码', '指标', '自查得分率', '对照', '对照得分率', '差'],
        widths: [2, 6, 2, 2, 2, 2],
        rows: discrepancies.map((d) => [
          d.criterion.code,
          d.criterion.title,
          `${figure(d.selfRatio * 100)}%`,
          evaluationKindLabels[d.otherKind],
          `${figure(d.otherRatio * 100)}%`,
          `${figure(d.difference * 100)}%`,
        ]),
      });
  }
  return {
    filename: `${org.name}-创建工作自查报告.docx`,
    asciiName: 'self-check-report.docx',
    doc: {
      mark: `${org.name}文件`,
      number: documentNumber('', yearOf(dated), null),
      title: `${org.name}关于${campaign.name}的自查报告`,
      addressee: scope.name,
      body,
      attachments,
      signature: org.name,
      day: dated,
    },
  };
}

// ── 创建活动实施方案 ─────────────────────────────────────────────────────────────────────────────────

/** A date range as the source writes it: 5月5日至5月15日 within the campaign's first year, else with the year. */
function span(from: string, to: string, baseYear: number): string {
  const short = (d: string) => (yearOf(d) === baseYear ? `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日` : day(d));
  return `${short(from)}至${short(to)}`;
}

/** 创建活动实施方案: the campaign as its plan reads (content, targets, steps with dates, criteria, leading group). */
export async function planDocument(ctx: RequestContext, campaign: Campaign): Promise<BuiltDocument> {
  const organ = await issuer(ctx);
  const [version, scope, phases, deadlines, targets, group] = await Promise.all([
    campaignService.version(ctx, campaign),
    campaignService.scopeOrg(ctx, campaign),
    campaignService.phases(ctx, campaign),
    campaignService.deadlines(ctx, campaign),
    campaignService.targets(ctx, campaign),
    leadingGroupService.find(ctx, campaign.id),
  ]);
  const [framework, criteria] = await Promise.all([
    frameworkService.frameworkOf(ctx, version),
    frameworkService.criteriaOf(ctx, version.id),
  ]);
  const baseYear = yearOf(campaign.startsOn);
  const dimensions = criteria.filter((c) => !c.parentId).sort((a, b) => a.position - b.position);
  const childrenOf = (c: Criterion) => criteria.filter((k) => k.parentId === c.id).sort((a, b) => a.position - b.position);
  const rule = version.rule;
  const body: Block[] = [
    {
      kind: 'p',
      text: `为扎实推进${campaign.name}，结合${scope.name}实际，制定如下实施方案。`,
    },
    h1(0, '创建内容'),
    {
      kind: 'p',
      text: `重点围绕“${framework.name}”，开展基层服务型党组织创建活动。${framework.description ? framework.description.split(/\n/)[0] : ''}`,
    },
    ...dimensions.map((d): Block => ({ kind: 'p', text: `——${d.title}。${d.guidance.replace(/\s+/g, '')}` })),
    h1(1, '创建目标'),
    {
      kind: 'p',
      text: `参加创建的是${scope.name}范围内的${campaign.eligibleKinds.map((k) => orgKindLabels[k]).join('、')}。${targets
        .map((t) => `至${day(t.dueOn)}，${figure(t.ratio * 100)}%以上的基层党组织建成服务型党组织`)
        .join('；')}。`,
    },
    {
      kind: 'p',
      text: `考评满分${figure(rule.totalMax)}分，${figure(rule.threshold)}分以上为达标；等次为${rule.grades
        .map((g) => `${g.label}（${figure(g.min)}分以上）`)
        .join('、')}。自查、上级评议、群众评议分别占${rule.kindWeights
        .map((w) => `${evaluationKindLabels[w.kind]}${figure(w.weight * 100)}%`)
        .join('、')}。`,
    },
    h1(2, '方法步骤'),
    ...phases.flatMap((p, i): Block[] => {
      const due = deadlines.filter((d) => d.dueOn >= p.startsOn && d.dueOn <= p.endsOn);
      return [
        h2(i, `${p.name}（${span(p.startsOn, p.endsOn, baseYear)}）。`),
        ...due.map((d): Block => ({ kind: 'p', text: `${d.name}，于${day(d.dueOn)}前完成。` })),
      ];
    }),
    ...deadlines
      .filter((d) => !phases.some((p) => d.dueOn >= p.startsOn && d.dueOn <= p.endsOn))
      .map((d): Block => ({ kind: 'p', text: `${d.name}，于${day(d.dueOn)}前完成。` })),
    h1(3, '考评标准'),
    {
      kind: 'table',
      header: ['代码', '指标', '权重', '满分', '计分方式'],
      widths: [2, 9, 2, 2, 3],
      rows: dimensions.flatMap((d) => [
        [d.code, d.title, figure(d.weight), '', ''],
        ...childrenOf(d).map((c) => [
          c.code,
          `${c.title}${c.isVeto ? '（一票否决）' : ''}${c.isBonus ? '（加分项）' : ''}`,
          c.isBonus ? '' : figure(c.weight),
          c.maxScore === null ? '' : figure(c.maxScore),
          c.scoringType ? scoringTypeLabels[c.scoringType] : '',
        ]),
      ]),
    },
    h1(4, '保障措施'),
  ];
  if (group) {
    const members = await leadingGroupService.members(ctx, group);
    const names = await Promise.all(members.map((m) => userService.displayName(ctx, m.userId)));
    const named = members.map((m, i) => ({ ...m, name: (names[i] ?? '').replace(/[（(].*$/, '') }));
    const leader = named.find((m) => m.role === LeadingGroupRole.LEADER);
    const deputies = named.filter((m) => m.role === LeadingGroupRole.DEPUTY);
    const others = named.filter((m) => m.role === LeadingGroupRole.MEMBER);
    const office = group.officeNote ?? (await leadingGroupService.officeName(ctx, group));
    body.push(
      h2(
        0,
        '加强组织领导。',
        `成立${campaign.name}领导小组，${leader ? `${leader.name}任组长` : ''}${deputies.length ? `，${deputies.map((m) => m.name).join('、')}任副组长` : ''}${
          others.length ? `，成员为${others.map((m) => m.name).join('、')}` : ''
        }，办公室设在${office}。各单位书记是服务型党组织创建工作的第一责任人。`,
      ),
    );
  } else {
    body.push(h2(0, '加强组织领导。', '各单位书记是服务型党组织创建工作的第一责任人。'));
  }
  body.push(
    h2(
      1,
      '加强督促检查。',
      '各级党组织要建立管理台帐，并及时以简报信息形式反映活动动态。督导组对创建工作进行督促指导，对工作不力的单位及时通报，督促检查的情况作为年度党建目标考核的重要依据。',
    ),
  );
  const dated = toDateString(campaign.createdAt);
  return {
    filename: `${campaign.name}实施方案.docx`,
    asciiName: 'campaign-plan.docx',
    doc: {
      mark: `${organ.name}文件`,
      number: documentNumber(organ.code, yearOf(dated), null),
      title: `${campaign.name}实施方案`,
      addressee: `${scope.name}所属各党组织`,
      body,
      signature: organ.name,
      day: dated,
      printed: { by: organ.name, day: dated },
    },
  };
}
