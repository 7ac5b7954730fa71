import { MigrationInterface, QueryRunner } from 'typeorm';

/** The `notifications-prune` sweep's range: a tenant's notifications by when they were read (read ones only). */
export class NotificationsReadIndex1734430000010 implements MigrationInterface {
  name = 'NotificationsReadIndex1734430000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX notifications_read_at ON notifications (tenant_id, read_at) WHERE read_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notifications_read_at`);
  }
}
