import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 上下级单位 (issue 18): links between tenants. A link is two mirror rows, one in each party's tenant
 * (`tenant_id` the party, `peer_tenant_id` the other, `side` the party's side), so the one tenant policy
 * (`tenant_id = app_tenant_id()`) shows each party exactly the links it is party to and nothing of the
 * other. The app role may read its own rows but not write them: a link changes only through the three
 * owner-defined functions below, which check that the calling tenant is the party allowed to make the
 * change and write both rows in one statement each. The platform operator reads the links (never data).
 */
export class FederationLinks1734180000000 implements MigrationInterface {
  name = 'FederationLinks1734180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_links (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL,
        peer_tenant_id uuid NOT NULL REFERENCES tenants(id),
        side text NOT NULL CHECK (side IN ('SUPERIOR', 'SUBORDINATE')),
        state text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'ACTIVE', 'DECLINED', 'ENDED')),
        invited_at timestamptz NOT NULL DEFAULT now(),
        responded_at timestamptz,
        ended_at timestamptz,
        ended_by_side text CHECK (ended_by_side IN ('SUPERIOR', 'SUBORDINATE')),
        PRIMARY KEY (tenant_id, id),
        CHECK (tenant_id <> peer_tenant_id),
        CHECK ((state = 'ENDED') = (ended_at IS NOT NULL) AND (ended_at IS NULL) = (ended_by_side IS NULL)),
        CHECK ((state = 'PENDING') = (responded_at IS NULL) OR state = 'ENDED')
      )`);
    // one live link (invited or active) between two tenants, whichever way it points
    await q.query(
      `CREATE UNIQUE INDEX tenant_links_live_pair ON tenant_links (tenant_id, peer_tenant_id) WHERE state IN ('PENDING', 'ACTIVE')`,
    );
    await q.query(`CREATE INDEX tenant_links_order ON tenant_links (tenant_id, invited_at, id)`);
    await q.query(`CREATE INDEX tenant_links_platform ON tenant_links (invited_at, id) WHERE side = 'SUPERIOR'`);
    await isolateTenantTables(q, ['tenant_links']);
    // The operator sees links (each once, from the superior's row), not data.
    await q.query(`CREATE POLICY platform_links ON tenant_links FOR SELECT USING (app_is_platform())`);
    // The definer functions (owned by this role) write both mirror rows.
    await q.query(`DO $$ BEGIN
      EXECUTE format('CREATE POLICY federation_definer ON tenant_links TO %I USING (true) WITH CHECK (true)', current_user);
    END $$`);

    // A superior invites a tenant by slug: both rows, PENDING, in tenant order (two crossing invitations
    // meet on the unique index, never in a deadlock). NULL: no such tenant.
    await q.query(`
      CREATE FUNCTION app_federation_invite(p_slug text) RETURNS uuid
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        me uuid := app_tenant_id();
        peer uuid;
        link uuid := gen_random_uuid();
      BEGIN
        IF me IS NULL THEN RETURN NULL; END IF;
        SELECT id INTO peer FROM tenants WHERE slug = p_slug;
        IF peer IS NULL OR peer = me THEN RETURN NULL; END IF;
        INSERT INTO tenant_links (tenant_id, id, peer_tenant_id, side)
        SELECT x.t, link, x.p, x.s FROM (VALUES (me, peer, 'SUPERIOR'), (peer, me, 'SUBORDINATE')) x(t, p, s) ORDER BY x.t;
        RETURN link;
      END $$`);
    // The invited tenant answers a PENDING invitation: ACTIVE or DECLINED, both rows. NULL: not its to answer.
    await q.query(`
      CREATE FUNCTION app_federation_respond(p_link uuid, p_accept boolean) RETURNS text
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        me uuid := app_tenant_id();
        peer uuid;
        v_state text := CASE WHEN p_accept THEN 'ACTIVE' ELSE 'DECLINED' END;
        changed integer;
      BEGIN
        SELECT l.peer_tenant_id INTO peer FROM tenant_links l
         WHERE l.tenant_id = me AND l.id = p_link AND l.side = 'SUBORDINATE' AND l.state = 'PENDING';
        IF peer IS NULL THEN RETURN NULL; END IF;
        PERFORM 1 FROM tenant_links l WHERE l.id = p_link AND l.tenant_id IN (me, peer) ORDER BY l.tenant_id FOR UPDATE;
        UPDATE tenant_links l SET state = v_state, responded_at = now()
         WHERE l.id = p_link AND ((l.tenant_id = me AND l.peer_tenant_id = peer) OR (l.tenant_id = peer AND l.peer_tenant_id = me))
           AND l.state = 'PENDING';
        GET DIAGNOSTICS changed = ROW_COUNT;
        -- a concurrent answer or end got there first (the rows were locked, then re-read)
        IF changed = 0 THEN RETURN NULL; END IF;
        IF changed <> 2 THEN
          RAISE EXCEPTION 'link % has one row', p_link USING ERRCODE = 'AP010', CONSTRAINT = 'tenant_link_mirror';
        END IF;
        RETURN v_state;
      END $$`);
    // Either party ends a PENDING or ACTIVE link: both rows ENDED, and every grant made over it goes.
    await q.query(`
      CREATE FUNCTION app_federation_end(p_link uuid) RETURNS text
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        me uuid := app_tenant_id();
        mine tenant_links%ROWTYPE;
        changed integer;
      BEGIN
        SELECT * INTO mine FROM tenant_links l WHERE l.tenant_id = me AND l.id = p_link AND l.state IN ('PENDING', 'ACTIVE');
        IF NOT FOUND THEN RETURN NULL; END IF;
        PERFORM 1 FROM tenant_links l WHERE l.id = p_link AND l.tenant_id IN (me, mine.peer_tenant_id) ORDER BY l.tenant_id FOR UPDATE;
        UPDATE tenant_links l SET state = 'ENDED', ended_at = now(), ended_by_side = mine.side
         WHERE l.id = p_link AND ((l.tenant_id = me AND l.peer_tenant_id = mine.peer_tenant_id) OR (l.tenant_id = mine.peer_tenant_id AND l.peer_tenant_id = me))
           AND l.state IN ('PENDING', 'ACTIVE');
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed = 0 THEN RETURN NULL; END IF;
        IF changed <> 2 THEN
          RAISE EXCEPTION 'link % has one row', p_link USING ERRCODE = 'AP010', CONSTRAINT = 'tenant_link_mirror';
        END IF;
        RETURN 'ENDED';
      END $$`);
    // The names of the tenants the caller is linked with (tenants is readable only row by row otherwise).
    await q.query(`
      CREATE FUNCTION app_federation_peers() RETURNS TABLE (tenant_id uuid, slug text, name text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT t.id, t.slug, t.name FROM tenants t
         WHERE t.id IN (SELECT l.peer_tenant_id FROM tenant_links l WHERE l.tenant_id = app_tenant_id())
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_federation_peers()`);
    await q.query(`DROP FUNCTION IF EXISTS app_federation_end(uuid)`);
    await q.query(`DROP FUNCTION IF EXISTS app_federation_respond(uuid, boolean)`);
    await q.query(`DROP FUNCTION IF EXISTS app_federation_invite(text)`);
    await q.query(`DROP TABLE IF EXISTS tenant_links`);
  }
}
