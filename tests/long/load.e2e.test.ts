import { TestServer, startTestServer, tokens } from '../helpers/server';

/**
 * Mixed reads and writes from two tenants. Short in `npm test` (LOAD_SECONDS, default 6); the long
 * form is `npm run soak` (60 s), whose figures the README records. Nothing here is timed against a
 * bound: the assertions are zero errors besides rate limiting, and (long form) no memory growth trend.
 */
const SECONDS = Number(process.env.LOAD_SECONDS ?? 6);
const CONCURRENCY = 8;

describe(`mixed load for ${SECONDS} s`, () => {
  let server: TestServer;
  beforeAll(async () => {
    // Limits off: this measures the system; tests/rate-limit.e2e.test.ts covers the limiter.
    server = await startTestServer({ campaigns: true, env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
  }, 120_000);
  afterAll(() => server.close());

  it(
    'answers every request (or rate-limits it) and keeps memory flat',
    async () => {
      type Op = () => Promise<{ ok: boolean; limited: boolean }>;
      const ops: Op[] = [];
      for (const tenant of ['jtj', 'szjg']) {
        const { admin, supervisor, secretary } = await tokens(server, tenant, ['admin', 'supervisor', 'secretary']);
        const campaign = (await server.gql(`{ campaigns { nodes { id } } }`, {}, admin)).data.campaigns.nodes[0].id;
        const version = (
          await server.gql(
            `query($c: ID!) { campaign(id: $c) { version { criteria { id code isLeaf scoringType maxScore } } } }`,
            { c: campaign },
            admin,
          )
        ).data.campaign.version.criteria;
        const leaf = version.find((c: { isLeaf: boolean; scoringType: string }) => c.isLeaf && c.scoringType === 'SCALE');
        const branches = (await server.gql(`{ orgs(first: 100, kind: BRANCH) { nodes { id } } }`, {}, admin)).data.orgs.nodes.map(
          (o: { id: string }) => o.id,
        );
        // one PUBLIC draft per branch to save scores into, versions tracked from the answers
        const drafts: { id: string; version: number }[] = [];
        for (const org of branches.slice(0, 6)) {
          const d = await server.gql(
            `mutation($i: StartEvaluationInput!) { startEvaluation(input: $i) { id version } }`,
            { i: { campaignId: campaign, orgId: org, kind: 'PUBLIC' } },
            admin,
          );
          drafts.push(d.data.startEvaluation);
        }
        let turn = 0;
        const classify = (res: { status: number; errors?: { extensions?: { code?: string } }[] }) => ({
          ok: res.status === 200 && !res.errors,
          limited: !!res.errors?.every((e) => e.extensions?.code === 'RATE_LIMITED'),
        });
        ops.push(
          async () =>
            classify(
              await server.gql(
                `query($c: ID!) { campaign(id: $c) { progress { eligible attained ratio byChild { eligible } lagging(first: 5) { nodes { org { name } } } } } }`,
                { c: campaign },
                admin,
              ),
            ),
          async () =>
            classify(
              await server.gql(
                `{ orgs(first: 50) { totalCount nodes { name parent { name } children { nodes { name } } } } }`,
                {},
                supervisor,
              ),
            ),
          async () => classify(await server.gql(`{ viewer { username roles { role org { name } } } }`, {}, secretary)),
          async () => {
            const d = drafts[turn++ % drafts.length];
            const res = await server.gql(
              `mutation($i: SaveScoresInput!) { saveScores(input: $i) { version } }`,
              {
                i: {
                  evaluationId: d.id,
                  expectedVersion: d.version,
                  scores: [{ criterionId: leaf.id, value: turn % (leaf.maxScore + 1) }],
                },
              },
              admin,
            );
            if (res.data?.saveScores) d.version = res.data.saveScores.version;
            // two workers may race for one draft: the loser's CONFLICT is the designed answer
            const conflict = res.errors?.every((e) => e.extensions?.code === 'CONFLICT');
            if (conflict)
              d.version = (
                await server.gql(`query($id: ID!) { evaluation(id: $id) { version } }`, { id: d.id }, admin)
              ).data.evaluation.version;
            return { ok: !!res.data?.saveScores || !!conflict, limited: !!res.errors?.every((e) => e.extensions?.code === 'RATE_LIMITED') };
          },
        );
      }

      const latencies: number[] = [];
      const failures: string[] = [];
      let limited = 0;
      const rss: number[] = [];
      const end = Date.now() + SECONDS * 1000;
      // With --expose-gc (npm run soak) the sample is the live heap after a full collection: what a leak
      // would grow. Without it, RSS, which also moves with when V8 chooses to collect.
      const gc = (globalThis as { gc?: () => void }).gc;
      const sampler = setInterval(() => {
        if (gc) {
          gc();
          rss.push(process.memoryUsage().heapUsed);
        } else rss.push(process.memoryUsage().rss);
      }, 500);
      let i = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (Date.now() < end) {
            const op = ops[i++ % ops.length];
            const started = performance.now();
            const outcome = await op().catch((e) => ({ ok: false, limited: false, error: String(e) }));
            latencies.push(performance.now() - started);
            if (outcome.limited) limited++;
            else if (!outcome.ok && failures.length < 20) failures.push(JSON.stringify(outcome));
            else if (!outcome.ok) failures.push('…');
          }
        }),
      );
      clearInterval(sampler);

      latencies.sort((a, b) => a - b);
      const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 10) / 10;
      const mb = (b: number) => Math.round(b / 1048576);
      const n = rss.length;
      const xs = rss.map((_, k) => k / 2 / 60); // minutes
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      const slope =
        n > 2 ? rss.reduce((s, v, k) => s + (xs[k] - mean(xs)) * (v - mean(rss)), 0) / xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) : 0;
      console.log(
        `load: ${SECONDS}s concurrency ${CONCURRENCY}: ${latencies.length} requests (${Math.round(latencies.length / SECONDS)}/s), p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, ` +
          `errors ${failures.length}, rate-limited ${limited}, ${gc ? 'heap after GC' : 'RSS'} ${mb(rss[0])}→${mb(rss[n - 1])} MB (max ${mb(Math.max(...rss))}), trend ${Math.round((slope / 1048576) * 10) / 10} MB/min`,
      );

      expect(failures).toEqual([]);
      expect(latencies.length).toBeGreaterThan(SECONDS * 10);
      if (SECONDS >= 60 && gc) {
        // the second half of the run holds no more than the first half plus a margin for GC timing
        const half = Math.floor(n / 2);
        expect(mean(rss.slice(half))).toBeLessThan(mean(rss.slice(0, half)) * 1.25);
      }
    },
    (SECONDS + 120) * 1000,
  );
});
