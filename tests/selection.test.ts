import { GraphQLResolveInfo, buildSchema, graphql } from 'graphql';
import { askedArgument, asksFor } from '../src/graphql/selection';

/**
 * What a list's resolver reads of the request below it (src/graphql/selection.ts): a field's argument under
 * `nodes` or `edges.node`, through fragments, and whether a field is asked for; run by graphql-js itself.
 */
describe('the selection a resolver is asked', () => {
  const schema = buildSchema(`
    type Result { total: Float }
    type Org { id: ID!  name: String  updatedAt: String  result(campaign: ID!): Result }
    type Edge { node: Org }
    type Page { nodes: [Org!]!  edges: [Edge!]! }
    type Query { orgs: Page }
  `);
  const seen = async (source: string, variableValues: Record<string, unknown> = {}) => {
    let info: GraphQLResolveInfo | undefined;
    const result = await graphql({
      schema,
      source,
      variableValues,
      rootValue: {
        orgs: (_args: unknown, _ctx: unknown, i: GraphQLResolveInfo) => {
          info = i;
          return { nodes: [], edges: [] };
        },
      },
    });
    expect(result.errors).toBeUndefined();
    return {
      campaign: askedArgument(info!, ['nodes', 'result'], 'campaign') ?? askedArgument(info!, ['edges', 'node', 'result'], 'campaign'),
    };
  };

  it('finds the argument plainly, by variable, through inline and named fragments and under edges', async () => {
    expect((await seen(`{ orgs { nodes { id result(campaign: "c1") { total } } } }`)).campaign).toBe('c1');
    expect((await seen(`query($c: ID!) { orgs { nodes { result(campaign: $c) { total } } } }`, { c: 'c2' })).campaign).toBe('c2');
    expect((await seen(`{ orgs { nodes { ... on Org { result(campaign: "c3") { total } } } } }`)).campaign).toBe('c3');
    expect((await seen(`{ orgs { nodes { ...R } } } fragment R on Org { result(campaign: "c4") { total } }`)).campaign).toBe('c4');
    expect((await seen(`{ orgs { edges { node { result(campaign: "c5") { total } } } } }`)).campaign).toBe('c5');
    // the same value asked twice (an alias, a fragment beside the field) is still one
    expect(
      (await seen(`{ orgs { nodes { a: result(campaign: "c6") { total } ...R } } } fragment R on Org { result(campaign: "c6") { total } }`))
        .campaign,
    ).toBe('c6');
  });

  it('answers nothing when the field is not asked, or asked with two values', async () => {
    expect((await seen(`{ orgs { nodes { id name } } }`)).campaign).toBeUndefined();
    expect(
      (await seen(`{ orgs { nodes { a: result(campaign: "x") { total } b: result(campaign: "y") { total } } } }`)).campaign,
    ).toBeUndefined();
    // a field of that name elsewhere than the path does not count
    expect((await seen(`{ orgs { edges { node { id } } nodes { id } } }`)).campaign).toBeUndefined();
  });

  it('reads a fragment once however often it is spread: six levels of a fragment spread forty times each', async () => {
    // expanded, this document names the field 40^6 (4.1 billion) times; read once per fragment it is a few hundred nodes
    const spreads = (next: string) => Array.from({ length: 40 }, () => `...${next}`).join(' ');
    const fragments = Array.from({ length: 6 }, (_, i) =>
      i === 5 ? `fragment F5 on Org { result(campaign: "deep") { total } }` : `fragment F${i} on Org { ${spreads(`F${i + 1}`)} }`,
    ).join('\n');
    let info: GraphQLResolveInfo | undefined;
    // the resolver alone (graphql-js would also expand it to execute): what askedArgument does with the document
    await graphql({
      schema,
      source: `{ orgs { nodes { ...F0 } } }\n${fragments}`,
      rootValue: {
        orgs: (_a: unknown, _c: unknown, i: GraphQLResolveInfo) => {
          info = i;
          return null;
        },
      },
    });
    expect(askedArgument(info!, ['nodes', 'result'], 'campaign')).toBe('deep');
  });

  it('tells whether the resolving field’s own selection asks for a field', async () => {
    const info = async (source: string) => {
      let got: GraphQLResolveInfo | undefined;
      await graphql({ schema, source, rootValue: { orgs: (_a: unknown, _c: unknown, i: GraphQLResolveInfo) => ((got = i), null) } });
      return got!;
    };
    expect(asksFor(await info(`{ orgs { nodes { id } } }`), 'nodes')).toBe(true);
    expect(asksFor(await info(`{ orgs { ... on Page { edges { node { id } } } } }`), 'nodes')).toBe(false);
    expect(asksFor(await info(`{ orgs { ...P } } fragment P on Page { nodes { id } }`), 'nodes')).toBe(true);
  });
});
