import { Role, roleLabels } from '../../auth/roles';
import { holdsRole, inScope, visibleOrgSql } from '../../auth/scope';
import { UserViewer } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { AppError, Problem, toAppError } from '../../graphql/errors';
import { MessageParam, renderReason } from '../../graphql/messages';
import { toGlobalId } from '../../graphql/relay';
import { Org, OrgCategory, OrgKind, orgCategoryLabels, orgKindLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { PASSWORD_LENGTH, userService } from '../user/user.service';
import { MAX_ORG_ROWS, MAX_USER_ROWS, tooManyRows } from './import-limits';
import { ReportReason, reportError } from './report.errors';
import { Table } from './table';

/**
 * One bad cell (or row): the row number as the spreadsheet shows it, the column by its header, and the
 * reason with its parameters (rendered per request like any error; `message` is the Chinese default).
 */
export interface ImportProblem extends Problem {
  path: string;
  row: number;
  column: string;
  message: string;
}

/** A refusal of one cell: a reason (the report module's, or another module's met while applying) and its parameters. */
interface Refusal {
  reason: ReportReason | 'ORG_PARENT_KIND';
  params?: Record<string, MessageParam>;
}

export interface ImportResult {
  dryRun: boolean;
  /** Data rows read. */
  rows: number;
  /** Records created (0 on a dry run). */
  created: number;
  items: { row: number; id: string | null; name: string }[];
}

interface ColumnDef<F extends string> {
  field: F;
  header: string;
  aliases: string[];
}

const ADMIN = [Role.TENANT_ADMIN];

export const ORG_COLUMNS: ColumnDef<'name' | 'kind' | 'category' | 'parent'>[] = [
  { field: 'name', header: '组织名称', aliases: ['名称', '党组织名称', 'name'] },
  { field: 'kind', header: '组织类型', aliases: ['类型', 'kind'] },
  { field: 'category', header: '单位类别', aliases: ['类别', 'category'] },
  { field: 'parent', header: '上级组织', aliases: ['上级党组织', '上级', 'parent'] },
];

export const USER_COLUMNS: ColumnDef<'username' | 'displayName' | 'org' | 'role' | 'password'>[] = [
  { field: 'username', header: '用户名', aliases: ['账号', 'username'] },
  { field: 'displayName', header: '姓名', aliases: ['显示名称', 'displayname', 'display name'] },
  { field: 'org', header: '所属组织', aliases: ['组织', 'org'] },
  { field: 'role', header: '角色', aliases: ['role'] },
  { field: 'password', header: '初始密码', aliases: ['密码', 'password'] },
];

/** Which kinds sit directly under which (the rule orgService.create enforces: 党支部 has no sub-organizations, 党总支 holds 党支部). */
const CHILD_KINDS: Record<OrgKind, OrgKind[]> = {
  COMMITTEE: [OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH],
  GENERAL_BRANCH: [OrgKind.BRANCH],
  BRANCH: [],
};

function lookup<E extends string>(labels: Record<E, string>, extra: Record<string, E> = {}) {
  const map = new Map<string, E>();
  for (const [code, label] of Object.entries(labels) as [E, string][]) {
    map.set(code.toLowerCase(), code);
    map.set(label, code);
  }
  for (const [alias, code] of Object.entries(extra)) map.set(alias, code);
  return (text: string): E | undefined => map.get(text) ?? map.get(text.toLowerCase());
}

const kindOf = lookup(orgKindLabels);
const categoryOf = lookup(orgCategoryLabels, {
  机关单位: OrgCategory.ORGAN,
  事业单位: OrgCategory.INSTITUTION,
  企业单位: OrgCategory.ENTERPRISE,
});
const roleOf = lookup(roleLabels, {
  管理员: Role.TENANT_ADMIN,
  组织科: Role.TENANT_ADMIN,
  领导: Role.LEADER,
  上级负责人: Role.SUPERVISOR,
  督导组: Role.INSPECTOR,
  督导员: Role.INSPECTOR,
});

/** Maps each expected column to its index in the file (by header or alias); a missing column is a row-1 problem. */
function columnsOf<F extends string>(
  table: Table,
  defs: ColumnDef<F>[],
  problems: ImportProblem[],
): Record<F, { index: number; header: string }> {
  const normalized = table.headers.map((h) =>
    h
      .replace(/\s+/g, '')
      .replace(/[*＊]$/, '')
      .toLowerCase(),
  );
  const out = {} as Record<F, { index: number; header: string }>;
  for (const def of defs) {
    const names = [def.header, ...def.aliases].map((n) => n.replace(/\s+/g, '').toLowerCase());
    const index = normalized.findIndex((h) => names.includes(h));
    if (index < 0) problems.push(problem(1, def.header, { reason: 'IMPORT_COLUMN_MISSING' }));
    out[def.field] = { index, header: index >= 0 ? table.headers[index] : def.header };
  }
  return out;
}

function problem(row: number, column: string, { reason, params = {} }: Refusal): ImportProblem {
  const values = { ...params, row, column };
  return { ...values, path: `row ${row}, ${column}`, reason, message: renderReason(reason, values, 'zh-CN') ?? reason };
}

function rejected(problems: ImportProblem[]): AppError {
  return reportError('IMPORT_INVALID', { params: { count: problems.length }, problems });
}

/** A service refusal while applying a row (its reason and parameters kept), reported against the column its field names. */
function serviceProblem<F extends string>(
  row: number,
  error: unknown,
  cols: Record<F, { header: string }>,
  fallback: F,
  fields: Record<string, F>,
): ImportProblem {
  const known = toAppError(error);
  if (!known) throw error;
  const { reason, field, problems: _problems, ...params } = known.details;
  const column = cols[fields[field?.replace(/^input\./, '') ?? ''] ?? fallback].header;
  return { ...params, row, column, path: `row ${row}, ${column}`, ...(reason ? { reason } : {}), message: known.message };
}

interface TreeNode {
  id: string | null;
  name: string;
  kind: OrgKind;
  archived: boolean;
  manageable: boolean;
  parent: TreeNode | null;
  /** The import row that creates it (pending orgs). */
  row?: number;
}

/** The orgs the viewer sees (its scope and the ancestors above it), as a tree to resolve names and name paths in. */
async function visibleTree(ctx: RequestContext): Promise<TreeNode[]> {
  const viewer = requireUser(ctx);
  const visible = visibleOrgSql(viewer, 'o');
  const orgs = await ctx.tx
    .repository(Org)
    .createQueryBuilder('o')
    .where('o.tenant_id = :t', { t: viewer.tenantId })
    .andWhere(visible.sql, visible.params)
    .orderBy('o.path')
    .getMany();
  const nodes = new Map<string, TreeNode>();
  for (const o of orgs) {
    nodes.set(o.id, {
      id: o.id,
      name: o.name,
      kind: o.kind,
      archived: !!o.archivedAt,
      manageable: inScope(viewer, o.path, ADMIN),
      parent: o.parentId ? (nodes.get(o.parentId) ?? null) : null,
    });
  }
  return [...nodes.values()];
}

function namePath(node: TreeNode): string[] {
  const names: string[] = [];
  for (let n: TreeNode | null = node; n; n = n.parent) names.unshift(n.name);
  return names;
}

/** An org by name, or by a name path ("市公交集团党委/第一车队党支部", from the root or any ancestor down). */
function resolve(nodes: TreeNode[], text: string): { node: TreeNode } | { refusal: Refusal } {
  const segments = text
    .split(/[/／>]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (!segments.length) return { refusal: { reason: 'IMPORT_ORG_PATH_EMPTY', params: { value: text } } };
  const matches = nodes.filter((n) => {
    const path = namePath(n);
    return path.length >= segments.length && segments.every((s, i) => path[path.length - segments.length + i] === s);
  });
  if (!matches.length) return { refusal: { reason: 'IMPORT_ORG_UNKNOWN', params: { value: text } } };
  if (matches.length > 1) {
    return { refusal: { reason: 'IMPORT_ORG_AMBIGUOUS', params: { value: text, example: namePath(matches[0]).join('/') } } };
  }
  return { node: matches[0] };
}

/** The values a column accepts, for a refusal's message: labels in Chinese, codes as the API spells them. */
const choices = (labels: Record<string, string>) => ({ labels: Object.values(labels).join('、'), codes: Object.keys(labels).join(', ') });

/**
 * The gate of both import routes: TENANT_ADMIN over some subtree (each row is then checked against the
 * admin's own subtree). The routes run it before the body is read, so no file of a non-admin is parsed.
 */
export function requireImportAdmin(viewer: UserViewer) {
  if (!holdsRole(viewer, ADMIN)) throw reportError('NOT_IMPORT_ADMIN');
}

function requireAdmin(ctx: RequestContext) {
  requireImportAdmin(requireUser(ctx));
}

function limitRows(table: Table, max: number) {
  if (table.rows.length > max) throw tooManyRows(max);
  if (!table.rows.length) {
    throw reportError('IMPORT_INVALID', {
      field: 'file',
      params: { count: 1 },
      problems: [{ ...problem(2, '', { reason: 'IMPORT_NO_ROWS' }), path: 'file' }],
    });
  }
}

/**
 * Orgs from a table (name, kind label or code, category, parent name or path), checked row by row
 * against the tree and earlier rows; then, unless dry-running, created through orgService.create in
 * the caller's transaction. Any bad row rejects the whole file with every problem listed.
 */
export async function importOrgs(ctx: RequestContext, table: Table, dryRun: boolean): Promise<ImportResult> {
  requireAdmin(ctx);
  limitRows(table, MAX_ORG_ROWS);
  const problems: ImportProblem[] = [];
  const cols = columnsOf(table, ORG_COLUMNS, problems);
  if (problems.length) throw rejected(problems);
  const nodes = await visibleTree(ctx);
  const planned: { row: number; node: TreeNode; parent: TreeNode; category: OrgCategory }[] = [];
  for (const { row, values } of table.rows) {
    const cell = (f: keyof typeof cols) => values[cols[f].index] ?? '';
    const bad = (f: keyof typeof cols, reason: Refusal['reason'], params?: Refusal['params']) =>
      problems.push(problem(row, cols[f].header, { reason, params }));
    const before = problems.length;
    const name = cell('name');
    if (!name) bad('name', 'IMPORT_VALUE_REQUIRED');
    else if (name.length > 200) bad('name', 'IMPORT_VALUE_TOO_LONG', { limit: 200 });
    const kind = kindOf(cell('kind'));
    if (!kind) bad('kind', 'IMPORT_UNKNOWN_KIND', { value: cell('kind'), ...choices(orgKindLabels) });
    const category = categoryOf(cell('category'));
    if (!category) bad('category', 'IMPORT_UNKNOWN_CATEGORY', { value: cell('category'), ...choices(orgCategoryLabels) });
    let parent: TreeNode | undefined;
    if (!cell('parent')) bad('parent', 'IMPORT_VALUE_REQUIRED');
    else {
      const found = resolve(nodes, cell('parent'));
      if ('refusal' in found) bad('parent', found.refusal.reason, found.refusal.params);
      else if (!found.node.manageable) bad('parent', 'IMPORT_PARENT_NOT_ADMIN');
      else if (found.node.archived) bad('parent', 'IMPORT_PARENT_ARCHIVED');
      else if (kind && !CHILD_KINDS[found.node.kind].includes(kind))
        bad('kind', 'ORG_PARENT_KIND', { kind: orgKindLabels[kind], parentKind: orgKindLabels[found.node.kind] });
      else parent = found.node;
    }
    const sibling = parent && name ? nodes.find((n) => n.parent === parent && n.name === name) : undefined;
    if (parent && sibling) {
      if (sibling.row) bad('name', 'IMPORT_ORG_REPEATED', { name, parent: parent.name, earlierRow: sibling.row });
      else bad('name', 'IMPORT_ORG_EXISTS', { name, parent: parent.name });
    }
    if (problems.length === before && kind && category && parent) {
      const node: TreeNode = { id: null, name, kind, archived: false, manageable: true, parent, row };
      nodes.push(node);
      planned.push({ row, node, parent, category });
    }
  }
  if (problems.length) throw rejected(problems);
  if (dryRun)
    return { dryRun, rows: table.rows.length, created: 0, items: planned.map((p) => ({ row: p.row, id: null, name: p.node.name })) };

  const items: ImportResult['items'] = [];
  for (const p of planned) {
    // a parent named by an earlier row was created before this one (rows apply in order)
    const parentId = p.parent.id;
    if (!parentId) throw new Error(`import row ${p.row}: its parent has not been created`);
    try {
      const org = await orgService.create(ctx, { parentId, name: p.node.name, kind: p.node.kind, category: p.category });
      p.node.id = org.id;
      items.push({ row: p.row, id: toGlobalId('Org', org.id), name: org.name });
    } catch (error) {
      problems.push(serviceProblem(p.row, error, cols, 'name', { parentId: 'parent', kind: 'kind', category: 'category', name: 'name' }));
    }
    if (problems.length) break; // the transaction is rolled back; later rows may depend on this one
  }
  if (problems.length) throw rejected(problems);
  ctx.forget('org.byId');
  return { dryRun, rows: table.rows.length, created: items.length, items };
}

/**
 * Users from a table (username, display name, home org name or path, role held over that org,
 * initial password), checked row by row, then created through userService.create + assignRole.
 */
export async function importUsers(ctx: RequestContext, table: Table, dryRun: boolean): Promise<ImportResult> {
  const viewer = requireUser(ctx);
  requireAdmin(ctx);
  limitRows(table, MAX_USER_ROWS);
  const problems: ImportProblem[] = [];
  const cols = columnsOf(table, USER_COLUMNS, problems);
  if (problems.length) throw rejected(problems);
  const nodes = await visibleTree(ctx);
  const cellOf = (values: string[], f: keyof typeof cols) => values[cols[f].index] ?? '';
  const usernames = table.rows.map((r) => cellOf(r.values, 'username')).filter(Boolean);
  const taken = new Set<string>(
    (
      await ctx.tx.query<{ username: string }>(`SELECT username FROM users WHERE tenant_id = $1 AND username = ANY($2::text[])`, [
        viewer.tenantId,
        usernames,
      ])
    ).map((r) => r.username),
  );
  const seen = new Map<string, number>();
  const planned: { row: number; username: string; displayName: string; orgId: string; role: Role; password: string }[] = [];
  for (const { row, values } of table.rows) {
    const cell = (f: keyof typeof cols) => cellOf(values, f);
    const bad = (f: keyof typeof cols, reason: Refusal['reason'], params?: Refusal['params']) =>
      problems.push(problem(row, cols[f].header, { reason, params }));
    const before = problems.length;
    const username = cell('username');
    const earlierRow = seen.get(username);
    if (!/^[A-Za-z0-9_.-]{2,64}$/.test(username)) bad('username', 'IMPORT_USERNAME_FORMAT');
    else if (taken.has(username)) bad('username', 'IMPORT_USERNAME_TAKEN', { username });
    else if (earlierRow !== undefined) bad('username', 'IMPORT_USERNAME_REPEATED', { username, earlierRow });
    else seen.set(username, row);
    const displayName = cell('displayName');
    if (!displayName) bad('displayName', 'IMPORT_VALUE_REQUIRED');
    else if (displayName.length > 100) bad('displayName', 'IMPORT_VALUE_TOO_LONG', { limit: 100 });
    let orgId: string | undefined;
    if (!cell('org')) bad('org', 'IMPORT_VALUE_REQUIRED');
    else {
      const found = resolve(nodes, cell('org'));
      if ('refusal' in found) bad('org', found.refusal.reason, found.refusal.params);
      else if (!found.node.manageable) bad('org', 'IMPORT_ORG_NOT_ADMIN');
      else if (found.node.archived) bad('org', 'IMPORT_ORG_ARCHIVED');
      else orgId = found.node.id ?? undefined; // the tree holds existing orgs only here
    }
    const role = roleOf(cell('role'));
    if (!role) bad('role', 'IMPORT_UNKNOWN_ROLE', { value: cell('role'), ...choices(roleLabels) });
    const password = cell('password');
    if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max)
      bad('password', 'IMPORT_PASSWORD_LENGTH', PASSWORD_LENGTH);
    if (problems.length === before && orgId && role) planned.push({ row, username, displayName, orgId, role, password });
  }
  if (problems.length) throw rejected(problems);
  if (dryRun)
    return { dryRun, rows: table.rows.length, created: 0, items: planned.map((p) => ({ row: p.row, id: null, name: p.username })) };

  const items: ImportResult['items'] = [];
  for (const p of planned) {
    try {
      const user = await userService.create(ctx, {
        username: p.username,
        displayName: p.displayName,
        password: p.password,
        orgId: p.orgId,
      });
      await userService.assignRole(ctx, { userId: user.id, role: p.role, orgId: p.orgId });
      items.push({ row: p.row, id: toGlobalId('User', user.id), name: user.username });
    } catch (error) {
      problems.push(
        serviceProblem(p.row, error, cols, 'username', {
          username: 'username',
          displayName: 'displayName',
          password: 'password',
          orgId: 'org',
          role: 'role',
        }),
      );
      break;
    }
  }
  if (problems.length) throw rejected(problems);
  return { dryRun, rows: table.rows.length, created: items.length, items };
}
