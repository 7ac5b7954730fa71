import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { addDays } from './helpers/dates';
import { png } from './helpers/evidence-files';
import { rawId, unknownId } from './helpers/ids';
import { TestServer, codes, lockWaiters, startTestServer, tokens } from './helpers/server';
import { count, tenantToday } from './helpers/sql';
import { orgIds } from './helpers/story';

/**
 * Service teams (issue 14): 党员学雷锋车队 and the like, their members, their service records (when, where,
 * whom, what kind, hours, who served, optional evidence files) and the totals per team, member and org
 * over a period, all three answered by one statement.
 */
const TEAM = `id name description serviceKinds serviceKindLabels foundedOn disbandedOn org { name }`;
const MEMBER = `id name role roleLabel joinedOn leftOn active user { username } team { name }`;
const RECORD = `id servedOn place beneficiary kind kindLabel kindText hours participantCount description recordedByName
  participants { name } evidence { id name } team { name } org { name }`;

describe('service teams (党员学雷锋车队, 党员爱心车队)', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  let foreign: string;
  let TODAY: string;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const createTeam = (input: Record<string, unknown>, token = t.secretary) =>
    gql(`mutation($input: CreateServiceTeamInput!) { createServiceTeam(input: $input) { ${TEAM} } }`, { input }, token);
  const addMember = (input: Record<string, unknown>, token = t.secretary) =>
    gql(`mutation($input: AddServiceTeamMemberInput!) { addServiceTeamMember(input: $input) { ${MEMBER} } }`, { input }, token);
  const record = (input: Record<string, unknown>, token = t.secretary) =>
    gql(`mutation($input: RecordServiceInput!) { recordService(input: $input) { ${RECORD} } }`, { input }, token);
  const upload = async (token: string) => {
    const form = new FormData();
    form.append('file', new Blob([png(randomBytes(64))], { type: 'image/png' }), '服务照片.png');
    const res = await fetch(`${server.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(201);
    return ((await res.json()) as { files: { id: string }[] }).files[0].id;
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { EXPOSE_STATEMENT_COUNT: 'true' } });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj');
    foreign = await server.token('szjg', 'admin');
    TODAY = await tenantToday(su);
  });
  afterAll(() => server.close());

  let team: string;
  let captain: string;
  let driver: string;
  let memberAccount: string;

  it('is formed by the org’s secretary or an officer over it, with a name unique among the org’s live teams', async () => {
    const input = {
      orgId: ids['第一车队党支部'],
      name: '党员学雷锋车队',
      description: '助残助老',
      serviceKinds: ['DISABLED_ASSIST', 'ELDERLY_CARE', 'DISABLED_ASSIST'],
      foundedOn: addDays(TODAY, -100),
    };
    expect(codes(await createTeam(input, t.member))).toEqual(['FORBIDDEN']);
    expect(codes(await createTeam(input, t.secretary2))).toEqual(['NOT_FOUND']);
    expect(codes(await createTeam(input, foreign))).toEqual(['NOT_FOUND']);
    expect((await createTeam({ ...input, name: ' 　' })).errors![0].extensions).toMatchObject({
      reason: 'SERVICE_TEXT_BLANK',
      field: 'input.name',
    });
    expect((await createTeam({ ...input, foundedOn: addDays(TODAY, 1) })).errors![0].extensions).toMatchObject({
      reason: 'SERVICE_TEAM_FOUNDED_IN_FUTURE',
    });
    expect(await count(su, 'service_teams')).toBe(0);
    const results = await Promise.all(Array.from({ length: 10 }, () => createTeam(input)));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.reason))).toEqual(Array(9).fill('SERVICE_TEAM_NAME_TAKEN'));
    const created = results.find((r) => !r.errors)!.data.createServiceTeam;
    expect(created).toMatchObject({
      name: '党员学雷锋车队',
      serviceKinds: ['DISABLED_ASSIST', 'ELDERLY_CARE'],
      serviceKindLabels: ['助残', '助老'],
      foundedOn: addDays(TODAY, -100),
      disbandedOn: null,
      org: { name: '第一车队党支部' },
    });
    team = created.id;
  });

  it('takes members by account (of the team org’s subtree) or by name, once each at a time', async () => {
    const userId = async (username: string) =>
      Buffer.from(
        `User:${(await su.query(`SELECT id FROM users WHERE username = $1 AND tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`, [username])).rows[0].id}`,
      ).toString('base64url');
    const first = await addMember({ teamId: team, name: '李红', role: 'CAPTAIN', joinedOn: addDays(TODAY, -100) });
    expect(first.data.addServiceTeamMember).toMatchObject({
      name: '李红',
      role: 'CAPTAIN',
      roleLabel: '队长',
      active: true,
      user: null,
      team: { name: '党员学雷锋车队' },
    });
    captain = first.data.addServiceTeamMember.id;
    driver = (await addMember({ teamId: team, name: '张强', joinedOn: addDays(TODAY, -100) })).data.addServiceTeamMember.id;
    const account = await addMember({ teamId: team, userId: await userId('member'), joinedOn: addDays(TODAY, -30) });
    expect(account.data.addServiceTeamMember).toMatchObject({ name: '第一车队党员', role: 'MEMBER', user: null });
    memberAccount = account.data.addServiceTeamMember.id;
    // the account is readable by its owner
    expect(
      (await gql(`query($id: ID!) { node(id: $id) { ... on ServiceTeamMember { user { username } } } }`, { id: memberAccount }, t.member))
        .data.node,
    ).toEqual({
      user: { username: 'member' },
    });
    expect((await addMember({ teamId: team, userId: await userId('secretary2') })).errors![0].extensions).toMatchObject({
      reason: 'SERVICE_MEMBER_USER_OUTSIDE',
      field: 'input.userId',
    });
    expect((await addMember({ teamId: team, name: '李红' })).errors![0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'SERVICE_MEMBER_ALREADY',
    });
    expect((await addMember({ teamId: team, userId: await userId('member') })).errors![0].extensions).toMatchObject({
      reason: 'SERVICE_MEMBER_ALREADY',
    });
    expect((await addMember({ teamId: team })).errors![0].extensions).toMatchObject({ reason: 'SERVICE_MEMBER_NAME_REQUIRED' });
    expect(codes(await addMember({ teamId: team, name: '王五' }, t.member))).toEqual(['FORBIDDEN']);
    expect(codes(await addMember({ teamId: team, name: '王五' }, t.secretary2))).toEqual(['NOT_FOUND']);
    // concurrent additions of one name: one stands
    const same = await Promise.all(
      Array.from({ length: 10 }, () => addMember({ teamId: team, name: '刘洋', joinedOn: addDays(TODAY, -100) })),
    );
    expect(same.filter((r) => !r.errors).length).toBe(1);
    expect(same.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code))).toEqual(Array(9).fill('CONFLICT'));
    const leave = (id: string, leftOn: string) =>
      gql(
        `mutation($input: RemoveServiceTeamMemberInput!) { removeServiceTeamMember(input: $input) { leftOn active } }`,
        { input: { id, leftOn } },
        t.secretary,
      );
    const liu = same.find((r) => !r.errors)!.data.addServiceTeamMember.id;
    expect((await leave(liu, addDays(TODAY, -101))).errors![0].extensions).toMatchObject({ reason: 'SERVICE_LEFT_BEFORE_JOINED' });
    expect((await leave(liu, addDays(TODAY, -20))).data.removeServiceTeamMember).toEqual({ leftOn: addDays(TODAY, -20), active: false });
    expect((await leave(liu, TODAY)).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'SERVICE_MEMBER_LEFT' });
    const members = await gql(
      `query($id: ID!) { serviceTeam(id: $id) { members { nodes { name } } all: members(includeLeft: true) { totalCount } } }`,
      { id: team },
      t.supervisor,
    );
    expect(members.data.serviceTeam).toEqual({
      members: { nodes: [{ name: '李红' }, { name: '张强' }, { name: '第一车队党员' }] },
      all: { totalCount: 4 },
    });
  });

  let recorded: string;
  let photo: string;

  it('records a service with who served and evidence files; each value is checked and nothing is stored on a refusal', async () => {
    photo = await upload(t.secretary);
    const input = {
      teamId: team,
      servedOn: addDays(TODAY, -3),
      place: '市残疾人康复中心',
      beneficiary: '残疾乘客12人',
      kind: 'DISABLED_ASSIST',
      hours: 4.5,
      description: '接送残疾乘客往返康复中心',
      participantIds: [captain, driver],
      fileIds: [photo],
    };
    const bad: [Record<string, unknown>, string, string][] = [
      [{ hours: 0 }, 'BAD_USER_INPUT', 'input.hours'],
      [{ hours: 25 }, 'BAD_USER_INPUT', 'input.hours'],
      [{ hours: 1.25 }, 'SERVICE_HOURS_INVALID', 'input.hours'],
      [{ servedOn: addDays(TODAY, 1) }, 'SERVICE_DATE_INVALID', 'input.servedOn'],
      [{ place: ' ' }, 'SERVICE_TEXT_BLANK', 'input.place'],
      [{ kind: 'OTHER' }, 'SERVICE_KIND_TEXT_REQUIRED', 'input.kindText'],
      [{ kindText: '陪诊' }, 'SERVICE_KIND_TEXT_REQUIRED', 'input.kindText'],
      [{ participantIds: [] }, 'SERVICE_PARTICIPANTS_REQUIRED', 'input.participantIds'],
      // 第一车队党员 joined 30 days ago: not yet a member 40 days ago
      [{ servedOn: addDays(TODAY, -40), participantIds: [memberAccount] }, 'SERVICE_PARTICIPANT_NOT_MEMBER', 'input.participantIds'],
      [{ participantIds: [unknownId('ServiceTeamMember')] }, 'SERVICE_PARTICIPANT_NOT_MEMBER', 'input.participantIds'],
    ];
    for (const [change, reason, field] of bad) {
      const ext = (await record({ ...input, ...change })).errors?.[0].extensions ?? {};
      expect({
        change,
        reason: ext.reason === reason || ext.code === reason,
        field: ext.field ?? (ext.problems as { path: string }[])?.[0]?.path,
      }).toEqual({
        change,
        reason: true,
        field: expect.stringContaining(field.replace('input.', '')),
      });
    }
    expect(codes(await record(input, t.secretary2))).toEqual(['NOT_FOUND']);
    expect(codes(await record(input, foreign))).toEqual(['NOT_FOUND']);
    // a file the recorder may not read (another user's, attached nowhere) is refused, and the record with it
    const otherPhoto = await upload(t.secretary2);
    expect((await record({ ...input, fileIds: [otherPhoto] })).errors![0].extensions).toMatchObject({ reason: 'FILE_NOT_FOUND' });
    expect(await count(su, 'service_records')).toBe(0);
    expect(await count(su, 'file_attachments')).toBe(0);

    const res = await record(input);
    expect(res.errors).toBeUndefined();
    expect(res.data.recordService).toMatchObject({
      servedOn: addDays(TODAY, -3),
      place: '市残疾人康复中心',
      beneficiary: '残疾乘客12人',
      kind: 'DISABLED_ASSIST',
      kindLabel: '助残',
      kindText: null,
      hours: 4.5,
      participantCount: 2,
      participants: [{ name: '李红' }, { name: '张强' }],
      evidence: [{ id: photo, name: '服务照片.png' }],
      team: { name: '党员学雷锋车队' },
      org: { name: '第一车队党支部' },
      recordedByName: '第一车队党支部书记',
    });
    recorded = res.data.recordService.id;
  });

  it('lets a member of the team with an account record its own service, but no other member of the org', async () => {
    const own = await record(
      {
        teamId: team,
        servedOn: addDays(TODAY, -1),
        place: '光明社区',
        beneficiary: '独居老人',
        kind: 'OTHER',
        kindText: '陪诊',
        hours: 2,
        participantIds: [memberAccount, captain],
      },
      t.member,
    );
    expect(own.data.recordService).toMatchObject({ kind: 'OTHER', kindLabel: '陪诊', recordedByName: '第一车队党员', participantCount: 2 });
    const other = await createTeam({ orgId: ids['第一车队党支部'], name: '第一车队志愿队' });
    const lead = (await addMember({ teamId: other.data.createServiceTeam.id, name: '陈刚' })).data.addServiceTeamMember.id;
    const refused = await record(
      {
        teamId: other.data.createServiceTeam.id,
        servedOn: TODAY,
        place: '站台',
        beneficiary: '乘客',
        kind: 'ELDERLY_CARE',
        hours: 1,
        participantIds: [lead],
      },
      t.member,
    );
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    // a member of another team is no participant of this one
    expect(
      (
        await record({
          teamId: team,
          servedOn: TODAY,
          place: '站台',
          beneficiary: '乘客',
          kind: 'ELDERLY_CARE',
          hours: 1,
          participantIds: [lead],
        })
      ).errors![0].extensions,
    ).toMatchObject({ reason: 'SERVICE_PARTICIPANT_NOT_MEMBER' });
  });

  it('shows teams, members, records and their evidence exactly to the readers of the team’s org', async () => {
    const q = `query($id: ID!) { node(id: $id) { id } }`;
    for (const id of [team, captain, recorded]) {
      expect((await gql(q, { id }, t.supervisor)).data.node).toEqual({ id });
      expect((await gql(q, { id }, t.member)).data.node).toEqual({ id });
      expect((await gql(q, { id }, t.secretary2)).data.node).toBeNull();
      expect((await gql(q, { id }, foreign)).data.node).toBeNull();
    }
    const list = `{ serviceTeams { totalCount } serviceRecords { totalCount } }`;
    expect((await gql(list, {}, t.supervisor)).data).toEqual({ serviceTeams: { totalCount: 2 }, serviceRecords: { totalCount: 2 } });
    expect((await gql(list, {}, t.secretary2)).data).toEqual({ serviceTeams: { totalCount: 0 }, serviceRecords: { totalCount: 0 } });
    expect((await gql(list, {}, foreign)).data).toEqual({ serviceTeams: { totalCount: 0 }, serviceRecords: { totalCount: 0 } });
    // the evidence file follows the record: its readers download it, others do not see it
    const download = (token: string) => fetch(`${server.baseUrl}/files/${photo}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await download(t.supervisor)).status).toBe(200);
    expect((await download(t.member)).status).toBe(200);
    expect((await download(t.secretary2)).status).toBe(404);
    expect((await download(foreign)).status).toBe(404);
    const filtered = await gql(
      `query($m: ID!, $from: Date, $to: Date) { serviceRecords(memberId: $m, from: $from, to: $to) { nodes { place } } }`,
      { m: memberAccount, from: addDays(TODAY, -2), to: TODAY },
      t.supervisor,
    );
    expect(filtered.data.serviceRecords.nodes).toEqual([{ place: '光明社区' }]);
  });

  it('adds up a period per team, per member and per org subtree, all of them in one statement', async () => {
    const totals = `records hours personHours days`;
    const q = (teams: number) => `query($team: ID!, $orgs: [ID!]!, $from: Date!, $to: Date!) {
      serviceTeam(id: $team) { totals(from: $from, to: $to) { ${totals} } members { nodes { name totals(from: $from, to: $to) { ${totals} } } } }
      ${teams > 1 ? `serviceTeams { nodes { name totals(from: $from, to: $to) { ${totals} } } }` : ''}
      nodes(ids: $orgs) { ... on Org { name serviceTotals(from: $from, to: $to) { ${totals} } } } }`;
    const vars = { team, orgs: [ids['第一车队党支部'], ids['市公交集团党委'], ids['养护科党支部']], from: addDays(TODAY, -7), to: TODAY };
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}` },
      body: JSON.stringify({ query: q(2), variables: vars }),
    });
    const body = (await res.json()) as { data: Record<string, any> };
    expect(body.data.serviceTeam).toEqual({
      totals: { records: 2, hours: 6.5, personHours: 13, days: 2 },
      members: {
        nodes: [
          { name: '李红', totals: { records: 2, hours: 6.5, personHours: 6.5, days: 2 } },
          { name: '张强', totals: { records: 1, hours: 4.5, personHours: 4.5, days: 1 } },
          { name: '第一车队党员', totals: { records: 1, hours: 2, personHours: 2, days: 1 } },
        ],
      },
    });
    expect(body.data.nodes).toEqual([
      { name: '第一车队党支部', serviceTotals: { records: 2, hours: 6.5, personHours: 13, days: 2 } },
      { name: '市公交集团党委', serviceTotals: { records: 2, hours: 6.5, personHours: 13, days: 2 } },
      { name: '养护科党支部', serviceTotals: { records: 0, hours: 0, personHours: 0, days: 0 } },
    ]);
    const statements = async (query: string, variables: Record<string, unknown> = vars) =>
      Number(
        (
          await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}` },
            body: JSON.stringify({ query, variables }),
          })
        ).headers.get('x-sql-statements'),
      );
    // per-object totals are batched: one statement per level asked (teams, members), however many objects
    const totalsOf = (withTotals: boolean) => (withTotals ? 'totals(from: $from, to: $to) { records }' : '');
    const list = (withTotals: boolean) =>
      `query${withTotals ? '($from: Date!, $to: Date!)' : ''} { serviceTeams { nodes { name ${totalsOf(withTotals)} members { nodes { name ${totalsOf(withTotals)} } } } } }`;
    const period = { from: vars.from, to: vars.to };
    const [withTotals, without] = [await gql(list(true), period, t.admin), await gql(list(false), {}, t.admin)];
    expect([withTotals.errors, without.errors]).toEqual([undefined, undefined]);
    expect(withTotals.data.serviceTeams.nodes.length).toBe(2);
    expect((await statements(list(true), period)) - (await statements(list(false), {}))).toBe(2);

    // the report: the subtree's total, every team's and every member's in ONE statement
    const report = `query($from: Date!, $to: Date!) { serviceTotals(from: $from, to: $to) {
      from to total { ${totals} } teams { teamId teamName ${totals} } members { memberId memberName teamName ${totals} } teamsTruncated membersTruncated } }`;
    expect((await statements(report, period)) - (await statements(`{ __typename }`, {}))).toBe(1);
    const full = await gql(report.replace('teams { teamId', 'teams { team { name } teamId'), period, t.supervisor);
    expect(full.data.serviceTotals).toEqual({
      from: vars.from,
      to: vars.to,
      total: { records: 2, hours: 6.5, personHours: 13, days: 2 },
      teams: [
        { team: { name: '党员学雷锋车队' }, teamId: team, teamName: '党员学雷锋车队', records: 2, hours: 6.5, personHours: 13, days: 2 },
      ],
      members: [
        { memberId: captain, memberName: '李红', teamName: '党员学雷锋车队', records: 2, hours: 6.5, personHours: 6.5, days: 2 },
        { memberId: driver, memberName: '张强', teamName: '党员学雷锋车队', records: 1, hours: 4.5, personHours: 4.5, days: 1 },
        { memberId: memberAccount, memberName: '第一车队党员', teamName: '党员学雷锋车队', records: 1, hours: 2, personHours: 2, days: 1 },
      ],
      teamsTruncated: false,
      membersTruncated: false,
    });
    // a sibling subtree and another tenant count nothing of it
    for (const token of [t.secretary2, foreign])
      expect(
        (
          await gql(
            `query($from: Date!, $to: Date!) { serviceTotals(from: $from, to: $to) { total { records } teams { teamId } } }`,
            period,
            token,
          )
        ).data,
      ).toEqual({ serviceTotals: { total: { records: 0 }, teams: [] } });
    // an org seen only as a breadcrumb has no totals; another period counts nothing; a reversed one is refused
    const crumb = await gql(
      `query($id: ID!) { node(id: $id) { ... on Org { serviceTotals(from: "2013-01-01", to: "2013-12-31") { records } } } }`,
      { id: ids['市公交集团党委'] },
      t.secretary,
    );
    expect(crumb.data.node).toEqual({ serviceTotals: null });
    const old = await gql(
      `query($id: ID!) { serviceTeam(id: $id) { totals(from: "2013-01-01", to: "2013-12-31") { records } } }`,
      { id: team },
      t.admin,
    );
    expect(old.data.serviceTeam.totals.records).toBe(0);
    const reversed = await gql(
      `query($id: ID!, $to: Date!) { serviceTeam(id: $id) { totals(from: $to, to: "2013-01-01") { records } } }`,
      { id: team, to: TODAY },
      t.admin,
    );
    expect(reversed.errors![0].extensions).toMatchObject({ reason: 'SERVICE_PERIOD_INVALID' });
  });

  it('pages a team’s records, latest first, every team’s page in one windowed statement', async () => {
    const page = (after?: string) =>
      gql(
        `query($id: ID!, $after: String) { serviceTeam(id: $id) { records(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { place servedOn } } } }`,
        { id: team, after },
        t.supervisor,
      );
    const one = (await page()).data.serviceTeam.records;
    expect(one).toMatchObject({
      totalCount: 2,
      pageInfo: { hasNextPage: true },
      nodes: [{ place: '光明社区', servedOn: addDays(TODAY, -1) }],
    });
    const two = (await page(one.pageInfo.endCursor)).data.serviceTeam.records;
    expect(two).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: false }, nodes: [{ place: '市残疾人康复中心' }] });
    const inPeriod = await gql(
      `query($id: ID!, $from: Date, $to: Date) { serviceTeam(id: $id) { records(from: $from, to: $to) { totalCount nodes { place } } } }`,
      { id: team, from: addDays(TODAY, -2), to: TODAY },
      t.supervisor,
    );
    expect(inPeriod.data.serviceTeam.records).toEqual({ totalCount: 1, nodes: [{ place: '光明社区' }] });
    const statements = async (query: string) =>
      Number(
        (
          await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}` },
            body: JSON.stringify({ query }),
          })
        ).headers.get('x-sql-statements'),
      );
    const teams = await gql(`{ serviceTeams { nodes { name records { totalCount nodes { place } } } } }`, {}, t.admin);
    expect(teams.data.serviceTeams.nodes.map((n: { records: { totalCount: number } }) => n.records.totalCount)).toEqual([2, 0]);
    // the records of every team listed: one statement for their pages, one for the records themselves
    expect(
      (await statements(`{ serviceTeams { nodes { name records { totalCount nodes { place } } } } }`)) -
        (await statements(`{ serviceTeams { nodes { name } } }`)),
    ).toBe(2);
  });

  it('corrects a record partly and deletes one entered by mistake (the team’s managers), its files back to their uploader', async () => {
    const update = (input: Record<string, unknown>, token = t.secretary) =>
      gql(
        `mutation($input: UpdateServiceRecordInput!) { updateServiceRecord(input: $input) { ${RECORD} } }`,
        { input: { id: recorded, ...input } },
        token,
      );
    const res = await update({ hours: 5, participantIds: [captain] });
    expect(res.data.updateServiceRecord).toMatchObject({
      hours: 5,
      participantCount: 1,
      participants: [{ name: '李红' }],
      place: '市残疾人康复中心',
      beneficiary: '残疾乘客12人',
      kind: 'DISABLED_ASSIST',
      evidence: [{ id: photo }],
    });
    expect(codes(await update({ hours: 3 }, t.secretary2))).toEqual(['NOT_FOUND']);
    const removed = await update({ removeFileIds: [photo] });
    expect(removed.data.updateServiceRecord.evidence).toEqual([]);
    expect((await fetch(`${server.baseUrl}/files/${photo}`, { headers: { authorization: `Bearer ${t.supervisor}` } })).status).toBe(404);
    await update({ addFileIds: [photo] });
    const remove = (token: string) => gql(`mutation($id: ID!) { deleteServiceRecord(input: { id: $id }) }`, { id: recorded }, token);
    expect(codes(await remove(t.member))).toEqual(['FORBIDDEN']);
    expect(codes(await remove(foreign))).toEqual(['NOT_FOUND']);
    expect((await remove(t.secretary)).data.deleteServiceRecord).toBe(true);
    expect(await count(su, 'service_records', 'id = $1', [rawId(recorded)])).toBe(0);
    expect(await count(su, 'file_attachments')).toBe(0);
    expect((await fetch(`${server.baseUrl}/files/${photo}`, { headers: { authorization: `Bearer ${t.secretary}` } })).status).toBe(200);
  });

  it('disbands a team: no new members, the records stay', async () => {
    const disband = (token = t.secretary) =>
      gql(`mutation($id: ID!) { disbandServiceTeam(input: { id: $id }) { disbandedOn } }`, { id: team }, token);
    expect(codes(await disband(t.member))).toEqual(['FORBIDDEN']);
    expect((await disband()).data.disbandServiceTeam).toEqual({ disbandedOn: TODAY });
    expect((await disband()).errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'SERVICE_TEAM_DISBANDED' });
    expect((await addMember({ teamId: team, name: '新队员' })).errors![0].extensions).toMatchObject({ reason: 'SERVICE_TEAM_DISBANDED' });
    const lists = await gql(
      `{ serviceTeams { totalCount } all: serviceTeams(includeDisbanded: true) { totalCount } serviceRecords { totalCount } }`,
      {},
      t.secretary,
    );
    expect(lists.data).toEqual({ serviceTeams: { totalCount: 1 }, all: { totalCount: 2 }, serviceRecords: { totalCount: 1 } });
  });

  it('dates no record after a disband, and adds no member to a team disbanded while the addition waited', async () => {
    // the team disbanded three days ago: a record moved to a later day is refused, as a new one is
    await su.query(`UPDATE service_teams SET disbanded_on = $2::date - 3 WHERE id = $1`, [rawId(team), TODAY]);
    const kept = (await gql(`{ serviceRecords { nodes { id team { id } } } }`, {}, t.secretary)).data.serviceRecords.nodes.find(
      (r: { team: { id: string } }) => r.team.id === team,
    ).id;
    const moved = await gql(
      `mutation($input: UpdateServiceRecordInput!) { updateServiceRecord(input: $input) { servedOn } }`,
      { input: { id: kept, servedOn: addDays(TODAY, -1) } },
      t.secretary,
    );
    expect(moved.errors?.map((e) => e.extensions?.reason)).toEqual(['SERVICE_TEAM_DISBANDED']);
    // another team: its row held by a disband in progress, an addition waits, then sees the disband
    const other = (await createTeam({ orgId: ids['第一车队党支部'], name: '临时服务队' })).data.createServiceTeam.id;
    const disbander = await server.superuser({ own: true });
    await disbander.query('BEGIN');
    await disbander.query(`UPDATE service_teams SET disbanded_on = $2::date WHERE id = $1`, [rawId(other), TODAY]);
    const adding = addMember({ teamId: other, name: '迟到的队员' });
    expect(await lockWaiters(su, 1)).toBe(1);
    await disbander.query('COMMIT');
    expect((await adding).errors?.map((e) => e.extensions?.reason)).toEqual(['SERVICE_TEAM_DISBANDED']);
    expect(await count(su, 'service_team_members', 'team_id = $1', [rawId(other)])).toBe(0);
    await disbander.end();
  });

  describe('a record and its members kept in step', () => {
    let crew: string;
    let helper: string;
    let served: string;
    beforeAll(async () => {
      crew = (await createTeam({ orgId: ids['第一车队党支部'], name: '在步服务队' })).data.createServiceTeam.id;
      helper = (await addMember({ teamId: crew, name: '王帮', joinedOn: addDays(TODAY, -60) })).data.addServiceTeamMember.id;
      const made = await record({
        teamId: crew,
        servedOn: addDays(TODAY, -5),
        place: '社区医院',
        beneficiary: '独居老人',
        kind: 'OTHER',
        kindText: '陪诊',
        hours: 2,
        participantIds: [helper],
      });
      expect(made.errors).toBeUndefined();
      served = made.data.recordService.id;
    });
    const update = (input: Record<string, unknown>) =>
      gql(
        `mutation($input: UpdateServiceRecordInput!) { updateServiceRecord(input: $input) { kind kindText hours } }`,
        { input: { id: served, ...input } },
        t.secretary,
      );

    it('keeps the stored kindText when a correction gives the kind alone, and drops it when the kind is no longer OTHER', async () => {
      expect((await update({ kind: 'OTHER', hours: 3 })).data).toEqual({
        updateServiceRecord: { kind: 'OTHER', kindText: '陪诊', hours: 3 },
      });
      expect((await update({ kind: 'OTHER', kindText: '助医' })).data.updateServiceRecord).toEqual({
        kind: 'OTHER',
        kindText: '助医',
        hours: 3,
      });
      expect((await update({ kind: 'ELDERLY_CARE' })).data.updateServiceRecord).toEqual({ kind: 'ELDERLY_CARE', kindText: null, hours: 3 });
      expect((await update({ kind: 'OTHER' })).errors?.map((e) => e.extensions?.reason)).toEqual(['SERVICE_KIND_TEXT_REQUIRED']);
    });

    it('refuses a leaving day before the member’s latest service, so that the record stays correctable', async () => {
      const leave = (leftOn: string) =>
        gql(
          `mutation($input: RemoveServiceTeamMemberInput!) { removeServiceTeamMember(input: $input) { leftOn } }`,
          {
            input: { id: helper, leftOn },
          },
          t.secretary,
        );
      expect((await leave(addDays(TODAY, -6))).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'SERVICE_LEFT_BEFORE_SERVED',
        field: 'input.leftOn',
      });
      expect((await update({ hours: 4 })).data.updateServiceRecord.hours).toBe(4);
      expect((await leave(addDays(TODAY, -5))).data.removeServiceTeamMember).toEqual({ leftOn: addDays(TODAY, -5) });
      expect((await update({ hours: 2 })).data.updateServiceRecord.hours).toBe(2);
    });

    it('takes off, with the record, a file an attach put on while the delete waited', async () => {
      const photo = rawId(await upload(t.secretary));
      const attacher = await server.superuser({ own: true });
      await attacher.query('BEGIN');
      // an attach in progress holds the record (as fileService.attach does) and puts a file on it
      await attacher.query(`SELECT 1 FROM service_records WHERE id = $1 FOR UPDATE`, [rawId(served)]);
      await attacher.query(
        `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by)
         SELECT f.tenant_id, f.id, 'ServiceRecord', $2, f.uploaded_by FROM files f WHERE f.id = $1`,
        [photo, rawId(served)],
      );
      const removing = gql(`mutation($id: ID!) { deleteServiceRecord(input: { id: $id }) }`, { id: served }, t.secretary);
      expect(await lockWaiters(su, 1)).toBe(1);
      await attacher.query('COMMIT');
      expect((await removing).data).toEqual({ deleteServiceRecord: true });
      expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(served)])).toBe(0);
      await attacher.end();
    });
  });

  it('takes no new member or record on a team of an archived org; its records stay correctable', async () => {
    const org = (
      await gql(
        `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "服务队撤销党支部", kind: BRANCH, category: ENTERPRISE }) { id } }`,
        { p: ids['市公交集团党委'] },
        t.admin,
      )
    ).data.createOrg.id;
    const crew = (await createTeam({ orgId: org, name: '撤销前的服务队' }, t.admin)).data.createServiceTeam.id;
    const hand = (await addMember({ teamId: crew, name: '李师傅', joinedOn: addDays(TODAY, -30) }, t.admin)).data.addServiceTeamMember.id;
    const service = (input: Record<string, unknown>) =>
      record(
        {
          teamId: crew,
          place: '公交站台',
          beneficiary: '乘客',
          kind: 'OTHER',
          kindText: '引导',
          hours: 1,
          participantIds: [hand],
          ...input,
        },
        t.admin,
      );
    const kept = (await service({ servedOn: addDays(TODAY, -10) })).data.recordService.id;
    expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: org }, t.admin)).errors).toBeUndefined();
    const [members, records] = [await count(su, 'service_team_members'), await count(su, 'service_records')];
    const answers = [await service({ servedOn: addDays(TODAY, -2) }), await addMember({ teamId: crew, name: '新队员' }, t.admin)];
    expect(answers.map((a) => a.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`))).toEqual([
      ['CONFLICT/ORG_ARCHIVED'],
      ['CONFLICT/ORG_ARCHIVED'],
    ]);
    expect([await count(su, 'service_team_members'), await count(su, 'service_records')]).toEqual([members, records]);
    // what it has stays editable (a correction of a record, a member leaving)
    const corrected = await gql(
      `mutation($input: UpdateServiceRecordInput!) { updateServiceRecord(input: $input) { hours } }`,
      { input: { id: kept, hours: 2 } },
      t.admin,
    );
    expect(corrected.data).toEqual({ updateServiceRecord: { hours: 2 } });
  });
});
