import { MigrationInterface, QueryRunner } from 'typeorm';
import { forEachTenant } from './tenant-isolation';

/**
 * One PUBLISHED version a framework, in the database: publishing retires the version published before
 * (framework.service.ts, publish, which now locks the framework), and two publishes of two drafts at once
 * had each retired only what it saw and left both published. A framework that already has more than one
 * keeps the one published last; the others are RETIRED, as a publish after them would have left them.
 */
export class OnePublishedVersion1734300000001 implements MigrationInterface {
  name = 'OnePublishedVersion1734300000001';

  async up(q: QueryRunner): Promise<void> {
    await forEachTenant(
      q,
      `UPDATE framework_versions v SET status = 'RETIRED', updated_at = now()
        WHERE v.tenant_id = t AND v.status = 'PUBLISHED'
          AND EXISTS (SELECT 1 FROM framework_versions w
                       WHERE w.tenant_id = v.tenant_id AND w.framework_id = v.framework_id AND w.status = 'PUBLISHED'
                         AND (coalesce(w.published_at, '-infinity'), w.number) > (coalesce(v.published_at, '-infinity'), v.number));`,
    );
    await q.query(
      `CREATE UNIQUE INDEX framework_versions_one_published ON framework_versions (tenant_id, framework_id) WHERE status = 'PUBLISHED'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS framework_versions_one_published`);
  }
}
