import { lockForUpdate } from '../../db/lock-for-update';
import { Role } from '../../auth/roles';
import { inScope, underAnySql } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { tenantToday } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { rootsFor } from '../org/scoped';
import { tenantService } from '../tenant/tenant.service';
import { PeerHelpRequest, PeerHelpState, PeerPairing, PeerPairingState, PeerRelation } from './peer-help.entity';
import { peerHelpError } from './peer-help.errors';
import { countUnderLock, holdLock } from '../../db/advisory-lock';

/** Officers who act for an org: ask for help, answer it, and (over both orgs) pair them. */
export const PEER_OFFICERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
export const MAX_GOALS = 20;
export const MAX_GOAL_LENGTH = 500;
/** The longest pairing and the longest period a tally covers: ten years. */
const MAX_DAYS = 3660;

/** What a request path may know of an org it does not necessarily see (a sibling it asks): never returned whole. */
interface OrgFacts {
  id: string;
  name: string;
  path: string;
  parent_id: string | null;
  depth: number;
  archived: boolean;
}

export interface PeerFigures {
  asked: number;
  askedAnswered: number;
  received: number;
  answered: number;
  answeredOnTime: number;
  overdue: number;
}

export interface PairingFilter {
  under?: Org | null;
  orgId?: string | null;
  state?: PeerPairingState | null;
}

export interface PeerHelpFilter {
  under?: Org | null;
  orgId?: string | null;
  state?: PeerHelpState | null;
  overdue?: boolean | null;
}

/** Orgs by id with their path, whatever the viewer sees (for scope checks between two orgs); batched. */
function orgFacts(ctx: RequestContext) {
  return ctx.loader<string, OrgFacts | null>('peerHelp.orgFacts', async (ids) => {
    const viewer = requireUser(ctx);
    const rows = await ctx.tx.query<OrgFacts>(
      `SELECT id, name, path::text AS path, parent_id, depth, archived_at IS NOT NULL AS archived FROM orgs WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [viewer.tenantId, [...ids]],
    );
    return ids.map((id) => rows.find((r) => r.id === id) ?? null);
  });
}

/** The state of a pairing on `today` (the tenant's calendar). */
export function pairingState(p: PeerPairing, today: string): PeerPairingState {
  if (p.endedOn) return PeerPairingState.ENDED;
  if (p.startsOn > today) return PeerPairingState.PLANNED;
  return p.endsOn < today ? PeerPairingState.EXPIRED : PeerPairingState.ACTIVE;
}

function checkGoals(raw: string[], field: string): string[] {
  const goals = raw.map((g) => g.trim());
  if (goals.length < 1 || goals.length > MAX_GOALS) throw peerHelpError('PEER_PAIRING_GOALS_REQUIRED', field);
  if (goals.some((g) => !g)) throw peerHelpError('PEER_PAIRING_GOAL_BLANK', field);
  return goals;
}

function checkPeriod(startsOn: string, endsOn: string, field: string): void {
  const days = (Date.parse(`${endsOn}T00:00:00Z`) - Date.parse(`${startsOn}T00:00:00Z`)) / 86400_000;
  if (!(days >= 0 && days <= MAX_DAYS)) throw peerHelpError('PEER_PAIRING_PERIOD_INVALID', field);
}

/** The two org conditions of a record between two orgs, as path_key ranges over the joined `a` and `b`. */
function eitherUnder(roots: string[]): { sql: string; params: Record<string, unknown> } {
  const a = underAnySql('a', roots);
  const b = underAnySql('b', roots);
  return { sql: `(${a.sql} OR ${b.sql})`, params: { ...a.params, ...b.params } };
}

export const peerHelpService = {
  orgFacts(ctx: RequestContext, id: string): Promise<OrgFacts | null> {
    return orgFacts(ctx).load(id);
  },

  /** A record between two orgs is read by whoever reads either of them (their superiors included), no one else. */
  async readsEither(ctx: RequestContext, orgIds: string[]): Promise<boolean> {
    const viewer = requireUser(ctx);
    const facts = await orgFacts(ctx).loadMany(orgIds);
    return facts.some((f) => f && !(f instanceof Error) && inScope(viewer, f.path));
  },

  // ── 结对共建 ────────────────────────────────────────────────────────────────────────────────────

  async findPairing(ctx: RequestContext, id: string): Promise<PeerPairing | null> {
    const viewer = requireUser(ctx);
    const p = await ctx.tx.repository(PeerPairing).findOneBy({ tenantId: viewer.tenantId, id });
    return p && (await this.readsEither(ctx, [p.orgId, p.partnerOrgId])) ? p : null;
  },

  async getPairingOrThrow(ctx: RequestContext, id: string): Promise<PeerPairing> {
    const p = await this.findPairing(ctx, id);
    if (!p) throw peerHelpError('PEER_PAIRING_NOT_FOUND');
    return p;
  },

  /** Whether the viewer is an officer over both orgs (their common superior's, or the tenant's). */
  assertMaker(ctx: RequestContext, orgs: { path: string }[]): void {
    const viewer = requireUser(ctx);
    if (!orgs.every((o) => inScope(viewer, o.path, PEER_OFFICERS))) throw peerHelpError('PEER_NOT_PAIRING_MAKER');
  },

  /** assertMaker for a pairing's change, its two orgs then held for the write (orgService.holdForChange), in id order. */
  async holdMaker(ctx: RequestContext, orgs: OrgFacts[]): Promise<void> {
    await this.assertMaker(ctx, orgs);
    for (const org of [...orgs].sort((x, y) => (x.id < y.id ? -1 : 1))) {
      await orgService.holdForChange(
        ctx,
        org.id,
        (now) => this.assertMaker(ctx, [now]),
        () => peerHelpError('PEER_PAIRING_NOT_FOUND'),
      );
    }
  },

  /**
   * Refuses a period of the same two orgs that overlaps a pairing not ended (either order), under a lock
   * on the pair, so that two concurrent pairings of one pair cannot both pass.
   */
  async assertNoOverlap(ctx: RequestContext, a: OrgFacts, b: OrgFacts, startsOn: string, endsOn: string, except?: string): Promise<void> {
    const viewer = requireUser(ctx);
    const [low, high] = [a.id, b.id].sort();
    await holdLock(ctx.tx, `peer-pairing:${viewer.tenantId}:${low}:${high}`);
    const [clash] = await ctx.tx.query<{ starts_on: string; ends_on: string }>(
      `SELECT starts_on::text, ends_on::text FROM peer_pairings
        WHERE tenant_id = $1 AND ((org_id = $2 AND partner_org_id = $3) OR (org_id = $3 AND partner_org_id = $2))
          AND ended_on IS NULL AND ($6::uuid IS NULL OR id <> $6)
          AND daterange(starts_on, ends_on, '[]') && daterange($4::date, $5::date, '[]')
        LIMIT 1`,
      [viewer.tenantId, a.id, b.id, startsOn, endsOn, except ?? null],
    );
    if (clash) {
      throw peerHelpError('PEER_PAIRING_OVERLAPS', {
        params: { org: a.name, partner: b.name, startsOn: clash.starts_on, endsOn: clash.ends_on },
      });
    }
  },

  /** 结对共建: two live orgs of the same level, a period and goals, by an officer over both. */
  async createPairing(
    ctx: RequestContext,
    input: { orgId: string; partnerOrgId: string; startsOn: string; endsOn: string; goals: string[] },
  ): Promise<PeerPairing> {
    const viewer = requireUser(ctx);
    const seen = await orgService.getInScopeOrThrow(ctx, input.orgId);
    const seenPartner = await orgService.getInScopeOrThrow(ctx, input.partnerOrgId);
    await this.assertMaker(ctx, [seen, seenPartner]);
    if (seen.id === seenPartner.id) throw peerHelpError('PEER_PAIRING_SAME_ORG', 'input.partnerOrgId');
    // both held live, in id order, against an archive or a move until the pairing is written; their levels as they now stand
    const hold = (o: Org, field: string) => orgService.lockLive(ctx, o, (now) => this.assertMaker(ctx, [now]), field);
    const orgFirst = seen.id < seenPartner.id;
    const first = orgFirst ? await hold(seen, 'input.orgId') : await hold(seenPartner, 'input.partnerOrgId');
    const second = orgFirst ? await hold(seenPartner, 'input.partnerOrgId') : await hold(seen, 'input.orgId');
    const [org, partner] = orgFirst ? [first, second] : [second, first];
    if (org.depth !== partner.depth) {
      throw peerHelpError('PEER_PAIRING_NOT_SAME_LEVEL', { field: 'input.partnerOrgId', params: { org: org.name, partner: partner.name } });
    }
    checkPeriod(input.startsOn, input.endsOn, 'input.endsOn');
    const goals = checkGoals(input.goals, 'input.goals');
    const [a, b] = await Promise.all([orgFacts(ctx).load(org.id), orgFacts(ctx).load(partner.id)]);
    if (!a || !b) throw peerHelpError('PEER_PAIRING_NOT_FOUND');
    await this.assertNoOverlap(ctx, a, b, input.startsOn, input.endsOn);
    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO peer_pairings (tenant_id, org_id, partner_org_id, starts_on, ends_on, goals, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [viewer.tenantId, org.id, partner.id, input.startsOn, input.endsOn, goals, viewer.userId],
    );
    return ctx.tx.repository(PeerPairing).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
  },

  /** Changes the period or the goals (a field left out keeps its value), by an officer over both orgs. */
  async updatePairing(
    ctx: RequestContext,
    id: string,
    patch: { startsOn?: string | null; endsOn?: string | null; goals?: string[] | null },
  ): Promise<PeerPairing> {
    const viewer = requireUser(ctx);
    const seen = await this.getPairingOrThrow(ctx, id);
    const [a, b] = await Promise.all([orgFacts(ctx).load(seen.orgId), orgFacts(ctx).load(seen.partnerOrgId)]);
    if (!a || !b) throw peerHelpError('PEER_PAIRING_NOT_FOUND');
    await this.holdMaker(ctx, [a, b]);
    // what the patch leaves alone is taken from the row as it stands under the lock
    const p = await lockForUpdate(ctx.tx, PeerPairing, viewer.tenantId, seen.id);
    if (!p) throw peerHelpError('PEER_PAIRING_NOT_FOUND');
    if (p.endedOn) throw peerHelpError('PEER_PAIRING_ENDED');
    const startsOn = patch.startsOn ?? p.startsOn;
    const endsOn = patch.endsOn ?? p.endsOn;
    checkPeriod(startsOn, endsOn, patch.endsOn ? 'input.endsOn' : 'input.startsOn');
    const goals = patch.goals ? checkGoals(patch.goals, 'input.goals') : p.goals;
    await this.assertNoOverlap(ctx, a, b, startsOn, endsOn, p.id);
    const changed = await ctx.tx.execute(
      `UPDATE peer_pairings SET starts_on = $3, ends_on = $4, goals = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND ended_on IS NULL`,
      [viewer.tenantId, p.id, startsOn, endsOn, goals],
    );
    if (!changed) throw peerHelpError('PEER_PAIRING_ENDED');
    return ctx.tx.repository(PeerPairing).findOneByOrFail({ tenantId: viewer.tenantId, id: p.id });
  },

  /** Ends a pairing before its time (today, with a reason); once. */
  async endPairing(ctx: RequestContext, id: string, reason: string): Promise<PeerPairing> {
    const viewer = requireUser(ctx);
    const p = await this.getPairingOrThrow(ctx, id);
    const [a, b] = await Promise.all([orgFacts(ctx).load(p.orgId), orgFacts(ctx).load(p.partnerOrgId)]);
    if (!a || !b) throw peerHelpError('PEER_PAIRING_NOT_FOUND');
    await this.holdMaker(ctx, [a, b]);
    if (!reason.trim()) throw peerHelpError('PEER_PAIRING_END_REASON_BLANK', 'input.reason');
    const today = await tenantToday(ctx);
    const changed = await ctx.tx.execute(
      `UPDATE peer_pairings SET ended_on = $3, end_reason = $4, ended_by = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND ended_on IS NULL`,
      [viewer.tenantId, p.id, today, reason.trim(), viewer.userId],
    );
    if (!changed) throw peerHelpError('PEER_PAIRING_ENDED');
    return ctx.tx.repository(PeerPairing).findOneByOrFail({ tenantId: viewer.tenantId, id: p.id });
  },

  /**
   * Pairings where either org lies in the subtree (within the viewer's scope), newest start first: a
   * superior sees its subtree's, an org its own, a sibling outside them none.
   */
  async listPairings(ctx: RequestContext, filter: PairingFilter, first: number, after?: string): Promise<Page<PeerPairing>> {
    const viewer = requireUser(ctx);
    const roots = rootsFor(viewer, filter.under);
    const today = await tenantToday(ctx);
    const build = () => {
      const either = eitherUnder(roots);
      const qb = ctx.tx
        .repository(PeerPairing)
        .createQueryBuilder('p')
        .innerJoin('orgs', 'a', 'a.tenant_id = p.tenant_id AND a.id = p.org_id')
        .innerJoin('orgs', 'b', 'b.tenant_id = p.tenant_id AND b.id = p.partner_org_id')
        .where('p.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(either.sql, either.params);
      if (filter.orgId) qb.andWhere('(p.org_id = :org OR p.partner_org_id = :org)', { org: filter.orgId });
      const day = { today };
      switch (filter.state) {
        case PeerPairingState.ENDED:
          qb.andWhere('p.ended_on IS NOT NULL');
          break;
        case PeerPairingState.PLANNED:
          qb.andWhere('p.ended_on IS NULL AND p.starts_on > CAST(:today AS date)', day);
          break;
        case PeerPairingState.ACTIVE:
          qb.andWhere('p.ended_on IS NULL AND p.starts_on <= CAST(:today AS date) AND p.ends_on >= CAST(:today AS date)', day);
          break;
        case PeerPairingState.EXPIRED:
          qb.andWhere('p.ended_on IS NULL AND p.ends_on < CAST(:today AS date)', day);
          break;
      }
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'p.starts_on', type: 'date', desc: true },
        { sql: 'p.id', type: 'uuid', desc: true },
      ],
      first,
      after,
    );
  },

  /** The pairing of two orgs in force today, if any. */
  async activePairing(ctx: RequestContext, a: string, b: string): Promise<string | null> {
    const viewer = requireUser(ctx);
    const today = await tenantToday(ctx);
    const [row] = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM peer_pairings
        WHERE tenant_id = $1 AND ((org_id = $2 AND partner_org_id = $3) OR (org_id = $3 AND partner_org_id = $2))
          AND ended_on IS NULL AND starts_on <= $4::date AND ends_on >= $4::date
        ORDER BY starts_on DESC LIMIT 1`,
      [viewer.tenantId, a, b, today],
    );
    return row?.id ?? null;
  },

  /**
   * The orgs an org may ask for help (for its officers): its live siblings and its partners in force
   * today, in tree order, as their ids and names only (a sibling stays out of sight otherwise).
   */
  async targets(
    ctx: RequestContext,
    fromOrgId: string,
    first: number,
    after?: string,
  ): Promise<{ page: Page<Org>; paired: Map<string, string> }> {
    const viewer = requireUser(ctx);
    const from = await orgService.getInScopeOrThrow(ctx, fromOrgId);
    if (!inScope(viewer, from.path, PEER_OFFICERS)) throw peerHelpError('PEER_NOT_REQUESTER');
    const today = await tenantToday(ctx);
    const partners = await ctx.tx.query<{ org: string; pairing: string }>(
      `SELECT DISTINCT ON (org) CASE WHEN org_id = $2 THEN partner_org_id ELSE org_id END AS org, id AS pairing
         FROM peer_pairings
        WHERE tenant_id = $1 AND (org_id = $2 OR partner_org_id = $2) AND ended_on IS NULL AND starts_on <= $3::date AND ends_on >= $3::date
        ORDER BY org, starts_on DESC`,
      [viewer.tenantId, from.id, today],
    );
    const paired = new Map(partners.map((p) => [p.org, p.pairing]));
    const build = () =>
      ctx.tx
        .repository(Org)
        .createQueryBuilder('o')
        .where('o.tenant_id = :t', { t: viewer.tenantId })
        .andWhere('o.id <> :from AND o.archived_at IS NULL', { from: from.id })
        .andWhere(
          '((CAST(:parent AS uuid) IS NOT NULL AND o.parent_id = CAST(:parent AS uuid)) OR o.id = ANY(CAST(:partners AS uuid[])))',
          {
            parent: from.parentId,
            partners: [...paired.keys()],
          },
        );
    const page = await keysetPage(
      build,
      [
        { sql: 'o.path_key', type: 'text' },
        { sql: 'o.id', type: 'uuid' },
      ],
      first,
      after,
    );
    return { page, paired };
  },

  // ── 互助请求 ────────────────────────────────────────────────────────────────────────────────────

  async findRequest(ctx: RequestContext, id: string): Promise<PeerHelpRequest | null> {
    const viewer = requireUser(ctx);
    const r = await ctx.tx.repository(PeerHelpRequest).findOneBy({ tenantId: viewer.tenantId, id });
    return r && (await this.readsEither(ctx, [r.fromOrgId, r.toOrgId])) ? r : null;
  },

  async getRequestOrThrow(ctx: RequestContext, id: string): Promise<PeerHelpRequest> {
    const r = await this.findRequest(ctx, id);
    if (!r) throw peerHelpError('PEER_HELP_REQUEST_NOT_FOUND');
    return r;
  },

  /**
   * Asks a peer for help: the org's officer asks a partner paired today or a live sibling (same parent);
   * any other org, known or not, is refused alike. Due within the tenant's serviceRequestHours (限时办结).
   */
  async raise(
    ctx: RequestContext,
    input: { fromOrgId: string; toOrgId: string; title: string; description: string },
  ): Promise<PeerHelpRequest> {
    const viewer = requireUser(ctx);
    const from = await orgService.getLiveInScopeOrThrow(
      ctx,
      input.fromOrgId,
      (o) => {
        if (!inScope(viewer, o.path, PEER_OFFICERS)) throw peerHelpError('PEER_NOT_REQUESTER');
      },
      'input.fromOrgId',
    );
    // the org asked, held as it now stands (FOR SHARE): archived or moved away meanwhile, it is no peer
    const [to] =
      input.toOrgId === from.id
        ? []
        : await ctx.tx.query<{ id: string; parent_id: string | null; archived: boolean }>(
            `SELECT id, parent_id, archived_at IS NOT NULL AS archived FROM orgs WHERE tenant_id = $1 AND id = $2 FOR SHARE`,
            [viewer.tenantId, input.toOrgId],
          );
    const pairingId = to ? await this.activePairing(ctx, from.id, to.id) : null;
    const sibling = !!to && !!from.parentId && to.parent_id === from.parentId;
    if (!to || to.archived || (!pairingId && !sibling)) throw peerHelpError('PEER_NOT_A_PEER', 'input.toOrgId');
    // an org's open requests are bounded: counted under a lock per asking org, so concurrent requests pass the count one at a time
    const { count: open } = await countUnderLock(
      ctx.tx,
      `peer-help-open:${viewer.tenantId}:${from.id}`,
      `SELECT count(*)::int AS count FROM peer_help_requests WHERE tenant_id = $1 AND from_org_id = $2 AND state = 'OPEN'`,
      [viewer.tenantId, from.id],
    );
    const limit = ctx.config.openPeerHelpRequestsPerOrg;
    if (open >= limit)
      throw peerHelpError('TOO_MANY_OPEN_PEER_HELP_REQUESTS', { field: 'input.fromOrgId', params: { org: from.name, open, limit } });
    const hours = (await tenantService.settings(ctx)).serviceRequestHours;
    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO peer_help_requests (tenant_id, from_org_id, to_org_id, pairing_id, title, description, due_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(hours => $7::int), $8) RETURNING id`,
      [viewer.tenantId, from.id, to.id, pairingId, input.title.trim(), input.description, hours, viewer.userId],
    );
    return ctx.tx.repository(PeerHelpRequest).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
  },

  /** The org asked answers (its officers, or an officer over it); once. */
  async answer(ctx: RequestContext, id: string, answer: string): Promise<PeerHelpRequest> {
    const viewer = requireUser(ctx);
    const r = await this.getRequestOrThrow(ctx, id);
    const to = await orgFacts(ctx).load(r.toOrgId);
    if (!to || !inScope(viewer, to.path, PEER_OFFICERS)) throw peerHelpError('PEER_NOT_RESPONDER');
    // the org asked held to the commit and the responder checked again where it stands: a move that committed while
    // this waited may have taken it out of the viewer's scope (the org is no sibling's to see: its own lock, not
    // orgService.holdForChange's visible lookup)
    const [held] = await ctx.tx.query<{ path: string }>(`SELECT path::text AS path FROM orgs WHERE tenant_id = $1 AND id = $2 FOR SHARE`, [
      viewer.tenantId,
      r.toOrgId,
    ]);
    if (!held || !inScope(viewer, held.path, PEER_OFFICERS)) throw peerHelpError('PEER_NOT_RESPONDER');
    const changed = await ctx.tx.execute(
      `UPDATE peer_help_requests SET state = 'ANSWERED', answer = $3, answered_by = $4, answered_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'OPEN'`,
      [viewer.tenantId, r.id, answer.trim(), viewer.userId],
    );
    if (!changed) throw peerHelpError('PEER_HELP_ALREADY_ANSWERED');
    return ctx.tx.repository(PeerHelpRequest).findOneByOrFail({ tenantId: viewer.tenantId, id: r.id });
  },

  /** Requests asked by or of orgs in the subtree (within the viewer's scope), newest first. */
  async listRequests(
    ctx: RequestContext,
    filter: PeerHelpFilter,
    first: number,
    after?: string,
    pairingId?: string,
  ): Promise<Page<PeerHelpRequest>> {
    const viewer = requireUser(ctx);
    const roots = rootsFor(viewer, filter.under);
    const build = () => {
      const either = eitherUnder(roots);
      const qb = ctx.tx
        .repository(PeerHelpRequest)
        .createQueryBuilder('r')
        .innerJoin('orgs', 'a', 'a.tenant_id = r.tenant_id AND a.id = r.from_org_id')
        .innerJoin('orgs', 'b', 'b.tenant_id = r.tenant_id AND b.id = r.to_org_id')
        .where('r.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(either.sql, either.params);
      if (pairingId) qb.andWhere('r.pairing_id = :pairing', { pairing: pairingId });
      if (filter.orgId) qb.andWhere('(r.from_org_id = :org OR r.to_org_id = :org)', { org: filter.orgId });
      if (filter.state) qb.andWhere('r.state = :state', { state: filter.state });
      if (filter.overdue) qb.andWhere(`r.state = 'OPEN' AND r.due_at < now()`);
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'r.created_at', type: 'timestamptz', desc: true },
        { sql: 'r.id', type: 'uuid', desc: true },
      ],
      first,
      after,
    );
  },

  /**
   * 互助情况 of orgs over a period (the tenant's days, inclusive): what each asked and had answered,
   * what it was asked and answered (on time or not) and what it still owes past the due time. A
   * request counts for both orgs. Every org of the request in one statement.
   */
  async figures(ctx: RequestContext, org: Org, period: { from: string; to: string }): Promise<PeerFigures | null> {
    const viewer = requireUser(ctx);
    if (!inScope(viewer, org.path)) return null;
    checkTally(period);
    return ctx
      .loader<string, PeerFigures>(`peerHelp.figures:${period.from}:${period.to}`, async (orgIds) => {
        const { timezone } = await tenantService.settings(ctx);
        const rows = await ctx.tx.query<PeerFigures & { org_id: string }>(
          `WITH r AS (
             SELECT * FROM peer_help_requests
              WHERE tenant_id = $1 AND (from_org_id = ANY($2::uuid[]) OR to_org_id = ANY($2::uuid[]))
                AND (created_at AT TIME ZONE $5)::date BETWEEN $3::date AND $4::date)
           SELECT o.id AS org_id,
                  count(*) FILTER (WHERE r.from_org_id = o.id)::int AS asked,
                  count(*) FILTER (WHERE r.from_org_id = o.id AND r.state = 'ANSWERED')::int AS "askedAnswered",
                  count(*) FILTER (WHERE r.to_org_id = o.id)::int AS received,
                  count(*) FILTER (WHERE r.to_org_id = o.id AND r.state = 'ANSWERED')::int AS answered,
                  count(*) FILTER (WHERE r.to_org_id = o.id AND r.state = 'ANSWERED' AND r.answered_at <= r.due_at)::int AS "answeredOnTime",
                  count(*) FILTER (WHERE r.to_org_id = o.id AND r.state = 'OPEN' AND r.due_at < now())::int AS overdue
             FROM unnest($2::uuid[]) AS o(id) LEFT JOIN r ON r.from_org_id = o.id OR r.to_org_id = o.id
            GROUP BY o.id`,
          [viewer.tenantId, [...orgIds], period.from, period.to, timezone],
        );
        return orgIds.map(
          (id) =>
            rows.find((r) => r.org_id === id) ?? { asked: 0, askedAnswered: 0, received: 0, answered: 0, answeredOnTime: 0, overdue: 0 },
        );
      })
      .load(org.id);
  },

  relationOf(r: PeerHelpRequest): PeerRelation {
    return r.pairingId ? PeerRelation.PAIRED : PeerRelation.SIBLING;
  },
};

export function checkTally(period: { from: string; to: string }): void {
  const days = (Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${period.from}T00:00:00Z`)) / 86400_000;
  if (!(days >= 0 && days <= MAX_DAYS)) throw peerHelpError('PEER_PERIOD_INVALID', 'to');
}
