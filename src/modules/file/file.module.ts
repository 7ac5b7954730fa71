import { DomainModule } from '../domain-module';
import { File } from './file.entity';
import { FileResolver } from './file.resolver';
import { registerFileRoutes } from './file.routes';
import { seedFiles } from './file.seed';
import { fileService } from './file.service';
import { fileSweeps } from './file.sweeps';

export default {
  name: 'file',
  resolvers: [FileResolver],
  entities: [File],
  nodes: { File: (ctx, id) => fileService.find(ctx, id) },
  routes: registerFileRoutes,
  sweeps: fileSweeps,
  seedDemo: seedFiles,
} satisfies DomainModule;
