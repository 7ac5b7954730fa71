import { GqlResponse, TestServer, codes, firstSignIn, lockWaiters, startTestServer, tokens } from './helpers/server';
import { day } from './helpers/dates';
import { png } from './helpers/evidence-files';
import { rawId } from './helpers/ids';
import { SOURCE_CAMPAIGN, accept, criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';

const PREVIEW = `query($input: VersionUpgradeInput!) { previewCampaignVersionUpgrade(input: $input) {
  problems { path reason message } evaluations moved kept changed raised lowered attainedBefore attainedAfter
  fromVersion { id } toVersion { id }
  rows { evaluationId org { name } kind state kept change before { total grade attained complete } after { total grade attained complete } } } }`;
const UPGRADE = `mutation($input: VersionUpgradeInput!) { upgradeCampaignVersion(input: $input) {
  id moved kept changed note appliedByName mapping { kind kindLabel from to } fromVersion { id } toVersion { id } } }`;
const RESULT = `query($id: ID!) { node(id: $id) { ... on Evaluation { total grade result { total grade nodes { criterion { code } value evidence } } } } }`;

/**
 * 版本升级 (issue 18): a campaign's running evaluations move to a new version through an explicit
 * criterion mapping (a code in both versions is kept; a code that went away must be mapped or removed),
 * previewed org by org without writing, applied in one transaction and recorded; the least privileged
 * caller is refused before anything is read, and concurrent upgrades let exactly one through.
 */
describe('a campaign moves to a new framework version through a criterion mapping', () => {
  let server: TestServer;
  let t: Record<string, string>;
  let ids: Record<string, string>;
  let v1: string;
  let v2: string;
  let campaignId: string;
  let acceptedId: string;
  let submittedId: string;
  let sheetId: string;
  let year2013: string;
  let race: string;
  let startRace: string;
  let year2014: string;
  let teamId: string;
  let sheetRace: string;
  let sameRequest: string[];
  let amended: string;
  let sheetless: string;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const RENAME = [{ kind: 'RENAMED', from: ['Q1.1'], to: ['Q1.1N'] }];

  beforeAll(async () => {
    server = await startTestServer({ env: { EXPOSE_STATEMENT_COUNT: 'true' } });
    t = await tokens(server, 'jtj', ['admin', 'leader', 'supervisor', 'member', 'secretary', 'inspector']);
    t.szjg = await server.token('szjg', 'admin');
    ids = await orgIds(server, 'jtj');
    // a TENANT_ADMIN over 市公交集团党委's subtree only
    const sub = await gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'busadmin', displayName: '公交集团管理员', password: 'busadmin-initial', orgId: ids['市公交集团党委'] } },
      t.admin,
    );
    const assigned = await gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: sub.data.createUser.id, role: 'TENANT_ADMIN', orgId: ids['市公交集团党委'] } },
      t.admin,
    );
    expect(assigned.errors).toBeUndefined();
    t.subtreeAdmin = (await firstSignIn(server.url, 'jtj', 'busadmin', 'busadmin-initial')).accessToken;
    v1 = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin)).data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: v1 }, t.admin);
    campaignId = (
      await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        {
          input: {
            name: '四强四有创建活动',
            versionId: v1,
            scopeOrgId: ids['中共市交通运输局党委'],
            ...SOURCE_CAMPAIGN,
            endsOn: '2030-12-31',
          },
        },
        t.admin,
      )
    ).data.createCampaign.id;
    const crit = await criteriaOf(server, t.supervisor, v1);
    const a = await evaluate(
      server,
      t.supervisor,
      { campaignId, orgId: ids['第二车队党支部'], kind: 'SUPERIOR' },
      scoresFor(crit, { 'Q1.1': 4, 'Q1.2': 5 }),
    );
    acceptedId = a.id;
    await accept(server, t.leader, acceptedId);
    submittedId = (await evaluate(server, t.supervisor, { campaignId, orgId: ids['第三车队党支部'], kind: 'SUPERIOR' }, scoresFor(crit)))
      .id;

    // the years compared (the source's 2013 and 2014): a campaign on v1 now, one on v2 below
    const campaignOn = async (name: string, versionId: string, startsOn: string) =>
      (
        await gql(
          `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
          {
            input: {
              name,
              versionId,
              scopeOrgId: ids['中共市交通运输局党委'],
              ...SOURCE_CAMPAIGN,
              startsOn,
              endsOn: '2030-12-31',
              phases: [],
              deadlines: [],
              targets: [{ dueOn: '2030-12-31', ratio: 0.9 }],
            },
          },
          t.admin,
        )
      ).data.createCampaign.id;
    year2013 = await campaignOn('2013年创建活动', v1, '2013-05-05');
    race = await campaignOn('并发保存与升级', v1, '2013-05-05');
    startRace = await campaignOn('开始与升级同时', v1, '2013-05-05');
    sheetRace = await campaignOn('督查评分与升级同时', v1, '2013-05-05');
    amended = await campaignOn('升级后更正督查记录', v1, '2013-05-05');
    sheetless = await campaignOn('升级后更正无评分表的督查记录', v1, '2013-05-05');
    sameRequest = [
      await campaignOn('同一请求中升级后保存', v1, '2013-05-05'),
      await campaignOn('同一请求中升级后保存（新版）', v1, '2013-05-05'),
    ];
    const y13 = await evaluate(
      server,
      t.supervisor,
      { campaignId: year2013, orgId: ids['第二车队党支部'], kind: 'SUPERIOR' },
      scoresFor(crit, { 'Q1.1': 4 }),
    );
    await accept(server, t.leader, y13.id);

    // a finalized inspection's score sheet (a hash-chained record) of 第一车队党支部
    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes;
    teamId = (
      await gql(
        `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
        {
          input: {
            name: '第一督导组',
            leaderId: users.find((u: { username: string }) => u.username === 'inspector').id,
            scopeOrgIds: [ids['市公交集团党委']],
            campaignId,
          },
        },
        t.leader,
      )
    ).data.createSupervisionTeam.id;
    const recorded = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id scoreSheet { id } } }`,
      {
        input: {
          idempotencyKey: 'upgrade-sheet-0001',
          teamId,
          orgId: ids['第一车队党支部'],
          inspectedOn: day(-1),
          methods: ['BRIEFING'],
          summary: '督导检查',
          findings: [],
          scores: scoresFor(crit, { 'Q1.1': 6 }).map(({ criterionId, value }) => ({ criterionId, value })),
        },
      },
      t.inspector,
    );
    expect(recorded.errors).toBeUndefined();
    sheetId = recorded.data.recordInspection.scoreSheet.id;
    const finalized = await gql(
      `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { state } }`,
      { id: recorded.data.recordInspection.id },
      t.inspector,
    );
    expect(finalized.errors).toBeUndefined();

    // the next version: Q1.1 renamed Q1.1N and weighed more, Q1.2 less and out of 20
    const draft = await gql(
      `mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id criteria { id code } } }`,
      { v: v1 },
      t.admin,
    );
    v2 = draft.data.createDraftFrom.id;
    const idOf = (code: string) => draft.data.createDraftFrom.criteria.find((c: { code: string }) => c.code === code).id;
    const update = (input: Record<string, unknown>) =>
      gql(`mutation($input: UpdateCriterionInput!) { updateCriterion(input: $input) { code } }`, { input }, t.admin);
    expect((await update({ id: idOf('Q1.1'), code: 'Q1.1N', weight: 0.3 })).errors).toBeUndefined();
    expect((await update({ id: idOf('Q1.2'), weight: 0.1, maxScore: 20 })).errors).toBeUndefined();
    expect(
      (await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: v2 }, t.admin)).errors,
    ).toBeUndefined();
    year2014 = await campaignOn('2014年创建活动', v2, '2014-01-01');
    const crit2 = await criteriaOf(server, t.supervisor, v2);
    const y14 = await evaluate(
      server,
      t.supervisor,
      { campaignId: year2014, orgId: ids['第二车队党支部'], kind: 'SUPERIOR' },
      scoresFor(crit2, { 'Q1.1N': 8 }),
    );
    await accept(server, t.leader, y14.id);
  }, 120_000);
  afterAll(() => server.close());

  const input = (mapping: unknown[], extra: Record<string, unknown> = {}) => ({
    input: { campaignId, toVersionId: v2, mapping, ...extra },
  });
  const campaignVersion = async () =>
    (await gql(`query($c: ID!) { campaign(id: $c) { version { id } } }`, { c: campaignId }, t.admin)).data.campaign.version.id;

  it('refuses all but a root admin before reading anything, and another tenant finds no such campaign', async () => {
    for (const token of [t.member, t.secretary, t.supervisor, t.leader, t.subtreeAdmin]) {
      expect(codes(await gql(PREVIEW, input(RENAME), token))).toEqual(['FORBIDDEN']);
      expect(codes(await gql(UPGRADE, input(RENAME), token))).toEqual(['FORBIDDEN']);
    }
    expect(codes(await gql(PREVIEW, input(RENAME), t.szjg))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(UPGRADE, input(RENAME), t.szjg))).toEqual(['NOT_FOUND']);
    expect(await campaignVersion()).toBe(v1);
  });

  it('names every problem of a mapping, and refuses to apply it with nothing changed', async () => {
    const unmapped = (await gql(PREVIEW, input([]), t.admin)).data.previewCampaignVersionUpgrade;
    expect(unmapped.problems).toEqual([
      {
        path: 'input.mapping',
        reason: 'UPGRADE_UNMAPPED',
        message: '原版本的评分项 Q1.1 在新版本中没有对应项：请对应到新版本的评分项，或标为删除',
      },
    ]);
    const bad = await gql(
      PREVIEW,
      input([
        { kind: 'SPLIT', from: ['Q1.1'], to: ['Q1.1N'] },
        { kind: 'REMOVED', from: ['Q1.1', 'Q9.9'] },
      ]),
      t.admin,
    );
    expect(bad.data.previewCampaignVersionUpgrade.problems.map((p: { path: string; reason: string }) => [p.path, p.reason])).toEqual([
      ['input.mapping[0]', 'UPGRADE_BAD_SHAPE'],
      ['input.mapping[1].from[0]', 'UPGRADE_MAPPED_TWICE'],
      ['input.mapping[1].from[1]', 'UPGRADE_UNKNOWN_CRITERION'],
    ]);
    const refused = await gql(UPGRADE, input([]), t.admin);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UPGRADE_INVALID_MAPPING', count: 1 });
    expect(await campaignVersion()).toBe(v1);
    // crafted oversized mappings are refused by their bounds before any work, nothing changed
    const many = Array.from({ length: 501 }, (_, i) => ({ kind: 'REMOVED', from: [`X${i}`] }));
    expect((await gql(PREVIEW, input(many), t.admin)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const wide = [{ kind: 'MERGED', from: Array.from({ length: 51 }, (_, i) => `X${i}`), to: ['Q1.1N'] }];
    expect((await gql(UPGRADE, input(wide), t.admin)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const long = [{ kind: 'RENAMED', from: ['Q'.repeat(65)], to: ['Q1.1N'] }];
    expect((await gql(UPGRADE, input(long), t.admin)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await campaignVersion()).toBe(v1);
    // the target must be another, published version
    const sameVersion = await gql(UPGRADE, { input: { campaignId, toVersionId: v1, mapping: [] } }, t.admin);
    expect(sameVersion.errors?.[0].extensions?.reason).toBe('UPGRADE_SAME_VERSION');
    const draft = (await gql(`mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id } }`, { v: v2 }, t.admin)).data
      .createDraftFrom.id;
    const unpublished = await gql(PREVIEW, { input: { campaignId, toVersionId: draft, mapping: RENAME } }, t.admin);
    expect(unpublished.errors?.[0].extensions?.reason).toBe('UPGRADE_TARGET_NOT_PUBLISHED');
  });

  it('previews every evaluation before and after without writing, then applies exactly that once of 50 concurrent tries', async () => {
    const previewed = await gql(PREVIEW, input(RENAME), t.admin);
    expect(previewed.errors).toBeUndefined();
    const preview = previewed.data.previewCampaignVersionUpgrade;
    expect(preview).toMatchObject({ problems: [], evaluations: 3, moved: 2, kept: 1, fromVersion: { id: v1 }, toVersion: { id: v2 } });
    const rowOf = (id: string) => preview.rows.find((r: { evaluationId: string }) => r.evaluationId === id);
    const a = rowOf(acceptedId);
    // by hand: Q1 (12.5 points) held 0.2×0.4 + 0.2×0.5 + 0.6 = 0.78 of its points (97.25 in all); Q1.1N (4 of
    // 10) now weighs 0.3 and Q1.2 (5 of 10, carried as 10 of 20) 0.1: 0.77, so 97.125, shown as 97.13
    expect(a).toMatchObject({
      org: { name: '第二车队党支部' },
      state: 'ACCEPTED',
      kept: false,
      change: -0.12,
      before: { total: 97.25, grade: 'EXCELLENT', attained: true, complete: true },
      after: { total: 97.13, grade: 'EXCELLENT', attained: true, complete: true },
    });
    expect(rowOf(submittedId)).toMatchObject({ change: 0, before: { total: 100 }, after: { total: 100 } });
    // the finalized sheet stays as it was recorded (Q1.1 at 6 of 10: 100 − 12.5 × 0.2 × 0.4 = 99)
    expect(rowOf(sheetId)).toMatchObject({ kind: 'INSPECTION', kept: true, change: 0, before: { total: 99 }, after: { total: 99 } });
    expect(preview.changed).toBe(1);
    expect(preview.lowered).toBe(1);
    // nothing written by the preview
    expect(await campaignVersion()).toBe(v1);
    expect((await gql(RESULT, { id: acceptedId }, t.admin)).data.node.result.total).toBe(a.before.total);

    // a file on the accepted evaluation's Q1.1 score (attached as saveScores would have, before acceptance)
    const form = new FormData();
    form.append('file', new Blob([png()]), '台帐照片.png');
    const uploaded = await fetch(`${server.baseUrl}/files`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${t.supervisor}` },
    });
    const fileId = ((await uploaded.json()) as { files: { id: string }[] }).files[0].id;
    const su = await server.superuser();
    await su.query(
      `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by)
       SELECT s.tenant_id, $2, 'EvaluationScore', s.id, e.created_by FROM evaluation_scores s
         JOIN evaluations e ON e.tenant_id = s.tenant_id AND e.id = s.evaluation_id
         JOIN criteria c ON c.tenant_id = s.tenant_id AND c.id = s.criterion_id
        WHERE s.evaluation_id = $1 AND c.code = 'Q1.1'`,
      [rawId(acceptedId), rawId(fileId)],
    );

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => gql(UPGRADE, input(RENAME, { note: '按市直机关工委新版标准调整' }), t.admin)),
    );
    const ok = answers.filter((r) => !r.errors);
    expect(ok).toHaveLength(1);
    for (const r of answers.filter((x) => x.errors)) {
      expect(r.status).toBeLessThan(500);
      expect(['UPGRADE_STALE', 'UPGRADE_SAME_VERSION']).toContain(r.errors![0].extensions!.reason);
    }
    expect(ok[0].data.upgradeCampaignVersion).toMatchObject({
      moved: 2,
      kept: 1,
      changed: 1,
      note: '按市直机关工委新版标准调整',
      mapping: [{ kind: 'RENAMED', kindLabel: '改名（一对一）', from: ['Q1.1'], to: ['Q1.1N'] }],
      fromVersion: { id: v1 },
      toVersion: { id: v2 },
    });
    expect(ok[0].data.upgradeCampaignVersion.appliedByName).not.toBe('');

    // applied as previewed: scores carried under the new codes with their evidence, totals and results recomputed
    expect(await campaignVersion()).toBe(v2);
    const after = (await gql(RESULT, { id: acceptedId }, t.admin)).data.node;
    expect(after.result.total).toBe(a.after.total);
    expect(after.total).toBe(a.after.total);
    const node = (code: string) => after.result.nodes.find((n: { criterion: { code: string } }) => n.criterion.code === code);
    expect(node('Q1.1N')).toMatchObject({ value: 4, evidence: '台帐-Q1.1' });
    // the file moved with its score: on the new score, and no attachment left naming a score that is gone
    const attachedTo = await su.query<{ code: string }>(
      `SELECT c.code FROM file_attachments a
         JOIN evaluation_scores s ON s.tenant_id = a.tenant_id AND s.id = a.record_id
         JOIN criteria c ON c.tenant_id = s.tenant_id AND c.id = s.criterion_id
        WHERE a.file_id = $1`,
      [rawId(fileId)],
    );
    expect(attachedTo.rows).toEqual([{ code: 'Q1.1N' }]);
    const stray = await su.query(
      `SELECT 1 FROM file_attachments a WHERE a.record_type = 'EvaluationScore'
          AND NOT EXISTS (SELECT 1 FROM evaluation_scores s WHERE s.tenant_id = a.tenant_id AND s.id = a.record_id)`,
    );
    expect(stray.rows).toEqual([]);
    expect(node('Q1.2')).toMatchObject({ value: 10 });
    const result = await gql(
      `query($o: ID!, $c: ID!) { node(id: $o) { ... on Org { campaignResult(campaignId: $c) { total } } } }`,
      { o: ids['第二车队党支部'], c: campaignId },
      t.admin,
    );
    expect(result.data.node.campaignResult.total).toBe(97.13);
    // recorded, and readable beside the campaign
    const history = (
      await gql(`query($c: ID!) { campaign(id: $c) { versionUpgrades { id moved toVersion { id } } } }`, { c: campaignId }, t.admin)
    ).data.campaign.versionUpgrades;
    expect(history).toEqual([{ id: ok[0].data.upgradeCampaignVersion.id, moved: 2, toVersion: { id: v2 } }]);
    expect((await gql(RESULT, { id: submittedId }, t.admin)).data.node.result.total).toBe(100);
    // the finalized sheet is still scored under the version it was recorded in, its chain intact
    const sheet = (await gql(RESULT, { id: sheetId }, t.admin)).data.node;
    expect(sheet.result.total).toBe(99);
    expect(sheet.result.nodes.map((n: { criterion: { code: string } }) => n.criterion.code)).toContain('Q1.1');
    expect((await gql(`{ verifyRecords { ok } }`, {}, t.admin)).data.verifyRecords).toEqual({ ok: true });
  });

  it('lets saves racing an upgrade land before it and move, or lose with CONFLICT: no 500, no score left on the old version', async () => {
    const crit = await criteriaOf(server, t.supervisor, v1);
    const started = await gql(
      `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
      { input: { campaignId: race, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' } },
      t.supervisor,
    );
    const { id, version } = started.data.startEvaluation;
    const SAVE = `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`;
    const [upgrade, ...saves] = await Promise.all([
      gql(UPGRADE, { input: { campaignId: race, toVersionId: v2, mapping: RENAME } }, t.admin),
      ...Array.from({ length: 24 }, (_, i) =>
        gql(SAVE, { input: { evaluationId: id, expectedVersion: version, scores: scoresFor(crit, { 'Q1.1': i % 10 }) } }, t.supervisor),
      ),
    ]);
    // the upgrade wins, or a save landed while it read and it is refused as stale (then applied again, unraced)
    if (upgrade.errors) {
      expect(upgrade.status).toBeLessThan(500);
      expect(upgrade.errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'UPGRADE_STALE' });
      expect((await gql(UPGRADE, { input: { campaignId: race, toVersionId: v2, mapping: RENAME } }, t.admin)).errors).toBeUndefined();
    }
    for (const r of saves.filter((x) => x.errors)) {
      expect(r.status).toBeLessThan(500);
      expect(r.errors![0].extensions!.code).toBe('CONFLICT');
    }
    expect(saves.filter((r) => !r.errors).length).toBeLessThanOrEqual(1);
    // whatever landed is under the new version's codes, and the database holds no score of the old one
    const codesNow = (await gql(RESULT, { id }, t.admin)).data.node.result.nodes.map(
      (n: { criterion: { code: string } }) => n.criterion.code,
    );
    expect(codesNow).toContain('Q1.1N');
    expect(codesNow).not.toContain('Q1.1');
    const su = await server.superuser();
    const stray = await su.query(
      `SELECT count(*)::int AS n FROM evaluation_scores s
         JOIN criteria c ON c.tenant_id = s.tenant_id AND c.id = s.criterion_id
         JOIN evaluations e ON e.tenant_id = s.tenant_id AND e.id = s.evaluation_id
         JOIN campaigns k ON k.tenant_id = e.tenant_id AND k.id = e.campaign_id
        WHERE e.id = $1 AND c.version_id <> k.version_id`,
      [Buffer.from(id, 'base64url').toString().split(':')[1]],
    );
    expect(stray.rows[0].n).toBe(0);
    // a save of the old version's criteria after the upgrade is refused with a code, and changes nothing
    const current = (await gql(`query($id: ID!) { node(id: $id) { ... on Evaluation { version } } }`, { id }, t.admin)).data.node.version;
    const late = await gql(SAVE, { input: { evaluationId: id, expectedVersion: current, scores: scoresFor(crit) } }, t.supervisor);
    expect(late.status).toBeLessThan(500);
    expect(late.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('holds the campaign while it plans: an evaluation being started meanwhile is planned and moved, no score left on the old version', async () => {
    const crit = await criteriaOf(server, t.supervisor, v1);
    const held = startRace;
    const raw = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];
    // a start in progress: its evaluation and a score of the old version's Q1.1, not yet committed
    const starter = await server.superuser({ own: true });
    await starter.query('BEGIN');
    const [{ id: evaluation }] = (
      await starter.query<{ id: string }>(
        `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, created_by)
         SELECT c.tenant_id, c.id, $2, 'SUPERIOR', (SELECT id FROM users WHERE tenant_id = c.tenant_id AND username = 'supervisor')
           FROM campaigns c WHERE c.id = $1 RETURNING id`,
        [raw(held), raw(ids['第一车队党支部'])],
      )
    ).rows;
    await starter.query(
      `INSERT INTO evaluation_scores (tenant_id, evaluation_id, criterion_id, value) SELECT tenant_id, id, $2, 3 FROM evaluations WHERE id = $1`,
      [evaluation, raw(crit.find((c) => c.code === 'Q1.1')!.id)],
    );
    const su = await server.superuser();
    try {
      const upgrading = gql(UPGRADE, { input: { campaignId: held, toVersionId: v2, mapping: RENAME } }, t.admin);
      expect(await lockWaiters(su, 1)).toBe(1);
      await starter.query('COMMIT');
      expect((await upgrading).errors).toBeUndefined();
    } finally {
      await starter.query('ROLLBACK').catch(() => undefined);
      await starter.end();
    }
    const scores = await su.query<{ code: string; version_ok: boolean }>(
      `SELECT c.code, c.version_id = k.version_id AS version_ok FROM evaluation_scores s
         JOIN criteria c ON c.tenant_id = s.tenant_id AND c.id = s.criterion_id
         JOIN evaluations e ON e.tenant_id = s.tenant_id AND e.id = s.evaluation_id
         JOIN campaigns k ON k.tenant_id = e.tenant_id AND k.id = e.campaign_id
        WHERE e.id = $1`,
      [evaluation],
    );
    expect(scores.rows).toEqual([{ code: 'Q1.1N', version_ok: true }]);
  });

  it('holds inspection score sheets against an upgrade: sheet writes and finalizations racing it lose with a code, none left on the old version', async () => {
    const crit = await criteriaOf(server, t.supervisor, v1);
    const answers: GqlResponse[] = [];
    const raced = sheetRace;
    const sheet = (values: Record<string, number>) => scoresFor(crit, values).map(({ criterionId, value }) => ({ criterionId, value }));
    const orgs = ['第一车队党支部', '第二车队党支部', '第三车队党支部', '保修公司党支部'];
    const drafts: { id: string; sheet: string }[] = [];
    for (const [i, org] of orgs.entries()) {
      const recorded = await gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id scoreSheet { id } } }`,
        {
          input: {
            idempotencyKey: `sheet-race-${i}`,
            teamId,
            orgId: ids[org],
            campaignId: raced,
            inspectedOn: day(-1),
            methods: ['BRIEFING'],
            summary: '督查评分与升级同时',
            findings: [],
            scores: sheet({ 'Q1.1': 4 }),
          },
        },
        t.inspector,
      );
      expect(recorded.errors).toBeUndefined();
      drafts.push({ id: recorded.data.recordInspection.id, sheet: recorded.data.recordInspection.scoreSheet.id });
    }
    const UPDATE = `mutation($id: ID!, $scores: [InspectionScoreInput!]) { updateInspection(input: { id: $id, scores: $scores }) { id } }`;
    const FINALIZE = `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { state } }`;
    const [upgrade, ...rest] = await Promise.all([
      gql(UPGRADE, { input: { campaignId: raced, toVersionId: v2, mapping: RENAME } }, t.admin),
      ...drafts.flatMap((d, i) => [
        ...Array.from({ length: 6 }, (_, j) => gql(UPDATE, { id: d.id, scores: sheet({ 'Q1.1': (i + j) % 10 }) }, t.inspector)),
        // half of the records are finalized in the race, the others after it
        ...(i % 2 ? [gql(FINALIZE, { id: d.id }, t.inspector)] : []),
      ]),
    ]);
    answers.push(upgrade, ...rest);
    if (upgrade.errors) {
      expect(upgrade.errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'UPGRADE_STALE' });
      expect((await gql(UPGRADE, { input: { campaignId: raced, toVersionId: v2, mapping: RENAME } }, t.admin)).errors).toBeUndefined();
    }
    for (const d of drafts) answers.push(await gql(FINALIZE, { id: d.id }, t.inspector));
    for (const r of answers.filter((x) => x.errors)) {
      expect(r.status).toBeLessThan(500);
      expect(['CONFLICT', 'BAD_USER_INPUT']).toContain(r.errors![0].extensions!.code);
      expect(r.errors![0].extensions!.reason).not.toBe('DUPLICATE');
    }
    // every sheet holds scores of the version it is scored under only, and every accepted total is its recomputation
    const su = await server.superuser();
    const stray = await su.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM evaluation_scores s
         JOIN criteria c ON c.tenant_id = s.tenant_id AND c.id = s.criterion_id
         JOIN evaluations e ON e.tenant_id = s.tenant_id AND e.id = s.evaluation_id
         JOIN campaigns k ON k.tenant_id = e.tenant_id AND k.id = e.campaign_id
        WHERE k.id = $1 AND c.version_id <> coalesce(e.version_id, k.version_id)`,
      [rawId(raced)],
    );
    expect(stray.rows[0].n).toBe(0);
    const sheets = await su.query<{ id: string; state: string }>(
      `SELECT e.id, e.state FROM evaluations e JOIN inspections i ON i.tenant_id = e.tenant_id AND i.evaluation_id = e.id WHERE e.campaign_id = $1`,
      [rawId(raced)],
    );
    expect(sheets.rows.map((r) => r.state)).toEqual(orgs.map(() => 'ACCEPTED'));
    for (const d of drafts) {
      const node = (await gql(RESULT, { id: d.sheet }, t.admin)).data.node;
      expect(node.total).toBe(node.result.total);
    }
  }, 60_000);

  it('checks a save later in the request that upgraded the campaign against the new version', async () => {
    const DOCUMENT = `mutation($up: VersionUpgradeInput!, $save: SaveScoresInput!) {
      a: upgradeCampaignVersion(input: $up) { id } b: saveScores(input: $save) { version } }`;
    const [old, next] = [await criteriaOf(server, t.supervisor, v1), await criteriaOf(server, t.supervisor, v2)];
    const answers: GqlResponse[] = [];
    for (const [i, criteria] of [old, next].entries()) {
      const started = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId: sameRequest[i], orgId: ids['第一车队党支部'], kind: 'SUPERIOR' } },
        t.supervisor,
      );
      const { id, version } = started.data.startEvaluation;
      const scores = scoresFor(criteria).slice(0, 1);
      // the upgrade raises the evaluation's version once
      const up = { campaignId: sameRequest[i], toVersionId: v2, mapping: RENAME };
      answers.push(await server.gql(DOCUMENT, { up, save: { evaluationId: id, expectedVersion: version + 1, scores } }, t.admin));
    }
    // the root admin both upgrades and fills in a superior review; the upgrade stands either way (a savepoint per field)
    expect(answers[0].errors?.map((e) => [e.path, e.extensions?.reason])).toEqual([[['b'], 'INVALID_SCORE']]);
    expect(answers[1].errors).toBeUndefined();
    for (const c of sameRequest) {
      expect((await gql(`query($c: ID!) { campaign(id: $c) { version { id } } }`, { c }, t.admin)).data.campaign.version.id).toBe(v2);
    }
  });

  it('amends a finalized record whose sheet an upgrade left on the old version against that version, and keeps it there', async () => {
    const crit = await criteriaOf(server, t.supervisor, v1);
    const idOf = (code: string) => crit.find((c) => c.code === code)!.id;
    const INSPECTION = `id state scoreSheet { id total result { total nodes { criterion { code } value } } }`;
    const recorded = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      {
        input: {
          idempotencyKey: 'amend-after-upgrade',
          teamId,
          orgId: ids['第二车队党支部'],
          campaignId: amended,
          inspectedOn: day(-5),
          methods: ['BRIEFING'],
          summary: '升级前定稿',
          findings: [{ severity: 'MINOR', description: '台账不全', criterionId: idOf('Q1.1') }],
          scores: scoresFor(crit, { 'Q1.1': 6 }).map(({ criterionId, value }) => ({ criterionId, value })),
        },
      },
      t.inspector,
    );
    expect(recorded.errors).toBeUndefined();
    const id = recorded.data.recordInspection.id;
    const finalized = await gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { ${INSPECTION} } }`, { id }, t.inspector);
    expect(finalized.errors).toBeUndefined();
    const before = finalized.data.finalizeInspection.scoreSheet;
    expect((await gql(UPGRADE, { input: { campaignId: amended, toVersionId: v2, mapping: RENAME } }, t.admin)).errors).toBeUndefined();

    // a new date and one score: the finding it never named and the score are checked against v1, the sheet's version
    const amendment = await gql(
      `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { ${INSPECTION} } }`,
      {
        input: {
          inspectionId: id,
          idempotencyKey: 'amend-after-upgrade-1',
          reason: '督查日期记错',
          inspectedOn: day(-4),
          scores: [{ criterionId: idOf('Q1.1'), value: 8 }],
        },
      },
      t.inspector,
    );
    expect(amendment.errors).toBeUndefined();
    const done = await gql(
      `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { ${INSPECTION} } }`,
      { id: amendment.data.amendInspection.id },
      t.inspector,
    );
    expect(done.errors).toBeUndefined();
    const sheet = done.data.finalizeInspection.scoreSheet;
    expect(sheet.id).not.toBe(before.id);
    const value = (s: typeof sheet, code: string) =>
      s.result.nodes.find((n: { criterion: { code: string } }) => n.criterion.code === code)?.value;
    expect([value(sheet, 'Q1.1'), value(sheet, 'Q1.1N')]).toEqual([8, undefined]);
    expect(sheet.total).toBe(sheet.result.total);
    // the amended record's sheet is scored as it was
    const original = (await gql(RESULT, { id: before.id }, t.admin)).data.node;
    expect([original.total, original.result.total]).toEqual([before.total, before.result.total]);
    const su = await server.superuser();
    const pinned = await su.query<{ version_id: string }>(
      `SELECT version_id FROM evaluations WHERE id = ANY($1::uuid[]) ORDER BY created_at`,
      [[rawId(before.id), rawId(sheet.id)]],
    );
    expect(pinned.rows.map((r) => r.version_id)).toEqual([rawId(v1), rawId(v1)]);
  });

  it('amends a finalized record without a sheet after an upgrade: a carried finding keeps the criterion it was recorded with', async () => {
    const crit = await criteriaOf(server, t.supervisor, v1);
    const q12 = crit.find((c) => c.code === 'Q1.2')!.id;
    const FIELDS = `id findings { id description criterion { id code } }`;
    const recorded = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { ${FIELDS} } }`,
      {
        input: {
          idempotencyKey: 'sheetless-after-upgrade',
          teamId,
          orgId: ids['第二车队党支部'],
          campaignId: sheetless,
          inspectedOn: day(-5),
          methods: ['BRIEFING'],
          summary: '升级前定稿（无评分表）',
          findings: [{ severity: 'MINOR', description: '台账不全', criterionId: q12 }],
        },
      },
      t.inspector,
    );
    expect(recorded.errors).toBeUndefined();
    const id = recorded.data.recordInspection.id;
    const [finding] = recorded.data.recordInspection.findings;
    expect((await gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { id } }`, { id }, t.inspector)).errors).toBeUndefined();
    expect((await gql(UPGRADE, { input: { campaignId: sheetless, toVersionId: v2, mapping: RENAME } }, t.admin)).errors).toBeUndefined();

    // the description corrected: the criterion the patch leaves alone is not checked again against the new version
    const amend = (key: string, edit: Record<string, unknown>) =>
      gql(
        `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { ${FIELDS} } }`,
        { input: { inspectionId: id, idempotencyKey: key, reason: '问题描述有误', findings: [{ id: finding.id, ...edit }] } },
        t.inspector,
      );
    const corrected = await amend('sheetless-after-upgrade-1', { description: '台账记录不全' });
    expect(corrected.errors).toBeUndefined();
    expect(
      corrected.data.amendInspection.findings.map((f: { description: string; criterion: unknown }) => [f.description, f.criterion]),
    ).toEqual([['台账记录不全', { id: q12, code: 'Q1.2' }]]);
    // a criterion the patch names is checked against the version the campaign runs
    const draftId = corrected.data.amendInspection.id;
    const edit = (criterionId: string) =>
      gql(
        `mutation($input: UpdateInspectionInput!) { updateInspection(input: $input) { ${FIELDS} } }`,
        { input: { id: draftId, findings: [{ id: corrected.data.amendInspection.findings[0].id, criterionId }] } },
        t.inspector,
      );
    expect((await edit(q12)).errors?.[0].extensions).toMatchObject({ reason: 'CRITERION_NOT_IN_FRAMEWORK' });
    const q12v2 = (await criteriaOf(server, t.supervisor, v2)).find((c) => c.code === 'Q1.2')!.id;
    expect((await edit(q12v2)).data.updateInspection.findings[0].criterion).toEqual({ id: q12v2, code: 'Q1.2' });
  });

  it('compares a self-check with an inspection sheet an upgrade left on the old version, criterion by criterion as the upgrade matched them', async () => {
    // the campaign now runs v2 (Q1.1 renamed Q1.1N, Q1.2 out of 20); 第一车队党支部's finalized sheet stays on v1 (Q1.1: 6 of 10, the rest full)
    expect(await campaignVersion()).toBe(v2);
    const crit2 = await criteriaOf(server, t.supervisor, v2);
    await evaluate(server, t.secretary, { campaignId, orgId: ids['第一车队党支部'], kind: 'SELF' }, scoresFor(crit2, { 'Q1.2': 4 }));
    const found = await gql(
      `query($o: ID!, $c: ID!) { node(id: $o) { ... on Org { discrepancies(campaignId: $c) { criterion { id code } otherKind selfRatio otherRatio } } } }`,
      { o: ids['第一车队党支部'], c: campaignId },
      t.admin,
    );
    expect(found.errors).toBeUndefined();
    const idOf = (code: string) => crit2.find((c) => c.code === code)!.id;
    expect(found.data.node.discrepancies).toEqual([
      { criterion: { id: idOf('Q1.1N'), code: 'Q1.1N' }, otherKind: 'INSPECTION', selfRatio: 1, otherRatio: 0.6 },
      { criterion: { id: idOf('Q1.2'), code: 'Q1.2' }, otherKind: 'INSPECTION', selfRatio: 0.2, otherRatio: 1 },
    ]);
  });

  it('carries a merge as the weighted share of its sources and a split as the share of its source', async () => {
    // v3 from v2: Q1.2 merged into Q1.1N (weight 0.4), Q1.3 split into Q1.3 and Q1.3B (0.1 each, Q1.3B out of 5)
    const draft = await gql(
      `mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id criteria { id code } } }`,
      { v: v2 },
      t.admin,
    );
    const v3 = draft.data.createDraftFrom.id;
    const idOf = (code: string) => draft.data.createDraftFrom.criteria.find((c: { code: string }) => c.code === code).id;
    const update = (input: Record<string, unknown>) =>
      gql(`mutation($input: UpdateCriterionInput!) { updateCriterion(input: $input) { code } }`, { input }, t.admin);
    expect((await gql(`mutation($id: ID!) { deleteCriterion(input: { id: $id }) }`, { id: idOf('Q1.2') }, t.admin)).errors).toBeUndefined();
    expect((await update({ id: idOf('Q1.1N'), weight: 0.4 })).errors).toBeUndefined();
    expect((await update({ id: idOf('Q1.3'), weight: 0.1 })).errors).toBeUndefined();
    const added = await gql(
      `mutation($input: AddCriterionInput!) { addCriterion(input: $input) { code } }`,
      {
        input: {
          versionId: v3,
          parentId: idOf('Q1'),
          code: 'Q1.3B',
          title: '党组织战斗堡垒作用：急难险重任务中的表现',
          weight: 0.1,
          maxScore: 5,
          scoringType: 'SCALE',
        },
      },
      t.admin,
    );
    expect(added.errors).toBeUndefined();
    expect(
      (await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: v3 }, t.admin)).errors,
    ).toBeUndefined();

    const mapping = [
      { kind: 'MERGED', from: ['Q1.1N', 'Q1.2'], to: ['Q1.1N'] },
      { kind: 'SPLIT', from: ['Q1.3'], to: ['Q1.3', 'Q1.3B'] },
    ];
    const done = await gql(UPGRADE, { input: { campaignId, toVersionId: v3, mapping } }, t.admin);
    expect(done.errors).toBeUndefined();
    // the finalized sheet left behind the first time stays on v1, outside this upgrade (the two reviews and the self-check move)
    expect(done.data.upgradeCampaignVersion).toMatchObject({ moved: 3, kept: 0 });
    expect((await gql(RESULT, { id: sheetId }, t.admin)).data.node.result.total).toBe(99);
    const after = (await gql(RESULT, { id: acceptedId }, t.admin)).data.node;
    const node = (code: string) => after.result.nodes.find((n: { criterion: { code: string } }) => n.criterion.code === code);
    // (0.3 × 4/10 + 0.1 × 10/20) / 0.4 = 0.425 of 10; Q1 keeps 0.4 × 0.425 + 0.6 = 0.77 of its points
    expect(node('Q1.1N')).toMatchObject({ value: 4.25, evidence: '台帐-Q1.1；台帐-Q1.2' });
    expect(node('Q1.3')).toMatchObject({ value: 10, evidence: '台帐-Q1.3' });
    expect(node('Q1.3B')).toMatchObject({ value: 5, evidence: '台帐-Q1.3' });
    expect(node('Q1.2')).toBeUndefined();
    expect(after.result.total).toBe(97.13);
    const history = (await gql(`query($c: ID!) { campaign(id: $c) { versionUpgrades { toVersion { id } } } }`, { c: campaignId }, t.admin))
      .data.campaign.versionUpgrades;
    expect(history).toEqual([{ toVersion: { id: v3 } }, { toVersion: { id: v2 } }]);
    // a criterion merged or split on the way stands for none of the sheet left on v1: nothing compared there
    const compared = await gql(
      `query($o: ID!, $c: ID!) { node(id: $o) { ... on Org { discrepancies(campaignId: $c) { criterion { code } } } } }`,
      { o: ids['第一车队党支部'], c: campaignId },
      t.admin,
    );
    expect(compared.errors).toBeUndefined();
    expect(compared.data.node.discrepancies).toEqual([]);
  });

  it('stores the campaign results of 100 accepted orgs in as many statements as of 5', async () => {
    const su = await server.superuser();
    // 105 branches beside 第二车队党支部, each with an accepted 上级评议 (a copy of the one accepted above, without scores)
    const made = (
      await su.query<{ id: string }>(
        `INSERT INTO orgs (tenant_id, id, parent_id, name, kind, category, path)
         SELECT s.tenant_id, g.id, s.parent_id, '升级支部' || g.n, s.kind, s.category, subpath(s.path, 0, nlevel(s.path) - 1) || replace(g.id::text, '-', '')
           FROM (SELECT * FROM orgs WHERE id = $1) s, (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 105) n) g
         RETURNING id`,
        [rawId(ids['第二车队党支部'])],
      )
    ).rows.map((r) => r.id);
    // the campaign above runs the published v3 now: these run v2 and move to v3 as it did
    const v3 = await campaignVersion();
    const withAccepted = async (name: string, orgs: string[]) => {
      const created = await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        {
          input: {
            name,
            versionId: v3,
            scopeOrgId: ids['市公交集团党委'],
            ...SOURCE_CAMPAIGN,
            endsOn: '2030-12-31',
            phases: [],
            deadlines: [],
            targets: [{ dueOn: '2030-12-31', ratio: 0.9 }],
          },
        },
        t.admin,
      );
      expect(created.errors).toBeUndefined();
      const id = created.data.createCampaign.id as string;
      // on v2, as the campaign above was before (v2 takes no new campaign now)
      await su.query(`UPDATE campaigns SET version_id = $2 WHERE id = $1`, [rawId(id), rawId(v2)]);
      await su.query(
        `INSERT INTO evaluations (tenant_id, campaign_id, org_id, kind, state, total, grade, veto, created_by, submitted_by, submitted_at, reviewed_by, reviewed_at)
         SELECT e.tenant_id, $2, o, e.kind, e.state, e.total, e.grade, e.veto, e.created_by, e.submitted_by, e.submitted_at, e.reviewed_by, e.reviewed_at
           FROM evaluations e, unnest($3::uuid[]) o WHERE e.id = $1`,
        [rawId(acceptedId), rawId(id), orgs],
      );
      return id;
    };
    const upgrade = (campaign: string) =>
      gql(
        UPGRADE,
        {
          input: {
            campaignId: campaign,
            toVersionId: v3,
            mapping: [
              { kind: 'MERGED', from: ['Q1.1N', 'Q1.2'], to: ['Q1.1N'] },
              { kind: 'SPLIT', from: ['Q1.3'], to: ['Q1.3', 'Q1.3B'] },
            ],
          },
        },
        t.admin,
      );
    const few = await upgrade(await withAccepted('升级五个组织', made.slice(0, 5)));
    expect(few.errors).toBeUndefined();
    const manyCampaign = await withAccepted('升级一百个组织', made.slice(5));
    const many = await upgrade(manyCampaign);
    expect(many.errors).toBeUndefined();
    expect(many.data.upgradeCampaignVersion.moved).toBe(100);
    expect(few.statements).toBeGreaterThan(0);
    expect(many.statements).toBe(few.statements);
    const { rows } = await su.query<{ n: number; grades: string[] }>(
      `SELECT count(*)::int AS n, array_agg(DISTINCT grade) AS grades FROM campaign_results WHERE campaign_id = $1`,
      [rawId(manyCampaign)],
    );
    expect(rows[0].n).toBe(100);
  });

  it('moves no campaign to a version retired while the upgrade waited: the target is held until the upgrade commits', async () => {
    const current = await campaignVersion();
    const v4 = (await gql(`mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id } }`, { v: current }, t.admin)).data
      .createDraftFrom.id;
    expect(
      (await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: v4 }, t.admin)).errors,
    ).toBeUndefined();
    const su = await server.superuser();
    // a retirement of the target (another draft's publication, or retireVersion) under way when the upgrade applies
    const retirer = await server.superuser({ own: true });
    try {
      await retirer.query('BEGIN');
      await retirer.query(`UPDATE framework_versions SET status = 'RETIRED', updated_at = now() WHERE id = $1`, [rawId(v4)]);
      const pending = gql(UPGRADE, input([], { toVersionId: v4 }), t.admin);
      const waiting = await lockWaiters(su, 1);
      await retirer.query('COMMIT');
      const answer = await pending;
      expect(waiting).toBe(1);
      expect(answer.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual([
        'BAD_USER_INPUT/UPGRADE_TARGET_NOT_PUBLISHED',
      ]);
    } finally {
      await retirer.query('ROLLBACK').catch(() => undefined);
      await retirer.end();
    }
    expect(await campaignVersion()).toBe(current);
  });

  describe('years compared', () => {
    const COMPARE = `query($o: ID!, $c: [ID!]!, $m: [CriterionMappingInput!]) { resultComparison(orgId: $o, campaignIds: $c, mapping: $m) {
      org { name } columns { campaign { name } year total grade gradeLabel attained complete }
      subtree { eligible evaluated attained meanTotal } criteria { code dimension ratios } } }`;
    const compare = (token: string, mapping?: unknown[], campaigns = [year2014, year2013]) =>
      gql(COMPARE, { o: ids['第二车队党支部'], c: campaigns, m: mapping }, token);
    const ratiosOf = (res: GqlResponse, code: string) =>
      res.data.resultComparison.criteria.find((c: { code: string }) => c.code === code)?.ratios;

    it('compares an org across years through the mapping: totals, grades, the subtree, each criterion and dimension', async () => {
      const res = await compare(t.admin, RENAME);
      expect(res.errors).toBeUndefined();
      const cmp = res.data.resultComparison;
      // oldest first, whatever the order asked; by hand: Q1 held 0.2×0.4 + 0.8 = 0.88 (98.5), then 0.3×0.8 + 0.7 = 0.94 (99.25)
      expect(cmp.columns).toEqual([
        {
          campaign: { name: '2013年创建活动' },
          year: 2013,
          total: 98.5,
          grade: 'EXCELLENT',
          gradeLabel: '优秀',
          attained: true,
          complete: true,
        },
        {
          campaign: { name: '2014年创建活动' },
          year: 2014,
          total: 99.25,
          grade: 'EXCELLENT',
          gradeLabel: '优秀',
          attained: true,
          complete: true,
        },
      ]);
      expect(cmp.subtree).toEqual([
        { eligible: 1, evaluated: 1, attained: 1, meanTotal: 98.5 },
        { eligible: 1, evaluated: 1, attained: 1, meanTotal: 99.25 },
      ]);
      const row = (code: string) => cmp.criteria.find((c: { code: string }) => c.code === code);
      expect(row('Q1.1N')).toEqual({ code: 'Q1.1N', dimension: false, ratios: [0.4, 0.8] });
      expect(row('Q1')).toEqual({ code: 'Q1', dimension: true, ratios: [0.88, 0.94] });
      expect(row('Q1.2')).toEqual({ code: 'Q1.2', dimension: false, ratios: [1, 1] });
      // without the mapping the renamed criterion has no counterpart in 2013
      expect(ratiosOf(await compare(t.admin), 'Q1.1N')).toEqual([null, 0.8]);
    });

    it('is read only by who reads the org fully, within the tenant, and needs two campaigns and a sound mapping', async () => {
      expect(codes(await compare(t.member, RENAME))).toEqual(['NOT_FOUND']);
      expect(codes(await compare(t.szjg, RENAME))).toEqual(['NOT_FOUND']);
      // an admin over the subtree reads the same comparison; over the root (an ancestor it only sees by name) nothing
      expect((await compare(t.subtreeAdmin, RENAME)).data.resultComparison.columns.map((c: { total: number }) => c.total)).toEqual([
        98.5, 99.25,
      ]);
      expect(codes(await gql(COMPARE, { o: ids['中共市交通运输局党委'], c: [year2013, year2014], m: RENAME }, t.subtreeAdmin))).toEqual([
        'NOT_FOUND',
      ]);
      const one = await compare(t.admin, RENAME, [year2013, year2013]);
      expect(one.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COMPARISON_NEEDS_TWO' });
      const bad = await compare(t.admin, [{ kind: 'RENAMED', from: ['Q9.9'], to: ['Q1.1N'] }]);
      expect(bad.errors?.[0].extensions).toMatchObject({ reason: 'UPGRADE_INVALID_MAPPING', count: 1 });
    });
  });
});
