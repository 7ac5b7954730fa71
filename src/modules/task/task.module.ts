import { DomainModule } from '../domain-module';
import { TaskResolver, ViewerTaskResolver } from './task.resolver';

/** 待办: viewer.tasks and viewer.taskCounts, read from the other modules' tables; it stores nothing itself. */
export default {
  name: 'task',
  resolvers: [ViewerTaskResolver, TaskResolver],
  entities: [],
  nodes: {},
} satisfies DomainModule;
