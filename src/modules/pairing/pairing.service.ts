import { holdsRole, inScope, underAnySql } from '../../auth/scope';
import { columnsOf, hydrate } from '../../db/hydrate';
import { lockForUpdate } from '../../db/lock-for-update';
import { UserViewer, hasRoleOver } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Order, OrderColumn, OrderDirection, OrderSpec, nullsAsSql, orderedPage } from '../../graphql/order';
import { Page } from '../../graphql/relay';
import { inTenantYearSql, yearOf } from '../../graphql/today';
import { Role } from '../../auth/roles';
import { protectContact, tenantToday } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { coversTenant, rootsFor, scopedQuery } from '../org/scoped';
import { User } from '../user/user.entity';
import { Pairing, PairingOrderField, PairingPerson, PairingPersonKind, PairingVisit } from './pairing.entity';
import { pairingError } from './pairing.errors';
import { countUnderLock } from '../../db/advisory-lock';

/** 领导班子: the roles whose holders pair with someone in difficulty (每人结对联系1名以上). */
export const CADRE_ROLES = [Role.LEADER, Role.SECRETARY, Role.SUPERVISOR];
/** Who registers people in difficulty and arranges pairings over an org. */
const MANAGERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
/** Who reads them (inspectors check 结对 too); personal circumstances stay away from members. */
const READERS = [...MANAGERS, Role.INSPECTOR];
/** Who may pair another cadre: an admin or leader over one of that cadre's orgs. */
const ORGANIZERS = [Role.TENANT_ADMIN, Role.LEADER];
/** pairingsWithoutVisit(days:) takes 1 to 3660 days. */
export const IDLE_DAYS = { min: 1, max: 3660 };

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

/** A cadre (LEADER, SECRETARY or SUPERVISOR role) as a list shows it: the user's id; the name comes from userService. */
export interface CadreRef {
  userId: string;
}

export interface PairingFilter {
  under?: Org | null;
  cadreId?: string;
  /** Only people registered with this org. */
  orgId?: string;
  activeOnly?: boolean;
  /** Only active pairings without a visit in this many days (since the start when never visited). */
  idleDays?: number;
  /** The argument an out-of-range idleDays is reported on. */
  idleField?: string;
}

const PAIRED_AT: OrderColumn = { sql: 'p.created_at', type: 'timestamptz' };
/** The last visit, or the start when there was none (a visit is never before the start: logVisit). */
const LAST_CONTACT = nullsAsSql('p.last_visit_on', 'p.started_on');

export const PAIRING_ORDER: OrderSpec<PairingOrderField> = {
  list: 'pairings',
  id: 'p.id',
  fields: {
    STARTED_ON: [{ sql: 'p.started_on', type: 'date' }, PAIRED_AT],
    CREATED_AT: [PAIRED_AT],
    ENDED_ON: [{ sql: nullsAsSql('p.ended_on', `'infinity'::date`), type: 'date' }, PAIRED_AT],
    LAST_VISIT_ON: [{ sql: LAST_CONTACT, type: 'date' }, PAIRED_AT],
    PERSON_NAME: [{ sql: 'pp.name', type: 'text' }, PAIRED_AT],
  },
  default: { field: PairingOrderField.STARTED_ON, direction: OrderDirection.ASC },
};

/** A page of `A` shown as `B` (each with the cursor of the row it came from). */
function mapPage<A, B extends object>(page: Page<A>, to: (a: A) => B): Page<B> {
  const cursors = new WeakMap<B, string>();
  const nodes = page.nodes.map((a) => {
    const b = to(a);
    cursors.set(b, page.cursorOf(a));
    return b;
  });
  return { ...page, nodes, cursorOf: (b) => cursors.get(b) ?? '' };
}

async function personOrg(ctx: RequestContext, pairing: Pairing): Promise<Org | null> {
  const person = await ctx.tx.repository(PairingPerson).findOneBy({ tenantId: pairing.tenantId, id: pairing.personId });
  return person ? orgService.findById(ctx, person.orgId) : null;
}

/** The viewer is a cadre (a leader, secretary or supervisor somewhere). */
const isCadre = (viewer: UserViewer): boolean => holdsRole(viewer, CADRE_ROLES);

/**
 * The viewer is the pairing's cadre and still a cadre: a cadre whose roles were all revoked no longer
 * reads the person in difficulty or acts for the pairing.
 */
function actsAsCadre(viewer: UserViewer, pairing: Pairing): boolean {
  return pairing.cadreId === viewer.userId && isCadre(viewer);
}

/**
 * A pairing's visits logged in the tenant's year are bounded (PAIRING_VISITS_PER_PAIRING_PER_YEAR): counted under a lock
 * per pairing, so concurrent visits pass the count one at a time; refused before anything is written.
 */
async function assertVisitRoom(ctx: RequestContext, pairing: Pairing, today: string): Promise<void> {
  const { year, start } = yearOf(today);
  const { count } = await countUnderLock(
    ctx.tx,
    `pairing-visits:${pairing.tenantId}:${pairing.id}`,
    `SELECT count(*)::int AS count FROM pairing_visits WHERE tenant_id = $1 AND pairing_id = $2 AND ${inTenantYearSql('created_at', '$3')}`,
    [pairing.tenantId, pairing.id, start],
  );
  const limit = ctx.config.pairingVisitsPerPairingPerYear;
  if (count >= limit) throw pairingError('TOO_MANY_PAIRING_VISITS', { field: 'input.pairingId', params: { year, count, limit } });
}

export const pairingService = {
  /** Visible to readers over the person's org, and to the cadres paired with the person. */
  async findPerson(ctx: RequestContext, id: string): Promise<PairingPerson | null> {
    const viewer = requireUser(ctx);
    const person = await ctx.tx.repository(PairingPerson).findOneBy({ tenantId: viewer.tenantId, id });
    if (!person) return null;
    const org = await orgService.findById(ctx, person.orgId);
    if (org && inScope(viewer, org.path, READERS)) return person;
    // the cadre of a pairing that runs, while a cadre (an ended pairing's person is its org's readers' again)
    if (!isCadre(viewer)) return null;
    const [paired] = await ctx.tx.query<{ one: number }>(
      `SELECT 1 AS one FROM pairings WHERE tenant_id = $1 AND person_id = $2 AND cadre_id = $3 AND ended_on IS NULL`,
      [viewer.tenantId, id, viewer.userId],
    );
    return paired ? person : null;
  },

  async getPersonOrThrow(ctx: RequestContext, id: string): Promise<PairingPerson> {
    const person = await this.findPerson(ctx, id);
    if (!person) throw pairingError('PERSON_NOT_FOUND');
    return person;
  },

  async createPerson(
    ctx: RequestContext,
    input: { orgId: string; name: string; kind: PairingPersonKind; difficulty: string; contact?: string | null },
  ): Promise<PairingPerson> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, MANAGERS)) throw pairingError('NOT_PAIRING_MANAGER');
    });
    if (!input.name.trim()) throw pairingError('PERSON_NAME_BLANK', 'input.name');
    if (!input.difficulty.trim()) throw pairingError('DIFFICULTY_BLANK', 'input.difficulty');
    // an org's people are bounded: counted under a lock per org, so concurrent registrations pass the count one at a time
    const { count } = await countUnderLock(
      ctx.tx,
      `pairing-persons:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM pairing_persons WHERE tenant_id = $1 AND org_id = $2`,
      [viewer.tenantId, org.id],
    );
    const limit = ctx.config.pairingPersonsPerOrg;
    if (count >= limit) throw pairingError('TOO_MANY_PAIRING_PERSONS', { field: 'input.orgId', params: { org: org.name, count, limit } });
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

  /** People registered with orgs in the subtree (within the viewer's read scope), first registered first. */
  async persons(ctx: RequestContext, under: Org | null, first: number, after?: string): Promise<Page<PairingPerson>> {
    const roots = rootsFor(requireUser(ctx), under, READERS);
    return keysetPage(
      () => scopedQuery(ctx, PairingPerson, 'p', 'org_id', roots),
      [
        { sql: 'p.created_at', type: 'timestamptz', of: (p) => p.createdAt },
        { sql: 'p.id', type: 'uuid', of: (p) => p.id },
      ],
      first,
      after,
    );
  },

  /** Visible to its cadre and to readers over the person's org. */
  async findPairing(ctx: RequestContext, id: string): Promise<Pairing | null> {
    const viewer = requireUser(ctx);
    const pairing = await ctx.tx.repository(Pairing).findOneBy({ tenantId: viewer.tenantId, id });
    if (!pairing) return null;
    if (actsAsCadre(viewer, pairing)) return pairing;
    const org = await personOrg(ctx, pairing);
    return org && inScope(viewer, org.path, READERS) ? pairing : null;
  },

  async getPairingOrThrow(ctx: RequestContext, id: string): Promise<Pairing> {
    const pairing = await this.findPairing(ctx, id);
    if (!pairing) throw pairingError('PAIRING_NOT_FOUND');
    return pairing;
  },

  /** A visit, visible with its pairing. */
  async findVisit(ctx: RequestContext, id: string): Promise<PairingVisit | null> {
    const visit = await ctx.tx.repository(PairingVisit).findOneBy({ tenantId: requireUser(ctx).tenantId, id });
    return visit && (await this.findPairing(ctx, visit.pairingId)) ? visit : null;
  },

  /**
   * The user's cadre role assignments (path included) and its own org's path, for the cadre and organizer
   * checks; null for an unknown or disabled user.
   */
  async cadreRoles(ctx: RequestContext, userId: string): Promise<{ orgPath: string | null; roles: { role: Role; path: string }[] } | null> {
    const viewer = requireUser(ctx);
    const rows = await ctx.tx.query<{ disabled: boolean; home: string | null; role: Role | null; path: string | null }>(
      `SELECT u.disabled, h.path::text AS home, ra.role, o.path::text AS path FROM users u
         LEFT JOIN orgs h ON h.tenant_id = u.tenant_id AND h.id = u.org_id
         LEFT JOIN role_assignments ra ON ra.tenant_id = u.tenant_id AND ra.user_id = u.id
         LEFT JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
        WHERE u.tenant_id = $1 AND u.id = $2`,
      [viewer.tenantId, userId],
    );
    if (!rows.length || rows[0].disabled) return null;
    return {
      orgPath: rows[0].home,
      roles: rows.flatMap((r) => (r.role && r.path && CADRE_ROLES.includes(r.role) ? [{ role: r.role, path: r.path }] : [])),
    };
  },

  /**
   * Pairs a cadre with a person. The cadre pairs itself (with someone in an org it stands over), or an
   * admin or leader over one of the cadre's orgs arranges it.
   */
  async pair(ctx: RequestContext, input: { cadreId: string; personId: string; note: string; startedOn?: string | null }): Promise<Pairing> {
    const viewer = requireUser(ctx);
    const person = await this.getPersonOrThrow(ctx, input.personId);
    const seenOrg = await orgService.findById(ctx, person.orgId);
    if (!seenOrg) throw pairingError('NOT_PAIRING_MANAGER');
    // the person's org held live to the commit: no new pairing in an archived org (ORG_ARCHIVED), an archive waits
    const org = await orgService.lockLive(
      ctx,
      seenOrg,
      (org) => {
        if (!inScope(viewer, org.path, MANAGERS)) throw pairingError('NOT_PAIRING_MANAGER');
      },
      'input.personId',
    );
    const own = input.cadreId === viewer.userId;
    // pairing another cadre is an organizer's: anyone else is refused before anything of that user is read
    if (!own && !holdsRole(viewer, ORGANIZERS)) throw pairingError('NOT_PAIRING_MANAGER');
    const cadre = await this.cadreRoles(ctx, input.cadreId);
    const organizes = (path: string | null) => !!path && hasRoleOver(viewer, path, ORGANIZERS);
    // a user beyond the organizer's subtrees (neither its org nor one of its cadre roles inside) is answered as an unknown one
    if (!cadre || (!own && !organizes(cadre.orgPath) && !cadre.roles.some((r) => organizes(r.path))))
      throw pairingError('CADRE_NOT_FOUND', 'input.cadreId');
    if (!cadre.roles.length) throw pairingError('NOT_CADRE', 'input.cadreId');
    if (!own && !cadre.roles.some((r) => organizes(r.path))) throw pairingError('NOT_PAIRING_MANAGER');
    const today = await tenantToday(ctx);
    const startedOn = input.startedOn ?? today;
    if (startedOn > today) throw pairingError('INVALID_DATE', { field: 'input.startedOn', params: { today } });
    const [active] = await ctx.tx.query<{ one: number }>(
      `SELECT 1 AS one FROM pairings WHERE tenant_id = $1 AND cadre_id = $2 AND person_id = $3 AND ended_on IS NULL`,
      [viewer.tenantId, input.cadreId, person.id],
    );
    if (active) throw pairingError('ALREADY_PAIRED');
    // the pairings made with an org's people in the tenant's year are bounded (ended ones too: they stay): counted under a
    // lock per the person's org, so concurrent pairings pass the count one at a time
    const { year, start } = yearOf(today);
    const { count } = await countUnderLock(
      ctx.tx,
      `pairings:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM pairing_persons pp
         JOIN pairings p ON p.tenant_id = pp.tenant_id AND p.person_id = pp.id
        WHERE pp.tenant_id = $1 AND pp.org_id = $2 AND ${inTenantYearSql('p.created_at', '$3')}`,
      [viewer.tenantId, org.id, start],
    );
    const limit = ctx.config.pairingsPerOrgPerYear;
    if (count >= limit) throw pairingError('TOO_MANY_PAIRINGS', { field: 'input.personId', params: { org: org.name, year, count, limit } });
    const repo = ctx.tx.repository(Pairing);
    const saved = await repo.save(
      repo.create({
        tenantId: viewer.tenantId,
        cadreId: input.cadreId,
        personId: person.id,
        note: input.note.trim(),
        startedOn,
        endedOn: null,
        lastVisitOn: null,
        createdBy: viewer.userId,
      }),
    );
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /**
   * Refuses a viewer who does not act for the pairing: its cadre does, and a manager over the person's
   * org, whose org is then held for the write (orgService.holdForChange).
   */
  async assertManages(ctx: RequestContext, viewer: UserViewer, pairing: Pairing): Promise<void> {
    if (actsAsCadre(viewer, pairing)) return;
    const org = await personOrg(ctx, pairing);
    if (!org) throw pairingError('NOT_PAIRING_MANAGER');
    await orgService.holdForChange(
      ctx,
      org.id,
      (o) => {
        if (!inScope(viewer, o.path, MANAGERS)) throw pairingError('NOT_PAIRING_MANAGER');
      },
      () => pairingError('PAIRING_NOT_FOUND'),
    );
  },

  async end(ctx: RequestContext, id: string): Promise<Pairing> {
    const viewer = requireUser(ctx);
    const pairing = await this.getPairingOrThrow(ctx, id);
    await this.assertManages(ctx, viewer, pairing);
    const changed = await ctx.tx.execute(
      `UPDATE pairings SET ended_on = greatest($3::date, started_on) WHERE tenant_id = $1 AND id = $2 AND ended_on IS NULL`,
      [viewer.tenantId, pairing.id, await tenantToday(ctx)],
    );
    if (!changed) throw pairingError('PAIRING_ENDED');
    return ctx.tx.repository(Pairing).findOneByOrFail({ tenantId: viewer.tenantId, id: pairing.id });
  },

  /** 走访: logged by the cadre (or an officer over the person's org for it). */
  async logVisit(
    ctx: RequestContext,
    input: { pairingId: string; visitedOn: string; note: string; helpGiven: string },
  ): Promise<PairingVisit> {
    const viewer = requireUser(ctx);
    const seen = await this.getPairingOrThrow(ctx, input.pairingId);
    await this.assertManages(ctx, viewer, seen);
    // the person's org held live (read as it stands: the cadre may not see it): an archived org's pairings take no new
    // visit (ORG_ARCHIVED), and an archive waits for this one
    const [personOrgRow] = await ctx.tx.query<Record<string, unknown>>(
      `SELECT ${columnsOf(ctx.tx, Org, 'o')} FROM pairing_persons p JOIN orgs o ON o.tenant_id = p.tenant_id AND o.id = p.org_id
        WHERE p.tenant_id = $1 AND p.id = $2`,
      [viewer.tenantId, seen.personId],
    );
    const personOrg = personOrgRow ? hydrate(ctx.tx, Org, 'o', personOrgRow) : null;
    if (!personOrg) throw pairingError('PAIRING_NOT_FOUND');
    await orgService.lockLive(ctx, personOrg, () => undefined, 'input.pairingId');
    // the pairing locked and read again: an end that committed while this waited is seen (no visit after it)
    const pairing = await lockForUpdate(ctx.tx, Pairing, viewer.tenantId, seen.id);
    if (!pairing) throw pairingError('PAIRING_NOT_FOUND');
    if (pairing.endedOn) throw pairingError('PAIRING_ENDED');
    if (!input.note.trim()) throw pairingError('VISIT_NOTE_BLANK', 'input.note');
    const today = await tenantToday(ctx);
    if (input.visitedOn > today) throw pairingError('INVALID_DATE', { field: 'input.visitedOn', params: { today } });
    if (input.visitedOn < pairing.startedOn)
      throw pairingError('VISIT_BEFORE_PAIRING', { field: 'input.visitedOn', params: { startedOn: pairing.startedOn } });
    await assertVisitRoom(ctx, pairing, today);
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
    // the pairing keeps its latest visit day, for ordering and for pairings without a visit
    await ctx.tx.execute(`UPDATE pairings SET last_visit_on = greatest(last_visit_on, $3::date) WHERE tenant_id = $1 AND id = $2`, [
      viewer.tenantId,
      pairing.id,
      input.visitedOn,
    ]);
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  /**
   * Pairings of people registered in the subtree (within the viewer's read scope), plus the viewer's
   * own (inside `under` when given), filtered and in the order asked for (longest-standing first by default).
   */
  async list(
    ctx: RequestContext,
    filter: PairingFilter,
    first: number,
    after?: string | null,
    order?: Order<PairingOrderField> | null,
  ): Promise<Page<Pairing>> {
    const viewer = requireUser(ctx);
    if (filter.idleDays !== undefined && (filter.idleDays < IDLE_DAYS.min || filter.idleDays > IDLE_DAYS.max))
      throw pairingError('IDLE_DAYS_RANGE', { field: filter.idleField ?? 'days', params: IDLE_DAYS });
    const readRoots = rootsFor(viewer, filter.under, READERS);
    // Idle: N days or more since the last visit, or since the start when there was none.
    const since = filter.idleDays !== undefined ? addDays(await tenantToday(ctx), -filter.idleDays) : null;
    // the pairings of people in the read scope, and the viewer's own (inside `under`): a union of two
    // index scans (the person's org range, the cadre) read once into an array, none over the whole tenant
    const read = underAnySql('ro', readRoots);
    // the viewer's own: none once it is no cadre (actsAsCadre)
    const mine = !isCadre(viewer)
      ? { sql: 'false', params: {} }
      : filter.under
        ? underAnySql('mo', [filter.under.path])
        : { sql: 'true', params: {} };
    const scope = `p.id = ANY(ARRAY(
      SELECT rp.id FROM pairings rp JOIN pairing_persons rpp ON rpp.tenant_id = rp.tenant_id AND rpp.id = rp.person_id
        JOIN orgs ro ON ro.tenant_id = rpp.tenant_id AND ro.id = rpp.org_id
       WHERE rp.tenant_id = :t AND ${read.sql}
      UNION ALL
      SELECT mp.id FROM pairings mp JOIN pairing_persons mpp ON mpp.tenant_id = mp.tenant_id AND mpp.id = mp.person_id
        JOIN orgs mo ON mo.tenant_id = mpp.tenant_id AND mo.id = mpp.org_id
       WHERE mp.tenant_id = :t AND mp.cadre_id = :me AND ${mine.sql}))`;
    const build = () => {
      const qb = ctx.tx
        .repository(Pairing)
        .createQueryBuilder('p')
        .innerJoin('pairing_persons', 'pp', 'pp.tenant_id = p.tenant_id AND pp.id = p.person_id')
        .where('p.tenant_id = :t', { t: viewer.tenantId });
      if (!coversTenant(readRoots)) qb.andWhere(scope, { ...read.params, ...mine.params, me: viewer.userId });
      if (filter.cadreId) qb.andWhere('p.cadre_id = :cadre', { cadre: filter.cadreId });
      if (filter.orgId) qb.andWhere('pp.org_id = :personOrg', { personOrg: filter.orgId });
      if (filter.activeOnly || since) qb.andWhere('p.ended_on IS NULL');
      if (since) qb.andWhere(`${LAST_CONTACT} <= CAST(:since AS date)`, { since });
      return qb;
    };
    return orderedPage(build, PAIRING_ORDER, order, first, after);
  },

  /** Cadres (LEADER, SECRETARY, SUPERVISOR roles on orgs in the subtree) without an active pairing, by username: one statement. */
  async cadresWithoutPairing(ctx: RequestContext, under: Org | null, first: number, after?: string): Promise<Page<CadreRef>> {
    const viewer = requireUser(ctx);
    const scope = underAnySql('o', rootsFor(viewer, under, READERS));
    const build = () =>
      ctx.tx
        .repository(User)
        .createQueryBuilder('u')
        .where('u.tenant_id = :t AND NOT u.disabled', { t: viewer.tenantId })
        .andWhere(
          `EXISTS (SELECT 1 FROM role_assignments ra JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
                    WHERE ra.tenant_id = u.tenant_id AND ra.user_id = u.id AND ra.role = ANY(:roles) AND ${scope.sql})`,
          { ...scope.params, roles: CADRE_ROLES },
        )
        .andWhere(`NOT EXISTS (SELECT 1 FROM pairings p WHERE p.tenant_id = u.tenant_id AND p.cadre_id = u.id AND p.ended_on IS NULL)`);
    const page = await keysetPage(
      build,
      [
        { sql: 'u.username', type: 'text', of: (u) => u.username },
        { sql: 'u.id', type: 'uuid', of: (u) => u.id },
      ],
      first,
      after,
    );
    return mapPage(page, (u) => ({ userId: u.id }));
  },

  /** The pairing's visits, latest first. */
  async visits(ctx: RequestContext, pairing: Pairing, first: number, after?: string): Promise<Page<PairingVisit>> {
    return keysetPage(
      () =>
        ctx.tx
          .repository(PairingVisit)
          .createQueryBuilder('v')
          .where('v.tenant_id = :t AND v.pairing_id = :p', { t: pairing.tenantId, p: pairing.id }),
      [
        { sql: 'v.visited_on', type: 'date', of: (v) => v.visitedOn, desc: true },
        { sql: 'v.created_at', type: 'timestamptz', of: (v) => v.createdAt, desc: true },
        { sql: 'v.id', type: 'uuid', of: (v) => v.id, desc: true },
      ],
      first,
      after,
    );
  },

  /** The day of the pairing's latest visit (kept on the pairing by logVisit). */
  lastVisitOn(pairing: Pairing): string | null {
    return pairing.lastVisitOn;
  },

  /** The person a pairing is with (batched per request; the pairing was read through its visibility rule). */
  async personOf(ctx: RequestContext, pairing: Pairing): Promise<PairingPerson> {
    const person = await ctx
      .loader<string, PairingPerson | null>('pairing.persons', async (ids) => {
        const rows = await ctx.tx
          .repository(PairingPerson)
          .createQueryBuilder('x')
          .where('x.tenant_id = :t AND x.id = ANY(:ids)', { t: pairing.tenantId, ids: [...ids] })
          .getMany();
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id) ?? null);
      })
      .load(pairing.personId);
    if (!person) throw pairingError('PERSON_NOT_FOUND');
    return person;
  },
};
