import { SelectQueryBuilder } from 'typeorm';
import { ancestorKeys, inScope, positional, scopedRootsUnder, subtreeOf, underAnySql, visibleOrgSql } from '../../auth/scope';
import { READ_ROLES, UserViewer, isAncestorOrSelf, scopePaths } from '../../auth/viewer';
import { containsPattern } from '../../db/like';
import { RequestTransaction, Statement } from '../../db/request-transaction';
import { columnsOf, hydrate } from '../../db/hydrate';
import { RequestContext, requireUser } from '../../graphql/context';
import { Page, decodeTypedCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { Role } from '../../auth/roles';
import { MAX_ORG_DEPTH, Org, OrgCategory, OrgKind, orgKindLabels, pathLabel } from './org.entity';
import { orgError } from './org.errors';
import { coreError } from '../../graphql/errors';
import { TENANT_TODAY_SQL } from '../../graphql/today';
import { askedArgument } from '../../graphql/selection';
import { GraphQLResolveInfo } from 'graphql';

export interface OrgFilter {
  kind?: OrgKind;
  category?: OrgCategory;
  search?: string;
  includeArchived?: boolean;
  /** Leave the subtree root itself out (descendants). */
  excludeRoot?: boolean;
}

export interface OrgCounts {
  total: number;
  committees: number;
  generalBranches: number;
  branches: number;
}

/** Which kinds may sit directly under which: 党支部 has no sub-organizations; 党总支 holds 党支部. */
const allowedChildKinds: Record<OrgKind, OrgKind[]> = {
  COMMITTEE: [OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH],
  GENERAL_BRANCH: [OrgKind.BRANCH],
  BRANCH: [],
};

const MANAGE_ROLES = [Role.TENANT_ADMIN];

function orgQuery(ctx: RequestContext, viewer: UserViewer): SelectQueryBuilder<Org> {
  const visible = visibleOrgSql(viewer, 'o');
  return ctx.tx
    .repository(Org)
    .createQueryBuilder('o')
    .where('o.tenant_id = :tenantId', { tenantId: viewer.tenantId })
    .andWhere(visible.sql, visible.params);
}

/**
 * The statement the by-id loader reads with: the tenant's orgs by id, visibility left to the loader (as
 * findInScope does), so that a root field naming an org (`org(id:)`, `orgs(under:)`) has it read ahead
 * with the request's opening round trip (org.module.ts).
 */
export function orgsByIdStatement(tx: RequestTransaction, tenantId: string, ids: string[]): Statement {
  return {
    sql: `SELECT ${columnsOf(tx, Org, 'o')} FROM orgs o WHERE o.tenant_id = $1 AND o.id = ANY($2::uuid[])`,
    params: [tenantId, ids],
  };
}

/** Per-request batch of org lookups by id, limited to what the viewer may see (one hand-written statement, hydrate). */
function orgByIdLoader(ctx: RequestContext) {
  return ctx.loader<string, Org | null>('org.byId', async (ids) => {
    const viewer = requireUser(ctx);
    const { sql, params } = orgsByIdStatement(ctx.tx, viewer.tenantId, [...ids]);
    const rows = await ctx.tx.query<Record<string, unknown>>(sql, params);
    const roots = scopePaths(viewer, READ_ROLES);
    const byId = new Map<string, Org>();
    for (const row of rows) {
      const org = hydrate(ctx.tx, Org, 'o', row) as Org;
      if (visibleFrom(roots, org.path)) byId.set(org.id, org);
    }
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** What visibleOrgSql selects, for one org: inside a scope root's subtree, or an ancestor of one (a breadcrumb). */
function visibleFrom(roots: string[], path: string): boolean {
  return roots.some((root) => isAncestorOrSelf(root, path) || isAncestorOrSelf(path, root));
}

/**
 * A field another module adds to Org that a page of orgs can read in its own statement, for every node
 * at once (evaluation.resolver.ts registers Org.campaignResult): without it, the field's loader reads
 * them in a statement after the page.
 */
export interface OrgPageJoin {
  /** The field as asked for on the page's nodes, and the argument its rows depend on. */
  field: string;
  arg: string;
  /**
   * For the argument's value (null: not joined, the field reads as it would without): columns and joins
   * over `page` (the page's rows: the org's columns as `o_…`, `page.page_n` its place from 1), numbered
   * parameters pushed onto `params`, and what the field's loader takes from the rows.
   */
  join(ctx: RequestContext, value: unknown, params: unknown[]): JoinedToPage | null;
}

export interface JoinedToPage {
  columns: string;
  from: string;
  take(rows: Record<string, unknown>[]): void;
}

const orgPageJoins: OrgPageJoin[] = [];

/** The joins a page of orgs carries for this request: its nodes' fields that have one, with their argument's value. */
export type AskedJoins = { join: OrgPageJoin; value: unknown }[];

/**
 * A check another module adds to every restore of an archived org (the exemplar module: the titles the org held
 * come back into their category's count). It runs with the org locked FOR UPDATE, still archived, just before it
 * is made live again, in the restore's transaction; it throws a coded error to refuse.
 */
export type RestoreGuard = (ctx: RequestContext, org: Org) => Promise<void>;
const restoreGuards: RestoreGuard[] = [];
export function addRestoreGuard(guard: RestoreGuard): void {
  if (!restoreGuards.includes(guard)) restoreGuards.push(guard);
}

export const orgService = {
  /** Registers a field of Org read with the page's own statement (once, as a module loads). */
  joinToPages(join: OrgPageJoin): void {
    orgPageJoins.push(join);
  },

  /** The registered page joins the request asks for, by the fields under `nodes` or `edges.node` of the list. */
  pageJoinsAsked(info: GraphQLResolveInfo): AskedJoins {
    return orgPageJoins.flatMap((join) => {
      const value = askedArgument(info, ['nodes', join.field], join.arg) ?? askedArgument(info, ['edges', 'node', join.field], join.arg);
      return value === undefined ? [] : [{ join, value }];
    });
  },

  async findById(ctx: RequestContext, id: string): Promise<Org | null> {
    return orgByIdLoader(ctx).load(id);
  },

  /** An org the caller read itself, already known visible to the viewer: later lookups by id need no statement. */
  prime(ctx: RequestContext, org: Org): void {
    orgByIdLoader(ctx).prime(org.id, org);
  },

  /**
   * An org the caller read beside something else (a joined row): primed when the viewer may see it as
   * findById reads it (inside its read scope or above it), so later lookups need no statement. Answers
   * whether it is visible.
   */
  primeIfVisible(ctx: RequestContext, org: Org): boolean {
    const visible = visibleFrom(scopePaths(requireUser(ctx), READ_ROLES), org.path);
    if (visible) orgByIdLoader(ctx).prime(org.id, org);
    return visible;
  },

  /**
   * An org the viewer reads fully, may act on (`authorize` throws the module's refusal otherwise) and
   * that is live: nothing new is attached to an archived (撤销) org (a user, a role, an evaluation, a
   * pledge, a record, a code for the public) until it is restored. What it already has stays readable.
   * The role is checked before anything about the org's state is said or locked.
   */
  async getLiveInScopeOrThrow(ctx: RequestContext, id: string, authorize: (org: Org) => void, field = 'input.orgId'): Promise<Org> {
    return lockLive(ctx, await this.getInScopeOrThrow(ctx, id), field, authorize);
  },

  /**
   * The org as it stands, locked against a concurrent archive or move until the transaction ends (FOR
   * SHARE), refused when archived: what a request attaches to it cannot land on an org archived meanwhile.
   * `authorize` runs first, and again where the org stands when it moved meanwhile.
   */
  lockLive(ctx: RequestContext, org: Org, authorize: (org: Org) => void, field = 'input.orgId'): Promise<Org> {
    return lockLive(ctx, org, field, authorize);
  },

  /**
   * The org of a record the caller changes or removes (visible to the viewer, as the record was found in
   * scope): `authorize` first, then held FOR SHARE until the transaction ends, so a concurrent move waits
   * for the change or the change for the move, and where a move committed meanwhile, read scope and
   * `authorize` run again where the org now stands (`gone`, the record's own not-found, when the viewer no
   * longer reads it there). An archived org's records stay editable: no refusal.
   */
  async holdForChange(ctx: RequestContext, orgId: string, authorize: (org: Org) => void | Promise<void>, gone: () => Error): Promise<Org> {
    return lockOrg(ctx, await this.getOrThrow(ctx, orgId), authorize, gone);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Org> {
    const org = await orgByIdLoader(ctx).load(id);
    if (!org) throw orgError('ORG_NOT_FOUND');
    return org;
  },

  /**
   * Orgs the viewer reads fully, as getInScopeOrThrow reads each, in one statement however many ids: refused
   * (ORG_NOT_FOUND) at the first id in the caller's order that is foreign, out of scope or unknown. Answers the
   * orgs in the order of `ids`.
   */
  async getManyInScopeOrThrow(ctx: RequestContext, ids: readonly string[], roles?: Role[]): Promise<Org[]> {
    const viewer = requireUser(ctx);
    const orgs = await orgByIdLoader(ctx).loadMany([...ids]);
    return orgs.map((org) => {
      if (org instanceof Error) throw org;
      if (!org || !inScope(viewer, org.path, roles)) throw orgError('ORG_NOT_FOUND');
      return org;
    });
  },

  /**
   * Orgs as getLiveInScopeOrThrow takes each, in two statements however many ids (the orgs, then the ones in scope
   * locked FOR SHARE in id order): refused at the first id in the caller's order that a check of one at a time
   * would refuse, with the same reason (ORG_NOT_FOUND, `authorize`'s refusal, ORG_ARCHIVED naming the org).
   */
  async getManyLiveInScopeOrThrow(
    ctx: RequestContext,
    ids: readonly string[],
    authorize: (org: Org) => void,
    field = 'input.orgId',
  ): Promise<Org[]> {
    const viewer = requireUser(ctx);
    const read = await orgByIdLoader(ctx).loadMany([...ids]);
    const inView = read.map((org) => {
      if (org instanceof Error) throw org;
      return org && inScope(viewer, org.path) ? org : null;
    });
    return lockManyLive(ctx, inView, () => orgError('ORG_NOT_FOUND'), authorize, field);
  },

  /**
   * Orgs read another way (findById), each as lockLive takes it, locked FOR SHARE in one statement in id order: refused
   * at the first in the order given that lockLive would refuse, a null one by `missing`.
   */
  lockManyLive(
    ctx: RequestContext,
    orgs: readonly (Org | null)[],
    missing: () => Error,
    authorize: (org: Org) => void,
    field = 'input.orgId',
  ): Promise<Org[]> {
    return lockManyLive(ctx, orgs, missing, authorize, field);
  },

  /**
   * Orgs a request will attach things to, locked FOR SHARE together in one statement (id order) before it checks them
   * one by one among its other checks: the answer checks one as lockLive would (see holdManyLive).
   */
  holdManyLive(
    ctx: RequestContext,
    orgs: readonly (Org | null)[],
  ): Promise<(org: Org, authorize: (org: Org) => void, field: string) => Org> {
    return holdManyLive(ctx, orgs);
  },

  /** An org the viewer reads fully (inside a scope subtree, not just an ancestor breadcrumb). */
  async getInScopeOrThrow(ctx: RequestContext, id: string, roles?: Role[]): Promise<Org> {
    const org = await this.getOrThrow(ctx, id);
    if (!inScope(requireUser(ctx), org.path, roles)) throw orgError('ORG_NOT_FOUND');
    return org;
  },

  async list(
    ctx: RequestContext,
    under: Org | null,
    filter: OrgFilter,
    first: number,
    after?: string,
    asked: AskedJoins = [],
  ): Promise<Page<Org>> {
    const viewer = requireUser(ctx);
    if (filter.search && filter.search.length > 100) throw orgError('ORG_SEARCH_TOO_LONG', { field: 'search', params: { limit: 100 } });
    const effectiveRoots = under ? scopedRootsUnder(viewer, under.path) : scopePaths(viewer);
    // one hand-written statement, its rows mapped with the cached column metadata (hydrate): a query
    // builder and its entity transformer cost more than the page's own work
    const params: unknown[] = [viewer.tenantId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['o.tenant_id = $1'];
    where.push(positional(underAnySql('o', effectiveRoots), params));
    if (filter.excludeRoot && under) where.push(`o.id <> ${param(under.id)}::uuid`);
    if (!filter.includeArchived) where.push('o.archived_at IS NULL');
    if (filter.kind) where.push(`o.kind = ${param(filter.kind)}`);
    if (filter.category) where.push(`o.category = ${param(filter.category)}`);
    if (filter.search) where.push(`o.name ILIKE ${param(containsPattern(filter.search))} ESCAPE '\\'`);
    const counted = { sql: `SELECT count(*)::int AS n FROM orgs o WHERE ${where.join(' AND ')}`, params: [...params] };
    // path_key orders exactly like the ltree path (fixed-length labels) and is what the index holds
    const cursor = decodeTypedCursor(after, ['text']);
    if (cursor) where.push(`o.path_key > ${param(cursor[0])}::text`);
    const joined = asked.flatMap(({ join, value }) => join.join(ctx, value, params) ?? []);
    let sql =
      `SELECT ${columnsOf(ctx.tx, Org, 'o')}${joined.length ? ', row_number() OVER (ORDER BY o.path_key) AS page_n' : ''}` +
      ` FROM orgs o WHERE ${where.join(' AND ')} ORDER BY o.path_key LIMIT ${first + 1}`;
    if (joined.length) {
      sql = `WITH page AS (${sql}) SELECT page.*, ${joined.map((j) => j.columns).join(', ')} FROM page ${joined.map((j) => j.from).join(' ')} ORDER BY page.page_n`;
    }
    const rows = await ctx.tx.query<Record<string, unknown>>(sql, params);
    for (const j of joined) j.take(rows);
    return pageFrom(
      rows.map((row) => hydrate(ctx.tx, Org, 'o', row) as Org),
      first,
      after,
      (o) => encodeCursor([o.path]),
      async () => (await ctx.tx.query<{ n: number }>(counted.sql, counted.params))[0].n,
    );
  },

  /**
   * One page of an org's direct sub-organizations (tree order) within the viewer's sight. Every parent
   * asked for in a request with the same page arguments is served by one statement (a window per
   * parent), then the orgs themselves through the by-id loader: a tree of 50 expanded nodes is two
   * statements, and a level of 5,000 branches is paged like any list.
   */
  async children(ctx: RequestContext, org: Org, page: { first: number; after?: string; includeArchived: boolean }): Promise<Page<Org>> {
    const cursor = decodeTypedCursor(page.after, ['text']);
    const key = JSON.stringify([page.first, cursor?.[0] ?? null, page.includeArchived]);
    const loader = ctx.loader<string, { ids: string[]; total: number }>(`org.children:${key}`, async (parentIds) => {
      const viewer = requireUser(ctx);
      const inner = orgQuery(ctx, viewer)
        .select('o.id', 'id')
        .addSelect('o.parent_id', 'parent_id')
        .addSelect('o.path_key', 'path_key')
        .addSelect('count(*) OVER (PARTITION BY o.parent_id)', 'total')
        .andWhere('o.parent_id = ANY(:parentIds)', { parentIds: [...parentIds] });
      if (!page.includeArchived) inner.andWhere('o.archived_at IS NULL');
      const [innerSql, innerParams] = inner.getQueryAndParameters();
      const n = innerParams.length;
      // totals count every child (before the cursor); the page is the next rows after it
      const rows = await ctx.tx.query<{ id: string | null; parent_id: string; total: string }>(
        `WITH i AS (${innerSql}),
              p AS (SELECT parent_id, max(total) AS total FROM i GROUP BY parent_id),
              m AS (SELECT i.id, i.parent_id, row_number() OVER (PARTITION BY i.parent_id ORDER BY i.path_key) AS rn
                      FROM i WHERE ($${n + 1}::text IS NULL OR i.path_key > $${n + 1}::text))
         SELECT m.id, p.parent_id, p.total FROM p LEFT JOIN m ON m.parent_id = p.parent_id AND m.rn <= $${n + 2}
          ORDER BY p.parent_id, m.rn`,
        [...innerParams, cursor ? String(cursor[0]) : null, page.first + 1],
      );
      return parentIds.map((id) => {
        const mine = rows.filter((r) => r.parent_id === id);
        return { ids: mine.flatMap((r) => (r.id ? [r.id] : [])), total: Number(mine[0]?.total ?? 0) };
      });
    });
    const { ids, total } = await loader.load(org.id);
    const orgs = (await orgByIdLoader(ctx).loadMany(ids)).filter((o): o is Org => o instanceof Org);
    return pageFrom(
      orgs,
      page.first,
      page.after,
      (o) => encodeCursor([o.path]),
      // without a cursor the window counted every child; after one, count them all again
      async () => (cursor ? await this.children(ctx, org, { ...page, after: undefined, first: 1 }).then((p) => p.totalCount()) : total),
    );
  },

  async parent(ctx: RequestContext, org: Org): Promise<Org | null> {
    return org.parentId ? orgByIdLoader(ctx).load(org.parentId) : null;
  },

  async ancestors(ctx: RequestContext, org: Org): Promise<Org[]> {
    const viewer = requireUser(ctx);
    return orgQuery(ctx, viewer)
      .andWhere('o.path_key = ANY(:ancestors)', { ancestors: ancestorKeys(org.path) })
      .orderBy('o.depth', 'ASC')
      .getMany();
  },

  /** Counts by kind over the org's subtree (within the viewer's scope), one indexed statement. */
  async counts(ctx: RequestContext, org: Org): Promise<OrgCounts> {
    const viewer = requireUser(ctx);
    const subtree = underAnySql('o', scopedRootsUnder(viewer, org.path));
    const row = await ctx.tx
      .repository(Org)
      .createQueryBuilder('o')
      .select('count(*)::int', 'total')
      .addSelect(`count(*) FILTER (WHERE o.kind = 'COMMITTEE')::int`, 'committees')
      .addSelect(`count(*) FILTER (WHERE o.kind = 'GENERAL_BRANCH')::int`, 'generalBranches')
      .addSelect(`count(*) FILTER (WHERE o.kind = 'BRANCH')::int`, 'branches')
      .where('o.tenant_id = :tenantId', { tenantId: viewer.tenantId })
      .andWhere(subtree.sql, subtree.params)
      .andWhere('o.archived_at IS NULL')
      .getRawOne();
    return row as OrgCounts;
  },

  async create(
    ctx: RequestContext,
    input: { parentId: string; name: string; kind: OrgKind; category: OrgCategory; establishedOn?: string | null },
  ): Promise<Org> {
    const viewer = requireUser(ctx);
    const name = orgName(input.name, 'input.name');
    // the parent as it stands once locked: a move that committed meanwhile gave it another path
    const parent = await lockLive(ctx, await this.getOrThrow(ctx, input.parentId), 'input.parentId', (p) => assertManages(viewer, p));
    if (!allowedChildKinds[parent.kind].includes(input.kind)) {
      throw orgError('ORG_PARENT_KIND', {
        field: 'input.kind',
        params: { kind: orgKindLabels[input.kind], parentKind: orgKindLabels[parent.kind] },
      });
    }
    // the parent's path as it stands under its lock: a move waits for this request
    assertDepth(levels(parent.path) + 1, 'input.parentId');
    const [{ today }] = await ctx.tx.query<{ today: string }>(`SELECT ${TENANT_TODAY_SQL}::text AS today`);
    const establishedOn = input.establishedOn ?? today;
    if (establishedOn > today) throw orgError('ORG_ESTABLISHED_IN_FUTURE', 'input.establishedOn');
    return uniqueAmongSiblings(name, () =>
      insertOrg(ctx.tx, viewer.tenantId, parent, { name, kind: input.kind, category: input.category, establishedOn }),
    );
  },

  async rename(ctx: RequestContext, id: string, rawName: string): Promise<Org> {
    const viewer = requireUser(ctx);
    const name = orgName(rawName, 'input.name');
    // locked and authorized where it stands: a move that committed meanwhile may have taken it out of the viewer's scope,
    // or put it under a parent the viewer does not administer (an org's name is its superior's to change)
    const org = await lockOrg(ctx, await this.getOrThrow(ctx, id), (o) => assertManagesFromAbove(viewer, o), undefined, 'UPDATE');
    await uniqueAmongSiblings(name, () => ctx.tx.repository(Org).update({ tenantId: viewer.tenantId, id: org.id }, { name }));
    return reload(ctx, viewer, org.id);
  },

  /**
   * Moves a subtree under a new parent: every descendant's path rewritten in one statement. The paths
   * it writes come from the two orgs as they stand under its locks (lockPositions): two admins moving A
   * under B and B under A at once must not make each the other's parent.
   */
  async move(ctx: RequestContext, id: string, newParentId: string): Promise<Org> {
    const viewer = requireUser(ctx);
    const loaded = await this.getOrThrow(ctx, id);
    const loadedParent = await this.getOrThrow(ctx, newParentId);
    assertManages(viewer, loaded);
    assertManages(viewer, loadedParent);
    if (!loaded.parentId) throw orgError('ORG_ROOT_IMMUTABLE', 'input.id');
    assertManagesParent(viewer, loaded);
    assertNoCycle(loaded, loadedParent);
    const { org, parent } = await lockPositions(ctx, loaded, loadedParent);
    assertManages(viewer, org);
    assertManages(viewer, parent);
    assertManagesParent(viewer, org);
    assertNoCycle(org, parent);
    if (parent.archivedAt) throw orgError('ORG_ARCHIVED', { field: 'input.newParentId', params: { org: parent.name } });
    if (!allowedChildKinds[parent.kind].includes(org.kind)) {
      throw orgError('ORG_PARENT_KIND', {
        field: 'input.newParentId',
        params: { kind: orgKindLabels[org.kind], parentKind: orgKindLabels[parent.kind] },
      });
    }
    // the moving subtree's deepest org, read under its lock (a create under it waits for the move)
    const [{ deepest }] = await ctx.tx.query<{ deepest: number }>(
      `SELECT max(o.depth)::int AS deepest FROM orgs o WHERE o.tenant_id = $1 AND ${subtreeOf('o', 2)}`,
      [viewer.tenantId, org.path],
    );
    assertDepth(levels(parent.path) + 1 + (deepest - levels(org.path)), 'input.newParentId');
    await uniqueAmongSiblings(org.name, () =>
      ctx.tx.execute(
        `UPDATE orgs o SET path = $3::ltree || subpath(o.path, nlevel($2::ltree) - 1),
                       parent_id = CASE WHEN o.id = $4 THEN $5::uuid ELSE o.parent_id END,
                       updated_at = now()
        WHERE o.tenant_id = $1 AND ${subtreeOf('o', 2)}`,
        [viewer.tenantId, org.path, parent.path, org.id, parent.id],
      ),
    );
    return reload(ctx, viewer, org.id);
  },

  async archive(ctx: RequestContext, id: string): Promise<Org> {
    const viewer = requireUser(ctx);
    // Locked, so a concurrent restore or create under it either sees it archived or is counted here; authorized
    // where it stands under the lock (a move that committed meanwhile may have taken it out of the viewer's scope or
    // put it under a parent the viewer does not administer): an org is archived by an admin over its parent.
    const org = await lockOrg(ctx, await this.getOrThrow(ctx, id), (o) => assertManagesFromAbove(viewer, o), undefined, 'UPDATE');
    if (!org.parentId) throw orgError('ORG_ROOT_IMMUTABLE', 'input.id');
    if (org.archivedAt) return org;
    const [{ active }] = await ctx.tx.query<{ active: number }>(
      `SELECT count(*)::int AS active FROM orgs WHERE tenant_id = $1 AND parent_id = $2 AND archived_at IS NULL`,
      [viewer.tenantId, org.id],
    );
    if (active > 0) throw orgError('ORG_HAS_ACTIVE_CHILDREN', { field: 'input.id', params: { active } });
    await ctx.tx.repository(Org).update({ tenantId: viewer.tenantId, id: org.id }, { archivedAt: new Date() });
    return reload(ctx, viewer, org.id);
  },

  /**
   * Brings an archived org back (the org alone: its archived sub-organizations are restored one by
   * one, top down). Its parent must be live, its name still free among the live siblings, and every
   * registered restore guard must pass (`addRestoreGuard`).
   */
  async restore(ctx: RequestContext, id: string): Promise<Org> {
    const viewer = requireUser(ctx);
    // the org as it stands under its lock: its parent is the one a move that committed meanwhile gave it, and the
    // viewer administers that parent (an org is restored by its superior's admin)
    const org = await lockOrg(ctx, await this.getOrThrow(ctx, id), (o) => assertManagesFromAbove(viewer, o), undefined, 'UPDATE');
    if (!org.archivedAt) return org;
    if (org.parentId) {
      // held FOR SHARE: an archive of the parent waits for this restore and then counts the org as live
      const [parent] = await ctx.tx.query<{ archived_at: Date | null }>(
        `SELECT archived_at FROM orgs WHERE tenant_id = $1 AND id = $2 FOR SHARE`,
        [viewer.tenantId, org.parentId],
      );
      if (!parent || parent.archived_at) throw orgError('ORG_PARENT_ARCHIVED', 'input.id');
    }
    for (const guard of restoreGuards) await guard(ctx, org);
    await uniqueAmongSiblings(org.name, () =>
      ctx.tx.repository(Org).update({ tenantId: viewer.tenantId, id: org.id }, { archivedAt: null }),
    );
    return reload(ctx, viewer, org.id);
  },
};

/** A name as stored: trimmed of white space at both ends (full-width too), never blank. */
export function orgName(raw: string, field: string): string {
  const name = raw.trim();
  if (!name) throw orgError('ORG_NAME_BLANK', field);
  return name;
}

/** The live-sibling name index (orgs_live_sibling_name) answers CONFLICT ORG_NAME_TAKEN, also for a lost race. */
async function uniqueAmongSiblings<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
    const pg = e.driverError ?? e;
    if (pg.code === '23505' && pg.constraint === 'orgs_live_sibling_name') {
      throw orgError('ORG_NAME_TAKEN', { field: 'input.name', params: { name } });
    }
    throw error;
  }
}

/**
 * Locks `org` against a concurrent archive or move (FOR SHARE) once `authorize` passes, and answers it as
 * it now stands, refused when archived. A move that committed while this request waited gave it another
 * path: the viewer must still read it there and pass `authorize` there, before anything about its state
 * is said.
 */
/**
 * lockLive for many orgs at once: the ones given locked FOR SHARE in one statement, in id order (two requests over the
 * same orgs take their locks in the same order), then each checked in the order given as lockLive checks it.
 */
async function lockManyLive(
  ctx: RequestContext,
  orgs: readonly (Org | null)[],
  missing: () => Error,
  authorize: (org: Org) => void,
  field: string,
): Promise<Org[]> {
  const live = await holdManyLive(ctx, orgs);
  return orgs.map((org) => {
    if (!org) throw missing();
    return live(org, authorize, field);
  });
}

/**
 * The orgs given (nulls skipped) locked FOR SHARE in one statement, in id order; answers the check lockLive makes of
 * one of them once it is locked (`authorize`, where it stands after a move, ORG_ARCHIVED at `field`), for a caller
 * that checks other things between them in its own order.
 */
async function holdManyLive(
  ctx: RequestContext,
  orgs: readonly (Org | null)[],
): Promise<(org: Org, authorize: (org: Org) => void, field: string) => Org> {
  const viewer = requireUser(ctx);
  const ids = [...new Set(orgs.flatMap((org) => (org ? [org.id] : [])))];
  const locked = new Map<string, Org>();
  if (ids.length) {
    const rows = await ctx.tx.query<Record<string, unknown>>(
      `SELECT ${columnsOf(ctx.tx, Org, 'o')} FROM orgs o WHERE o.tenant_id = $1 AND o.id = ANY($2::uuid[]) ORDER BY o.id FOR SHARE`,
      [viewer.tenantId, ids],
    );
    for (const row of rows) {
      const org = hydrate(ctx.tx, Org, 'o', row) as Org;
      locked.set(org.id, org);
    }
  }
  return (org, authorize, field) => {
    authorize(org);
    const now = locked.get(org.id);
    if (!now) throw orgError('ORG_NOT_FOUND');
    if (now.path !== org.path) {
      if (!inScope(viewer, now.path)) throw orgError('ORG_NOT_FOUND');
      authorize(now);
    }
    if (now.archivedAt) throw orgError('ORG_ARCHIVED', { field, params: { org: now.name } });
    return now;
  };
}

async function lockLive(ctx: RequestContext, org: Org, field: string, authorize: (org: Org) => void): Promise<Org> {
  const now = await lockOrg(ctx, org, authorize);
  if (now.archivedAt) throw orgError('ORG_ARCHIVED', { field, params: { org: now.name } });
  return now;
}

/**
 * `org` locked FOR SHARE (FOR UPDATE for a change of the org itself) once `authorize` passes, as it now stands:
 * read scope and `authorize` again after a move.
 */
async function lockOrg(
  ctx: RequestContext,
  org: Org,
  authorize: (org: Org) => void | Promise<void>,
  gone: () => Error = () => orgError('ORG_NOT_FOUND'),
  strength: 'SHARE' | 'UPDATE' = 'SHARE',
): Promise<Org> {
  await authorize(org);
  const [row] = await ctx.tx.query<Record<string, unknown>>(
    `SELECT ${columnsOf(ctx.tx, Org, 'o')} FROM orgs o WHERE o.tenant_id = $1 AND o.id = $2 FOR ${strength}`,
    [org.tenantId, org.id],
  );
  const now = row && hydrate(ctx.tx, Org, 'o', row);
  if (!now) throw gone();
  if (now.path !== org.path) {
    if (!inScope(requireUser(ctx), now.path)) throw gone();
    await authorize(now);
  }
  return now;
}

const levels = (path: string) => path.split('.').length;

/** An org, or the deepest of a moved subtree, may sit at most MAX_ORG_DEPTH levels from the root. */
function assertDepth(depth: number, field: string): void {
  if (depth > MAX_ORG_DEPTH) throw orgError('ORG_TOO_DEEP', { field, params: { limit: MAX_ORG_DEPTH } });
}

function assertNoCycle(org: Org, parent: Org): void {
  if (parent.path === org.path || parent.path.startsWith(`${org.path}.`)) throw orgError('ORG_MOVE_CYCLE', 'input.newParentId');
}

/** Tries before a move gives up on positions that keep changing under it (CONFLICT ORG_TREE_CHANGED). */
const MOVE_TRIES = 3;

/**
 * A move's locks, and its two orgs as they stand under them. The new parent and its ancestors FOR SHARE,
 * the moving subtree FOR UPDATE: a concurrent move that would change either position, or whose own
 * position this move changes, waits for this one or this one for it (or PostgreSQL picks a deadlock's
 * loser: CONFLICT). The locks are taken where the orgs were when read; when one of them has moved by
 * the time they are held, they are taken again where it is now.
 */
async function lockPositions(ctx: RequestContext, org: Org, parent: Org): Promise<{ org: Org; parent: Org }> {
  for (let tries = 1; ; tries++) {
    await ctx.tx.query(`SELECT 1 AS one FROM orgs WHERE tenant_id = $1 AND path_key = ANY($2::text[]) ORDER BY path_key FOR SHARE`, [
      org.tenantId,
      [...ancestorKeys(parent.path), parent.path],
    ]);
    await ctx.tx.query(`SELECT 1 AS one FROM orgs o WHERE o.tenant_id = $1 AND ${subtreeOf('o', 2)} FOR UPDATE`, [org.tenantId, org.path]);
    const now = await ctx.tx.repository(Org).findBy([
      { tenantId: org.tenantId, id: org.id },
      { tenantId: org.tenantId, id: parent.id },
    ]);
    const nowOrg = now.find((o) => o.id === org.id);
    const nowParent = now.find((o) => o.id === parent.id);
    if (!nowOrg || !nowParent) throw orgError('ORG_NOT_FOUND');
    if (nowOrg.path === org.path && nowParent.path === parent.path) return { org: nowOrg, parent: nowParent };
    if (tries === MOVE_TRIES) throw coreError('ORG_TREE_CHANGED');
    org = nowOrg;
    parent = nowParent;
  }
}

/** The org was loaded through the visibility filter, so refusing here confirms nothing new. */
function assertManages(viewer: UserViewer, org: Org): void {
  if (!inScope(viewer, org.path, MANAGE_ROLES)) {
    throw orgError('ORG_NOT_ADMIN');
  }
}

/**
 * A move takes the org from its parent: the viewer administers that parent too. An admin whose scope root is the
 * org itself (a subtree admin) reorganizes below it, never where its superior put it.
 */
function assertManagesParent(viewer: UserViewer, org: Org): void {
  const at = org.path.lastIndexOf('.');
  if (at < 0 || !inScope(viewer, org.path.slice(0, at), MANAGE_ROLES)) throw orgError('ORG_NOT_ADMIN');
}

/**
 * A change of the org itself (its name, archiving or restoring it) is its superior's: the viewer administers
 * the org's parent, as for a move. A subtree admin changes the orgs below its own root, never that root; the
 * tenant's root org has no superior, and only an admin at the root changes it.
 */
function assertManagesFromAbove(viewer: UserViewer, org: Org): void {
  assertManages(viewer, org);
  if (org.path.includes('.')) assertManagesParent(viewer, org);
}

async function reload(ctx: RequestContext, viewer: UserViewer, id: string): Promise<Org> {
  const org = await orgQuery(ctx, viewer).andWhere('o.id = :id', { id }).getOne();
  if (!org) throw orgError('ORG_NOT_FOUND');
  orgByIdLoader(ctx).clear(id).prime(id, org);
  return org;
}

/** Inserts an org under `parent` (or as the tenant's root when parent is null). */
export async function insertOrg(
  tx: RequestTransaction,
  tenantId: string,
  parent: Org | null,
  input: { name: string; kind: OrgKind; category: OrgCategory; establishedOn?: string | null },
): Promise<Org> {
  const [{ id }] = await tx.query<{ id: string }>(`SELECT gen_random_uuid() AS id`);
  const path = parent ? `${parent.path}.${pathLabel(id)}` : pathLabel(id);
  await tx.execute(
    `INSERT INTO orgs (tenant_id, id, parent_id, name, kind, category, path, established_on) VALUES ($1, $2, $3, $4, $5, $6, $7::ltree, $8)`,
    [tenantId, id, parent?.id ?? null, input.name.trim(), input.kind, input.category, path, input.establishedOn ?? null],
  );
  return tx.repository(Org).findOneByOrFail({ tenantId, id });
}
