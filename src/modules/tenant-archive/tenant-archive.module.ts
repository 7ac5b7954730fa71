import { DomainModule } from '../domain-module';
import { registerTenantArchiveRoutes } from './tenant-archive.routes';

/** 单位数据导出与恢复: a whole tenant as one streamed tar archive (GET /tenant-archives/:slug) and back (POST /tenant-archives). */
export default {
  name: 'tenant-archive',
  resolvers: [],
  entities: [],
  nodes: {},
  routes: registerTenantArchiveRoutes,
} satisfies DomainModule;
