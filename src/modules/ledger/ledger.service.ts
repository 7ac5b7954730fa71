import { inScope, underAnySql } from '../../auth/scope';
import { lockForUpdate } from '../../db/lock-for-update';
import { UserViewer } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { inTenantYearSql, todayOf, yearOf } from '../../graphql/today';
import { Role } from '../../auth/roles';
import { campaignService } from '../campaign/campaign.service';
import { tenantToday } from '../link-code/public';
import { FileChanges, fileService } from '../file/file.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { userService } from '../user/user.service';
import { Briefing, BriefingState, LedgerCategory, LedgerEntry } from './ledger.entity';
import { ledgerError } from './ledger.errors';
import { countUnderLock } from '../../db/advisory-lock';

/** Today in the tenant's time zone, as 'YYYY-MM-DD' (once per request). */
export { tenantToday };

/** The most entries one ledger export (or a year archive's ledger) holds; more must be narrowed by dates or category. */
export const MAX_LEDGER_EXPORT_ROWS = 20_000;

/** Who keeps an org's ledger: its secretary or an officer over it. */
export const LEDGER_WRITERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
/** Who writes an org's briefings: the officers of that org itself (superiors only read what it publishes). */
export const BRIEFING_WRITERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

export interface LedgerInput {
  orgId: string;
  occurredOn: string;
  category: LedgerCategory;
  title: string;
  content: string;
  participants: number;
  campaignId?: string | null;
  attachmentRefs: string[];
}

export interface LedgerFilter {
  /** Include the entries of the whole subtree (within the viewer's scope), not just the org's own. */
  subtree?: boolean;
  from?: string | null;
  to?: string | null;
  category?: LedgerCategory | null;
  campaignId?: string | null;
}

/** A ledger entry as the export writes it: with its campaign's name and its author's name. */
export type LedgerExportRow = LedgerEntry & { campaignName: string | null; authorName: string | null };

function assertLedgerWriter(viewer: UserViewer, org: Org) {
  if (!inScope(viewer, org.path, LEDGER_WRITERS)) throw ledgerError('NOT_LEDGER_WRITER');
}

export function canWriteBriefing(viewer: UserViewer, org: Org): boolean {
  return viewer.roles.some((r) => BRIEFING_WRITERS.includes(r.role) && r.orgId === org.id);
}

async function notInFuture(ctx: RequestContext, date: string, field: string) {
  const today = await tenantToday(ctx);
  if (date > today) throw ledgerError('DATE_IN_FUTURE', { field, params: { today } });
}

function assertRange(filter: LedgerFilter) {
  if (filter.from && filter.to && filter.from > filter.to)
    throw ledgerError('INVALID_RANGE', { field: 'from', params: { from: filter.from, to: filter.to } });
}

export const ledgerService = {
  /** An entry is readable by whoever reads its org. */
  async find(ctx: RequestContext, id: string): Promise<LedgerEntry | null> {
    return findInScope(ctx, LedgerEntry, id, (e) => e.orgId);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<LedgerEntry> {
    const entry = await this.find(ctx, id);
    if (!entry) throw ledgerError('LEDGER_ENTRY_NOT_FOUND');
    return entry;
  },

  async create(ctx: RequestContext, input: LedgerInput, files: FileChanges = {}): Promise<LedgerEntry> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => assertLedgerWriter(viewer, o));
    await notInFuture(ctx, input.occurredOn, 'input.occurredOn');
    if (input.campaignId) await campaignService.getOrThrow(ctx, input.campaignId);
    // an org's entries written in the tenant's year are bounded: counted under a lock per org, so concurrent writes pass
    // the count one at a time
    const { year, start } = yearOf(todayOf(ctx));
    const { count } = await countUnderLock(
      ctx.tx,
      `ledger-entries:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM ledger_entries
        WHERE tenant_id = $1 AND org_id = $2 AND ${inTenantYearSql('created_at', '$3')}`,
      [viewer.tenantId, org.id, start],
    );
    const limit = ctx.config.ledgerEntriesPerOrgPerYear;
    if (count >= limit)
      throw ledgerError('TOO_MANY_LEDGER_ENTRIES', { field: 'input.orgId', params: { org: org.name, year, count, limit } });
    const repo = ctx.tx.repository(LedgerEntry);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        orgId: org.id,
        occurredOn: input.occurredOn,
        category: input.category,
        title: input.title,
        content: input.content,
        participants: input.participants,
        campaignId: input.campaignId ?? null,
        attachmentRefs: input.attachmentRefs,
        createdBy: viewer.userId,
      }),
    );
    await fileService.change(ctx, 'LedgerEntry', saved.id, files);
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** An entry the viewer may change, locked FOR UPDATE as it stands (NOT_FOUND when a delete took it meanwhile). */
  async heldOrThrow(ctx: RequestContext, id: string): Promise<LedgerEntry> {
    const viewer = requireUser(ctx);
    const seen = await this.getOrThrow(ctx, id);
    await orgService.holdForChange(
      ctx,
      seen.orgId,
      (o) => assertLedgerWriter(viewer, o),
      () => ledgerError('LEDGER_ENTRY_NOT_FOUND'),
    );
    const entry = await lockForUpdate(ctx.tx, LedgerEntry, viewer.tenantId, seen.id);
    if (!entry) throw ledgerError('LEDGER_ENTRY_NOT_FOUND');
    return entry;
  },

  async update(ctx: RequestContext, id: string, patch: Partial<Omit<LedgerInput, 'orgId'>>, files: FileChanges = {}): Promise<LedgerEntry> {
    const viewer = requireUser(ctx);
    const entry = await this.heldOrThrow(ctx, id);
    if (patch.occurredOn) await notInFuture(ctx, patch.occurredOn, 'input.occurredOn');
    if (patch.campaignId) await campaignService.getOrThrow(ctx, patch.campaignId);
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length)
      await ctx.tx.repository(LedgerEntry).update({ tenantId: viewer.tenantId, id: entry.id }, { ...changes, updatedAt: new Date() });
    // a ledger stays editable: its evidence files come and go with it
    await fileService.change(ctx, 'LedgerEntry', entry.id, files);
    return ctx.tx.repository(LedgerEntry).findOneByOrFail({ tenantId: viewer.tenantId, id: entry.id });
  },

  async remove(ctx: RequestContext, id: string): Promise<boolean> {
    const viewer = requireUser(ctx);
    const entry = await this.heldOrThrow(ctx, id);
    await fileService.detachAll(ctx, 'LedgerEntry', [entry.id]);
    await ctx.tx.repository(LedgerEntry).delete({ tenantId: viewer.tenantId, id: entry.id });
    return true;
  },

  /** The org's ledger (or its subtree's, within the viewer's scope), newest activity first. */
  async list(ctx: RequestContext, org: Org, filter: LedgerFilter, first: number, after?: string): Promise<Page<LedgerEntry>> {
    assertRange(filter);
    const roots = rootsFor(requireUser(ctx), org);
    const build = () => {
      const qb = scopedQuery(ctx, LedgerEntry, 'e', 'org_id', roots);
      if (!filter.subtree) qb.andWhere('e.org_id = :org', { org: org.id });
      if (filter.from) qb.andWhere('e.occurred_on >= CAST(:from AS date)', { from: filter.from });
      if (filter.to) qb.andWhere('e.occurred_on <= CAST(:to AS date)', { to: filter.to });
      if (filter.category) qb.andWhere('e.category = :category', { category: filter.category });
      if (filter.campaignId) qb.andWhere('e.campaign_id = :campaign', { campaign: filter.campaignId });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'e.occurred_on', type: 'date', of: (e) => e.occurredOn, desc: true },
        { sql: 'e.seq', type: 'numeric', of: (e) => e.seq, desc: true },
      ],
      first,
      after,
    );
  },

  /** Every entry of the org for an export (oldest first, as a ledger reads), bounded. */
  /**
   * The org's entries in the filter's range, oldest first, for the .xlsx export and the year archive: at
   * most MAX_LEDGER_EXPORT_ROWS, past them LEDGER_EXPORT_TOO_LARGE (never a ledger cut short).
   */
  async forExport(ctx: RequestContext, org: Org, filter: LedgerFilter, limit = MAX_LEDGER_EXPORT_ROWS): Promise<LedgerExportRow[]> {
    const viewer = requireUser(ctx);
    assertRange(filter);
    const qb = ctx.tx
      .repository(LedgerEntry)
      .createQueryBuilder('e')
      .where('e.tenant_id = :t AND e.org_id = :org', { t: viewer.tenantId, org: org.id });
    if (filter.from) qb.andWhere('e.occurred_on >= CAST(:from AS date)', { from: filter.from });
    if (filter.to) qb.andWhere('e.occurred_on <= CAST(:to AS date)', { to: filter.to });
    if (filter.category) qb.andWhere('e.category = :category', { category: filter.category });
    const entries = await qb
      .orderBy('e.occurred_on', 'ASC')
      .addOrderBy('e.seq', 'ASC')
      .limit(limit + 1)
      .getMany();
    if (entries.length > limit) throw ledgerError('LEDGER_EXPORT_TOO_LARGE', { params: { org: org.name, limit } });
    const campaignIds = [...new Set(entries.flatMap((e) => (e.campaignId ? [e.campaignId] : [])))];
    const campaigns = campaignIds.length
      ? await ctx.tx.query<{ id: string; name: string }>(`SELECT id, name FROM campaigns WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
          viewer.tenantId,
          campaignIds,
        ])
      : [];
    const campaignName = new Map(campaigns.map((c) => [c.id, c.name]));
    return Promise.all(
      entries.map(async (e) =>
        Object.assign(e, {
          campaignName: e.campaignId ? (campaignName.get(e.campaignId) ?? null) : null,
          authorName: await userService.displayName(ctx, e.createdBy),
        }),
      ),
    );
  },
};

/**
 * The briefings an org publishes in the tenant's year are bounded (BRIEFINGS_PUBLISHED_PER_ORG_PER_YEAR): counted under
 * a lock per org, so concurrent publishes pass the count one at a time; refused before anything is written.
 */
async function assertPublishRoom(ctx: RequestContext, briefing: Briefing): Promise<void> {
  const { year, start } = yearOf(await tenantToday(ctx));
  const { count } = await countUnderLock(
    ctx.tx,
    `briefings-published:${briefing.tenantId}:${briefing.orgId}`,
    `SELECT count(*)::int AS count FROM briefings
      WHERE tenant_id = $1 AND org_id = $2 AND state = 'PUBLISHED' AND ${inTenantYearSql('published_at', '$3')}`,
    [briefing.tenantId, briefing.orgId, start],
  );
  const limit = ctx.config.briefingsPublishedPerOrgPerYear;
  if (count >= limit) {
    const org = await orgService.findById(ctx, briefing.orgId);
    throw ledgerError('TOO_MANY_PUBLISHED_BRIEFINGS', { field: 'input.id', params: { org: org?.name ?? '', year, count, limit } });
  }
}

export const briefingService = {
  /** Drafts stay with the org's own officers; a published briefing is read by the org and everyone above it. */
  async find(ctx: RequestContext, id: string): Promise<Briefing | null> {
    const viewer = requireUser(ctx);
    const briefing = await ctx.tx.repository(Briefing).findOneBy({ tenantId: viewer.tenantId, id });
    if (!briefing) return null;
    const org = await orgService.findById(ctx, briefing.orgId);
    if (!org) return null;
    if (briefing.state === BriefingState.PUBLISHED) return inScope(viewer, org.path) ? briefing : null;
    return canWriteBriefing(viewer, org) ? briefing : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Briefing> {
    const briefing = await this.find(ctx, id);
    if (!briefing) throw ledgerError('BRIEFING_NOT_FOUND');
    return briefing;
  },

  async create(
    ctx: RequestContext,
    input: { orgId: string; title: string; body: string; briefingOn?: string | null },
    files: FileChanges = {},
  ): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!canWriteBriefing(viewer, o)) throw ledgerError('NOT_BRIEFING_WRITER');
    });
    const briefingOn = input.briefingOn ?? (await tenantToday(ctx));
    await notInFuture(ctx, briefingOn, 'input.briefingOn');
    // an org's drafts are bounded: counted under a lock per org, so concurrent creates pass the count one at a time
    const { count } = await countUnderLock(
      ctx.tx,
      `briefing-drafts:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM briefings WHERE tenant_id = $1 AND org_id = $2 AND state = 'DRAFT'`,
      [viewer.tenantId, org.id],
    );
    const limit = ctx.config.briefingDraftsPerOrg;
    if (count >= limit) throw ledgerError('TOO_MANY_BRIEFING_DRAFTS', { field: 'input.orgId', params: { org: org.name, count, limit } });
    const repo = ctx.tx.repository(Briefing);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        orgId: org.id,
        title: input.title,
        body: input.body,
        briefingOn,
        state: BriefingState.DRAFT,
        createdBy: viewer.userId,
      }),
    );
    await fileService.change(ctx, 'Briefing', saved.id, files);
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** A draft the viewer may change, locked FOR UPDATE as it stands: NOT_FOUND when a remove took it meanwhile. */
  async editableOrThrow(ctx: RequestContext, id: string): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const seen = await this.getOrThrow(ctx, id);
    await orgService.holdForChange(
      ctx,
      seen.orgId,
      (o) => {
        if (!canWriteBriefing(viewer, o)) throw ledgerError('NOT_BRIEFING_WRITER');
      },
      () => ledgerError('BRIEFING_NOT_FOUND'),
    );
    const briefing = await lockForUpdate(ctx.tx, Briefing, viewer.tenantId, seen.id);
    if (!briefing) throw ledgerError('BRIEFING_NOT_FOUND');
    if (briefing.state !== BriefingState.DRAFT) throw ledgerError('BRIEFING_PUBLISHED');
    return briefing;
  },

  async update(
    ctx: RequestContext,
    id: string,
    patch: { title?: string | null; body?: string | null; briefingOn?: string | null },
    files: FileChanges = {},
  ): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const briefing = await this.editableOrThrow(ctx, id);
    if (patch.briefingOn) await notInFuture(ctx, patch.briefingOn, 'input.briefingOn');
    if (patch.title != null || patch.body != null || patch.briefingOn != null) {
      const changed = await ctx.tx.execute(
        `UPDATE briefings SET title = coalesce($3, title), body = coalesce($4, body), briefing_on = coalesce($5::date, briefing_on), updated_at = now()
          WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'`,
        [viewer.tenantId, briefing.id, patch.title ?? null, patch.body ?? null, patch.briefingOn ?? null],
      );
      if (!changed) throw ledgerError('BRIEFING_PUBLISHED');
    }
    // a draft's files (the row is checked DRAFT above; a published briefing's files are refused by the database too)
    await fileService.change(ctx, 'Briefing', briefing.id, files);
    return ctx.tx.repository(Briefing).findOneByOrFail({ tenantId: viewer.tenantId, id: briefing.id });
  },

  async publish(ctx: RequestContext, id: string): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const briefing = await this.editableOrThrow(ctx, id);
    await assertPublishRoom(ctx, briefing);
    const changed = await ctx.tx.execute(
      `UPDATE briefings SET state = 'PUBLISHED', published_by = $3, published_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'`,
      [viewer.tenantId, briefing.id, viewer.userId],
    );
    if (!changed) throw ledgerError('BRIEFING_PUBLISHED');
    return ctx.tx.repository(Briefing).findOneByOrFail({ tenantId: viewer.tenantId, id: briefing.id });
  },

  async remove(ctx: RequestContext, id: string): Promise<boolean> {
    const viewer = requireUser(ctx);
    const briefing = await this.editableOrThrow(ctx, id);
    await fileService.detachAll(ctx, 'Briefing', [briefing.id]);
    const changed = await ctx.tx.execute(`DELETE FROM briefings WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'`, [
      viewer.tenantId,
      briefing.id,
    ]);
    if (!changed) throw ledgerError('BRIEFING_PUBLISHED');
    return true;
  },

  /**
   * Briefings of the orgs under `under`, newest first: the published ones the viewer reads (its own
   * org's and its subordinates', never a sibling's), plus drafts of the orgs it writes for.
   */
  async list(
    ctx: RequestContext,
    under: Org,
    state: BriefingState | null | undefined,
    first: number,
    after?: string,
  ): Promise<Page<Briefing>> {
    const viewer = requireUser(ctx);
    const read = underAnySql('o', rootsFor(viewer, under));
    const subtree = underAnySql('o', [under.path]);
    const ownOrgIds = [...new Set(viewer.roles.filter((r) => BRIEFING_WRITERS.includes(r.role)).map((r) => r.orgId))];
    const build = () => {
      const qb = ctx.tx
        .repository(Briefing)
        .createQueryBuilder('b')
        .innerJoin('orgs', 'o', 'o.tenant_id = b.tenant_id AND o.id = b.org_id')
        .where('b.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(subtree.sql, subtree.params)
        .andWhere(`((b.state = 'PUBLISHED' AND ${read.sql}) OR (b.state = 'DRAFT' AND b.org_id = ANY(CAST(:own AS uuid[]))))`, {
          ...read.params,
          own: ownOrgIds,
        });
      if (state) qb.andWhere('b.state = :state', { state });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'b.briefing_on', type: 'date', of: (b) => b.briefingOn, desc: true },
        { sql: 'b.seq', type: 'numeric', of: (b) => b.seq, desc: true },
      ],
      first,
      after,
    );
  },
};
