import { RequestTransaction } from '../../db/request-transaction';
import { RequestContext, requireUser } from '../../graphql/context';
import { coreError } from '../../graphql/errors';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeCursor } from '../../graphql/relay';
import { LiveTopic, notifyLive } from '../../graphql/live';
import { Notification, NotificationKind } from './notification.entity';
import { notificationError } from './notification.errors';

/** The most notifications one `markNotificationsRead(all: true)` marks (the newest unread first). */
export const MARK_ALL_AT_ONCE = 5000;

/** A notification to write; (kind, subjectId, orgId, occurrence, userId) is its idempotency key. */
export interface NotificationDraft {
  userId: string;
  kind: NotificationKind;
  subjectType: string;
  subjectId: string;
  orgId: string;
  occurrence: string;
  title: string;
  body: string;
}

/** Officer roles answerable for an org: the holders at the org itself, else at its nearest ancestor that has any. */
export const RESPONSIBLE_ROLES = ['TENANT_ADMIN', 'LEADER', 'SUPERVISOR', 'SECRETARY'];

/**
 * The users answerable for each org (one statement for all of them): officer roles held at the org
 * itself, or, where it has none, at its nearest ancestor that has some. Disabled users are left out.
 */
export async function responsibleOfficers(tx: RequestTransaction, tenantId: string, orgIds: string[]): Promise<Map<string, string[]>> {
  const unique = [...new Set(orgIds)];
  const result = new Map<string, string[]>(unique.map((id) => [id, []]));
  if (!unique.length) return result;
  const rows = await tx.query<{ org_id: string; user_id: string }>(
    `WITH cand AS (
       SELECT o.id AS org_id, ra.user_id, nlevel(ro.path) AS lvl
         FROM orgs o
         JOIN orgs ro ON ro.tenant_id = o.tenant_id AND o.path_key >= ro.path_key AND o.path_key < ro.path_key || '/'
         JOIN role_assignments ra ON ra.tenant_id = ro.tenant_id AND ra.org_id = ro.id AND ra.role = ANY($3::text[])
         JOIN users u ON u.tenant_id = ra.tenant_id AND u.id = ra.user_id AND NOT u.disabled
        WHERE o.tenant_id = $1 AND o.id = ANY($2::uuid[])
     )
     SELECT DISTINCT org_id, user_id FROM cand c WHERE lvl = (SELECT max(lvl) FROM cand d WHERE d.org_id = c.org_id)`,
    [tenantId, unique, RESPONSIBLE_ROLES],
  );
  for (const r of rows) result.get(r.org_id)?.push(r.user_id);
  return result;
}

/**
 * Writes notifications, skipping every one whose key already exists: a sweep run twice, or two
 * workers racing, create each reminder once. Returns how many were new.
 */
export async function insertNotifications(tx: RequestTransaction, tenantId: string, drafts: NotificationDraft[]): Promise<number> {
  if (!drafts.length) return 0;
  const rows = await tx.query<{ id: string; user_id: string }>(
    `INSERT INTO notifications (tenant_id, user_id, kind, subject_type, subject_id, org_id, occurrence, title, body)
     SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::date[], $8::text[], $9::text[])
     ON CONFLICT (tenant_id, kind, subject_id, org_id, occurrence, user_id) DO NOTHING
     RETURNING id, user_id`,
    [
      tenantId,
      drafts.map((d) => d.userId),
      drafts.map((d) => d.kind),
      drafts.map((d) => d.subjectType),
      drafts.map((d) => d.subjectId),
      drafts.map((d) => d.orgId),
      drafts.map((d) => d.occurrence),
      drafts.map((d) => d.title.slice(0, 500)),
      drafts.map((d) => d.body.slice(0, 5000)),
    ],
  );
  await notifyLive(tx, { topic: LiveTopic.NOTIFICATION_ADDED, ids: rows.map((r) => r.id), users: rows.map((r) => r.user_id) });
  return rows.length;
}

export const notificationService = {
  /** A notification exists only for its recipient: anyone else gets null, like an unknown id. */
  async find(ctx: RequestContext, id: string): Promise<Notification | null> {
    const viewer = requireUser(ctx);
    return ctx.tx.repository(Notification).findOneBy({ tenantId: viewer.tenantId, userId: viewer.userId, id });
  },

  /** The viewer's own notifications, newest first. */
  async list(ctx: RequestContext, unreadOnly: boolean, first: number, after?: string): Promise<Page<Notification>> {
    const viewer = requireUser(ctx);
    const cursor = decodeCursor(after, 1);
    if (cursor && !/^\d{1,19}$/.test(String(cursor[0]))) throw coreError('INVALID_CURSOR', 'after');
    const build = () => {
      const qb = ctx.tx
        .repository(Notification)
        .createQueryBuilder('n')
        .where('n.tenant_id = :t AND n.user_id = :u', { t: viewer.tenantId, u: viewer.userId });
      if (unreadOnly) qb.andWhere('n.read_at IS NULL');
      return qb;
    };
    return keysetPage(build, [{ sql: 'n.seq', type: 'numeric', of: (n) => n.seq, desc: true }], first, after);
  },

  async unreadCount(ctx: RequestContext): Promise<number> {
    const viewer = requireUser(ctx);
    const [row] = await ctx.tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL`,
      [viewer.tenantId, viewer.userId],
    );
    return row.n;
  },

  /**
   * Marks the given notifications (or all) read. An id that is not the viewer's own is NOT_FOUND and
   * nothing changes; marking an already read one keeps its first read time. `all` marks the newest
   * MARK_ALL_AT_ONCE unread ones: a request's work stays bounded however many have piled up (the
   * payload's unreadCount tells the client to ask again); concurrent calls skip each other's rows.
   */
  async markRead(ctx: RequestContext, ids: string[] | 'all'): Promise<number> {
    const viewer = requireUser(ctx);
    if (ids === 'all') {
      return ctx.tx.execute(
        // the ids taken once (an uncorrelated ARRAY(…) runs once): as an IN (…) the locking LIMIT may be rescanned
        // per row, skipping the rows this statement already updated, until it has taken every unread one
        `UPDATE notifications SET read_at = now()
          WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL AND id = ANY(ARRAY(
                SELECT id FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL
                 ORDER BY seq DESC LIMIT $3 FOR UPDATE SKIP LOCKED))`,
        [viewer.tenantId, viewer.userId, MARK_ALL_AT_ONCE],
      );
    }
    if (!ids.length) throw notificationError('NOTHING_TO_MARK', 'input.ids');
    const unique = [...new Set(ids)];
    const own = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND id = ANY($3::uuid[])`,
      [viewer.tenantId, viewer.userId, unique],
    );
    if (own.length !== unique.length) throw notificationError('NOTIFICATION_NOT_FOUND', 'input.ids');
    return ctx.tx.execute(
      `UPDATE notifications SET read_at = now() WHERE tenant_id = $1 AND user_id = $2 AND id = ANY($3::uuid[]) AND read_at IS NULL`,
      [viewer.tenantId, viewer.userId, unique],
    );
  },
};
