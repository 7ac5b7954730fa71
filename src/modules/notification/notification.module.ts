import { DomainModule } from '../domain-module';
import { Notification } from './notification.entity';
import { NotificationResolver } from './notification.resolver';
import { notificationService } from './notification.service';
import { seedNotifications } from './notification.seed';
import { notificationPruneSweeps } from './notification.sweeps';
import { notificationSweeps } from './sweeps';
import { notifyOnEvents } from './events';

export default {
  name: 'notification',
  resolvers: [NotificationResolver],
  entities: [Notification],
  nodes: { Notification: (ctx, id) => notificationService.find(ctx, id) },
  seedDemo: seedNotifications,
  sweeps: [...notificationSweeps, ...notificationPruneSweeps],
  /** Events that give someone a task notify them in the same transaction (events.ts). */
  aroundMutation: notifyOnEvents,
} satisfies DomainModule;
