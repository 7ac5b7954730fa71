import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counts behind BRIEFINGS_PUBLISHED_PER_ORG_PER_YEAR and NOTICES_ISSUED_PER_YEAR, index ranges: an org's briefings
 * published since a day, a tenant's notices issued since a day. A notice's issue day is given by the issuer (any day), so
 * when it was issued is kept beside it (`issued_at`; an older notice's from its issue day, at the start of it in the
 * default zone).
 */
export class PublishedBriefingsAndIssuedNoticesCaps1734410000010 implements MigrationInterface {
  name = 'PublishedBriefingsAndIssuedNoticesCaps1734410000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX briefings_org_published ON briefings (tenant_id, org_id, published_at) WHERE state = 'PUBLISHED'`);
    await q.query(`ALTER TABLE notices ADD COLUMN issued_at timestamptz`);
    await q.query(`UPDATE notices SET issued_at = issued_on::timestamp AT TIME ZONE 'Asia/Shanghai' WHERE state = 'ISSUED'`);
    await q.query(`CREATE INDEX notices_issued_at ON notices (tenant_id, issued_at) WHERE state = 'ISSUED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notices_issued_at`);
    await q.query(`ALTER TABLE notices DROP COLUMN IF EXISTS issued_at`);
    await q.query(`DROP INDEX IF EXISTS briefings_org_published`);
  }
}
