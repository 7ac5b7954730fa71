import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Core is free of domains (issue 11): src/auth, src/db, src/graphql and src/jobs (and config.ts,
 * app.ts) import no domain folder. They reach the modules only through the registry
 * (src/modules/index.ts: resolvers, entities, Node fetchers, mutation hooks, routes, sweeps) and the
 * contract (src/modules/domain-module.ts); a module registers what core calls in its x.module.ts.
 */
const SRC = path.join(__dirname, '..', 'src');
const CORE_FOLDERS = ['auth', 'db', 'graphql', 'jobs'];
const CORE_FILES = ['config.ts', 'app.ts'];
/** The two files of src/modules core may import, without extension. */
const ALLOWED = new Set(['modules', 'modules/index', 'modules/domain-module']);

function coreFiles(): string[] {
  const inFolders = CORE_FOLDERS.flatMap((folder) =>
    readdirSync(path.join(SRC, folder), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(SRC, folder, f)),
  );
  return [...inFolders, ...CORE_FILES.map((f) => path.join(SRC, f))];
}

/** Every module specifier a file names: static imports and re-exports, `import type`, require() and import(). */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The domain folder paths (`modules/<name>/…`, relative to src, no extension) a file imports that core may not. */
function domainImports(file: string, source: string): string[] {
  return specifiers(source)
    .filter((s) => s.startsWith('.'))
    .map((s) =>
      path
        .relative(SRC, path.resolve(path.dirname(file), s))
        .split(path.sep)
        .join('/')
        .replace(/\.(ts|js)$/, ''),
    )
    .filter((target) => (target === 'modules' || target.startsWith('modules/')) && !ALLOWED.has(target));
}

describe('core imports no domain folder', () => {
  it('finds a domain import in every form it can take, and lets the registry and the contract through', () => {
    const file = path.join(SRC, 'graphql', 'example.ts');
    const source = [
      `import { orgService } from '../modules/org/org.service';`,
      `import type { User } from '../modules/user/user.entity';`,
      `export { Tenant } from '../modules/tenant/tenant.entity';`,
      `import '../modules/audit/audit.module';`,
      `const lazy = () => import('../modules/notification/sweeps');`,
      `const required = require('../modules/report/report.routes');`,
      `import { moduleResolvers } from '../modules';`,
      `import { domainModules } from '../modules/index';`,
      `import { DomainModule } from '../modules/domain-module';`,
      `import { Role } from '../auth/roles';`,
      `import { DataSource } from 'typeorm';`,
    ].join('\n');
    expect(domainImports(file, source)).toEqual([
      'modules/org/org.service',
      'modules/user/user.entity',
      'modules/tenant/tenant.entity',
      'modules/audit/audit.module',
      'modules/notification/sweeps',
      'modules/report/report.routes',
    ]);
  });

  it('holds for src/auth, src/db, src/graphql, src/jobs, src/config.ts and src/app.ts', () => {
    const files = coreFiles();
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((file) =>
      domainImports(file, readFileSync(file, 'utf8')).map((target) => `${path.relative(SRC, file)} imports ${target}`),
    );
    expect(offenders).toEqual([]);
  });
});
