import { Client } from 'pg';
import { createRequestContext, loadViewer } from '../src/graphql/context';
import commitmentModule from '../src/modules/commitment/commitment.module';
import linkCodeModule from '../src/modules/link-code/link-code.module';
import { PUBLIC_RATE_LIMIT } from '../src/modules/link-code/link-code.service';
import opinionModule from '../src/modules/opinion/opinion.module';
import pairingModule from '../src/modules/pairing/pairing.module';
import publicReviewModule from '../src/modules/public-review/public-review.module';
import { addDays } from './helpers/dates';
import { randomUUID } from 'node:crypto';
import { globalId, rawId, unknownId } from './helpers/ids';
import { GqlResponse, TestServer, codes, firstSignIn, lockWaiters, startTestServer, tokens } from './helpers/server';
import { count, tenantId, tenantToday } from './helpers/sql';
import { SOURCE_CAMPAIGN, criteriaOf, orgIds, scoresFor } from './helpers/story';

/**
 * The public's side (issue 7 and its defects): commitments, public reviews (and the stuffing a rotating
 * client cannot do), pairing and opinions. Each part with its own server.
 */

/** Contact data handed in anywhere in this file: none of it may ever come back in a response. */
const CONTACTS = ['13812345678', '138 1234 5678', '13912345678', 'zhang.san@example.com', '13600007777', '13700001234'];

/**
 * 承诺践诺, 群众评议 (without an account), 结对联系 and 民意收集 through the API: pledge and fulfil,
 * hand out link codes, let the public rate and speak over real HTTP without a token (de-duplicated,
 * rate-limited, tenant-tight), roll up satisfaction by hand-worked numbers, fill a PERCENT criterion
 * from it, pair cadres and log visits, handle opinions first-responder within the time limit.
 */
describe('public engagement: commitments, public reviews, pairing, opinions', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let szjgIds: Record<string, string>;
  const t: Record<string, string> = {};
  let campaignId: string;
  let versionId: string;
  let today: string;
  let jtjId: string;
  let szjgId: string;
  const responses: string[] = [];

  const day = (offset: number) => addDays(today, offset);
  const gql = async (q: string, v: Record<string, unknown> = {}, token?: string): Promise<GqlResponse> => {
    const res = await server.gql(q, v, token);
    responses.push(JSON.stringify(res));
    return res;
  };
  /** Without a token, as the public. */
  const anon = (q: string, v: Record<string, unknown> = {}) => gql(q, v);
  const userGid = async (tenantId: string, username: string) =>
    globalId('User', (await su.query(`SELECT id FROM users WHERE tenant_id = $1 AND username = $2`, [tenantId, username])).rows[0].id);
  /** The rate-limit window passes (moved under the API: the clock is the database's). */
  const windowPasses = () => su.query(`UPDATE public_submissions SET created_at = created_at - interval '1 hour'`);

  const REVIEW = `mutation($input: SubmitPublicReviewInput!) { submitPublicReview(input: $input) { orgName rating reviewDay contactMasked commitmentText } }`;
  const review = (input: Record<string, unknown>) => anon(REVIEW, { input: { comment: '', ...input } });
  const LINK = `mutation($input: CreateLinkCodeInput!) { createLinkCode(input: $input) { id code url label disabled org { name } campaign { id } commitment { id } } }`;
  const PLEDGE = `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id text dueOn state stateLabel overdue memberName member { username } org { name } } }`;
  const FULFIL = `mutation($input: FulfilCommitmentInput!) { fulfilCommitment(input: $input) { id state stateLabel report evidenceRefs fulfilledAt } }`;
  const SATISFACTION = `query($o: ID!, $c: ID, $f: Date, $t: Date) { satisfaction(orgId: $o, campaignId: $c, from: $f, to: $t) {
    org { name } own { count averageRating satisfiedCount satisfiedShare } subtree { count averageRating satisfiedCount satisfiedShare }
    children { org { name } figures { count averageRating satisfiedShare } } } }`;

  let orgCommitment: string;
  let memberCommitment: string;
  let overdueCommitment: string;
  let code: string;
  let codeId: string;
  let commitmentCode: string;
  let secondCode: string;
  let foreignCode: string;

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    szjgIds = await orgIds(server, 'szjg');
    Object.assign(t, await tokens(server, 'jtj'));
    for (const [u, token] of Object.entries(await tokens(server, 'szjg', ['admin', 'secretary']))) t[`szjg-${u}`] = token;
    jtjId = await tenantId(su, 'jtj');
    szjgId = await tenantId(su, 'szjg');
    today = await tenantToday(su);
    const imported = await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin);
    versionId = imported.data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, t.admin);
    const campaign = await gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { input: { name: '创建活动', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN, endsOn: '2030-12-31' } },
      t.admin,
    );
    campaignId = campaign.data.createCampaign.id;
  });
  afterAll(() => server.close());

  describe('承诺践诺: commitments', () => {
    it('lets the org’s secretary pledge for the org and a member pledge its own', async () => {
      const org = await gql(
        PLEDGE,
        { input: { orgId: ids['第一车队党支部'], text: '高峰时段发车间隔不超过5分钟', dueOn: day(10) } },
        t.secretary,
      );
      expect(org.errors).toBeUndefined();
      expect(org.data.pledgeCommitment).toMatchObject({
        text: '高峰时段发车间隔不超过5分钟',
        dueOn: day(10),
        state: 'PLEDGED',
        stateLabel: '已承诺',
        overdue: false,
        member: null,
        org: { name: '第一车队党支部' },
      });
      orgCommitment = org.data.pledgeCommitment.id;
      const own = await gql(PLEDGE, { input: { orgId: ids['第一车队党支部'], text: '每月参加一次爱心接送', dueOn: day(30) } }, t.member);
      expect(own.data.pledgeCommitment).toMatchObject({ state: 'PLEDGED', memberName: '第一车队党员', member: { username: 'member' } });
      memberCommitment = own.data.pledgeCommitment.id;
      // an officer over the org may also pledge on a member's behalf
      const forMember = await gql(
        PLEDGE,
        { input: { orgId: ids['第一车队党支部'], text: '帮扶一名困难乘客', dueOn: day(1), memberUserId: await userGid(jtjId, 'member') } },
        t.supervisor,
      );
      // the supervisor reads the member's name, not the account (a User is for the user and admins over its org)
      expect(forMember.data.pledgeCommitment).toMatchObject({ memberName: '第一车队党员', member: null });
      overdueCommitment = forMember.data.pledgeCommitment.id;
    });

    it('refuses pledges outside one’s part, and bad input, changing nothing', async () => {
      const before = await count(su, 'commitments');
      const secretaryOfOther = await gql(PLEDGE, { input: { orgId: ids['第一车队党支部'], text: 'x', dueOn: day(5) } }, t.secretary2);
      expect(secretaryOfOther.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND' });
      const memberForOther = await gql(
        PLEDGE,
        { input: { orgId: ids['第一车队党支部'], text: 'x', dueOn: day(5), memberUserId: await userGid(jtjId, 'secretary') } },
        t.member,
      );
      expect(memberForOther.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_PLEDGER' });
      const inspector = await gql(PLEDGE, { input: { orgId: ids['第一车队党支部'], text: 'x', dueOn: day(5) } }, t.inspector);
      expect(inspector.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_PLEDGER' });
      const notMember = await gql(
        PLEDGE,
        { input: { orgId: ids['第一车队党支部'], text: 'x', dueOn: day(5), memberUserId: await userGid(jtjId, 'secretary2') } },
        t.secretary,
      );
      expect(notMember.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.memberUserId' });
      const past = await gql(PLEDGE, { input: { orgId: ids['第一车队党支部'], text: 'x', dueOn: day(-1) } }, t.secretary);
      expect(past.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'DUE_IN_PAST', field: 'input.dueOn' });
      const long = await gql(PLEDGE, { input: { orgId: ids['第一车队党支部'], text: '长'.repeat(2001), dueOn: day(5) } }, t.secretary);
      expect(long.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'text' });
      const blank = await gql(PLEDGE, { input: { orgId: ids['第一车队党支部'], text: '   ', dueOn: day(5) } }, t.secretary);
      expect(blank.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.text' });
      expect(await count(su, 'commitments')).toBe(before);
    });

    it('records fulfilment (践诺) with evidence, once, by the pledger side only', async () => {
      const byMember = await gql(FULFIL, { input: { id: orgCommitment, report: 'x' } }, t.member);
      expect(byMember.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_PLEDGER' });
      const empty = await gql(FULFIL, { input: { id: orgCommitment, report: '  ' } }, t.secretary);
      expect(empty.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.report' });
      const done = await gql(
        FULFIL,
        { input: { id: orgCommitment, report: '加开区间车8班次，平均间隔4.2分钟', evidenceRefs: ['调度日志.xlsx', '回访记录.pdf'] } },
        t.secretary,
      );
      expect(done.data.fulfilCommitment).toMatchObject({
        state: 'FULFILLED',
        stateLabel: '已践诺',
        report: '加开区间车8班次，平均间隔4.2分钟',
        evidenceRefs: ['调度日志.xlsx', '回访记录.pdf'],
      });
      expect(done.data.fulfilCommitment.fulfilledAt).toBeTruthy();
      const again = await gql(FULFIL, { input: { id: orgCommitment, report: '再报一次' } }, t.secretary);
      expect(again.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_FULFILLED' });
      const own = await gql(FULFIL, { input: { id: memberCommitment, report: '已参加本月爱心接送' } }, t.member);
      expect(own.data.fulfilCommitment.state).toBe('FULFILLED');
    });

    it('computes OVERDUE for a pledge past due and lists it per subtree', async () => {
      // the due date passes (moved under the API)
      await su.query(`UPDATE commitments SET due_on = $2::date WHERE id = $1`, [rawId(overdueCommitment), day(-1)]);
      const list = await gql(
        `query($u: ID!) { commitments(under: $u, state: OVERDUE) { totalCount nodes { id state stateLabel overdue } } }`,
        { u: ids['市公交集团党委'] },
        t.supervisor,
      );
      expect(list.data.commitments).toEqual({
        totalCount: 1,
        nodes: [{ id: overdueCommitment, state: 'OVERDUE', stateLabel: '逾期未践诺', overdue: true }],
      });
      const fulfilled = await gql(
        `query($u: ID!) { commitments(under: $u, state: FULFILLED) { totalCount } }`,
        { u: ids['市公交集团党委'] },
        t.supervisor,
      );
      expect(fulfilled.data.commitments.totalCount).toBe(2);
      expect((await gql(`{ commitments { totalCount } }`, {}, t.secretary2)).data.commitments.totalCount).toBe(0);
      expect(codes(await gql(`query($id: ID!) { commitment(id: $id) { id } }`, { id: orgCommitment }, t.secretary2))).toEqual([
        'NOT_FOUND',
      ]);
    });
  });

  describe('link codes', () => {
    it('gives an org a random 128-bit campaign code with a print-friendly url, managed by its secretary', async () => {
      const res = await gql(LINK, { input: { orgId: ids['第一车队党支部'], campaignId, label: '一号服务窗口' } }, t.secretary);
      expect(res.errors).toBeUndefined();
      const link = res.data.createLinkCode;
      code = link.code;
      codeId = link.id;
      expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(code, 'base64url')).toHaveLength(16);
      expect(link).toMatchObject({
        url: `/public/${code}`,
        label: '一号服务窗口',
        disabled: false,
        org: { name: '第一车队党支部' },
        campaign: { id: campaignId },
        commitment: null,
      });
      const forCommitment = await gql(LINK, { input: { commitmentId: orgCommitment } }, t.secretary);
      expect(forCommitment.data.createLinkCode).toMatchObject({ org: { name: '第一车队党支部' }, commitment: { id: orgCommitment } });
      commitmentCode = forCommitment.data.createLinkCode.code;
      const second = await gql(LINK, { input: { orgId: ids['第一车队党支部'], label: '二号窗口' } }, t.secretary);
      secondCode = second.data.createLinkCode.code;
      expect(new Set([code, commitmentCode, secondCode]).size).toBe(3);
      const listed = await gql(
        `query($o: ID!) { linkCodes(orgId: $o) { totalCount nodes { code url } } }`,
        { o: ids['第一车队党支部'] },
        t.supervisor,
      );
      expect(listed.data.linkCodes.totalCount).toBe(3);
      expect(listed.data.linkCodes.nodes.map((l: { code: string }) => l.code).sort()).toEqual([code, commitmentCode, secondCode].sort());
      // newest first, paged by a cursor
      const PAGE = `query($o: ID!, $a: String) { linkCodes(orgId: $o, first: 2, after: $a) { nodes { code } pageInfo { hasNextPage endCursor } } }`;
      const page1 = (await gql(PAGE, { o: ids['第一车队党支部'] }, t.secretary)).data.linkCodes;
      expect(page1.nodes.map((l: { code: string }) => l.code)).toEqual([secondCode, commitmentCode]);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const page2 = (await gql(PAGE, { o: ids['第一车队党支部'], a: page1.pageInfo.endCursor }, t.secretary)).data.linkCodes;
      expect(page2).toEqual({ nodes: [{ code }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
    });

    it('refuses codes to those who do not manage the org, and bad input, changing nothing', async () => {
      const before = await count(su, 'link_codes');
      expect(codes(await gql(LINK, { input: { orgId: ids['第一车队党支部'] } }, t.secretary2))).toEqual(['NOT_FOUND']);
      expect((await gql(LINK, { input: { orgId: ids['第一车队党支部'] } }, t.member)).errors![0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'NOT_LINK_MANAGER',
      });
      expect((await gql(LINK, { input: { orgId: ids['第一车队党支部'] } }, t.inspector)).errors![0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'NOT_LINK_MANAGER',
      });
      expect((await gql(LINK, { input: {} }, t.secretary)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.orgId',
      });
      expect(
        (await gql(LINK, { input: { orgId: ids['第二车队党支部'], commitmentId: orgCommitment } }, t.supervisor)).errors![0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.commitmentId' });
      expect(codes(await gql(LINK, { input: { orgId: ids['第一车队党支部'] } }, t['szjg-admin']))).toEqual(['NOT_FOUND']);
      expect(await count(su, 'link_codes')).toBe(before);
    });

    it('shows the public, without a token, only the org’s name and what can be rated', async () => {
      const res = await anon(
        `query($c: String!) { publicLink(code: $c) { orgName campaignName ratesOrg acceptsOpinions commitment { id } commitments { id text state stateLabel } } }`,
        { c: code },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.publicLink).toMatchObject({
        orgName: '第一车队党支部',
        campaignName: '创建活动',
        ratesOrg: true,
        acceptsOpinions: true,
        commitment: null,
      });
      expect(res.data.publicLink.commitments.map((c: { id: string }) => c.id).sort()).toEqual(
        [orgCommitment, memberCommitment, overdueCommitment].sort(),
      );
      const one = await anon(
        `query($c: String!) { publicLink(code: $c) { ratesOrg commitment { id text stateLabel } commitments { id } } }`,
        { c: commitmentCode },
      );
      expect(one.data.publicLink).toEqual({
        ratesOrg: false,
        commitment: { id: orgCommitment, text: '高峰时段发车间隔不超过5分钟', stateLabel: '已践诺' },
        commitments: [{ id: orgCommitment }],
      });
      expect(codes(await anon(`{ publicLink(code: "AAAAAAAAAAAAAAAAAAAAAA") { orgName } }`))).toEqual(['NOT_FOUND']);
      expect(codes(await anon(`{ publicLink(code: "x'; DROP TABLE link_codes; --") { orgName } }`))).toEqual(['NOT_FOUND']);
      // nothing else is reachable without a token
      expect(codes(await anon(`{ commitments { totalCount } }`))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('群众评议 without an account', () => {
    it('takes reviews over HTTP without a token and returns only the reviewer’s own, masked', async () => {
      // 第一车队党支部 through its campaign code: 5 4 4 3 5 2 4 5 → 8 reviews, 6 satisfied (75%), mean 32/8 = 4.00
      const ratings = [5, 4, 4, 3, 5, 2, 4, 5];
      for (const [i, rating] of ratings.entries()) {
        const res = await review({
          code,
          rating,
          comment: i === 0 ? '司机很耐心' : '',
          deviceId: `device-first-${i}`,
          contact: i === 0 ? CONTACTS[0] : null,
        });
        expect(res.errors).toBeUndefined();
        expect(res.data.submitPublicReview).toEqual({
          orgName: '第一车队党支部',
          rating,
          reviewDay: today,
          contactMasked: i === 0 ? '138****5678' : null,
          commitmentText: null,
        });
      }
      // 第二车队党支部 through a permanent (campaign-less) code made by the supervisor: 2 5
      const other = await gql(LINK, { input: { orgId: ids['第二车队党支部'] } }, t.supervisor);
      for (const [i, rating] of [2, 5].entries())
        expect((await review({ code: other.data.createLinkCode.code, rating, deviceId: `device-second-${i}` })).errors).toBeUndefined();
      expect(await count(su, 'public_reviews', 'tenant_id = $1', [jtjId])).toBe(10);
    });

    it('rates commitments (评诺) through a commitment’s code or with a commitmentId on the org’s code', async () => {
      const viaCode = await review({ code: commitmentCode, rating: 5, deviceId: 'device-first-0' });
      expect(viaCode.data.submitPublicReview).toMatchObject({ rating: 5, commitmentText: '高峰时段发车间隔不超过5分钟' });
      // the same device rates another subject on the same code the same day: allowed (one per subject)
      const viaOrgCode = await review({ code, rating: 3, deviceId: 'device-first-0', commitmentId: orgCommitment });
      expect(viaOrgCode.errors).toBeUndefined();
      const c = await gql(
        `query($id: ID!) { commitment(id: $id) { rating { count averageRating satisfiedCount satisfiedShare } } }`,
        { id: orgCommitment },
        t.secretary,
      );
      expect(c.data.commitment.rating).toEqual({ count: 2, averageRating: 4, satisfiedCount: 1, satisfiedShare: 50 });
      const wrong = await review({ code: commitmentCode, rating: 4, deviceId: 'device-x-1', commitmentId: memberCommitment });
      expect(wrong.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_RATEABLE', field: 'input.commitmentId' });
    });

    it('refuses a second review from the same device or contact on the same code the same day (the first stands)', async () => {
      const before = await count(su, 'public_reviews');
      const sameDevice = await review({ code, rating: 1, deviceId: 'device-first-1' });
      expect(sameDevice.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_REVIEWED' });
      // the same phone number written differently, from another device
      const sameContact = await review({ code, rating: 1, deviceId: 'device-other-1', contact: CONTACTS[1] });
      expect(sameContact.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_REVIEWED' });
      expect(await count(su, 'public_reviews')).toBe(before);
      // another day is another review (the first one's day moves back under the API)
      await su.query(`UPDATE public_reviews SET review_day = review_day - 1 WHERE comment = '司机很耐心'`);
      const nextDay = await review({ code, rating: 4, deviceId: 'device-first-0', contact: CONTACTS[1] });
      expect(nextDay.errors).toBeUndefined();
      expect(await count(su, 'public_reviews')).toBe(before + 1);
      // (undo the detour so the figures below stay those of one day)
      await su.query(
        `DELETE FROM public_reviews WHERE review_day = $1::date AND commitment_id IS NULL AND contact_hash = (SELECT contact_hash FROM public_reviews WHERE comment = '司机很耐心')`,
        [today],
      );
      await su.query(`UPDATE public_reviews SET review_day = $1::date WHERE comment = '司机很耐心'`, [today]);
    });

    it('refuses bad input and disabled or unknown codes, storing nothing', async () => {
      const before = await count(su, 'public_reviews');
      expect((await review({ code, rating: 6, deviceId: 'device-bad-1' })).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'rating',
      });
      expect((await review({ code, rating: 0, deviceId: 'device-bad-1' })).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'rating',
      });
      expect((await review({ code, rating: 4, deviceId: 'short' })).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'deviceId',
      });
      expect((await review({ code, rating: 4, deviceId: 'device-bad-1', comment: '长'.repeat(2001) })).errors![0].extensions).toMatchObject(
        { code: 'BAD_USER_INPUT', field: 'comment' },
      );
      const secondId = (
        await gql(`query($o: ID!) { linkCodes(orgId: $o) { nodes { id code } } }`, { o: ids['第一车队党支部'] }, t.secretary)
      ).data.linkCodes.nodes.find((l: { code: string }) => l.code === secondCode).id;
      expect(
        codes(await gql(`mutation($id: ID!) { disableLinkCode(input: { id: $id }) { disabled } }`, { id: secondId }, t.secretary2)),
      ).toEqual(['NOT_FOUND']);
      expect(
        codes(await gql(`mutation($id: ID!) { disableLinkCode(input: { id: $id }) { disabled } }`, { id: secondId }, t.member)),
      ).toEqual(['FORBIDDEN']);
      const disabled = await gql(
        `mutation($id: ID!) { disableLinkCode(input: { id: $id }) { disabled disabledAt } }`,
        { id: secondId },
        t.secretary,
      );
      expect(disabled.data.disableLinkCode.disabled).toBe(true);
      expect((await review({ code: secondCode, rating: 4, deviceId: 'device-bad-2' })).errors![0].extensions).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'LINK_NOT_FOUND',
      });
      expect(codes(await anon(`query($c: String!) { publicLink(code: $c) { orgName } }`, { c: secondCode }))).toEqual(['NOT_FOUND']);
      expect(codes(await review({ code: 'AAAAAAAAAAAAAAAAAAAAAA', rating: 4, deviceId: 'device-bad-3' }))).toEqual(['NOT_FOUND']);
      const active = await gql(`query($o: ID!) { linkCodes(orgId: $o) { nodes { code } } }`, { o: ids['第一车队党支部'] }, t.secretary);
      expect(active.data.linkCodes.nodes.map((l: { code: string }) => l.code)).not.toContain(secondCode);
      expect(await count(su, 'public_reviews')).toBe(before);
    });

    it('keeps a foreign tenant’s code inside that tenant', async () => {
      const created = await gql(LINK, { input: { orgId: szjgIds['内科党支部'] } }, t['szjg-secretary']);
      foreignCode = created.data.createLinkCode.code;
      const jtjBefore = await count(su, 'public_reviews', 'tenant_id = $1', [jtjId]);
      expect(
        (await anon(`query($c: String!) { publicLink(code: $c) { orgName commitments { id } } }`, { c: foreignCode })).data.publicLink,
      ).toEqual({ orgName: '内科党支部', commitments: [] });
      expect((await review({ code: foreignCode, rating: 5, deviceId: 'device-foreign-1' })).data.submitPublicReview.orgName).toBe(
        '内科党支部',
      );
      expect(await count(su, 'public_reviews', 'tenant_id = $1', [szjgId])).toBe(1);
      // a jtj commitment cannot be reached through a szjg code
      const crossing = await review({ code: foreignCode, rating: 5, deviceId: 'device-foreign-2', commitmentId: orgCommitment });
      expect(crossing.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_RATEABLE' });
      // a signed-in jtj user stays in jtj: the szjg code is simply unknown to them
      expect(
        codes(await gql(REVIEW, { input: { code: foreignCode, rating: 5, comment: '', deviceId: 'device-foreign-3' } }, t.admin)),
      ).toEqual(['NOT_FOUND']);
      expect(codes(await gql(`query($c: String!) { publicLink(code: $c) { orgName } }`, { c: foreignCode }, t.admin))).toEqual([
        'NOT_FOUND',
      ]);
      // one anonymous request enters one tenant only
      const mixed = await anon(
        `query($a: String!, $b: String!) { a: publicLink(code: $a) { orgName } b: publicLink(code: $b) { orgName } }`,
        { a: code, b: foreignCode },
      );
      expect(codes(mixed)).toEqual(['NOT_FOUND']);
      // the first write enters szjg; the second, through a jtj code, is refused and writes nothing
      const mixedWrites = await anon(
        `mutation($a: SubmitPublicReviewInput!, $b: SubmitPublicReviewInput!) { a: submitPublicReview(input: $a) { orgName } b: submitPublicReview(input: $b) { orgName } }`,
        {
          a: { code: foreignCode, rating: 1, comment: '', deviceId: 'device-foreign-4' },
          b: { code, rating: 1, comment: '', deviceId: 'device-foreign-4' },
        },
      );
      expect(mixedWrites.errors!.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([['b', 'NOT_FOUND']]);
      expect(await count(su, 'public_reviews', 'tenant_id = $1', [jtjId])).toBe(jtjBefore);
      expect(await count(su, 'public_reviews', 'tenant_id = $1', [szjgId])).toBe(2);
    });
  });

  describe('群众满意度', () => {
    it('rolls up satisfaction per org and per subtree (hand-worked)', async () => {
      const res = await gql(SATISFACTION, { o: ids['市公交集团党委'], c: campaignId }, t.supervisor);
      expect(res.errors).toBeUndefined();
      const s = res.data.satisfaction;
      expect(s.own).toEqual({ count: 0, averageRating: null, satisfiedCount: 0, satisfiedShare: null });
      // 第一车队 8 reviews (6 satisfied, sum 32) + 第二车队 2 (1 satisfied, sum 7); commitments' ratings do not count
      expect(s.subtree).toEqual({ count: 10, averageRating: 3.9, satisfiedCount: 7, satisfiedShare: 70 });
      const children = Object.fromEntries(s.children.map((c: { org: { name: string }; figures: unknown }) => [c.org.name, c.figures]));
      expect(children['第一车队党支部']).toEqual({ count: 8, averageRating: 4, satisfiedShare: 75 });
      expect(children['第二车队党支部']).toEqual({ count: 2, averageRating: 3.5, satisfiedShare: 50 });
      expect(children['第三车队党支部']).toEqual({ count: 0, averageRating: null, satisfiedShare: null });
      expect(s.children).toHaveLength(5);
      const branch = await gql(SATISFACTION, { o: ids['第一车队党支部'] }, t.secretary);
      expect(branch.data.satisfaction.own).toEqual({ count: 8, averageRating: 4, satisfiedCount: 6, satisfiedShare: 75 });
      expect(branch.data.satisfaction.subtree).toEqual(branch.data.satisfaction.own);
      const before = await gql(SATISFACTION, { o: ids['市公交集团党委'], t: day(-1) }, t.supervisor);
      expect(before.data.satisfaction.subtree.count).toBe(0);
      const root = await gql(SATISFACTION, { o: ids['中共市交通运输局党委'], f: today, t: today }, t.leader);
      expect(root.data.satisfaction.subtree).toEqual({ count: 10, averageRating: 3.9, satisfiedCount: 7, satisfiedShare: 70 });
      expect(
        (await gql(SATISFACTION, { o: ids['市公交集团党委'], f: today, t: day(-1) }, t.supervisor)).errors![0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    });

    it('keeps satisfaction and reviews within scope and tenant', async () => {
      expect(codes(await gql(SATISFACTION, { o: ids['第一车队党支部'] }, t.secretary2))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(SATISFACTION, { o: ids['第一车队党支部'] }, t['szjg-admin']))).toEqual(['NOT_FOUND']);
      const foreign = await gql(`{ publicReviews(first: 100) { totalCount nodes { id org { name } } } }`, {}, t['szjg-admin']);
      expect(foreign.data.publicReviews.totalCount).toBe(2);
      expect(foreign.data.publicReviews.nodes.every((n: { org: { name: string } }) => n.org.name === '内科党支部')).toBe(true);
      const listed = await gql(
        `query($o: ID!) { publicReviews(orgId: $o, first: 100) { totalCount nodes { id rating comment contactMasked commitment { id } } } }`,
        { o: ids['第一车队党支部'] },
        t.supervisor,
      );
      expect(listed.data.publicReviews.totalCount).toBe(10);
      expect(listed.data.publicReviews.nodes.filter((n: { contactMasked: string | null }) => n.contactMasked)).toEqual([
        expect.objectContaining({ comment: '司机很耐心', contactMasked: '138****5678' }),
      ]);
      const anyReview = listed.data.publicReviews.nodes[0].id;
      expect((await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [anyReview] }, t['szjg-admin'])).data.nodes).toEqual([
        null,
      ]);
      expect((await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [anyReview] }, t.secretary2)).data.nodes).toEqual([null]);
      // members rate nothing here and read no reviews
      expect((await gql(`{ publicReviews { totalCount } }`, {}, t.member)).data.publicReviews.totalCount).toBe(0);
      // an inspector reads them, but not the contact
      const inspector = await gql(
        `query($o: ID!) { publicReviews(orgId: $o, first: 100) { nodes { contactMasked } } }`,
        { o: ids['第一车队党支部'] },
        t.inspector,
      );
      expect(inspector.data.publicReviews.nodes.every((n: { contactMasked: string | null }) => n.contactMasked === null)).toBe(true);
    });

    it('fills a PERCENT criterion from the satisfied share (提高群众满意度所占比重)', async () => {
      const criteria = await criteriaOf(server, t.supervisor, versionId);
      const percent = criteria.find((c) => c.code === 'Q8.5')!;
      expect(percent.scoringType).toBe('PERCENT');
      const scale = criteria.find((c) => c.isLeaf && c.scoringType !== 'PERCENT')!;
      const started = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' } },
        t.supervisor,
      );
      const { id, version } = started.data.startEvaluation;
      const FILL = `mutation($input: FillScoreFromSatisfactionInput!) { fillScoreFromSatisfaction(input: $input) { id version state result { nodes { criterion { code } value scored } } } }`;
      const bySecretary = await gql(FILL, { input: { evaluationId: id, criterionId: percent.id, expectedVersion: version } }, t.secretary);
      expect(bySecretary.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_EVALUATOR' });
      expect(
        codes(await gql(FILL, { input: { evaluationId: id, criterionId: percent.id, expectedVersion: version } }, t.secretary2)),
      ).toEqual(['NOT_FOUND']);
      expect(
        codes(await gql(FILL, { input: { evaluationId: id, criterionId: percent.id, expectedVersion: version } }, t['szjg-admin'])),
      ).toEqual(['NOT_FOUND']);
      const notPercent = await gql(FILL, { input: { evaluationId: id, criterionId: scale.id, expectedVersion: version } }, t.supervisor);
      expect(notPercent.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'NOT_PERCENT_CRITERION',
        field: 'input.criterionId',
      });
      expect(await count(su, 'evaluation_scores', 'evaluation_id = $1', [rawId(id)])).toBe(0);

      const filled = await gql(FILL, { input: { evaluationId: id, criterionId: percent.id, expectedVersion: version } }, t.supervisor);
      expect(filled.errors).toBeUndefined();
      expect(filled.data.fillScoreFromSatisfaction.version).toBe(version + 1);
      expect(
        filled.data.fillScoreFromSatisfaction.result.nodes.find((n: { criterion: { code: string } }) => n.criterion.code === 'Q8.5'),
      ).toEqual({ criterion: { code: 'Q8.5' }, value: 75, scored: true });
      const stored = (
        await su.query(`SELECT value::float8 AS value, note, evidence FROM evaluation_scores WHERE evaluation_id = $1`, [rawId(id)])
      ).rows;
      expect(stored).toEqual([{ value: 75, note: '群众评议满意率 6/8（满意=4星及以上）', evidence: '群众评议 8 份（创建活动）' }]);
      const stale = await gql(FILL, { input: { evaluationId: id, criterionId: percent.id, expectedVersion: version } }, t.supervisor);
      expect(stale.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'VERSION_MISMATCH' });

      // once submitted, the evaluation takes no more values
      const saved = await gql(
        `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
        {
          input: {
            evaluationId: id,
            expectedVersion: version + 1,
            scores: scoresFor(criteria).filter((s) => s.criterionId !== percent.id),
          },
        },
        t.supervisor,
      );
      const submitted = await gql(
        `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { state version } }`,
        { input: { evaluationId: id, expectedVersion: saved.data.saveScores.version } },
        t.supervisor,
      );
      expect(submitted.data.submitEvaluation.state).toBe('SUBMITTED');
      const late = await gql(
        FILL,
        { input: { evaluationId: id, criterionId: percent.id, expectedVersion: submitted.data.submitEvaluation.version } },
        t.supervisor,
      );
      expect(late.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'NOT_EDITABLE' });

      // an org without reviews has nothing to fill in
      const empty = await gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
        { input: { campaignId, orgId: ids['第三车队党支部'], kind: 'SUPERIOR' } },
        t.supervisor,
      );
      const none = await gql(
        FILL,
        {
          input: {
            evaluationId: empty.data.startEvaluation.id,
            criterionId: percent.id,
            expectedVersion: empty.data.startEvaluation.version,
          },
        },
        t.supervisor,
      );
      expect(none.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_REVIEWS' });
    });
  });

  describe('rate limit of anonymous submissions', () => {
    it('answers RATE_LIMITED with retryAfterSeconds per client address, for reviews and opinions alike', async () => {
      await windowPasses();
      const linked = await gql(LINK, { input: { orgId: ids['养护科党支部'] } }, t.secretary2);
      const limitCode = linked.data.createLinkCode.code;
      for (let i = 0; i < PUBLIC_RATE_LIMIT.perClient; i++) {
        const res = await review({ code: limitCode, rating: 4, deviceId: `device-limit-${i}` });
        expect(res.errors).toBeUndefined();
      }
      const before = await count(su, 'public_reviews');
      const refused = await review({ code: limitCode, rating: 4, deviceId: 'device-limit-over' });
      expect(refused.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'CLIENT_RATE_LIMITED' });
      const wait = refused.errors![0].extensions!.retryAfterSeconds as number;
      expect(Number.isInteger(wait)).toBe(true);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(PUBLIC_RATE_LIMIT.windowSeconds);
      const opinion = await anon(`mutation($c: String!) { submitOpinion(input: { code: $c, content: "测试" }) { state } }`, { c: code });
      expect(opinion.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'CLIENT_RATE_LIMITED' });
      expect(await count(su, 'public_reviews')).toBe(before);
      await windowPasses();
      expect((await review({ code: limitCode, rating: 4, deviceId: 'device-limit-over' })).errors).toBeUndefined();
    });

    it('limits one code however many addresses submit through it', async () => {
      await windowPasses();
      const [link] = (await su.query(`SELECT tenant_id, id FROM link_codes WHERE code = $1`, [code])).rows;
      // a crowd of other addresses has used the code within the window
      await su.query(
        `INSERT INTO public_submissions (tenant_id, link_code_id, client_hash, kind, created_at)
                      SELECT $1, $2, md5(g::text), 'REVIEW', now() - interval '5 minutes' + g * interval '1 millisecond' FROM generate_series(1, $3::int) g`,
        [link.tenant_id, link.id, PUBLIC_RATE_LIMIT.perCode],
      );
      const refused = await review({ code, rating: 5, deviceId: 'device-crowd-1' });
      expect(refused.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'CODE_RATE_LIMITED' });
      const wait = refused.errors![0].extensions!.retryAfterSeconds as number;
      // the oldest of the crowd's rows is 5 minutes old: a slot frees in about 5 minutes
      expect(wait).toBeGreaterThan(250);
      expect(wait).toBeLessThanOrEqual(301);
      await windowPasses();
    });
  });

  describe('结对联系: pairing', () => {
    let personId: string;
    let ownPairing: string;
    let leaderPairing: string;
    const PERSON = `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id name kind kindLabel difficulty contactMasked org { name } } }`;
    const PAIR = `mutation($input: CreatePairingInput!) { createPairing(input: $input) { id active startedOn cadreName cadre { username } person { name } visits { nodes { id } } lastVisitOn } }`;
    const VISIT = `mutation($input: LogPairingVisitInput!) { logPairingVisit(input: $input) { id visitedOn note helpGiven recordedByName recordedBy { username } } }`;
    /** The demo cadres' display names (姓名), which every reader of the list sees. */
    const NAME: Record<string, string> = {
      deputy: '陈莉莉(领导小组副组长)',
      leader: '鞠世闻(领导小组组长)',
      secretary: '第一车队党支部书记',
      secretary2: '养护科党支部书记',
      supervisor: '公交集团党委书记',
    };
    const names = (...usernames: string[]) => usernames.map((u) => NAME[u]);
    const without = async (token: string, under: string) =>
      (
        await gql(`query($u: ID!) { cadresWithoutPairing(under: $u, first: 100) { nodes { name } } }`, { u: ids[under] }, token)
      ).data.cadresWithoutPairing.nodes.map((c: { name: string }) => c.name);
    const idle = async (days: number) =>
      (
        await gql(
          `query($u: ID!, $d: Int!) { pairingsWithoutVisit(under: $u, days: $d) { nodes { id } } }`,
          { u: ids['市公交集团党委'], d: days },
          t.supervisor,
        )
      ).data.pairingsWithoutVisit.nodes.map((p: { id: string }) => p.id);

    it('registers a person in difficulty with the contact masked', async () => {
      const res = await gql(
        PERSON,
        {
          input: { orgId: ids['第一车队党支部'], name: '王秀兰', kind: 'RESIDENT', difficulty: '独居老人，行动不便', contact: CONTACTS[2] },
        },
        t.secretary,
      );
      expect(res.data.createPairingPerson).toMatchObject({
        name: '王秀兰',
        kind: 'RESIDENT',
        kindLabel: '生活困难群众',
        contactMasked: '139****5678',
        org: { name: '第一车队党支部' },
      });
      personId = res.data.createPairingPerson.id;
      const before = await count(su, 'pairing_persons');
      expect(
        (await gql(PERSON, { input: { orgId: ids['第一车队党支部'], name: 'x', kind: 'MEMBER', difficulty: 'x' } }, t.member)).errors![0]
          .extensions,
      ).toMatchObject({ code: 'FORBIDDEN' });
      expect(
        codes(await gql(PERSON, { input: { orgId: ids['第一车队党支部'], name: 'x', kind: 'MEMBER', difficulty: 'x' } }, t.secretary2)),
      ).toEqual(['NOT_FOUND']);
      expect(
        (await gql(PERSON, { input: { orgId: ids['第一车队党支部'], name: 'x', kind: 'MEMBER', difficulty: '' } }, t.secretary)).errors![0]
          .extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'difficulty' });
      expect(await count(su, 'pairing_persons')).toBe(before);
    });

    it('lists the cadres without a pairing in a subtree, pairs them, and refuses the wrong pairings', async () => {
      expect(await without(t.supervisor, '市公交集团党委')).toEqual(names('secretary', 'supervisor'));
      expect(await without(t.admin, '中共市交通运输局党委')).toEqual(names('deputy', 'leader', 'secretary', 'secretary2', 'supervisor'));
      // a cadre's account (roles included) only for the cadre itself and admins over its org; its id to pair it, for all
      const accounts = await gql(
        `query($u: ID!) { cadresWithoutPairing(under: $u) { totalCount nodes { userId name user { username } } } }`,
        { u: ids['市公交集团党委'] },
        t.supervisor,
      );
      expect(accounts.data.cadresWithoutPairing).toEqual({
        totalCount: 2,
        nodes: [
          { userId: await userGid(jtjId, 'secretary'), name: NAME.secretary, user: null },
          { userId: await userGid(jtjId, 'supervisor'), name: NAME.supervisor, user: { username: 'supervisor' } },
        ],
      });
      const forAdmin = await gql(
        `query($u: ID!) { cadresWithoutPairing(under: $u) { nodes { user { username } } } }`,
        { u: ids['市公交集团党委'] },
        t.admin,
      );
      expect(forAdmin.data.cadresWithoutPairing.nodes).toEqual([{ user: { username: 'secretary' } }, { user: { username: 'supervisor' } }]);
      const own = await gql(
        PAIR,
        { input: { cadreId: await userGid(jtjId, 'secretary'), personId, note: '每月走访', startedOn: day(-40) } },
        t.secretary,
      );
      expect(own.data.createPairing).toMatchObject({
        active: true,
        startedOn: day(-40),
        cadreName: NAME.secretary,
        cadre: { username: 'secretary' },
        person: { name: '王秀兰' },
        visits: { nodes: [] },
        lastVisitOn: null,
      });
      ownPairing = own.data.createPairing.id;
      const before = await count(su, 'pairings');
      const notOrganizer = await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'leader'), personId } }, t.secretary);
      expect(notOrganizer.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_PAIRING_MANAGER' });
      const notCadre = await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'inspector'), personId } }, t.admin);
      expect(notCadre.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_CADRE', field: 'input.cadreId' });
      const twice = await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'secretary'), personId } }, t.secretary);
      expect(twice.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_PAIRED' });
      const future = await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'supervisor'), personId, startedOn: day(3) } }, t.supervisor);
      expect(future.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.startedOn' });
      expect(codes(await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'secretary2'), personId } }, t.secretary2))).toEqual([
        'NOT_FOUND',
      ]);
      expect(codes(await gql(PAIR, { input: { cadreId: await userGid(szjgId, 'leader'), personId } }, t.admin))).toEqual(['NOT_FOUND']);
      expect(await count(su, 'pairings')).toBe(before);
      const byAdmin = await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'leader'), personId } }, t.admin);
      // the admin reads the leader's account; the leader's name is on the pairing for everyone who reads it
      expect(byAdmin.data.createPairing).toMatchObject({ cadreName: NAME.leader, cadre: { username: 'leader' }, startedOn: today });
      leaderPairing = byAdmin.data.createPairing.id;
      expect(await without(t.supervisor, '市公交集团党委')).toEqual(names('supervisor'));
      expect(await without(t.admin, '中共市交通运输局党委')).toEqual(names('deputy', 'secretary2', 'supervisor'));
    });

    it('logs visits and finds pairings without a visit in N days', async () => {
      // 40 days since the start, never visited
      expect(await idle(30)).toEqual([ownPairing]);
      const before = await count(su, 'pairing_visits');
      expect(codes(await gql(VISIT, { input: { pairingId: ownPairing, visitedOn: day(-10), note: 'x' } }, t.secretary2))).toEqual([
        'NOT_FOUND',
      ]);
      expect(
        (await gql(VISIT, { input: { pairingId: ownPairing, visitedOn: day(-10), note: 'x' } }, t.member)).errors![0].extensions,
      ).toMatchObject({ code: 'NOT_FOUND' });
      expect(
        (await gql(VISIT, { input: { pairingId: ownPairing, visitedOn: day(1), note: 'x' } }, t.secretary)).errors![0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.visitedOn' });
      expect(
        (await gql(VISIT, { input: { pairingId: ownPairing, visitedOn: day(-41), note: 'x' } }, t.secretary)).errors![0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.visitedOn' });
      expect(await count(su, 'pairing_visits')).toBe(before);
      const visit = await gql(
        VISIT,
        { input: { pairingId: ownPairing, visitedOn: day(-10), note: '上门看望', helpGiven: '送去慰问金500元' } },
        t.secretary,
      );
      expect(visit.data.logPairingVisit).toMatchObject({
        visitedOn: day(-10),
        note: '上门看望',
        helpGiven: '送去慰问金500元',
        recordedByName: NAME.secretary,
        recordedBy: { username: 'secretary' },
      });
      expect(await idle(30)).toEqual([]);
      expect(await idle(7)).toEqual([ownPairing]); // the leader's pairing started today: not idle yet
      const read = await gql(
        `query($id: ID!) { node(id: $id) { ... on Pairing { lastVisitOn cadreName cadre { username } visits { nodes { note recordedByName recordedBy { username } } } person { contactMasked } } } }`,
        { id: ownPairing },
        t.supervisor,
      );
      // the supervisor reads the pairing and the names in it, not the secretary's account
      expect(read.data.node).toEqual({
        lastVisitOn: day(-10),
        cadreName: NAME.secretary,
        cadre: null,
        visits: { nodes: [{ note: '上门看望', recordedByName: NAME.secretary, recordedBy: null }] },
        person: { contactMasked: '139****5678' },
      });
      const mine = await gql(`{ pairings { nodes { id cadre { username } } } }`, {}, t.leader);
      expect(mine.data.pairings.nodes.map((p: { id: string }) => p.id)).toContain(leaderPairing);
      expect(codes(await gql(`query($d: Int!) { pairingsWithoutVisit(days: $d) { nodes { id } } }`, { d: 0 }, t.supervisor))).toEqual([
        'BAD_USER_INPUT',
      ]);
    });

    it('pairs nobody with a person of an archived org', async () => {
      const org = (
        await gql(
          `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "结对撤销党支部", kind: BRANCH, category: ENTERPRISE }) { id } }`,
          { p: ids['市公交集团党委'] },
          t.admin,
        )
      ).data.createOrg.id;
      const person = (
        await gql(PERSON, { input: { orgId: org, name: '李大爷', kind: 'RESIDENT', difficulty: '独居', contact: CONTACTS[4] } }, t.admin)
      ).data.createPairingPerson.id;
      expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: org }, t.admin)).errors).toBeUndefined();
      const before = await count(su, 'pairings');
      const res = await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'supervisor'), personId: person } }, t.supervisor);
      expect(res.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}/${e.extensions?.field}`)).toEqual([
        'CONFLICT/ORG_ARCHIVED/input.personId',
      ]);
      expect(await count(su, 'pairings')).toBe(before);
    });

    it('keeps pairings from another tenant and from those out of scope', async () => {
      const foreign = t['szjg-admin'];
      expect(
        (await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [ownPairing, leaderPairing, personId] }, foreign)).data.nodes,
      ).toEqual([null, null, null]);
      expect(codes(await gql(VISIT, { input: { pairingId: ownPairing, visitedOn: today, note: 'x' } }, foreign))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(`mutation($id: ID!) { endPairing(input: { id: $id }) { id } }`, { id: ownPairing }, foreign))).toEqual([
        'NOT_FOUND',
      ]);
      const none = { pairings: { totalCount: 0, nodes: [] }, pairingPersons: { totalCount: 0, nodes: [] } };
      const LISTS = `{ pairings { totalCount nodes { id } } pairingPersons { totalCount nodes { id } } }`;
      expect((await gql(LISTS, {}, foreign)).data).toEqual(none);
      expect(
        (await gql(`{ cadresWithoutPairing { nodes { user { username } } } }`, {}, foreign)).data.cadresWithoutPairing.nodes.map(
          (c: { user: { username: string } }) => c.user.username,
        ),
      ).toEqual(['leader', 'secretary', 'secretary2', 'supervisor']);
      expect((await gql(LISTS, {}, t.secretary2)).data).toEqual(none);
      const ended = await gql(`mutation($id: ID!) { endPairing(input: { id: $id }) { active endedOn } }`, { id: leaderPairing }, t.leader);
      expect(ended.data.endPairing).toEqual({ active: false, endedOn: today });
      expect(await without(t.admin, '中共市交通运输局党委')).toEqual(names('deputy', 'leader', 'secretary2', 'supervisor'));
    });

    it('logs no visit on a pairing that an end committed while the visit waited (PAIRING_ENDED, nothing stored)', async () => {
      const person = (
        await gql(
          PERSON,
          { input: { orgId: ids['第一车队党支部'], name: '赵大娘', kind: 'RESIDENT', difficulty: '独居', contact: CONTACTS[5] } },
          t.secretary,
        )
      ).data.createPairingPerson.id;
      const pairing = (
        await gql(
          PAIR,
          { input: { cadreId: await userGid(jtjId, 'secretary'), personId: person, note: '每周走访', startedOn: day(-5) } },
          t.secretary,
        )
      ).data.createPairing.id;
      // an end of the pairing, not yet committed, holds its row while the cadre logs a visit
      const ender = await server.superuser({ own: true });
      await ender.query('BEGIN');
      await ender.query(`UPDATE pairings SET ended_on = started_on WHERE id = $1`, [rawId(pairing)]);
      const visit = gql(VISIT, { input: { pairingId: pairing, visitedOn: day(-1), note: '上门看望' } }, t.secretary);
      expect(await lockWaiters(su, 1)).toBe(1);
      await ender.query('COMMIT');
      const res = await visit;
      expect(res.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual(['CONFLICT/PAIRING_ENDED']);
      expect(await count(su, 'pairing_visits', 'pairing_id = $1', [rawId(pairing)])).toBe(0);
      expect((await su.query(`SELECT last_visit_on FROM pairings WHERE id = $1`, [rawId(pairing)])).rows).toEqual([
        { last_visit_on: null },
      ]);
    });

    it('tells one who may not pair another cadre nothing of that user: unknown, out of reach and no cadre answer alike', async () => {
      // an admin over 市公交集团党委 only: it arranges pairings of the cadres of that subtree
      const created = await gql(
        `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        {
          input: {
            username: 'bus-admin',
            displayName: '公交集团组织科',
            password: 'pairing-test-password-1',
            orgId: ids['市公交集团党委'],
          },
        },
        t.admin,
      );
      const assigned = await gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
        { input: { userId: created.data.createUser.id, role: 'TENANT_ADMIN', orgId: ids['市公交集团党委'] } },
        t.admin,
      );
      expect(assigned.errors).toBeUndefined();
      const busAdmin = (await firstSignIn(server.url, 'jtj', 'bus-admin', 'pairing-test-password-1')).accessToken;
      const pairAs = async (cadreId: string, token: string) =>
        (await gql(PAIR, { input: { cadreId, personId } }, token)).errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`);
      const before = await count(su, 'pairings');
      // beyond the subtree: an unknown id, a user who is no cadre, a cadre elsewhere, another tenant's cadre
      const beyond = [
        unknownId('User'),
        await userGid(jtjId, 'inspector'),
        await userGid(jtjId, 'secretary2'),
        await userGid(szjgId, 'leader'),
      ];
      for (const id of beyond) expect(await pairAs(id, busAdmin)).toEqual(['NOT_FOUND/CADRE_NOT_FOUND']);
      // inside it, a user who is no cadre is named as such
      expect(await pairAs(await userGid(jtjId, 'member'), busAdmin)).toEqual(['BAD_USER_INPUT/NOT_CADRE']);
      // a secretary pairs itself only: another user's id is refused before anything of that user is read
      for (const id of [...beyond, await userGid(jtjId, 'member'), await userGid(jtjId, 'leader')])
        expect(await pairAs(id, t.secretary)).toEqual(['FORBIDDEN/NOT_PAIRING_MANAGER']);
      expect(await count(su, 'pairings')).toBe(before);
    });

    it('logs no visit with a person of an archived org; the pairing can still be ended', async () => {
      const org = (
        await gql(
          `mutation($p: ID!) { createOrg(input: { parentId: $p, name: "走访撤销党支部", kind: BRANCH, category: ENTERPRISE }) { id } }`,
          { p: ids['市公交集团党委'] },
          t.admin,
        )
      ).data.createOrg.id;
      const person = (
        await gql(PERSON, { input: { orgId: org, name: '孙大爷', kind: 'RESIDENT', difficulty: '独居', contact: CONTACTS[1] } }, t.admin)
      ).data.createPairingPerson.id;
      const pairing = (
        await gql(PAIR, { input: { cadreId: await userGid(jtjId, 'supervisor'), personId: person, startedOn: day(-5) } }, t.supervisor)
      ).data.createPairing.id;
      expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: org }, t.admin)).errors).toBeUndefined();
      // the cadre, and a manager over the org, alike
      for (const token of [t.supervisor, t.admin]) {
        const res = await gql(VISIT, { input: { pairingId: pairing, visitedOn: day(-1), note: '上门看望' } }, token);
        expect(res.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual(['CONFLICT/ORG_ARCHIVED']);
      }
      expect(await count(su, 'pairing_visits', 'pairing_id = $1', [rawId(pairing)])).toBe(0);
      const ended = await gql(`mutation($id: ID!) { endPairing(input: { id: $id }) { active } }`, { id: pairing }, t.supervisor);
      expect(ended.data).toEqual({ endPairing: { active: false } });
    });
  });

  describe('民意收集: opinions', () => {
    let opinionId: string;
    let token: string;
    const OPINION_FIELDS = `id state stateLabel channel channelLabel content contactMasked overdue dueAt createdAt reply satisfaction responsibleName responsible { username } transfers { fromName toName byName from { username } to { username } by { username } reason }`;
    const FOLLOW_UP = `query($t: String!) { opinionFollowUp(token: $t) { orgName content state stateLabel reply satisfaction } }`;

    it('takes an opinion from the public through the link code, with a follow-up token', async () => {
      const res = await anon(
        `mutation($input: SubmitOpinionInput!) { submitOpinion(input: $input) { followUpToken orgName dueAt state } }`,
        { input: { code, content: '早高峰12路车太挤，希望加车', contact: CONTACTS[3] } },
      );
      expect(res.errors).toBeUndefined();
      token = res.data.submitOpinion.followUpToken;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.data.submitOpinion).toMatchObject({ orgName: '第一车队党支部', state: 'RECEIVED' });
      const hours = (Date.parse(res.data.submitOpinion.dueAt) - Date.now()) / 3600_000;
      expect(hours).toBeGreaterThan(119);
      expect(hours).toBeLessThanOrEqual(120);
      expect((await anon(FOLLOW_UP, { t: token })).data.opinionFollowUp).toEqual({
        orgName: '第一车队党支部',
        content: '早高峰12路车太挤，希望加车',
        state: 'RECEIVED',
        stateLabel: '待受理',
        reply: null,
        satisfaction: null,
      });
      expect(codes(await anon(FOLLOW_UP, { t: 'A'.repeat(43) }))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(FOLLOW_UP, { t: token }, t['szjg-admin']))).toEqual(['NOT_FOUND']);
      const listed = await gql(
        `query($u: ID!) { opinions(under: $u) { totalCount nodes { ${OPINION_FIELDS} } } }`,
        { u: ids['第一车队党支部'] },
        t.secretary,
      );
      expect(listed.errors).toBeUndefined();
      expect(listed.data.opinions.totalCount).toBe(1);
      opinionId = listed.data.opinions.nodes[0].id;
      expect(listed.data.opinions.nodes[0]).toMatchObject({
        state: 'RECEIVED',
        channel: 'PUBLIC_LINK',
        channelLabel: '扫码反映',
        contactMasked: 'z***@example.com',
        responsibleName: null,
        responsible: null,
        overdue: false,
        transfers: [],
      });
    });

    it('keeps the first to accept responsible (首问负责) until an explicit, recorded transfer', async () => {
      const accept = (token: string) =>
        gql(`mutation($id: ID!) { acceptOpinion(input: { id: $id }) { ${OPINION_FIELDS} } }`, { id: opinionId }, token);
      const reply = (token: string) =>
        gql(
          `mutation($id: ID!) { replyOpinion(input: { id: $id, reply: "已增开早高峰区间车" }) { ${OPINION_FIELDS} } }`,
          { id: opinionId },
          token,
        );
      const transfer = (to: string, token: string) =>
        gql(
          `mutation($id: ID!, $to: ID!) { transferOpinion(input: { id: $id, toUserId: $to, reason: "涉及集团运力调配" }) { ${OPINION_FIELDS} } }`,
          { id: opinionId, to },
          token,
        );
      expect(codes(await accept(t.member))).toEqual(['NOT_FOUND']);
      expect(codes(await accept(t.secretary2))).toEqual(['NOT_FOUND']);
      expect(codes(await accept(t.inspector))).toEqual(['FORBIDDEN']);
      expect(codes(await reply(t.secretary))).toEqual(['FORBIDDEN']); // nobody has taken it yet
      const taken = await accept(t.secretary);
      expect(taken.data.acceptOpinion).toMatchObject({
        state: 'ACCEPTED',
        stateLabel: '已受理(首问负责)',
        responsibleName: '第一车队党支部书记',
        responsible: { username: 'secretary' },
      });
      const second = await accept(t.supervisor);
      expect(second.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_ACCEPTED' });
      expect((await reply(t.supervisor)).errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_RESPONSIBLE' });
      const before = await count(su, 'opinion_transfers');
      expect((await transfer(await userGid(jtjId, 'member'), t.secretary)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.toUserId',
      });
      expect((await transfer(await userGid(jtjId, 'secretary2'), t.secretary)).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.toUserId',
      });
      expect(codes(await transfer(await userGid(szjgId, 'admin'), t.secretary))).toEqual(['NOT_FOUND']);
      expect((await transfer(await userGid(jtjId, 'secretary'), t.supervisor)).errors![0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'NOT_RESPONSIBLE',
      });
      expect(await count(su, 'opinion_transfers')).toBe(before);
      const moved = await transfer(await userGid(jtjId, 'supervisor'), t.secretary);
      // the secretary reads every name, and its own account, but not the supervisor's (a User is for itself and admins over it)
      expect(moved.data.transferOpinion).toMatchObject({
        state: 'ACCEPTED',
        responsibleName: '公交集团党委书记',
        responsible: null,
        transfers: [
          {
            fromName: '第一车队党支部书记',
            toName: '公交集团党委书记',
            byName: '第一车队党支部书记',
            from: { username: 'secretary' },
            to: null,
            by: { username: 'secretary' },
            reason: '涉及集团运力调配',
          },
        ],
      });
      // an admin over both reads the accounts; an inspector, who reads the opinion, reads the names only
      const WHO = `query($id: ID!) { opinion(id: $id) { responsibleName responsible { username } transfers { toName from { username } to { username } by { username } } } }`;
      expect((await gql(WHO, { id: opinionId }, t.admin)).data.opinion).toEqual({
        responsibleName: '公交集团党委书记',
        responsible: { username: 'supervisor' },
        transfers: [
          { toName: '公交集团党委书记', from: { username: 'secretary' }, to: { username: 'supervisor' }, by: { username: 'secretary' } },
        ],
      });
      expect((await gql(WHO, { id: opinionId }, t.inspector)).data.opinion).toEqual({
        responsibleName: '公交集团党委书记',
        responsible: null,
        transfers: [{ toName: '公交集团党委书记', from: null, to: null, by: null }],
      });
      expect((await reply(t.secretary)).errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_RESPONSIBLE' });
      const replied = await reply(t.supervisor);
      expect(replied.data.replyOpinion).toMatchObject({
        state: 'REPLIED',
        reply: '已增开早高峰区间车',
        responsible: { username: 'supervisor' },
      });
    });

    it('lets the submitter read the reply and rate it, which closes the opinion', async () => {
      expect((await anon(FOLLOW_UP, { t: token })).data.opinionFollowUp).toMatchObject({ state: 'REPLIED', reply: '已增开早高峰区间车' });
      const RATE = `mutation($t: String!, $s: Int!) { rateOpinionReply(input: { followUpToken: $t, satisfaction: $s, comment: "满意" }) { state stateLabel satisfaction } }`;
      expect((await anon(RATE, { t: token, s: 9 })).errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'satisfaction' });
      expect((await anon(RATE, { t: token, s: 4 })).data.rateOpinionReply).toEqual({
        state: 'CLOSED',
        stateLabel: '已办结',
        satisfaction: 4,
      });
      const again = (await anon(RATE, { t: token, s: 1 })).errors![0];
      expect(again.extensions).toMatchObject({ code: 'CONFLICT', reason: 'WRONG_OPINION_STATE', state: '已办结' });
      expect(again.message).toBe('该民意当前为“已办结”，不能办理此项操作');
      const closed = await gql(
        `query($id: ID!) { opinion(id: $id) { state satisfaction satisfactionComment closedAt } }`,
        { id: opinionId },
        t.supervisor,
      );
      expect(closed.data.opinion).toMatchObject({ state: 'CLOSED', satisfaction: 4, satisfactionComment: '满意' });
    });

    it('records opinions taken by staff, reads the tenant’s time limit and lists what is overdue per subtree', async () => {
      const RECORD = `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { followUpToken opinion { ${OPINION_FIELDS} } } }`;
      const staff = await gql(
        RECORD,
        { input: { orgId: ids['第一车队党支部'], content: '电话反映：站牌信息陈旧', contact: CONTACTS[4] } },
        t.secretary,
      );
      expect(staff.errors).toBeUndefined();
      expect(staff.data.recordOpinion.opinion).toMatchObject({
        state: 'ACCEPTED',
        channel: 'STAFF',
        responsible: { username: 'secretary' },
        contactMasked: '136****7777',
      });
      expect(staff.data.recordOpinion.followUpToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const o = staff.data.recordOpinion.opinion;
      expect(Date.parse(o.dueAt) - Date.parse(o.createdAt)).toBe(120 * 3600_000);
      expect(codes(await gql(RECORD, { input: { orgId: ids['第一车队党支部'], content: 'x' } }, t.member))).toEqual(['FORBIDDEN']);
      expect(codes(await gql(RECORD, { input: { orgId: ids['第一车队党支部'], content: 'x' } }, t.secretary2))).toEqual(['NOT_FOUND']);
      expect(
        (await gql(RECORD, { input: { orgId: ids['第一车队党支部'], content: '' } }, t.secretary)).errors![0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });

      // the tenant shortens its limit (限时办结) to 24 hours
      await su.query(`UPDATE tenants SET settings = settings || '{"opinionHours": 24}' WHERE id = $1`, [jtjId]);
      const short = await gql(RECORD, { input: { orgId: ids['第二车队党支部'], content: '车内空调不制冷' } }, t.supervisor);
      const s = short.data.recordOpinion.opinion;
      expect(Date.parse(s.dueAt) - Date.parse(s.createdAt)).toBe(24 * 3600_000);
      // a day passes without a reply (moved under the API)
      await su.query(`UPDATE opinions SET due_at = now() - interval '1 minute' WHERE id = $1`, [rawId(s.id)]);
      const overdue = await gql(
        `query($u: ID!) { opinions(under: $u, overdue: true) { totalCount nodes { id overdue content } } }`,
        { u: ids['市公交集团党委'] },
        t.supervisor,
      );
      expect(overdue.data.opinions).toEqual({ totalCount: 1, nodes: [{ id: s.id, overdue: true, content: '车内空调不制冷' }] });
      expect((await gql(`{ opinions(overdue: true) { totalCount } }`, {}, t.secretary)).data.opinions.totalCount).toBe(0);
      const mine = await gql(`{ opinions(mine: true) { totalCount } }`, {}, t.secretary);
      expect(mine.data.opinions.totalCount).toBe(1);
    });

    it('keeps opinions from another tenant, even its admin', async () => {
      const foreign = t['szjg-admin'];
      expect(codes(await gql(`query($id: ID!) { opinion(id: $id) { id } }`, { id: opinionId }, foreign))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(`mutation($id: ID!) { acceptOpinion(input: { id: $id }) { id } }`, { id: opinionId }, foreign))).toEqual([
        'NOT_FOUND',
      ]);
      expect(
        codes(await gql(`mutation($id: ID!) { replyOpinion(input: { id: $id, reply: "x" }) { id } }`, { id: opinionId }, foreign)),
      ).toEqual(['NOT_FOUND']);
      expect((await gql(`{ opinions { totalCount } commitments { totalCount } linkCodes { nodes { id } } }`, {}, foreign)).data).toEqual({
        opinions: { totalCount: 0 },
        commitments: { totalCount: 0 },
        linkCodes: { nodes: [expect.anything()] },
      });
      expect(
        (await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [opinionId, orgCommitment, codeId] }, foreign)).data.nodes,
      ).toEqual([null, null, null]);
      expect(codes(await gql(FULFIL, { input: { id: overdueCommitment, report: 'x' } }, foreign))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(`mutation($id: ID!) { disableLinkCode(input: { id: $id }) { id } }`, { id: codeId }, foreign))).toEqual([
        'NOT_FOUND',
      ]);
    });

    it('keeps an opinion’s transfers (a plain list) to 20: one more hand-over is CONFLICT, nothing stored', async () => {
      const recorded = await gql(
        `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { opinion { id } } }`,
        { input: { orgId: ids['第一车队党支部'], content: '电话反映：候车亭破损' } },
        t.admin,
      );
      const id = recorded.data.recordOpinion.opinion.id;
      const to = [await userGid(jtjId, 'secretary'), await userGid(jtjId, 'supervisor')];
      // an admin over the org hands it on between two handlers, again and again
      const handOn = (i: number) =>
        gql(
          `mutation($id: ID!, $to: ID!) { transferOpinion(input: { id: $id, toUserId: $to, reason: "轮换" }) { responsibleName transfers { toName } } }`,
          { id, to: to[i % 2] },
          t.admin,
        );
      for (let i = 0; i < 20; i++) expect((await handOn(i)).errors).toBeUndefined();
      const more = await handOn(20);
      expect(more.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual(['CONFLICT/TOO_MANY_TRANSFERS']);
      expect(more.errors![0].message).toBe('该民意已移交20次，达到上限；请由现任首问负责人办结');
      expect(await count(su, 'opinion_transfers', 'opinion_id = $1', [rawId(id)])).toBe(20);
      const read = await gql(`query($id: ID!) { opinion(id: $id) { responsibleName transfers { toName } } }`, { id }, t.admin);
      expect(read.data.opinion.transfers).toHaveLength(20);
      expect(read.data.opinion.responsibleName).toBe('公交集团党委书记');
    });
  });

  it('seeds demo data for jtj: a printable code, varied reviews, two commitments, a pairing with a visit, two opinions (one overdue)', async () => {
    const ctx = createRequestContext(server.config, server.database.dataSource, 'seed');
    await ctx.tx.setIdentity({ tenantId: jtjId, platform: false });
    await ctx.tx.begin();
    const [admin] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'admin'`, [jtjId]);
    await loadViewer(ctx, { kind: 'user', sub: admin.id, tid: jtjId } as Parameters<typeof loadViewer>[1]);
    const rootOrgId = rawId(ids['中共市交通运输局党委']);
    for (const m of [commitmentModule, linkCodeModule, opinionModule, pairingModule, publicReviewModule])
      await m.seedDemo!(ctx, { slug: 'jtj', campaignId: rawId(campaignId), rootOrgId });
    await ctx.tx.finish(true);

    const links = await gql(
      `query($o: ID!) { linkCodes(orgId: $o) { nodes { label url code campaign { id } } } }`,
      { o: ids['第一车队党支部'] },
      t.secretary,
    );
    const demo = links.data.linkCodes.nodes.find((l: { label: string }) => l.label === '第一车队调度室服务窗口');
    expect(demo).toMatchObject({ url: `/public/${demo.code}`, campaign: { id: campaignId } });
    const reviews = (
      await su.query(
        `SELECT r.rating FROM public_reviews r JOIN link_codes l ON l.tenant_id = r.tenant_id AND l.id = r.link_code_id WHERE l.code = $1 AND r.commitment_id IS NULL`,
        [demo.code],
      )
    ).rows.map((r) => r.rating);
    expect(reviews.length).toBeGreaterThanOrEqual(10);
    expect(reviews.length).toBeLessThanOrEqual(20);
    expect(new Set(reviews).size).toBe(5);
    const commitments = await gql(
      `query($o: ID!) { commitments(orgId: $o, first: 100) { nodes { text state rating { count } } } }`,
      { o: ids['第一车队党支部'] },
      t.secretary,
    );
    expect(
      commitments.data.commitments.nodes
        .filter((c: { text: string }) => /加密发车|爱心接送，服务/.test(c.text))
        .map((c: { state: string }) => c.state)
        .sort(),
    ).toEqual(['FULFILLED', 'PLEDGED']);
    const pairings = await gql(
      `{ pairings { nodes { cadre { username } person { name } visits { nodes { helpGiven } } } } }`,
      {},
      t.leader,
    );
    expect(pairings.data.pairings.nodes).toEqual(
      expect.arrayContaining([
        {
          cadre: { username: 'leader' },
          person: { name: '王秀兰' },
          visits: { nodes: [{ helpGiven: '送去慰问金500元，协调爱心车队每月接送复诊' }] },
        },
      ]),
    );
    const overdue = await gql(
      `query($u: ID!) { opinions(under: $u, overdue: true) { nodes { content channel } } }`,
      { u: ids['第一车队党支部'] },
      t.secretary,
    );
    expect(overdue.data.opinions.nodes).toEqual([{ content: '晚上九点以后的末班车间隔太长，希望增加夜班车次', channel: 'PUBLIC_LINK' }]);
    const answered = await gql(
      `query($u: ID!) { opinions(under: $u, state: REPLIED) { nodes { content } } }`,
      { u: ids['第一车队党支部'] },
      t.secretary,
    );
    expect(answered.data.opinions.nodes).toEqual([{ content: '电话反映：12路公交站牌信息陈旧，线路调整后未更新' }]);
  });

  it('stores contact data only as keyed hashes and masks, and never returns it', async () => {
    const stored = (
      await su.query(`
      SELECT contact_hash AS hash, contact_masked AS masked FROM public_reviews WHERE contact_hash IS NOT NULL
      UNION ALL SELECT contact_hash, contact_masked FROM opinions WHERE contact_hash IS NOT NULL
      UNION ALL SELECT NULL, contact_masked FROM pairing_persons`)
    ).rows;
    expect(stored.length).toBeGreaterThanOrEqual(5);
    for (const row of stored) {
      if (row.hash) expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.masked).toMatch(/\*\*\*/);
    }
    const everything = JSON.stringify(
      (
        await su.query(`
      SELECT to_jsonb(r) AS r FROM public_reviews r UNION ALL SELECT to_jsonb(o) FROM opinions o UNION ALL SELECT to_jsonb(p) FROM pairing_persons p
      UNION ALL SELECT to_jsonb(s) FROM public_submissions s`)
      ).rows,
    );
    for (const contact of CONTACTS) {
      expect(everything).not.toContain(contact);
      expect(everything).not.toContain(contact.replace(/\s/g, ''));
    }
    const allResponses = responses.join('\n');
    for (const contact of CONTACTS) expect(allResponses).not.toContain(contact.replace(/\s/g, ''));
    // the client address is kept only as a keyed hash too
    expect(everything).not.toContain('127.0.0.1');
  });
});

const REVIEW = `mutation($input: SubmitPublicReviewInput!) { submitPublicReview(input: $input) { rating reviewDay } }`;
const CLUSTERS = `query($under: ID, $min: Int) { suspiciousReviewClusters(under: $under, minReviews: $min, first: 20) {
  totalCount nodes { day reviewCount deviceCount averageRating org { name } linkCode { code } reviews { totalCount nodes { id rating excludedAt excludedReason } } } } }`;
const SATISFACTION = `query($o: ID!) { satisfaction(orgId: $o) { own { count averageRating } } }`;
const EXCLUDE = `mutation($input: SetPublicReviewsExcludedInput!) { setPublicReviewsExcluded(input: $input) { id excludedAt excludedReason } }`;
const SETTINGS = `mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { serviceRequestHours opinionHours timezone publicReviewsPerAddressPerDay publicReviewsPerCodePerDay } }`;

/**
 * 群众评议 feeds an org's evaluation, so one person must not be able to stuff it: the device id is the
 * client's own choice, so the limits that hold are per address and per code and day (set by the
 * tenant), and a tenant admin sees clusters of one address under many device ids and can take them
 * out of the figures with a reason.
 */
describe('public reviews a rotating client cannot stuff', () => {
  let server: TestServer;
  let su: Client;
  let ids: Record<string, string>;
  let admin: string;
  let secretary: string;
  let code: string;
  let secondCode: string;

  /** An anonymous review from `address` (the server trusts X-Forwarded-For from loopback, like a proxy in front of it). */
  const review = async (address: string, deviceId: string, rating = 5, reviewCode = code) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ query: REVIEW, variables: { input: { code: reviewCode, rating, comment: '', deviceId } } }),
    });
    return { http: res.status, ...((await res.json()) as Omit<GqlResponse, 'status'>) };
  };
  const outcome = (res: { data?: any; errors?: GqlResponse['errors'] }) =>
    res.data?.submitPublicReview ? 'OK' : res.errors![0].extensions!.reason;
  const stored = () => count(su, 'public_reviews');

  beforeAll(async () => {
    server = await startTestServer({ env: { EXPOSE_STATEMENT_COUNT: 'true' } });
    su = await server.superuser();
    ids = await orgIds(server, 'jtj');
    ({ admin, secretary } = await tokens(server, 'jtj', ['admin', 'secretary']));
    const link = `mutation($o: ID!) { createLinkCode(input: { orgId: $o, label: "窗口" }) { code } }`;
    code = (await server.gql(link, { o: ids['第一车队党支部'] }, secretary)).data.createLinkCode.code;
    secondCode = (await server.gql(link, { o: ids['第一车队党支部'] }, secretary)).data.createLinkCode.code;
  });
  afterAll(() => server.close());

  it('lets a tenant admin set the daily limits; fields left out keep their value', async () => {
    const before = (
      await server.gql(`{ tenantSettings { publicReviewsPerAddressPerDay publicReviewsPerCodePerDay opinionHours } }`, {}, admin)
    ).data.tenantSettings;
    expect(before).toEqual({ publicReviewsPerAddressPerDay: 50, publicReviewsPerCodePerDay: 300, opinionHours: 120 });
    const set = await server.gql(SETTINGS, { input: { publicReviewsPerAddressPerDay: 4 } }, admin);
    expect(set.data.updateTenantSettings).toMatchObject({
      publicReviewsPerAddressPerDay: 4,
      publicReviewsPerCodePerDay: 300,
      opinionHours: 120,
      timezone: 'Asia/Shanghai',
    });
    const both = await server.gql(SETTINGS, { input: { publicReviewsPerCodePerDay: 7 } }, admin);
    expect(both.data.updateTenantSettings).toMatchObject({ publicReviewsPerAddressPerDay: 4, publicReviewsPerCodePerDay: 7 });
    const bad = await server.gql(SETTINGS, { input: { publicReviewsPerAddressPerDay: 0 } }, admin);
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'publicReviewsPerAddressPerDay' });
    expect(codes(await server.gql(SETTINGS, { input: { publicReviewsPerAddressPerDay: 1000 } }, secretary))).toEqual(['FORBIDDEN']);
  });

  it('holds one address to its daily limit whatever device ids it rotates, on every code, even all at once', async () => {
    const before = await stored();
    // 20 concurrent reviews from one address, each with a new device id: exactly the limit (4) goes in
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => review('198.51.100.1', `rotating-device-${i}`)));
    expect(burst.filter((r) => outcome(r) === 'OK')).toHaveLength(4);
    const refused = burst.filter((r) => outcome(r) !== 'OK');
    expect(refused.map(outcome)).toEqual(Array(16).fill('ADDRESS_DAILY_LIMIT'));
    expect(refused[0].http).toBe(429);
    expect(refused[0].errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 4 });
    expect(refused[0].errors![0].message).toBe('今天从此网络提交的评议已达上限（每天 4 条），请明天再来');
    const wait = refused[0].errors![0].extensions!.retryAfterSeconds as number;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(86_400); // until midnight in the tenant's zone
    // the same address through another code of the tenant: still today's limit
    expect(outcome(await review('198.51.100.1', 'rotating-device-99', 5, secondCode))).toBe('ADDRESS_DAILY_LIMIT');
    expect(await stored()).toBe(before + 4);
  });

  it('holds one code to its daily limit however many addresses rotate through it', async () => {
    // 4 from the first address already; 3 more addresses fill the code's 7; the rest are refused
    const results = [];
    for (let i = 2; i <= 6; i++) results.push(outcome(await review(`198.51.100.${i}`, `crowd-device-${i}`, 4)));
    expect(results).toEqual(['OK', 'OK', 'OK', 'CODE_DAILY_LIMIT', 'CODE_DAILY_LIMIT']);
    // the other code has its own count
    expect(outcome(await review('198.51.100.7', 'crowd-device-7', 4, secondCode))).toBe('OK');
  });

  it('shows a tenant admin the cluster of one address under many device ids, and nobody else', async () => {
    const res = await server.gql(CLUSTERS, { min: 3 }, admin);
    expect(res.errors).toBeUndefined();
    expect(res.data.suspiciousReviewClusters.totalCount).toBe(1);
    const [cluster] = res.data.suspiciousReviewClusters.nodes;
    expect(cluster).toMatchObject({
      reviewCount: 4,
      deviceCount: 4,
      averageRating: 5,
      org: { name: '第一车队党支部' },
      linkCode: { code },
    });
    expect(cluster.reviews.totalCount).toBe(4);
    expect(cluster.reviews.nodes).toHaveLength(4);
    // single reviews from other addresses are no cluster; a higher threshold shows none
    expect((await server.gql(CLUSTERS, { min: 5 }, admin)).data.suspiciousReviewClusters.totalCount).toBe(0);
    // narrowed to the subtree it lies in, the same cluster; officers who are not admins are refused
    expect((await server.gql(CLUSTERS, { under: ids['市公交集团党委'], min: 3 }, admin)).data.suspiciousReviewClusters.totalCount).toBe(1);
    for (const username of ['secretary', 'supervisor', 'member']) {
      expect(codes(await server.gql(CLUSTERS, { min: 3 }, await server.token('jtj', username)))).toEqual(['FORBIDDEN']);
    }
    const foreign = await server.gql(CLUSTERS, { min: 2 }, await server.token('szjg', 'admin'));
    expect(foreign.data.suspiciousReviewClusters.totalCount).toBe(0);
  });

  it('lets the admin take the cluster out of the figures with a reason, and put it back', async () => {
    const cluster = (await server.gql(CLUSTERS, { min: 3 }, admin)).data.suspiciousReviewClusters.nodes[0];
    const reviewIds = cluster.reviews.nodes.map((r: { id: string }) => r.id);
    const figures = async () => (await server.gql(SATISFACTION, { o: ids['第一车队党支部'] }, admin)).data.satisfaction.own;
    // 4 fives from the cluster, 3 fours from the crowd, 1 four on the second code
    expect(await figures()).toEqual({ count: 8, averageRating: 4.5 });
    const noReason = await server.gql(EXCLUDE, { input: { ids: reviewIds, excluded: true } }, admin);
    expect(noReason.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EXCLUSION_REASON_REQUIRED',
      field: 'input.reason',
    });
    expect(codes(await server.gql(EXCLUDE, { input: { ids: reviewIds, excluded: true, reason: '刷评' } }, secretary))).toEqual([
      'FORBIDDEN',
    ]);
    expect(
      codes(await server.gql(EXCLUDE, { input: { ids: reviewIds, excluded: true, reason: '刷评' } }, await server.token('szjg', 'admin'))),
    ).toEqual(['NOT_FOUND']);
    expect(await figures()).toEqual({ count: 8, averageRating: 4.5 });
    const excluded = await server.gql(EXCLUDE, { input: { ids: reviewIds, excluded: true, reason: '疑似刷评：同一网络 4 个设备' } }, admin);
    expect(excluded.data.setPublicReviewsExcluded).toHaveLength(4);
    expect(
      excluded.data.setPublicReviewsExcluded.every(
        (r: { excludedReason: string; excludedAt: string }) => r.excludedReason === '疑似刷评：同一网络 4 个设备' && r.excludedAt,
      ),
    ).toBe(true);
    expect(await figures()).toEqual({ count: 4, averageRating: 4 });
    // still stored and still listed as a cluster, now marked
    const after = (await server.gql(CLUSTERS, { min: 3 }, admin)).data.suspiciousReviewClusters.nodes[0];
    expect(after.reviews.nodes.every((r: { excludedReason: string | null }) => r.excludedReason)).toBe(true);
    await server.gql(EXCLUDE, { input: { ids: reviewIds, excluded: false } }, admin);
    expect(await figures()).toEqual({ count: 8, averageRating: 4.5 });
  });

  it('holds one address to its window’s limit across every code, even submitting through four codes at once', async () => {
    const link = `mutation($o: ID!) { createLinkCode(input: { orgId: $o, label: "并发" }) { code } }`;
    const codes4 = await Promise.all(
      Array.from(
        { length: 4 },
        async () => (await server.gql(link, { o: ids['第一车队党支部'] }, secretary)).data.createLinkCode.code as string,
      ),
    );
    const opinion = async (c: string) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.40' },
        body: JSON.stringify({
          query: `mutation($c: String!) { submitOpinion(input: { code: $c, content: "多码并发" }) { state } }`,
          variables: { c },
        }),
      });
      const body = (await res.json()) as Omit<GqlResponse, 'status'>;
      return body.data?.submitOpinion ? 'OK' : body.errors![0].extensions!.reason;
    };
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => opinion(codes4[i % 4])));
    expect(answers.filter((a) => a === 'OK')).toHaveLength(PUBLIC_RATE_LIMIT.perClient);
    expect(answers.filter((a) => a !== 'OK')).toEqual(Array(40 - PUBLIC_RATE_LIMIT.perClient).fill('CLIENT_RATE_LIMITED'));
  });
  it('reads the reviews named in one statement however many, and refuses at the first id not found in the order given', async () => {
    // 100 copies of a stored review (one device each), all of 第一车队党支部
    const copies = (
      await su.query<{ id: string }>(
        `INSERT INTO public_reviews (tenant_id, link_code_id, org_id, rating, comment, device_hash, review_day)
         SELECT r.tenant_id, r.link_code_id, r.org_id, 3, '批量', 'bulk-device-' || g, r.review_day - 400
           FROM (SELECT * FROM public_reviews WHERE org_id = $1 ORDER BY created_at LIMIT 1) r, generate_series(1, 100) g
         RETURNING id`,
        [rawId(ids['第一车队党支部'])],
      )
    ).rows.map((r) => globalId('PublicReview', r.id));
    expect(copies).toHaveLength(100);
    const exclude = (list: string[]) => server.gql(EXCLUDE, { input: { ids: list, excluded: true, reason: '批量核查' } }, admin);
    const few = await exclude(copies.slice(0, 5));
    expect(few.data.setPublicReviewsExcluded).toHaveLength(5);
    const all = await exclude(copies);
    expect(all.data.setPublicReviewsExcluded).toHaveLength(100);
    expect(all.statements).toBe(few.statements);
    // an unknown id, or another tenant's review, among them: REVIEW_NOT_FOUND, and nothing changes
    const foreign = await su.query<{ id: string }>(
      `SELECT id FROM public_reviews WHERE tenant_id <> (SELECT tenant_id FROM orgs WHERE id = $1) LIMIT 1`,
      [rawId(ids['第一车队党支部'])],
    );
    const odd = [unknownId('PublicReview'), ...foreign.rows.map((r) => globalId('PublicReview', r.id))];
    for (const id of odd) {
      const refused = await server.gql(
        EXCLUDE,
        { input: { ids: [...copies.slice(0, 50), id, ...copies.slice(50, 99)], excluded: false } },
        admin,
      );
      expect(refused.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'REVIEW_NOT_FOUND', field: 'input.ids' });
    }
    expect(await count(su, 'public_reviews', `device_hash LIKE 'bulk-device-%' AND excluded_at IS NOT NULL`)).toBe(100);
    await server.gql(EXCLUDE, { input: { ids: copies, excluded: false } }, admin);
    expect(await count(su, 'public_reviews', `device_hash LIKE 'bulk-device-%' AND excluded_at IS NOT NULL`)).toBe(0);
    await su.query(`DELETE FROM public_reviews WHERE device_hash LIKE 'bulk-device-%'`);
  });

  it('refuses a non-admin before it reads any of the reviews named: FORBIDDEN, whatever the ids and the reason', async () => {
    // 100 ids nobody has: were they looked up first, the answer would be REVIEW_NOT_FOUND (or the missing reason's refusal)
    const unknown = Array.from({ length: 100 }, () => globalId('PublicReview', randomUUID()));
    const leader = await server.token('jtj', 'leader');
    for (const token of [secretary, leader]) {
      for (const input of [
        { ids: unknown, excluded: true, reason: '刷评' },
        { ids: unknown, excluded: true },
        { ids: unknown, excluded: false },
      ]) {
        const refused = await server.gql(EXCLUDE, { input }, token);
        expect(refused.errors).toHaveLength(1);
        expect(refused.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_REVIEW_ADMIN' });
      }
    }
    // the admin still hears what is wrong with the ids
    expect(codes(await server.gql(EXCLUDE, { input: { ids: unknown, excluded: true, reason: '刷评' } }, admin))).toEqual(['NOT_FOUND']);
  });
});
