import { createHash } from 'node:crypto';
import { ancestorKeys, holdsRole, inScope, underAnySql } from '../../auth/scope';
import { UserViewer, hasRoleOver } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { inTenantYearSql, todayOf, yearOf } from '../../graphql/today';
import { Role } from '../../auth/roles';
import { fileService } from '../file/file.service';
import { linkCodeService } from '../link-code/link-code.service';
import { protectContact, randomToken } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { rootsFor } from '../org/scoped';
import { tenantService } from '../tenant/tenant.service';
import { Opinion, OpinionChannel, OpinionState, OpinionTransfer, opinionStateLabels } from './opinion.entity';
import { opinionError } from './opinion.errors';
import { countUnderLock } from '../../db/advisory-lock';

/** Staff who take and handle opinions of an org (the org's secretary, officers over it). */
export const HANDLERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
const READERS = [...HANDLERS, Role.INSPECTOR];
/** Besides the responsible person, who may hand an opinion on: an admin or leader over its org. */
const DISPATCHERS = [Role.TENANT_ADMIN, Role.LEADER];
/** Hand-overs one opinion may have (OpinionTransfer is a plain list on the opinion). */
export const MAX_TRANSFERS = 20;
const OVERDUE_SQL = `x.state IN ('RECEIVED', 'ACCEPTED') AND x.due_at < now()`;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const opinionNotFound = () => opinionError('OPINION_NOT_FOUND');
const wrongState = (opinion: Opinion) => opinionError('WRONG_OPINION_STATE', { params: { state: opinionStateLabels[opinion.state] } });

export interface OpinionReceipt {
  followUpToken: string;
  orgName: string;
  dueAt: Date;
  state: OpinionState;
}

export interface OpinionFilter {
  under?: Org | null;
  state?: OpinionState;
  overdue?: boolean;
  responsibleToMe?: boolean;
}

async function opinionHours(ctx: RequestContext): Promise<number> {
  return (await tenantService.settings(ctx)).opinionHours;
}

async function reload(ctx: RequestContext, tenantId: string, id: string): Promise<Opinion> {
  return ctx.tx.repository(Opinion).findOneByOrFail({ tenantId, id });
}

/**
 * The path of the opinion's org, for the rule checks of whoever holds the opinion: its responsible
 * person keeps it after the org moved out of their scope (then orgService does not show them the org).
 */
async function orgPath(ctx: RequestContext, opinion: Opinion): Promise<string> {
  const [row] = await ctx.tx.query<{ path: string }>(`SELECT path::text AS path FROM orgs WHERE tenant_id = $1 AND id = $2`, [
    opinion.tenantId,
    opinion.orgId,
  ]);
  if (!row) throw opinionNotFound();
  return row.path;
}

/**
 * The viewer is the opinion's responsible person and still a handler somewhere: responsibility follows
 * the person when its org moves (首问负责), but ends with the person's last handling role.
 */
function actsAsResponsible(viewer: UserViewer, opinion: Opinion): boolean {
  return opinion.responsibleId === viewer.userId && holdsRole(viewer, HANDLERS);
}

export const opinionService = {
  /** Visible to its responsible person and to readers over its org. */
  async find(ctx: RequestContext, id: string): Promise<Opinion | null> {
    const viewer = requireUser(ctx);
    const opinion = await ctx.tx.repository(Opinion).findOneBy({ tenantId: viewer.tenantId, id });
    if (!opinion) return null;
    if (actsAsResponsible(viewer, opinion)) return opinion;
    const org = await orgService.findById(ctx, opinion.orgId);
    return org && inScope(viewer, org.path, READERS) ? opinion : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Opinion> {
    const opinion = await this.find(ctx, id);
    if (!opinion) throw opinionNotFound();
    return opinion;
  },

  /** Writes a new opinion and answers its follow-up token (shown once; only its hash is kept). */
  async intake(
    ctx: RequestContext,
    link: { tenantId: string; orgId: string; linkCodeId: string | null },
    input: { content: string; contact?: string | null; staffId?: string },
  ): Promise<{ id: string; token: string }> {
    const token = randomToken(32);
    const contact = protectContact(ctx, link.tenantId, input.contact);
    const staff = input.staffId ?? null;
    const [row] = await ctx.tx.query<{ id: string }>(
      `INSERT INTO opinions (tenant_id, org_id, link_code_id, channel, content, contact_hash, contact_masked, state, responsible_id, accepted_at, due_at, follow_up_hash, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9::uuid IS NULL THEN NULL ELSE now() END, now() + $10::float8 * interval '1 hour', $11, $9)
       RETURNING id`,
      [
        link.tenantId,
        link.orgId,
        link.linkCodeId,
        staff ? OpinionChannel.STAFF : OpinionChannel.PUBLIC_LINK,
        input.content.trim(),
        contact.hash,
        contact.masked,
        staff ? OpinionState.ACCEPTED : OpinionState.RECEIVED,
        staff,
        await opinionHours(ctx),
        tokenHash(token),
      ],
    );
    return { id: row.id, token };
  },

  /** 民意 from the public through a link code, without an account (the same rate limit as reviews). */
  async submitPublic(ctx: RequestContext, input: { code: string; content: string; contact?: string | null }): Promise<OpinionReceipt> {
    const link = await linkCodeService.resolve(ctx, input.code);
    if (!input.content.trim()) throw opinionError('OPINION_CONTENT_BLANK', 'input.content');
    const client = await linkCodeService.admit(ctx, link);
    const { id, token } = await this.intake(ctx, { tenantId: link.tenantId, orgId: link.orgId, linkCodeId: link.id }, input);
    await linkCodeService.record(ctx, link, client, 'OPINION');
    const opinion = await reload(ctx, link.tenantId, id);
    return { followUpToken: token, orgName: await linkCodeService.orgName(ctx, link), dueAt: opinion.dueAt, state: opinion.state };
  },

  /** Recorded by staff (phone, counter): whoever records it received it first and is responsible. */
  async record(
    ctx: RequestContext,
    input: { orgId: string; content: string; contact?: string | null },
  ): Promise<{ opinion: Opinion; followUpToken: string }> {
    const viewer = requireUser(ctx);
    const org = await orgService.getLiveInScopeOrThrow(ctx, input.orgId, (o) => {
      if (!inScope(viewer, o.path, HANDLERS)) throw opinionError('NOT_HANDLER');
    });
    if (!input.content.trim()) throw opinionError('OPINION_CONTENT_BLANK', 'input.content');
    // an org's opinions recorded by staff in the tenant's year are bounded: counted under a lock per org, so concurrent
    // records pass the count one at a time (the public's come through link codes, under their own rate limits)
    const { year, start } = yearOf(todayOf(ctx));
    const { count } = await countUnderLock(
      ctx.tx,
      `staff-opinions:${viewer.tenantId}:${org.id}`,
      `SELECT count(*)::int AS count FROM opinions
        WHERE tenant_id = $1 AND org_id = $2 AND channel = 'STAFF' AND ${inTenantYearSql('created_at', '$3')}`,
      [viewer.tenantId, org.id, start],
    );
    const limit = ctx.config.staffOpinionsPerOrgPerYear;
    if (count >= limit)
      throw opinionError('TOO_MANY_STAFF_OPINIONS', { field: 'input.orgId', params: { org: org.name, year, count, limit } });
    const { id, token } = await this.intake(
      ctx,
      { tenantId: viewer.tenantId, orgId: org.id, linkCodeId: null },
      { ...input, staffId: viewer.userId },
    );
    return { opinion: await reload(ctx, viewer.tenantId, id), followUpToken: token };
  },

  /** 首问负责: the first handler to accept it stays responsible; a second accept is refused. */
  async accept(ctx: RequestContext, id: string): Promise<Opinion> {
    const viewer = requireUser(ctx);
    const opinion = await this.getOrThrow(ctx, id);
    // the org held to the commit, the handler checked where it stands after a concurrent move
    await orgService.holdForChange(
      ctx,
      opinion.orgId,
      (org) => {
        if (!inScope(viewer, org.path, HANDLERS)) throw opinionError('NOT_HANDLER');
      },
      opinionNotFound,
    );
    const changed = await ctx.tx.execute(
      `UPDATE opinions SET state = 'ACCEPTED', responsible_id = $3, accepted_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'RECEIVED'`,
      [viewer.tenantId, opinion.id, viewer.userId],
    );
    if (!changed) throw opinionError('ALREADY_ACCEPTED');
    return reload(ctx, viewer.tenantId, opinion.id);
  },

  /** An explicit, recorded hand-over to another handler over the org: by the responsible, or an admin or leader over the org. */
  async transfer(ctx: RequestContext, id: string, toUserId: string, reason: string): Promise<Opinion> {
    const viewer = requireUser(ctx);
    const opinion = await this.getOrThrow(ctx, id);
    // the responsible person hands it on wherever its org now lies; a dispatcher over the org holds the org, and is
    // checked where it stands after a concurrent move
    const path = actsAsResponsible(viewer, opinion)
      ? await orgPath(ctx, opinion)
      : (
          await orgService.holdForChange(
            ctx,
            opinion.orgId,
            (org) => {
              if (!hasRoleOver(viewer, org.path, DISPATCHERS)) throw opinionError('NOT_RESPONSIBLE');
            },
            opinionNotFound,
          )
        ).path;
    if (opinion.state !== OpinionState.ACCEPTED || !opinion.responsibleId) throw wrongState(opinion);
    if (!reason.trim()) throw opinionError('TRANSFER_REASON_BLANK', 'input.reason');
    // a handler of the org: an officer role held at the org itself or at one of its ancestors
    const [target] = await ctx.tx.query<{ disabled: boolean; handles: boolean }>(
      `SELECT u.disabled, EXISTS (SELECT 1 FROM role_assignments ra JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
                                  WHERE ra.tenant_id = u.tenant_id AND ra.user_id = u.id AND ra.role = ANY($3::text[]) AND o.path_key = ANY($4::text[])) AS handles
         FROM users u WHERE u.tenant_id = $1 AND u.id = $2`,
      [viewer.tenantId, toUserId, HANDLERS, [...ancestorKeys(path), path]],
    );
    if (!target) throw opinionError('TRANSFER_USER_NOT_FOUND', 'input.toUserId');
    if (target.disabled || !target.handles) throw opinionError('INVALID_TRANSFER', 'input.toUserId');
    if (toUserId === opinion.responsibleId) throw opinionError('ALREADY_RESPONSIBLE', 'input.toUserId');
    const changed = await ctx.tx.execute(
      `UPDATE opinions SET responsible_id = $4 WHERE tenant_id = $1 AND id = $2 AND state = 'ACCEPTED' AND responsible_id = $3`,
      [viewer.tenantId, opinion.id, opinion.responsibleId, toUserId],
    );
    if (!changed) throw opinionError('OPINION_CHANGED');
    // an opinion's hand-overs are bounded (its transfers are a plain list): counted under the row lock the update took
    const [{ n }] = await ctx.tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM opinion_transfers WHERE tenant_id = $1 AND opinion_id = $2`,
      [viewer.tenantId, opinion.id],
    );
    if (n >= MAX_TRANSFERS) throw opinionError('TOO_MANY_TRANSFERS', { params: { limit: MAX_TRANSFERS } });
    await ctx.tx.execute(
      `INSERT INTO opinion_transfers (tenant_id, opinion_id, from_user_id, to_user_id, reason, transferred_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [viewer.tenantId, opinion.id, opinion.responsibleId, toUserId, reason.trim(), viewer.userId],
    );
    ctx.forget('opinion.transfers');
    return reload(ctx, viewer.tenantId, opinion.id);
  },

  /** The responsible person replies: ACCEPTED → REPLIED. */
  async reply(ctx: RequestContext, id: string, reply: string, fileIds: string[] = []): Promise<Opinion> {
    const viewer = requireUser(ctx);
    const opinion = await this.getOrThrow(ctx, id);
    if (!actsAsResponsible(viewer, opinion)) throw opinionError('NOT_RESPONSIBLE');
    if (!reply.trim()) throw opinionError('REPLY_BLANK', 'input.reply');
    const changed = await ctx.tx.execute(
      `UPDATE opinions SET state = 'REPLIED', reply = $3, replied_by = $4, replied_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'ACCEPTED' AND responsible_id = $4`,
      [viewer.tenantId, opinion.id, reply.trim(), viewer.userId],
    );
    if (!changed) throw wrongState(opinion);
    // the reply's attachments go with it (a reply is given once)
    await fileService.attach(ctx, 'OpinionReply', opinion.id, fileIds, 'input.fileIds');
    return reload(ctx, viewer.tenantId, opinion.id);
  },

  /** The submitter's side, by follow-up token (no account): the opinion, read under RLS as its tenant. */
  async byFollowUp(ctx: RequestContext, token: string): Promise<Opinion> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw opinionNotFound();
    const rows = await ctx.tx.query<{ tenant_id: string; opinion_id: string }>(
      `SELECT tenant_id, opinion_id FROM app_opinion_by_follow_up($1)`,
      [tokenHash(token)],
    );
    if (rows.length !== 1) throw opinionNotFound();
    await linkCodeService.enter(ctx, rows[0].tenant_id).catch(() => {
      throw opinionNotFound();
    });
    const opinion = await ctx.tx.repository(Opinion).findOneBy({ tenantId: rows[0].tenant_id, id: rows[0].opinion_id });
    if (!opinion) throw opinionNotFound();
    return opinion;
  },

  /** The submitter rates the reply: REPLIED → CLOSED (办结). */
  async rateReply(ctx: RequestContext, token: string, satisfaction: number, comment: string | null): Promise<Opinion> {
    const opinion = await this.byFollowUp(ctx, token);
    const changed = await ctx.tx.execute(
      `UPDATE opinions SET state = 'CLOSED', satisfaction = $3, satisfaction_comment = $4, closed_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'REPLIED'`,
      [opinion.tenantId, opinion.id, satisfaction, comment?.trim() || null],
    );
    if (!changed) throw wrongState(opinion);
    return reload(ctx, opinion.tenantId, opinion.id);
  },

  /** The name of the opinion's org, for its submitter (no viewer) as for staff. */
  async orgName(ctx: RequestContext, opinion: Opinion): Promise<string> {
    return linkCodeService.orgName(ctx, opinion);
  },

  /**
   * Opinions of orgs in the subtree (within the viewer's read scope) and those it is responsible for,
   * soonest due first; overdue: not replied within the limit.
   */
  async list(ctx: RequestContext, filter: OpinionFilter, first: number, after?: string): Promise<Page<Opinion>> {
    const viewer = requireUser(ctx);
    const read = underAnySql('o', rootsFor(viewer, filter.under, READERS));
    // the opinions the viewer is responsible for, wherever their org now lies (inside `under` when given); none once
    // it holds no handling role (actsAsResponsible)
    const handler = holdsRole(viewer, HANDLERS);
    const mine = !handler
      ? { sql: 'false', params: {} }
      : filter.under
        ? underAnySql('o', [filter.under.path])
        : { sql: 'true', params: {} };
    const build = () => {
      const qb = ctx.tx
        .repository(Opinion)
        .createQueryBuilder('x')
        .innerJoin('orgs', 'o', 'o.tenant_id = x.tenant_id AND o.id = x.org_id')
        .where('x.tenant_id = :t', { t: viewer.tenantId })
        .andWhere(`(${read.sql} OR (x.responsible_id = :me AND ${mine.sql}))`, { ...read.params, ...mine.params, me: viewer.userId });
      if (filter.responsibleToMe) qb.andWhere(handler ? 'x.responsible_id = :me' : 'false', { me: viewer.userId });
      if (filter.state) qb.andWhere('x.state = :state', { state: filter.state });
      if (filter.overdue === true) qb.andWhere(OVERDUE_SQL);
      if (filter.overdue === false) qb.andWhere(`NOT (${OVERDUE_SQL})`);
      return qb;
    };
    return keysetPage(
      build,
      [
        { sql: 'x.due_at', type: 'timestamptz', of: (x) => x.dueAt },
        { sql: 'x.id', type: 'uuid', of: (x) => x.id },
      ],
      first,
      after,
    );
  },

  isOverdue(o: Opinion): boolean {
    return (o.state === OpinionState.RECEIVED || o.state === OpinionState.ACCEPTED) && o.dueAt.getTime() < Date.now();
  },

  /** Every hand-over of the opinion, oldest first (batched per request). */
  async transfers(ctx: RequestContext, opinion: Opinion): Promise<OpinionTransfer[]> {
    return ctx
      .loader<string, OpinionTransfer[]>('opinion.transfers', async (ids) => {
        const rows = await ctx.tx
          .repository(OpinionTransfer)
          .createQueryBuilder('t')
          .where('t.tenant_id = :t AND t.opinion_id = ANY(:ids)', { t: opinion.tenantId, ids: [...ids] })
          .orderBy('t.created_at', 'ASC')
          .addOrderBy('t.id', 'ASC')
          .getMany();
        return ids.map((id) => rows.filter((r) => r.opinionId === id));
      })
      .load(opinion.id);
  },

  /** The masked contact, for handlers over the org and the responsible person. */
  async contactMasked(ctx: RequestContext, opinion: Opinion): Promise<string | null> {
    const viewer = requireUser(ctx);
    if (actsAsResponsible(viewer, opinion)) return opinion.contactMasked;
    const org = await orgService.findById(ctx, opinion.orgId);
    return org && inScope(viewer, org.path, HANDLERS) ? opinion.contactMasked : null;
  },
};
