import fc from 'fast-check';
import { Client } from 'pg';
import { withTransaction } from '../src/db/request-transaction';
import { CountRow, progressCounts } from '../src/modules/campaign/progress-counts';
import { sweepProgressMerge, sweepProgressReconcile } from '../src/modules/campaign/progress.sweeps';
import { globalId, rawId } from './helpers/ids';
import { TestServer, lockWaiters, startTestServer } from './helpers/server';
import { tenantId } from './helpers/sql';
import { CriterionView, SOURCE_CAMPAIGN, criteriaOf, orgIds, scoresFor } from './helpers/story';

/**
 * Maintained progress counts (issue 17): random sequences of every operation that changes them, run
 * through the real server (orgs created, moved, archived, restored; evaluations accepted and returned;
 * campaigns created) and as SQL where no mutation exists (kind or category changed, a campaign's scope or
 * eligible kinds changed), with merges at random points; after each sequence what is kept (compact
 * rows plus pending deltas, and the standings of the lagging list) equals a full recomputation, and the
 * API's figures from the counts equal the scan's. The reconciliation sweep reports and repairs a
 * corrupted row.
 */
describe('progress counts', () => {
  let server: TestServer;
  let su: Client;
  let admin: string;
  let leader: string;
  let tenant: string;
  let versionId: string;
  let crit: CriterionView[];
  const campaigns: string[] = [];
  let names = 0;
  const gql = (q: string, v: Record<string, unknown>, t = admin) => server.gql(q, v, t);
  const deps = () => ({ dataSource: server.database.dataSource, config: server.config });

  beforeAll(async () => {
    // the file sends its admin's ~600 requests within one limit window: the per-user limit would answer RATE_LIMITED
    server = await startTestServer({
      env: { EXPOSE_STATEMENT_COUNT: 'true', RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' },
    });
    su = await server.superuser();
    admin = await server.token('jtj', 'admin');
    leader = await server.token('jtj', 'leader');
    tenant = await tenantId(su, 'jtj');
    const ids = await orgIds(server, 'jtj');
    const imported = await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {});
    versionId = imported.data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: versionId });
    crit = await criteriaOf(server, admin, versionId);
    for (const [scope, kinds] of [
      ['中共市交通运输局党委', ['GENERAL_BRANCH', 'BRANCH']],
      ['市公交集团党委', ['BRANCH']],
    ] as const) {
      const res = await gql(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`, {
        input: { ...SOURCE_CAMPAIGN, name: `创建活动${campaigns.length}`, versionId, scopeOrgId: ids[scope], eligibleKinds: kinds },
      });
      campaigns.push(rawId(res.data.createCampaign.id));
    }
  });
  afterAll(() => server.close());

  const inTenant = <T>(work: (tx: Parameters<Parameters<typeof withTransaction>[2]>[0]) => Promise<T>) =>
    withTransaction(server.database.dataSource, { tenantId: tenant }, work);
  const nonZero = (rows: CountRow[]) =>
    rows
      .filter((r) => r.eligible || r.evaluated || r.attained)
      .map((r) => `${r.org_id}/${r.category}: ${r.eligible} ${r.evaluated} ${r.attained}`)
      .sort();
  const allCampaigns = async () =>
    (await su.query<{ id: string }>(`SELECT id FROM campaigns WHERE tenant_id = $1 ORDER BY created_at`, [tenant])).rows.map((r) => r.id);

  /** Kept equals recomputed for every campaign, standings included, and the API reads the same figures both ways. */
  async function expectConsistent(): Promise<void> {
    for (const campaignId of await allCampaigns()) {
      const [kept, truth] = await inTenant((tx) =>
        Promise.all([progressCounts.allKept(tx, tenant, campaignId), progressCounts.truth(tx, tenant, campaignId)]),
      );
      expect(nonZero(kept)).toEqual(nonZero(truth));
    }
    expect(await inTenant((tx) => progressCounts.reconcile(tx, tenant, false))).toEqual([]);
    const PROGRESS = `query($c: ID!, $d: Date, $u: ID) { campaign(id: $c) { progress(asOf: $d, under: $u) { eligible evaluated attained
      byCategory { category eligible evaluated attained } byChild { org { id } eligible evaluated attained } lagging(first: 100) { totalCount nodes { org { id } } } } } }`;
    for (const campaignId of await allCampaigns()) {
      const c = globalId('Campaign', campaignId);
      const [counted, scanned] = await Promise.all([gql(PROGRESS, { c }), gql(PROGRESS, { c, d: '2013-12-31' })]);
      expect(counted.errors).toBeUndefined();
      expect(counted.data).toEqual(scanned.data);
      const p = counted.data.campaign.progress;
      expect(p.lagging.totalCount).toBe(p.eligible - p.attained);
      expect(p.lagging.nodes.length).toBe(Math.min(100, p.eligible - p.attained));
      // a subtree below the campaign's scope reads its own range of the standings
      const child = p.byChild.find((b: { eligible: number }) => b.eligible > 0);
      if (child) {
        const [below, belowScanned] = await Promise.all([
          gql(PROGRESS, { c, u: child.org.id }),
          gql(PROGRESS, { c, u: child.org.id, d: '2013-12-31' }),
        ]);
        expect(below.errors).toBeUndefined();
        expect(below.data).toEqual(belowScanned.data);
        expect(below.data.campaign.progress.lagging.totalCount).toBe(child.eligible - child.attained);
        expect(below.data.campaign.progress.lagging.nodes.length).toBe(Math.min(100, child.eligible - child.attained));
      }
    }
  }

  const liveOrgs = async () =>
    (
      await su.query<{ id: string; kind: string; children: number; depth: number }>(
        `SELECT o.id, o.kind, o.depth, (SELECT count(*)::int FROM orgs k WHERE k.tenant_id = o.tenant_id AND k.parent_id = o.id AND k.archived_at IS NULL) AS children
           FROM orgs o WHERE o.tenant_id = $1 AND o.archived_at IS NULL ORDER BY o.path_key`,
        [tenant],
      )
    ).rows;
  const pick = <T>(items: T[], n: number): T | undefined => (items.length ? items[n % items.length] : undefined);

  /** Start, save, submit (by the admin) and accept or return (by the leader) one evaluation; refusals are fine. */
  async function evaluateOnce(campaignId: string, orgId: string, kind: string, high: boolean, acceptIt: boolean): Promise<void> {
    const started = await gql(`mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version state } }`, {
      input: { campaignId: globalId('Campaign', campaignId), orgId: globalId('Org', orgId), kind },
    });
    const ev = started.data?.startEvaluation;
    if (!ev || !['DRAFT', 'RETURNED'].includes(ev.state)) return;
    const low = Object.fromEntries(crit.filter((c) => c.isLeaf && !c.isBonus).map((c) => [c.code, 0]));
    const saved = await gql(`mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`, {
      input: { evaluationId: ev.id, expectedVersion: ev.version, scores: scoresFor(crit, high ? {} : low) },
    });
    const submitted = await gql(`mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { version } }`, {
      input: { evaluationId: ev.id, expectedVersion: saved.data.saveScores.version },
    });
    expect(submitted.errors).toBeUndefined();
    const review = acceptIt
      ? `mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`
      : `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "材料不全" }) { state } }`;
    expect((await gql(review, { id: ev.id }, leader)).errors).toBeUndefined();
  }

  type Step = { op: number; a: number; b: number; c: number };
  async function runStep({ op, a, b, c }: Step): Promise<void> {
    const orgs = await liveOrgs();
    const campaignIds = await allCampaigns();
    switch (op) {
      case 0: {
        // create an org under a committee or general branch
        const parent = pick(
          orgs.filter((o) => o.kind !== 'BRANCH'),
          a,
        )!;
        const kind = parent.kind === 'GENERAL_BRANCH' ? 'BRANCH' : ['COMMITTEE', 'GENERAL_BRANCH', 'BRANCH'][b % 3];
        const res = await gql(`mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`, {
          input: {
            parentId: globalId('Org', parent.id),
            name: `属性组织${names++}`,
            kind,
            category: ['ORGAN', 'INSTITUTION', 'ENTERPRISE'][c % 3],
          },
        });
        expect(res.errors).toBeUndefined();
        return;
      }
      case 1: {
        // move a subtree (refusals, a cycle or a kind the parent cannot hold, change nothing)
        const org = pick(
          orgs.filter((o) => o.depth > 1),
          a,
        );
        const parent = pick(orgs, b);
        if (org && parent)
          await gql(`mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`, {
            id: globalId('Org', org.id),
            p: globalId('Org', parent.id),
          });
        return;
      }
      case 2: {
        const org = pick(
          orgs.filter((o) => o.depth > 1 && o.children === 0),
          a,
        );
        if (org) await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: globalId('Org', org.id) });
        return;
      }
      case 3: {
        const archived = (
          await su.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = $1 AND archived_at IS NOT NULL ORDER BY path_key`, [tenant])
        ).rows;
        const org = pick(archived, a);
        if (org) await gql(`mutation($id: ID!) { restoreOrg(input: { id: $id }) { id } }`, { id: globalId('Org', org.id) });
        return;
      }
      case 4:
      case 5: {
        const org = pick(
          orgs.filter((o) => o.depth > 1 && o.kind !== 'COMMITTEE'),
          a,
        );
        if (org) await evaluateOnce(pick(campaignIds, b)!, org.id, c % 2 ? 'SUPERIOR' : 'PUBLIC', c % 3 !== 0, op === 4 || c % 4 !== 0);
        return;
      }
      case 6: {
        // kind or category changed (no mutation: as the database sees it)
        const org = pick(
          orgs.filter((o) => o.depth > 1 && o.children === 0),
          a,
        );
        if (!org) return;
        if (b % 2) await su.query(`UPDATE orgs SET category = $2 WHERE id = $1`, [org.id, ['ORGAN', 'INSTITUTION', 'ENTERPRISE'][c % 3]]);
        else await su.query(`UPDATE orgs SET kind = $2 WHERE id = $1`, [org.id, org.kind === 'BRANCH' ? 'GENERAL_BRANCH' : 'BRANCH']);
        return;
      }
      case 7: {
        // a campaign's scope or eligible kinds changed
        const campaignId = pick(campaignIds, a)!;
        if (b % 2) {
          const kinds = [['BRANCH'], ['GENERAL_BRANCH', 'BRANCH'], ['COMMITTEE', 'BRANCH'], ['COMMITTEE', 'GENERAL_BRANCH', 'BRANCH']][
            c % 4
          ];
          await su.query(`UPDATE campaigns SET eligible_kinds = $2 WHERE id = $1`, [campaignId, kinds]);
        } else {
          const scope = pick(
            orgs.filter((o) => o.kind === 'COMMITTEE'),
            c,
          )!;
          await su.query(`UPDATE campaigns SET scope_org_id = $2 WHERE id = $1`, [campaignId, scope.id]);
        }
        return;
      }
      case 8: {
        const scope = pick(
          orgs.filter((o) => o.kind !== 'BRANCH'),
          a,
        )!;
        const res = await gql(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`, {
          input: { ...SOURCE_CAMPAIGN, name: `属性活动${names++}`, versionId, scopeOrgId: globalId('Org', scope.id) },
        });
        expect(res.errors).toBeUndefined();
        return;
      }
      default:
        await sweepProgressMerge(deps());
    }
  }

  it('keeps the counts equal to a full recomputation through random sequences of every cause', async () => {
    await expectConsistent();
    const step = fc.record({ op: fc.nat({ max: 9 }), a: fc.nat(), b: fc.nat(), c: fc.nat() });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        for (const s of steps) await runStep(s);
        await expectConsistent();
      }),
      { numRuns: 8, endOnFailure: true },
    );
    // merged or not, the same figures
    await sweepProgressMerge(deps());
    expect(await su.query(`SELECT count(*)::int AS n FROM progress_deltas`).then((r) => r.rows[0].n)).toBe(0);
    await expectConsistent();
  }, 240_000);

  it('stays exact under concurrent acceptances, a move of their subtree and an archive', async () => {
    const orgs = await liveOrgs();
    const committee = orgs.find((o) => o.kind === 'COMMITTEE' && o.depth === 2)!;
    const under = (
      await su.query<{ id: string }>(
        `SELECT o.id FROM orgs o JOIN orgs p ON p.id = $1 AND o.path_key > p.path_key AND o.path_key < p.path_key || '/'
          WHERE o.archived_at IS NULL AND o.kind = 'BRANCH' ORDER BY o.path_key`,
        [committee.id],
      )
    ).rows;
    // more branches to accept at once
    for (let i = under.length; i < 12; i++) {
      const res = await gql(`mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`, {
        input: { parentId: globalId('Org', committee.id), name: `并发支部${i}`, kind: 'BRANCH', category: 'ENTERPRISE' },
      });
      under.push({ id: rawId(res.data.createOrg.id) });
    }
    const campaignId = campaigns[0];
    await su.query(
      `UPDATE campaigns SET eligible_kinds = '{GENERAL_BRANCH,BRANCH}', scope_org_id = (SELECT id FROM orgs WHERE parent_id IS NULL AND tenant_id = $2) WHERE id = $1`,
      [campaignId, tenant],
    );
    const submitted: string[] = [];
    for (const o of under.slice(0, 12)) {
      const started = await gql(`mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version state } }`, {
        input: { campaignId: globalId('Campaign', campaignId), orgId: globalId('Org', o.id), kind: 'PUBLIC' },
      });
      const ev = started.data.startEvaluation;
      if (!['DRAFT', 'RETURNED'].includes(ev.state)) continue;
      const saved = await gql(`mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`, {
        input: { evaluationId: ev.id, expectedVersion: ev.version, scores: scoresFor(crit) },
      });
      await gql(`mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { state } }`, {
        input: { evaluationId: ev.id, expectedVersion: saved.data.saveScores.version },
      });
      submitted.push(ev.id);
    }
    expect(submitted.length).toBeGreaterThan(5);
    const target = orgs.find((o) => o.kind === 'COMMITTEE' && o.depth === 2 && o.id !== committee.id)!;
    const leaf = orgs.find((o) => o.depth > 2 && o.children === 0 && !under.some((u) => u.id === o.id))!;
    const answers = await Promise.all([
      ...submitted.map((id) => gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id }, leader)),
      gql(`mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`, {
        id: globalId('Org', committee.id),
        p: globalId('Org', target.id),
      }),
      gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: globalId('Org', leaf.id) }),
      sweepProgressMerge(deps()).then(() => ({ errors: undefined })),
    ]);
    for (const a of answers) expect(a.errors?.map((e) => e.extensions?.code) ?? []).not.toContain('INTERNAL_SERVER_ERROR');
    await expectConsistent();
  }, 120_000);

  it('reports and repairs drift with the reconciliation sweep', async () => {
    const campaignId = campaigns[0];
    // corrupt: a compact row off by 5, a bogus pending delta (another category of the same org), a standing row lost and one with a wrong total
    await sweepProgressMerge(deps());
    const { rows } = await su.query<{ org_id: string; category: string }>(
      `SELECT org_id, category FROM progress_counts WHERE campaign_id = $1 AND eligible > 0 ORDER BY org_id LIMIT 1`,
      [campaignId],
    );
    await su.query(`UPDATE progress_counts SET eligible = eligible + 5 WHERE campaign_id = $1 AND org_id = $2 AND category = $3`, [
      campaignId,
      rows[0].org_id,
      rows[0].category,
    ]);
    await su.query(
      `INSERT INTO progress_deltas (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained) VALUES ($1, $2, $3, $4, 0, 2, 1)`,
      [tenant, campaignId, rows[0].org_id, rows[0].category === 'ORGAN' ? 'ENTERPRISE' : 'ORGAN'],
    );
    const standings = (
      await su.query<{ org_id: string }>(`SELECT org_id FROM progress_standings WHERE campaign_id = $1 ORDER BY path_key LIMIT 2`, [
        campaignId,
      ])
    ).rows;
    await su.query(`DELETE FROM progress_standings WHERE campaign_id = $1 AND org_id = $2`, [campaignId, standings[0].org_id]);
    await su.query(`UPDATE progress_standings SET lag_total = 12.5 WHERE campaign_id = $1 AND org_id = $2`, [
      campaignId,
      standings[1].org_id,
    ]);

    const drift = await inTenant((tx) => progressCounts.reconcile(tx, tenant, false));
    expect(drift).toEqual([{ campaignId, counts: 2, standings: 2 }]);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const repaired = await sweepProgressReconcile(deps());
      expect(repaired).toEqual({ tenants: 2, created: 4 });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`campaign ${campaignId}: 2 count rows, 2 standings`));
      // repaired: nothing more to do, and every figure right again
      expect(await sweepProgressReconcile(deps())).toEqual({ tenants: 2, created: 0 });
    } finally {
      warn.mockRestore();
    }
    await expectConsistent();
  }, 60_000);

  it('reads progress, by category, by child and a lagging page, in a few statements whatever the page size', async () => {
    const statementsOf = async (first: number) => {
      const body = await gql(
        `query($c: ID!) { campaign(id: $c) { progress { eligible attained ratio onTrack target { ratio } byCategory { category eligible }
          byChild { org { id name } eligible } lagging(first: ${first}) { nodes { org { id name } result { total grade } } } } } }`,
        { c: globalId('Campaign', campaigns[0]) },
      );
      expect(body.errors).toBeUndefined();
      return { statements: body.statements, lagging: body.data.campaign.progress.lagging.nodes.length };
    };
    // each document three times: its first two requests open with BEGIN and end with COMMIT, and having been answered
    // by their opening, the third is its opening alone (OpeningEnd)
    const thrice = async (first: number) => [await statementsOf(first), await statementsOf(first), await statementsOf(first)];
    const [small, large] = [await thrice(2), await thrice(50)];
    expect(large[2].lagging).toBeGreaterThan(small[2].lagging);
    // BEGIN, the opening (the identity and the viewer), the campaign with its targets and scope org, the counts
    // with the children's orgs, the lagging page with its orgs and results, COMMIT; then without BEGIN and COMMIT
    expect(small.map((r) => r.statements)).toEqual([6, 6, 4]);
    expect(large.map((r) => r.statements)).toEqual(small.map((r) => r.statements));
  });

  it('reads a page of orgs with their results in five statements whatever its size, and an evaluation’s scored tree in two once kept', async () => {
    const read = async (query: string, variables: Record<string, unknown>) => {
      const body = await gql(query, variables);
      expect(body.errors).toBeUndefined();
      return { statements: body.statements, roundTrips: body.roundTrips, data: body.data };
    };
    const root = (await gql(`{ orgs(first: 1) { nodes { id } } }`, {})).data.orgs.nodes[0].id;
    const page = (first: number) =>
      read(
        `query($u: ID!, $c: ID!) { orgs(under: $u, first: ${first}) { nodes { id name campaignResult(campaignId: $c) { total grade attained } } } }`,
        { u: root, c: globalId('Campaign', campaigns[0]) },
      );
    const [ten, fifty] = [await page(10), await page(50)];
    expect(fifty.data.orgs.nodes!.length).toBeGreaterThan(ten.data.orgs.nodes!.length);
    // BEGIN, the opening with the org under which (read ahead), the page with its results, COMMIT
    expect([ten.statements, ten.roundTrips]).toEqual([5, 3]);
    expect([fifty.statements, fifty.roundTrips]).toEqual([ten.statements, ten.roundTrips]);
    // the same page again: learned from its second request on (read-ahead.ts), the page goes with the opening
    // from the third, and from the fifth (answered by its opening twice) the opening is the whole request:
    // the viewer, the org under which and the page, in one round trip with no BEGIN or COMMIT
    const again: unknown[][] = [];
    for (let i = 0; i < 4; i++) {
      const next = await page(50);
      expect(next.data).toEqual(fifty.data);
      again.push([next.statements, next.roundTrips]);
    }
    expect(again).toEqual([
      [5, 3],
      [5, 2],
      [5, 2],
      [3, 1],
    ]);
    // each org's own result, or none, as stored (the page carries the campaign's scope org once, on its first row)
    const stored = new Map(
      (
        await su.query(
          `SELECT org_id, total::float8 AS total, grade, attained FROM campaign_results WHERE tenant_id = $1 AND campaign_id = $2`,
          [tenant, campaigns[0]],
        )
      ).rows.map((r) => [r.org_id as string, { total: r.total, grade: r.grade, attained: r.attained }]),
    );
    const nodes = fifty.data.orgs.nodes as { id: string; campaignResult: unknown }[];
    nodes.forEach((n) => expect(n.campaignResult).toEqual(stored.get(rawId(n.id)) ?? null));
    expect(nodes.some((n) => n.campaignResult === null) && nodes.some((n) => n.campaignResult !== null)).toBe(true);
    // the same answers through a named fragment and through edges, and for two campaigns at once (the
    // first read with the page, the second by the field's own statement, one more)
    const c0 = globalId('Campaign', campaigns[0]);
    const c1 = globalId('Campaign', campaigns[1]);
    const viaFragment = await read(
      `query($u: ID!, $c: ID!) { orgs(under: $u, first: 50) { edges { node { id ...R } } } } fragment R on Org { name campaignResult(campaignId: $c) { total grade attained } }`,
      { u: root, c: c0 },
    );
    expect(viaFragment.data.orgs.edges.map((e: { node: unknown }) => e.node)).toEqual(nodes);
    expect(viaFragment.statements).toBe(5);
    const both = await read(
      `query($u: ID!, $a: ID!, $b: ID!) { orgs(under: $u, first: 50) { nodes { id a: campaignResult(campaignId: $a) { total } b: campaignResult(campaignId: $b) { total } } } }`,
      { u: root, a: c0, b: c1 },
    );
    const storedOf = async (campaign: string) =>
      new Map(
        (
          await su.query(`SELECT org_id, total::float8 AS total FROM campaign_results WHERE tenant_id = $1 AND campaign_id = $2`, [
            tenant,
            campaign,
          ])
        ).rows.map((r) => [r.org_id as string, { total: r.total }]),
      );
    const [s0, s1] = [await storedOf(campaigns[0]), await storedOf(campaigns[1])];
    for (const n of both.data.orgs.nodes as { id: string; a: unknown; b: unknown }[]) {
      expect(n.a).toEqual(s0.get(rawId(n.id)) ?? null);
      expect(n.b).toEqual(s1.get(rawId(n.id)) ?? null);
    }
    expect(both.statements).toBe(7); // neither joined (they differ): each campaign's results by its own statement
    const evaluation = (await gql(`{ evaluations(first: 1) { nodes { id } } }`, {})).data.evaluations.nodes[0].id;
    const tree = `query($id: ID!) { evaluation(id: $id) { id state result { total grade nodes { criterion { code title } ratio points value } } } }`;
    // the first read of a published version fills this process's cache of its rule and criteria, and the store
    // of scored trees keeps the tree from its second read on: from the third, BEGIN, the opening, the evaluation
    // (read ahead), COMMIT, the third with a read the second request learned and the kept tree made needless
    // (unused, then forgotten); from the fifth (answered by its opening twice) the opening and the evaluation alone
    const reads: number[] = [];
    for (let i = 0; i < 6; i++) reads.push(Number((await read(tree, { id: evaluation })).statements));
    expect(Math.max(...reads.slice(0, 2))).toBeLessThanOrEqual(6);
    expect(reads.slice(2)).toEqual([5, 4, 2, 2]);
  });

  /** A public evaluation, just started, of an org the campaign counts now (the random steps above change scopes, kinds and states). */
  const openPublicEvaluation = async (): Promise<{ id: string; version: number }> => {
    const [open] = (
      await su.query<{ org_id: string }>(
        `SELECT s.org_id FROM progress_standings s
          WHERE s.tenant_id = $1 AND s.campaign_id = $2
            AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.tenant_id = s.tenant_id AND e.campaign_id = s.campaign_id
                               AND e.org_id = s.org_id AND e.kind = 'PUBLIC')
          ORDER BY s.path_key LIMIT 1`,
        [tenant, campaigns[0]],
      )
    ).rows;
    const started = await gql(`mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`, {
      input: { campaignId: globalId('Campaign', campaigns[0]), orgId: globalId('Org', open.org_id), kind: 'PUBLIC' },
    });
    expect(started.errors).toBeUndefined();
    return started.data.startEvaluation;
  };

  it('saves a form of scores in six statements, the campaign read with the evaluation', async () => {
    const ev = await openPublicEvaluation();
    const save = (expectedVersion: number) =>
      gql(`mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`, {
        input: { evaluationId: ev.id, expectedVersion, scores: scoresFor(crit, {}) },
      });
    const first = await save(ev.version);
    expect(first.errors).toBeUndefined();
    expect(first.data.saveScores.version).toBe(ev.version + 1);
    // BEGIN, the opening (identity and viewer), the evaluation with its org and campaign, then the checked write,
    // the audit entry and COMMIT together: two round trips (the evaluation is read ahead with the opening, the
    // write is held back to go with COMMIT as the answer needs nothing it returns)
    expect(first.statements).toBe(6);
    expect(first.roundTrips).toBe(2);
    // a stale version changes nothing and says why, before any write
    const stale = await save(ev.version);
    expect(stale.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'VERSION_MISMATCH', currentVersion: ev.version + 1 });
    expect(stale.roundTrips).toBe(2);
    // asking for the save's own time: the write is sent on its own, after the org is held against a move (one round
    // trip more), and its answer is the stored row's
    const before = (await su.query(`SELECT updated_at FROM evaluations WHERE tenant_id = $1 AND id = $2`, [tenant, rawId(ev.id)])).rows[0];
    const timed = await gql(`mutation($input: SaveScoresInput!) { saveScores(input: $input) { version updatedAt } }`, {
      input: { evaluationId: ev.id, expectedVersion: ev.version + 1, scores: scoresFor(crit, {}) },
    });
    expect(timed.errors).toBeUndefined();
    expect(timed.roundTrips).toBe(4);
    const after = (await su.query(`SELECT version, updated_at FROM evaluations WHERE tenant_id = $1 AND id = $2`, [tenant, rawId(ev.id)]))
      .rows[0];
    expect(after.version).toBe(ev.version + 2);
    expect(new Date(timed.data.saveScores.updatedAt).getTime()).toBe(after.updated_at.getTime());
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    // a held save followed by a read of what it wrote (the field's result): the read sees the save
    const withResult = await gql(`mutation($input: SaveScoresInput!) { saveScores(input: $input) { version result { total } } }`, {
      input: { evaluationId: ev.id, expectedVersion: ev.version + 2, scores: scoresFor(crit, { 'Q8.5': 0 }) },
    });
    expect(withResult.errors).toBeUndefined();
    const reread = await gql(`query($id: ID!) { evaluation(id: $id) { version result { total } } }`, { id: ev.id });
    expect(withResult.data.saveScores).toEqual(reread.data.evaluation);
    expect(reread.data.evaluation.version).toBe(ev.version + 3);
  });

  it('lets exactly one of 50 concurrent saves of one version win; the others are refused as CONFLICT and leave nothing', async () => {
    const ev = await openPublicEvaluation();
    const audited = async () =>
      (
        await su.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'saveScores' AND entity_id = $2`,
          [tenant, rawId(ev.id)],
        )
      ).rows[0].n;
    // each writer its own figures for one item, so the stored scores show whose save stood
    const figures = Array.from({ length: 50 }, (_, i) => i % 5);
    const answers = await Promise.all(
      figures.map((value) =>
        gql(`mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`, {
          input: { evaluationId: ev.id, expectedVersion: ev.version, scores: scoresFor(crit, { 'Q8.5': value }) },
        }),
      ),
    );
    const won = answers.flatMap((a, i) => (a.errors ? [] : [i]));
    expect(won).toHaveLength(1);
    expect(answers[won[0]].data.saveScores.version).toBe(ev.version + 1);
    for (const a of answers.filter((x) => x.errors)) {
      expect(a.status).toBe(200);
      expect(a.data).toBeNull();
      expect(a.errors!.map((e) => [e.path, e.extensions?.code, e.extensions?.reason, e.extensions?.currentVersion])).toEqual([
        [['saveScores'], 'CONFLICT', 'VERSION_MISMATCH', ev.version + 1],
      ]);
      expect(a.errors![0].message).toBe(`该考评已被他人修改（现为第 ${ev.version + 1} 版，您的是第 ${ev.version} 版），请重新加载`);
    }
    const stored = await su.query(`SELECT version FROM evaluations WHERE tenant_id = $1 AND id = $2`, [tenant, rawId(ev.id)]);
    expect(stored.rows[0].version).toBe(ev.version + 1);
    const q85 = crit.find((c) => c.code === 'Q8.5')!;
    const value = await su.query(
      `SELECT value::float8 AS v FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2 AND criterion_id = $3`,
      [tenant, rawId(ev.id), rawId(q85.id)],
    );
    expect(value.rows[0].v).toBe(figures[won[0]]);
    expect(await audited()).toBe(1);
    // two saves in one document, each in its own savepoint: the first stands, the second (stale) is refused alone
    const both = await gql(
      `mutation($a: SaveScoresInput!, $b: SaveScoresInput!) { a: saveScores(input: $a) { version } b: saveScores(input: $b) { version } }`,
      {
        a: { evaluationId: ev.id, expectedVersion: ev.version + 1, scores: scoresFor(crit, {}) },
        b: { evaluationId: ev.id, expectedVersion: ev.version + 1, scores: scoresFor(crit, {}) },
      },
    );
    // (saveScores answers a non-null Evaluation: b's refusal nulls the data, as GraphQL propagates it)
    expect(both.data).toBeNull();
    expect(both.errors?.map((e) => [e.path, e.extensions?.reason])).toEqual([[['b'], 'VERSION_MISMATCH']]);
    const afterBoth = await su.query(`SELECT version FROM evaluations WHERE tenant_id = $1 AND id = $2`, [tenant, rawId(ev.id)]);
    expect(afterBoth.rows[0].version).toBe(ev.version + 2);
    expect(await audited()).toBe(2);
    // a save that commits between a request's read and its held write: that write refuses (AP010) when it gets
    // the row, and the request answers VERSION_MISMATCH with the version that then stood, writing nothing
    const q85Value = async () =>
      (
        await su.query(
          `SELECT value::float8 AS v FROM evaluation_scores WHERE tenant_id = $1 AND evaluation_id = $2 AND criterion_id = $3`,
          [tenant, rawId(ev.id), rawId(q85.id)],
        )
      ).rows[0].v;
    const valueBefore = await q85Value();
    expect(valueBefore).not.toBe(1);
    const locker = await server.superuser({ own: true });
    await locker.query('BEGIN');
    await locker.query(`SELECT version FROM evaluations WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenant, rawId(ev.id)]);
    const pending = gql(`mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`, {
      input: { evaluationId: ev.id, expectedVersion: ev.version + 2, scores: scoresFor(crit, { 'Q8.5': 1 }) },
    });
    const waited = (await lockWaiters(su)) > 0;
    expect(waited).toBe(true); // the request had read version v+2 and was held on the row when the other save committed
    await locker.query(`UPDATE evaluations SET version = version + 1 WHERE tenant_id = $1 AND id = $2`, [tenant, rawId(ev.id)]);
    await locker.query('COMMIT');
    const lost = await pending;
    expect(lost.data).toBeNull();
    expect(lost.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.reason, e.extensions?.currentVersion])).toEqual([
      [['saveScores'], 'CONFLICT', 'VERSION_MISMATCH', ev.version + 3],
    ]);
    expect(lost.errors?.[0].message).toBe(`该考评已被他人修改（现为第 ${ev.version + 3} 版，您的是第 ${ev.version + 2} 版），请重新加载`);
    expect(await audited()).toBe(2);
    expect(await q85Value()).toBe(valueBefore);
  });

  it('answers 40 concurrent reads without waiting for their COMMIT, and leaves no transaction open', async () => {
    const READ = `query($c: ID!) { campaign(id: $c) { progress { eligible attained lagging(first: 5) { nodes { org { id } } } } } }`;
    const answers = await Promise.all(Array.from({ length: 40 }, () => gql(READ, { c: globalId('Campaign', campaigns[0]) })));
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    expect(new Set(answers.map((a) => JSON.stringify(a.data))).size).toBe(1);
    // every COMMIT sent after its response ends, and its connection is back in the pool
    const openTransactions = async () =>
      (
        await su.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
        )
      ).rows[0].n;
    let open = await openTransactions();
    for (let i = 0; i < 50 && open > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      open = await openTransactions();
    }
    expect(open).toBe(0);
  });

  it('keeps each tenant to its own rows', async () => {
    const other = await tenantId(su, 'szjg');
    const seen = await withTransaction(server.database.dataSource, { tenantId: other }, (tx) =>
      tx.query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM progress_counts) + (SELECT count(*) FROM progress_deltas) + (SELECT count(*) FROM progress_standings))::int AS n`,
      ),
    );
    expect(seen).toEqual([{ n: 0 }]);
    await expect(
      withTransaction(server.database.dataSource, { tenantId: other }, (tx) =>
        tx.execute(
          `INSERT INTO progress_deltas (tenant_id, campaign_id, org_id, category, eligible, evaluated, attained) VALUES ($1, $2, $2, 'ORGAN', 1, 0, 0)`,
          [tenant, campaigns[0]],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });
});
