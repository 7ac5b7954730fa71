import { Client } from 'pg';
import { Config } from '../src/config';
import { createRequestContext, loadViewer } from '../src/graphql/context';
import { campaignService } from '../src/modules/campaign/campaign.service';
import exemplarModule from '../src/modules/exemplar/exemplar.module';
import { frameworkService } from '../src/modules/framework/framework.service';
import { SOURCE_SCHEDULE } from '../src/seed/demo-campaigns';
import innovationModule from '../src/modules/innovation/innovation.module';
import leadingGroupModule from '../src/modules/leading-group/leading-group.module';
import serviceBrandModule from '../src/modules/service-brand/service-brand.module';
import { addDays } from './helpers/dates';
import { globalId, rawId, unknownId } from './helpers/ids';
import { TestServer, codes, lockWaiters, startTestServer, tokens, firstSignIn } from './helpers/server';
import { count, tenantToday } from './helpers/sql';
import { SOURCE_CAMPAIGN, orgIds } from './helpers/story';
import { DataSource } from 'typeorm';
import { migrations } from '../migrations';
import { clusterUrl, createTestDatabase, dropTestDatabase } from './helpers/test-database';

/**
 * Innovation projects, exemplars (and their kinds as tenant data, with the migration to them), the leading
 * group and service brands. Each part with its own server.
 */

const PROJECT = `id year theme plan stage stageLabel score evaluationSummary awardLevel awardLevelLabel nextStages org { name }
  goals { position kind kindLabel description baseline target unit }
  history { fromStage fromStageLabel toStage toStageLabel note movedByName }`;
const EXEMPLAR = `id kind kindLabel category categoryLabel year title memberName state stateLabel noticeStartsOn noticeEndsOn namedOn closingReason
  orgName unansweredObjections history { fromState fromStateLabel toState toStateLabel note movedByName } reevaluations { evaluatedOn result resultLabel note }`;
const BRAND = `id name slogan description org { name } standards { position title content aspect aspectLabel aspectText }`;
const GROUP = `id campaign { id } officeNote officeName office { name } updatedByName
  leader { role roleLabel title displayName user { username } }
  deputies { role title displayName user { username } }
  members { role title displayName user { username } }`;

describe('innovation projects, exemplars, leading group, service brands', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let szjgIds: Record<string, string>;
  let t: Record<string, string>;
  let foreign: string;
  /** The tenant's calendar day (Asia/Shanghai), which the notice windows use. */
  let TODAY: string;
  let YEAR: number;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  /** The same request, asking for English (Accept-Language: en). */
  const gqlEn = async (q: string, v: Record<string, unknown>, token: string) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'accept-language': 'en' },
      body: JSON.stringify({ query: q, variables: v }),
    });
    return (await res.json()) as { errors?: { message: string; extensions: Record<string, unknown> }[] };
  };

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    szjgIds = await orgIds(server, 'szjg');
    t = await tokens(server, 'jtj');
    foreign = await server.token('szjg', 'admin');
    TODAY = await tenantToday(su);
    YEAR = Number(TODAY.slice(0, 4));
  });
  afterAll(() => server.close());

  // ── 1. innovation projects ────────────────────────────────────────────────────────────────────
  describe('"多彩服务" innovation projects', () => {
    let projectId: string;
    const register = (input: Record<string, unknown>, token: string) =>
      gql(
        `mutation($input: RegisterInnovationProjectInput!) { registerInnovationProject(input: $input) { ${PROJECT} } }`,
        { input },
        token,
      );
    const move = (id: string, input: Record<string, unknown>, token: string) =>
      gql(
        `mutation($input: MoveInnovationProjectInput!) { moveInnovationProject(input: $input) { ${PROJECT} } }`,
        { input: { id, ...input } },
        token,
      );
    const stageOf = async (id: string) =>
      (await su.query(`SELECT stage FROM innovation_projects WHERE id = $1`, [rawId(id)])).rows[0].stage;
    const steps = (id: string) => count(su, 'innovation_stage_changes', 'project_id = $1', [rawId(id)]);

    it('a branch secretary registers a project with measurable goals; it starts at RESEARCH with its registration in the history', async () => {
      const res = await register(
        {
          orgId: ids['第一车队党支部'],
          year: YEAR,
          theme: '“一站式”线路服务',
          plan: '推行首问负责、限时办结。',
          goals: [
            {
              kind: 'SHORTEN_APPROVAL_TIME',
              description: '线路调整审批时限由20个工作日缩短至5个工作日',
              baseline: 20,
              target: 5,
              unit: '工作日',
            },
            { kind: 'EXPAND_SERVICES', description: '开通爱心预约出行' },
          ],
        },
        t.secretary,
      );
      expect(res.errors).toBeUndefined();
      const p = res.data.registerInnovationProject;
      projectId = p.id;
      expect(p).toMatchObject({
        year: YEAR,
        stage: 'RESEARCH',
        stageLabel: '调研',
        score: null,
        awardLevel: null,
        nextStages: ['IMPLEMENTING'],
        org: { name: '第一车队党支部' },
        goals: [
          { position: 0, kind: 'SHORTEN_APPROVAL_TIME', kindLabel: '缩短审批时限', baseline: 20, target: 5, unit: '工作日' },
          { position: 1, kind: 'EXPAND_SERVICES', kindLabel: '拓展服务项目', baseline: null, target: null, unit: null },
        ],
        history: [
          {
            fromStage: null,
            fromStageLabel: null,
            toStage: 'RESEARCH',
            toStageLabel: '调研',
            note: '立项',
            movedByName: '第一车队党支部书记',
          },
        ],
      });
    });

    it('refuses bad goals and themes with BAD_USER_INPUT naming the field, and stores nothing', async () => {
      const before = [await count(su, 'innovation_projects'), await count(su, 'innovation_goals')];
      const noUnit = await register(
        { orgId: ids['第一车队党支部'], year: YEAR, theme: 'x', goals: [{ kind: 'REDUCE_APPROVALS', description: '减少', target: 3 }] },
        t.secretary,
      );
      expect(noUnit.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.goals[0].unit' });
      const baselineOnly = await register(
        {
          orgId: ids['第一车队党支部'],
          year: YEAR,
          theme: 'x',
          goals: [
            { kind: 'OTHER', description: 'y' },
            { kind: 'REDUCE_APPROVALS', description: '减少', baseline: 9, unit: '项' },
          ],
        },
        t.secretary,
      );
      expect(baselineOnly.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.goals[1].target' });
      const emptyGoal = await register(
        { orgId: ids['第一车队党支部'], year: YEAR, theme: 'x', goals: [{ kind: 'OTHER', description: ' ' }] },
        t.secretary,
      );
      expect(emptyGoal.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.goals[0].description' });
      const noTheme = await register({ orgId: ids['第一车队党支部'], year: YEAR, theme: '' }, t.secretary);
      expect(noTheme.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'theme' });
      const badYear = await register({ orgId: ids['第一车队党支部'], year: 1999, theme: 'x' }, t.secretary);
      expect(badYear.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'year' });
      expect([await count(su, 'innovation_projects'), await count(su, 'innovation_goals')]).toEqual(before);
    });

    it('lets only the org’s secretary or an officer over it register: members are refused, out-of-scope and foreign orgs are not found', async () => {
      const before = await count(su, 'innovation_projects');
      expect(codes(await register({ orgId: ids['第一车队党支部'], year: YEAR, theme: 'x' }, t.member))).toEqual(['FORBIDDEN']);
      expect(codes(await register({ orgId: ids['第一车队党支部'], year: YEAR, theme: 'x' }, t.secretary2))).toEqual(['NOT_FOUND']);
      expect(codes(await register({ orgId: ids['养护科党支部'], year: YEAR, theme: 'x' }, t.supervisor))).toEqual(['NOT_FOUND']);
      expect(codes(await register({ orgId: ids['第一车队党支部'], year: YEAR, theme: 'x' }, foreign))).toEqual(['NOT_FOUND']);
      expect(await count(su, 'innovation_projects')).toBe(before);
    });

    it('moves one stage at a time: skipping or going back is CONFLICT and changes nothing', async () => {
      const skip = await move(projectId, { to: 'SUPERVISED' }, t.secretary);
      expect(skip.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'ILLEGAL_STAGE_MOVE',
        from: 'RESEARCH',
        to: 'SUPERVISED',
      });
      expect(skip.errors![0].message).toBe('项目处于“调研”阶段，不能转入“督查指导”；下一步可转入：实施');
      const implementing = await move(projectId, { to: 'IMPLEMENTING', note: '调研完成' }, t.secretary);
      expect(implementing.data.moveInnovationProject).toMatchObject({
        stage: 'IMPLEMENTING',
        stageLabel: '实施',
        nextStages: ['SUPERVISED'],
      });
      for (const to of ['RESEARCH', 'EVALUATED', 'AWARDED', 'PROMOTED', 'IMPLEMENTING']) {
        expect((await move(projectId, { to }, t.admin)).errors![0].extensions).toMatchObject({
          code: 'CONFLICT',
          reason: 'ILLEGAL_STAGE_MOVE',
        });
      }
      expect(await stageOf(projectId)).toBe('IMPLEMENTING');
      expect(await steps(projectId)).toBe(2);
    });

    it('lets the unit revise the project while implementing, and members not at all', async () => {
      const res = await gql(
        `mutation($input: UpdateInnovationProjectInput!) { updateInnovationProject(input: $input) { theme goals { kind target unit } } }`,
        {
          input: {
            id: projectId,
            theme: '“一站式”线路服务（修订）',
            goals: [{ kind: 'SHORTEN_APPROVAL_TIME', description: '审批时限缩短至3个工作日', baseline: 20, target: 3, unit: '工作日' }],
          },
        },
        t.secretary,
      );
      expect(res.data.updateInnovationProject).toEqual({
        theme: '“一站式”线路服务（修订）',
        goals: [{ kind: 'SHORTEN_APPROVAL_TIME', target: 3, unit: '工作日' }],
      });
      expect(
        codes(
          await gql(
            `mutation($input: UpdateInnovationProjectInput!) { updateInnovationProject(input: $input) { id } }`,
            { input: { id: projectId, theme: 'x' } },
            t.member,
          ),
        ),
      ).toEqual(['FORBIDDEN']);
    });

    it('keeps the tenant’s steps to the tenant and the return to the overseers, and a return needs a reason', async () => {
      // 督查指导 is the bureau's step: the unit and its committee cannot move their own project into it
      for (const token of [t.secretary, t.supervisor]) {
        expect((await move(projectId, { to: 'SUPERVISED', note: '自行转入' }, token)).errors![0].extensions).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'NOT_SUPERVISION_OFFICER',
        });
      }
      expect(
        (await move(projectId, { to: 'SUPERVISED', note: '督导组督查指导' }, t.inspector)).data.moveInnovationProject.nextStages,
      ).toEqual(['EVALUATED', 'IMPLEMENTING']);
      const locked = await gql(
        `mutation($input: UpdateInnovationProjectInput!) { updateInnovationProject(input: $input) { id } }`,
        { input: { id: projectId, plan: 'x' } },
        t.secretary,
      );
      expect(locked.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'PROJECT_LOCKED' });
      const bySecretary = await move(projectId, { to: 'EVALUATED', evaluation: { score: 90, summary: '好' } }, t.secretary);
      expect(bySecretary.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_TENANT_OFFICER' });
      const bySupervisor = await move(projectId, { to: 'EVALUATED', evaluation: { score: 90, summary: '好' } }, t.supervisor);
      expect(bySupervisor.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_TENANT_OFFICER' });
      expect(codes(await move(projectId, { to: 'IMPLEMENTING', note: '自己退回' }, t.secretary))).toEqual(['FORBIDDEN']);
      const noReason = await move(projectId, { to: 'IMPLEMENTING' }, t.supervisor);
      expect(noReason.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.note' });
      expect(await stageOf(projectId)).toBe('SUPERVISED');
      const back = await move(projectId, { to: 'IMPLEMENTING', note: '群众反映预约渠道不畅，继续完善' }, t.supervisor);
      expect(back.data.moveInnovationProject.stage).toBe('IMPLEMENTING');
      await move(projectId, { to: 'SUPERVISED', note: '整改后再督查' }, t.admin);
    });

    it('records an evaluation (0..100 and a summary), an award level and the promotion, each by the tenant', async () => {
      const missing = await move(projectId, { to: 'EVALUATED' }, t.leader);
      expect(missing.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'STAGE_DATA_MISSING',
        field: 'input.evaluation',
      });
      const tooHigh = await move(projectId, { to: 'EVALUATED', evaluation: { score: 100.5, summary: '好' } }, t.leader);
      expect(tooHigh.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.evaluation.score' });
      const stray = await move(projectId, { to: 'EVALUATED', evaluation: { score: 88.5, summary: '好' }, awardLevel: 'FIRST' }, t.leader);
      expect(stray.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.awardLevel' });
      expect(await stageOf(projectId)).toBe('SUPERVISED');
      const evaluated = await move(
        projectId,
        { to: 'EVALUATED', evaluation: { score: 88.5, summary: '审批时限缩短至3个工作日，群众满意。' } },
        t.leader,
      );
      expect(evaluated.data.moveInnovationProject).toMatchObject({
        stage: 'EVALUATED',
        score: 88.5,
        evaluationSummary: '审批时限缩短至3个工作日，群众满意。',
      });
      expect((await move(projectId, { to: 'AWARDED' }, t.admin)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.awardLevel',
      });
      expect(codes(await move(projectId, { to: 'AWARDED', awardLevel: 'SECOND' }, t.secretary))).toEqual(['FORBIDDEN']);
      const awarded = await move(projectId, { to: 'AWARDED', awardLevel: 'SECOND', note: '年底评比' }, t.admin);
      expect(awarded.data.moveInnovationProject).toMatchObject({
        stage: 'AWARDED',
        awardLevel: 'SECOND',
        awardLevelLabel: '二等奖',
        score: 88.5,
      });
      const promoted = await move(projectId, { to: 'PROMOTED', note: '总结推广' }, t.leader);
      expect(promoted.data.moveInnovationProject).toMatchObject({ stage: 'PROMOTED', stageLabel: '总结推广', nextStages: [] });
      const complete = (await move(projectId, { to: 'PROMOTED' }, t.admin)).errors![0];
      expect(complete.extensions).toMatchObject({ code: 'CONFLICT', reason: 'INNOVATION_FLOW_COMPLETE', from: 'PROMOTED', to: 'PROMOTED' });
      expect(complete.message).toBe('项目已到“总结推广”阶段，工作流程已全部完成');
    });

    it('keeps the whole history: who moved it, from where to where, and why', async () => {
      const res = await gql(
        `query($id: ID!) { innovationProject(id: $id) { history { fromStage toStage note movedByName movedBy { username } } } }`,
        { id: projectId },
        t.admin,
      );
      expect(res.data.innovationProject.history).toEqual([
        { fromStage: null, toStage: 'RESEARCH', note: '立项', movedByName: '第一车队党支部书记', movedBy: { username: 'secretary' } },
        {
          fromStage: 'RESEARCH',
          toStage: 'IMPLEMENTING',
          note: '调研完成',
          movedByName: '第一车队党支部书记',
          movedBy: { username: 'secretary' },
        },
        {
          fromStage: 'IMPLEMENTING',
          toStage: 'SUPERVISED',
          note: '督导组督查指导',
          movedByName: '督导组成员',
          movedBy: { username: 'inspector' },
        },
        {
          fromStage: 'SUPERVISED',
          toStage: 'IMPLEMENTING',
          note: '群众反映预约渠道不畅，继续完善',
          movedByName: '公交集团党委书记',
          movedBy: { username: 'supervisor' },
        },
        { fromStage: 'IMPLEMENTING', toStage: 'SUPERVISED', note: '整改后再督查', movedByName: '局组织科', movedBy: { username: 'admin' } },
        { fromStage: 'SUPERVISED', toStage: 'EVALUATED', note: '', movedByName: '鞠世闻(领导小组组长)', movedBy: { username: 'leader' } },
        { fromStage: 'EVALUATED', toStage: 'AWARDED', note: '年底评比', movedByName: '局组织科', movedBy: { username: 'admin' } },
        {
          fromStage: 'AWARDED',
          toStage: 'PROMOTED',
          note: '总结推广',
          movedByName: '鞠世闻(领导小组组长)',
          movedBy: { username: 'leader' },
        },
      ]);
      // a member of the org reads the history with names, but not the users behind them
      const byMember = await gql(
        `query($id: ID!) { innovationProject(id: $id) { history { movedByName movedBy { username } } } }`,
        { id: projectId },
        t.member,
      );
      expect(byMember.data.innovationProject.history[3]).toEqual({ movedByName: '公交集团党委书记', movedBy: null });
    });

    describe('year-end listing and award ranking', () => {
      let organ: string;
      let roads: string;
      let pending: string;
      const toEvaluated = async (id: string, score: number) => {
        for (const to of ['IMPLEMENTING', 'SUPERVISED']) await move(id, { to }, t.admin);
        const res = await move(id, { to: 'EVALUATED', evaluation: { score, summary: '成效评估' } }, t.admin);
        expect(res.data.moveInnovationProject.stage).toBe('EVALUATED');
      };

      beforeAll(async () => {
        const reg = async (org: string, theme: string, year = YEAR) =>
          (await register({ orgId: ids[org], year, theme }, t.admin)).data.registerInnovationProject.id as string;
        organ = await reg('局机关党委', '审批提速');
        roads = await reg('养护科党支部', '彩虹坦途养护');
        pending = await reg('第二车队党支部', '爱心车队');
        await reg('第三车队党支部', '往年项目', YEAR - 1);
        await toEvaluated(organ, 95);
        await toEvaluated(roads, 88.5);
        await move(pending, { to: 'IMPLEMENTING' }, t.admin);
      });

      it('ranks a year’s evaluated projects by score, equal scores sharing a rank, within the subtree asked', async () => {
        const q = `query($year: Int!, $under: ID) { innovationAwardRanking(year: $year, under: $under) { nodes { rank project { theme score stage } } } }`;
        const ranking = async (v: Record<string, unknown>, token: string) => (await gql(q, v, token)).data.innovationAwardRanking.nodes;
        const all = { data: { innovationAwardRanking: await ranking({ year: YEAR }, t.leader) } };
        // equal scores share rank 2; between them the order is the tree's, so compare them sorted
        const byRank = (rows: { rank: number; project: { theme: string } }[]) =>
          [...rows].sort((a, b) => a.rank - b.rank || a.project.theme.localeCompare(b.project.theme));
        expect(all.data.innovationAwardRanking[0].rank).toBe(1);
        expect(byRank(all.data.innovationAwardRanking)).toEqual([
          { rank: 1, project: { theme: '审批提速', score: 95, stage: 'EVALUATED' } },
          { rank: 2, project: { theme: '“一站式”线路服务（修订）', score: 88.5, stage: 'PROMOTED' } },
          { rank: 2, project: { theme: '彩虹坦途养护', score: 88.5, stage: 'EVALUATED' } },
        ]);
        expect(await ranking({ year: YEAR, under: ids['市公交集团党委'] }, t.supervisor)).toEqual([
          { rank: 1, project: { theme: '“一站式”线路服务（修订）', score: 88.5, stage: 'PROMOTED' } },
        ]);
        expect(await ranking({ year: YEAR - 1 }, t.leader)).toEqual([]);
        // secretary2 ranks only its own branch
        expect(
          (await ranking({ year: YEAR }, t.secretary2)).map((r: { rank: number; project: { theme: string } }) => [r.rank, r.project.theme]),
        ).toEqual([[1, '彩虹坦途养护']]);
      });

      it('pages the ranking: ranks are taken over the whole year, whatever the page', async () => {
        const q = `query($year: Int!, $after: String) { innovationAwardRanking(year: $year, first: 1, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } nodes { rank project { theme } } } }`;
        const pages: { rank: number; project: { theme: string } }[] = [];
        let after: string | null = null;
        let totalCount = 0;
        for (let i = 0; i < 4; i++) {
          const page: any = (await gql(q, { year: YEAR, after }, t.leader)).data.innovationAwardRanking;
          totalCount = page.totalCount;
          pages.push(...page.nodes);
          after = page.pageInfo.endCursor;
          if (!page.pageInfo.hasNextPage) break;
        }
        expect(totalCount).toBe(3);
        expect(pages.map((r) => r.rank)).toEqual([1, 2, 2]);
        expect(new Set(pages.map((r) => r.project.theme))).toEqual(new Set(['审批提速', '“一站式”线路服务（修订）', '彩虹坦途养护']));
        expect(codes(await gql(q, { year: YEAR, after: 'not-a-cursor' }, t.leader))).toEqual(['BAD_USER_INPUT']);
        expect(codes(await gql(`{ innovationAwardRanking(year: ${YEAR}, first: 101) { totalCount } }`, {}, t.leader))).toEqual([
          'BAD_USER_INPUT',
        ]);
      });

      it('lists projects by stage, subtree and year as a connection, in tree order', async () => {
        const q = `query($year: Int, $stage: InnovationStage, $under: ID, $first: Int, $after: String) {
          innovationProjects(year: $year, stage: $stage, under: $under, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { theme stage org { name } } } }`;
        const implementing = await gql(q, { year: YEAR, stage: 'IMPLEMENTING' }, t.admin);
        expect(implementing.data.innovationProjects).toMatchObject({
          totalCount: 1,
          nodes: [{ theme: '爱心车队', org: { name: '第二车队党支部' } }],
        });
        const page1 = await gql(q, { year: YEAR, first: 2 }, t.admin);
        expect(page1.data.innovationProjects).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
        const page2 = await gql(q, { year: YEAR, first: 2, after: page1.data.innovationProjects.pageInfo.endCursor }, t.admin);
        expect(page2.data.innovationProjects.pageInfo.hasNextPage).toBe(false);
        const themes = [...page1.data.innovationProjects.nodes, ...page2.data.innovationProjects.nodes].map(
          (n: { theme: string }) => n.theme,
        );
        expect(new Set(themes)).toEqual(new Set(['审批提速', '彩虹坦途养护', '“一站式”线路服务（修订）', '爱心车队']));
        // across the pages, in the order of the org tree (path_key)
        const treeOrder = (
          await su.query(
            `SELECT p.theme FROM innovation_projects p JOIN orgs o ON o.tenant_id = p.tenant_id AND o.id = p.org_id
              WHERE p.year = $1 AND p.tenant_id = (SELECT tenant_id FROM orgs WHERE id = $2) ORDER BY o.path_key, p.id`,
            [YEAR, rawId(ids['局机关党委'])],
          )
        ).rows.map((r: { theme: string }) => r.theme);
        expect(themes).toEqual(treeOrder);
        const bus = await gql(q, { under: ids['市公交集团党委'] }, t.supervisor);
        expect(bus.data.innovationProjects.nodes.map((n: { theme: string }) => n.theme).sort()).toEqual(
          ['“一站式”线路服务（修订）', '往年项目', '爱心车队'].sort(),
        );
        expect((await gql(q, {}, t.secretary2)).data.innovationProjects.nodes.map((n: { theme: string }) => n.theme)).toEqual([
          '彩虹坦途养护',
        ]);
        expect(codes(await gql(q, { under: ids['市公交集团党委'] }, t.secretary2))).toEqual(['NOT_FOUND']);
      });

      it('hides projects from out-of-scope officers and foreign tenants: NOT_FOUND on every query and mutation by id', async () => {
        expect(codes(await gql(`query($id: ID!) { innovationProject(id: $id) { id } }`, { id: projectId }, t.secretary2))).toEqual([
          'NOT_FOUND',
        ]);
        expect(codes(await move(organ, { to: 'AWARDED', awardLevel: 'FIRST' }, t.supervisor))).toEqual(['NOT_FOUND']);
        for (const id of [projectId, organ, unknownId('InnovationProject')]) {
          expect(codes(await gql(`query($id: ID!) { innovationProject(id: $id) { id } }`, { id }, foreign))).toEqual(['NOT_FOUND']);
          expect(codes(await move(id, { to: 'AWARDED', awardLevel: 'FIRST' }, foreign))).toEqual(['NOT_FOUND']);
          expect(
            codes(
              await gql(
                `mutation($input: UpdateInnovationProjectInput!) { updateInnovationProject(input: $input) { id } }`,
                { input: { id, theme: 'x' } },
                foreign,
              ),
            ),
          ).toEqual(['NOT_FOUND']);
        }
        expect((await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [projectId, organ] }, foreign)).data.nodes).toEqual([
          null,
          null,
        ]);
        expect(
          (
            await gql(
              `{ innovationProjects { totalCount } innovationAwardRanking(year: ${YEAR}) { totalCount nodes { rank } } }`,
              {},
              foreign,
            )
          ).data,
        ).toEqual({ innovationProjects: { totalCount: 0 }, innovationAwardRanking: { totalCount: 0, nodes: [] } });
        expect(await stageOf(organ)).toBe('EVALUATED');
        const node = await gql(`query($id: ID!) { node(id: $id) { ... on InnovationProject { theme } } }`, { id: organ }, t.admin);
        expect(node.data.node).toEqual({ theme: '审批提速' });
      });
    });

    it('sends a project back to implementation at most 10 times: its history (a plain list) stays bounded', async () => {
      const made = await register(
        {
          orgId: ids['第二车队党支部'],
          year: YEAR,
          theme: '反复督查的项目',
          plan: '方案',
          goals: [{ kind: 'RAISE_SERVICE_LEVEL', description: '提升服务' }],
        },
        t.admin,
      );
      const id = made.data.registerInnovationProject.id;
      expect((await move(id, { to: 'IMPLEMENTING' }, t.admin)).errors).toBeUndefined();
      for (let i = 0; i < 10; i++) {
        expect((await move(id, { to: 'SUPERVISED' }, t.admin)).errors).toBeUndefined();
        expect((await move(id, { to: 'IMPLEMENTING', note: `第${i + 1}次退回` }, t.admin)).errors).toBeUndefined();
      }
      expect((await move(id, { to: 'SUPERVISED' }, t.admin)).errors).toBeUndefined();
      const before = await steps(id);
      const again = await move(id, { to: 'IMPLEMENTING', note: '再退回' }, t.admin);
      expect(again.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual(['CONFLICT/TOO_MANY_RETURNS']);
      expect(again.errors![0].message).toBe('该项目已退回实施10次，达到上限10次；请继续推进到成效评估');
      expect([await steps(id), await stageOf(id)]).toEqual([before, 'SUPERVISED']);
    });
  });

  // ── 2. exemplars ──────────────────────────────────────────────────────────────────────────────
  describe('exemplars (选树典型)', () => {
    let windowId: string;
    const nominate = (input: Record<string, unknown>, token: string) =>
      gql(
        `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { ${EXEMPLAR} } }`,
        { input: { year: YEAR, ...input } },
        token,
      );
    const step = (mutation: string, input: Record<string, unknown>, token: string) =>
      gql(
        `mutation($input: ${mutation[0].toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { ${EXEMPLAR} } }`,
        { input },
        token,
      );
    const review = (id: string, token = t.admin) =>
      gql(`mutation($id: ID!) { startExemplarReview(input: { id: $id }) { ${EXEMPLAR} } }`, { id }, token);
    const notice = (id: string, startsOn: string, endsOn: string, token = t.admin) =>
      step('startExemplarNotice', { id, startsOn, endsOn }, token);
    const name = (id: string, token = t.admin) =>
      gql(`mutation($id: ID!) { nameExemplar(input: { id: $id, note: "命名" }) { ${EXEMPLAR} } }`, { id }, token);
    const object = (exemplarId: string, text: string, token: string) =>
      gql(
        `mutation($input: LodgeExemplarObjectionInput!) { lodgeExemplarObjection(input: $input) { id text mine answer upheld } }`,
        { input: { exemplarId, text } },
        token,
      );
    const answer = (objectionId: string, text: string, token = t.admin, upheld = false) =>
      gql(
        `mutation($input: AnswerExemplarObjectionInput!) { answerExemplarObjection(input: $input) { id answer upheld answeredAt } }`,
        { input: { objectionId, answer: text, upheld } },
        token,
      );
    const stateOf = async (id: string) => (await su.query(`SELECT state FROM exemplars WHERE id = $1`, [rawId(id)])).rows[0].state;
    /** Time passes: the notice window is moved into the past, as if its days had gone by. */
    const windowEnded = (id: string) =>
      su.query(`UPDATE exemplars SET notice_starts_on = $2, notice_ends_on = $3 WHERE id = $1`, [
        rawId(id),
        addDays(TODAY, -7),
        addDays(TODAY, -1),
      ]);
    /** Nominated → review → notice → window over, by the admin. */
    const throughNotice = async (org: string, title: string) => {
      const id = (await nominate({ kind: 'MODEL_WINDOW', orgId: ids[org], title }, t.admin)).data.nominateExemplar.id as string;
      await review(id);
      await notice(id, TODAY, TODAY);
      await windowEnded(id);
      return id;
    };

    it('nominates a model window of a branch; its category comes from the org', async () => {
      const res = await nominate(
        {
          kind: 'MODEL_WINDOW',
          orgId: ids['第一车队党支部'],
          title: '第一车队调度服务窗口',
          memberName: '王强',
          reason: '一次性告知、限时办结',
        },
        t.secretary,
      );
      expect(res.errors).toBeUndefined();
      windowId = res.data.nominateExemplar.id;
      expect(res.data.nominateExemplar).toMatchObject({
        kind: 'MODEL_WINDOW',
        kindLabel: '党员示范窗口',
        category: 'ENTERPRISE',
        categoryLabel: '企业',
        year: YEAR,
        title: '第一车队调度服务窗口',
        memberName: '王强',
        state: 'NOMINATED',
        stateLabel: '已推荐',
        orgName: '第一车队党支部',
        history: [
          { fromState: null, fromStateLabel: null, toState: 'NOMINATED', toStateLabel: '已推荐', movedByName: '第一车队党支部书记' },
        ],
      });
    });

    it('refuses bad nominations: key orgs must be 直属党组织, posts need a title, duplicates are CONFLICT; nothing is stored', async () => {
      const before = await count(su, 'exemplars');
      const branchAsKeyOrg = await nominate({ kind: 'KEY_ORG', orgId: ids['第一车队党支部'] }, t.secretary);
      expect(branchAsKeyOrg.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'NOT_DIRECT_ORG',
        field: 'input.orgId',
      });
      const noTitle = await nominate({ kind: 'MODEL_POST', orgId: ids['第一车队党支部'] }, t.secretary);
      expect(noTitle.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.title' });
      const titledKeyOrg = await nominate({ kind: 'KEY_ORG', orgId: ids['市公交集团党委'], title: 'x' }, t.supervisor);
      expect(titledKeyOrg.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.title' });
      const dup = await nominate({ kind: 'MODEL_WINDOW', orgId: ids['第一车队党支部'], title: '第一车队调度服务窗口' }, t.supervisor);
      expect(dup.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_NOMINATED' });
      expect(codes(await nominate({ kind: 'MODEL_POST', orgId: ids['第一车队党支部'], title: 'x' }, t.member))).toEqual(['FORBIDDEN']);
      expect(codes(await nominate({ kind: 'MODEL_POST', orgId: ids['第一车队党支部'], title: 'x' }, t.secretary2))).toEqual(['NOT_FOUND']);
      expect(codes(await nominate({ kind: 'MODEL_POST', orgId: ids['第一车队党支部'], title: 'x' }, foreign))).toEqual(['NOT_FOUND']);
      expect(await count(su, 'exemplars')).toBe(before);
      const keyOrg = await nominate({ kind: 'KEY_ORG', orgId: ids['市公交集团党委'], reason: '服务意识浓、凝聚能力强' }, t.supervisor);
      expect(keyOrg.data.nominateExemplar).toMatchObject({
        kind: 'KEY_ORG',
        kindLabel: '重点培育直属党组织',
        category: 'ENTERPRISE',
        title: null,
        state: 'NOMINATED',
      });
    });

    it('enforces the order of review and notice: illegal steps are CONFLICT and change nothing; the steps are the tenant’s', async () => {
      expect((await name(windowId)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'WRONG_EXEMPLAR_STATE' });
      expect((await notice(windowId, TODAY, TODAY)).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'WRONG_EXEMPLAR_STATE',
      });
      expect(
        (await gql(`mutation($id: ID!) { revokeExemplar(input: { id: $id, reason: "x" }) { id } }`, { id: windowId }, t.admin)).errors![0]
          .extensions,
      ).toMatchObject({ code: 'CONFLICT' });
      expect(await stateOf(windowId)).toBe('NOMINATED');
      expect(codes(await review(windowId, t.secretary))).toEqual(['FORBIDDEN']);
      expect(codes(await review(windowId, t.supervisor))).toEqual(['FORBIDDEN']);
      expect((await review(windowId, t.leader)).data.startExemplarReview.state).toBe('UNDER_REVIEW');
      expect((await review(windowId)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'WRONG_EXEMPLAR_STATE' });
      const past = await notice(windowId, addDays(TODAY, -1), addDays(TODAY, 5));
      expect(past.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_NOTICE_WINDOW',
        field: 'input.startsOn',
      });
      const reversed = await notice(windowId, addDays(TODAY, 5), TODAY);
      expect(reversed.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.endsOn' });
      expect(codes(await notice(windowId, TODAY, addDays(TODAY, 5), t.secretary))).toEqual(['FORBIDDEN']);
      expect(await stateOf(windowId)).toBe('UNDER_REVIEW');
      const open = await notice(windowId, TODAY, addDays(TODAY, 5));
      expect(open.data.startExemplarNotice).toMatchObject({
        state: 'PUBLIC_NOTICE',
        stateLabel: '公示中',
        noticeStartsOn: TODAY,
        noticeEndsOn: addDays(TODAY, 5),
      });
    });

    let objectionA: string;
    let objectionB: string;

    it('during the notice anyone in the tenant reads it and may object; each sees their own objections, the org’s officers all', async () => {
      // secretary2's scope (养护科) does not cover 第一车队, but a public notice is the whole tenant's
      const read = await gql(`query($id: ID!) { exemplar(id: $id) { state orgName org { name } } }`, { id: windowId }, t.secretary2);
      expect(read.data.exemplar).toEqual({ state: 'PUBLIC_NOTICE', orgName: '第一车队党支部', org: null });
      const a = await object(windowId, '该窗口曾有推诿现象', t.secretary2);
      expect(a.data.lodgeExemplarObjection).toMatchObject({ mine: true, answer: null, upheld: null });
      objectionA = a.data.lodgeExemplarObjection.id;
      objectionB = (await object(windowId, '群众反映排队时间长', t.member)).data.lodgeExemplarObjection.id;
      expect(codes(await object(windowId, ' ', t.member))).toEqual(['BAD_USER_INPUT']);
      const q = `query($id: ID!) { exemplar(id: $id) { unansweredObjections objections { totalCount nodes { text mine lodgedBy { username } } } } }`;
      expect((await gql(q, { id: windowId }, t.secretary2)).data.exemplar).toEqual({
        unansweredObjections: 2,
        objections: { totalCount: 1, nodes: [{ text: '该窗口曾有推诿现象', mine: true, lodgedBy: { username: 'secretary2' } }] },
      });
      expect((await gql(q, { id: windowId }, t.admin)).data.exemplar.objections).toEqual({
        totalCount: 2,
        nodes: [
          { text: '该窗口曾有推诿现象', mine: false, lodgedBy: { username: 'secretary2' } },
          { text: '群众反映排队时间长', mine: false, lodgedBy: { username: 'member' } },
        ],
      });
      // the org's own secretary reads the objections, not who lodged them
      expect(
        (await gql(q, { id: windowId }, t.secretary)).data.exemplar.objections.nodes.map((o: { lodgedBy: unknown }) => o.lodgedBy),
      ).toEqual([null, null]);
      // the objections page in the order they were lodged
      const page = `query($id: ID!, $after: String) { exemplar(id: $id) { objections(first: 1, after: $after) { pageInfo { hasNextPage endCursor } nodes { text } } } }`;
      const first = (await gql(page, { id: windowId }, t.admin)).data.exemplar.objections;
      expect(first).toMatchObject({ pageInfo: { hasNextPage: true }, nodes: [{ text: '该窗口曾有推诿现象' }] });
      const second = (await gql(page, { id: windowId, after: first.pageInfo.endCursor }, t.admin)).data.exemplar.objections;
      expect(second).toMatchObject({ pageInfo: { hasNextPage: false }, nodes: [{ text: '群众反映排队时间长' }] });
      expect(codes(await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: objectionB }, t.secretary2))).toEqual([]);
      expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: objectionB }, t.secretary2)).data.node).toBeNull();
      expect(codes(await object(windowId, 'x', foreign))).toEqual(['NOT_FOUND']);
      expect(await count(su, 'exemplar_objections')).toBe(2);
    });

    it('names only after the window ended and every objection is answered, by the tenant', async () => {
      const early = await name(windowId);
      expect(early.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'NOTICE_NOT_OVER' });
      await windowEnded(windowId);
      const late = await object(windowId, '补充意见', t.member);
      expect(late.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'OUTSIDE_NOTICE_WINDOW' });
      const unanswered = await name(windowId);
      expect(unanswered.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'OBJECTIONS_UNANSWERED' });
      expect(unanswered.errors![0].message).toBe('还有2条异议未答复，全部答复后方可命名');
      const inEnglish = await gqlEn(
        `mutation($id: ID!) { nameExemplar(input: { id: $id, note: "命名" }) { id } }`,
        { id: windowId },
        t.admin,
      );
      expect(inEnglish.errors![0]).toMatchObject({ message: '2 objection(s) are not answered yet', extensions: { open: 2 } });
      expect(codes(await answer(objectionA, '经核实已整改', t.secretary))).toEqual(['FORBIDDEN']);
      expect(codes(await answer(objectionA, '经核实已整改', t.supervisor))).toEqual(['FORBIDDEN']);
      const answered = await answer(objectionA, '经核实已整改');
      expect(answered.data.answerExemplarObjection).toMatchObject({
        answer: '经核实已整改',
        upheld: false,
        answeredAt: expect.any(String),
      });
      expect((await answer(objectionA, '再答')).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'OBJECTION_ANSWERED' });
      expect((await name(windowId)).errors![0].message).toBe('还有1条异议未答复，全部答复后方可命名');
      expect(codes(await name(windowId, t.secretary))).toEqual(['FORBIDDEN']);
      expect(await stateOf(windowId)).toBe('PUBLIC_NOTICE');
      await answer(objectionB, '已增设窗口，排队时间缩短');
      const named = await name(windowId, t.leader);
      expect(named.errors).toBeUndefined();
      expect(named.data.nameExemplar).toMatchObject({ state: 'NAMED', stateLabel: '已命名', namedOn: TODAY, unansweredObjections: 0 });
      expect(named.data.nameExemplar.history.map((h: { fromState: string; toState: string }) => `${h.fromState}→${h.toState}`)).toEqual([
        'null→NOMINATED',
        'NOMINATED→UNDER_REVIEW',
        'UNDER_REVIEW→PUBLIC_NOTICE',
        'PUBLIC_NOTICE→NAMED',
      ]);
      expect(named.data.nameExemplar.history.map((h: { movedByName: string }) => h.movedByName)).toEqual([
        '第一车队党支部书记',
        '鞠世闻(领导小组组长)',
        '局组织科',
        '鞠世闻(领导小组组长)',
      ]);
      expect((await answer(objectionB, 'x')).errors![0].extensions).toMatchObject({ code: 'CONFLICT' });
    });

    it('an upheld objection blocks naming: the nomination can then only be rejected', async () => {
      const id = (await nominate({ kind: 'MODEL_POST', orgId: ids['第二车队党支部'], title: '第二车队党员示范岗' }, t.supervisor)).data
        .nominateExemplar.id;
      await review(id);
      await notice(id, TODAY, addDays(TODAY, 3));
      const o = (await object(id, '该岗位党员受过处分', t.member)).data.lodgeExemplarObjection.id;
      await answer(o, '经查属实', t.admin, true);
      await windowEnded(id);
      expect((await name(id)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'OBJECTION_UPHELD' });
      expect(
        codes(await gql(`mutation($id: ID!) { rejectExemplar(input: { id: $id, reason: "异议属实" }) { state } }`, { id }, t.secretary)),
      ).toEqual(['FORBIDDEN']);
      const rejected = await gql(
        `mutation($id: ID!) { rejectExemplar(input: { id: $id, reason: "异议属实" }) { state stateLabel closingReason } }`,
        { id },
        t.admin,
      );
      expect(rejected.data.rejectExemplar).toEqual({ state: 'REJECTED', stateLabel: '未通过', closingReason: '异议属实' });
      // once rejected it leaves the public: an outsider no longer sees it
      expect(codes(await gql(`query($id: ID!) { exemplar(id: $id) { id } }`, { id }, t.secretary2))).toEqual(['NOT_FOUND']);
      // and the post may be nominated again
      expect(
        (await nominate({ kind: 'MODEL_POST', orgId: ids['第二车队党支部'], title: '第二车队党员示范岗' }, t.supervisor)).data
          .nominateExemplar.state,
      ).toBe('NOMINATED');
    });

    it('keeps each category within the tenant’s limit for the year (default 3, set by the tenant admin)', async () => {
      const counts = `query($year: Int!) { exemplarCounts(year: $year, kind: MODEL_WINDOW) { category categoryLabel limit named pending remaining } }`;
      expect((await gql(counts, { year: YEAR }, t.member)).data.exemplarCounts).toEqual([
        { category: 'ORGAN', categoryLabel: '机关', limit: 3, named: 0, pending: 0, remaining: 3 },
        { category: 'INSTITUTION', categoryLabel: '事业', limit: 3, named: 0, pending: 0, remaining: 3 },
        { category: 'ENTERPRISE', categoryLabel: '企业', limit: 3, named: 1, pending: 0, remaining: 2 },
      ]);
      const setLimit = (limit: number, token = t.admin, category = 'ENTERPRISE') =>
        gql(
          `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { category limit named remaining } }`,
          { input: { year: YEAR, kind: 'MODEL_WINDOW', category, limit } },
          token,
        );
      expect(codes(await setLimit(2, t.leader))).toEqual(['FORBIDDEN']);
      // the source's 1–3, as exemplarLimitBounds shows them
      for (const limit of [0, 4, 101])
        expect((await setLimit(limit)).errors![0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'LIMIT_OUT_OF_BOUNDS',
          field: 'input.limit',
          min: 1,
          max: 3,
        });
      expect(await count(su, 'exemplar_limits')).toBe(0);
      expect((await setLimit(2)).data.setExemplarLimit).toEqual({ category: 'ENTERPRISE', limit: 2, named: 1, remaining: 1 });

      const second = await throughNotice('第三车队党支部', '第三车队服务窗口');
      const third = await throughNotice('保修公司党支部', '保修公司服务窗口');
      const roads = await throughNotice('养护科党支部', '养护科服务窗口');
      expect((await name(second)).data.nameExemplar.state).toBe('NAMED');
      expect((await setLimit(1)).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'LIMIT_BELOW_NAMED',
        field: 'input.limit',
      });
      const full = await name(third);
      expect(full.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'CATEGORY_LIMIT_REACHED', limit: 2, named: 2 });
      expect(full.errors![0].message).toBe(`${YEAR}年企业类党员示范窗口已命名2个，达到上限2个`);
      expect(await stateOf(third)).toBe('PUBLIC_NOTICE');
      // another category has its own room
      expect((await name(roads)).data.nameExemplar).toMatchObject({ state: 'NAMED', category: 'INSTITUTION' });
      expect((await gql(counts, { year: YEAR }, t.admin)).data.exemplarCounts).toEqual([
        { category: 'ORGAN', categoryLabel: '机关', limit: 3, named: 0, pending: 0, remaining: 3 },
        { category: 'INSTITUTION', categoryLabel: '事业', limit: 3, named: 1, pending: 0, remaining: 2 },
        { category: 'ENTERPRISE', categoryLabel: '企业', limit: 2, named: 2, pending: 1, remaining: 0 },
      ]);
      // a revoked title frees its place
      expect(
        codes(await gql(`mutation($id: ID!) { revokeExemplar(input: { id: $id, reason: "x" }) { state } }`, { id: second }, t.secretary)),
      ).toEqual(['FORBIDDEN']);
      const revoked = await gql(
        `mutation($id: ID!) { revokeExemplar(input: { id: $id, reason: "服务质量下滑" }) { state closingReason } }`,
        { id: second },
        t.admin,
      );
      expect(revoked.data.revokeExemplar).toEqual({ state: 'REVOKED', closingReason: '服务质量下滑' });
      expect((await name(third)).data.nameExemplar.state).toBe('NAMED');
    });

    it('re-evaluates named exemplars periodically: KEEP keeps the title, REVOKE takes it away with a reason', async () => {
      const reevaluate = (input: Record<string, unknown>, token = t.admin) => step('reevaluateExemplar', { id: windowId, ...input }, token);
      expect((await reevaluate({ evaluatedOn: addDays(TODAY, 1), result: 'KEEP' })).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.evaluatedOn',
      });
      expect((await reevaluate({ evaluatedOn: addDays(TODAY, -1), result: 'KEEP' })).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.evaluatedOn',
      });
      expect(codes(await reevaluate({ evaluatedOn: TODAY, result: 'KEEP' }, t.secretary))).toEqual(['FORBIDDEN']);
      const kept = await reevaluate({ evaluatedOn: TODAY, result: 'KEEP', note: '年度复评合格' });
      expect(kept.data.reevaluateExemplar).toMatchObject({
        state: 'RE_EVALUATED',
        stateLabel: '复评保留',
        reevaluations: [{ evaluatedOn: TODAY, result: 'KEEP', resultLabel: '保留', note: '年度复评合格' }],
      });
      expect((await reevaluate({ evaluatedOn: TODAY, result: 'REVOKE' })).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.note',
      });
      const gone = await reevaluate({ evaluatedOn: TODAY, result: 'REVOKE', note: '复评不合格' });
      expect(gone.data.reevaluateExemplar).toMatchObject({
        state: 'REVOKED',
        closingReason: '复评不合格',
        reevaluations: [{ result: 'KEEP' }, { result: 'REVOKE', note: '复评不合格' }],
      });
      expect(gone.data.reevaluateExemplar.history.slice(-2).map((h: { toState: string }) => h.toState)).toEqual([
        'RE_EVALUATED',
        'REVOKED',
      ]);
      expect((await reevaluate({ evaluatedOn: TODAY, result: 'KEEP' })).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'WRONG_EXEMPLAR_STATE',
      });
      expect(await count(su, 'exemplar_reevaluations')).toBe(2);
    });

    it('queries by kind, category, state, year and subtree: any state in scope, public ones tenant-wide', async () => {
      const q = `query($kind: ExemplarKind, $category: OrgCategory, $state: ExemplarState, $year: Int, $under: ID) {
        exemplars(kind: $kind, category: $category, state: $state, year: $year, under: $under, first: 50) { totalCount nodes { title kind state orgName } } }`;
      const titles = async (v: Record<string, unknown>, token: string) =>
        (await gql(q, v, token)).data.exemplars.nodes.map((n: { title: string | null; orgName: string }) => n.title ?? n.orgName).sort();
      expect(await titles({ state: 'NAMED', kind: 'MODEL_WINDOW', year: YEAR }, t.admin)).toEqual(['保修公司服务窗口', '养护科服务窗口']);
      expect(await titles({ category: 'INSTITUTION' }, t.admin)).toEqual(['养护科服务窗口']);
      expect(await titles({ kind: 'KEY_ORG' }, t.supervisor)).toEqual(['市公交集团党委']);
      expect(await titles({ year: YEAR - 1 }, t.admin)).toEqual([]);
      // secretary2: its own branch in any state, plus the public ones elsewhere; never others' nominations
      expect(await titles({}, t.secretary2)).toEqual(['保修公司服务窗口', '养护科服务窗口']);
      expect(await titles({ under: ids['市公交集团党委'] }, t.supervisor)).toEqual(
        [
          '市公交集团党委',
          '保修公司服务窗口',
          '第一车队调度服务窗口',
          '第三车队服务窗口',
          '第二车队党员示范岗',
          '第二车队党员示范岗',
        ].sort(),
      );
      // a member: its own branch's (now revoked) window, and the public one of a sibling branch
      expect(await titles({ under: ids['市公交集团党委'] }, t.member)).toEqual(['保修公司服务窗口', '第一车队调度服务窗口']);
      expect(codes(await gql(q, { under: ids['局机关党委'] }, t.secretary2))).toEqual(['NOT_FOUND']);
    });

    it('answers NOT_FOUND to a foreign tenant on every exemplar query and mutation by id', async () => {
      const before = await su.query(`SELECT id, state FROM exemplars ORDER BY id`);
      for (const id of [windowId, unknownId('Exemplar')]) {
        expect(codes(await gql(`query($id: ID!) { exemplar(id: $id) { id } }`, { id }, foreign))).toEqual(['NOT_FOUND']);
        expect(codes(await review(id, foreign))).toEqual(['NOT_FOUND']);
        expect(codes(await name(id, foreign))).toEqual(['NOT_FOUND']);
        expect(codes(await notice(id, TODAY, TODAY, foreign))).toEqual(['NOT_FOUND']);
        expect(codes(await gql(`mutation($id: ID!) { revokeExemplar(input: { id: $id, reason: "x" }) { id } }`, { id }, foreign))).toEqual([
          'NOT_FOUND',
        ]);
        expect(codes(await gql(`mutation($id: ID!) { rejectExemplar(input: { id: $id, reason: "x" }) { id } }`, { id }, foreign))).toEqual([
          'NOT_FOUND',
        ]);
        expect(codes(await step('reevaluateExemplar', { id, evaluatedOn: TODAY, result: 'KEEP' }, foreign))).toEqual(['NOT_FOUND']);
      }
      expect(codes(await answer(objectionA, 'x', foreign))).toEqual(['NOT_FOUND']);
      expect((await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [windowId, objectionA] }, foreign)).data.nodes).toEqual([
        null,
        null,
      ]);
      expect(
        (
          await gql(
            `query($y: Int!) { exemplars { totalCount } exemplarCounts(year: $y, kind: MODEL_WINDOW) { named } }`,
            { y: YEAR },
            foreign,
          )
        ).data,
      ).toEqual({ exemplars: { totalCount: 0 }, exemplarCounts: [{ named: 0 }, { named: 0 }, { named: 0 }] });
      expect((await su.query(`SELECT id, state FROM exemplars ORDER BY id`)).rows).toEqual(before.rows);
    });

    describe('a year of live orgs only', () => {
      // a year the tests above leave alone
      const Y = () => YEAR - 1;
      const through = async (orgId: string, title: string, ended = true) => {
        const made = await nominate({ kind: 'MODEL_WINDOW', orgId, title, year: Y() }, t.admin);
        expect(made.errors).toBeUndefined();
        const id = made.data.nominateExemplar.id as string;
        await review(id);
        await notice(id, TODAY, TODAY);
        if (ended) await windowEnded(id);
        return id;
      };
      const counts = async (token: string) =>
        (
          await gql(
            `query($year: Int!) { exemplarCounts(year: $year, kind: MODEL_WINDOW) { category named pending remaining } }`,
            { year: Y() },
            token,
          )
        ).data.exemplarCounts as { category: string; named: number; pending: number; remaining: number }[];
      const enterprise = async (token = t.admin) => (await counts(token)).find((c) => c.category === 'ENTERPRISE');

      it('names no exemplar of an archived org, and counts only live orgs’ titles against the limit', async () => {
        const org = async (name: string) =>
          (
            await gql(
              `mutation($p: ID!, $n: String!) { createOrg(input: { parentId: $p, name: $n, kind: BRANCH, category: ENTERPRISE }) { id } }`,
              { p: ids['市公交集团党委'], n: name },
              t.admin,
            )
          ).data.createOrg.id as string;
        const archive = async (id: string) =>
          expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id }, t.admin)).errors).toBeUndefined();
        const [a, b] = [await org('典型甲党支部'), await org('典型乙党支部')];
        const [ea, eb, ec] = [await through(a, '甲窗口'), await through(b, '乙窗口'), await through(ids['第二车队党支部'], '第二车队窗口')];
        const limit = await gql(
          `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { limit named } }`,
          { input: { year: Y(), kind: 'MODEL_WINDOW', category: 'ENTERPRISE', limit: 1 } },
          t.admin,
        );
        expect(limit.data.setExemplarLimit).toEqual({ limit: 1, named: 0 });
        await archive(a);
        expect((await name(ea)).errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual(['CONFLICT/ORG_ARCHIVED']);
        expect(await stateOf(ea)).toBe('PUBLIC_NOTICE');
        expect((await name(eb)).data.nameExemplar.state).toBe('NAMED');
        expect(await enterprise()).toMatchObject({ named: 1, remaining: 0 });
        // the titled org archived: its title no longer takes the category's one place
        await archive(b);
        expect(await enterprise()).toMatchObject({ named: 0, remaining: 1 });
        expect((await name(ec)).data.nameExemplar.state).toBe('NAMED');
      });

      it('refuses to restore an org whose title no longer fits its category’s limit, until a title is revoked', async () => {
        const org = async (name: string) =>
          (
            await gql(
              `mutation($p: ID!, $n: String!) { createOrg(input: { parentId: $p, name: $n, kind: BRANCH, category: ORGAN }) { id } }`,
              { p: ids['市公交集团党委'], n: name },
              t.admin,
            )
          ).data.createOrg.id as string;
        const organ = async () => (await counts(t.admin)).find((c) => c.category === 'ORGAN');
        const restore = (id: string) => gql(`mutation($id: ID!) { restoreOrg(input: { id: $id }) { id archivedAt } }`, { id }, t.admin);
        const archivedAt = async (id: string) =>
          (await su.query(`SELECT archived_at FROM orgs WHERE id = $1`, [rawId(id)])).rows[0].archived_at;
        const [c, d] = [await org('典型丙党支部'), await org('典型丁党支部')];
        expect(
          (
            await gql(
              `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { limit } }`,
              { input: { year: Y(), kind: 'MODEL_WINDOW', category: 'ORGAN', limit: 1 } },
              t.admin,
            )
          ).errors,
        ).toBeUndefined();
        const ec = await through(c, '丙窗口');
        expect((await name(ec)).data.nameExemplar.state).toBe('NAMED');
        expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: c }, t.admin)).errors).toBeUndefined();
        // the place 丙 left is given to 丁
        const ed = await through(d, '丁窗口');
        expect((await name(ed)).data.nameExemplar.state).toBe('NAMED');
        expect(await organ()).toMatchObject({ named: 1, remaining: 0 });

        const refused = await restore(c);
        expect(refused.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual([
          'CONFLICT/RESTORE_OVER_EXEMPLAR_LIMIT',
        ]);
        expect(refused.errors![0].message).toBe(
          `典型丙党支部撤销期间，其“丙窗口”（${Y()}年机关类党员示范窗口）不占名额，该类别现已命名1个，上限1个；恢复该组织将超出上限，请先撤销一个命名或调高名额后再恢复`,
        );
        expect(refused.errors![0].extensions).toMatchObject({ field: 'input.id', limit: 1, named: 1, year: Y() });
        expect(await archivedAt(c)).not.toBeNull();
        expect(await organ()).toMatchObject({ named: 1, remaining: 0 });

        // the bureau revokes the archived org's title (or raises the limit): the restore then goes through
        const revoked = await gql(
          `mutation($id: ID!) { revokeExemplar(input: { id: $id, reason: "组织撤销期间名额已另行命名" }) { state } }`,
          { id: ec },
          t.admin,
        );
        expect(revoked.data?.revokeExemplar ?? revoked.errors).toEqual({ state: 'REVOKED' });
        expect((await restore(c)).data.restoreOrg).toEqual({ id: c, archivedAt: null });
        expect(await organ()).toMatchObject({ named: 1, remaining: 0 });
        expect(await stateOf(ed)).toBe('NAMED');
      });

      it('counts the nominations on the way only within the viewer’s scope; the titles tenant-wide', async () => {
        await through(ids['养护科党支部'], '养护科窗口乙');
        const institution = async (token: string) => (await counts(token)).find((c) => c.category === 'INSTITUTION');
        expect(await institution(t.admin)).toMatchObject({ pending: 1 });
        expect(await institution(t.secretary2)).toMatchObject({ pending: 1 });
        // a member of 第一车队 does not learn of a nomination in 养护科
        expect(await institution(t.member)).toMatchObject({ pending: 0 });
        expect(await enterprise(t.member)).toMatchObject({ named: 1 });
      });

      it('takes at most 3 unanswered objections of one user to one exemplar, also lodged at once', async () => {
        const id = await through(ids['第三车队党支部'], '第三车队窗口乙', false);
        const lodged = await Promise.all(Array.from({ length: 6 }, (_, i) => object(id, `异议${i}`, t.member)));
        const reasons = lodged.map((r) => r.errors?.[0].extensions?.reason ?? 'ok').sort();
        expect(reasons).toEqual(['TOO_MANY_OBJECTIONS', 'TOO_MANY_OBJECTIONS', 'TOO_MANY_OBJECTIONS', 'ok', 'ok', 'ok']);
        expect(lodged.find((r) => r.errors)!.errors![0].extensions).toMatchObject({ code: 'CONFLICT', limit: 3 });
        // another user has its own three; an answer gives the member room for one more
        expect((await object(id, '另一人的异议', t.secretary2)).errors).toBeUndefined();
        await answer(lodged.find((r) => !r.errors)!.data.lodgeExemplarObjection.id, '已核实');
        expect((await object(id, '再提一条', t.member)).errors).toBeUndefined();
        expect(codes(await object(id, '又一条', t.member))).toEqual(['CONFLICT']);
      });
    });

    it('keeps a title at most 20 times in re-evaluation (a plain list); revoking it stays possible', async () => {
      const id = (await nominate({ kind: 'MODEL_WINDOW', orgId: ids['第二车队党支部'], title: '复评多次的窗口', year: YEAR - 3 }, t.admin))
        .data.nominateExemplar.id as string;
      await review(id);
      await notice(id, TODAY, TODAY);
      await windowEnded(id);
      expect((await name(id)).errors).toBeUndefined();
      const reevaluate = (result: string, note = '') => step('reevaluateExemplar', { id, evaluatedOn: TODAY, result, note }, t.admin);
      for (let i = 0; i < 20; i++) expect((await reevaluate('KEEP')).errors).toBeUndefined();
      const more = await reevaluate('KEEP');
      expect(more.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual(['CONFLICT/TOO_MANY_REEVALUATIONS']);
      expect(more.errors![0].message).toBe('该典型已复评保留20次，达到上限；如需变更，请撤销称号');
      expect(await count(su, 'exemplar_reevaluations', 'exemplar_id = $1', [rawId(id)])).toBe(20);
      const revoked = await reevaluate('REVOKE', '复评不合格');
      expect(revoked.data.reevaluateExemplar.state).toBe('REVOKED');
      expect(await count(su, 'exemplar_reevaluations', 'exemplar_id = $1', [rawId(id)])).toBe(21);
    });
  });

  // ── 3. leading group ──────────────────────────────────────────────────────────────────────────
  describe('leading group (领导小组)', () => {
    let campaignId: string;
    let users: Record<string, string>;
    const set = (input: Record<string, unknown>, token = t.admin) =>
      gql(
        `mutation($input: SetLeadingGroupInput!) { setLeadingGroup(input: $input) { ${GROUP} } }`,
        { input: { campaignId, ...input } },
        token,
      );
    const read = (token: string, id = campaignId) => gql(`query($id: ID!) { leadingGroup(campaignId: $id) { ${GROUP} } }`, { id }, token);

    beforeAll(async () => {
      const imported = await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin);
      const versionId = imported.data.importFramework.id;
      await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, t.admin);
      const campaign = await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { name: '“四强四有”创建活动', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN } },
        t.admin,
      );
      campaignId = campaign.data.createCampaign.id;
      const list = await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin);
      users = Object.fromEntries(list.data.users.nodes.map((u: { id: string; username: string }) => [u.username, u.id]));
    });

    it('is null until set, and only a tenant admin sets it', async () => {
      expect((await read(t.member)).data.leadingGroup).toBeNull();
      const input = { leader: { userId: users.leader }, officeOrgId: ids['局机关党委'] };
      expect(codes(await set(input, t.leader))).toEqual(['FORBIDDEN']);
      expect(codes(await set(input, t.secretary))).toEqual(['FORBIDDEN']);
      expect(await count(su, 'leading_groups')).toBe(0);
    });

    it('sets 组长, 副组长, members with titles and the office org; every tenant user reads it, user objects only where users are readable', async () => {
      const res = await set({
        leader: { userId: users.leader, title: '局党委书记' },
        deputies: [{ userId: users.deputy, title: '局党委副书记' }],
        members: [
          { userId: users.admin, title: '组织科科长' },
          { userId: users.inspector, title: '督导组组长' },
        ],
        officeOrgId: ids['局机关党委'],
        officeNote: '局组织科',
      });
      expect(res.errors).toBeUndefined();
      expect(res.data.setLeadingGroup).toMatchObject({
        campaign: { id: campaignId },
        officeNote: '局组织科',
        officeName: '局机关党委',
        office: { name: '局机关党委' },
        updatedByName: '局组织科',
        leader: {
          role: 'LEADER',
          roleLabel: '组长',
          title: '局党委书记',
          displayName: '鞠世闻(领导小组组长)',
          user: { username: 'leader' },
        },
        deputies: [{ role: 'DEPUTY', title: '局党委副书记', displayName: '陈莉莉(领导小组副组长)', user: { username: 'deputy' } }],
        members: [
          { role: 'MEMBER', title: '组织科科长', displayName: '局组织科' },
          { role: 'MEMBER', title: '督导组组长', displayName: '督导组成员' },
        ],
      });
      const byMember = (await read(t.member)).data.leadingGroup;
      expect(byMember).toMatchObject({
        officeName: '局机关党委',
        office: null,
        leader: { displayName: '鞠世闻(领导小组组长)', title: '局党委书记', user: null },
      });
      expect(byMember.deputies).toEqual([{ role: 'DEPUTY', title: '局党委副书记', displayName: '陈莉莉(领导小组副组长)', user: null }]);
      // the leader reads its own user, not the others'
      const byLeader = (await read(t.leader)).data.leadingGroup;
      expect([byLeader.leader.user, byLeader.deputies[0].user]).toEqual([{ username: 'leader' }, null]);
      expect((await read(t.secretary2)).data.leadingGroup.leader.displayName).toBe('鞠世闻(领导小组组长)');
      const node = await gql(
        `query($id: ID!) { node(id: $id) { ... on LeadingGroup { officeNote } } }`,
        { id: res.data.setLeadingGroup.id },
        t.member,
      );
      expect(node.data.node).toEqual({ officeNote: '局组织科' });
    });

    it('refuses a person seated twice, unknown or foreign users, and out-of-scope offices; nothing changes', async () => {
      const before = (await su.query(`SELECT user_id, role, title FROM leading_group_members ORDER BY position`)).rows;
      const twice = await set({ leader: { userId: users.leader }, deputies: [{ userId: users.leader }], officeOrgId: ids['局机关党委'] });
      expect(twice.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'DUPLICATE_MEMBER',
        field: 'input.deputies[0].userId',
      });
      const foreignUser = (await gql(`{ users(first: 1) { nodes { id } } }`, {}, foreign)).data.users.nodes[0].id;
      const stranger = await set({ leader: { userId: users.leader }, members: [{ userId: foreignUser }], officeOrgId: ids['局机关党委'] });
      expect(stranger.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.members[0].userId' });
      expect(codes(await set({ leader: { userId: users.leader }, officeOrgId: szjgIds['中共市直机关工委'] }))).toEqual(['NOT_FOUND']);
      const longTitle = await set({ leader: { userId: users.leader, title: 'x'.repeat(101) }, officeOrgId: ids['局机关党委'] });
      expect(longTitle.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.leader.title' });
      expect((await su.query(`SELECT user_id, role, title FROM leading_group_members ORDER BY position`)).rows).toEqual(before);
    });

    it('refuses an archived office org and a disabled user; nothing changes', async () => {
      const before = (await su.query(`SELECT user_id, role, title FROM leading_group_members ORDER BY position`)).rows;
      const office = (
        await gql(
          `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "领导小组办公室党支部", kind: BRANCH, category: ORGAN }) { id } }`,
          { p: ids['局机关党委'] },
          t.admin,
        )
      ).data.createOrg.id;
      expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: office }, t.admin)).errors).toBeUndefined();
      const archived = await set({ leader: { userId: users.leader }, officeOrgId: office });
      expect(archived.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}/${e.extensions?.field}`)).toEqual([
        'CONFLICT/ORG_ARCHIVED/input.officeOrgId',
      ]);
      await su.query(`UPDATE users SET disabled = true WHERE id = $1`, [rawId(users.inspector)]);
      try {
        const disabled = await set({
          leader: { userId: users.leader },
          members: [{ userId: users.inspector }],
          officeOrgId: ids['局机关党委'],
        });
        expect(disabled.errors![0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'MEMBER_DISABLED',
          field: 'input.members[0].userId',
        });
      } finally {
        await su.query(`UPDATE users SET disabled = false WHERE id = $1`, [rawId(users.inspector)]);
      }
      expect((await su.query(`SELECT user_id, role, title FROM leading_group_members ORDER BY position`)).rows).toEqual(before);
    });

    it('replaces the whole group on a second set', async () => {
      const res = await set({
        leader: { userId: users.deputy, title: '组长' },
        officeOrgId: ids['中共市交通运输局党委'],
        officeNote: '局组织科',
      });
      expect(res.data.setLeadingGroup).toMatchObject({
        leader: { displayName: '陈莉莉(领导小组副组长)' },
        deputies: [],
        members: [],
        officeName: '中共市交通运输局党委',
      });
      expect(await count(su, 'leading_group_members')).toBe(1);
      expect(await count(su, 'leading_groups')).toBe(1);
    });

    it('answers NOT_FOUND to a foreign tenant', async () => {
      expect(codes(await read(foreign))).toEqual(['NOT_FOUND']);
      expect(codes(await set({ leader: { userId: users.leader }, officeOrgId: ids['局机关党委'] }, foreign))).toEqual(['NOT_FOUND']);
      expect(codes(await read(t.admin, unknownId('Campaign')))).toEqual(['NOT_FOUND']);
      expect(
        (await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId('LeadingGroup', rawId(campaignId)) }, foreign)).data.node,
      ).toBeNull();
      expect(await count(su, 'leading_group_members')).toBe(1);
    });
  });

  // ── 4. service brands ─────────────────────────────────────────────────────────────────────────
  describe('service brands (服务品牌)', () => {
    let rainbow: string;
    let warm: string;
    const create = (input: Record<string, unknown>, token: string) =>
      gql(`mutation($input: CreateServiceBrandInput!) { createServiceBrand(input: $input) { ${BRAND} } }`, { input }, token);
    const update = (input: Record<string, unknown>, token: string) =>
      gql(`mutation($input: UpdateServiceBrandInput!) { updateServiceBrand(input: $input) { ${BRAND} } }`, { input }, token);

    it('an org’s secretary creates a brand with standards in their order', async () => {
      const res = await create(
        {
          orgId: ids['养护科党支部'],
          name: '彩虹坦途',
          slogan: '让每一条路都畅通安全',
          description: '公路养护服务品牌',
          standards: [
            { title: '路政案件办理流程', content: '受理、勘验、处理、回访', aspect: 'PROCESS_STANDARDIZED', order: 2 },
            { title: '服务承诺公开', content: '公开责任党员和服务电话', aspect: 'CONTENT_DEFINED', order: 1 },
            { title: '党员责任路段', content: '每名党员认领一段责任路段', aspect: 'OTHER', aspectText: '党员责任区', order: 3 },
          ],
        },
        t.secretary2,
      );
      expect(res.errors).toBeUndefined();
      rainbow = res.data.createServiceBrand.id;
      expect(res.data.createServiceBrand).toMatchObject({
        name: '彩虹坦途',
        org: { name: '养护科党支部' },
        standards: [
          { position: 1, title: '服务承诺公开', aspect: 'CONTENT_DEFINED', aspectLabel: '服务内容明确化', aspectText: null },
          { position: 2, title: '路政案件办理流程', aspect: 'PROCESS_STANDARDIZED', aspectLabel: '服务流程标准化' },
          { position: 3, title: '党员责任路段', aspect: 'OTHER', aspectLabel: '党员责任区', aspectText: '党员责任区' },
        ],
      });
      warm = (
        await create(
          {
            orgId: ids['市公交集团党委'],
            name: '情溢旅途',
            standards: [{ title: '文明服务规范', content: '主动问候、报站清晰', aspect: 'WORK_REGULATED' }],
          },
          t.supervisor,
        )
      ).data.createServiceBrand.id;
    });

    it('refuses bad standards, duplicate names and strangers; nothing is stored', async () => {
      const before = [await count(su, 'service_brands'), await count(su, 'service_standards')];
      const other = await create(
        {
          orgId: ids['第一车队党支部'],
          name: 'x',
          standards: [
            { title: 'a', content: 'b', aspect: 'CONTENT_DEFINED' },
            { title: 'a', content: 'b', aspect: 'OTHER' },
          ],
        },
        t.secretary,
      );
      expect(other.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.standards[1].aspectText' });
      const noContent = await create(
        { orgId: ids['第一车队党支部'], name: 'x', standards: [{ title: 'a', content: '', aspect: 'CONTENT_DEFINED' }] },
        t.secretary,
      );
      expect(noContent.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.standards[0].content' });
      expect((await create({ orgId: ids['第一车队党支部'], name: '' }, t.secretary)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'name',
      });
      // a name of white space alone is blank once trimmed
      expect((await create({ orgId: ids['第一车队党支部'], name: '　 ' }, t.secretary)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'BRAND_NAME_BLANK',
        field: 'input.name',
      });
      const dup = await create({ orgId: ids['养护科党支部'], name: ' 彩虹坦途 ' }, t.admin);
      expect(dup.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'BRAND_NAME_TAKEN' });
      expect(codes(await create({ orgId: ids['第一车队党支部'], name: 'x' }, t.member))).toEqual(['FORBIDDEN']);
      expect(codes(await create({ orgId: ids['第一车队党支部'], name: 'x' }, t.secretary2))).toEqual(['NOT_FOUND']);
      expect(codes(await create({ orgId: ids['第一车队党支部'], name: 'x' }, foreign))).toEqual(['NOT_FOUND']);
      expect([await count(su, 'service_brands'), await count(su, 'service_standards')]).toEqual(before);
    });

    it('lists brands in a subtree and of one org, within the viewer’s scope', async () => {
      const q = `query($under: ID) { serviceBrands(under: $under) { totalCount nodes { name org { name } } } }`;
      const all = (await gql(q, {}, t.admin)).data.serviceBrands;
      expect(all.totalCount).toBe(2);
      expect(all.nodes.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name))).toEqual([
        { name: '彩虹坦途', org: { name: '养护科党支部' } },
        { name: '情溢旅途', org: { name: '市公交集团党委' } },
      ]);
      expect(
        (await gql(q, { under: ids['市公路管理处党委'] }, t.admin)).data.serviceBrands.nodes.map((n: { name: string }) => n.name),
      ).toEqual(['彩虹坦途']);
      expect((await gql(q, {}, t.secretary)).data.serviceBrands.totalCount).toBe(0);
      expect((await gql(q, {}, t.supervisor)).data.serviceBrands.nodes.map((n: { name: string }) => n.name)).toEqual(['情溢旅途']);
      expect(
        (
          await gql(
            `query($o: ID!) { brands(orgId: $o) { totalCount nodes { name standards { title } } } }`,
            { o: ids['养护科党支部'] },
            t.secretary2,
          )
        ).data.brands,
      ).toEqual({
        totalCount: 1,
        nodes: [{ name: '彩虹坦途', standards: [{ title: '服务承诺公开' }, { title: '路政案件办理流程' }, { title: '党员责任路段' }] }],
      });
      expect(codes(await gql(`query($o: ID!) { brands(orgId: $o) { nodes { name } } }`, { o: ids['养护科党支部'] }, t.secretary))).toEqual([
        'NOT_FOUND',
      ]);
    });

    it('edits name, slogan and standards (replacing them), by its owners only', async () => {
      const res = await update(
        {
          id: rainbow,
          slogan: '畅安舒美',
          standards: [{ title: '限时办结', content: '路政许可5个工作日内办结', aspect: 'PROCESS_STANDARDIZED' }],
        },
        t.secretary2,
      );
      expect(res.data.updateServiceBrand).toMatchObject({
        name: '彩虹坦途',
        slogan: '畅安舒美',
        standards: [{ position: 1, title: '限时办结' }],
      });
      expect(await count(su, 'service_standards')).toBe(2);
      // a blank new name is refused, not silently ignored
      expect((await update({ id: rainbow, name: '  ' }, t.secretary2)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'BRAND_NAME_BLANK',
      });
      expect(codes(await update({ id: rainbow, name: 'x' }, t.secretary))).toEqual(['NOT_FOUND']);
      // the inspector reads every brand but owns none; a member does not even see its superior's brand
      expect(codes(await update({ id: warm, name: 'x' }, t.inspector))).toEqual(['FORBIDDEN']);
      expect((await gql(`query($id: ID!) { serviceBrand(id: $id) { name } }`, { id: warm }, t.inspector)).data.serviceBrand).toEqual({
        name: '情溢旅途',
      });
      expect(codes(await gql(`query($id: ID!) { serviceBrand(id: $id) { name } }`, { id: warm }, t.member))).toEqual(['NOT_FOUND']);
    });

    it('answers NOT_FOUND to a foreign tenant on every brand query and mutation by id, and deletes for owners', async () => {
      for (const id of [rainbow, unknownId('ServiceBrand')]) {
        expect(codes(await gql(`query($id: ID!) { serviceBrand(id: $id) { id } }`, { id }, foreign))).toEqual(['NOT_FOUND']);
        expect(codes(await update({ id, name: 'x' }, foreign))).toEqual(['NOT_FOUND']);
        expect(codes(await gql(`mutation($id: ID!) { deleteServiceBrand(input: { id: $id }) }`, { id }, foreign))).toEqual(['NOT_FOUND']);
      }
      expect(codes(await gql(`query($o: ID!) { brands(orgId: $o) { nodes { id } } }`, { o: ids['养护科党支部'] }, foreign))).toEqual([
        'NOT_FOUND',
      ]);
      expect((await gql(`{ serviceBrands { totalCount } }`, {}, foreign)).data.serviceBrands.totalCount).toBe(0);
      expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: rainbow }, foreign)).data.node).toBeNull();
      expect(await count(su, 'service_brands')).toBe(2);
      expect(
        (await gql(`mutation($id: ID!) { deleteServiceBrand(input: { id: $id }) }`, { id: warm }, t.supervisor)).data.deleteServiceBrand,
      ).toBe(true);
      expect([await count(su, 'service_brands'), await count(su, 'service_standards')]).toEqual([1, 1]);
    });
  });
});

/** The demo seeds of the four modules, run as npm start runs them (the test template has no campaigns). */
describe('demo data of innovation, exemplars, leading group and brands', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    for (const slug of ['jtj', 'szjg']) await seedAsAdmin(server.config, server, slug);
  });
  afterAll(() => server.close());

  async function seedAsAdmin(config: Config, s: TestServer, slug: string) {
    const ctx = createRequestContext(config, s.database.dataSource, 'seed');
    await ctx.tx.setIdentity({ platform: true });
    await ctx.tx.begin();
    try {
      const [tenant] = await ctx.tx.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [slug]);
      await ctx.tx.setIdentity({ tenantId: tenant.id, platform: false });
      const [admin] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'admin'`, [tenant.id]);
      await loadViewer(ctx, { kind: 'user', sub: admin.id, tid: tenant.id });
      const version = await frameworkService.publish(
        ctx,
        (await frameworkService.import(ctx, { template: slug === 'jtj' ? 'sqsy' : 'wqwh' })).id,
      );
      const [root] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND parent_id IS NULL`);
      const campaign = await campaignService.create(ctx, {
        name: '创建活动',
        versionId: version.id,
        scopeOrgId: root.id,
        ...SOURCE_SCHEDULE,
      });
      for (const module of [innovationModule, exemplarModule, leadingGroupModule, serviceBrandModule])
        await module.seedDemo(ctx, { slug, campaignId: campaign.id, rootOrgId: root.id });
      await ctx.tx.finish(true);
    } catch (error) {
      await ctx.tx.finish(false).catch(() => undefined);
      throw error;
    }
  }

  it('seeds jtj as the source describes it', async () => {
    const admin = await server.token('jtj', 'admin');
    const res = await server.gql(
      `{
      innovationProjects(year: 2013) { nodes { theme stage awardLevelLabel org { name } } }
      exemplars { nodes { kind state title orgName } }
      serviceBrands { nodes { name org { name } standards { title } } }
      campaigns { nodes { id } }
    }`,
      {},
      admin,
    );
    expect(res.errors).toBeUndefined();
    expect(
      res.data.innovationProjects.nodes
        .map((p: { org: { name: string }; stage: string; awardLevelLabel: string | null }) => [p.org.name, p.stage, p.awardLevelLabel])
        .sort(),
    ).toEqual([
      ['局机关党委', 'AWARDED', '一等奖'],
      ['市公交集团党委', 'IMPLEMENTING', null],
    ]);
    expect(
      res.data.exemplars.nodes.map((e: { kind: string; state: string; orgName: string }) => [e.kind, e.state, e.orgName]).sort(),
    ).toEqual([
      ['MODEL_POST', 'PUBLIC_NOTICE', '党员学雷锋车队党支部'],
      ['MODEL_WINDOW', 'NAMED', '客运管理科党支部'],
    ]);
    expect(
      res.data.serviceBrands.nodes
        .map((b: { name: string; org: { name: string }; standards: unknown[] }) => [b.name, b.org.name, b.standards.length])
        .sort(),
    ).toEqual([
      ['彩虹坦途', '市公路管理处党委', 3],
      ['情溢旅途', '市公交集团党委', 2],
    ]);
    const group = await server.gql(
      `query($id: ID!) { leadingGroup(campaignId: $id) { leader { displayName } deputies { displayName } officeName officeNote } }`,
      { id: res.data.campaigns.nodes[0].id },
      await server.token('jtj', 'member'),
    );
    expect(group.data.leadingGroup).toEqual({
      leader: { displayName: '鞠世闻(领导小组组长)' },
      deputies: [{ displayName: '陈莉莉(领导小组副组长)' }],
      officeName: '中共市交通运输局党委',
      officeNote: '局组织科',
    });
  });

  it('seeds something smaller for szjg', async () => {
    const admin = await server.token('szjg', 'admin');
    const res = await server.gql(
      `{ innovationProjects { totalCount } exemplars { nodes { state } } serviceBrands { totalCount } }`,
      {},
      admin,
    );
    expect(res.data).toEqual({
      innovationProjects: { totalCount: 1 },
      exemplars: { nodes: [{ state: 'NAMED' }] },
      serviceBrands: { totalCount: 1 },
    });
  });
});

/**
 * Titles a tenant chooses (issue 14): 选树典型 kinds are the tenant's data. Every tenant starts with the
 * three defaults; a root admin sets up more (铁人式标兵 as a person, 群众满意窗口 as a window, …) with
 * their subject, limit bounds and whether a 公示 is needed, and every kind goes through the same lifecycle.
 */
const KIND = `id code name subject subjectLabel directOrgsOnly limitMin limitMax limitDefault needsPublicNotice description position builtIn retired retiredAt`;
const CREATE = `mutation($input: CreateExemplarKindInput!) { createExemplarKind(input: $input) { ${KIND} } }`;
const UPDATE = `mutation($input: UpdateExemplarKindInput!) { updateExemplarKind(input: $input) { ${KIND} } }`;
const NOMINATE = `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id kind kindLabel state title memberName kindDefinition { code subject } } }`;

const IRON = {
  code: 'IRON_MODEL',
  name: '铁人式标兵',
  subject: 'PERSON',
  limitMin: 1,
  limitMax: 5,
  limitDefault: 2,
  needsPublicNotice: true,
  description: '学铁人、做铁人、建铁军',
};

describe('exemplar kinds as tenant data (典型类别)', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  let foreign: string;
  let TODAY: string;
  let YEAR: number;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const kinds = async (token: string, includeRetired = false) =>
    (await gql(`query($r: Boolean!) { exemplarKinds(includeRetired: $r) { ${KIND} } }`, { r: includeRetired }, token)).data
      .exemplarKinds as Record<string, unknown>[];
  const nominate = (input: Record<string, unknown>, token = t.admin) =>
    gql(NOMINATE, { input: { year: YEAR, reason: '事迹', ...input } }, token);
  const stepInput: Record<string, string> = {
    startExemplarReview: 'ExemplarStep',
    nameExemplar: 'ExemplarStep',
    startExemplarNotice: 'StartExemplarNotice',
  };
  const run = (mutation: keyof typeof stepInput, input: Record<string, unknown>, token = t.admin) =>
    gql(`mutation($input: ${stepInput[mutation]}Input!) { ${mutation}(input: $input) { id state namedOn } }`, { input }, token);

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj');
    foreign = await server.token('szjg', 'admin');
    TODAY = await tenantToday(su);
    YEAR = Number(TODAY.slice(0, 4));
  });
  afterAll(() => server.close());

  it('starts every tenant, also one created now, with the three default kinds under their old codes, read by anyone in it', async () => {
    const expected = [
      { code: 'MODEL_POST', name: '党员示范岗', subject: 'POST', subjectLabel: '岗位', directOrgsOnly: false },
      { code: 'MODEL_WINDOW', name: '党员示范窗口', subject: 'WINDOW', subjectLabel: '窗口', directOrgsOnly: false },
      { code: 'KEY_ORG', name: '重点培育直属党组织', subject: 'ORG', subjectLabel: '组织', directOrgsOnly: true },
    ].map((k) =>
      expect.objectContaining({ ...k, limitMin: 1, limitMax: 3, limitDefault: 3, needsPublicNotice: true, builtIn: true, retired: false }),
    );
    expect(await kinds(t.member)).toEqual(expected);
    expect(await kinds(foreign)).toEqual(expected);
    const operator = await server.token('', 'operator');
    const created = await gql(
      `mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }`,
      {
        input: {
          slug: 'wlj',
          name: '市文化广电和旅游局',
          rootOrgName: '局党委',
          adminUsername: 'wadmin',
          adminDisplayName: '组织科',
          adminPassword: 'wlj-admin-password-1',
        },
      },
      operator,
    );
    expect(created.errors).toBeUndefined();
    const signedIn = await firstSignIn(server.url, 'wlj', 'wadmin', 'wlj-admin-password-1');
    expect(await kinds(signedIn.accessToken)).toEqual(expected);
    // the same codes, three rows per tenant: each tenant's own
    expect(await count(su, 'exemplar_kinds', `code = 'MODEL_POST'`)).toBe(3);
  });

  it('reads a kind by id within its tenant only', async () => {
    const [post] = await kinds(t.member);
    const q = `query($id: ID!) { node(id: $id) { ... on ExemplarKindDefinition { code } } exemplarKind(id: $id) { name } }`;
    expect((await gql(q, { id: post.id }, t.secretary2)).data).toEqual({
      node: { code: 'MODEL_POST' },
      exemplarKind: { name: '党员示范岗' },
    });
    const other = await gql(q, { id: post.id }, foreign);
    expect(other.data).toBeNull();
    expect(codes(other)).toEqual(['NOT_FOUND']);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: post.id }, foreign)).data.node).toBeNull();
    expect(
      codes(await gql(`query($id: ID!) { exemplarKind(id: $id) { id } }`, { id: unknownId('ExemplarKindDefinition') }, t.admin)),
    ).toEqual(['NOT_FOUND']);
  });

  let ironId: string;

  it('lets only an admin at the root set up a kind, checks every value, and stores nothing refused', async () => {
    const before = await count(su, 'exemplar_kinds');
    for (const who of ['member', 'secretary', 'supervisor', 'leader', 'inspector'])
      expect({ who, codes: codes(await gql(CREATE, { input: IRON }, t[who])) }).toEqual({ who, codes: ['FORBIDDEN'] });
    const bad: [Record<string, unknown>, string, string][] = [
      [{ code: 'iron' }, 'EXEMPLAR_KIND_CODE_INVALID', 'input.code'],
      [{ code: '1RON' }, 'EXEMPLAR_KIND_CODE_INVALID', 'input.code'],
      [{ code: 'MODEL_POST' }, 'EXEMPLAR_KIND_CODE_TAKEN', 'input.code'],
      [{ name: '党员示范岗' }, 'EXEMPLAR_KIND_NAME_TAKEN', 'input.name'],
      [{ name: '　 ' }, 'EXEMPLAR_KIND_NAME_BLANK', 'input.name'],
      [{ limitMin: 3, limitDefault: 2 }, 'EXEMPLAR_KIND_LIMITS_INVALID', 'input.limitDefault'],
      [{ limitMax: 4, limitDefault: 5 }, 'EXEMPLAR_KIND_LIMITS_INVALID', 'input.limitDefault'],
      [{ directOrgsOnly: true }, 'EXEMPLAR_KIND_DIRECT_NOT_ORG', 'input.directOrgsOnly'],
    ];
    for (const [change, reason, field] of bad) {
      const res = await gql(CREATE, { input: { ...IRON, ...change } }, t.admin);
      expect({ change, ext: res.errors?.[0].extensions }).toMatchObject({ change, ext: { reason, field } });
    }
    expect((await gql(CREATE, { input: { ...IRON, limitMax: 101 } }, t.admin)).errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(await count(su, 'exemplar_kinds')).toBe(before);

    const res = await gql(CREATE, { input: IRON }, t.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data.createExemplarKind).toMatchObject({
      ...IRON,
      subjectLabel: '个人',
      directOrgsOnly: false,
      position: 4,
      builtIn: false,
      retired: false,
    });
    ironId = res.data.createExemplarKind.id;
    // a code left out is made up; the other tenant never sees this one
    const window = await gql(
      CREATE,
      { input: { ...IRON, code: null, name: '群众满意窗口', subject: 'WINDOW', needsPublicNotice: false } },
      t.admin,
    );
    expect(window.data.createExemplarKind).toMatchObject({ code: 'CUSTOM_1', subject: 'WINDOW', position: 5 });
    expect((await kinds(foreign)).map((k) => k.code)).toEqual(['MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG']);
    expect((await kinds(t.member)).map((k) => k.name)).toEqual([
      '党员示范岗',
      '党员示范窗口',
      '重点培育直属党组织',
      '铁人式标兵',
      '群众满意窗口',
    ]);
  });

  it('nominates under a person kind: the member’s name is required, two persons of one org are two nominations, one person twice is not', async () => {
    const org = ids['第一车队党支部'];
    const missing = await nominate({ kind: 'IRON_MODEL', orgId: org, title: '驾驶员' }, t.secretary);
    expect(missing.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EXEMPLAR_MEMBER_REQUIRED',
      field: 'input.memberName',
    });
    expect(missing.errors![0].message).toBe('推荐铁人式标兵须写明党员姓名');
    const a = await nominate({ kind: 'IRON_MODEL', orgId: org, memberName: '李红' }, t.secretary);
    expect(a.data.nominateExemplar).toMatchObject({
      kind: 'IRON_MODEL',
      kindLabel: '铁人式标兵',
      state: 'NOMINATED',
      title: null,
      memberName: '李红',
      kindDefinition: { code: 'IRON_MODEL', subject: 'PERSON' },
    });
    expect((await nominate({ kind: 'IRON_MODEL', orgId: org, memberName: '张伟' }, t.secretary)).errors).toBeUndefined();
    const twice = await nominate({ kind: 'IRON_MODEL', orgId: org, memberName: '李红' }, t.supervisor);
    expect(twice.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_NOMINATED' });
    expect(twice.errors![0].message).toBe(`${YEAR}年度该铁人式标兵已被推荐，不能重复推荐`);
    // a window kind needs the window's name; an unknown code and another tenant's kinds are no kinds here
    expect((await nominate({ kind: 'CUSTOM_1', orgId: org }, t.secretary)).errors![0].extensions).toMatchObject({
      reason: 'EXEMPLAR_TITLE_REQUIRED',
      field: 'input.title',
    });
    const unknown = await nominate({ kind: 'NO_SUCH_KIND', orgId: org, title: 'x' }, t.secretary);
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EXEMPLAR_KIND_NOT_FOUND', field: 'input.kind' });
    const szjg = await orgIds(server, 'szjg');
    expect(codes(await nominate({ kind: 'IRON_MODEL', orgId: szjg['内科党支部'], memberName: '王' }, foreign))).toEqual(['BAD_USER_INPUT']);
    // the enum's unquoted spelling still works for every code
    const literal = await gql(
      `mutation($org: ID!, $y: Int!) { nominateExemplar(input: { kind: IRON_MODEL, orgId: $org, year: $y, memberName: "周强" }) { kind } }`,
      { org, y: YEAR },
      t.secretary,
    );
    expect(literal.data.nominateExemplar.kind).toBe('IRON_MODEL');
  });

  it('takes a kind that needs 公示 through the notice, a kind that does not straight from review, each within its own bounds', async () => {
    const person = (await nominate({ kind: 'IRON_MODEL', orgId: ids['养护科党支部'], memberName: '王铁军', title: '养护工区班长' })).data
      .nominateExemplar.id;
    await run('startExemplarReview', { id: person });
    const early = await run('nameExemplar', { id: person, note: '' });
    expect(early.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'EXEMPLAR_NOTICE_REQUIRED' });
    expect(early.errors![0].message).toBe('“铁人式标兵”须经公示后方可命名');
    await run('startExemplarNotice', { id: person, startsOn: TODAY, endsOn: TODAY });
    await su.query(`UPDATE exemplars SET notice_starts_on = $2, notice_ends_on = $2 WHERE id = $1`, [rawId(person), addDays(TODAY, -1)]);
    expect((await run('nameExemplar', { id: person, note: '' })).data.nameExemplar).toMatchObject({ state: 'NAMED', namedOn: TODAY });

    const window = (await nominate({ kind: 'CUSTOM_1', orgId: ids['客运管理科党支部'], title: '客运服务窗口' })).data.nominateExemplar.id;
    expect((await run('nameExemplar', { id: window, note: '' })).errors![0].extensions).toMatchObject({ reason: 'WRONG_EXEMPLAR_STATE' });
    await run('startExemplarReview', { id: window });
    const named = await run('nameExemplar', { id: window, note: '审核通过' });
    expect(named.data.nameExemplar).toMatchObject({ state: 'NAMED', namedOn: TODAY });
    const history = await gql(`query($id: ID!) { exemplar(id: $id) { history { fromState toState } } }`, { id: window }, t.admin);
    expect(history.data.exemplar.history.map((h: { toState: string }) => h.toState)).toEqual(['NOMINATED', 'UNDER_REVIEW', 'NAMED']);

    // the kind's bounds (1–5, default 2), not the defaults' 1–3
    const setLimit = (limit: number, kind = 'IRON_MODEL') =>
      gql(
        `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { kind kindLabel limit named } }`,
        { input: { year: YEAR, kind, category: 'INSTITUTION', limit } },
        t.admin,
      );
    expect((await setLimit(6)).errors![0].extensions).toMatchObject({ reason: 'LIMIT_OUT_OF_BOUNDS', min: 1, max: 5 });
    expect((await setLimit(5)).data.setExemplarLimit).toEqual({ kind: 'IRON_MODEL', kindLabel: '铁人式标兵', limit: 5, named: 1 });
    expect((await setLimit(4, 'MODEL_POST')).errors![0].extensions).toMatchObject({ reason: 'LIMIT_OUT_OF_BOUNDS', min: 1, max: 3 });
    expect(
      (await gql(`{ exemplarLimitBounds(kind: IRON_MODEL) { min max default source } }`, {}, t.member)).data.exemplarLimitBounds,
    ).toEqual({
      min: 1,
      max: 5,
      default: 2,
      source: '本单位设定',
    });
    const counts = await gql(
      `query($y: Int!) { exemplarCounts(year: $y) { kind kindLabel category limit named pending } }`,
      { y: YEAR },
      t.admin,
    );
    expect(counts.data.exemplarCounts.map((c: { kind: string }) => c.kind)).toEqual(
      ['MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG', 'IRON_MODEL', 'CUSTOM_1'].flatMap((k) => [k, k, k]),
    );
    expect(counts.data.exemplarCounts.filter((c: { kind: string }) => c.kind === 'IRON_MODEL')).toEqual([
      { kind: 'IRON_MODEL', kindLabel: '铁人式标兵', category: 'ORGAN', limit: 2, named: 0, pending: 0 },
      { kind: 'IRON_MODEL', kindLabel: '铁人式标兵', category: 'INSTITUTION', limit: 5, named: 1, pending: 0 },
      { kind: 'IRON_MODEL', kindLabel: '铁人式标兵', category: 'ENTERPRISE', limit: 2, named: 0, pending: 3 },
    ]);
  });

  it('changes a kind partly, keeps its subject once used, and retires it: no new nominations, the old ones go on', async () => {
    const renamed = await gql(UPDATE, { input: { id: ironId, name: '“铁人式”标兵', limitDefault: 3 } }, t.admin);
    expect(renamed.data.updateExemplarKind).toMatchObject({ ...IRON, name: '“铁人式”标兵', limitDefault: 3 });
    expect(codes(await gql(UPDATE, { input: { id: ironId, name: 'x' } }, t.leader))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(UPDATE, { input: { id: ironId, name: 'x' } }, foreign))).toEqual(['NOT_FOUND']);
    const subject = await gql(UPDATE, { input: { id: ironId, subject: 'POST' } }, t.admin);
    expect(subject.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'EXEMPLAR_KIND_IN_USE', count: 4 });
    expect((await gql(UPDATE, { input: { id: ironId, limitMin: 4 } }, t.admin)).errors![0].extensions).toMatchObject({
      reason: 'EXEMPLAR_KIND_LIMITS_INVALID',
    });
    // labels follow the kind's name
    const pending = (await gql(`{ exemplars(kind: IRON_MODEL, state: NOMINATED) { nodes { id kindLabel } } }`, {}, t.admin)).data.exemplars
      .nodes;
    expect(pending.map((e: { kindLabel: string }) => e.kindLabel)).toEqual(['“铁人式”标兵', '“铁人式”标兵', '“铁人式”标兵']);

    const retired = await gql(UPDATE, { input: { id: ironId, retired: true } }, t.admin);
    expect(retired.data.updateExemplarKind).toMatchObject({ retired: true, retiredAt: expect.any(String), name: '“铁人式”标兵' });
    const refused = await nominate({ kind: 'IRON_MODEL', orgId: ids['第二车队党支部'], memberName: '刘洋' }, t.supervisor);
    expect(refused.errors![0].extensions).toMatchObject({ reason: 'EXEMPLAR_KIND_RETIRED', field: 'input.kind' });
    expect((await run('startExemplarReview', { id: pending[0].id })).data.startExemplarReview.state).toBe('UNDER_REVIEW');
    expect((await kinds(t.member)).map((k) => k.code)).not.toContain('IRON_MODEL');
    expect((await kinds(t.member, true)).map((k) => k.code)).toContain('IRON_MODEL');
    // still counted in the year it has exemplars
    const counts = await gql(`query($y: Int!) { exemplarCounts(year: $y) { kind } }`, { y: YEAR }, t.admin);
    expect(counts.data.exemplarCounts.map((c: { kind: string }) => c.kind)).toContain('IRON_MODEL');
    const back = await gql(UPDATE, { input: { id: ironId, retired: false } }, t.admin);
    expect(back.data.updateExemplarKind).toMatchObject({ retired: false, retiredAt: null });
    // an unused kind may change its subject; leaving ORG clears "direct orgs only"
    const brand = (
      await gql(CREATE, { input: { ...IRON, code: 'QUALITY_BRAND', name: '优质服务品牌', subject: 'ORG', directOrgsOnly: true } }, t.admin)
    ).data.createExemplarKind;
    const moved = await gql(UPDATE, { input: { id: brand.id, subject: 'POST' } }, t.admin);
    expect(moved.data.updateExemplarKind).toMatchObject({ subject: 'POST', directOrgsOnly: false, code: 'QUALITY_BRAND' });
  });

  it('keeps the built-in rules of the defaults as their data: 重点培育 only among 直属党组织, the org itself', async () => {
    const branch = await nominate({ kind: 'KEY_ORG', orgId: ids['第一车队党支部'] }, t.secretary);
    expect(branch.errors![0].message).toBe('第一车队党支部不是直属党组织；重点培育直属党组织从直属党组织中选择');
    const [, , keyOrg] = await kinds(t.admin);
    // a tenant may open 重点培育 to every level: the rule is data
    await gql(UPDATE, { input: { id: keyOrg.id, directOrgsOnly: false } }, t.admin);
    expect((await nominate({ kind: 'KEY_ORG', orgId: ids['第一车队党支部'] }, t.secretary)).data.nominateExemplar.state).toBe('NOMINATED');
    expect(
      (await nominate({ kind: 'KEY_ORG', orgId: ids['第二车队党支部'], memberName: 'x' }, t.supervisor)).errors![0].extensions,
    ).toMatchObject({
      reason: 'EXEMPLAR_KEY_ORG_MEMBER',
      field: 'input.memberName',
    });
  });

  it('checks a nomination on its kind as it stands: a subject change under way makes it wait, then refuses it by the new subject', async () => {
    const made = await gql(CREATE, { input: { ...IRON, code: 'SKEW_KIND', name: '写偏称号', subject: 'ORG' } }, t.admin);
    expect(made.errors).toBeUndefined();
    // a kind update in progress (as exemplarKindService.update writes it: the row locked, no exemplar counted)
    const changer = await server.superuser({ own: true });
    await changer.query('BEGIN');
    await changer.query(
      `UPDATE exemplar_kinds SET subject = 'PERSON' WHERE code = 'SKEW_KIND' AND tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`,
    );
    const nominating = nominate({ kind: 'SKEW_KIND', orgId: ids['第一车队党支部'] }, t.secretary);
    expect(await lockWaiters(su, 1)).toBe(1);
    await changer.query('COMMIT');
    await changer.end();
    expect((await nominating).errors?.map((e) => e.extensions?.reason)).toEqual(['EXEMPLAR_MEMBER_REQUIRED']);
    expect(await count(su, 'exemplars', `kind = 'SKEW_KIND'`)).toBe(0);
  });

  it('serializes concurrent set-ups: one of 20 with the same name, distinct made-up codes for 20 with none, at most 30 kinds', async () => {
    const same = await Promise.all(
      Array.from({ length: 20 }, () => gql(CREATE, { input: { ...IRON, code: null, name: '优秀服务标兵' } }, t.admin)),
    );
    expect(same.filter((r) => !r.errors).length).toBe(1);
    expect(same.flatMap((r) => (r.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`))).toEqual(
      Array(19).fill('CONFLICT/EXEMPLAR_KIND_NAME_TAKEN'),
    );
    const existing = await count(su, 'exemplar_kinds', `tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`);
    const many = await Promise.all(
      Array.from({ length: 30 - existing + 3 }, (_, i) => gql(CREATE, { input: { ...IRON, code: null, name: `称号${i}` } }, t.admin)),
    );
    const made = many.filter((r) => !r.errors).map((r) => r.data.createExemplarKind.code);
    expect(made.length).toBe(30 - existing);
    expect(new Set(made).size).toBe(made.length);
    expect(many.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.reason))).toEqual(Array(3).fill('TOO_MANY_EXEMPLAR_KINDS'));
    expect(await count(su, 'exemplar_kinds', `tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`)).toBe(30);
    expect(many.some((r) => (r.errors ?? []).some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'))).toBe(false);
  });
});

describe('the migration to tenant kinds', () => {
  it('keeps every exemplar and limit of a tenant, now pointing at its own three default kinds', async () => {
    const name = await createTestDatabase('template0');
    const url = clusterUrl(name);
    const run = async (upTo: number | null) => {
      const ds = new DataSource({
        type: 'postgres',
        url,
        migrations: migrations.filter((m) => upTo === null || Number(/(\d{13})$/.exec(m.name)?.[1]) < upTo),
        migrationsTableName: 'schema_migrations',
      });
      await ds.initialize();
      try {
        await ds.runMigrations({ transaction: 'each' });
      } finally {
        await ds.destroy();
      }
    };
    const su = new Client({ connectionString: url });
    try {
      await run(1734140000000);
      await su.connect();
      const tenant = (await su.query(`INSERT INTO tenants (slug, name) VALUES ('old', '旧单位') RETURNING id`)).rows[0].id;
      const org = (
        await su.query(
          `INSERT INTO orgs (tenant_id, id, name, kind, category, path)
           SELECT $1, g, '局党委', 'COMMITTEE', 'ORGAN', text2ltree(replace(g::text, '-', '')) FROM gen_random_uuid() g RETURNING id`,
          [tenant],
        )
      ).rows[0].id;
      const user = (
        await su.query(
          `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id) VALUES ($1, 'olduser', '用户', 'x', $2) RETURNING id`,
          [tenant, org],
        )
      ).rows[0].id;
      for (const [kind, title, state] of [
        ['MODEL_POST', '示范岗', 'NOMINATED'],
        ['MODEL_WINDOW', '示范窗口', 'REJECTED'],
        ['KEY_ORG', null, 'UNDER_REVIEW'],
      ])
        await su.query(
          `INSERT INTO exemplars (tenant_id, kind, org_id, category, year, title, state, created_by) VALUES ($1, $2, $3, 'ORGAN', 2013, $4, $5, $6)`,
          [tenant, kind, org, title, state, user],
        );
      await su.query(
        `INSERT INTO exemplar_limits (tenant_id, year, kind, category, max_count, updated_by) VALUES ($1, 2013, 'MODEL_WINDOW', 'ORGAN', 2, $2)`,
        [tenant, user],
      );
      const before = (await su.query(`SELECT * FROM exemplars ORDER BY id`)).rows;
      const limitsBefore = (await su.query(`SELECT * FROM exemplar_limits`)).rows;
      await su.end();

      await run(null);
      const after = new Client({ connectionString: url });
      await after.connect();
      try {
        const rows = (await after.query(`SELECT * FROM exemplars ORDER BY id`)).rows;
        expect(rows.map(({ nominee_key, ...rest }) => ({ ...rest, keyed: nominee_key }))).toEqual(before.map((r) => ({ ...r, keyed: '' })));
        expect((await after.query(`SELECT * FROM exemplar_limits`)).rows).toEqual(limitsBefore);
        expect(
          (
            await after.query(
              `SELECT code, name, subject, direct_orgs_only, limit_min, limit_max, limit_default, built_in FROM exemplar_kinds ORDER BY position`,
            )
          ).rows,
        ).toEqual([
          {
            code: 'MODEL_POST',
            name: '党员示范岗',
            subject: 'POST',
            direct_orgs_only: false,
            limit_min: 1,
            limit_max: 3,
            limit_default: 3,
            built_in: true,
          },
          {
            code: 'MODEL_WINDOW',
            name: '党员示范窗口',
            subject: 'WINDOW',
            direct_orgs_only: false,
            limit_min: 1,
            limit_max: 3,
            limit_default: 3,
            built_in: true,
          },
          {
            code: 'KEY_ORG',
            name: '重点培育直属党组织',
            subject: 'ORG',
            direct_orgs_only: true,
            limit_min: 1,
            limit_max: 3,
            limit_default: 3,
            built_in: true,
          },
        ]);
        // codes are now the tenant's kinds: an unknown one is refused by the database
        await expect(
          after.query(
            `INSERT INTO exemplars (tenant_id, kind, org_id, category, year, title, state, created_by) VALUES ($1, 'NOPE', $2, 'ORGAN', 2013, 't', 'NOMINATED', $3)`,
            [tenant, org, user],
          ),
        ).rejects.toMatchObject({ code: '23503' });
      } finally {
        await after.end();
      }
    } finally {
      await su.end().catch(() => undefined);
      await dropTestDatabase(name);
    }
  }, 120_000);
});
