import { createHash } from 'node:crypto';
import { inScope, scopedRootsUnder, underAnySql } from '../../auth/scope';
import { hasRoleOver, scopePaths } from '../../auth/viewer';
import { RequestContext, requireUser } from '../../graphql/context';
import { ErrorCode, badInput, errorFactory } from '../../graphql/errors';
import { Page, decodeCursor, encodeCursor, pageFrom } from '../../graphql/relay';
import { LinkCode } from '../link-code/link-code.entity';
import { linkCodeService } from '../link-code/link-code.service';
import { protectContact, randomToken } from '../link-code/public';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { tenantService } from '../tenant/tenant.service';
import { Role } from '../../auth/roles';
import { Opinion, OpinionChannel, OpinionState, OpinionTransfer } from './opinion.entity';

export enum OpinionErrorReason {
  OPINION_NOT_FOUND = 'OPINION_NOT_FOUND',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  NOT_HANDLER = 'NOT_HANDLER',
  NOT_RESPONSIBLE = 'NOT_RESPONSIBLE',
  ALREADY_ACCEPTED = 'ALREADY_ACCEPTED',
  WRONG_OPINION_STATE = 'WRONG_OPINION_STATE',
  INVALID_TRANSFER = 'INVALID_TRANSFER',
}
export const opinionError = errorFactory<OpinionErrorReason>({
  OPINION_NOT_FOUND: ErrorCode.NOT_FOUND,
  USER_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOT_HANDLER: ErrorCode.FORBIDDEN,
  NOT_RESPONSIBLE: ErrorCode.FORBIDDEN,
  ALREADY_ACCEPTED: ErrorCode.CONFLICT,
  WRONG_OPINION_STATE: ErrorCode.CONFLICT,
  INVALID_TRANSFER: ErrorCode.BAD_USER_INPUT,
});

/** Staff who take and handle opinions of an org (the org's secretary, officers over it). */
export const HANDLERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];
const READERS = [...HANDLERS, Role.INSPECTOR];
/** Besides the responsible person, who may hand an opinion on: an admin or leader over its org. */
const DISPATCHERS = [Role.TENANT_ADMIN, Role.LEADER];
const OVERDUE_SQL = `x.state IN ('RECEIVED', 'ACCEPTED') AND x.due_at < now()`;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const notFound = () => opinionError(OpinionErrorReason.OPINION_NOT_FOUND, 'Opinion not found');

export interface OpinionReceipt {
  followUpToken: string;
  orgName: string;
  dueAt: Date;
  state: OpinionState;
}

async function opinionHours(ctx: RequestContext): Promise<number> {
  return (await tenantService.settings(ctx)).opinionHours;
}

async function reload(ctx: RequestContext, tenantId: string, id: string): Promise<Opinion> {
  return ctx.tx.repository(Opinion).findOneByOrFail({ tenantId, id });
}

export const opinionService = {
  async find(ctx: RequestContext, id: string): Promise<Opinion | null> {
    const viewer = requireUser(ctx);
    const opinion = await ctx.tx.repository(Opinion).findOneBy({ tenantId: viewer.tenantId, id });
    if (!opinion) return null;
    if (opinion.responsibleId === viewer.userId) return opinion;
    const org = await orgService.findById(ctx, opinion.orgId);
    return org && inScope(viewer, org.path, READERS) ? opinion : null;
  },

  async getOrThrow(ctx: RequestContext, id: string): Promise<Opinion> {
    const opinion = await this.find(ctx, id);
    if (!opinion) throw notFound();
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
    const [row] = await ctx.tx.query(
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
    const link: LinkCode = await linkCodeService.resolve(ctx, input.code);
    if (!input.content.trim()) throw badInput('input.content', 'Say what the matter is');
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
    const org = await orgService.getInScopeOrThrow(ctx, input.orgId);
    if (!inScope(viewer, org.path, HANDLERS))
      throw opinionError(OpinionErrorReason.NOT_HANDLER, 'Only the org’s secretary or an officer over it takes its opinions');
    if (!input.content.trim()) throw badInput('input.content', 'Say what the matter is');
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
    const org = (await orgService.findById(ctx, opinion.orgId))!;
    if (!inScope(viewer, org.path, HANDLERS))
      throw opinionError(OpinionErrorReason.NOT_HANDLER, 'Only the org’s secretary or an officer over it takes its opinions');
    const [, changed] = await ctx.tx.query(
      `UPDATE opinions SET state = 'ACCEPTED', responsible_id = $3, accepted_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'RECEIVED'`,
      [viewer.tenantId, opinion.id, viewer.userId],
    );
    if (!changed)
      throw opinionError(
        OpinionErrorReason.ALREADY_ACCEPTED,
        'Someone has already taken this opinion; it stays with them unless they transfer it',
      );
    return reload(ctx, viewer.tenantId, opinion.id);
  },

  /** An explicit, recorded hand-over to another handler over the org: by the responsible, or an admin or leader over the org. */
  async transfer(ctx: RequestContext, id: string, toUserId: string, reason: string): Promise<Opinion> {
    const viewer = requireUser(ctx);
    const opinion = await this.getOrThrow(ctx, id);
    const org = (await orgService.findById(ctx, opinion.orgId))!;
    if (opinion.responsibleId !== viewer.userId && !(org && hasRoleOver(viewer, org.path, DISPATCHERS))) {
      throw opinionError(
        OpinionErrorReason.NOT_RESPONSIBLE,
        'Only the responsible person (or an admin or leader over the org) hands an opinion on',
      );
    }
    if (opinion.state !== OpinionState.ACCEPTED)
      throw opinionError(OpinionErrorReason.WRONG_OPINION_STATE, `A ${opinion.state} opinion is not handed on`);
    if (!reason.trim()) throw badInput('input.reason', 'Say why it is handed on');
    const rows: { disabled: boolean; handles: boolean }[] = await ctx.tx.query(
      `SELECT u.disabled, EXISTS (SELECT 1 FROM role_assignments ra JOIN orgs o ON o.tenant_id = ra.tenant_id AND o.id = ra.org_id
                                  WHERE ra.tenant_id = u.tenant_id AND ra.user_id = u.id AND ra.role = ANY($3::text[]) AND $4::ltree <@ o.path) AS handles
         FROM users u WHERE u.tenant_id = $1 AND u.id = $2`,
      [viewer.tenantId, toUserId, HANDLERS, org.path],
    );
    if (!rows.length) throw opinionError(OpinionErrorReason.USER_NOT_FOUND, 'User not found');
    if (rows[0].disabled || !rows[0].handles)
      throw opinionError(OpinionErrorReason.INVALID_TRANSFER, 'Hand it to a secretary or officer over the opinion’s org', 'input.toUserId');
    if (toUserId === opinion.responsibleId)
      throw opinionError(OpinionErrorReason.INVALID_TRANSFER, 'They are already responsible', 'input.toUserId');
    const [, changed] = await ctx.tx.query(
      `UPDATE opinions SET responsible_id = $4 WHERE tenant_id = $1 AND id = $2 AND state = 'ACCEPTED' AND responsible_id = $3`,
      [viewer.tenantId, opinion.id, opinion.responsibleId, toUserId],
    );
    if (!changed) throw opinionError(OpinionErrorReason.WRONG_OPINION_STATE, 'The opinion changed meanwhile; reload it');
    await ctx.tx.query(
      `INSERT INTO opinion_transfers (tenant_id, opinion_id, from_user_id, to_user_id, reason, transferred_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [viewer.tenantId, opinion.id, opinion.responsibleId, toUserId, reason.trim(), viewer.userId],
    );
    ctx.forget('opinion.transfers');
    return reload(ctx, viewer.tenantId, opinion.id);
  },

  /** The responsible person replies: ACCEPTED → REPLIED. */
  async reply(ctx: RequestContext, id: string, reply: string): Promise<Opinion> {
    const viewer = requireUser(ctx);
    const opinion = await this.getOrThrow(ctx, id);
    if (opinion.responsibleId !== viewer.userId)
      throw opinionError(
        OpinionErrorReason.NOT_RESPONSIBLE,
        'Only the responsible person replies (首问负责); accept it or have it transferred to you',
      );
    if (!reply.trim()) throw badInput('input.reply', 'The reply is empty');
    const [, changed] = await ctx.tx.query(
      `UPDATE opinions SET state = 'REPLIED', reply = $3, replied_by = $4, replied_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'ACCEPTED' AND responsible_id = $4`,
      [viewer.tenantId, opinion.id, reply.trim(), viewer.userId],
    );
    if (!changed) throw opinionError(OpinionErrorReason.WRONG_OPINION_STATE, `A ${opinion.state} opinion cannot be replied to`);
    return reload(ctx, viewer.tenantId, opinion.id);
  },

  /** The submitter's side, by follow-up token (no account): the opinion, read under RLS as its tenant. */
  async byFollowUp(ctx: RequestContext, token: string): Promise<Opinion> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw notFound();
    const rows: { tenant_id: string; opinion_id: string }[] = await ctx.tx.query(
      `SELECT tenant_id, opinion_id FROM app_opinion_by_follow_up($1)`,
      [tokenHash(token)],
    );
    if (rows.length !== 1) throw notFound();
    await linkCodeService.enter(ctx, rows[0].tenant_id).catch(() => {
      throw notFound();
    });
    const opinion = await ctx.tx.repository(Opinion).findOneBy({ tenantId: rows[0].tenant_id, id: rows[0].opinion_id });
    if (!opinion) throw notFound();
    return opinion;
  },

  /** The submitter rates the reply: REPLIED → CLOSED (办结). */
  async rateReply(ctx: RequestContext, token: string, satisfaction: number, comment: string | null): Promise<Opinion> {
    const opinion = await this.byFollowUp(ctx, token);
    const [, changed] = await ctx.tx.query(
      `UPDATE opinions SET state = 'CLOSED', satisfaction = $3, satisfaction_comment = $4, closed_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'REPLIED'`,
      [opinion.tenantId, opinion.id, satisfaction, comment?.trim() || null],
    );
    if (!changed)
      throw opinionError(
        OpinionErrorReason.WRONG_OPINION_STATE,
        opinion.state === OpinionState.CLOSED ? 'The reply has already been rated' : 'There is no reply to rate yet',
      );
    return reload(ctx, opinion.tenantId, opinion.id);
  },

  async orgName(ctx: RequestContext, opinion: Opinion): Promise<string> {
    const [row] = await ctx.tx.query(`SELECT name FROM orgs WHERE tenant_id = $1 AND id = $2`, [opinion.tenantId, opinion.orgId]);
    return row.name;
  },

  /** Opinions of orgs in the subtree (within the viewer's read scope) and those it is responsible for; overdue: not replied within the limit. */
  async list(
    ctx: RequestContext,
    filter: { under?: Org | null; state?: OpinionState; overdue?: boolean; responsibleToMe?: boolean },
    first: number,
    after?: string,
  ): Promise<Page<Opinion>> {
    const viewer = requireUser(ctx);
    const roots = filter.under ? scopedRootsUnder(viewer, filter.under.path, READERS) : scopePaths(viewer, READERS);
    const build = () => {
      const scope = underAnySql('o', roots);
      const qb = ctx.tx
        .repository(Opinion)
        .createQueryBuilder('x')
        .innerJoin('orgs', 'o', 'o.tenant_id = x.tenant_id AND o.id = x.org_id')
        .where('x.tenant_id = :t', { t: viewer.tenantId });
      if (filter.under)
        qb.andWhere(`(${scope.sql} OR (x.responsible_id = :me AND o.path <@ CAST(:under AS ltree)))`, {
          ...scope.params,
          me: viewer.userId,
          under: filter.under.path,
        });
      else qb.andWhere(`(${scope.sql} OR x.responsible_id = :me)`, { ...scope.params, me: viewer.userId });
      if (filter.responsibleToMe) qb.andWhere('x.responsible_id = :me', { me: viewer.userId });
      if (filter.state) qb.andWhere('x.state = :state', { state: filter.state });
      if (filter.overdue === true) qb.andWhere(OVERDUE_SQL);
      if (filter.overdue === false) qb.andWhere(`NOT (${OVERDUE_SQL})`);
      return qb;
    };
    const qb = build()
      .orderBy('x.due_at', 'ASC')
      .addOrderBy('x.id', 'ASC')
      .limit(first + 1);
    const cursor = decodeCursor(after, 2);
    if (cursor) qb.andWhere('(x.due_at, x.id) > (CAST(:d AS timestamptz), CAST(:i AS uuid))', { d: cursor[0], i: cursor[1] });
    return pageFrom(
      await qb.getMany(),
      first,
      after,
      (x) => encodeCursor([x.dueAt.toISOString(), x.id]),
      () => build().getCount(),
    );
  },

  isOverdue(o: Opinion): boolean {
    return (o.state === OpinionState.RECEIVED || o.state === OpinionState.ACCEPTED) && o.dueAt.getTime() < Date.now();
  },

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
    if (opinion.responsibleId === viewer.userId) return opinion.contactMasked;
    const org = await orgService.findById(ctx, opinion.orgId);
    return org && inScope(viewer, org.path, HANDLERS) ? opinion.contactMasked : null;
  },
};
