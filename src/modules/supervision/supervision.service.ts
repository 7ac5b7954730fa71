import { holdsRole, holdsRoleAtRoot, inScope, underAnySql } from '../../auth/scope';
import { UserViewer, isAncestorOrSelf, scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Order, OrderColumn, OrderDirection, OrderSpec, nullsAsSql, orderedPage, rankSql } from '../../graphql/order';
import { Page } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Evaluation, EvaluationState } from '../evaluation/evaluation.entity';
import { ScoreInput, evaluationService } from '../evaluation/evaluation.service';
import { FileChanges, fileService } from '../file/file.service';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind } from '../framework/pass-rule';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { coversTenant, rootsFor } from '../org/scoped';
import { Role } from '../../auth/roles';
import { ChainVerification, canonicalContent, linkHash, sha256, verifyChain } from './record-chain';
import { singleFlight } from '../../db/single-flight';
import { columnsOf, hydrate } from '../../db/hydrate';
import {
  Finding,
  FindingSeverity,
  FollowUpCheck,
  Inspection,
  InspectionMethod,
  InspectionOrderField,
  InspectionState,
  RectificationState,
  SupervisionTeam,
  rectificationStateLabels,
} from './supervision.entity';
import { supervisionError } from './supervision.errors';
import { todayOf } from '../../graphql/today';
import { countUnderLock } from '../../db/advisory-lock';

export interface FindingInput {
  severity: FindingSeverity;
  description: string;
  criterionId?: string | null;
  /** Orders a rectification: the org that must fix it, by when. */
  rectifyOrgId?: string | null;
  rectifyDueOn?: string | null;
  /** Evidence files to attach to the finding (raw File ids). */
  fileIds?: string[] | null;
  /** Where an error about this finding points (defaults to input.findings[i]). */
  path?: string;
}

export interface InspectionContent {
  inspectedOn: string;
  methods: InspectionMethod[];
  summary: string;
  findings: FindingInput[];
  scores?: ScoreInput[] | null;
  followUps?: { findingId: string; fixed?: boolean | null; note?: string | null }[];
  /** Evidence files of the record itself (raw File ids). */
  fileIds?: string[] | null;
}

export interface RecordInspectionInput extends InspectionContent {
  idempotencyKey: string;
  teamId: string;
  orgId: string;
  campaignId?: string | null;
}

/** A finding to edit in place (id) or to add (no id); a field left undefined keeps its stored value. */
export interface FindingEdit {
  id?: string;
  severity?: FindingSeverity;
  description?: string;
  criterionId?: string | null;
  rectifyOrgId?: string | null;
  rectifyDueOn?: string | null;
  /** Files to attach to / detach from the finding. */
  files?: FileChanges;
}

/**
 * A partial change of a draft: every field left undefined keeps what is stored. Findings are edited
 * in place by id (the id stays), added without id, deleted only when listed in removeFindingIds;
 * carried-over findings of an amendment are withdrawn with a reason, never deleted. Scores and
 * follow-up checks are set per criterion / per finding; the others stay.
 */
export interface InspectionPatch {
  inspectedOn?: string;
  methods?: InspectionMethod[];
  summary?: string;
  findings?: FindingEdit[];
  removeFindingIds?: string[];
  withdrawFindings?: { id: string; reason: string }[];
  scores?: ScoreInput[];
  followUps?: { findingId: string; fixed?: boolean | null; note?: string | null }[];
  removeFollowUps?: string[];
  /** Files to attach to / detach from the record itself. */
  files?: FileChanges;
}

export type { ChainVerification };

export interface InspectionFilter {
  /** Only orgs in this subtree (the viewer's read scope inside it, and its teams' records there). */
  under?: Org | null;
  teamId?: string;
  orgId?: string;
  state?: InspectionState;
  /** Inspected on or after this day ('YYYY-MM-DD'). */
  from?: string | null;
  /** Inspected on or before this day. */
  to?: string | null;
}

const RECORDED: OrderColumn = { sql: 'i.created_at', type: 'timestamptz' };

/** The inspection lists' orders: each ends in the time of recording and the id. */
export const INSPECTION_ORDER: OrderSpec<InspectionOrderField> = {
  list: 'inspections',
  id: 'i.id',
  fields: {
    INSPECTED_ON: [{ sql: 'i.inspected_on', type: 'date' }, RECORDED],
    CREATED_AT: [RECORDED],
    FINALIZED_AT: [{ sql: nullsAsSql('i.finalized_at', `'infinity'::timestamptz`), type: 'timestamptz' }, RECORDED],
    STATE: [{ sql: rankSql('i.state', Object.values(InspectionState)), type: 'int' }, RECORDED],
    ORG: [{ sql: 'o.path_key', type: 'text' }, RECORDED],
  },
  default: { field: InspectionOrderField.INSPECTED_ON, direction: OrderDirection.DESC },
};

/**
 * 督导组 are the bureau's: forming one, seeing every team and verifying the tenant's record chain need
 * the role at the root. An officer over a subtree sees the teams that inspect inside its scope.
 */
const TEAM_ADMINS = [Role.TENANT_ADMIN, Role.LEADER];

/** What one record holds at most: findings (withdrawn ones included) and follow-up checks, as a new record's input. */
export const MAX_FINDINGS = 200;
export const MAX_FOLLOW_UPS = 200;

/**
 * Who acts for a team: its people while they hold the INSPECTOR role that forming the team required
 * (anywhere in the tenant, as createTeam asks). A member whose role was revoked stays listed but neither
 * acts for the team (record, change, finalize, amend, sign off) nor reads its records as one of its people.
 */
const inspects = (viewer: UserViewer): boolean => holdsRole(viewer, [Role.INSPECTOR]);

/** Whether the viewer acts for the team: one of its people (see members) holding the INSPECTOR role. */
async function isMember(ctx: RequestContext, team: SupervisionTeam, viewer: UserViewer): Promise<boolean> {
  return inspects(viewer) && (await members(ctx, team)).includes(viewer.userId);
}

/** The team's people: its leader first, then its members (user ids). Batched per request. */
async function members(ctx: RequestContext, team: SupervisionTeam): Promise<string[]> {
  const rows = await ctx
    .loader<string, string[]>('team.members', async (teamIds) => {
      const all = await ctx.tx.query<{ team_id: string; user_id: string }>(
        `SELECT team_id, user_id FROM supervision_team_members WHERE tenant_id = $1 AND team_id = ANY($2::uuid[])`,
        [team.tenantId, [...teamIds]],
      );
      return teamIds.map((id) => all.filter((r) => r.team_id === id).map((r) => r.user_id));
    })
    .load(team.id);
  return [team.leaderId, ...rows];
}

/** The orgs whose subtrees the team inspects (as far as the viewer sees them). */
async function scopeOrgs(ctx: RequestContext, team: SupervisionTeam): Promise<Org[]> {
  const rows = await ctx
    .loader<string, string[]>('team.scopes', async (teamIds) => {
      const all = await ctx.tx.query<{ team_id: string; org_id: string }>(
        `SELECT team_id, org_id FROM supervision_team_scopes WHERE tenant_id = $1 AND team_id = ANY($2::uuid[])`,
        [team.tenantId, [...teamIds]],
      );
      return teamIds.map((id) => all.filter((r) => r.team_id === id).map((r) => r.org_id));
    })
    .load(team.id);
  const orgs = await Promise.all(rows.map((id) => orgService.findById(ctx, id)));
  return orgs.filter((o): o is Org => !!o);
}

/**
 * A team by id, without a visibility check: for the team a visible record names (an inspection, a
 * rectification) and for the team's own writes. Batched per request.
 */
async function teamById(ctx: RequestContext, id: string): Promise<SupervisionTeam> {
  const team = await ctx
    .loader<string, SupervisionTeam | null>('team.byId', async (ids) => {
      const rows = await ctx.tx
        .repository(SupervisionTeam)
        .createQueryBuilder('t')
        .where('t.tenant_id = :t AND t.id = ANY(:ids)', { t: requireUser(ctx).tenantId, ids: [...ids] })
        .getMany();
      return ids.map((teamId) => rows.find((r) => r.id === teamId) ?? null);
    })
    .load(id);
  if (!team) throw supervisionError('TEAM_NOT_FOUND');
  return team;
}

/** Whether the viewer sees an inspection: of an org inside its scope, or a record of a team it belongs to. */
async function seesInspection(ctx: RequestContext, viewer: UserViewer, inspection: Inspection): Promise<boolean> {
  const org = await orgService.findById(ctx, inspection.orgId);
  if (org && inScope(viewer, org.path)) return true;
  const team = await teamById(ctx, inspection.teamId);
  return isMember(ctx, team, viewer);
}

/** The teams the viewer leads or belongs to, and acts for (isMember). */
async function teamIdsOf(ctx: RequestContext, viewer: UserViewer): Promise<string[]> {
  if (!inspects(viewer)) return [];
  const rows = await ctx.tx.query<{ id: string }>(
    `SELECT id FROM supervision_teams WHERE tenant_id = $1 AND leader_id = $2
     UNION SELECT team_id FROM supervision_team_members WHERE tenant_id = $1 AND user_id = $2`,
    [viewer.tenantId, viewer.userId],
  );
  return rows.map((r) => r.id);
}

/** JSON with object keys sorted at every level, so equal requests hash equally. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function requestHash(input: object): string {
  return sha256(stableStringify(input));
}

/** The record chain's verification running per tenant in this process (verifyRecords). */
const chainVerifications = singleFlight<ChainVerification>();

export const supervisionService = {
  // ── teams ────────────────────────────────────────────────────────────────────────────────────────
  async createTeam(
    ctx: RequestContext,
    input: { name: string; leaderId: string; memberIds: string[]; scopeOrgIds: string[]; campaignId?: string | null },
  ): Promise<SupervisionTeam> {
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, TEAM_ADMINS)) throw supervisionError('NOT_TEAM_ADMIN');
    const people = [...new Set([input.leaderId, ...input.memberIds])];
    const inspectors = await ctx.tx.query<{ user_id: string }>(
      `SELECT DISTINCT u.id AS user_id FROM users u JOIN role_assignments ra ON ra.tenant_id = u.tenant_id AND ra.user_id = u.id
        WHERE u.tenant_id = $1 AND u.id = ANY($2::uuid[]) AND ra.role = 'INSPECTOR' AND NOT u.disabled`,
      [viewer.tenantId, people],
    );
    const missing = people.filter((id) => !inspectors.some((r) => r.user_id === id));
    if (missing.length) throw supervisionError('NOT_INSPECTOR', { field: 'input.memberIds', params: { count: missing.length } });
    if (!input.scopeOrgIds.length) throw supervisionError('TEAM_SCOPE_EMPTY', 'input.scopeOrgIds');
    // each scope org held live (FOR SHARE) until the team is written: an archive at the same moment waits for the
    // creation or is seen (ORG_ARCHIVED), as for every record on an org; the role was checked at the root above. All
    // of them in two statements (up to 200 orgs), refused at the first in the order given
    await orgService.getManyLiveInScopeOrThrow(ctx, [...new Set(input.scopeOrgIds)], () => undefined, 'input.scopeOrgIds');
    if (input.campaignId) await campaignService.getOrThrow(ctx, input.campaignId);
    const repo = ctx.tx.repository(SupervisionTeam);
    const team = await repo.save(
      repo.create({ tenantId: viewer.tenantId, name: input.name, leaderId: input.leaderId, campaignId: input.campaignId ?? null }),
    );
    await ctx.tx.execute(`INSERT INTO supervision_team_members (tenant_id, team_id, user_id) SELECT $1, $2, unnest($3::uuid[])`, [
      viewer.tenantId,
      team.id,
      people.filter((p) => p !== input.leaderId),
    ]);
    await ctx.tx.execute(`INSERT INTO supervision_team_scopes (tenant_id, team_id, org_id) SELECT $1, $2, unnest($3::uuid[])`, [
      viewer.tenantId,
      team.id,
      [...new Set(input.scopeOrgIds)],
    ]);
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: team.id });
  },

  /** Teams are visible to their people and to officers whose scope covers one of the team's subtrees. */
  async findTeam(ctx: RequestContext, id: string): Promise<SupervisionTeam | null> {
    const viewer = requireUser(ctx);
    const team = await ctx.tx.repository(SupervisionTeam).findOneBy({ tenantId: viewer.tenantId, id });
    if (!team) return null;
    if ((await isMember(ctx, team, viewer)) || holdsRoleAtRoot(viewer, TEAM_ADMINS)) return team;
    const scopes = await scopeOrgs(ctx, team);
    return scopes.some((o) => inScope(viewer, o.path)) ? team : null;
  },

  async getTeamOrThrow(ctx: RequestContext, id: string): Promise<SupervisionTeam> {
    const team = await this.findTeam(ctx, id);
    if (!team) throw supervisionError('TEAM_NOT_FOUND');
    return team;
  },

  /**
   * The teams the viewer may see (as findTeam: its own teams, every team for the root's admins and
   * leading group, and the teams inspecting inside the viewer's scope), oldest first, in one statement.
   */
  async teams(ctx: RequestContext, first: number, after?: string): Promise<Page<SupervisionTeam>> {
    const viewer = requireUser(ctx);
    const everyTeam = holdsRoleAtRoot(viewer, TEAM_ADMINS);
    const build = () => {
      const qb = ctx.tx.repository(SupervisionTeam).createQueryBuilder('t').where('t.tenant_id = :t', { t: viewer.tenantId });
      if (!everyTeam) {
        const scope = underAnySql('o', scopePaths(viewer));
        // its own teams only while the viewer acts for them (isMember): :me is no user otherwise
        qb.andWhere(
          `(t.leader_id = :me
            OR EXISTS (SELECT 1 FROM supervision_team_members m WHERE m.tenant_id = t.tenant_id AND m.team_id = t.id AND m.user_id = :me)
            OR EXISTS (SELECT 1 FROM supervision_team_scopes s JOIN orgs o ON o.tenant_id = s.tenant_id AND o.id = s.org_id
                        WHERE s.tenant_id = t.tenant_id AND s.team_id = t.id AND ${scope.sql}))`,
          { me: inspects(viewer) ? viewer.userId : null, ...scope.params },
        );
      }
      return qb;
    };
    return keysetPage(
      build,
      [
        // created_at keeps microseconds, a cursor milliseconds: order by what the cursor holds
        { sql: `date_trunc('milliseconds', t.created_at)`, type: 'timestamptz', of: (t) => t.createdAt },
        { sql: 't.id', type: 'uuid', of: (t) => t.id },
      ],
      first,
      after,
    );
  },

  members,
  scopeOrgs,
  teamById,

  /** The team that recorded an inspection the viewer reads: the record names it. */
  async teamOf(ctx: RequestContext, inspection: Inspection): Promise<SupervisionTeam> {
    return teamById(ctx, inspection.teamId);
  },

  isMember,

  // ── inspections ──────────────────────────────────────────────────────────────────────────────────
  /** An inspection visible to its team's people and to anyone whose read scope covers the inspected org. */
  async findInspection(ctx: RequestContext, id: string): Promise<Inspection | null> {
    const viewer = requireUser(ctx);
    const inspection = await ctx.tx.repository(Inspection).findOneBy({ tenantId: viewer.tenantId, id });
    if (!inspection) return null;
    return (await seesInspection(ctx, viewer, inspection)) ? inspection : null;
  },

  /**
   * Inspections by id as findInspection reads each, however many in a constant number of statements (the records,
   * then their orgs, teams and team members, each batched): in the order of `ids`, the record or null.
   */
  async findInspections(ctx: RequestContext, ids: readonly string[]): Promise<(Inspection | null)[]> {
    const viewer = requireUser(ctx);
    if (!ids.length) return [];
    const rows = await ctx.tx.query<Record<string, unknown>>(
      `SELECT ${columnsOf(ctx.tx, Inspection, 'i')} FROM inspections i WHERE i.tenant_id = $1 AND i.id = ANY($2::uuid[])`,
      [viewer.tenantId, [...new Set(ids)]],
    );
    const found = rows.map((row) => hydrate(ctx.tx, Inspection, 'i', row) as Inspection);
    const seen = await Promise.all(found.map((inspection) => seesInspection(ctx, viewer, inspection)));
    const byId = new Map(found.filter((_, i) => seen[i]).map((inspection) => [inspection.id, inspection]));
    return ids.map((id) => byId.get(id) ?? null);
  },

  /**
   * Inspections by id as getInspectionOrThrow reads each (findInspections), with the caller's `check` run on each in
   * the order of `ids`: refused at the first id that is not found or that `check` refuses, as one id at a time would be.
   */
  async getInspectionsOrThrow(
    ctx: RequestContext,
    ids: readonly string[],
    check: (inspection: Inspection, index: number) => void = () => undefined,
  ): Promise<Inspection[]> {
    const found = await this.findInspections(ctx, ids);
    return found.map((inspection, i) => {
      if (!inspection) throw supervisionError('INSPECTION_NOT_FOUND');
      check(inspection, i);
      return inspection;
    });
  },

  async getInspectionOrThrow(ctx: RequestContext, id: string): Promise<Inspection> {
    const inspection = await this.findInspection(ctx, id);
    if (!inspection) throw supervisionError('INSPECTION_NOT_FOUND');
    return inspection;
  },

  /**
   * Inspections the viewer may see (as findInspection: of orgs inside its scope, and every record of
   * the teams it belongs to), inside `under` when given, filtered and in the order asked for (the
   * latest inspected first by default), in one statement.
   */
  async listInspections(
    ctx: RequestContext,
    filter: InspectionFilter,
    first: number,
    after?: string | null,
    order?: Order<InspectionOrderField> | null,
  ): Promise<Page<Inspection>> {
    const viewer = requireUser(ctx);
    const myTeams = await teamIdsOf(ctx, viewer);
    const roots = rootsFor(viewer, filter.under);
    const build = () => {
      const qb = ctx.tx
        .repository(Inspection)
        .createQueryBuilder('i')
        .innerJoin('orgs', 'o', 'o.tenant_id = i.tenant_id AND o.id = i.org_id')
        .where('i.tenant_id = :t', { t: viewer.tenantId });
      // the viewer's scope (none needed over the whole tenant), or else a record of its own teams
      // (inside `under`); the OR is written only for a team's people, so that the others' scope stays an index range
      const teamPart = filter.under ? underAnySql('o', [filter.under.path]) : { sql: 'true', params: {} };
      const scope = underAnySql('o', roots);
      if (myTeams.length && !coversTenant(roots)) {
        qb.andWhere(`(${scope.sql} OR (i.team_id = ANY(CAST(:myTeams AS uuid[])) AND ${teamPart.sql}))`, {
          ...scope.params,
          ...teamPart.params,
          myTeams,
        });
      } else if (!coversTenant(roots)) {
        qb.andWhere(scope.sql, scope.params);
      }
      if (filter.teamId) qb.andWhere('i.team_id = :team', { team: filter.teamId });
      if (filter.orgId) qb.andWhere('i.org_id = :org', { org: filter.orgId });
      if (filter.state) qb.andWhere('i.state = :state', { state: filter.state });
      if (filter.from) qb.andWhere('i.inspected_on >= CAST(:from AS date)', { from: filter.from });
      if (filter.to) qb.andWhere('i.inspected_on <= CAST(:to AS date)', { to: filter.to });
      return qb;
    };
    return orderedPage(build, INSPECTION_ORDER, order, first, after);
  },

  /**
   * Records a draft inspection. The idempotency key makes a retry return the first record; the same
   * key with a different request is a CONFLICT, never a second record.
   */
  async record(ctx: RequestContext, input: RecordInspectionInput): Promise<Inspection> {
    const viewer = requireUser(ctx);
    // a member of the team first: nobody else learns whether a key is taken, nor gets a record back by it
    const team = await this.getTeamOrThrow(ctx, input.teamId);
    if (!(await isMember(ctx, team, viewer))) throw supervisionError('NOT_TEAM_MEMBER');
    const hash = requestHash(input);
    const existing = await ctx.tx.repository(Inspection).findOneBy({ tenantId: viewer.tenantId, idempotencyKey: input.idempotencyKey });
    if (existing) return sameRequest(existing, hash, viewer.userId);

    const org = await this.assertInTeamScope(ctx, team, input.orgId);
    await this.holdDraftPlace(ctx, team, 'input.teamId');
    // a request with this key that committed while this one waited for the team's count is answered as it was
    const retried = await ctx.tx.repository(Inspection).findOneBy({ tenantId: viewer.tenantId, idempotencyKey: input.idempotencyKey });
    if (retried) return sameRequest(retried, hash, viewer.userId);
    const campaignId = input.campaignId ?? team.campaignId;
    const campaign = campaignId ? await this.campaignToScore(ctx, campaignId, !!input.scores?.length) : null;
    await this.checkContent(ctx, team, org.id, campaign, input);

    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO inspections (tenant_id, team_id, org_id, campaign_id, inspected_on, methods, summary, idempotency_key, request_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
      [
        viewer.tenantId,
        team.id,
        org.id,
        campaign?.id ?? null,
        input.inspectedOn,
        input.methods,
        input.summary,
        input.idempotencyKey,
        hash,
        viewer.userId,
      ],
    );
    if (!row) {
      // A concurrent request with the same key won the insert: answer as it did.
      return sameRequest(await this.winnerOf(ctx, input.idempotencyKey), hash, viewer.userId);
    }
    await this.writeContent(ctx, row.id, campaign, input);
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
  },

  /** Changes a draft: only what the patch names (see InspectionPatch); everything else stays as stored. */
  async update(ctx: RequestContext, id: string, patch: InspectionPatch): Promise<Inspection> {
    const inspection = await this.editableOrThrow(ctx, id);
    await this.applyPatch(ctx, inspection, patch);
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: inspection.tenantId, id: inspection.id });
  },

  async discard(ctx: RequestContext, id: string): Promise<boolean> {
    const inspection = await this.editableOrThrow(ctx, id);
    const findingIds = (await this.findings(ctx, inspection)).map((f) => f.id);
    await fileService.detachAll(ctx, 'Finding', findingIds);
    await fileService.detachAll(ctx, 'Inspection', [inspection.id]);
    await ctx.tx.execute(`DELETE FROM inspections WHERE tenant_id = $1 AND id = $2`, [inspection.tenantId, inspection.id]);
    // Its own draft score sheet goes with it; an amendment's sheet taken over from the amended record stays.
    if (inspection.evaluationId) {
      await ctx.tx.execute(
        `DELETE FROM evaluations WHERE tenant_id = $1 AND id = $2 AND state = 'DRAFT'
                            AND NOT EXISTS (SELECT 1 FROM inspections WHERE tenant_id = $1 AND evaluation_id = $2)`,
        [inspection.tenantId, inspection.evaluationId],
      );
    }
    return true;
  },

  /**
   * Finalizes: appends the record to the tenant's hash chain through the database's chain functions
   * (the head is locked, so finalizations are serialized, and only they move it), opens or updates the
   * rectifications its findings order (a carried-over finding keeps its rectification; a withdrawn
   * one's is withdrawn), accepts its score sheet, and reopens verified rectifications that a
   * follow-up found not fixed. The inspection row is locked before its state is read, so of two
   * concurrent finalizations the second sees FINALIZED and answers CONFLICT.
   */
  async finalize(ctx: RequestContext, id: string): Promise<Inspection> {
    const viewer = requireUser(ctx);
    const inspection = await this.editableOrThrow(ctx, id);
    const followUps = await this.followUps(ctx, inspection);
    const unchecked = followUps.filter((f) => f.fixed === null || f.fixed === undefined);
    if (unchecked.length) throw supervisionError('FOLLOW_UP_UNCHECKED', { params: { count: unchecked.length } });
    if (inspection.evaluationId) {
      // Scored under the version the campaign runs when this commits: the campaign is held against an upgrade
      // (which holds it from its plan to its commit) and the sheet locked before it is read.
      if (inspection.campaignId) await this.campaignToScore(ctx, inspection.campaignId, true);
      await ctx.tx.query(`SELECT 1 AS one FROM evaluations WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
        viewer.tenantId,
        inspection.evaluationId,
      ]);
      // The record's own score sheet (the team finalizing it may see the org's other evaluations or not).
      const evaluation = await ctx.tx.repository(Evaluation).findOneByOrFail({ tenantId: viewer.tenantId, id: inspection.evaluationId });
      // An amendment that kept the amended record's sheet finds it accepted already.
      if (evaluation.state !== EvaluationState.ACCEPTED) {
        ctx.forget('evaluation.scores');
        const score = await evaluationService.score(ctx, evaluation);
        if (!score.complete) throw supervisionError('SCORE_SHEET_INCOMPLETE', 'scores');
        // accepted only at the version it was scored at
        const accepted = await ctx.tx.execute(
          `UPDATE evaluations SET state = 'ACCEPTED', total = $3, grade = $4, veto = $5, submitted_by = $6, submitted_at = now(), reviewed_by = $6, reviewed_at = now(),
                  version = version + 1, updated_at = now()
            WHERE tenant_id = $1 AND id = $2 AND version = $7 AND state = 'DRAFT'`,
          [viewer.tenantId, evaluation.id, score.total, score.grade, score.veto, viewer.userId, evaluation.version],
        );
        if (!accepted) throw supervisionError('SCORE_SHEET_CHANGED');
      }
    }
    // The orgs given a rectification, or a carried one, by this record are held live until it commits (an org archived
    // since the draft was written takes nothing new: ORG_ARCHIVED), still inside the team's scope.
    const ordered = await ctx.tx.query<{ org_id: string }>(
      `SELECT DISTINCT f.rectify_org_id AS org_id FROM findings f
         LEFT JOIN rectifications r ON r.tenant_id = f.tenant_id AND r.finding_id = coalesce(f.origin_id, f.id)
        WHERE f.tenant_id = $1 AND f.inspection_id = $2 AND f.rectify_org_id IS NOT NULL AND f.withdrawn_reason IS NULL
          AND r.owner_org_id IS DISTINCT FROM f.rectify_org_id
        ORDER BY 1`,
      [viewer.tenantId, inspection.id],
    );
    if (ordered.length) {
      const scopes = await scopeOrgs(ctx, await teamById(ctx, inspection.teamId));
      const inTeam = (o: Org) => {
        if (!scopes.some((s) => isAncestorOrSelf(s.path, o.path))) throw supervisionError('RECTIFY_ORG_OUTSIDE_SCOPE', 'findings');
      };
      // all of them read in one statement and locked in one more (up to 200 findings' orgs)
      const orgs = await Promise.all(ordered.map(({ org_id }) => orgService.findById(ctx, org_id)));
      await orgService.lockManyLive(ctx, orgs, () => supervisionError('RECTIFY_ORG_OUTSIDE_SCOPE', 'findings'), inTeam, 'findings');
    }
    const [head] = await ctx.tx.query<{ seq: number; last_hash: string }>(`SELECT last_seq::int AS seq, last_hash FROM app_chain_head()`);
    const seq = head.seq + 1;
    const finalizedAt = new Date();
    await ctx.tx.execute(
      `UPDATE inspections SET chain_seq = $3, finalized_by = $4, finalized_at = $5, prev_hash = $6, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [viewer.tenantId, inspection.id, seq, viewer.userId, finalizedAt, head.last_hash],
    );
    const content = await canonicalContent(ctx.tx, viewer.tenantId, inspection.id);
    await ctx.tx.query<{ seq: number }>(`SELECT seq FROM app_finalize_record($1, $2, $3, $4)`, [
      inspection.id,
      seq,
      head.last_hash,
      linkHash(head.last_hash, content),
    ]);

    // A carried finding moves its rectification to another org only while nobody has worked on it (checked
    // again here, under the rectifications' locks: a report may have come in since the draft changed).
    const moving = await ctx.tx.query<{ origin_id: string; rectify_org_id: string }>(
      `SELECT origin_id, rectify_org_id FROM findings
        WHERE tenant_id = $1 AND inspection_id = $2 AND origin_id IS NOT NULL AND rectify_org_id IS NOT NULL AND withdrawn_reason IS NULL`,
      [viewer.tenantId, inspection.id],
    );
    await fixedRectifyingOrgs(
      ctx,
      viewer.tenantId,
      moving.map((f) => ({ originId: f.origin_id, rectifyOrgId: f.rectify_org_id })),
      true,
    );
    // Rectifications belong to the finding's first version (origin), so an amendment keeps them linked.
    await ctx.tx.execute(
      `INSERT INTO rectifications AS r (tenant_id, finding_id, team_id, owner_org_id, due_on)
       SELECT tenant_id, coalesce(origin_id, id), $3, rectify_org_id, rectify_due_on FROM findings
        WHERE tenant_id = $1 AND inspection_id = $2 AND rectify_org_id IS NOT NULL AND withdrawn_reason IS NULL
       ON CONFLICT (tenant_id, finding_id) DO UPDATE SET owner_org_id = EXCLUDED.owner_org_id, due_on = EXCLUDED.due_on
        WHERE (r.owner_org_id, r.due_on) IS DISTINCT FROM (EXCLUDED.owner_org_id, EXCLUDED.due_on)`,
      [viewer.tenantId, inspection.id, inspection.teamId],
    );
    await ctx.tx.execute(
      `UPDATE rectifications r SET state = 'WITHDRAWN' FROM findings f
        WHERE f.tenant_id = $1 AND f.inspection_id = $2 AND f.withdrawn_reason IS NOT NULL
          AND r.tenant_id = f.tenant_id AND r.finding_id = f.origin_id AND r.state <> 'WITHDRAWN'`,
      [viewer.tenantId, inspection.id],
    );
    // A follow-up reopens what it found not fixed; an amendment only what its correction newly says so.
    const earlier = inspection.amendsId
      ? await ctx.tx.query<{ finding_id: string }>(
          `SELECT finding_id FROM follow_up_checks WHERE tenant_id = $1 AND inspection_id = $2 AND fixed = false`,
          [viewer.tenantId, inspection.amendsId],
        )
      : [];
    const notFixed = followUps
      .filter((f) => f.fixed === false && !earlier.some((e) => e.finding_id === f.findingId))
      .map((f) => f.findingId);
    if (notFixed.length) {
      await ctx.tx.execute(
        `UPDATE rectifications r SET state = 'REOPENED', reopen_reason = '回头看: 整改未到位' FROM findings f
          WHERE f.tenant_id = $1 AND f.id = ANY($2::uuid[]) AND r.tenant_id = f.tenant_id AND r.finding_id = coalesce(f.origin_id, f.id) AND r.state = 'VERIFIED'`,
        [viewer.tenantId, notFixed],
      );
    }
    ctx.forget('rectification.byFinding');
    if (inspection.evaluationId && inspection.campaignId) {
      await evaluationService.storeResult(ctx, await campaignService.getOrThrow(ctx, inspection.campaignId), inspection.orgId);
    }
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: inspection.id });
  },

  /**
   * A correction: a new draft that supersedes the finalized record it amends (which stays as it was).
   * It starts as a copy: particulars, score sheet, follow-up checks and every finding, each carried
   * over with a link to its earlier version, so rectifications stay linked and nothing drops out of
   * the annual assessment unless the amendment withdraws it with a reason. The patch then applies as
   * in updateInspection (finding ids may name the amended record's findings). A record is amended
   * once: the chain of amendments is linear, and its last finalized version is the current one.
   */
  async amend(ctx: RequestContext, id: string, input: InspectionPatch & { idempotencyKey: string; reason: string }): Promise<Inspection> {
    const viewer = requireUser(ctx);
    const original = await this.getInspectionOrThrow(ctx, id);
    // a member of the team first: nobody else locks the record or learns of a key
    const team = await teamById(ctx, original.teamId);
    if (!(await isMember(ctx, team, viewer))) throw supervisionError('NOT_TEAM_MEMBER');
    const hash = requestHash({ ...input, amends: original.id });
    // Amendments of one record are serialized on it: a retry finds its record, a second one finds the first.
    await ctx.tx.query<{ one: number }>(`SELECT 1 AS one FROM inspections WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      viewer.tenantId,
      original.id,
    ]);
    const existing = await ctx.tx.repository(Inspection).findOneBy({ tenantId: viewer.tenantId, idempotencyKey: input.idempotencyKey });
    if (existing) return sameRequest(existing, hash, viewer.userId);
    const current = await ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: original.id });
    if (current.state !== InspectionState.FINALIZED) throw supervisionError('NOT_FINALIZED');
    // Superseded by a finalized amendment, or a draft amendment waits: either way, amend the latest version.
    const [later] = await ctx.tx.query<{ state: InspectionState }>(
      `SELECT state FROM inspections WHERE tenant_id = $1 AND amends_id = $2`,
      [viewer.tenantId, original.id],
    );
    if (later) throw supervisionError('ALREADY_AMENDED');
    await this.holdDraftPlace(ctx, team, 'input.inspectionId');
    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO inspections (tenant_id, team_id, org_id, campaign_id, inspected_on, methods, summary, evaluation_id, amends_id, amendment_reason, idempotency_key, request_hash, created_by)
       SELECT tenant_id, team_id, org_id, campaign_id, inspected_on, methods, summary, evaluation_id, id, $3, $4, $5, $6 FROM inspections WHERE tenant_id = $1 AND id = $2
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
      [viewer.tenantId, original.id, input.reason, input.idempotencyKey, hash, viewer.userId],
    );
    if (!row) return sameRequest(await this.winnerOf(ctx, input.idempotencyKey), hash, viewer.userId);
    const carried = await ctx.tx.query<{ id: string; carried_from_id: string }>(
      `INSERT INTO findings (tenant_id, inspection_id, position, severity, description, criterion_id, rectify_org_id, rectify_due_on, carried_from_id, origin_id, withdrawn_reason)
       SELECT tenant_id, $3, position, severity, description, criterion_id, rectify_org_id, rectify_due_on, id, coalesce(origin_id, id), withdrawn_reason
         FROM findings WHERE tenant_id = $1 AND inspection_id = $2
       RETURNING id, carried_from_id`,
      [viewer.tenantId, original.id, row.id],
    );
    // the correction starts with the record's evidence files, as with everything else in it
    await fileService.copyAttachments(ctx, 'Inspection', [original.id], [row.id]);
    await fileService.copyAttachments(
      ctx,
      'Finding',
      carried.map((f) => f.carried_from_id),
      carried.map((f) => f.id),
    );
    await ctx.tx.execute(
      `INSERT INTO follow_up_checks (tenant_id, inspection_id, finding_id, fixed, note)
       SELECT tenant_id, $3, finding_id, fixed, note FROM follow_up_checks WHERE tenant_id = $1 AND inspection_id = $2`,
      [viewer.tenantId, original.id, row.id],
    );
    const draft = await ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
    const { idempotencyKey: _k, reason: _r, ...patch } = input;
    await this.applyPatch(ctx, draft, patch);
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
  },

  async amendments(ctx: RequestContext, inspection: Inspection): Promise<Inspection[]> {
    return ctx.tx
      .repository(Inspection)
      .find({ where: { tenantId: inspection.tenantId, amendsId: inspection.id }, order: { createdAt: 'ASC' } });
  },

  async findings(ctx: RequestContext, inspection: Inspection): Promise<Finding[]> {
    return ctx
      .loader<string, Finding[]>('inspection.findings', async (ids) => {
        const rows = await ctx.tx
          .repository(Finding)
          .createQueryBuilder('f')
          .where('f.tenant_id = :t AND f.inspection_id = ANY(:ids)', { t: inspection.tenantId, ids: [...ids] })
          .orderBy('f.position')
          .getMany();
        return ids.map((id) => rows.filter((r) => r.inspectionId === id));
      })
      .load(inspection.id);
  },

  /**
   * The current version of a finding (by the id of its first version): the one in the latest finalized
   * record of its amendment chain, as far as the viewer may see it; null when none is visible.
   */
  async currentFinding(ctx: RequestContext, originId: string): Promise<Finding | null> {
    const viewer = requireUser(ctx);
    const finding = await ctx
      .loader<string, Finding | null>('finding.current', async (keys) => {
        const rows = await ctx.tx.query<{ key: string; id: string }>(
          `SELECT DISTINCT ON (coalesce(f.origin_id, f.id)) coalesce(f.origin_id, f.id) AS key, f.id
           FROM findings f JOIN inspections i ON i.tenant_id = f.tenant_id AND i.id = f.inspection_id
          WHERE f.tenant_id = $1 AND (f.id = ANY($2::uuid[]) OR f.origin_id = ANY($2::uuid[])) AND i.state = 'FINALIZED'
          ORDER BY coalesce(f.origin_id, f.id), i.chain_seq DESC`,
          [viewer.tenantId, [...keys]],
        );
        const found = rows.length
          ? await ctx.tx
              .repository(Finding)
              .createQueryBuilder('f')
              .where('f.tenant_id = :t AND f.id = ANY(:ids)', { t: viewer.tenantId, ids: rows.map((r) => r.id) })
              .getMany()
          : [];
        return keys.map((k) => found.find((f) => f.id === rows.find((r) => r.key === k)?.id) ?? null);
      })
      .load(originId);
    return finding && (await this.findInspection(ctx, finding.inspectionId)) ? finding : this.findFinding(ctx, originId);
  },

  async findFinding(ctx: RequestContext, id: string): Promise<Finding | null> {
    const viewer = requireUser(ctx);
    const finding = await ctx.tx.repository(Finding).findOneBy({ tenantId: viewer.tenantId, id });
    return finding && (await this.findInspection(ctx, finding.inspectionId)) ? finding : null;
  },

  /** Findings by id as findFinding reads each, in a constant number of statements however many: in the order of `ids`. */
  async findFindings(ctx: RequestContext, ids: readonly string[]): Promise<(Finding | null)[]> {
    const viewer = requireUser(ctx);
    if (!ids.length) return [];
    const rows = await ctx.tx.query<Record<string, unknown>>(
      `SELECT ${columnsOf(ctx.tx, Finding, 'f')} FROM findings f WHERE f.tenant_id = $1 AND f.id = ANY($2::uuid[])`,
      [viewer.tenantId, [...new Set(ids)]],
    );
    const found = rows.map((row) => hydrate(ctx.tx, Finding, 'f', row) as Finding);
    const inspections = await this.findInspections(ctx, [...new Set(found.map((f) => f.inspectionId))]);
    const seen = new Set(inspections.flatMap((i) => (i ? [i.id] : [])));
    const byId = new Map(found.filter((f) => seen.has(f.inspectionId)).map((f) => [f.id, f]));
    return ids.map((id) => byId.get(id) ?? null);
  },

  async followUps(ctx: RequestContext, inspection: Inspection): Promise<FollowUpCheck[]> {
    return ctx.tx.repository(FollowUpCheck).find({ where: { tenantId: inspection.tenantId, inspectionId: inspection.id } });
  },

  /** Recomputes every finalized record's hash in chain order and reports the first broken link. */
  async verifyRecords(ctx: RequestContext): Promise<ChainVerification> {
    const viewer = requireUser(ctx);
    // The chain spans every inspection of the tenant (its answer names the first broken record, wherever it is).
    if (!holdsRoleAtRoot(viewer, [...TEAM_ADMINS, Role.INSPECTOR])) throw supervisionError('NOT_TEAM_ADMIN');
    // one scan per tenant at a time: 20 aliases (or 20 requests) asking at once share it
    return chainVerifications(viewer.tenantId, () => verifyChain(ctx.tx, viewer.tenantId));
  },

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────────
  /**
   * The record a concurrent request with the same idempotency key inserted (this one's insert found it). A discard that
   * committed since leaves nothing to answer with: INSPECTION_NOT_FOUND, never a 500.
   */
  async winnerOf(ctx: RequestContext, idempotencyKey: string): Promise<Inspection> {
    const winner = await ctx.tx.repository(Inspection).findOneBy({ tenantId: requireUser(ctx).tenantId, idempotencyKey });
    if (!winner) throw supervisionError('INSPECTION_NOT_FOUND');
    return winner;
  },

  /**
   * A place for one more draft of the team (INSPECTION_DRAFTS_PER_TEAM): its drafts counted under a lock per team held to the
   * commit, so concurrent records and amendments pass the count one at a time; at the cap, TOO_MANY_DRAFTS.
   */
  async holdDraftPlace(ctx: RequestContext, team: SupervisionTeam, field: string): Promise<void> {
    const { count: drafts } = await countUnderLock(
      ctx.tx,
      `inspection-drafts:${team.tenantId}:${team.id}`,
      `SELECT count(*)::int AS count FROM inspections WHERE tenant_id = $1 AND team_id = $2 AND state = 'DRAFT'`,
      [team.tenantId, team.id],
    );
    const limit = ctx.config.inspectionDraftsPerTeam;
    if (drafts >= limit) throw supervisionError('TOO_MANY_DRAFTS', { field, params: { team: team.name, drafts, limit } });
  },

  /**
   * The campaign as a record is checked against: under the version its score sheet was pinned to when an upgrade
   * left it behind (a finalized record's sheet, which its amendment takes over), else the version the campaign runs.
   */
  async scoredUnder(ctx: RequestContext, inspection: Inspection, campaign: Campaign): Promise<Campaign> {
    const [row] = await ctx.tx.query<{ version_id: string | null }>(
      `SELECT e.version_id FROM inspections i JOIN evaluations e ON e.tenant_id = i.tenant_id AND e.id = i.evaluation_id WHERE i.tenant_id = $1 AND i.id = $2`,
      [inspection.tenantId, inspection.id],
    );
    return row?.version_id && row.version_id !== campaign.versionId ? ({ ...campaign, versionId: row.version_id } as Campaign) : campaign;
  },

  /**
   * The campaign of a record; held FOR SHARE (campaignService.holdOrThrow) when `scoring`: a score sheet is checked,
   * written and accepted under the version the campaign runs when the request commits, never under one a
   * concurrent version upgrade replaced meanwhile (it holds the campaign FOR UPDATE from its plan to its commit).
   */
  async campaignToScore(ctx: RequestContext, campaignId: string, scoring: boolean): Promise<Campaign> {
    return scoring ? campaignService.holdOrThrow(ctx, campaignId) : campaignService.getOrThrow(ctx, campaignId);
  },

  /**
   * The org a new record inspects: inside the team's scope, held live (orgService.lockLive) until the record
   * is written, so an archive or a move at the same moment waits for it or is seen (ORG_ARCHIVED; outside
   * the scope it moved to: OUTSIDE_TEAM_SCOPE).
   */
  async assertInTeamScope(ctx: RequestContext, team: SupervisionTeam, orgId: string): Promise<Org> {
    const org = await orgService.findById(ctx, orgId);
    const scopes = await scopeOrgs(ctx, team);
    const inTeam = (o: Org) => {
      if (!scopes.some((s) => isAncestorOrSelf(s.path, o.path))) throw supervisionError('OUTSIDE_TEAM_SCOPE', 'input.orgId');
    };
    if (!org) throw supervisionError('OUTSIDE_TEAM_SCOPE', 'input.orgId');
    return orgService.lockLive(ctx, org, inTeam);
  },

  /**
   * A draft the viewer's team may change, locked: the row is locked first and its state read after
   * the lock, so a concurrent finalization or discard has either committed (and is seen) or waits.
   */
  async editableOrThrow(ctx: RequestContext, id: string): Promise<Inspection> {
    const viewer = requireUser(ctx);
    const visible = await this.getInspectionOrThrow(ctx, id);
    const team = await teamById(ctx, visible.teamId);
    if (!(await isMember(ctx, team, viewer))) throw supervisionError('NOT_TEAM_MEMBER');
    const [locked] = await ctx.tx.query<{ state: InspectionState }>(
      `SELECT state FROM inspections WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [visible.tenantId, visible.id],
    );
    if (!locked) throw supervisionError('INSPECTION_NOT_FOUND');
    if (locked.state === InspectionState.FINALIZED) throw supervisionError('INSPECTION_FINALIZED');
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: visible.tenantId, id: visible.id });
  },

  /**
   * Applies a partial change to a locked draft (see InspectionPatch): the findings are merged with the
   * stored ones (edited in place, added, removed, withdrawn), the result is checked as a whole, and only
   * then written. Finding ids in the patch may also name the finding an amendment carried over.
   */
  async applyPatch(ctx: RequestContext, inspection: Inspection, patch: InspectionPatch): Promise<void> {
    const t = inspection.tenantId;
    const team = await teamById(ctx, inspection.teamId);
    const running = inspection.campaignId ? await this.campaignToScore(ctx, inspection.campaignId, !!patch.scores?.length) : null;
    const campaign = running && (await this.scoredUnder(ctx, inspection, running));
    const stored = await ctx.tx
      .repository(Finding)
      .find({ where: { tenantId: t, inspectionId: inspection.id }, order: { position: 'ASC' } });

    type Draft = FindingInput & {
      id?: string;
      carriedFromId: string | null;
      originId: string | null;
      withdrawnReason: string | null;
      files?: FileChanges;
      path: string;
    };
    const list: Draft[] = stored.map((f) => ({
      id: f.id,
      severity: f.severity,
      description: f.description,
      criterionId: f.criterionId,
      rectifyOrgId: f.rectifyOrgId,
      rectifyDueOn: f.rectifyDueOn,
      carriedFromId: f.carriedFromId,
      originId: f.originId,
      withdrawnReason: f.withdrawnReason,
      path: 'input.findings',
    }));
    const find = (ref: string, path: string): Draft => {
      const f = list.find((x) => x.id === ref) ?? list.find((x) => x.carriedFromId === ref);
      if (!f) throw supervisionError('FINDING_NOT_IN_INSPECTION', path);
      return f;
    };
    const touched = new Set<Draft>();
    // the stored findings whose criterion the patch names (the others' was checked when it was written)
    const renamed = new Set<Draft>();
    (patch.findings ?? []).forEach((e, i) => {
      const path = `input.findings[${i}]`;
      if (e.id) {
        const f = find(e.id, `${path}.id`);
        if (touched.has(f)) throw supervisionError('FINDING_LISTED_TWICE', `${path}.id`);
        if (f.withdrawnReason) throw supervisionError('FINDING_WITHDRAWN', `${path}.id`);
        touched.add(f);
        if (e.severity !== undefined) f.severity = e.severity;
        if (e.description !== undefined) f.description = e.description;
        if (e.criterionId !== undefined) {
          f.criterionId = e.criterionId;
          renamed.add(f);
        }
        if (e.rectifyOrgId !== undefined) f.rectifyOrgId = e.rectifyOrgId;
        if (e.rectifyDueOn !== undefined) f.rectifyDueOn = e.rectifyDueOn;
        if (e.files) f.files = e.files;
        f.path = path;
      } else {
        if (!e.severity || !e.description) throw supervisionError('NEW_FINDING_INCOMPLETE', path);
        list.push({
          severity: e.severity,
          description: e.description,
          criterionId: e.criterionId ?? null,
          rectifyOrgId: e.rectifyOrgId ?? null,
          rectifyDueOn: e.rectifyDueOn ?? null,
          carriedFromId: null,
          originId: null,
          withdrawnReason: null,
          files: e.files,
          path,
        });
      }
    });
    const removed: string[] = [];
    (patch.removeFindingIds ?? []).forEach((ref, i) => {
      const f = find(ref, `input.removeFindingIds[${i}]`);
      if (f.carriedFromId) throw supervisionError('CARRIED_FINDING', `input.removeFindingIds[${i}]`);
      list.splice(list.indexOf(f), 1);
      // found by id, so stored: only stored findings carry one
      if (f.id) removed.push(f.id);
    });
    (patch.withdrawFindings ?? []).forEach((w, i) => {
      const f = find(w.id, `input.withdrawFindings[${i}].id`);
      if (!f.carriedFromId) throw supervisionError('NOT_CARRIED', `input.withdrawFindings[${i}].id`);
      if (!w.reason.trim()) throw supervisionError('WITHDRAWAL_REASON_REQUIRED', `input.withdrawFindings[${i}].reason`);
      f.withdrawnReason = w.reason.trim();
    });

    // The stored list is bounded as a new record's is (a patch's own bounds hold for the patch only);
    // counted from the rows read under the record's lock, so two patches at once cannot both pass it.
    if (list.length > MAX_FINDINGS)
      throw supervisionError('TOO_MANY_FINDINGS', { field: 'input.findings', params: { max: MAX_FINDINGS, count: list.length } });

    // A carried-over finding whose rectification was issued keeps an order: withdrawing is the way out.
    const issued = list.filter((f) => f.originId && !f.withdrawnReason && !f.rectifyOrgId);
    if (issued.length) {
      const [row] = await ctx.tx.query<{ finding_id: string }>(
        `SELECT finding_id FROM rectifications WHERE tenant_id = $1 AND finding_id = ANY($2::uuid[]) LIMIT 1`,
        [t, issued.map((f) => f.originId)],
      );
      if (row) throw supervisionError('RECTIFICATION_ALREADY_ORDERED', issued.find((x) => x.originId === row.finding_id)?.path);
    }

    await fixedRectifyingOrgs(
      ctx,
      t,
      list.filter((f) => touched.has(f)),
      false,
    );

    const checks = new Map(
      (await this.followUps(ctx, inspection)).map((c) => [c.findingId, { findingId: c.findingId, fixed: c.fixed, note: c.note }]),
    );
    for (const e of patch.followUps ?? []) {
      const prior = checks.get(e.findingId);
      checks.set(e.findingId, {
        findingId: e.findingId,
        fixed: e.fixed !== undefined ? e.fixed : (prior?.fixed ?? null),
        note: e.note !== undefined ? e.note : (prior?.note ?? null),
      });
    }
    (patch.removeFollowUps ?? []).forEach((findingId, i) => {
      if (!checks.delete(findingId)) throw supervisionError('FOLLOW_UP_NOT_IN_INSPECTION', `input.removeFollowUps[${i}]`);
    });
    if ((patch.followUps?.length ?? 0) !== new Set(patch.followUps?.map((f) => f.findingId)).size)
      throw supervisionError('FOLLOW_UP_LISTED_TWICE', 'input.followUps');
    if (checks.size > MAX_FOLLOW_UPS)
      throw supervisionError('TOO_MANY_FOLLOW_UPS', { field: 'input.followUps', params: { max: MAX_FOLLOW_UPS, count: checks.size } });

    const content: InspectionContent = {
      inspectedOn: patch.inspectedOn ?? inspection.inspectedOn,
      methods: patch.methods ?? inspection.methods,
      summary: patch.summary ?? inspection.summary,
      findings: list.filter((f) => !f.withdrawnReason),
      scores: patch.scores,
      followUps: [...checks.values()],
    };
    // Findings left alone were checked when they were written (a carried-over one, when its record was
    // finalized): only new and edited ones are checked again, and an edited one's criterion only when the patch
    // names it (a version upgrade since may have moved the campaign on); when the date moves, every
    // rectification the record orders is still due on or after it.
    await this.checkContent(ctx, team, inspection.orgId, campaign, {
      ...content,
      findings: list
        .filter((f) => !f.withdrawnReason && (!f.id || touched.has(f)))
        .map((f) => (f.id && !renamed.has(f) ? { ...f, criterionId: null } : f)),
    });
    const dueBefore = patch.inspectedOn && list.find((f) => !f.withdrawnReason && f.rectifyDueOn && f.rectifyDueOn < content.inspectedOn);
    if (dueBefore) throw supervisionError('RECTIFICATION_DUE_BEFORE_INSPECTION', `${dueBefore.path}.rectifyDueOn`);

    await ctx.tx.execute(
      `UPDATE inspections SET inspected_on = $3, methods = $4, summary = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [t, inspection.id, content.inspectedOn, content.methods, content.summary],
    );
    if (removed.length)
      await ctx.tx.execute(`DELETE FROM findings WHERE tenant_id = $1 AND inspection_id = $2 AND id = ANY($3::uuid[])`, [
        t,
        inspection.id,
        removed,
      ]);
    const kept = list.map((f, position) => ({ ...f, position })).filter((f) => f.id);
    if (kept.length) {
      await ctx.tx.execute(
        `UPDATE findings f SET position = x.position, severity = x.severity, description = x.description, criterion_id = x.criterion_id,
                rectify_org_id = x.rectify_org_id, rectify_due_on = x.rectify_due_on, withdrawn_reason = x.withdrawn_reason
           FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::uuid[], $8::uuid[], $9::date[], $10::text[])
                AS x(id, position, severity, description, criterion_id, rectify_org_id, rectify_due_on, withdrawn_reason)
          WHERE f.tenant_id = $1 AND f.inspection_id = $2 AND f.id = x.id
            AND (f.position, f.severity, f.description, f.criterion_id, f.rectify_org_id, f.rectify_due_on, f.withdrawn_reason)
                IS DISTINCT FROM (x.position, x.severity, x.description, x.criterion_id, x.rectify_org_id, x.rectify_due_on, x.withdrawn_reason)`,
        [
          t,
          inspection.id,
          kept.map((f) => f.id),
          kept.map((f) => f.position),
          kept.map((f) => f.severity),
          kept.map((f) => f.description),
          kept.map((f) => f.criterionId ?? null),
          kept.map((f) => f.rectifyOrgId ?? null),
          kept.map((f) => f.rectifyDueOn ?? null),
          kept.map((f) => f.withdrawnReason),
        ],
      );
    }
    const added = list.map((f, position) => ({ ...f, position })).filter((f) => !f.id);
    const addedIds = added.length ? await insertFindings(ctx, t, inspection.id, added) : [];
    if (removed.length) await fileService.detachAll(ctx, 'Finding', removed);
    // the findings' files in a few statements however many findings carry some (up to 200)
    await fileService.changeMany(ctx, 'Finding', [
      ...kept.flatMap((f) => (f.files && f.id ? [{ recordId: f.id, changes: f.files, path: f.path }] : [])),
      ...added.flatMap((f, i) => (f.files ? [{ recordId: addedIds[i], changes: f.files, path: f.path }] : [])),
    ]);
    if (patch.files) await fileService.change(ctx, 'Inspection', inspection.id, patch.files);
    await ctx.tx.execute(
      `DELETE FROM follow_up_checks WHERE tenant_id = $1 AND inspection_id = $2 AND NOT (finding_id = ANY($3::uuid[]))`,
      [t, inspection.id, [...checks.keys()]],
    );
    const u = [...checks.values()];
    if (u.length) {
      await ctx.tx.execute(
        `INSERT INTO follow_up_checks AS c (tenant_id, inspection_id, finding_id, fixed, note) SELECT $1, $2, * FROM unnest($3::uuid[], $4::boolean[], $5::text[])
         ON CONFLICT (tenant_id, inspection_id, finding_id) DO UPDATE SET fixed = EXCLUDED.fixed, note = EXCLUDED.note
          WHERE (c.fixed, c.note) IS DISTINCT FROM (EXCLUDED.fixed, EXCLUDED.note)`,
        [t, inspection.id, u.map((x) => x.findingId), u.map((x) => x.fixed ?? null), u.map((x) => x.note ?? null)],
      );
    }
    if (patch.scores?.length && campaign) await this.writeScoreSheet(ctx, inspection, campaign, patch.scores);
    ctx.forget('inspection.findings');
  },

  async checkContent(
    ctx: RequestContext,
    team: SupervisionTeam,
    orgId: string,
    campaign: Campaign | null,
    content: InspectionContent,
  ): Promise<void> {
    if (content.inspectedOn > todayOf(ctx)) throw supervisionError('INSPECTION_DATE_IN_FUTURE', 'input.inspectedOn');
    const scopes = await scopeOrgs(ctx, team);
    // the orgs given a rectification (up to 200 findings) read in one statement and held live in one more, then
    // checked finding by finding among the findings' other checks
    const owners = new Map<string, Org | null>();
    const ordered = [...new Set(content.findings.flatMap((f) => (f.rectifyOrgId && f.rectifyDueOn ? [f.rectifyOrgId] : [])))];
    const found = await Promise.all(ordered.map((id) => orgService.findById(ctx, id)));
    ordered.forEach((id, i) => owners.set(id, found[i]));
    const live = await orgService.holdManyLive(ctx, found);
    for (const [i, f] of content.findings.entries()) {
      const path = f.path ?? `input.findings[${i}]`;
      if (f.rectifyOrgId || f.rectifyDueOn) {
        if (!f.rectifyOrgId || !f.rectifyDueOn) throw supervisionError('INVALID_RECTIFICATION_ORDER', path);
        const owner = owners.get(f.rectifyOrgId) ?? null;
        const inTeam = (o: Org) => {
          if (!scopes.some((s) => isAncestorOrSelf(s.path, o.path)))
            throw supervisionError('RECTIFY_ORG_OUTSIDE_SCOPE', `${path}.rectifyOrgId`);
        };
        if (!owner) throw supervisionError('RECTIFY_ORG_OUTSIDE_SCOPE', `${path}.rectifyOrgId`);
        // a rectification is something new on its org: none is ordered to an archived one (ORG_ARCHIVED)
        live(owner, inTeam, `${path}.rectifyOrgId`);
        if (f.rectifyDueOn < content.inspectedOn) throw supervisionError('RECTIFICATION_DUE_BEFORE_INSPECTION', `${path}.rectifyDueOn`);
      }
      if (f.criterionId) {
        if (!campaign) throw supervisionError('NO_CAMPAIGN', `${path}.criterionId`);
        const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
        if (!criteria.some((c) => c.id === f.criterionId)) throw supervisionError('CRITERION_NOT_IN_FRAMEWORK', `${path}.criterionId`);
      }
    }
    if (content.scores?.length) {
      if (!campaign) throw supervisionError('NO_CAMPAIGN', 'input.scores');
      // a score sheet makes the org's campaign result: only for an org the campaign evaluates, as startEvaluation
      const org = await orgService.findById(ctx, orgId);
      if (org) await evaluationService.assertEligible(ctx, campaign, org, 'input.scores');
      await evaluationService.checkScores(ctx, campaign, content.scores, [], 'input');
    }
    const followUps = content.followUps ?? [];
    if (new Set(followUps.map((f) => f.findingId)).size !== followUps.length)
      throw supervisionError('FOLLOW_UP_LISTED_TWICE', 'input.followUps');
    if (followUps.length) {
      const rows = await ctx.tx.query<{ id: string; org_id: string; state: InspectionState }>(
        `SELECT f.id, i.org_id, i.state FROM findings f JOIN inspections i ON i.tenant_id = f.tenant_id AND i.id = f.inspection_id
          WHERE f.tenant_id = app_tenant_id() AND f.id = ANY($1::uuid[])`,
        [followUps.map((f) => f.findingId)],
      );
      followUps.forEach((f, i) => {
        const row = rows.find((r) => r.id === f.findingId);
        if (!row || row.state !== InspectionState.FINALIZED || row.org_id !== orgId) {
          throw supervisionError('INVALID_FOLLOW_UP', `input.followUps[${i}].findingId`);
        }
      });
    }
  },

  /** A new record's content (its findings are all new). */
  async writeContent(ctx: RequestContext, inspectionId: string, campaign: Campaign | null, content: InspectionContent): Promise<void> {
    const t = requireUser(ctx).tenantId;
    if (content.findings.length) {
      const ids = await insertFindings(
        ctx,
        t,
        inspectionId,
        content.findings.map((f, position) => ({ ...f, position })),
      );
      await fileService.changeMany(
        ctx,
        'Finding',
        content.findings.map((f, i) => ({ recordId: ids[i], changes: { attach: f.fileIds }, path: `input.findings[${i}]` })),
      );
    }
    if (content.fileIds?.length) await fileService.attach(ctx, 'Inspection', inspectionId, content.fileIds, 'input.fileIds');
    const u = content.followUps ?? [];
    if (u.length) {
      await ctx.tx.execute(
        `INSERT INTO follow_up_checks (tenant_id, inspection_id, finding_id, fixed, note) SELECT $1, $2, * FROM unnest($3::uuid[], $4::boolean[], $5::text[])`,
        [t, inspectionId, u.map((x) => x.findingId), u.map((x) => x.fixed ?? null), u.map((x) => x.note ?? null)],
      );
    }
    if (content.scores?.length && campaign) {
      const inspection = await ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: t, id: inspectionId });
      await this.writeScoreSheet(ctx, inspection, campaign, content.scores);
    }
    ctx.forget('inspection.findings');
  },

  /**
   * Sets scores on the draft's own score sheet (the criteria not named keep theirs). A draft without a
   * sheet of its own (none yet, or the amended record's, which is part of that finalized record) gets a
   * new draft sheet, starting from the scores of the one it had.
   */
  async writeScoreSheet(ctx: RequestContext, inspection: Inspection, campaign: Campaign, scores: ScoreInput[]): Promise<void> {
    // the caller holds the campaign (campaignToScore): no version upgrade plans or moves the sheet meanwhile
    const viewer = requireUser(ctx);
    const t = inspection.tenantId;
    const [row] = await ctx.tx.query<{ id: string; state: EvaluationState; version_id: string | null }>(
      `SELECT e.id, e.state, e.version_id FROM inspections i JOIN evaluations e ON e.tenant_id = i.tenant_id AND e.id = i.evaluation_id WHERE i.tenant_id = $1 AND i.id = $2`,
      [t, inspection.id],
    );
    let evaluationId: string | null = row?.state === EvaluationState.DRAFT ? row.id : null;
    if (!evaluationId) {
      // an amendment's new sheet stays on the version the amended record's sheet was pinned to (scoredUnder)
      const [created] = await ctx.tx.query<{ id: string }>(
        `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, state, created_by, version_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [t, campaign.id, inspection.orgId, EvaluationKind.INSPECTION, EvaluationState.DRAFT, viewer.userId, row?.version_id ?? null],
      );
      evaluationId = created.id;
      if (row) {
        await ctx.tx.execute(
          `INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value, note, evidence)
                            SELECT tenant_id, $3, criterion_id, value, note, evidence FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2`,
          [t, row.id, evaluationId],
        );
      }
      await ctx.tx.execute(`UPDATE inspections SET evaluation_id = $3 WHERE tenant_id = $1 AND id = $2`, [t, inspection.id, evaluationId]);
    } else {
      // every change of an evaluation's scores raises its version (an upgrade planned at the old one is stale)
      await ctx.tx.execute(`UPDATE evaluations SET version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
        t,
        evaluationId,
      ]);
    }
    await evaluationService.writeScores(ctx, evaluationId, scores, []);
  },
};

/**
 * Refuses moving a carried finding's rectification to another org once it has left OPEN (reported,
 * reopened, verified): its state, report and evidence are the first org's and would otherwise pass to the
 * new one. Withdrawing the finding and adding a new one is the way (a new rectification for the new org);
 * an OPEN one, untouched, simply moves. `lock` holds the rows FOR UPDATE (at finalization) so no report
 * lands between the check and the move.
 */
async function fixedRectifyingOrgs(
  ctx: RequestContext,
  tenantId: string,
  findings: { originId?: string | null; rectifyOrgId?: string | null; withdrawnReason?: string | null; path?: string }[],
  lock: boolean,
): Promise<void> {
  const carried = findings.filter((f) => f.originId && f.rectifyOrgId && !f.withdrawnReason);
  if (!carried.length) return;
  const rows = await ctx.tx.query<{ finding_id: string; owner_org_id: string; state: RectificationState }>(
    `SELECT finding_id, owner_org_id, state FROM rectifications WHERE tenant_id = $1 AND finding_id = ANY($2::uuid[])${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, carried.map((f) => f.originId)],
  );
  for (const f of carried) {
    const r = rows.find((x) => x.finding_id === f.originId);
    if (r && r.owner_org_id !== f.rectifyOrgId && r.state !== RectificationState.OPEN) {
      throw supervisionError('RECTIFYING_ORG_FIXED', {
        field: f.path ? `${f.path}.rectifyOrgId` : undefined,
        params: { state: rectificationStateLabels[r.state] },
      });
    }
  }
}

async function insertFindings(
  ctx: RequestContext,
  tenantId: string,
  inspectionId: string,
  f: (FindingInput & { position: number })[],
): Promise<string[]> {
  // the new findings' ids, in the order given
  const rows = await ctx.tx.query<{ id: string; position: number }>(
    `INSERT INTO findings (tenant_id, inspection_id, position, severity, description, criterion_id, rectify_org_id, rectify_due_on)
     SELECT $1, $2, x.position, x.severity, x.description, x.criterion_id, x.rectify_org_id, x.rectify_due_on
       FROM unnest($3::int[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::date[]) AS x(position, severity, description, criterion_id, rectify_org_id, rectify_due_on)
     RETURNING id, position`,
    [
      tenantId,
      inspectionId,
      f.map((x) => x.position),
      f.map((x) => x.severity),
      f.map((x) => x.description),
      f.map((x) => x.criterionId ?? null),
      f.map((x) => x.rectifyOrgId ?? null),
      f.map((x) => x.rectifyDueOn ?? null),
    ],
  );
  return f.map((x) => rows.find((r) => r.position === x.position)?.id ?? '');
}

/** A retry answers its first record: the same request by the same user (another's key is reused, whatever it asked). */
function sameRequest(existing: Inspection, hash: string, userId: string): Inspection {
  if (existing.requestHash !== hash || existing.createdBy !== userId)
    throw supervisionError('IDEMPOTENCY_KEY_REUSED', 'input.idempotencyKey');
  return existing;
}
