import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { TestServer, codes, firstSignIn, startTestServer, tokens } from './helpers/server';
import { count, tenantId, tenantToday } from './helpers/sql';
import { accept, criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';

const LINKS = `{ tenantLinks(first: 50) { nodes { id side state peer { slug } grants { kind kindLabel depth campaignName } } } }`;
const GRANT = `mutation($input: GrantFederationAccessInput!) { grantFederationAccess(input: $input) { id grants { kind depth campaignName } } }`;
const REVOKE = `mutation($input: RevokeFederationAccessInput!) { revokeFederationAccess(input: $input) { id grants { kind } } }`;
const OVERVIEW = `query($campaignId: ID, $year: Int, $asOf: Date) {
  federationOverview(campaignId: $campaignId, year: $year, asOf: $asOf) {
    asOf year targetCampaignName targetRatio targetDueOn
    bureaus { linkId tenant { slug name } grantedKinds grantedKindLabels
      progress { campaignName depth eligible evaluated attained ratio targetRatio onTrack
        byCategory { category categoryLabel eligible evaluated attained ratio }
        byOrg { depth name path eligible evaluated attained ratio } }
      assessment { year ruleSet assessed average highest lowest }
      supervision { year inspections findings overdueRectifications } }
    lagging { tenant { slug } progress { ratio } }
    yearEnd { year eligible evaluated attained ratio targetRatio onTrack bureausOnTrack bureausLagging assessed averageAssessment inspections findings overdueRectifications }
  } }`;

/**
 * 进展上报: the subordinate (jtj) grants its superior (szjg), per link, read of aggregates; the superior
 * reads them only through the definer functions, in one consolidated view and its .xlsx; the figures
 * equal the subordinate's own; names only to the granted depth; revoking stops it at the next request.
 */
describe('progress reported up a link', () => {
  let server: TestServer;
  let su: Client;
  let jtj: Record<string, string>;
  let szjg: Record<string, string>;
  let link: string;
  let jtjCampaign: string;
  let szjgCampaign: string;
  let year: number;
  let jtjId: string;
  let demoView: { bureaus: { tenant: { slug: string }; grantedKinds: string[]; progress: { eligible: number; byOrg: unknown[] } }[] };

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    jtjId = await tenantId(su, 'jtj');
    year = Number((await tenantToday(su)).slice(0, 4));
    jtj = await tokens(server, 'jtj', ['admin', 'leader', 'member']);
    szjg = await tokens(server, 'szjg', ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member']);
    // a TENANT_ADMIN of szjg over one org below its root: no root admin, so no federation either
    const szjgOrgs = (await server.gql(`{ orgs(first: 5) { nodes { id parent { id } } } }`, {}, szjg.admin)).data.orgs.nodes;
    const below = szjgOrgs.find((o: { parent: { id: string } | null }) => o.parent !== null).id;
    const made = await server.gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'fedsub', displayName: '下属管理员', password: 'fedsub-initial-pw', orgId: below } },
      szjg.admin,
    );
    const role = await server.gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: made.data.createUser.id, role: 'TENANT_ADMIN', orgId: below } },
      szjg.admin,
    );
    expect(role.errors).toBeUndefined();
    szjg.subtreeAdmin = (await firstSignIn(server.url, 'szjg', 'fedsub', 'fedsub-initial-pw')).accessToken;
    jtjCampaign = (await server.gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, jtj.admin)).data.campaigns.nodes[0].id;
    szjgCampaign = (await server.gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, szjg.admin)).data.campaigns.nodes[0].id;
    demoView = (await overview(szjg.admin)).data?.federationOverview;
    // a clean start: whatever link the demo made between the two ends, and a new one is made here
    for (const l of (await server.gql(LINKS, {}, jtj.admin)).data.tenantLinks.nodes)
      if (l.peer.slug === 'szjg' && (l.state === 'ACTIVE' || l.state === 'PENDING'))
        await server.gql(`mutation($id: ID!) { endTenantLink(input: { linkId: $id }) { state } }`, { id: l.id }, jtj.admin);
    const invited = await server.gql(`mutation { inviteSubordinateTenant(input: { slug: "jtj" }) { id } }`, {}, szjg.admin);
    link = invited.data.inviteSubordinateTenant.id;
  }, 120_000);
  afterAll(() => server.close());

  const overview = (token: string, vars: Record<string, unknown> = {}) =>
    server.gql(OVERVIEW, { campaignId: szjgCampaign, asOf: '2013-12-20', year, ...vars }, token);

  it('has szjg as jtj’s superior in the demo, with progress, assessment and supervision granted up', () => {
    expect(demoView.bureaus.map((b) => [b.tenant.slug, b.grantedKinds])).toEqual([['jtj', ['ASSESSMENT', 'PROGRESS', 'SUPERVISION']]]);
    expect(demoView.bureaus[0].progress.eligible).toBeGreaterThan(10);
    expect(demoView.bureaus[0].progress.byOrg.length).toBeGreaterThan(3);
  });

  it('refuses grants over a pending link, by the superior, by anyone but the subordinate’s root admin, and bad values', async () => {
    const pending = await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT' } }, jtj.admin);
    expect(pending.errors?.[0].extensions?.reason).toBe('FEDERATION_LINK_NOT_ACTIVE');
    expect(
      (await server.gql(`mutation($id: ID!) { acceptTenantLink(input: { linkId: $id }) { state } }`, { id: link }, jtj.admin)).errors,
    ).toBeUndefined();

    const superior = await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT' } }, szjg.admin);
    expect(superior.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'FEDERATION_NOT_SUBORDINATE' });
    for (const token of [jtj.member, jtj.leader])
      expect(codes(await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT' } }, token))).toEqual(['FORBIDDEN']);
    const noCampaign = await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS' } }, jtj.admin);
    expect(noCampaign.errors?.[0].extensions).toMatchObject({ reason: 'FEDERATION_CAMPAIGN_REQUIRED', field: 'input.campaignId' });
    const foreign = await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: szjgCampaign } }, jtj.admin);
    expect(foreign.errors?.[0].extensions?.reason).toBe('FEDERATION_CAMPAIGN_NOT_FOUND');
    for (const depth of [-1, 6, 1000]) {
      const deep = await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth } }, jtj.admin);
      expect(deep.errors?.[0].extensions?.reason).toBe('FEDERATION_DEPTH_OUT_OF_RANGE');
    }
    const depthOnAssessment = await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT', depth: 1 } }, jtj.admin);
    expect(depthOnAssessment.errors?.[0].extensions?.reason).toBe('FEDERATION_PROGRESS_ONLY');
    const unknown = await server.gql(REVOKE, { input: { linkId: link, kind: 'ASSESSMENT' } }, jtj.admin);
    expect(unknown.errors?.[0].extensions?.reason).toBe('FEDERATION_GRANT_NOT_FOUND');
    expect(await count(su, 'tenant_link_grants')).toBe(0);
  });

  it('lets nothing cross over an active link without a grant', async () => {
    const res = await overview(szjg.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data.federationOverview.bureaus).toEqual([]);
    expect(res.data.federationOverview.yearEnd).toMatchObject({ eligible: 0, attained: 0, assessed: 0, inspections: 0 });
  });

  it('reports jtj’s progress, assessment and supervision totals to szjg exactly as jtj counts them, names to depth 1 only', async () => {
    for (const input of [
      { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 1 },
      { linkId: link, kind: 'ASSESSMENT' },
      { linkId: link, kind: 'SUPERVISION' },
    ])
      expect((await server.gql(GRANT, { input }, jtj.admin)).errors).toBeUndefined();
    const sub = (await server.gql(LINKS, {}, jtj.admin)).data.tenantLinks.nodes.find((l: { id: string }) => l.id === link);
    expect(sub.grants.map((g: { kind: string }) => g.kind)).toEqual(['ASSESSMENT', 'PROGRESS', 'SUPERVISION']);
    const sup = (await server.gql(LINKS, {}, szjg.admin)).data.tenantLinks.nodes.find((l: { id: string }) => l.id === link);
    expect(sup.grants).toEqual([
      { kind: 'ASSESSMENT', kindLabel: '年度党建目标考核汇总', depth: null, campaignName: null },
      { kind: 'PROGRESS', kindLabel: '创建进度（按类别和按组织汇总）', depth: 1, campaignName: '“四强四有”基层服务型党组织创建活动' },
      { kind: 'SUPERVISION', kindLabel: '督查、问题和逾期整改数', depth: null, campaignName: null },
    ]);

    const res = await overview(szjg.admin);
    expect(res.errors).toBeUndefined();
    const view = res.data.federationOverview;
    expect(view).toMatchObject({ asOf: '2013-12-20', year, targetRatio: 0.8, targetDueOn: '2013-12-31' });
    expect(view.bureaus).toHaveLength(1);
    const [bureau] = view.bureaus;
    expect(bureau).toMatchObject({ linkId: link, tenant: { slug: 'jtj', name: '市交通运输局' } });
    expect(bureau.grantedKinds).toEqual(['ASSESSMENT', 'PROGRESS', 'SUPERVISION']);

    // the subordinate's own figures, through its own API
    const own = (
      await server.gql(
        `query($id: ID!) { campaign(id: $id) { progress { eligible evaluated attained ratio
            byCategory { category eligible evaluated attained ratio } byChild { org { name } eligible evaluated attained ratio } } } }`,
        { id: jtjCampaign },
        jtj.admin,
      )
    ).data.campaign.progress;
    const p = bureau.progress;
    expect(p).toMatchObject({ eligible: own.eligible, evaluated: own.evaluated, attained: own.attained, ratio: own.ratio, depth: 1 });
    expect(p.eligible).toBeGreaterThan(10);
    expect(p.onTrack).toBe(own.ratio >= 0.8);
    const byCategory = (list: { category: string }[]) => [...list].sort((a, b) => a.category.localeCompare(b.category));
    expect(byCategory(p.byCategory.map(({ categoryLabel: _, ...c }: { categoryLabel: string; category: string }) => c))).toEqual(
      byCategory(own.byCategory),
    );
    expect(p.byOrg.map((o: { name: string; path: string[]; depth: number }) => [o.depth, o.path.length, o.name])).toEqual(
      own.byChild.map((c: { org: { name: string } }) => [1, 1, c.org.name]),
    );
    expect(
      p.byOrg.map(({ eligible, evaluated, attained, ratio }: Record<string, number>) => ({ eligible, evaluated, attained, ratio })),
    ).toEqual(
      own.byChild.map(({ eligible, evaluated, attained, ratio }: Record<string, number>) => ({ eligible, evaluated, attained, ratio })),
    );
    expect(view.lagging.map((l: { tenant: { slug: string } }) => l.tenant.slug)).toEqual(p.onTrack ? [] : ['jtj']);

    // assessment: jtj's own ranking of every org below its root
    const [{ id: root }] = (await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL`, [jtjId])).rows;
    const ranking = await server.gql(
      `query($under: ID!, $year: Int!) { assessmentRanking(under: $under, year: $year, first: 100) { totalCount nodes { total } } }`,
      { under: Buffer.from(`Org:${root}`).toString('base64url'), year },
      jtj.admin,
    );
    const totals: number[] = ranking.data.assessmentRanking.nodes.map((n: { total: number }) => n.total);
    expect(totals.length).toBe(ranking.data.assessmentRanking.totalCount);
    expect(bureau.assessment).toEqual({
      year,
      ruleSet: true,
      assessed: totals.length,
      average: Math.round((totals.reduce((a, b) => a + b, 0) / totals.length) * 100) / 100,
      highest: Math.max(...totals),
      lowest: Math.min(...totals),
    });
    // supervision: counted again under the API
    const inspections = await count(
      su,
      'inspections i',
      `tenant_id = $1 AND state = 'FINALIZED' AND extract(year FROM inspected_on) = $2
       AND NOT EXISTS (SELECT 1 FROM inspections a WHERE a.tenant_id = i.tenant_id AND a.amends_id = i.id AND a.state = 'FINALIZED')`,
      [jtjId, year],
    );
    expect(bureau.supervision.inspections).toBe(inspections);
    expect(inspections).toBeGreaterThan(0);
    const overdue = (await server.gql(`{ rectifications(overdue: true, first: 100) { totalCount } }`, {}, jtj.admin)).data.rectifications
      .totalCount;
    expect(bureau.supervision.overdueRectifications).toBe(overdue);
    expect(view.yearEnd).toMatchObject({
      year,
      eligible: p.eligible,
      attained: p.attained,
      ratio: p.ratio,
      // the target in force at the end of the assessment year (2026: past both, so the last, 90%)
      targetRatio: 0.9,
      assessed: totals.length,
      inspections,
      overdueRectifications: overdue,
    });

    // only aggregates: no id of jtj, no person, no name below depth 1, no score of an org
    const text = JSON.stringify(res);
    const deep = (await su.query(`SELECT DISTINCT name FROM orgs WHERE tenant_id = $1 AND nlevel(path) > 2`, [jtjId])).rows.map(
      (r) => r.name,
    );
    const shallow = own.byChild.map((c: { org: { name: string } }) => c.org.name);
    expect(deep.filter((n: string) => !shallow.includes(n) && text.includes(n))).toEqual([]);
    const people = (await su.query(`SELECT display_name FROM users WHERE tenant_id = $1`, [jtjId])).rows.map((r) => r.display_name);
    expect(people.filter((n: string) => text.includes(n))).toEqual([]);
    const ids = (await su.query(`SELECT id::text FROM orgs WHERE tenant_id = $1 UNION ALL SELECT $1::text`, [jtjId])).rows.map((r) => r.id);
    expect(ids.filter((id: string) => text.includes(id) || text.includes(id.replace(/-/g, '')))).toEqual([]);
    expect(text).not.toContain('total"');
  });

  it('drafts the superior’s 通报 naming the bureaus below its target, refused to every other role', async () => {
    const DRAFT = `mutation($input: DraftFederationNoticeInput!) { draftFederationNotice(input: $input) {
      kind state title body namedBureaus { slug name } subjects { name } } }`;
    // halfway through 2014 the 90% target is in force, which jtj's demo figures do not reach
    const view = (await overview(szjg.admin, { asOf: '2014-06-30' })).data.federationOverview;
    expect(view.targetRatio).toBe(0.9);
    expect(view.lagging.map((l: { tenant: { slug: string } }) => l.tenant.slug)).toEqual(['jtj']);
    const ratio = `${Math.round(view.lagging[0].progress.ratio * 1000) / 10}%`;
    for (const token of [szjg.subtreeAdmin, szjg.leader, szjg.supervisor, szjg.secretary, szjg.member, jtj.leader, jtj.member])
      expect(codes(await server.gql(DRAFT, { input: { asOf: '2014-06-30' } }, token))).toEqual(['FORBIDDEN']);
    // jtj's own root admin has no bureau reporting to it: nothing to name (and nothing of szjg)
    expect((await server.gql(DRAFT, { input: { asOf: '2014-06-30' } }, jtj.admin)).errors?.[0].extensions?.reason).toBe(
      'FEDERATION_NOTHING_LAGGING',
    );
    const drafted = await server.gql(DRAFT, { input: { asOf: '2014-06-30' } }, szjg.admin);
    expect(drafted.errors).toBeUndefined();
    const notice = drafted.data.draftFederationNotice;
    expect(notice).toMatchObject({
      kind: 'CRITICISM',
      state: 'DRAFT',
      namedBureaus: [{ slug: 'jtj', name: '市交通运输局' }],
      subjects: [],
    });
    expect(notice.body).toContain(`予以通报：市交通运输局（${ratio}）`);
    expect(notice.body).toContain('目标为90%（2014-12-31前）');
    // jtj sees nothing of szjg's draft
    expect(
      (await server.gql(`{ notices(first: 50) { nodes { title } } }`, {}, jtj.admin)).data.notices.nodes.map(
        (n: { title: string }) => n.title,
      ),
    ).not.toContain(notice.title);
    // on the day the 80% target is in force and met, or with nothing granted, there is nothing to name
    const onTrack = view.lagging[0].progress.ratio >= 0.8;
    const early = await server.gql(DRAFT, { input: { asOf: '2013-12-20' } }, szjg.admin);
    if (onTrack) expect(early.errors?.[0].extensions?.reason).toBe('FEDERATION_NOTHING_LAGGING');
    else expect(early.data.draftFederationNotice.namedBureaus).toEqual([{ slug: 'jtj', name: '市交通运输局' }]);
  });

  it('names deeper orgs only when the grant says so, and none at depth 0', async () => {
    await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 2 } }, jtj.admin);
    const two = (await overview(szjg.admin)).data.federationOverview.bureaus[0].progress;
    expect(two.depth).toBe(2);
    expect(two.byOrg.some((o: { depth: number; path: string[] }) => o.depth === 2 && o.path.length === 2)).toBe(true);
    // each level adds up to the total's eligible orgs below the scope
    const level1 = two.byOrg.filter((o: { depth: number }) => o.depth === 1);
    expect(level1.reduce((n: number, o: { eligible: number }) => n + o.eligible, 0)).toBe(two.eligible);
    await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 0 } }, jtj.admin);
    const zero = (await overview(szjg.admin)).data.federationOverview.bureaus[0].progress;
    expect(zero.byOrg).toEqual([]);
    expect(zero.byCategory.length).toBeGreaterThan(0);
    await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 1 } }, jtj.admin);
  });

  it('gives every other role of szjg nothing, and jtj itself no view of szjg', async () => {
    for (const role of ['subtreeAdmin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member']) {
      const res = await overview(szjg[role]);
      expect({ role, codes: codes(res), data: res.data?.federationOverview ?? null }).toEqual({ role, codes: ['FORBIDDEN'], data: null });
    }
    const reverse = await server.gql(OVERVIEW, {}, jtj.admin);
    expect(reverse.data.federationOverview.bureaus).toEqual([]);
  });

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  };

  it('exports the consolidated view as .xlsx with the API’s figures', async () => {
    const path = `/exports/federation/overview?campaignId=${szjgCampaign}&year=${year}&asOf=2013-12-20`;
    const file = await get(path, szjg.admin);
    expect(file.status).toBe(200);
    expect(file.type).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['各单位汇总', '落后单位', '分类进度', '组织进度', '标准各维度', '年终数字']);
    const view = (await overview(szjg.admin)).data.federationOverview;
    const b = view.bureaus[0];
    const row = (wb.getWorksheet('各单位汇总')!.getRow(2).values as unknown[]).slice(1);
    expect(row).toEqual([
      1,
      '市交通运输局',
      'jtj',
      b.progress.campaignName,
      b.progress.eligible,
      b.progress.evaluated,
      b.progress.attained,
      b.progress.ratio,
      0.8,
      b.progress.onTrack ? '是' : '否',
      '下级单位自己的标准',
      undefined, // no mean on a framework szjg did not hand down
      b.assessment.assessed,
      b.assessment.average,
      b.supervision.inspections,
      b.supervision.findings,
      b.supervision.overdueRectifications,
    ]);
    const orgs = wb.getWorksheet('组织进度')!;
    expect(orgs.rowCount - 1).toBe(b.progress.byOrg.length);
    expect((orgs.getRow(2).values as unknown[])[3]).toBe(b.progress.byOrg[0].name);
    // refused as the API refuses: another role, no token, a bad year
    expect((await get(path, szjg.member)).status).toBe(403);
    expect((await get(path, szjg.subtreeAdmin)).status).toBe(403);
    expect((await get(path)).status).toBe(401);
    expect((await get(`/exports/federation/overview?year=13`, szjg.admin)).status).toBe(400);
    expect((await get(`/exports/federation/overview?year=13`, szjg.member)).status).toBe(403);
  });

  it('reports a campaign run on the adopted 五强五化 against szjg’s items and rule, jtj’s own bonus item left out', async () => {
    // the demo's jtj version of szjg's 五强五化: adopted as a base, with its own bonus item J1 (max 5) under W2
    const frameworks = (await server.gql(`{ frameworks(first: 5) { nodes { code publishedVersion { id } } } }`, {}, jtj.admin)).data
      .frameworks.nodes;
    const versionId = frameworks.find((f: { code: string }) => f.code === 'WQWH').publishedVersion.id;
    const ids = await orgIds(server, 'jtj');
    const created = await server.gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      {
        input: {
          name: '“五强五化”创建活动',
          versionId,
          scopeOrgId: ids['中共市交通运输局党委'],
          startsOn: '2013-05-05',
          endsOn: '2030-12-31',
          eligibleKinds: ['GENERAL_BRANCH', 'BRANCH'],
        },
      },
      jtj.admin,
    );
    expect(created.errors).toBeUndefined();
    const campaignId = created.data.createCampaign.id;
    const [supervisor, leader] = [await server.token('jtj', 'supervisor'), jtj.leader];
    const criteria = await criteriaOf(server, supervisor, versionId);
    // 第一车队: W2 nothing (0 of 20), W3.1 and W4.1 nothing (15 and 16 of 20), W5.2 nothing (15 of 20), W1 full:
    // 66 on szjg's items; J1 full adds 5 (the cap) on jtj's own: 71, past the threshold of 70 only there
    const low = await evaluate(
      server,
      supervisor,
      { campaignId, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' },
      scoresFor(criteria, { 'W2.1': 0, 'W2.2': 0, 'W2.3': 0, 'W2.4': 0, 'W3.1': 0, 'W4.1': 0, 'W5.2': 0, J1: 5 }),
    );
    expect(low.result).toMatchObject({ total: 71, bonus: 5, attained: true, grade: 'THREE_STAR' });
    await accept(server, leader, low.id);
    const full = await evaluate(
      server,
      supervisor,
      { campaignId, orgId: ids['党员学雷锋车队党支部'], kind: 'SUPERIOR' },
      scoresFor(criteria),
    );
    await accept(server, leader, full.id);

    // jtj reads both results, each with what szjg reads
    const ranking = (
      await server.gql(
        `query($id: ID!) { campaign(id: $id) { ranking(first: 10) { nodes { org { name } result { total grade attained
            superior { frameworkName total grade gradeLabel attained veto complete dimensions { code title points maxPoints } } } } } } }`,
        { id: campaignId },
        jtj.admin,
      )
    ).data.campaign.ranking.nodes;
    const dims = (points: number[]) =>
      ['W1', 'W2', 'W3', 'W4', 'W5'].map((code, i) => ({ code, title: expect.any(String), points: points[i], maxPoints: 20 }));
    expect(ranking).toEqual([
      {
        org: { name: '党员学雷锋车队党支部' },
        result: {
          total: 100,
          grade: 'FIVE_STAR',
          attained: true,
          superior: {
            frameworkName: expect.stringContaining('五强五化'),
            total: 100,
            grade: 'FIVE_STAR',
            gradeLabel: '五星',
            attained: true,
            veto: false,
            complete: true,
            dimensions: dims([20, 20, 20, 20, 20]),
          },
        },
      },
      {
        org: { name: '第一车队党支部' },
        result: {
          total: 71,
          grade: 'THREE_STAR',
          attained: true,
          superior: {
            frameworkName: expect.stringContaining('五强五化'),
            total: 66,
            grade: 'TWO_STAR',
            gradeLabel: '二星',
            attained: false,
            veto: false,
            complete: true,
            dimensions: dims([20, 0, 15, 16, 15]),
          },
        },
      },
    ]);
    // jtj's own 四强四有 campaign is its own framework: nothing to report against
    const sqsy = await server.gql(
      `query($id: ID!) { campaign(id: $id) { ranking(first: 1) { nodes { result { superior { total } } } } } }`,
      { id: jtjCampaign },
      jtj.admin,
    );
    expect(sqsy.data.campaign.ranking.nodes.map((n: { result: { superior: unknown } }) => n.result.superior)).toEqual(
      sqsy.data.campaign.ranking.nodes.map(() => null),
    );

    // szjg, granted this campaign, counts against its own framework: one attained where jtj counts two
    expect(
      (await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId, depth: 1 } }, jtj.admin)).errors,
    ).toBeUndefined();
    const own = (
      await server.gql(`query($id: ID!) { campaign(id: $id) { progress { eligible evaluated attained } } }`, { id: campaignId }, jtj.admin)
    ).data.campaign.progress;
    expect(own).toMatchObject({ evaluated: 2, attained: 2 });
    const ITEMS = `query($c: ID, $a: Date) { federationOverview(campaignId: $c, asOf: $a) { bureaus { progress {
        campaignName eligible evaluated attained againstOurFramework averageTotal
        byOrg { name attained } items { code title evaluated average maxPoints } } } } }`;
    const view = await server.gql(ITEMS, { c: szjgCampaign, a: '2013-12-20' }, szjg.admin);
    expect(view.errors).toBeUndefined();
    const p = view.data.federationOverview.bureaus[0].progress;
    expect(p).toMatchObject({
      campaignName: '“五强五化”创建活动',
      eligible: own.eligible,
      evaluated: 2,
      attained: 1,
      againstOurFramework: true,
      averageTotal: 83,
    });
    expect(p.byOrg.find((o: { name: string }) => o.name === '市公交集团党委')).toMatchObject({ attained: 1 });
    expect(p.items).toEqual(
      [20, 10, 17.5, 18, 17.5].map((average, i) => ({
        code: `W${i + 1}`,
        title: expect.any(String),
        evaluated: 2,
        average,
        maxPoints: 20,
      })),
    );
    // the .xlsx says which framework the figures are counted on
    const file = await get(`/exports/federation/overview?campaignId=${szjgCampaign}&asOf=2013-12-20`, szjg.admin);
    expect(file.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('各单位汇总')!;
    const headers = sheet.getRow(1).values as unknown[];
    expect((sheet.getRow(2).values as unknown[])[headers.indexOf('计算依据')]).toBe('本单位下发的标准');
    expect((sheet.getRow(2).values as unknown[])[headers.indexOf('按本单位标准的平均分')]).toBe(83);
    expect(wb.getWorksheet('标准各维度')!.rowCount - 1).toBe(5);

    // jtj's 四强四有 again: szjg reads jtj's own figures, and says so
    expect(
      (await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 1 } }, jtj.admin)).errors,
    ).toBeUndefined();
    const back = (await server.gql(ITEMS, { c: szjgCampaign, a: '2013-12-20' }, szjg.admin)).data.federationOverview.bureaus[0].progress;
    expect(back).toMatchObject({ againstOurFramework: false, averageTotal: null, items: [] });
  });

  it('stops reading at the next request after a revoke, and everything when the link ends', async () => {
    await server.gql(REVOKE, { input: { linkId: link, kind: 'PROGRESS' } }, jtj.admin);
    const after = (await overview(szjg.admin)).data.federationOverview;
    expect(after.bureaus[0]).toMatchObject({ grantedKinds: ['ASSESSMENT', 'SUPERVISION'], progress: null });
    expect(after.yearEnd.eligible).toBe(0);
    await server.gql(REVOKE, { input: { linkId: link, kind: 'ASSESSMENT' } }, jtj.admin);
    expect((await overview(szjg.admin)).data.federationOverview.bureaus[0].assessment).toBeNull();
    // ending the link (here by the superior) drops the remaining grant with it
    await server.gql(`mutation($id: ID!) { endTenantLink(input: { linkId: $id }) { state } }`, { id: link }, szjg.admin);
    expect((await overview(szjg.admin)).data.federationOverview.bureaus).toEqual([]);
    expect(await count(su, 'tenant_link_grants', 'link_id = $1', [Buffer.from(link, 'base64url').toString().split(':')[1]])).toBe(0);
    const sub = (await server.gql(LINKS, {}, jtj.admin)).data.tenantLinks.nodes.find((l: { id: string }) => l.id === link);
    expect(sub).toMatchObject({ state: 'ENDED', grants: [] });
  });
});
