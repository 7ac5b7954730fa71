import { DomainModule } from '../domain-module';
import { registerReportRoutes } from './report.routes';

/** 报表与导入: no GraphQL types of its own; the file downloads (/exports/…) and uploads (/imports/…) beside /graphql. */
export default {
  name: 'report',
  resolvers: [],
  entities: [],
  nodes: {},
  routes: registerReportRoutes,
} satisfies DomainModule;
