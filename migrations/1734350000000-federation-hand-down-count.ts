import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 框架下发 is bounded per link and day: each hand-down writes a row (a document up to 512 KB) into the
 * subordinate's tenant, which the superior may not read. `app_federation_handed_down_since(link, since)`
 * answers the superior how many it handed down that link since a time (0 for a link it is not the superior
 * of), counted in the subordinate's rows with the same checks as `app_federation_hand_down`.
 */
export class FederationHandDownCount1734350000000 implements MigrationInterface {
  name = 'FederationHandDownCount1734350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_federation_handed_down_since(p_link uuid, p_since timestamptz) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        me uuid := app_tenant_id();
        sub uuid;
        n integer;
      BEGIN
        SELECT b.tenant_id INTO sub
          FROM tenant_links s JOIN tenant_links b ON b.tenant_id = s.peer_tenant_id AND b.id = s.id
         WHERE s.tenant_id = me AND s.id = p_link AND s.side = 'SUPERIOR' AND b.peer_tenant_id = me AND b.side = 'SUBORDINATE';
        IF sub IS NULL THEN RETURN 0; END IF;
        PERFORM set_config('app.tenant_id', sub::text, true);
        SELECT count(*)::int INTO n FROM handed_down_frameworks h
         WHERE h.tenant_id = sub AND h.link_id = p_link AND h.handed_at > p_since;
        PERFORM set_config('app.tenant_id', me::text, true);
        RETURN n;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_federation_handed_down_since(uuid, timestamptz)`);
  }
}
