import { Client } from 'pg';
import { withTransaction } from '../src/db/request-transaction';
import { TestServer, codes, firstSignIn, startTestServer, tokens } from './helpers/server';
import { count, tenantId, tenantToday } from './helpers/sql';
import { globalId } from './helpers/ids';
import { breachesOf } from '../src/modules/federation/federation-framework.service';
import { FrameworkDoc } from '../src/modules/framework/framework.document';
import ExcelJS from 'exceljs';
import { accept, criteriaOf, evaluate, orgIds, scoresFor } from './helpers/story';

/**
 * 上下级单位 (issue 18) through the running server: links between tenants, frameworks handed down a link,
 * and progress reported up it (with the results against the superior's framework). Each part with its
 * own server; one file so the app loads once.
 */

const LINK = `id side sideLabel state stateLabel invitedAt respondedAt endedAt endedBySide endedBySideLabel peer { slug name }`;
const INVITE = `mutation($slug: String!) { inviteSubordinateTenant(input: { slug: $slug }) { ${LINK} } }`;
const ACCEPT = `mutation($id: ID!) { acceptTenantLink(input: { linkId: $id }) { ${LINK} } }`;
const DECLINE = `mutation($id: ID!) { declineTenantLink(input: { linkId: $id }) { ${LINK} } }`;
const END = `mutation($id: ID!) { endTenantLink(input: { linkId: $id }) { ${LINK} } }`;
const LINKS = `query($state: TenantLinkState) { tenantLinks(first: 50, state: $state) { totalCount nodes { ${LINK} } } }`;

/**
 * 上下级单位: a superior's root admin invites a tenant by slug, the invited tenant's root admin accepts
 * or declines, either ends the link; a tenant may have several superiors. Each party sees its own side
 * of the links it is party to; the operator sees every link and nothing else.
 */
describe('links between tenants', () => {
  let server: TestServer;
  let su: Client;
  let jtj: Record<string, string>;
  let szjg: Record<string, string>;
  let zzb: string;
  let operator: string;
  let subtreeAdmin: string;

  beforeAll(async () => {
    server = await startTestServer();
    su = await server.superuser();
    jtj = await tokens(server, 'jtj', ['admin', 'leader', 'supervisor', 'secretary', 'inspector', 'member']);
    szjg = await tokens(server, 'szjg', ['admin', 'member']);
    operator = await server.token('', 'operator');
    const created = await server.gql(
      `mutation($input: CreateTenantInput!) { createTenant(input: $input) { slug } }`,
      {
        input: {
          slug: 'zzb',
          name: '市委组织部',
          rootOrgName: '市委组织部机关党委',
          adminUsername: 'admin',
          adminDisplayName: '组织部干部',
          adminPassword: 'A-strong-password',
        },
      },
      operator,
    );
    expect(created.errors).toBeUndefined();
    // a new tenant's first admin chooses its own password at the first sign-in
    zzb = (await firstSignIn(server.url, 'zzb', 'admin', 'A-strong-password')).accessToken;
    // a TENANT_ADMIN over one 直属党委 of jtj (not the root): the same password hash as the demo admin
    const t = await tenantId(su, 'jtj');
    const { rows } = await su.query(
      `INSERT INTO users (tenant_id, username, display_name, password_hash, org_id)
       SELECT tenant_id, 'subadmin', '公交集团组织干事', password_hash, (SELECT id FROM orgs WHERE tenant_id = $1 AND name = '市公交集团党委')
         FROM users WHERE tenant_id = $1 AND username = 'admin' RETURNING id, org_id`,
      [t],
    );
    await su.query(`INSERT INTO role_assignments (tenant_id, user_id, role, org_id) VALUES ($1, $2, 'TENANT_ADMIN', $3)`, [
      t,
      rows[0].id,
      rows[0].org_id,
    ]);
    subtreeAdmin = await server.token('jtj', 'subadmin');
  }, 60_000);
  afterAll(() => server.close());

  const linkCount = () => count(su, 'tenant_links');

  it('refuses invitations to everyone but a root admin, storing nothing', async () => {
    for (const token of [jtj.member, jtj.secretary, jtj.supervisor, jtj.inspector, jtj.leader, subtreeAdmin]) {
      const res = await server.gql(INVITE, { slug: 'szjg' }, token);
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors?.[0].extensions?.reason).toBe('FEDERATION_NOT_ROOT_ADMIN');
    }
    expect(codes(await server.gql(INVITE, { slug: 'szjg' }, operator))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(INVITE, { slug: 'szjg' }))).toEqual(['UNAUTHENTICATED']);
    // bad input: itself, an unknown slug, a malformed one
    expect((await server.gql(INVITE, { slug: 'szjg' }, szjg.admin)).errors?.[0].extensions?.reason).toBe('FEDERATION_SELF_LINK');
    const unknown = await server.gql(INVITE, { slug: 'nosuch' }, szjg.admin);
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'FEDERATION_TENANT_NOT_FOUND', field: 'input.slug' });
    expect(codes(await server.gql(INVITE, { slug: 'Bad Slug!' }, szjg.admin))).toEqual(['NOT_FOUND']);
    expect(codes(await server.gql(INVITE, { slug: 'x'.repeat(500) }, szjg.admin))).toEqual(['BAD_USER_INPUT']);
    expect(await linkCount()).toBe(0);
    // and the lists are the root admin's too
    for (const token of [jtj.member, jtj.leader, subtreeAdmin]) expect(codes(await server.gql(LINKS, {}, token))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(`{ platformTenantLinks { totalCount } }`, {}, jtj.admin))).toEqual(['FORBIDDEN']);
  });

  let szjgLink: string;
  it('links szjg over jtj: invited, seen by both sides, accepted only by the invitee', async () => {
    const res = await server.gql(INVITE, { slug: 'jtj' }, szjg.admin);
    expect(res.errors).toBeUndefined();
    const link = res.data.inviteSubordinateTenant;
    szjgLink = link.id;
    expect(link).toMatchObject({
      side: 'SUPERIOR',
      sideLabel: '上级单位',
      state: 'PENDING',
      stateLabel: '待答复',
      respondedAt: null,
      peer: { slug: 'jtj', name: '市交通运输局' },
    });
    const mine = await server.gql(LINKS, {}, jtj.admin);
    expect(mine.data.tenantLinks.nodes).toEqual([
      expect.objectContaining({ id: szjgLink, side: 'SUBORDINATE', state: 'PENDING', peer: { slug: 'szjg', name: '市直机关工委' } }),
    ]);
    // accepting one's own invitation: refused; a non-root admin of the invitee: refused
    const own = await server.gql(ACCEPT, { id: szjgLink }, szjg.admin);
    expect(own.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'FEDERATION_NOT_INVITEE' });
    expect(codes(await server.gql(ACCEPT, { id: szjgLink }, subtreeAdmin))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(ACCEPT, { id: szjgLink }, jtj.member))).toEqual(['FORBIDDEN']);
    // a third tenant cannot see, accept or end it: the same answer as an unknown link
    const third = await server.gql(ACCEPT, { id: szjgLink }, zzb);
    expect(third.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'FEDERATION_LINK_NOT_FOUND' });
    expect(codes(await server.gql(END, { id: szjgLink }, zzb))).toEqual(['NOT_FOUND']);
    expect((await server.gql(LINKS, {}, zzb)).data.tenantLinks.totalCount).toBe(0);
    // a duplicate while pending, either way round
    const dup = await server.gql(INVITE, { slug: 'jtj' }, szjg.admin);
    expect(dup.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'FEDERATION_LINK_EXISTS' });
    expect((await server.gql(INVITE, { slug: 'szjg' }, jtj.admin)).errors?.[0].extensions?.reason).toBe('FEDERATION_LINK_EXISTS');

    const accepted = await server.gql(ACCEPT, { id: szjgLink }, jtj.admin);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptTenantLink).toMatchObject({ state: 'ACTIVE', stateLabel: '有效', side: 'SUBORDINATE' });
    expect(accepted.data.acceptTenantLink.respondedAt).not.toBeNull();
    const sup = await server.gql(LINKS, { state: 'ACTIVE' }, szjg.admin);
    expect(sup.data.tenantLinks.nodes.map((l: { id: string; state: string }) => [l.id, l.state])).toEqual([[szjgLink, 'ACTIVE']]);
    // answered once: a second accept or a decline is CONFLICT
    expect((await server.gql(ACCEPT, { id: szjgLink }, jtj.admin)).errors?.[0].extensions?.reason).toBe('FEDERATION_LINK_NOT_PENDING');
    expect(codes(await server.gql(DECLINE, { id: szjgLink }, jtj.admin))).toEqual(['CONFLICT']);
    // still a duplicate while active
    expect(codes(await server.gql(INVITE, { slug: 'jtj' }, szjg.admin))).toEqual(['CONFLICT']);
  });

  it('gives a tenant several superiors; a declined invitation can be sent again', async () => {
    const first = await server.gql(INVITE, { slug: 'jtj' }, zzb);
    expect(first.errors).toBeUndefined();
    const declined = await server.gql(DECLINE, { id: first.data.inviteSubordinateTenant.id }, jtj.admin);
    expect(declined.data.declineTenantLink).toMatchObject({ state: 'DECLINED', stateLabel: '已谢绝' });
    const again = await server.gql(INVITE, { slug: 'jtj' }, zzb);
    expect(again.errors).toBeUndefined();
    const ok = await server.gql(ACCEPT, { id: again.data.inviteSubordinateTenant.id }, jtj.admin);
    expect(ok.data.acceptTenantLink.state).toBe('ACTIVE');
    const active = await server.gql(LINKS, { state: 'ACTIVE' }, jtj.admin);
    expect(active.data.tenantLinks.nodes.map((l: { peer: { slug: string } }) => l.peer.slug).sort()).toEqual(['szjg', 'zzb']);
    // the superior sees only its own link, never jtj's other superior
    const seen = await server.gql(LINKS, {}, zzb);
    expect(seen.data.tenantLinks.nodes.map((l: { peer: { slug: string }; side: string }) => [l.peer.slug, l.side])).toEqual([
      ['jtj', 'SUPERIOR'],
      ['jtj', 'SUPERIOR'],
    ]);
    expect(JSON.stringify(seen)).not.toContain('szjg');
  });

  it('lets either party end a link (the subordinate here), once', async () => {
    const links = await server.gql(LINKS, { state: 'ACTIVE' }, zzb);
    const id = links.data.tenantLinks.nodes[0].id;
    expect(codes(await server.gql(END, { id }, jtj.leader))).toEqual(['FORBIDDEN']);
    const ended = await server.gql(END, { id }, jtj.admin);
    expect(ended.data.endTenantLink).toMatchObject({ state: 'ENDED', endedBySide: 'SUBORDINATE', endedBySideLabel: '下级单位' });
    const seen = await server.gql(LINKS, { state: 'ENDED' }, zzb);
    expect(seen.data.tenantLinks.nodes).toEqual([expect.objectContaining({ id, side: 'SUPERIOR', endedBySide: 'SUBORDINATE' })]);
    expect((await server.gql(END, { id }, zzb)).errors?.[0].extensions?.reason).toBe('FEDERATION_LINK_ENDED');
    // and the superior withdraws a pending invitation the same way
    const pending = await server.gql(INVITE, { slug: 'szjg' }, zzb);
    const withdrawn = await server.gql(END, { id: pending.data.inviteSubordinateTenant.id }, zzb);
    expect(withdrawn.data.endTenantLink).toMatchObject({ state: 'ENDED', endedBySide: 'SUPERIOR' });
  });

  it('shows the operator every link once, with both names and nothing else', async () => {
    const res = await server.gql(
      `{ platformTenantLinks(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { id state stateLabel superior { slug name } subordinate { slug } } } }`,
      {},
      operator,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.platformTenantLinks.totalCount).toBe(4);
    const next = await server.gql(
      `query($after: String) { platformTenantLinks(first: 10, after: $after) { nodes { id superior { slug } subordinate { slug } state } } }`,
      { after: res.data.platformTenantLinks.pageInfo.endCursor },
      operator,
    );
    const all: { id: string; state: string; superior: { slug: string }; subordinate: { slug: string } }[] = [
      ...res.data.platformTenantLinks.nodes,
      ...next.data.platformTenantLinks.nodes,
    ];
    expect(new Set(all.map((l) => l.id)).size).toBe(4);
    expect(all.map((l) => `${l.superior.slug}>${l.subordinate.slug}:${l.state}`).sort()).toEqual([
      'szjg>jtj:ACTIVE',
      'zzb>jtj:DECLINED',
      'zzb>jtj:ENDED',
      'zzb>szjg:ENDED',
    ]);
    // a tenant's data stays closed to the operator
    expect(codes(await server.gql(`{ orgs { totalCount } }`, {}, operator))).toEqual(['FORBIDDEN']);
  });

  it('keeps the rows at the database: each party sees its own side, the app role writes neither directly', async () => {
    const ds = server.database.dataSource;
    const [j, s, z] = [await tenantId(su, 'jtj'), await tenantId(su, 'szjg'), await tenantId(su, 'zzb')];
    for (const t of [j, s, z]) {
      await withTransaction(ds, { tenantId: t }, async (tx) => {
        const rows = await tx.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM tenant_links`);
        expect(rows.map((r) => r.tenant_id)).toEqual([t]);
      });
    }
    await withTransaction(ds, {}, async (tx) => {
      expect(await tx.query(`SELECT * FROM tenant_links`)).toEqual([]);
    });
    // forging a link or a state from one side is refused by privilege
    await expect(
      withTransaction(ds, { tenantId: s }, (tx) =>
        tx.query(
          `INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state) VALUES ($1, gen_random_uuid(), $2, 'SUPERIOR', 'ACTIVE')`,
          [s, z],
        ),
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(withTransaction(ds, { tenantId: j }, (tx) => tx.query(`UPDATE tenant_links SET state = 'ACTIVE'`))).rejects.toThrow(
      /permission denied/,
    );
    // the definer functions act only for the calling tenant: with no tenant set they do nothing
    await withTransaction(ds, {}, async (tx) => {
      const [{ link }] = await tx.query<{ link: string | null }>(`SELECT app_federation_invite('jtj') AS link`);
      expect(link).toBeNull();
    });
  });

  it('stores one link of 20 concurrent invitations, the others CONFLICT; one answer of 20 concurrent accepts', async () => {
    await su.query(`INSERT INTO tenants (slug, name) VALUES ('race', '竞争单位')`);
    const before = await linkCount();
    const answers = await Promise.all(Array.from({ length: 20 }, () => server.gql(INVITE, { slug: 'race' }, szjg.admin)));
    expect(answers.filter((a) => !a.errors).length).toBe(1);
    expect(answers.filter((a) => a.errors).map((a) => codes(a).join())).toEqual(Array(19).fill('CONFLICT'));
    expect(await linkCount()).toBe(before + 2);

    const invited = await server.gql(INVITE, { slug: 'zzb' }, szjg.admin);
    const id = invited.data.inviteSubordinateTenant.id;
    const accepts = await Promise.all(Array.from({ length: 20 }, () => server.gql(ACCEPT, { id }, zzb)));
    expect(accepts.filter((a) => !a.errors).length).toBe(1);
    expect(accepts.filter((a) => a.errors).every((a) => codes(a).join() === 'CONFLICT')).toBe(true);
    const ends = await Promise.all(Array.from({ length: 20 }, (_, i) => server.gql(END, { id }, i % 2 ? zzb : szjg.admin)));
    expect(ends.filter((a) => !a.errors).length).toBe(1);
    expect(ends.filter((a) => a.errors).every((a) => codes(a).join() === 'CONFLICT')).toBe(true);
    expect(await count(su, 'tenant_links', `id = $1 AND state = 'ENDED'`, [Buffer.from(id, 'base64url').toString().split(':')[1]])).toBe(2);
  });

  it('bounds the invitations a tenant sends in a day: withdrawing and inviting again does not write without end', async () => {
    await su.query(`INSERT INTO tenants (slug, name) VALUES ('spam-target', '被反复邀请的单位')`);
    const target = await tenantId(su, 'spam-target');
    const limit = server.config.federationInvitesPerDay;
    const sent = await count(su, 'tenant_links', `tenant_id = (SELECT id FROM tenants WHERE slug = 'zzb') AND side = 'SUPERIOR'`);
    for (let i = sent; i < limit; i++) {
      const invited = await server.gql(INVITE, { slug: 'spam-target' }, zzb);
      expect(invited.errors).toBeUndefined();
      expect((await server.gql(END, { id: invited.data.inviteSubordinateTenant.id }, zzb)).errors).toBeUndefined();
    }
    const stored = await count(su, 'tenant_links', `tenant_id = $1`, [target]);
    const refused = await server.gql(INVITE, { slug: 'spam-target' }, zzb);
    expect(refused.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual([
      'CONFLICT/FEDERATION_TOO_MANY_INVITATIONS',
    ]);
    expect(await count(su, 'tenant_links', `tenant_id = $1`, [target])).toBe(stored);
    // another tenant's invitations are its own
    const other = await server.gql(INVITE, { slug: 'spam-target' }, jtj.admin);
    expect(other.errors).toBeUndefined();
    expect((await server.gql(END, { id: other.data.inviteSubordinateTenant.id }, jtj.admin)).errors).toBeUndefined();
  });

  it('bounds the invitations of a day at the boundary: of 50 sent at once to 50 tenants exactly one is stored', async () => {
    const limit = server.config.federationInvitesPerDay;
    const zzbId = await tenantId(su, 'zzb');
    const today = `tenant_id = $1 AND side = 'SUPERIOR' AND invited_at > now() - interval '1 day'`;
    // one short of the limit: the day's invitations past it moved to two days ago (they no longer count)
    const sent = await count(su, 'tenant_links', today, [zzbId]);
    if (sent > limit - 1)
      await su.query(
        `UPDATE tenant_links SET invited_at = now() - interval '2 days'
          WHERE tenant_id = $1 AND id IN (SELECT id FROM tenant_links WHERE ${today} ORDER BY invited_at LIMIT $2)`,
        [zzbId, sent - (limit - 1)],
      );
    for (let i = await count(su, 'tenant_links', today, [zzbId]); i < limit - 1; i++)
      await su.query(
        `INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state, ended_at, ended_by_side)
         VALUES ($1, gen_random_uuid(), (SELECT id FROM tenants WHERE slug = 'jtj'), 'SUPERIOR', 'ENDED', now(), 'SUPERIOR')`,
        [zzbId],
      );
    expect(await count(su, 'tenant_links', today, [zzbId])).toBe(limit - 1);
    await su.query(`INSERT INTO tenants (slug, name) SELECT 'burst-' || n, '同时邀请的单位' || n FROM generate_series(0, 49) n`);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => server.gql(INVITE, { slug: `burst-${i}` }, zzb)));
    const won = answers.filter((a) => !a.errors);
    expect(won).toHaveLength(1);
    expect(
      answers.filter((a) => a.errors).map((a) => `${a.errors!.length}:${a.errors![0].extensions?.code}/${a.errors![0].extensions?.reason}`),
    ).toEqual(Array(49).fill('1:CONFLICT/FEDERATION_TOO_MANY_INVITATIONS'));
    expect(await count(su, 'tenant_links', today, [zzbId])).toBe(limit);
    // one invited tenant holds the one invitation, the others nothing
    expect(await count(su, 'tenant_links', `tenant_id IN (SELECT id FROM tenants WHERE slug LIKE 'burst-%')`)).toBe(1);
    expect((await server.gql(END, { id: won[0].data.inviteSubordinateTenant.id }, zzb)).errors).toBeUndefined();
  });
});

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
    server = await startTestServer({ campaigns: true, env: { EXPOSE_STATEMENT_COUNT: 'true' } });
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

  it('bounds what a superior hands down a link in a day: each one is written into the subordinate', async () => {
    const limit = server.config.federationHandDownsPerDay;
    const jtjId = await tenantId(su, 'jtj');
    const handed = () => count(su, 'handed_down_frameworks', `tenant_id = $1 AND handed_at > now() - interval '1 day'`, [jtjId]);
    for (let i = await handed(); i < limit; i++) {
      const res = await server.gql(HAND_DOWN, { input: { versionId: szjgVersion } }, szjg.admin);
      expect(res.errors).toBeUndefined();
    }
    const stored = await count(su, 'handed_down_frameworks');
    const refused = await server.gql(HAND_DOWN, { input: { versionId: szjgVersion } }, szjg.admin);
    expect(refused.errors?.map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)).toEqual([
      'CONFLICT/FEDERATION_TOO_MANY_HANDED_DOWN',
    ]);
    expect(await count(su, 'handed_down_frameworks')).toBe(stored);
  });

  it('bounds what is handed down a link in a day at the boundary: of 50 hand-downs at once exactly one is written', async () => {
    const limit = server.config.federationHandDownsPerDay;
    const [szjgId, jtjId] = [await tenantId(su, 'szjg'), await tenantId(su, 'jtj')];
    const [{ id: link }] = (
      await su.query<{ id: string }>(
        `SELECT id FROM tenant_links WHERE tenant_id = $1 AND peer_tenant_id = $2 AND side = 'SUPERIOR' AND state = 'ACTIVE'`,
        [szjgId, jtjId],
      )
    ).rows;
    const today = `tenant_id = $1 AND link_id = $2 AND handed_at > now() - interval '1 day'`;
    // one short of the limit over jtj's link: the day's hand-downs past it moved to two days ago (they no longer count)
    const handed = await count(su, 'handed_down_frameworks', today, [jtjId, link]);
    if (handed > limit - 1)
      await su.query(
        `UPDATE handed_down_frameworks SET handed_at = now() - interval '2 days'
          WHERE tenant_id = $1 AND id IN (SELECT id FROM handed_down_frameworks WHERE ${today} ORDER BY handed_at LIMIT $3)`,
        [jtjId, link, handed - (limit - 1)],
      );
    for (let i = await count(su, 'handed_down_frameworks', today, [jtjId, link]); i < limit - 1; i++)
      expect(
        (await server.gql(HAND_DOWN, { input: { versionId: szjgVersion, linkIds: [globalId('TenantLink', link)] } }, szjg.admin)).errors,
      ).toBeUndefined();
    expect(await count(su, 'handed_down_frameworks', today, [jtjId, link])).toBe(limit - 1);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        server.gql(HAND_DOWN, { input: { versionId: szjgVersion, linkIds: [globalId('TenantLink', link)] } }, szjg.admin),
      ),
    );
    expect(answers.filter((a) => !a.errors)).toHaveLength(1);
    expect(
      answers.filter((a) => a.errors).map((a) => `${a.errors!.length}:${a.errors![0].extensions?.code}/${a.errors![0].extensions?.reason}`),
    ).toEqual(Array(49).fill('1:CONFLICT/FEDERATION_TOO_MANY_HANDED_DOWN'));
    expect(await count(su, 'handed_down_frameworks', today, [jtjId, link])).toBe(limit);
  });

  it('hands down to 100 links in as many statements as to 5, and refuses the link at its limit before writing any', async () => {
    const [szjgId, jtjId] = [await tenantId(su, 'szjg'), await tenantId(su, 'jtj')];
    // 100 more subordinates of szjg, linked and active (jtj's link is at its day's limit from the test before)
    await su.query(`INSERT INTO tenants (slug, name) SELECT 'fan-' || n, '下级单位' || n FROM generate_series(1, 100) n`);
    const links = (
      await su.query<{ id: string }>(
        `WITH made AS (
           SELECT t.id AS sub, gen_random_uuid() AS id, n FROM generate_series(1, 100) n JOIN tenants t ON t.slug = 'fan-' || n),
         superior AS (
           INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state, responded_at)
           SELECT $1, id, sub, 'SUPERIOR', 'ACTIVE', now() FROM made RETURNING id),
         subordinate AS (
           INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side, state, responded_at)
           SELECT sub, id, $1, 'SUBORDINATE', 'ACTIVE', now() FROM made)
         SELECT made.id FROM made ORDER BY n`,
        [szjgId],
      )
    ).rows.map((r) => globalId('TenantLink', r.id));
    const fans = `tenant_id IN (SELECT id FROM tenants WHERE slug LIKE 'fan-%')`;
    const few = await server.gql(HAND_DOWN, { input: { versionId: szjgVersion, linkIds: links.slice(0, 5) } }, szjg.admin);
    expect(few.data.handDownFramework).toBe(5);
    const many = await server.gql(HAND_DOWN, { input: { versionId: szjgVersion, linkIds: links } }, szjg.admin);
    expect(many.data.handDownFramework).toBe(100);
    expect(many.statements).toBe(few.statements);
    expect(await count(su, 'handed_down_frameworks', fans)).toBe(105);
    // jtj's link among them is at its limit: refused, naming jtj, and none of the others gets the version
    const [{ id: jtjLink }] = (
      await su.query<{ id: string }>(`SELECT id FROM tenant_links WHERE tenant_id = $1 AND peer_tenant_id = $2 AND side = 'SUPERIOR'`, [
        szjgId,
        jtjId,
      ])
    ).rows;
    const refused = await server.gql(
      HAND_DOWN,
      { input: { versionId: szjgVersion, linkIds: [...links.slice(0, 60), globalId('TenantLink', jtjLink), ...links.slice(60, 99)] } },
      szjg.admin,
    );
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'FEDERATION_TOO_MANY_HANDED_DOWN',
      field: 'input.linkIds',
    });
    const [{ name: jtjName }] = (await su.query<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, [jtjId])).rows;
    expect(refused.errors?.[0].message).toContain(jtjName);
    expect(await count(su, 'handed_down_frameworks', fans)).toBe(105);
  });
});

const LINKS_WITH_GRANTS = `{ tenantLinks(first: 50) { nodes { id side state peer { slug } grants { kind kindLabel depth campaignName } } } }`;
const GRANT = `mutation($input: GrantFederationAccessInput!) { grantFederationAccess(input: $input) { id grants { kind depth campaignName } } }`;
const REVOKE = `mutation($input: RevokeFederationAccessInput!) { revokeFederationAccess(input: $input) { id grants { kind } } }`;
const OVERVIEW = `query($campaignId: ID, $year: Int, $asOf: Date) {
  federationOverview(campaignId: $campaignId, year: $year, asOf: $asOf) {
    asOf year targetCampaignName targetRatio targetDueOn
    bureaus { linkId tenant { slug name } grantedKinds grantedKindLabels
      progress { campaignName depth eligible evaluated attained ratio targetRatio onTrack
        byCategory { category categoryLabel eligible evaluated attained ratio }
        byOrg { depth name path eligible evaluated attained ratio } }
      assessment { year ruleSet assessed average highest lowest }
      supervision { year inspections findings overdueRectifications } }
    lagging { tenant { slug } progress { ratio } }
    yearEnd { year eligible evaluated attained ratio targetRatio onTrack bureausOnTrack bureausLagging assessed averageAssessment inspections findings overdueRectifications }
  } }`;

/**
 * 进展上报: the subordinate (jtj) grants its superior (szjg), per link, read of aggregates; the superior
 * reads them only through the definer functions, in one consolidated view and its .xlsx; the figures
 * equal the subordinate's own; names only to the granted depth; revoking stops it at the next request.
 */
describe('progress reported up a link', () => {
  let server: TestServer;
  let su: Client;
  let jtj: Record<string, string>;
  let szjg: Record<string, string>;
  let link: string;
  let jtjCampaign: string;
  let szjgCampaign: string;
  let year: number;
  let jtjId: string;
  let demoView: { bureaus: { tenant: { slug: string }; grantedKinds: string[]; progress: { eligible: number; byOrg: unknown[] } }[] };

  beforeAll(async () => {
    server = await startTestServer({ campaigns: true });
    su = await server.superuser();
    jtjId = await tenantId(su, 'jtj');
    year = Number((await tenantToday(su)).slice(0, 4));
    jtj = await tokens(server, 'jtj', ['admin', 'leader', 'member']);
    szjg = await tokens(server, 'szjg', ['admin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member']);
    // a TENANT_ADMIN of szjg over one org below its root: no root admin, so no federation either
    const szjgOrgs = (await server.gql(`{ orgs(first: 5) { nodes { id parent { id } } } }`, {}, szjg.admin)).data.orgs.nodes;
    const below = szjgOrgs.find((o: { parent: { id: string } | null }) => o.parent !== null).id;
    const made = await server.gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { username: 'fedsub', displayName: '下属管理员', password: 'fedsub-initial-pw', orgId: below } },
      szjg.admin,
    );
    const role = await server.gql(
      `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`,
      { input: { userId: made.data.createUser.id, role: 'TENANT_ADMIN', orgId: below } },
      szjg.admin,
    );
    expect(role.errors).toBeUndefined();
    szjg.subtreeAdmin = (await firstSignIn(server.url, 'szjg', 'fedsub', 'fedsub-initial-pw')).accessToken;
    jtjCampaign = (await server.gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, jtj.admin)).data.campaigns.nodes[0].id;
    szjgCampaign = (await server.gql(`{ campaigns(first: 1) { nodes { id } } }`, {}, szjg.admin)).data.campaigns.nodes[0].id;
    demoView = (await overview(szjg.admin)).data?.federationOverview;
    // a clean start: whatever link the demo made between the two ends, and a new one is made here
    for (const l of (await server.gql(LINKS_WITH_GRANTS, {}, jtj.admin)).data.tenantLinks.nodes)
      if (l.peer.slug === 'szjg' && (l.state === 'ACTIVE' || l.state === 'PENDING'))
        await server.gql(`mutation($id: ID!) { endTenantLink(input: { linkId: $id }) { state } }`, { id: l.id }, jtj.admin);
    const invited = await server.gql(`mutation { inviteSubordinateTenant(input: { slug: "jtj" }) { id } }`, {}, szjg.admin);
    link = invited.data.inviteSubordinateTenant.id;
  }, 120_000);
  afterAll(() => server.close());

  const overview = (token: string, vars: Record<string, unknown> = {}) =>
    server.gql(OVERVIEW, { campaignId: szjgCampaign, asOf: '2013-12-20', year, ...vars }, token);

  it('has szjg as jtj’s superior in the demo, with progress, assessment and supervision granted up', () => {
    expect(demoView.bureaus.map((b) => [b.tenant.slug, b.grantedKinds])).toEqual([['jtj', ['ASSESSMENT', 'PROGRESS', 'SUPERVISION']]]);
    expect(demoView.bureaus[0].progress.eligible).toBeGreaterThan(10);
    expect(demoView.bureaus[0].progress.byOrg.length).toBeGreaterThan(3);
  });

  it('refuses grants over a pending link, by the superior, by anyone but the subordinate’s root admin, and bad values', async () => {
    const pending = await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT' } }, jtj.admin);
    expect(pending.errors?.[0].extensions?.reason).toBe('FEDERATION_LINK_NOT_ACTIVE');
    expect(
      (await server.gql(`mutation($id: ID!) { acceptTenantLink(input: { linkId: $id }) { state } }`, { id: link }, jtj.admin)).errors,
    ).toBeUndefined();

    const superior = await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT' } }, szjg.admin);
    expect(superior.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'FEDERATION_NOT_SUBORDINATE' });
    for (const token of [jtj.member, jtj.leader])
      expect(codes(await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT' } }, token))).toEqual(['FORBIDDEN']);
    const noCampaign = await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS' } }, jtj.admin);
    expect(noCampaign.errors?.[0].extensions).toMatchObject({ reason: 'FEDERATION_CAMPAIGN_REQUIRED', field: 'input.campaignId' });
    const foreign = await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: szjgCampaign } }, jtj.admin);
    expect(foreign.errors?.[0].extensions?.reason).toBe('FEDERATION_CAMPAIGN_NOT_FOUND');
    for (const depth of [-1, 6, 1000]) {
      const deep = await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth } }, jtj.admin);
      expect(deep.errors?.[0].extensions?.reason).toBe('FEDERATION_DEPTH_OUT_OF_RANGE');
    }
    const depthOnAssessment = await server.gql(GRANT, { input: { linkId: link, kind: 'ASSESSMENT', depth: 1 } }, jtj.admin);
    expect(depthOnAssessment.errors?.[0].extensions?.reason).toBe('FEDERATION_PROGRESS_ONLY');
    const unknown = await server.gql(REVOKE, { input: { linkId: link, kind: 'ASSESSMENT' } }, jtj.admin);
    expect(unknown.errors?.[0].extensions?.reason).toBe('FEDERATION_GRANT_NOT_FOUND');
    expect(await count(su, 'tenant_link_grants')).toBe(0);
  });

  it('lets nothing cross over an active link without a grant', async () => {
    const res = await overview(szjg.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data.federationOverview.bureaus).toEqual([]);
    expect(res.data.federationOverview.yearEnd).toMatchObject({ eligible: 0, attained: 0, assessed: 0, inspections: 0 });
  });

  it('reports jtj’s progress, assessment and supervision totals to szjg exactly as jtj counts them, names to depth 1 only', async () => {
    for (const input of [
      { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 1 },
      { linkId: link, kind: 'ASSESSMENT' },
      { linkId: link, kind: 'SUPERVISION' },
    ])
      expect((await server.gql(GRANT, { input }, jtj.admin)).errors).toBeUndefined();
    const sub = (await server.gql(LINKS_WITH_GRANTS, {}, jtj.admin)).data.tenantLinks.nodes.find((l: { id: string }) => l.id === link);
    expect(sub.grants.map((g: { kind: string }) => g.kind)).toEqual(['ASSESSMENT', 'PROGRESS', 'SUPERVISION']);
    const sup = (await server.gql(LINKS_WITH_GRANTS, {}, szjg.admin)).data.tenantLinks.nodes.find((l: { id: string }) => l.id === link);
    expect(sup.grants).toEqual([
      { kind: 'ASSESSMENT', kindLabel: '年度党建目标考核汇总', depth: null, campaignName: null },
      { kind: 'PROGRESS', kindLabel: '创建进度（按类别和按组织汇总）', depth: 1, campaignName: '“四强四有”基层服务型党组织创建活动' },
      { kind: 'SUPERVISION', kindLabel: '督查、问题和逾期整改数', depth: null, campaignName: null },
    ]);

    const res = await overview(szjg.admin);
    expect(res.errors).toBeUndefined();
    const view = res.data.federationOverview;
    expect(view).toMatchObject({ asOf: '2013-12-20', year, targetRatio: 0.8, targetDueOn: '2013-12-31' });
    expect(view.bureaus).toHaveLength(1);
    const [bureau] = view.bureaus;
    expect(bureau).toMatchObject({ linkId: link, tenant: { slug: 'jtj', name: '市交通运输局' } });
    expect(bureau.grantedKinds).toEqual(['ASSESSMENT', 'PROGRESS', 'SUPERVISION']);

    // the subordinate's own figures, through its own API
    const own = (
      await server.gql(
        `query($id: ID!) { campaign(id: $id) { progress { eligible evaluated attained ratio
            byCategory { category eligible evaluated attained ratio } byChild { org { name } eligible evaluated attained ratio } } } }`,
        { id: jtjCampaign },
        jtj.admin,
      )
    ).data.campaign.progress;
    const p = bureau.progress;
    expect(p).toMatchObject({ eligible: own.eligible, evaluated: own.evaluated, attained: own.attained, ratio: own.ratio, depth: 1 });
    expect(p.eligible).toBeGreaterThan(10);
    expect(p.onTrack).toBe(own.ratio >= 0.8);
    const byCategory = (list: { category: string }[]) => [...list].sort((a, b) => a.category.localeCompare(b.category));
    expect(byCategory(p.byCategory.map(({ categoryLabel: _, ...c }: { categoryLabel: string; category: string }) => c))).toEqual(
      byCategory(own.byCategory),
    );
    expect(p.byOrg.map((o: { name: string; path: string[]; depth: number }) => [o.depth, o.path.length, o.name])).toEqual(
      own.byChild.map((c: { org: { name: string } }) => [1, 1, c.org.name]),
    );
    expect(
      p.byOrg.map(({ eligible, evaluated, attained, ratio }: Record<string, number>) => ({ eligible, evaluated, attained, ratio })),
    ).toEqual(
      own.byChild.map(({ eligible, evaluated, attained, ratio }: Record<string, number>) => ({ eligible, evaluated, attained, ratio })),
    );
    expect(view.lagging.map((l: { tenant: { slug: string } }) => l.tenant.slug)).toEqual(p.onTrack ? [] : ['jtj']);

    // assessment: jtj's own ranking of every org below its root
    const [{ id: root }] = (await su.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL`, [jtjId])).rows;
    const ranking = await server.gql(
      `query($under: ID!, $year: Int!) { assessmentRanking(under: $under, year: $year, first: 100) { totalCount nodes { total } } }`,
      { under: Buffer.from(`Org:${root}`).toString('base64url'), year },
      jtj.admin,
    );
    const totals: number[] = ranking.data.assessmentRanking.nodes.map((n: { total: number }) => n.total);
    expect(totals.length).toBe(ranking.data.assessmentRanking.totalCount);
    expect(bureau.assessment).toEqual({
      year,
      ruleSet: true,
      assessed: totals.length,
      average: Math.round((totals.reduce((a, b) => a + b, 0) / totals.length) * 100) / 100,
      highest: Math.max(...totals),
      lowest: Math.min(...totals),
    });
    // supervision: counted again under the API
    const inspections = await count(
      su,
      'inspections i',
      `tenant_id = $1 AND state = 'FINALIZED' AND extract(year FROM inspected_on) = $2
       AND NOT EXISTS (SELECT 1 FROM inspections a WHERE a.tenant_id = i.tenant_id AND a.amends_id = i.id AND a.state = 'FINALIZED')`,
      [jtjId, year],
    );
    expect(bureau.supervision.inspections).toBe(inspections);
    expect(inspections).toBeGreaterThan(0);
    const overdue = (await server.gql(`{ rectifications(overdue: true, first: 100) { totalCount } }`, {}, jtj.admin)).data.rectifications
      .totalCount;
    expect(bureau.supervision.overdueRectifications).toBe(overdue);
    expect(view.yearEnd).toMatchObject({
      year,
      eligible: p.eligible,
      attained: p.attained,
      ratio: p.ratio,
      // the target in force at the end of the assessment year (2026: past both, so the last, 90%)
      targetRatio: 0.9,
      assessed: totals.length,
      inspections,
      overdueRectifications: overdue,
    });

    // only aggregates: no id of jtj, no person, no name below depth 1, no score of an org
    const text = JSON.stringify(res);
    const deep = (await su.query(`SELECT DISTINCT name FROM orgs WHERE tenant_id = $1 AND nlevel(path) > 2`, [jtjId])).rows.map(
      (r) => r.name,
    );
    const shallow = own.byChild.map((c: { org: { name: string } }) => c.org.name);
    expect(deep.filter((n: string) => !shallow.includes(n) && text.includes(n))).toEqual([]);
    const people = (await su.query(`SELECT display_name FROM users WHERE tenant_id = $1`, [jtjId])).rows.map((r) => r.display_name);
    expect(people.filter((n: string) => text.includes(n))).toEqual([]);
    const ids = (await su.query(`SELECT id::text FROM orgs WHERE tenant_id = $1 UNION ALL SELECT $1::text`, [jtjId])).rows.map((r) => r.id);
    expect(ids.filter((id: string) => text.includes(id) || text.includes(id.replace(/-/g, '')))).toEqual([]);
    expect(text).not.toContain('total"');
  });

  it('counts the bureau’s overdue rectifications by the bureau’s own day, in its own time zone', async () => {
    // the bureau twelve hours behind UTC, its open rectifications due on its today: none overdue by its own count
    const open = (
      await su.query<{ id: string; due_on: string }>(
        `SELECT id, due_on::text FROM rectifications WHERE tenant_id = $1 AND state NOT IN ('VERIFIED', 'WITHDRAWN')`,
        [jtjId],
      )
    ).rows;
    expect(open.length).toBeGreaterThan(0);
    const [{ settings }] = (await su.query(`SELECT settings FROM tenants WHERE id = $1`, [jtjId])).rows;
    await su.query(`UPDATE tenants SET settings = settings || '{"timezone": "Etc/GMT+12"}' WHERE id = $1`, [jtjId]);
    try {
      await su.query(`UPDATE rectifications SET due_on = (now() AT TIME ZONE 'Etc/GMT+12')::date WHERE id = ANY($1::uuid[])`, [
        open.map((r) => r.id),
      ]);
      const own = (await server.gql(`{ rectifications(overdue: true, first: 100) { totalCount } }`, {}, jtj.admin)).data.rectifications;
      expect(own.totalCount).toBe(0);
      const res = await overview(szjg.admin);
      expect(res.errors).toBeUndefined();
      expect(res.data.federationOverview.bureaus[0].supervision.overdueRectifications).toBe(own.totalCount);
    } finally {
      await su.query(`UPDATE tenants SET settings = $2 WHERE id = $1`, [jtjId, settings]);
      for (const r of open) await su.query(`UPDATE rectifications SET due_on = $2 WHERE id = $1`, [r.id, r.due_on]);
    }
  });

  it('drafts the superior’s 通报 naming the bureaus below its target, refused to every other role', async () => {
    const DRAFT = `mutation($input: DraftFederationNoticeInput!) { draftFederationNotice(input: $input) {
      kind state title body namedBureaus { slug name } subjects { name } } }`;
    // halfway through 2014 the 90% target is in force, which jtj's demo figures do not reach
    const view = (await overview(szjg.admin, { asOf: '2014-06-30' })).data.federationOverview;
    expect(view.targetRatio).toBe(0.9);
    expect(view.lagging.map((l: { tenant: { slug: string } }) => l.tenant.slug)).toEqual(['jtj']);
    const ratio = `${Math.round(view.lagging[0].progress.ratio * 1000) / 10}%`;
    for (const token of [szjg.subtreeAdmin, szjg.leader, szjg.supervisor, szjg.secretary, szjg.member, jtj.leader, jtj.member])
      expect(codes(await server.gql(DRAFT, { input: { asOf: '2014-06-30' } }, token))).toEqual(['FORBIDDEN']);
    // jtj's own root admin has no bureau reporting to it: nothing to name (and nothing of szjg)
    expect((await server.gql(DRAFT, { input: { asOf: '2014-06-30' } }, jtj.admin)).errors?.[0].extensions?.reason).toBe(
      'FEDERATION_NOTHING_LAGGING',
    );
    const drafted = await server.gql(DRAFT, { input: { asOf: '2014-06-30' } }, szjg.admin);
    expect(drafted.errors).toBeUndefined();
    const notice = drafted.data.draftFederationNotice;
    expect(notice).toMatchObject({
      kind: 'CRITICISM',
      state: 'DRAFT',
      namedBureaus: [{ slug: 'jtj', name: '市交通运输局' }],
      subjects: [],
    });
    expect(notice.body).toContain(`予以通报：市交通运输局（${ratio}）`);
    expect(notice.body).toContain('目标为90%（2014-12-31前）');
    // jtj sees nothing of szjg's draft
    expect(
      (await server.gql(`{ notices(first: 50) { nodes { title } } }`, {}, jtj.admin)).data.notices.nodes.map(
        (n: { title: string }) => n.title,
      ),
    ).not.toContain(notice.title);
    // on the day the 80% target is in force and met, or with nothing granted, there is nothing to name
    const onTrack = view.lagging[0].progress.ratio >= 0.8;
    const early = await server.gql(DRAFT, { input: { asOf: '2013-12-20' } }, szjg.admin);
    if (onTrack) expect(early.errors?.[0].extensions?.reason).toBe('FEDERATION_NOTHING_LAGGING');
    else expect(early.data.draftFederationNotice.namedBureaus).toEqual([{ slug: 'jtj', name: '市交通运输局' }]);
  });

  it('names deeper orgs only when the grant says so, and none at depth 0', async () => {
    await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 2 } }, jtj.admin);
    const two = (await overview(szjg.admin)).data.federationOverview.bureaus[0].progress;
    expect(two.depth).toBe(2);
    expect(two.byOrg.some((o: { depth: number; path: string[] }) => o.depth === 2 && o.path.length === 2)).toBe(true);
    // each level adds up to the total's eligible orgs below the scope
    const level1 = two.byOrg.filter((o: { depth: number }) => o.depth === 1);
    expect(level1.reduce((n: number, o: { eligible: number }) => n + o.eligible, 0)).toBe(two.eligible);
    await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 0 } }, jtj.admin);
    const zero = (await overview(szjg.admin)).data.federationOverview.bureaus[0].progress;
    expect(zero.byOrg).toEqual([]);
    expect(zero.byCategory.length).toBeGreaterThan(0);
    await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 1 } }, jtj.admin);
  });

  it('gives every other role of szjg nothing, and jtj itself no view of szjg', async () => {
    for (const role of ['subtreeAdmin', 'leader', 'supervisor', 'secretary', 'secretary2', 'inspector', 'member']) {
      const res = await overview(szjg[role]);
      expect({ role, codes: codes(res), data: res.data?.federationOverview ?? null }).toEqual({ role, codes: ['FORBIDDEN'], data: null });
    }
    const reverse = await server.gql(OVERVIEW, {}, jtj.admin);
    expect(reverse.data.federationOverview.bureaus).toEqual([]);
  });

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  };

  it('exports the consolidated view as .xlsx with the API’s figures', async () => {
    const path = `/exports/federation/overview?campaignId=${szjgCampaign}&year=${year}&asOf=2013-12-20`;
    const file = await get(path, szjg.admin);
    expect(file.status).toBe(200);
    expect(file.type).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['各单位汇总', '落后单位', '分类进度', '组织进度', '标准各维度', '年终数字']);
    const view = (await overview(szjg.admin)).data.federationOverview;
    const b = view.bureaus[0];
    const row = (wb.getWorksheet('各单位汇总')!.getRow(2).values as unknown[]).slice(1);
    expect(row).toEqual([
      1,
      '市交通运输局',
      'jtj',
      b.progress.campaignName,
      b.progress.eligible,
      b.progress.evaluated,
      b.progress.attained,
      b.progress.ratio,
      0.8,
      b.progress.onTrack ? '是' : '否',
      '下级单位自己的标准',
      undefined, // no mean on a framework szjg did not hand down
      b.assessment.assessed,
      b.assessment.average,
      b.supervision.inspections,
      b.supervision.findings,
      b.supervision.overdueRectifications,
    ]);
    const orgs = wb.getWorksheet('组织进度')!;
    expect(orgs.rowCount - 1).toBe(b.progress.byOrg.length);
    expect((orgs.getRow(2).values as unknown[])[3]).toBe(b.progress.byOrg[0].name);
    // refused as the API refuses: another role, no token, a bad year
    expect((await get(path, szjg.member)).status).toBe(403);
    expect((await get(path, szjg.subtreeAdmin)).status).toBe(403);
    expect((await get(path)).status).toBe(401);
    expect((await get(`/exports/federation/overview?year=13`, szjg.admin)).status).toBe(400);
    expect((await get(`/exports/federation/overview?year=13`, szjg.member)).status).toBe(403);
  });

  it('reports a campaign run on the adopted 五强五化 against szjg’s items and rule, jtj’s own bonus item left out', async () => {
    // the demo's jtj version of szjg's 五强五化: adopted as a base, with its own bonus item J1 (max 5) under W2
    const frameworks = (await server.gql(`{ frameworks(first: 5) { nodes { code publishedVersion { id } } } }`, {}, jtj.admin)).data
      .frameworks.nodes;
    const versionId = frameworks.find((f: { code: string }) => f.code === 'WQWH').publishedVersion.id;
    const ids = await orgIds(server, 'jtj');
    const created = await server.gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      {
        input: {
          name: '“五强五化”创建活动',
          versionId,
          scopeOrgId: ids['中共市交通运输局党委'],
          startsOn: '2013-05-05',
          endsOn: '2030-12-31',
          eligibleKinds: ['GENERAL_BRANCH', 'BRANCH'],
        },
      },
      jtj.admin,
    );
    expect(created.errors).toBeUndefined();
    const campaignId = created.data.createCampaign.id;
    const [supervisor, leader] = [await server.token('jtj', 'supervisor'), jtj.leader];
    const criteria = await criteriaOf(server, supervisor, versionId);
    // 第一车队: W2 nothing (0 of 20), W3.1 and W4.1 nothing (15 and 16 of 20), W5.2 nothing (15 of 20), W1 full:
    // 66 on szjg's items; J1 full adds 5 (the cap) on jtj's own: 71, past the threshold of 70 only there
    const low = await evaluate(
      server,
      supervisor,
      { campaignId, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' },
      scoresFor(criteria, { 'W2.1': 0, 'W2.2': 0, 'W2.3': 0, 'W2.4': 0, 'W3.1': 0, 'W4.1': 0, 'W5.2': 0, J1: 5 }),
    );
    expect(low.result).toMatchObject({ total: 71, bonus: 5, attained: true, grade: 'THREE_STAR' });
    await accept(server, leader, low.id);
    const full = await evaluate(
      server,
      supervisor,
      { campaignId, orgId: ids['党员学雷锋车队党支部'], kind: 'SUPERIOR' },
      scoresFor(criteria),
    );
    await accept(server, leader, full.id);

    // jtj reads both results, each with what szjg reads
    const ranking = (
      await server.gql(
        `query($id: ID!) { campaign(id: $id) { ranking(first: 10) { nodes { org { name } result { total grade attained
            superior { frameworkName total grade gradeLabel attained veto complete dimensions { code title points maxPoints } } } } } } }`,
        { id: campaignId },
        jtj.admin,
      )
    ).data.campaign.ranking.nodes;
    const dims = (points: number[]) =>
      ['W1', 'W2', 'W3', 'W4', 'W5'].map((code, i) => ({ code, title: expect.any(String), points: points[i], maxPoints: 20 }));
    expect(ranking).toEqual([
      {
        org: { name: '党员学雷锋车队党支部' },
        result: {
          total: 100,
          grade: 'FIVE_STAR',
          attained: true,
          superior: {
            frameworkName: expect.stringContaining('五强五化'),
            total: 100,
            grade: 'FIVE_STAR',
            gradeLabel: '五星',
            attained: true,
            veto: false,
            complete: true,
            dimensions: dims([20, 20, 20, 20, 20]),
          },
        },
      },
      {
        org: { name: '第一车队党支部' },
        result: {
          total: 71,
          grade: 'THREE_STAR',
          attained: true,
          superior: {
            frameworkName: expect.stringContaining('五强五化'),
            total: 66,
            grade: 'TWO_STAR',
            gradeLabel: '二星',
            attained: false,
            veto: false,
            complete: true,
            dimensions: dims([20, 0, 15, 16, 15]),
          },
        },
      },
    ]);
    // jtj's own 四强四有 campaign is its own framework: nothing to report against
    const sqsy = await server.gql(
      `query($id: ID!) { campaign(id: $id) { ranking(first: 1) { nodes { result { superior { total } } } } } }`,
      { id: jtjCampaign },
      jtj.admin,
    );
    expect(sqsy.data.campaign.ranking.nodes.map((n: { result: { superior: unknown } }) => n.result.superior)).toEqual(
      sqsy.data.campaign.ranking.nodes.map(() => null),
    );

    // szjg, granted this campaign, counts against its own framework: one attained where jtj counts two
    expect(
      (await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId, depth: 1 } }, jtj.admin)).errors,
    ).toBeUndefined();
    const own = (
      await server.gql(`query($id: ID!) { campaign(id: $id) { progress { eligible evaluated attained } } }`, { id: campaignId }, jtj.admin)
    ).data.campaign.progress;
    expect(own).toMatchObject({ evaluated: 2, attained: 2 });
    const ITEMS = `query($c: ID, $a: Date) { federationOverview(campaignId: $c, asOf: $a) { bureaus { progress {
        campaignName eligible evaluated attained againstOurFramework averageTotal
        byOrg { name attained } items { code title evaluated average maxPoints } } } } }`;
    const view = await server.gql(ITEMS, { c: szjgCampaign, a: '2013-12-20' }, szjg.admin);
    expect(view.errors).toBeUndefined();
    const p = view.data.federationOverview.bureaus[0].progress;
    expect(p).toMatchObject({
      campaignName: '“五强五化”创建活动',
      eligible: own.eligible,
      evaluated: 2,
      attained: 1,
      againstOurFramework: true,
      averageTotal: 83,
    });
    expect(p.byOrg.find((o: { name: string }) => o.name === '市公交集团党委')).toMatchObject({ attained: 1 });
    expect(p.items).toEqual(
      [20, 10, 17.5, 18, 17.5].map((average, i) => ({
        code: `W${i + 1}`,
        title: expect.any(String),
        evaluated: 2,
        average,
        maxPoints: 20,
      })),
    );
    // the .xlsx says which framework the figures are counted on
    const file = await get(`/exports/federation/overview?campaignId=${szjgCampaign}&asOf=2013-12-20`, szjg.admin);
    expect(file.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('各单位汇总')!;
    const headers = sheet.getRow(1).values as unknown[];
    expect((sheet.getRow(2).values as unknown[])[headers.indexOf('计算依据')]).toBe('本单位下发的标准');
    expect((sheet.getRow(2).values as unknown[])[headers.indexOf('按本单位标准的平均分')]).toBe(83);
    expect(wb.getWorksheet('标准各维度')!.rowCount - 1).toBe(5);

    // jtj's 四强四有 again: szjg reads jtj's own figures, and says so
    expect(
      (await server.gql(GRANT, { input: { linkId: link, kind: 'PROGRESS', campaignId: jtjCampaign, depth: 1 } }, jtj.admin)).errors,
    ).toBeUndefined();
    const back = (await server.gql(ITEMS, { c: szjgCampaign, a: '2013-12-20' }, szjg.admin)).data.federationOverview.bureaus[0].progress;
    expect(back).toMatchObject({ againstOurFramework: false, averageTotal: null, items: [] });
  });

  it('stops reading at the next request after a revoke, and everything when the link ends', async () => {
    await server.gql(REVOKE, { input: { linkId: link, kind: 'PROGRESS' } }, jtj.admin);
    const after = (await overview(szjg.admin)).data.federationOverview;
    expect(after.bureaus[0]).toMatchObject({ grantedKinds: ['ASSESSMENT', 'SUPERVISION'], progress: null });
    expect(after.yearEnd.eligible).toBe(0);
    await server.gql(REVOKE, { input: { linkId: link, kind: 'ASSESSMENT' } }, jtj.admin);
    expect((await overview(szjg.admin)).data.federationOverview.bureaus[0].assessment).toBeNull();
    // ending the link (here by the superior) drops the remaining grant with it
    await server.gql(`mutation($id: ID!) { endTenantLink(input: { linkId: $id }) { state } }`, { id: link }, szjg.admin);
    expect((await overview(szjg.admin)).data.federationOverview.bureaus).toEqual([]);
    expect(await count(su, 'tenant_link_grants', 'link_id = $1', [Buffer.from(link, 'base64url').toString().split(':')[1]])).toBe(0);
    const sub = (await server.gql(LINKS_WITH_GRANTS, {}, jtj.admin)).data.tenantLinks.nodes.find((l: { id: string }) => l.id === link);
    expect(sub).toMatchObject({ state: 'ENDED', grants: [] });
  });
});
