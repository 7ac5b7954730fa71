import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for viewer.tasks (src/modules/task): each kind of task is one ordered, limited scan of the
 * pending rows of its table (a partial index on the pending states, in the kind's order), so the first
 * page of a tenant admin over 50,000 orgs reads a page's worth of rows per kind, not the tenant. The
 * orgs that owe a deadline at a given depth (直属党组织 = scope depth + 1) are read in path order by
 * (tenant_id, depth, path_key): leakproof equality and range, usable under row-level security.
 */
export class TaskIndexes1733960000000 implements MigrationInterface {
  name = 'TaskIndexes1733960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX orgs_depth_path_key ON orgs (tenant_id, depth, path_key)`);
    await q.query(
      `CREATE INDEX evaluations_pending ON evaluations (tenant_id, state, id) WHERE state IN ('DRAFT', 'SUBMITTED', 'RETURNED')`,
    );
    await q.query(`CREATE INDEX rectifications_to_report ON rectifications (tenant_id, due_on, id) WHERE state IN ('OPEN', 'REOPENED')`);
    await q.query(`CREATE INDEX rectifications_to_verify ON rectifications (tenant_id, team_id, due_on, id) WHERE state = 'SUBMITTED'`);
    await q.query(`CREATE INDEX opinions_pending ON opinions (tenant_id, due_at, id) WHERE state IN ('RECEIVED', 'ACCEPTED')`);
    await q.query(`CREATE INDEX opinions_responsible ON opinions (tenant_id, responsible_id) WHERE state = 'ACCEPTED'`);
    await q.query(`CREATE INDEX service_requests_open ON service_requests (tenant_id, due_at, id) WHERE state = 'OPEN'`);
    await q.query(`CREATE INDEX exemplar_objections_open ON exemplar_objections (tenant_id, exemplar_id) WHERE answered_at IS NULL`);
    await q.query(`CREATE INDEX exemplars_in_notice ON exemplars (tenant_id, notice_ends_on) WHERE state = 'PUBLIC_NOTICE'`);
    await q.query(`CREATE INDEX notice_recipients_unread ON notice_recipients (tenant_id, org_id, notice_id) WHERE read_at IS NULL`);
    await q.query(`CREATE INDEX commitments_pledged ON commitments (tenant_id, due_on, id) WHERE state = 'PLEDGED'`);
    await q.query(`CREATE INDEX supervision_teams_leader ON supervision_teams (tenant_id, leader_id)`);
    await q.query(`CREATE INDEX supervision_team_members_user ON supervision_team_members (tenant_id, user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [
      'supervision_team_members_user',
      'supervision_teams_leader',
      'commitments_pledged',
      'notice_recipients_unread',
      'exemplars_in_notice',
      'exemplar_objections_open',
      'service_requests_open',
      'opinions_responsible',
      'opinions_pending',
      'rectifications_to_verify',
      'rectifications_to_report',
      'evaluations_pending',
      'orgs_depth_path_key',
    ]) {
      await q.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
