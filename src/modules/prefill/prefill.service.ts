import { RequestContext, requireUser } from '../../graphql/context';
import { chineseDate } from '../../graphql/messages';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Evaluation } from '../evaluation/evaluation.entity';
import { ScoreInput, evaluationService } from '../evaluation/evaluation.service';
import { CriterionSource, CriterionSourceKind, criterionSourceKindLabels, normalizeSource } from '../framework/criterion-source';
import { Criterion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { ScoringType } from '../framework/pass-rule';
import { ledgerCategoryLabels } from '../ledger/ledger.entity';
import { tenantToday } from '../link-code/public';
import { Org } from '../org/org.entity';
import { publicReviewService } from '../public-review/public-review.service';
import { tenantService } from '../tenant/tenant.service';
import { EvaluationPrefill, SourceRecord } from './prefill.entity';
import { prefillError } from './prefill.errors';

/** Records linked to one prefilled figure at most (the figure itself counts them all). */
export const MAX_SOURCE_RECORDS = 1000;

export interface Period {
  from: string;
  to: string;
}

export interface SourceCount {
  /** What the source counts (the number of records; the satisfied share, 0–100, for satisfaction). */
  figure: number;
  /** Records counted (for satisfaction: the reviews). */
  count: number;
  note: string;
  records: { recordType: string; recordId: string; occurredOn: string; label: string }[];
  /** False when there is nothing to score from (satisfaction without a review). */
  usable: boolean;
}

interface Row {
  id: string;
  occurred_on: string;
  label: string;
  total: number;
}

/** The label of a source as a sentence names it: 管理台帐（会议）. */
export function sourceName(source: CriterionSource): string {
  const base = criterionSourceKindLabels[source.kind];
  return source.ledgerCategory ? `${base}（${ledgerCategoryLabels[source.ledgerCategory]}）` : base;
}

/**
 * One SQL statement per source: the records of the org that the source counts in the period, newest
 * first (at most MAX_SOURCE_RECORDS of them linked), with their total counted by a window over all.
 * Every statement reads indexed columns of one org (tenant_id, org_id, date).
 */
const COUNTS: Record<Exclude<CriterionSourceKind, CriterionSourceKind.PUBLIC_SATISFACTION>, { recordType: string; sql: string }> = {
  PAIRING_VISITS: {
    recordType: 'Pairing',
    sql: `SELECT p.id, max(v.visited_on)::text AS occurred_on, '结对帮扶：期内走访' || count(*) || '次' AS label, count(*) OVER ()::int AS total
            FROM pairing_persons pp
            JOIN pairings p ON p.tenant_id = pp.tenant_id AND p.person_id = pp.id
            JOIN pairing_visits v ON v.tenant_id = p.tenant_id AND v.pairing_id = p.id AND v.visited_on BETWEEN $3::date AND $4::date
           WHERE pp.tenant_id = $1 AND pp.org_id = $2 AND $6::text IS NULL AND $7::text IS NOT NULL
           GROUP BY p.id ORDER BY occurred_on DESC, p.id DESC LIMIT $5`,
  },
  FULFILLED_COMMITMENTS: {
    recordType: 'Commitment',
    sql: `SELECT c.id, (c.fulfilled_at AT TIME ZONE $7)::date::text AS occurred_on, left(c.text, 200) AS label, count(*) OVER ()::int AS total
            FROM commitments c
           WHERE c.tenant_id = $1 AND c.org_id = $2 AND c.state = 'FULFILLED' AND $6::text IS NULL
             AND (c.fulfilled_at AT TIME ZONE $7)::date BETWEEN $3::date AND $4::date
           ORDER BY occurred_on DESC, c.id DESC LIMIT $5`,
  },
  LEDGER_ENTRIES: {
    recordType: 'LedgerEntry',
    sql: `SELECT e.id, e.occurred_on::text AS occurred_on, e.title AS label, count(*) OVER ()::int AS total
            FROM ledger_entries e
           WHERE e.tenant_id = $1 AND e.org_id = $2 AND e.occurred_on BETWEEN $3::date AND $4::date
             AND ($6::text IS NULL OR e.category = $6::text) AND $7::text IS NOT NULL
           ORDER BY e.occurred_on DESC, e.seq DESC LIMIT $5`,
  },
  BRIEFINGS_PUBLISHED: {
    recordType: 'Briefing',
    sql: `SELECT b.id, b.briefing_on::text AS occurred_on, b.title AS label, count(*) OVER ()::int AS total
            FROM briefings b
           WHERE b.tenant_id = $1 AND b.org_id = $2 AND b.state = 'PUBLISHED' AND b.briefing_on BETWEEN $3::date AND $4::date
             AND $6::text IS NULL AND $7::text IS NOT NULL
           ORDER BY b.briefing_on DESC, b.seq DESC LIMIT $5`,
  },
  SERVICE_REQUESTS_ANSWERED: {
    recordType: 'ServiceRequest',
    sql: `SELECT r.id, (r.answered_at AT TIME ZONE $7)::date::text AS occurred_on, r.title AS label, count(*) OVER ()::int AS total
            FROM service_requests r
           WHERE r.tenant_id = $1 AND r.to_org_id = $2 AND r.state = 'ANSWERED' AND r.answered_at <= r.due_at AND $6::text IS NULL
             AND (r.answered_at AT TIME ZONE $7)::date BETWEEN $3::date AND $4::date
           ORDER BY occurred_on DESC, r.id DESC LIMIT $5`,
  },
  SERVICE_TEAM_RECORDS: {
    recordType: 'ServiceRecord',
    sql: `SELECT r.id, r.served_on::text AS occurred_on, left(t.name || '：' || r.place, 200) AS label, count(*) OVER ()::int AS total
            FROM service_records r JOIN service_teams t ON t.tenant_id = r.tenant_id AND t.id = r.team_id
           WHERE r.tenant_id = $1 AND r.org_id = $2 AND r.served_on BETWEEN $3::date AND $4::date
             AND $6::text IS NULL AND $7::text IS NOT NULL
           ORDER BY r.served_on DESC, r.id DESC LIMIT $5`,
  },
};

/** The raw value a bound criterion takes from its source's figure. */
function valueOf(criterion: Criterion, count: SourceCount): number {
  if (criterion.scoringType === ScoringType.BOOLEAN) return count.figure > 0 ? 1 : 0;
  return count.figure;
}

export const prefillService = {
  /**
   * The period an evaluation's figures are counted over: from the campaign's start to today (work done
   * for the campaign after its planned end still counts when it is evaluated then), or the days given.
   */
  async period(ctx: RequestContext, campaign: Campaign, given: Partial<Period> = {}): Promise<Period> {
    const today = await tenantToday(ctx);
    const period = { from: given.from ?? campaign.startsOn, to: given.to ?? today };
    if (period.from > period.to) throw prefillError('PREFILL_PERIOD_INVALID', { field: 'input.from', params: period });
    return period;
  },

  /** What a source counts for an org in a period (one statement). */
  async count(ctx: RequestContext, org: Org, campaign: Campaign, source: CriterionSource, period: Period): Promise<SourceCount> {
    const range = `${chineseDate(period.from)}至${chineseDate(period.to)}`;
    if (source.kind === CriterionSourceKind.PUBLIC_SATISFACTION) {
      const figures = await publicReviewService.ownFigures(ctx, org, campaign);
      const usable = figures.count > 0 && figures.satisfiedShare !== null;
      return {
        figure: usable ? (figures.satisfiedShare ?? 0) : 0,
        count: figures.count,
        note: usable
          ? `群众评议满意率 ${figures.satisfiedCount}/${figures.count}（满意=4星及以上，${campaign.name}）`
          : `${campaign.name}期间尚无群众评议，未填分`,
        records: [],
        usable,
      };
    }
    const query = COUNTS[source.kind];
    const { timezone } = await tenantService.settings(ctx);
    const rows = await ctx.tx.query<Row>(query.sql, [
      org.tenantId,
      org.id,
      period.from,
      period.to,
      MAX_SOURCE_RECORDS,
      source.ledgerCategory ?? null,
      timezone,
    ]);
    const count = rows[0]?.total ?? 0;
    return {
      figure: count,
      count,
      note: `自动统计：${sourceName(source)}${count}${source.kind === CriterionSourceKind.PAIRING_VISITS ? '对' : source.kind === CriterionSourceKind.LEDGER_ENTRIES ? '条' : '项'}（${range}）`,
      records: rows.map((r) => ({ recordType: query.recordType, recordId: r.id, occurredOn: r.occurred_on, label: r.label.slice(0, 200) })),
      usable: true,
    };
  },

  /**
   * 一次录入: fills an editable evaluation's bound criteria with the figures counted from the records
   * the platform holds, and links those records as each score's evidence. The version check of
   * saveScores applies (CONFLICT VERSION_MISMATCH for a stale one). A value the evaluator corrected
   * since the last prefill (it differs from what was computed then) is kept: the new figure is stored
   * beside it.
   */
  async prefill(
    ctx: RequestContext,
    input: { evaluationId: string; expectedVersion: number; from?: string; to?: string },
  ): Promise<Evaluation> {
    const viewer = requireUser(ctx);
    const evaluation = await evaluationService.getOrThrow(ctx, input.evaluationId);
    // the role first (FORBIDDEN takes no lock), then the org held to the commit as saveScores holds it: a move that
    // committed meanwhile is seen, and the editor checked again where the org now stands
    await evaluationService.assertEditor(ctx, evaluation);
    const org = await evaluationService.holdAsEditor(ctx, evaluation);
    const campaign = await campaignService.getOrThrow(ctx, evaluation.campaignId);
    const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
    const bound = criteria.filter((c) => c.source && !criteria.some((k) => k.parentId === c.id));
    if (!bound.length) throw prefillError('PREFILL_NOTHING_BOUND');
    const period = await this.period(ctx, campaign, { from: input.from, to: input.to });
    const [previous, stored] = await Promise.all([
      ctx.tx.repository(EvaluationPrefill).findBy({ tenantId: viewer.tenantId, evaluationId: evaluation.id }),
      evaluationService.scoreRows(ctx, evaluation.id),
    ]);
    const counted: { criterion: Criterion; source: CriterionSource; count: SourceCount }[] = [];
    for (const criterion of bound) {
      const source = normalizeSource(criterion.source) as CriterionSource;
      counted.push({ criterion, source, count: await this.count(ctx, org, campaign, source, period) });
    }
    const scores: ScoreInput[] = [];
    for (const { criterion, count } of counted) {
      if (!count.usable) continue;
      const before = previous.find((p) => p.criterionId === criterion.id);
      const current = stored.get(criterion.id);
      // a correction of the last computed value stays (the computed figure is kept beside it)
      const corrected = !!before && !!current && current.value !== valueOf(criterion, { ...count, figure: before.figure });
      if (corrected) continue;
      scores.push({ criterionId: criterion.id, value: valueOf(criterion, count), evidence: count.note });
    }
    await evaluationService.checkScores(ctx, campaign, scores, [], 'input');
    await evaluationService.bumpVersion(ctx, evaluation, input.expectedVersion);
    await evaluationService.writeScores(ctx, evaluation.id, scores, []);
    await ctx.tx.execute(
      `INSERT INTO evaluation_prefills AS p (tenant_id, evaluation_id, criterion_id, source, figure, record_count, note, period_from, period_to, computed_by, computed_at)
       SELECT $1, $2, x.criterion_id, x.source, x.figure, x.record_count, x.note, $3, $4, $5, now()
         FROM unnest($6::uuid[], $7::jsonb[], $8::numeric[], $9::int[], $10::text[]) AS x(criterion_id, source, figure, record_count, note)
       ON CONFLICT (tenant_id, evaluation_id, criterion_id) DO UPDATE SET source = EXCLUDED.source, figure = EXCLUDED.figure,
         record_count = EXCLUDED.record_count, note = EXCLUDED.note, period_from = EXCLUDED.period_from, period_to = EXCLUDED.period_to,
         computed_by = EXCLUDED.computed_by, computed_at = now()`,
      [
        viewer.tenantId,
        evaluation.id,
        period.from,
        period.to,
        viewer.userId,
        counted.map((c) => c.criterion.id),
        counted.map((c) => JSON.stringify(c.source)),
        counted.map((c) => c.count.figure),
        counted.map((c) => c.count.count),
        counted.map((c) => c.count.note),
      ],
    );
    await ctx.tx.execute(`DELETE FROM evaluation_prefill_records WHERE tenant_id = $1 AND evaluation_id = $2`, [
      viewer.tenantId,
      evaluation.id,
    ]);
    const records = counted.flatMap((c) => c.count.records.map((r) => ({ ...r, criterionId: c.criterion.id })));
    if (records.length)
      await ctx.tx.execute(
        `INSERT INTO evaluation_prefill_records (tenant_id, evaluation_id, criterion_id, record_type, record_id, occurred_on, label)
         SELECT $1, $2, * FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::date[], $7::text[])`,
        [
          viewer.tenantId,
          evaluation.id,
          records.map((r) => r.criterionId),
          records.map((r) => r.recordType),
          records.map((r) => r.recordId),
          records.map((r) => r.occurredOn),
          records.map((r) => r.label),
        ],
      );
    ctx.forget('prefill.byEvaluation');
    return ctx.tx.repository(Evaluation).findOneByOrFail({ tenantId: viewer.tenantId, id: evaluation.id });
  },

  /** What the last prefill computed for a criterion of an evaluation the viewer reads (batched per request). */
  async figureOf(ctx: RequestContext, evaluationId: string, criterionId: string): Promise<EvaluationPrefill | null> {
    const viewer = requireUser(ctx);
    const rows = await ctx
      .loader<string, EvaluationPrefill[]>('prefill.byEvaluation', async (ids) => {
        const all = await ctx.tx
          .repository(EvaluationPrefill)
          .createQueryBuilder('p')
          .where('p.tenant_id = :t AND p.evaluation_id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
          .getMany();
        return ids.map((id) => all.filter((p) => p.evaluationId === id));
      })
      .load(evaluationId);
    return rows.find((r) => r.criterionId === criterionId) ?? null;
  },

  /** The records counted for a prefilled figure, newest first, a page at a time (the caller reads the evaluation). */
  async records(
    ctx: RequestContext,
    evaluationId: string,
    criterionId: string,
    first: number,
    after?: string,
  ): Promise<Page<SourceRecord>> {
    const viewer = requireUser(ctx);
    return keysetPage(
      () =>
        ctx.tx.repository(SourceRecord).createQueryBuilder('r').where('r.tenant_id = :t AND r.evaluation_id = :e AND r.criterion_id = :c', {
          t: viewer.tenantId,
          e: evaluationId,
          c: criterionId,
        }),
      [
        { sql: 'r.occurred_on', type: 'date', of: (r) => r.occurredOn, desc: true },
        { sql: 'r.record_id', type: 'uuid', of: (r) => r.recordId, desc: true },
      ],
      first,
      after,
    );
  },

  /** Whether the stored value differs from what the figure gives (a correction by the evaluator). */
  corrected(criterion: Criterion, prefill: EvaluationPrefill, value: number | null): boolean {
    if (value === null) return false;
    const expected = criterion.scoringType === ScoringType.BOOLEAN ? (prefill.figure > 0 ? 1 : 0) : prefill.figure;
    return value !== expected;
  },
};
