import { Client } from 'pg';
import { GqlResponse, TestServer, codes, startTestServer, tokens } from './helpers/server';
import { count } from './helpers/sql';
import { orgIds } from './helpers/story';

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
    server = await startTestServer();
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
});
