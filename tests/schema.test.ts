import { readFileSync } from 'node:fs';
import path from 'node:path';
import { printedSchema } from '../src/graphql/print-schema';

describe('schema.graphql', () => {
  it('is the printed schema of the code (run `npm run schema:print` after changing the API)', async () => {
    const committed = readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printedSchema());
  });
});
