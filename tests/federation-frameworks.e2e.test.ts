import { Client } from 'pg';
import { breachesOf } from '../src/modules/federation/federation-framework.service';
import { FrameworkDoc } from '../src/modules/framework/framework.document';
import { TestServer, codes, startTestServer, tokens } from './helpers/server';
import { count } from './helpers/sql';

const HAND_DOWN = `mutation($input: HandDownFrameworkInput!) { handDownFramework(input: $input) }`;
const LIST = `{ handedDownFrameworks(first: 20) { totalCount nodes { id code name handedAt adoptedAs adoptedAsLabel from { slug name } adoptedVersion { id status } } } }`;
const ADOPT = `mutation($input: AdoptHandedDownFrameworkInput!) { adoptHandedDownFramework(input: $input) { id adoptedAs adoptedVersion { id status } } }`;
const BREACHES = `query($id: ID!) { handedDownFrameworkBreaches(handedDownId: $id) { path reason message } }`;
const PUBLISH = `mutation($id: ID!) { publishAdoptedFramework(input: { handedDownId: $id }) { id status } }`;

/**
 * 框架下发: szjg (the demo superior of jtj) hands its published 五强五化 down; jtj adopts it as it is or as
 * the base of its own version, which may add criteria but not remove, move, reword or weaken the
 * superior's items: each breach reported by its path, and the version refused until there is none.
 */
describe('frameworks handed down a link', () => {
  let server: TestServer;
  let su: Client;
  let jtj: Record<string, string>;
  let szjg: Record<string, string>;
  let szjgVersion: string;

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    jtj = await tokens(server, 'jtj', ['admin', 'member']);
    szjg = await tokens(server, 'szjg', ['admin', 'leader', 'member']);
    const fw = await server.gql(`{ frameworks(first: 5) { nodes { code publishedVersion { id } } } }`, {}, szjg.admin);
    szjgVersion = fw.data.frameworks.nodes.find((f: { code: string }) => f.code === 'WQWH').publishedVersion.id;
  }, 120_000);
  afterAll(() => server.close());

  it('has 五强五化 handed down in the demo and adopted as the base of jtj’s own version, 四强四有 kept beside it', async () => {
    const demo = (await server.gql(LIST, {}, jtj.admin)).data.handedDownFrameworks.nodes;
    expect(demo).toEqual([
      expect.objectContaining({
        code: 'WQWH',
        adoptedAs: 'BASE',
        from: { slug: 'szjg', name: '市直机关工委' },
        adoptedVersion: expect.objectContaining({ status: 'PUBLISHED' }),
      }),
    ]);
    expect((await server.gql(BREACHES, { id: demo[0].id }, jtj.admin)).data.handedDownFrameworkBreaches).toEqual([]);
    const own = (
      await server.gql(`{ frameworks(first: 5) { nodes { code publishedVersion { criteria { code isBonus } } } } }`, {}, jtj.admin)
    ).data.frameworks.nodes;
    expect(own.map((f: { code: string }) => f.code).sort()).toEqual(['SQSY', 'WQWH']);
    const wqwh = own.find((f: { code: string }) => f.code === 'WQWH').publishedVersion.criteria;
    expect(wqwh).toContainEqual({ code: 'J1', isBonus: true });
    // the rest of this file starts from nothing handed down
    await su.query(`DELETE FROM handed_down_frameworks`);
  });

  it('hands a published version down to the active subordinates only, by the superior’s root admin only', async () => {
    for (const token of [szjg.member, szjg.leader, jtj.member])
      expect(codes(await server.gql(HAND_DOWN, { input: { versionId: szjgVersion } }, token))).toEqual(['FORBIDDEN']);
    // jtj has no subordinate; another tenant's version is unknown here; a draft is refused
    expect((await server.gql(HAND_DOWN, { input: { versionId: szjgVersion } }, jtj.admin)).errors?.[0].extensions?.reason).toBe(
      'FEDERATION_VERSION_NOT_FOUND',
    );
    const draft = await server.gql(
      `mutation($id: ID!) { createDraftFrom(input: { versionId: $id }) { id } }`,
      { id: szjgVersion },
      szjg.admin,
    );
    const draftId = draft.data.createDraftFrom.id;
    expect((await server.gql(HAND_DOWN, { input: { versionId: draftId } }, szjg.admin)).errors?.[0].extensions?.reason).toBe(
      'FEDERATION_VERSION_NOT_PUBLISHED',
    );
    expect(await count(su, 'handed_down_frameworks')).toBe(0);

    const res = await server.gql(HAND_DOWN, { input: { versionId: szjgVersion } }, szjg.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data.handDownFramework).toBe(1);
    const list = (await server.gql(LIST, {}, jtj.admin)).data.handedDownFrameworks;
    expect(list.nodes).toEqual([
      expect.objectContaining({
        code: 'WQWH',
        name: '五强五化',
        adoptedAs: null,
        from: { slug: 'szjg', name: '市直机关工委' },
        adoptedVersion: null,
      }),
    ]);
    // the superior holds none itself; jtj's other roles may not list them
    expect((await server.gql(LIST, {}, szjg.admin)).data.handedDownFrameworks.totalCount).toBe(0);
    expect(codes(await server.gql(LIST, {}, jtj.member))).toEqual(['FORBIDDEN']);
  });

  it('adopts one as it is, once (10 concurrent adoptions: 1)', async () => {
    await server.gql(HAND_DOWN, { input: { versionId: szjgVersion } }, szjg.admin);
    const [latest] = (await server.gql(LIST, {}, jtj.admin)).data.handedDownFrameworks.nodes;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => server.gql(ADOPT, { input: { handedDownId: latest.id, asBase: false } }, jtj.admin)),
    );
    const won = answers.filter((a) => !a.errors);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.errors).every((a) => codes(a).join() === 'CONFLICT')).toBe(true);
    expect(won[0].data.adoptHandedDownFramework).toMatchObject({ adoptedAs: 'AS_IS', adoptedVersion: { status: 'PUBLISHED' } });
    expect(await server.gql(BREACHES, { id: latest.id }, jtj.admin)).toMatchObject({ data: { handedDownFrameworkBreaches: [] } });
    // szjg cannot adopt or read what jtj received
    expect(codes(await server.gql(ADOPT, { input: { handedDownId: latest.id, asBase: true } }, szjg.admin))).toEqual(['NOT_FOUND']);
    expect(codes(await server.gql(BREACHES, { id: latest.id }, szjg.admin))).toEqual(['NOT_FOUND']);
  });

  it('adopts one as a base: added criteria pass, each removal, move, rewording and weakening is reported by path and refused', async () => {
    const nodes = (await server.gql(LIST, {}, jtj.admin)).data.handedDownFrameworks.nodes;
    const base = nodes.find((n: { adoptedAs: string | null }) => n.adoptedAs === null);
    const adopted = await server.gql(ADOPT, { input: { handedDownId: base.id, asBase: true } }, jtj.admin);
    expect(adopted.data.adoptHandedDownFramework).toMatchObject({ adoptedAs: 'BASE', adoptedVersion: { status: 'DRAFT' } });
    const draft = adopted.data.adoptHandedDownFramework.adoptedVersion.id;
    const criteria = (await server.gql(`query($id: ID!) { frameworkVersion(id: $id) { criteria { id code } } }`, { id: draft }, jtj.admin))
      .data.frameworkVersion.criteria as { id: string; code: string }[];
    const id = (code: string) => criteria.find((c) => c.code === code)!.id;
    // the bureau's own item under W1: allowed
    const own = await server.gql(
      `mutation($input: AddCriterionInput!) { addCriterion(input: $input) { code } }`,
      {
        input: {
          versionId: draft,
          parentId: id('W1'),
          code: 'J1',
          title: '结合我局实际：窗口服务“情溢旅途”',
          weight: 0.1,
          maxScore: 10,
          scoringType: 'SCALE',
        },
      },
      jtj.admin,
    );
    expect(own.errors).toBeUndefined();
    expect((await server.gql(BREACHES, { id: base.id }, jtj.admin)).data.handedDownFrameworkBreaches).toEqual([]);

    const update = (cid: string, patch: Record<string, unknown>) =>
      server.gql(
        `mutation($input: UpdateCriterionInput!) { updateCriterion(input: $input) { code } }`,
        { input: { id: cid, ...patch } },
        jtj.admin,
      );
    expect((await update(id('W1.1'), { title: '标准化：理论学习有计划' })).errors).toBeUndefined();
    expect((await update(id('W1.2'), { maxScore: 5 })).errors).toBeUndefined();
    expect(
      (await server.gql(`mutation($id: ID!) { deleteCriterion(input: { id: $id }) }`, { id: id('W1.3') }, jtj.admin)).errors,
    ).toBeUndefined();
    const breaches = (await server.gql(BREACHES, { id: base.id }, jtj.admin)).data.handedDownFrameworkBreaches;
    expect(breaches.map((b: { path: string; reason: string }) => [b.path, b.reason])).toEqual([
      ['criteria[W1].children[W1.1].title', 'FEDERATION_ITEM_REWORDED'],
      ['criteria[W1].children[W1.2].maxScore', 'FEDERATION_ITEM_WEAKENED'],
      ['criteria[W1].children[W1.3]', 'FEDERATION_ITEM_REMOVED'],
    ]);
    expect(breaches[2].message).toBe('删去了上级框架的条目W1.3');
    const refused = await server.gql(PUBLISH, { id: base.id }, jtj.admin);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FEDERATION_BREACHES', count: 3 });
    expect(refused.errors?.[0].extensions?.problems).toHaveLength(3);
    expect(codes(await server.gql(PUBLISH, { id: base.id }, jtj.member))).toEqual(['FORBIDDEN']);
    // nor through the plain publishVersion (this draft fails its own weights first; the guard alone is
    // shown on a later draft below), and the draft stays a draft
    const plain = await server.gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id status } }`, { v: draft }, jtj.admin);
    expect(plain.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(
      (await server.gql(`query($id: ID!) { frameworkVersion(id: $id) { status } }`, { id: draft }, jtj.admin)).data.frameworkVersion.status,
    ).toBe('DRAFT');
  });

  it('publishes a base version that only adds the bureau’s own items', async () => {
    await server.gql(HAND_DOWN, { input: { versionId: szjgVersion } }, szjg.admin);
    const [fresh] = (await server.gql(LIST, {}, jtj.admin)).data.handedDownFrameworks.nodes;
    const adopted = await server.gql(ADOPT, { input: { handedDownId: fresh.id, asBase: true } }, jtj.admin);
    const draft = adopted.data.adoptHandedDownFramework.adoptedVersion.id;
    const dims = (await server.gql(`query($id: ID!) { frameworkVersion(id: $id) { criteria { id code } } }`, { id: draft }, jtj.admin)).data
      .frameworkVersion.criteria as { id: string; code: string }[];
    const added = await server.gql(
      `mutation($input: AddCriterionInput!) { addCriterion(input: $input) { code } }`,
      {
        input: {
          versionId: draft,
          parentId: dims.find((c) => c.code === 'W2')!.id,
          code: 'J2',
          title: '结合我局实际：“彩虹坦途”服务品牌（加分项）',
          bonus: true,
          maxScore: 5,
          scoringType: 'SCALE',
        },
      },
      jtj.admin,
    );
    expect(added.errors).toBeUndefined();
    const published = await server.gql(PUBLISH, { id: fresh.id }, jtj.admin);
    expect(published.errors).toBeUndefined();
    expect(published.data.publishAdoptedFramework.status).toBe('PUBLISHED');
    // and only once
    expect(codes(await server.gql(PUBLISH, { id: fresh.id }, jtj.admin))).toEqual(['CONFLICT']);

    // a later draft of the same framework is held to the superior's items too, whatever publishes it
    const next = await server.gql(
      `mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id criteria { id code } } }`,
      { v: published.data.publishAdoptedFramework.id },
      jtj.admin,
    );
    expect(next.errors).toBeUndefined();
    const nextDraft = next.data.createDraftFrom.id;
    const w11 = next.data.createDraftFrom.criteria.find((c: { code: string }) => c.code === 'W1.1').id;
    expect(
      (
        await server.gql(
          `mutation($input: UpdateCriterionInput!) { updateCriterion(input: $input) { code } }`,
          { input: { id: w11, maxScore: 1 } },
          jtj.admin,
        )
      ).errors,
    ).toBeUndefined();
    const weakened = await server.gql(
      `mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id status } }`,
      { v: nextDraft },
      jtj.admin,
    );
    expect(weakened.errors?.[0].extensions).toMatchObject({ reason: 'FEDERATION_BREACHES', count: 1 });
    expect(weakened.errors?.[0].extensions?.problems).toEqual([
      expect.objectContaining({ path: 'criteria[W1].children[W1.1].maxScore', reason: 'FEDERATION_ITEM_WEAKENED' }),
    ]);
    // the adopted version stays the published one
    expect(
      (
        await server.gql(
          `query($id: ID!) { frameworkVersion(id: $id) { status } }`,
          { id: published.data.publishAdoptedFramework.id },
          jtj.admin,
        )
      ).data.frameworkVersion.status,
    ).toBe('PUBLISHED');
  });

  it('reports a moved item and lowered thresholds and grade lines (the validator alone)', () => {
    const superior: FrameworkDoc = {
      format: 'party-framework/v1',
      code: 'X',
      name: 'X',
      rule: { threshold: 70, grades: [{ code: 'A', label: '优', min: 90 }] } as never,
      criteria: [
        { code: 'D1', title: 'd', children: [{ code: 'I1', title: 'i', maxScore: 10, veto: true, evidenceRequired: true }] },
        { code: 'D2', title: 'e' },
      ],
    };
    const own: FrameworkDoc = {
      ...superior,
      rule: { threshold: 60, grades: [{ code: 'A', label: '优', min: 85 }] } as never,
      criteria: [
        { code: 'D1', title: 'd' },
        { code: 'D2', title: 'e', children: [{ code: 'I1', title: 'i', maxScore: 12 }] },
      ],
    };
    expect(breachesOf(superior, own).map((p) => [p.path, p.reason])).toEqual([
      ['criteria[D1].children[I1]', 'FEDERATION_ITEM_MOVED'],
      ['criteria[D1].children[I1].veto', 'FEDERATION_ITEM_WEAKENED'],
      ['criteria[D1].children[I1].evidenceRequired', 'FEDERATION_ITEM_WEAKENED'],
      ['rule.threshold', 'FEDERATION_THRESHOLD_LOWERED'],
      ['rule.grades[A]', 'FEDERATION_THRESHOLD_LOWERED'],
    ]);
    // raising a threshold and a maximum is allowed
    expect(breachesOf(superior, { ...superior, rule: { threshold: 80, grades: [{ code: 'A', label: '优', min: 95 }] } as never })).toEqual(
      [],
    );
  });
});
