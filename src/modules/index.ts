import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { FastifyInstance } from 'fastify';
import { DomainModule, Job, LiveReread, MutationHook, NodeFetcher, ReadAhead, RouteDeps, Sweep } from './domain-module';

/**
 * Every domain module under src/modules, in folder order. Found on disk (each folder's
 * `<folder>.module.ts`, or `.js` once built) so that adding a domain never edits a shared list.
 */
function discover(): DomainModule[] {
  const found: DomainModule[] = [];
  for (const dir of readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    const base = path.join(__dirname, dir, `${dir}.module`);
    if (!existsSync(`${base}.ts`) && !existsSync(`${base}.js`)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(base) as { default?: DomainModule };
    if (!exported.default) throw new Error(`${dir}.module must export default a DomainModule`);
    found.push(exported.default);
  }
  return found;
}

export const domainModules: DomainModule[] = discover();
export const moduleResolvers = domainModules.flatMap((m) => m.resolvers);
export const moduleEntities = domainModules.flatMap((m) => m.entities);
export const moduleNodes: Record<string, NodeFetcher> = Object.assign({}, ...domainModules.map((m) => m.nodes));
/** Every module's read-ahead root fields (src/graphql/read-ahead.ts), by field name. */
export const moduleReadAheads: Record<string, ReadAhead> = {};
for (const m of domainModules) {
  for (const [field, readAhead] of Object.entries(m.readAhead ?? {})) {
    if (moduleReadAheads[field]) throw new Error(`Read-ahead for ${field} is registered twice`);
    moduleReadAheads[field] = readAhead;
  }
}
export const mutationHooks: MutationHook[] = domainModules.flatMap((m) => (m.aroundMutation ? [m.aroundMutation] : []));

/** Registers every module's own HTTP routes (file downloads and uploads) on the app. */
export function registerModuleRoutes(fastify: FastifyInstance, deps: RouteDeps): void {
  for (const m of domainModules) m.routes?.(fastify, deps);
}

/** Every module's sweeps; a name is a queue, so two modules may not register the same one. */
export const moduleSweeps: Sweep[] = domainModules.flatMap((m) => m.sweeps ?? []);
for (const [i, sweep] of moduleSweeps.entries()) {
  if (moduleSweeps.findIndex((s) => s.name === sweep.name) !== i) throw new Error(`Sweep ${sweep.name} is registered twice`);
}
/** Every module's on-demand jobs; a name is a queue, unique like the sweeps'. */
export const moduleJobs: Job[] = domainModules.flatMap((m) => m.jobs ?? []);
for (const [i, job] of moduleJobs.entries()) {
  if (moduleJobs.findIndex((j) => j.name === job.name) !== i) throw new Error(`Job ${job.name} is registered twice`);
}
export const moduleLiveTopics: Record<string, LiveReread> = Object.assign({}, ...domainModules.map((m) => m.liveTopics ?? {}));
