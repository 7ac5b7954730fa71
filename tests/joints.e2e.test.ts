import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { GqlResponse, TestServer, codes, lockWaiters, reasons, startTestServer, firstSignIn } from './helpers/server';
import { rawId } from './helpers/ids';
import { acrossMove } from './helpers/org-moves';
import { tenantId as tenantIdOf } from './helpers/sql';
import { criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';
import { day } from './helpers/dates';

/**
 * Regression tests for the joints the issue-10 walk crossed (items 9, 11, 13, 14, 15 for evaluations,
 * 16), each through the running server over HTTP, on the full demo (frameworks, campaigns, every
 * module's records).
 */
describe('joints between modules (issue 10)', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  let campaignId: string;
  let versionId: string;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const get = async (path: string, token: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, body, json: () => JSON.parse(body.toString('utf8')) };
  };
  const sheetScope = async (body: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as unknown as ArrayBuffer);
    return wb.getWorksheet('说明')!.getCell('B3').value;
  };

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = Object.fromEntries(
      await Promise.all(
        ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'].map(async (u) => [
          u,
          await server.token('jtj', u),
        ]),
      ),
    );
    const res = await gql(`{ campaigns { nodes { id version { id } } } }`, {}, t.admin);
    campaignId = res.data.campaigns.nodes[0].id;
    versionId = res.data.campaigns.nodes[0].version.id;
  }, 120_000);
  afterAll(() => server.close());

  describe('item 11: rollups default to the viewer’s own scope', () => {
    const ROLLUPS = `{ campaigns(first: 1) { nodes { deadlines { code summary { owed onTime late missing } submissions { nodes { org { name } status statusLabel } } }
      progress { scope { name } eligible } ranking { nodes { org { name } } } } } }`;

    it.each([
      ['secretary', '第一车队党支部', 0],
      ['member', '第一车队党支部', 0],
      ['supervisor', '市公交集团党委', 1],
    ])('answers %s’s deadlines, progress and ranking for its own scope with no `under`', async (role, scope, owed) => {
      const res = await gql(ROLLUPS, {}, t[role]);
      expect(res.errors).toBeUndefined();
      const [campaign] = res.data.campaigns.nodes;
      expect(campaign.progress.scope).toEqual({ name: scope });
      expect(campaign.deadlines.map((d: { summary: { owed: number } }) => d.summary.owed)).toEqual([owed, owed]);
      if (owed)
        expect(campaign.deadlines[0].submissions.nodes).toEqual([
          { org: { name: '市公交集团党委' }, status: 'ON_TIME', statusLabel: '按时报送' },
        ]);
    });

    it.each([
      ['secretary', '第一车队党支部'],
      ['member', '第一车队党支部'],
      ['supervisor', '市公交集团党委'],
    ])('exports the progress sheet for %s’s own scope with no `under`', async (role, scope) => {
      const res = await get(`/exports/campaigns/${campaignId}/progress`, t[role]);
      expect(res.status).toBe(200);
      expect(await sheetScope(res.body)).toBe(scope);
    });

    it('still refuses an `under` outside the viewer’s scope as an unknown org (reason and message about the Org)', async () => {
      const res = await gql(
        `query($c: ID!, $u: ID!) { campaign(id: $c) { progress(under: $u) { eligible } } }`,
        { c: campaignId, u: ids['第二车队党支部'] },
        t.secretary,
      );
      expect(res.errors![0]).toMatchObject({
        message: '党组织不存在或不在您的权限范围内',
        extensions: { code: 'NOT_FOUND', reason: 'ORG_NOT_FOUND' },
      });
      const file = await get(`/exports/campaigns/${campaignId}/progress?under=${ids['第二车队党支部']}`, t.secretary);
      expect(file.status).toBe(404);
      expect(file.json().errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'ORG_NOT_FOUND' });
    });
  });
  describe('item 14: org names are trimmed, never blank, unique among live siblings; archived orgs can be restored', () => {
    const create = (parent: string, name: string, kind = 'BRANCH', token = t.admin) =>
      gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id name archivedAt } }`,
        { input: { parentId: parent, name, kind, category: 'ENTERPRISE' } },
        token,
      );
    const rename = (id: string, name: string) =>
      gql(`mutation($input: RenameOrgInput!) { renameOrg(input: $input) { name } }`, { input: { id, name } }, t.admin);
    const move = (id: string, newParentId: string) =>
      gql(`mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`, { input: { id, newParentId } }, t.admin);
    const archive = (id: string) =>
      gql(`mutation($input: ArchiveOrgInput!) { archiveOrg(input: $input) { archivedAt } }`, { input: { id } }, t.admin);
    const restore = (id: string, token = t.admin) =>
      gql(`mutation($input: RestoreOrgInput!) { restoreOrg(input: $input) { name archivedAt } }`, { input: { id } }, token);
    const orgCount = async () => (await su.query(`SELECT count(*)::int AS n FROM orgs`)).rows[0].n as number;

    it('refuses a blank name (spaces, full-width spaces, tabs) naming the field, and stores a padded name trimmed', async () => {
      const before = await orgCount();
      for (const name of ['   ', '\u3000\u3000', ' \t\n ']) {
        expect((await create(ids['市公交集团党委'], name)).errors![0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'ORG_NAME_BLANK',
          field: 'input.name',
        });
      }
      expect(await orgCount()).toBe(before);
      const padded = await create(ids['市公交集团党委'], '  第六车队党支部\u3000');
      expect(padded.data.createOrg.name).toBe('第六车队党支部');
      expect((await rename(padded.data.createOrg.id, '   ')).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'ORG_NAME_BLANK',
      });
    });

    it('refuses a second “第一车队党支部” under the same parent on create, rename and move, with a coded CONFLICT', async () => {
      const before = await orgCount();
      const twin = await create(ids['市公交集团党委'], '第一车队党支部');
      expect(twin.errors![0]).toMatchObject({
        message: '同一上级组织下已有名为“第一车队党支部”的组织',
        extensions: { code: 'CONFLICT', reason: 'ORG_NAME_TAKEN', field: 'input.name' },
      });
      expect((await create(ids['市公交集团党委'], ' 第一车队党支部 ')).errors![0].extensions).toMatchObject({ reason: 'ORG_NAME_TAKEN' });
      expect(await orgCount()).toBe(before);
      // the same name elsewhere in the tree is fine
      const elsewhere = await create(ids['市出租汽车公司党总支'], '第一车队党支部');
      expect(elsewhere.errors).toBeUndefined();
      expect((await move(elsewhere.data.createOrg.id, ids['市公交集团党委'])).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'ORG_NAME_TAKEN',
      });
      expect((await rename(ids['第二车队党支部'], '第一车队党支部')).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'ORG_NAME_TAKEN',
      });
      expect((await su.query(`SELECT count(*)::int AS n FROM orgs WHERE name = '第二车队党支部'`)).rows[0].n).toBe(1);
      await archive(elsewhere.data.createOrg.id);
    });

    it('holds the rule in the database itself, and under 20 concurrent creates of one name: one wins, the rest are CONFLICT', async () => {
      const [row] = (
        await su.query(
          `SELECT tenant_id, parent_id, kind, category, path::text FROM orgs WHERE name = '第一车队党支部' AND archived_at IS NULL AND parent_id IS NOT NULL LIMIT 1`,
        )
      ).rows;
      await expect(
        su.query(
          `INSERT INTO orgs (tenant_id, id, parent_id, name, kind, category, path)
           SELECT $1, g, $2, '第一车队党支部', $3, $4, subpath($5::ltree, 0, nlevel($5::ltree) - 1) || replace(g::text, '-', '') FROM gen_random_uuid() g`,
          [row.tenant_id, row.parent_id, row.kind, row.category, row.path],
        ),
      ).rejects.toMatchObject({ code: '23505', constraint: 'orgs_live_sibling_name' });
      const results = await Promise.all(Array.from({ length: 20 }, () => create(ids['市公交集团党委'], '第七车队党支部')));
      expect(results.filter((r) => !r.errors).length).toBe(1);
      expect(results.filter((r) => r.errors).map((r) => r.errors![0].extensions!.reason)).toEqual(Array(19).fill('ORG_NAME_TAKEN'));
    });

    it('holds the tree in the database itself: a path off its parent’s, a parent moved without its subtree, two orgs under each other', async () => {
      const org = async (name: string) =>
        (await su.query(`SELECT id, path::text AS path FROM orgs WHERE name = $1 AND archived_at IS NULL LIMIT 1`, [name])).rows[0] as {
          id: string;
          path: string;
        };
      const [fleet, bus, road] = await Promise.all(['第二车队党支部', '市公交集团党委', '市高速公路建设开发公司党委'].map(org));
      const refused = (sql: string, params: unknown[]) =>
        su.query(sql, params).then(
          () => null,
          (e: { code?: string; constraint?: string }) => [e.code, e.constraint],
        );
      // an org's path under another org than its parent
      expect(
        await refused(`UPDATE orgs SET path = $2::ltree || subpath(path, nlevel(path) - 1) WHERE id = $1`, [fleet.id, road.path]),
      ).toEqual(['23514', 'orgs_path_labels']);
      // a committee moved (path and parent) without its subtree: its orgs hang under a path no org has
      expect(
        await refused(`UPDATE orgs SET path = $2::ltree || subpath(path, nlevel(path) - 1), parent_id = $3 WHERE id = $1`, [
          bus.id,
          road.path,
          road.id,
        ]),
      ).toEqual(['23503', 'orgs_parent_path_fkey']);
      // what two crossed moves left before the service locked them: each committee under the other, with their subtrees
      expect(
        await refused(
          `UPDATE orgs o SET path = CASE WHEN o.path <@ $2::ltree THEN $3::ltree || subpath(o.path, nlevel($2::ltree) - 1)
                                         ELSE $2::ltree || subpath(o.path, nlevel($3::ltree) - 1) END,
                             parent_id = CASE WHEN o.id = $1 THEN $4::uuid WHEN o.id = $4 THEN $1::uuid ELSE o.parent_id END
            WHERE o.path <@ $2::ltree OR o.path <@ $3::ltree`,
          [bus.id, bus.path, road.path, road.id],
        ),
      ).toEqual(['23503', 'orgs_parent_path_fkey']);
      // a whole subtree moved in one statement, as moveOrg writes it, is a tree: allowed, and moved back
      const move = (from: { id: string; path: string }, to: { id: string; path: string }) =>
        su.query(
          `UPDATE orgs o SET path = $3::ltree || subpath(o.path, nlevel($2::ltree) - 1), parent_id = CASE WHEN o.id = $1 THEN $4::uuid ELSE o.parent_id END
            WHERE o.path <@ $2::ltree`,
          [from.id, from.path, to.path, to.id],
        );
      const root = (
        await su.query(`SELECT id, path::text AS path FROM orgs WHERE id = (SELECT parent_id FROM orgs WHERE id = $1)`, [bus.id])
      ).rows[0];
      await move(bus, road);
      await move(await org('市公交集团党委'), root);
      expect(await org('市公交集团党委')).toEqual(bus);
    });

    it('restores an archived org when its parent is live and its name still free, for an admin over it only', async () => {
      const first = (await create(ids['市公交集团党委'], '第八车队党支部')).data.createOrg.id;
      await archive(first);
      // archived, its name is free again
      const second = (await create(ids['市公交集团党委'], '第八车队党支部')).data.createOrg.id;
      expect((await restore(first)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_NAME_TAKEN' });
      expect(codes(await restore(first, t.supervisor))).toEqual(['FORBIDDEN']);
      expect(codes(await restore(first, t.secretary2))).toEqual(['NOT_FOUND']);
      await rename(second, '第九车队党支部');
      const back = await restore(first);
      expect(back.data.restoreOrg).toEqual({ name: '第八车队党支部', archivedAt: null });
      // restoring a live org changes nothing
      expect((await restore(first)).data.restoreOrg.archivedAt).toBeNull();
    });

    it('restores top down: a child of an archived parent waits for its parent', async () => {
      const parent = (await create(ids['中共市交通运输局党委'], '临时党委', 'COMMITTEE')).data.createOrg.id;
      const child = (await create(parent, '临时党支部')).data.createOrg.id;
      await archive(child);
      await archive(parent);
      expect((await restore(child)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_PARENT_ARCHIVED' });
      expect((await restore(parent)).data.restoreOrg.archivedAt).toBeNull();
      expect((await restore(child)).data.restoreOrg).toEqual({ name: '临时党支部', archivedAt: null });
      // and creating under an archived parent is refused as before
      await archive(child);
      await archive(parent);
      expect((await create(parent, '又一个党支部')).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_ARCHIVED' });
    });
  });
  describe('item 13: a committee’s own officer submits for it; returns keep their reason, who and when', () => {
    const SUBMISSION = `id state returnReason submittedAt firstSubmittedAt history { action actionLabel reason byName at }`;
    let plan: string;
    let selfCheck: string;
    const submit = (deadlineId: string, org: string, text: string, token: string) =>
      gql(
        `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { ${SUBMISSION} } }`,
        { input: { deadlineId, orgId: ids[org], text } },
        token,
      );
    const giveBack = (submissionId: string, reason: string, token: string) =>
      gql(
        `mutation($input: ReturnDeadlineSubmissionInput!) { returnDeadlineSubmission(input: $input) { ${SUBMISSION} } }`,
        { input: { submissionId, reason } },
        token,
      );
    const rowsOf = async (deadlineId: string, token: string) =>
      (
        await gql(
          `query($id: ID!) { node(id: $id) { ... on CampaignDeadline { summary { owed onTime late returned missing } submissions(status: RETURNED) { nodes { org { name } } } } } }`,
          { id: deadlineId },
          token,
        )
      ).data.node;

    beforeAll(async () => {
      const res = await gql(`query($c: ID!) { campaign(id: $c) { deadlines { id code } } }`, { c: campaignId }, t.admin);
      plan = res.data.campaign.deadlines.find((d: { code: string }) => d.code === 'PLAN').id;
      selfCheck = res.data.campaign.deadlines.find((d: { code: string }) => d.code === 'SELF_CHECK').id;
    });

    it('lets the 直属党委’s own officer (the demo supervisor, 公交集团党委书记) submit the self-check for its committee, and nobody else below the bureau', async () => {
      expect(codes(await submit(selfCheck, '市公交集团党委', 'x', t.secretary))).toEqual(['NOT_FOUND']);
      expect(codes(await submit(selfCheck, '第一车队党支部', 'x', t.supervisor))).toEqual(['FORBIDDEN']);
      const res = await submit(selfCheck, '市公交集团党委', '市公交集团党委创建工作自查总结', t.supervisor);
      expect(res.errors).toBeUndefined();
      expect(res.data.submitForDeadline).toMatchObject({
        state: 'SUBMITTED',
        history: [{ action: 'SUBMITTED', byName: '公交集团党委书记', reason: null }],
      });
      expect(codes(await submit(selfCheck, '市公交集团党委', '再报一次', t.supervisor))).toEqual(['CONFLICT']);
    });

    it('returns a submission for revision with a reason (an officer above only), and the org submits again; every step stays in the history', async () => {
      const [{ id }] = (
        await gql(
          `query($id: ID!) { node(id: $id) { ... on CampaignDeadline { submissions { nodes { submission { id } } } } } }`,
          { id: plan },
          t.supervisor,
        )
      ).data.node.submissions.nodes.map((r: { submission: { id: string } }) => r.submission);
      expect(codes(await giveBack(id, '请补充', t.supervisor))).toEqual(['FORBIDDEN']); // its own org: not above it
      expect((await giveBack(id, '  ', t.admin)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'RETURN_REASON_REQUIRED',
        field: 'input.reason',
      });
      const first = await giveBack(id, '请补充党员示范岗设置方案', t.admin);
      expect(first.data.returnDeadlineSubmission).toMatchObject({ state: 'RETURNED', returnReason: '请补充党员示范岗设置方案' });
      expect((await giveBack(id, '再退一次', t.leader)).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'NOT_RETURNABLE',
      });
      expect(await rowsOf(plan, t.admin)).toMatchObject({
        summary: { returned: 1 },
        submissions: { nodes: [{ org: { name: '市公交集团党委' } }] },
      });

      const again = await submit(plan, '市公交集团党委', '市公交集团党委创建工作方案（修订稿）', t.supervisor);
      expect(again.data.submitForDeadline).toMatchObject({
        state: 'SUBMITTED',
        returnReason: null,
        firstSubmittedAt: '2013-05-15T01:00:00.000Z',
      });
      await giveBack(id, '目标任务须量化到车队', t.leader);
      const last = (await submit(plan, '市公交集团党委', '市公交集团党委创建工作方案（第二次修订）', t.supervisor)).data.submitForDeadline;
      expect(last.history.map((h: { action: string; reason: string | null; byName: string }) => [h.action, h.reason, h.byName])).toEqual([
        ['SUBMITTED', null, '局组织科'],
        ['RETURNED', '请补充党员示范岗设置方案', '局组织科'],
        ['RESUBMITTED', null, '公交集团党委书记'],
        ['RETURNED', '目标任务须量化到车队', '鞠世闻(领导小组组长)'],
        ['RESUBMITTED', null, '公交集团党委书记'],
      ]);
      expect(last.history.map((h: { at: string }) => h.at)).toEqual([...last.history.map((h: { at: string }) => h.at)].sort());
      // on time is judged by the first submission (2013-05-15), not by the revision
      const summary = (await rowsOf(plan, t.admin)).summary;
      expect(summary).toMatchObject({ onTime: 1, returned: 0 });
    });
  });

  describe('item 15 (evaluations): partial score updates and the review history', () => {
    let evaluationId: string;
    let version: number;
    let leaves: Awaited<ReturnType<typeof criteriaOf>>;
    const save = async (scores: Record<string, unknown>[], token = t.secretary) => {
      const res = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version result { nodes { criterion { id } evidence note value } } } }`,
        { input: { evaluationId, expectedVersion: version, scores } },
        token,
      );
      expect(res.errors).toBeUndefined();
      version = res.data.saveScores.version;
      return new Map(res.data.saveScores.result.nodes.map((n: { criterion: { id: string } }) => [n.criterion.id, n]));
    };

    beforeAll(async () => {
      leaves = (await criteriaOf(server, t.admin, versionId)).filter((c) => c.isLeaf && !c.isBonus);
      const res = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId, orgId: ids['第一车队党支部'], kind: 'SELF' } },
        t.secretary,
      );
      ({ id: evaluationId, version } = res.data.startEvaluation);
      await save(scoresFor(leaves).map((s) => ({ ...s, note: `说明-${s.criterionId.slice(-4)}` })));
    });

    it('keeps a criterion’s stored evidence and note when a save leaves them out, and clears them on an explicit null', async () => {
      const [a, b] = leaves;
      const full = scoresFor(leaves);
      const kept = await save([{ criterionId: a.id, value: full[0].value }]);
      expect(kept.get(a.id)).toMatchObject({ evidence: `台帐-${a.code}`, note: `说明-${a.id.slice(-4)}` });
      const cleared = await save([{ criterionId: b.id, value: full[1].value, evidence: null }]);
      expect(cleared.get(b.id)).toMatchObject({ evidence: null, note: `说明-${b.id.slice(-4)}` });
      const replaced = await save([{ criterionId: b.id, value: full[1].value, evidence: '台帐-新', note: null }]);
      expect(replaced.get(b.id)).toMatchObject({ evidence: '台帐-新', note: null });
      // one save giving a note for one criterion and leaving it out for another: each as its own score says
      const c = leaves[2];
      const mixed = await save([
        { criterionId: a.id, value: full[0].value, note: '说明-新', evidence: null },
        { criterionId: c.id, value: full[2].value },
      ]);
      expect(mixed.get(a.id)).toMatchObject({ evidence: null, note: '说明-新' });
      expect(mixed.get(c.id)).toMatchObject({ evidence: `台帐-${c.code}`, note: `说明-${c.id.slice(-4)}` });
    });

    it('keeps every return reason, who and when after resubmissions, and shows it to the evaluator and the reviewers', async () => {
      const submitIt = async () => {
        const res = await gql(
          `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { state version } }`,
          { input: { evaluationId, expectedVersion: version } },
          t.secretary,
        );
        expect(res.errors).toBeUndefined();
        version = res.data.submitEvaluation.version;
      };
      const giveBack = async (reason: string, token: string) => {
        const res = await gql(
          `mutation($id: ID!, $r: String!) { returnEvaluation(input: { evaluationId: $id, reason: $r }) { state returnReason version } }`,
          { id: evaluationId, r: reason },
          token,
        );
        expect(res.data.returnEvaluation).toMatchObject({ state: 'RETURNED', returnReason: reason });
        version = res.data.returnEvaluation.version;
      };
      await submitIt();
      await giveBack('群众满意度须附测评表', t.supervisor);
      await submitIt();
      await giveBack('示范岗台帐不全', t.leader);
      await submitIt();
      const accepted = await gql(
        `mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state returnReason } }`,
        { id: evaluationId },
        t.supervisor,
      );
      expect(accepted.data.acceptEvaluation).toEqual({ state: 'ACCEPTED', returnReason: null });
      for (const token of [t.secretary, t.supervisor, t.admin]) {
        const res = await gql(
          `query($id: ID!) { evaluation(id: $id) { history { action actionLabel reason byName at } } }`,
          { id: evaluationId },
          token,
        );
        expect(
          res.data.evaluation.history.map((h: { action: string; reason: string | null; byName: string }) => [h.action, h.reason, h.byName]),
        ).toEqual([
          ['SUBMITTED', null, '第一车队党支部书记'],
          ['RETURNED', '群众满意度须附测评表', '公交集团党委书记'],
          ['SUBMITTED', null, '第一车队党支部书记'],
          ['RETURNED', '示范岗台帐不全', '鞠世闻(领导小组组长)'],
          ['SUBMITTED', null, '第一车队党支部书记'],
          ['ACCEPTED', null, '公交集团党委书记'],
        ]);
      }
      expect(
        codes(await gql(`query($id: ID!) { evaluation(id: $id) { history { reason } } }`, { id: evaluationId }, t.secretary2)),
      ).toEqual(['NOT_FOUND']);
    });
  });
  describe('item 16: smaller joints', () => {
    it('returns every current phase where two overlap (currentPhases), and keeps the deprecated currentPhase as the first', async () => {
      const res = await gql(
        `query($c: ID!) { campaign(id: $c) { currentPhases(asOf: "2013-05-20") { name } currentPhase(asOf: "2013-05-20") { name } none: currentPhases(asOf: "2015-01-01") { name } } }`,
        { c: campaignId },
        t.member,
      );
      expect(res.data.campaign).toEqual({
        currentPhases: [{ name: '立项创新、组织实施' }, { name: '选树典型、示范带动' }],
        currentPhase: { name: '立项创新、组织实施' },
        none: [],
      });
    });

    it('shows the exemplar limit bounds (the source’s 1–3) and refuses a limit outside them', async () => {
      expect((await gql(`{ exemplarLimitBounds { min max default source } }`, {}, t.member)).data.exemplarLimitBounds).toMatchObject({
        min: 1,
        max: 3,
        default: 3,
      });
      const setLimit = (limit: number) =>
        gql(
          `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { limit } }`,
          { input: { year: 2013, kind: 'MODEL_POST', category: 'ORGAN', limit } },
          t.admin,
        );
      for (const limit of [0, 4, 5, -1]) {
        expect((await setLimit(limit)).errors![0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'LIMIT_OUT_OF_BOUNDS',
          field: 'input.limit',
          min: 1,
          max: 3,
        });
      }
      expect((await setLimit(2)).data.setExemplarLimit).toEqual({ limit: 2 });
    });

    it('keeps 督查指导 (SUPERVISED) to the bureau: a unit cannot move its own innovation project into it', async () => {
      const registered = await gql(
        `mutation($input: RegisterInnovationProjectInput!) { registerInnovationProject(input: $input) { id } }`,
        { input: { orgId: ids['第一车队党支部'], year: 2013, theme: '爱心预约出行' } },
        t.secretary,
      );
      const id = registered.data.registerInnovationProject.id;
      const move = (to: string, token: string) =>
        gql(
          `mutation($input: MoveInnovationProjectInput!) { moveInnovationProject(input: $input) { stage } }`,
          { input: { id, to, note: '—' } },
          token,
        );
      expect((await move('IMPLEMENTING', t.secretary)).data.moveInnovationProject.stage).toBe('IMPLEMENTING');
      for (const token of [t.secretary, t.supervisor]) {
        expect((await move('SUPERVISED', token)).errors![0].extensions).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'NOT_SUPERVISION_OFFICER',
        });
      }
      expect((await move('SUPERVISED', t.inspector)).data.moveInnovationProject.stage).toBe('SUPERVISED');
    });

    it('lets a veto item weigh nothing: published, and scoring 0 on it still fires the veto without moving the total', async () => {
      const doc = (vetoWeight: number, veto: boolean) =>
        JSON.stringify({
          format: 'party-framework/v1',
          code: `VETO${veto ? 'Y' : 'N'}${String(vetoWeight).replace('.', '')}`,
          name: '一票否决测试',
          rule: {
            aggregation: 'WEIGHTED_SUM',
            totalMax: 100,
            threshold: 60,
            bonusCap: 0,
            vetoGrade: 'FAIL',
            kindWeights: { SUPERIOR: 1 },
            requiredKinds: ['SUPERIOR'],
            discrepancyMargin: 0.2,
            grades: [
              { code: 'PASS', label: '合格', min: 60 },
              { code: 'FAIL', label: '不合格', min: 0 },
            ],
          },
          criteria: [
            {
              code: 'D',
              title: '维度',
              weight: 1,
              children: [
                { code: 'D.1', title: '服务群众', weight: 1, maxScore: 10, scoringType: 'SCALE' },
                { code: 'D.V', title: '发生重大违纪', weight: vetoWeight, maxScore: 1, scoringType: 'BOOLEAN', veto },
              ],
            },
          ],
        });
      const imported = async (document: string) =>
        gql(
          `mutation($d: String!) { importFramework(input: { document: $d }) { id criteria { id code weight isVeto } } }`,
          { d: document },
          t.admin,
        );
      const refused = await imported(doc(0, false));
      expect(refused.errors![0].extensions!.problems).toEqual([expect.objectContaining({ path: 'criteria[0].children[1].weight' })]);
      const ok = await imported(doc(0, true));
      expect(ok.errors).toBeUndefined();
      const version = ok.data.importFramework;
      expect(version.criteria.find((c: { code: string }) => c.code === 'D.V')).toMatchObject({ weight: 0, isVeto: true });
      expect(
        (await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: version.id }, t.admin)).data
          .publishVersion.status,
      ).toBe('PUBLISHED');
      // a campaign on it over 公交集团, and a superior evaluation of 第一车队 that scores the veto item 0
      const campaign = (
        await gql(
          `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
          {
            input: {
              name: '一票否决测试活动',
              versionId: version.id,
              scopeOrgId: ids['市公交集团党委'],
              eligibleKinds: ['BRANCH'],
              startsOn: '2013-01-01',
              endsOn: '2013-12-31',
            },
          },
          t.admin,
        )
      ).data.createCampaign.id;
      const started = (
        await gql(
          `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
          { input: { campaignId: campaign, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' } },
          t.supervisor,
        )
      ).data.startEvaluation;
      const [d1, dv] = ['D.1', 'D.V'].map((code) => version.criteria.find((c: { code: string }) => c.code === code).id);
      const scored = async (veto: number, expectedVersion: number) =>
        (
          await gql(
            `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version result { total grade veto } } }`,
            {
              input: {
                evaluationId: started.id,
                expectedVersion,
                scores: [
                  { criterionId: d1, value: 10 },
                  { criterionId: dv, value: veto },
                ],
              },
            },
            t.supervisor,
          )
        ).data.saveScores;
      const clean = await scored(1, started.version);
      expect(clean.result).toEqual({ total: 100, grade: 'PASS', veto: false });
      expect((await scored(0, clean.version)).result).toEqual({ total: 100, grade: 'FAIL', veto: true });
    });

    it('owes a deadline only from the org’s founding: an org established after the due date does not owe it', async () => {
      const [plan] = (await gql(`query($c: ID!) { campaign(id: $c) { deadlines { id code } } }`, { c: campaignId }, t.admin)).data.campaign
        .deadlines;
      const owed = async () =>
        (
          await gql(
            `query($id: ID!) { node(id: $id) { ... on CampaignDeadline { summary { owed } submissions(first: 100) { nodes { org { name } } } } } }`,
            { id: plan.id },
            t.admin,
          )
        ).data.node;
      const before = await owed();
      const create = (name: string, establishedOn?: string) =>
        gql(
          `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id establishedOn } }`,
          {
            input: {
              parentId: ids['中共市交通运输局党委'],
              name,
              kind: 'COMMITTEE',
              category: 'ENTERPRISE',
              ...(establishedOn ? { establishedOn } : {}),
            },
          },
          t.admin,
        );
      const founded = await create('市轨道交通集团党委');
      // default: today in the tenant's time zone (Asia/Shanghai, UTC+8)
      expect(founded.data.createOrg.establishedOn).toBe(day(0));
      const late = await create('市交通投资公司党委', '2013-05-17');
      const inTime = await create('市交通建设公司党委', '2013-05-16');
      const after = await owed();
      expect(after.summary.owed).toBe(before.summary.owed + 1);
      expect(after.submissions.nodes.map((r: { org: { name: string } }) => r.org.name)).toContain('市交通建设公司党委');
      expect(after.submissions.nodes.map((r: { org: { name: string } }) => r.org.name)).not.toContain('市交通投资公司党委');
      const submit = (orgId: string) =>
        gql(
          `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { id } }`,
          { input: { deadlineId: plan.id, orgId, text: '方案' } },
          t.admin,
        );
      expect((await submit(late.data.createOrg.id)).errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_OWED' });
      expect((await submit(founded.data.createOrg.id)).errors![0].extensions).toMatchObject({ reason: 'NOT_OWED' });
      expect((await submit(inTime.data.createOrg.id)).errors).toBeUndefined();
      expect((await create('未来党委', '2999-01-01')).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'ORG_ESTABLISHED_IN_FUTURE',
      });
    });
  });
  // Last: these move orgs of the demo for good.
  describe('item 9: a related org out of sight answers null (the rule of tests/move-archive-joints), records stay by their own rule', () => {
    const move = async (org: string, to: string) => {
      const res = await gql(
        `mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`,
        { input: { id: ids[org], newParentId: ids[to] } },
        t.admin,
      );
      expect(res.errors).toBeUndefined();
    };

    it('lets a 督导组 member whose scope no longer covers an inspected org read the inspection and its rectification, with that org null', async () => {
      const created = await gql(
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        { input: { username: 'inspector2', displayName: '公交集团督导员', password: 'inspector2-pass', orgId: ids['市公交集团党委'] } },
        t.admin,
      );
      const userId = created.data.createUser.id;
      await gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId, role: 'INSPECTOR', orgId: ids['市公交集团党委'] } },
        t.admin,
      );
      const team = await gql(
        `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
        { input: { name: '公交集团督导组', leaderId: userId, scopeOrgIds: [ids['市公交集团党委']], campaignId } },
        t.admin,
      );
      const teamId = team.data.createSupervisionTeam.id;
      const inspector2 = (await firstSignIn(server.url, 'jtj', 'inspector2', 'inspector2-pass')).accessToken;
      const due = day(30);
      const recorded = await gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: 'joints-item9-0001',
            teamId,
            orgId: ids['第三车队党支部'],
            inspectedOn: day(0),
            methods: ['BRIEFING'],
            summary: '听取汇报',
            findings: [{ severity: 'MINOR', description: '台帐不全', rectifyOrgId: ids['第三车队党支部'], rectifyDueOn: due }],
          },
        },
        inspector2,
      );
      const inspectionId = recorded.data.recordInspection.id;
      expect(
        (await gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { state } }`, { id: inspectionId }, inspector2)).errors,
      ).toBeUndefined();

      await move('第三车队党支部', '市交通运输综合执法支队党委');
      const read = await gql(
        `query($id: ID!) {
        inspection(id: $id) { summary org { name } findings { rectifyOrg { name } rectification { id ownerOrg { name } } } } }`,
        { id: inspectionId },
        inspector2,
      );
      expect(read.errors).toBeUndefined();
      expect(read.data.inspection).toMatchObject({
        summary: '听取汇报',
        org: null,
        findings: [{ rectifyOrg: null, rectification: { ownerOrg: null } }],
      });
      const rectification = await gql(
        `query($id: ID!) { node(id: $id) { ... on Rectification { state ownerOrg { name } } } }`,
        { id: read.data.inspection.findings[0].rectification.id },
        inspector2,
      );
      expect(rectification.errors).toBeUndefined();
      expect(rectification.data.node).toEqual({ state: 'OPEN', ownerOrg: null });
      // whoever still covers the org sees it named
      const admin = await gql(`query($id: ID!) { inspection(id: $id) { org { name } } }`, { id: inspectionId }, t.admin);
      expect(admin.data.inspection.org).toEqual({ name: '第三车队党支部' });
    });

    it('keeps an opinion with the staff member responsible for it after its org moved away, with the org null', async () => {
      const recorded = await gql(
        `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { opinion { id } } }`,
        { input: { orgId: ids['第二车队党支部'], content: '站台雨棚漏雨' } },
        t.supervisor,
      );
      const id = recorded.data.recordOpinion.opinion.id;
      await move('第二车队党支部', '市高速公路建设开发公司党委');
      const read = await gql(`query($id: ID!) { opinion(id: $id) { content org { name } } }`, { id }, t.supervisor);
      expect(read.errors).toBeUndefined();
      expect(read.data.opinion).toEqual({ content: '站台雨棚漏雨', org: null });
    });

    it('keeps an evaluation’s own figures after its org left a subtree campaign, with the campaign out of sight null', async () => {
      const campaign = (
        await gql(
          `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
          {
            input: {
              name: '公交集团“四强四有”示范活动',
              versionId,
              scopeOrgId: ids['市公交集团党委'],
              eligibleKinds: ['BRANCH'],
              startsOn: '2013-01-01',
              endsOn: '2013-12-31',
            },
          },
          t.admin,
        )
      ).data.createCampaign.id;
      const started = (
        await gql(
          `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
          { input: { campaignId: campaign, orgId: ids['第一车队党支部'], kind: 'SELF' } },
          t.secretary,
        )
      ).data.startEvaluation;
      const [leaf] = (await criteriaOf(server, t.admin, versionId)).filter((c) => c.isLeaf && c.scoringType === 'SCALE');
      await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        { input: { evaluationId: started.id, expectedVersion: started.version, scores: [{ criterionId: leaf.id, value: leaf.maxScore }] } },
        t.secretary,
      );
      await move('第一车队党支部', '市高速公路建设开发公司党委');
      const read = await gql(
        `query($id: ID!) { evaluation(id: $id) { org { name } campaign { name } result { complete nodes { scored } } } }`,
        { id: started.id },
        t.secretary,
      );
      expect(read.errors).toBeUndefined();
      expect(read.data.evaluation).toMatchObject({ org: { name: '第一车队党支部' }, campaign: null, result: { complete: false } });
      expect(read.data.evaluation.result.nodes.filter((n: { scored: boolean }) => n.scored).length).toBeGreaterThan(0);
    });
  });

  describe('an archived org takes nothing new until restored', () => {
    /** The writes that attach something new to an org, each with its input for `org`. */
    const writesOn = (org: string, member: string, username: string): [string, string, Record<string, unknown>][] => [
      [
        'createUser',
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        { username, displayName: '撤销组织的用户', password: 'Zz#archived-2026', orgId: org },
      ],
      [
        'assignRole',
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { userId: member, role: 'SECRETARY', orgId: org },
      ],
      [
        'startEvaluation',
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id } }`,
        { campaignId, orgId: org, kind: 'SUPERIOR' },
      ],
      [
        'pledgeCommitment',
        `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`,
        { orgId: org, text: '承诺办好一件实事', dueOn: day(30) },
      ],
      [
        'createPairingPerson',
        `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id } }`,
        { orgId: org, name: '结对对象', kind: 'RESIDENT', difficulty: '独居' },
      ],
      [
        'raiseServiceRequest',
        `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
        { fromOrgId: org, title: '请求', description: '需要上级帮助' },
      ],
      ['createLinkCode', `mutation($input: CreateLinkCodeInput!) { createLinkCode(input: $input) { id } }`, { orgId: org }],
      [
        'createLedgerEntry',
        `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id } }`,
        { orgId: org, occurredOn: day(-3), category: 'MEETING', title: '支部党员大会' },
      ],
      [
        'createServiceTeam',
        `mutation($input: CreateServiceTeamInput!) { createServiceTeam(input: $input) { id } }`,
        { orgId: org, name: '党员服务队' },
      ],
      [
        'createPeerPairing',
        `mutation($input: CreatePeerPairingInput!) { createPeerPairing(input: $input) { id } }`,
        { orgId: org, partnerOrgId: ids['第二车队党支部'], startsOn: day(-1), endsOn: day(90), goals: ['共建'] },
      ],
      [
        'requestPeerHelp',
        `mutation($input: RequestPeerHelpInput!) { requestPeerHelp(input: $input) { id } }`,
        { fromOrgId: org, toOrgId: ids['第二车队党支部'], title: '请求', description: '需要兄弟支部帮助' },
      ],
    ];

    it('refuses a user, a role, an evaluation, a pledge, a record, a person, a request, a code and a team on it (ORG_ARCHIVED); its public code answers as disabled', async () => {
      const made = await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id name } }`,
        { input: { parentId: ids['市公交集团党委'], name: '拟撤销的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        t.admin,
      );
      expect(made.errors).toBeUndefined();
      const org = made.data.createOrg.id;
      const link = await gql(
        `mutation($input: CreateLinkCodeInput!) { createLinkCode(input: $input) { code } }`,
        { input: { orgId: org } },
        t.admin,
      );
      expect(link.errors).toBeUndefined();
      const PUBLIC = `query($c: String!) { publicLink(code: $c) { orgName } }`;
      expect((await server.gql(PUBLIC, { c: link.data.createLinkCode.code })).data.publicLink.orgName).toBe('拟撤销的党支部');
      const archived = await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { archivedAt } }`, { id: org }, t.admin);
      expect(archived.data.archiveOrg.archivedAt).toEqual(expect.any(String));

      const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes;
      const member = users.find((u: { username: string }) => u.username === 'member').id;
      const counted = async () =>
        (
          await su.query<{ n: number }>(
            `SELECT (SELECT count(*) FROM users WHERE org_id = $1) + (SELECT count(*) FROM role_assignments WHERE org_id = $1)
                  + (SELECT count(*) FROM evaluations WHERE org_id = $1) + (SELECT count(*) FROM commitments WHERE org_id = $1)
                  + (SELECT count(*) FROM ledger_entries WHERE org_id = $1) + (SELECT count(*) FROM pairing_persons WHERE org_id = $1)
                  + (SELECT count(*) FROM service_requests WHERE from_org_id = $1) + (SELECT count(*) FROM link_codes WHERE org_id = $1)
                  + (SELECT count(*) FROM service_teams WHERE org_id = $1) + (SELECT count(*) FROM peer_pairings WHERE $1 IN (org_id, partner_org_id))
                  + (SELECT count(*) FROM peer_help_requests WHERE from_org_id = $1) AS n`,
            [Buffer.from(org, 'base64url').toString().split(':')[1]],
          )
        ).rows[0].n;
      const before = await counted();
      const attempts = writesOn(org, member, 'archived-home');
      for (const [name, mutation, input] of attempts) {
        const res = await gql(mutation, { input }, t.admin);
        expect([name, res.errors?.[0]?.extensions]).toEqual([name, expect.objectContaining({ code: 'CONFLICT', reason: 'ORG_ARCHIVED' })]);
        expect(res.errors![0].message).toBe('拟撤销的党支部已撤销；如需继续，请先恢复该组织');
      }
      expect(await counted()).toBe(before);
      // the public code of an archived org answers as a disabled one does
      const gone = await server.gql(PUBLIC, { c: link.data.createLinkCode.code });
      expect(codes(gone)).toEqual(['NOT_FOUND']);

      // restored, it takes them again
      const restored = await gql(`mutation($id: ID!) { restoreOrg(input: { id: $id }) { archivedAt } }`, { id: org }, t.admin);
      expect(restored.data.restoreOrg.archivedAt).toBeNull();
      const again = await gql(attempts[1][1], { input: attempts[1][2] }, t.admin);
      expect(again.errors).toBeUndefined();
      expect((await server.gql(PUBLIC, { c: link.data.createLinkCode.code })).data.publicLink.orgName).toBe('拟撤销的党支部');
    });

    it('refuses an import of users into an org archived while the import waited for it, and creates none', async () => {
      const made = await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
        { input: { parentId: ids['市公交集团党委'], name: '导入时撤销的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        t.admin,
      );
      const org = Buffer.from(made.data.createOrg.id, 'base64url').toString().split(':')[1];
      const locker = await server.superuser({ own: true });
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE`, [org]);
      try {
        const pending = fetch(`${server.baseUrl}/imports/users`, {
          method: 'POST',
          headers: { 'content-type': 'text/csv', authorization: `Bearer ${t.admin}` },
          body: '用户名,姓名,所属组织,角色,初始密码\r\nimport.archived,撤销前导入,导入时撤销的党支部,党员,Pass-word-12345\r\n',
        });
        const waited = (await lockWaiters(su)) > 0;
        expect(waited).toBe(true);
        await locker.query(`UPDATE orgs SET archived_at = now() WHERE id = $1`, [org]);
        await locker.query('COMMIT');
        const res = await pending;
        const body = (await res.json()) as { errors?: { extensions: { problems?: { reason?: string }[] } }[] };
        expect(res.status).toBeLessThan(500);
        expect(body.errors![0].extensions.problems!.map((p) => p.reason)).toEqual(['IMPORT_ORG_ARCHIVED']);
        expect((await su.query(`SELECT count(*)::int AS n FROM users WHERE username = 'import.archived'`)).rows[0].n).toBe(0);
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
      }
    });

    it('tells a caller without the role FORBIDDEN before anything about the archive, without waiting on the org’s lock', async () => {
      const made = await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
        { input: { parentId: ids['市公交集团党委'], name: '又一个拟撤销的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        t.admin,
      );
      const org = made.data.createOrg.id;
      await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { archivedAt } }`, { id: org }, t.admin);
      const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes;
      const member = users.find((u: { username: string }) => u.username === 'member').id;
      const attempts = writesOn(org, member, 'nope-1');
      // another transaction holds the org's row: a request that locked it before checking its caller's role would wait here
      const locker = await server.superuser({ own: true });
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE`, [Buffer.from(org, 'base64url').toString().split(':')[1]]);
      try {
        // the inspector reads the whole tree and may write none of these
        const answers = await Promise.all(attempts.map(([, mutation, input]) => gql(mutation, { input }, t.inspector)));
        expect(answers.map((a, i) => [attempts[i][0], a.errors?.[0]?.extensions?.code])).toEqual(
          // the inspector does not read users: the role's user is not found before its org is looked at
          attempts.map(([name]) => [name, name === 'assignRole' ? 'NOT_FOUND' : 'FORBIDDEN']),
        );
        // the admin may: its request reaches the lock and waits for it (the control: the lock is held)
        const pending = gql(attempts[8][1], { input: attempts[8][2] }, t.admin);
        const waited = (await lockWaiters(su)) > 0;
        expect(waited).toBe(true);
        await locker.query('COMMIT');
        const refused = await pending;
        expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_ARCHIVED' });
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
      }
    });

    it('orders no rectification to an archived org: refused in a draft, and at finalization when archived since', async () => {
      const made = await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
        { input: { parentId: ids['市公交集团党委'], name: '整改前撤销的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        t.admin,
      );
      const org = made.data.createOrg.id;
      const teams = (await gql(`{ supervisionTeams(first: 10) { nodes { id name } } }`, {}, t.inspector)).data.supervisionTeams.nodes;
      const teamId = teams.find((x: { name: string }) => x.name === '第一督导组').id;
      const record = (key: string) =>
        gql(
          `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
          {
            input: {
              idempotencyKey: key,
              teamId,
              orgId: ids['第一车队党支部'],
              inspectedOn: day(0),
              methods: ['BRIEFING'],
              summary: '听取汇报',
              findings: [{ severity: 'MINOR', description: '台帐不全', rectifyOrgId: org, rectifyDueOn: day(30) }],
            },
          },
          t.inspector,
        );
      // a draft ordering it while the org is live, finalized after the org was archived
      const draft = await record('archived-rectifier-1');
      expect(draft.errors).toBeUndefined();
      await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { archivedAt } }`, { id: org }, t.admin);
      const finalized = await gql(
        `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { state } }`,
        { id: draft.data.recordInspection.id },
        t.inspector,
      );
      expect(finalized.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_ARCHIVED' });
      // a new draft ordering it now
      const refused = await record('archived-rectifier-2');
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_ARCHIVED' });
      const rectifications = await su.query(`SELECT 1 FROM rectifications WHERE owner_org_id = $1`, [
        Buffer.from(org, 'base64url').toString().split(':')[1],
      ]);
      expect(rectifications.rows).toEqual([]);
    });
  });

  describe('a step on an org a concurrent move takes out of the officer’s subtree', () => {
    /** A new org under `parent` (the bus group's committee by default), as the root admin creates it. */
    const createOrg = async (name: string, kind = 'BRANCH', parentId = ids['市公交集团党委']) =>
      (
        await gql(
          `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
          { input: { parentId, name, kind, category: 'ENTERPRISE' } },
          t.admin,
        )
      ).data.createOrg.id as string;
    /** The requests' answers when they wait on a move of `orgs` under the 公路 committee, outside the supervisor's subtree. */
    const acrossMoveToRoads = async (orgs: string[], requests: () => Promise<GqlResponse>[]) =>
      acrossMove(server, await tenantIdOf(su, 'jtj'), orgs.map(rawId), rawId(ids['市高速公路建设开发公司党委']), requests);

    it('refuses the acceptance (and the submission) that waited for the move, storing nothing; the officer over the new place acts', async () => {
      const criteria = await criteriaOf(server, t.admin, versionId);
      // one submitted by the leader, to be reviewed by the bus group's supervisor; one drafted by the supervisor
      const reviewed = await createOrg('移动中审核的党支部');
      const submitted = await evaluate(server, t.leader, { campaignId, orgId: reviewed, kind: 'SUPERIOR' }, scoresFor(criteria));
      const drafted = await createOrg('移动中报送的党支部');
      const started = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId, orgId: drafted, kind: 'SUPERIOR' } },
        t.supervisor,
      );
      const saved = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { id version } }`,
        {
          input: {
            evaluationId: started.data.startEvaluation.id,
            expectedVersion: started.data.startEvaluation.version,
            scores: scoresFor(criteria),
          },
        },
        t.supervisor,
      );
      expect(saved.errors).toBeUndefined();

      const answers = await acrossMoveToRoads([reviewed, drafted], () => [
        gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id: submitted.id }, t.supervisor),
        gql(
          `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { state } }`,
          { input: { evaluationId: saved.data.saveScores.id, expectedVersion: saved.data.saveScores.version } },
          t.supervisor,
        ),
      ]);
      expect(answers.map(reasons)).toEqual([['NOT_FOUND/EVALUATION_NOT_FOUND'], ['NOT_FOUND/EVALUATION_NOT_FOUND']]);
      const states = await su.query<{ state: string }>(`SELECT state FROM evaluations WHERE id = ANY($1::uuid[]) ORDER BY state`, [
        [rawId(submitted.id), rawId(saved.data.saveScores.id)],
      ]);
      expect(states.rows.map((r) => r.state)).toEqual(['DRAFT', 'SUBMITTED']);
      expect((await su.query(`SELECT 1 FROM campaign_results WHERE org_id = $1`, [rawId(reviewed)])).rows).toEqual([]);
      // the root admin, over both places, reviews it where it now stands
      const byLeader = await gql(
        `mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`,
        { id: submitted.id },
        t.admin,
      );
      expect(byLeader.data?.acceptEvaluation ?? byLeader.errors).toEqual({ state: 'ACCEPTED' });
    });

    it('refuses the score saves that waited for the move, held with COMMIT or not, saving nothing; a move inside the subtree is a CONFLICT to save again', async () => {
      const criteria = await criteriaOf(server, t.admin, versionId);
      /** A SUPERIOR evaluation of a new branch under `parentId`, started by the supervisor: its id and version. */
      const started = async (name: string, parentId?: string) => {
        const org = await createOrg(name, 'BRANCH', parentId);
        const res = await gql(
          `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
          { input: { campaignId, orgId: org, kind: 'SUPERIOR' } },
          t.supervisor,
        );
        return { org, id: res.data.startEvaluation.id as string, version: res.data.startEvaluation.version as number };
      };
      // asking for `updatedAt` keeps the write in the request; without it, the write goes with COMMIT
      const save = (e: { id: string; version: number }, asked: 'version' | 'updatedAt') =>
        gql(
          `mutation($input: SaveScoresInput!) { saveScores(input: $input) { ${asked} } }`,
          { input: { evaluationId: e.id, expectedVersion: e.version, scores: scoresFor(criteria) } },
          t.supervisor,
        );
      const stored = async (e: { id: string }) =>
        (
          await su.query<{ version: number; scores: number }>(
            `SELECT e.version, (SELECT count(*)::int FROM evaluation_scores s WHERE s.evaluation_id = e.id) AS scores
               FROM evaluations e WHERE e.id = $1`,
            [rawId(e.id)],
          )
        ).rows[0];

      const held = await started('移动中保存评分的党支部甲');
      const inRequest = await started('移动中保存评分的党支部乙');
      const answers = await acrossMoveToRoads([held.org, inRequest.org], () => [save(held, 'version'), save(inRequest, 'updatedAt')]);
      expect(answers.map(reasons)).toEqual([['NOT_FOUND/EVALUATION_NOT_FOUND'], ['NOT_FOUND/EVALUATION_NOT_FOUND']]);
      expect(await stored(held)).toEqual({ version: held.version, scores: 0 });
      expect(await stored(inRequest)).toEqual({ version: inRequest.version, scores: 0 });

      // moved inside the supervisor's subtree: the held save cannot authorize the new place in its statement, so it is
      // a lost race (CONFLICT, nothing saved) and saving again succeeds; the save in the request authorizes it and saves
      const within = await createOrg('评分期间接收支部的党总支', 'GENERAL_BRANCH');
      const heldWithin = await started('内部移动中保存评分的党支部甲');
      const inRequestWithin = await started('内部移动中保存评分的党支部乙');
      const tenantId = await tenantIdOf(su, 'jtj');
      const withinAnswers = await acrossMove(server, tenantId, [heldWithin.org, inRequestWithin.org].map(rawId), rawId(within), () => [
        save(heldWithin, 'version'),
        save(inRequestWithin, 'updatedAt'),
      ]);
      expect(withinAnswers.map(reasons)).toEqual([['CONFLICT/ORG_MOVED'], []]);
      expect(await stored(heldWithin)).toEqual({ version: heldWithin.version, scores: 0 });
      expect(await stored(inRequestWithin)).toEqual({ version: inRequestWithin.version + 1, scores: scoresFor(criteria).length });
      const again = await save(heldWithin, 'version');
      expect(again.data?.saveScores ?? again.errors).toEqual({ version: heldWithin.version + 1 });

      // moved to a place the supervisor still reads (a member there) but does not fill in: FORBIDDEN, nothing saved
      const userId = (await gql(`{ viewer { user { id } } }`, {}, t.supervisor)).data.viewer.user.id as string;
      const member = await gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId, role: 'MEMBER', orgId: ids['市高速公路建设开发公司党委'] } },
        t.admin,
      );
      expect(member.errors).toBeUndefined();
      try {
        const heldRead = await started('移至只读处时保存评分的党支部甲');
        const inRequestRead = await started('移至只读处时保存评分的党支部乙');
        const readAnswers = await acrossMoveToRoads([heldRead.org, inRequestRead.org], () => [
          save(heldRead, 'version'),
          save(inRequestRead, 'updatedAt'),
        ]);
        expect(readAnswers.map(reasons)).toEqual([['FORBIDDEN/NOT_EVALUATOR'], ['FORBIDDEN/NOT_EVALUATOR']]);
        expect(await stored(heldRead)).toEqual({ version: heldRead.version, scores: 0 });
        expect(await stored(inRequestRead)).toEqual({ version: inRequestRead.version, scores: 0 });
      } finally {
        await gql(
          `mutation($input: RevokeRoleInput!) { revokeRole(input: $input) }`,
          { input: { assignmentId: member.data.assignRole.id } },
          t.admin,
        );
      }
    });

    it('refuses the service request answer that waited for the move of the org asked, and leaves the request open', async () => {
      const asked = await createOrg('移动中被求助的党总支', 'GENERAL_BRANCH');
      const asking = await createOrg('求助的党支部', 'BRANCH', asked);
      const raised = await gql(
        `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
        { input: { fromOrgId: asking, title: '请求指导组织生活会', description: '首次召开' } },
        t.admin,
      );
      const request = raised.data.raiseServiceRequest.id as string;
      const [answer] = await acrossMoveToRoads([asked], () => [
        gql(
          `mutation($input: AnswerServiceRequestInput!) { answerServiceRequest(input: $input) { state } }`,
          { input: { id: request, answer: '已安排' } },
          t.supervisor,
        ),
      ]);
      expect(reasons(answer)).toEqual(['NOT_FOUND/SERVICE_REQUEST_NOT_FOUND']);
      const { rows } = await su.query<{ state: string }>(`SELECT state FROM service_requests WHERE id = $1`, [rawId(request)]);
      expect(rows).toEqual([{ state: 'OPEN' }]);
    });

    it('refuses the peer help answer that waited for the move of the org asked, and leaves the request open', async () => {
      const asking = await createOrg('请求互助的党支部');
      const asked = await createOrg('移动中被请求互助的党支部');
      const requested = await gql(
        `mutation($input: RequestPeerHelpInput!) { requestPeerHelp(input: $input) { id } }`,
        { input: { fromOrgId: asking, toOrgId: asked, title: '请求交流台帐经验', description: '新建支部' } },
        t.admin,
      );
      expect(requested.errors).toBeUndefined();
      const request = requested.data.requestPeerHelp.id as string;
      const [answer] = await acrossMoveToRoads([asked], () => [
        gql(
          `mutation($input: AnswerPeerHelpInput!) { answerPeerHelp(input: $input) { state } }`,
          { input: { id: request, answer: '欢迎来交流' } },
          t.supervisor,
        ),
      ]);
      expect(reasons(answer)).toEqual(['FORBIDDEN/PEER_NOT_RESPONDER']);
      const { rows } = await su.query<{ state: string }>(`SELECT state FROM peer_help_requests WHERE id = $1`, [rawId(request)]);
      expect(rows).toEqual([{ state: 'OPEN' }]);
    });

    it('refuses the link code disable that waited for the move, and the code stays as it was', async () => {
      const org = await createOrg('移动中停用二维码的党支部');
      const made = await gql(
        `mutation($input: CreateLinkCodeInput!) { createLinkCode(input: $input) { id } }`,
        { input: { orgId: org, label: '服务窗口' } },
        t.supervisor,
      );
      expect(made.errors).toBeUndefined();
      const link = made.data.createLinkCode.id as string;
      const [answer] = await acrossMoveToRoads([org], () => [
        gql(`mutation($id: ID!) { disableLinkCode(input: { id: $id }) { disabled } }`, { id: link }, t.supervisor),
      ]);
      expect(reasons(answer)).toEqual(['NOT_FOUND/LINK_NOT_FOUND']);
      const { rows } = await su.query<{ disabled: boolean }>(`SELECT disabled FROM link_codes WHERE id = $1`, [rawId(link)]);
      expect(rows).toEqual([{ disabled: false }]);
    });
  });

  describe('an open service request follows its org to its new superior', () => {
    it('re-addresses the open request when the asking org moves: the former superior’s officer may no longer answer it', async () => {
      const made = await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
        { input: { parentId: ids['市公交集团党委'], name: '迁走前求助的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        t.admin,
      );
      const org = made.data.createOrg.id as string;
      const raise = (title: string) =>
        gql(
          `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
          { input: { fromOrgId: org, title, description: '缺少活动场所' } },
          t.admin,
        );
      const open = (await raise('请求协调活动场地')).data.raiseServiceRequest.id as string;
      const answered = (await raise('请求派讲师')).data.raiseServiceRequest.id as string;
      const answer = (id: string, token: string) =>
        gql(
          `mutation($input: AnswerServiceRequestInput!) { answerServiceRequest(input: $input) { state } }`,
          { input: { id, answer: '已安排' } },
          token,
        );
      expect((await answer(answered, t.supervisor)).data.answerServiceRequest).toEqual({ state: 'ANSWERED' });

      const moved = await gql(
        `mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`,
        { input: { id: org, newParentId: ids['市高速公路建设开发公司党委'] } },
        t.admin,
      );
      expect(moved.errors).toBeUndefined();
      const addressed = await su.query<{ title: string; to: string }>(
        `SELECT r.title, o.name AS to FROM service_requests r JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.to_org_id
          WHERE r.from_org_id = $1 ORDER BY r.title`,
        [rawId(org)],
      );
      // the open one now asks the new superior; the answered one keeps who answered it
      expect(addressed.rows).toEqual([
        { title: '请求协调活动场地', to: '市高速公路建设开发公司党委' },
        { title: '请求派讲师', to: '市公交集团党委' },
      ]);
      expect(codes(await answer(open, t.supervisor))).toEqual(expect.arrayContaining([expect.stringMatching(/FORBIDDEN|NOT_FOUND/)]));
      expect((await answer(open, t.admin)).data.answerServiceRequest).toEqual({ state: 'ANSWERED' });
    });

    it('keeps the open request of an org archived meanwhile with its superior, whose officer still sees and answers it', async () => {
      const made = await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
        { input: { parentId: ids['市公交集团党委'], name: '求助后撤销的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        t.admin,
      );
      const org = made.data.createOrg.id as string;
      const raised = await gql(
        `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
        { input: { fromOrgId: org, title: '请求协助移交党员档案', description: '支部即将撤销' } },
        t.admin,
      );
      const request = raised.data.raiseServiceRequest.id as string;
      expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: org }, t.admin)).errors).toBeUndefined();
      // still open and still asked of the superior it was raised to
      const stored = await su.query<{ state: string; to: string }>(
        `SELECT r.state, o.name AS to FROM service_requests r JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.to_org_id WHERE r.id = $1`,
        [rawId(request)],
      );
      expect(stored.rows).toEqual([{ state: 'OPEN', to: '市公交集团党委' }]);
      // the superior's officer finds it among those asked of it, and answers it
      const received = await gql(
        `query($under: ID!) { serviceRequests(under: $under, direction: RECEIVED, state: OPEN, first: 100) { nodes { id } } }`,
        { under: ids['市公交集团党委'] },
        t.supervisor,
      );
      expect(received.data.serviceRequests.nodes.map((n: { id: string }) => n.id)).toContain(request);
      const answered = await gql(
        `mutation($input: AnswerServiceRequestInput!) { answerServiceRequest(input: $input) { state answer } }`,
        { input: { id: request, answer: '已安排组织科接收档案' } },
        t.supervisor,
      );
      expect(answered.data?.answerServiceRequest ?? answered.errors).toEqual({ state: 'ANSWERED', answer: '已安排组织科接收档案' });
      // the archived org raises nothing new
      expect(
        reasons(
          await gql(
            `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
            { input: { fromOrgId: org, title: '再次请求', description: '已撤销' } },
            t.admin,
          ),
        ),
      ).toEqual(['CONFLICT/ORG_ARCHIVED']);
    });
  });
});
