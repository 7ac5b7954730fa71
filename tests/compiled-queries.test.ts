import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { ExecutionResult, GraphQLError, OperationDefinitionNode, buildSchema, execute, parse } from 'graphql';
import { createHash } from 'node:crypto';
import { CompiledQueriesOptions, compiledQueriesGateway } from '../src/graphql/compiled-queries';

/**
 * Hot query documents run compiled (src/graphql/compiled-queries.ts): each answer is compared with what
 * graphql-js answers for the same document, and the bounds (when a document is compiled, how many, how
 * often) are checked by what the gateway reports it compiled.
 */
describe('compiled queries', () => {
  class Refusal extends Error {
    code = 'NOT_FOUND';
  }
  const schema = buildSchema(`
    enum Direction { ASC DESC }
    input Order { field: String!  direction: Direction! = ASC }
    type Score { code: String!  points: Float }
    type Org { id: ID!  name: String!  parent: Org  scores: [Score!]!  secret: String!  total: Int }
    type Lazy { n: Int }
    type Query { org(id: ID!): Org  orgs(first: Int = 2, order: Order): [Org!]!  count: Int  lazy: Lazy }
    type Mutation { rename(id: ID!, name: String!): Org }
  `);
  const orgs = [
    {
      id: '1',
      name: '一支部',
      parentId: null,
      scores: [
        { code: 'a', points: 1.5 },
        { code: 'b', points: null },
      ],
    },
    { id: '2', name: '二支部', parentId: '1', scores: [] },
    { id: '3', name: '三支部', parentId: '1', scores: [{ code: 'c', points: 3 }] },
  ];
  type OrgRow = (typeof orgs)[number];
  const resolvers: Record<string, Record<string, unknown>> = {
    Query: {
      org: (_: unknown, { id }: { id: string }) => {
        const org = orgs.find((o) => o.id === id);
        if (!org) throw new Refusal(`组织 ${id} 不存在`);
        return org;
      },
      orgs: (_: unknown, { first, order }: { first: number; order?: { field: string; direction: string } }) =>
        (order?.direction === 'DESC' ? [...orgs].reverse() : orgs).slice(0, first),
      count: async () => orgs.length,
      // a plain field holding a promise: graphql-js awaits it, compiled code would not
      lazy: () => ({ n: Promise.resolve(5) }),
    },
    Org: {
      parent: async (o: OrgRow) => orgs.find((p) => p.id === o.parentId) ?? null,
      // a non-null field that fails: its parent becomes null, the error names the path
      secret: (o: OrgRow) => {
        if (o.id === '3') throw new Refusal('无权查看');
        return `s${o.id}`;
      },
      total: (o: OrgRow) => o.scores.length,
    },
    Mutation: {
      rename: (_: unknown, { id, name }: { id: string; name: string }) => ({ ...orgs.find((o) => o.id === id)!, name }),
    },
  };
  for (const [type, fields] of Object.entries(resolvers)) {
    const t = schema.getType(type) as unknown as { getFields(): Record<string, { resolve?: unknown }> };
    for (const [name, resolve] of Object.entries(fields)) t.getFields()[name].resolve = resolve;
  }

  const start = async (options: Partial<CompiledQueriesOptions> = {}) => {
    const gateway = compiledQueriesGateway(schema, { hotAfter: 2, maxDocuments: 10, compilesPerMinute: 100, ...options });
    gateway.onSchemaLoadOrUpdate(() => undefined);
    const { executor } = await gateway.load({ apollo: { key: undefined, keyHash: undefined, graphRef: undefined } as never });
    const run = (source: string, variables: Record<string, unknown> = {}): Promise<ExecutionResult> => {
      const document = parse(source);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
      const rc = {
        document,
        operation,
        operationName: operation.name?.value ?? null,
        queryHash: createHash('sha256').update(source).digest('hex'),
        context: {},
        request: { query: source, variables },
      } as unknown as GatewayGraphQLRequestContext;
      return executor!(rc) as Promise<ExecutionResult>;
    };
    return { gateway, run, executor: executor! };
  };
  const byGraphqlJs = (source: string, variables: Record<string, unknown> = {}) =>
    execute({ schema, document: parse(source), variableValues: variables }) as Promise<ExecutionResult>;
  /** A result as a client reads it: errors as their JSON, with the code of the error a resolver threw. */
  const asSent = (r: ExecutionResult) =>
    JSON.parse(
      JSON.stringify({
        data: r.data,
        errors: r.errors?.map((e) => ({ ...e.toJSON(), code: (e.originalError as { code?: string } | undefined)?.code })),
      }),
    );

  const documents: [string, Record<string, unknown>][] = [
    [`query($id: ID!) { org(id: $id) { id name parent { name } scores { code points } total } }`, { id: '3' }],
    [`{ orgs(first: 3) { id name parent { id parent { id } } } count }`, {}],
    [`query($id: ID!) { org(id: $id) { id } }`, { id: '9' }],
    [`{ orgs(first: 3) { id secret } }`, {}],
    [`{ a: org(id: "1") { ...F } b: org(id: "2") { ...F } } fragment F on Org { name scores { code } }`, {}],
    [`query($skip: Boolean!) { org(id: "1") { name total @skip(if: $skip) } }`, { skip: true }],
    // a literal that would break out of generated code if it were pasted into it unescaped
    [`{ org(id: "\\"); throw new Error('x'); //\u2028 \${1} */ '") { id } }`, {}],
    [`query($id: ID!) { org(id: $id) { id name } }`, { id: `"); process.exit(1); //` }],
  ];

  it('answers every document as graphql-js does, before and after it is compiled: data, nulls and errors with their paths', async () => {
    const { gateway, run } = await start();
    for (const [source, variables] of documents) {
      const expected = asSent(await byGraphqlJs(source, variables));
      for (let i = 0; i < 3; i++) {
        const answer = await run(source, variables);
        for (const error of answer.errors ?? []) expect(error).toBeInstanceOf(GraphQLError);
        expect(asSent(answer)).toEqual(expected);
      }
    }
    expect(gateway.compiled()).toEqual({ kept: documents.length, total: documents.length });
  });

  it('compiles a document only once it was asked for again, and never a mutation or one taking an input object', async () => {
    const { gateway, run } = await start({ hotAfter: 3 });
    const source = `{ org(id: "1") { name } }`;
    await run(source);
    await run(source);
    expect(gateway.compiled().total).toBe(0);
    await run(source);
    expect(gateway.compiled().total).toBe(1);
    await run(source);
    expect(gateway.compiled().total).toBe(1);

    const mutation = `mutation { rename(id: "1", name: "新") { name } }`;
    for (let i = 0; i < 4; i++) expect((await run(mutation)).data).toEqual({ rename: { name: '新' } });
    // the input field's default (direction ASC) is graphql-js's to apply; given literally or by a variable
    const ordered = `query($o: Order) { orgs(order: $o) { id } }`;
    for (let i = 0; i < 4; i++) expect((await run(ordered, { o: { field: 'name' } })).data).toEqual({ orgs: [{ id: '1' }, { id: '2' }] });
    for (let i = 0; i < 4; i++)
      expect((await run(`{ orgs(first: 1, order: { field: "name", direction: DESC }) { id } }`)).data).toEqual({ orgs: [{ id: '3' }] });
    expect(gateway.compiled().total).toBe(1);
  });

  it('refuses bad variables as graphql-js does, with the variable named, before and after compiling', async () => {
    const { run } = await start({ hotAfter: 1 });
    const source = `query($id: ID!, $n: Int) { org(id: $id) { name } orgs(first: $n) { id } }`;
    const expected = asSent(await byGraphqlJs(source, { n: 2.5 }));
    expect(expected.errors.map((e: { message: string }) => e.message)).toEqual([
      'Variable "$id" of required type "ID!" was not provided.',
      'Variable "$n" got invalid value 2.5; Int cannot represent non-integer value: 2.5',
    ]);
    expect(asSent(await run(source, { id: '1' }))).toEqual(asSent(await byGraphqlJs(source, { id: '1' })));
    const refused = await run(source, { n: 2.5 });
    expect(asSent(refused)).toEqual(expected);
    // Apollo tells a variable's refusal by its node (400 BAD_USER_INPUT): graphql-js's errors carry it
    expect(refused.errors?.every((e) => e.nodes?.[0]?.kind === 'VariableDefinition')).toBe(true);
  });

  it('answers an operation name the document lacks as graphql-js does, however often it is asked', async () => {
    const { gateway, executor } = await start({ hotAfter: 1 });
    const source = `query A { org(id: "1") { name } } query B { count }`;
    for (const operationName of ['C', null]) {
      // Apollo leaves `operation` and `operationName` unset when the name asked for resolves to none (or to several)
      const rc = { document: parse(source), operation: undefined, operationName: null, queryHash: operationName ?? '-', context: {} };
      for (let i = 0; i < 3; i++) {
        const result = (await executor({ ...rc, request: { query: source, variables: {}, operationName } } as never)) as ExecutionResult;
        expect(result.errors?.map((e) => e.message)).toEqual(
          (await execute({ schema, document: parse(source), operationName })).errors?.map((e) => e.message),
        );
      }
    }
    expect(gateway.compiled().total).toBe(0);
  });

  it('gives a document back to graphql-js for good when its compiled answer has an error no resolver threw', async () => {
    const { gateway, run } = await start({ hotAfter: 1 });
    for (let i = 0; i < 3; i++) expect(await run(`{ lazy { n } }`)).toEqual({ data: { lazy: { n: 5 } } });
    expect(gateway.compiled()).toEqual({ kept: 0, total: 1 });
  });

  it('keeps at most maxDocuments compiled, and compiles at most compilesPerMinute a minute; the rest still answer', async () => {
    const few = await start({ hotAfter: 1, maxDocuments: 3 });
    for (let i = 0; i < 8; i++) expect((await few.run(`{ org(id: "1") { n${i}: name } }`)).data).toEqual({ org: { [`n${i}`]: '一支部' } });
    expect(few.gateway.compiled()).toEqual({ kept: 3, total: 8 });

    // one-off documents, however many, leave a hot one compiled
    const busy = await start({ hotAfter: 2, maxDocuments: 3 });
    const hot = `{ org(id: "3") { name } }`;
    await busy.run(hot);
    await busy.run(hot);
    for (let i = 0; i < 40; i++) await busy.run(`{ org(id: "1") { o${i}: name } }`);
    expect((await busy.run(hot)).data).toEqual({ org: { name: '三支部' } });
    expect(busy.gateway.compiled()).toEqual({ kept: 1, total: 1 });

    const slow = await start({ hotAfter: 1, compilesPerMinute: 2 });
    // documents graphql-jit must not run (an input object) are told apart without spending the budget
    for (let i = 0; i < 3; i++)
      expect((await slow.run(`{ orgs(first: ${i + 1}, order: { field: "name" }) { id } }`)).data?.orgs).toHaveLength(i + 1);
    for (let i = 0; i < 6; i++) expect((await slow.run(`{ org(id: "2") { n${i}: name } }`)).data).toEqual({ org: { [`n${i}`]: '二支部' } });
    expect(slow.gateway.compiled().total).toBe(2);
  });
});
