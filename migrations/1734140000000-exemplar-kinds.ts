import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Titles a tenant chooses (issue 14): the kinds of 选树典型 become tenant data. Each tenant gets the three
 * kinds that were built in (党员示范岗, 党员示范窗口, 重点培育直属党组织), with the codes its exemplars and
 * limits already hold, so no row changes; the fixed CHECK lists on those codes give way to foreign keys
 * onto the tenant's own kinds. The built-in rules become the kinds' data: what the nominee is (a person,
 * a post, a window or an org), the bounds of the per-category limit (the source's 1–3), whether naming
 * needs a 公示, and for 重点培育 that only 直属党组织 may be chosen. Frozen here: src/modules/exemplar
 * inserts the same three for every tenant created later.
 */
export class ExemplarKinds1734140000000 implements MigrationInterface {
  name = 'ExemplarKinds1734140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE exemplar_kinds (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        code text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
        subject text NOT NULL CHECK (subject IN ('PERSON', 'POST', 'WINDOW', 'ORG')),
        direct_orgs_only boolean NOT NULL DEFAULT false,
        limit_min integer NOT NULL,
        limit_max integer NOT NULL,
        limit_default integer NOT NULL,
        needs_public_notice boolean NOT NULL DEFAULT true,
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
        position integer NOT NULL CHECK (position >= 0),
        built_in boolean NOT NULL DEFAULT false,
        retired_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT exemplar_kinds_code UNIQUE (tenant_id, code),
        CONSTRAINT exemplar_kinds_name UNIQUE (tenant_id, name),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        CHECK (1 <= limit_min AND limit_min <= limit_default AND limit_default <= limit_max AND limit_max <= 100),
        CHECK (NOT direct_orgs_only OR subject = 'ORG')
      )`);
    // every existing tenant keeps its three kinds, under the codes its rows already carry
    await q.query(`
      INSERT INTO exemplar_kinds (tenant_id, code, name, subject, direct_orgs_only, limit_min, limit_max, limit_default, needs_public_notice, description, position, built_in)
      SELECT t.id, k.code, k.name, k.subject, k.direct, 1, 3, 3, true, k.description, k.position, true
        FROM tenants t
       CROSS JOIN (VALUES
         ('MODEL_POST', '党员示范岗', 'POST', false, '选树“党员示范岗”典型进行宣传推广', 1),
         ('MODEL_WINDOW', '党员示范窗口', 'WINDOW', false, '选树“党员示范窗口”典型进行宣传推广', 2),
         ('KEY_ORG', '重点培育直属党组织', 'ORG', true, '按照机关、事业、企业的分类，筛选1-3个直属党组织进行重点培育', 3)
       ) AS k(code, name, subject, direct, description, position)`);
    // the fixed lists of the three codes (and "a post or window has a title", now the kind's subject) give way
    await q.query(`
      DO $$ DECLARE c record; BEGIN
        FOR c IN SELECT conname, conrelid::regclass::text AS tbl FROM pg_constraint
                  WHERE conrelid IN ('exemplars'::regclass, 'exemplar_limits'::regclass) AND contype = 'c'
                    AND pg_get_constraintdef(oid) LIKE '%KEY_ORG%'
        LOOP
          EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
        END LOOP;
      END $$`);
    // a title no longer needs a 公示 when its kind says so: only a running notice needs its window
    await q.query(`
      DO $$ DECLARE c record; BEGIN
        FOR c IN SELECT conname FROM pg_constraint
                  WHERE conrelid = 'exemplars'::regclass AND contype = 'c'
                    AND pg_get_constraintdef(oid) LIKE '%notice_starts_on IS NOT NULL%'
        LOOP
          EXECUTE format('ALTER TABLE exemplars DROP CONSTRAINT %I', c.conname);
        END LOOP;
      END $$`);
    await q.query(
      `ALTER TABLE exemplars ADD CONSTRAINT exemplars_notice_window CHECK (state <> 'PUBLIC_NOTICE' OR notice_starts_on IS NOT NULL)`,
    );
    // one live nomination per person too: a kind that names persons tells two members of one org apart by name
    // ('' for every other kind, so the rule for posts, windows and orgs stays as it was)
    await q.query(`ALTER TABLE exemplars ADD COLUMN nominee_key text NOT NULL DEFAULT '' CHECK (length(nominee_key) <= 100)`);
    await q.query(`DROP INDEX exemplars_live`);
    await q.query(`CREATE UNIQUE INDEX exemplars_live ON exemplars (tenant_id, kind, org_id, year, coalesce(title, ''), nominee_key)
                   WHERE state NOT IN ('REJECTED', 'REVOKED')`);
    await q.query(
      `ALTER TABLE exemplars ADD CONSTRAINT exemplars_kind FOREIGN KEY (tenant_id, kind) REFERENCES exemplar_kinds (tenant_id, code)`,
    );
    await q.query(
      `ALTER TABLE exemplar_limits ADD CONSTRAINT exemplar_limits_kind FOREIGN KEY (tenant_id, kind) REFERENCES exemplar_kinds (tenant_id, code)`,
    );
    await isolateTenantTables(q, ['exemplar_kinds']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE exemplar_limits DROP CONSTRAINT IF EXISTS exemplar_limits_kind`);
    await q.query(`ALTER TABLE exemplars DROP CONSTRAINT IF EXISTS exemplars_kind`);
    await q.query(`DROP TABLE IF EXISTS exemplar_kinds`);
    await q.query(`DROP INDEX IF EXISTS exemplars_live`);
    await q.query(`ALTER TABLE exemplars DROP COLUMN IF EXISTS nominee_key`);
    await q.query(`CREATE UNIQUE INDEX exemplars_live ON exemplars (tenant_id, kind, org_id, year, coalesce(title, ''))
                   WHERE state NOT IN ('REJECTED', 'REVOKED')`);
    await q.query(`ALTER TABLE exemplars DROP CONSTRAINT IF EXISTS exemplars_notice_window`);
    await q.query(
      `ALTER TABLE exemplars ADD CHECK (state IN ('NOMINATED', 'UNDER_REVIEW') OR state = 'REJECTED' OR notice_starts_on IS NOT NULL)`,
    );
    await q.query(`ALTER TABLE exemplars ADD CHECK (kind IN ('MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG'))`);
    await q.query(`ALTER TABLE exemplars ADD CHECK (kind = 'KEY_ORG' OR title IS NOT NULL)`);
    await q.query(`ALTER TABLE exemplar_limits ADD CHECK (kind IN ('MODEL_POST', 'MODEL_WINDOW', 'KEY_ORG'))`);
  }
}
