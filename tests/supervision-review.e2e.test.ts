import { chineseDate } from '../src/graphql/messages';
import { day } from './helpers/dates';
import { readDocument, unzip } from './helpers/docx';
import { rawId } from './helpers/ids';
import { SOURCE_CAMPAIGN, criteriaOf, orgIds, scoresFor } from './helpers/story';
import { TestServer, codes, lockWaiters, reasons, startTestServer } from './helpers/server';
import { count } from './helpers/sql';
import { sweepRectificationsOverdue } from '../src/modules/notification/sweeps';

/**
 * 督导 after review: what a finding shows of a rectification ordered to another org, team acts only
 * for current inspectors, the cap on a record's findings, notices citing finalized records only, the
 * bounds of a rectification's evidence references, and a carried finding's rectifying org.
 */

const INSPECTED_ON = day(-2);

describe('supervision after review', () => {
  let server: TestServer;
  let ids: Record<string, string>;
  let users: Record<string, string>;
  let admin: string;
  let leader: string;
  let inspector: string;
  let secretary: string;
  let supervisor: string;
  let teamId: string;
  const gql = (q: string, v: Record<string, unknown>, t?: string) => server.gql(q, v, t);
  const FIELDS = `id state findings { id description rectification { id state report evidenceRefs submittedByName } }`;
  /** The supervisor made an INSPECTOR over 市公交集团党委 and put on a new team under the inspector: the team and the role. */
  const supervisorsTeam = async (name: string): Promise<{ team: string; assignment: string }> => {
    const assigned = await gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: users.supervisor, role: 'INSPECTOR', orgId: ids['市公交集团党委'] } },
      admin,
    );
    expect(assigned.errors).toBeUndefined();
    const team = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      { input: { name, leaderId: users.inspector, memberIds: [users.supervisor], scopeOrgIds: [ids['市公交集团党委']] } },
      leader,
    );
    expect(team.errors).toBeUndefined();
    return { team: team.data.createSupervisionTeam.id, assignment: assigned.data.assignRole.id };
  };
  const record = (input: Record<string, unknown>, token = inspector) =>
    gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { ${FIELDS} } }`,
      { input: { teamId, orgId: ids['第一车队党支部'], inspectedOn: INSPECTED_ON, methods: ['BRIEFING'], summary: '复核', ...input } },
      token,
    );
  const update = (input: Record<string, unknown>, token = inspector) =>
    gql(`mutation($input: UpdateInspectionInput!) { updateInspection(input: $input) { ${FIELDS} } }`, { input }, token);
  const finalize = (id: string, token = inspector) =>
    gql(`mutation($id: ID!) { finalizeInspection(input: { id: $id }) { ${FIELDS} } }`, { id }, token);
  const amend = (input: Record<string, unknown>, token = inspector) =>
    gql(`mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { ${FIELDS} } }`, { input }, token);
  const inspection = async (id: string, token = inspector) =>
    (await gql(`query($id: ID!) { inspection(id: $id) { ${FIELDS} } }`, { id }, token)).data?.inspection;

  beforeAll(async () => {
    server = await startTestServer();
    [admin, leader, inspector, secretary, supervisor] = await Promise.all(
      ['admin', 'leader', 'inspector', 'secretary', 'supervisor'].map((u) => server.token('jtj', u)),
    );
    ids = await orgIds(server, 'jtj');
    const nodes = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, admin)).data.users.nodes;
    users = Object.fromEntries(nodes.map((u: { id: string; username: string }) => [u.username, u.id]));
    const team = await gql(
      `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
      { input: { name: '复核督导组', leaderId: users.inspector, scopeOrgIds: [ids['市公交集团党委']] } },
      leader,
    );
    expect(team.errors).toBeUndefined();
    teamId = team.data.createSupervisionTeam.id;
  }, 60_000);
  afterAll(() => server.close());

  it('Finding.rectification is null for a viewer who may not read the rectification', async () => {
    const recorded = await record({
      idempotencyKey: 'review-leak-0001',
      findings: [
        { severity: 'SERIOUS', description: '集团党委督促不力', rectifyOrgId: ids['市公交集团党委'], rectifyDueOn: day(10) },
        { severity: 'MINOR', description: '支部台帐不全', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) },
      ],
    });
    expect(recorded.errors).toBeUndefined();
    const id = recorded.data.recordInspection.id;
    const finalized = await finalize(id);
    expect(finalized.errors).toBeUndefined();
    const [committee, branch] = finalized.data.finalizeInspection.findings.map(
      (f: { rectification: { id: string } }) => f.rectification.id,
    );
    const submitted = await gql(
      `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { id state } }`,
      { input: { id: committee, report: '集团党委已约谈相关负责人', evidenceRefs: ['约谈记录'] } },
      supervisor,
    );
    expect(submitted.errors).toBeUndefined();

    // the branch's secretary reads the record (its own org) and its own rectification, not the committee's
    const seen = await inspection(id, secretary);
    expect(seen.findings.map((f: { rectification: unknown }) => f.rectification)).toEqual([
      null,
      { id: branch, state: 'OPEN', report: null, evidenceRefs: [], submittedByName: null },
    ]);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: committee }, secretary)).data.node).toBeNull();
    // the committee and the team see it
    for (const token of [supervisor, inspector]) {
      expect((await inspection(id, token)).findings[0].rectification).toMatchObject({
        id: committee,
        state: 'SUBMITTED',
        report: '集团党委已约谈相关负责人',
        evidenceRefs: ['约谈记录'],
      });
    }
  });

  it('lets a team member act for the team only while holding the INSPECTOR role', async () => {
    const { team: team2, assignment } = await supervisorsTeam('临时督导组');
    const base = { teamId: team2, findings: [] };
    const draft = await record({ ...base, idempotencyKey: 'review-role-draft' }, supervisor);
    expect(draft.errors).toBeUndefined();
    const draftId = draft.data.recordInspection.id;
    const ordered = await record(
      {
        ...base,
        idempotencyKey: 'review-role-order',
        findings: [{ severity: 'MINOR', description: '公开栏未更新', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) }],
      },
      supervisor,
    );
    const finalized = await finalize(ordered.data.recordInspection.id, supervisor);
    expect(finalized.errors).toBeUndefined();
    const rectificationId = finalized.data.finalizeInspection.findings[0].rectification.id;
    const submitted = await gql(
      `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state } }`,
      { input: { id: rectificationId, report: '已更新公开栏' } },
      secretary,
    );
    expect(submitted.errors).toBeUndefined();

    const revoked = await gql(
      `mutation($input: RevokeRoleInput!) { revokeRole(input: $input) }`,
      { input: { assignmentId: assignment } },
      admin,
    );
    expect(revoked.errors).toBeUndefined();
    const su = await server.superuser();
    const before = await count(su, 'inspections');
    const refusals = [
      await record({ ...base, idempotencyKey: 'review-role-after' }, supervisor),
      await update({ id: draftId, summary: '撤销角色后修改' }, supervisor),
      await finalize(draftId, supervisor),
      await amend({ inspectionId: ordered.data.recordInspection.id, idempotencyKey: 'review-role-amend', reason: '更正' }, supervisor),
      await gql(
        `mutation($input: VerifyRectificationInput!) { verifyRectification(input: $input) { state } }`,
        { input: { id: rectificationId, accept: true } },
        supervisor,
      ),
    ];
    // the committee's secretary still reads the team's records of its subtree, but no longer acts for the team
    for (const refused of refusals) {
      expect(refused.data).toBeNull();
      expect(refused.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_TEAM_MEMBER' });
    }
    // nothing changed: the draft as it was, the rectification still waits for its sign-off
    expect(await count(su, 'inspections')).toBe(before);
    expect(await inspection(draftId)).toMatchObject({ state: 'DRAFT' });
    const { rows } = await su.query<{ summary: string; state: string }>(
      `SELECT i.summary, (SELECT state FROM rectifications WHERE id = $2) AS state FROM inspections i WHERE i.id = $1`,
      [rawId(draftId), rawId(rectificationId)],
    );
    expect(rows).toEqual([{ summary: '复核', state: 'SUBMITTED' }]);
    // the team's other people still act: the leader signs the rectification off
    const verified = await gql(
      `mutation($input: VerifyRectificationInput!) { verifyRectification(input: $input) { state } }`,
      { input: { id: rectificationId, accept: true } },
      inspector,
    );
    expect(verified.data.verifyRectification).toEqual({ state: 'VERIFIED' });
  });

  it('never lets who reported a fix sign it off or reopen it, nor gives it that task: another of the team does', async () => {
    const { team, assignment } = await supervisorsTeam('自报自验督导组');
    const ordered = await record({
      teamId: team,
      idempotencyKey: 'self-verify-order',
      findings: [{ severity: 'MINOR', description: '组织生活记录不全', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) }],
    });
    const finalized = await finalize(ordered.data.recordInspection.id);
    const rectificationId = finalized.data.finalizeInspection.findings[0].rectification.id;
    // the committee's secretary (SUPERVISOR over the branch) reports the fix, and is one of the team
    const submitted = await gql(
      `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state } }`,
      { input: { id: rectificationId, report: '已补全记录' } },
      supervisor,
    );
    expect(submitted.errors).toBeUndefined();
    const VERIFY = `mutation($input: VerifyRectificationInput!) { verifyRectification(input: $input) { state } }`;
    const TASKS = `{ viewer { tasks(first: 100, kind: [RECTIFICATION_VERIFY]) { nodes { subject { id } } } } }`;
    const signOffs = async (token: string) =>
      (await gql(TASKS, {}, token)).data.viewer.tasks.nodes.filter(
        (n: { subject: { id: string } | null }) => n.subject?.id === rectificationId,
      );
    expect(await signOffs(supervisor)).toEqual([]);
    expect(await signOffs(inspector)).toHaveLength(1);
    for (const input of [
      { id: rectificationId, accept: true },
      { id: rectificationId, accept: false, reason: '自己退回' },
    ]) {
      const refused = await gql(VERIFY, { input }, supervisor);
      expect(refused.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'VERIFIER_IS_REPORTER' });
    }
    const su = await server.superuser();
    expect((await su.query(`SELECT state, verified_by FROM rectifications WHERE id = $1`, [rawId(rectificationId)])).rows).toEqual([
      { state: 'SUBMITTED', verified_by: null },
    ]);
    // the team's leader signs it off
    expect((await gql(VERIFY, { input: { id: rectificationId, accept: true } }, inspector)).data.verifyRectification).toEqual({
      state: 'VERIFIED',
    });
    await gql(`mutation($input: RevokeRoleInput!) { revokeRole(input: $input) }`, { input: { assignmentId: assignment } }, admin);
  });

  it('gives a revoked inspector no sign-off task and no overdue notice of its team’s rectifications', async () => {
    const { team, assignment } = await supervisorsTeam('撤销角色后的督导组');
    const ordered = await record({
      teamId: team,
      idempotencyKey: 'revoked-tasks-order',
      findings: [{ severity: 'MINOR', description: '学习记录不全', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) }],
    });
    const finalized = await finalize(ordered.data.recordInspection.id);
    const rectificationId = finalized.data.finalizeInspection.findings[0].rectification.id;
    const submitted = await gql(
      `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state } }`,
      { input: { id: rectificationId, report: '已补全' } },
      secretary,
    );
    expect(submitted.errors).toBeUndefined();
    const TASKS = `{ viewer { tasks(first: 100, kind: [RECTIFICATION_VERIFY]) { nodes { subject { id } } } } }`;
    const signOffs = async (token: string) =>
      (await gql(TASKS, {}, token)).data.viewer.tasks.nodes.filter(
        (n: { subject: { id: string } | null }) => n.subject?.id === rectificationId,
      );
    // while it holds the role, the member has the sign-off to do
    expect(await signOffs(supervisor)).toHaveLength(1);

    await gql(`mutation($input: RevokeRoleInput!) { revokeRole(input: $input) }`, { input: { assignmentId: assignment } }, admin);
    expect(await signOffs(supervisor)).toEqual([]);
    expect(await signOffs(inspector)).toHaveLength(1);
    // overdue: the team's leader is told, the revoked member is not
    await sweepRectificationsOverdue({ dataSource: server.database.dataSource, config: server.config }, { asOf: day(20) });
    const su = await server.superuser();
    const told = await su.query<{ username: string }>(
      `SELECT u.username FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.user_id
        WHERE n.kind = 'RECTIFICATION_OVERDUE' AND n.subject_id = $1 AND u.username IN ('inspector', 'supervisor') ORDER BY u.username`,
      [rawId(rectificationId)],
    );
    expect(told.rows).toEqual([{ username: 'inspector' }]);
  });

  it('keeps a record at 200 findings and 200 follow-up checks, however many patches add to it', async () => {
    const su = await server.superuser();
    const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ severity: 'MINOR', description: `问题${from + i + 1}` }));
    const recorded = await record({ idempotencyKey: 'review-cap-findings', findings: many(150) });
    expect(recorded.errors).toBeUndefined();
    const id = recorded.data.recordInspection.id;
    const findingsOf = (inspectionId: string) => count(su, 'findings', 'inspection_id = $1', [rawId(inspectionId)]);

    const over = await update({ id, summary: '超出上限', findings: many(51, 150) });
    expect(over.data).toBeNull();
    expect(over.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_FINDINGS', field: 'input.findings' });
    expect(over.errors![0].message).toBe('一份督查记录至多 200 个问题，修改后将有 201 个');
    expect(await findingsOf(id)).toBe(150);
    expect((await inspection(id)).findings).toHaveLength(150);
    const full = await update({ id, findings: many(50, 150) });
    expect(full.errors).toBeUndefined();
    expect(full.data.updateInspection.findings).toHaveLength(200);
    expect(codes(await update({ id, findings: many(1, 200) }))).toEqual(['BAD_USER_INPUT']);
    // one out, one in: still 200
    const swapped = await update({ id, removeFindingIds: [full.data.updateInspection.findings[0].id], findings: many(1, 200) });
    expect(swapped.errors).toBeUndefined();
    expect(await findingsOf(id)).toBe(200);
    expect((await finalize(id)).errors).toBeUndefined();

    // an amendment starts with the 200 and may add none
    const inspections = await count(su, 'inspections');
    const amended = await amend({ inspectionId: id, idempotencyKey: 'review-cap-amend', reason: '补充问题', findings: many(1, 300) });
    expect(amended.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_FINDINGS' });
    expect(await count(su, 'inspections')).toBe(inspections);

    // follow-ups: 150 of the record's findings, then 51 more (its other 50 and one of another record) is one too many
    const earlier = (await inspection(id)).findings.map((f: { id: string }) => f.id);
    const other = await record({ idempotencyKey: 'review-cap-other', findings: many(1) });
    const otherFinding = (await finalize(other.data.recordInspection.id)).data.finalizeInspection.findings[0].id;
    const followUp = await record({
      idempotencyKey: 'review-cap-follow-up',
      followUps: earlier.slice(0, 150).map((findingId: string) => ({ findingId, fixed: true })),
    });
    expect(followUp.errors).toBeUndefined();
    const followUpId = followUp.data.recordInspection.id;
    const checksOf = () => count(su, 'follow_up_checks', 'inspection_id = $1', [rawId(followUpId)]);
    expect(await checksOf()).toBe(150);
    const tooMany = await update({
      id: followUpId,
      followUps: [...earlier.slice(150), otherFinding].map((findingId: string) => ({ findingId, fixed: false })),
    });
    expect(tooMany.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'TOO_MANY_FOLLOW_UPS',
      field: 'input.followUps',
    });
    expect(await checksOf()).toBe(150);
    const fits = await update({ id: followUpId, followUps: earlier.slice(150).map((findingId: string) => ({ findingId, fixed: false })) });
    expect(fits.errors).toBeUndefined();
    expect(await checksOf()).toBe(200);
  });

  it('lets a notice cite finalized inspections only', async () => {
    const su = await server.superuser();
    const draft = await record({ idempotencyKey: 'review-notice-draft', findings: [{ severity: 'MINOR', description: '草稿中的问题' }] });
    const draftId = draft.data.recordInspection.id;
    const done = await record({ idempotencyKey: 'review-notice-final' });
    const doneId = done.data.recordInspection.id;
    expect((await finalize(doneId)).errors).toBeUndefined();
    const create = (inspectionIds: string[]) =>
      gql(
        `mutation($input: CreateNoticeInput!) { createNotice(input: $input) { id inspections { id } } }`,
        { input: { kind: 'CRITICISM', title: '督导通报', body: '督导发现问题。', subjectOrgIds: [ids['第一车队党支部']], inspectionIds } },
        leader,
      );
    const notices = await count(su, 'notices');
    const refused = await create([doneId, draftId]);
    expect(refused.data).toBeNull();
    expect(refused.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INSPECTION_NOT_FINALIZED',
      field: 'input.inspectionIds[1]',
    });
    expect(await count(su, 'notices')).toBe(notices);
    // the draft stays the team's to change or discard
    const discarded = await gql(`mutation($id: ID!) { discardInspection(input: { id: $id }) }`, { id: draftId }, inspector);
    expect(discarded.data).toEqual({ discardInspection: true });
    const cited = await create([doneId]);
    expect(cited.errors).toBeUndefined();
    expect(cited.data.createNotice.inspections).toEqual([{ id: doneId }]);
  });

  it('bounds a rectification report’s evidence references: at most 50, each at most 500 characters', async () => {
    const su = await server.superuser();
    const recorded = await record({
      idempotencyKey: 'review-evidence-refs',
      findings: [{ severity: 'MINOR', description: '佐证材料待补', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) }],
    });
    const finalized = await finalize(recorded.data.recordInspection.id);
    const rectificationId = finalized.data.finalizeInspection.findings[0].rectification.id;
    const submit = (evidenceRefs: string[]) =>
      gql(
        `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state evidenceRefs } }`,
        { input: { id: rectificationId, report: '已补齐', evidenceRefs } },
        secretary,
      );
    const stored = async () =>
      (await su.query(`SELECT state, evidence_refs FROM rectifications WHERE id = $1`, [rawId(rectificationId)])).rows[0];
    for (const refs of [['x'.repeat(501)], Array.from({ length: 51 }, (_, i) => `材料${i}`)]) {
      const refused = await submit(refs);
      expect(refused.data).toBeNull();
      expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'evidenceRefs' });
      expect(await stored()).toEqual({ state: 'OPEN', evidence_refs: [] });
    }
    const accepted = await submit(['x'.repeat(500)]);
    expect(accepted.data.submitRectification).toEqual({ state: 'SUBMITTED', evidenceRefs: ['x'.repeat(500)] });
    // sent back, then reported again: references left out keep what was reported (as its files stay), [] clears them
    const reopen = async () =>
      expect(
        (
          await gql(
            `mutation($input: VerifyRectificationInput!) { verifyRectification(input: $input) { state } }`,
            { input: { id: rectificationId, accept: false, reason: '佐证不足' } },
            inspector,
          )
        ).data.verifyRectification,
      ).toEqual({ state: 'REOPENED' });
    await reopen();
    const again = await gql(
      `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state evidenceRefs } }`,
      { input: { id: rectificationId, report: '已补齐，另附说明' } },
      secretary,
    );
    expect(again.data.submitRectification).toEqual({ state: 'SUBMITTED', evidenceRefs: ['x'.repeat(500)] });
    await reopen();
    expect((await submit([])).data.submitRectification).toEqual({ state: 'SUBMITTED', evidenceRefs: [] });
  });

  it('moves a carried finding’s rectification to another org only while it is untouched', async () => {
    const su = await server.superuser();
    const recorded = await record({
      idempotencyKey: 'review-move-rectification',
      findings: [{ severity: 'MODERATE', description: '整改单位有误', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) }],
    });
    const originalId = recorded.data.recordInspection.id;
    const finalized = await finalize(originalId);
    const [finding] = finalized.data.finalizeInspection.findings;
    const rectificationId = finding.rectification.id;
    const stored = async () =>
      (await su.query(`SELECT state, owner_org_id, report FROM rectifications WHERE id = $1`, [rawId(rectificationId)])).rows[0];
    const submit = () =>
      gql(
        `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state } }`,
        { input: { id: rectificationId, report: '第一车队已整改' } },
        secretary,
      );

    // untouched: the amendment may send it to the second fleet; a report then comes in from the first
    const amended = await amend({
      inspectionId: originalId,
      idempotencyKey: 'review-move-amend-1',
      reason: '整改单位有误',
      findings: [{ id: finding.id, rectifyOrgId: ids['第二车队党支部'] }],
    });
    expect(amended.errors).toBeUndefined();
    const amendmentId = amended.data.amendInspection.id;
    expect((await submit()).data.submitRectification).toEqual({ state: 'SUBMITTED' });
    // finalizing would hand the first fleet's report to the second: refused, nothing moves
    const refused = await finalize(amendmentId);
    expect(refused.data).toBeNull();
    expect(refused.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'RECTIFYING_ORG_FIXED' });
    expect(refused.errors![0].message).toContain('请说明理由撤回该问题');
    expect(await stored()).toEqual({ state: 'SUBMITTED', owner_org_id: rawId(ids['第一车队党支部']), report: '第一车队已整改' });
    expect((await inspection(amendmentId)).state).toBe('DRAFT');
    // and a patch that names the change again is refused at once, naming the field
    const again = await update({ id: amendmentId, findings: [{ id: finding.id, rectifyOrgId: ids['第二车队党支部'] }] });
    expect(again.errors![0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'RECTIFYING_ORG_FIXED',
      field: 'input.findings[0].rectifyOrgId',
    });
    // the way out: withdraw the finding and add a new one for the second fleet
    const undone = await update({ id: amendmentId, findings: [{ id: finding.id, rectifyOrgId: ids['第一车队党支部'] }] });
    expect(undone.errors).toBeUndefined();
    const redone = await update({
      id: amendmentId,
      withdrawFindings: [{ id: finding.id, reason: '整改单位有误，改为新问题' }],
      findings: [{ severity: 'MODERATE', description: '整改单位有误', rectifyOrgId: ids['第二车队党支部'], rectifyDueOn: day(10) }],
    });
    expect(redone.errors).toBeUndefined();
    const done = await finalize(amendmentId);
    expect(done.errors).toBeUndefined();
    expect(await stored()).toMatchObject({ state: 'WITHDRAWN', owner_org_id: rawId(ids['第一车队党支部']) });
  });
  it('prints each record’s own rectification orders in its 督查报告: a draft amendment’s move, and the original after it', async () => {
    const table = async (id: string, token = inspector) => {
      const res = await fetch(`${server.baseUrl}/documents/inspections/${id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const doc = readDocument(
        unzip(Buffer.from(await res.arrayBuffer()))
          .get('word/document.xml')!
          .toString('utf8'),
      );
      return doc.tables[0].slice(1);
    };
    const orders = async (id: string) => (await table(id)).map((row) => [row[2], row[3]]);
    const recorded = await record({
      idempotencyKey: 'review-print-orders',
      findings: [{ severity: 'MINOR', description: '台帐不全', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) }],
    });
    const originalId = recorded.data.recordInspection.id;
    const [finding] = (await finalize(originalId)).data.finalizeInspection.findings;
    const first = [['第一车队党支部', chineseDate(day(10))]];
    expect(await orders(originalId)).toEqual(first);
    // untouched: the amendment sends it to the second fleet with another due date
    const amended = await amend({
      inspectionId: originalId,
      idempotencyKey: 'review-print-orders-amend',
      reason: '整改单位和期限有误',
      findings: [{ id: finding.id, rectifyOrgId: ids['第二车队党支部'], rectifyDueOn: day(12) }],
    });
    expect(amended.errors).toBeUndefined();
    const amendmentId = amended.data.amendInspection.id;
    const second = [['第二车队党支部', chineseDate(day(12))]];
    expect(await orders(amendmentId)).toEqual(second);
    expect(await orders(originalId)).toEqual(first);
    expect((await finalize(amendmentId)).errors).toBeUndefined();
    // the rectification now stands with the second fleet; the original record still ordered it to the first
    expect(await orders(amendmentId)).toEqual(second);
    expect(await orders(originalId)).toEqual(first);
    expect((await table(originalId))[0][4]).toBe('待整改');
    // the first fleet's secretary reads its record but no longer the rectification: no state, and never 定稿后下达
    expect((await table(originalId, secretary))[0].slice(2)).toEqual([...first[0], '']);
  });

  it('scores only an org the campaign evaluates, and records nothing on an archived org', async () => {
    const versionId = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, admin)).data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, admin);
    const campaign = await gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { input: { name: '复核创建活动', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN, endsOn: '2030-12-31' } },
      admin,
    );
    expect(campaign.errors).toBeUndefined();
    const campaignId = campaign.data.createCampaign.id;
    const scores = scoresFor(await criteriaOf(server, admin, versionId)).map(({ criterionId, value }) => ({ criterionId, value }));
    const su = await server.superuser();
    const records = () => count(su, 'inspections');
    const before = await records();
    // 市公交集团党委 is a committee: the campaign evaluates branches only
    const committee = await record({ idempotencyKey: 'review-eligible-0001', orgId: ids['市公交集团党委'], campaignId, scores });
    expect(committee.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_ELIGIBLE', field: 'input.scores' });
    // the same committee without a score sheet is inspected as before
    expect((await record({ idempotencyKey: 'review-eligible-0002', orgId: ids['市公交集团党委'], campaignId })).errors).toBeUndefined();
    expect((await record({ idempotencyKey: 'review-eligible-0003', campaignId, scores })).errors).toBeUndefined();
    expect(await records()).toBe(before + 2);
    // an archived branch takes no new record
    const made = await gql(
      `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
      { input: { parentId: ids['市公交集团党委'], name: '复核后撤销的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
      admin,
    );
    const archivedOrg = made.data.createOrg.id;
    await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { archivedAt } }`, { id: archivedOrg }, admin);
    const refused = await record({ idempotencyKey: 'review-archived-0001', orgId: archivedOrg });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_ARCHIVED' });
    expect(await records()).toBe(before + 2);
  });
  it('creates no team over an archived org, nor over one archived while the creation waited', async () => {
    const branch = async (name: string) =>
      (
        await gql(
          `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
          { input: { parentId: ids['市公交集团党委'], name, kind: 'BRANCH', category: 'ENTERPRISE' } },
          admin,
        )
      ).data.createOrg.id as string;
    const create = (name: string, orgId: string) =>
      gql(
        `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
        { input: { name, leaderId: users.inspector, scopeOrgIds: [ids['市公交集团党委'], orgId] } },
        leader,
      );
    const su = await server.superuser();
    const teams = () => count(su, 'supervision_teams');
    const before = await teams();
    const archived = await branch('督导前撤销的党支部');
    expect(
      (await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { archivedAt } }`, { id: archived }, admin)).errors,
    ).toBeUndefined();
    const refused = await create('撤销组织督导组', archived);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_ARCHIVED', field: 'input.scopeOrgIds' });
    // an archive holding the org (as archiveOrg does) while the team is created: the creation waits, then sees it
    const racing = await branch('督导时撤销的党支部');
    const archiver = await server.superuser({ own: true });
    try {
      await archiver.query('BEGIN');
      await archiver.query(`SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE`, [rawId(racing)]);
      const creating = create('撤销中督导组', racing);
      expect(await lockWaiters(su, 1)).toBe(1);
      await archiver.query(`UPDATE orgs SET archived_at = now() WHERE id = $1`, [rawId(racing)]);
      await archiver.query('COMMIT');
      expect(reasons(await creating)).toEqual(['CONFLICT/ORG_ARCHIVED']);
    } finally {
      await archiver.query('ROLLBACK').catch(() => undefined);
      await archiver.end();
    }
    expect(await teams()).toBe(before);
    // a live org still makes a team
    expect((await create('在用组织督导组', await branch('督导在用的党支部'))).errors).toBeUndefined();
    expect(await teams()).toBe(before + 1);
  });
  it('refuses a rectification report whose org a concurrent move took out of the reporter’s scope while it waited', async () => {
    const branch = (
      await gql(
        `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
        { input: { parentId: ids['市公交集团党委'], name: '整改中迁出的党支部', kind: 'BRANCH', category: 'ENTERPRISE' } },
        admin,
      )
    ).data.createOrg.id;
    const recorded = await record({
      idempotencyKey: 'review-moved-owner-0001',
      orgId: branch,
      findings: [{ severity: 'MINOR', description: '台帐不全', rectifyOrgId: branch, rectifyDueOn: day(10) }],
    });
    const finalized = await finalize(recorded.data.recordInspection.id);
    const rectification = finalized.data.finalizeInspection.findings[0].rectification.id;
    const su = await server.superuser();
    const mover = await server.superuser({ own: true });
    try {
      await mover.query('BEGIN');
      await mover.query(`SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE`, [rawId(branch)]);
      // the 公交 committee's supervisor reports for the branch; the report waits on the org the move holds
      const reporting = gql(
        `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { id state } }`,
        { input: { id: rectification, report: '已补齐台帐', evidenceRefs: [] } },
        supervisor,
      );
      expect(await lockWaiters(su, 1)).toBe(1);
      await mover.query(
        `UPDATE orgs o SET path = p.path || subpath(o.path, nlevel(m.path) - 1),
                           parent_id = CASE WHEN o.id = m.id THEN p.id ELSE o.parent_id END
           FROM orgs m, orgs p
          WHERE m.id = $1 AND p.id = $2 AND o.tenant_id = m.tenant_id AND o.path <@ m.path`,
        [rawId(branch), rawId(ids['市公路管理处党委'])],
      );
      await mover.query('COMMIT');
      expect((await reporting).errors?.map((e) => e.extensions?.reason)).toEqual(['RECTIFICATION_NOT_FOUND']);
    } finally {
      await mover.query('ROLLBACK').catch(() => undefined);
      await mover.end();
    }
    expect((await su.query(`SELECT state FROM rectifications WHERE id = $1`, [rawId(rectification)])).rows).toEqual([{ state: 'OPEN' }]);
  });
});
