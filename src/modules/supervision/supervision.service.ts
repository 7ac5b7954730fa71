import { holdsRoleAtRoot, inScope } from '../../auth/scope';
import { UserViewer, isAncestorOrSelf } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { EvaluationState } from '../evaluation/evaluation.entity';
import { ScoreInput, evaluationService } from '../evaluation/evaluation.service';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind } from '../framework/pass-rule';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role } from '../user/user.entity';
import { canonicalContents, genesisHash, linkHash, sha256 } from './record-chain';
import { Finding, FindingSeverity, FollowUpCheck, Inspection, InspectionMethod, InspectionState, SupervisionTeam } from './supervision.entity';
import { SupervisionErrorReason, supervisionError } from './supervision.errors';

export interface FindingInput {
  severity: FindingSeverity;
  description: string;
  criterionId?: string | null;
  /** Orders a rectification: the org that must fix it, by when. */
  rectifyOrgId?: string | null;
  rectifyDueOn?: string | null;
}

export interface InspectionContent {
  inspectedOn: string;
  methods: InspectionMethod[];
  summary: string;
  findings: FindingInput[];
  scores?: ScoreInput[] | null;
  followUps?: { findingId: string; fixed?: boolean | null; note?: string | null }[];
}

export interface RecordInspectionInput extends InspectionContent {
  idempotencyKey: string;
  teamId: string;
  orgId: string;
  campaignId?: string | null;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  brokenAt: { seq: number; inspectionId: string; reason: string } | null;
}

/**
 * 督导组 are the bureau's: forming one, seeing every team and verifying the tenant's record chain need
 * the role at the root. An officer over a subtree sees the teams that inspect inside its scope.
 */
const TEAM_ADMINS = [Role.TENANT_ADMIN, Role.LEADER];

async function members(ctx: RequestContext, team: SupervisionTeam): Promise<string[]> {
  const rows = await ctx.loader<string, string[]>('team.members', async (teamIds) => {
    const all = await ctx.tx.query(`SELECT team_id, user_id FROM supervision_team_members WHERE tenant_id = $1 AND team_id = ANY($2::uuid[])`, [team.tenantId, [...teamIds]]);
    return teamIds.map((id) => all.filter((r: { team_id: string }) => r.team_id === id).map((r: { user_id: string }) => r.user_id));
  }).load(team.id);
  return [team.leaderId, ...rows];
}

async function scopeOrgs(ctx: RequestContext, team: SupervisionTeam): Promise<Org[]> {
  const rows = await ctx.tx.query(`SELECT org_id FROM supervision_team_scopes WHERE tenant_id = $1 AND team_id = $2`, [team.tenantId, team.id]);
  const orgs = await Promise.all(rows.map((r: { org_id: string }) => orgService.findById(ctx, r.org_id)));
  return orgs.filter((o): o is Org => !!o);
}

/** JSON with object keys sorted at every level, so equal requests hash equally. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function requestHash(input: RecordInspectionInput | (RecordInspectionInput & { amends: string; reason: string })): string {
  return sha256(stableStringify(input));
}

export const supervisionService = {
  // ── teams ────────────────────────────────────────────────────────────────────────────────────────
  async createTeam(ctx: RequestContext, input: { name: string; leaderId: string; memberIds: string[]; scopeOrgIds: string[]; campaignId?: string | null }): Promise<SupervisionTeam> {
    const viewer = requireUser(ctx);
    if (!holdsRoleAtRoot(viewer, TEAM_ADMINS)) throw supervisionError(SupervisionErrorReason.NOT_TEAM_ADMIN, '只有根组织的管理员或领导小组可以组建督导组');
    const people = [...new Set([input.leaderId, ...input.memberIds])];
    const inspectors: { user_id: string }[] = await ctx.tx.query(
      `SELECT DISTINCT u.id AS user_id FROM users u JOIN role_assignments ra ON ra.tenant_id = u.tenant_id AND ra.user_id = u.id
        WHERE u.tenant_id = $1 AND u.id = ANY($2::uuid[]) AND ra.role = 'INSPECTOR' AND NOT u.disabled`,
      [viewer.tenantId, people],
    );
    const missing = people.filter((id) => !inspectors.some((r) => r.user_id === id));
    if (missing.length) throw supervisionError(SupervisionErrorReason.NOT_INSPECTOR, `Every leader and member needs the INSPECTOR role (${missing.length} do not)`, 'input.memberIds');
    if (!input.scopeOrgIds.length) throw badInput('input.scopeOrgIds', 'A team needs at least one org subtree to inspect');
    for (const id of input.scopeOrgIds) await orgService.getInScopeOrThrow(ctx, id);
    if (input.campaignId) await campaignService.getOrThrow(ctx, input.campaignId);
    const repo = ctx.tx.repository(SupervisionTeam);
    const team = await repo.save(repo.create({ tenantId: viewer.tenantId, name: input.name, leaderId: input.leaderId, campaignId: input.campaignId ?? null }));
    await ctx.tx.query(`INSERT INTO supervision_team_members (tenant_id, team_id, user_id) SELECT $1, $2, unnest($3::uuid[])`, [viewer.tenantId, team.id, people.filter((p) => p !== input.leaderId)]);
    await ctx.tx.query(`INSERT INTO supervision_team_scopes (tenant_id, team_id, org_id) SELECT $1, $2, unnest($3::uuid[])`, [viewer.tenantId, team.id, [...new Set(input.scopeOrgIds)]]);
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: team.id });
  },

  /** Teams are visible to their people and to officers whose scope covers one of the team's subtrees. */
  async findTeam(ctx: RequestContext, id: string): Promise<SupervisionTeam | null> {
    const viewer = requireUser(ctx);
    const team = await ctx.tx.repository(SupervisionTeam).findOneBy({ tenantId: viewer.tenantId, id });
    if (!team) return null;
    if ((await members(ctx, team)).includes(viewer.userId) || holdsRoleAtRoot(viewer, TEAM_ADMINS)) return team;
    const scopes = await scopeOrgs(ctx, team);
    return scopes.some((o) => inScope(viewer, o.path)) ? team : null;
  },

  async getTeamOrThrow(ctx: RequestContext, id: string): Promise<SupervisionTeam> {
    const team = await this.findTeam(ctx, id);
    if (!team) throw supervisionError(SupervisionErrorReason.TEAM_NOT_FOUND, 'Supervision team not found');
    return team;
  },

  async teams(ctx: RequestContext): Promise<SupervisionTeam[]> {
    const viewer = requireUser(ctx);
    const all = await ctx.tx.repository(SupervisionTeam).find({ where: { tenantId: viewer.tenantId }, order: { createdAt: 'ASC' } });
    const visible = await Promise.all(all.map((t) => this.findTeam(ctx, t.id)));
    return visible.filter((t): t is SupervisionTeam => !!t);
  },

  members,
  scopeOrgs,

  async isMember(ctx: RequestContext, team: SupervisionTeam, viewer: UserViewer): Promise<boolean> {
    return (await members(ctx, team)).includes(viewer.userId);
  },

  // ── inspections ──────────────────────────────────────────────────────────────────────────────────
  /** An inspection visible to its team's people and to anyone whose read scope covers the inspected org. */
  async findInspection(ctx: RequestContext, id: string): Promise<Inspection | null> {
    const viewer = requireUser(ctx);
    const inspection = await ctx.tx.repository(Inspection).findOneBy({ tenantId: viewer.tenantId, id });
    if (!inspection) return null;
    const org = await orgService.findById(ctx, inspection.orgId);
    if (org && inScope(viewer, org.path)) return inspection;
    const team = await ctx.tx.repository(SupervisionTeam).findOneByOrFail({ tenantId: viewer.tenantId, id: inspection.teamId });
    return (await members(ctx, team)).includes(viewer.userId) ? inspection : null;
  },

  async getInspectionOrThrow(ctx: RequestContext, id: string): Promise<Inspection> {
    const inspection = await this.findInspection(ctx, id);
    if (!inspection) throw supervisionError(SupervisionErrorReason.INSPECTION_NOT_FOUND, 'Inspection not found');
    return inspection;
  },

  async inspectionsOf(ctx: RequestContext, filter: { teamId?: string; orgId?: string; state?: InspectionState }): Promise<Inspection[]> {
    const viewer = requireUser(ctx);
    const qb = ctx.tx.repository(Inspection).createQueryBuilder('i').where('i.tenant_id = :t', { t: viewer.tenantId });
    if (filter.teamId) qb.andWhere('i.team_id = :team', { team: filter.teamId });
    if (filter.orgId) qb.andWhere('i.org_id = :org', { org: filter.orgId });
    if (filter.state) qb.andWhere('i.state = :state', { state: filter.state });
    const rows = await qb.orderBy('i.inspected_on', 'DESC').addOrderBy('i.created_at', 'DESC').limit(500).getMany();
    const visible = await Promise.all(rows.map((r) => this.findInspection(ctx, r.id)));
    return visible.filter((i): i is Inspection => !!i);
  },

  /**
   * Records a draft inspection. The idempotency key makes a retry return the first record; the same
   * key with a different request is a CONFLICT, never a second record.
   */
  async record(ctx: RequestContext, input: RecordInspectionInput, amends?: { inspection: Inspection; reason: string }): Promise<Inspection> {
    const viewer = requireUser(ctx);
    const hash = requestHash(amends ? { ...input, amends: amends.inspection.id, reason: amends.reason } : input);
    const existing = await ctx.tx.repository(Inspection).findOneBy({ tenantId: viewer.tenantId, idempotencyKey: input.idempotencyKey });
    if (existing) return sameRequest(existing, hash);

    const team = await this.getTeamOrThrow(ctx, input.teamId);
    if (!(await members(ctx, team)).includes(viewer.userId)) throw supervisionError(SupervisionErrorReason.NOT_TEAM_MEMBER, 'Only the team’s leader and members record its inspections');
    const org = await this.assertInTeamScope(ctx, team, input.orgId);
    const campaignId = input.campaignId ?? team.campaignId;
    const campaign = campaignId ? await campaignService.getOrThrow(ctx, campaignId) : null;
    await this.checkContent(ctx, team, org, campaign, input);

    const [row] = await ctx.tx.query(
      `INSERT INTO inspections (tenant_id, team_id, org_id, campaign_id, inspected_on, methods, summary, amends_id, amendment_reason, idempotency_key, request_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
      [viewer.tenantId, team.id, org.id, campaign?.id ?? null, input.inspectedOn, input.methods, input.summary, amends?.inspection.id ?? null, amends?.reason ?? null,
        input.idempotencyKey, hash, viewer.userId],
    );
    if (!row) {
      // A concurrent request with the same key won the insert: answer as it did.
      const winner = await ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, idempotencyKey: input.idempotencyKey });
      return sameRequest(winner, hash);
    }
    await this.writeContent(ctx, row.id, campaign, org, input);
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
  },

  async update(ctx: RequestContext, id: string, patch: Partial<InspectionContent>): Promise<Inspection> {
    const viewer = requireUser(ctx);
    const inspection = await this.editableOrThrow(ctx, id);
    const team = await ctx.tx.repository(SupervisionTeam).findOneByOrFail({ tenantId: viewer.tenantId, id: inspection.teamId });
    const org = (await orgService.findById(ctx, inspection.orgId))!;
    const campaign = inspection.campaignId ? await campaignService.getOrThrow(ctx, inspection.campaignId) : null;
    const content: InspectionContent = {
      inspectedOn: patch.inspectedOn ?? inspection.inspectedOn,
      methods: patch.methods ?? inspection.methods,
      summary: patch.summary ?? inspection.summary,
      findings: patch.findings ?? (await this.findings(ctx, inspection)).map((f) => ({ severity: f.severity, description: f.description, criterionId: f.criterionId, rectifyOrgId: f.rectifyOrgId, rectifyDueOn: f.rectifyDueOn })),
      scores: patch.scores,
      followUps: patch.followUps ?? (await this.followUps(ctx, inspection)),
    };
    await this.checkContent(ctx, team, org, campaign, content);
    await ctx.tx.query(`UPDATE inspections SET inspected_on = $3, methods = $4, summary = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [viewer.tenantId, inspection.id, content.inspectedOn, content.methods, content.summary]);
    await ctx.tx.query(`DELETE FROM follow_up_checks WHERE tenant_id = $1 AND inspection_id = $2`, [viewer.tenantId, inspection.id]);
    await ctx.tx.query(`DELETE FROM findings WHERE tenant_id = $1 AND inspection_id = $2`, [viewer.tenantId, inspection.id]);
    await this.writeContent(ctx, inspection.id, campaign, org, content);
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: inspection.id });
  },

  async discard(ctx: RequestContext, id: string): Promise<boolean> {
    const inspection = await this.editableOrThrow(ctx, id);
    await ctx.tx.query(`DELETE FROM inspections WHERE tenant_id = $1 AND id = $2`, [inspection.tenantId, inspection.id]);
    if (inspection.evaluationId) await ctx.tx.query(`DELETE FROM evaluations WHERE tenant_id = $1 AND id = $2`, [inspection.tenantId, inspection.evaluationId]);
    return true;
  },

  /**
   * Finalizes: appends the record to the tenant's hash chain (the chain head row is locked, so
   * finalizations are serialized), opens the rectifications its findings order, accepts its score
   * sheet, and reopens verified rectifications that a follow-up found not fixed.
   */
  async finalize(ctx: RequestContext, id: string): Promise<Inspection> {
    const viewer = requireUser(ctx);
    const inspection = await this.editableOrThrow(ctx, id);
    const followUps = await this.followUps(ctx, inspection);
    const unchecked = followUps.filter((f) => f.fixed === null || f.fixed === undefined);
    if (unchecked.length) throw supervisionError(SupervisionErrorReason.FOLLOW_UP_UNCHECKED, `${unchecked.length} earlier finding(s) of this follow-up are not checked yet`);
    if (inspection.evaluationId) {
      const evaluation = (await evaluationService.findById(ctx, inspection.evaluationId))!;
      const score = await evaluationService.score(ctx, evaluation);
      if (!score.complete) throw badInput('scores', 'The score sheet is incomplete: score every criterion or leave the sheet out');
      await ctx.tx.query(`UPDATE evaluations SET state = 'ACCEPTED', total = $3, grade = $4, veto = $5, submitted_by = $6, submitted_at = now(), reviewed_by = $6, reviewed_at = now() WHERE tenant_id = $1 AND id = $2`,
        [viewer.tenantId, evaluation.id, score.total, score.grade, score.veto, viewer.userId]);
    }
    await ctx.tx.query(`INSERT INTO record_chains (tenant_id, last_seq, last_hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING`, [viewer.tenantId, genesisHash(viewer.tenantId)]);
    const [head] = await ctx.tx.query(`SELECT last_seq::int AS seq, last_hash FROM record_chains WHERE tenant_id = $1 FOR UPDATE`, [viewer.tenantId]);
    const seq = head.seq + 1;
    const finalizedAt = new Date();
    await ctx.tx.query(`UPDATE inspections SET chain_seq = $3, finalized_by = $4, finalized_at = $5, prev_hash = $6, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [viewer.tenantId, inspection.id, seq, viewer.userId, finalizedAt, head.last_hash]);
    const content = (await canonicalContents(ctx.tx, viewer.tenantId, [inspection.id])).get(inspection.id)!;
    const hash = linkHash(head.last_hash, content);
    await ctx.tx.query(`UPDATE inspections SET state = 'FINALIZED', record_hash = $3 WHERE tenant_id = $1 AND id = $2`, [viewer.tenantId, inspection.id, hash]);
    await ctx.tx.query(`UPDATE record_chains SET last_seq = $2, last_hash = $3 WHERE tenant_id = $1`, [viewer.tenantId, seq, hash]);

    await ctx.tx.query(
      `INSERT INTO rectifications (tenant_id, finding_id, team_id, owner_org_id, due_on)
       SELECT tenant_id, id, $3, rectify_org_id, rectify_due_on FROM findings WHERE tenant_id = $1 AND inspection_id = $2 AND rectify_org_id IS NOT NULL`,
      [viewer.tenantId, inspection.id, inspection.teamId],
    );
    const notFixed = followUps.filter((f) => f.fixed === false).map((f) => f.findingId);
    if (notFixed.length) {
      await ctx.tx.query(`UPDATE rectifications SET state = 'REOPENED', reopen_reason = '回头看: 整改未到位' WHERE tenant_id = $1 AND finding_id = ANY($2::uuid[]) AND state = 'VERIFIED'`,
        [viewer.tenantId, notFixed]);
    }
    if (inspection.evaluationId && inspection.campaignId) {
      await evaluationService.storeResult(ctx, await campaignService.getOrThrow(ctx, inspection.campaignId), inspection.orgId);
    }
    return ctx.tx.repository(Inspection).findOneByOrFail({ tenantId: viewer.tenantId, id: inspection.id });
  },

  /** A correction: a new draft record pointing to the finalized one it corrects (which stays as it was). */
  async amend(ctx: RequestContext, id: string, input: InspectionContent & { idempotencyKey: string; reason: string }): Promise<Inspection> {
    const original = await this.getInspectionOrThrow(ctx, id);
    if (original.state !== InspectionState.FINALIZED) throw supervisionError(SupervisionErrorReason.NOT_FINALIZED, 'Only a finalized inspection is amended; edit the draft instead');
    return this.record(ctx, { ...input, teamId: original.teamId, orgId: original.orgId, campaignId: original.campaignId }, { inspection: original, reason: input.reason });
  },

  async amendments(ctx: RequestContext, inspection: Inspection): Promise<Inspection[]> {
    return ctx.tx.repository(Inspection).find({ where: { tenantId: inspection.tenantId, amendsId: inspection.id }, order: { createdAt: 'ASC' } });
  },

  async findings(ctx: RequestContext, inspection: Inspection): Promise<Finding[]> {
    return ctx.loader<string, Finding[]>('inspection.findings', async (ids) => {
      const rows = await ctx.tx.repository(Finding).createQueryBuilder('f').where('f.tenant_id = :t AND f.inspection_id = ANY(:ids)', { t: inspection.tenantId, ids: [...ids] }).orderBy('f.position').getMany();
      return ids.map((id) => rows.filter((r) => r.inspectionId === id));
    }).load(inspection.id);
  },

  async findFinding(ctx: RequestContext, id: string): Promise<Finding | null> {
    const viewer = requireUser(ctx);
    const finding = await ctx.tx.repository(Finding).findOneBy({ tenantId: viewer.tenantId, id });
    return finding && (await this.findInspection(ctx, finding.inspectionId)) ? finding : null;
  },

  async followUps(ctx: RequestContext, inspection: Inspection): Promise<FollowUpCheck[]> {
    return ctx.tx.repository(FollowUpCheck).find({ where: { tenantId: inspection.tenantId, inspectionId: inspection.id } });
  },

  /** Recomputes every finalized record's hash in chain order and reports the first broken link. */
  async verifyRecords(ctx: RequestContext): Promise<ChainVerification> {
    const viewer = requireUser(ctx);
    // The chain spans every inspection of the tenant (its answer names the first broken record, wherever it is).
    if (!holdsRoleAtRoot(viewer, [...TEAM_ADMINS, Role.INSPECTOR])) throw supervisionError(SupervisionErrorReason.NOT_TEAM_ADMIN, '只有根组织的管理员、领导小组或督导组成员可以核验记录链');
    const records: { id: string; seq: number; prev_hash: string; record_hash: string }[] = await ctx.tx.query(
      `SELECT id, chain_seq::int AS seq, prev_hash, record_hash FROM inspections WHERE tenant_id = $1 AND state = 'FINALIZED' ORDER BY chain_seq`,
      [viewer.tenantId],
    );
    const [head] = await ctx.tx.query(`SELECT last_seq::int AS seq, last_hash FROM record_chains WHERE tenant_id = $1`, [viewer.tenantId]);
    let prev = genesisHash(viewer.tenantId);
    const BATCH = 500;
    for (let start = 0; start < records.length; start += BATCH) {
      const batch = records.slice(start, start + BATCH);
      const contents = await canonicalContents(ctx.tx, viewer.tenantId, batch.map((r) => r.id));
      for (const [i, r] of batch.entries()) {
        const broken = (reason: string) => ({ ok: false, checked: start + i, brokenAt: { seq: r.seq, inspectionId: r.id, reason } });
        if (r.seq !== start + i + 1) return broken(`sequence gap: expected ${start + i + 1}, found ${r.seq}`);
        if (r.prev_hash !== prev) return broken('the previous-hash link does not match the record before it');
        if (linkHash(prev, contents.get(r.id)!) !== r.record_hash) return broken('the content no longer matches its hash');
        prev = r.record_hash;
      }
    }
    if (records.length && (!head || head.seq !== records.length || head.last_hash !== prev)) {
      const last = records[records.length - 1];
      return { ok: false, checked: records.length, brokenAt: { seq: last.seq, inspectionId: last.id, reason: 'the chain head does not match the last record' } };
    }
    return { ok: true, checked: records.length, brokenAt: null };
  },

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────────
  async assertInTeamScope(ctx: RequestContext, team: SupervisionTeam, orgId: string): Promise<Org> {
    const org = await orgService.findById(ctx, orgId);
    const scopes = await scopeOrgs(ctx, team);
    if (!org || !scopes.some((s) => isAncestorOrSelf(s.path, org.path))) {
      throw supervisionError(SupervisionErrorReason.OUTSIDE_TEAM_SCOPE, 'The org is outside the team’s inspection scope', 'input.orgId');
    }
    return org;
  },

  async editableOrThrow(ctx: RequestContext, id: string): Promise<Inspection> {
    const viewer = requireUser(ctx);
    const inspection = await this.getInspectionOrThrow(ctx, id);
    const team = await ctx.tx.repository(SupervisionTeam).findOneByOrFail({ tenantId: viewer.tenantId, id: inspection.teamId });
    if (!(await members(ctx, team)).includes(viewer.userId)) throw supervisionError(SupervisionErrorReason.NOT_TEAM_MEMBER, 'Only the team’s leader and members change its inspections');
    if (inspection.state === InspectionState.FINALIZED) {
      throw supervisionError(SupervisionErrorReason.INSPECTION_FINALIZED, 'A finalized inspection can never be edited or deleted; record an amendment instead');
    }
    await ctx.tx.query(`SELECT 1 FROM inspections WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [inspection.tenantId, inspection.id]);
    return inspection;
  },

  async checkContent(ctx: RequestContext, team: SupervisionTeam, org: Org, campaign: Campaign | null, content: InspectionContent): Promise<void> {
    if (content.inspectedOn > toDateString(new Date())) throw badInput('input.inspectedOn', 'An inspection date cannot be in the future');
    const scopes = await scopeOrgs(ctx, team);
    for (const [i, f] of content.findings.entries()) {
      if (f.rectifyOrgId || f.rectifyDueOn) {
        if (!f.rectifyOrgId || !f.rectifyDueOn) throw supervisionError(SupervisionErrorReason.INVALID_RECTIFICATION_ORDER, 'A rectification order needs both rectifyOrgId and rectifyDueOn', `input.findings[${i}]`);
        const owner = await orgService.findById(ctx, f.rectifyOrgId);
        if (!owner || !scopes.some((s) => isAncestorOrSelf(s.path, owner.path))) {
          throw supervisionError(SupervisionErrorReason.INVALID_RECTIFICATION_ORDER, 'The rectifying org must lie in the team’s scope', `input.findings[${i}].rectifyOrgId`);
        }
        if (f.rectifyDueOn < content.inspectedOn) throw supervisionError(SupervisionErrorReason.INVALID_RECTIFICATION_ORDER, 'A rectification is due after the inspection', `input.findings[${i}].rectifyDueOn`);
      }
      if (f.criterionId) {
        if (!campaign) throw supervisionError(SupervisionErrorReason.NO_CAMPAIGN, 'Linking a criterion needs a campaign', `input.findings[${i}].criterionId`);
        const criteria = await frameworkService.criteriaOf(ctx, campaign.versionId);
        if (!criteria.some((c) => c.id === f.criterionId)) throw badInput(`input.findings[${i}].criterionId`, 'The criterion is not part of the campaign’s framework');
      }
    }
    if (content.scores?.length) {
      if (!campaign) throw supervisionError(SupervisionErrorReason.NO_CAMPAIGN, 'A score sheet needs a campaign', 'input.scores');
      await evaluationService.checkScores(ctx, campaign, content.scores, [], 'input');
    }
    const followUps = content.followUps ?? [];
    if (new Set(followUps.map((f) => f.findingId)).size !== followUps.length) throw supervisionError(SupervisionErrorReason.INVALID_FOLLOW_UP, 'A finding is listed twice', 'input.followUps');
    if (followUps.length) {
      const rows: { id: string; org_id: string; state: string }[] = await ctx.tx.query(
        `SELECT f.id, i.org_id, i.state FROM findings f JOIN inspections i ON i.tenant_id = f.tenant_id AND i.id = f.inspection_id
          WHERE f.tenant_id = app_tenant_id() AND f.id = ANY($1::uuid[])`,
        [followUps.map((f) => f.findingId)],
      );
      followUps.forEach((f, i) => {
        const row = rows.find((r) => r.id === f.findingId);
        if (!row || row.state !== InspectionState.FINALIZED || row.org_id !== org.id) {
          throw supervisionError(SupervisionErrorReason.INVALID_FOLLOW_UP, 'A follow-up checks findings of this org’s finalized inspections', `input.followUps[${i}].findingId`);
        }
      });
    }
  },

  async writeContent(ctx: RequestContext, inspectionId: string, campaign: Campaign | null, org: Org, content: InspectionContent): Promise<void> {
    const viewer = requireUser(ctx);
    const t = viewer.tenantId;
    const f = content.findings;
    if (f.length) {
      await ctx.tx.query(
        `INSERT INTO findings (tenant_id, inspection_id, position, severity, description, criterion_id, rectify_org_id, rectify_due_on)
         SELECT $1, $2, x.ord - 1, x.severity, x.description, x.criterion_id, x.rectify_org_id, x.rectify_due_on
           FROM unnest($3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::date[]) WITH ORDINALITY AS x(severity, description, criterion_id, rectify_org_id, rectify_due_on, ord)`,
        [t, inspectionId, f.map((x) => x.severity), f.map((x) => x.description), f.map((x) => x.criterionId ?? null), f.map((x) => x.rectifyOrgId ?? null), f.map((x) => x.rectifyDueOn ?? null)],
      );
    }
    const u = content.followUps ?? [];
    if (u.length) {
      await ctx.tx.query(`INSERT INTO follow_up_checks (tenant_id, inspection_id, finding_id, fixed, note) SELECT $1, $2, * FROM unnest($3::uuid[], $4::boolean[], $5::text[])`,
        [t, inspectionId, u.map((x) => x.findingId), u.map((x) => x.fixed ?? null), u.map((x) => x.note ?? null)]);
    }
    if (content.scores !== undefined && content.scores !== null && campaign) {
      const [row] = await ctx.tx.query(`SELECT evaluation_id FROM inspections WHERE tenant_id = $1 AND id = $2`, [t, inspectionId]);
      let evaluationId: string | null = row.evaluation_id;
      if (!evaluationId) {
        const [created] = await ctx.tx.query(
          `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, state, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [t, campaign.id, org.id, EvaluationKind.INSPECTION, EvaluationState.DRAFT, viewer.userId],
        );
        evaluationId = created.id as string;
        await ctx.tx.query(`UPDATE inspections SET evaluation_id = $3 WHERE tenant_id = $1 AND id = $2`, [t, inspectionId, evaluationId]);
      }
      await ctx.tx.query(`DELETE FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2`, [t, evaluationId]);
      await evaluationService.writeScores(ctx, evaluationId, content.scores, []);
    }
    ctx.forget('inspection.findings');
  },
};

function sameRequest(existing: Inspection, hash: string): Inspection {
  if (existing.requestHash !== hash) {
    throw supervisionError(SupervisionErrorReason.IDEMPOTENCY_KEY_REUSED, 'This idempotency key was already used for a different inspection', 'input.idempotencyKey');
  }
  return existing;
}
