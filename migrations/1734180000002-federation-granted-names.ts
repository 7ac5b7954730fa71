import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * app_federation_granted() read the name of each granted campaign with the caller's tenant set, so an
 * owner bound by row-level security (not a superuser) got none. It now reads it as the progress function
 * reads the subordinate's rows: with app.tenant_id set to that subordinate for that one statement, and
 * the caller's tenant back before the next row. The gate is unchanged: the caller's own ACTIVE SUPERIOR
 * rows, the subordinate's ACTIVE SUBORDINATE rows and its grants.
 */
export class FederationGrantedNames1734180000002 implements MigrationInterface {
  name = 'FederationGrantedNames1734180000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION app_federation_granted()`);
    await q.query(`
      CREATE FUNCTION app_federation_granted()
      RETURNS TABLE (link_id uuid, slug text, name text, kinds text[], depth integer, campaign_name text)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        r record;
      BEGIN
        IF me IS NULL THEN RETURN; END IF;
        FOR r IN
          SELECT s.id AS link, b.tenant_id AS sub, t.slug AS tslug, t.name AS tname, array_agg(g.kind ORDER BY g.kind) AS gkinds,
                 max(g.depth) AS gdepth, max(g.campaign_id::text)::uuid AS campaign
            FROM tenant_links s
            JOIN tenant_links b ON b.tenant_id = s.peer_tenant_id AND b.id = s.id
            JOIN tenant_link_grants g ON g.tenant_id = b.tenant_id AND g.link_id = b.id
            JOIN tenants t ON t.id = b.tenant_id
           WHERE s.tenant_id = me AND s.side = 'SUPERIOR' AND s.state = 'ACTIVE'
             AND b.peer_tenant_id = me AND b.side = 'SUBORDINATE' AND b.state = 'ACTIVE'
           GROUP BY s.id, b.tenant_id, t.slug, t.name
           ORDER BY t.slug
        LOOP
          link_id := r.link;
          slug := r.tslug;
          name := r.tname;
          kinds := r.gkinds;
          depth := r.gdepth;
          campaign_name := NULL;
          IF r.campaign IS NOT NULL THEN
            PERFORM set_config('app.tenant_id', r.sub::text, true);
            SELECT c.name INTO campaign_name FROM campaigns c WHERE c.tenant_id = r.sub AND c.id = r.campaign;
            PERFORM set_config('app.tenant_id', me::text, true);
          END IF;
          RETURN NEXT;
        END LOOP;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_federation_granted()`);
  }
}
