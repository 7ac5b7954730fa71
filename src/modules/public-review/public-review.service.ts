import { holdsRole, inScope, subtreeOf } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeTypedCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { Role } from '../../auth/roles';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { COMMITMENT_OFFICERS } from '../commitment/commitment.service';
import { Evaluation } from '../evaluation/evaluation.entity';
import { evaluationService } from '../evaluation/evaluation.service';
import { frameworkService } from '../framework/framework.service';
import { ScoringType } from '../framework/pass-rule';
import { LinkCode } from '../link-code/link-code.entity';
import { linkCodeService } from '../link-code/link-code.service';
import { FIGURES_SQL, FigureRow, SatisfactionFigures, keyedHash, protectContact, tenantToday, toFigures } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, findManyInScope, rootsFor, scopedQuery } from '../org/scoped';
import { tenantService } from '../tenant/tenant.service';
import { PublicReview } from './public-review.entity';
import { publicReviewError } from './public-review.errors';

/** Who sees clusters of reviews from one address and may exclude reviews from the figures: admins over the org. */
const REVIEW_ADMINS = [Role.TENANT_ADMIN];

/** Reviews (comments included) are read by officers and inspectors over the org, not by members. */
export const REVIEW_READERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SECRETARY, Role.SUPERVISOR, Role.INSPECTOR];

/** 疑似刷评: reviews through one code on one day from one client address (its keyed hash) under several device ids. */
export interface ReviewClusterRow {
  linkCodeId: string;
  orgId: string;
  day: string;
  clientHash: string;
  reviewCount: number;
  deviceCount: number;
  averageRating: number;
  firstAt: Date;
  lastAt: Date;
}

export interface ReviewInput {
  code: string;
  rating: number;
  comment: string;
  deviceId: string;
  contact?: string | null;
  commitmentId?: string | null;
}

export interface ReviewReceipt {
  orgName: string;
  rating: number;
  reviewDay: string;
  contactMasked: string | null;
  commitmentText: string | null;
}

export interface SatisfactionRollup {
  org: Org;
  own: SatisfactionFigures;
  subtree: SatisfactionFigures;
  children: { org: Org; figures: SatisfactionFigures }[];
}

export interface SatisfactionFilter {
  campaign?: Campaign | null;
  from?: string | null;
  to?: string | null;
}

export interface PublicReviewFilter {
  under?: Org | null;
  orgId?: string;
  campaignId?: string;
  commitmentId?: string;
  from?: string | null;
  to?: string | null;
}

/** A review as stored (the seed writes the same rows as a submission). */
export interface StoredReview {
  rating: number;
  comment: string;
  deviceHash: string;
  clientHash: string | null;
  contact: { hash: string | null; masked: string | null };
  commitmentId: string | null;
  day: string;
}

/**
 * Which reviews count: the org's own ratings (not its commitments'), of the campaign when one is given
 * (reviews through its codes, and those through the org's permanent codes made within its dates).
 */
const COUNTED_SQL = `r.tenant_id = $1 AND r.commitment_id IS NULL AND r.excluded_at IS NULL
  AND ($3::uuid IS NULL OR r.campaign_id = $3::uuid OR (r.campaign_id IS NULL AND r.review_day BETWEEN $4::date AND $5::date))
  AND ($6::date IS NULL OR r.review_day >= $6::date) AND ($7::date IS NULL OR r.review_day <= $7::date)`;

const filterParams = (f: SatisfactionFilter) => [
  f.campaign?.id ?? null,
  f.campaign?.startsOn ?? null,
  f.campaign?.endsOn ?? null,
  f.from ?? null,
  f.to ?? null,
];

/** A day range whose end comes before its start is refused (at the `to` argument). */
export function assertRange(from: string | null | undefined, to: string | null | undefined): void {
  if (from && to && from > to) throw publicReviewError('REVIEW_RANGE_REVERSED', { field: 'to', params: { from, to } });
}

export const publicReviewService = {
  /**
   * 群众评议 without an account. A second review from the same device or the same contact through the
   * same code, of the same subject, on the same day is refused with CONFLICT (the first one stands).
   */
  async submit(ctx: RequestContext, input: ReviewInput): Promise<ReviewReceipt> {
    if (!input.deviceId.trim()) throw publicReviewError('REVIEW_DEVICE_BLANK', 'input.deviceId');
    const link = await linkCodeService.resolve(ctx, input.code);
    const commitment = await this.rateable(ctx, link, input.commitmentId ?? null);
    const client = await linkCodeService.admit(ctx, link);
    const day = await tenantToday(ctx);
    await this.admitDaily(ctx, link, client, day);
    const deviceHash = keyedHash(ctx, 'device', link.tenantId, input.deviceId.trim());
    const contact = protectContact(ctx, link.tenantId, input.contact);
    const [duplicate] = await ctx.tx.query<{ one: number }>(
      `SELECT 1 AS one FROM public_reviews WHERE tenant_id = $1 AND link_code_id = $2 AND commitment_id IS NOT DISTINCT FROM $3::uuid AND review_day = $4::date
          AND (device_hash = $5 OR contact_hash = $6)`,
      [link.tenantId, link.id, commitment?.id ?? null, day, deviceHash, contact.hash],
    );
    if (duplicate) throw publicReviewError('ALREADY_REVIEWED');
    await this.insert(ctx, link, {
      rating: input.rating,
      comment: input.comment.trim(),
      deviceHash,
      clientHash: client,
      contact,
      commitmentId: commitment?.id ?? null,
      day,
    });
    await linkCodeService.record(ctx, link, client, 'REVIEW');
    return {
      orgName: await linkCodeService.orgName(ctx, link),
      rating: input.rating,
      reviewDay: day,
      contactMasked: contact.masked,
      commitmentText: commitment?.text ?? null,
    };
  },

  /**
   * The tenant's daily limits, which a client rotating its device id cannot escape: reviews per client
   * address per day (all codes) and per code per day (all addresses). The code is already locked by
   * admit(), and the address too (taken again here, where it is held already), so concurrent reviews cannot slip past
   * either count together.
   */
  async admitDaily(ctx: RequestContext, link: LinkCode, clientHash: string, day: string): Promise<void> {
    const settings = await tenantService.settings(ctx);
    await ctx.tx.query<{ locked: unknown }>(`SELECT pg_advisory_xact_lock(hashtext('public-client:' || $1::text)) AS locked`, [clientHash]);
    const [row] = await ctx.tx.query<{ by_address: number; by_code: number; wait: number }>(
      `SELECT (SELECT count(*) FROM public_reviews WHERE tenant_id = $1 AND client_hash = $2 AND review_day = $4::date)::int AS by_address,
              (SELECT count(*) FROM public_reviews WHERE tenant_id = $1 AND link_code_id = $3 AND review_day = $4::date)::int AS by_code,
              greatest(1, ceil(extract(epoch FROM ((($4::date + 1)::timestamp AT TIME ZONE $5) - now()))))::int AS wait`,
      [link.tenantId, clientHash, link.id, day, settings.timezone],
    );
    if (row.by_address >= settings.publicReviewsPerAddressPerDay) {
      throw publicReviewError('ADDRESS_DAILY_LIMIT', {
        params: { limit: settings.publicReviewsPerAddressPerDay, retryAfterSeconds: row.wait },
      });
    }
    if (row.by_code >= settings.publicReviewsPerCodePerDay) {
      throw publicReviewError('CODE_DAILY_LIMIT', { params: { limit: settings.publicReviewsPerCodePerDay, retryAfterSeconds: row.wait } });
    }
  },

  /**
   * 疑似刷评: groups of reviews through one code on one day from one client address with at least
   * `minReviews` reviews and more than one device id (one phone rotating its id, or one machine posing
   * as many). Admins over the org only; one statement over the scope, newest day first.
   */
  async clusters(
    ctx: RequestContext,
    filter: { under?: Org | null; from?: string | null; to?: string | null; minReviews: number },
    first: number,
    after?: string,
  ): Promise<Page<ReviewClusterRow>> {
    const viewer = requireUser(ctx);
    assertRange(filter.from, filter.to);
    const roots = rootsFor(viewer, filter.under, REVIEW_ADMINS);
    if (!roots.length) throw publicReviewError('NOT_REVIEW_ADMIN');
    const params: unknown[] = [viewer.tenantId, filter.from ?? null, filter.to ?? null, filter.minReviews];
    const scope = roots.map((root) => {
      params.push(root);
      return subtreeOf('o', params.length);
    });
    const countParams = [...params];
    const cursor = decodeTypedCursor(after, ['date', 'text', 'text']);
    let keyset = '';
    if (cursor) {
      params.push(...cursor);
      const n = params.length;
      keyset = `AND (g.day < $${n - 2}::date OR (g.day = $${n - 2}::date AND (g.link_code_id::text, g.client_hash) > ($${n - 1}, $${n})))`;
    }
    const base = `
      SELECT r.link_code_id, r.review_day AS day, r.client_hash, min(r.org_id::text)::uuid AS org_id,
             count(*)::int AS review_count, count(DISTINCT r.device_hash)::int AS device_count,
             round(avg(r.rating), 2)::float8 AS average_rating, min(r.created_at) AS first_at, max(r.created_at) AS last_at
        FROM public_reviews r JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.org_id
       WHERE r.tenant_id = $1 AND r.client_hash IS NOT NULL AND (${scope.join(' OR ')})
         AND ($2::date IS NULL OR r.review_day >= $2::date) AND ($3::date IS NULL OR r.review_day <= $3::date)
       GROUP BY r.link_code_id, r.review_day, r.client_hash
      HAVING count(*) >= $4 AND count(DISTINCT r.device_hash) > 1`;
    const rows = await ctx.tx.query<{
      link_code_id: string;
      day: string;
      client_hash: string;
      org_id: string;
      review_count: number;
      device_count: number;
      average_rating: number;
      first_at: Date;
      last_at: Date;
    }>(
      `SELECT g.*, g.day::text AS day FROM (${base}) g WHERE true ${keyset} ORDER BY g.day DESC, g.link_code_id::text, g.client_hash LIMIT ${first + 1}`,
      params,
    );
    const clusters = rows.map((r) => ({
      linkCodeId: r.link_code_id,
      orgId: r.org_id,
      day: r.day,
      clientHash: r.client_hash,
      reviewCount: r.review_count,
      deviceCount: r.device_count,
      averageRating: r.average_rating,
      firstAt: r.first_at,
      lastAt: r.last_at,
    }));
    return pageFrom(
      clusters,
      first,
      after,
      (c) => encodeCursor([c.day, c.linkCodeId, c.clientHash]),
      async () => {
        const [{ n }] = await ctx.tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${base}) g`, countParams);
        return n;
      },
    );
  },

  /** The reviews of a cluster (within the viewer's read scope), oldest first. */
  async clusterReviews(ctx: RequestContext, cluster: ReviewClusterRow, first: number, after?: string): Promise<Page<PublicReview>> {
    const roots = rootsFor(requireUser(ctx), null, REVIEW_READERS);
    const build = () =>
      scopedQuery(ctx, PublicReview, 'r', 'org_id', roots)
        .andWhere('r.link_code_id = :link AND r.review_day = CAST(:day AS date)', { link: cluster.linkCodeId, day: cluster.day })
        .andWhere('r.client_hash = :client', { client: cluster.clientHash });
    return keysetPage(
      build,
      [
        { sql: 'r.created_at', type: 'timestamptz', of: (r) => r.createdAt },
        { sql: 'r.id', type: 'uuid', of: (r) => r.id },
      ],
      first,
      after,
    );
  },

  /**
   * Takes reviews out of (or back into) the satisfaction figures, with a reason; the reviews stay
   * stored as they came. Admins over each review's org; every id must be one the admin may see.
   */
  async setExcluded(ctx: RequestContext, ids: string[], excluded: boolean, reason: string | null): Promise<PublicReview[]> {
    const viewer = requireUser(ctx);
    // the role first: a caller who is no admin anywhere hears FORBIDDEN before any of the (up to 100) ids is read or the
    // input is checked; each review's org is checked against the admin's scope below
    if (!holdsRole(viewer, REVIEW_ADMINS)) throw publicReviewError('NOT_REVIEW_ADMIN');
    const text = reason?.trim() ?? '';
    if (excluded && !text) throw publicReviewError('EXCLUSION_REASON_REQUIRED', 'input.reason');
    // every review and its org in one statement; refused at the first id (in the caller's order) that is not found or
    // not the admin's, as a check of one id at a time would
    const unique = [...new Set(ids)];
    const found = await findManyInScope(ctx, PublicReview, unique, (r) => r.orgId, REVIEW_READERS);
    const reviews: PublicReview[] = [];
    for (const review of found) {
      if (!review) throw publicReviewError('REVIEW_NOT_FOUND', 'input.ids');
      const org = await orgService.findById(ctx, review.orgId);
      if (!org || !inScope(viewer, org.path, REVIEW_ADMINS)) throw publicReviewError('NOT_REVIEW_ADMIN');
      reviews.push(review);
    }
    await ctx.tx.execute(
      `UPDATE public_reviews SET excluded_at = CASE WHEN $3 THEN now() END, excluded_by = CASE WHEN $3 THEN $4::uuid END, excluded_reason = CASE WHEN $3 THEN $5 END
        WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [viewer.tenantId, reviews.map((r) => r.id), excluded, viewer.userId, text],
    );
    ctx.forget('commitment.rating');
    return ctx.tx
      .repository(PublicReview)
      .createQueryBuilder('r')
      .where('r.tenant_id = :t AND r.id = ANY(:ids)', { t: viewer.tenantId, ids: reviews.map((r) => r.id) })
      .orderBy('r.created_at')
      .addOrderBy('r.id')
      .getMany();
  },

  /** The commitment a review rates: the code's own, or one of the code's org named by the reviewer. */
  async rateable(ctx: RequestContext, link: LinkCode, commitmentId: string | null): Promise<{ id: string; text: string } | null> {
    const wanted = commitmentId ?? link.commitmentId;
    if (!wanted) return null;
    if (link.commitmentId && wanted !== link.commitmentId) throw publicReviewError('NOT_RATEABLE', 'input.commitmentId');
    const [row] = await ctx.tx.query<{ id: string; text: string }>(
      `SELECT id, text FROM commitments WHERE tenant_id = $1 AND id = $2 AND org_id = $3`,
      [link.tenantId, wanted, link.orgId],
    );
    if (!row) throw publicReviewError('NOT_RATEABLE', 'input.commitmentId');
    return row;
  },

  /** Stores one review through `link` (a submission, or the demo seed). */
  async insert(ctx: RequestContext, link: LinkCode, r: StoredReview): Promise<void> {
    await ctx.tx.execute(
      `INSERT INTO public_reviews (tenant_id, link_code_id, org_id, campaign_id, commitment_id, rating, comment, device_hash, client_hash, contact_hash, contact_masked, review_day)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        link.tenantId,
        link.id,
        link.orgId,
        link.campaignId,
        r.commitmentId,
        r.rating,
        r.comment,
        r.deviceHash,
        r.clientHash,
        r.contact.hash,
        r.contact.masked,
        r.day,
      ],
    );
    ctx.forget('commitment.rating');
  },

  /** Read by officers and inspectors over the review's org. */
  async find(ctx: RequestContext, id: string): Promise<PublicReview | null> {
    return findInScope(ctx, PublicReview, id, (r) => r.orgId, REVIEW_READERS);
  },

  /** The masked contact, for officers over the org only. */
  async contactMasked(ctx: RequestContext, review: PublicReview): Promise<string | null> {
    const org = await orgService.findById(ctx, review.orgId);
    return org && inScope(requireUser(ctx), org.path, COMMITMENT_OFFICERS) ? review.contactMasked : null;
  },

  /** Reviews of orgs in the subtree (within the viewer's read scope), newest first. */
  async list(ctx: RequestContext, filter: PublicReviewFilter, first: number, after?: string): Promise<Page<PublicReview>> {
    assertRange(filter.from, filter.to);
    const roots = rootsFor(requireUser(ctx), filter.under, REVIEW_READERS);
    const build = () => {
      const qb = scopedQuery(ctx, PublicReview, 'r', 'org_id', roots);
      if (filter.orgId) qb.andWhere('r.org_id = :org', { org: filter.orgId });
      if (filter.campaignId) qb.andWhere('r.campaign_id = :campaign', { campaign: filter.campaignId });
      if (filter.commitmentId) qb.andWhere('r.commitment_id = :commitment', { commitment: filter.commitmentId });
      if (filter.from) qb.andWhere('r.review_day >= CAST(:from AS date)', { from: filter.from });
      if (filter.to) qb.andWhere('r.review_day <= CAST(:to AS date)', { to: filter.to });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'r.created_at', type: 'timestamptz', of: (r) => r.createdAt, desc: true },
        { sql: 'r.id', type: 'uuid', of: (r) => r.id, desc: true },
      ],
      first,
      after,
    );
  },

  /** The org's own figures, its subtree's, and each child subtree's: one statement over path_key ranges. */
  async satisfaction(ctx: RequestContext, org: Org, filter: SatisfactionFilter): Promise<SatisfactionRollup> {
    const viewer = requireUser(ctx);
    assertRange(filter.from, filter.to);
    const rows = await ctx.tx.query<FigureRow & { part: 'own' | 'subtree' | 'child'; org_id: string | null }>(
      `WITH r AS (
         SELECT o.id AS org_id, o.path_key, r.rating FROM public_reviews r JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.org_id
          WHERE o.tenant_id = $1 AND ${subtreeOf('o', 2)} AND ${COUNTED_SQL}
       )
       SELECT 'own' AS part, NULL::uuid AS org_id, ${FIGURES_SQL} FROM r WHERE r.org_id = $8
       UNION ALL
       SELECT 'subtree', NULL, ${FIGURES_SQL} FROM r
       UNION ALL
       SELECT 'child', c.id, ${FIGURES_SQL} FROM orgs c LEFT JOIN r ON r.path_key >= c.path_key AND r.path_key < c.path_key || '/'
        WHERE c.tenant_id = $1 AND c.parent_id = $8 AND c.archived_at IS NULL GROUP BY c.id`,
      [viewer.tenantId, org.path, ...filterParams(filter), org.id],
    );
    // loaded together, so the org loader batches them into one statement
    const children = (
      await Promise.all(
        rows
          .filter((r) => r.part === 'child')
          .map(async (r) => ({ org: r.org_id ? await orgService.findById(ctx, r.org_id) : null, figures: toFigures(r) })),
      )
    ).flatMap((c) => (c.org ? [{ org: c.org, figures: c.figures }] : []));
    return {
      org,
      own: toFigures(rows.find((r) => r.part === 'own')),
      subtree: toFigures(rows.find((r) => r.part === 'subtree')),
      children: children.sort((a, b) => a.org.name.localeCompare(b.org.name, 'zh')),
    };
  },

  /** The org's own figures for a campaign (what a PERCENT criterion takes). */
  async ownFigures(ctx: RequestContext, org: Org, campaign: Campaign): Promise<SatisfactionFigures> {
    const [row] = await ctx.tx.query<FigureRow>(`SELECT ${FIGURES_SQL} FROM public_reviews r WHERE r.org_id = $2 AND ${COUNTED_SQL}`, [
      org.tenantId,
      org.id,
      ...filterParams({ campaign }),
    ]);
    return toFigures(row);
  },

  /**
   * 提高群众满意度所占比重: sets a PERCENT criterion's raw value in a DRAFT or RETURNED evaluation to
   * the org's satisfied share for the evaluation's campaign, with the same permission and optimistic
   * version as saveScores.
   */
  async fillScore(ctx: RequestContext, input: { evaluationId: string; criterionId: string; expectedVersion: number }): Promise<Evaluation> {
    const viewer = requireUser(ctx);
    const evaluation = await evaluationService.getOrThrow(ctx, input.evaluationId);
    const org = await evaluationService.assertEditor(ctx, evaluation);
    const campaign = await campaignService.getOrThrow(ctx, evaluation.campaignId);
    const criterion = (await frameworkService.criteriaOf(ctx, campaign.versionId)).find((c) => c.id === input.criterionId);
    if (!criterion) throw publicReviewError('SATISFACTION_CRITERION_NOT_FOUND', 'input.criterionId');
    if (criterion.scoringType !== ScoringType.PERCENT)
      throw publicReviewError('NOT_PERCENT_CRITERION', { field: 'input.criterionId', params: { criterion: criterion.code } });
    const figures = await this.ownFigures(ctx, org, campaign);
    if (!figures.count || figures.satisfiedShare === null)
      throw publicReviewError('NO_REVIEWS', { field: 'input.evaluationId', params: { org: org.name } });
    const score = {
      criterionId: criterion.id,
      value: figures.satisfiedShare,
      note: `群众评议满意率 ${figures.satisfiedCount}/${figures.count}（满意=4星及以上）`,
      evidence: `群众评议 ${figures.count} 份（${campaign.name}）`,
    };
    await evaluationService.checkScores(ctx, campaign, [score], [], 'input');
    await evaluationService.bumpVersion(ctx, evaluation, input.expectedVersion);
    await evaluationService.writeScores(ctx, evaluation.id, [score], []);
    return ctx.tx.repository(Evaluation).findOneByOrFail({ tenantId: viewer.tenantId, id: evaluation.id });
  },
};
