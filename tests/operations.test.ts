import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';

const dir = path.join(__dirname, '..', 'docs', 'operations');
const schema = buildSchema(readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));
const files = readdirSync(dir).filter((f) => f.endsWith('.graphql'));

/** The documents a frontend team starts from: each must stay valid against the schema as it changes. */
describe('docs/operations against the schema', () => {
  it('has the main screens', () => {
    expect(files.length).toBeGreaterThanOrEqual(1);
  });

  it.each(files)('%s is valid, and every operation is named', (file) => {
    const document = parse(readFileSync(path.join(dir, file), 'utf8'));
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    const unnamed = document.definitions.filter((d) => d.kind === 'OperationDefinition' && !d.name);
    expect(unnamed).toEqual([]);
  });
});
