import { inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { isAncestorOrSelf, scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { AppError, ErrorCode, errorFactory } from '../../graphql/errors';
import { campaignService } from '../campaign/campaign.service';
import { COMMITMENT_OFFICERS, commitmentService } from '../commitment/commitment.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { LinkCode } from './link-code.entity';
import { keyedHash, randomToken } from './public';

export enum LinkCodeErrorReason {
  LINK_NOT_FOUND = 'LINK_NOT_FOUND',
  NOT_LINK_MANAGER = 'NOT_LINK_MANAGER',
  ORG_NOT_IN_CAMPAIGN = 'ORG_NOT_IN_CAMPAIGN',
  COMMITMENT_OF_OTHER_ORG = 'COMMITMENT_OF_OTHER_ORG',
  NOTHING_TO_RATE = 'NOTHING_TO_RATE',
}
export const linkCodeError = errorFactory<LinkCodeErrorReason>({
  LINK_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOT_LINK_MANAGER: ErrorCode.FORBIDDEN,
  ORG_NOT_IN_CAMPAIGN: ErrorCode.BAD_USER_INPUT,
  COMMITMENT_OF_OTHER_ORG: ErrorCode.BAD_USER_INPUT,
  NOTHING_TO_RATE: ErrorCode.BAD_USER_INPUT,
});

/**
 * The sliding window of anonymous submissions (reviews and opinions together), counted from the
 * stored rows: per link code (a crowd at one window) and per client address (one machine).
 */
export const PUBLIC_RATE_LIMIT = { windowSeconds: 600, perClient: 20, perCode: 200 };

const CODE_SHAPE = /^[A-Za-z0-9_-]{22,64}$/;
const notFound = () => linkCodeError(LinkCodeErrorReason.LINK_NOT_FOUND, 'This link is unknown or no longer in use');

/** The tenant an anonymous request has entered through a code: one per request. */
const entered = new WeakMap<RequestContext, string>();

export const linkCodeService = {
  async find(ctx: RequestContext, id: string): Promise<LinkCode | null> {
    const viewer = requireUser(ctx);
    const link = await ctx.tx.repository(LinkCode).findOneBy({ tenantId: viewer.tenantId, id });
    if (!link) return null;
    const org = await orgService.findById(ctx, link.orgId);
    return org && inScope(viewer, org.path) ? link : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<LinkCode> {
    const link = await this.find(ctx, id);
    if (!link) throw notFound();
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
    if (!input.orgId && !input.commitmentId)
      throw linkCodeError(
        LinkCodeErrorReason.NOTHING_TO_RATE,
        'Name the org (orgId) or the commitment (commitmentId) the code rates',
        'input.orgId',
      );
    const commitment = input.commitmentId ? await commitmentService.getOrThrow(ctx, input.commitmentId) : null;
    const org: Org = await orgService.getInScopeOrThrow(ctx, input.orgId ?? commitment!.orgId);
    if (commitment && commitment.orgId !== org.id)
      throw linkCodeError(LinkCodeErrorReason.COMMITMENT_OF_OTHER_ORG, 'The commitment belongs to another org', 'input.commitmentId');
    if (!inScope(viewer, org.path, COMMITMENT_OFFICERS))
      throw linkCodeError(LinkCodeErrorReason.NOT_LINK_MANAGER, 'Only the org’s secretary or an officer over it manages its public links');
    let campaignId: string | null = null;
    if (input.campaignId) {
      const campaign = await campaignService.getOrThrow(ctx, input.campaignId);
      const scope = await orgService.findById(ctx, campaign.scopeOrgId);
      if (!scope || !isAncestorOrSelf(scope.path, org.path))
        throw linkCodeError(LinkCodeErrorReason.ORG_NOT_IN_CAMPAIGN, `${org.name} is not in the campaign’s scope`, 'input.campaignId');
      campaignId = campaign.id;
    }
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
    const org = (await orgService.findById(ctx, link.orgId))!;
    if (!inScope(viewer, org.path, COMMITMENT_OFFICERS))
      throw linkCodeError(LinkCodeErrorReason.NOT_LINK_MANAGER, 'Only the org’s secretary or an officer over it manages its public links');
    await ctx.tx.query(
      `UPDATE link_codes SET disabled = true, disabled_at = now(), disabled_by = $3 WHERE tenant_id = $1 AND id = $2 AND NOT disabled`,
      [viewer.tenantId, link.id, viewer.userId],
    );
    return ctx.tx.repository(LinkCode).findOneByOrFail({ tenantId: viewer.tenantId, id: link.id });
  },

  async list(
    ctx: RequestContext,
    filter: { under?: Org | null; orgId?: string; includeDisabled?: boolean },
    first: number,
  ): Promise<LinkCode[]> {
    const viewer = requireUser(ctx);
    const roots = filter.under ? scopedRootsUnder(viewer, filter.under.path) : scopePaths(viewer);
    const scope = underAnySql('o', roots);
    const qb = ctx.tx
      .repository(LinkCode)
      .createQueryBuilder('l')
      .innerJoin('orgs', 'o', 'o.tenant_id = l.tenant_id AND o.id = l.org_id')
      .where('l.tenant_id = :t', { t: viewer.tenantId })
      .andWhere(scope.sql, scope.params);
    if (filter.orgId) qb.andWhere('l.org_id = :org', { org: filter.orgId });
    if (!filter.includeDisabled) qb.andWhere('NOT l.disabled');
    return qb.orderBy('l.created_at', 'DESC').addOrderBy('l.id', 'ASC').limit(first).getMany();
  },

  // ── the anonymous path ───────────────────────────────────────────────────────────────────────────

  /**
   * Scopes the request to `tenantId` for RLS. A signed-in user stays in its own tenant (another
   * tenant's code is simply not found), and an anonymous request enters one tenant only, so codes of
   * two tenants in one request never mix.
   */
  async enter(ctx: RequestContext, tenantId: string): Promise<void> {
    if (ctx.viewer) {
      if (ctx.viewer.kind !== 'user' || ctx.viewer.tenantId !== tenantId) throw notFound();
      return;
    }
    const current = entered.get(ctx);
    if (current && current !== tenantId) throw notFound();
    entered.set(ctx, tenantId);
    await ctx.tx.setIdentity({ tenantId, platform: false });
  },

  /** An enabled code → its row, read under RLS as its tenant (found through the owner's lookup function). */
  async resolve(ctx: RequestContext, code: string): Promise<LinkCode> {
    if (typeof code !== 'string' || !CODE_SHAPE.test(code)) throw notFound();
    const rows: { tenant_id: string; link_code_id: string }[] = await ctx.tx.query(
      `SELECT tenant_id, link_code_id FROM app_link_code($1)`,
      [code],
    );
    if (rows.length !== 1) throw notFound();
    await this.enter(ctx, rows[0].tenant_id);
    const link = await ctx.tx.repository(LinkCode).findOneBy({ tenantId: rows[0].tenant_id, id: rows[0].link_code_id });
    if (!link || link.disabled) throw notFound();
    return link;
  },

  /**
   * Refuses an anonymous submission beyond the window's limits (RATE_LIMITED with the seconds until
   * a slot frees up); answers the client's keyed hash for `record`. Submissions through one code are
   * serialized, so concurrent ones cannot slip past the count together.
   */
  async admit(ctx: RequestContext, link: LinkCode): Promise<string> {
    const client = keyedHash(ctx, 'client', link.tenantId, ctx.ip || 'unknown');
    const { windowSeconds, perClient, perCode } = PUBLIC_RATE_LIMIT;
    await ctx.tx.query(`SELECT pg_advisory_xact_lock(hashtext('public-submission:' || $1::text))`, [link.id]);
    // The limit-th newest row inside the window: while it exists the limit is reached; when it ages out a slot frees.
    const edge = (column: string, n: number, param: string) => `
      (SELECT greatest(1, ceil(extract(epoch FROM (s.created_at + make_interval(secs => $2::int) - now()))))::int
         FROM public_submissions s
        WHERE s.tenant_id = $1 AND s.${column} = ${param} AND s.created_at > now() - make_interval(secs => $2::int)
        ORDER BY s.created_at DESC OFFSET ${n - 1} LIMIT 1)`;
    const [row]: { client_wait: number | null; code_wait: number | null }[] = await ctx.tx.query(
      `SELECT ${edge('client_hash', perClient, '$3')} AS client_wait, ${edge('link_code_id', perCode, '$4::uuid')} AS code_wait`,
      [link.tenantId, windowSeconds, client, link.id],
    );
    if (row.client_wait !== null) {
      throw new AppError(ErrorCode.RATE_LIMITED, `Too many submissions from this address; try again in ${row.client_wait} s`, {
        reason: 'CLIENT_RATE_LIMITED',
        retryAfterSeconds: row.client_wait,
      });
    }
    if (row.code_wait !== null) {
      throw new AppError(ErrorCode.RATE_LIMITED, `Too many submissions through this code; try again in ${row.code_wait} s`, {
        reason: 'CODE_RATE_LIMITED',
        retryAfterSeconds: row.code_wait,
      });
    }
    return client;
  },

  /** Counts an accepted submission in the window (and now and then forgets day-old rows). */
  async record(ctx: RequestContext, link: LinkCode, clientHash: string, kind: 'REVIEW' | 'OPINION'): Promise<void> {
    await ctx.tx.query(`INSERT INTO public_submissions (tenant_id, link_code_id, client_hash, kind) VALUES ($1, $2, $3, $4)`, [
      link.tenantId,
      link.id,
      clientHash,
      kind,
    ]);
    if (Math.random() < 0.01)
      await ctx.tx.query(`DELETE FROM public_submissions WHERE tenant_id = $1 AND created_at < now() - interval '1 day'`, [link.tenantId]);
  },

  /** The org's name for the public page (read without a viewer, under RLS). */
  async orgName(ctx: RequestContext, link: LinkCode): Promise<string> {
    const [row] = await ctx.tx.query(`SELECT name FROM orgs WHERE tenant_id = $1 AND id = $2`, [link.tenantId, link.orgId]);
    return row.name;
  },
};
