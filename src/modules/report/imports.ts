import { holdsRole, inScope, visibleOrgSql } from '../../auth/scope';
import { UserViewer } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { AppError, toAppError } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/relay';
import { Org, OrgCategory, OrgKind, orgCategoryLabels, orgKindLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role, roleLabels } from '../../auth/roles';
import { userService } from '../user/user.service';
import { MAX_ORG_ROWS, MAX_USER_ROWS, tooManyRows } from './import-limits';
import { ReportErrorReason, reportError } from './report.errors';
import { Table } from './table';

/** One bad cell (or row): the row number as the spreadsheet shows it, and the column by its header. */
export interface ImportProblem {
  path: string;
  row: number;
  column: string;
  message: string;
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
    if (index < 0) problems.push(problem(1, def.header, `Missing column ${def.header}`));
    out[def.field] = { index, header: index >= 0 ? table.headers[index] : def.header };
  }
  return out;
}

function problem(row: number, column: string, message: string): ImportProblem {
  return { path: `row ${row}, ${column}`, row, column, message };
}

function rejected(problems: ImportProblem[]): AppError {
  const rows = new Set(problems.map((p) => p.row)).size;
  return reportError(
    ReportErrorReason.IMPORT_INVALID,
    `The file has ${problems.length} problem(s) in ${rows} row(s); nothing was imported`,
    { problems },
  );
}

/** A service refusal while applying a row, reported against the column its field names. */
function serviceProblem<F extends string>(
  row: number,
  error: unknown,
  cols: Record<F, { header: string }>,
  fallback: F,
  fields: Record<string, F>,
): ImportProblem {
  const known = toAppError(error);
  if (!known) throw error;
  const field = known.details.field?.replace(/^input\./, '') ?? '';
  return problem(row, cols[fields[field] ?? fallback].header, known.message);
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
function resolve(nodes: TreeNode[], text: string): { node?: TreeNode; message?: string } {
  const segments = text
    .split(/[/／>]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (!segments.length) return { message: 'is empty' };
  const matches = nodes.filter((n) => {
    const path = namePath(n);
    return path.length >= segments.length && segments.every((s, i) => path[path.length - segments.length + i] === s);
  });
  if (!matches.length) return { message: `No org “${text}” in your scope (a parent must exist or come in an earlier row)` };
  if (matches.length > 1) return { message: `Several orgs are named “${text}”: give the path, e.g. ${namePath(matches[0]).join('/')}` };
  return { node: matches[0] };
}

/**
 * The gate of both import routes: TENANT_ADMIN over some subtree (each row is then checked against the
 * admin's own subtree). The routes run it before the body is read, so no file of a non-admin is parsed.
 */
export function requireImportAdmin(viewer: UserViewer) {
  if (!holdsRole(viewer, ADMIN)) throw reportError(ReportErrorReason.NOT_IMPORT_ADMIN, 'Only a tenant admin imports orgs and users');
}

function requireAdmin(ctx: RequestContext) {
  requireImportAdmin(requireUser(ctx));
}

function limitRows(table: Table, max: number) {
  if (table.rows.length > max) throw tooManyRows(max);
  if (!table.rows.length) throw reportError(ReportErrorReason.IMPORT_INVALID, 'The file has no data rows', 'file');
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
    const bad = (f: keyof typeof cols, message: string) => problems.push(problem(row, cols[f].header, message));
    const before = problems.length;
    const name = cell('name');
    if (!name) bad('name', 'A name is required');
    else if (name.length > 200) bad('name', 'A name has at most 200 characters');
    const kind = kindOf(cell('kind'));
    if (!kind) bad('kind', `Unknown org kind “${cell('kind')}” (党委, 党总支, 党支部 or COMMITTEE, GENERAL_BRANCH, BRANCH)`);
    const category = categoryOf(cell('category'));
    if (!category) bad('category', `Unknown category “${cell('category')}” (机关, 事业, 企业 or ORGAN, INSTITUTION, ENTERPRISE)`);
    let parent: TreeNode | undefined;
    if (!cell('parent')) bad('parent', 'A parent org is required');
    else {
      const found = resolve(nodes, cell('parent'));
      if (found.message) bad('parent', found.message);
      else if (!found.node!.manageable) bad('parent', 'Only a tenant admin over the parent org may add orgs under it');
      else if (found.node!.archived) bad('parent', 'The parent org is archived');
      else if (kind && !CHILD_KINDS[found.node!.kind].includes(kind))
        bad('kind', `A ${orgKindLabels[kind]} cannot sit under a ${orgKindLabels[found.node!.kind]}`);
      else parent = found.node;
    }
    if (parent && name && nodes.some((n) => n.parent === parent && n.name === name)) {
      bad(
        'name',
        `“${name}” already exists under ${parent.name}${nodes.some((n) => n.parent === parent && n.name === name && n.row) ? ' (an earlier row)' : ''}`,
      );
    }
    if (problems.length === before) {
      const node: TreeNode = { id: null, name, kind: kind!, archived: false, manageable: true, parent: parent!, row };
      nodes.push(node);
      planned.push({ row, node, parent: parent!, category: category! });
    }
  }
  if (problems.length) throw rejected(problems);
  if (dryRun)
    return { dryRun, rows: table.rows.length, created: 0, items: planned.map((p) => ({ row: p.row, id: null, name: p.node.name })) };

  const items: ImportResult['items'] = [];
  for (const p of planned) {
    try {
      const org = await orgService.create(ctx, { parentId: p.parent.id!, name: p.node.name, kind: p.node.kind, category: p.category });
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
      await ctx.tx.query(`SELECT username FROM users WHERE tenant_id = $1 AND username = ANY($2::text[])`, [viewer.tenantId, usernames])
    ).map((r: { username: string }) => r.username),
  );
  const seen = new Map<string, number>();
  const planned: { row: number; username: string; displayName: string; orgId: string; role: Role; password: string }[] = [];
  for (const { row, values } of table.rows) {
    const cell = (f: keyof typeof cols) => cellOf(values, f);
    const bad = (f: keyof typeof cols, message: string) => problems.push(problem(row, cols[f].header, message));
    const before = problems.length;
    const username = cell('username');
    if (!/^[A-Za-z0-9_.-]{2,64}$/.test(username)) bad('username', 'A username has 2 to 64 letters, digits or ._-');
    else if (taken.has(username)) bad('username', `The username ${username} is taken`);
    else if (seen.has(username)) bad('username', `The username ${username} is also in row ${seen.get(username)}`);
    else seen.set(username, row);
    const displayName = cell('displayName');
    if (!displayName || displayName.length > 100) bad('displayName', 'A display name has 1 to 100 characters');
    let org: TreeNode | undefined;
    if (!cell('org')) bad('org', 'A home org is required');
    else {
      const found = resolve(nodes, cell('org'));
      if (found.message) bad('org', found.message);
      else if (!found.node!.manageable) bad('org', 'Only a tenant admin over the org may add its users');
      else if (found.node!.archived) bad('org', 'The org is archived');
      else org = found.node;
    }
    const role = roleOf(cell('role'));
    if (!role) bad('role', `Unknown role “${cell('role')}” (${Object.values(roleLabels).join(', ')}, or its code)`);
    const password = cell('password');
    if (password.length < 8 || password.length > 200) bad('password', 'An initial password has 8 to 200 characters');
    if (problems.length === before) planned.push({ row, username, displayName, orgId: org!.id!, role: role!, password });
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
