import { Role } from '../../auth/roles';
import { holdsRoleAtRoot, inScope } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeTypedCursor, encodeCursor, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { ShowcaseItem, ShowcaseSource, ShowcaseState, showcaseStateLabels } from './showcase.entity';
import { showcaseError } from './showcase.errors';
import { ELIGIBLE_SQL, maskContacts, snapshotOf } from './showcase.sources';

/** An org's secretary or an officer over it proposes its records, and may take them down. */
const PROPOSERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
/** Items one page of the public feed holds at most (and by default). */
export const FEED_PAGE = { max: 100, default: 20 };

export interface ShowcaseFilter {
  under?: Org | null;
  state?: ShowcaseState | null;
  sourceType?: ShowcaseSource | null;
}

/** An item of the public feed, with what the public may know of its org. */
export interface FeedItem {
  id: string;
  sourceType: ShowcaseSource;
  category: string;
  title: string;
  summary: string;
  body: string;
  publishedAt: Date;
  orgName: string;
}

export interface FeedPage {
  tenantName: string;
  items: FeedItem[];
  /** The cursor of the next page, or null on the last. */
  next: string | null;
}

const wrongState = (state: ShowcaseState) =>
  showcaseError('SHOWCASE_WRONG_STATE', { params: { state, stateLabel: showcaseStateLabels[state] } });

function violates(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const pg = e.driverError ?? e;
  return pg.code === '23505' && pg.constraint === constraint;
}

export const showcaseService = {
  /** Visible to whoever reads the item's org. */
  async find(ctx: RequestContext, id: string): Promise<ShowcaseItem | null> {
    return findInScope(ctx, ShowcaseItem, id, (s) => s.orgId);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<ShowcaseItem> {
    const item = await this.find(ctx, id);
    if (!item) throw showcaseError('SHOWCASE_ITEM_NOT_FOUND');
    return item;
  },

  /**
   * 提交公开: the record's org's secretary or an officer over it proposes a record fit to be shown; the
   * item keeps its text as of now (the proposer may put a title and summary of its own), contact data masked.
   */
  async propose(ctx: RequestContext, input: { sourceId: string; title?: string | null; summary?: string | null }): Promise<ShowcaseItem> {
    const viewer = requireUser(ctx);
    // the proposer's role on the record's org first: a caller without it has nothing of the record read on or built
    const snapshot = await snapshotOf(ctx, input.sourceId, async (orgId) => {
      const org = await orgService.findById(ctx, orgId);
      if (!org || !inScope(viewer, org.path, PROPOSERS)) throw showcaseError('SHOWCASE_NOT_PROPOSER');
    });
    if (input.title != null && !input.title.trim()) throw showcaseError('SHOWCASE_TITLE_BLANK', 'input.title');
    const title = input.title?.trim() ? maskContacts(input.title.trim()) : snapshot.title;
    const summary = input.summary != null ? maskContacts(input.summary.trim()) : snapshot.summary;
    let id: string;
    try {
      [{ id }] = await ctx.tx.query<{ id: string }>(
        `INSERT INTO showcase_items (tenant_id, org_id, source_type, source_id, category, title, summary, body, proposed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          viewer.tenantId,
          snapshot.orgId,
          snapshot.type,
          snapshot.sourceId,
          snapshot.category,
          title,
          summary,
          snapshot.body,
          viewer.userId,
        ],
      );
    } catch (error) {
      // one live item per record: the index decides a race too
      if (violates(error, 'showcase_items_live')) throw showcaseError('SHOWCASE_ALREADY_PROPOSED', 'input.sourceId');
      throw error;
    }
    return ctx.tx.repository(ShowcaseItem).findOneByOrFail({ tenantId: viewer.tenantId, id });
  },

  /** A step of the tenant's own (approve, reject): an admin at the root speaks for the tenant in public. */
  async reviewable(ctx: RequestContext, id: string): Promise<ShowcaseItem> {
    const item = await this.getOrThrow(ctx, id);
    if (!holdsRoleAtRoot(requireUser(ctx), [Role.TENANT_ADMIN])) throw showcaseError('SHOWCASE_NOT_APPROVER');
    return item;
  },

  /** 审核通过: published from now, if its record may still be shown. */
  async approve(ctx: RequestContext, id: string, note: string | null): Promise<ShowcaseItem> {
    const viewer = requireUser(ctx);
    const item = await this.reviewable(ctx, id);
    if (item.state !== ShowcaseState.PROPOSED) throw wrongState(item.state);
    // the record is read again as the approver sees it: a title revoked since, a record gone, is refused
    await snapshotOf(ctx, toSourceGlobalId(item));
    const changed = await ctx.tx.execute(
      `UPDATE showcase_items SET state = 'PUBLISHED', reviewed_by = $3, reviewed_at = now(), review_note = $4, published_at = clock_timestamp()
        WHERE tenant_id = $1 AND id = $2 AND state = 'PROPOSED'`,
      [viewer.tenantId, item.id, viewer.userId, note?.trim() || null],
    );
    if (!changed) throw await this.stateNow(ctx, item.id);
    return ctx.tx.repository(ShowcaseItem).findOneByOrFail({ tenantId: viewer.tenantId, id: item.id });
  },

  async reject(ctx: RequestContext, id: string, reason: string): Promise<ShowcaseItem> {
    const viewer = requireUser(ctx);
    const item = await this.reviewable(ctx, id);
    if (!reason.trim()) throw showcaseError('SHOWCASE_REASON_BLANK', 'input.reason');
    if (item.state !== ShowcaseState.PROPOSED) throw wrongState(item.state);
    const changed = await ctx.tx.execute(
      `UPDATE showcase_items SET state = 'REJECTED', reviewed_by = $3, reviewed_at = now(), review_note = $4
        WHERE tenant_id = $1 AND id = $2 AND state = 'PROPOSED'`,
      [viewer.tenantId, item.id, viewer.userId, reason.trim()],
    );
    if (!changed) throw await this.stateNow(ctx, item.id);
    return ctx.tx.repository(ShowcaseItem).findOneByOrFail({ tenantId: viewer.tenantId, id: item.id });
  },

  /** 撤下: out of the public feed at once (the feed reads the state on every request); by the org's officers or a root admin. */
  async withdraw(ctx: RequestContext, id: string, reason: string | null): Promise<ShowcaseItem> {
    const viewer = requireUser(ctx);
    const item = await this.getOrThrow(ctx, id);
    // the org held to the commit, the withdrawer checked where it stands after a concurrent move
    await orgService.holdForChange(
      ctx,
      item.orgId,
      (org) => {
        if (!inScope(viewer, org.path, PROPOSERS) && !holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN]))
          throw showcaseError('SHOWCASE_NOT_WITHDRAWER');
      },
      () => showcaseError('SHOWCASE_ITEM_NOT_FOUND'),
    );
    if (![ShowcaseState.PROPOSED, ShowcaseState.PUBLISHED].includes(item.state)) throw wrongState(item.state);
    const changed = await ctx.tx.execute(
      `UPDATE showcase_items SET state = 'WITHDRAWN', withdrawn_by = $3, withdrawn_at = now(), withdraw_reason = $4
        WHERE tenant_id = $1 AND id = $2 AND state IN ('PROPOSED', 'PUBLISHED')`,
      [viewer.tenantId, item.id, viewer.userId, reason?.trim() || null],
    );
    if (!changed) throw await this.stateNow(ctx, item.id);
    return ctx.tx.repository(ShowcaseItem).findOneByOrFail({ tenantId: viewer.tenantId, id: item.id });
  },

  /** The CONFLICT of a step that lost a race, naming the state the item reached. */
  async stateNow(ctx: RequestContext, id: string) {
    const [row] = await ctx.tx.query<{ state: ShowcaseState }>(
      `SELECT state FROM showcase_items WHERE tenant_id = app_tenant_id() AND id = $1`,
      [id],
    );
    return wrongState(row?.state ?? ShowcaseState.WITHDRAWN);
  },

  /** Items of orgs in the subtree (within the viewer's scope), newest proposal first. */
  async list(ctx: RequestContext, filter: ShowcaseFilter, first: number, after?: string): Promise<Page<ShowcaseItem>> {
    const roots = rootsFor(requireUser(ctx), filter.under);
    const build = () => {
      const qb = scopedQuery(ctx, ShowcaseItem, 's', 'org_id', roots);
      if (filter.state) qb.andWhere('s.state = :state', { state: filter.state });
      if (filter.sourceType) qb.andWhere('s.source_type = :type', { type: filter.sourceType });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 's.proposed_at', type: 'timestamptz', desc: true },
        { sql: 's.id', type: 'uuid', desc: true },
      ],
      first,
      after,
    );
  },

  /** Whether the item appears in the feed now (published, its record still fit, its org live): what the feed checks. Batched. */
  async stillShown(ctx: RequestContext, item: ShowcaseItem): Promise<boolean> {
    if (item.state !== ShowcaseState.PUBLISHED) return false;
    return ctx
      .loader<string, boolean>('showcase.shown', async (ids) => {
        const rows = await ctx.tx.query<{ id: string }>(
          `SELECT s.id FROM showcase_items s JOIN orgs o ON o.tenant_id = s.tenant_id AND o.id = s.org_id
            WHERE s.tenant_id = $1 AND s.id = ANY($2::uuid[]) AND o.archived_at IS NULL AND ${ELIGIBLE_SQL}`,
          [item.tenantId, [...ids]],
        );
        return ids.map((id) => rows.some((r) => r.id === id));
      })
      .load(item.id);
  },

  /** The paths of the tenant's public feeds (the viewer's tenant), to hand to a website. */
  async feedPaths(ctx: RequestContext): Promise<{ json: string; atom: string }> {
    requireUser(ctx);
    const [row] = await ctx.tx.query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = app_tenant_id()`);
    const base = `/public/${row?.slug ?? ''}/showcase`;
    return { json: `${base}.json`, atom: `${base}.atom` };
  },

  // ── the anonymous feed ──────────────────────────────────────────────────────────────────────────

  /** The tenant a slug names (the owner's lookup function), or null. Scopes the transaction to it. */
  async enterFeed(ctx: RequestContext, slug: string): Promise<string | null> {
    if (!/^[a-z][a-z0-9-]{1,39}$/.test(slug)) return null;
    await ctx.tx.begin();
    const [row] = await ctx.tx.query<{ id: string | null }>(`SELECT app_tenant_by_slug($1) AS id`, [slug]);
    if (!row?.id) return null;
    await ctx.tx.setIdentity({ tenantId: row.id, platform: false });
    return row.id;
  },

  /**
   * One page of the tenant's public feed, newest first, in one statement: published items only, whose
   * record may still be shown and whose org is not archived; what the public sees of an org is its name.
   */
  async feed(ctx: RequestContext, tenantId: string, first: number, after?: string): Promise<FeedPage> {
    if (!Number.isInteger(first) || first < 1 || first > FEED_PAGE.max) {
      throw showcaseError('SHOWCASE_PAGE_SIZE', { field: 'first', params: { limit: FEED_PAGE.max } });
    }
    const cursor = decodeTypedCursor(after, ['timestamptz', 'uuid']);
    const rows = await ctx.tx.query<{
      id: string;
      source_type: ShowcaseSource;
      category: string;
      title: string;
      summary: string;
      body: string;
      published_at: Date;
      published_key: string;
      org_name: string;
      tenant_name: string;
    }>(
      `WITH page AS (
         SELECT s.id, s.source_type, s.category, s.title, s.summary, s.body, s.published_at, s.published_at::text AS published_key, o.name AS org_name
           FROM showcase_items s JOIN orgs o ON o.tenant_id = s.tenant_id AND o.id = s.org_id
          WHERE s.tenant_id = $1 AND s.state = 'PUBLISHED' AND o.archived_at IS NULL
            AND ($2::timestamptz IS NULL OR (s.published_at, s.id) < ($2::timestamptz, $3::uuid))
            AND ${ELIGIBLE_SQL}
          ORDER BY s.published_at DESC, s.id DESC
          LIMIT $4)
       SELECT page.*, t.name AS tenant_name FROM tenants t LEFT JOIN page ON true WHERE t.id = $1
        ORDER BY page.published_at DESC, page.id DESC`,
      [tenantId, cursor?.[0] ?? null, cursor?.[1] ?? null, first + 1],
    );
    const items = rows.filter((r) => r.id);
    const page = items.slice(0, first);
    const last = page[page.length - 1];
    return {
      tenantName: rows[0]?.tenant_name ?? '',
      items: page.map((r) => ({
        id: r.id,
        sourceType: r.source_type,
        category: r.category,
        title: r.title,
        summary: r.summary,
        body: r.body,
        publishedAt: r.published_at,
        orgName: r.org_name,
      })),
      next: items.length > first && last ? encodeCursor([last.published_key, last.id]) : null,
    };
  },
};

/** The global id of an item's record (as its own module names it). */
export function toSourceGlobalId(item: ShowcaseItem): string {
  const types: Record<ShowcaseSource, string> = {
    BRIEFING: 'Briefing',
    EXEMPLAR: 'Exemplar',
    SERVICE_BRAND: 'ServiceBrand',
    COMMITMENT: 'Commitment',
    INNOVATION_PROJECT: 'InnovationProject',
    SERVICE_TEAM: 'ServiceTeam',
    SERVICE_RECORD: 'ServiceRecord',
  };
  return toGlobalId(types[item.sourceType], item.sourceId);
}
