import { Client } from 'pg';
import { addDays } from './helpers/dates';
import { rawId, unknownId } from './helpers/ids';
import { TestServer, codes, startTestServer, tokens, firstSignIn } from './helpers/server';
import { count, tenantToday } from './helpers/sql';
import { orgIds } from './helpers/story';

/**
 * 同级党组织互帮互助 (issue 14): orgs of the same level pair up (结对共建: two orgs, a period, goals) and ask a
 * paired or sibling org for help, answered within the tenant's time limit; a request counts for both. The
 * superior sees its subtree's pairings and requests; a sibling outside a pairing sees nothing of it.
 */
const PAIRING = `id orgName partnerOrgName org { name } partnerOrg { name } startsOn endsOn goals state stateLabel endedOn endReason createdByName`;
const REQUEST = `id title description state stateLabel dueAt overdue answer answeredAt answeredByName raisedByName relation relationLabel
  fromOrgName toOrgName fromOrg { name } toOrg { name } pairing { id }`;
const CREATE = `mutation($input: CreatePeerPairingInput!) { createPeerPairing(input: $input) { ${PAIRING} } }`;
const ASK = `mutation($input: RequestPeerHelpInput!) { requestPeerHelp(input: $input) { ${REQUEST} } }`;
const ANSWER = `mutation($input: AnswerPeerHelpInput!) { answerPeerHelp(input: $input) { ${REQUEST} } }`;

describe('peer help between orgs of the same level (同级党组织互帮互助)', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  /** The secretary of 第三车队党支部: a sibling of 第一车队 and 第二车队, outside their pairing. */
  let third: string;
  let foreign: string;
  let TODAY: string;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const pairing = (orgA: string, orgB: string, extra: Record<string, unknown> = {}, token = t.admin) =>
    gql(
      CREATE,
      {
        input: {
          orgId: ids[orgA],
          partnerOrgId: ids[orgB],
          startsOn: addDays(TODAY, -10),
          endsOn: addDays(TODAY, 355),
          goals: ['联合开展主题党日'],
          ...extra,
        },
      },
      token,
    );
  const ask = (from: string, to: string, token = t.secretary, toId?: string) =>
    gql(ASK, { input: { fromOrgId: ids[from], toOrgId: toId ?? ids[to], title: `${from}请求${to}`, description: '需要帮助' } }, token);
  const pairingsOf = async (token: string) =>
    (await gql(`{ peerPairings(first: 100) { totalCount nodes { orgName partnerOrgName } } }`, {}, token)).data.peerPairings.nodes
      .map((p: { orgName: string; partnerOrgName: string }) => `${p.orgName}-${p.partnerOrgName}`)
      .sort();
  const requestsOf = async (token: string, args = '') =>
    (await gql(`{ peerHelpRequests(first: 100${args}) { nodes { title } } }`, {}, token)).data.peerHelpRequests.nodes
      .map((r: { title: string }) => r.title)
      .sort();

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj');
    foreign = await server.token('szjg', 'admin');
    TODAY = await tenantToday(su);
    const user = await gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'third', displayName: '第三车队党支部书记', password: 'third-password-1', orgId: ids['第三车队党支部'] } },
      t.admin,
    );
    await gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: user.data.createUser.id, role: 'SECRETARY', orgId: ids['第三车队党支部'] } },
      t.admin,
    );
    third = (await firstSignIn(server.url, 'jtj', 'third', 'third-password-1')).accessToken;
  });
  afterAll(() => server.close());

  let fleets: string;
  let across: string;

  describe('结对共建', () => {
    it('is set up by an officer over both orgs; strangers to either org are NOT_FOUND, non-officers FORBIDDEN; nothing stored', async () => {
      expect(codes(await pairing('第一车队党支部', '第二车队党支部', {}, t.secretary))).toEqual(['NOT_FOUND']);
      expect(codes(await pairing('第一车队党支部', '第二车队党支部', {}, t.member))).toEqual(['NOT_FOUND']);
      expect(codes(await pairing('第一车队党支部', '第二车队党支部', {}, t.inspector))).toEqual(['FORBIDDEN']);
      expect(codes(await pairing('第一车队党支部', '养护科党支部', {}, t.supervisor))).toEqual(['NOT_FOUND']);
      expect(codes(await pairing('第一车队党支部', '第二车队党支部', {}, foreign))).toEqual(['NOT_FOUND']);
      expect(await count(su, 'peer_pairings')).toBe(0);
      const res = await pairing('第一车队党支部', '第二车队党支部', { goals: [' 联合开展主题党日 ', '互派骨干交流'] }, t.supervisor);
      expect(res.errors).toBeUndefined();
      expect(res.data.createPeerPairing).toMatchObject({
        orgName: '第一车队党支部',
        partnerOrgName: '第二车队党支部',
        org: { name: '第一车队党支部' },
        partnerOrg: { name: '第二车队党支部' },
        startsOn: addDays(TODAY, -10),
        endsOn: addDays(TODAY, 355),
        goals: ['联合开展主题党日', '互派骨干交流'],
        state: 'ACTIVE',
        stateLabel: '共建中',
        endedOn: null,
        createdByName: '公交集团党委书记',
      });
      fleets = res.data.createPeerPairing.id;
    });

    it('pairs only two live orgs of the same level, with a period and goals, and never the same two orgs twice at once', async () => {
      const bad: [string, string, Record<string, unknown>, string, string][] = [
        ['第一车队党支部', '第一车队党支部', {}, 'PEER_PAIRING_SAME_ORG', 'input.partnerOrgId'],
        ['第一车队党支部', '市公路管理处党委', {}, 'PEER_PAIRING_NOT_SAME_LEVEL', 'input.partnerOrgId'],
        ['第一车队党支部', '养护科党支部', { endsOn: addDays(TODAY, -11) }, 'PEER_PAIRING_PERIOD_INVALID', 'input.endsOn'],
        ['第一车队党支部', '养护科党支部', { endsOn: addDays(TODAY, 4000) }, 'PEER_PAIRING_PERIOD_INVALID', 'input.endsOn'],
        ['第一车队党支部', '养护科党支部', { goals: [] }, 'PEER_PAIRING_GOALS_REQUIRED', 'input.goals'],
        ['第一车队党支部', '养护科党支部', { goals: ['好', ' 　'] }, 'PEER_PAIRING_GOAL_BLANK', 'input.goals'],
        ['第二车队党支部', '第一车队党支部', {}, 'PEER_PAIRING_OVERLAPS', ''],
      ];
      for (const [a, b, extra, reason, field] of bad) {
        const res = await pairing(a, b, extra);
        expect({ a, b, ext: res.errors?.[0].extensions }).toMatchObject({ a, b, ext: { reason, ...(field ? { field } : {}) } });
      }
      const overlap = await pairing('第二车队党支部', '第一车队党支部');
      expect(overlap.errors![0].message).toBe(
        `第二车队党支部与第一车队党支部在这段时期已有结对共建（${chinese(addDays(TODAY, -10))}至${chinese(addDays(TODAY, 355))}）`,
      );
      expect(await count(su, 'peer_pairings')).toBe(1);
      // the same two orgs again after the first pairing ends: another period is another pairing
      const later = await pairing('第二车队党支部', '第一车队党支部', { startsOn: addDays(TODAY, 356), endsOn: addDays(TODAY, 700) });
      expect(later.data.createPeerPairing.state).toBe('PLANNED');
      // the same level under different superiors: 同级 is the level, the root admin is over both
      const res = await pairing('第一车队党支部', '养护科党支部', { goals: ['共建“情溢旅途”与“彩虹坦途”便民服务'] });
      expect(res.data.createPeerPairing).toMatchObject({ state: 'ACTIVE', partnerOrgName: '养护科党支部' });
      across = res.data.createPeerPairing.id;
    });

    it('lets one of 20 concurrent pairings of the same two orgs through; the others are CONFLICT, never a 500', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          pairing(i % 2 ? '第三车队党支部' : '保修公司党支部', i % 2 ? '保修公司党支部' : '第三车队党支部'),
        ),
      );
      expect(results.filter((r) => !r.errors).length).toBe(1);
      expect(results.flatMap((r) => (r.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`))).toEqual(
        Array(19).fill('CONFLICT/PEER_PAIRING_OVERLAPS'),
      );
      expect(results.every((r) => r.status < 500)).toBe(true);
    });

    it('shows a pairing to both orgs and their superiors; a sibling outside it, another subtree and another tenant see nothing', async () => {
      // the race above left either order: compare that pair unordered
      const unordered = (names: string[]) => names.map((n) => (n.includes('保修公司') ? '保修公司党支部-第三车队党支部' : n)).sort();
      expect(unordered(await pairingsOf(t.supervisor))).toEqual(
        [
          '第一车队党支部-第二车队党支部',
          '第一车队党支部-养护科党支部',
          '第二车队党支部-第一车队党支部',
          '保修公司党支部-第三车队党支部',
        ].sort(),
      );
      expect(await pairingsOf(t.secretary)).toEqual(
        ['第一车队党支部-第二车队党支部', '第一车队党支部-养护科党支部', '第二车队党支部-第一车队党支部'].sort(),
      );
      expect(await pairingsOf(t.member)).toEqual(await pairingsOf(t.secretary));
      expect(await pairingsOf(t.secretary2)).toEqual(['第一车队党支部-养护科党支部']);
      expect(unordered(await pairingsOf(third))).toEqual(['保修公司党支部-第三车队党支部']);
      expect(await pairingsOf(foreign)).toEqual([]);
      const one = `query($id: ID!) { node(id: $id) { id } }`;
      expect((await gql(one, { id: fleets }, third)).data.node).toBeNull();
      expect((await gql(one, { id: fleets }, t.secretary2)).data.node).toBeNull();
      expect((await gql(one, { id: fleets }, foreign)).data.node).toBeNull();
      expect(codes(await gql(`query($id: ID!) { peerPairing(id: $id) { id } }`, { id: fleets }, third))).toEqual(['NOT_FOUND']);
      // the partner across subtrees is named, but its org stays out of sight
      const seen = await gql(`query($id: ID!) { peerPairing(id: $id) { ${PAIRING} } }`, { id: across }, t.secretary2);
      expect(seen.data.peerPairing).toMatchObject({ orgName: '第一车队党支部', org: null, partnerOrg: { name: '养护科党支部' } });
      expect(
        (await gql(`query($u: ID!) { peerPairings(under: $u) { totalCount } }`, { u: ids['第二车队党支部'] }, t.supervisor)).data
          .peerPairings.totalCount,
      ).toBe(2);
      expect(
        codes(await gql(`query($u: ID!) { peerPairings(under: $u) { totalCount } }`, { u: ids['第二车队党支部'] }, t.secretary)),
      ).toEqual(['NOT_FOUND']);
      expect(
        (await gql(`{ peerPairings(state: PLANNED) { nodes { startsOn } } }`, {}, t.supervisor)).data.peerPairings.nodes.map(
          (p: { startsOn: string }) => p.startsOn,
        ),
      ).toEqual([addDays(TODAY, 356)]);
    });

    it('changes the period or goals partly and ends a pairing early with a reason, by an officer over both', async () => {
      const update = (input: Record<string, unknown>, token = t.supervisor) =>
        gql(
          `mutation($input: UpdatePeerPairingInput!) { updatePeerPairing(input: $input) { goals startsOn endsOn } }`,
          { input: { id: fleets, ...input } },
          token,
        );
      expect(codes(await update({ goals: ['x'] }, t.secretary))).toEqual(['FORBIDDEN']);
      expect(codes(await update({ goals: ['x'] }, third))).toEqual(['NOT_FOUND']);
      expect((await update({ endsOn: addDays(TODAY, 400) })).errors![0].extensions).toMatchObject({ reason: 'PEER_PAIRING_OVERLAPS' });
      const goals = await update({ goals: ['联合开展主题党日', '互派骨干交流', '共同保障节假日运力'] });
      expect(goals.data.updatePeerPairing).toEqual({
        goals: ['联合开展主题党日', '互派骨干交流', '共同保障节假日运力'],
        startsOn: addDays(TODAY, -10),
        endsOn: addDays(TODAY, 355),
      });
      const end = (id: string, reason: string, token = t.admin) =>
        gql(
          `mutation($input: EndPeerPairingInput!) { endPeerPairing(input: $input) { state endedOn endReason } }`,
          { input: { id, reason } },
          token,
        );
      expect((await end(across, ' ')).errors![0].extensions).toMatchObject({ reason: 'PEER_PAIRING_END_REASON_BLANK' });
      expect(codes(await end(across, '调整', t.secretary2))).toEqual(['FORBIDDEN']);
      expect((await end(across, '养护科党支部调整共建对象')).data.endPeerPairing).toEqual({
        state: 'ENDED',
        endedOn: TODAY,
        endReason: '养护科党支部调整共建对象',
      });
      expect((await end(across, '再次')).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'PEER_PAIRING_ENDED' });
      // back in force for the requests below: a new pairing from tomorrow would not count today, so pair again now
      const again = await gql(
        CREATE,
        {
          input: {
            orgId: ids['养护科党支部'],
            partnerOrgId: ids['第一车队党支部'],
            startsOn: TODAY,
            endsOn: addDays(TODAY, 30),
            goals: ['便民服务'],
          },
        },
        t.admin,
      );
      expect(again.data.createPeerPairing.state).toBe('ACTIVE');
    });
  });

  describe('互助请求', () => {
    let toSecond: string;
    let toThird: string;
    let toRoads: string;

    it('offers the org’s officers its siblings and today’s partners as targets, by name only', async () => {
      const q = `query($from: ID!) { peerHelpTargets(fromOrgId: $from) { totalCount nodes { orgId name relation relationLabel pairingId } } }`;
      const res = await gql(q, { from: ids['第一车队党支部'] }, t.secretary);
      expect(res.errors).toBeUndefined();
      expect(res.data.peerHelpTargets.nodes.map((n: { name: string; relation: string }) => `${n.name}/${n.relation}`).sort()).toEqual(
        [
          '第二车队党支部/PAIRED',
          '第三车队党支部/SIBLING',
          '保修公司党支部/SIBLING',
          '党员学雷锋车队党支部/SIBLING',
          '养护科党支部/PAIRED',
        ].sort(),
      );
      expect(res.data.peerHelpTargets.nodes.find((n: { name: string }) => n.name === '养护科党支部')).toMatchObject({
        orgId: ids['养护科党支部'],
        relationLabel: '结对组织',
        pairingId: expect.any(String),
      });
      const page = await gql(
        `query($from: ID!, $after: String) { peerHelpTargets(fromOrgId: $from, first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { name } } }`,
        { from: ids['第一车队党支部'] },
        t.secretary,
      );
      const next = await gql(
        `query($from: ID!, $after: String) { peerHelpTargets(fromOrgId: $from, first: 5, after: $after) { pageInfo { hasNextPage } nodes { name } } }`,
        { from: ids['第一车队党支部'], after: page.data.peerHelpTargets.pageInfo.endCursor },
        t.secretary,
      );
      expect([...page.data.peerHelpTargets.nodes, ...next.data.peerHelpTargets.nodes].map((n: { name: string }) => n.name).sort()).toEqual(
        res.data.peerHelpTargets.nodes.map((n: { name: string }) => n.name).sort(),
      );
      expect(codes(await gql(q, { from: ids['第一车队党支部'] }, t.member))).toEqual(['FORBIDDEN']);
      expect(codes(await gql(q, { from: ids['第二车队党支部'] }, t.secretary))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(q, { from: ids['第一车队党支部'] }, foreign))).toEqual(['NOT_FOUND']);
    });

    it('asks a paired or sibling org; any other org, an unknown id or another tenant’s org is refused alike; nothing stored', async () => {
      const before = await count(su, 'peer_help_requests');
      const cousin = await ask('第一车队党支部', '路政大队党支部');
      expect(cousin.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PEER_NOT_A_PEER', field: 'input.toOrgId' });
      const szjg = await orgIds(server, 'szjg');
      for (const id of [unknownId('Org'), szjg['内科党支部'], ids['第一车队党支部'], ids['市公交集团党委']])
        expect((await ask('第一车队党支部', '', t.secretary, id)).errors![0].extensions).toMatchObject({ reason: 'PEER_NOT_A_PEER' });
      expect(codes(await ask('第一车队党支部', '第二车队党支部', t.member))).toEqual(['FORBIDDEN']);
      expect(codes(await ask('第二车队党支部', '第一车队党支部', t.secretary))).toEqual(['NOT_FOUND']);
      expect(codes(await ask('第一车队党支部', '第二车队党支部', foreign))).toEqual(['NOT_FOUND']);
      expect(await count(su, 'peer_help_requests')).toBe(before);

      const second = await ask('第一车队党支部', '第二车队党支部');
      expect(second.errors).toBeUndefined();
      expect(second.data.requestPeerHelp).toMatchObject({
        state: 'OPEN',
        stateLabel: '待答复',
        overdue: false,
        relation: 'PAIRED',
        relationLabel: '结对组织',
        pairing: { id: fleets },
        fromOrgName: '第一车队党支部',
        toOrgName: '第二车队党支部',
        fromOrg: { name: '第一车队党支部' },
        toOrg: null,
        raisedByName: '第一车队党支部书记',
      });
      // due within the tenant's service-request hours (72 by default)
      const due = Date.parse(second.data.requestPeerHelp.dueAt) - Date.now();
      expect(due).toBeGreaterThan(71 * 3600_000);
      expect(due).toBeLessThanOrEqual(72 * 3600_000);
      toSecond = second.data.requestPeerHelp.id;
      const sibling = await ask('第一车队党支部', '第三车队党支部');
      expect(sibling.data.requestPeerHelp).toMatchObject({ relation: 'SIBLING', relationLabel: '同一上级的兄弟组织', pairing: null });
      toThird = sibling.data.requestPeerHelp.id;
      toRoads = (await ask('第一车队党支部', '养护科党支部')).data.requestPeerHelp.id;
    });

    it('is answered by the org asked, once; the asking side cannot answer it', async () => {
      expect(codes(await gql(ANSWER, { input: { id: toSecond, answer: '好' } }, t.secretary))).toEqual(['FORBIDDEN']);
      expect(codes(await gql(ANSWER, { input: { id: toSecond, answer: '好' } }, t.member))).toEqual(['FORBIDDEN']);
      expect(codes(await gql(ANSWER, { input: { id: toSecond, answer: '好' } }, third))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(ANSWER, { input: { id: toSecond, answer: '好' } }, foreign))).toEqual(['NOT_FOUND']);
      const answered = await gql(ANSWER, { input: { id: toThird, answer: '活动室周三下午可用' } }, third);
      expect(answered.data.answerPeerHelp).toMatchObject({
        state: 'ANSWERED',
        stateLabel: '已答复',
        answer: '活动室周三下午可用',
        answeredAt: expect.any(String),
        answeredByName: '第三车队党支部书记',
        fromOrg: null,
        toOrg: { name: '第三车队党支部' },
      });
      expect((await gql(ANSWER, { input: { id: toThird, answer: '再答' } }, third)).errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'PEER_HELP_ALREADY_ANSWERED',
      });
      // 20 concurrent answers from the org across subtrees: one stands
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => gql(ANSWER, { input: { id: toRoads, answer: `答复${i}` } }, t.secretary2)),
      );
      expect(results.filter((r) => !r.errors).length).toBe(1);
      expect(results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.reason))).toEqual(
        Array(19).fill('PEER_HELP_ALREADY_ANSWERED'),
      );
      expect(await count(su, 'peer_help_requests', `state = 'ANSWERED'`)).toBe(2);
    });

    it('shows a request to both orgs and their superiors only; a sibling outside sees none of it', async () => {
      expect(await requestsOf(t.secretary)).toEqual(
        ['第一车队党支部请求第二车队党支部', '第一车队党支部请求第三车队党支部', '第一车队党支部请求养护科党支部'].sort(),
      );
      expect(await requestsOf(t.supervisor)).toEqual(await requestsOf(t.secretary));
      expect(await requestsOf(third)).toEqual(['第一车队党支部请求第三车队党支部']);
      expect(await requestsOf(t.secretary2)).toEqual(['第一车队党支部请求养护科党支部']);
      expect(await requestsOf(foreign)).toEqual([]);
      expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: toSecond }, third)).data.node).toBeNull();
      expect(codes(await gql(`query($id: ID!) { peerHelpRequest(id: $id) { id } }`, { id: toSecond }, foreign))).toEqual(['NOT_FOUND']);
      expect(await requestsOf(t.admin, ', state: OPEN')).toEqual(['第一车队党支部请求第二车队党支部']);
      const byPairing = await gql(
        `query($id: ID!) { peerPairing(id: $id) { requests { nodes { title } } } }`,
        { id: fleets },
        t.supervisor,
      );
      expect(byPairing.data.peerPairing.requests.nodes).toEqual([{ title: '第一车队党支部请求第二车队党支部' }]);
    });

    it('counts each request for both orgs, on time or overdue, in one tally per period', async () => {
      await su.query(`UPDATE peer_help_requests SET due_at = now() - interval '1 hour' WHERE id = $1`, [rawId(toSecond)]);
      expect(await requestsOf(t.supervisor, ', overdue: true')).toEqual(['第一车队党支部请求第二车队党支部']);
      const q = `query($ids: [ID!]!, $from: Date!, $to: Date!) { nodes(ids: $ids) { ... on Org { name peerHelp(from: $from, to: $to) { asked askedAnswered received answered answeredOnTime overdue } } } }`;
      const period = { from: addDays(TODAY, -1), to: TODAY };
      const res = await gql(
        q,
        {
          ids: [ids['第一车队党支部'], ids['第二车队党支部'], ids['第三车队党支部'], ids['养护科党支部'], ids['市公交集团党委']],
          ...period,
        },
        t.admin,
      );
      expect(res.data.nodes).toEqual([
        { name: '第一车队党支部', peerHelp: { asked: 3, askedAnswered: 2, received: 0, answered: 0, answeredOnTime: 0, overdue: 0 } },
        { name: '第二车队党支部', peerHelp: { asked: 0, askedAnswered: 0, received: 1, answered: 0, answeredOnTime: 0, overdue: 1 } },
        { name: '第三车队党支部', peerHelp: { asked: 0, askedAnswered: 0, received: 1, answered: 1, answeredOnTime: 1, overdue: 0 } },
        { name: '养护科党支部', peerHelp: { asked: 0, askedAnswered: 0, received: 1, answered: 1, answeredOnTime: 1, overdue: 0 } },
        { name: '市公交集团党委', peerHelp: { asked: 0, askedAnswered: 0, received: 0, answered: 0, answeredOnTime: 0, overdue: 0 } },
      ]);
      // another period counts nothing; an org seen only as a breadcrumb has no figures; a reversed period is refused
      const before = await gql(q, { ids: [ids['第一车队党支部']], from: '2013-01-01', to: '2013-12-31' }, t.admin);
      expect(before.data.nodes[0].peerHelp.asked).toBe(0);
      const crumb = await gql(q, { ids: [ids['市公交集团党委']], ...period }, t.secretary);
      expect(crumb.data.nodes[0]).toEqual({ name: '市公交集团党委', peerHelp: null });
      const reversed = await gql(q, { ids: [ids['第一车队党支部']], from: TODAY, to: addDays(TODAY, -1) }, t.admin);
      expect(reversed.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PEER_PERIOD_INVALID' });
    });

    it('keeps an org’s open requests to the cap: of 20 asked at once at the boundary one passes, the rest CONFLICT', async () => {
      const CAP = server.config.openPeerHelpRequestsPerOrg;
      const made = await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
        { input: { parentId: ids['市公交集团党委'], name: '互助限额的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        t.admin,
      );
      expect(made.errors).toBeUndefined();
      const from = rawId(made.data.createOrg.id);
      // one short of the cap open, and answered ones besides (they do not count)
      await su.query(
        `INSERT INTO peer_help_requests (tenant_id, from_org_id, to_org_id, title, description, state, due_at, created_by, answer, answered_by, answered_at)
         SELECT o.tenant_id, o.id, $2, '请求' || n, '情况', CASE WHEN n < $3 THEN 'OPEN' ELSE 'ANSWERED' END, now() + interval '3 days', u.id,
                CASE WHEN n < $3 THEN NULL ELSE '已答复' END, CASE WHEN n < $3 THEN NULL ELSE u.id END, CASE WHEN n < $3 THEN NULL ELSE now() END
           FROM orgs o JOIN users u ON u.tenant_id = o.tenant_id AND u.username = 'admin', generate_series(1, $3 + 9) n
          WHERE o.id = $1`,
        [from, rawId(ids['第三车队党支部']), CAP],
      );
      const open = () => count(su, 'peer_help_requests', `from_org_id = $1 AND state = 'OPEN'`, [from]);
      expect(await open()).toBe(CAP - 1);
      const askOnce = (i: number) =>
        gql(
          ASK,
          { input: { fromOrgId: made.data.createOrg.id, toOrgId: ids['第三车队党支部'], title: `同时请求${i}`, description: '缺少场地' } },
          t.admin,
        );
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => askOnce(i)));
      const ok = answers.filter((r) => !r.errors);
      expect(ok).toHaveLength(1);
      expect(
        answers.flatMap((r) => (r.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}/${e.extensions?.field}`)),
      ).toEqual(Array(19).fill('CONFLICT/TOO_MANY_OPEN_PEER_HELP_REQUESTS/input.fromOrgId'));
      expect(answers.find((r) => r.errors)!.errors![0].message).toBe(
        `互助限额的党支部已有${CAP}个待答复的互助请求，达到上限${CAP}个；请待对方答复后再提出`,
      );
      expect(await open()).toBe(CAP);
      // an answer frees a place
      const answered = await gql(ANSWER, { input: { id: ok[0].data.requestPeerHelp.id, answer: '已安排' } }, third);
      expect(answered.errors).toBeUndefined();
      expect((await askOnce(99)).errors).toBeUndefined();
      expect(await open()).toBe(CAP);
    });
  });
});

/** A date as the Chinese messages write it. */
function chinese(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}
