import { pdf } from './helpers/evidence-files';
import { TestServer, startTestServer } from './helpers/server';
import { tenantToday } from './helpers/sql';
import { ASSESSMENT_RULE, orgIds } from './helpers/story';

/**
 * Downloads at the joints: a signed file link, a ledger export and a 公文 are checked against the holder's scope when
 * they are used, not when they were made. A link made while a branch was the supervisor's stops working once the branch
 * moved under another 直属党组织, as do its exports; moved back, they work again. A link names its tenant and user under
 * its MAC, so it opens nothing elsewhere (files.e2e: altered, another file, another user).
 */
describe('downloads across a move out of scope', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('a link, a ledger export and a 公文 of a branch moved away answer 404 for the supervisor over its old place; archived, still read', async () => {
    const ids = await orgIds(server, 'jtj');
    const [admin, secretary, supervisor] = await Promise.all(['admin', 'secretary', 'supervisor'].map((u) => server.token('jtj', u)));
    const branch = ids['第一车队党支部'];
    const form = new FormData();
    form.append('file', new Blob([pdf()], { type: 'application/pdf' }), '会议记录.pdf');
    const uploaded = await fetch(`${server.baseUrl}/files`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${secretary}` },
    });
    expect(uploaded.status).toBe(201);
    const fileId = ((await uploaded.json()) as { files: { id: string }[] }).files[0].id;
    const entry = await server.gql(
      `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id } }`,
      { input: { orgId: branch, occurredOn: '2026-03-01', category: 'MEETING', title: '支部委员会', fileIds: [fileId] } },
      secretary,
    );
    expect(entry.errors).toBeUndefined();
    const year = Number((await tenantToday(await server.superuser())).slice(0, 4));
    const rule = await server.gql(
      `mutation($input: SetAssessmentRuleInput!) { setAssessmentRule(input: $input) { year } }`,
      { input: { year, rule: ASSESSMENT_RULE } },
      admin,
    );
    expect(rule.errors).toBeUndefined();
    const link = await server.gql(`query($id: ID!) { fileDownloadLink(fileId: $id) { url } }`, { id: fileId }, supervisor);
    expect(link.errors).toBeUndefined();
    const url: string = link.data.fileDownloadLink.url;
    const status = async (path: string, token?: string) =>
      (await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;
    // one after another: a user builds one export at a time (EXPORTS_PER_USER)
    const downloads = async () => [
      await status(url),
      await status(`/exports/ledger/${branch}`, supervisor),
      await status(`/documents/assessments/${branch}?year=${year}`, supervisor),
    ];
    expect(await downloads()).toEqual([200, 200, 200]);

    const move = (parent: string) =>
      server.gql(`mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`, { id: branch, p: parent }, admin);
    expect((await move(ids['市公路管理处党委'])).errors).toBeUndefined();
    try {
      expect(await downloads()).toEqual([404, 404, 404]);
      // the branch's own secretary moved with it: its downloads still work
      expect(await status(url.replace(/\?link=.*/, ''), secretary)).toBe(200);
    } finally {
      expect((await move(ids['市公交集团党委'])).errors).toBeUndefined();
    }
    expect(await downloads()).toEqual([200, 200, 200]);

    // archived (撤销): its records stay readable by whoever read them (README: "What it already has stays readable"); an
    // archived org is not assessed, so its 考核结果 is a coded CONFLICT (ORG_NOT_ASSESSED), as assessment(…) answers
    const archived = await server.gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: branch }, admin);
    expect(archived.errors).toBeUndefined();
    try {
      expect(await downloads()).toEqual([200, 200, 409]);
    } finally {
      expect(
        (await server.gql(`mutation($id: ID!) { restoreOrg(input: { id: $id }) { id } }`, { id: branch }, admin)).errors,
      ).toBeUndefined();
    }
  });
});
