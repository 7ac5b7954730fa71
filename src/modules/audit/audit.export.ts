import { RequestContext } from '../../graphql/context';
import { decodeGlobalId } from '../../graphql/relay';
import type { ExportFile } from '../report/exports';
import { addTable, excelDateTime, newWorkbook, toBuffer } from '../report/xlsx';
import { AuditOutcome, auditOutcomeLabels } from './audit.entity';
import { auditError } from './audit.errors';
import { AuditFilter, auditService } from './audit.service';

/** The most entries one export holds; more must be narrowed by dates. */
export const AUDIT_EXPORT_LIMIT = 10_000;

/** Excel holds at most 32,767 characters in a cell: a longer entry's data is cut there, visibly. */
const CELL_MAX = 30_000;
const cellText = (text: string) =>
  text.length > CELL_MAX ? `${text.slice(0, CELL_MAX)}…（内容过长，仅导出前 ${CELL_MAX} 个字符，共 ${text.length} 个）` : text;

const NO_ID = '00000000-0000-0000-0000-000000000000';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The tenant's log as .xlsx, with the filters of `auditLog` (days as YYYY-MM-DD in the tenant's time
 * zone, `to` inclusive), for exactly the entries the viewer may read. The export is itself recorded by
 * the download route (action `export`).
 */
export async function auditExport(ctx: RequestContext, query: Record<string, string | undefined>): Promise<ExportFile> {
  // the reader check comes first: nothing is parsed or read for a viewer who may not read the log
  auditService.readerScope(ctx);
  const day = async (raw: string | undefined, next: boolean, field: string): Promise<Date | undefined> => {
    if (!raw) return undefined;
    if (!DAY.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) throw auditError('AUDIT_EXPORT_DAY', { field, params: { field } });
    const [row] = await ctx.tx.query<{ at: Date }>(`SELECT (($1::date + $2::int)::timestamp AT TIME ZONE $3) AS at`, [
      raw,
      next ? 1 : 0,
      ctx.timeZone ?? 'Asia/Shanghai',
    ]);
    return row.at;
  };
  const outcome =
    query.outcome && (Object.values(AuditOutcome) as string[]).includes(query.outcome) ? (query.outcome as AuditOutcome) : undefined;
  const filter: AuditFilter = {
    action: query.action?.slice(0, 100) || undefined,
    outcome,
    account: query.account?.slice(0, 200) || undefined,
    address: query.address?.slice(0, 100) || undefined,
    actorId: query.actorId ? (decodeGlobalId(query.actorId)?.id ?? NO_ID) : undefined,
    from: await day(query.from, false, 'from'),
    to: await day(query.to, true, 'to'),
  };
  const build = auditService.query(ctx, filter);
  const entries = await build()
    .orderBy('a.id', 'ASC')
    .limit(AUDIT_EXPORT_LIMIT + 1)
    .getMany();
  if (entries.length > AUDIT_EXPORT_LIMIT) throw auditError('AUDIT_EXPORT_TOO_LARGE', { params: { limit: AUDIT_EXPORT_LIMIT } });
  const names = await Promise.all(entries.map((e) => (e.actorId ? auditService.actorName(ctx, e.actorId) : null)));
  const workbook = newWorkbook('操作日志', ctx.config.exportMaxBytes);
  addTable(
    workbook,
    '操作日志',
    [
      { header: '流水号', key: 'id', kind: 'int' },
      { header: '链序号', key: 'seq', kind: 'int' },
      { header: '时间', key: 'at', kind: 'datetime', minWidth: 18 },
      { header: '账号', key: 'account', minWidth: 12 },
      { header: '操作人', key: 'actor', minWidth: 12 },
      { header: '操作', key: 'action', minWidth: 14 },
      { header: '结果', key: 'outcome' },
      { header: '原因代码', key: 'reason', minWidth: 12 },
      { header: '来源地址', key: 'address', minWidth: 14 },
      { header: '客户端', key: 'userAgent', maxWidth: 40 },
      { header: '记录类型', key: 'entityType' },
      { header: '记录编号', key: 'entityId', minWidth: 36 },
      { header: '内容', key: 'data', kind: 'wrap' },
      { header: '哈希', key: 'hash', minWidth: 20 },
    ],
    entries.map((e, i) => ({
      id: Number(e.id),
      seq: e.seq === null ? null : Number(e.seq),
      at: excelDateTime(e.at),
      account: e.account,
      actor: names[i],
      action: e.action,
      outcome: auditOutcomeLabels[e.outcome],
      reason: e.reason,
      address: e.address,
      userAgent: e.userAgent,
      entityType: e.entityType,
      entityId: e.entityId,
      data: cellText(JSON.stringify(e.data)),
      hash: e.rowHash ? `${e.hashAlg}:${e.rowHash}` : '',
    })),
  );
  const stamp = new Date().toISOString().slice(0, 10);
  return { filename: `操作日志-${stamp}.xlsx`, asciiName: `audit-log-${stamp}.xlsx`, buffer: await toBuffer(workbook) };
}
