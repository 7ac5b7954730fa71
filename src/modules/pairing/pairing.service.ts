import { inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { UserViewer, hasRoleOver, scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { ErrorCode, badInput, errorFactory } from '../../graphql/errors';
import { protectContact, tenantToday } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Role } from '../../auth/roles';
import { User } from '../user/user.entity';
import { Pairing, PairingPerson, PairingPersonKind, PairingVisit } from './pairing.entity';

export enum PairingErrorReason {
  PERSON_NOT_FOUND = 'PERSON_NOT_FOUND',
  PAIRING_NOT_FOUND = 'PAIRING_NOT_FOUND',
  CADRE_NOT_FOUND = 'CADRE_NOT_FOUND',
  NOT_CADRE = 'NOT_CADRE',
  NOT_PAIRING_MANAGER = 'NOT_PAIRING_MANAGER',
  ALREADY_PAIRED = 'ALREADY_PAIRED',
  PAIRING_ENDED = 'PAIRING_ENDED',
  INVALID_DATE = 'INVALID_DATE',
}
export const pairingError = errorFactory<PairingErrorReason>({
  PERSON_NOT_FOUND: ErrorCode.NOT_FOUND,
  PAIRING_NOT_FOUND: ErrorCode.NOT_FOUND,
  CADRE_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOT_CADRE: ErrorCode.BAD_USER_INPUT,
  NOT_PAIRING_MANAGER: ErrorCode.FORBIDDEN,
  ALREADY_PAIRED: ErrorCode.CONFLICT,
  PAIRING_ENDED: ErrorCode.CONFLICT,
  INVALID_DATE: ErrorCode.BAD_USER_INPUT,
});

/** 领导班子: the roles whose holders pair with someone in difficulty (每人结对联系1名以上). */
export const CADRE_ROLES = [Role.LEADER, Role.SECRETARY, Role.SUPERVISOR];
/** Who registers people in difficulty and arranges pairings over an org. */
const MANAGERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
/** Who reads them (inspectors check 结对 too); personal circumstances stay away from members. */
const READERS = [...MANAGERS, Role.INSPECTOR];
/** Who may pair another cadre: an admin or leader over one of that cadre's orgs. */
const ORGANIZERS = [Role.TENANT_ADMIN, Role.LEADER];

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

async function orgOf(ctx: RequestContext, orgId: string): Promise<Org | null> {
  return orgService.findById(ctx, orgId);
}

export const pairingService = {
  async findPerson(ctx: RequestContext, id: string): Promise<PairingPerson | null> {
    const viewer = requireUser(ctx);
    const person = await ctx.tx.repository(PairingPerson).findOneBy({ tenantId: viewer.tenantId, id });
    if (!person) return null;
    const org = await orgOf(ctx, person.orgId);
    if (org && inScope(viewer, org.path, READERS)) return person;
    // A cadre sees the people it is paired with.
    const [paired] = await ctx.tx.query(`SELECT 1 FROM pairings WHERE tenant_id = $1 AND person_id = $2 AND cadre_id = $3`, [
      viewer.tenantId,
      id,
      viewer.userId,
    ]);
    return paired ? person : null;
  },

  async getPersonOrThrow(ctx: RequestContext, id: string): Promise<PairingPerson> {
    const person = await this.findPerson(ctx, id);
    if (!person) throw pairingError(PairingErrorReason.PERSON_NOT_FOUND, 'Person not found');
    return person;
  },

  async createPerson(
    ctx: RequestContext,
    input: { orgId: string; name: string; kind: PairingPersonKind; difficulty: string; contact?: string | null },
  ): Promise<PairingPerson> {
    const viewer = requireUser(ctx);
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    if (!inScope(viewer, org.path, MANAGERS))
      throw pairingError(
        PairingErrorReason.NOT_PAIRING_MANAGER,
        'Only the org’s secretary or an officer over it registers people in difficulty',
      );
    if (!input.name.trim()) throw badInput('input.name', 'A name is needed');
    if (!input.difficulty.trim()) throw badInput('input.difficulty', 'Describe the difficulty');
    const repo = ctx.tx.repository(PairingPerson);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        orgId: org.id,
        name: input.name.trim(),
        kind: input.kind,
        difficulty: input.difficulty.trim(),
        contactMasked: protectContact(ctx, viewer.tenantId, input.contact).masked,
        createdBy: viewer.userId,
      }),
    );
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  async persons(ctx: RequestContext, under: Org | null, first: number): Promise<PairingPerson[]> {
    const viewer = requireUser(ctx);
    const scope = underAnySql('o', under ? scopedRootsUnder(viewer, under.path, READERS) : scopePaths(viewer, READERS));
    return ctx.tx
      .repository(PairingPerson)
      .createQueryBuilder('p')
      .innerJoin('orgs', 'o', 'o.tenant_id = p.tenant_id AND o.id = p.org_id')
      .where('p.tenant_id = :t', { t: viewer.tenantId })
      .andWhere(scope.sql, scope.params)
      .orderBy('p.created_at', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(first)
      .getMany();
  },

  /** Visible to its cadre and to readers over the person's org. */
  async findPairing(ctx: RequestContext, id: string): Promise<Pairing | null> {
    const viewer = requireUser(ctx);
    const pairing = await ctx.tx.repository(Pairing).findOneBy({ tenantId: viewer.tenantId, id });
    if (!pairing) return null;
    if (pairing.cadreId === viewer.userId) return pairing;
    const person = await ctx.tx.repository(PairingPerson).findOneByOrFail({ tenantId: viewer.tenantId, id: pairing.personId });
    const org = await orgOf(ctx, person.orgId);
    return org && inScope(viewer, org.path, READERS) ? pairing : null;
  },

  async getPairingOrThrow(ctx: RequestContext, id: string): Promise<Pairing> {
    const pairing = await this.findPairing(ctx, id);
    if (!pairing) throw pairingError(PairingErrorReason.PAIRING_NOT_FOUND, 'Pairing not found');
    return pairing;
  },

  /** The cadre's role assignments (path included), for the cadre and organizer checks. */
  async cadreRoles(ctx: RequestContext, userId: string): Promise<{ role: Role; path: string }[] | null> {
    const viewer = requireUser(ctx);
    const rows: { disabled: boolean; role: Role | null; path: string | null }[] = await ctx.tx.query(
      `SELECT u.disabled, ra.role, o.path::text AS path FROM users u
         LEFT JOIN role_assignments ra ON ra.tenant_id = u.tenant_id AND ra.user_id = u.id
         LEFT JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
        WHERE u.tenant_id = $1 AND u.id = $2`,
      [viewer.tenantId, userId],
    );
    if (!rows.length || rows[0].disabled) return null;
    return rows.filter((r) => r.role && CADRE_ROLES.includes(r.role)).map((r) => ({ role: r.role!, path: r.path! }));
  },

  /**
   * Pairs a cadre with a person. The cadre pairs itself (with someone in an org it stands over), or an
   * admin or leader over one of the cadre's orgs arranges it.
   */
  async pair(ctx: RequestContext, input: { cadreId: string; personId: string; note: string; startedOn?: string | null }): Promise<Pairing> {
    const viewer = requireUser(ctx);
    const person = await this.getPersonOrThrow(ctx, input.personId);
    const org = await orgOf(ctx, person.orgId);
    if (!org || !inScope(viewer, org.path, MANAGERS))
      throw pairingError(PairingErrorReason.NOT_PAIRING_MANAGER, 'Only an officer over the person’s org arranges a pairing');
    const roles = await this.cadreRoles(ctx, input.cadreId);
    if (!roles) throw pairingError(PairingErrorReason.CADRE_NOT_FOUND, 'User not found');
    if (!roles.length)
      throw pairingError(PairingErrorReason.NOT_CADRE, 'Only holders of LEADER, SECRETARY or SUPERVISOR roles are paired', 'input.cadreId');
    if (input.cadreId !== viewer.userId && !roles.some((r) => hasRoleOver(viewer, r.path, ORGANIZERS))) {
      throw pairingError(PairingErrorReason.NOT_PAIRING_MANAGER, 'Pairing another cadre needs an admin or leader over that cadre’s org');
    }
    const today = await tenantToday(ctx);
    const startedOn = input.startedOn ?? today;
    if (startedOn > today) throw pairingError(PairingErrorReason.INVALID_DATE, 'A pairing cannot start in the future', 'input.startedOn');
    const [active] = await ctx.tx.query(
      `SELECT 1 FROM pairings WHERE tenant_id = $1 AND cadre_id = $2 AND person_id = $3 AND ended_on IS NULL`,
      [viewer.tenantId, input.cadreId, person.id],
    );
    if (active) throw pairingError(PairingErrorReason.ALREADY_PAIRED, 'The cadre is already paired with this person');
    const repo = ctx.tx.repository(Pairing);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        cadreId: input.cadreId,
        personId: person.id,
        note: input.note.trim(),
        startedOn,
        endedOn: null,
        createdBy: viewer.userId,
      }),
    );
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** Whether the viewer acts for the pairing: its cadre, or a manager over the person's org. */
  async mayManage(ctx: RequestContext, viewer: UserViewer, pairing: Pairing): Promise<boolean> {
    if (pairing.cadreId === viewer.userId) return true;
    const person = await ctx.tx.repository(PairingPerson).findOneByOrFail({ tenantId: viewer.tenantId, id: pairing.personId });
    const org = await orgOf(ctx, person.orgId);
    return !!org && inScope(viewer, org.path, MANAGERS);
  },

  async end(ctx: RequestContext, id: string): Promise<Pairing> {
    const viewer = requireUser(ctx);
    const pairing = await this.getPairingOrThrow(ctx, id);
    if (!(await this.mayManage(ctx, viewer, pairing)))
      throw pairingError(PairingErrorReason.NOT_PAIRING_MANAGER, 'Only the cadre or an officer over the person’s org ends a pairing');
    const today = await tenantToday(ctx);
    const [, changed] = await ctx.tx.query(
      `UPDATE pairings SET ended_on = greatest($3::date, started_on) WHERE tenant_id = $1 AND id = $2 AND ended_on IS NULL`,
      [viewer.tenantId, pairing.id, today],
    );
    if (!changed) throw pairingError(PairingErrorReason.PAIRING_ENDED, 'The pairing has already ended');
    return ctx.tx.repository(Pairing).findOneByOrFail({ tenantId: viewer.tenantId, id: pairing.id });
  },

  /** 走访: logged by the cadre (or an officer over the person's org for it). */
  async logVisit(
    ctx: RequestContext,
    input: { pairingId: string; visitedOn: string; note: string; helpGiven: string },
  ): Promise<PairingVisit> {
    const viewer = requireUser(ctx);
    const pairing = await this.getPairingOrThrow(ctx, input.pairingId);
    if (!(await this.mayManage(ctx, viewer, pairing)))
      throw pairingError(PairingErrorReason.NOT_PAIRING_MANAGER, 'Only the cadre or an officer over the person’s org logs its visits');
    if (pairing.endedOn) throw pairingError(PairingErrorReason.PAIRING_ENDED, 'The pairing has ended');
    if (!input.note.trim()) throw badInput('input.note', 'Say what the visit found');
    if (input.visitedOn > (await tenantToday(ctx)))
      throw pairingError(PairingErrorReason.INVALID_DATE, 'A visit cannot be in the future', 'input.visitedOn');
    if (input.visitedOn < pairing.startedOn)
      throw pairingError(PairingErrorReason.INVALID_DATE, 'A visit falls within the pairing', 'input.visitedOn');
    const repo = ctx.tx.repository(PairingVisit);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        pairingId: pairing.id,
        visitedOn: input.visitedOn,
        note: input.note.trim(),
        helpGiven: input.helpGiven.trim(),
        recordedBy: viewer.userId,
      }),
    );
    ctx.forget('pairing.visits');
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /** Pairings of people registered in the subtree (within the viewer's read scope), plus the viewer's own. */
  async list(
    ctx: RequestContext,
    filter: { under?: Org | null; cadreId?: string; activeOnly?: boolean; idleDays?: number },
    first: number,
  ): Promise<Pairing[]> {
    const viewer = requireUser(ctx);
    const roots = filter.under ? scopedRootsUnder(viewer, filter.under.path, READERS) : scopePaths(viewer, READERS);
    const scope = underAnySql('o', roots);
    const qb = ctx.tx
      .repository(Pairing)
      .createQueryBuilder('p')
      .innerJoin('pairing_persons', 'pp', 'pp.tenant_id = p.tenant_id AND pp.id = p.person_id')
      .innerJoin('orgs', 'o', 'o.tenant_id = pp.tenant_id AND o.id = pp.org_id')
      .where('p.tenant_id = :t', { t: viewer.tenantId });
    if (filter.under)
      qb.andWhere(`(${scope.sql} OR (p.cadre_id = :me AND o.path <@ CAST(:under AS ltree)))`, {
        ...scope.params,
        me: viewer.userId,
        under: filter.under.path,
      });
    else qb.andWhere(`(${scope.sql} OR p.cadre_id = :me)`, { ...scope.params, me: viewer.userId });
    if (filter.cadreId) qb.andWhere('p.cadre_id = :cadre', { cadre: filter.cadreId });
    if (filter.activeOnly || filter.idleDays !== undefined) qb.andWhere('p.ended_on IS NULL');
    if (filter.idleDays !== undefined) {
      // Idle: N days or more since the last visit, or since the start when there was none.
      const since = addDays(await tenantToday(ctx), -filter.idleDays);
      qb.andWhere(
        `greatest(p.started_on, (SELECT max(v.visited_on) FROM pairing_visits v WHERE v.tenant_id = p.tenant_id AND v.pairing_id = p.id)) <= CAST(:since AS date)`,
        { since },
      );
    }
    return qb.orderBy('p.started_on', 'ASC').addOrderBy('p.id', 'ASC').limit(first).getMany();
  },

  /** Cadres (LEADER, SECRETARY, SUPERVISOR roles on orgs in the subtree) without an active pairing: one statement. */
  async cadresWithoutPairing(ctx: RequestContext, under: Org | null): Promise<User[]> {
    const viewer = requireUser(ctx);
    const roots = under ? scopedRootsUnder(viewer, under.path, READERS) : scopePaths(viewer, READERS);
    const scope = underAnySql('o', roots);
    return ctx.tx
      .repository(User)
      .createQueryBuilder('u')
      .where('u.tenant_id = :t AND NOT u.disabled', { t: viewer.tenantId })
      .andWhere(
        `EXISTS (SELECT 1 FROM role_assignments ra JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
                  WHERE ra.tenant_id = u.tenant_id AND ra.user_id = u.id AND ra.role = ANY(:roles) AND ${scope.sql})`,
        { ...scope.params, roles: CADRE_ROLES },
      )
      .andWhere(`NOT EXISTS (SELECT 1 FROM pairings p WHERE p.tenant_id = u.tenant_id AND p.cadre_id = u.id AND p.ended_on IS NULL)`)
      .orderBy('u.username', 'ASC')
      .limit(500)
      .getMany();
  },

  async visits(ctx: RequestContext, pairing: Pairing): Promise<PairingVisit[]> {
    return ctx
      .loader<string, PairingVisit[]>('pairing.visits', async (ids) => {
        const rows = await ctx.tx
          .repository(PairingVisit)
          .createQueryBuilder('v')
          .where('v.tenant_id = :t AND v.pairing_id = ANY(:ids)', { t: pairing.tenantId, ids: [...ids] })
          .orderBy('v.visited_on', 'DESC')
          .addOrderBy('v.created_at', 'DESC')
          .getMany();
        return ids.map((id) => rows.filter((v) => v.pairingId === id));
      })
      .load(pairing.id);
  },

  async user(ctx: RequestContext, tenantId: string, id: string): Promise<User | null> {
    return ctx
      .loader<string, User | null>('pairing.users', async (ids) => {
        const rows = await ctx.tx
          .repository(User)
          .createQueryBuilder('u')
          .where('u.tenant_id = :t AND u.id = ANY(:ids)', { t: tenantId, ids: [...ids] })
          .getMany();
        return ids.map((i) => rows.find((u) => u.id === i) ?? null);
      })
      .load(id);
  },
};
