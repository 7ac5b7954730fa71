import { TestServer, startTestServer, tokens } from './helpers/server';

/**
 * Partial updates (an outside audit): a field left out keeps what is stored; `null` clears only where the
 * schema says so, and every input field whose `null` clears a stored value says so in its description.
 * (Concurrent partial updates of different fields: tests/long/concurrency.e2e.test.ts.)
 */
describe('partial updates: what null does is what the schema says', () => {
  let server: TestServer;
  let t: Record<string, string>;
  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await server.gql(query, variables, token);
    expect(res.errors).toBeUndefined();
    return res.data;
  };
  const description = async (type: string, field: string) =>
    (
      (await gql(`query($t: String!) { __type(name: $t) { inputFields { name description } } }`, { t: type }, t.admin)).__type
        .inputFields as { name: string; description: string }[]
    ).find((f) => f.name === field)!.description;

  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server, 'jtj', ['admin']);
  }, 60_000);
  afterAll(() => server.close());

  it('updateCriterion: a field left out keeps its value, null clears what a criterion may lack, and the schema says so', async () => {
    const draft = (
      await gql(`mutation { importFramework(input: { template: "sqsy" }) { id criteria { id code scoringType } } }`, {}, t.admin)
    ).importFramework;
    const counted = draft.criteria.find((c: { code: string }) => c.code === 'Q8.1');
    const FIELDS = `code title weight maxScore scoringType target source { kind }`;
    const update = (input: Record<string, unknown>) =>
      gql(
        `mutation($input: UpdateCriterionInput!) { updateCriterion(input: $input) { ${FIELDS} } }`,
        { input: { id: counted.id, ...input } },
        t.admin,
      );
    const before = (await update({})).updateCriterion;
    expect(before).toMatchObject({ maxScore: 10, scoringType: 'COUNT', target: 5 });
    // absent: kept; null on a field a criterion cannot lack (title, weight): kept
    expect((await update({ title: null, weight: null })).updateCriterion).toEqual(before);
    // null on a field a criterion may lack: cleared
    expect((await update({ target: null })).updateCriterion).toEqual({ ...before, target: null });
    expect((await update({ maxScore: null })).updateCriterion).toEqual({ ...before, target: null, maxScore: null });
    for (const field of ['maxScore', 'scoringType', 'target', 'deductionPer', 'source'])
      expect([field, await description('UpdateCriterionInput', field)]).toEqual([field, expect.stringContaining('传 null')]);
  });

  it('says where null clears in an inspection draft: a score’s note, a follow-up check’s result and note', async () => {
    expect(await description('InspectionScoreInput', 'note')).toContain('传 null');
    expect(await description('FollowUpInput', 'fixed')).toContain('传 null');
    expect(await description('FollowUpInput', 'note')).toContain('传 null');
  });
});
