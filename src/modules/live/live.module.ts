import { LiveTopic } from '../../graphql/live';
import { DomainModule } from '../domain-module';
import { LiveResolver } from './live.resolver';
import { liveService } from './live.service';

/** Live updates: the subscriptions and, per topic, what a subscriber may see of an event. */
export default {
  name: 'live',
  resolvers: [LiveResolver],
  entities: [],
  nodes: {},
  liveTopics: {
    [LiveTopic.NOTIFICATION_ADDED]: liveService.notificationsAdded,
    [LiveTopic.TASK_CHANGED]: liveService.tasksChanged,
  },
} satisfies DomainModule;
