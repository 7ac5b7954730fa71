import { Client } from 'pg';
import { rawId } from './helpers/ids';
import { TestServer, lockWaiters, startTestServer, tokens } from './helpers/server';
import { moveUnderAndCommit } from './helpers/org-moves';
import { tenantToday } from './helpers/sql';
import { orgIds } from './helpers/story';

type Tokens = Record<'admin' | 'supervisor' | 'secretary' | 'secretary2' | 'member', string>;

/**
 * 一次录入，多处使用 (issue 13, part 3): bindings of criteria to the records the platform holds are data of
 * the framework version (edited while a draft, in the document format too, immutable once published);
 * prefillEvaluation fills the bound criteria with the counted figures, each equal to what the API lists
 * for the same org and period, links the counted records, and keeps a correction beside the figure.
 */
describe('criteria bound to records, and prefilled evaluations', () => {
  let server: TestServer;
  let su: Client;
  let t: Tokens;
  let foreign: string;
  let orgs: Record<string, string>;
  let today: string;
  let draftId: string;
  let codes: Record<string, string>;

  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await server.gql(query, variables, token);
    if (!res.data || res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };
  const error = async (query: string, variables: Record<string, unknown>, token: string) =>
    (await server.gql(query, variables, token)).errors?.[0]?.extensions;
  const UPDATE = `mutation($input: UpdateCriterionInput!) { updateCriterion(input: $input) { code source { kind kindLabel ledgerCategory ledgerCategoryLabel } } }`;

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['admin', 'supervisor', 'secretary', 'secretary2', 'member']);
    foreign = await server.token('szjg', 'admin');
    orgs = await orgIds(server, 'jtj');
    today = await tenantToday(su);
  }, 90_000);
  afterAll(() => server.close());

  describe('bindings, data of the framework version', () => {
    it('ship in the 四强四有 template and travel through export and import', async () => {
      draftId = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin)).importFramework.id;
      const criteria = (
        await gql(
          `query($id: ID!) { frameworkVersion(id: $id) { criteria { id code source { kind kindLabel } } } }`,
          { id: draftId },
          t.admin,
        )
      ).frameworkVersion.criteria as { id: string; code: string; source: { kind: string; kindLabel: string } | null }[];
      codes = Object.fromEntries(criteria.map((c) => [c.code, c.id]));
      expect(criteria.filter((c) => c.source).map((c) => [c.code, c.source!.kind, c.source!.kindLabel])).toEqual([
        ['Q2.3', 'PAIRING_VISITS', '结对帮扶（期内有走访）'],
        ['Q8.5', 'PUBLIC_SATISFACTION', '群众评议满意率'],
      ]);
      const yaml = (await gql(`query($v: ID!) { exportFramework(versionId: $v, format: YAML) }`, { v: draftId }, t.admin))
        .exportFramework as string;
      expect(yaml).toContain('source:\n          kind: PAIRING_VISITS');
      const again = (await gql(`mutation($d: String!) { importFramework(input: { document: $d }) { id } }`, { d: yaml }, t.admin))
        .importFramework.id;
      const reexported = (await gql(`query($v: ID!) { exportFramework(versionId: $v, format: YAML) }`, { v: again }, t.admin))
        .exportFramework;
      expect(reexported).toBe(yaml);
    });

    it('are edited on a draft: a COUNT or BOOLEAN criterion takes a count, a PERCENT one the satisfaction; a misfit is refused', async () => {
      const bind = (code: string, source: unknown) => ({ input: { id: codes[code], source } });
      expect((await gql(UPDATE, bind('Q8.1', { kind: 'LEDGER_ENTRIES', ledgerCategory: 'MEETING' }), t.admin)).updateCriterion).toEqual({
        code: 'Q8.1',
        source: { kind: 'LEDGER_ENTRIES', kindLabel: '管理台帐', ledgerCategory: 'MEETING', ledgerCategoryLabel: expect.any(String) },
      });
      await gql(UPDATE, bind('Q7.4', { kind: 'FULFILLED_COMMITMENTS' }), t.admin);
      await gql(UPDATE, bind('Q3.B1', { kind: 'BRIEFINGS_PUBLISHED' }), t.admin);
      await gql(UPDATE, bind('Q2.2', { kind: 'SERVICE_REQUESTS_ANSWERED' }), t.admin);
      await gql(UPDATE, bind('Q6.5', { kind: 'SERVICE_TEAM_RECORDS' }), t.admin);
      // a partial update keeps the binding; null removes it
      expect((await gql(UPDATE, { input: { id: codes['Q7.4'], title: '班子成员带头践诺' } }, t.admin)).updateCriterion.source.kind).toBe(
        'FULFILLED_COMMITMENTS',
      );
      expect(await error(UPDATE, bind('Q1.1', { kind: 'LEDGER_ENTRIES' }), t.admin)).toMatchObject({
        reason: 'DOC_SOURCE_SCORING_TYPE',
        field: 'input.source',
      });
      expect(await error(UPDATE, bind('Q2.5', { kind: 'PAIRING_VISITS' }), t.admin)).toMatchObject({ reason: 'DOC_SOURCE_SCORING_TYPE' });
      expect(await error(UPDATE, bind('Q8.5', { kind: 'BRIEFINGS_PUBLISHED', ledgerCategory: 'MEETING' }), t.admin)).toMatchObject({
        reason: 'DOC_SOURCE_SCORING_TYPE',
      });
      expect(await error(UPDATE, bind('Q2.3', { kind: 'BRIEFINGS_PUBLISHED', ledgerCategory: 'MEETING' }), t.admin)).toMatchObject({
        reason: 'DOC_SOURCE_OPTION',
      });
      // changing the scoring type under a binding is refused as well
      expect(await error(UPDATE, { input: { id: codes['Q8.1'], scoringType: 'SCALE' } }, t.admin)).toMatchObject({
        reason: 'DOC_SOURCE_SCORING_TYPE',
      });
      // only the root admin edits criteria
      expect(await error(UPDATE, bind('Q8.1', null), t.supervisor)).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('are checked in a document with their paths', async () => {
      const yaml = (await gql(`query($v: ID!) { exportFramework(versionId: $v, format: YAML) }`, { v: draftId }, t.admin))
        .exportFramework as string;
      const broken = yaml
        .replace('kind: PAIRING_VISITS', 'kind: PHONE_CALLS')
        .replace(
          'scoringType: PERCENT\n        source:\n          kind: PUBLIC_SATISFACTION',
          'scoringType: SCALE\n        source:\n          kind: PUBLIC_SATISFACTION',
        );
      const res = await server.gql(`mutation($d: String!) { importFramework(input: { document: $d }) { id } }`, { d: broken }, t.admin);
      const problems = res.errors![0].extensions!.problems as { path: string; reason: string }[];
      expect(problems.map((p) => [p.path, p.reason])).toEqual([
        ['criteria[1].children[2].source.kind', 'DOC_NOT_ONE_OF'],
        ['criteria[7].children[4].source', 'DOC_SOURCE_SCORING_TYPE'],
      ]);
    });

    it('are fixed once the version is published: by the API and at the database', async () => {
      await gql(
        `mutation($input: VersionRefInput!) { publishVersion(input: $input) { status } }`,
        { input: { versionId: draftId } },
        t.admin,
      );
      expect(await error(UPDATE, { input: { id: codes['Q8.1'], source: null } }, t.admin)).toMatchObject({ reason: 'VERSION_NOT_DRAFT' });
      const refused = await su.query(`UPDATE criteria SET source = NULL WHERE id = $1`, [rawId(codes['Q8.1'])]).catch((e) => e);
      expect(refused.code).toBe('AP001');
    });
  });

  describe('prefillEvaluation', () => {
    let campaignId: string;
    let evaluationId: string;
    let version: number;
    const period = { from: '2013-05-05', to: '' };
    const BRANCH = '第一车队党支部';

    const nodesOf = async (token = t.secretary) =>
      (
        await gql(
          `query($id: ID!) { evaluation(id: $id) { version result { nodes { criterion { code } value scored evidence sourceFigure sourceNote corrected
              sourceRecords(first: 100) { totalCount nodes { recordType recordId occurredOn label record { id } } } } } } }`,
          { id: evaluationId },
          token,
        )
      ).evaluation;
    const nodeOf = (evaluation: { result: { nodes: { criterion: { code: string } }[] } }, code: string) =>
      evaluation.result.nodes.find((n) => n.criterion.code === code) as unknown as {
        value: number | null;
        sourceFigure: number | null;
        sourceNote: string | null;
        corrected: boolean;
        evidence: string | null;
        sourceRecords: { totalCount: number; nodes: { recordType: string; recordId: string; record: { id: string } | null }[] };
      };
    const prefill = (token: string, expectedVersion = version, extra: Record<string, unknown> = {}) =>
      server.gql(
        `mutation($input: PrefillEvaluationInput!) { prefillEvaluation(input: $input) { id version } }`,
        { input: { evaluationId, expectedVersion, ...extra } },
        token,
      );

    beforeAll(async () => {
      period.to = today;
      campaignId = (
        await gql(
          `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
          {
            input: {
              name: '一次录入试点',
              versionId: draftId,
              scopeOrgId: orgs['中共市交通运输局党委'],
              eligibleKinds: ['GENERAL_BRANCH', 'BRANCH'],
              startsOn: period.from,
              endsOn: '2099-12-31',
            },
          },
          t.admin,
        )
      ).createCampaign.id;
      const started = (
        await gql(
          `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
          { input: { campaignId, orgId: orgs[BRANCH], kind: 'SELF' } },
          t.secretary,
        )
      ).startEvaluation;
      evaluationId = started.id;
      version = started.version;
    });

    it('is refused to those who may not fill the evaluation in, and to a stale version, changing nothing', async () => {
      expect((await prefill(t.member)).errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect((await prefill(t.secretary2)).errors![0].extensions).toMatchObject({ code: 'NOT_FOUND' });
      expect((await prefill(foreign)).errors![0].extensions).toMatchObject({ code: 'NOT_FOUND' });
      expect((await prefill(t.secretary, version + 5)).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'VERSION_MISMATCH',
      });
      expect((await prefill(t.secretary, version, { from: '2020-01-02', to: '2020-01-01' })).errors![0].extensions).toMatchObject({
        reason: 'PREFILL_PERIOD_INVALID',
      });
      expect(
        (await su.query(`SELECT count(*)::int AS n FROM evaluation_prefills WHERE evaluation_id = $1`, [rawId(evaluationId)])).rows[0].n,
      ).toBe(0);
    });

    it('fills each bound criterion with the figure the API gives for the same org and period, and links the records counted', async () => {
      const res = await prefill(t.secretary);
      expect(res.errors).toBeUndefined();
      version = res.data.prefillEvaluation.version;
      const evaluation = await nodesOf();
      const branch = orgs[BRANCH];

      // 管理台帐 of category MEETING in the period
      const ledger = (
        await gql(
          `query($o: ID!, $from: Date, $to: Date) { ledgerEntries(orgId: $o, category: MEETING, from: $from, to: $to, first: 100) { totalCount nodes { id } } }`,
          { o: branch, ...period },
          t.secretary,
        )
      ).ledgerEntries;
      const q81 = nodeOf(evaluation, 'Q8.1');
      expect(ledger.totalCount).toBeGreaterThan(0);
      expect(q81).toMatchObject({ value: ledger.totalCount, sourceFigure: ledger.totalCount, corrected: false });
      expect(q81.sourceRecords.totalCount).toBe(ledger.totalCount);
      expect(q81.sourceRecords.nodes.map((r) => r.recordId).sort()).toEqual(ledger.nodes.map((n: { id: string }) => n.id).sort());
      expect(q81.sourceRecords.nodes.every((r) => r.record?.id === r.recordId)).toBe(true);
      expect(q81.evidence).toBe(q81.sourceNote);
      expect(q81.sourceNote).toContain(`自动统计：管理台帐（`);

      // 已践诺的承诺 of the branch
      const fulfilled = (
        await gql(`query($o: ID!) { commitments(orgId: $o, state: FULFILLED, first: 100) { totalCount } }`, { o: branch }, t.secretary)
      ).commitments.totalCount;
      expect(fulfilled).toBeGreaterThan(0);
      expect(nodeOf(evaluation, 'Q7.4')).toMatchObject({ value: fulfilled, sourceFigure: fulfilled });

      // 已报送的简报 (BOOLEAN: any at all)
      const briefings = (
        await gql(
          `query($o: ID!) { briefings(under: $o, state: PUBLISHED, first: 100) { nodes { org { id } briefingOn } } }`,
          { o: branch },
          t.secretary,
        )
      ).briefings.nodes.filter((b: { org: { id: string }; briefingOn: string }) => b.org.id === branch && b.briefingOn >= period.from);
      expect(nodeOf(evaluation, 'Q3.B1')).toMatchObject({ value: briefings.length > 0 ? 1 : 0, sourceFigure: briefings.length });

      // 结对帮扶 with a visit in the period (the demo's one pairing of the branch's resident)
      const q23 = nodeOf(evaluation, 'Q2.3');
      expect(q23).toMatchObject({ value: 1, sourceFigure: 1 });
      expect(q23.sourceRecords.nodes[0].recordType).toBe('Pairing');

      // 群众满意率, as fillScoreFromSatisfaction and the satisfaction rollup compute it
      const own = (
        await gql(
          `query($o: ID!, $c: ID!) { satisfaction(orgId: $o, campaignId: $c) { own { count satisfiedShare } } }`,
          { o: branch, c: campaignId },
          t.secretary,
        )
      ).satisfaction.own;
      const q85 = nodeOf(evaluation, 'Q8.5');
      if (own.count) expect(q85).toMatchObject({ value: own.satisfiedShare, sourceFigure: own.satisfiedShare });
      else expect(q85).toMatchObject({ value: null, sourceFigure: 0 });

      // 按时答复的服务请求 addressed to the branch: none in the demo, so 0, as the API lists
      expect(nodeOf(evaluation, 'Q2.2')).toMatchObject({ value: 0, sourceFigure: 0 });
      // 服务队伍的服务记录 (BOOLEAN: any at all): the branch's volunteer team, as Org.serviceTotals counts it
      const served = (
        await gql(
          `query($o: ID!, $from: Date!, $to: Date!) { node(id: $o) { ... on Org { serviceTotals(from: $from, to: $to) { records } } } }`,
          // totals span at most 10 years; the demo's service records are all of the last weeks
          { o: branch, from: `${Number(today.slice(0, 4)) - 9}-01-01`, to: period.to },
          t.secretary,
        )
      ).node.serviceTotals.records;
      expect(served).toBeGreaterThan(0);
      const q65 = nodeOf(evaluation, 'Q6.5');
      expect(q65).toMatchObject({ value: 1, sourceFigure: served });
      expect(q65.sourceRecords.nodes.map((r) => r.recordType)).toEqual(Array(served).fill('ServiceRecord'));
      expect(q65.sourceRecords.nodes.every((r) => r.record?.id === r.recordId)).toBe(true);
      // the unbound criteria are untouched
      expect(nodeOf(evaluation, 'Q1.1')).toMatchObject({ value: null, sourceFigure: null });
    });

    it('keeps the evaluator’s correction beside the computed figure, also through another prefill', async () => {
      const before = nodeOf(await nodesOf(), 'Q8.1');
      const q81 = (
        await gql(`query($id: ID!) { frameworkVersion(id: $id) { criteria { id code } } }`, { id: draftId }, t.secretary)
      ).frameworkVersion.criteria.find((c: { code: string }) => c.code === 'Q8.1').id;
      const saved = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        {
          input: {
            evaluationId,
            expectedVersion: version,
            scores: [{ criterionId: q81, value: 5, note: '另有5次支委会记录在纸质台帐中' }],
          },
        },
        t.secretary,
      );
      version = saved.saveScores.version;
      const corrected = nodeOf(await nodesOf(), 'Q8.1');
      expect(corrected).toMatchObject({ value: 5, sourceFigure: before.sourceFigure, corrected: true });
      const again = await prefill(t.secretary);
      version = again.data.prefillEvaluation.version;
      expect(nodeOf(await nodesOf(), 'Q8.1')).toMatchObject({ value: 5, sourceFigure: before.sourceFigure, corrected: true });
      // the superior above reads where each figure came from; the sibling branch reads nothing
      expect(nodeOf(await nodesOf(t.supervisor), 'Q8.1').sourceRecords.totalCount).toBe(before.sourceRecords.totalCount);
      expect(
        (await server.gql(`query($id: ID!) { evaluation(id: $id) { id } }`, { id: evaluationId }, t.secretary2)).errors![0].extensions!
          .code,
      ).toBe('NOT_FOUND');
    });

    it('keeps the figures, their records and a correction through an upgrade of the campaign to a new version', async () => {
      const before = await nodesOf();
      const copy = (await gql(`mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id } }`, { v: draftId }, t.admin))
        .createDraftFrom.id;
      await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: copy }, t.admin);
      // every code is in both versions: every score is carried as it was, to a criterion bound to the same records
      await gql(
        `mutation($input: VersionUpgradeInput!) { upgradeCampaignVersion(input: $input) { moved } }`,
        { input: { campaignId, toVersionId: copy, mapping: [] } },
        t.admin,
      );
      const after = await nodesOf();
      version = after.version;
      const shown = (e: typeof before, code: string) => {
        const n = nodeOf(e, code);
        return { value: n.value, sourceFigure: n.sourceFigure, corrected: n.corrected, records: n.sourceRecords.totalCount };
      };
      for (const code of ['Q8.1', 'Q2.3', 'Q6.5']) expect(shown(after, code)).toEqual(shown(before, code));
      expect(shown(after, 'Q8.1')).toMatchObject({ value: 5, corrected: true });
      // and the next prefill keeps the correction as before the upgrade
      const again = await prefill(t.secretary);
      expect(again.errors).toBeUndefined();
      version = again.data.prefillEvaluation.version;
      expect(shown(await nodesOf(), 'Q8.1')).toEqual(shown(before, 'Q8.1'));
      // nothing of the evaluation's figures is left on the old version's criteria
      const left = await su.query(
        `SELECT count(*)::int AS n FROM evaluation_prefills p JOIN criteria c ON c.id = p.criterion_id WHERE p.evaluation_id = $1 AND c.version_id = $2`,
        [rawId(evaluationId), rawId(draftId)],
      );
      expect(left.rows[0].n).toBe(0);
    });

    it('is refused on a submitted evaluation (the demo’s superior review, prefilled and corrected before it was submitted)', async () => {
      const demoCampaign = (await gql(`{ campaigns(first: 5) { nodes { id name } } }`, {}, t.admin)).campaigns.nodes.find(
        (c: { name: string }) => c.name !== '一次录入试点',
      ).id;
      const demo = (
        await gql(
          `query($o: ID!, $c: ID!) { node(id: $o) { ... on Org { evaluations(campaignId: $c, kind: SUPERIOR, first: 1) { nodes { id version state
              result { nodes { criterion { code } value sourceFigure corrected sourceRecords(first: 5) { totalCount } } } } } } } }`,
          { o: orgs['第二车队党支部'], c: demoCampaign },
          t.admin,
        )
      ).node.evaluations.nodes[0];
      expect(demo.state).toBe('SUBMITTED');
      // none of 第二车队党支部's people is paired: 0 counted, corrected to 1 by the reviewer, both kept
      expect(demo.result.nodes.find((n: { criterion: { code: string } }) => n.criterion.code === 'Q2.3')).toMatchObject({
        value: 1,
        sourceFigure: 0,
        corrected: true,
        sourceRecords: { totalCount: 0 },
      });
      const res = await server.gql(
        `mutation($input: PrefillEvaluationInput!) { prefillEvaluation(input: $input) { id } }`,
        { input: { evaluationId: demo.id, expectedVersion: demo.version } },
        t.admin,
      );
      expect(res.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'NOT_EDITABLE' });
    });

    // last in the file: it moves the branch out of 市公交集团党委
    it('holds the org as saveScores does: a move that takes it from under the evaluator while the prefill waits refuses it', async () => {
      const superior = (
        await gql(
          `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
          { input: { campaignId, orgId: orgs[BRANCH], kind: 'SUPERIOR' } },
          t.supervisor,
        )
      ).startEvaluation;
      const tenant = (await su.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
      // a move of the branch in progress, and the evaluation's row held besides: the prefill meets one of them
      const mover = await server.superuser({ own: true });
      await mover.query('BEGIN');
      await mover.query(`SELECT 1 FROM orgs WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenant, rawId(orgs[BRANCH])]);
      await mover.query(`SELECT 1 FROM evaluations WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenant, rawId(superior.id)]);
      const pending = server.gql(
        `mutation($input: PrefillEvaluationInput!) { prefillEvaluation(input: $input) { id version } }`,
        { input: { evaluationId: superior.id, expectedVersion: superior.version } },
        t.supervisor,
      );
      expect(await lockWaiters(su, 1)).toBe(1);
      await moveUnderAndCommit(mover, tenant, [rawId(orgs[BRANCH])], rawId(orgs['市高速公路建设开发公司党委']));
      const answer = await pending;
      // the supervisor of 市公交集团党委 no longer reads the branch: not found, and nothing written
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'EVALUATION_NOT_FOUND' });
      const stored = await su.query(
        `SELECT e.version, (SELECT count(*)::int FROM evaluation_prefills p WHERE p.evaluation_id = e.id) AS prefills FROM evaluations e WHERE e.id = $1`,
        [rawId(superior.id)],
      );
      expect(stored.rows).toEqual([{ version: superior.version, prefills: 0 }]);
    });
  });
});
