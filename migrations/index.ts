import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Every migration file in this folder (`<timestamp>-<name>.ts`, or `.js` once built), in timestamp
 * order. Found on disk so that tsc builds and ts-jest runs see the same set, and a new domain's
 * migration needs no edit here.
 */
function discover(): Function[] {
  return readdirSync(__dirname)
    .filter((file) => /^\d{13}-[a-z0-9-]+\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'))
    .sort()
    .flatMap((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = require(path.join(__dirname, file)) as Record<string, unknown>;
      return Object.values(exported).filter((v): v is Function => typeof v === 'function');
    });
}

export const migrations = discover();
