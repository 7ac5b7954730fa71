import { lockForUpdate } from '../../db/lock-for-update';
import { Role } from '../../auth/roles';
import { inScope, subtreeOf, underAnySql } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { mapConstraint } from '../../graphql/errors';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeTypedCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { fileService } from '../file/file.service';
import { tenantToday } from '../link-code/public';
import { inTenantYearSql, todayOf, yearOf } from '../../graphql/today';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { findInScope, rootsFor, scopedQuery } from '../org/scoped';
import { userService } from '../user/user.service';
import { ServiceKind, ServiceRecord, ServiceTeam, ServiceTeamMember, ServiceTeamRole } from './service-team.entity';
import { serviceTeamError } from './service-team.errors';
import { countUnderLock } from '../../db/advisory-lock';

/** The org's secretary or an officer over it runs its teams. */
export const TEAM_MANAGERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
export const MAX_MEMBERS = 200;
export const MAX_PARTICIPANTS = 50;
/** Evidence files one request may attach to a record (a record holds at most the file module's 50). */
export const MAX_FILES = 20;
/** The longest period a total covers: ten years. */
const MAX_PERIOD_DAYS = 3660;
/** The record type evidence files are attached to (the GraphQL type). */
export const RECORD_TYPE = 'ServiceRecord';

mapConstraint('service_team_members_live_user', () =>
  serviceTeamError('SERVICE_MEMBER_ALREADY', { field: 'input.userId', params: { name: '' } }),
);
mapConstraint('service_team_members_live_name', () =>
  serviceTeamError('SERVICE_MEMBER_ALREADY', { field: 'input.name', params: { name: '' } }),
);

/** Totals of service over a period: of a team, a member (the records it took part in) or an org's subtree. */
export interface ServiceFigures {
  records: number;
  hours: number;
  personHours: number;
  days: number;
}

/** Rows of teams and of members a report lists at most, each. */
export const REPORT_ROWS = 1000;

export interface ServiceReport {
  total: ServiceFigures;
  teams: (ServiceFigures & { teamId: string; teamName: string })[];
  members: (ServiceFigures & { memberId: string; memberName: string; teamId: string; teamName: string })[];
  teamsTruncated: boolean;
  membersTruncated: boolean;
}

export type TotalsKey = { level: 'TEAM' | 'MEMBER'; id: string } | { level: 'ORG'; id: string; path: string };

export interface Period {
  from: string;
  to: string;
}

export interface RecordInput {
  teamId: string;
  servedOn: string;
  place: string;
  beneficiary: string;
  kind: ServiceKind;
  kindText?: string | null;
  hours: number;
  description?: string | null;
  participantIds: string[];
  fileIds?: string[] | null;
}

/** A correction: a field left out (or null) keeps its value. */
export interface RecordPatch {
  servedOn?: string;
  place?: string | null;
  beneficiary?: string | null;
  kind?: ServiceKind;
  kindText?: string | null;
  hours?: number;
  description?: string | null;
  participantIds?: string[] | null;
  addFileIds?: string[] | null;
  removeFileIds?: string[] | null;
}

interface MemberRow {
  tenant_id: string;
  id: string;
  team_id: string;
  org_id: string;
  user_id: string | null;
  name: string;
  role: ServiceTeamRole;
  joined_on: string;
  left_on: string | null;
  created_at: Date;
}

function toMember(r: MemberRow): ServiceTeamMember {
  return Object.assign(new ServiceTeamMember(), {
    tenantId: r.tenant_id,
    id: r.id,
    teamId: r.team_id,
    orgId: r.org_id,
    userId: r.user_id,
    name: r.name,
    role: r.role,
    joinedOn: r.joined_on,
    leftOn: r.left_on,
    createdAt: r.created_at,
  });
}

const EMPTY: ServiceFigures = { records: 0, hours: 0, personHours: 0, days: 0 };

function text(value: string | null | undefined, what: string, field: string): string {
  const t = (value ?? '').trim();
  if (!t) throw serviceTeamError('SERVICE_TEXT_BLANK', { field, params: { what } });
  return t;
}

function checkHours(hours: number): void {
  if (!(hours > 0 && hours <= 24) || Math.round(hours * 10) !== hours * 10) throw serviceTeamError('SERVICE_HOURS_INVALID', 'input.hours');
}

function checkKind(kind: ServiceKind, kindText: string | null | undefined): string | null {
  const named = kindText?.trim() || null;
  if ((kind === ServiceKind.OTHER) !== (named !== null)) throw serviceTeamError('SERVICE_KIND_TEXT_REQUIRED', 'input.kindText');
  return named;
}

async function checkDate(ctx: RequestContext, date: string, field: string): Promise<void> {
  const today = await tenantToday(ctx);
  if (date < '2000-01-01' || date > today) throw serviceTeamError('SERVICE_DATE_INVALID', { field, params: { today } });
}

export function checkPeriod(period: Period): void {
  const days = (Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${period.from}T00:00:00Z`)) / 86400_000;
  if (!(days >= 0 && days <= MAX_PERIOD_DAYS)) throw serviceTeamError('SERVICE_PERIOD_INVALID', 'to');
}

/**
 * The members a team has ever taken (those who left included: they stay with their records) are bounded
 * (SERVICE_TEAM_MEMBERS_PER_TEAM): counted under a lock per team, so joining and leaving over and over cannot grow rows
 * without end; refused before anything is written.
 */
async function assertMemberRoom(ctx: RequestContext, team: ServiceTeam): Promise<void> {
  const { count } = await countUnderLock(
    ctx.tx,
    `service-team-members:${team.tenantId}:${team.id}`,
    `SELECT count(*)::int AS count FROM service_team_members WHERE tenant_id = $1 AND team_id = $2`,
    [team.tenantId, team.id],
  );
  const limit = ctx.config.serviceTeamMembersPerTeam;
  if (count >= limit)
    throw serviceTeamError('TOO_MANY_SERVICE_TEAM_MEMBERS', { field: 'input.teamId', params: { team: team.name, count, limit } });
}

export const serviceTeamService = {
  // ── teams ───────────────────────────────────────────────────────────────────────────────────────

  /** Visible to whoever reads the team's org. */
  async findTeam(ctx: RequestContext, id: string): Promise<ServiceTeam | null> {
    return findInScope(ctx, ServiceTeam, id, (t) => t.orgId);
  },

  async getTeamOrThrow(ctx: RequestContext, id: string): Promise<ServiceTeam> {
    const team = await this.findTeam(ctx, id);
    if (!team) throw serviceTeamError('SERVICE_TEAM_NOT_FOUND');
    return team;
  },

  /**
   * The team, for a change by its managers (the officers over its org); a disbanded team changes no more. What
   * adds something new to it (a member) takes its org live (`takesNew`): an archived org's team takes nothing new.
   */
  async managedTeam(ctx: RequestContext, id: string, live = true, takesNew = false): Promise<{ team: ServiceTeam; org: Org }> {
    const team = await this.getTeamOrThrow(ctx, id);
    const authorize = (o: Org) => {
      if (!inScope(requireUser(ctx), o.path, TEAM_MANAGERS)) throw serviceTeamError('NOT_SERVICE_TEAM_MANAGER');
    };
    const org = takesNew
      ? await orgService.lockLive(ctx, await orgService.getOrThrow(ctx, team.orgId), authorize, 'input.teamId')
      : await orgService.holdForChange(ctx, team.orgId, authorize, () => serviceTeamError('SERVICE_TEAM_NOT_FOUND'));
    if (live && team.disbandedOn) throw serviceTeamError('SERVICE_TEAM_DISBANDED', { params: { team: team.name } });
    return { team, org };
  },

  async createTeam(
    ctx: RequestContext,
    input: { orgId: string; name: string; description?: string | null; serviceKinds: ServiceKind[]; foundedOn?: string | null },
  ): Promise<ServiceTeam> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, TEAM_MANAGERS)) throw serviceTeamError('NOT_SERVICE_TEAM_MANAGER');
    });
    const name = text(input.name, '队伍名称', 'input.name');
    if (input.foundedOn && input.foundedOn > (await tenantToday(ctx)))
      throw serviceTeamError('SERVICE_TEAM_FOUNDED_IN_FUTURE', 'input.foundedOn');
    // an org's teams are bounded (disbanded ones too: they stay with their records): counted under a lock per org, so
    // concurrent creates pass the count one at a time
    const { count } = await countUnderLock(
      ctx.tx,
      `service-teams:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM service_teams WHERE tenant_id = $1 AND org_id = $2`,
      [viewer.tenantId, org.id],
    );
    const limit = ctx.config.serviceTeamsPerOrg;
    if (count >= limit) throw serviceTeamError('TOO_MANY_SERVICE_TEAMS', { field: 'input.orgId', params: { org: org.name, count, limit } });
    return this.uniqueName(org, name, async () => {
      const [row] = await ctx.tx.query<{ id: string }>(
        `INSERT INTO service_teams (tenant_id, org_id, name, description, service_kinds, founded_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          viewer.tenantId,
          org.id,
          name,
          input.description?.trim() ?? '',
          [...new Set(input.serviceKinds)],
          input.foundedOn ?? null,
          viewer.userId,
        ],
      );
      return ctx.tx.repository(ServiceTeam).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
    });
  },

  /** A partial update: a field left out keeps its value. */
  async updateTeam(
    ctx: RequestContext,
    id: string,
    patch: { name?: string | null; description?: string | null; serviceKinds?: ServiceKind[] | null },
  ): Promise<ServiceTeam> {
    const viewer = requireUser(ctx);
    const { team: seen, org } = await this.managedTeam(ctx, id);
    // what the patch leaves alone is taken from the row as it stands under the lock
    const team = (await lockForUpdate(ctx.tx, ServiceTeam, viewer.tenantId, seen.id)) ?? seen;
    if (team.disbandedOn) throw serviceTeamError('SERVICE_TEAM_DISBANDED', { params: { team: team.name } });
    const name = patch.name != null ? text(patch.name, '队伍名称', 'input.name') : team.name;
    return this.uniqueName(org, name, async () => {
      await ctx.tx.execute(
        `UPDATE service_teams SET name = $3, description = $4, service_kinds = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
        [
          viewer.tenantId,
          team.id,
          name,
          patch.description != null ? patch.description.trim() : team.description,
          patch.serviceKinds ? [...new Set(patch.serviceKinds)] : team.serviceKinds,
        ],
      );
      return ctx.tx.repository(ServiceTeam).findOneByOrFail({ tenantId: viewer.tenantId, id: team.id });
    });
  },

  /** 解散: the team takes no more members or records of later days; its records stay. */
  async disbandTeam(ctx: RequestContext, id: string): Promise<ServiceTeam> {
    const viewer = requireUser(ctx);
    const { team } = await this.managedTeam(ctx, id);
    const changed = await ctx.tx.execute(
      `UPDATE service_teams SET disbanded_on = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND disbanded_on IS NULL`,
      [viewer.tenantId, team.id, await tenantToday(ctx)],
    );
    if (!changed) throw serviceTeamError('SERVICE_TEAM_DISBANDED', { params: { team: team.name } });
    return ctx.tx.repository(ServiceTeam).findOneByOrFail({ tenantId: viewer.tenantId, id: team.id });
  },

  /** The live-name index decides a race: CONFLICT, naming the org and the name. */
  async uniqueName<T>(org: Org, name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
      const pg = e.driverError ?? e;
      if (pg.code === '23505' && pg.constraint === 'service_teams_live_name') {
        throw serviceTeamError('SERVICE_TEAM_NAME_TAKEN', { field: 'input.name', params: { org: org.name, name } });
      }
      throw error;
    }
  },

  /** Teams of orgs in the subtree (within the viewer's scope), in tree order, by name. */
  async listTeams(
    ctx: RequestContext,
    filter: { under?: Org | null; orgId?: string | null; includeDisbanded?: boolean | null },
    first: number,
    after?: string,
  ): Promise<Page<ServiceTeam>> {
    const roots = rootsFor(requireUser(ctx), filter.under);
    const build = () => {
      const qb = scopedQuery(ctx, ServiceTeam, 't', 'org_id', roots);
      if (filter.orgId) qb.andWhere('t.org_id = :org', { org: filter.orgId });
      if (!filter.includeDisbanded) qb.andWhere('t.disbanded_on IS NULL');
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'o.path_key', type: 'text' },
        { sql: 't.name', type: 'text' },
        { sql: 't.id', type: 'uuid' },
      ],
      first,
      after,
    );
  },

  /** Teams by id within the viewer's scope, batched (a report's rows). */
  async teamById(ctx: RequestContext, id: string): Promise<ServiceTeam | null> {
    return ctx
      .loader<string, ServiceTeam | null>('serviceTeam.teamById', async (ids) => {
        const rows = await scopedQuery(ctx, ServiceTeam, 't', 'org_id', rootsFor(requireUser(ctx), null))
          .andWhere('t.id = ANY(:ids)', { ids: [...ids] })
          .getMany();
        return ids.map((i) => rows.find((t) => t.id === i) ?? null);
      })
      .load(id);
  },

  /** Members by id within the viewer's scope, batched (a report's rows). */
  async memberById(ctx: RequestContext, id: string): Promise<ServiceTeamMember | null> {
    return ctx
      .loader<string, ServiceTeamMember | null>('serviceTeam.memberById', async (ids) => {
        const rows = await scopedQuery(ctx, ServiceTeamMember, 'm', 'org_id', rootsFor(requireUser(ctx), null))
          .andWhere('m.id = ANY(:ids)', { ids: [...ids] })
          .getMany();
        return ids.map((i) => rows.find((m) => m.id === i) ?? null);
      })
      .load(id);
  },

  // ── members ─────────────────────────────────────────────────────────────────────────────────────

  async findMember(ctx: RequestContext, id: string): Promise<ServiceTeamMember | null> {
    return findInScope(ctx, ServiceTeamMember, id, (m) => m.orgId);
  },

  async getMemberOrThrow(ctx: RequestContext, id: string): Promise<ServiceTeamMember> {
    const member = await this.findMember(ctx, id);
    if (!member) throw serviceTeamError('SERVICE_TEAM_MEMBER_NOT_FOUND');
    return member;
  },

  /**
   * Adds a member: a user of the team org's subtree (its name taken from the account unless given) or a
   * person without an account, by name; at most MAX_MEMBERS in the team at once.
   */
  async addMember(
    ctx: RequestContext,
    input: { teamId: string; userId?: string | null; name?: string | null; role: ServiceTeamRole; joinedOn?: string | null },
  ): Promise<ServiceTeamMember> {
    const viewer = requireUser(ctx);
    const { team, org } = await this.managedTeam(ctx, input.teamId, true, true);
    let name = input.name?.trim() || null;
    if (input.userId) {
      const [user] = await ctx.tx.query<{ id: string }>(
        `SELECT u.id FROM users u JOIN orgs o ON o.tenant_id = u.tenant_id AND o.id = u.org_id
          WHERE u.tenant_id = $1 AND u.id = $2 AND NOT u.disabled AND ${subtreeOf('o', 3)}`,
        [viewer.tenantId, input.userId, org.path],
      );
      if (!user) throw serviceTeamError('SERVICE_MEMBER_USER_OUTSIDE', 'input.userId');
      name ??= await userService.displayName(ctx, user.id);
    }
    if (!name) throw serviceTeamError('SERVICE_MEMBER_NAME_REQUIRED', 'input.name');
    const joinedOn = input.joinedOn ?? (await tenantToday(ctx));
    await checkDate(ctx, joinedOn, 'input.joinedOn');
    // the team row locked: the count and the insert of concurrent additions happen one after the other, and
    // a disband that committed meanwhile is seen
    const [locked] = await ctx.tx.query<{ disbanded_on: string | null }>(
      `SELECT disbanded_on::text FROM service_teams WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [viewer.tenantId, team.id],
    );
    if (locked?.disbanded_on) throw serviceTeamError('SERVICE_TEAM_DISBANDED', { params: { team: team.name } });
    const [{ n }] = await ctx.tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM service_team_members WHERE tenant_id = $1 AND team_id = $2 AND left_on IS NULL`,
      [viewer.tenantId, team.id],
    );
    if (n >= MAX_MEMBERS) throw serviceTeamError('SERVICE_TEAM_FULL', { params: { limit: MAX_MEMBERS } });
    const [dup] = await ctx.tx.query<{ one: number }>(
      `SELECT 1 AS one FROM service_team_members
        WHERE tenant_id = $1 AND team_id = $2 AND left_on IS NULL AND (user_id = $3 OR ($3::uuid IS NULL AND user_id IS NULL AND name = $4))`,
      [viewer.tenantId, team.id, input.userId ?? null, name],
    );
    if (dup) throw serviceTeamError('SERVICE_MEMBER_ALREADY', { field: input.userId ? 'input.userId' : 'input.name', params: { name } });
    await assertMemberRoom(ctx, team);
    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO service_team_members (tenant_id, team_id, org_id, user_id, name, role, joined_on) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [viewer.tenantId, team.id, team.orgId, input.userId ?? null, name, input.role, joinedOn],
    );
    return ctx.tx.repository(ServiceTeamMember).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
  },

  /** 离队: the member stays in the records it took part in. */
  async removeMember(ctx: RequestContext, id: string, leftOn?: string | null): Promise<ServiceTeamMember> {
    const viewer = requireUser(ctx);
    const member = await this.getMemberOrThrow(ctx, id);
    await this.managedTeam(ctx, member.teamId, false);
    const on = leftOn ?? (await tenantToday(ctx));
    await checkDate(ctx, on, 'input.leftOn');
    if (on < member.joinedOn)
      throw serviceTeamError('SERVICE_LEFT_BEFORE_JOINED', { field: 'input.leftOn', params: { joinedOn: member.joinedOn } });
    // the member locked (a record naming it holds it FOR SHARE), then its latest service: it stays a member of that day,
    // else the record could never be corrected again (SERVICE_PARTICIPANT_NOT_MEMBER)
    await ctx.tx.query<{ one: number }>(`SELECT 1 AS one FROM service_team_members WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      viewer.tenantId,
      member.id,
    ]);
    const [{ last }] = await ctx.tx.query<{ last: string | null }>(
      `SELECT max(r.served_on)::text AS last FROM service_record_members rm
         JOIN service_records r ON r.tenant_id = rm.tenant_id AND r.id = rm.record_id
        WHERE rm.tenant_id = $1 AND rm.member_id = $2`,
      [viewer.tenantId, member.id],
    );
    if (last && on < last) throw serviceTeamError('SERVICE_LEFT_BEFORE_SERVED', { field: 'input.leftOn', params: { servedOn: last } });
    const changed = await ctx.tx.execute(
      `UPDATE service_team_members SET left_on = $3 WHERE tenant_id = $1 AND id = $2 AND left_on IS NULL`,
      [viewer.tenantId, member.id, on],
    );
    if (!changed) throw serviceTeamError('SERVICE_MEMBER_LEFT', { params: { name: member.name } });
    return ctx.tx.repository(ServiceTeamMember).findOneByOrFail({ tenantId: viewer.tenantId, id: member.id });
  },

  /**
   * A team's members, captains first, then by the day they joined. Every team asked for in a request with
   * the same page arguments is served by one windowed statement (as Org.children), so a page of teams
   * with their members is two statements, and the members' totals below them one more.
   */
  async members(
    ctx: RequestContext,
    team: ServiceTeam,
    includeLeft: boolean,
    first: number,
    after?: string,
  ): Promise<Page<ServiceTeamMember>> {
    const cursor = decodeTypedCursor(after, ['text', 'date', 'uuid']);
    const key = JSON.stringify([first, cursor ?? null, includeLeft]);
    const loader = ctx.loader<string, { rows: ServiceTeamMember[]; total: number }>(`serviceTeam.members:${key}`, async (teamIds) => {
      // totals count every member (before the cursor); the page is the next rows after it
      const rows = await ctx.tx.query<MemberRow & { for_team: string; total: number }>(
        `WITH m AS (SELECT *, count(*) OVER (PARTITION BY team_id)::int AS total FROM service_team_members
                     WHERE tenant_id = $1 AND team_id = ANY($2::uuid[]) AND ($3::boolean OR left_on IS NULL)),
              t AS (SELECT team_id, max(total) AS total FROM m GROUP BY team_id),
              p AS (SELECT m.*, row_number() OVER (PARTITION BY team_id ORDER BY role, joined_on, id) AS rn FROM m
                     WHERE $4::text IS NULL OR (role, joined_on, id) > ($4::text, $5::date, $6::uuid))
         SELECT t.team_id AS for_team, t.total, p.tenant_id, p.id, p.team_id, p.org_id, p.user_id, p.name, p.role,
                p.joined_on::text AS joined_on, p.left_on::text AS left_on, p.created_at
           FROM t LEFT JOIN p ON p.team_id = t.team_id AND p.rn <= $7
          ORDER BY t.team_id, p.rn`,
        [team.tenantId, [...teamIds], includeLeft, cursor?.[0] ?? null, cursor?.[1] ?? null, cursor?.[2] ?? null, first + 1],
      );
      return teamIds.map((id) => {
        const mine = rows.filter((r) => r.for_team === id);
        return { rows: mine.filter((r) => r.id).map(toMember), total: mine[0]?.total ?? 0 };
      });
    });
    const { rows, total } = await loader.load(team.id);
    return pageFrom(
      rows,
      first,
      after,
      (m) => encodeCursor([m.role, m.joinedOn, m.id]),
      async () => total,
    );
  },

  // ── records ─────────────────────────────────────────────────────────────────────────────────────

  async findRecord(ctx: RequestContext, id: string): Promise<ServiceRecord | null> {
    return findInScope(ctx, ServiceRecord, id, (r) => r.orgId);
  },

  async getRecordOrThrow(ctx: RequestContext, id: string): Promise<ServiceRecord> {
    const record = await this.findRecord(ctx, id);
    if (!record) throw serviceTeamError('SERVICE_RECORD_NOT_FOUND');
    return record;
  },

  /** Of these record ids, those the viewer reads (the file module's question about evidence). One statement. */
  async visibleRecords(ctx: RequestContext, ids: readonly string[]): Promise<ReadonlySet<string>> {
    const rows = await scopedQuery(ctx, ServiceRecord, 'r', 'org_id', rootsFor(requireUser(ctx), null))
      .andWhere('r.id = ANY(:ids)', { ids: [...ids] })
      .select('r.id', 'id')
      .getRawMany<{ id: string }>();
    return new Set(rows.map((r) => r.id));
  },

  /**
   * Refuses a viewer who may not record for the team (an officer over its org, or a member of it with an
   * account may), and holds the team's org for the write (orgService.holdForChange); a new record (`takesNew`)
   * takes the org live, so an archived org's team records nothing more (ORG_ARCHIVED).
   */
  async assertMayRecord(ctx: RequestContext, team: ServiceTeam, takesNew = false): Promise<void> {
    const viewer = requireUser(ctx);
    let member: boolean | undefined;
    const authorize = async (org: Org) => {
      if (inScope(viewer, org.path, TEAM_MANAGERS)) return;
      member ??=
        (
          await ctx.tx.query<{ one: number }>(
            `SELECT 1 AS one FROM service_team_members WHERE tenant_id = $1 AND team_id = $2 AND user_id = $3 AND left_on IS NULL`,
            [viewer.tenantId, team.id, viewer.userId],
          )
        ).length > 0;
      if (!member) throw serviceTeamError('NOT_SERVICE_RECORDER');
    };
    if (takesNew) await orgService.lockLive(ctx, await orgService.getOrThrow(ctx, team.orgId), authorize, 'input.teamId');
    else await orgService.holdForChange(ctx, team.orgId, authorize, () => serviceTeamError('SERVICE_TEAM_NOT_FOUND'));
  },

  /** The participants must be members of the team on the day of service: 1 to MAX_PARTICIPANTS of them. */
  async checkParticipants(ctx: RequestContext, team: ServiceTeam, ids: string[], servedOn: string): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length < 1 || unique.length > MAX_PARTICIPANTS) {
      throw serviceTeamError('SERVICE_PARTICIPANTS_REQUIRED', { field: 'input.participantIds', params: { limit: MAX_PARTICIPANTS } });
    }
    // held FOR SHARE: a member's leaving waits for the record, then sees it
    const held = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM service_team_members
        WHERE tenant_id = $1 AND team_id = $2 AND id = ANY($3::uuid[]) AND joined_on <= $4::date AND (left_on IS NULL OR left_on >= $4::date)
        ORDER BY id FOR SHARE`,
      [team.tenantId, team.id, unique, servedOn],
    );
    if (held.length !== unique.length) throw serviceTeamError('SERVICE_PARTICIPANT_NOT_MEMBER', 'input.participantIds');
    return unique;
  },

  /** 服务记录: when, where, whom, what kind, how long, who served, optional evidence files. */
  async record(ctx: RequestContext, input: RecordInput): Promise<ServiceRecord> {
    const viewer = requireUser(ctx);
    const team = await this.getTeamOrThrow(ctx, input.teamId);
    await this.assertMayRecord(ctx, team, true);
    await checkDate(ctx, input.servedOn, 'input.servedOn');
    if (team.disbandedOn && input.servedOn > team.disbandedOn)
      throw serviceTeamError('SERVICE_TEAM_DISBANDED', { params: { team: team.name } });
    const place = text(input.place, '服务地点', 'input.place');
    const beneficiary = text(input.beneficiary, '服务对象', 'input.beneficiary');
    const kindText = checkKind(input.kind, input.kindText);
    checkHours(input.hours);
    const participants = await this.checkParticipants(ctx, team, input.participantIds, input.servedOn);
    // a team's records written in the tenant's year are bounded: counted under a lock per team, so concurrent records
    // pass the count one at a time
    const { year, start } = yearOf(todayOf(ctx));
    const { count } = await countUnderLock(
      ctx.tx,
      `service-records:${viewer.tenantId}:${team.id}`,
      `SELECT count(*)::int AS count FROM service_records
        WHERE tenant_id = $1 AND team_id = $2 AND ${inTenantYearSql('created_at', '$3')}`,
      [viewer.tenantId, team.id, start],
    );
    const limit = ctx.config.serviceRecordsPerTeamPerYear;
    if (count >= limit)
      throw serviceTeamError('TOO_MANY_SERVICE_RECORDS', { field: 'input.teamId', params: { team: team.name, year, count, limit } });
    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO service_records (tenant_id, team_id, org_id, served_on, place, beneficiary, kind, kind_text, hours, participants, description, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        viewer.tenantId,
        team.id,
        team.orgId,
        input.servedOn,
        place,
        beneficiary,
        input.kind,
        kindText,
        input.hours,
        participants.length,
        input.description?.trim() ?? '',
        viewer.userId,
      ],
    );
    await this.writeParticipants(ctx, row.id, team.id, participants);
    if (input.fileIds?.length) await fileService.attach(ctx, RECORD_TYPE, row.id, input.fileIds);
    return ctx.tx.repository(ServiceRecord).findOneByOrFail({ tenantId: viewer.tenantId, id: row.id });
  },

  async writeParticipants(ctx: RequestContext, recordId: string, teamId: string, memberIds: string[]): Promise<void> {
    const viewer = requireUser(ctx);
    await ctx.tx.execute(`DELETE FROM service_record_members WHERE tenant_id = $1 AND record_id = $2`, [viewer.tenantId, recordId]);
    await ctx.tx.execute(
      `INSERT INTO service_record_members (tenant_id, record_id, team_id, member_id) SELECT $1, $2, $3, m FROM unnest($4::uuid[]) AS m`,
      [viewer.tenantId, recordId, teamId, memberIds],
    );
    ctx.forget('serviceTeam.participants');
  },

  /** A partial correction by whoever may record for the team: fields left out keep their values; files are added or removed by id. */
  async updateRecord(ctx: RequestContext, id: string, patch: RecordPatch): Promise<ServiceRecord> {
    const viewer = requireUser(ctx);
    const seen = await this.getRecordOrThrow(ctx, id);
    const team = await this.getTeamOrThrow(ctx, seen.teamId);
    await this.assertMayRecord(ctx, team);
    // the record locked and read again: two corrections apply one after the other, each onto the other's
    const record = await lockForUpdate(ctx.tx, ServiceRecord, viewer.tenantId, seen.id);
    if (!record) throw serviceTeamError('SERVICE_RECORD_NOT_FOUND');
    const servedOn = patch.servedOn ?? record.servedOn;
    if (patch.servedOn) await checkDate(ctx, servedOn, 'input.servedOn');
    // as record() refuses it: no service dated after the team's disband
    if (patch.servedOn && team.disbandedOn && servedOn > team.disbandedOn)
      throw serviceTeamError('SERVICE_TEAM_DISBANDED', { params: { team: team.name } });
    const place = patch.place != null ? text(patch.place, '服务地点', 'input.place') : record.place;
    const beneficiary = patch.beneficiary != null ? text(patch.beneficiary, '服务对象', 'input.beneficiary') : record.beneficiary;
    const kind = patch.kind ?? record.kind;
    // the stored text stays unless another is given, or the kind is no longer OTHER
    const kindText = checkKind(kind, patch.kindText != null ? patch.kindText : kind === ServiceKind.OTHER ? record.kindText : null);
    const hours = patch.hours ?? record.hours;
    checkHours(hours);
    const currentIds = (await this.participants(ctx, record)).map((m) => m.id);
    const participants = await this.checkParticipants(ctx, team, patch.participantIds ?? currentIds, servedOn);
    await ctx.tx.execute(
      `UPDATE service_records SET served_on = $3, place = $4, beneficiary = $5, kind = $6, kind_text = $7, hours = $8, participants = $9,
              description = $10, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [
        viewer.tenantId,
        record.id,
        servedOn,
        place,
        beneficiary,
        kind,
        kindText,
        hours,
        participants.length,
        patch.description != null ? patch.description.trim() : record.description,
      ],
    );
    if (patch.participantIds) await this.writeParticipants(ctx, record.id, team.id, participants);
    if (patch.removeFileIds?.length) await fileService.detach(ctx, RECORD_TYPE, record.id, patch.removeFileIds);
    if (patch.addFileIds?.length) await fileService.attach(ctx, RECORD_TYPE, record.id, patch.addFileIds);
    return ctx.tx.repository(ServiceRecord).findOneByOrFail({ tenantId: viewer.tenantId, id: record.id });
  },

  /** Deletes a record entered by mistake (the team's managers); its evidence files go back to their uploaders. */
  async deleteRecord(ctx: RequestContext, id: string): Promise<boolean> {
    const viewer = requireUser(ctx);
    const record = await this.getRecordOrThrow(ctx, id);
    await this.managedTeam(ctx, record.teamId, false);
    // every file, also one an attach that committed while this waited put on (the record locked first)
    await fileService.detachAll(ctx, RECORD_TYPE, [record.id]);
    await ctx.tx.execute(`DELETE FROM service_records WHERE tenant_id = $1 AND id = $2`, [viewer.tenantId, record.id]);
    return true;
  },

  /** Records of teams of orgs in the subtree (within the viewer's scope), latest service first. */
  async listRecords(
    ctx: RequestContext,
    filter: { under?: Org | null; teamId?: string | null; memberId?: string | null; kind?: ServiceKind | null; period?: Period | null },
    first: number,
    after?: string,
  ): Promise<Page<ServiceRecord>> {
    const roots = rootsFor(requireUser(ctx), filter.under);
    if (filter.period) checkPeriod(filter.period);
    const build = () => {
      const qb = scopedQuery(ctx, ServiceRecord, 'r', 'org_id', roots);
      if (filter.teamId) qb.andWhere('r.team_id = :team', { team: filter.teamId });
      if (filter.memberId) {
        qb.andWhere(
          'EXISTS (SELECT 1 FROM service_record_members rm WHERE rm.tenant_id = r.tenant_id AND rm.record_id = r.id AND rm.member_id = :member)',
          { member: filter.memberId },
        );
      }
      if (filter.kind) qb.andWhere('r.kind = :kind', { kind: filter.kind });
      if (filter.period) qb.andWhere('r.served_on BETWEEN CAST(:from AS date) AND CAST(:to AS date)', filter.period);
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'r.served_on', type: 'date', desc: true },
        { sql: 'r.id', type: 'uuid', desc: true },
      ],
      first,
      after,
    );
  },

  /**
   * A team's records, latest service first (within a period when given). As with members, every team
   * asked for in a request with the same arguments is served by one windowed statement.
   */
  async teamRecords(
    ctx: RequestContext,
    team: ServiceTeam,
    period: Period | null,
    first: number,
    after?: string,
  ): Promise<Page<ServiceRecord>> {
    if (period) checkPeriod(period);
    const cursor = decodeTypedCursor(after, ['date', 'uuid']);
    const key = JSON.stringify([first, cursor ?? null, period]);
    const loader = ctx.loader<string, { rows: ServiceRecord[]; total: number }>(`serviceTeam.records:${key}`, async (teamIds) => {
      const rows = await ctx.tx.query<{ for_team: string; total: number; id: string | null }>(
        `WITH r AS (SELECT id, team_id, served_on, count(*) OVER (PARTITION BY team_id)::int AS total FROM service_records
                     WHERE tenant_id = $1 AND team_id = ANY($2::uuid[]) AND ($3::date IS NULL OR served_on BETWEEN $3::date AND $4::date)),
              t AS (SELECT team_id, max(total) AS total FROM r GROUP BY team_id),
              p AS (SELECT r.*, row_number() OVER (PARTITION BY team_id ORDER BY served_on DESC, id DESC) AS rn FROM r
                     WHERE $5::date IS NULL OR (served_on, id) < ($5::date, $6::uuid))
         SELECT t.team_id AS for_team, t.total, p.id FROM t LEFT JOIN p ON p.team_id = t.team_id AND p.rn <= $7 ORDER BY t.team_id, p.rn`,
        [team.tenantId, [...teamIds], period?.from ?? null, period?.to ?? null, cursor?.[0] ?? null, cursor?.[1] ?? null, first + 1],
      );
      const ids = rows.flatMap((r) => (r.id ? [r.id] : []));
      const records = ids.length
        ? await ctx.tx
            .repository(ServiceRecord)
            .createQueryBuilder('r')
            .where('r.tenant_id = :t AND r.id = ANY(:ids)', { t: team.tenantId, ids })
            .getMany()
        : [];
      return teamIds.map((id) => {
        const mine = rows.filter((r) => r.for_team === id);
        return {
          rows: mine.flatMap((r) => records.filter((x) => x.id === r.id)),
          total: mine[0]?.total ?? 0,
        };
      });
    });
    const { rows, total } = await loader.load(team.id);
    return pageFrom(
      rows,
      first,
      after,
      (r) => encodeCursor([r.servedOn, r.id]),
      async () => total,
    );
  },

  /** Who served on a record (at most MAX_PARTICIPANTS): captains first, then by name. Batched. */
  async participants(ctx: RequestContext, record: ServiceRecord): Promise<ServiceTeamMember[]> {
    return ctx
      .loader<string, ServiceTeamMember[]>('serviceTeam.participants', async (ids) => {
        const links = await ctx.tx.query<{ record_id: string; member_id: string }>(
          `SELECT record_id, member_id FROM service_record_members WHERE tenant_id = $1 AND record_id = ANY($2::uuid[])`,
          [record.tenantId, [...ids]],
        );
        const members = await ctx.tx
          .repository(ServiceTeamMember)
          .createQueryBuilder('m')
          .where('m.tenant_id = :t AND m.id = ANY(:ids)', { t: record.tenantId, ids: [...new Set(links.map((l) => l.member_id))] })
          .orderBy('m.role')
          .addOrderBy('m.name')
          .addOrderBy('m.id')
          .getMany();
        return ids.map((id) => members.filter((m) => links.some((l) => l.record_id === id && l.member_id === m.id)));
      })
      .load(record.id);
  },

  /**
   * Totals over a period (the tenant's days, inclusive) of teams, members and orgs' subtrees: every key
   * asked for in a request with the same period answered by ONE statement (teams and members by their
   * indexes, an org through its subtree's path_key range joined to the records' (org, served_on) index).
   * Hours are the service's duration; person-hours count each participant.
   */
  async totals(ctx: RequestContext, key: TotalsKey, period: Period): Promise<ServiceFigures> {
    checkPeriod(period);
    return ctx
      .loader<string, ServiceFigures>(`serviceTeam.totals:${period.from}:${period.to}`, async (keys) => {
        const viewer = requireUser(ctx);
        const parsed = keys.map((k) => JSON.parse(k) as TotalsKey);
        const of = (level: TotalsKey['level']) => parsed.filter((k) => k.level === level);
        const orgs = of('ORG') as { id: string; path: string }[];
        const rows = await ctx.tx.query<ServiceFigures & { level: string; key: string }>(
          `SELECT 'TEAM' AS level, r.team_id::text AS key, count(*)::int AS records, coalesce(sum(r.hours), 0)::float8 AS hours,
                  coalesce(sum(r.hours * r.participants), 0)::float8 AS "personHours", count(DISTINCT r.served_on)::int AS days
             FROM service_records r
            WHERE r.tenant_id = $1 AND r.team_id = ANY($4::uuid[]) AND r.served_on BETWEEN $2::date AND $3::date
            GROUP BY r.team_id
           UNION ALL
           SELECT 'MEMBER', m.member_id::text, count(*)::int, coalesce(sum(r.hours), 0)::float8, coalesce(sum(r.hours), 0)::float8,
                  count(DISTINCT r.served_on)::int
             FROM service_record_members m JOIN service_records r ON r.tenant_id = m.tenant_id AND r.id = m.record_id
            WHERE m.tenant_id = $1 AND m.member_id = ANY($5::uuid[]) AND r.served_on BETWEEN $2::date AND $3::date
            GROUP BY m.member_id
           UNION ALL
           SELECT 'ORG', q.id::text, count(*)::int, coalesce(sum(r.hours), 0)::float8, coalesce(sum(r.hours * r.participants), 0)::float8,
                  count(DISTINCT r.served_on)::int
             FROM unnest($6::uuid[], $7::text[]) AS q(id, path_key)
             JOIN orgs o ON o.tenant_id = $1 AND o.path_key >= q.path_key AND o.path_key < q.path_key || '/'
             JOIN service_records r ON r.tenant_id = o.tenant_id AND r.org_id = o.id AND r.served_on BETWEEN $2::date AND $3::date
            GROUP BY q.id`,
          [
            viewer.tenantId,
            period.from,
            period.to,
            of('TEAM').map((k) => k.id),
            of('MEMBER').map((k) => k.id),
            orgs.map((k) => k.id),
            orgs.map((k) => k.path),
          ],
        );
        return parsed.map((k) => {
          const row = rows.find((r) => r.level === k.level && r.key === k.id);
          return row ? { records: row.records, hours: row.hours, personHours: row.personHours, days: row.days } : EMPTY;
        });
      })
      .load(JSON.stringify(key));
  },

  /**
   * 服务统计 of a subtree over a period in ONE statement: the subtree's total, each team's and each
   * member's (grouping sets over the records and their participants: a record's hours count once for its
   * team and the total, once for each member who served). Teams and members with service in the period,
   * most person-hours first, at most REPORT_ROWS of each.
   */
  async report(ctx: RequestContext, under: Org | null, period: Period): Promise<ServiceReport> {
    const viewer = requireUser(ctx);
    checkPeriod(period);
    const scope = underAnySql('o', rootsFor(viewer, under));
    const [sql, params] = ctx.tx.manager
      .createQueryBuilder()
      .select('r.id', 'record_id')
      .addSelect('r.team_id', 'team_id')
      .addSelect('r.hours', 'hours')
      .addSelect('r.served_on', 'served_on')
      .addSelect('m.member_id', 'member_id')
      .addSelect('t.name', 'team_name')
      .addSelect('mm.name', 'member_name')
      .addSelect('row_number() OVER (PARTITION BY r.id ORDER BY m.member_id) = 1', 'first')
      .from('service_records', 'r')
      .innerJoin('orgs', 'o', 'o.tenant_id = r.tenant_id AND o.id = r.org_id')
      .innerJoin('service_teams', 't', 't.tenant_id = r.tenant_id AND t.id = r.team_id')
      .innerJoin('service_record_members', 'm', 'm.tenant_id = r.tenant_id AND m.record_id = r.id')
      .innerJoin('service_team_members', 'mm', 'mm.tenant_id = m.tenant_id AND mm.id = m.member_id')
      .where('r.tenant_id = :t', { t: viewer.tenantId })
      .andWhere('r.served_on BETWEEN CAST(:from AS date) AND CAST(:to AS date)', period)
      .andWhere(scope.sql, scope.params)
      .getQueryAndParameters();
    const rows = await ctx.tx.query<
      ServiceFigures & { team_id: string; member_id: string; team_name: string; member_name: string; level: 'TOTAL' | 'TEAM' | 'MEMBER' }
    >(
      `WITH x AS (${sql})
       SELECT CASE WHEN grouping(team_id) = 1 THEN 'TOTAL' WHEN grouping(member_id) = 1 THEN 'TEAM' ELSE 'MEMBER' END AS level,
              team_id, member_id, team_name, member_name,
              (CASE WHEN grouping(member_id) = 0 THEN count(*) ELSE count(*) FILTER (WHERE first) END)::int AS records,
              coalesce(CASE WHEN grouping(member_id) = 0 THEN sum(hours) ELSE sum(hours) FILTER (WHERE first) END, 0)::float8 AS hours,
              coalesce(sum(hours), 0)::float8 AS "personHours",
              count(DISTINCT served_on)::int AS days
         FROM x
        GROUP BY GROUPING SETS ((), (team_id, team_name), (team_id, team_name, member_id, member_name))
        ORDER BY 1, "personHours" DESC, team_name, member_name, team_id, member_id`,
      params,
    );
    const figures = (r: ServiceFigures) => ({ records: r.records, hours: r.hours, personHours: r.personHours, days: r.days });
    const teams = rows.filter((r) => r.level === 'TEAM');
    const members = rows.filter((r) => r.level === 'MEMBER');
    const total = rows.find((r) => r.level === 'TOTAL');
    return {
      total: total ? figures(total) : EMPTY,
      teams: teams.slice(0, REPORT_ROWS).map((r) => ({ teamId: r.team_id, teamName: r.team_name, ...figures(r) })),
      members: members
        .slice(0, REPORT_ROWS)
        .map((r) => ({ memberId: r.member_id, memberName: r.member_name, teamId: r.team_id, teamName: r.team_name, ...figures(r) })),
      teamsTruncated: teams.length > REPORT_ROWS,
      membersTruncated: members.length > REPORT_ROWS,
    };
  },

  /** An org's subtree totals, for a viewer who reads the org fully (null for an org seen only as a breadcrumb). */
  async orgTotals(ctx: RequestContext, org: Org, period: Period): Promise<ServiceFigures | null> {
    if (!inScope(requireUser(ctx), org.path)) return null;
    return this.totals(ctx, { level: 'ORG', id: org.id, path: org.path }, period);
  },
};
