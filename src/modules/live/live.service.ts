import { RequestContext, requireUser } from '../../graphql/context';
import { LiveEvent, RESYNC } from '../../graphql/live';
import { fetchNode } from '../../graphql/node-fetch';
import { Notification } from '../notification/notification.entity';
import { notificationService } from '../notification/notification.service';

/** What a taskChanged subscriber receives: a kind and the subject's global id (none for RESYNC). */
export interface TaskChangeShape {
  kind: string;
  subjectId: string | null;
}

/**
 * The re-reads of live events, one per topic, each under the subscriber's identity (ctx: its tenant
 * for row-level security, its viewer for the services' scope checks): a subscriber receives only
 * what a query of its own would show it.
 */
export const liveService = {
  /** New notifications: the subscriber's own, read back as `notifications` reads them. */
  async notificationsAdded(ctx: RequestContext, event: LiveEvent): Promise<Notification[]> {
    requireUser(ctx);
    const found = await Promise.all(event.ids.map((id) => notificationService.find(ctx, id)));
    return found.filter((n): n is Notification => n !== null);
  },

  /** Changed tasks: one change per subject the subscriber may see through node(id:); RESYNC for everyone. */
  async tasksChanged(ctx: RequestContext, event: LiveEvent): Promise<TaskChangeShape[]> {
    requireUser(ctx);
    if (event.kind === RESYNC) return [{ kind: RESYNC, subjectId: null }];
    const kind = event.kind ?? '';
    const seen = await Promise.all(event.ids.map((id) => fetchNode(ctx, id)));
    return event.ids.filter((_, i) => seen[i] !== null).map((subjectId) => ({ kind, subjectId }));
  },
};
