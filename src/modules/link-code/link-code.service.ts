import { inScope } from '../../auth/scope';
import { isAncestorOrSelf } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { inTenantYearSql, todayOf, yearOf } from '../../graphql/today';
import { campaignService } from '../campaign/campaign.service';
import { Commitment } from '../commitment/commitment.entity';
import { COMMITMENT_OFFICERS, commitmentService } from '../commitment/commitment.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { LinkCode } from './link-code.entity';
import { linkCodeError } from './link-code.errors';
import { keyedHash, randomToken } from './public';
import { countUnderLock } from '../../db/advisory-lock';

/**
 * The sliding window of anonymous submissions (reviews and opinions together), counted from the
 * stored rows: per link code (a crowd at one window) and per client address (one machine).
 */
export const PUBLIC_RATE_LIMIT = { windowSeconds: 600, perClient: 20, perCode: 200 };

/** At most this many of the org's commitments are offered for rating on its public page (soonest due first). */
export const PUBLIC_COMMITMENTS = 50;

const CODE_SHAPE = /^[A-Za-z0-9_-]{22,64}$/;
const linkNotFound = () => linkCodeError('LINK_NOT_FOUND');

/** The tenant an anonymous request has entered through a code: one per request. */
const entered = new WeakMap<RequestContext, string>();

export interface LinkCodeFilter {
  under?: Org | null;
  orgId?: string;
  includeDisabled?: boolean;
}

/** What a code shows the public: the org's name, the campaign's, and what may be rated. */
export interface PublicLinkView {
  orgName: string;
  campaignName: string | null;
  /** The commitment the code rates, when it is a commitment's code. */
  own: Commitment | null;
  /** The commitments that may be rated with this code. */
  listed: Commitment[];
}

function assertManager(ctx: RequestContext, org: Org): void {
  if (!inScope(requireUser(ctx), org.path, COMMITMENT_OFFICERS)) throw linkCodeError('NOT_LINK_MANAGER');
}

export const linkCodeService = {
  /** Visible to whoever reads its org. */
  async find(ctx: RequestContext, id: string): Promise<LinkCode | null> {
    return findInScope(ctx, LinkCode, id, (l) => l.orgId);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<LinkCode> {
    const link = await this.find(ctx, id);
    if (!link) throw linkNotFound();
    return link;
  },

  /**
   * A new code for an org (optionally within a campaign, whose scope must hold the org) or for one
   * commitment; by the org's secretary or an officer over it.
   */
  async create(
    ctx: RequestContext,
    input: { orgId?: string | null; campaignId?: string | null; commitmentId?: string | null; label: string },
  ): Promise<LinkCode> {
    const viewer = requireUser(ctx);
    const commitment = input.commitmentId ? await commitmentService.getOrThrow(ctx, input.commitmentId) : null;
    const orgId = input.orgId ?? commitment?.orgId;
    if (!orgId) throw linkCodeError('NOTHING_TO_RATE', 'input.orgId');
    const org = await orgService.getLiveInScopeOrThrow(ctx, orgId, (o) => assertManager(ctx, o));
    if (commitment && commitment.orgId !== org.id) throw linkCodeError('COMMITMENT_OF_OTHER_ORG', 'input.commitmentId');
    let campaignId: string | null = null;
    if (input.campaignId) {
      const campaign = await campaignService.getOrThrow(ctx, input.campaignId);
      const scope = await orgService.findById(ctx, campaign.scopeOrgId);
      if (!scope || !isAncestorOrSelf(scope.path, org.path))
        throw linkCodeError('ORG_NOT_IN_CAMPAIGN', { field: 'input.campaignId', params: { org: org.name } });
      campaignId = campaign.id;
    }
    // an org's codes of the tenant's year are bounded (disabled ones too: they stay): counted under a lock per org, so
    // concurrent creates pass the count one at a time
    const { year, start } = yearOf(todayOf(ctx));
    const { count } = await countUnderLock(
      ctx.tx,
      `link-codes:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM link_codes
        WHERE tenant_id = $1 AND org_id = $2 AND ${inTenantYearSql('created_at', '$3')}`,
      [viewer.tenantId, org.id, start],
    );
    const limit = ctx.config.linkCodesPerOrgPerYear;
    if (count >= limit) throw linkCodeError('TOO_MANY_LINK_CODES', { field: 'input.orgId', params: { org: org.name, year, count, limit } });
    const repo = ctx.tx.repository(LinkCode);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        code: randomToken(16),
        orgId: org.id,
        campaignId,
        commitmentId: commitment?.id ?? null,
        label: input.label.trim(),
        disabled: false,
        createdBy: viewer.userId,
      }),
    );
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** Takes a code out of use for good (a reprinted poster gets a new code); idempotent. */
  async disable(ctx: RequestContext, id: string): Promise<LinkCode> {
    const viewer = requireUser(ctx);
    const link = await this.getOrThrow(ctx, id);
    // found in scope, so its org is visible; held to the commit, the manager checked where it stands after a move
    await orgService.holdForChange(
      ctx,
      link.orgId,
      (org) => assertManager(ctx, org),
      () => linkCodeError('LINK_NOT_FOUND'),
    );
    await ctx.tx.execute(
      `UPDATE link_codes SET disabled = true, disabled_at = now(), disabled_by = $3 WHERE tenant_id = $1 AND id = $2 AND NOT disabled`,
      [viewer.tenantId, link.id, viewer.userId],
    );
    return ctx.tx.repository(LinkCode).findOneByOrFail({ tenantId: viewer.tenantId, id: link.id });
  },

  /** Codes of orgs in the subtree (within the viewer's scope), newest first. */
  async list(ctx: RequestContext, filter: LinkCodeFilter, first: number, after?: string): Promise<Page<LinkCode>> {
    const roots = rootsFor(requireUser(ctx), filter.under);
    const build = () => {
      const qb = scopedQuery(ctx, LinkCode, 'l', 'org_id', roots);
      if (filter.orgId) qb.andWhere('l.org_id = :org', { org: filter.orgId });
      if (!filter.includeDisabled) qb.andWhere('NOT l.disabled');
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'l.created_at', type: 'timestamptz', of: (l) => l.createdAt, desc: true },
        { sql: 'l.id', type: 'uuid', of: (l) => l.id, desc: true },
      ],
      first,
      after,
    );
  },

  // ── the anonymous path ───────────────────────────────────────────────────────────────────────────

  /**
   * Scopes the request to `tenantId` for RLS. A signed-in user stays in its own tenant (another
   * tenant's code is simply not found), and an anonymous request enters one tenant only, so codes of
   * two tenants in one request never mix.
   */
  async enter(ctx: RequestContext, tenantId: string): Promise<void> {
    if (ctx.viewer) {
      if (ctx.viewer.kind !== 'user' || ctx.viewer.tenantId !== tenantId) throw linkNotFound();
      return;
    }
    const current = entered.get(ctx);
    if (current && current !== tenantId) throw linkNotFound();
    entered.set(ctx, tenantId);
    await ctx.tx.setIdentity({ tenantId, platform: false });
  },

  /** An enabled code → its row, read under RLS as its tenant (found through the owner's lookup function). */
  async resolve(ctx: RequestContext, code: string): Promise<LinkCode> {
    if (typeof code !== 'string' || !CODE_SHAPE.test(code)) throw linkNotFound();
    const rows = await ctx.tx.query<{ tenant_id: string; link_code_id: string }>(`SELECT tenant_id, link_code_id FROM app_link_code($1)`, [
      code,
    ]);
    if (rows.length !== 1) throw linkNotFound();
    await this.enter(ctx, rows[0].tenant_id);
    const link = await ctx.tx.repository(LinkCode).findOneBy({ tenantId: rows[0].tenant_id, id: rows[0].link_code_id });
    if (!link || link.disabled) throw linkNotFound();
    // the code of an archived (撤销) org takes nothing more from the public: answered as a disabled code
    const [org] = await ctx.tx.query<{ archived: boolean }>(
      `SELECT archived_at IS NOT NULL AS archived FROM orgs WHERE tenant_id = $1 AND id = $2`,
      [link.tenantId, link.orgId],
    );
    if (!org || org.archived) throw linkNotFound();
    return link;
  },

  /** What the code shows the public (no sign-in): the org's and campaign's names and the commitments it rates. */
  async publicView(ctx: RequestContext, code: string): Promise<PublicLinkView> {
    const link = await this.resolve(ctx, code);
    const [campaign] = link.campaignId
      ? await ctx.tx.query<{ name: string }>(`SELECT name FROM campaigns WHERE tenant_id = $1 AND id = $2`, [
          link.tenantId,
          link.campaignId,
        ])
      : [];
    const repo = ctx.tx.repository(Commitment);
    const own = link.commitmentId ? await repo.findOneBy({ tenantId: link.tenantId, id: link.commitmentId }) : null;
    if (link.commitmentId && !own) throw linkNotFound();
    const listed = own
      ? [own]
      : await repo.find({
          where: { tenantId: link.tenantId, orgId: link.orgId },
          order: { dueOn: 'ASC', id: 'ASC' },
          take: PUBLIC_COMMITMENTS,
        });
    return { orgName: await this.orgName(ctx, link), campaignName: campaign?.name ?? null, own, listed };
  },

  /**
   * Refuses an anonymous submission beyond the window's limits (RATE_LIMITED with the seconds until
   * a slot frees up); answers the client's keyed hash for `record`. Submissions from one client (across every
   * code) and through one code are serialized, so concurrent ones cannot slip past either count together. The
   * locks are taken in one order, the client's first, then the code's (public-review's admitDaily takes the
   * client's again: it already holds it).
   */
  async admit(ctx: RequestContext, link: LinkCode): Promise<string> {
    const client = keyedHash(ctx, 'client', link.tenantId, ctx.ip || 'unknown');
    const { windowSeconds, perClient, perCode } = PUBLIC_RATE_LIMIT;
    await ctx.tx.query<{ locked: unknown }>(`SELECT pg_advisory_xact_lock(hashtext('public-client:' || $1::text)) AS locked`, [client]);
    await ctx.tx.query<{ locked: unknown }>(`SELECT pg_advisory_xact_lock(hashtext('public-submission:' || $1::text)) AS locked`, [
      link.id,
    ]);
    // The limit-th newest row inside the window: while it exists the limit is reached; when it ages out a slot frees.
    const edge = (column: string, n: number, param: string) => `
      (SELECT greatest(1, ceil(extract(epoch FROM (s.created_at + make_interval(secs => $2::int) - now()))))::int
         FROM public_submissions s
        WHERE s.tenant_id = $1 AND s.${column} = ${param} AND s.created_at > now() - make_interval(secs => $2::int)
        ORDER BY s.created_at DESC OFFSET ${n - 1} LIMIT 1)`;
    const [row] = await ctx.tx.query<{ client_wait: number | null; code_wait: number | null }>(
      `SELECT ${edge('client_hash', perClient, '$3')} AS client_wait, ${edge('link_code_id', perCode, '$4::uuid')} AS code_wait`,
      [link.tenantId, windowSeconds, client, link.id],
    );
    if (row.client_wait !== null) throw linkCodeError('CLIENT_RATE_LIMITED', { params: { retryAfterSeconds: row.client_wait } });
    if (row.code_wait !== null) throw linkCodeError('CODE_RATE_LIMITED', { params: { retryAfterSeconds: row.code_wait } });
    return client;
  },

  /** Counts an accepted submission in the window (and now and then forgets day-old rows). */
  async record(ctx: RequestContext, link: LinkCode, clientHash: string, kind: 'REVIEW' | 'OPINION'): Promise<void> {
    await ctx.tx.execute(`INSERT INTO public_submissions (tenant_id, link_code_id, client_hash, kind) VALUES ($1, $2, $3, $4)`, [
      link.tenantId,
      link.id,
      clientHash,
      kind,
    ]);
    if (Math.random() < 0.01)
      await ctx.tx.execute(`DELETE FROM public_submissions WHERE tenant_id = $1 AND created_at < now() - interval '1 day'`, [
        link.tenantId,
      ]);
  },

  /** The org's name for the public page (read without a viewer, under RLS). */
  async orgName(ctx: RequestContext, link: { tenantId: string; orgId: string }): Promise<string> {
    const [row] = await ctx.tx.query<{ name: string }>(`SELECT name FROM orgs WHERE tenant_id = $1 AND id = $2`, [
      link.tenantId,
      link.orgId,
    ]);
    if (!row) throw linkNotFound();
    return row.name;
  },
};
