import { Client } from 'pg';
import { TestServer, codes, startTestServer, tokens } from './helpers/server';
import { rawId } from './helpers/ids';
import { criteriaOf, orgIds, scoresFor } from './helpers/story';

const NOTIFICATIONS = `{ notifications(first: 50) { nodes { id kind kindLabel title } } }`;

/**
 * An event that gives someone a task tells them at once (not only the sweeps' reminders): the
 * recipient finds a notification of the event's kind; the actor and anyone outside the org's line do
 * not; a refused mutation writes none.
 */
describe('notifications for the events that create tasks', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  let campaignId: string;
  let versionId: string;

  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const kinds = async (username: string) =>
    ((await gql(NOTIFICATIONS, {}, t[username])).data.notifications.nodes as { kind: string; title: string }[]).map((n) => n.kind);
  const countOf = async (kind: string) =>
    Number((await su.query(`SELECT count(*) FROM notifications WHERE kind = $1`, [kind])).rows[0].count);

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = await tokens(server, 'jtj', ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member']);
    const campaign = (await gql(`{ campaigns(first: 1) { nodes { id version { id } } } }`, {}, t.admin)).data.campaigns.nodes[0];
    campaignId = campaign.id;
    versionId = campaign.version.id;
  }, 120_000);
  afterAll(() => server.close());

  it('tells the reviewers above an org that its evaluation awaits review, and its author that it came back', async () => {
    const crit = await criteriaOf(server, t.secretary, versionId);
    const own = await gql(
      `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
      { input: { campaignId, orgId: ids['第一车队党支部'], kind: 'SELF' } },
      t.secretary,
    );
    const evaluation = own.data?.startEvaluation ?? (await existingSelf());
    const saved = await gql(
      `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
      { input: { evaluationId: evaluation.id, expectedVersion: evaluation.version, scores: scoresFor(crit) } },
      t.secretary,
    );
    expect(saved.errors).toBeUndefined();
    // a refused submission (a stale version) tells nobody
    const before = await countOf('EVALUATION_AWAITING_REVIEW');
    const refused = await gql(
      `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { id } }`,
      { input: { evaluationId: evaluation.id, expectedVersion: saved.data.saveScores.version + 7 } },
      t.secretary,
    );
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(await countOf('EVALUATION_AWAITING_REVIEW')).toBe(before);
    const submitted = await gql(
      `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { state } }`,
      { input: { evaluationId: evaluation.id, expectedVersion: saved.data.saveScores.version } },
      t.secretary,
    );
    expect(submitted.errors).toBeUndefined();
    expect(await kinds('supervisor')).toContain('EVALUATION_AWAITING_REVIEW');
    expect(await kinds('secretary')).not.toContain('EVALUATION_AWAITING_REVIEW');
    expect(await kinds('secretary2')).not.toContain('EVALUATION_AWAITING_REVIEW');

    const returned = await gql(
      `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "第三项缺少佐证" }) { state } }`,
      { id: evaluation.id },
      t.supervisor,
    );
    expect(returned.errors).toBeUndefined();
    const forSecretary = (await gql(NOTIFICATIONS, {}, t.secretary)).data.notifications.nodes as { kind: string; kindLabel: string }[];
    expect(forSecretary.find((n) => n.kind === 'EVALUATION_RETURNED')).toMatchObject({ kindLabel: '考评被退回' });
    expect(await kinds('supervisor')).not.toContain('EVALUATION_RETURNED');

    async function existingSelf() {
      const res = await gql(
        `query($o: ID!, $c: ID!) { org(id: $o) { evaluations(campaignId: $c, kind: SELF, first: 5) { nodes { id version state } } } }`,
        { o: ids['第一车队党支部'], c: campaignId },
        t.secretary,
      );
      return res.data.org.evaluations.nodes.find((e: { state: string }) => e.state === 'DRAFT' || e.state === 'RETURNED');
    }
  });

  it('tells the org ordered to rectify when the record is finalized, not before', async () => {
    const team = (await gql(`{ supervisionTeams(first: 5) { nodes { id } } }`, {}, t.inspector)).data.supervisionTeams.nodes[0].id;
    const recorded = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      {
        input: {
          idempotencyKey: 'events-inspection-1',
          teamId: team,
          orgId: ids['第一车队党支部'],
          inspectedOn: '2026-11-20',
          methods: ['LEDGER_REVIEW'],
          summary: '查阅台帐',
          findings: [{ severity: 'MINOR', description: '公开栏未更新', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: '2026-12-31' }],
        },
      },
      t.inspector,
    );
    expect(recorded.errors).toBeUndefined();
    expect(await kinds('secretary')).not.toContain('RECTIFICATION_ORDERED');
    const finalized = await gql(
      `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { state } }`,
      { id: recorded.data.recordInspection.id },
      t.inspector,
    );
    expect(finalized.errors).toBeUndefined();
    expect(await kinds('secretary')).toContain('RECTIFICATION_ORDERED');
    expect(await kinds('secretary2')).not.toContain('RECTIFICATION_ORDERED');
    expect(await kinds('inspector')).not.toContain('RECTIFICATION_ORDERED');
  });

  it('tells the superior org a subordinate asked for help', async () => {
    const raised = await gql(
      `mutation($o: ID!) { raiseServiceRequest(input: { fromOrgId: $o, title: "请求协调活动场地", description: "支部缺少活动场所" }) { id } }`,
      { o: ids['第一车队党支部'] },
      t.secretary,
    );
    expect(raised.errors).toBeUndefined();
    expect(await kinds('supervisor')).toContain('SERVICE_REQUEST_RAISED');
    expect(await kinds('secretary')).not.toContain('SERVICE_REQUEST_RAISED');
    expect(await kinds('secretary2')).not.toContain('SERVICE_REQUEST_RAISED');
    // another tenant hears nothing of it
    const szjg = await server.token('szjg', 'admin');
    const foreign = (await gql(NOTIFICATIONS, {}, szjg)).data.notifications.nodes as { kind: string }[];
    expect(foreign.map((n) => n.kind)).not.toContain('SERVICE_REQUEST_RAISED');
  });

  it('tells the new superior’s officers of an open request a move of the asking org re-addressed to it, and nobody else', async () => {
    const made = await gql(
      `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
      { input: { parentId: ids['市公交集团党委'], name: '求助后迁走的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
      t.admin,
    );
    const org = made.data.createOrg.id as string;
    const raise = (title: string) =>
      gql(
        `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`,
        { input: { fromOrgId: org, title, description: '缺少活动场所' } },
        t.admin,
      );
    const open = (await raise('迁走前请求协调场地')).data.raiseServiceRequest.id as string;
    const answered = (await raise('迁走前请求派讲师')).data.raiseServiceRequest.id as string;
    const answer = await gql(
      `mutation($input: AnswerServiceRequestInput!) { answerServiceRequest(input: $input) { state } }`,
      { input: { id: answered, answer: '已安排' } },
      t.supervisor,
    );
    expect(answer.errors).toBeUndefined();
    /** Who was told of request `id`, by the org they were told as. */
    const told = async (id: string) =>
      (
        await su.query<{ username: string; org: string }>(
          `SELECT u.username, o.name AS org FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.user_id
             JOIN orgs o ON o.tenant_id = n.tenant_id AND o.id = n.org_id
            WHERE n.subject_id = $1 AND n.kind = 'SERVICE_REQUEST_RAISED' ORDER BY 2, 1`,
          [rawId(id)],
        )
      ).rows;
    const before = await told(open);
    expect(before.map((r) => r.org)).toEqual(before.map(() => '市公交集团党委'));

    const move = (parent: string) =>
      gql(`mutation($input: MoveOrgInput!) { moveOrg(input: $input) { id } }`, { input: { id: org, newParentId: ids[parent] } }, t.admin);
    expect((await move('市高速公路建设开发公司党委')).errors).toBeUndefined();
    // the officers answerable above the new superior (here the tenant's leaders) are told of the open request as at its
    // raising; the mover (admin) is not, nor anyone of the answered one, which is nobody's task
    const after = await told(open);
    expect(after).toEqual([
      ...before,
      { username: 'deputy', org: '市高速公路建设开发公司党委' },
      { username: 'leader', org: '市高速公路建设开发公司党委' },
    ]);
    expect(await told(answered)).toEqual([{ username: 'supervisor', org: '市公交集团党委' }]);
    // a move that re-addresses nothing (under the parent it has) tells nobody: not even those told today, were they not
    await su.query(`DELETE FROM notifications WHERE subject_id = $1`, [rawId(open)]);
    expect((await move('市高速公路建设开发公司党委')).errors).toBeUndefined();
    expect(await told(open)).toEqual([]);
  });

  it('tells the org whose submission came back, and the staff member an opinion was transferred to', async () => {
    const deadlines = (await gql(`query($c: ID!) { campaign(id: $c) { deadlines { id code } } }`, { c: campaignId }, t.admin)).data.campaign
      .deadlines;
    const selfCheck = deadlines.find((d: { code: string }) => d.code === 'SELF_CHECK').id;
    const submitted = await gql(
      `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { id } }`,
      { input: { deadlineId: selfCheck, orgId: ids['市公交集团党委'], text: '市公交集团党委创建工作自查总结' } },
      t.supervisor,
    );
    expect(submitted.errors).toBeUndefined();
    const returned = await gql(
      `mutation($input: ReturnDeadlineSubmissionInput!) { returnDeadlineSubmission(input: $input) { state } }`,
      { input: { submissionId: submitted.data.submitForDeadline.id, reason: '请补充党员示范岗设置情况' } },
      t.admin,
    );
    expect(returned.errors).toBeUndefined();
    expect(await kinds('supervisor')).toContain('SUBMISSION_RETURNED');
    expect(await kinds('admin')).not.toContain('SUBMISSION_RETURNED');

    const recorded = await gql(
      `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { opinion { id } } }`,
      { input: { orgId: ids['第一车队党支部'], content: '站台雨棚漏雨' } },
      t.supervisor,
    );
    expect(recorded.errors).toBeUndefined();
    const opinionId = recorded.data.recordOpinion.opinion.id;
    // recorded by staff: the recorder is responsible (首问负责) until it transfers
    const secretaryId = (await gql(`{ viewer { user { id } } }`, {}, t.secretary)).data.viewer.user.id;
    const transferred = await gql(
      `mutation($input: TransferOpinionInput!) { transferOpinion(input: $input) { id } }`,
      { input: { id: opinionId, toUserId: secretaryId, reason: '属第一车队职责' } },
      t.supervisor,
    );
    expect(transferred.errors).toBeUndefined();
    expect(await kinds('secretary')).toContain('OPINION_TRANSFERRED');
    expect(await kinds('secretary2')).not.toContain('OPINION_TRANSFERRED');
  });
});
