import { Client } from 'pg';
import { TestServer, lockWaiters } from './server';

/** Moves each org (row ids) with its subtree under `parentId` in `mover`'s open transaction, as moveOrg writes it, and commits. */
export async function moveUnderAndCommit(mover: Client, tenantId: string, orgIds: string[], parentId: string): Promise<void> {
  await mover.query(
    `UPDATE orgs o SET path = p.path || subpath(o.path, nlevel(m.path) - 1),
                       parent_id = CASE WHEN o.id = m.id THEN p.id ELSE o.parent_id END
       FROM orgs m, orgs p
      WHERE m.tenant_id = $1 AND m.id = ANY($2::uuid[]) AND p.tenant_id = $1 AND p.id = $3 AND o.tenant_id = $1 AND o.path <@ m.path`,
    [tenantId, orgIds, parentId],
  );
  await mover.query('COMMIT');
}

/**
 * Requests that meet a move in progress: the orgs (row ids) are held FOR UPDATE as moveOrg holds them, the requests
 * start and are seen waiting on them, then the orgs move under `parentId` and the move commits. The requests' answers.
 */
export async function acrossMove<T>(
  server: TestServer,
  tenantId: string,
  orgIds: string[],
  parentId: string,
  requests: () => Promise<T>[],
): Promise<T[]> {
  const mover = await server.superuser({ own: true });
  await mover.query('BEGIN');
  await mover.query(`SELECT 1 FROM orgs WHERE tenant_id = $1 AND id = ANY($2::uuid[]) FOR UPDATE`, [tenantId, orgIds]);
  const pending = requests();
  const waiting = await lockWaiters(await server.superuser(), pending.length);
  if (waiting !== pending.length) throw new Error(`${pending.length} requests were to wait on the move, ${waiting} did`);
  await moveUnderAndCommit(mover, tenantId, orgIds, parentId);
  return Promise.all(pending);
}
