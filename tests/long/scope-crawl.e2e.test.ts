import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GraphQLSchema, buildClientSchema, getIntrospectionQuery, isInterfaceType, isNonNullType } from 'graphql';
import { Client } from 'pg';
import { sweepDeadlineReminders } from '../../src/modules/notification/sweeps';
import { mutationsTakingIds, operation, rawOf, rootQueries, strip, toGlobal } from '../helpers/crawl';
import { GqlResponse, TestServer, startTestServer, firstSignIn } from '../helpers/server';
import { orgIds } from '../helpers/story';
import { day } from '../helpers/dates';

/**
 * The class guard of issue 10's "authorization by scope": no role check ignores the scope of the
 * assignment. Within one tenant (jtj, with the full demo), every scoped role (a TENANT_ADMIN over one
 * 直属党委, the 公交集团 supervisor, two branch secretaries, a member) is pointed at a sibling subtree
 * it has no part in. The schema is read by introspection; one instance of every Node type is found in
 * that sibling subtree (the demo fills 市公交集团党委; the same kinds are made through the API in
 * 市公路管理处党委), and the role tries node, nodes, every root query and every mutation that takes an
 * id, with those ids: nothing of the sibling subtree is returned, confirmed to exist (the answer equals
 * the answer for unknown ids) or changed (a fingerprint of the tenant's rows is unchanged).
 */

/** Types the whole tenant reads by design, with the reason; every other Node type must be bound to an org. */
const TENANT_WIDE: Record<string, string> = {
  Tenant: 'the viewer’s own tenant',
  Framework: 'the tenant’s criteria: every org is scored against them',
  FrameworkVersion: 'the tenant’s criteria: every org is scored against them',
  Criterion: 'the tenant’s criteria: every org is scored against them',
  Notice: '通报 circulate to every org of the tenant once issued (drafts stay with the issuers at the root)',
  ExemplarKindDefinition: 'the tenant’s titles (典型类别): any org may be nominated for them, so every user reads them',
};
/** Rows of an org-bound type the whole tenant reads by design: never chosen, never counted as a leak. */
const PUBLIC_ROWS: Record<string, { where: string; reason: string }> = {
  Exemplar: {
    where: `x.state IN ('PUBLIC_NOTICE', 'NAMED', 'RE_EVALUATED')`,
    reason: '选树典型 in 公示 or named is public within the agency, so anyone may object',
  },
};
/** How a type without an org column of its own reaches its org, where the foreign keys do not say it. */
const BINDING_OVERRIDES: Record<string, { join: string; org: string }> = {
  // a team belongs to the subtrees it inspects (its leader is an inspector at the root)
  SupervisionTeam: { join: 'JOIN supervision_team_scopes b ON b.tenant_id = x.tenant_id AND b.team_id = x.id', org: 'b.org_id' },
  // a pairing belongs to the person's org (the cadre's home org may lie elsewhere)
  Pairing: { join: 'JOIN pairing_persons b ON b.tenant_id = x.tenant_id AND b.id = x.person_id', org: 'b.org_id' },
  PairingVisit: {
    join: 'JOIN pairings p ON p.tenant_id = x.tenant_id AND p.id = x.pairing_id JOIN pairing_persons b ON b.tenant_id = p.tenant_id AND b.id = p.person_id',
    org: 'b.org_id',
  },
  // a file on no record is its uploader's alone (the demo's are unattached); once attached, its records'
  File: { join: 'JOIN users b ON b.tenant_id = x.tenant_id AND b.id = x.uploaded_by', org: 'b.org_id' },
};
const ORG_COLUMNS = ['org_id', 'owner_org_id', 'from_org_id', 'scope_org_id'];
/** Mutations without an id that are no power over the tenant: sessions and the public's own channels. */
const NOT_TENANT_POWERS: Record<string, string> = {
  login: 'a session',
  refreshToken: 'a session',
  logout: 'a session (the viewer’s own)',
  submitOpinion: 'the public’s channel, through a link code',
  rateOpinionReply: 'the public’s channel, through a follow-up token',
  createTenant: 'the platform operator’s (refused to every tenant user)',
  completeSignIn: 'a session (a step of a sign-in, through its challenge token)',
  signInWithSso: 'a session (single sign-on’s one-time code, made by the provider’s callback)',
  changePassword: 'the viewer’s own account (its current password first)',
  confirmTotp: 'the viewer’s own account (a pending enrolment’s code)',
  regenerateRecoveryCodes: 'the viewer’s own account (a current one-time code first)',
  disableTotp: 'the viewer’s own account (a current one-time code first)',
  signOutEverywhere: 'the viewer’s own sessions (not run: it would end the crawl’s own; tests/auth-passwords.test.ts)',
  enrolTotp: 'the viewer’s own account (not run: it stores a pending secret; tests/auth.e2e.test.ts)',
};
/** Of those, the ones the crawl does not send: they change the viewer's own account by design. */
const NOT_SENT = ['signOutEverywhere', 'enrolTotp'];
/** Mutations that may answer a sibling's ids without an error, because they act on the viewer's own rows only. */
const HARMLESS: Record<string, string> = {
  markNotificationsRead: 'marks the viewer’s own notifications only: another user’s ids mark nothing (answer equal to unknown ids)',
};

const PASSWORD = 'scope-crawl-password';
const BUS = { root: '市公交集团党委', branch: '第一车队党支部', peer: '党员学雷锋车队党支部', secretary: 'secretary' };
const ROAD = { root: '市公路管理处党委', branch: '养护科党支部', peer: '路政大队党支部', secretary: 'secretary2' };
/** Each scoped role, and the sibling subtree it must not reach. */
const ROLES = [
  { username: 'bus-admin', scope: 'TENANT_ADMIN over 市公交集团党委', sibling: ROAD },
  { username: 'road-admin', scope: 'TENANT_ADMIN over 市公路管理处党委', sibling: BUS },
  { username: 'supervisor', scope: 'SUPERVISOR of 市公交集团党委', sibling: ROAD },
  { username: 'secretary', scope: 'SECRETARY of 第一车队党支部', sibling: ROAD },
  { username: 'member', scope: 'MEMBER of 第一车队党支部', sibling: ROAD },
  { username: 'secretary2', scope: 'SECRETARY of 养护科党支部', sibling: BUS },
];

/** A day relative to today in the tenant's zone (Asia/Shanghai, UTC+8, no daylight saving). */

describe('scope crawl: every scoped role against a sibling subtree, every Node type, every operation', () => {
  let server: TestServer;
  let su: Client;
  let schema: GraphQLSchema;
  let tenantId: string;
  let ids: Record<string, string>;
  const tokens = new Map<string, string>();
  /** Node type → how its rows reach their org (SQL over alias x). */
  const bindings = new Map<string, { table: string; key: string; join: string; org: string }>();
  /** Sibling root name → type name → global id of one instance inside that subtree. */
  const inside = new Map<string, Map<string, string>>();
  /** Sibling root name → every raw and global id of the subtree's rows (what must never show up). */
  const secrets = new Map<string, string[]>();
  /** Type name → a global id of the type that exists nowhere. */
  const unknown = new Map<string, string>();
  /** Tenant-wide type → one real instance (the same in the sibling run and in the control run). */
  const tenantWide = new Map<string, string>();
  const tried = { roles: 0, nodeChecks: 0, queries: 0, defaultScopeQueries: 0, mutations: 0, tenantPowers: 0 };

  const gql = (q: string, v: Record<string, unknown>, t: string) => server.gql(q, v, t);
  const must = async (what: string, res: Promise<GqlResponse>) => {
    const r = await res;
    if (r.errors || !r.data) throw new Error(`${what}: ${JSON.stringify(r.errors)}`);
    return r.data;
  };
  const userGid = async (username: string) =>
    toGlobal('User', (await su.query(`SELECT id FROM users WHERE tenant_id = $1 AND username = $2`, [tenantId, username])).rows[0].id);

  /** One record of every kind in a subtree, made through the API by the people who make them. */
  async function populate(s: typeof BUS) {
    // an import job (a dry run) by the subtree's own admin: readable by admins over that subtree only
    const form = new FormData();
    form.append(
      'file',
      new Blob([`组织名称,组织类型,单位类别,上级组织\n${s.root}新支部,党支部,企业,${s.root}`], { type: 'text/csv' }),
      'orgs.csv',
    );
    const uploaded = await fetch(`${server.baseUrl}/imports/orgs/jobs?dryRun=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(s === BUS ? 'bus-admin' : 'road-admin')}` },
      body: form,
    });
    if (uploaded.status !== 202) throw new Error(`import job upload: ${uploaded.status} ${await uploaded.text()}`);
    const admin = await server.token('jtj', 'admin');
    const secretary = await server.token('jtj', s.secretary);
    const inspector = await server.token('jtj', 'inspector');
    const [root, branch] = [ids[s.root], ids[s.branch]];
    const [{ id: versionRaw }] = (
      await su.query(`SELECT id FROM framework_versions WHERE tenant_id = $1 AND status = 'PUBLISHED' LIMIT 1`, [tenantId])
    ).rows;
    const campaign = (
      await must(
        'createCampaign',
        gql(
          `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id deadlines { id } } }`,
          {
            input: {
              name: `${s.root}创建活动`,
              versionId: toGlobal('FrameworkVersion', versionRaw),
              scopeOrgId: root,
              eligibleKinds: ['GENERAL_BRANCH', 'BRANCH'],
              startsOn: day(-30),
              endsOn: '2030-12-31',
              deadlines: [{ code: 'PLAN', name: '支部创建计划', dueOn: day(10), orgKinds: ['BRANCH'] }],
            },
          },
          admin,
        ),
      )
    ).createCampaign;
    await must(
      'setLeadingGroup',
      gql(
        `mutation($input: SetLeadingGroupInput!) { setLeadingGroup(input: $input) { officeNote } }`,
        { input: { campaignId: campaign.id, leader: { userId: await userGid('leader'), title: '组长' }, officeOrgId: root } },
        admin,
      ),
    );
    const team = (
      await must(
        'createSupervisionTeam',
        gql(
          `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
          { input: { name: `${s.root}督导组`, leaderId: await userGid('inspector'), scopeOrgIds: [root] } },
          admin,
        ),
      )
    ).createSupervisionTeam;
    await must(
      'submitForDeadline',
      gql(
        `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { id } }`,
        { input: { deadlineId: campaign.deadlines[0].id, orgId: branch, text: '支部创建计划' } },
        secretary,
      ),
    );
    await must(
      'createLedgerEntry',
      gql(
        `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id } }`,
        { input: { orgId: branch, occurredOn: day(-2), category: 'MEETING', title: '支部党员大会', content: '台帐内容', participants: 9 } },
        secretary,
      ),
    );
    const briefing = (
      await must(
        'createBriefing',
        gql(
          `mutation($input: CreateBriefingInput!) { createBriefing(input: $input) { id } }`,
          { input: { orgId: branch, title: '创建简报', body: '简报内容' } },
          secretary,
        ),
      )
    ).createBriefing;
    await must('publishBriefing', gql(`mutation($id: ID!) { publishBriefing(input: { id: $id }) { id } }`, { id: briefing.id }, secretary));
    // 舆论引导: the briefing proposed for the public showcase (pending the root admin's review)
    await must(
      'proposeShowcaseItem',
      gql(`mutation($id: ID!) { proposeShowcaseItem(input: { sourceId: $id }) { id } }`, { id: briefing.id }, secretary),
    );
    // 同级党组织互帮互助: the branch paired with a sibling (by the admin over both), and a request for help
    await must(
      'createPeerPairing',
      gql(
        `mutation($input: CreatePeerPairingInput!) { createPeerPairing(input: $input) { id } }`,
        { input: { orgId: branch, partnerOrgId: ids[s.peer], startsOn: day(-10), endsOn: day(300), goals: ['联合开展主题党日'] } },
        admin,
      ),
    );
    await must(
      'requestPeerHelp',
      gql(
        `mutation($input: RequestPeerHelpInput!) { requestPeerHelp(input: $input) { id } }`,
        { input: { fromOrgId: branch, toOrgId: ids[s.peer], title: '请求支援', description: '需要帮助' } },
        secretary,
      ),
    );
    // a service team with a member and a service record
    const serviceTeam = (
      await must(
        'createServiceTeam',
        gql(
          `mutation($input: CreateServiceTeamInput!) { createServiceTeam(input: $input) { id } }`,
          { input: { orgId: branch, name: `${s.branch}党员服务队`, serviceKinds: ['ELDERLY_CARE'] } },
          secretary,
        ),
      )
    ).createServiceTeam;
    const serviceMember = (
      await must(
        'addServiceTeamMember',
        gql(
          `mutation($input: AddServiceTeamMemberInput!) { addServiceTeamMember(input: $input) { id } }`,
          { input: { teamId: serviceTeam.id, name: '服务队员', joinedOn: day(-30) } },
          secretary,
        ),
      )
    ).addServiceTeamMember;
    await must(
      'recordService',
      gql(
        `mutation($input: RecordServiceInput!) { recordService(input: $input) { id } }`,
        {
          input: {
            teamId: serviceTeam.id,
            servedOn: day(-2),
            place: '社区',
            beneficiary: '老人',
            kind: 'ELDERLY_CARE',
            hours: 2,
            participantIds: [serviceMember.id],
          },
        },
        secretary,
      ),
    );
    await must(
      'pledgeCommitment',
      gql(
        `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`,
        { input: { orgId: branch, text: '承诺为群众办实事', dueOn: day(30) } },
        secretary,
      ),
    );
    await must(
      'registerInnovationProject',
      gql(
        `mutation($input: RegisterInnovationProjectInput!) { registerInnovationProject(input: $input) { id } }`,
        { input: { orgId: branch, year: Number(day(0).slice(0, 4)), theme: '多彩服务创新项目' } },
        secretary,
      ),
    );
    await must(
      'nominateExemplar',
      gql(
        `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id } }`,
        {
          input: {
            kind: 'MODEL_POST',
            orgId: branch,
            year: Number(day(0).slice(0, 4)),
            title: '党员示范岗',
            memberName: '张三',
            reason: '服务热情',
          },
        },
        secretary,
      ),
    );
    const window = (
      await must(
        'nominateExemplar (window)',
        gql(
          `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id } }`,
          { input: { kind: 'MODEL_WINDOW', orgId: branch, year: Number(day(0).slice(0, 4)), title: '党员示范窗口', reason: '窗口服务' } },
          secretary,
        ),
      )
    ).nominateExemplar;
    await must(
      'startExemplarReview',
      gql(`mutation($id: ID!) { startExemplarReview(input: { id: $id }) { id } }`, { id: window.id }, admin),
    );
    await must(
      'startExemplarNotice',
      gql(
        `mutation($id: ID!, $s: Date!, $e: Date!) { startExemplarNotice(input: { id: $id, startsOn: $s, endsOn: $e }) { id } }`,
        { id: window.id, s: day(0), e: day(7) },
        admin,
      ),
    );
    await must(
      'lodgeExemplarObjection',
      gql(`mutation($id: ID!) { lodgeExemplarObjection(input: { exemplarId: $id, text: "请核实" }) { id } }`, { id: window.id }, secretary),
    );
    const link = (
      await must(
        'createLinkCode',
        gql(
          `mutation($input: CreateLinkCodeInput!) { createLinkCode(input: $input) { id code } }`,
          { input: { orgId: branch, label: '服务窗口二维码' } },
          secretary,
        ),
      )
    ).createLinkCode;
    await must(
      'submitPublicReview',
      gql(
        `mutation($input: SubmitPublicReviewInput!) { submitPublicReview(input: $input) { __typename } }`,
        { input: { code: link.code, rating: 5, comment: '满意', deviceId: `device-${randomUUID()}` } },
        '',
      ),
    );
    await must(
      'recordOpinion',
      gql(
        `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { __typename } }`,
        { input: { orgId: branch, content: '群众意见' } },
        secretary,
      ),
    );
    const person = (
      await must(
        'createPairingPerson',
        gql(
          `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id } }`,
          { input: { orgId: branch, name: '困难党员', kind: 'MEMBER', difficulty: '生活困难' } },
          secretary,
        ),
      )
    ).createPairingPerson;
    const pairing = (
      await must(
        'createPairing',
        gql(
          `mutation($input: CreatePairingInput!) { createPairing(input: $input) { id } }`,
          { input: { cadreId: await userGid(s.secretary), personId: person.id, startedOn: day(-5) } },
          secretary,
        ),
      )
    ).createPairing;
    await must(
      'logPairingVisit',
      gql(
        `mutation($input: LogPairingVisitInput!) { logPairingVisit(input: $input) { id } }`,
        { input: { pairingId: pairing.id, visitedOn: day(-1), note: '走访' } },
        secretary,
      ),
    );
    await must(
      'raiseServiceRequest',
      gql(
        `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
        { input: { fromOrgId: branch, title: '请求上级帮助', description: '需要协调' } },
        secretary,
      ),
    );
    await must(
      'startEvaluation',
      gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id } }`,
        { input: { campaignId: campaign.id, orgId: branch, kind: 'SELF' } },
        secretary,
      ),
    );
    await must(
      'createServiceBrand',
      gql(
        `mutation($input: CreateServiceBrandInput!) { createServiceBrand(input: $input) { id } }`,
        { input: { orgId: branch, name: `${s.branch}服务品牌` } },
        secretary,
      ),
    );
    const inspection = (
      await must(
        'recordInspection',
        gql(
          `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
          {
            input: {
              idempotencyKey: randomUUID(),
              teamId: team.id,
              orgId: branch,
              inspectedOn: day(-1),
              methods: ['BRIEFING'],
              summary: '督查',
              findings: [{ severity: 'MINOR', description: '台帐不全', rectifyOrgId: branch, rectifyDueOn: day(20) }],
            },
          },
          inspector,
        ),
      )
    ).recordInspection;
    await must(
      'finalizeInspection',
      gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { id } }`, { id: inspection.id }, inspector),
    );
  }

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true, env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    su = await server.superuser();
    tenantId = (await su.query(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    ids = await orgIds(server, 'jtj');
    const admin = await server.token('jtj', 'admin');
    // the subtree admins, made by the root admin
    for (const [username, org] of [
      ['bus-admin', BUS.root],
      ['road-admin', ROAD.root],
    ]) {
      const user = (
        await must(
          'createUser',
          gql(
            `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
            { input: { username, displayName: username, password: PASSWORD, orgId: ids[org] } },
            admin,
          ),
        )
      ).createUser;
      await must(
        'assignRole',
        gql(
          `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
          { input: { userId: user.id, role: 'TENANT_ADMIN', orgId: ids[org] } },
          admin,
        ),
      );
      // created with an initial password: changed at the first sign-in
      tokens.set(username, (await firstSignIn(server.url, 'jtj', username, PASSWORD)).accessToken);
    }
    for (const { username } of ROLES) if (!tokens.has(username)) tokens.set(username, await server.token('jtj', username));
    await populate(ROAD);
    await populate(BUS);
    // reminders of the subtree campaigns' deadline: notifications about the branches that still owe it
    await sweepDeadlineReminders({ dataSource: server.database.dataSource, config: server.config }, { asOf: day(9) });

    schema = buildClientSchema((await gql(getIntrospectionQuery(), {}, admin)).data);
    const node = schema.getType('Node');
    if (!node || !isInterfaceType(node)) throw new Error('no Node interface');
    const columns = async (table: string): Promise<string[]> =>
      (
        await su.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`, [table])
      ).rows.map((r) => r.column_name);
    // foreign keys (tenant_id, x) → parent (tenant_id, id), for records that reach their org through a parent
    const fks: { child: string; parent: string; col: string }[] = (
      await su.query(`
      SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent, a.attname AS col
        FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[2]
       WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 2 ORDER BY 1, 3`)
    ).rows;
    for (const type of schema.getPossibleTypes(node)) {
      const name = type.name;
      unknown.set(name, toGlobal(name, randomUUID()));
      if (name === 'Tenant') {
        tenantWide.set(name, toGlobal(name, tenantId));
        continue;
      }
      const meta = server.database.dataSource.getMetadata(name);
      const key = meta.primaryColumns.map((c) => c.databaseName).filter((c) => c !== 'tenant_id');
      if (key.length !== 1) throw new Error(`${name}: a Node needs one id column besides tenant_id`);
      if (TENANT_WIDE[name]) {
        const { rows } = await su.query(`SELECT ${key[0]}::text AS id FROM ${meta.tableName} WHERE tenant_id = $1 ORDER BY 1 LIMIT 1`, [
          tenantId,
        ]);
        if (rows.length) tenantWide.set(name, toGlobal(name, rows[0].id));
        continue;
      }
      const cols = await columns(meta.tableName);
      let binding = name === 'Org' ? { join: '', org: `x.${key[0]}` } : BINDING_OVERRIDES[name];
      const direct = ORG_COLUMNS.find((c) => cols.includes(c));
      if (!binding && direct) binding = { join: '', org: `x.${direct}` };
      if (!binding) {
        for (const fk of fks.filter((f) => f.child === meta.tableName && f.parent !== 'users')) {
          const parentOrg = (await columns(fk.parent)).find((c) => ORG_COLUMNS.includes(c));
          if (parentOrg) {
            binding = { join: `JOIN ${fk.parent} b ON b.tenant_id = x.tenant_id AND b.id = x.${fk.col}`, org: `b.${parentOrg}` };
            break;
          }
        }
      }
      if (binding) bindings.set(name, { table: meta.tableName, key: key[0], ...binding });
    }
    for (const sibling of [BUS, ROAD]) {
      const [{ path }] = (await su.query(`SELECT path::text FROM orgs WHERE tenant_id = $1 AND name = $2`, [tenantId, sibling.root])).rows;
      const found = new Map<string, string>();
      const all: string[] = [];
      for (const [type, b] of bindings) {
        const rows: { id: string; public: boolean }[] = (
          await su.query(
            `SELECT DISTINCT x.${b.key}::text AS id, ${PUBLIC_ROWS[type]?.where ?? 'false'} AS public FROM ${b.table} x ${b.join}
             JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = ${b.org}
            WHERE x.tenant_id = $1 AND o.path <@ $2::ltree ORDER BY 1`,
            [tenantId, path],
          )
        ).rows;
        const hidden = rows.filter((r) => !r.public);
        // the org where the records sit (its branch), not the first org of the subtree
        const pick = type === 'Org' ? rawOf(ids[sibling.branch]) : hidden[0]?.id;
        if (pick) found.set(type, toGlobal(type, pick));
        for (const r of hidden) all.push(r.id, toGlobal(type, r.id));
      }
      inside.set(sibling.root, found);
      secrets.set(sibling.root, all);
    }
  }, 300_000);
  afterAll(() => server.close());

  it('finds every Node type bound to an org (or tenant-wide by design, with a reason) and an instance of each in both sibling subtrees', () => {
    const node = schema.getType('Node');
    const types = schema.getPossibleTypes(node as never).map((t) => t.name);
    expect(types.filter((t) => !bindings.has(t) && !TENANT_WIDE[t])).toEqual([]);
    for (const sibling of [BUS, ROAD]) {
      const found = inside.get(sibling.root)!;
      expect({ sibling: sibling.root, missing: [...bindings.keys()].filter((t) => !found.has(t)) }).toEqual({
        sibling: sibling.root,
        missing: [],
      });
    }
    console.log(
      `scope crawl: ${types.length} Node types, ${bindings.size} bound to an org (${[...bindings.keys()].join(', ')}); tenant-wide: ${Object.keys(TENANT_WIDE).join(', ')}`,
    );
  });

  /**
   * The tenant's rows, table by table (refresh tokens aside: signing in writes them; the audit entries of
   * the HARMLESS mutations and of sessions aside: they succeed on the viewer's own rows; refused attempts
   * are recorded on purpose, and the chain's columns are sealed after the fact, so audit rows count by
   * what they say happened successfully).
   */
  async function fingerprint(): Promise<Map<string, string>> {
    const tables: string[] = (
      await su.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'refresh_tokens'
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') ORDER BY 1`)
    ).rows.map((r) => r.relname);
    const out = new Map<string, string>();
    for (const t of tables) {
      const { rows } = await su.query(
        t === 'audit_log'
          ? `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h
               FROM (SELECT id, at, actor_id, action, entity_type, entity_id, data, org_id FROM audit_log
                      WHERE tenant_id = $1 AND action <> ALL($2::text[]) AND outcome = 'SUCCESS') x`
          : t === 'users'
            ? // a refused re-authentication (changePassword's wrong current password) counts as a failed sign-in, by design
              `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h
                 FROM (SELECT (to_jsonb(u) - 'failed_sign_ins' - 'locked_at' - 'locked_until')::text AS x FROM users u
                        WHERE tenant_id = $1 AND $2::text[] IS NOT NULL) x`
            : `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x
              WHERE tenant_id = $1 AND $2::text[] IS NOT NULL`,
        [tenantId, [...Object.keys(HARMLESS), ...Object.keys(NOT_TENANT_POWERS)]],
      );
      out.set(t, `${rows[0].n}:${rows[0].h}`);
    }
    return out;
  }
  const changedTables = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((t) => a.get(t) !== b.get(t));

  it.each(ROLES)(
    'keeps $username ($scope) out of $sibling.root through node, nodes, every root query and every mutation that takes an id',
    async ({ username, sibling }) => {
      const token = tokens.get(username)!;
      const found = inside.get(sibling.root)!;
      const hidden = secrets.get(sibling.root)!;
      const leaks = (body: unknown) => {
        const text = JSON.stringify(body);
        return hidden.filter((s) => text.includes(s));
      };
      // the sibling run and the control run differ only in the org-bound ids: sibling instances or unknown ones
      const foreignIds = new Map([...tenantWide, ...found]);
      const controlIds = new Map([...tenantWide, ...[...found.keys()].map((t) => [t, unknown.get(t)!] as const)]);
      tried.roles++;

      for (const [type, id] of found) {
        const one = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, token);
        expect({ type, node: one.data?.node ?? null, codes: (one.errors ?? []).map((e) => e.extensions?.code) }).toEqual({
          type,
          node: null,
          codes: [],
        });
        tried.nodeChecks++;
      }
      const many = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [...found.values()] }, token);
      expect(many.data.nodes.every((n: unknown) => n === null)).toBe(true);

      // the viewer's own notifications read first, so that marking them (a HARMLESS success) answers alike in both runs
      await gql(`mutation { markNotificationsRead(input: { all: true }) { marked } }`, {}, token);
      const before = await fingerprint();
      for (const field of rootQueries(schema)) {
        const foreign = operation('query', field, foreignIds);
        const control = operation('query', field, controlIds);
        const [a, b] = [await gql(foreign.query, foreign.variables, token), await gql(control.query, control.variables, token)];
        expect({ field: field.name, leaked: leaks(a) }).toEqual({ field: field.name, leaked: [] });
        expect({ field: field.name, codes: (a.errors ?? []).map((e) => e.extensions?.code) }).toEqual({
          field: field.name,
          codes: (b.errors ?? []).map((e) => e.extensions?.code),
        });
        expect({ field: field.name, internal: (a.errors ?? []).some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') }).toEqual({
          field: field.name,
          internal: false,
        });
        tried.queries++;
        // and with its required arguments alone: lists answer for the viewer's own scope, where nothing of the sibling may appear
        if (field.args.some((arg) => !isNonNullType(arg.type) && /id$|ids$|^under$/i.test(arg.name))) {
          const bare = operation('query', field, foreignIds, true);
          const c = await gql(bare.query, bare.variables, token);
          expect({ field: field.name, bare: true, leaked: leaks(c) }).toEqual({ field: field.name, bare: true, leaked: [] });
          expect({
            field: field.name,
            bare: true,
            internal: (c.errors ?? []).some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'),
          }).toEqual({ field: field.name, bare: true, internal: false });
          tried.defaultScopeQueries++;
        }
      }
      const succeeded: string[] = [];
      for (const field of mutationsTakingIds(schema)) {
        const foreign = operation('mutation', field, foreignIds);
        const control = operation('mutation', field, controlIds);
        const a = await gql(foreign.query, foreign.variables, token);
        const b = await gql(control.query, control.variables, token);
        if (!a.errors) succeeded.push(field.name);
        expect({ field: field.name, leaked: leaks(a) }).toEqual({ field: field.name, leaked: [] });
        expect({ field: field.name, codes: (a.errors ?? []).map((e) => e.extensions?.code), data: strip(a.data) }).toEqual({
          field: field.name,
          codes: (b.errors ?? []).map((e) => e.extensions?.code),
          data: strip(b.data),
        });
        expect({ field: field.name, internal: (a.errors ?? []).some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') }).toEqual({
          field: field.name,
          internal: false,
        });
        tried.mutations++;
      }
      expect(succeeded.filter((name) => !HARMLESS[name])).toEqual([]);
      expect(changedTables(before, await fingerprint())).toEqual([]);
    },
    300_000,
  );

  it.each(ROLES)('refuses $username ($scope) every tenant-wide power: each mutation that takes no id', async ({ username }) => {
    const token = tokens.get(username)!;
    const before = await fingerprint();
    const refused: Record<string, string[]> = {};
    const expected: Record<string, string[]> = {};
    for (const field of Object.values(schema.getMutationType()!.getFields()).filter((f) => !mutationsTakingIds(schema).includes(f))) {
      if (NOT_SENT.includes(field.name)) continue;
      const op = operation('mutation', field, new Map([...tenantWide]));
      const res = await gql(op.query, op.variables, token);
      expect({ field: field.name, internal: (res.errors ?? []).some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') }).toEqual({
        field: field.name,
        internal: false,
      });
      tried.tenantPowers++;
      if (NOT_TENANT_POWERS[field.name]) continue;
      refused[field.name] = (res.errors ?? []).map((e) => String(e.extensions?.code));
      expected[field.name] = ['FORBIDDEN'];
    }
    // updateTenantSettings, setExemplarLimit, importFramework today: a new tenant-wide mutation joins them by itself
    expect(refused).toEqual(expected);
    expect(Object.keys(refused).length).toBeGreaterThanOrEqual(3);
    expect(changedTables(before, await fingerprint())).toEqual([]);
  });

  it('calls the unscoped holdsRole only where a per-object scope check follows (a tenant-wide power needs holdsRoleAtRoot)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [],
      );
    const src = path.join(__dirname, '..', '..', 'src');
    const callers = files(src)
      .filter((f) => /\bholdsRole\(/.test(readFileSync(f, 'utf8').replace(/export function holdsRole\(/, '')))
      .map((f) => path.relative(path.join(src, '..'), f));
    // imports: a gate before every row's parent org is checked against the admin's scope (imports.ts `manageable`);
    // supervision: a team's people act only while inspectors, beside their membership of the team (isMember);
    // opinion, pairing and task: the responsible person and the cadre act for their own record only while they still
    // hold a handling or cadre role, beside the record's own person match (actsAsResponsible, actsAsCadre);
    // public-review: excluding reviews refuses one who is no admin anywhere before any id is read, then checks each
    // review's org against the admin's scope
    expect(callers).toEqual([
      'src/modules/opinion/opinion.service.ts',
      'src/modules/pairing/pairing.service.ts',
      'src/modules/public-review/public-review.service.ts',
      'src/modules/report/imports.ts',
      'src/modules/supervision/supervision.service.ts',
      'src/modules/task/task.service.ts',
    ]);
  });

  it('tried every scoped role, every bound type and every operation (a lower bound, so the crawl cannot silently shrink)', () => {
    console.log(
      `scope crawl tried: ${tried.roles} roles, ${tried.nodeChecks} node lookups of ${bindings.size} org-bound types, ${tried.queries} root queries and ${tried.mutations} mutations with ids (sibling and control runs each), ${tried.defaultScopeQueries} queries in the default scope, ${tried.tenantPowers} mutations without ids`,
    );
    // the figures of 2026-12 (6 roles; 27 org-bound types; 53 root queries, 19 of them lists with an optional scope; 76 mutations with ids)
    expect(tried.roles).toBe(ROLES.length);
    expect(tried.roles).toBeGreaterThanOrEqual(6);
    expect(bindings.size).toBeGreaterThanOrEqual(27);
    expect(tried.nodeChecks).toBeGreaterThanOrEqual(6 * 27);
    expect(tried.queries).toBeGreaterThanOrEqual(6 * 53);
    expect(tried.defaultScopeQueries).toBeGreaterThanOrEqual(6 * 19);
    expect(tried.mutations).toBeGreaterThanOrEqual(6 * 76);
    expect(tried.tenantPowers).toBeGreaterThanOrEqual(6 * 9);
  });
});
