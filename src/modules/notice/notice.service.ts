import { holdsRoleAtRoot, inScope } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { Order, OrderColumn, OrderDirection, OrderSpec, nullsAsSql, orderedPage } from '../../graphql/order';
import { Page } from '../../graphql/relay';
import { campaignService } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Inspection, InspectionState } from '../supervision/supervision.entity';
import { supervisionService } from '../supervision/supervision.service';
import { Role } from '../../auth/roles';
import { Notice, NoticeKind, NoticeOrderField, NoticeState } from './notice.entity';
import { noticeError } from './notice.errors';
import { todayOf } from '../../graphql/today';
import { countUnderLock } from '../../db/advisory-lock';
import { inTenantYearSql, yearOf } from '../../graphql/today';

/**
 * A notice is the tenant's (通报 circulate to every org once issued), so drafting, issuing and reading
 * drafts need the role at the root: an admin or leader assigned over a subtree has none of it.
 */
const ISSUERS = [Role.TENANT_ADMIN, Role.LEADER];
/** Who signs for a recipient org (签收): its secretary or an officer over it (task.service's `readers`). */
const READERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

export interface NoticeInput {
  kind: NoticeKind;
  title: string;
  body: string;
  campaignId?: string | null;
  subjectOrgIds: string[];
  recipientOrgIds: string[];
  inspectionIds: string[];
  basis?: Record<string, unknown>;
  /** Subordinate bureaus (linked tenants) the notice names, by slug and name: a superior's 通报 over its bureaus. */
  namedBureaus?: NamedBureau[];
}

/** A subordinate bureau a notice names (kept in its basis: the bureau is another tenant, not an org of this one). */
export interface NamedBureau {
  slug: string;
  name: string;
}

/** The bureaus a notice names. */
export const namedBureausOf = (notice: { basis: Record<string, unknown> }): NamedBureau[] =>
  Array.isArray(notice.basis.bureaus) ? (notice.basis.bureaus as NamedBureau[]) : [];

/** A recipient org of a notice and when it acknowledged reading it (null: not yet). */
export interface NoticeRecipientRow {
  org: Org;
  readAt: Date | null;
}

export interface NoticeFilter {
  kind?: NoticeKind;
  state?: NoticeState;
  /** Only notices sent to this org (the orgs a notice names always receive it). */
  orgId?: string;
  /** Issued on or after this day ('YYYY-MM-DD'); drafts have no issue day. */
  from?: string | null;
  /** Issued on or before this day. */
  to?: string | null;
}

const DRAFTED: OrderColumn = { sql: 'n.created_at', type: 'timestamptz' };

export const NOTICE_ORDER: OrderSpec<NoticeOrderField> = {
  list: 'notices',
  id: 'n.id',
  fields: {
    CREATED_AT: [DRAFTED],
    ISSUED_ON: [{ sql: nullsAsSql('n.issued_on', `'infinity'::date`), type: 'date' }, DRAFTED],
    TITLE: [{ sql: 'n.title', type: 'text' }, DRAFTED],
  },
  default: { field: NoticeOrderField.CREATED_AT, direction: OrderDirection.DESC },
};

/**
 * The notices a tenant issues in its year are bounded (NOTICES_ISSUED_PER_YEAR), counted by when they were issued (the
 * issue day a notice carries may be any day): under a lock per tenant, so concurrent issues pass the count one at a time.
 */
async function assertIssueRoom(ctx: RequestContext, tenantId: string): Promise<void> {
  const { year, start } = yearOf(todayOf(ctx));
  const { count } = await countUnderLock(
    ctx.tx,
    `notices-issued:${tenantId}:${tenantId}`,
    `SELECT count(*)::int AS count FROM notices WHERE tenant_id = $1 AND state = 'ISSUED' AND ${inTenantYearSql('issued_at', '$2')}`,
    [tenantId, start],
  );
  const limit = ctx.config.noticesIssuedPerYear;
  if (count >= limit) throw noticeError('TOO_MANY_ISSUED_NOTICES', { field: 'input.id', params: { year, count, limit } });
}

export const noticeService = {
  /** Issued notices circulate to the whole tenant; drafts stay with the issuers. */
  async find(ctx: RequestContext, id: string): Promise<Notice | null> {
    const viewer = requireUser(ctx);
    const notice = await ctx.tx.repository(Notice).findOneBy({ tenantId: viewer.tenantId, id });
    if (!notice) return null;
    return notice.state === NoticeState.ISSUED || holdsRoleAtRoot(viewer, ISSUERS) ? notice : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Notice> {
    const notice = await this.find(ctx, id);
    if (!notice) throw noticeError('NOTICE_NOT_FOUND');
    return notice;
  },

  /** Issued notices (the tenant's), and drafts for their issuers, filtered and in the order asked for (newest first by default). */
  async list(
    ctx: RequestContext,
    filter: NoticeFilter,
    first: number,
    after?: string | null,
    order?: Order<NoticeOrderField> | null,
  ): Promise<Page<Notice>> {
    const viewer = requireUser(ctx);
    const issuer = holdsRoleAtRoot(viewer, ISSUERS);
    const build = () => {
      const qb = ctx.tx.repository(Notice).createQueryBuilder('n').where('n.tenant_id = :t', { t: viewer.tenantId });
      if (!issuer) qb.andWhere(`n.state = 'ISSUED'`);
      if (filter.kind) qb.andWhere('n.kind = :kind', { kind: filter.kind });
      if (filter.state) qb.andWhere('n.state = :state', { state: filter.state });
      if (filter.orgId) {
        qb.andWhere(
          'EXISTS (SELECT 1 FROM notice_recipients r WHERE r.tenant_id = n.tenant_id AND r.notice_id = n.id AND r.org_id = :recipient)',
          { recipient: filter.orgId },
        );
      }
      if (filter.from) qb.andWhere('n.issued_on >= CAST(:from AS date)', { from: filter.from });
      if (filter.to) qb.andWhere('n.issued_on <= CAST(:to AS date)', { to: filter.to });
      return qb;
    };
    return orderedPage(build, NOTICE_ORDER, order, first, after);
  },

  async create(ctx: RequestContext, input: NoticeInput): Promise<Notice> {
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, ISSUERS)) throw noticeError('NOT_NOTICE_ISSUER');
    if (!input.subjectOrgIds.length && !input.namedBureaus?.length) throw noticeError('NOTICE_SUBJECTS_EMPTY', 'input.subjectOrgIds');
    // up to 1,000 orgs and 100 records, each list read in one go and refused at its first offending id (in the order given)
    await orgService.getManyInScopeOrThrow(ctx, [...input.subjectOrgIds, ...input.recipientOrgIds]);
    // a draft may still change or be discarded: only a finalized record (immutable from then on) is cited
    await supervisionService.getInspectionsOrThrow(ctx, input.inspectionIds, (inspection, i) => {
      if (inspection.state !== InspectionState.FINALIZED) throw noticeError('INSPECTION_NOT_FINALIZED', `input.inspectionIds[${i}]`);
    });
    if (input.campaignId) await campaignService.getOrThrow(ctx, input.campaignId);
    const repo = ctx.tx.repository(Notice);
    const notice = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        kind: input.kind,
        title: input.title,
        body: input.body,
        state: NoticeState.DRAFT,
        campaignId: input.campaignId ?? null,
        basis: { ...(input.basis ?? {}), ...(input.namedBureaus?.length ? { bureaus: input.namedBureaus } : {}) },
        createdBy: viewer.userId,
      }),
    );
    const t = viewer.tenantId;
    await ctx.tx.execute(`INSERT INTO notice_subjects (tenant_id, notice_id, org_id) SELECT $1, $2, unnest($3::uuid[])`, [
      t,
      notice.id,
      [...new Set(input.subjectOrgIds)],
    ]);
    // The orgs named always receive it; the rest of the distribution list comes on top.
    const recipients = [...new Set([...input.subjectOrgIds, ...input.recipientOrgIds])];
    await ctx.tx.execute(`INSERT INTO notice_recipients (tenant_id, notice_id, org_id) SELECT $1, $2, unnest($3::uuid[])`, [
      t,
      notice.id,
      recipients,
    ]);
    if (input.inspectionIds.length)
      await ctx.tx.execute(`INSERT INTO notice_inspections (tenant_id, notice_id, inspection_id) SELECT $1, $2, unnest($3::uuid[])`, [
        t,
        notice.id,
        [...new Set(input.inspectionIds)],
      ]);
    return repo.findOneByOrFail({ tenantId: t, id: notice.id });
  },

  /** One mutation from a campaign's lagging orgs (工作不力) to a draft criticism notice with its figures. */
  async draftFromLagging(
    ctx: RequestContext,
    input: { campaignId: string; underId?: string | null; first: number; title?: string | null },
  ): Promise<Notice> {
    // the issuer's role before the campaign's figures are read (create checks it again)
    if (!holdsRoleAtRoot(requireUser(ctx), ISSUERS)) throw noticeError('NOT_NOTICE_ISSUER');
    const campaign = await campaignService.getOrThrow(ctx, input.campaignId);
    const scope = await campaignService.rollupScope(ctx, campaign, input.underId);
    const asOf = todayOf(ctx);
    const [figures, lagging] = await Promise.all([
      campaignService.progress(ctx, campaign, scope, asOf),
      campaignService.lagging(ctx, campaign, scope, input.first),
    ]);
    if (!lagging.length) throw noticeError('NOTHING_TO_CRITICISE');
    const names = lagging.map((l) => `${l.org.name}（${l.result ? `${l.result.total}分` : '未评议'}）`);
    const ratio = figures.eligible ? Math.round((figures.attained / figures.eligible) * 1000) / 10 : 0;
    const body =
      `截至${asOf}，${scope.name}应创建基层党组织${figures.eligible}个，已建成${figures.attained}个（${ratio}%）` +
      (figures.target ? `，目标为${Math.round(figures.target.ratio * 100)}%（${figures.target.dueOn}前）` : '') +
      `。以下单位创建工作推进不力，予以通报批评：${names.join('、')}。请上述单位认真整改。`;
    return this.create(ctx, {
      kind: NoticeKind.CRITICISM,
      title: input.title ?? `关于${campaign.name}工作推进不力单位的通报`,
      body,
      campaignId: campaign.id,
      subjectOrgIds: lagging.map((l) => l.org.id),
      recipientOrgIds: [scope.id],
      inspectionIds: [],
      basis: {
        asOf,
        scopeOrgId: scope.id,
        eligible: figures.eligible,
        attained: figures.attained,
        target: figures.target ? { dueOn: figures.target.dueOn, ratio: figures.target.ratio } : null,
        lagging: lagging.map((l) => ({ orgId: l.org.id, total: l.result?.total ?? null, grade: l.result?.grade ?? null })),
      },
    });
  },

  async issue(ctx: RequestContext, id: string, issuedOn?: string | null): Promise<Notice> {
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, ISSUERS)) throw noticeError('NOT_NOTICE_ISSUER');
    const notice = await this.getOrThrow(ctx, id);
    if (notice.state === NoticeState.DRAFT) await assertIssueRoom(ctx, viewer.tenantId);
    const changed = await ctx.tx.execute(
      `UPDATE notices SET state = 'ISSUED', issued_on = $3, issued_by = $4, issued_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'`,
      [viewer.tenantId, notice.id, issuedOn ?? todayOf(ctx), viewer.userId],
    );
    if (!changed) throw noticeError('NOTICE_ISSUED');
    return ctx.tx.repository(Notice).findOneByOrFail({ tenantId: viewer.tenantId, id: notice.id });
  },

  /** A recipient org acknowledges reading: by its secretary or an officer over it. The first read counts. */
  async markRead(ctx: RequestContext, id: string, orgId: string): Promise<NoticeRecipientRow> {
    const viewer = requireUser(ctx);
    const notice = await this.getOrThrow(ctx, id);
    const org = await orgService.getInScopeOrThrow(ctx, orgId);
    if (!inScope(viewer, org.path, READERS)) throw noticeError('NOT_NOTICE_READER', { field: 'input.orgId', params: { org: org.name } });
    if (notice.state !== NoticeState.ISSUED) throw noticeError('NOTICE_NOT_ISSUED');
    // a data-modifying WITH answers its rows as a SELECT does
    const [read] = await ctx.tx.query<{ read_at: Date }>(
      `WITH r AS (UPDATE notice_recipients SET read_at = coalesce(read_at, now()), read_by = coalesce(read_by, $4)
                   WHERE tenant_id = $1 AND notice_id = $2 AND org_id = $3 RETURNING read_at)
       SELECT read_at FROM r`,
      [viewer.tenantId, notice.id, org.id, viewer.userId],
    );
    if (!read) throw noticeError('NOT_RECIPIENT', { field: 'input.orgId', params: { org: org.name } });
    return { org, readAt: read.read_at };
  },

  /** The orgs commended or criticised (as far as the viewer sees them): fixed when drafted. */
  async subjects(ctx: RequestContext, notice: Notice): Promise<Org[]> {
    const rows = await ctx.tx.query<{ org_id: string }>(`SELECT org_id FROM notice_subjects WHERE tenant_id = $1 AND notice_id = $2`, [
      notice.tenantId,
      notice.id,
    ]);
    return (await Promise.all(rows.map((r) => orgService.findById(ctx, r.org_id)))).filter((o): o is Org => !!o);
  },

  /** The distribution list: each viewer sees the reading status of the recipients inside its own scope. */
  async recipients(ctx: RequestContext, notice: Notice): Promise<NoticeRecipientRow[]> {
    const viewer = requireUser(ctx);
    const rows = await ctx.tx.query<{ org_id: string; read_at: Date | null }>(
      `SELECT org_id, read_at FROM notice_recipients WHERE tenant_id = $1 AND notice_id = $2`,
      [notice.tenantId, notice.id],
    );
    const orgs = await Promise.all(rows.map((r) => orgService.findById(ctx, r.org_id)));
    return rows.flatMap((r, i) => {
      const org = orgs[i];
      return org && inScope(viewer, org.path) ? [{ org, readAt: r.read_at }] : [];
    });
  },

  /** The inspections that justify the notice (those the viewer may see). */
  async inspections(ctx: RequestContext, notice: Notice): Promise<Inspection[]> {
    const rows = await ctx.tx.query<{ inspection_id: string }>(
      `SELECT inspection_id FROM notice_inspections WHERE tenant_id = $1 AND notice_id = $2`,
      [notice.tenantId, notice.id],
    );
    const found = await Promise.all(rows.map((r) => supervisionService.findInspection(ctx, r.inspection_id)));
    return found.filter((i): i is Inspection => !!i);
  },
};
