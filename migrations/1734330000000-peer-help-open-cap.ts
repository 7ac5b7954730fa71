import { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind OPEN_PEER_HELP_REQUESTS_PER_ORG, an index range: an org's open help requests (互助请求). */
export class PeerHelpOpenCap1734330000000 implements MigrationInterface {
  name = 'PeerHelpOpenCap1734330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX peer_help_requests_from_open ON peer_help_requests (tenant_id, from_org_id) WHERE state = 'OPEN'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS peer_help_requests_from_open`);
  }
}
