import { MigrationInterface, QueryRunner } from 'typeorm';
import { readFunction } from './read-function';

/**
 * The by-id reads of an evaluation as PL/pgSQL functions, so that each database connection plans them
 * once: `evaluation(id:)` (the evaluation with its org) and the read of the mutations that change an
 * evaluation (with its campaign, the campaign's scope org and targets as well). They are
 * scoped.ts `inScopeStatement`'s statement for `evaluations`, the second with campaign.service.ts
 * `campaignAlongsideSql`'s joins; the rows come back whole (composite columns), so a column added to
 * those tables needs no change here. Sent as text the second was planned on every request: in pgbench
 * on the bench database, BEGIN + settings + this read + COMMIT took 1.25–1.42 ms, 0.96–1.01 through
 * the function. STABLE and SECURITY INVOKER, under row-level security; reads (request-transaction.ts).
 */
export class EvaluationReadFunctions1734260000000 implements MigrationInterface {
  name = 'EvaluationReadFunctions1734260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      readFunction(
        'app_read_evaluation(p_tenant uuid, p_id uuid)',
        'x evaluations, o orgs',
        `SELECT x, o FROM evaluations x LEFT JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x.org_id
          WHERE x.tenant_id = p_tenant AND x.id = p_id`,
      ),
    );
    await q.query(
      readFunction(
        'app_read_evaluation_to_change(p_tenant uuid, p_id uuid)',
        'x evaluations, o orgs, c campaigns, cs orgs, c_targets json',
        `SELECT x, o, c, cs,
                (SELECT coalesce(json_agg(json_build_object('dueOn', t.due_on, 'ratio', t.ratio) ORDER BY t.due_on), '[]')
                   FROM campaign_targets t WHERE t.tenant_id = c.tenant_id AND t.campaign_id = c.id)
           FROM evaluations x
           LEFT JOIN orgs o ON o.tenant_id = x.tenant_id AND o.id = x.org_id
           LEFT JOIN campaigns c ON c.tenant_id = x.tenant_id AND c.id = x.campaign_id
           LEFT JOIN orgs cs ON cs.tenant_id = c.tenant_id AND cs.id = c.scope_org_id
          WHERE x.tenant_id = p_tenant AND x.id = p_id`,
      ),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_read_evaluation_to_change(uuid, uuid)`);
    await q.query(`DROP FUNCTION IF EXISTS app_read_evaluation(uuid, uuid)`);
  }
}
