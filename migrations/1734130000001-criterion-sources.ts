import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * 一次录入，多处使用 (issue 13, part 3):
 * - `criteria.source`: a criterion's binding to records the platform holds ({ kind, ledgerCategory? });
 *   data of the framework version: changed only while the version is a DRAFT (a trigger refuses it on a
 *   published or retired version, for every role: AP001).
 * - `evaluation_prefills`: what prefillEvaluation computed for a bound criterion of an evaluation (the
 *   source, the figure, who and when): kept beside the score, so a secretary's correction of the value
 *   leaves the computed figure to compare with.
 * - `evaluation_prefill_records`: the records counted for that figure (type, id, date, a label), the
 *   score's linked evidence.
 */
export class CriterionSources1734130000001 implements MigrationInterface {
  name = 'CriterionSources1734130000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE criteria ADD COLUMN source jsonb CHECK (source IS NULL OR (jsonb_typeof(source) = 'object' AND source ? 'kind'))`,
    );
    await q.query(`
      CREATE FUNCTION refuse_published_source() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.source IS DISTINCT FROM OLD.source
           AND (SELECT status FROM framework_versions WHERE tenant_id = NEW.tenant_id AND id = NEW.version_id) <> 'DRAFT' THEN
          RAISE EXCEPTION 'the source of a criterion of a published version is immutable' USING ERRCODE = 'AP001', CONSTRAINT = 'record_finalized';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(
      `CREATE TRIGGER criteria_source_fixed BEFORE UPDATE OF source ON criteria FOR EACH ROW EXECUTE FUNCTION refuse_published_source()`,
    );

    await q.query(`
      CREATE TABLE evaluation_prefills (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        evaluation_id uuid NOT NULL,
        criterion_id uuid NOT NULL,
        source jsonb NOT NULL,
        figure numeric NOT NULL,
        record_count integer NOT NULL CHECK (record_count >= 0),
        note text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
        period_from date NOT NULL,
        period_to date NOT NULL,
        computed_by uuid NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, evaluation_id, criterion_id),
        FOREIGN KEY (tenant_id, evaluation_id) REFERENCES evaluations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, criterion_id) REFERENCES criteria (tenant_id, id),
        FOREIGN KEY (tenant_id, computed_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE evaluation_prefill_records (
        tenant_id uuid NOT NULL,
        evaluation_id uuid NOT NULL,
        criterion_id uuid NOT NULL,
        record_type text NOT NULL CHECK (record_type ~ '^[A-Z][A-Za-z]{1,63}$'),
        record_id uuid NOT NULL,
        occurred_on date NOT NULL,
        label text NOT NULL CHECK (length(label) <= 200),
        PRIMARY KEY (tenant_id, evaluation_id, criterion_id, record_type, record_id),
        FOREIGN KEY (tenant_id, evaluation_id, criterion_id) REFERENCES evaluation_prefills (tenant_id, evaluation_id, criterion_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX evaluation_prefill_records_order ON evaluation_prefill_records (tenant_id, evaluation_id, criterion_id, occurred_on DESC, record_id DESC)`,
    );
    await isolateTenantTables(q, ['evaluation_prefills', 'evaluation_prefill_records']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS evaluation_prefill_records`);
    await q.query(`DROP TABLE IF EXISTS evaluation_prefills`);
    await q.query(`DROP TRIGGER IF EXISTS criteria_source_fixed ON criteria`);
    await q.query(`DROP FUNCTION IF EXISTS refuse_published_source()`);
    await q.query(`ALTER TABLE criteria DROP COLUMN IF EXISTS source`);
  }
}
