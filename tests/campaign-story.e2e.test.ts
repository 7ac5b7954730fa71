import { randomUUID } from 'node:crypto';
import { TestServer, codes, firstSignIn, startTestServer } from './helpers/server';
import { count, tenantId } from './helpers/sql';
import { rawId, unknownId } from './helpers/ids';
import { RequestTransaction } from '../src/db/request-transaction';
import { readAheadOf } from '../src/graphql/read-ahead';
import { EVALUATION_FIELDS, SOURCE_CAMPAIGN, accept, criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: unknown[];
}

/**
 * The source's story through the API, for 市交通运输局 (四强四有): import, edit, publish, start a
 * campaign, submit plans (one late), self-evaluate, superior return and accept, check computed
 * scores against hand-worked numbers, read progress against the 80% and 90% targets.
 */
describe('四强四有 at 市交通运输局: criteria, campaign, evaluations, progress', () => {
  let server: TestServer;
  let admin: string;
  let ids: Record<string, string>;
  let versionId: string;
  let campaignId: string;
  const gql = (q: string, v: Record<string, unknown>, t: string) => server.gql(q, v, t);
  /** A TENANT_ADMIN over one subtree only, created through the API. */
  const subtreeAdmin = async (username: string, orgId: string) => {
    const created = await gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username, displayName: username, password: 'Init#Pass-2013-subtree', orgId } },
      admin,
    );
    const userId = created.data.createUser.id;
    const assigned = await gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId, role: 'TENANT_ADMIN', orgId } },
      admin,
    );
    expect(assigned.errors).toBeUndefined();
    return (await firstSignIn(server.url, 'jtj', username, 'Init#Pass-2013-subtree')).accessToken;
  };
  /** The same request with `Accept-Language: en`: messages, and each problem's message, in English. */
  const gqlEn = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'en', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { errors?: { message: string; extensions: Record<string, unknown> }[] };
  };
  /** Every page of a connection, following endCursor: `fetchPage(after)` answers the query, `field` names the connection. */
  const pagesOf = async (fetchPage: (after: string | null) => Promise<{ data?: unknown }>, field: string) => {
    const find = (value: unknown): Page => {
      const o = value as Record<string, unknown>;
      return (o[field] as Page | undefined) ?? find(Object.values(o).find((v) => v && typeof v === 'object'));
    };
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const page: Page = find((await fetchPage(after)).data);
      pages.push(page);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return pages;
  };

  beforeAll(async () => {
    // x-sql-statements: a read answered from the process’s store of scored evaluations sends fewer statements
    server = await startTestServer({ env: { EXPOSE_STATEMENT_COUNT: 'true' } });
    admin = await server.token('jtj', 'admin');
    ids = await orgIds(server, 'jtj');
  });
  afterAll(() => server.close());

  describe('framework', () => {
    it('ships 四强四有 and the 五强五化 example as templates', async () => {
      const res = await gql(`{ frameworkTemplates { name code title description } }`, {}, admin);
      expect(res.data.frameworkTemplates.map((t: { name: string; code: string }) => [t.name, t.code])).toEqual([
        ['sqsy', 'SQSY'],
        ['wqwh', 'WQWH'],
      ]);
      expect(res.data.frameworkTemplates[1].description).toMatch(/^示例 \(EXAMPLE\)/);
    });

    it('imports 四强四有 as a draft with the four 强 and four 有 as dimensions', async () => {
      const res = await gql(
        `mutation { importFramework(input: { template: "sqsy" }) { id number status framework { code name } rule { threshold totalMax grades { code label min } kindWeights { kind weight } }
          dimensions { code title } criteria { code } } }`,
        {},
        admin,
      );
      expect(res.errors).toBeUndefined();
      const v = res.data.importFramework;
      versionId = v.id;
      expect(v).toMatchObject({ number: 1, status: 'DRAFT', framework: { code: 'SQSY', name: '四强四有' } });
      expect(v.dimensions.map((d: { title: string }) => d.title)).toEqual([
        '组织群众能力强',
        '联系群众能力强',
        '凝聚群众能力强',
        '保障群众能力强',
        '有多样化的服务平台',
        '有特色化的服务载体',
        '有高效化的服务队伍',
        '有常态化的服务机制',
      ]);
      expect(v.rule.grades.map((g: { label: string }) => g.label)).toEqual(['优秀', '良好', '合格', '不合格']);
      expect(v.rule.kindWeights).toEqual([
        { kind: 'SELF', weight: 0.2 },
        { kind: 'SUPERIOR', weight: 0.5 },
        { kind: 'PUBLIC', weight: 0.3 },
      ]);
      expect(v.criteria.length).toBeGreaterThan(40);
    });

    it('edits the draft, and refuses to publish it with every problem reported at once', async () => {
      const crit = await criteriaOf(server, admin, versionId);
      const q4 = (
        await gql(`query($id: ID!) { frameworkVersion(id: $id) { dimensions { id code } } }`, { id: versionId }, admin)
      ).data.frameworkVersion.dimensions.find((d: { code: string }) => d.code === 'Q4');
      const added = await gql(
        `mutation($input: AddCriterionInput!) { addCriterion(input: $input) { id code position parent { code } } }`,
        {
          input: { versionId, parentId: q4.id, code: 'Q4.5', title: '为基层办实事解难题', weight: 0.2, maxScore: 10, scoringType: 'SCALE' },
        },
        admin,
      );
      expect(added.data.addCriterion).toMatchObject({ code: 'Q4.5', position: 4, parent: { code: 'Q4' } });
      const empty = await gql(
        `mutation($input: AddCriterionInput!) { addCriterion(input: $input) { id } }`,
        { input: { versionId, code: 'Q9', title: '空维度', weight: 0.1 } },
        admin,
      );
      const dupe = await gql(
        `mutation($input: AddCriterionInput!) { addCriterion(input: $input) { id } }`,
        { input: { versionId, code: 'Q1.1', title: 'x' } },
        admin,
      );
      expect(dupe.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'CRITERION_CODE_TAKEN' });

      const refused = await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: versionId }, admin);
      expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_VERSION' });
      const problems = refused.errors![0].extensions!.problems as { path: string; message: string }[];
      expect(problems).toEqual(
        expect.arrayContaining([
          { path: 'criteria', reason: 'DOC_SIBLING_WEIGHTS', sum: 1.1, message: '此处非加分项指标的权重之和须为 1，现为 1.1' },
          { path: 'criteria[3].children', reason: 'DOC_SIBLING_WEIGHTS', sum: 1.2, message: '此处非加分项指标的权重之和须为 1，现为 1.2' },
          { path: 'criteria[8]', reason: 'DOC_EMPTY_DIMENSION', dimension: 'Q9', message: '维度 Q9 下没有指标' },
        ]),
      );
      expect(refused.errors![0].message).toBe(`该版本有 ${problems.length} 处问题，不能发布（逐项见 problems）`);
      const inEnglish = await gqlEn(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status } }`, { v: versionId }, admin);
      expect(inEnglish.errors![0].message).toBe(`The version cannot be published: ${problems.length} problem(s), each in problems`);
      expect(inEnglish.errors![0].extensions.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'criteria', message: 'weights of the non-bonus criteria here must sum to 1, not 1.1' }),
          expect.objectContaining({ path: 'criteria[8]', message: 'dimension Q9 has no criteria under it' }),
        ]),
      );

      // fix: drop the empty dimension, re-weight 保障群众能力强 to five × 0.2, move the new item first
      expect(
        (await gql(`mutation($id: ID!) { deleteCriterion(input: { id: $id }) }`, { id: empty.data.addCriterion.id }, admin)).data
          .deleteCriterion,
      ).toBe(true);
      for (const code of ['Q4.1', 'Q4.2', 'Q4.3', 'Q4.4']) {
        const r = await gql(
          `mutation($id: ID!) { updateCriterion(input: { id: $id, weight: 0.2 }) { weight } }`,
          { id: crit.find((c) => c.code === code)!.id },
          admin,
        );
        expect(r.data.updateCriterion.weight).toBe(0.2);
      }
      const moved = await gql(
        `mutation($id: ID!) { moveCriterion(input: { id: $id, newParentId: null, position: 0 }) { code parent { code } } }`,
        { id: added.data.addCriterion.id },
        admin,
      );
      expect(moved.data.moveCriterion.parent).toBeNull(); // moved out to the top level by mistake …
      const back = await gql(
        `mutation($id: ID!, $p: ID!) { moveCriterion(input: { id: $id, newParentId: $p, position: 0 }) { position parent { code children { code } } } }`,
        { id: added.data.addCriterion.id, p: q4.id },
        admin,
      );
      expect(back.data.moveCriterion.parent).toEqual({
        code: 'Q4',
        children: [{ code: 'Q4.5' }, { code: 'Q4.1' }, { code: 'Q4.2' }, { code: 'Q4.3' }, { code: 'Q4.4' }],
      });
      const renamed = await gql(
        `mutation($id: ID!) { updateCriterion(input: { id: $id, title: "党组织书记凝聚能力强" }) { title } }`,
        { id: crit.find((c) => c.code === 'Q1.1')!.id },
        admin,
      );
      expect(renamed.data.updateCriterion.title).toBe('党组织书记凝聚能力强');
      // figures finer than the criteria table keeps (weights 6 decimals, the rest 4) are refused by name, not rounded
      const tooFine = await gql(
        `mutation($id: ID!) { updateCriterion(input: { id: $id, weight: 0.1234567, maxScore: 3.33333 }) { weight maxScore } }`,
        { id: crit.find((c) => c.code === 'Q1.1')!.id },
        admin,
      );
      expect(tooFine.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'weight' });
      expect(
        (tooFine.errors![0].extensions!.problems as { path: string; reason: string; message: string }[]).map((p) => [
          p.path,
          p.reason,
          p.message,
        ]),
      ).toEqual([
        ['weight', 'VALUE_TOO_PRECISE', 'weight 最多 6 位小数'],
        ['maxScore', 'VALUE_TOO_PRECISE', 'maxScore 最多 4 位小数'],
      ]);
      // null for what a criterion cannot lack keeps the stored value, as leaving it out does
      const FIELDS = 'code title guidance weight isBonus isVeto evidenceRequired maxScore scoringType';
      const q41 = crit.find((c) => c.code === 'Q4.1')!.id;
      const stored = (
        await gql(`query($v: ID!) { frameworkVersion(id: $v) { criteria { id ${FIELDS} } } }`, { v: versionId }, admin)
      ).data.frameworkVersion.criteria.find((c: { id: string }) => c.id === q41);
      const nulls = await gql(
        `mutation($id: ID!) { updateCriterion(input: { id: $id, code: null, title: null, guidance: null, weight: null, bonus: null, veto: null, evidenceRequired: null }) { id ${FIELDS} } }`,
        { id: q41 },
        admin,
      );
      expect(nulls.errors).toBeUndefined();
      expect(nulls.data.updateCriterion).toEqual(stored);
      expect(stored).toMatchObject({ code: 'Q4.1', weight: 0.2 });

      const published = await gql(
        `mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status publishedAt } }`,
        { v: versionId },
        admin,
      );
      expect(published.errors).toBeUndefined();
      expect(published.data.publishVersion.status).toBe('PUBLISHED');
    });

    it('keeps a published version immutable; change means a new draft', async () => {
      const crit = await criteriaOf(server, admin, versionId);
      const edit = await gql(
        `mutation($id: ID!) { updateCriterion(input: { id: $id, title: "改" }) { title } }`,
        { id: crit[1].id },
        admin,
      );
      expect(edit.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'VERSION_NOT_DRAFT' });
      const del = await gql(`mutation($id: ID!) { deleteCriterion(input: { id: $id }) }`, { id: crit[1].id }, admin);
      expect(codes(del)).toEqual(['CONFLICT']);
      const rule = await gql(
        `mutation($v: ID!) { updatePassRule(input: { versionId: $v, rule: { aggregation: AVERAGE, totalMax: 100, threshold: 1, bonusCap: 0, grades: [{ code: "A", label: "a", min: 0 }], vetoGrade: "A", kindWeights: [{ kind: SELF, weight: 1 }], requiredKinds: [SELF], discrepancyMargin: 0.1 } }) { id } }`,
        { v: versionId },
        admin,
      );
      expect(codes(rule)).toEqual(['CONFLICT']);
      expect((await criteriaOf(server, admin, versionId)).map((c) => c.code)).toEqual(crit.map((c) => c.code));
      // a rule's lists and texts are bounded, checked before anything else
      const RULE = {
        aggregation: 'AVERAGE',
        totalMax: 100,
        threshold: 1,
        bonusCap: 0,
        vetoGrade: 'A',
        kindWeights: [{ kind: 'SELF', weight: 1 }],
        requiredKinds: ['SELF'],
        discrepancyMargin: 0.1,
      };
      for (const grades of [
        Array.from({ length: 21 }, (_, i) => ({ code: `G${i}`, label: `第${i}等`, min: 100 - i })),
        [{ code: 'A', label: '等'.repeat(41), min: 0 }],
      ]) {
        const oversized = await gql(
          `mutation($v: ID!, $r: PassRuleInput!) { updatePassRule(input: { versionId: $v, rule: $r }) { id } }`,
          { v: versionId, r: { ...RULE, grades } },
          admin,
        );
        expect(oversized.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: expect.stringContaining('grades') });
      }

      const draft = await gql(
        `mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { number status criteria { code } } }`,
        { v: versionId },
        admin,
      );
      expect(draft.data.createDraftFrom).toMatchObject({ number: 2, status: 'DRAFT' });
      expect(draft.data.createDraftFrom.criteria.map((c: { code: string }) => c.code)).toEqual(crit.map((c) => c.code));
    });

    it('exports a version and imports the document back unchanged', async () => {
      const exported = await gql(`query($v: ID!) { exportFramework(versionId: $v, format: YAML) }`, { v: versionId }, admin);
      const yamlText = exported.data.exportFramework as string;
      expect(yamlText).toMatch(/^format: party-framework\/v1/);
      expect(yamlText).toContain('党组织书记凝聚能力强');
      const imported = await gql(
        `mutation($d: String!) { importFramework(input: { document: $d }) { id number } }`,
        { d: yamlText },
        admin,
      );
      expect(imported.data.importFramework.number).toBe(3);
      const again = await gql(
        `query($v: ID!) { exportFramework(versionId: $v, format: YAML) }`,
        { v: imported.data.importFramework.id },
        admin,
      );
      expect(again.data.exportFramework).toBe(yamlText);
      const json = await gql(`query($v: ID!) { exportFramework(versionId: $v, format: JSON) }`, { v: versionId }, admin);
      expect(JSON.parse(json.data.exportFramework).criteria).toHaveLength(8);
    });

    it('refuses a bad document, naming each error with its path, and changes nothing', async () => {
      const su = await server.superuser();
      const stored = async () => [await count(su, 'framework_versions'), await count(su, 'criteria')];
      const before = await stored();
      const bad = JSON.stringify({
        format: 'party-framework/v1',
        code: 'BAD',
        name: '坏文档',
        rule: {
          aggregation: 'WEIGHTED_SUM',
          totalMax: 100,
          threshold: 120,
          bonusCap: 0,
          grades: [{ code: 'OK', label: '合格', min: 60 }],
          vetoGrade: 'OK',
          kindWeights: { SELF: 0.5, SUPERIOR: 0.6 },
        },
        criteria: [
          {
            code: 'A',
            title: '甲',
            weight: 1,
            children: [
              { code: 'A1', title: '一', weight: 1, maxScore: -5, scoringType: 'COUNT' },
              { code: 'A1', title: '二', bonus: true, maxScore: 2, scoringType: 'SCALE' },
            ],
          },
        ],
      });
      const res = await gql(`mutation($d: String!) { importFramework(input: { document: $d }) { id } }`, { d: bad }, admin);
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_DOCUMENT' });
      const paths = (res.errors![0].extensions!.problems as { path: string }[]).map((p) => p.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'rule.threshold',
          'rule.grades',
          'rule.kindWeights',
          'criteria[0].children[0].maxScore',
          'criteria[0].children[0].target',
          'criteria[0].children[1].code',
          'criteria[0].children[1].bonus',
        ]),
      );
      // figures beyond what the criteria table keeps (numeric(12, 4), weights numeric(12, 6)) are named, not overflowed or rounded
      const outOfRange = JSON.stringify({
        format: 'party-framework/v1',
        code: 'BIG',
        name: '超限文档',
        rule: {
          aggregation: 'WEIGHTED_SUM',
          totalMax: 100,
          threshold: 60,
          bonusCap: 0,
          grades: [{ code: 'OK', label: '合格', min: 0 }],
          vetoGrade: 'OK',
          kindWeights: { SELF: 0.5, SUPERIOR: 0.5 },
        },
        criteria: [
          {
            code: 'A',
            title: '甲',
            weight: 1,
            children: [
              { code: 'A1', title: '一', weight: 0.5, maxScore: 1e12, scoringType: 'SCALE' },
              { code: 'A2', title: '二', weight: 0.5, maxScore: 0.00001, scoringType: 'SCALE' },
            ],
          },
        ],
      });
      const big = await gql(`mutation($d: String!) { importFramework(input: { document: $d }) { id } }`, { d: outOfRange }, admin);
      expect(big.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_DOCUMENT' });
      expect(big.errors![0].extensions!.problems).toEqual([
        expect.objectContaining({
          path: 'criteria[0].children[0].maxScore',
          reason: 'DOC_FIGURE_RANGE',
          message: '至多为 100000，且至多 4 位小数',
        }),
        expect.objectContaining({ path: 'criteria[0].children[1].maxScore', reason: 'DOC_FIGURE_RANGE' }),
      ]);
      const notYaml = await gql(`mutation { importFramework(input: { document: "a: [unclosed" }) { id } }`, {}, admin);
      expect(notYaml.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_DOCUMENT' });
      const unknown = await gql(`mutation { importFramework(input: { template: "nope" }) { id } }`, {}, admin);
      expect(codes(unknown)).toEqual(['NOT_FOUND']);
      expect(await stored()).toEqual(before);
    });

    it('lets only a tenant admin change frameworks', async () => {
      for (const user of ['leader', 'secretary', 'supervisor']) {
        const t = await server.token('jtj', user);
        expect(codes(await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t))).toEqual(['FORBIDDEN']);
      }
      const leader = await server.token('jtj', 'leader');
      expect(
        (await gql(`query($v: ID!) { frameworkVersion(id: $v) { status } }`, { v: versionId }, leader)).data.frameworkVersion.status,
      ).toBe('PUBLISHED');
    });
  });

  describe('campaign and deadlines', () => {
    it('starts a campaign on the published version with the source’s phases, deadlines and targets', async () => {
      const res = await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id name startsOn endsOn eligibleKinds
          phases { name startsOn endsOn } deadlines { code dueOn relativeDepth } targets { dueOn ratio } currentPhase(asOf: "2013-09-01") { name } version { number } } }`,
        { input: { name: '2013年“四强四有”创建活动', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN } },
        admin,
      );
      expect(res.errors).toBeUndefined();
      const c = res.data.createCampaign;
      campaignId = c.id;
      expect(c).toMatchObject({
        startsOn: '2013-05-05',
        endsOn: '2014-12-31',
        version: { number: 1 },
        currentPhase: { name: '完善内容、巩固成果' },
      });
      expect(c.phases).toHaveLength(6);
      expect(c.deadlines.map((d: { code: string; dueOn: string }) => [d.code, d.dueOn])).toEqual([
        ['BRANCH_PLAN', '2013-05-16'],
        ['PLAN', '2013-05-16'],
        ['SELF_CHECK', '2013-12-25'],
      ]);
      expect(c.targets).toEqual([
        { dueOn: '2013-12-31', ratio: 0.8 },
        { dueOn: '2014-12-31', ratio: 0.9 },
      ]);
    });

    it('writes a campaign’s 50 deadlines in as many statements as its 5', async () => {
      const create = (name: string, n: number) =>
        gql(
          `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id deadlines { code dueOn orgKinds relativeDepth } } }`,
          {
            input: {
              name,
              versionId,
              scopeOrgId: ids['第一车队党支部'],
              ...SOURCE_CAMPAIGN,
              deadlines: Array.from({ length: n }, (_, i) => ({
                code: `D${String(i).padStart(2, '0')}`,
                name: `节点${i}`,
                dueOn: '2013-06-01',
                orgKinds: i % 2 ? ['BRANCH'] : ['BRANCH', 'GENERAL_BRANCH', 'BRANCH'],
                relativeDepth: i % 3 ? null : 1,
              })),
            },
          },
          admin,
        );
      const su = await server.superuser();
      try {
        const few = await create('批量节点五', 5);
        expect(few.errors).toBeUndefined();
        const many = await create('批量节点五十', 50);
        expect(many.errors).toBeUndefined();
        expect(many.statements).toBe(few.statements);
        expect(many.data.createCampaign.deadlines).toHaveLength(50);
        expect(many.data.createCampaign.deadlines.slice(0, 2)).toEqual([
          { code: 'D00', dueOn: '2013-06-01', orgKinds: ['BRANCH', 'GENERAL_BRANCH'], relativeDepth: 1 },
          { code: 'D01', dueOn: '2013-06-01', orgKinds: ['BRANCH'], relativeDepth: null },
        ]);
      } finally {
        // the campaigns later tests count and order stay as they were
        await su.query(`DELETE FROM campaigns WHERE name LIKE '批量节点%'`);
      }
    });

    it('refuses a campaign on a draft version or with a broken schedule, changing nothing', async () => {
      const draft = (
        await gql(`{ frameworks(first: 10) { nodes { versions { nodes { id status } } } } }`, {}, admin)
      ).data.frameworks.nodes[0].versions.nodes.find((v: { status: string }) => v.status === 'DRAFT');
      const onDraft = await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { name: 'x', versionId: draft.id, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN } },
        admin,
      );
      expect(onDraft.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VERSION_NOT_PUBLISHED' });
      const broken = await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        {
          input: {
            name: 'x',
            versionId,
            scopeOrgId: ids['中共市交通运输局党委'],
            ...SOURCE_CAMPAIGN,
            targets: [{ dueOn: '2013-12-31', ratio: 1.5 }],
            phases: [{ name: 'p', startsOn: '2012-01-01', endsOn: '2012-02-01' }],
          },
        },
        admin,
      );
      expect(broken.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SCHEDULE' });
      expect((await gql(`{ campaigns(first: 1) { totalCount pageInfo { hasNextPage } nodes { id } } }`, {}, admin)).data.campaigns).toEqual(
        {
          totalCount: 1,
          pageInfo: { hasNextPage: false },
          nodes: [{ id: campaignId }],
        },
      );
    });

    it('refuses a target ratio finer than the 4 decimals it is kept to, naming the item', async () => {
      for (const ratio of [0.00001, 0.12345]) {
        const refused = await gql(
          `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
          {
            input: {
              name: 'x',
              versionId,
              scopeOrgId: ids['中共市交通运输局党委'],
              ...SOURCE_CAMPAIGN,
              targets: [
                { dueOn: '2013-12-31', ratio: 0.8 },
                { dueOn: '2014-12-31', ratio },
              ],
            },
          },
          admin,
        );
        expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SCHEDULE' });
        expect(refused.errors![0].extensions!.problems).toEqual([
          { path: 'input.targets[1].ratio', reason: 'TARGET_RATIO_RANGE', message: '目标比例须大于 0 且不超过 1，至多 4 位小数' },
        ]);
      }
      expect((await gql(`{ campaigns(first: 5) { totalCount } }`, {}, admin)).data.campaigns.totalCount).toBe(1);
    });

    it('answers who submitted on time, late, or not at all', async () => {
      const deadlines = (await gql(`query($c: ID!) { campaign(id: $c) { deadlines { id code } } }`, { c: campaignId }, admin)).data.campaign
        .deadlines;
      const plan = deadlines.find((d: { code: string }) => d.code === 'PLAN').id;
      const branchPlan = deadlines.find((d: { code: string }) => d.code === 'BRANCH_PLAN').id;
      const submit = (input: Record<string, unknown>, token = admin) =>
        gql(
          `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { submittedAt org { name } } }`,
          { input },
          token,
        );
      // paper plans recorded by 组织科 with the date they arrived: one on time, one late
      expect(
        (await submit({ deadlineId: plan, orgId: ids['局机关党委'], text: '局机关党委创建方案', submittedAt: '2013-05-15T09:00:00+08:00' }))
          .errors,
      ).toBeUndefined();
      expect(
        (
          await submit({
            deadlineId: plan,
            orgId: ids['市公交集团党委'],
            text: '公交集团创建方案',
            attachmentRef: 'file:gj-plan.pdf',
            submittedAt: '2013-05-20T09:00:00+08:00',
          })
        ).errors,
      ).toBeUndefined();
      const secretary = await server.token('jtj', 'secretary');
      const own = await submit({ deadlineId: branchPlan, orgId: ids['第一车队党支部'], text: '第一车队支部计划' }, secretary);
      expect(own.errors).toBeUndefined();
      expect(codes(await submit({ deadlineId: branchPlan, orgId: ids['第一车队党支部'], text: 'again' }, secretary))).toEqual(['CONFLICT']);
      expect(codes(await submit({ deadlineId: branchPlan, orgId: ids['第二车队党支部'], text: 'not mine' }, secretary))).toEqual([
        'NOT_FOUND',
      ]);
      expect(
        (await submit({ deadlineId: branchPlan, orgId: ids['第一车队党支部'], text: 'x', submittedAt: '2013-05-01T00:00:00Z' }, secretary))
          .errors![0].extensions,
      ).toMatchObject({ code: 'FORBIDDEN', reason: 'SUBMITTED_AT_ADMIN_ONLY', field: 'input.submittedAt' });
      const future = await submit({ deadlineId: plan, orgId: ids['市公路管理处党委'], text: 'x', submittedAt: '2099-01-01T00:00:00Z' });
      expect(future.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SUBMITTED_AT_IN_FUTURE' });
      const notOwed = await submit({ deadlineId: plan, orgId: ids['第一车队党支部'], text: 'not owed' });
      expect(notOwed.errors![0].message).toBe('第一车队党支部不需要报送“创建工作方案报局组织科”');
      expect(notOwed.errors![0].extensions).toMatchObject({
        reason: 'NOT_OWED',
      });

      const res = await gql(
        `query($c: ID!) { campaign(id: $c) { deadlines { code summary { owed onTime late missing } late: submissions(status: LATE) { nodes { org { name } submission { attachmentRef } } } } } }`,
        { c: campaignId },
        admin,
      );
      const byCode = Object.fromEntries(res.data.campaign.deadlines.map((d: { code: string }) => [d.code, d]));
      expect(byCode.PLAN.summary).toEqual({ owed: 9, onTime: 1, late: 1, missing: 7 });
      expect(byCode.PLAN.late.nodes).toEqual([{ org: { name: '市公交集团党委' }, submission: { attachmentRef: 'file:gj-plan.pdf' } }]);
      // who owes it, a page of four at a time in tree order
      const PLAN_PAGE = `query($id: ID!, $a: String) { node(id: $id) { ... on CampaignDeadline { submissions(first: 4, after: $a) {
          totalCount pageInfo { hasNextPage endCursor } nodes { org { name } status statusLabel } } } } }`;
      const planPages = await pagesOf((a) => gql(PLAN_PAGE, { id: plan, a }, admin), 'submissions');
      expect(planPages.map((p) => [p.totalCount, p.nodes.length])).toEqual([
        [9, 4],
        [9, 4],
        [9, 1],
      ]);
      const planRows = planPages.flatMap((p) => p.nodes) as { org: { name: string }; status: string; statusLabel: string }[];
      expect(new Set(planRows.map((r) => r.org.name)).size).toBe(9);
      expect(planRows.find((r) => r.org.name === '局机关党委')).toMatchObject({ status: 'ON_TIME', statusLabel: '按时报送' });
      expect(planRows.filter((r) => r.status === 'MISSING').map((r) => r.statusLabel)).toEqual(Array(7).fill('未报送'));
      // submitted today, long after 2013-05-16
      expect(byCode.BRANCH_PLAN.summary).toMatchObject({ onTime: 0, late: 1 });
      expect(byCode.SELF_CHECK.summary).toEqual({ owed: 9, onTime: 0, late: 0, missing: 9 });
      const supervisor = await server.token('jtj', 'supervisor');
      const scoped = await gql(
        `query($c: ID!, $u: ID!) { campaign(id: $c) { deadlines { code summary(under: $u) { owed late } } } }`,
        { c: campaignId, u: ids['市公交集团党委'] },
        supervisor,
      );
      expect(scoped.data.campaign.deadlines.find((d: { code: string }) => d.code === 'BRANCH_PLAN').summary).toEqual({ owed: 5, late: 1 });
    });

    it('keeps a returned submission’s attachment reference when the resubmission leaves it out; an explicit null clears it', async () => {
      const plan = (
        await gql(`query($c: ID!) { campaign(id: $c) { deadlines { id code } } }`, { c: campaignId }, admin)
      ).data.campaign.deadlines.find((d: { code: string }) => d.code === 'PLAN').id;
      const SUBMISSION = `query($id: ID!) { node(id: $id) { ... on CampaignDeadline { submissions(status: LATE, first: 10) { nodes { org { name }
          submission { id text attachmentRef state } } } } } }`;
      const stored = async () =>
        (await gql(SUBMISSION, { id: plan }, admin)).data.node.submissions.nodes.find(
          (n: { org: { name: string } }) => n.org.name === '市公交集团党委',
        ).submission;
      const returnIt = async () =>
        expect(
          (
            await gql(
              `mutation($input: ReturnDeadlineSubmissionInput!) { returnDeadlineSubmission(input: $input) { state } }`,
              { input: { submissionId: (await stored()).id, reason: '请补充措施' } },
              admin,
            )
          ).errors,
        ).toBeUndefined();
      const resubmit = async (extra: Record<string, unknown>) => {
        const res = await gql(
          `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { text attachmentRef state } }`,
          { input: { deadlineId: plan, orgId: ids['市公交集团党委'], ...extra } },
          admin,
        );
        expect(res.errors).toBeUndefined();
        return res.data.submitForDeadline;
      };
      expect(await stored()).toMatchObject({ attachmentRef: 'file:gj-plan.pdf', state: 'SUBMITTED' });
      await returnIt();
      expect(await resubmit({ text: '公交集团创建方案（修改稿）' })).toEqual({
        text: '公交集团创建方案（修改稿）',
        attachmentRef: 'file:gj-plan.pdf',
        state: 'SUBMITTED',
      });
      await returnIt();
      expect(await resubmit({ text: '公交集团创建方案（第三稿）', attachmentRef: null })).toMatchObject({ attachmentRef: null });
      expect(await stored()).toMatchObject({ text: '公交集团创建方案（第三稿）', attachmentRef: null, state: 'SUBMITTED' });
    });
  });

  describe('evaluations', () => {
    let selfId: string;
    let superiorId: string;
    let secretary: string;
    let supervisor: string;
    let leader: string;
    beforeAll(async () => {
      secretary = await server.token('jtj', 'secretary');
      supervisor = await server.token('jtj', 'supervisor');
      leader = await server.token('jtj', 'leader');
    });
    const node = (ev: { result: { nodes: { criterion: { code: string } }[] } }, code: string) =>
      ev.result.nodes.find((n) => n.criterion.code === code);

    it('lets the secretary self-evaluate; a superior returns it with a reason; resubmitted, it is accepted', async () => {
      const crit = await criteriaOf(server, secretary, versionId);
      const first = await evaluate(
        server,
        secretary,
        { campaignId, orgId: ids['第一车队党支部'], kind: 'SELF' },
        scoresFor(crit, { 'Q1.4': 1, 'Q8.5': 80, 'Q3.B1': 1 }),
      );
      selfId = first.id;
      expect(first.state).toBe('SUBMITTED');
      const returned = await gql(
        `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "群众满意度须附测评表" }) { state returnReason version } }`,
        { id: selfId },
        supervisor,
      );
      expect(returned.data.returnEvaluation).toMatchObject({ state: 'RETURNED', returnReason: '群众满意度须附测评表' });
      const resaved = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        {
          input: {
            evaluationId: selfId,
            expectedVersion: returned.data.returnEvaluation.version,
            scores: scoresFor(crit, { 'Q8.5': 90 }).filter((s) => s.criterionId === crit.find((c) => c.code === 'Q8.5')!.id),
          },
        },
        secretary,
      );
      const resubmitted = await gql(
        `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { ${EVALUATION_FIELDS} } }`,
        { input: { evaluationId: selfId, expectedVersion: resaved.data.saveScores.version } },
        secretary,
      );
      const ev = resubmitted.data.submitEvaluation;
      // Hand-worked: Q1.4 one occurrence → 0.8, Q1 = 0.2·(1+1+1+0.8+1) = 0.96 of 12.5 = 12;
      // Q8.5 90% → Q8 = 1 − 0.2·0.1 = 0.98 of 12.5 = 12.25; six other dimensions full (75); bonus Q3.B1 3.
      expect(node(ev, 'Q1')).toMatchObject({ ratio: 0.96, points: 12, maxPoints: 12.5 });
      expect(node(ev, 'Q1.4')).toMatchObject({ ratio: 0.8, points: 2, maxPoints: 2.5, value: 1 });
      expect(node(ev, 'Q8')).toMatchObject({ points: 12.25 });
      expect(node(ev, 'Q3.B1')).toMatchObject({ points: 3, maxPoints: 3 });
      expect(ev.result).toMatchObject({
        total: 102.25,
        bonus: 3,
        grade: 'EXCELLENT',
        gradeLabel: '优秀',
        veto: false,
        attained: true,
        complete: true,
      });
      expect(ev).toMatchObject({ state: 'SUBMITTED', total: 102.25, grade: 'EXCELLENT', returnReason: null });
      expect((await accept(server, supervisor, selfId)).state).toBe('ACCEPTED');
      const result = await gql(
        `query($o: ID!, $c: ID!) { org(id: $o) { campaignResult(campaignId: $c) { total attained complete grade components { kind total weight } } } }`,
        { o: ids['第一车队党支部'], c: campaignId },
        secretary,
      );
      // SUPERIOR is required: a self-check alone does not make the org evaluated
      expect(result.data.org.campaignResult).toEqual({
        total: 102.25,
        attained: false,
        complete: false,
        grade: 'EXCELLENT',
        components: [{ kind: 'SELF', total: 102.25, weight: 1 }],
      });
    });

    it('combines an accepted superior review with the self-check by the rule’s weights', async () => {
      const crit = await criteriaOf(server, supervisor, versionId);
      const sup = await evaluate(
        server,
        supervisor,
        { campaignId, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' },
        scoresFor(crit, { 'Q1.4': 2, 'Q7.4': 0 }),
      );
      superiorId = sup.id;
      // Q1.4 two occurrences → 0.6, Q1 = 0.92 → −1; Q7.4 no pairing → 0, Q7 = 0.8 → −2.5; total 96.5
      expect(sup.result).toMatchObject({ total: 96.5, grade: 'EXCELLENT', bonus: 0 });
      expect(
        (await gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id: superiorId }, supervisor))
          .errors![0].extensions,
      ).toMatchObject({ code: 'FORBIDDEN', reason: 'REVIEWER_IS_SUBMITTER' });
      await accept(server, leader, superiorId);
      const result = await gql(
        `query($o: ID!, $c: ID!) { org(id: $o) { campaignResult(campaignId: $c) { total attained complete grade components { kind weight } }
          discrepancies(campaignId: $c) { criterion { code } selfRatio otherKind otherRatio difference } } }`,
        { o: ids['第一车队党支部'], c: campaignId },
        leader,
      );
      // (0.2·102.25 + 0.5·96.5) / 0.7 = 68.7 / 0.7 = 98.142…
      expect(result.data.org.campaignResult).toEqual({
        total: 98.14,
        attained: true,
        complete: true,
        grade: 'EXCELLENT',
        components: [
          { kind: 'SELF', weight: 0.2857 },
          { kind: 'SUPERIOR', weight: 0.7143 },
        ],
      });
      // margin 0.2: Q7.4 (1 vs 0) is reported; Q1.4 (0.8 vs 0.6) and Q7 (1 vs 0.8) sit exactly on it and are not
      expect(result.data.org.discrepancies).toEqual([
        { criterion: { code: 'Q7.4' }, selfRatio: 1, otherKind: 'SUPERIOR', otherRatio: 0, difference: 1 },
      ]);
    });

    it('fires a veto item: grade forced to 不合格 and the org does not attain', async () => {
      const crit = await criteriaOf(server, supervisor, versionId);
      const ev = await evaluate(
        server,
        supervisor,
        { campaignId, orgId: ids['党员学雷锋车队党支部'], kind: 'SUPERIOR' },
        scoresFor(crit, { 'Q7.6': 0 }),
      );
      expect(ev.result).toMatchObject({ veto: true, grade: 'FAIL', gradeLabel: '不合格', attained: false, total: 98.13 });
      expect(node(ev, 'Q7.6')).toMatchObject({ vetoFired: true });
      await accept(server, leader, ev.id);
    });

    it('reads progress against the 80% and 90% targets, by category, by child and with the lagging orgs', async () => {
      const crit = await criteriaOf(server, supervisor, versionId);
      for (const name of ['第二车队党支部', '第三车队党支部', '保修公司党支部']) {
        const ev = await evaluate(server, supervisor, { campaignId, orgId: ids[name], kind: 'SUPERIOR' }, scoresFor(crit));
        expect(ev.result.total).toBe(100);
        await accept(server, leader, ev.id);
      }
      const PROGRESS = `query($c: ID!, $u: ID, $d: Date) { campaign(id: $c) { progress(under: $u, asOf: $d) {
          scope { name } eligible evaluated attained ratio onTrack target { dueOn ratio }
          byCategory { category categoryLabel eligible attained ratio } byChild { org { name } eligible evaluated attained ratio }
          lagging(first: 5) { nodes { org { name } result { total grade veto } } } } } }`;
      const atYearEnd = await gql(PROGRESS, { c: campaignId, u: ids['市公交集团党委'], d: '2013-12-31' }, supervisor);
      expect(atYearEnd.errors).toBeUndefined();
      const p = atYearEnd.data.campaign.progress;
      expect(p).toMatchObject({
        scope: { name: '市公交集团党委' },
        eligible: 5,
        evaluated: 5,
        attained: 4,
        ratio: 0.8,
        onTrack: true,
        target: { dueOn: '2013-12-31', ratio: 0.8 },
      });
      expect(p.byCategory).toEqual([{ category: 'ENTERPRISE', categoryLabel: '企业', eligible: 5, attained: 4, ratio: 0.8 }]);
      expect(p.lagging.nodes).toEqual([{ org: { name: '党员学雷锋车队党支部' }, result: { total: 98.13, grade: 'FAIL', veto: true } }]);

      const nextYear = await gql(PROGRESS, { c: campaignId, u: ids['市公交集团党委'], d: '2014-06-30' }, supervisor);
      expect(nextYear.data.campaign.progress).toMatchObject({ ratio: 0.8, onTrack: false, target: { dueOn: '2014-12-31', ratio: 0.9 } });

      const whole = (await gql(PROGRESS, { c: campaignId, d: '2013-12-31' }, leader)).data.campaign.progress;
      expect(whole).toMatchObject({
        scope: { name: '中共市交通运输局党委' },
        eligible: 31,
        evaluated: 5,
        attained: 4,
        ratio: 0.129,
        onTrack: false,
      });
      expect(whole.byChild).toHaveLength(9);
      expect(whole.byChild.find((c: { org: { name: string } }) => c.org.name === '市公交集团党委')).toEqual({
        org: { name: '市公交集团党委' },
        eligible: 5,
        evaluated: 5,
        attained: 4,
        ratio: 0.8,
      });
      expect(whole.byChild.reduce((s: number, c: { eligible: number }) => s + c.eligible, 0)).toBe(31);
      expect(whole.byCategory.reduce((s: number, c: { eligible: number }) => s + c.eligible, 0)).toBe(31);
      expect(whole.lagging.nodes).toHaveLength(5);
      expect(whole.lagging.nodes.every((l: { result: unknown }) => l.result === null)).toBe(true);

      const ranking = await gql(
        `query($c: ID!, $u: ID!) { campaign(id: $c) { ranking(under: $u, first: 10) { nodes { rank org { name } result { total } } } } }`,
        { c: campaignId, u: ids['市公交集团党委'] },
        supervisor,
      );
      // pages of two join into the same ranking, ranks counted over the whole subtree
      const RANKING_PAGE = `query($c: ID!, $u: ID!, $a: String) { campaign(id: $c) { ranking(under: $u, first: 2, after: $a) {
          totalCount pageInfo { hasNextPage endCursor } nodes { rank org { name } result { total } } } } }`;
      const rankingPages = await pagesOf((a) => gql(RANKING_PAGE, { c: campaignId, u: ids['市公交集团党委'], a }, supervisor), 'ranking');
      expect(rankingPages.map((r) => [r.totalCount, r.nodes.length])).toEqual([
        [5, 2],
        [5, 2],
        [5, 1],
      ]);
      expect(rankingPages.flatMap((r) => r.nodes)).toEqual(ranking.data.campaign.ranking.nodes);
      const LAGGING_PAGE = `query($c: ID!, $a: String) { campaign(id: $c) { progress { lagging(first: 10, after: $a) {
          totalCount pageInfo { hasNextPage endCursor } nodes { org { name } result { total } } } } } }`;
      const laggingPages = await pagesOf((a) => gql(LAGGING_PAGE, { c: campaignId, a }, leader), 'lagging');
      const allLagging = (
        await gql(
          `query($c: ID!) { campaign(id: $c) { progress { lagging(first: 100) { nodes { org { name } result { total } } } } } }`,
          {
            c: campaignId,
          },
          leader,
        )
      ).data.campaign.progress.lagging.nodes;
      expect(laggingPages.map((l) => l.totalCount)).toEqual([27, 27, 27]);
      expect(laggingPages.flatMap((l) => l.nodes)).toEqual(allLagging);
      expect(allLagging).toHaveLength(27);
      expect(allLagging.slice(-1)).toEqual([{ org: { name: '党员学雷锋车队党支部' }, result: { total: 98.13 } }]);
      expect(ranking.data.campaign.ranking.nodes.map((r: { rank: number; result: { total: number } }) => [r.rank, r.result.total])).toEqual(
        [
          [1, 100],
          [1, 100],
          [1, 100],
          [4, 98.14],
          [5, 98.13],
        ],
      );
    });

    it('refuses a second writer holding a stale version: exactly one of two concurrent saves wins', async () => {
      const crit = await criteriaOf(server, supervisor, versionId);
      const started = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId, orgId: ids['第一分公司党支部'], kind: 'SUPERIOR' } },
        admin,
      );
      const { id, version } = started.data.startEvaluation;
      const save = (value: number) =>
        gql(
          `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
          {
            input: {
              evaluationId: id,
              expectedVersion: version,
              scores: [{ criterionId: crit.find((c) => c.code === 'Q1.1')!.id, value }],
            },
          },
          admin,
        );
      const results = await Promise.all([save(7), save(9)]);
      expect(results.filter((r) => r.data?.saveScores.version === version + 1)).toHaveLength(1);
      const loser = results.find((r) => r.errors)!;
      expect(loser.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'VERSION_MISMATCH', currentVersion: version + 1 });
    });

    it('validates each score against its criterion and changes nothing on a bad one', async () => {
      const crit = await criteriaOf(server, secretary, versionId);
      const ev = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId, orgId: ids['第二分公司党支部'], kind: 'SUPERIOR' } },
        admin,
      );
      const { id, version } = ev.data.startEvaluation;
      const by = (code: string) => crit.find((c) => c.code === code)!.id;
      const res = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        {
          input: {
            evaluationId: id,
            expectedVersion: version,
            scores: [
              { criterionId: by('Q1.1'), value: 9 },
              { criterionId: by('Q1.2'), value: 11 },
              { criterionId: by('Q2.2'), value: 0.5 },
              { criterionId: by('Q1'), value: 1 },
            ],
          },
        },
        admin,
      );
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SCORE', field: 'input.scores[1].value' });
      expect((res.errors![0].extensions!.problems as { path: string }[]).map((p) => p.path)).toEqual([
        'input.scores[1].value',
        'input.scores[2].value',
        'input.scores[3].criterionId',
      ]);
      const after = await gql(`query($id: ID!) { evaluation(id: $id) { version result { nodes { scored } } } }`, { id }, admin);
      expect(after.data.evaluation.version).toBe(version);
      expect(after.data.evaluation.result.nodes.some((n: { scored: boolean }) => n.scored)).toBe(false);
      // scores are kept to 4 decimals: a finer one would be stored (and scored) as another value
      const scale = crit.find((c) => c.isLeaf && !c.isBonus && c.scoringType === 'SCALE')!;
      const percent = crit.find((c) => c.isLeaf && !c.isBonus && c.scoringType === 'PERCENT')!;
      const fine = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        {
          input: {
            evaluationId: id,
            expectedVersion: version,
            scores: [
              { criterionId: scale.id, value: scale.maxScore! - 0.00001 },
              { criterionId: percent.id, value: 0.00001 },
            ],
          },
        },
        admin,
      );
      expect(fine.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SCORE', field: 'input.scores[0].value' });
      expect(fine.errors![0].extensions!.problems).toEqual([
        expect.objectContaining({
          path: 'input.scores[0].value',
          reason: 'SCORE_TOO_PRECISE',
          message: `${scale.code} 的分值至多保留 4 位小数`,
        }),
        expect.objectContaining({ path: 'input.scores[1].value', reason: 'SCORE_TOO_PRECISE' }),
      ]);
      expect((await gql(`query($id: ID!) { evaluation(id: $id) { version } }`, { id }, admin)).data.evaluation.version).toBe(version);
      const incomplete = await gql(
        `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { state } }`,
        { input: { evaluationId: id, expectedVersion: version } },
        admin,
      );
      expect(incomplete.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INCOMPLETE' });
    });

    it('keeps evaluation work inside each role’s scope', async () => {
      const secretary2 = await server.token('jtj', 'secretary2');
      const member = await server.token('jtj', 'member');
      const read = (t: string) => gql(`query($id: ID!) { evaluation(id: $id) { state } }`, { id: selfId }, t);
      expect(codes(await read(secretary2))).toEqual(['NOT_FOUND']);
      expect((await read(member)).data.evaluation.state).toBe('ACCEPTED');
      const start = (t: string, org: string, kind: string) =>
        gql(
          `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id } }`,
          { input: { campaignId, orgId: ids[org], kind } },
          t,
        );
      expect(codes(await start(secretary2, '第一车队党支部', 'SELF'))).toEqual(['NOT_FOUND']);
      expect(codes(await start(secretary, '第一车队党支部', 'SUPERIOR'))).toEqual(['FORBIDDEN']);
      expect(codes(await start(member, '第一车队党支部', 'SELF'))).toEqual(['FORBIDDEN']);
      expect(codes(await start(supervisor, '养护科党支部', 'SUPERIOR'))).toEqual(['NOT_FOUND']);
      expect(codes(await start(admin, '市公交集团党委', 'SUPERIOR'))).toEqual(['BAD_USER_INPUT']); // a committee is not grassroots here
      const review = await gql(
        `mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`,
        { id: selfId },
        secretary,
      );
      expect(codes(review)).toEqual(['FORBIDDEN']);
      // the secretary sees its own org's standing (its scope is the default), not the rollups above it
      expect(
        (await gql(`query($c: ID!) { campaign(id: $c) { progress { scope { name } eligible } } }`, { c: campaignId }, secretary)).data
          .campaign.progress,
      ).toEqual({ scope: { name: '第一车队党支部' }, eligible: 1 });
      // and the lagging list of that default scope holds only its own org, never the campaign's whole list
      const own = (
        await gql(
          `query($c: ID!) { campaign(id: $c) { progress { eligible attained lagging(first: 10) { totalCount nodes { org { name } } } } } }`,
          { c: campaignId },
          secretary,
        )
      ).data.campaign.progress;
      expect(own.lagging.totalCount).toBe(own.eligible - own.attained);
      expect(own.lagging.nodes).toEqual(own.attained ? [] : [{ org: { name: '第一车队党支部' } }]);
      expect(
        codes(
          await gql(
            `query($c: ID!, $u: ID!) { campaign(id: $c) { progress(under: $u) { eligible } } }`,
            { c: campaignId, u: ids['市公交集团党委'] },
            secretary,
          ),
        ),
      ).toEqual(['NOT_FOUND']);
      const parent = await gql(
        `query($o: ID!, $c: ID!) { org(id: $o) { name campaignResult(campaignId: $c) { total } evaluations(campaignId: $c) { nodes { id } } } }`,
        { o: ids['市公交集团党委'], c: campaignId },
        secretary,
      );
      expect(parent.data.org).toEqual({ name: '市公交集团党委', campaignResult: null, evaluations: { nodes: [] } });
    });

    it('keeps every part of it from another tenant, even its admin', async () => {
      const foreign = await server.token('szjg', 'admin');
      expect(codes(await gql(`query($id: ID!) { evaluation(id: $id) { state } }`, { id: selfId }, foreign))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(`query($id: ID!) { campaign(id: $id) { name } }`, { id: campaignId }, foreign))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(`query($id: ID!) { frameworkVersion(id: $id) { status } }`, { id: versionId }, foreign))).toEqual([
        'NOT_FOUND',
      ]);
      expect(
        (await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [selfId, campaignId, versionId, superiorId] }, foreign)).data
          .nodes,
      ).toEqual([null, null, null, null]);
      expect((await gql(`{ campaigns { nodes { id } } frameworks { nodes { id } } }`, {}, foreign)).data).toEqual({
        campaigns: { nodes: [] },
        frameworks: { nodes: [] },
      });
      const crit = await criteriaOf(server, admin, versionId);
      const write = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        { input: { evaluationId: superiorId, expectedVersion: 1, scores: [{ criterionId: crit[1].id, value: 1 }] } },
        foreign,
      );
      expect(codes(write)).toEqual(['NOT_FOUND']);
      expect(
        codes(
          await gql(
            `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "x" }) { state } }`,
            { id: superiorId },
            foreign,
          ),
        ),
      ).toEqual(['NOT_FOUND']);
      expect(codes(await gql(`mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id } }`, { v: versionId }, foreign))).toEqual(
        ['NOT_FOUND'],
      );
    });

    it('reads a page of orgs with their results in one statement, answering each viewer as the field alone does', async () => {
      // a campaign over one subtree: the admin of a sibling subtree may not see it at all
      const busCampaign = await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { name: '公交集团专项创建活动', versionId, scopeOrgId: ids['市公交集团党委'], ...SOURCE_CAMPAIGN } },
        admin,
      );
      expect(busCampaign.errors).toBeUndefined();
      const viewers: Record<string, string> = {
        admin,
        secretary: await server.token('jtj', 'secretary'),
        busAdmin: await subtreeAdmin('page-bus-admin', ids['市公交集团党委']),
        organAdmin: await subtreeAdmin('page-organ-admin', ids['局机关党委']),
        foreign: await server.token('szjg', 'admin'),
      };
      const FIELDS = 'total grade attained';
      const joined = (c: string, u: string | null, token: string) =>
        gql(
          `query($c: ID!, $u: ID) { orgs(under: $u, first: 50) { nodes { id name a: campaignResult(campaignId: $c) { ${FIELDS} } } } }`,
          { c, u },
          token,
        );
      // a second campaignResult with another argument: neither is read with the page, each by its own statement
      const alone = (c: string, u: string | null, token: string) =>
        gql(
          `query($c: ID!, $x: ID!, $u: ID) { orgs(under: $u, first: 50) { nodes { id name a: campaignResult(campaignId: $c) { ${FIELDS} } z: campaignResult(campaignId: $x) { total } } } }`,
          { c, u, x: unknownId('Campaign') },
          token,
        );
      const errorsOfA = (body: { errors?: { path?: (string | number)[]; extensions?: { code?: string } }[] }) =>
        (body.errors ?? []).filter((e) => e.path?.[3] !== 'z').map((e) => [e.extensions?.code, (e.path ?? []).join('.')]);
      const seen: Record<string, { results: number; nulls: number; refused: number }> = {};
      const cases: { key: string; c: string; u: string | null; token: string }[] = [];
      const answered: Record<string, Awaited<ReturnType<typeof joined>>> = {};
      for (const [who, token] of Object.entries(viewers)) {
        for (const c of [campaignId, busCampaign.data.createCampaign.id]) {
          // the scoped viewer who gives no `under` first, then under the root
          for (const u of [null, ids['中共市交通运输局党委']]) {
            const [j, a] = [await joined(c, u, token), await alone(c, u, token)];
            cases.push({ key: `${who} ${c} ${u}`, c, u, token });
            answered[`${who} ${c} ${u}`] = j;
            expect(j.data?.orgs?.nodes ?? null).toEqual(a.data?.orgs?.nodes?.map(({ z: _z, ...n }: { z: unknown }) => n) ?? null);
            expect(errorsOfA(j)).toEqual(errorsOfA(a));
            const tally = (seen[who] ??= { results: 0, nulls: 0, refused: 0 });
            for (const n of j.data?.orgs?.nodes ?? []) tally[n.a ? 'results' : 'nulls']++;
            tally.refused += errorsOfA(j).length;
          }
        }
      }
      // each path taken: results, a breadcrumb's or an unevaluated org's null, a campaign the viewer may not see
      // (a refused result is null too: `nulls` counts those as well)
      expect(seen.admin.results).toBeGreaterThan(0);
      expect(seen.secretary.results).toBeGreaterThan(0);
      expect(seen.secretary.nulls).toBeGreaterThan(0);
      expect(seen.organAdmin.refused).toBeGreaterThan(0); // the bus campaign's scope org is not theirs to see
      expect(seen.foreign.results).toBe(0); // its own orgs: every result refused
      expect(seen.foreign.refused).toBeGreaterThan(0);
      const foreignPage = await joined(campaignId, null, viewers.foreign);
      expect(new Set(codes(foreignPage))).toEqual(new Set(['NOT_FOUND']));
      // the same pages, 50 at once across the viewers and campaigns: each answered as it was alone
      const together = await Promise.all(
        Array.from({ length: 50 }, (_, i) => cases[i % cases.length]).map(async (k) => ({ k, body: await joined(k.c, k.u, k.token) })),
      );
      for (const { k, body } of together) {
        expect({ key: k.key, nodes: body.data?.orgs?.nodes ?? null, errors: errorsOfA(body) }).toEqual({
          key: k.key,
          nodes: answered[k.key].data?.orgs?.nodes ?? null,
          errors: errorsOfA(answered[k.key]),
        });
      }
    });

    it('refuses a crafted campaign id on a page of orgs node by node, as the field alone does, for the least privileged', async () => {
      const orgId = (uuid: string) => Buffer.from(`Org:${uuid}`, 'utf8').toString('base64url');
      const crafted = [
        'x'.repeat(100_000), // oversized
        '%%%not-base64%%%',
        Buffer.from('Campaign:constructor', 'utf8').toString('base64url'),
        Buffer.from('Campaign:__proto__', 'utf8').toString('base64url'),
        orgId(ids['中共市交通运输局党委']), // an id of another type
      ];
      const page = (c: string, token: string, twice: boolean) =>
        gql(
          `query($c: ID!) { orgs(first: 20) { nodes { id a: campaignResult(campaignId: $c) { total } ${twice ? 'z: campaignResult(campaignId: $c) { total }' : ''} } } }`,
          { c },
          token,
        );
      const shape = (body: {
        data?: { orgs?: { nodes: { id: string; a: unknown }[] } };
        errors?: { extensions?: { code?: string }; path?: unknown[] }[];
      }) => ({
        nodes: body.data?.orgs?.nodes.map((n) => [n.id, n.a]) ?? null,
        codes: [...new Set((body.errors ?? []).filter((e) => e.path?.[3] !== 'z').map((e) => e.extensions?.code))].sort(),
      });
      for (const token of [await server.token('jtj', 'member'), await subtreeAdmin('page-crafted-admin', ids['市公交集团党委'])]) {
        // 50 at once, in pairs: each crafted id joined with the page, and the same page with the field read alone beside it (z)
        const bodies = await Promise.all(
          Array.from({ length: 50 }, (_, i) => page(crafted[Math.floor(i / 2) % crafted.length], token, i % 2 === 1)),
        );
        for (let i = 0; i < bodies.length; i += 2) {
          const [joined, alone] = [shape(bodies[i]), shape(bodies[i + 1])];
          expect(joined.codes).not.toContain('INTERNAL_SERVER_ERROR');
          expect(joined.codes).toEqual(['NOT_FOUND']); // an id that names no campaign the viewer sees, as any unknown id
          // the page itself is answered: every node, each without a result
          expect(joined.nodes?.length).toBeGreaterThan(0);
          for (const [, a] of joined.nodes ?? []) expect(a).toBeNull();
          expect(joined).toEqual(alone);
        }
      }
    });

    it('answers a scored evaluation’s tree from the process’s store only while nothing changed it', async () => {
      const deputy = await server.token('jtj', 'deputy');
      const crit = await criteriaOf(server, leader, versionId);
      const q85 = crit.find((c) => c.code === 'Q8.5')!;
      const ev = await evaluate(
        server,
        admin,
        { campaignId, orgId: ids['党员爱心车队党支部'], kind: 'SUPERIOR' },
        scoresFor(crit, { 'Q8.5': 80 }),
      );
      const READ = `query($id: ID!) { evaluation(id: $id) { state version total result { total grade nodes { criterion { code } value points } } } }`;
      const read = async (token = deputy) => {
        const body = await gql(READ, { id: ev.id }, token);
        return { statements: Number(body.statements), body, evaluation: body.data?.evaluation };
      };
      const q85Of = (e: { result: { nodes: { criterion: { code: string }; value: number }[] } }) =>
        e.result.nodes.find((n) => n.criterion.code === 'Q8.5')!.value;
      // submitted (past its draft): the first two reads score it (the store keeps a tree from its second
      // read on), the third is answered from the store with fewer statements
      const first = await read();
      const kept = await read();
      const second = await read();
      expect(kept.statements).toBe(first.statements);
      expect(second.evaluation).toEqual(first.evaluation);
      expect(kept.evaluation).toEqual(first.evaluation);
      expect(first.evaluation).toMatchObject({ state: 'SUBMITTED', total: ev.total, result: { total: ev.total } });
      expect(q85Of(first.evaluation)).toBe(80);
      expect(second.statements).toBeLessThan(first.statements);
      // the store answers nobody the evaluation itself refuses
      expect(codes((await read(await server.token('jtj', 'secretary2'))).body)).toEqual(['NOT_FOUND']);
      expect(codes((await read(await server.token('szjg', 'admin'))).body)).toEqual(['NOT_FOUND']);
      // returned: a new version, read afresh
      const returned = await gql(
        `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "满意度测评表缺页" }) { version } }`,
        { id: ev.id },
        deputy,
      );
      const afterReturn = await read();
      expect(afterReturn.evaluation).toMatchObject({ state: 'RETURNED', version: returned.data.returnEvaluation.version, total: ev.total });
      // a refused save (stale version) changes nothing, and what it read is not kept
      const save = (expectedVersion: number, value: number) =>
        gql(
          `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
          { input: { evaluationId: ev.id, expectedVersion, scores: [{ criterionId: q85.id, value, evidence: '台帐-Q8.5' }] } },
          admin,
        );
      expect(codes(await save(returned.data.returnEvaluation.version - 1, 95))).toEqual(['CONFLICT']);
      expect(q85Of((await read()).evaluation)).toBe(80);
      // a save: the next read shows the new value and total, never the kept tree of the version before
      const saved = await save(returned.data.returnEvaluation.version, 90);
      const afterSave = await read();
      expect(afterSave.evaluation.version).toBe(saved.data.saveScores.version);
      expect(q85Of(afterSave.evaluation)).toBe(90);
      expect(afterSave.evaluation.result.total).toBeGreaterThan(ev.total);
      // resubmitted and accepted: read twice, the same tree as the save's
      const resubmitted = await gql(
        `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { total } }`,
        { input: { evaluationId: ev.id, expectedVersion: saved.data.saveScores.version } },
        admin,
      );
      expect(resubmitted.data.submitEvaluation.total).toBe(afterSave.evaluation.result.total);
      await accept(server, deputy, ev.id);
      const accepted = await read();
      await read();
      const again = await read();
      expect(accepted.evaluation).toMatchObject({ state: 'ACCEPTED', total: afterSave.evaluation.result.total });
      expect(again.evaluation).toEqual(accepted.evaluation);
      expect(again.evaluation.result).toEqual(afterSave.evaluation.result);
      expect(again.statements).toBeLessThan(accepted.statements);
    });

    it('reads evaluation(id) ahead, with the request’s opening round trip, and answers only who may read it', async () => {
      const deputy = await server.token('jtj', 'deputy');
      const crit = await criteriaOf(server, leader, versionId);
      const ev = await evaluate(server, admin, { campaignId, orgId: ids['第二车队党支部'], kind: 'PUBLIC' }, scoresFor(crit, {}));
      const READ = `query($id: ID!) { evaluation(id: $id) { id state version org { name } } }`;
      // the same read with a directive at its root: not planned, so it reads after opening
      const UNPLANNED = `query($id: ID!, $yes: Boolean!) { evaluation(id: $id) @include(if: $yes) { id state version org { name } } }`;
      const planned = await gql(READ, { id: ev.id }, deputy);
      const unplanned = await gql(UNPLANNED, { id: ev.id, yes: true }, deputy);
      expect(planned.data.evaluation).toEqual({
        id: ev.id,
        state: 'SUBMITTED',
        version: expect.any(Number),
        org: { name: '第二车队党支部' },
      });
      expect(unplanned.data.evaluation).toEqual(planned.data.evaluation);
      // opening (BEGIN, tenant, viewer, the evaluation) and COMMIT; without the plan one more
      expect(planned.roundTrips).toBe(2);
      expect(unplanned.roundTrips).toBe(3);
      expect(planned.statements).toBe(unplanned.statements);
      // read ahead for anyone with a token, answered only to who may read it
      const refusedBy = async (token: string | undefined, id = ev.id) => codes(await server.gql(READ, { id }, token));
      expect(await refusedBy(await server.token('jtj', 'secretary2'))).toEqual(['NOT_FOUND']);
      expect(await refusedBy(await server.token('szjg', 'admin'))).toEqual(['NOT_FOUND']);
      expect(await refusedBy(undefined)).toEqual(['UNAUTHENTICATED']);
      // ids that plan nothing: another type's id, a malformed one, a variable of the wrong shape
      expect(await refusedBy(deputy, Buffer.from(`Org:${ids['第二车队党支部']}`).toString('base64url'))).toEqual(['NOT_FOUND']);
      expect(await refusedBy(deputy, 'not-an-id')).toEqual(['NOT_FOUND']);
      expect(codes(await gql(READ, { id: { not: 'a string' } }, deputy))).toEqual(['BAD_USER_INPUT']);
      // a subtree admin reads it; disabled, its still-valid token reads nothing, read ahead or not
      const created = await gql(
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        { input: { username: 'ahead-admin', displayName: 'ahead-admin', password: 'Init#Pass-2013-ahead', orgId: ids['市公交集团党委'] } },
        admin,
      );
      const userId = created.data.createUser.id;
      await gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId, role: 'TENANT_ADMIN', orgId: ids['市公交集团党委'] } },
        admin,
      );
      const subtreeAdmin = (await firstSignIn(server.url, 'jtj', 'ahead-admin', 'Init#Pass-2013-ahead')).accessToken;
      expect((await gql(READ, { id: ev.id }, subtreeAdmin)).data.evaluation).toEqual(planned.data.evaluation);
      const disabled = await gql(
        `mutation($id: ID!) { setUserDisabled(input: { userId: $id, disabled: true }) { disabled } }`,
        { id: userId },
        admin,
      );
      expect(disabled.data.setUserDisabled.disabled).toBe(true);
      const refused = await gql(READ, { id: ev.id }, subtreeAdmin);
      expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
      expect(refused.data?.evaluation ?? null).toBeNull();
      // 50 concurrent readers, in and out of scope, each get their own answer
      const secretary2 = await server.token('jtj', 'secretary2');
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => gql(READ, { id: ev.id }, i % 3 ? deputy : secretary2)));
      answers.forEach((a, i) => {
        if (i % 3) expect(a.data.evaluation).toEqual(planned.data.evaluation);
        else expect(codes(a)).toEqual(['NOT_FOUND']);
      });
      // crafted documents past the planner's bounds are not read ahead, and answer as before: over 4,000
      // characters (over HTTP), over 1,000 tokens (the planner itself; the server's validation refuses
      // such a document before it runs)
      const long = `query($id: ID!) { evaluation(id: $id) { id state version org { name } } } # ${'x'.repeat(4000)}`;
      const res = await gql(long, { id: ev.id }, deputy);
      expect(res.data.evaluation).toEqual(planned.data.evaluation);
      expect(res.roundTrips).toBe(unplanned.roundTrips);
      const tx = new RequestTransaction(server.database.dataSource);
      const jtj = await tenantId(await server.superuser(), 'jtj');
      const plan = (query: string) => readAheadOf({ query, variables: { id: ev.id } })?.(tx, jtj, randomUUID())?.statements;
      expect(plan(READ)).toEqual([expect.objectContaining({ params: [jtj, rawId(ev.id)] })]);
      expect(plan(`query($id: ID!) { evaluation(id: $id) { id ${'id '.repeat(1000)}} }`)).toEqual([]);
      expect(plan(long)).toBeUndefined();
      // campaign(id:) reads its campaign ahead the same way
      const CAMPAIGN = `query($id: ID!) { campaign(id: $id) { id name scopeOrg { name } } }`;
      const campaignPlanned = await gql(CAMPAIGN, { id: campaignId }, deputy);
      const campaignUnplanned = await gql(
        `query($id: ID!, $yes: Boolean!) { campaign(id: $id) @include(if: $yes) { id name scopeOrg { name } } }`,
        { id: campaignId, yes: true },
        deputy,
      );
      expect(campaignPlanned.data.campaign).toEqual(campaignUnplanned.data.campaign);
      expect(campaignPlanned.roundTrips).toBe(campaignUnplanned.roundTrips! - 1);
      expect(codes(await gql(CAMPAIGN, { id: campaignId }, await server.token('szjg', 'admin')))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(CAMPAIGN, { id: ev.id }, deputy))).toEqual(['NOT_FOUND']);
      // the mutations that change an evaluation read it ahead too, and refuse as before
      const ACCEPT = `mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state version } }`;
      expect(codes(await gql(ACCEPT, { id: ev.id }, secretary2))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(ACCEPT, { id: ev.id }, await server.token('szjg', 'admin')))).toEqual(['NOT_FOUND']);
      expect((await gql(READ, { id: ev.id }, deputy)).data.evaluation.state).toBe('SUBMITTED');
      const accepted = await gql(ACCEPT, { id: ev.id }, deputy);
      expect(accepted.data.acceptEvaluation.state).toBe('ACCEPTED');
      expect(accepted.roundTrips).toBeLessThan(accepted.statements!);
      // accepted: a save read ahead sees the state it has now, and changes nothing
      const crit2 = crit.filter((c) => c.isLeaf && !c.isBonus).slice(0, 1);
      const lateSave = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        { input: { evaluationId: ev.id, expectedVersion: accepted.data.acceptEvaluation.version, scores: scoresFor(crit2, {}) } },
        admin,
      );
      expect(lateSave.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'NOT_EDITABLE' });
      expect((await gql(READ, { id: ev.id }, deputy)).data.evaluation).toMatchObject({
        state: 'ACCEPTED',
        version: accepted.data.acceptEvaluation.version,
      });
    });

    it('reads campaign(id) { progress } ahead (counts, first lagging page) and answers each viewer its own scope', async () => {
      const deputy = await server.token('jtj', 'deputy');
      const body = `progress { eligible evaluated attained byChild { org { name } eligible attained }
                      lagging(first: $first) { nodes { org { name } result { total } } pageInfo { hasNextPage } } }`;
      const PROGRESS = `query($id: ID!, $first: Int) { campaign(id: $id) { id ${body} } }`;
      const UNPLANNED = `query($id: ID!, $first: Int, $yes: Boolean!) { campaign(id: $id) @include(if: $yes) { id ${body} } }`;
      const both = async (token: string, first: unknown = 3) => ({
        planned: await gql(PROGRESS, { id: campaignId, first }, token),
        unplanned: await gql(UNPLANNED, { id: campaignId, first, yes: true }, token),
      });
      // the whole scope: the campaign, its counts and the lagging page all come with the opening round trip
      const whole = await both(deputy);
      expect(whole.planned.errors).toBeUndefined();
      expect(whole.planned.data.campaign.progress.byChild.length).toBeGreaterThan(0);
      expect(whole.planned.data.campaign.progress.lagging.nodes.length).toBeGreaterThan(0);
      expect(whole.planned.data).toEqual(whole.unplanned.data);
      expect(whole.planned.roundTrips).toBe(whole.unplanned.roundTrips! - 3);
      expect(whole.planned.statements).toBe(whole.unplanned.statements);
      // the default page size, and page sizes the field refuses: answered as without the plan (nothing read ahead fails)
      const byDefault = await both(deputy, null);
      expect(byDefault.planned.data).toEqual(byDefault.unplanned.data);
      expect(byDefault.planned.roundTrips).toBe(byDefault.unplanned.roundTrips! - 3);
      for (const first of [0, -1, 101, 2.5, 'x']) {
        const refused = await both(deputy, first);
        expect(refused.planned.errors?.map((e: { message: string }) => e.message)).toEqual(
          refused.unplanned.errors?.map((e: { message: string }) => e.message),
        );
        expect(codes(refused.planned)).toEqual(['BAD_USER_INPUT']);
      }
      // a subtree admin: its own scope's figures (what was read ahead for the campaign's whole scope goes unused)
      const busAdmin = await subtreeAdmin('progress-ahead', ids['市公交集团党委']);
      const bus = await both(busAdmin);
      expect(bus.planned.errors).toBeUndefined();
      expect(bus.planned.data).toEqual(bus.unplanned.data);
      expect(bus.planned.data.campaign.progress.eligible).toBeLessThan(whole.planned.data.campaign.progress.eligible);
      const underBus = await gql(
        `query($id: ID!, $under: ID!) { campaign(id: $id) { id progress(under: $under) { eligible evaluated attained } } }`,
        { id: campaignId, under: ids['市公交集团党委'] },
        deputy,
      );
      expect(bus.planned.data.campaign.progress).toMatchObject(underBus.data.campaign.progress);
      // another tenant's admin: nothing, read ahead or not
      const foreign = await both(await server.token('szjg', 'admin'));
      expect(codes(foreign.planned)).toEqual(['NOT_FOUND']);
      expect(foreign.planned.data?.campaign ?? null).toBeNull();
      // 50 concurrent readers of both scopes each get their own answer
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => gql(PROGRESS, { id: campaignId, first: 3 }, i % 2 ? deputy : busAdmin)),
      );
      answers.forEach((a, i) => expect(a.data).toEqual(i % 2 ? whole.planned.data : bus.planned.data));
    });

    it('ends a read’s opening with it once the same document was answered by its opening twice, and goes on when not', async () => {
      const deputy = await server.token('jtj', 'deputy');
      const busAdmin = await subtreeAdmin('opening-ends', ids['市公交集团党委']);
      const PROGRESS = `query($id: ID!) { campaign(id: $id) { id progress { eligible attained lagging(first: 2) { nodes { org { name } } } } } }`;
      const read = (token: string) => gql(PROGRESS, { id: campaignId }, token);
      const [first, second, third] = [await read(deputy), await read(deputy), await read(deputy)];
      expect(first.errors).toBeUndefined();
      expect(first.data.campaign.progress.lagging.nodes.length).toBeGreaterThan(0);
      // BEGIN, the opening (identity and viewer), the campaign, its counts, the lagging page, COMMIT: two round trips
      expect([first.roundTrips, first.statements, second.roundTrips]).toEqual([2, 6, 2]);
      // answered by the opening twice: now one round trip, with no BEGIN and no COMMIT, the same answer
      expect([third.roundTrips, third.statements]).toEqual([1, 4]);
      expect([second.data, third.data]).toEqual([first.data, first.data]);
      // a subtree admin's request with the same document needs more after its opening: it opens again and answers
      // its own scope; the document's next requests go back to BEGIN … COMMIT until answered twice again
      const busUnplanned = await gql(
        `query($id: ID!, $yes: Boolean!) { campaign(id: $id) @include(if: $yes) { id progress { eligible attained lagging(first: 2) { nodes { org { name } } } } } }`,
        { id: campaignId, yes: true },
        busAdmin,
      );
      const bus = await read(busAdmin);
      expect(bus.errors).toBeUndefined();
      expect(bus.data).toEqual(busUnplanned.data);
      expect(bus.data.campaign.progress.eligible).toBeLessThan(first.data.campaign.progress.eligible);
      const after = [await read(deputy), await read(deputy), await read(deputy)];
      expect(after.map((a) => a.roundTrips)).toEqual([2, 2, 1]);
      after.forEach((a) => expect(a.data).toEqual(first.data));
      // a token refused after the opening ended: nothing answered, whatever was read ahead
      expect(codes(await read(await server.token('szjg', 'admin')))).toEqual(['NOT_FOUND']);
      // 50 concurrent readers of both scopes, whichever way each opening ends: each its own answer
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => read(i % 2 ? deputy : busAdmin)));
      answers.forEach((a, i) => expect(a.data).toEqual(i % 2 ? first.data : bus.data));
    });

    it('answers a kept tree only to who may read it now: subtree admins, after a move, an archive, and under concurrent readers', async () => {
      const deputy = await server.token('jtj', 'deputy');
      const crit = await criteriaOf(server, leader, versionId);
      const branch = ids['第三车队党支部']; // its SUPERIOR evaluation is accepted above; this one is the public's
      const ev = await evaluate(server, admin, { campaignId, orgId: branch, kind: 'PUBLIC' }, scoresFor(crit, { 'Q8.5': 70 }));
      await accept(server, deputy, ev.id);
      const busAdmin = await subtreeAdmin('bus-admin', ids['市公交集团党委']);
      const organAdmin = await subtreeAdmin('organ-admin', ids['局机关党委']);
      const READ = `query($id: ID!) { evaluation(id: $id) { state version total org { id } result { total grade nodes { criterion { code } value } } } }`;
      const read = async (token: string) => {
        const body = await gql(READ, { id: ev.id }, token);
        return { statements: Number(body.statements), body, evaluation: body.data?.evaluation };
      };
      // 30 readers at once, before anything is kept: one tree, no error, whoever filled the store
      const concurrent = await Promise.all(Array.from({ length: 30 }, (_, i) => read(i % 2 ? busAdmin : deputy)));
      expect(concurrent.flatMap((r) => r.body.errors ?? [])).toEqual([]);
      expect(new Set(concurrent.map((r) => JSON.stringify(r.evaluation))).size).toBe(1);
      const tree = concurrent[0].evaluation;
      expect(tree).toMatchObject({ state: 'ACCEPTED', total: ev.total, org: { id: branch } });
      // kept now: the subtree admin over the org reads it in fewer statements; the admin of a sibling subtree is refused
      const warm = await read(busAdmin);
      expect(warm.evaluation).toEqual(tree);
      expect(warm.statements).toBeLessThan(5);
      expect(codes((await read(organAdmin)).body)).toEqual(['NOT_FOUND']);
      // the org moves to the sibling subtree: who may read it follows the org, the tree stays the same
      const moved = await gql(
        `mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`,
        { input: { id: branch, newParentId: ids['局机关党委'] } },
        admin,
      );
      expect(moved.errors).toBeUndefined();
      expect(codes((await read(busAdmin)).body)).toEqual(['NOT_FOUND']);
      expect((await read(organAdmin)).evaluation).toEqual(tree);
      // archived: its record stays readable where it now stands, and nowhere else
      const archived = await gql(
        `mutation($input: ArchiveOrgInput!) { archiveOrg(input: $input) { id } }`,
        { input: { id: branch } },
        admin,
      );
      expect(archived.errors).toBeUndefined();
      expect((await read(organAdmin)).evaluation).toEqual(tree);
      expect(codes((await read(busAdmin)).body)).toEqual(['NOT_FOUND']);
      expect(codes((await read(await server.token('szjg', 'admin'))).body)).toEqual(['NOT_FOUND']);
    });
  });
});

/** 市直机关工委 runs its own variant (五强五化, star ratings, the public weighted higher). */
describe('五强五化 at 市直机关工委', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('scores with its own rule: star grades and its own kind weights', async () => {
    const admin = await server.token('szjg', 'admin');
    const ids = await orgIds(server, 'szjg');
    const imported = await server.gql(`mutation { importFramework(input: { template: "wqwh" }) { id } }`, {}, admin);
    const versionId = imported.data.importFramework.id;
    const published = await server.gql(
      `mutation($v: ID!) { publishVersion(input: { versionId: $v }) { status rule { threshold grades { label } } } }`,
      { v: versionId },
      admin,
    );
    expect(published.data.publishVersion).toEqual({
      status: 'PUBLISHED',
      rule: { threshold: 70, grades: [{ label: '五星' }, { label: '四星' }, { label: '三星' }, { label: '二星' }, { label: '一星' }] },
    });
    const campaign = await server.gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { input: { name: '“五强五化”创建活动', versionId, scopeOrgId: ids['中共市直机关工委'], ...SOURCE_CAMPAIGN } },
      admin,
    );
    const campaignId = campaign.data.createCampaign.id;

    const secretary = await server.token('szjg', 'secretary');
    const supervisor = await server.token('szjg', 'supervisor');
    const leader = await server.token('szjg', 'leader');
    const crit = await criteriaOf(server, secretary, versionId);
    // W3.2 one irregularity → 0.8, W3 = 1 − 0.25·0.2 = 0.95 of 20 → −1; bonus W4.B1 3 → 102
    const self = await evaluate(
      server,
      secretary,
      { campaignId, orgId: ids['内科党支部'], kind: 'SELF' },
      scoresFor(crit, { 'W3.2': 1, 'W4.B1': 1 }),
    );
    expect(self.result).toMatchObject({ total: 102, grade: 'FIVE_STAR', gradeLabel: '五星' });
    // W5.3 satisfaction 50% → W5 = 1 − 0.3·0.5 = 0.85 of 20 → −3 → 97
    const sup = await evaluate(
      server,
      supervisor,
      { campaignId, orgId: ids['内科党支部'], kind: 'SUPERIOR' },
      scoresFor(crit, { 'W5.3': 50 }),
    );
    expect(sup.result).toMatchObject({ total: 97, grade: 'FIVE_STAR' });
    await accept(server, supervisor, self.id);
    await accept(server, leader, sup.id);
    const result = await server.gql(
      `query($o: ID!, $c: ID!) { org(id: $o) { campaignResult(campaignId: $c) { total grade gradeLabel attained } } }`,
      { o: ids['内科党支部'], c: campaignId },
      leader,
    );
    // (0.2·102 + 0.4·97) / 0.6 = 59.2 / 0.6 = 98.666…
    expect(result.data.org.campaignResult).toEqual({ total: 98.67, grade: 'FIVE_STAR', gradeLabel: '五星', attained: true });

    const progress = await server.gql(
      `query($c: ID!, $u: ID!) { campaign(id: $c) { progress(under: $u, asOf: "2013-12-31") { eligible attained ratio onTrack } } }`,
      { c: campaignId, u: ids['市第一人民医院党总支'] },
      supervisor,
    );
    expect(progress.data.campaign.progress).toEqual({ eligible: 4, attained: 1, ratio: 0.25, onTrack: false });
    // and 市交通运输局 sees none of it
    const jtj = await server.token('jtj', 'admin');
    expect(codes(await server.gql(`query($c: ID!) { campaign(id: $c) { name } }`, { c: campaignId }, jtj))).toEqual(['NOT_FOUND']);
  });
});
