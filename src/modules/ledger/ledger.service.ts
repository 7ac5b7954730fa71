import { inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { UserViewer } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { Page, decodeCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { campaignService } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { tenantService } from '../tenant/tenant.service';
import { Role } from '../../auth/roles';
import { Briefing, BriefingState, LedgerCategory, LedgerEntry } from './ledger.entity';
import { LedgerErrorReason, ledgerError } from './ledger.errors';

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

/** Today in the tenant's time zone, as 'YYYY-MM-DD'. */
export async function tenantToday(ctx: RequestContext): Promise<string> {
  const { timezone } = await tenantService.settings(ctx);
  const [row] = await ctx.tx.query(`SELECT (now() AT TIME ZONE $1)::date::text AS d`, [timezone]);
  return row.d;
}

function assertLedgerWriter(viewer: UserViewer, org: Org) {
  if (!inScope(viewer, org.path, LEDGER_WRITERS))
    throw ledgerError(LedgerErrorReason.NOT_LEDGER_WRITER, 'Only the org’s secretary or an officer over it keeps its ledger');
}

export function canWriteBriefing(viewer: UserViewer, org: Org): boolean {
  return viewer.roles.some((r) => BRIEFING_WRITERS.includes(r.role) && r.orgId === org.id);
}

async function notInFuture(ctx: RequestContext, date: string, field: string) {
  if (date > (await tenantToday(ctx))) throw ledgerError(LedgerErrorReason.DATE_IN_FUTURE, 'The date cannot be in the future', field);
}

export const ledgerService = {
  /** An entry is readable by whoever reads its org. */
  async find(ctx: RequestContext, id: string): Promise<LedgerEntry | null> {
    const viewer = requireUser(ctx);
    const entry = await ctx.tx.repository(LedgerEntry).findOneBy({ tenantId: viewer.tenantId, id });
    if (!entry) return null;
    const org = await orgService.findById(ctx, entry.orgId);
    return org && inScope(viewer, org.path) ? entry : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<LedgerEntry> {
    const entry = await this.find(ctx, id);
    if (!entry) throw ledgerError(LedgerErrorReason.LEDGER_ENTRY_NOT_FOUND, 'Ledger entry not found');
    return entry;
  },

  async create(ctx: RequestContext, input: LedgerInput): Promise<LedgerEntry> {
    const viewer = requireUser(ctx);
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    assertLedgerWriter(viewer, org);
    await notInFuture(ctx, input.occurredOn, 'input.occurredOn');
    if (input.campaignId) await campaignService.getOrThrow(ctx, input.campaignId);
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
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  async update(ctx: RequestContext, id: string, patch: Partial<Omit<LedgerInput, 'orgId'>>): Promise<LedgerEntry> {
    const viewer = requireUser(ctx);
    const entry = await this.getOrThrow(ctx, id);
    assertLedgerWriter(viewer, (await orgService.findById(ctx, entry.orgId))!);
    if (patch.occurredOn) await notInFuture(ctx, patch.occurredOn, 'input.occurredOn');
    if (patch.campaignId) await campaignService.getOrThrow(ctx, patch.campaignId);
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length)
      await ctx.tx.repository(LedgerEntry).update({ tenantId: viewer.tenantId, id: entry.id }, { ...changes, updatedAt: new Date() });
    return ctx.tx.repository(LedgerEntry).findOneByOrFail({ tenantId: viewer.tenantId, id: entry.id });
  },

  async remove(ctx: RequestContext, id: string): Promise<boolean> {
    const viewer = requireUser(ctx);
    const entry = await this.getOrThrow(ctx, id);
    assertLedgerWriter(viewer, (await orgService.findById(ctx, entry.orgId))!);
    await ctx.tx.repository(LedgerEntry).delete({ tenantId: viewer.tenantId, id: entry.id });
    return true;
  },

  /** The org's ledger (or its subtree's, within the viewer's scope), newest activity first. */
  async list(ctx: RequestContext, org: Org, filter: LedgerFilter, first: number, after?: string): Promise<Page<LedgerEntry>> {
    const viewer = requireUser(ctx);
    if (filter.from && filter.to && filter.from > filter.to)
      throw ledgerError(LedgerErrorReason.INVALID_RANGE, '`from` is after `to`', 'from');
    const build = () => {
      const qb = ctx.tx.repository(LedgerEntry).createQueryBuilder('e').where('e.tenant_id = :t', { t: viewer.tenantId });
      if (filter.subtree) {
        const scope = underAnySql('o', scopedRootsUnder(viewer, org.path));
        qb.innerJoin('orgs', 'o', 'o.tenant_id = e.tenant_id AND o.id = e.org_id').andWhere(scope.sql, scope.params);
      } else {
        qb.andWhere('e.org_id = :org', { org: org.id });
      }
      if (filter.from) qb.andWhere('e.occurred_on >= :from', { from: filter.from });
      if (filter.to) qb.andWhere('e.occurred_on <= :to', { to: filter.to });
      if (filter.category) qb.andWhere('e.category = :category', { category: filter.category });
      if (filter.campaignId) qb.andWhere('e.campaign_id = :campaign', { campaign: filter.campaignId });
      return qb;
    };
    const qb = build()
      .orderBy('e.occurred_on', 'DESC')
      .addOrderBy('e.seq', 'DESC')
      .limit(first + 1);
    const cursor = decodeCursor(after, 2);
    if (cursor)
      qb.andWhere('(e.occurred_on, e.seq) < (CAST(:d AS date), CAST(:s AS bigint))', { d: String(cursor[0]), s: String(cursor[1]) });
    return pageFrom(
      await qb.getMany(),
      first,
      after,
      (e) => encodeCursor([e.occurredOn, e.seq]),
      () => build().getCount(),
    );
  },

  /** Every entry of the org for an export (oldest first, as a ledger reads), bounded. */
  async forExport(
    ctx: RequestContext,
    org: Org,
    filter: LedgerFilter,
    limit = 20000,
  ): Promise<(LedgerEntry & { campaignName: string | null; authorName: string | null })[]> {
    const viewer = requireUser(ctx);
    const rows: { id: string; campaign_name: string | null; author_name: string | null }[] = await ctx.tx.query(
      `SELECT e.id, c.name AS campaign_name, u.display_name AS author_name
         FROM ledger_entries e
         LEFT JOIN campaigns c ON c.tenant_id = e.tenant_id AND c.id = e.campaign_id
         LEFT JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.created_by
        WHERE e.tenant_id = $1 AND e.org_id = $2 AND ($3::date IS NULL OR e.occurred_on >= $3) AND ($4::date IS NULL OR e.occurred_on <= $4)
          AND ($5::text IS NULL OR e.category = $5)
        ORDER BY e.occurred_on, e.seq LIMIT $6`,
      [viewer.tenantId, org.id, filter.from ?? null, filter.to ?? null, filter.category ?? null, limit],
    );
    if (!rows.length) return [];
    const entries = await ctx.tx
      .repository(LedgerEntry)
      .createQueryBuilder('e')
      .where('e.tenant_id = :t AND e.id = ANY(:ids)', { t: viewer.tenantId, ids: rows.map((r) => r.id) })
      .getMany();
    const byId = new Map(entries.map((e) => [e.id, e]));
    return rows.map((r) => Object.assign(byId.get(r.id)!, { campaignName: r.campaign_name, authorName: r.author_name }));
  },
};

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
    if (!briefing) throw ledgerError(LedgerErrorReason.BRIEFING_NOT_FOUND, 'Briefing not found');
    return briefing;
  },

  async create(ctx: RequestContext, input: { orgId: string; title: string; body: string; briefingOn?: string | null }): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    if (!canWriteBriefing(viewer, org))
      throw ledgerError(LedgerErrorReason.NOT_BRIEFING_WRITER, 'Only the org’s own officers write its briefings');
    const briefingOn = input.briefingOn ?? (await tenantToday(ctx));
    await notInFuture(ctx, briefingOn, 'input.briefingOn');
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
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  async editableOrThrow(ctx: RequestContext, id: string): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const briefing = await this.getOrThrow(ctx, id);
    const org = (await orgService.findById(ctx, briefing.orgId))!;
    if (!canWriteBriefing(viewer, org))
      throw ledgerError(LedgerErrorReason.NOT_BRIEFING_WRITER, 'Only the org’s own officers change its briefings');
    if (briefing.state !== BriefingState.DRAFT)
      throw ledgerError(LedgerErrorReason.BRIEFING_PUBLISHED, 'A published briefing cannot be changed');
    return briefing;
  },

  async update(
    ctx: RequestContext,
    id: string,
    patch: { title?: string | null; body?: string | null; briefingOn?: string | null },
  ): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const briefing = await this.editableOrThrow(ctx, id);
    if (patch.briefingOn) await notInFuture(ctx, patch.briefingOn, 'input.briefingOn');
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null));
    if (Object.keys(changes).length) {
      await ctx.tx.query(
        `UPDATE briefings SET title = coalesce($3, title), body = coalesce($4, body), briefing_on = coalesce($5::date, briefing_on), updated_at = now()
                           WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'`,
        [viewer.tenantId, briefing.id, patch.title ?? null, patch.body ?? null, patch.briefingOn ?? null],
      );
    }
    return ctx.tx.repository(Briefing).findOneByOrFail({ tenantId: viewer.tenantId, id: briefing.id });
  },

  async publish(ctx: RequestContext, id: string): Promise<Briefing> {
    const viewer = requireUser(ctx);
    const briefing = await this.editableOrThrow(ctx, id);
    const [, changed] = await ctx.tx.query(
      `UPDATE briefings SET state = 'PUBLISHED', published_by = $3, published_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'`,
      [viewer.tenantId, briefing.id, viewer.userId],
    );
    if (!changed) throw ledgerError(LedgerErrorReason.BRIEFING_PUBLISHED, 'The briefing is already published');
    return ctx.tx.repository(Briefing).findOneByOrFail({ tenantId: viewer.tenantId, id: briefing.id });
  },

  async remove(ctx: RequestContext, id: string): Promise<boolean> {
    const viewer = requireUser(ctx);
    const briefing = await this.editableOrThrow(ctx, id);
    await ctx.tx.query(`DELETE FROM briefings WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'`, [viewer.tenantId, briefing.id]);
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
    const readRoots = scopedRootsUnder(viewer, under.path);
    const ownOrgIds = [...new Set(viewer.roles.filter((r) => BRIEFING_WRITERS.includes(r.role)).map((r) => r.orgId))];
    const build = () => {
      const read = underAnySql('o', readRoots);
      const qb = ctx.tx
        .repository(Briefing)
        .createQueryBuilder('b')
        .innerJoin('orgs', 'o', 'o.tenant_id = b.tenant_id AND o.id = b.org_id')
        .where('b.tenant_id = :t', { t: viewer.tenantId })
        .andWhere('o.path <@ CAST(:under AS ltree)', { under: under.path })
        .andWhere(`((b.state = 'PUBLISHED' AND ${read.sql}) OR (b.state = 'DRAFT' AND b.org_id = ANY(CAST(:own AS uuid[]))))`, {
          ...read.params,
          own: ownOrgIds,
        });
      if (state) qb.andWhere('b.state = :state', { state });
      return qb;
    };
    const qb = build()
      .orderBy('b.briefing_on', 'DESC')
      .addOrderBy('b.seq', 'DESC')
      .limit(first + 1);
    const cursor = decodeCursor(after, 2);
    if (cursor)
      qb.andWhere('(b.briefing_on, b.seq) < (CAST(:d AS date), CAST(:s AS bigint))', { d: String(cursor[0]), s: String(cursor[1]) });
    return pageFrom(
      await qb.getMany(),
      first,
      after,
      (b) => encodeCursor([b.briefingOn, b.seq]),
      () => build().getCount(),
    );
  },
};
