import { Client } from 'pg';
import { pdf, png } from './helpers/evidence-files';
import { rawId, unknownId } from './helpers/ids';
import { TestServer, startTestServer, tokens } from './helpers/server';
import { count } from './helpers/sql';
import { orgIds } from './helpers/story';

type Tokens = Record<'admin' | 'supervisor' | 'secretary' | 'secretary2' | 'member' | 'inspector' | 'leader', string>;

/**
 * Evidence files on the records of the campaign (issue 13, part 2) over real HTTP: each record type
 * takes `fileIds` in its mutations and shows `files`; files come off while the record is editable and
 * never after; a file is read exactly as its record; files of a finalized inspection are part of its
 * record (refused at the API and at the database, hashed into the chain, a changed byte found).
 */
describe('evidence files on records', () => {
  let server: TestServer;
  let su: Client;
  let t: Tokens;
  let foreign: string;
  let orgs: Record<string, string>;

  const gql = (query: string, variables: Record<string, unknown>, token: string) => server.gql(query, variables, token);
  const upload = async (token: string, name: string, bytes: Buffer): Promise<string> => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), name);
    const res = await fetch(`${server.baseUrl}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    const json = (await res.json()) as { files: { id: string }[] };
    if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(json)}`);
    return json.files[0].id;
  };
  const download = async (id: string, token: string) =>
    (await fetch(`${server.baseUrl}/files/${id}`, { headers: { authorization: `Bearer ${token}` } })).status;
  const names = (files: { name: string }[]) => files.map((f) => f.name);
  const error = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions;

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    t = await tokens(server, 'jtj', ['admin', 'supervisor', 'secretary', 'secretary2', 'member', 'inspector', 'leader']);
    foreign = await server.token('szjg', 'admin');
    orgs = await orgIds(server, 'jtj');
  }, 60_000);
  afterAll(() => server.close());

  describe('ledger entries', () => {
    const create = (input: Record<string, unknown>, token = t.secretary) =>
      gql(
        `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id files { id name format } } }`,
        { input: { orgId: orgs['第一车队党支部'], occurredOn: '2013-06-01', category: 'MEETING', title: '支部委员会', ...input } },
        token,
      );

    it('take files at creation; the record’s readers see them, a sibling branch and another tenant do not', async () => {
      const minutes = await upload(t.secretary, '支委会记录.pdf', pdf());
      const photo = await upload(t.secretary, '会场照片.png', png());
      const res = await create({ fileIds: [minutes, photo] });
      expect(names(res.data.createLedgerEntry.files)).toEqual(['支委会记录.pdf', '会场照片.png']);
      const entry = res.data.createLedgerEntry.id;
      const read = (token: string) =>
        gql(`query($id: ID!) { node(id: $id) { ... on LedgerEntry { files { name } } } }`, { id: entry }, token);
      // the supervisor of the group above the branch reads the entry, so its files
      expect(names((await read(t.supervisor)).data.node.files)).toEqual(['支委会记录.pdf', '会场照片.png']);
      expect(await download(minutes, t.supervisor)).toBe(200);
      // the sibling branch's secretary and another tenant read neither the entry nor its files
      expect((await read(t.secretary2)).data.node).toBeNull();
      expect(await download(minutes, t.secretary2)).toBe(404);
      expect(await download(minutes, foreign)).toBe(404);
    });

    it('let files come off by update (a detached file is its uploader’s alone again), and off with the entry when it is deleted', async () => {
      const a = await upload(t.secretary, '签到表.pdf', pdf());
      const b = await upload(t.secretary, '活动照片.png', png());
      const entry = (await create({ fileIds: [a, b] })).data.createLedgerEntry.id;
      const updated = await gql(
        `mutation($input: UpdateLedgerEntryInput!) { updateLedgerEntry(input: $input) { title files { name } } }`,
        { input: { id: entry, detachFileIds: [a] } },
        t.secretary,
      );
      // a partial update: the title stays, one file went
      expect(updated.data.updateLedgerEntry).toEqual({ title: '支部委员会', files: [{ name: '活动照片.png' }] });
      expect(await download(a, t.supervisor)).toBe(404);
      expect(await download(a, t.secretary)).toBe(200);
      expect(await download(b, t.supervisor)).toBe(200);
      const deleted = await gql(
        `mutation($input: DeleteLedgerEntryInput!) { deleteLedgerEntry(input: $input) }`,
        { input: { id: entry } },
        t.secretary,
      );
      expect(deleted.data.deleteLedgerEntry).toBe(true);
      expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(entry)])).toBe(0);
      expect(await download(b, t.supervisor)).toBe(404);
      expect(await download(b, t.secretary)).toBe(200);
    });

    it('refuse a file the writer may not read (another user’s upload, another tenant’s, an unknown id) and more than 50, storing nothing', async () => {
      const before = await count(su, 'ledger_entries');
      const others = await upload(t.secretary2, '他人的文件.pdf', pdf());
      const tenants = await upload(foreign, '另一单位的文件.pdf', pdf());
      for (const id of [others, tenants, unknownId('File'), unknownId('Org')]) {
        const res = await create({ fileIds: [id] });
        expect(error(res)).toMatchObject({ code: 'NOT_FOUND', reason: 'FILE_NOT_FOUND', field: 'input.fileIds' });
      }
      const many = await Promise.all(Array.from({ length: 51 }, (_, i) => upload(t.secretary, `照片${i}.png`, png())));
      expect(error(await create({ fileIds: many }))).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await count(su, 'ledger_entries')).toBe(before);
      // 50 is the most a record holds, also when they come in two mutations
      const entry = (await create({ fileIds: many.slice(0, 30) })).data.createLedgerEntry.id;
      const more = await gql(
        `mutation($input: UpdateLedgerEntryInput!) { updateLedgerEntry(input: $input) { id } }`,
        { input: { id: entry, fileIds: many.slice(30) } },
        t.secretary,
      );
      expect(error(more)).toMatchObject({ reason: 'TOO_MANY_ATTACHMENTS', limit: 50, field: 'input.fileIds' });
      expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(entry)])).toBe(30);
    });

    it('take no files from a member, who may not write the ledger (nothing attached)', async () => {
      const mine = await upload(t.member, '党员的照片.png', png());
      const res = await create({ fileIds: [mine] }, t.member);
      expect(error(res)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await count(su, 'file_attachments', 'file_id = $1', [rawId(mine)])).toBe(0);
    });
  });

  it('briefings: files change while a draft; once published they are fixed, at the API and at the database', async () => {
    const a = await upload(t.secretary, '简报配图一.png', png());
    const b = await upload(t.secretary, '简报配图二.png', png());
    const created = await gql(
      `mutation($input: CreateBriefingInput!) { createBriefing(input: $input) { id files { name } } }`,
      { input: { orgId: orgs['第一车队党支部'], title: '创建简报（第3期）', body: '本月开展活动两次。', fileIds: [a, b] } },
      t.secretary,
    );
    const id = created.data.createBriefing.id;
    const update = (input: Record<string, unknown>) =>
      gql(
        `mutation($input: UpdateBriefingInput!) { updateBriefing(input: $input) { files { name } } }`,
        { input: { id, ...input } },
        t.secretary,
      );
    expect((await update({ detachFileIds: [a] })).data.updateBriefing.files).toEqual([{ name: '简报配图二.png' }]);
    // the draft is its writers' alone: the supervisor above reads neither it nor its files yet
    expect(await download(b, t.supervisor)).toBe(404);
    await gql(`mutation($input: BriefingIdInput!) { publishBriefing(input: $input) { state } }`, { input: { id } }, t.secretary);
    expect(await download(b, t.supervisor)).toBe(200);
    expect(error(await update({ detachFileIds: [b] }))).toMatchObject({ reason: 'BRIEFING_PUBLISHED' });
    const refused = await su
      .query(`DELETE FROM file_attachments WHERE record_type = 'Briefing' AND record_id = $1`, [rawId(id)])
      .catch((e) => e);
    expect(refused.code).toBe('AP001');
    expect(await count(su, 'file_attachments', 'record_id = $1', [rawId(id)])).toBe(1);
  });

  it('a criterion score, a deadline submission, a rectification report, a fulfilled commitment and an opinion reply carry their files', async () => {
    // 上级评议 by the group's supervisor: a score's files, detachable while the evaluation is a draft
    const cres = await gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, t.admin);
    if (!cres.data) throw new Error(JSON.stringify(cres));
    const campaignId = cres.data.campaigns.nodes[0].id;
    const started = await gql(
      `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
      { input: { campaignId, orgId: orgs['第一车队党支部'], kind: 'SUPERIOR' } },
      t.supervisor,
    );
    const criteria = (
      await gql(`query($id: ID!) { campaign(id: $id) { version { criteria { id code isLeaf } } } }`, { id: campaignId }, t.supervisor)
    ).data.campaign.version.criteria.filter((c: { isLeaf: boolean }) => c.isLeaf);
    const scan = await upload(t.supervisor, '联系点制度.pdf', pdf());
    const extra = await upload(t.supervisor, '联系点照片.png', png());
    const q22 = criteria.find((c: { code: string }) => c.code === 'Q2.2').id;
    const save = (version: number, score: Record<string, unknown>) =>
      gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version result { nodes { criterion { code } value files { name } } } } }`,
        {
          input: {
            evaluationId: started.data.startEvaluation.id,
            expectedVersion: version,
            scores: [{ criterionId: q22, value: 1, ...score }],
          },
        },
        t.supervisor,
      );
    const saved = await save(started.data.startEvaluation.version, { fileIds: [scan, extra] });
    const node = (res: typeof saved) =>
      res.data.saveScores.result.nodes.find((n: { criterion: { code: string } }) => n.criterion.code === 'Q2.2');
    expect(names(node(saved).files)).toEqual(['联系点制度.pdf', '联系点照片.png']);
    const kept = await save(saved.data.saveScores.version, { detachFileIds: [extra] });
    expect(names(node(kept).files)).toEqual(['联系点制度.pdf']);
    expect(await download(scan, t.secretary)).toBe(200); // the evaluation's readers: the branch's own secretary
    expect(await download(scan, t.secretary2)).toBe(404);

    // 报送: the committee's self-check summary, by its supervisor
    const deadlines = (await gql(`query($id: ID!) { campaign(id: $id) { deadlines { id name } } }`, { id: campaignId }, t.supervisor)).data
      .campaign.deadlines;
    const selfCheck = deadlines.find((d: { name: string }) => d.name.includes('自查')).id;
    const summary = await upload(t.supervisor, '自查总结.pdf', pdf());
    const submitted = await gql(
      `mutation($input: SubmitForDeadlineInput!) { submitForDeadline(input: $input) { files { name } } }`,
      { input: { deadlineId: selfCheck, orgId: orgs['市公交集团党委'], text: '自查总结', fileIds: [summary] } },
      t.supervisor,
    );
    expect(names(submitted.data.submitForDeadline.files)).toEqual(['自查总结.pdf']);

    // 整改: the demo rectification of 第二车队党支部, reported by the group's supervisor
    const rect = (await gql(`{ rectifications(first: 5) { nodes { id state } } }`, {}, t.supervisor)).data.rectifications.nodes[0];
    const after = await upload(t.supervisor, '整改后照片.png', png());
    const reported = await gql(
      `mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { state files { name } } }`,
      { input: { id: rect.id, report: '已统一示范岗标识', fileIds: [after] } },
      t.supervisor,
    );
    expect(reported.data.submitRectification).toEqual({ state: 'SUBMITTED', files: [{ name: '整改后照片.png' }] });
    // the issuing team reads it (its inspector), as it reads the rectification
    expect(await download(after, t.inspector)).toBe(200);

    // 践诺
    const pledged = await gql(
      `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`,
      { input: { orgId: orgs['第一车队党支部'], text: '为老年乘客提供上下车帮扶', dueOn: '2099-01-01' } },
      t.secretary,
    );
    const proof = await upload(t.secretary, '帮扶记录.pdf', pdf());
    const fulfilled = await gql(
      `mutation($input: FulfilCommitmentInput!) { fulfilCommitment(input: $input) { state files { name } } }`,
      { input: { id: pledged.data.pledgeCommitment.id, report: '已帮扶120人次', fileIds: [proof] } },
      t.secretary,
    );
    expect(fulfilled.data.fulfilCommitment).toEqual({ state: 'FULFILLED', files: [{ name: '帮扶记录.pdf' }] });

    // 答复民意
    const recorded = await gql(
      `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { opinion { id } } }`,
      { input: { orgId: orgs['第一车队党支部'], content: '车厢空调不制冷' } },
      t.secretary,
    );
    const answer = await upload(t.secretary, '维修单.pdf', pdf());
    const replied = await gql(
      `mutation($input: ReplyOpinionInput!) { replyOpinion(input: $input) { state files { name } } }`,
      { input: { id: recorded.data.recordOpinion.opinion.id, reply: '已维修', fileIds: [answer] } },
      t.secretary,
    );
    expect(replied.data.replyOpinion).toEqual({ state: 'REPLIED', files: [{ name: '维修单.pdf' }] });
    expect(await download(answer, t.secretary2)).toBe(404);
  });

  describe('inspections', () => {
    let inspectionId: string;
    let findingId: string;
    let notes: string;
    let photo: string;

    it('take files on the record and on each finding, detachable while a draft', async () => {
      const teams = await gql(`{ supervisionTeams(first: 1) { nodes { id } } }`, {}, t.inspector);
      if (!teams.data?.supervisionTeams.nodes.length) throw new Error(JSON.stringify(teams));
      const team = teams.data.supervisionTeams.nodes[0].id;
      notes = await upload(t.inspector, '座谈记录.pdf', pdf());
      photo = await upload(t.inspector, '现场照片.png', png());
      const spare = await upload(t.inspector, '多余的照片.png', png());
      const res = await gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id files { name } findings { id files { name } } } }`,
        {
          input: {
            idempotencyKey: 'attachments-inspection-1',
            teamId: team,
            orgId: orgs['第一车队党支部'],
            inspectedOn: '2013-09-10',
            methods: ['BRIEFING'],
            summary: '听取汇报',
            fileIds: [notes, spare],
            findings: [{ severity: 'MINOR', description: '台帐不全', fileIds: [photo] }],
          },
        },
        t.inspector,
      );
      inspectionId = res.data.recordInspection.id;
      findingId = res.data.recordInspection.findings[0].id;
      expect(names(res.data.recordInspection.files)).toEqual(['座谈记录.pdf', '多余的照片.png']);
      expect(names(res.data.recordInspection.findings[0].files)).toEqual(['现场照片.png']);
      const updated = await gql(
        `mutation($input: UpdateInspectionInput!) { updateInspection(input: $input) { summary files { name } findings { id files { name } } } }`,
        { input: { id: inspectionId, detachFileIds: [spare], findings: [{ id: findingId, description: '台帐记录不全' }] } },
        t.inspector,
      );
      expect(updated.data.updateInspection).toMatchObject({
        summary: '听取汇报',
        files: [{ name: '座谈记录.pdf' }],
        findings: [{ id: findingId, files: [{ name: '现场照片.png' }] }],
      });
      // the inspected branch's secretary reads the record, so its files
      expect(await download(photo, t.secretary)).toBe(200);
      expect(await download(photo, t.secretary2)).toBe(404);
    });

    it('once finalized cannot lose or gain a file (API and database), and the chain covers their bytes', async () => {
      const finalized = await gql(
        `mutation($input: InspectionRefInput!) { finalizeInspection(input: $input) { state recordHash } }`,
        { input: { id: inspectionId } },
        t.inspector,
      );
      expect(finalized.data.finalizeInspection.state).toBe('FINALIZED');
      const more = await upload(t.inspector, '补充照片.png', png());
      for (const input of [
        { id: inspectionId, detachFileIds: [notes] },
        { id: inspectionId, fileIds: [more] },
        { id: inspectionId, findings: [{ id: findingId, detachFileIds: [photo] }] },
      ]) {
        const res = await gql(
          `mutation($input: UpdateInspectionInput!) { updateInspection(input: $input) { id } }`,
          { input },
          t.inspector,
        );
        expect(error(res)).toMatchObject({ code: 'CONFLICT', reason: 'INSPECTION_FINALIZED' });
      }
      // at the database, for every role (the owner here): detaching, attaching, re-pointing a file
      for (const sql of [
        [`DELETE FROM file_attachments WHERE record_type = 'Inspection' AND record_id = $1`, [rawId(inspectionId)]],
        [`DELETE FROM file_attachments WHERE record_type = 'Finding' AND record_id = $1`, [rawId(findingId)]],
        [
          `INSERT INTO file_attachments (tenant_id, file_id, record_type, record_id, attached_by) SELECT tenant_id, $2, 'Inspection', $1, uploaded_by FROM files WHERE id = $2`,
          [rawId(inspectionId), rawId(more)],
        ],
        [`UPDATE files SET content_id = (SELECT content_id FROM files WHERE id = $2) WHERE id = $1`, [rawId(notes), rawId(more)]],
        [`DELETE FROM files WHERE id = $1`, [rawId(photo)]],
      ] as const) {
        const refused = await su.query(sql[0], [...sql[1]]).catch((e) => e);
        expect(refused.code).toBe('AP001');
      }
      expect((await gql(`{ verifyRecords { ok checked } }`, {}, t.admin)).data.verifyRecords.ok).toBe(true);
    });

    it('records finalized before files existed still verify, and an amendment starts with the record’s files', async () => {
      const amended = await gql(
        `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id files { name } findings { files { name } } } }`,
        { input: { inspectionId, idempotencyKey: 'attachments-amend-1', reason: '补充说明' } },
        t.inspector,
      );
      expect(amended.data.amendInspection).toMatchObject({
        files: [{ name: '座谈记录.pdf' }],
        findings: [{ files: [{ name: '现场照片.png' }] }],
      });
      // the demo's records and this one verify together (a record without files has no files key in its content)
      expect((await gql(`{ verifyRecords { ok checked brokenAt { kind } } }`, {}, t.admin)).data.verifyRecords).toMatchObject({
        ok: true,
        brokenAt: null,
      });
    });

    it('verifyRecords finds one changed byte in a file of a finalized record', async () => {
      const [{ content_id: contentId }] = (await su.query(`SELECT content_id FROM files WHERE id = $1`, [rawId(photo)])).rows;
      await su.query(`UPDATE file_chunks SET data = set_byte(data, 3, get_byte(data, 3) # 1) WHERE content_id = $1 AND seq = 0`, [
        contentId,
      ]);
      const res = await gql(`{ verifyRecords { ok brokenAt { kind inspection { id } } } }`, {}, t.admin);
      expect(res.data.verifyRecords).toEqual({ ok: false, brokenAt: { kind: 'CONTENT_CHANGED', inspection: { id: inspectionId } } });
    });
  });
});
