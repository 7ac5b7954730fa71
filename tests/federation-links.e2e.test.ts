import { Client } from 'pg';
import { withTransaction } from '../src/db/request-transaction';
import { TestServer, codes, firstSignIn, startTestServer, tokens } from './helpers/server';
import { count, tenantId } from './helpers/sql';

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
          adminPassword: 'a-strong-password',
        },
      },
      operator,
    );
    expect(created.errors).toBeUndefined();
    // a new tenant's first admin chooses its own password at the first sign-in
    zzb = (await firstSignIn(server.url, 'zzb', 'admin', 'a-strong-password')).accessToken;
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
});
