import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { serverAudits } from 'graphql-http';
import { TestServer, startTestServer } from './helpers/server';

/**
 * The GraphQL-over-HTTP audit of graphql-http (issue 16): no error, and no warning that stock Apollo
 * Server 5 (standalone, a one-field schema) does not also show. Prints both tallies.
 */
interface Tally {
  ok: number;
  notice: string[];
  warn: string[];
  error: string[];
}

async function audit(url: string): Promise<Tally> {
  const tally: Tally = { ok: 0, notice: [], warn: [], error: [] };
  for (const { fn } of serverAudits({ url })) {
    const result = await fn();
    if (result.status === 'ok') tally.ok++;
    else tally[result.status].push(`${result.name}: ${result.reason}`);
  }
  return tally;
}

const names = (lines: string[]) => lines.map((l) => l.slice(0, l.indexOf(': '))).sort();

describe('GraphQL over HTTP audit', () => {
  let server: TestServer;
  let stock: ApolloServer;
  let stockUrl: string;
  beforeAll(async () => {
    server = await startTestServer();
    stock = new ApolloServer({ typeDefs: `type Query { hello: String }`, resolvers: { Query: { hello: () => 'world' } } });
    ({ url: stockUrl } = await startStandaloneServer(stock, { listen: { port: 0, host: '127.0.0.1' } }));
  });
  afterAll(async () => {
    await stock?.stop();
    await server?.close();
  });

  it('shows no error, and no warning stock Apollo Server 5 does not show', async () => {
    const ours = await audit(server.url);
    const theirs = await audit(stockUrl);
    const summary = (t: Tally) => `${t.ok} ok, ${t.notice.length} notices, ${t.warn.length} warnings, ${t.error.length} errors`;
    console.log(
      `graphql-http audit: ours ${summary(ours)}; stock Apollo Server 5 ${summary(theirs)}\n` +
        `ours:\n  ${[...ours.error, ...ours.warn, ...ours.notice].join('\n  ')}`,
    );
    expect(ours.error).toEqual([]);
    const extra = names(ours.warn).filter((w) => !names(theirs.warn).includes(w));
    expect(extra).toEqual([]);
  }, 60_000);
});
