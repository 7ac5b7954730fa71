import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (where package.json lives), from src/ under ts-jest or dist/src/ when built. */
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot(__dirname);
export const templatesDir = path.join(projectRoot, 'templates');
