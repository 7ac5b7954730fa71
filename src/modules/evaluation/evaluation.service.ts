import { findOrInsert } from '../../db/find-or-insert';
import { SqlCondition, inScope, underAnySql } from '../../auth/scope';
import { READ_ROLES, UserViewer, isAncestorOrSelf, scopePaths } from '../../auth/viewer';
import { columnsOf, hydrate } from '../../db/hydrate';
import { Kept, WROTE_NOTHING_SQL } from '../../db/kept';
import { RequestContext, requireUser } from '../../graphql/context';
import { Problem } from '../../graphql/errors';
import { keysetPage } from '../../graphql/keyset';
import { Order, OrderColumn, OrderDirection, OrderSpec, nullsAsSql, orderedPage, rankSql } from '../../graphql/order';
import { Page } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignAlongside, campaignAlongsideSql, campaignService } from '../campaign/campaign.service';
import { FileChanges, fileService } from '../file/file.service';
import { Criterion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind, PassRule } from '../framework/pass-rule';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, inScopeStatement, rootsFor, scopedQuery } from '../org/scoped';
import { RequestTransaction } from '../../db/request-transaction';
import { userService } from '../user/user.service';
import { Role } from '../../auth/roles';
import {
  Evaluation,
  EvaluationOrderField,
  EvaluationReview,
  EvaluationScoreRow,
  EvaluationState,
  ReviewAction,
  SuperiorResult,
} from './evaluation.entity';
import { evaluationError, scoreProblem } from './evaluation.errors';
import { EvaluationScore, NodeScore, combineKinds, invalidValue, scoreEvaluation } from './scoring';
import { holdLock } from '../../db/advisory-lock';

export interface ScoreInput {
  criterionId: string;
  value: number;
  note?: string | null;
  evidence?: string | null;
  /** Evidence files of the score (saveScores only). */
  files?: FileChanges;
}

export interface Discrepancy {
  criterion: Criterion;
  selfRatio: number;
  otherKind: EvaluationKind;
  otherRatio: number;
  difference: number;
}

export interface ReviewStep {
  action: ReviewAction;
  reason: string | null;
  byName: string | null;
  at: Date;
}

/** What the API shows of an evaluation's scores: every node of the criteria tree, the total and the verdict. */
export interface EvaluationResultView {
  total: number;
  bonus: number;
  grade: string;
  gradeLabel: string;
  veto: boolean;
  attained: boolean;
  complete: boolean;
  nodes: (NodeScore & {
    criterion: Criterion;
    note: string | null;
    evidence: string | null;
    /** The evaluation and the stored score row (null: not scored) the node shows. */
    evaluationId: string;
    scoreId: string | null;
  })[];
}

/** Officers who review a subordinate org: above it in the tree, never the org itself. */
const OFFICER_ROLES = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
const EDITABLE = [EvaluationState.DRAFT, EvaluationState.RETURNED];

function isStrictlyAbove(viewer: UserViewer, org: Org, roles: Role[]): boolean {
  return viewer.roles.some((r) => roles.includes(r.role) && r.path !== org.path && isAncestorOrSelf(r.path, org.path));
}

/**
 * The review rule of `review` as SQL over an evaluation `e` joined to its org `o`: SUBMITTED, not
 * submitted by the viewer, of an org strictly below one of the viewer's OFFICER_ROLES. The folded scope
 * roots give the same orgs as isStrictlyAbove over every role: a root no other root contains is
 * strictly below none of them, and an org strictly below a nested role is strictly below its fold.
 */
function awaitingReviewSql(viewer: UserViewer): SqlCondition {
  const roots = scopePaths(viewer, OFFICER_ROLES);
  if (!roots.length) return { sql: 'false', params: {} };
  const below = underAnySql('o', roots);
  return {
    sql: `(e.state = 'SUBMITTED' AND e.submitted_by IS DISTINCT FROM :reviewer AND ${below.sql} AND o.path_key <> ALL(:reviewRoots))`,
    params: { ...below.params, reviewer: viewer.userId, reviewRoots: roots },
  };
}

export interface EvaluationFilter {
  /** Only orgs in this subtree (within the viewer's read scope). */
  under?: Org | null;
  orgId?: string;
  campaignId?: string;
  states?: EvaluationState[] | null;
  kinds?: EvaluationKind[] | null;
  /** Only what the viewer may accept or return now (the review rule), never its own submission. */
  awaitingMyReview?: boolean | null;
}

const CREATED: OrderColumn = { sql: 'e.created_at', type: 'timestamptz' };

/** The root list's orders: each ends in the creation time and the id (migrations/1733990000000-list-orders). */
export const EVALUATION_ORDER: OrderSpec<EvaluationOrderField> = {
  list: 'evaluations',
  id: 'e.id',
  fields: {
    CREATED_AT: [CREATED],
    UPDATED_AT: [{ sql: 'e.updated_at', type: 'timestamptz' }, CREATED],
    SUBMITTED_AT: [{ sql: nullsAsSql('e.submitted_at', `'infinity'::timestamptz`), type: 'timestamptz' }, CREATED],
    TOTAL: [{ sql: nullsAsSql('e.total', `'-Infinity'::numeric`), type: 'numeric' }, CREATED],
    STATE: [{ sql: rankSql('e.state', Object.values(EvaluationState)), type: 'int' }, CREATED],
    ORG: [{ sql: 'o.path_key', type: 'text' }, CREATED],
  },
  default: { field: EvaluationOrderField.CREATED_AT, direction: OrderDirection.ASC },
};

/** Who fills in an evaluation of each kind: the org's own secretary for 自查, its superiors otherwise. */
/** Whether who may fill in an evaluation of `kind` depends on where its org stands (all but the secretary's self-check). */
const movesMatter = (kind: EvaluationKind) => kind !== EvaluationKind.SELF;

/**
 * Why a save whose org moved while it was on its way was refused, from where the org now stands: out of the
 * viewer's sight (or gone) NOT_FOUND, no longer the viewer's to fill in FORBIDDEN, else CONFLICT (save again).
 */
function movedAway(viewer: UserViewer, org: Org, path: string | null, kind: EvaluationKind) {
  if (!path || !inScope(viewer, path)) return evaluationError('EVALUATION_NOT_FOUND');
  if (!mayEdit(viewer, { ...org, path }, kind)) return evaluationError('NOT_EVALUATOR');
  return evaluationError('ORG_MOVED');
}

function mayEdit(viewer: UserViewer, org: Org, kind: EvaluationKind): boolean {
  // An inspection's score sheet changes only with its inspection (and never once finalized).
  if (kind === EvaluationKind.INSPECTION) return false;
  if (kind === EvaluationKind.SELF) return viewer.roles.some((r) => r.role === Role.SECRETARY && r.orgId === org.id);
  return isStrictlyAbove(viewer, org, OFFICER_ROLES);
}

async function ruleOf(ctx: RequestContext, campaign: Campaign): Promise<PassRule> {
  return (await frameworkService.scoringVersion(ctx, campaign.versionId)).rule;
}

const isLeaf = (criteria: Criterion[], c: Criterion) => !criteria.some((k) => k.parentId === c.id);

/** The version an evaluation is scored under: its own when an upgrade left it behind (a finalized record), else its campaign's. */
const scoringVersionOf = (ctx: RequestContext, campaign: Campaign, evaluation: Evaluation) =>
  frameworkService.scoringVersion(ctx, evaluation.versionId ?? campaign.versionId);

/**
 * Scores an org's accepted evaluations (the latest of each kind) under the framework a superior tenant
 * handed down, when the campaign runs one adopted from it; null otherwise. The federation module's.
 */
export type SuperiorScorer = (
  ctx: RequestContext,
  campaign: Campaign,
  accepted: { id: string; kind: EvaluationKind }[],
) => Promise<SuperiorResult | null>;
let superiorScorer: SuperiorScorer | undefined;

export function setSuperiorScorer(scorer: SuperiorScorer): void {
  superiorScorer = scorer;
}

/** The functions that read an evaluation by id (migrations/1734260000000-evaluation-read-functions): with its org, and to change it with its campaign too. */
const READ_VIA = 'app_read_evaluation';
const TO_CHANGE_VIA = 'app_read_evaluation_to_change';

export const evaluationService = {
  /** An evaluation whose org lies inside the viewer's read scope. */
  async findById(ctx: RequestContext, id: string): Promise<Evaluation | null> {
    return findInScope(ctx, Evaluation, id, (e) => e.orgId, READ_ROLES, undefined, READ_VIA);
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Evaluation> {
    const evaluation = await this.findById(ctx, id);
    if (!evaluation) throw evaluationError('EVALUATION_NOT_FOUND');
    return evaluation;
  },

  /** The statement findById reads with (read ahead for `evaluation(id:)`). */
  readStatement: (tx: RequestTransaction, tenantId: string, id: string) =>
    inScopeStatement(tx, Evaluation, tenantId, id, undefined, READ_VIA),

  /** The statement getToChange reads with (read ahead for the mutations that change an evaluation first). */
  toChangeStatement: (tx: RequestTransaction, tenantId: string, id: string) =>
    inScopeStatement(tx, Evaluation, tenantId, id, campaignAlongsideSql(tx, true), TO_CHANGE_VIA),

  /**
   * An evaluation about to change, its campaign read in the same statement (saving, submitting and
   * reviewing check against the campaign next). Reads leave the campaign out: a kept tree needs none.
   */
  async getToChange(ctx: RequestContext, id: string): Promise<Evaluation> {
    const evaluation = await findInScope(ctx, Evaluation, id, (e) => e.orgId, READ_ROLES, campaignAlongside(ctx, true), TO_CHANGE_VIA);
    if (!evaluation) throw evaluationError('EVALUATION_NOT_FOUND');
    return evaluation;
  },

  /** The org an evaluation the viewer reads belongs to (in the viewer's scope, so visible). */
  async orgOf(ctx: RequestContext, evaluation: Evaluation): Promise<Org> {
    return orgService.getOrThrow(ctx, evaluation.orgId);
  },

  /** Every evaluation of an org in a campaign (all kinds, the first started first). */
  async forOrg(ctx: RequestContext, campaignId: string, orgId: string): Promise<Evaluation[]> {
    const viewer = requireUser(ctx);
    return ctx.tx
      .repository(Evaluation)
      .find({ where: { tenantId: viewer.tenantId, campaignId, orgId }, order: { createdAt: 'ASC', id: 'ASC' } });
  },

  /**
   * An org's evaluations in a campaign, a page at a time: empty unless the viewer reads the org fully
   * (an ancestor shown as a breadcrumb keeps its evaluations private).
   */
  async listForOrg(
    ctx: RequestContext,
    campaign: Campaign,
    org: Org,
    filter: { kind?: EvaluationKind | null },
    first: number,
    after?: string,
  ): Promise<Page<Evaluation>> {
    const viewer = requireUser(ctx);
    const readable = inScope(viewer, org.path);
    const build = () => {
      const qb = ctx.tx
        .repository(Evaluation)
        .createQueryBuilder('e')
        .where('e.tenant_id = :t AND e.campaign_id = :c AND e.org_id = :o', { t: viewer.tenantId, c: campaign.id, o: org.id });
      if (!readable) qb.andWhere('false');
      if (filter.kind) qb.andWhere('e.kind = :kind', { kind: filter.kind });
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'e.created_at', type: 'timestamptz', of: (e) => e.createdAt },
        { sql: 'e.id', type: 'uuid', of: (e) => e.id },
      ],
      first,
      after,
    );
  },

  /**
   * 考评列表: evaluations of orgs in the subtree (within the viewer's read scope, as evaluation(id) and
   * Org.evaluations), filtered and in the order asked for, one statement per page.
   */
  async list(
    ctx: RequestContext,
    filter: EvaluationFilter,
    order: Order<EvaluationOrderField> | null | undefined,
    first: number,
    after?: string | null,
  ): Promise<Page<Evaluation>> {
    const viewer = requireUser(ctx);
    const roots = rootsFor(viewer, filter.under);
    const review = filter.awaitingMyReview ? awaitingReviewSql(viewer) : null;
    const build = () => {
      const qb = scopedQuery(ctx, Evaluation, 'e', 'org_id', roots);
      if (filter.campaignId) qb.andWhere('e.campaign_id = :campaign', { campaign: filter.campaignId });
      if (filter.orgId) qb.andWhere('e.org_id = :org', { org: filter.orgId });
      if (filter.states?.length) qb.andWhere('e.state = ANY(:states)', { states: filter.states });
      if (filter.kinds?.length) qb.andWhere('e.kind = ANY(:kinds)', { kinds: filter.kinds });
      if (review) qb.andWhere(review.sql, review.params);
      return qb;
    };
    return orderedPage(build, EVALUATION_ORDER, order, first, after);
  },

  /** Opens the org's evaluation of this kind (or returns the one that exists). */
  async start(ctx: RequestContext, input: { campaignId: string; orgId: string; kind: EvaluationKind }): Promise<Evaluation> {
    const viewer = requireUser(ctx);
    const campaign = await campaignService.getOrThrow(ctx, input.campaignId);
    if (input.kind === EvaluationKind.INSPECTION) throw evaluationError('WRONG_KIND', 'input.kind');
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!mayEdit(viewer, o, input.kind)) throw evaluationError('NOT_EVALUATOR');
    });
    await this.assertEligible(ctx, campaign, org, 'input.orgId');
    // one evaluation of a kind per org and campaign (evaluations_one_per_kind): a start finds the one there is
    return findOrInsert(
      ctx.tx.repository(Evaluation),
      { tenantId: viewer.tenantId, campaignId: campaign.id, orgId: org.id, kind: input.kind },
      { state: EvaluationState.DRAFT, version: 1, createdBy: viewer.userId },
    );
  },

  /**
   * Saves scores with an optimistic version check: the version only moves on a successful save, so a
   * second writer holding the old version gets CONFLICT instead of overwriting.
   */
  async saveScores(
    ctx: RequestContext,
    input: { evaluationId: string; expectedVersion: number; scores: ScoreInput[]; clear?: string[] },
    /** The answer needs nothing the save itself returns (the new `updatedAt`): the write may go with COMMIT. */
    answerWithoutTheWrite = false,
  ): Promise<Evaluation> {
    const evaluation = await this.getToChange(ctx, input.evaluationId);
    const org = await this.assertEditor(ctx, evaluation);
    const campaign = await campaignService.getOrThrow(ctx, evaluation.campaignId);
    await this.checkScores(ctx, campaign, input.scores, input.clear ?? [], 'input');
    // evidence files per score, while the evaluation is editable (checked with the version)
    const withFiles = input.scores.flatMap((s, i) =>
      s.files?.attach?.length || s.files?.detach?.length ? [{ s, files: s.files, i }] : [],
    );
    if (answerWithoutTheWrite && !withFiles.length && !input.clear?.length) {
      // the held statement holds the org itself (one statement, the round trip it had)
      return holdSave(ctx, evaluation, org, input.expectedVersion, input.scores);
    }
    // the org held to the commit, and the editor checked where it stands after a concurrent move
    if (movesMatter(evaluation.kind)) await this.holdAsEditor(ctx, evaluation);
    let saved: Evaluation | null = null;
    if (input.clear?.length) {
      await bumpVersion(ctx, evaluation, input.expectedVersion);
      await this.writeScores(ctx, evaluation.id, input.scores, input.clear);
    } else {
      saved = await bumpAndWrite(ctx, evaluation, input.expectedVersion, input.scores);
    }
    if (withFiles.length) {
      const ids = await this.scoreIds(ctx, evaluation.id);
      // every score's files in a few statements however many scores carry some (up to 2,000)
      await fileService.changeMany(
        ctx,
        'EvaluationScore',
        withFiles.flatMap(({ s, files, i }) => {
          const recordId = ids.get(s.criterionId);
          return recordId ? [{ recordId, changes: files, path: `input.scores[${i}]` }] : [];
        }),
      );
    }
    return saved && !withFiles.length ? saved : reload(ctx, evaluation.id);
  },

  /** The ids of an evaluation's stored scores, by criterion. */
  async scoreIds(ctx: RequestContext, evaluationId: string): Promise<Map<string, string>> {
    const rows = await ctx.tx.query<{ criterion_id: string; id: string }>(
      `SELECT criterion_id, id FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2`,
      [requireUser(ctx).tenantId, evaluationId],
    );
    return new Map(rows.map((r) => [r.criterion_id, r.id]));
  },

  /** The evaluation a score belongs to, when the viewer may read it (a score's files are visible as its evaluation). */
  async findByScore(ctx: RequestContext, scoreId: string): Promise<Evaluation | null> {
    // batched: a file on many scores (of a few evaluations) is checked for all of them in one statement, and each
    // evaluation read once. Not kept in the request: a later check reads again (scores are cleared, files moved)
    const loader = ctx.loader<string, Evaluation | null>('evaluation.byScore', async (scoreIds) => {
      const rows = await ctx.tx.query<{ id: string; evaluation_id: string }>(
        `SELECT id, evaluation_id FROM evaluation_scores WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
        [requireUser(ctx).tenantId, [...scoreIds]],
      );
      const evaluationIds = [...new Set(rows.map((r) => r.evaluation_id))];
      const found = await Promise.all(evaluationIds.map((id) => this.findById(ctx, id)));
      const byEvaluation = new Map(evaluationIds.map((id, i) => [id, found[i]]));
      const byScore = new Map(rows.map((r) => [r.id, byEvaluation.get(r.evaluation_id) ?? null]));
      return scoreIds.map((id) => byScore.get(id) ?? null);
    });
    const evaluation = await loader.load(scoreId);
    loader.clear(scoreId);
    return evaluation;
  },

  /** The evaluation's org, when the viewer may fill in this evaluation (else FORBIDDEN). */
  async assertEditor(ctx: RequestContext, evaluation: Evaluation): Promise<Org> {
    const org = await this.orgOf(ctx, evaluation);
    if (!mayEdit(requireUser(ctx), org, evaluation.kind)) throw evaluationError('NOT_EVALUATOR');
    return org;
  },

  /** The evaluation's org held to the commit, and the viewer checked as its editor where it stands after a concurrent move. */
  async holdAsEditor(ctx: RequestContext, evaluation: Evaluation): Promise<Org> {
    const viewer = requireUser(ctx);
    return orgService.holdForChange(
      ctx,
      evaluation.orgId,
      (org) => {
        if (!mayEdit(viewer, org, evaluation.kind)) throw evaluationError('NOT_EVALUATOR');
      },
      () => evaluationError('EVALUATION_NOT_FOUND'),
    );
  },

  /** The optimistic version check every score change passes (CONFLICT for a stale version). */
  bumpVersion: (ctx: RequestContext, evaluation: Evaluation, expectedVersion: number) => bumpVersion(ctx, evaluation, expectedVersion),

  /** Refuses, with every problem by path, scores that the campaign's criteria cannot take. */
  async checkScores(ctx: RequestContext, campaign: Campaign, scores: ScoreInput[], clear: string[], path: string): Promise<void> {
    const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
    const leaves = new Map(criteria.filter((c) => isLeaf(criteria, c)).map((c) => [c.id, c]));
    const problems: Problem[] = [];
    const seen = new Set<string>();
    scores.forEach((s, i) => {
      const c = leaves.get(s.criterionId);
      if (!c) return problems.push(scoreProblem(`${path}.scores[${i}].criterionId`, 'SCORE_NOT_A_CRITERION'));
      if (seen.has(c.id)) problems.push(scoreProblem(`${path}.scores[${i}].criterionId`, 'SCORE_TWICE', { criterion: c.code }));
      seen.add(c.id);
      const refusal = invalidValue(c, s.value);
      if (refusal) {
        const { reason, ...figures } = refusal;
        problems.push(scoreProblem(`${path}.scores[${i}].value`, reason, { criterion: c.code, ...figures }));
      }
    });
    clear.forEach((id, i) => {
      if (!leaves.has(id)) problems.push(scoreProblem(`${path}.clear[${i}]`, 'SCORE_NOT_A_CRITERION'));
    });
    if (problems.length) throw evaluationError('INVALID_SCORE', { field: problems[0].path, problems });
  },

  /**
   * Upserts and clears raw scores (already checked) of an evaluation. A partial update: `note` or
   * `evidence` left out of a score keeps what is stored for that criterion; an explicit null clears it.
   */
  async writeScores(ctx: RequestContext, evaluationId: string, scores: ScoreInput[], clear: string[]): Promise<void> {
    const t = requireUser(ctx).tenantId;
    if (scores.length) await ctx.tx.query(`SELECT app_write_scores($1, $2, ${SCORE_ARRAYS})`, scoreParams(t, evaluationId, scores));
    if (clear.length) {
      // a cleared score's files come off with it (the files stay, their uploaders' again)
      const cleared = await ctx.tx.query<{ id: string }>(
        `SELECT id FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2 AND criterion_id = ANY($3::uuid[])`,
        [t, evaluationId, clear],
      );
      await fileService.detachAll(
        ctx,
        'EvaluationScore',
        cleared.map((r) => r.id),
      );
      await ctx.tx.execute(`DELETE FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2 AND criterion_id = ANY($3::uuid[])`, [
        t,
        evaluationId,
        clear,
      ]);
    }
    ctx.forget('evaluation.scores');
  },

  /** Submits (or resubmits after a return): every criterion scored, evidence where required; the totals are stored. */
  async submit(ctx: RequestContext, input: { evaluationId: string; expectedVersion: number }): Promise<Evaluation> {
    const viewer = requireUser(ctx);
    const evaluation = await this.getToChange(ctx, input.evaluationId);
    await this.holdAsEditor(ctx, evaluation);
    const campaign = await campaignService.getOrThrow(ctx, evaluation.campaignId);
    const [score, criteria, rows] = await Promise.all([
      this.score(ctx, evaluation),
      frameworkService.criteriaOf(ctx, campaign.versionId),
      this.scoreRows(ctx, evaluation.id),
    ]);
    const problems: Problem[] = [];
    for (const c of criteria) {
      if (!isLeaf(criteria, c)) continue;
      const scored = score.nodes.get(c.id)?.scored ?? false;
      if (!c.isBonus && !scored) problems.push(scoreProblem(c.code, 'SCORE_MISSING', { criterion: c.code, title: c.title }));
      if (c.evidenceRequired && scored && !rows.get(c.id)?.evidence)
        problems.push(scoreProblem(c.code, 'EVIDENCE_MISSING', { criterion: c.code }));
    }
    if (problems.length) throw evaluationError('INCOMPLETE', { params: { count: problems.length }, problems });
    await bumpVersion(ctx, evaluation, input.expectedVersion);
    await ctx.tx.execute(
      `UPDATE evaluations SET state = 'SUBMITTED', total = $3, grade = $4, veto = $5, submitted_by = $6, submitted_at = now(), return_reason = NULL
        WHERE tenant_id = $1 AND id = $2`,
      [viewer.tenantId, evaluation.id, score.total, score.grade, score.veto, viewer.userId],
    );
    await recordReview(ctx, evaluation.id, ReviewAction.SUBMITTED, null);
    return reload(ctx, evaluation.id);
  },

  /** Refuses an org the campaign does not evaluate: outside its scope, or of a kind it does not take part with. */
  async assertEligible(ctx: RequestContext, campaign: Campaign, org: Org, field: string): Promise<void> {
    const scope = await campaignService.scopeOrg(ctx, campaign);
    if (!isAncestorOrSelf(scope.path, org.path) || !campaign.eligibleKinds.includes(org.kind)) {
      throw evaluationError('NOT_ELIGIBLE', { field, params: { org: org.name } });
    }
  },

  /** Accepts or returns a submitted evaluation; acceptance recomputes and stores the org's campaign result. */
  async review(ctx: RequestContext, input: { evaluationId: string; accept: boolean; reason?: string | null }): Promise<Evaluation> {
    const viewer = requireUser(ctx);
    const evaluation = await this.getToChange(ctx, input.evaluationId);
    // the org held to the commit (the result stored with an acceptance is the org's), the reviewer checked where it
    // stands after a concurrent move
    const org = await orgService.holdForChange(
      ctx,
      evaluation.orgId,
      (o) => {
        if (!isStrictlyAbove(viewer, o, OFFICER_ROLES)) throw evaluationError('NOT_REVIEWER');
      },
      () => evaluationError('EVALUATION_NOT_FOUND'),
    );
    if (evaluation.submittedBy === viewer.userId) throw evaluationError('REVIEWER_IS_SUBMITTER');
    const reason = input.accept ? null : (input.reason?.trim() ?? '');
    if (reason === '') throw evaluationError('REASON_REQUIRED', 'input.reason');
    // the state and the submitter checked again in the write: a return and a resubmission by the viewer may have
    // committed since the evaluation was read
    const changed = await ctx.tx.execute(
      `UPDATE evaluations SET state = $3, return_reason = $4, reviewed_by = $5, reviewed_at = now(), version = version + 1
        WHERE tenant_id = $1 AND id = $2 AND state = 'SUBMITTED' AND submitted_by IS DISTINCT FROM $5`,
      [viewer.tenantId, evaluation.id, input.accept ? EvaluationState.ACCEPTED : EvaluationState.RETURNED, reason, viewer.userId],
    );
    if (!changed) {
      const [now] = await ctx.tx.query<{ state: EvaluationState; submitted_by: string | null }>(
        `SELECT state, submitted_by FROM evaluations WHERE tenant_id = $1 AND id = $2`,
        [viewer.tenantId, evaluation.id],
      );
      if (now?.state === EvaluationState.SUBMITTED && now.submitted_by === viewer.userId) throw evaluationError('REVIEWER_IS_SUBMITTER');
      throw evaluationError('NOT_SUBMITTED', { params: { state: now?.state ?? evaluation.state } });
    }
    await recordReview(ctx, evaluation.id, input.accept ? ReviewAction.ACCEPTED : ReviewAction.RETURNED, reason);
    if (input.accept) await this.storeResult(ctx, await campaignService.getOrThrow(ctx, evaluation.campaignId), org.id);
    return reload(ctx, evaluation.id);
  },

  /** Every submission, return (with its reason) and acceptance, oldest first, with the actor's display name (batched). */
  async history(ctx: RequestContext, evaluation: Evaluation): Promise<ReviewStep[]> {
    const reviews = await ctx
      .loader<string, EvaluationReview[]>('evaluation.history', async (ids) => {
        const rows = await ctx.tx
          .repository(EvaluationReview)
          .createQueryBuilder('r')
          .where('r.tenant_id = :t AND r.evaluation_id = ANY(:ids)', { t: evaluation.tenantId, ids: [...ids] })
          .orderBy('r.at', 'ASC')
          .addOrderBy('r.id', 'ASC')
          .getMany();
        return ids.map((id) => rows.filter((r) => r.evaluationId === id));
      })
      .load(evaluation.id);
    const names = await Promise.all(reviews.map((r) => userService.displayName(ctx, r.actorId)));
    return reviews.map((r, i) => ({ action: r.action, reason: r.reason, byName: names[i], at: r.at }));
  },

  /**
   * Recombines the org's accepted evaluations (the latest of each kind) into its stored campaign result,
   * and, where the campaign runs a framework adopted from a superior, the result under the superior's.
   */
  async storeResult(ctx: RequestContext, campaign: Campaign, orgId: string): Promise<void> {
    await this.storeResults(ctx, campaign, [orgId]);
  },

  /**
   * storeResult for many orgs of a campaign at once (a version upgrade's every accepted org) in a number of statements
   * that does not grow with them: the orgs' locks in one statement (in key order), their accepted evaluations read in
   * one after it, the results under a superior's framework read in one, and every result written in one.
   */
  async storeResults(ctx: RequestContext, campaign: Campaign, orgIds: readonly string[]): Promise<void> {
    const orgs = [...new Set(orgIds)];
    if (!orgs.length) return;
    // One writer of an org's result at a time: two acceptances of its different kinds at once each read
    // the accepted evaluations after the other's commit (READ COMMITTED: the next statement's snapshot),
    // so the later write combines both instead of overwriting the first with its own kind alone.
    const keys = orgs.map((orgId) => `campaign-result:${campaign.tenantId}:${campaign.id}:${orgId}`).sort();
    if (keys.length === 1) await holdLock(ctx.tx, keys[0]);
    else
      await ctx.tx.query<{ locked: number }>(
        `SELECT count(pg_advisory_xact_lock(hashtextextended(k.key, 0)))::int AS locked
           FROM (SELECT key FROM unnest($1::text[]) WITH ORDINALITY AS u(key, n) ORDER BY u.n) k`,
        [keys],
      );
    // with them, the version the campaign runs now: an upgrade that committed while this request waited (on
    // the evaluation it bumped) moved it, and the campaign read before that names the old one
    const rows = await ctx.tx.query<{
      version_id: string;
      org_id: string;
      id: string | null;
      kind: EvaluationKind;
      total: number;
      veto: boolean;
    }>(
      `SELECT k.version_id, o.org_id, a.id, a.kind, a.total, a.veto
         FROM campaigns k
         CROSS JOIN unnest($3::uuid[]) AS o(org_id)
         LEFT JOIN LATERAL (SELECT DISTINCT ON (kind) id, kind, total::float8 AS total, veto FROM evaluations
                             WHERE tenant_id = k.tenant_id AND campaign_id = k.id AND org_id = o.org_id AND state = 'ACCEPTED'
                             ORDER BY kind, reviewed_at DESC) a ON true
        WHERE k.tenant_id = $1 AND k.id = $2`,
      [campaign.tenantId, campaign.id, orgs],
    );
    const versionId = rows[0]?.version_id ?? campaign.versionId;
    const rule = await ruleOf(ctx, versionId === campaign.versionId ? campaign : { ...campaign, versionId });
    const results = await Promise.all(
      orgs.map(async (orgId) => {
        const accepted = rows.filter((r): r is typeof r & { id: string } => r.org_id === orgId && r.id !== null);
        const result = combineKinds(rule, accepted);
        const superior = superiorScorer && accepted.length ? await superiorScorer(ctx, campaign, accepted) : null;
        return { orgId, result, superior };
      }),
    );
    await ctx.tx.execute(
      `INSERT INTO campaign_results (tenant_id, campaign_id, org_id, total, grade, attained, veto, complete, components, superior, computed_at)
       SELECT $1, $2, r.org_id, r.total, r.grade, r.attained, r.veto, r.complete, r.components, r.superior, now()
         FROM unnest($3::uuid[], $4::numeric[], $5::text[], $6::boolean[], $7::boolean[], $8::boolean[], $9::jsonb[], $10::jsonb[])
              AS r(org_id, total, grade, attained, veto, complete, components, superior)
       ON CONFLICT (tenant_id, campaign_id, org_id) DO UPDATE SET total = EXCLUDED.total, grade = EXCLUDED.grade, attained = EXCLUDED.attained,
         veto = EXCLUDED.veto, complete = EXCLUDED.complete, components = EXCLUDED.components, superior = EXCLUDED.superior, computed_at = now()`,
      [
        campaign.tenantId,
        campaign.id,
        results.map((r) => r.orgId),
        results.map((r) => r.result.total),
        results.map((r) => r.result.grade),
        results.map((r) => r.result.attained),
        results.map((r) => r.result.veto),
        results.map((r) => r.result.complete),
        results.map((r) => JSON.stringify(r.result.components)),
        results.map((r) => (r.superior ? JSON.stringify(r.superior) : null)),
      ],
    );
  },

  async scoreRows(ctx: RequestContext, evaluationId: string): Promise<Map<string, EvaluationScoreRow>> {
    return (await loadScoreRows(ctx, evaluationId)).rows;
  },

  /** Every node's computed score, the total, grade, veto and attainment, from the stored raw values. */
  async score(ctx: RequestContext, evaluation: Evaluation): Promise<EvaluationScore> {
    return (await scored(ctx, evaluation)).score;
  },

  /** The computed scores as the API shows them: every node in tree order with its note and evidence. */
  async resultView(ctx: RequestContext, evaluation: Evaluation): Promise<EvaluationResultView> {
    const done = await scored(ctx, evaluation);
    done.view ??= viewOf(evaluation.id, done);
    return done.view;
  },

  /**
   * Criteria where the org's SELF score and a SUPERIOR or INSPECTION score differ by more than the
   * rule's margin; empty unless the viewer reads the org fully.
   */
  async discrepancies(ctx: RequestContext, campaign: Campaign, org: Org): Promise<Discrepancy[]> {
    if (!inScope(requireUser(ctx), org.path)) return [];
    const rule = await ruleOf(ctx, campaign);
    const evaluations = await this.forOrg(ctx, campaign.id, org.id);
    const self = evaluations.find((e) => e.kind === EvaluationKind.SELF);
    if (!self) return [];
    const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
    const selfScore = await this.score(ctx, self);
    const others = evaluations.filter((e) => e.kind === EvaluationKind.SUPERIOR || e.kind === EvaluationKind.INSPECTION);
    const out: Discrepancy[] = [];
    for (const other of others) {
      const otherScore = await this.score(ctx, other);
      const counterpart = await counterpartsIn(ctx, campaign, other.versionId);
      for (const c of criteria) {
        const a = selfScore.nodes.get(c.id);
        const b = otherScore.nodes.get(counterpart(c));
        if (!a?.scored || !b?.scored) continue;
        const difference = Math.round(Math.abs(a.ratio - b.ratio) * 10000) / 10000;
        if (difference > rule.discrepancyMargin)
          out.push({ criterion: c, selfRatio: a.ratio, otherKind: other.kind, otherRatio: b.ratio, difference });
      }
    }
    return out;
  },
};

/**
 * The criterion of `versionId` (the version a finalized inspection's sheet was left on) that a criterion of the
 * version the campaign runs now stands for, as the upgrades since matched them: the same code, or a rename; a
 * criterion split, merged or removed on the way stands for none. The criterion itself for the campaign's version.
 */
async function counterpartsIn(ctx: RequestContext, campaign: Campaign, versionId: string | null): Promise<(c: Criterion) => string> {
  if (!versionId || versionId === campaign.versionId) return (c) => c.id;
  const [criteria, upgrades] = await Promise.all([
    frameworkService.criteriaOf(ctx, versionId),
    ctx.tx.query<{ from_version_id: string; to_version_id: string; mapping: { kind: string; from: string[]; to: string[] }[] }>(
      `SELECT from_version_id, to_version_id, mapping FROM campaign_version_upgrades WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY applied_at`,
      [campaign.tenantId, campaign.id],
    ),
  ]);
  // each code of the old version, followed through the upgrades to the code it has now
  let codes = new Map(criteria.map((c) => [c.code, c.code]));
  let at = versionId;
  for (const u of upgrades) {
    if (u.from_version_id !== at) continue;
    const named = new Set(u.mapping.flatMap((m) => m.from));
    const renamed = new Map(u.mapping.filter((m) => m.kind === 'RENAMED').map((m) => [m.from[0], m.to[0]]));
    const next = new Map<string, string>();
    for (const [code, now] of codes) {
      const to = renamed.get(now) ?? (named.has(now) ? undefined : now);
      if (to) next.set(code, to);
    }
    codes = next;
    at = u.to_version_id;
  }
  const byNewCode = new Map(
    criteria.flatMap((c) => {
      const now = codes.get(c.code);
      return now ? [[now, c.id] as const] : [];
    }),
  );
  return (c) => byNewCode.get(c.code) ?? '';
}

/**
 * The scores as app_write_scores takes them (migrations/1734250000000-score-write-functions): $1 tenant,
 * $2 evaluation, then parallel arrays. A partial update: a `note` or `evidence` left out keeps what is
 * stored (its `given` flag false); an explicit null clears it.
 */
const SCORE_ARRAYS = '$3::uuid[], $4::numeric[], $5::text[], $6::text[], $7::boolean[], $8::boolean[]';

/** Whether a score gives the field (an explicit null does; leaving it out does not). */
const given = (field: 'note' | 'evidence') => (score: ScoreInput) => score[field] !== undefined;

const scoreParams = (tenantId: string, evaluationId: string, scores: ScoreInput[]): unknown[] => [
  tenantId,
  evaluationId,
  scores.map((s) => s.criterionId),
  scores.map((s) => s.value),
  scores.map((s) => s.note ?? null),
  scores.map((s) => s.evidence ?? null),
  scores.map(given('note')),
  scores.map(given('evidence')),
];

/**
 * saveScores' write in one statement (app_save_scores): the version check and bump, the scores upserted
 * only when it passed, and the evaluation as it now stands. A refusal (stale version, no longer editable) is then
 * told apart as bumpVersion does.
 */
async function bumpAndWrite(
  ctx: RequestContext,
  evaluation: Evaluation,
  expectedVersion: number,
  scores: ScoreInput[],
): Promise<Evaluation> {
  const [row] = await ctx.tx.query<Record<string, unknown>>(
    `SELECT ${columnsOf(ctx.tx, Evaluation, 'b')} FROM app_save_scores($1, $2, $9, $10::text[], ${SCORE_ARRAYS}) b`,
    [...scoreParams(evaluation.tenantId, evaluation.id, scores), expectedVersion, EDITABLE],
  );
  ctx.forget('evaluation.scores');
  const saved = row && hydrate(ctx.tx, Evaluation, 'b', row);
  if (saved) return saved;
  await bumpVersion(ctx, evaluation, expectedVersion); // refuses, with the reason
  throw new Error('unreachable: a version that did not bump cannot bump now');
}

/**
 * saveScores' write held back to go with COMMIT (RequestTransaction.hold): one round trip less for a
 * save whose answer is the evaluation as read with its version raised. The version and state are
 * checked first against the evaluation as this transaction read it (the refusals bumpVersion gives);
 * a save that commits between that read and this write makes the held statement refuse (SQLSTATE
 * AP010, migrations/1734290000000), and the request answers VERSION_MISMATCH or NOT_EDITABLE with
 * the evaluation as it then stood, having changed nothing.
 */
function holdSave(ctx: RequestContext, evaluation: Evaluation, org: Org, expectedVersion: number, scores: ScoreInput[]): Evaluation {
  if (!EDITABLE.includes(evaluation.state) || evaluation.version !== expectedVersion) throw refusedChange(evaluation, expectedVersion);
  const viewer = requireUser(ctx);
  ctx.tx.hold(
    `SELECT app_save_scores_or_refuse($1, $2, $9, $10::text[], ${SCORE_ARRAYS}, $11::uuid, $12::ltree)`,
    [
      ...scoreParams(evaluation.tenantId, evaluation.id, scores),
      expectedVersion,
      EDITABLE,
      org.id,
      movesMatter(evaluation.kind) ? org.path : null,
    ],
    (error) => {
      const e = error as { code?: unknown; detail?: unknown };
      if (typeof e?.detail !== 'string') return undefined;
      if (e.code === 'AP010') {
        return refusedChange(JSON.parse(e.detail) as { state: EvaluationState | null; version: number | null }, expectedVersion);
      }
      if (e.code === 'AP011') return movedAway(viewer, org, (JSON.parse(e.detail) as { path: string | null }).path, evaluation.kind);
      return undefined;
    },
  );
  ctx.forget('evaluation.scores');
  return Object.assign(ctx.tx.metadata(Evaluation).create() as Evaluation, evaluation, { version: expectedVersion + 1 });
}

async function bumpVersion(ctx: RequestContext, evaluation: Evaluation, expectedVersion: number): Promise<void> {
  const bumped = await ctx.tx.execute(
    `UPDATE evaluations SET version = version + 1, updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND version = $3 AND state = ANY($4::text[])`,
    [evaluation.tenantId, evaluation.id, expectedVersion, EDITABLE],
  );
  if (bumped === 1) return;
  const [current] = await ctx.tx.query<{ state: EvaluationState; version: number }>(
    `SELECT state, version FROM evaluations WHERE tenant_id = $1 AND id = $2`,
    [evaluation.tenantId, evaluation.id],
  );
  throw refusedChange(current, expectedVersion);
}

/**
 * Why a change holding `expectedVersion` was refused, from the evaluation as it stands: no longer
 * editable (or gone), else changed since (its version now).
 */
function refusedChange(now: { state: EvaluationState | null; version: number | null } | undefined, expectedVersion: number) {
  if (!now?.state || !EDITABLE.includes(now.state)) return evaluationError('NOT_EDITABLE', { params: { state: now?.state } });
  return evaluationError('VERSION_MISMATCH', { params: { currentVersion: now.version, expectedVersion } });
}

async function recordReview(ctx: RequestContext, evaluationId: string, action: ReviewAction, reason: string | null): Promise<void> {
  const viewer = requireUser(ctx);
  await ctx.tx.execute(`INSERT INTO evaluation_reviews (tenant_id, evaluation_id, action, reason, actor_id) VALUES ($1, $2, $3, $4, $5)`, [
    viewer.tenantId,
    evaluationId,
    action,
    reason,
    viewer.userId,
  ]);
  ctx.forget('evaluation.history');
}

async function reload(ctx: RequestContext, id: string): Promise<Evaluation> {
  const viewer = requireUser(ctx);
  return ctx.tx.repository(Evaluation).findOneByOrFail({ tenantId: viewer.tenantId, id });
}

/** An evaluation scored: its rule and criteria, the raw rows, the computed tree, and (once asked for) the API's view of it. */
interface Scored {
  rule: PassRule;
  criteria: Criterion[];
  rows: Map<string, EvaluationScoreRow>;
  score: EvaluationScore;
  view?: EvaluationResultView;
}

/**
 * Scored evaluations past their draft, kept by this process: an accepted evaluation's tree is read far
 * more often than it changes, and every change to an evaluation or its scores (a save, a state change,
 * a version upgrade moving it) raises its `version`, which is in the key with the tenant and the id.
 * The framework version it is scored under is fixed at a given `version` too: only an upgrade changes a
 * campaign's version, and it raises the version of every evaluation it moves and pins the ones it keeps
 * to the version they had (version-upgrade.service.ts). Filled only from a transaction that had written nothing when
 * it read the rows (what it read is committed), as the frozen criteria are, and read only by query
 * operations. Bounded, least recently used first, and kept from a tree's second read on: the bench's
 * rotation over 20,000 trees (each read once a pass) made the store drop one ~30 KB tree per read.
 */
const keptScored = new Kept<Scored>(2000, { secondSight: true });

async function scored(ctx: RequestContext, evaluation: Evaluation): Promise<Scored> {
  // drafts change with every save; a mutation may have changed the evaluation since it read it
  const keep = ctx.readOnly && evaluation.state !== EvaluationState.DRAFT;
  const key = `${evaluation.tenantId}:${evaluation.id}:${evaluation.version}`;
  const kept = keep ? keptScored.get(key) : undefined;
  if (kept) return kept;
  const campaign = await campaignService.ofRecord(ctx, evaluation.campaignId);
  const version = await scoringVersionOf(ctx, campaign, evaluation);
  const [criteria, { rows, readOnly }] = await Promise.all([
    frameworkService.criteriaOf(ctx, version.id),
    loadScoreRows(ctx, evaluation.id),
  ]);
  const score = scoreEvaluation(version.rule, criteria, new Map([...rows.values()].map((r) => [r.criterionId, r.value])));
  const done: Scored = { rule: version.rule, criteria, rows, score };
  if (keep && readOnly) keptScored.set(key, done);
  return done;
}

/** An evaluation's raw score rows by criterion, batched per request, and whether its transaction had written anything when read. */
async function loadScoreRows(
  ctx: RequestContext,
  evaluationId: string,
): Promise<{ rows: Map<string, EvaluationScoreRow>; readOnly: boolean }> {
  const viewer = requireUser(ctx);
  return ctx
    .loader<string, { rows: Map<string, EvaluationScoreRow>; readOnly: boolean }>('evaluation.scores', async (ids) => {
      const { entities, raw } = await ctx.tx
        .repository(EvaluationScoreRow)
        .createQueryBuilder('s')
        .addSelect(WROTE_NOTHING_SQL, 'read_only')
        .where('s.tenant_id = :t AND s.evaluation_id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
        .getRawAndEntities<{ read_only: boolean }>();
      // no rows: nothing shows whether this transaction has written; not kept
      const readOnly = raw[0]?.read_only === true;
      return ids.map((id) => ({
        rows: new Map(entities.filter((r) => r.evaluationId === id).map((r) => [r.criterionId, r])),
        readOnly,
      }));
    })
    .load(evaluationId);
}

function viewOf(evaluationId: string, { rule, criteria, rows, score }: Scored): EvaluationResultView {
  return {
    total: score.total,
    bonus: score.bonus,
    grade: score.grade,
    gradeLabel: rule.grades.find((g) => g.code === score.grade)?.label ?? score.grade,
    veto: score.veto,
    attained: score.attained,
    complete: score.complete,
    // scoreEvaluation scores every node of the tree it is given
    nodes: criteria.flatMap((criterion) => {
      const node = score.nodes.get(criterion.id);
      const row = rows.get(criterion.id);
      return node
        ? [{ ...node, criterion, note: row?.note ?? null, evidence: row?.evidence ?? null, evaluationId, scoreId: row?.id ?? null }]
        : [];
    }),
  };
}
