import { randomUUID } from 'node:crypto';
import { BULK_HASH_LANES, hashPasswordInBulk } from '../../auth/password';
import { Role, roleLabels } from '../../auth/roles';
import { holdsRole, inScope, visibleOrgSql } from '../../auth/scope';
import { UserViewer } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { AppError, Problem } from '../../graphql/errors';
import { MessageParam, renderReason } from '../../graphql/messages';
import { toGlobalId } from '../../graphql/relay';
import { Org, OrgCategory, OrgKind, orgCategoryLabels, orgKindLabels, pathLabel } from '../org/org.entity';
import { PASSWORD_LENGTH } from '../user/user.service';
import { MAX_ORG_DEPTH, MAX_ORG_ROWS, MAX_USER_ROWS, tooManyRows } from './import-limits';
import { ReportReason, reportError } from './report.errors';
import { OrgIndex, TreeNode } from './org-index';
import { Table } from './table';
import { TENANT_TODAY_SQL } from '../../graphql/today';

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
    // a second column of the same field (or an alias of it) is refused, never silently ignored
    const again = index < 0 ? -1 : normalized.findIndex((h, i) => i > index && names.includes(h));
    if (again >= 0)
      problems.push(problem(1, table.headers[again], { reason: 'IMPORT_COLUMN_REPEATED', params: { first: table.headers[index] } }));
    out[def.field] = { index, header: index >= 0 ? table.headers[index] : def.header };
  }
  return out;
}

function problem(row: number, column: string, { reason, params = {} }: Refusal): ImportProblem {
  const values = { ...params, row, column };
  return { ...values, path: `row ${row}, ${column}`, reason, message: renderReason(reason, values, 'zh-CN') ?? reason };
}

export function rejected(problems: ImportProblem[]): AppError {
  return reportError('IMPORT_INVALID', { params: { count: problems.length }, problems });
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

/** Rows checked or applied so far, reported every PROGRESS_EVERY rows (a job records it; the loop also yields to other requests). */
export type Progress = (done: number) => Promise<void>;
const PROGRESS_EVERY = 1000;
/** Rows per INSERT statement (each column one array parameter). */
const INSERT_CHUNK = 2000;

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

async function step(done: number, progress?: Progress) {
  if (done % PROGRESS_EVERY) return;
  await yieldToOthers();
  await progress?.(done);
}

/** The orgs the viewer sees (its scope and the ancestors above it), indexed by name and name path. */
async function visibleTree(ctx: RequestContext): Promise<OrgIndex> {
  const viewer = requireUser(ctx);
  const visible = visibleOrgSql(viewer, 'o');
  const orgs = await ctx.tx
    .repository(Org)
    .createQueryBuilder('o')
    .where('o.tenant_id = :t', { t: viewer.tenantId })
    .andWhere(visible.sql, visible.params)
    .orderBy('o.path_key')
    .getMany();
  const index = new OrgIndex();
  const nodes = new Map<string, TreeNode>();
  for (const o of orgs) {
    const node: TreeNode = {
      id: o.id,
      name: o.name,
      kind: o.kind,
      path: o.path,
      depth: o.path.split('.').length,
      archived: !!o.archivedAt,
      manageable: inScope(viewer, o.path, ADMIN),
      parent: o.parentId ? (nodes.get(o.parentId) ?? null) : null,
    };
    nodes.set(o.id, node);
    index.add(node);
  }
  return index;
}

/** An org by name, or by a name path ("市公交集团党委/第一车队党支部", from the root or any ancestor down). */
function resolve(index: OrgIndex, text: string): { node: TreeNode } | { refusal: Refusal } {
  const segments = text
    .split(/[/／>]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (!segments.length) return { refusal: { reason: 'IMPORT_ORG_PATH_EMPTY', params: { value: text } } };
  const found = index.resolve(segments);
  if ('unknown' in found) return { refusal: { reason: 'IMPORT_ORG_UNKNOWN', params: { value: text } } };
  if ('ambiguous' in found) {
    return { refusal: { reason: 'IMPORT_ORG_AMBIGUOUS', params: { value: text, example: index.namePath(found.ambiguous).join('/') } } };
  }
  return found;
}

export interface PlannedOrg {
  row: number;
  node: TreeNode;
  parent: TreeNode;
  category: OrgCategory;
}

export interface PlannedUser {
  row: number;
  username: string;
  displayName: string;
  orgId: string;
  role: Role;
  password: string;
  /** Set when applied. */
  id?: string;
}

/** A file checked: what it would create, or every problem found (then nothing is created). */
export interface Checked<P> {
  rows: number;
  planned: P[];
  problems: ImportProblem[];
}

/** The row bounds of a file: `max` data rows, at least one. */
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
 * Checks an org table (name, kind label or code, category, parent name or path) row by row against
 * the viewer's tree and the earlier rows; names resolve through one index (O(1) per row). A row whose
 * org would sit deeper than MAX_ORG_DEPTH is a problem of its row (IMPORT_ORG_TOO_DEEP), checked before
 * the org is indexed; it is still indexed (its suffixes capped at MAX_ORG_DEPTH names), so the rows under
 * it hear the same reason rather than an unknown parent.
 */
export async function checkOrgs(ctx: RequestContext, table: Table, progress?: Progress): Promise<Checked<PlannedOrg>> {
  requireAdmin(ctx);
  const problems: ImportProblem[] = [];
  const cols = columnsOf(table, ORG_COLUMNS, problems);
  if (problems.length) return { rows: table.rows.length, planned: [], problems };
  const index = await visibleTree(ctx);
  const planned: PlannedOrg[] = [];
  let done = 0;
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
      const found = resolve(index, cell('parent'));
      if ('refusal' in found) bad('parent', found.refusal.reason, found.refusal.params);
      else if (!found.node.manageable) bad('parent', 'IMPORT_PARENT_NOT_ADMIN');
      else if (found.node.archived) bad('parent', 'IMPORT_PARENT_ARCHIVED');
      else if (kind && !CHILD_KINDS[found.node.kind].includes(kind))
        bad('kind', 'ORG_PARENT_KIND', { kind: orgKindLabels[kind], parentKind: orgKindLabels[found.node.kind] });
      else parent = found.node;
    }
    const sibling = parent && name ? index.child(parent, name) : undefined;
    if (parent && sibling) {
      if (sibling.row) bad('name', 'IMPORT_ORG_REPEATED', { name, parent: parent.name, earlierRow: sibling.row });
      else bad('name', 'IMPORT_ORG_EXISTS', { name, parent: parent.name });
    }
    if (problems.length === before && kind && category && parent) {
      const node: TreeNode = { id: null, name, kind, path: null, depth: parent.depth + 1, archived: false, manageable: true, parent, row };
      if (node.depth > MAX_ORG_DEPTH) bad('parent', 'IMPORT_ORG_TOO_DEEP', { limit: MAX_ORG_DEPTH, parent: parent.name });
      else planned.push({ row, node, parent, category });
      index.add(node);
    }
    await step(++done, progress);
  }
  return { rows: table.rows.length, planned, problems };
}

/** Runs `insert` on `rows` in chunks of INSERT_CHUNK; `progress` after each. */
async function inChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<void>, progress?: Progress) {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await insert(rows.slice(i, i + INSERT_CHUNK));
    await yieldToOthers();
    await progress?.(Math.min(rows.length, i + INSERT_CHUNK));
  }
}

const isUniqueViolation = (error: unknown, constraint: string) => {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const pg = e.driverError ?? e;
  return pg.code === '23505' && pg.constraint === constraint;
};

/**
 * Existing orgs a file writes under, locked against a concurrent archive or move (FOR SHARE, in id order)
 * and read as they now stand: one moved meanwhile has another path, and may have left the admin's subtree.
 */
async function lockExisting(ctx: RequestContext, ids: string[]): Promise<Map<string, { archived: boolean; path: string }>> {
  const rows = await ctx.tx.query<{ id: string; archived: boolean; path: string }>(
    `SELECT id, archived_at IS NOT NULL AS archived, path::text AS path FROM orgs WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR SHARE`,
    [requireUser(ctx).tenantId, [...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Creates checked orgs in the caller's transaction, as orgService.create would one by one (the existing
 * parents locked against a concurrent archive and refused when archived, established today in the
 * tenant's time zone, a sibling's name unique among live siblings), but in multi-row INSERTs of
 * INSERT_CHUNK rows (rows apply in file order, so a parent named by an earlier row exists first).
 * Row-level security checks every row as for a request. A refusal met here is a problem of its row.
 */
export async function applyOrgs(ctx: RequestContext, planned: PlannedOrg[], progress?: Progress): Promise<ImportProblem[]> {
  const viewer = requireUser(ctx);
  const header = (f: 'name' | 'parent') => ORG_COLUMNS.find((c) => c.field === f)?.header ?? f;
  const now = await lockExisting(
    ctx,
    planned.flatMap((p) => (!p.parent.row && p.parent.id ? [p.parent.id] : [])),
  );
  // the parents as they stand once locked: one moved meanwhile has another path (and may have left the admin's subtree)
  const problems = planned.flatMap((p) => {
    if (p.parent.row || !p.parent.id) return [];
    const parent = now.get(p.parent.id);
    if (!parent || !inScope(viewer, parent.path, ADMIN)) return [problem(p.row, header('parent'), { reason: 'IMPORT_PARENT_NOT_ADMIN' })];
    if (parent.archived) return [problem(p.row, header('parent'), { reason: 'IMPORT_PARENT_ARCHIVED' })];
    p.parent.path = parent.path;
    p.parent.depth = parent.path.split('.').length;
    return [];
  });
  if (problems.length) return problems;
  // depths again from the parents as they now stand (rows in file order: a planned parent's depth is already set)
  for (const p of planned) {
    p.node.depth = p.parent.depth + 1;
    if (p.node.depth > MAX_ORG_DEPTH)
      problems.push(
        problem(p.row, header('parent'), { reason: 'IMPORT_ORG_TOO_DEEP', params: { limit: MAX_ORG_DEPTH, parent: p.parent.name } }),
      );
  }
  if (problems.length) return problems;
  const [{ today }] = await ctx.tx.query<{ today: string }>(`SELECT ${TENANT_TODAY_SQL}::text AS today`);
  for (const [i, p] of planned.entries()) {
    // rows apply in order: a planned parent got its id and path from an earlier row
    if (!p.parent.path || !p.parent.id) throw new Error(`import row ${p.row}: its parent has no path`);
    p.node.id = randomUUID();
    p.node.path = `${p.parent.path}.${pathLabel(p.node.id)}`;
    if (i % PROGRESS_EVERY === PROGRESS_EVERY - 1) await yieldToOthers();
  }
  try {
    await inChunks(
      planned,
      async (chunk) => {
        await ctx.tx.execute(
          `INSERT INTO orgs (tenant_id, id, parent_id, name, kind, category, path, established_on)
           SELECT $1::uuid, u.id, u.parent_id, u.name, u.kind, u.category, u.path::ltree, $8::date
             FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(id, parent_id, name, kind, category, path)`,
          [
            viewer.tenantId,
            chunk.map((p) => p.node.id),
            chunk.map((p) => p.parent.id),
            chunk.map((p) => p.node.name),
            chunk.map((p) => p.node.kind),
            chunk.map((p) => p.category),
            chunk.map((p) => p.node.path),
            today,
          ],
        );
      },
      progress,
    );
  } catch (error) {
    // a concurrent request created a sibling of the same name since the check
    if (!isUniqueViolation(error, 'orgs_live_sibling_name')) throw error;
    const detail = String((error as { detail?: string; driverError?: { detail?: string } }).driverError?.detail ?? '');
    const p = planned.find((q) => detail.includes(q.parent.id ?? '-') && detail.includes(q.node.name)) ?? planned[0];
    return [problem(p.row, header('name'), { reason: 'IMPORT_ORG_EXISTS', params: { name: p.node.name, parent: p.parent.name } })];
  }
  ctx.forget('org.byId');
  return [];
}

/**
 * Orgs from a table, checked (checkOrgs), then, unless dry-running, created (applyOrgs) in the caller's
 * transaction. Any bad row rejects the whole file with every problem listed.
 */
export async function importOrgs(ctx: RequestContext, table: Table, dryRun: boolean): Promise<ImportResult> {
  requireAdmin(ctx);
  limitRows(table, MAX_ORG_ROWS);
  const { planned, problems } = await checkOrgs(ctx, table);
  if (problems.length) throw rejected(problems);
  if (!dryRun) {
    const refused = await applyOrgs(ctx, planned);
    if (refused.length) throw rejected(refused);
  }
  return {
    dryRun,
    rows: table.rows.length,
    created: dryRun ? 0 : planned.length,
    items: planned.map((p) => ({ row: p.row, id: dryRun || !p.node.id ? null : toGlobalId('Org', p.node.id), name: p.node.name })),
  };
}

/**
 * Checks a user table (username, display name, home org name or path, role held over that org,
 * initial password) row by row; usernames taken are read in one statement.
 */
export async function checkUsers(ctx: RequestContext, table: Table, progress?: Progress): Promise<Checked<PlannedUser>> {
  const viewer = requireUser(ctx);
  requireAdmin(ctx);
  const problems: ImportProblem[] = [];
  const cols = columnsOf(table, USER_COLUMNS, problems);
  if (problems.length) return { rows: table.rows.length, planned: [], problems };
  const index = await visibleTree(ctx);
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
  const planned: PlannedUser[] = [];
  let done = 0;
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
      const found = resolve(index, cell('org'));
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
    await step(++done, progress);
  }
  return { rows: table.rows.length, planned, problems };
}

/**
 * Creates checked users and their roles in the caller's transaction, as userService.create and
 * assignRole would one by one (the same password hash), in multi-row INSERTs. A username taken by a
 * concurrent request since the check is a problem of its row.
 */
export async function applyUsers(ctx: RequestContext, planned: PlannedUser[], progress?: Progress): Promise<ImportProblem[]> {
  const viewer = requireUser(ctx);
  // the users' orgs locked against a concurrent archive or move, and checked again as they now stand
  const header = USER_COLUMNS.find((c) => c.field === 'org')?.header ?? 'org';
  const now = await lockExisting(
    ctx,
    planned.map((p) => p.orgId),
  );
  const moved = planned.flatMap((p) => {
    const org = now.get(p.orgId);
    if (!org || !inScope(viewer, org.path, ADMIN)) return [problem(p.row, header, { reason: 'IMPORT_ORG_NOT_ADMIN' })];
    if (org.archived) return [problem(p.row, header, { reason: 'IMPORT_ORG_ARCHIVED' })];
    return [];
  });
  if (moved.length) return moved;
  try {
    await inChunks(
      planned,
      async (chunk) => {
        const hashes: string[] = new Array(chunk.length);
        let next = 0;
        await Promise.all(
          // as many workers as the process's bulk lanes, which every import shares (sign-ins keep the rest of libuv's pool)
          Array.from({ length: BULK_HASH_LANES }, async () => {
            while (next < chunk.length) {
              const i = next++;
              hashes[i] = await hashPasswordInBulk(chunk[i].password, ctx.config.passwordScryptCost);
            }
          }),
        );
        const ids = chunk.map(() => randomUUID());
        await ctx.tx.execute(
          `INSERT INTO users (tenant_id, id, username, display_name, password_hash, org_id, disabled, must_change_password)
           SELECT $1::uuid, u.id, u.username, u.display_name, u.password_hash, u.org_id, false, true
             FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[]) AS u(id, username, display_name, password_hash, org_id)`,
          [viewer.tenantId, ids, chunk.map((p) => p.username), chunk.map((p) => p.displayName), hashes, chunk.map((p) => p.orgId)],
        );
        await ctx.tx.execute(
          `INSERT INTO role_assignments (tenant_id, user_id, role, org_id)
           SELECT $1::uuid, u.user_id, u.role, u.org_id FROM unnest($2::uuid[], $3::text[], $4::uuid[]) AS u(user_id, role, org_id)`,
          [viewer.tenantId, ids, chunk.map((p) => p.role), chunk.map((p) => p.orgId)],
        );
        chunk.forEach((p, i) => (p.id = ids[i]));
      },
      progress,
    );
  } catch (error) {
    if (!isUniqueViolation(error, 'users_tenant_id_username_key')) throw error;
    const detail = String((error as { driverError?: { detail?: string } }).driverError?.detail ?? '');
    const p = planned.find((q) => detail.includes(`, ${q.username})`)) ?? planned[0];
    const header = USER_COLUMNS.find((c) => c.field === 'username')?.header ?? 'username';
    return [problem(p.row, header, { reason: 'IMPORT_USERNAME_TAKEN', params: { username: p.username } })];
  }
  return [];
}

/** Users from a table, checked (checkUsers), then, unless dry-running, created (applyUsers). */
export async function importUsers(ctx: RequestContext, table: Table, dryRun: boolean): Promise<ImportResult> {
  requireAdmin(ctx);
  limitRows(table, MAX_USER_ROWS);
  const { planned, problems } = await checkUsers(ctx, table);
  if (problems.length) throw rejected(problems);
  if (!dryRun) {
    const refused = await applyUsers(ctx, planned);
    if (refused.length) throw rejected(refused);
  }
  return {
    dryRun,
    rows: table.rows.length,
    created: dryRun ? 0 : planned.length,
    items: planned.map((p) => ({ row: p.row, id: dryRun || !p.id ? null : toGlobalId('User', p.id), name: p.username })),
  };
}
