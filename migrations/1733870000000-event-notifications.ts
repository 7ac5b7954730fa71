import { MigrationInterface, QueryRunner } from 'typeorm';

/** Notifications for the events that give someone a task, beside the sweeps' reminders. */
export class EventNotifications1733870000000 implements MigrationInterface {
  name = 'EventNotifications1733870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
      'DEADLINE_REMINDER', 'RECTIFICATION_OVERDUE', 'SERVICE_REQUEST_OVERDUE', 'NOTICE_UNREAD',
      'EVALUATION_AWAITING_REVIEW', 'EVALUATION_RETURNED', 'RECTIFICATION_ORDERED', 'OPINION_TRANSFERRED',
      'OBJECTION_RAISED', 'SUBMISSION_RETURNED', 'SERVICE_REQUEST_RAISED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM notifications WHERE kind NOT IN ('DEADLINE_REMINDER', 'RECTIFICATION_OVERDUE', 'SERVICE_REQUEST_OVERDUE', 'NOTICE_UNREAD')`,
    );
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('DEADLINE_REMINDER', 'RECTIFICATION_OVERDUE', 'SERVICE_REQUEST_OVERDUE', 'NOTICE_UNREAD'))`,
    );
  }
}
