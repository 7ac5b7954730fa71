import { Client } from 'pg';
import { day } from './helpers/dates';
import { TestServer, codes, startTestServer, tokens } from './helpers/server';
import { orgIds } from './helpers/story';

/**
 * What a person holds as a person (the cadre of a pairing, the one responsible for an opinion) ends with
 * the roles that gave it: once every officer role of the secretary is revoked (it stays a plain member),
 * its pairing, the person in difficulty, its opinion and their tasks are read and acted on only by the
 * officers over their orgs, as for anyone else.
 */
describe('a person’s records after its roles are revoked', () => {
  let server: TestServer;
  let su: Client;
  let t: Record<'admin' | 'secretary', string>;
  let orgs: Record<string, string>;
  let pairingId: string;
  let personId: string;
  let opinionId: string;

  const gql = (query: string, variables: Record<string, unknown>, token: string) => server.gql(query, variables, token);
  const READ = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`;
  const LISTS = `{ pairings { nodes { id } } opinions { nodes { id } } viewer { tasks(kind: [PAIRING_VISIT, OPINION]) { nodes { kind } } } }`;

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['admin', 'secretary']);
    orgs = await orgIds(server, 'jtj');
    const branch = orgs['第一车队党支部'];
    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes as {
      id: string;
      username: string;
    }[];
    const secretaryId = users.find((u) => u.username === 'secretary')!.id;
    const person = await gql(
      `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id } }`,
      { input: { orgId: branch, name: '王大爷', kind: 'RESIDENT', difficulty: '独居老人，行动不便', contact: '13912345678' } },
      t.admin,
    );
    personId = person.data.createPairingPerson.id;
    const pairing = await gql(
      `mutation($input: CreatePairingInput!) { createPairing(input: $input) { id } }`,
      { input: { cadreId: secretaryId, personId, note: '每月走访', startedOn: day(-60) } },
      t.secretary,
    );
    expect(pairing.errors).toBeUndefined();
    pairingId = pairing.data.createPairing.id;
    const opinion = await gql(
      `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { opinion { id } } }`,
      { input: { orgId: branch, content: '希望增加夜班线路', contact: '13800001111' } },
      t.secretary,
    );
    expect(opinion.errors).toBeUndefined();
    opinionId = opinion.data.recordOpinion.opinion.id;
  }, 60_000);
  afterAll(() => server.close());

  it('reads and acts while the roles stand, and nothing of it once they are revoked; the officers over the org still do', async () => {
    // while a secretary: its pairing, the person, its opinion and their tasks
    expect((await gql(READ, { ids: [pairingId, personId, opinionId] }, t.secretary)).data.nodes).toEqual([
      { id: pairingId },
      { id: personId },
      { id: opinionId },
    ]);
    const listed = await gql(LISTS, {}, t.secretary);
    expect(listed.errors).toBeUndefined();
    const before = listed.data;
    expect(before.pairings.nodes).toEqual([{ id: pairingId }]);
    expect(before.opinions.nodes.map((o: { id: string }) => o.id)).toContain(opinionId);
    expect(new Set(before.viewer.tasks.nodes.map((k: { kind: string }) => k.kind))).toEqual(new Set(['PAIRING_VISIT', 'OPINION']));

    // every officer role revoked: a plain member of its branch from now on
    await su.query(
      `UPDATE role_assignments SET role = 'MEMBER' WHERE user_id = (SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.username = 'secretary' AND t.slug = 'jtj')`,
    );
    expect((await gql(READ, { ids: [pairingId, personId, opinionId] }, t.secretary)).data.nodes).toEqual([null, null, null]);
    expect((await gql(LISTS, {}, t.secretary)).data).toEqual({
      pairings: { nodes: [] },
      opinions: { nodes: [] },
      viewer: { tasks: { nodes: [] } },
    });
    const visit = await gql(
      `mutation($input: LogPairingVisitInput!) { logPairingVisit(input: $input) { id } }`,
      { input: { pairingId, visitedOn: day(-1), note: '上门看望' } },
      t.secretary,
    );
    expect(codes(visit)).toEqual(['NOT_FOUND']);
    const reply = await gql(
      `mutation($id: ID!) { replyOpinion(input: { id: $id, reply: "已反映" }) { id } }`,
      { id: opinionId },
      t.secretary,
    );
    expect(codes(reply)).toEqual(['NOT_FOUND']);
    // nothing written by the refused acts
    const { rows } = await su.query<{ state: string; reply: string | null; visits: number }>(
      `SELECT o.state, o.reply, (SELECT count(*)::int FROM pairing_visits) AS visits FROM opinions o WHERE o.content = '希望增加夜班线路'`,
    );
    expect(rows).toEqual([{ state: 'ACCEPTED', reply: null, visits: 0 }]);

    // the officers over the branch still read them all
    expect((await gql(READ, { ids: [pairingId, personId, opinionId] }, t.admin)).data.nodes).toEqual([
      { id: pairingId },
      { id: personId },
      { id: opinionId },
    ]);
  });
});
