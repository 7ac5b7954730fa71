import { randomUUID } from 'node:crypto';
import { globalId } from './helpers/ids';
import { TestServer, codes, startTestServer } from './helpers/server';

/**
 * Global ids come from the client: whatever type name one decodes to, the answer is the answer for an
 * unknown id, never an internal error (node() once looked fetchers up in a plain object, where
 * `constructor` and `__proto__` exist).
 */
describe('global ids of types that do not exist', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const names = [
    'constructor',
    '__proto__',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'prototype',
    '__defineGetter__',
    'isPrototypeOf',
    'Nope',
  ];

  it.each(['admin', 'member'])('node(id:) answers null, like an unknown id, as %s', async (username) => {
    const token = await server.token('jtj', username);
    const unknownOrg = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId('Org', randomUUID()) }, token);
    expect(unknownOrg).toEqual({ status: 200, data: { node: null } });
    for (const name of names) {
      const res = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId(name, randomUUID()) }, token);
      expect({ name, res }).toEqual({ name, res: unknownOrg });
    }
    const many = await server.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: names.map((n) => globalId(n, randomUUID())) },
      token,
    );
    expect(many).toEqual({ status: 200, data: { nodes: names.map(() => null) } });
  });

  it('an id argument of another type answers NOT_FOUND, never an internal error', async () => {
    const token = await server.token('jtj', 'admin');
    for (const name of names) {
      const res = await server.gql(`query($id: ID!) { org(id: $id) { id } }`, { id: globalId(name, randomUUID()) }, token);
      expect({ name, codes: codes(res), org: res.data?.org ?? null }).toEqual({ name, codes: ['NOT_FOUND'], org: null });
    }
  });
});
