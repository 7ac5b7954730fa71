import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { printedSchema } from '../src/graphql/print-schema';
import { buildSchema, parse, validate } from 'graphql';
import { TestServer, startTestServer } from './helpers/server';

/**
 * The published contract: schema.graphql printed from the code, and every documented operation in
 * docs/operations valid against it and answered by the running server.
 */

describe('schema.graphql', () => {
  it('is the printed schema of the code (run `npm run schema:print` after changing the API)', async () => {
    const committed = readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printedSchema());
  });
});

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

/** The queries a screen opens with (every variable optional) run on the demo as the admin, without an error. */
describe('docs/operations on the running server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
  }, 120_000);
  afterAll(() => server?.close());

  const openers = files.flatMap((file) =>
    parse(readFileSync(path.join(dir, file), 'utf8'))
      .definitions.filter((d) => d.kind === 'OperationDefinition' && d.operation === 'query')
      .filter(
        (d) =>
          d.kind === 'OperationDefinition' && (d.variableDefinitions ?? []).every((v) => v.type.kind !== 'NonNullType' || v.defaultValue),
      )
      .map((d) => [file, d.kind === 'OperationDefinition' ? d.name!.value : '', readFileSync(path.join(dir, file), 'utf8')] as const),
  );

  it('has openers to run', () => expect(openers.length).toBeGreaterThanOrEqual(6));

  it.each(openers)('%s › %s answers without errors', async (_file, operationName, query) => {
    // the whole document (its fragments included), running the one operation by name
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token('jtj', 'admin')}` },
      body: JSON.stringify({ query, operationName }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data).toBeTruthy();
  });
});
