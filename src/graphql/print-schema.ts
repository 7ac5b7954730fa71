import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSchema } from 'graphql';
import { getSchema } from './schema';

/** Writes the printed SDL to schema.graphql at the repository root (npm run schema:print). */
export async function printedSchema(): Promise<string> {
  return `${printSchema(await getSchema())}\n`;
}

if (require.main === module) {
  printedSchema().then((sdl) => {
    const file = path.resolve(__dirname, '../../../schema.graphql');
    writeFileSync(file, sdl);
    console.log(`wrote ${file}`);
  });
}
