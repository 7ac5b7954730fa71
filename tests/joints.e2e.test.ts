import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { seedDemoCampaigns } from '../src/seed/demo-campaigns';
import { TestServer, codes, startTestServer } from './helpers/server';
import { criteriaOf, orgIds, scoresFor } from './helpers/story';

/**
 * Regression tests for the joints the issue-10 walk crossed (items 9, 11, 13, 14, 15 for evaluations,
 * 16), each through the running server over HTTP, on the full demo (frameworks, campaigns, every
 * module's records).
 */
describe('joints between modules (issue 10)', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let t: Record<string, string>;
  let campaignId: string;
  let versionId: string;
  const gql = (q: string, v: Record<string, unknown>, token: string) => server.gql(q, v, token);
  const get = async (path: string, token: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, body, json: () => JSON.parse(body.toString('utf8')) };
  };
  const sheetScope = async (body: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as unknown as ArrayBuffer);
    return wb.getWorksheet('说明')!.getCell('B3').value;
  };

  beforeAll(async () => {
    server = await startTestServer();
    await seedDemoCampaigns(server.database.dataSource, server.config);
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    t = Object.fromEntries(await Promise.all(['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member'].map(async (u) => [u, await server.token('jtj', u)])));
    const res = await gql(`{ campaigns { id version { id } } }`, {}, t.admin);
    campaignId = res.data.campaigns[0].id;
    versionId = res.data.campaigns[0].version.id;
  }, 120_000);
  afterAll(() => server.close());

  describe('item 11: rollups default to the viewer’s own scope', () => {
    const ROLLUPS = `{ campaigns { deadlines { code summary { owed onTime late missing } submissions { org { name } status } } progress { scope { name } eligible } ranking { org { name } } } }`;

    it.each([
      ['secretary', '第一车队党支部', 0],
      ['member', '第一车队党支部', 0],
      ['supervisor', '市公交集团党委', 1],
    ])('answers %s’s deadlines, progress and ranking for its own scope with no `under`', async (role, scope, owed) => {
      const res = await gql(ROLLUPS, {}, t[role]);
      expect(res.errors).toBeUndefined();
      const [campaign] = res.data.campaigns;
      expect(campaign.progress.scope).toEqual({ name: scope });
      expect(campaign.deadlines.map((d: { summary: { owed: number } }) => d.summary.owed)).toEqual([owed, owed]);
      if (owed) expect(campaign.deadlines[0].submissions).toEqual([{ org: { name: '市公交集团党委' }, status: 'ON_TIME' }]);
    });

    it.each([
      ['secretary', '第一车队党支部'],
      ['member', '第一车队党支部'],
      ['supervisor', '市公交集团党委'],
    ])('exports the progress sheet for %s’s own scope with no `under`', async (role, scope) => {
      const res = await get(`/exports/campaigns/${campaignId}/progress`, t[role]);
      expect(res.status).toBe(200);
      expect(await sheetScope(res.body)).toBe(scope);
    });

    it('still refuses an `under` outside the viewer’s scope as an unknown org (reason and message about the Org)', async () => {
      const res = await gql(`query($c: ID!, $u: ID!) { campaign(id: $c) { progress(under: $u) { eligible } } }`, { c: campaignId, u: ids['第二车队党支部'] }, t.secretary);
      expect(res.errors![0]).toMatchObject({ message: 'Org not found', extensions: { code: 'NOT_FOUND', reason: 'ORG_NOT_FOUND' } });
      const file = await get(`/exports/campaigns/${campaignId}/progress?under=${ids['第二车队党支部']}`, t.secretary);
      expect(file.status).toBe(404);
      expect(file.json().errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'ORG_NOT_FOUND' });
    });
  });
});
