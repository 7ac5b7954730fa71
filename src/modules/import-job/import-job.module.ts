import { DomainModule } from '../domain-module';
import { ImportJob } from './import-job.entity';
import { ImportJobResolver } from './import-job.resolver';
import { registerImportJobRoutes } from './import-job.routes';
import { seedImportJobDemo } from './import-job.seed';
import { IMPORT_JOB, importJobService } from './import-job.service';

/** 导入任务: org and user files of any size imported in the background (the upload routes, the job, its resume sweep). */
export default {
  name: 'import-job',
  resolvers: [ImportJobResolver],
  entities: [ImportJob],
  nodes: { ImportJob: (ctx, id) => importJobService.find(ctx, id) },
  routes: registerImportJobRoutes,
  jobs: [{ name: IMPORT_JOB, expireInSeconds: 6 * 3600, run: (deps, data) => importJobService.run(deps, data) }],
  seedDemo: seedImportJobDemo,
  sweeps: [{ name: 'import-jobs-resume', schedule: '* * * * *', runAtStart: true, run: (deps) => importJobService.resume(deps) }],
} satisfies DomainModule;
